// Command bigmsg writes one large test message for bench/run.sh: an RFC
// 822 message (CRLF line ends) with a short text part and a base64
// attachment of pseudo-random bytes, sized so the whole file is about
// -mib MiB. It streams: memory stays small whatever the size.
//
// Usage: bigmsg -out FILE [-mib 1024]
package main

import (
	"bufio"
	"encoding/base64"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	out := flag.String("out", "", "file to write (required)")
	mib := flag.Int64("mib", 1024, "approximate file size in MiB")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: bigmsg -out FILE [-mib N]")
		os.Exit(2)
	}
	if err := write(*out, *mib<<20); err != nil {
		fmt.Fprintln(os.Stderr, "bigmsg:", err)
		os.Exit(1)
	}
}

func write(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "From: Big Sender <big@example.org>\r\n"+
		"To: admin@fabrikam.example\r\n"+
		"Subject: quarterly archive (large attachment)\r\n"+
		"Date: Wed, 14 Mar 2001 16:31:49 +0100\r\n"+
		"Message-ID: <bigmsg.1@example.org>\r\n"+
		"MIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"----=_NextPart_000_BIG\"\r\n"+
		"\r\n"+
		"This is a multi-part message in MIME format.\r\n"+
		"\r\n"+
		"------=_NextPart_000_BIG\r\n"+
		"Content-Type: text/plain; charset=\"iso-8859-1\"\r\n"+
		"Content-Transfer-Encoding: 7bit\r\n"+
		"\r\n"+
		"The archive is attached.\r\n"+
		"\r\n"+
		"------=_NextPart_000_BIG\r\n"+
		"Content-Type: application/octet-stream; name=\"archive.bin\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename=\"archive.bin\"\r\n"+
		"\r\n")
	// 57 raw bytes make one 76-character line plus CRLF (78 bytes).
	lines := size / 78
	rng := rand.New(rand.NewPCG(1, 1))
	raw := make([]byte, 57*1024)
	enc := make([]byte, 76)
	for done := int64(0); done < lines; {
		for i := 0; i+8 <= len(raw); i += 8 {
			v := rng.Uint64()
			for k := 0; k < 8; k++ {
				raw[i+k] = byte(v >> (8 * k))
			}
		}
		for i := 0; i < len(raw) && done < lines; i += 57 {
			base64.StdEncoding.Encode(enc, raw[i:i+57])
			w.Write(enc)
			w.WriteString("\r\n")
			done++
		}
	}
	fmt.Fprint(w, "\r\n------=_NextPart_000_BIG--\r\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
