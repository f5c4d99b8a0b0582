package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MboxMessage is where one message of an mbox file lies: its ordinal
// (1-based), the file offset of its "From " line and its length in bytes
// (up to the next "From " line, or the end of the file).
type MboxMessage struct {
	Ordinal int
	Offset  int64
	Length  int64
}

// SplitMbox reads an mbox file (RFC 4155: messages that each start with a
// "From " line) and returns where each message lies. A "From " line starts
// a new message at the start of the file or after an empty line, as
// mboxo and mboxrd writers put it; a "From " line inside a body without
// an empty line before it (an unescaped one) stays in its message. It
// reads the file once with bounded memory; the list grows with the
// message count (EachMbox does not).
func SplitMbox(r io.Reader) ([]MboxMessage, error) {
	var out []MboxMessage
	err := EachMbox(r, func(m MboxMessage) bool {
		out = append(out, m)
		return true
	})
	return out, err
}

// EachMbox is SplitMbox as a stream: yield gets each message as soon as
// the next "From " line (or the end) tells its length, and false from it
// stops the read. A reader that starts at a message's "From " line splits
// the rest of the file as the whole file's split does (offsets relative to
// that start): the split needs only the line before.
func EachMbox(r io.Reader, yield func(MboxMessage) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur MboxMessage // Ordinal 0: none yet
	var off int64
	prevEmpty, lineStart := true, true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart && prevEmpty && bytes.HasPrefix(chunk, []byte("From ")) {
				if cur.Ordinal > 0 {
					cur.Length = off - cur.Offset
					if !yield(cur) {
						return nil
					}
				}
				cur = MboxMessage{Ordinal: cur.Ordinal + 1, Offset: off}
			}
			complete := chunk[len(chunk)-1] == '\n'
			if lineStart {
				prevEmpty = complete && len(bytes.TrimRight(chunk, "\r\n")) == 0
			} else if complete {
				prevEmpty = false
			}
			lineStart = complete
			off += int64(len(chunk))
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			prevEmpty = false
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if cur.Ordinal > 0 {
				cur.Length = off - cur.Offset
				yield(cur)
			}
			return fmt.Errorf("parse: read mbox: %w", err)
		}
	}
	if cur.Ordinal > 0 {
		cur.Length = off - cur.Offset
		yield(cur)
	}
	return nil
}
