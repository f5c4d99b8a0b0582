package inventory

import (
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

// SkipsDir reports the folders Scan does not walk into (Imcdata\Log and
// the like), so a caller can say what they hold.
func SkipsDir(name string) bool { return skipDir(name) }

// skipDir reports Imcdata folders that hold no messages: protocol logs
// and Imcsave backups (read them as evidence instead).
func skipDir(name string) bool {
	return asciifold.In(name, skippedFolders)
}

var skippedFolders = []string{"log", "logs", "backup"}
