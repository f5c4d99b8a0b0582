package selection

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// FilesFrom reads a --files-from list: one path per line, blank lines and
// lines starting with "#" ignored, CRLF tolerated, surrounding white space
// trimmed (Windows forbids it at the ends of names anyway).
func FilesFrom(r io.Reader) ([]string, error) {
	br := bufio.NewReader(r)
	var out []string
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadString('\n')
		if line != "" {
			s := strings.TrimSpace(strings.TrimSuffix(line, "\n"))
			if lineNo == 1 {
				s = strings.TrimPrefix(s, "\ufeff") // Notepad's UTF-8 BOM
			}
			if s != "" && !strings.HasPrefix(s, "#") {
				out = append(out, s)
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("selection: read file list line %d: %w", lineNo, err)
		}
	}
}
