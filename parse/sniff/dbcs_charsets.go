package sniff

import "strings"

// dbcsKind is a family of legacy multibyte encodings that share lead and
// trail byte ranges.
type dbcsKind uint8

const (
	dbcsNone      dbcsKind = iota
	dbcsShiftJIS           // Shift_JIS / CP932
	dbcsEUCJP              // EUC-JP, with SS2 (0x8E) and SS3 (0x8F)
	dbcsISO2022JP          // ISO-2022-JP (RFC 1468) and its -1/-2/-3 extensions
	dbcsGBK                // GB2312 / GBK / CP936 (GB2312 mail is GBK in practice)
	dbcsGB18030            // GBK plus four-byte sequences
	dbcsBig5               // Big5 / CP950 / Big5-HKSCS
	dbcsKorean             // EUC-KR / KS C 5601 / CP949 (UHC)
)

// dbcsLabels maps lower-case charset labels (IANA names and aliases, WHATWG
// labels, Microsoft code page names seen in Exchange mail) to their family.
var dbcsLabels = map[string]dbcsKind{
	"shift_jis": dbcsShiftJIS, "shift-jis": dbcsShiftJIS, "sjis": dbcsShiftJIS,
	"x-sjis": dbcsShiftJIS, "ms_kanji": dbcsShiftJIS, "csshiftjis": dbcsShiftJIS,
	"windows-31j": dbcsShiftJIS, "cswindows31j": dbcsShiftJIS, "cp932": dbcsShiftJIS,
	"ms932": dbcsShiftJIS, "x-ms-cp932": dbcsShiftJIS, "windows-932": dbcsShiftJIS,

	"euc-jp": dbcsEUCJP, "eucjp": dbcsEUCJP, "x-euc-jp": dbcsEUCJP, "x-euc": dbcsEUCJP,
	"cseucpkdfmtjapanese": dbcsEUCJP, "extended_unix_code_packed_format_for_japanese": dbcsEUCJP,

	"iso-2022-jp": dbcsISO2022JP, "csiso2022jp": dbcsISO2022JP, "iso-2022-jp-1": dbcsISO2022JP,
	"iso-2022-jp-2": dbcsISO2022JP, "csiso2022jp2": dbcsISO2022JP, "iso-2022-jp-3": dbcsISO2022JP,
	"jis": dbcsISO2022JP, "x-jis": dbcsISO2022JP,

	"gb2312": dbcsGBK, "csgb2312": dbcsGBK, "gbk": dbcsGBK, "x-gbk": dbcsGBK, "cp936": dbcsGBK,
	"ms936": dbcsGBK, "windows-936": dbcsGBK, "euc-cn": dbcsGBK, "x-euc-cn": dbcsGBK,
	"gb_2312-80": dbcsGBK, "gb_2312": dbcsGBK, "chinese": dbcsGBK, "iso-ir-58": dbcsGBK,
	"csiso58gb231280": dbcsGBK, "cn-gb": dbcsGBK,
	"gb18030": dbcsGB18030, "csgb18030": dbcsGB18030,

	"big5": dbcsBig5, "big-5": dbcsBig5, "csbig5": dbcsBig5, "x-x-big5": dbcsBig5, "cn-big5": dbcsBig5,
	"x-big5": dbcsBig5, "big5-hkscs": dbcsBig5, "cp950": dbcsBig5, "ms950": dbcsBig5,
	"windows-950": dbcsBig5,

	"euc-kr": dbcsKorean, "cseuckr": dbcsKorean, "ks_c_5601-1987": dbcsKorean,
	"ks_c_5601-1989": dbcsKorean, "ks_c_5601": dbcsKorean, "ksc5601": dbcsKorean, "ksc_5601": dbcsKorean,
	"csksc56011987": dbcsKorean, "iso-ir-149": dbcsKorean, "korean": dbcsKorean, "cp949": dbcsKorean,
	"ms949": dbcsKorean, "windows-949": dbcsKorean, "x-windows-949": dbcsKorean, "uhc": dbcsKorean,
}

// dbcsKindOf is the family of a charset label, white space and quotes
// trimmed and lower-cased (strings.ToLower), without the lowered
// copy: an ASCII label is lowered into a buffer on the stack (the lookup
// of string(buf) allocates nothing); any other goes through
// strings.ToLower, whose Unicode lowering it must keep. Every header
// value's encoded words and every part's charset ask (two rules and the
// body scanner), and the copies of "UTF-8" and "ISO-8859-1" were most of
// the 0.6% those asks cost a one-core scan.
func dbcsKindOf(label string) dbcsKind {
	t := strings.Trim(label, " \t\r\n\"'")
	var buf [64]byte
	if len(t) <= len(buf) {
		n := 0
		for ; n < len(t); n++ {
			c := t[n]
			if c >= 0x80 {
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[n] = c
		}
		if n == len(t) {
			return dbcsLabels[string(buf[:n])]
		}
	}
	return dbcsLabels[strings.ToLower(t)]
}

// KnownDBCS reports whether NewDBCS(charset) would return a checker (a
// legacy multibyte charset it knows), without making one.
func KnownDBCS(charset string) bool { return dbcsKindOf(charset) != dbcsNone }

// byteRanges builds a byte-class table from inclusive [lo, hi] pairs.
func byteRanges(pairs ...byte) (t [256]bool) {
	for i := 0; i+1 < len(pairs); i += 2 {
		for c := int(pairs[i]); c <= int(pairs[i+1]); c++ {
			t[c] = true
		}
	}
	return t
}

// dbcsTables holds the lead and trail byte classes of a two-byte family.
// Ranges are the widest the Microsoft code pages accept, so that clean
// mail labelled with the narrower standard (GB2312, EUC-KR) is not flagged:
// the rule is crash class and must stay rare on clean queues.
type dbcsTables struct {
	lead, trail *[256]bool
}

var (
	sjisLead   = byteRanges(0x81, 0x9F, 0xE0, 0xFC)
	sjisTrail  = byteRanges(0x40, 0x7E, 0x80, 0xFC)
	eucLead    = byteRanges(0xA1, 0xFE)
	eucTrail   = byteRanges(0xA1, 0xFE)
	gbkLead    = byteRanges(0x81, 0xFE)
	gbkTrail   = byteRanges(0x40, 0x7E, 0x80, 0xFE)
	big5Lead   = byteRanges(0x81, 0xFE)
	big5Trail  = byteRanges(0x40, 0x7E, 0xA1, 0xFE)
	cp949Lead  = byteRanges(0x81, 0xFE)
	cp949Trail = byteRanges(0x41, 0x5A, 0x61, 0x7A, 0x81, 0xFE)
)

var dbcsTablesByKind = [...]dbcsTables{
	dbcsShiftJIS: {&sjisLead, &sjisTrail},
	dbcsEUCJP:    {&eucLead, &eucTrail},
	dbcsGBK:      {&gbkLead, &gbkTrail},
	dbcsGB18030:  {&gbkLead, &gbkTrail},
	dbcsBig5:     {&big5Lead, &big5Trail},
	dbcsKorean:   {&cp949Lead, &cp949Trail},
}
