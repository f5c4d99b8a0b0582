package inventory

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/imsforensic/imsforensic/internal/asciifold"
	"github.com/imsforensic/imsforensic/model"
)

// QueueOf returns the queue of a file from its path: IN, OUT, IN/Archive,
// OUT/Archive, Pickup or "" (model.Queue*). Folder names are compared
// case-insensitively; both / and \ separate folders, so a path copied from
// a Windows admin's notes works on any system.
//
// The folder names are found in place, without splitting the path (scan
// asks for every file: the split and the lowered copies were 0.8% of a
// one-core scan); TestQueueOfIsSplit holds it to the split.
func QueueOf(path string) string {
	last, rest, more := lastPart(filepath.Dir(path))
	switch asciifold.Match(last, queueFolders) {
	case "in":
		return model.QueueIN
	case "out":
		return model.QueueOUT
	case "pickup":
		return model.QueuePickup
	case "archive":
		if !more {
			return model.QueueNone
		}
		parent, _, _ := lastPart(rest)
		switch asciifold.Match(parent, queueFolders) {
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

// queueFolders are the folder names QueueOf tells apart, in lower case.
var queueFolders = []string{"in", "out", "pickup", "archive"}

// lastPart splits dir at its last / or \: the name after it, what comes
// before it, and whether there was one (else the name is dir whole).
func lastPart(dir string) (name, before string, ok bool) {
	for i := len(dir) - 1; i >= 0; i-- {
		if dir[i] == '/' || dir[i] == '\\' {
			return dir[i+1:], dir[:i], true
		}
	}
	return dir, "", false
}

// skipName reports files that are IMS bookkeeping, not messages: the queue
// state file (KB Q148727) and its renamed copy (Q312443).
func skipName(name string) bool {
	return asciifold.In(name, skippedNames) || strings.HasPrefix(name, ".imsf-")
}

// skippedNames are the names skipName leaves out, in lower case (compared
// as strings.ToLower would, without its copy of every name of a queue).
var skippedNames = []string{"queue.dat", "queue.old", "truth.json"}

// FileManagerFile reports a file that a file manager, not the IMS, left
// in a copied queue folder: Explorer's thumbnail cache (Thumbs.db,
// ehthumbs.db) and folder settings (desktop.ini), a download's
// Zone.Identifier stream copied out as a file, the Finder's .DS_Store and
// its AppleDouble "._" companions. The name alone does not decide: the
// first bytes must be that file's (an OLE2 compound file, a Finder store,
// an AppleDouble header, an INI section), so a message that happens to
// bear such a name is still a message. No IMS spool file has such a name
// (eight-character names without an extension, KB Q197792).
func FileManagerFile(name string, head []byte) bool {
	switch {
	case asciifold.In(name, oleCacheNames):
		return bytes.HasPrefix(head, oleMagic)
	case strings.EqualFold(name, "desktop.ini"), hasSuffixFold(name, ":Zone.Identifier"):
		// The second: Windows' mark of a download, an NTFS stream that
		// a copy to another file system (WSL, 7-Zip, some backup tools)
		// makes a file of its own, "HBWK2Q2P:Zone.Identifier".
		return iniHead(head)
	case strings.EqualFold(name, ".DS_Store"):
		return bytes.HasPrefix(head, dsStoreMagic)
	case strings.HasPrefix(name, "._"):
		return bytes.HasPrefix(head, appleDoubleMagic)
	}
	return false
}

// hasSuffixFold is strings.HasSuffix with ASCII case folded.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

var (
	// oleCacheNames are Explorer's thumbnail caches, lower case.
	oleCacheNames    = []string{"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db"}
	oleMagic         = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // [MS-CFB] 2.2
	dsStoreMagic     = []byte{0, 0, 0, 1, 'B', 'u', 'd', '1'}
	appleDoubleMagic = []byte{0, 5, 0x16, 7} // RFC 1740 appendix B
)

// iniHead reports text that opens as an INI file does: after a byte-order
// mark (UTF-8 or UTF-16LE, as Explorer writes desktop.ini) and blank
// lines, a "[section]" or a ";" comment.
func iniHead(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		// UTF-16LE: the ASCII of the first characters, every other
		// byte, up to the first that is not ASCII (a localized folder
		// name further on).
		var ascii []byte
		for i := 2; i+1 < len(head) && len(ascii) < 64 && head[i+1] == 0 && head[i] < 0x80; i += 2 {
			ascii = append(ascii, head[i])
		}
		head = ascii
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && (head[0] == '[' || head[0] == ';')
}

// SkipsDir reports the folders Scan does not walk into (Imcdata\Log and
// the like), so a caller can say what they hold.
func SkipsDir(name string) bool { return skipDir(name) }

// skipDir reports Imcdata folders that hold no messages: protocol logs
// and Imcsave backups (read them as evidence instead).
func skipDir(name string) bool {
	return asciifold.In(name, skippedFolders)
}

var skippedFolders = []string{"log", "logs", "backup"}
