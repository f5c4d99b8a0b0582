package triage

import "strings"

// faultFunction is one row of the KB table that maps a function named by
// Dr. Watson (Drwtsn32.log, event 4097) to the rules whose messages are
// known to crash in it (ims-kb.md 2.1, 2.2, 2.5 and 4.5).
type faultFunction struct {
	// Name is the function part, lower case, without module ("store!") or
	// class ("CmnBptMessage::") prefix: what Dr. Watson prints varies in
	// both.
	Name string
	// Rules are poison-rules.md rule IDs.
	Rules []string
	// Dir is where the faulting conversion runs: IN (IMAIL inbound
	// conversion in store.exe) or OUT (the IMS outbound queue).
	Dir string
	KB  []string
}

var (
	tnefRules   = []string{"tnef-corrupt", "tnef-part"}
	parserRules = []string{"blank-charset", "content-type-invalid-chars", "missing-boundary-prolog"}
)

// faultFunctions is the function table. Sources: the KB article each row
// cites, as summarised in ims-kb.md section 2.
var faultFunctions = []faultFunction{
	{Name: "cleantnef", Rules: tnefRules, Dir: "IN", KB: []string{"Q152937"}},
	{Name: "tnef_extractprops", Rules: tnefRules, Dir: "IN", KB: []string{"Q164960", "Q166585"}},
	{Name: "ecfindjtabnameid", Rules: tnefRules, Dir: "IN", KB: []string{"Q164960"}},
	{Name: "exchmheapfree", Rules: tnefRules, Dir: "IN", KB: []string{"Q166585"}},
	{Name: "ecformatmvstring8", Rules: tnefRules, Dir: "IN", KB: []string{"Q179814"}},
	{Name: "hrprocessaddressset", Rules: tnefRules, Dir: "IN", KB: []string{"Q250302"}},
	{Name: "hrsetrtfbodytag", Rules: tnefRules, Dir: "IN", KB: []string{"Q177268"}},
	{Name: "schandleahref", Rules: []string{"html-href-leading-space"}, Dir: "IN", KB: []string{"Q194337"}},
	{Name: "hrdecodeencapsulation", Rules: []string{"dsn-report", "rtf-corrupt"}, Dir: "IN", KB: []string{"Q303686"}},
	{Name: "hrdecodertf", Rules: []string{"dsn-report", "rtf-corrupt"}, Dir: "IN", KB: []string{"Q192940"}},
	{Name: "cbgetfilenamepart", Rules: []string{"filename-unicode-no-extension"}, Dir: "IN", KB: []string{"Q187866"}},
	{Name: "freepadrlist", Rules: []string{"embedded-message-with-attachments"}, Dir: "IN", KB: []string{"Q230563"}},
	{Name: "hrencodestring", Rules: []string{"dbcs-invalid-sequence"}, Dir: "IN", KB: []string{"Q266638", "Q282796"}},
	// Q275714: the crash stack of the malformed MIME header of MS00-082
	// (charset = "" per the Snort rule, invalid Content-Type values per
	// Q304024, a broken boundary per its title).
	{Name: "hrextract", Rules: parserRules, Dir: "IN", KB: []string{"Q275714", "Q293288"}},
	{Name: "hraddparm", Rules: parserRules, Dir: "IN", KB: []string{"Q275714", "Q293288"}},
	{Name: "loadcacheddetailinfo", Rules: []string{"address-mixed-separators"}, Dir: "OUT", KB: []string{"Q256114"}},
	{Name: "eccodepageconvertxraw", Rules: []string{"charset-unknown"}, Dir: "IN", KB: []string{"Q198581"}},
	{Name: "isuniquefilename", Rules: []string{"filename-over-246-bytes"}, Dir: "IN", KB: []string{"Q195970", "Q258319"}},
	// Q289865 only says "a message failing IMAIL conversion"; the
	// international short-cut check is [INFERRED] to be about DBCS and
	// 8-bit header text. It raises weights, it never accuses on its own.
	{Name: "hrcheckintlshcut", Rules: []string{"dbcs-invalid-sequence", "header-8bit"}, Dir: "IN", KB: []string{"Q289865"}},
}

// lookupFunction finds the table row for a function as Dr. Watson wrote
// it: "store!CmnBptMessage::cleanTNEF+0x2a", "CINETextr::hrExtract",
// "cleanTNEF". Matching is case-insensitive on the part after the last
// "!" and the last "::".
func lookupFunction(fn string) (faultFunction, bool) {
	key := functionKey(fn)
	if key == "" {
		return faultFunction{}, false
	}
	for _, f := range faultFunctions {
		if f.Name == key {
			return f, true
		}
	}
	return faultFunction{}, false
}

func functionKey(fn string) string {
	fn = strings.TrimSpace(fn)
	if i := strings.LastIndex(fn, "!"); i >= 0 {
		fn = fn[i+1:]
	}
	if i := strings.IndexAny(fn, "+ ("); i >= 0 {
		fn = fn[:i]
	}
	if i := strings.LastIndex(fn, "::"); i >= 0 {
		fn = fn[i+2:]
	}
	return strings.ToLower(fn)
}
