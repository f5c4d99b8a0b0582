// Command smallfiles writes N small message files into one flat folder,
// as a large IMS queue holds them (TempIMS\IN), for bench/run.sh's memory
// measurement: plain RFC 822 messages of about 600 bytes, a few of them
// with poison traits (a blank charset, a bare LF, an empty file) so that
// the rules report findings. It is fast (no parsing, one write per file).
//
// Usage: smallfiles -out DIR [-n 1000000]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "", "folder to write into (created; required)")
	n := flag.Int("n", 1000000, "number of files")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: smallfiles -out DIR [-n N]")
		os.Exit(2)
	}
	if err := write(filepath.Join(*out, "IN"), *n); err != nil {
		fmt.Fprintln(os.Stderr, "smallfiles:", err)
		os.Exit(1)
	}
}

func write(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		var body string
		switch i % 100 {
		case 7:
			body = msg(i, "text/plain; charset=\"\"", "body\r\n")
		case 13:
			body = msg(i, "text/plain", "bare\nLF\r\n")
		case 29:
			body = ""
		default:
			body = msg(i, "text/plain; charset=us-ascii", "Hello,\r\n\r\nthe report is attached.\r\n")
		}
		name := filepath.Join(dir, fmt.Sprintf("%08X", i))
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func msg(i int, ctype, text string) string {
	return fmt.Sprintf("Received: from mail%d.example.org ([192.0.2.%d]) by ims.corp.example with SMTP;\r\n"+
		"\tTue, 13 Mar 2001 10:%02d:00 +0100\r\n"+
		"From: Sender %d <s%d@example.org>\r\nTo: user%d@corp.example\r\n"+
		"Subject: message %d\r\nDate: Tue, 13 Mar 2001 10:%02d:00 +0100\r\n"+
		"Message-ID: <%d.%d@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: %s\r\n\r\n%s",
		i%50, i%250, i%60, i, i, i%500, i, i%60, i, i*7, ctype, text)
}
