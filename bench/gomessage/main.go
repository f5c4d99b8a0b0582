// Command gomessage is the go-message baseline of bench/run.sh: what a Go
// programmer would write instead of imsforensic scan. It walks the same
// files with the same number of workers, skips an IMS spool envelope (up
// to "EwLs") or X-Sender/X-Receiver lines the way a hand-written tool
// would, reads each message with github.com/emersion/go-message, walks
// every part and decodes it (transfer encoding and charset) to io.Discard.
//
// Usage: gomessage [-workers N] PATH...
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode charsets as a real tool would
)

// result is what one file gave.
type result struct {
	bytes, parts, errors int64
}

func main() {
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "files parsed at once")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gomessage [-workers N] PATH...")
		os.Exit(2)
	}
	paths := make(chan string, *workers*4)
	go func() {
		defer close(paths)
		for _, root := range flag.Args() {
			_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				switch strings.ToLower(d.Name()) {
				case "queue.dat", "queue.old", "truth.json":
					return nil
				}
				paths <- p
				return nil
			})
		}
	}()
	var total result
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < *workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(nil, 64<<10)
			var sum result
			for p := range paths {
				r := parseFile(p, br)
				sum.bytes += r.bytes
				sum.parts += r.parts
				sum.errors += r.errors
			}
			mu.Lock()
			total.bytes += sum.bytes
			total.parts += sum.parts
			total.errors += sum.errors
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Printf("go-message bytes=%d parts=%d errors=%d\n", total.bytes, total.parts, total.errors)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func parseFile(path string, br *bufio.Reader) result {
	f, err := os.Open(path)
	if err != nil {
		return result{errors: 1}
	}
	defer f.Close()
	cr := &countingReader{r: f}
	br.Reset(cr)
	skipEnvelope(br)
	var res result
	e, err := message.Read(br)
	if e == nil {
		res.errors++
	} else {
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			res.errors++
		}
		werr := e.Walk(func(_ []int, part *message.Entity, err error) error {
			res.parts++
			if err != nil {
				res.errors++
			}
			if part.MultipartReader() != nil {
				return nil
			}
			if _, err := io.Copy(io.Discard, part.Body); err != nil {
				res.errors++
			}
			return nil
		})
		if werr != nil {
			res.errors++
		}
	}
	_, _ = io.Copy(io.Discard, br) // read to the end, as a full decode would
	res.bytes = cr.n
	return res
}

// skipEnvelope advances br past an IMS spool envelope or X-Sender lines.
func skipEnvelope(br *bufio.Reader) {
	head, _ := br.Peek(64 << 10)
	if bytes.Contains(head[:min(len(head), 64)], []byte("ImCr")) {
		if i := bytes.Index(head, []byte("EwLs")); i >= 0 {
			_, _ = br.Discard(i + 4)
		}
		return
	}
	for {
		line, _ := br.Peek(16)
		l := bytes.ToLower(line)
		if !bytes.HasPrefix(l, []byte("x-sender:")) && !bytes.HasPrefix(l, []byte("x-receiver:")) {
			return
		}
		if _, err := br.ReadSlice('\n'); err != nil {
			return
		}
	}
}
