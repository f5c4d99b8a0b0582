package replay

import (
	"strings"
	"testing"
)

// The counting scan agrees with a byte-by-byte one however the input is
// cut into chunks.
func TestLineScanChunks(t *testing.T) {
	for _, in := range []string{"", "a\r\nb\r\n", "a\nb", "\r\r\n", "x\r", "\n\n", ".\r\n.\r", "a\r\n\rb\n\r\n"} {
		var wantLF, wantCR int64
		for i := 0; i < len(in); i++ {
			if in[i] == '\n' && (i == 0 || in[i-1] != '\r') {
				wantLF++
			}
			if in[i] == '\r' && i+1 < len(in) && in[i+1] != '\n' {
				wantCR++
			}
		}
		for cut := 1; cut <= max(1, len(in)); cut++ {
			var s lineScan
			for i := 0; i < len(in); i += cut {
				s.Write([]byte(in[i:min(len(in), i+cut)]))
			}
			wantClean := wantLF == 0 && wantCR == 0 && !strings.HasSuffix(in, "\r")
			if s.bareLF != wantLF || s.bareCR != wantCR || s.clean() != wantClean || s.endsWithCRLF != strings.HasSuffix(in, "\r\n") {
				t.Errorf("%q cut %d: bareLF %d bareCR %d clean %v crlf %v; want %d %d %v", in, cut, s.bareLF, s.bareCR, s.clean(), s.endsWithCRLF, wantLF, wantCR, wantClean)
			}
		}
	}
}
