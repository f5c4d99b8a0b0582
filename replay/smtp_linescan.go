package replay

import "bytes"

// lineScan is the byte facts of the RFC 822 part that decide whether the
// dot writer will change it.
type lineScan struct {
	bareLF       int64
	bareCR       int64 // a CR not followed by LF (one at the very end: see clean)
	endsWithCRLF bool
	size         int64
	prev         byte
	last2        [2]byte
}

func (s *lineScan) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if b[0] == '\n' && s.prev != '\r' {
		s.bareLF++
	}
	if s.prev == '\r' && b[0] != '\n' {
		s.bareCR++
	}
	crlf := int64(bytes.Count(b, []byte("\r\n")))
	lf := int64(bytes.Count(b, []byte("\n")))
	cr := int64(bytes.Count(b, []byte("\r")))
	if b[0] == '\n' {
		lf-- // decided above, with the previous chunk
	}
	if b[len(b)-1] == '\r' {
		cr-- // decided with the next chunk, or at the end
	}
	s.bareLF += lf - crlf
	s.bareCR += cr - crlf
	for _, c := range b[max(0, len(b)-2):] {
		s.last2[0], s.last2[1] = s.last2[1], c
	}
	s.prev = b[len(b)-1]
	s.size += int64(len(b))
	s.endsWithCRLF = s.size >= 2 && s.last2 == [2]byte{'\r', '\n'}
	return len(b), nil
}

// clean reports text whose every line ends in CRLF and that has no other
// CR or LF: the dot writer then only doubles leading dots and adds a
// final CRLF when it is missing, so what the server receives is known
// without simulating it.
func (s *lineScan) clean() bool { return s.bareLF == 0 && s.bareCR == 0 && s.prev != '\r' }
