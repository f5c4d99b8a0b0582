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
// reads the file once with bounded memory.
func SplitMbox(r io.Reader) ([]MboxMessage, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []MboxMessage
	var off int64
	prevEmpty, lineStart := true, true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart && prevEmpty && bytes.HasPrefix(chunk, []byte("From ")) {
				if n := len(out); n > 0 {
					out[n-1].Length = off - out[n-1].Offset
				}
				out = append(out, MboxMessage{Ordinal: len(out) + 1, Offset: off})
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
			return out, fmt.Errorf("parse: read mbox: %w", err)
		}
	}
	if n := len(out); n > 0 {
		out[n-1].Length = off - out[n-1].Offset
	}
	return out, nil
}
