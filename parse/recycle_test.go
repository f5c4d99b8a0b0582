package parse

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// drainRecycled empties the pools, so that the next parse starts on
// fresh storage.
func drainRecycled() {
	for recycledParts.Get() != nil {
	}
	for entities.Get() != nil {
	}
}

// TestRecycledStorageParsesTheSame: a parse that reuses the storage of
// recycled messages (Recycle) and the entities of earlier parses gives the
// very message a parse with fresh storage gives, field for field, on every file of a generated queue with
// every poison rule planted and of parse's test data, each parsed after
// the message before it was recycled; and a recycled message keeps no
// parts.
func TestRecycledStorageParsesTheSame(t *testing.T) {
	files := queueFiles(t, 11)
	parseAll := func(recycle bool) []*model.Message {
		drainRecycled()
		var out []*model.Message
		for _, b := range files {
			if !recycle {
				drainRecycled()
			}
			m, _ := Parse(bytes.NewReader(b), nil)
			out = append(out, m)
			if recycle {
				// Recycle a second parse of the same bytes: the first is kept
				// to be compared.
				r, _ := Parse(bytes.NewReader(b), nil)
				if Recycle(r); r.Parts != nil {
					t.Fatal("Recycle left parts on the message")
				}
			}
		}
		return out
	}
	want := parseAll(false)
	got := parseAll(true)
	reused := 0
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Fatalf("file %d (%d bytes): the parse on recycled storage differs", i, len(files[i]))
		}
		if len(got[i].Parts) > 0 {
			reused++
		}
	}
	if len(files) < 120 || reused == 0 {
		t.Fatalf("%d files, %d with parts: the test proves nothing", len(files), reused)
	}
}

// TestBuildFieldSharesNamesKeepsBytes: a built field's name and value
// are the bytes read, whether the name is a shared common one, another
// spelling of it, or any other.
func TestBuildFieldSharesNamesKeepsBytes(t *testing.T) {
	for _, name := range []string{"Subject", "SUBJECT", "subject", "X-Odd\x00Name", "", "Received", "Content-Type"} {
		for _, value := range []string{"", " hello", "\xff\r\n\tmore"} {
			var fb fieldBuilder
			fb.name, fb.value = []byte(name), []byte(value)
			f := fb.build()
			// The builder's buffers are reused for the next field.
			clear(fb.name)
			fb.value = append(fb.value[:0], "overwritten"...)
			fb.both = append(fb.both[:0], "overwritten, too"...)
			if string(f.Name) != name || string(f.Value) != value {
				t.Errorf("build(%q, %q) = %q, %q", name, value, f.Name, f.Value)
			}
		}
	}
}
