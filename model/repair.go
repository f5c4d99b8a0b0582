package model

// Repair outcomes (RepairRecord.Status).
const (
	// RepairRepaired: a copy was written and no crash- or stall-class
	// finding with a known repair is left in it.
	RepairRepaired = "repaired"
	// RepairNotRepairable: no copy was written; Remaining says why.
	RepairNotRepairable = "not-repairable"
	// RepairClean: nothing to repair (no crash- or stall-class finding).
	RepairClean = "clean"
	// RepairError: the input could not be read, or the copy not written.
	RepairError = "error"
)

// RepairRecord is the JSON record of "imsforensic repair", one per input.
// Changes apply in the order listed: each Offset is a byte offset in the
// file as it was when that change was made (the original for the first
// change), so replaying the list over the original gives the copy.
type RepairRecord struct {
	Type   RecordType `json:"type"` // always TypeRepair
	Schema int        `json:"schema"`

	Path   string `json:"path"`
	Out    string `json:"out"` // the repaired copy; "" when none was written
	Status string `json:"status"`

	SHA256Before string `json:"sha256_before"`
	SHA256After  string `json:"sha256_after"`

	Changes   []RepairChange    `json:"changes"`
	Remaining []RepairRemaining `json:"remaining"`
	Error     string            `json:"error,omitempty"`
}

// RepairChange is one byte edit: Before (the bytes at Offset) became After.
type RepairChange struct {
	Rule   string   `json:"rule"`
	Part   string   `json:"part"`
	Offset int64    `json:"offset"`
	Before Text     `json:"before"`
	After  Text     `json:"after"`
	KB     []string `json:"kb"`
	// Note says in words what the change does ("blank charset set to
	// us-ascii: the part's bytes are 7-bit").
	Note string `json:"note,omitempty"`
}

// RepairRemaining is a crash- or stall-class finding the repair did not
// remove (in the copy when one was written, else in the original), with
// why no repair applies.
type RepairRemaining struct {
	Rule   string `json:"rule"`
	Class  Class  `json:"class"`
	Part   string `json:"part"`
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
}
