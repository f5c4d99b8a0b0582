package sniff

import "github.com/imsforensic/imsforensic/model"

// rtfSignature is what a decoded RTF body must start with, byte for byte
// (rule rtf-corrupt: no leading white space allowed).
const rtfSignature = `{\rtf`

// maxRTFBinSkip caps a \binN parameter so a silly N cannot overflow.
const maxRTFBinSkip = 1 << 50

type rtfState uint8

const (
	rtfText    rtfState = iota
	rtfEscape           // after "\"
	rtfWord             // inside a control word's letters
	rtfParam            // inside a control word's numeric parameter
	rtfBinData          // skipping \binN raw bytes
)

// RTF checks a decoded RTF body (rule rtf-corrupt, KB Q192940: the store's
// RTF reader looped forever on unbalanced groups). It tracks the "{\rtf"
// signature and the group depth, skipping escaped braces ("\{", "\}"),
// escaped backslashes and the raw bytes of \binN, whose binary data may hold
// any byte, braces included (RTF 1.9.1 spec, "\binN"). O(1) memory; any
// chunking gives the same result.
//
// The zero value is ready to use; Reset makes it ready for the next part.
type RTF struct {
	seen      int64 // bytes written so far (for the signature)
	sigBad    bool
	state     rtfState
	wordLen   int  // letters of the current control word
	wordIsBin bool // the letters so far are a prefix of "bin"
	param     int64
	skip      int64 // \bin bytes still to skip
	balance   int64
	underflow bool
}

// Reset forgets everything, for the next part.
func (r *RTF) Reset() { *r = RTF{} }

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }

// Write scans p, the next decoded bytes of the body. It never fails.
func (r *RTF) Write(p []byte) (int, error) {
	n := len(p)
	if r.seen < int64(len(rtfSignature)) && !r.sigBad {
		for i := 0; i < len(p) && r.seen+int64(i) < int64(len(rtfSignature)); i++ {
			if p[i] != rtfSignature[r.seen+int64(i)] {
				r.sigBad = true
				break
			}
		}
	}
	r.seen += int64(n)
	for i := 0; i < len(p); {
		c := p[i]
		switch r.state {
		case rtfText:
			// Hot loop: plain text up to the next brace or backslash.
			for i < len(p) {
				c = p[i]
				if c == '{' || c == '}' || c == '\\' {
					break
				}
				i++
			}
			if i == len(p) {
				return n, nil
			}
			switch c {
			case '{':
				r.balance++
			case '}':
				if r.balance <= 0 {
					r.underflow = true
				}
				r.balance--
			default:
				r.state = rtfEscape
			}
			i++
		case rtfEscape:
			if isASCIILetter(c) {
				r.state = rtfWord
				r.wordLen = 1
				r.wordIsBin = c == 'b'
			} else {
				r.state = rtfText // control symbol: \{ \} \\ \' \* ...
			}
			i++
		case rtfWord:
			if isASCIILetter(c) {
				r.wordIsBin = r.wordIsBin && r.wordLen < 3 && c == "bin"[r.wordLen]
				r.wordLen++
				i++
				continue
			}
			r.wordIsBin = r.wordIsBin && r.wordLen == 3
			if isDigit(c) || c == '-' {
				r.state = rtfParam
				r.param = 0
				if c == '-' {
					r.wordIsBin = false // \bin-5 skips nothing
					i++
				}
				continue
			}
			// \bin without a parameter means \bin0: nothing to skip.
			r.state = rtfText
			if c == ' ' {
				i++ // the delimiting space belongs to the control word
			}
		case rtfParam:
			if isDigit(c) {
				if r.param < maxRTFBinSkip {
					r.param = r.param*10 + int64(c-'0')
				}
				i++
				continue
			}
			if c == ' ' {
				i++
			}
			r.state = rtfText
			if r.wordIsBin && r.param > 0 {
				r.state = rtfBinData
				r.skip = r.param
			}
		case rtfBinData:
			k := int64(len(p) - i)
			if k > r.skip {
				k = r.skip
			}
			r.skip -= k
			i += int(k)
			if r.skip == 0 {
				r.state = rtfText
			}
		}
	}
	return n, nil
}

// Result returns the verdict, taking the body to have ended.
func (r *RTF) Result() model.RTFScan {
	return model.RTFScan{
		StartsWithRTF: !r.sigBad && r.seen >= int64(len(rtfSignature)),
		Balance:       r.balance,
		Underflow:     r.underflow,
	}
}
