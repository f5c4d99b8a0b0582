// Package testqueue writes a small IMS queue folder for the tests of bisect
// and of the CLI's bisect: one helper instead of a copy per test package,
// as internal/sinktest is for the sink.
package testqueue

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// Write writes n small RFC 822 messages into dir/IN, named Q0000000 and
// on, each a second after the one before (the IMS takes files in time
// order, and so does bisect), the ones at the indexes in culprits with a
// blank charset (KB Q278320, rule blank-charset), and returns the
// culprits' paths, sorted.
func Write(t testing.TB, dir string, n int, culprits ...int) []string {
	t.Helper()
	in := filepath.Join(dir, "IN")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := map[int]bool{}
	for _, c := range culprits {
		bad[c] = true
	}
	t0 := time.Date(2001, 3, 14, 8, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < n; i++ {
		charset := `"us-ascii"`
		if bad[i] {
			charset = `""`
		}
		p := filepath.Join(in, fmt.Sprintf("Q%07d", i))
		body := fmt.Sprintf("From: <sender%d@example.org>\r\nTo: <user%d@example.com>\r\nSubject: message %d\r\n"+
			"Date: Wed, 14 Mar 2001 08:00:00 -0500\r\nMessage-ID: <%d@example.org>\r\nMIME-Version: 1.0\r\n"+
			"Content-Type: text/plain; charset=%s\r\n\r\nHello %d.\r\n", i, i, i, i, charset, i)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Duration(i) * time.Second)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		if bad[i] {
			want = append(want, p)
		}
	}
	sort.Strings(want)
	return want
}
