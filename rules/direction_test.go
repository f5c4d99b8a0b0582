package rules

import (
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// Every rule tied to one queue says what it does in the other one.
func TestEveryOneWayRuleSaysWhatItDoesElsewhere(t *testing.T) {
	for _, r := range Registry() {
		_, ok := offDirection[r.ID]
		if (r.Dir == "IN" || r.Dir == "OUT") != ok {
			t.Errorf("%s (dir %s): offDirection entry present=%v", r.ID, r.Dir, ok)
		}
	}
}

// Queue direction is applied: no-final-crlf (Q146993, OUT) is a stall in
// OUT, a risk with its reason in IN, and full class where the queue is
// unknown. The LF-throughout storage fact is one info finding, and a
// CRLF spool file that does not end in CRLF keeps the KB rule.
func TestQueueDirectionAndLineEndings(t *testing.T) {
	crlfNoEnd := []byte("From: a@example.org\r\nTo: b@example.com\r\nSubject: s\r\n\r\nbody")
	lfFile := []byte("From: a@example.org\nTo: b@example.com\nSubject: s\n\nbody\n")
	mixed := []byte("From: a@example.org\r\nTo: b@example.com\nSubject: s\r\n\r\nbody\r\n")
	classOf := func(raw []byte, queue, rule string) (model.Class, string) {
		fs := Check(parseBytes(t, raw, queue), nil)
		for _, f := range fs {
			if f.Rule == rule {
				return f.Class, f.Detail
			}
		}
		return model.ClassNone, ""
	}
	if c, _ := classOf(crlfNoEnd, model.QueueOUT, "no-final-crlf"); c != model.ClassStall {
		t.Errorf("no-final-crlf in OUT: %v, want stall", c)
	}
	if c, d := classOf(crlfNoEnd, model.QueueIN, "no-final-crlf"); c != model.ClassRisk || !strings.Contains(d, "in IN:") {
		t.Errorf("no-final-crlf in IN: %v %q, want risk with the reason", c, d)
	}
	if c, _ := classOf(crlfNoEnd, model.QueueNone, "no-final-crlf"); c != model.ClassStall {
		t.Errorf("no-final-crlf, queue unknown: %v, want stall", c)
	}
	for _, q := range []string{model.QueueIN, model.QueueOUT} {
		if c, _ := classOf(lfFile, q, "no-final-crlf"); c != model.ClassNone {
			t.Errorf("LF file in %s: no-final-crlf fired (%v)", q, c)
		}
		if c, _ := classOf(lfFile, q, "bare-lf"); c != model.ClassNone {
			t.Errorf("LF file in %s: bare-lf fired (%v)", q, c)
		}
		fs := Check(parseBytes(t, lfFile, q), nil)
		n := 0
		for _, f := range fs {
			if f.Rule == "lf-storage" {
				n++
				if f.Class != model.ClassInfo {
					t.Errorf("lf-storage class %v", f.Class)
				}
			}
		}
		if n != 1 {
			t.Errorf("LF file in %s: %d lf-storage findings, want 1", q, n)
		}
	}
	if c, _ := classOf(mixed, model.QueueIN, "bare-lf"); c != model.ClassRisk {
		t.Errorf("mixed endings: bare-lf %v, want risk", c)
	}
	// A spool file: the IMS writes CRLF, so LF line ends stay bare-lf and
	// a missing final CRLF stays the KB's stall in OUT.
	spool := append([]byte("\x01ImCr\x00<a@example.org>\x00<b@example.com>\x00EwLs"), lfFile[:len(lfFile)-1]...)
	m := parseBytes(t, spool, model.QueueOUT)
	if m.Format != model.FormatIMSSpool {
		t.Fatalf("format %s", m.Format)
	}
	if c, _ := classOf(spool, model.QueueOUT, "no-final-crlf"); c != model.ClassStall {
		t.Errorf("spool in OUT: no-final-crlf %v, want stall", c)
	}
	if c, _ := classOf(spool, model.QueueOUT, "bare-lf"); c != model.ClassRisk {
		t.Errorf("spool: bare-lf %v, want risk", c)
	}
	if c, _ := classOf(spool, model.QueueOUT, "lf-storage"); c != model.ClassNone {
		t.Errorf("spool: lf-storage fired")
	}
}
