package smtpsink

import (
	"bytes"
	"fmt"
	"io"
)

// readData reads the content of a DATA command straight from the
// connection's buffer, a line at a time with bytes.IndexByte, instead of
// go-smtp's reader (a ReadByte call and a switch per byte: 15 % of the
// sink's CPU under smtp-source). It undoes the dot-stuffing of RFC 5321
// section 4.5.2 exactly as go-smtp's reader does for the lines it takes:
// whole lines ending in CRLF with no other CR or LF, a leading "." removed,
// ".\r\n" the end. Anything else (a bare CR or LF, a line near
// MaxLineLength, the size limit near, the socket's error or end) is handed
// back to go-smtp at the start of its line, where go-smtp's reader is in
// the state it starts in: the rest of the message goes through it, with
// the same decoding, limits and replies as before.
//
// It appends the decoded bytes to out (flushing to w when out passes
// flushAt) and returns them, how many bytes it wrote to w, and done: the
// end of the message was read, so go-smtp's reader is given ".\r\n" and
// ends at once. Without done the caller reads the rest from go-smtp's
// reader, continuing after what readData decoded.
func (c *sinkConn) readData(w io.Writer, out []byte, flushAt int, maxBytes int64, maxLine int) (_ []byte, flushed int64, done bool, err error) {
	lineMax := min(maxLine-2, readBufSize/4) // a longer line goes to go-smtp, which checks it
	if maxLine <= 0 {
		lineMax = readBufSize / 4
	}
	for {
		p := c.rbuf[c.r:c.w]
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(p) >= lineMax || c.rerr != nil || c.fill() == 0 {
				return out, flushed, false, nil
			}
			continue
		}
		line := p[:i+1]
		if len(line) > lineMax || i == 0 || line[i-1] != '\r' || bytes.IndexByte(line[:i-1], '\r') >= 0 {
			return out, flushed, false, nil
		}
		if len(line) == 3 && line[0] == '.' {
			c.handOut(3)
			c.inject = append(c.inject[:0], ".\r\n"...)
			return out, flushed, true, nil
		}
		body := line
		if line[0] == '.' {
			body = line[1:]
		}
		// go-smtp refuses a message whose decoded size reaches
		// MaxMessageBytes: near it, the rest is its own.
		if maxBytes > 0 && flushed+int64(len(out)+len(body)) >= maxBytes {
			return out, flushed, false, nil
		}
		out = append(out, body...)
		c.handOut(len(line))
		if len(out) >= flushAt {
			if _, err := w.Write(out); err != nil {
				return out[:0], flushed, false, err
			}
			flushed += int64(len(out))
			out = out[:0]
		}
	}
}

// fastDataReader is go-smtp's DATA reader type: readData replaces only it
// (a BDAT chunk comes through a pipe and is left alone).
const fastDataReader = "*smtp.dataReader"

func isDataReader(r io.Reader) bool { return fmt.Sprintf("%T", r) == fastDataReader }
