package parse

import "github.com/imsforensic/imsforensic/model"

// ParamsOf reads a Content-Type or Content-Disposition field leniently, as
// describe does for the first such field of a part: the lower-cased
// type/subtype (or disposition type) and every parameter as written, broken
// ones included. Rules use it for the fields describe does not read (a
// second Content-Type), since mime.ParseMediaType drops the parameters a
// poison message is made of (charset= unquoted and empty).
func ParamsOf(f *model.HeaderField) (mediaType string, params []model.Param) {
	mt, at := mediaTypeOf(string(f.Value))
	return mt, readParams(f, at)
}
