package rules

import (
	"fmt"
	"sync"

	"github.com/imsforensic/imsforensic/model"
)

// Rule is one entry of the catalogue.
type Rule struct {
	ID    string
	Class model.Class
	// Dir is where the KB saw the trigger: IN, OUT or IN/OUT.
	Dir string
	KB  []string
	// Doc is one line for --help and the README table.
	Doc string
	// Check reports the rule's findings on m through emit. It must not
	// keep state between calls.
	Check func(m *model.Message, c *Config, emit Emitter)
}

// Emitter receives a rule's findings. Class, KB and rule ID are filled in
// by Check from the Rule; a rule only says where and why.
type Emitter func(part string, offset int64, evidence model.Text, detail string)

// Registry returns the whole catalogue: the general-malformation rules
// and the KB rules, in catalogue order.
// The slice is shared: callers must not modify it.
func Registry() []Rule { return registry }

// registry is built once: Check runs on every file of a scan.
var registry = append(append(make([]Rule, 0, len(generalRules)+len(kbRules)), generalRules...), kbRules...)

// Lookup returns the rule with that ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range Registry() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Check runs every enabled rule on m and returns the findings, sorted.
func Check(m *model.Message, cfg *Config) []model.Finding {
	// One collector and one emitter closure serve every rule: a closure
	// per rule (capturing that rule) was most of a scan's allocations.
	// They and the defaulted Config live in a pooled checkState, which
	// the rules' calls made escape: three allocations per message.
	st := checkStates.Get().(*checkState)
	st.c = cfg.withDefaults()
	st.col = collector{c: &st.c, fs: []model.Finding{}}
	c, col, emit := &st.c, &st.col, st.emit
	defer func() {
		// Nothing of this message's stays reachable from the pool.
		st.c, st.col = Config{}, collector{}
		checkStates.Put(st)
	}()
	dirOfQueue := queueDir(m.Queue)
	// The overrides are looked up only when there are some: three map
	// lookups by rule ID for each of 70 rules of every message, with
	// every map empty (no --rules), were a third of Check's own time.
	disabled, classes, confidence := len(c.Disabled) > 0, len(c.Classes) > 0, len(c.Confidence) > 0
	for i := range registry {
		r := &registry[i]
		if disabled && c.Disabled[r.ID] {
			continue
		}
		class := r.Class
		if classes {
			if o, ok := c.Classes[r.ID]; ok {
				class = o
			}
		}
		class, dir, why, ok := directed(r, registryOff[i], dirOfQueue, class)
		if !ok {
			continue
		}
		conf := 1.0
		if confidence {
			if w, ok := c.Confidence[r.ID]; ok {
				conf = w
			}
		}
		kb := r.KB
		if kb == nil {
			kb = []string{}
		}
		col.rule, col.class, col.dir, col.why, col.kb, col.conf, col.n = r, class, dir, why, kb, conf, 0
		r.Check(m, c, emit)
		if n := col.n; n > c.MaxFindingsPerRule {
			fs := col.fs
			col.fs = append(fs, model.Finding{Rule: r.ID, Class: class, Offset: fs[len(fs)-1].Offset, Evidence: fs[len(fs)-1].Evidence,
				Detail: fmt.Sprintf("%d more findings of this rule not listed", n-c.MaxFindingsPerRule), KB: kb, Confidence: conf, Part: fs[len(fs)-1].Part})
		}
	}
	if len(col.fs) > 1 {
		model.SortFindings(col.fs) // sort.SliceStable's closure is an allocation even for one
	}
	return col.fs
}

// checkState is what one Check needs besides the message: the defaulted
// Config, the collector and the emitter bound to it (made once per
// pooled state).
type checkState struct {
	c    Config
	col  collector
	emit Emitter
}

var checkStates = sync.Pool{New: func() any {
	st := new(checkState)
	st.emit = st.col.emit
	return st
}}

// collector gathers the findings of Check: the fields describe the rule
// being run.
type collector struct {
	c     *Config
	fs    []model.Finding
	rule  *Rule
	class model.Class
	dir   string // with why, the off-direction note (see directed)
	why   string
	kb    []string
	conf  float64
	n     int
}

func (col *collector) emit(part string, offset int64, ev model.Text, detail string) {
	col.n++
	if col.n > col.c.MaxFindingsPerRule {
		return
	}
	if len(ev) > model.ExcerptLen {
		ev = ev[:model.ExcerptLen]
	}
	if col.dir != "" {
		detail += " (in " + col.dir + ": " + col.why + ")"
	}
	col.fs = append(col.fs, model.Finding{Rule: col.rule.ID, Class: col.class, Part: part, Offset: offset, Evidence: ev, Detail: detail, KB: col.kb, Confidence: col.conf})
}

// Apply sets m.Findings and m.Score.
func Apply(m *model.Message, cfg *Config) {
	m.Findings = Check(m, cfg)
	m.Score = Score(m.Findings)
}

// Score is a message's risk score: for each rule that fired, its class
// weight times its confidence, counted once per rule so that a rule firing
// on every line does not drown a single crash trigger.
func Score(fs []model.Finding) float64 {
	best := map[string]float64{}
	for _, f := range fs {
		if s := f.Score(); s > best[f.Rule] {
			best[f.Rule] = s
		}
	}
	var total float64
	for _, s := range best {
		total += s
	}
	return total
}
