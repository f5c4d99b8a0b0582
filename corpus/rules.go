package corpus

import "slices"

// ruleInfo is one row of reference/poison-rules.md as the generator needs
// it: the ID, the class and the queue a poison message for it goes to.
type ruleInfo struct {
	id    string
	class string // crash, stall, risk, info
	dir   string // IN or OUT: where the generator places the poison message
}

// catalogue lists every rule ID of poison-rules.md, both tables, in the
// order of the document. The triage and rules engineers cross-check their
// registry against RuleIDs().
var catalogue = []ruleInfo{
	// Known crash and stall triggers (the IMS catalogue).
	{"blank-charset", "crash", "IN"},
	{"header-block-over-32k", "crash", "OUT"},
	{"header-field-over-21k", "crash", "OUT"},
	{"subject-over-20k", "crash", "IN"},
	{"filename-unbalanced-paren", "crash", "IN"},
	{"missing-boundary-prolog", "crash", "IN"},
	{"mime-nesting-over-30", "crash", "IN"},
	{"tnef-corrupt", "crash", "IN"},
	{"tnef-part", "risk", "IN"},
	{"binhex-part", "risk", "IN"},
	{"uuencode-no-end", "crash", "IN"},
	{"uuencode-junk-after-end", "stall", "IN"},
	{"base64-invalid", "crash", "IN"},
	{"rtf-corrupt", "crash", "IN"},
	{"html-href-leading-space", "risk", "IN"},
	{"content-type-invalid-chars", "crash", "IN"},
	{"address-comment-separator", "crash", "IN"},
	{"address-mixed-separators", "crash", "OUT"},
	{"imcea-malformed", "crash", "IN"},
	{"filename-unicode-no-extension", "risk", "IN"},
	{"filename-over-246-bytes", "crash", "IN"},
	{"dbcs-invalid-sequence", "crash", "IN"},
	{"crlf-run-128", "crash", "IN"},
	{"qp-utf16-misaligned", "crash", "IN"},
	{"dsn-report", "risk", "IN"},
	{"embedded-message-with-attachments", "risk", "IN"},
	{"postscript-qp", "risk", "IN"},
	{"header-non-header-line", "crash", "IN"},
	{"received-comment-date", "stall", "IN"},
	{"mac-attributes-invalid", "stall", "IN"},
	{"recipients-over-32766", "stall", "IN"},
	{"recipients-over-limit", "stall", "IN"},
	{"recipients-over-100", "risk", "OUT"},
	{"header-8bit", "stall", "IN"},
	{"multipart-digest-foreign-charset", "stall", "IN"},
	{"charset-unknown", "stall", "IN"},
	{"x400-address-over-1024", "crash", "OUT"},
	{"no-final-crlf", "stall", "OUT"},
	// General malformation.
	{"line-over-998", "risk", "IN"},
	{"bare-lf", "risk", "IN"},
	{"bare-cr", "risk", "IN"},
	{"nul-byte", "risk", "IN"},
	{"header-count-over-1000", "risk", "IN"},
	{"boundary-missing", "risk", "IN"},
	{"boundary-invalid", "risk", "IN"},
	{"close-boundary-missing", "risk", "IN"},
	{"truncated", "risk", "IN"},
	{"duplicate-unique-header", "risk", "IN"},
	{"encoded-word-invalid", "risk", "IN"},
	{"date-invalid", "info", "IN"},
	{"date-missing", "info", "IN"},
	{"parts-over-1000", "risk", "IN"},
	{"cte-invalid", "risk", "IN"},
	{"empty-file", "stall", "IN"},
	{"no-message", "stall", "IN"},
	{"envelope-missing-recipient", "stall", "IN"},
	{"envelope-markers-broken", "stall", "IN"},
	{"lone-dot-line", "info", "IN"},
}

// RuleIDs returns every rule ID of reference/poison-rules.md (both tables),
// in the document's order. The slice is a fresh copy.
func RuleIDs() []string {
	ids := make([]string, len(catalogue))
	for i, r := range catalogue {
		ids[i] = r.id
	}
	return ids
}

// PoisonAll returns the Config.Poison value that plants every rule.
func PoisonAll() []string { return RuleIDs() }

// IsRuleID reports whether id is a rule ID of the catalogue.
func IsRuleID(id string) bool {
	return slices.ContainsFunc(catalogue, func(r ruleInfo) bool { return r.id == id })
}

func ruleByID(id string) (ruleInfo, bool) {
	for _, r := range catalogue {
		if r.id == id {
			return r, true
		}
	}
	return ruleInfo{}, false
}

var classRank = map[string]int{"": 0, "info": 1, "risk": 2, "stall": 3, "crash": 4}

// topClass is the heaviest class among rule IDs ("" for none).
func topClass(rules []string) string {
	best := ""
	for _, id := range rules {
		if r, ok := ruleByID(id); ok && classRank[r.class] > classRank[best] {
			best = r.class
		}
	}
	return best
}
