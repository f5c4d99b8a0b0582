package sniff

import (
	"bytes"
	"strings"
	"testing"
)

func scanHref(chunks [][]byte) int64 {
	var h Href
	for _, c := range chunks {
		_, _ = h.Write(c)
	}
	return h.Result()
}

func TestHref(t *testing.T) {
	tests := []struct {
		name, in string
		want     int64
	}{
		{"space in double quotes", `<a href=" http://x">x</a>`, 3},
		{"space in single quotes", `<p><a href=' x'>`, 6},
		{"tab, upper case, spaced equals", "<A HREF = \"\tx\">", 3},
		{"newline value", "<a\nhref=\"\nhttp://x\">", 3},
		{"CR value", "<a href=\"\rx\">", 3},
		{"after another attribute", `<a title="t" href=" x">`, 13},
		{"quoted value then name without space", `<a x="1"href=" y">`, 8},
		{"self-closing slash before", `<a/href=" x">`, 3},
		{"link tag", `<link rel="stylesheet" HrEf=" s.css">`, 23},
		{"after a comment", `<!-- <a href=" no"> --><a href=" yes">`, 26},
		{"after a doctype", `<!DOCTYPE html><a href=" x">`, 18},
		{"first of two", `<a href=" 1"><a href=" 2">`, 3},
		{"after a clean link", `<a href="http://ok">ok</a> <a href=' bad'>`, 30},

		{"clean", `<a href="http://x">x</a>`, -1},
		{"unquoted after spaced equals", `<a href= http://x>`, -1},
		{"unquoted", `<a href=http://x>`, -1},
		{"space after the value", `<a href="http://x ">`, -1},
		{"empty value", `<a href="">`, -1},
		{"xhref", `<a xhref=" x">`, -1},
		{"data-href", `<a data-href=" x">`, -1},
		{"hreff", `<a hreff=" x">`, -1},
		{"hre", `<a hre=" x">`, -1},
		{"in text", `see href=" x" here`, -1},
		{"in text after a tag", `<p>href=" x"</p>`, -1},
		{"in a comment", `<!-- <a href=" x"> -->`, -1},
		{"comment with dashes inside", `<!-- a -- > <a href=" x"> -->`, -1},
		{"inside another value", `<a title='href=" x"'>`, -1},
		{"not a tag", `a < href=" x"`, -1},
		{"href without value, quote later", `<a href> " x"`, -1},
		{"processing instruction", `<?xml href=" x"?>`, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkChunkings(t, []byte(tt.in), scanHref); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestHrefReset(t *testing.T) {
	var h Href
	_, _ = h.Write([]byte(`<a href=" x">`))
	h.Reset()
	_, _ = h.Write([]byte(`<a href="x">`))
	if got := h.Result(); got != -1 {
		t.Fatalf("after Reset: %d", got)
	}
}

func FuzzHref(f *testing.F) {
	for _, s := range []string{
		`<a href=" http://x">`, `<A HREF = '\tx'>`, `<!-- <a href=" x"> -->`, `<a data-href=" x">`,
		`<html><body><a href="http://example.com/">x</a></body></html>`,
	} {
		f.Add([]byte(s), uint16(9))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		want := scanHref([][]byte{in})
		k := int(cut) % (len(in) + 1)
		if got := scanHref([][]byte{in[:k], in[k:]}); got != want {
			t.Fatalf("cut at %d: %d, whole %d", k, got, want)
		}
		if want >= 0 {
			if want+4 > int64(len(in)) || !bytes.EqualFold(in[want:want+4], []byte("href")) {
				t.Fatalf("offset %d does not point at href in %q", want, in)
			}
		}
	})
}

func BenchmarkHrefWrite(b *testing.B) {
	body := []byte(strings.Repeat(`<p class="x">Some <b>text</b> and a <a href="http://example.com/page?id=1">link</a>.</p>`+"\r\n", 12000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var h Href
		for c := body; len(c) > 0; {
			n := min(4096, len(c))
			_, _ = h.Write(c[:n])
			c = c[n:]
		}
		if h.Result() != -1 {
			b.Fatal(h.Result())
		}
	}
}
