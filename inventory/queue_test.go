package inventory

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

// queueBySplit is QueueOf as it was before it read the names in place:
// the folder split at every / and \, each name lowered.
func queueBySplit(path string) string {
	dir := filepath.ToSlash(filepath.Dir(path))
	dir = strings.ReplaceAll(dir, `\`, "/")
	parts := strings.Split(dir, "/")
	n := len(parts)
	last := func(i int) string {
		if n-i < 0 {
			return ""
		}
		return strings.ToLower(parts[n-i])
	}
	switch last(1) {
	case "in":
		return model.QueueIN
	case "out":
		return model.QueueOUT
	case "pickup":
		return model.QueuePickup
	case "archive":
		switch last(2) {
		case "in":
			return model.QueueINArchive
		case "out":
			return model.QueueOUTArchive
		case "pickup":
			return model.QueuePickup
		}
	}
	return model.QueueNone
}

// TestQueueOfIsSplit holds QueueOf to the split on random paths of queue
// names in any case, separators of both kinds (doubled, leading,
// trailing), "." and "..", and names Unicode lowering treats apart
// (U+0130, U+212A KELVIN SIGN), and on every queue of a TempIMS and an
// Imcdata tree.
func TestQueueOfIsSplit(t *testing.T) {
	names := []string{"IN", "in", "Out", "OUT", "Archive", "ARCHIVE", "archive", "pickup", "PickUp", ".", "..", "x", "",
		"\u0130N", "I\u0130", "\u212Aarchive", "IMCDATA", "c:"}
	seps := []string{"/", "/", "/", `\`, "//", "/./"}
	r := rand.New(rand.NewPCG(7, 7))
	seen := map[string]int{}
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		if r.IntN(4) == 0 {
			b.WriteString(seps[r.IntN(len(seps))])
		}
		for k := r.IntN(4); k >= 0; k-- {
			b.WriteString(names[r.IntN(len(names))])
			b.WriteString(seps[r.IntN(len(seps))])
		}
		if r.IntN(4) > 0 {
			b.WriteString("A0000001")
		}
		p := b.String()
		got, want := QueueOf(p), queueBySplit(p)
		if got != want {
			t.Fatalf("QueueOf(%q) = %q, by the split %q", p, got, want)
		}
		seen[want]++
	}
	for _, q := range []string{model.QueueIN, model.QueueOUT, model.QueuePickup, model.QueueINArchive, model.QueueOUTArchive, model.QueueNone} {
		if seen[q] < 100 {
			t.Errorf("queue %q drawn %d times: the random paths miss it", q, seen[q])
		}
	}
	for p, want := range map[string]string{"/q/TempIMS/IN/A1": model.QueueIN, "/q/imcdata/out/A1": model.QueueOUT, `C:/Imcdata\In\Archive/A1`: model.QueueINArchive,
		"Imcdata/OUT/archive/A1": model.QueueOUTArchive, "Pickup/x.eml": model.QueuePickup, "archive/A1": model.QueueNone, "A1": model.QueueNone} {
		if got := QueueOf(p); got != want || queueBySplit(p) != want {
			t.Errorf("QueueOf(%q) = %q, want %q", p, got, want)
		}
	}
}

// TestSkipNamesAreToLower: skipName and skipDir answer as the switch on
// strings.ToLower did, for the skipped names in any case, near misses and
// names whose Unicode lowering differs from ASCII folding.
func TestSkipNamesAreToLower(t *testing.T) {
	byLower := func(name string, names ...string) bool {
		l := strings.ToLower(name)
		for _, n := range names {
			if l == n {
				return true
			}
		}
		return false
	}
	for _, n := range []string{"queue.dat", "QUEUE.DAT", "Queue.Old", "queue.old", "truth.json", "TRUTH.JSON", "truth.j\u017Fon", "queue.da", "queue.dat ",
		".imsf-tmp", ".IMSF-tmp", "log", "LOG", "Logs", "backup", "BackUp", "backups", "\u0130og", "lo\u212A", "", "x"} {
		if got, want := skipName(n), byLower(n, "queue.dat", "queue.old", "truth.json") || strings.HasPrefix(n, ".imsf-"); got != want {
			t.Errorf("skipName(%q) = %v, want %v", n, got, want)
		}
		if got, want := skipDir(n), byLower(n, "log", "logs", "backup"); got != want {
			t.Errorf("skipDir(%q) = %v, want %v", n, got, want)
		}
	}
}

// TestJoinEntryIsJoin holds the walk's join to filepath.Join on random
// folder paths (clean or not: doubled and trailing slashes, ".", "..",
// the root, relative) and names (".", "..", empty, with a slash).
func TestJoinEntryIsJoin(t *testing.T) {
	dirs := []string{"a", "IN", ".", "..", "", "/", "//", "x.y", "-"}
	names := []string{"A0000001", ".", "..", "", "a/b", "queue.dat", " x", "..."}
	r := rand.New(rand.NewPCG(8, 8))
	fast := 0
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteString("/")
		}
		for k := r.IntN(4); k >= 0; k-- {
			b.WriteString(dirs[r.IntN(len(dirs))])
			if k > 0 || r.IntN(5) == 0 {
				b.WriteString("/")
			}
		}
		dir, name := b.String(), names[r.IntN(len(names))]
		clean := isCleanDir(dir)
		if got, want := joinEntry(dir, clean, name), filepath.Join(dir, name); got != want {
			t.Fatalf("joinEntry(%q, %v, %q) = %q, filepath.Join %q", dir, clean, name, got, want)
		}
		if clean {
			fast++
		}
	}
	// isCleanDir is false on Windows (the fast join is Unix's): there the
	// test holds joinEntry to filepath.Join alone.
	if fast < 2000 && runtime.GOOS != "windows" {
		t.Fatalf("only %d clean folders drawn", fast)
	}
}

// TestFileManagerFileWantsItsBytes: the name alone never decides.
func TestFileManagerFileWantsItsBytes(t *testing.T) {
	ole := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0}
	msg := []byte("From: a@example.org\r\n\r\nx\r\n")
	for _, c := range []struct {
		name string
		head []byte
		want bool
	}{
		{"Thumbs.db", ole, true},
		{"THUMBS.DB", ole, true},
		{"ehthumbs_vista.db", ole, true},
		{"Thumbs.db", msg, false},
		{"Thumbs.db", nil, false},
		{"HBWK2Q2P", ole, false}, // an OLE2 file of another name is scanned (and found no message)
		{"desktop.ini", []byte("\r\n[ViewState]\r\nMode=\r\n"), true},
		{"desktop.ini", []byte("; comment\r\n"), true},
		{"desktop.ini", []byte("\xEF\xBB\xBF[.ShellClassInfo]\r\n"), true},
		{"desktop.ini", []byte("\xFF\xFE[\x00.\x00"), true},
		{"desktop.ini", []byte("\xFF\xFEF\x00r\x00"), false},
		{"desktop.ini", []byte("\xFF\xFE[\x00\x1F\x04"), true}, // "[Я": a localized name at once
		{"desktop.ini", []byte("\xFF\xFE\x1F\x04[\x00"), false},
		{"desktop.ini", msg, false},
		{"HBWK2Q2P:Zone.Identifier", []byte("[ZoneTransfer]\r\nZoneId=3\r\n"), true},
		{"HBWK2Q2P:zone.identifier", []byte("[ZoneTransfer]\r\nZoneId=3\r\n"), true},
		{"HBWK2Q2P:Zone.Identifier", msg, false},
		{"Zone.Identifier", []byte("[ZoneTransfer]\r\n"), false},
		{".DS_Store", []byte("\x00\x00\x00\x01Bud1\x00"), true},
		{".ds_store", []byte("\x00\x00\x00\x01Bud1\x00"), true}, // names compare as Windows does
		{".DS_Store", msg, false},
		{"._HBWK2Q2P", []byte{0, 5, 0x16, 7, 0, 2}, true},
		{"._HBWK2Q2P", []byte{0, 5, 0x16, 0, 0, 2}, false}, // AppleSingle: a whole file, not a companion
		{"._HBWK2Q2P", msg, false},
	} {
		if got := FileManagerFile(c.name, c.head); got != c.want {
			t.Errorf("FileManagerFile(%q, %q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// TestArchivesAreNotMessages: a queue sent zipped (or gzipped, tarred ...)
// and given as it is, or an archive lying among the spool files, is
// reported as an archive to extract, with its size and sha256 and no
// findings, not as a message that stalls the IMS; show says so too.
func TestArchivesAreNotMessages(t *testing.T) {
	spool := []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nhello\r\n")
	dir := t.TempDir()
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("TempIMS/IN/HBWK2Q2P")
	w.Write(spool)
	zw.Close()
	var gb bytes.Buffer
	gw := gzip.NewWriter(&gb)
	gw.Write(spool)
	gw.Close()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "IN/HBWK2Q2P", Mode: 0o644, Size: int64(len(spool)), Format: tar.FormatUSTAR})
	tw.Write(spool)
	tw.Close()
	files := map[string][]byte{"TempIMS.zip": zb.Bytes(), "HBWK2Q2P.gz": gb.Bytes(), "queue.tar": tb.Bytes(),
		"empty.zip": []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), "IN.7z": []byte("7z\xBC\xAF\x27\x1C\x00\x04"),
		"spool": spool}
	kinds := map[string]string{"TempIMS.zip": "zip", "HBWK2Q2P.gz": "gzip", "queue.tar": "tar", "empty.zip": "zip", "IN.7z": "7z"}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := Scan(context.Background(), []string{dir}, Options{Slim: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != len(files) {
		t.Fatalf("%d records for %d files", len(ms), len(files))
	}
	for _, m := range ms {
		kind := kinds[m.Name]
		sum := sha256.Sum256(files[m.Name])
		if m.SHA256 != hex.EncodeToString(sum[:]) || m.Size != int64(len(files[m.Name])) {
			t.Errorf("%s: size %d sha256 %s, want the file's", m.Name, m.Size, m.SHA256)
		}
		switch {
		case kind == "" && (m.Error != "" || len(m.Findings) == 0):
			t.Errorf("%s (a message): error %q, findings %v", m.Name, m.Error, m.Findings)
		case kind != "" && (!strings.Contains(m.Error, "is a "+kind+" archive, not a message") || len(m.Findings) != 0):
			t.Errorf("%s: error %q, findings %v; want a %s archive without findings", m.Name, m.Error, m.Findings, kind)
		}
		if kind == "" {
			continue
		}
		pm, err := ParseFile(filepath.Join(dir, m.Name), nil)
		var ae *ArchiveError
		if pm == nil || !errors.As(err, &ae) || ae.Kind != kind {
			t.Errorf("ParseFile(%s): %v, want its ArchiveError", m.Name, err)
		}
	}
}
