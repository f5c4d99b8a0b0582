package sniff

import (
	"fmt"
	"testing"
)

// chunkings returns ways to cut b: whole, in two at every position (at up
// to 64 evenly spread positions for long inputs), in three at spread
// positions, and one byte at a time.
func chunkings(b []byte) map[string][][]byte {
	out := map[string][][]byte{"whole": {b}}
	step := 1
	if len(b) > 64 {
		step = len(b) / 64
	}
	for i := 0; i <= len(b); i += step {
		out[fmt.Sprintf("split@%d", i)] = [][]byte{b[:i], b[i:]}
		j := i + (len(b)-i)/2
		out[fmt.Sprintf("split@%d,%d", i, j)] = [][]byte{b[:i], b[i:j], b[j:]}
	}
	bytewise := make([][]byte, len(b))
	for i := range b {
		bytewise[i] = b[i : i+1]
	}
	out["bytewise"] = bytewise
	return out
}

// checkChunkings feeds b to a fresh writer in every chunking and fails
// when any result differs from the unchunked one.
func checkChunkings[R comparable](t testing.TB, b []byte, feed func(chunks [][]byte) R) R {
	t.Helper()
	want := feed([][]byte{b})
	for name, chunks := range chunkings(b) {
		if got := feed(chunks); got != want {
			t.Fatalf("input %q chunked %s: got %+v, unchunked %+v", b, name, got, want)
		}
	}
	return want
}
