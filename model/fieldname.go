package model

import "strings"

// FieldName says which well-known header field a HeaderField's name is,
// its ASCII letters compared case-insensitively: the parser sets
// HeaderField.Known once per field (FieldNameOf), and the rules that look
// for Content-Type, Received, To and the rest compare one byte instead of
// folding the name again, a dozen rules over every field of every part
// (issue 16). FieldUnset (a field built elsewhere, or a name with a byte
// above ASCII) means the name itself must be compared; FieldOther is an
// ASCII name that is none of these.
type FieldName uint8

// The well-known names, in lower case in fieldNames.
const (
	FieldUnset FieldName = iota
	FieldOther
	FieldContentType
	FieldContentTransferEncoding
	FieldContentDisposition
	FieldReceived
	FieldSubject
	FieldMIMEVersion
	FieldFrom
	FieldSender
	FieldReplyTo
	FieldTo
	FieldCc
	FieldBcc
	FieldReturnPath
	FieldResentFrom
	FieldResentSender
	FieldResentTo
	FieldResentCc
	FieldResentBcc
	FieldDispositionNotificationTo
	FieldDate
	FieldMessageID
	FieldXMacCreator
	FieldXMacType
	fieldNameCount
)

var fieldNames = [fieldNameCount]string{
	FieldContentType:               "content-type",
	FieldContentTransferEncoding:   "content-transfer-encoding",
	FieldContentDisposition:        "content-disposition",
	FieldReceived:                  "received",
	FieldSubject:                   "subject",
	FieldMIMEVersion:               "mime-version",
	FieldFrom:                      "from",
	FieldSender:                    "sender",
	FieldReplyTo:                   "reply-to",
	FieldTo:                        "to",
	FieldCc:                        "cc",
	FieldBcc:                       "bcc",
	FieldReturnPath:                "return-path",
	FieldResentFrom:                "resent-from",
	FieldResentSender:              "resent-sender",
	FieldResentTo:                  "resent-to",
	FieldResentCc:                  "resent-cc",
	FieldResentBcc:                 "resent-bcc",
	FieldDispositionNotificationTo: "disposition-notification-to",
	FieldDate:                      "date",
	FieldMessageID:                 "message-id",
	FieldXMacCreator:               "x-mac-creator",
	FieldXMacType:                  "x-mac-type",
}

// maxFieldName is the length of the longest of fieldNames.
const maxFieldName = len("disposition-notification-to")

// Lower is the lower-case name of a well-known field ("" for FieldUnset
// and FieldOther).
func (n FieldName) Lower() string {
	if n < fieldNameCount {
		return fieldNames[n]
	}
	return ""
}

// FieldNameOf returns the code of a field name: the well-known field it
// is with its ASCII letters lowered, FieldOther for any other ASCII name,
// FieldUnset for a name with a byte above ASCII (Unicode case rules, for
// which the callers compare the name itself).
func FieldNameOf[S ~string | ~[]byte](name S) FieldName {
	if len(name) > maxFieldName {
		for i := 0; i < len(name); i++ {
			if name[i] >= 0x80 {
				return FieldUnset
			}
		}
		return FieldOther
	}
	var buf [maxFieldName]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 0x80 {
			return FieldUnset
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return lowerFieldName(string(buf[:len(name)]))
}

// LookupFieldName is the code of a lower-case ASCII name: FieldOther when
// it is not one of the well-known ones.
func LookupFieldName(lower string) FieldName { return lowerFieldName(lower) }

func lowerFieldName(l string) FieldName {
	switch l {
	case "content-type":
		return FieldContentType
	case "content-transfer-encoding":
		return FieldContentTransferEncoding
	case "content-disposition":
		return FieldContentDisposition
	case "received":
		return FieldReceived
	case "subject":
		return FieldSubject
	case "mime-version":
		return FieldMIMEVersion
	case "from":
		return FieldFrom
	case "sender":
		return FieldSender
	case "reply-to":
		return FieldReplyTo
	case "to":
		return FieldTo
	case "cc":
		return FieldCc
	case "bcc":
		return FieldBcc
	case "return-path":
		return FieldReturnPath
	case "resent-from":
		return FieldResentFrom
	case "resent-sender":
		return FieldResentSender
	case "resent-to":
		return FieldResentTo
	case "resent-cc":
		return FieldResentCc
	case "resent-bcc":
		return FieldResentBcc
	case "disposition-notification-to":
		return FieldDispositionNotificationTo
	case "date":
		return FieldDate
	case "message-id":
		return FieldMessageID
	case "x-mac-creator":
		return FieldXMacCreator
	case "x-mac-type":
		return FieldXMacType
	}
	return FieldOther
}

// NameFold reports strings.EqualFold(string(f.Name), n.Lower()), from
// f.Known when the parser set it.
func (f *HeaderField) NameFold(n FieldName) bool {
	if f.Known != FieldUnset {
		return f.Known == n
	}
	return strings.EqualFold(string(f.Name), n.Lower())
}

// NameLower reports strings.ToLower(string(f.Name)) == n.Lower(), from
// f.Known when the parser set it.
func (f *HeaderField) NameLower(n FieldName) bool {
	if f.Known != FieldUnset {
		return f.Known == n
	}
	return strings.ToLower(string(f.Name)) == n.Lower()
}

// FieldNames is a set of well-known field names.
type FieldNames struct {
	bits  uint32
	lower []string
}

// NewFieldNames is the set of the given lower-case names; each must be
// well-known (it panics otherwise: a programming error, found at init).
func NewFieldNames(lower ...string) FieldNames {
	s := FieldNames{lower: lower}
	for _, l := range lower {
		n := lowerFieldName(l)
		if n == FieldOther {
			panic("model: " + l + " is not a well-known field name")
		}
		s.bits |= 1 << n
	}
	return s
}

// Names are the set's lower-case names, as given.
func (s FieldNames) Names() []string { return s.lower }

// HasLower reports whether strings.ToLower(string(f.Name)) is one of the
// set, from f.Known when the parser set it.
func (s FieldNames) HasLower(f *HeaderField) bool {
	if f.Known != FieldUnset {
		return s.bits&(1<<f.Known) != 0
	}
	l := strings.ToLower(string(f.Name))
	for _, n := range s.lower {
		if n == l {
			return true
		}
	}
	return false
}
