package sniff

import (
	"sync"
	"testing"
)

func TestKnownCharset(t *testing.T) {
	known := []string{
		"us-ascii", "US-ASCII", "utf-8", "UTF8", "utf-16", "utf-16le", "UTF-16BE", "utf-7", "unicode-1-1-utf-7",
		"iso-8859-1", "ISO_8859-1:1987", "latin1", "iso-8859-15", "windows-1252", "cp1252", "koi8-r", "KOI8-U",
		"shift_jis", "x-sjis", "ms_kanji", "csShiftJIS", "windows-31j", "cp932", "euc-jp", "iso-2022-jp",
		"iso-2022-jp-2", "gb2312", "gbk", "gb18030", "big5", "euc-kr", "ks_c_5601-1987", "x-user-defined",
		"macintosh", "ibm437", "ANSI_X3.4-1968", "ansi_x3.110-1983", `"utf-8"`, " utf-8 ", "'iso-8859-1'",
		"ISO-8859-1", "csISOLatin1", "tis-620", "windows-874", "hz-gb-2312", "iso-8859-8-i",
		"Latin2",
	}
	for _, label := range known {
		if !KnownCharset(label) {
			t.Errorf("KnownCharset(%q) = false", label)
		}
	}
	unknown := []string{"", " ", `""`, "x-unknown-gibberish", "utf-9", "iso-8859-99", "windows-9999", "charset",
		"utf-8*en", "us ascii", "x-mac-klingon"}
	for _, label := range unknown {
		if KnownCharset(label) {
			t.Errorf("KnownCharset(%q) = true", label)
		}
	}
}

func TestKnownCharsetConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if !KnownCharset("Windows-1251") || KnownCharset("x-bogus-label") {
					t.Error("wrong answer under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkKnownCharsetCached(b *testing.B) {
	KnownCharset("iso-8859-1")
	b.ReportAllocs()
	for b.Loop() {
		KnownCharset("iso-8859-1")
	}
}
