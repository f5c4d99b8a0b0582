package parse

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func benchMessage(attach int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nTo: b@example.org\r\nSubject: bench\r\nDate: Wed, 14 Mar 2001 16:31:49 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\n")
	for i := 0; i < 100; i++ {
		b.WriteString("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n")
	}
	b.WriteString("--BB\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	raw := bytes.Repeat([]byte("0123456789abcdefghij"), attach/20)
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--BB--\r\n")
	return b.Bytes()
}

func BenchmarkParse1MiBAttachment(b *testing.B) {
	msg := benchMessage(1 << 20)
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		if _, err := Parse(bytes.NewReader(msg), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBase64Garbage(b *testing.B) {
	msg := []byte("Content-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat(strings.Repeat("!", 76)+"\r\n", 1<<14))
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		if _, err := Parse(bytes.NewReader(msg), nil); err != nil {
			b.Fatal(err)
		}
	}
}
