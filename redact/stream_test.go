package redact

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/guard"
	"github.com/imsforensic/imsforensic/internal/heapmeter"
	"github.com/imsforensic/imsforensic/internal/kbsample"
	"github.com/imsforensic/imsforensic/model"
)

// mboxes are mbox files made of the repository's test inputs, ten
// messages each, in a stable order, with the repository's own mbox
// samples; mboxrd and mboxo "From " escapes are not needed: a body "From "
// line without an empty line before it stays in its message.
func mboxes(t *testing.T) map[string][]byte {
	in := kbsample.Corpus(t, "..")
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string][]byte{}
	var b bytes.Buffer
	for i, n := range names {
		if bytes.HasPrefix(in[n], []byte("From ")) {
			out[n] = in[n]
			out[n+" after a BOM"] = append([]byte("\xEF\xBB\xBF\r\n"), in[n]...)
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("From alee@example.org Mon Feb  5 09:59:31 2001\n")
		b.Write(in[n])
		if i%10 == 9 || i == len(names)-1 {
			out[fmt.Sprintf("mbox-%03d", i/10)] = bytes.Clone(b.Bytes())
			b.Reset()
		}
	}
	return out
}

// fileWith runs File on raw saved as IN/MAIL.MBX with streamLimit set to
// limit, and returns the record (its out path made relative) and the copy.
func fileWith(t *testing.T, r *Redactor, raw []byte, limit int64, dir string) (model.RedactRecord, []byte) {
	t.Helper()
	old := streamLimit
	streamLimit = limit
	defer func() { streamLimit = old }()
	q := filepath.Join(dir, "in", "IN")
	if err := os.MkdirAll(q, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(q, "MAIL.MBX")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	rec, _ := r.File(path, model.QueueIN, out, nil)
	var cp []byte
	if rec.Out != "" {
		var err error
		if cp, err = os.ReadFile(string(rec.Out)); err != nil {
			t.Fatal(err)
		}
		rec.Out = "(copy)"
	}
	rec.Path = "(input)"
	if ents, _ := os.ReadDir(filepath.Join(out, "IN")); len(ents) > 1 {
		t.Fatalf("beside the copy: %v (a temporary file left?)", ents)
	}
	return rec, cp
}

// TestFileMboxStreamMatchesWhole is the differential test of the
// message-by-message path: over mbox files made of every test input of
// the repository (and its own mbox samples), File redacting them from the
// file gives the record and the copy, byte for byte, that reading the
// file whole gives (the path every file up to streamLimit takes, and every
// file took before).
func TestFileMboxStreamMatchesWhole(t *testing.T) {
	r, err := New(Options{Key: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	ms := mboxes(t)
	boms := 0
	for name := range ms {
		if strings.HasSuffix(name, " after a BOM") {
			boms++
		}
	}
	if len(ms) < 30 || boms == 0 {
		t.Fatalf("only %d mbox files, %d after a byte-order mark", len(ms), boms)
	}
	copies := 0
	for name, raw := range ms {
		whole, wcp := fileWith(t, r, raw, 1<<40, t.TempDir())
		streamed, scp := fileWith(t, r, raw, 0, t.TempDir())
		if !reflect.DeepEqual(whole, streamed) || !bytes.Equal(wcp, scp) {
			t.Fatalf("%s: streamed\n%+v\nwhole\n%+v\ncopies equal: %v", name, streamed, whole, bytes.Equal(wcp, scp))
		}
		if wcp != nil {
			copies++
		}
	}
	if copies < 20 {
		t.Errorf("only %d copies compared", copies)
	}
}

// TestFileMboxMemoryBounded: redacting an mbox over streamLimit holds a
// message, not the file: on an mbox of IMSF_REDACT_BIG_MIB MiB (default
// 8) of clean messages, the peak heap stays under 8 MiB over its baseline,
// while the same file read whole (the old path) peaks over its size, which
// shows the meter sees a whole-file hold.
func TestFileMboxMemoryBounded(t *testing.T) {
	mib := 8
	if v := os.Getenv("IMSF_REDACT_BIG_MIB"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			mib = n
		}
	}
	// Clean messages of the same words: no finding to keep, no new word
	// for the mapping, so what grows is only what the path holds.
	msg := "From alee@example.org Mon Feb  5 09:59:31 2001\r\nFrom: \"Ann Lee\" <alee@example.org>\r\nTo: <bhill@contoso.com>\r\n" +
		"Subject: figures\r\nDate: Mon, 5 Feb 2001 09:59:31 -0800\r\nMessage-ID: <3A7ED1A2.5F3C@example.org>\r\n\r\n" +
		"please find the figures for the last quarter below.\r\n\r\n"
	var b bytes.Buffer
	for b.Len() < mib<<20 {
		b.WriteString(msg)
	}
	raw := b.Bytes()
	r, err := New(Options{Key: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	var whole, streamed model.RedactRecord
	var wcp, scp []byte
	pWhole := heapmeter.Peak(func() { whole, wcp = fileWith(t, r, raw, 1<<40, t.TempDir()) })
	pStream := heapmeter.Peak(func() { streamed, scp = fileWith(t, r, raw, 1<<20, t.TempDir()) })
	t.Logf("peak heap over baseline, %d MiB mbox: read whole %.1f MiB, message by message %.1f MiB", mib, float64(pWhole)/(1<<20), float64(pStream)/(1<<20))
	if whole.Status != model.RedactRedacted || len(whole.Kept) > 0 || wcp == nil {
		t.Fatalf("the test mbox: %s, %d kept", whole.Status, len(whole.Kept))
	}
	if pWhole < uint64(len(raw)) {
		t.Fatalf("reading %d MiB whole peaked at %.1f MiB: the meter does not see a whole-file hold", mib, float64(pWhole)/(1<<20))
	}
	if pStream > 8<<20 {
		t.Errorf("message by message, %d MiB peaked at %.1f MiB: memory grows with the file", mib, float64(pStream)/(1<<20))
	}
	if !reflect.DeepEqual(whole, streamed) || !bytes.Equal(wcp, scp) {
		t.Errorf("the two paths differ")
	}
}

// TestFileHolesMatchWhole is the differential test of the streamed
// attachments: every test input of the repository with a base64 binary
// body (and ones made with bigger such bodies), redacted with those
// bodies streamed (holeLimit and holeMin 0) gives the record and the copy,
// byte for byte, that redacting it whole gives.
func TestFileHolesMatchWhole(t *testing.T) {
	r, err := New(Options{Key: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	in := kbsample.Corpus(t, "..")
	in["made: two attachments"] = attachments(3000, 5000, "\r\n")
	in["made: LF, 1 byte over a group"] = attachments(3001, 1, "\n")
	in["made: 2 bytes over"] = attachments(3002, 7, "\r\n")
	oldL, oldM := holeLimit, holeMin
	defer func() { holeLimit, holeMin = oldL, oldM }()
	streamed := 0
	for name, raw := range in {
		// Only an input with a body to stream takes another path.
		holeMin = 1
		if m, _ := r.parse(raw, ""); m == nil || len(r.findHoles(bytes.NewReader(raw), m, int64(len(raw)))) == 0 {
			continue
		}
		holeLimit, holeMin = 1<<40, 1<<40
		whole, wcp := fileWith(t, r, raw, 1<<40, t.TempDir())
		holeLimit, holeMin = 0, 1
		got, gcp := fileWith(t, r, raw, 1<<40, t.TempDir())
		if !reflect.DeepEqual(whole, got) || !bytes.Equal(wcp, gcp) {
			t.Fatalf("%s: streamed\n%+v\nwhole\n%+v\ncopies equal: %v", name, got, whole, bytes.Equal(wcp, gcp))
		}
		// Count the inputs the streamed path took (not handed back to the
		// whole one).
		d := t.TempDir()
		path := filepath.Join(d, "X")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		var rec model.RedactRecord
		if done, err := r.fileHoles(path, "", filepath.Join(d, "out", "X"), guard.New(), &rec); done && err == nil {
			streamed++
		}
	}
	t.Logf("%d inputs redacted with their attachments streamed", streamed)
	if streamed < 10 {
		t.Errorf("only %d inputs redacted with their attachments streamed", streamed)
	}
}

// attachments is a message with a text part and two base64 attachments
// of n1 and n2 bytes (not text: letters, digits and binary), lines ending
// in eol.
func attachments(n1, n2 int, eol string) []byte {
	var b bytes.Buffer
	w := func(s string) { b.WriteString(strings.ReplaceAll(s, "\n", eol)) }
	w("From: \"Ann Lee\" <alee@example.org>\nTo: <bhill@contoso.com>\nSubject: figures\nDate: Mon, 5 Feb 2001 09:59:31 -0800\n" +
		"Message-ID: <3A7ED1A2.5F3C@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\npreamble\n--b1\n" +
		"Content-Type: text/plain\n\nPlease see the attached figures.\n")
	for k, n := range []int{n1, n2} {
		w(fmt.Sprintf("--b1\nContent-Type: application/octet-stream; name=\"q%d.bin\"\nContent-Transfer-Encoding: base64\n\n", k))
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + k)
		}
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + eol)
			enc = enc[76:]
		}
		b.WriteString(enc + eol)
	}
	w("--b1--\n")
	return b.Bytes()
}

// TestFileHolesMemoryBounded: a message with a base64 attachment of
// IMSF_REDACT_BIG_MIB MiB (default 8) is redacted holding a window of the
// attachment: the peak heap stays under 8 MiB over its baseline, while the
// same file redacted whole peaks over its size (the meter works), and both
// give the same record and copy.
func TestFileHolesMemoryBounded(t *testing.T) {
	mib := 8
	if v := os.Getenv("IMSF_REDACT_BIG_MIB"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			mib = n
		}
	}
	raw := attachments(mib<<20*3/4, 3000, "\r\n")
	r, err := New(Options{Key: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	oldL, oldM := holeLimit, holeMin
	defer func() { holeLimit, holeMin = oldL, oldM }()
	var whole, streamed model.RedactRecord
	var wcp, scp []byte
	holeLimit = 1 << 40
	pWhole := heapmeter.Peak(func() { whole, wcp = fileWith(t, r, raw, 1<<40, t.TempDir()) })
	holeLimit, holeMin = 1<<20, 1<<20
	pStream := heapmeter.Peak(func() { streamed, scp = fileWith(t, r, raw, 1<<40, t.TempDir()) })
	t.Logf("peak heap over baseline, %d MiB message: whole %.1f MiB, attachment streamed %.1f MiB", mib, float64(pWhole)/(1<<20), float64(pStream)/(1<<20))
	if whole.Status != model.RedactRedacted || wcp == nil {
		t.Fatalf("the test message: %s", whole.Status)
	}
	if pWhole < uint64(len(raw)) {
		t.Fatalf("redacting %d MiB whole peaked at %.1f MiB: the meter does not see a whole-file hold", mib, float64(pWhole)/(1<<20))
	}
	if pStream > 8<<20 {
		t.Errorf("with the attachment streamed, %d MiB peaked at %.1f MiB: memory grows with the file", mib, float64(pStream)/(1<<20))
	}
	if !reflect.DeepEqual(whole, streamed) || !bytes.Equal(wcp, scp) {
		t.Errorf("the two paths differ")
	}
}
