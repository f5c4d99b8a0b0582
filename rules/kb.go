package rules

// kbRules is the first table of poison-rules.md: the IMS crash and stall
// triggers documented in the KB, in catalogue order. Each rule lives in
// its own kb_*.go file.
var kbRules = []Rule{}
