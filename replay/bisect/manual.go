package bisect

import "github.com/imsforensic/imsforensic/model"

// ManualMethod describes ManualHalving in one line.
const ManualMethod = "KB Q168883 halving by hand: put half back, restart, wait; when it crashes the other half is put back in its own round too, since more than one file may be bad"

// ManualHalving counts the rounds of the KB's manual procedure on msgs,
// with isCulprit as the store's behaviour: put every file back once (does
// it crash at all?), then halve. When the first half goes through, its
// files are delivered and the culprit is in the other half. When it
// crashes, the admin pulls it out and also puts the other half back in a
// round of its own: with an unknown number of bad files, an untested half
// cannot be assumed clean. Sets that crash are halved in turn.
func ManualHalving(msgs []*model.Message, isCulprit func(*model.Message) bool) model.ManualCost {
	man := model.ManualCost{Method: ManualMethod}
	test := func(g []*model.Message) bool {
		man.Rounds++
		for _, m := range g {
			man.Sent++
			if isCulprit(m) {
				return true
			}
		}
		return false
	}
	if !test(msgs) {
		return man
	}
	stack := [][]*model.Message{msgs}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for len(g) > 1 {
			half := (len(g) + 1) / 2
			a, b := g[:half], g[half:]
			if test(a) {
				if test(b) {
					stack = append(stack, b)
				}
				g = a
			} else {
				g = b
			}
		}
	}
	return man
}
