package repair

// fixers maps a rule ID to its fixer. A rule without one is reported with
// its rules.RepairDoc, which says why no safe repair exists.
var fixers = map[string]fixer{
	"blank-charset":                    fixBlankCharset,
	"header-block-over-32k":            fixHeaderBlock,
	"header-field-over-21k":            fixHeaderField,
	"subject-over-20k":                 fixSubject,
	"filename-unbalanced-paren":        fixFilenameParen,
	"missing-boundary-prolog":          fixMissingBoundaryProlog,
	"tnef-corrupt":                     fixTNEFCorrupt,
	"uuencode-no-end":                  fixUuencodeNoEnd,
	"base64-invalid":                   fixBase64Invalid,
	"rtf-corrupt":                      fixRTFCorrupt,
	"content-type-invalid-chars":       fixContentTypeInvalidChars,
	"address-comment-separator":        fixAddressCommentSeparator,
	"address-mixed-separators":         fixAddressMixedSeparators,
	"imcea-malformed":                  fixIMCEAMalformed,
	"filename-over-246-bytes":          fixFilenameOver246,
	"dbcs-invalid-sequence":            fixDBCSInvalid,
	"crlf-run-128":                     fixCRLFRun,
	"qp-utf16-misaligned":              fixQPUTF16,
	"header-non-header-line":           fixHeaderNonHeaderLine,
	"received-comment-date":            fixReceivedCommentDate,
	"mac-attributes-invalid":           fixMacAttributes,
	"header-8bit":                      fixHeader8Bit,
	"multipart-digest-foreign-charset": fixDigestForeignCharset,
	"charset-unknown":                  fixCharsetUnknown,
	"no-final-crlf":                    fixNoFinalCRLF,
}
