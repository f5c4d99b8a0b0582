package replay

import "github.com/imsforensic/imsforensic/model"

// HoldBack is replay's hold-back rule (DESIGN.md section 4, item 5): a
// message with a crash-class finding is held, unless opts.IncludeSuspects
// and the user selected it by name (opts.Named). rule is its first crash
// finding. Run applies it to every message; Preview shows it.
func HoldBack(m *model.Message, opts Options) (rule string, held bool) {
	if m.TopClass() != model.ClassCrash {
		return "", false
	}
	for _, f := range m.Findings {
		if f.Class == model.ClassCrash {
			rule = f.Rule
			break
		}
	}
	if opts.IncludeSuspects && namedIn(m, opts.Named) {
		return rule, false
	}
	return rule, true
}

// holdReason is the Reason of a hold record.
func holdReason(rule string) string {
	return "crash-class finding " + rule + ": held back; replay it only by name with --include-suspects"
}

// Preview is the plan Run makes for msgs before it asks a target: one
// record per message, in the order given, either held back (ActionHold,
// by HoldBack) or planned (ActionPlan). It reads and writes nothing and
// needs no target, so reports can show the plan replay will follow; a
// target may still skip or refuse a planned message (a name collision,
// a format it cannot take), which only replay --dry-run against it tells.
// Records carry each message's Path as given.
func Preview(msgs []*model.Message, opts Options) []model.ReplayRecord {
	out := make([]model.ReplayRecord, 0, len(msgs))
	for _, m := range msgs {
		rec := model.ReplayRecord{Type: model.TypeReplay, Schema: model.SchemaVersion, Path: m.Path, SHA256Before: m.SHA256,
			Action: model.ActionPlan, Result: model.ResultPlanned}
		if rule, held := HoldBack(m, opts); held {
			rec.Action, rec.Result, rec.Reason = model.ActionHold, model.ResultHeld, holdReason(rule)
		}
		out = append(out, rec)
	}
	return out
}
