package model

// Redact outcomes (RedactRecord.Status).
const (
	// RedactRedacted: a copy was written; every finding of the original is
	// found again in it, and no word of the original is left.
	RedactRedacted = "redacted"
	// RedactKeptForFinding: a copy was written, but words of the original
	// are left in ranges kept because a finding needs them (Left names
	// them and the rule): read them before sharing the copy.
	RedactKeptForFinding = "kept-for-finding"
	// RedactFindingChanged: "redaction changed the finding": a copy was
	// written, but a finding of the original is gone or a new one appeared
	// (Changed names the rules).
	RedactFindingChanged = "finding-changed"
	// RedactNotSafe: a word of the original is left that no finding
	// explains; no copy was written.
	RedactNotSafe = "not-safe"
	// RedactError: the input could not be read or the copy not written.
	RedactError = "error"
)

// RedactRecord is the JSON record of "imsforensic redact", one per input.
// A redacted copy has the original's length: every placeholder has the
// length and character class of what it replaces, so every offset of the
// original's findings points at the same structure in the copy.
type RedactRecord struct {
	Type   RecordType `json:"type"` // always TypeRedact
	Schema int        `json:"schema"`

	Path   string `json:"path"`
	Out    string `json:"out"`
	Status string `json:"status"`

	SHA256Before string `json:"sha256_before"`
	SHA256After  string `json:"sha256_after"`

	// Rules are the rule IDs that fire on the original (and, unless
	// Changed says otherwise, on the copy).
	Rules   []string       `json:"rules"`
	Changed []RedactChange `json:"changed"`
	Kept    []RedactKept   `json:"kept"`
	Left    []RedactLeft   `json:"left"`
	Error   string         `json:"error,omitempty"`
}

// RedactChange is a finding redaction removed ("lost") or added ("added").
type RedactChange struct {
	Rule   string `json:"rule"`
	Part   string `json:"part"`
	Offset int64  `json:"offset"`
	Change string `json:"change"`
}

// RedactKept is a byte range left as written because a finding of Rule
// points into it.
type RedactKept struct {
	Rule   string `json:"rule"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	Why    string `json:"why"`
}

// RedactLeft is a word of the original still in the copy: inside a range
// kept for Rule, or (Rule "") unexplained.
type RedactLeft struct {
	Word   Text   `json:"word"`
	Offset int64  `json:"offset"`
	Rule   string `json:"rule,omitempty"`
}

// RedactMapping is one line of the --map file: a word and its placeholder.
type RedactMapping struct {
	Type        RecordType `json:"type"` // always TypeRedactMap
	Schema      int        `json:"schema"`
	Original    Text       `json:"original"`
	Placeholder Text       `json:"placeholder"`
}
