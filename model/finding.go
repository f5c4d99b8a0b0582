package model

import "sort"

// Finding is one rule's verdict on one place in one message. Offset is the
// file offset where Evidence starts: the bytes at Offset are the bytes
// Evidence quotes (shortened, never reworded).
type Finding struct {
	Rule       string   `json:"rule"`
	Class      Class    `json:"class"`
	Part       string   `json:"part"`
	Offset     int64    `json:"offset"`
	Evidence   Text     `json:"evidence"`
	Detail     string   `json:"detail,omitempty"`
	KB         []string `json:"kb"`
	Confidence float64  `json:"confidence"`
}

// Score is the finding's contribution to a message's risk score.
func (f Finding) Score() float64 { return f.Class.Weight() * f.Confidence }

// SortFindings orders findings by class (heaviest first), then offset,
// then rule ID, then part: the one order every renderer shows.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Class != b.Class {
			return a.Class > b.Class
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Part < b.Part
	})
}

// SortMessages orders messages riskiest first: score descending, then
// path ascending, so equal scores keep a stable, reproducible order.
func SortMessages(ms []*Message) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Score != ms[j].Score {
			return ms[i].Score > ms[j].Score
		}
		return ms[i].Path < ms[j].Path
	})
}

// SortMessagesByPath orders messages by path only.
func SortMessagesByPath(ms []*Message) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Path < ms[j].Path })
}
