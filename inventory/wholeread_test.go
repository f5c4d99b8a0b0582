package inventory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// TestWholeReadIsBufferedRead: a file read whole into the worker's buffer
// (parseWhole) gives the Message the buffered path (parseOpened's bufio
// reads of the file) gives, field for field, with the same Skip heads and
// kept bytes: files shorter and longer than the Skip head, empty, of fewer
// bytes than "From ", an mbox of one and of two messages, one the Skip
// leaves out, one larger than the worker's first buffer, and the large
// spool files of the sample TempIMS.
func TestWholeReadIsBufferedRead(t *testing.T) {
	dir := t.TempDir()
	msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n\r\nbody\r\n"
	files := map[string]string{
		"empty":  "",
		"tiny":   "Sub",
		"b511":   msg + strings.Repeat("y", 511-len(msg)),
		"b512":   msg + strings.Repeat("y", 512-len(msg)),
		"big":    msg + strings.Repeat("QUJDRA==\r\n", 30000),
		"mbox1":  "From a@example.com Mon Jan  1 00:00:00 2001\nSubject: one\n\nbody\n",
		"mbox2":  "From a@example.com Mon Jan  1 00:00:00 2001\nSubject: one\n\nbody\n\nFrom c@d Mon Jan  1 00:00:00 2001\nSubject: two\n\nb\n",
		"skipme": "SKIP this file\r\n",
		"8bit":   "Subject: \xe9t\xe9\r\n\r\n\x00\xff\r\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var heads []string
	var mu sync.Mutex
	scan := func(whole bool, keep int64) []*model.Message {
		t.Helper()
		old := wholeReadMax
		if !whole {
			wholeReadMax = -1
		}
		defer func() { wholeReadMax = old }()
		heads = heads[:0]
		var out []*model.Message
		err := ScanEach(context.Background(), []string{dir, "../testdata/sample-tempims"}, Options{Slim: true, KeepBytes: keep,
			Skip: func(path string, head []byte) bool {
				mu.Lock()
				heads = append(heads, path+"\x00"+string(head))
				mu.Unlock()
				return strings.HasPrefix(string(head), "SKIP")
			}}, func(m *model.Message) error {
			out = append(out, m)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(heads)
		return out
	}
	for _, keep := range []int64{0, 1 << 20} {
		want := scan(false, keep)
		wantHeads := append([]string(nil), heads...)
		got := scan(true, keep)
		if len(got) != len(want) || len(got) < len(files) {
			t.Fatalf("KeepBytes %d: %d messages whole, %d buffered", keep, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("KeepBytes %d: %s differs:\nwhole    %+v\nbuffered %+v", keep, want[i].Path, got[i], want[i])
			}
		}
		if !reflect.DeepEqual(heads, wantHeads) {
			t.Errorf("KeepBytes %d: Skip was shown other heads", keep)
		}
	}
}

// A file that grows or shrinks between its open and its read is reported
// by the whole read as by the buffered one: the same Message, the same
// error (at Skip's head for a file shorter than the head, from the parse
// otherwise), for files shorter and longer than the head, with and
// without Skip.
func TestWholeReadReportsChangeAsBufferedRead(t *testing.T) {
	dir := t.TempDir()
	msg := "From: a@example.com\r\nSubject: s\r\n\r\n"
	changes := map[string]func(p string) error{
		"grown": func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("more\r\n")
			return err
		},
		"shrunk": func(p string) error { return os.Truncate(p, 10) },
	}
	run := func(whole bool, p string, change func(string) error, skip bool) ([]*model.Message, string) {
		t.Helper()
		body := msg + strings.Repeat("b", 100)
		if strings.HasSuffix(p, "long") {
			body = msg + strings.Repeat("b\r\n", 3000)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := readonly.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := change(p); err != nil {
			t.Fatal(err)
		}
		old := wholeReadMax
		if !whole {
			wholeReadMax = -1
		}
		defer func() { wholeReadMax = old }()
		opts := Options{}
		if skip {
			opts.Skip = func(string, []byte) bool { return false }
		}
		var buf readBuffer
		ms, err := parseOpened(f, job{path: p, walked: true, listedRegular: true}, opts, &buf)
		return ms, fmt.Sprint(err)
	}
	for name, change := range changes {
		for _, file := range []string{"short", "long"} {
			for _, skip := range []bool{false, true} {
				p := filepath.Join(dir, name+"-"+file)
				wantMs, wantErr := run(false, p, change, skip)
				gotMs, gotErr := run(true, p, change, skip)
				if gotErr != wantErr || !strings.Contains(gotErr, "changed while read") {
					t.Errorf("%s %s skip=%v: whole read error %q, buffered %q", name, file, skip, gotErr, wantErr)
				}
				if !reflect.DeepEqual(gotMs, wantMs) {
					t.Errorf("%s %s skip=%v: messages differ:\nwhole    %+v\nbuffered %+v", name, file, skip, gotMs, wantMs)
				}
			}
		}
	}
}
