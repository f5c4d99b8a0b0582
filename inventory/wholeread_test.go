package inventory

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

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
