package parse

import (
	"io"
	"runtime"
	"testing"
	"time"
)

// patternReader yields prefix, then n bytes of fill (with a CRLF every
// lineEvery bytes when lineEvery > 0), then suffix, without holding them.
type patternReader struct {
	prefix, suffix []byte
	fill           byte
	n, lineEvery   int64
	done           int64
	sent           int
}

func (r *patternReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) {
		switch {
		case r.sent < len(r.prefix):
			c := copy(p[w:], r.prefix[r.sent:])
			r.sent += c
			w += c
		case r.done < r.n:
			k := min(int64(len(p)-w), r.n-r.done)
			for i := int64(0); i < k; i++ {
				b := r.fill
				if r.lineEvery > 0 {
					switch (r.done + i) % r.lineEvery {
					case r.lineEvery - 2:
						b = '\r'
					case r.lineEvery - 1:
						b = '\n'
					}
				}
				p[w+int(i)] = b
			}
			r.done += k
			w += int(k)
		case r.sent < len(r.prefix)+len(r.suffix):
			c := copy(p[w:], r.suffix[r.sent-len(r.prefix):])
			r.sent += c
			w += c
		default:
			if w == 0 {
				return 0, io.EOF
			}
			return w, nil
		}
	}
	return w, nil
}

// hugeSize is 1 GiB in a plain run and 64 MiB under -short or -race,
// where the same code paths run much slower.
func hugeSize() int64 {
	if testing.Short() || raceEnabled {
		return 64 << 20
	}
	return 1 << 30
}

// TestHugeInputsStayBounded parses a 1 GiB single line and a 1 GiB header
// field and checks that the heap does not grow with the input: parse
// streams, keeping only capped prefixes.
func TestHugeInputsStayBounded(t *testing.T) {
	n := hugeSize()
	cases := []struct {
		name  string
		r     *patternReader
		check func(t *testing.T, m interface{ String() string })
	}{
		{"one-line-body", &patternReader{prefix: []byte("Subject: x\r\n\r\n"), fill: 'A', n: n, suffix: []byte("\r\n")}, nil},
		{"one-header-field", &patternReader{prefix: []byte("Subject: "), fill: 'B', n: n, suffix: []byte("\r\n\r\nbody\r\n")}, nil},
		{"base64-garbage", &patternReader{prefix: []byte("Content-Transfer-Encoding: base64\r\n\r\n"), fill: '!', n: n / 4, lineEvery: 78, suffix: []byte("\r\n")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := uint64(0)
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				// Sampled every 5 ms, as parseBounded does: ReadMemStats
				// stops the world, and called in a loop it made this test
				// take minutes of mostly kernel time. A parse that held
				// its input would stay grown far longer than 5 ms.
				defer close(done)
				var ms runtime.MemStats
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}()
			m, err := Parse(c.r, nil)
			close(stop)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			if m.Size != int64(len(c.r.prefix)+len(c.r.suffix))+c.r.n {
				t.Errorf("size %d", m.Size)
			}
			grow := int64(peak) - int64(before.HeapInuse)
			t.Logf("%s: %d MiB parsed, heap in use grew by at most %.1f MiB", c.name, (c.r.n)>>20, float64(grow)/(1<<20))
			if grow > 64<<20 {
				t.Errorf("heap grew by %d MiB: parse is not streaming", grow>>20)
			}
			if c.name == "one-header-field" {
				if f := m.Header()[0]; f.ValueLength != c.r.n || !f.Truncated {
					t.Errorf("field length %d truncated %v", f.ValueLength, f.Truncated)
				}
			}
			if c.name == "base64-garbage" && m.Parts[0].Body.Base64BadChar < 0 {
				t.Errorf("base64 garbage not flagged")
			}
		})
	}
}
