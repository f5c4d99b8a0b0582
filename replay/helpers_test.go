package replay

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

// spoolBytes builds a file in the model layout of an IMS spool file: a
// binary prologue, ImCr, the envelope strings, EwLs, then RFC 822.
func spoolBytes(from string, to []string, rfc822 string) ([]byte, int64) {
	var b bytes.Buffer
	b.WriteString("\xf7ImCr\x00\xa0\xd8MK\x00mail.contoso.com\x00")
	fmt.Fprintf(&b, "<%s>\x00c=US;a= ;p=Contoso;l=SRV0103101200ABCD1234\x00", from)
	for _, t := range to {
		fmt.Fprintf(&b, "<%s>\x00", t)
	}
	b.WriteString("EwLs")
	off := int64(b.Len())
	b.WriteString(rfc822)
	return b.Bytes(), off
}

func sha(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

const body1 = "Received: from mail.contoso.com by ims\r\nFrom: alice@contoso.com\r\nTo: bob@example.com\r\nSubject: test\r\n\r\nline one\r\n.\r\nline after a lone dot\r\n"

// writeSpool writes one spool file under dir/sub and returns its Message
// as inventory would describe it.
func writeSpool(t testing.TB, dir, sub, queue, name string, rfc822 string, crashRule string) *model.Message {
	t.Helper()
	data, off := spoolBytes("alice@contoso.com", []string{"bob@example.com", "carol@example.com"}, rfc822)
	p := filepath.Join(dir, sub, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o444); err != nil {
		t.Fatal(err)
	}
	m := &model.Message{
		Type: "message", Schema: 1, Path: p, Name: name, Queue: queue, Format: model.FormatIMSSpool,
		Size: int64(len(data)), SHA256: sha(data), MessageOffset: off,
		Envelope: model.Envelope{From: "<alice@contoso.com>", To: []string{"<bob@example.com>", "<carol@example.com>"}, Source: "ims-envelope"},
	}
	if crashRule != "" {
		m.Findings = []model.Finding{{Rule: crashRule, Class: model.ClassCrash}}
	}
	return m
}

type fileState struct {
	sha   string
	mtime time.Time
	mode  fs.FileMode
}

// snapshot records sha256, mtime and mode of every file under dir.
func snapshot(t testing.TB, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		out[p] = fileState{sha(b), st.ModTime(), st.Mode()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t testing.TB, what string, a, b map[string]fileState) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: evidence file count %d -> %d", what, len(a), len(b))
	}
	for p, s := range a {
		if b[p] != s {
			t.Fatalf("%s: evidence file %s changed: %+v -> %+v", what, p, s, b[p])
		}
	}
}

// listFiles returns the files under dir, relative, sorted.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func readRecords(t testing.TB, path string) []model.ReplayRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []model.ReplayRecord
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		if bytes.HasPrefix(sc.Bytes(), []byte(`{"type":"journal"`)) {
			if line != 0 {
				t.Fatalf("journal header on line %d, not first", line+1)
			}
			continue
		}
		var r model.ReplayRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func collect(recs *[]model.ReplayRecord) func(model.ReplayRecord) {
	return func(r model.ReplayRecord) { *recs = append(*recs, r) }
}

func reasons(recs []model.ReplayRecord) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "%s %s %s: %s\n", filepath.Base(r.Path), r.Action, r.Result, r.Reason)
	}
	return b.String()
}

func appendJSON(t testing.TB, path string, rec model.ReplayRecord) {
	t.Helper()
	b, _ := json.Marshal(rec)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(append(b, '\n'))
	f.Close()
}
