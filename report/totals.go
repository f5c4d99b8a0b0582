package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Totals counts a result set for the line that ends the scan and triage
// tables: how many messages, by heaviest class, by queue, and how many
// could not be read, so the admin sees the whole queue even when the
// table shows only its riskiest rows.
type Totals struct {
	Messages   int
	Unreadable int
	ByClass    map[model.Class]int
	ByQueue    map[string]int
}

// Add counts one message.
func (t *Totals) Add(m *model.Message) {
	if t.ByClass == nil {
		t.ByClass, t.ByQueue = map[model.Class]int{}, map[string]int{}
	}
	t.Messages++
	if m.Error != "" {
		t.Unreadable++
	}
	t.ByClass[m.TopClass()]++
	q := m.Queue
	if q == "" {
		q = "no queue"
	}
	t.ByQueue[q]++
}

// String is the totals line: "Totals: 300 messages; 12 crash, 3 stall,
// 20 risk, 5 info, 260 without findings; IN 215, OUT 85; 1 unreadable".
func (t *Totals) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Totals: %d messages", t.Messages)
	if t.Messages == 0 {
		return b.String()
	}
	var classes []string
	for c := model.ClassCrash; c > model.ClassNone; c-- {
		if n := t.ByClass[c]; n > 0 {
			classes = append(classes, fmt.Sprintf("%d %s", n, c))
		}
	}
	if n := t.ByClass[model.ClassNone]; n > 0 {
		classes = append(classes, fmt.Sprintf("%d without findings", n))
	}
	b.WriteString("; " + strings.Join(classes, ", "))
	queues := make([]string, 0, len(t.ByQueue))
	for q := range t.ByQueue {
		queues = append(queues, q)
	}
	sort.Strings(queues)
	for i, q := range queues {
		queues[i] = fmt.Sprintf("%s %d", q, t.ByQueue[q])
	}
	b.WriteString("; " + strings.Join(queues, ", "))
	fmt.Fprintf(&b, "; %d unreadable", t.Unreadable)
	return b.String()
}
