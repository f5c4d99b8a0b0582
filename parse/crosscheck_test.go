package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
)

// TestTreeMatchesGoMessage cross-checks the streaming scanner's MIME tree
// with go-message's Entity.Walk on well-formed messages: same parts, same
// media types, in the same order. go-message does not descend into
// message/rfc822, so neither does the comparison.
func TestTreeMatchesGoMessage(t *testing.T) {
	for _, name := range []string{"plain.eml", "nested-rfc822.eml", "pickup-x-sender.eml", "ims-q190709-layout", "replay-dir.eml"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(bytes.NewReader(raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			var ours []string
			skip := ""
			for _, p := range m.Parts {
				if skip != "" && strings.HasPrefix(p.Path, skip) {
					continue
				}
				skip = ""
				ours = append(ours, p.Path+"="+p.MediaType)
				if p.MediaType == "message/rfc822" {
					skip = p.Path + "."
				}
			}
			e, err := message.Read(bytes.NewReader(raw[m.MessageOffset:]))
			if err != nil {
				t.Fatalf("go-message: %v", err)
			}
			var theirs []string
			err = e.Walk(func(path []int, ent *message.Entity, err error) error {
				if err != nil {
					return err
				}
				mt, _, _ := ent.Header.ContentType()
				if mt == "" {
					mt = "text/plain"
				}
				var ps []string
				for _, i := range path {
					ps = append(ps, strconv.Itoa(i+1))
				}
				theirs = append(theirs, strings.Join(ps, ".")+"="+mt)
				return nil
			})
			if err != nil {
				t.Fatalf("walk: %v", err)
			}
			if strings.Join(ours, " ") != strings.Join(theirs, " ") {
				t.Errorf("tree differs:\n ours   %v\n theirs %v", ours, theirs)
			}
		})
	}
}
