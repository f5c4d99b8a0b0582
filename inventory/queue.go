package inventory

import (
	"path/filepath"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// QueueOf returns the queue of a file from its path: IN, OUT, IN/Archive,
// OUT/Archive, Pickup or "" (model.Queue*). Folder names are compared
// case-insensitively; both / and \ separate folders, so a path copied from
// a Windows admin's notes works on any system.
func QueueOf(path string) string {
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

// skipName reports files that are IMS bookkeeping, not messages: the queue
// state file (KB Q148727) and its renamed copy (Q312443).
func skipName(name string) bool {
	switch strings.ToLower(name) {
	case "queue.dat", "queue.old", "truth.json":
		return true
	}
	return strings.HasPrefix(name, ".imsf-")
}

// SkipsDir reports the folders Scan does not walk into (Imcdata\Log and
// the like), so a caller can say what they hold.
func SkipsDir(name string) bool { return skipDir(name) }

// skipDir reports Imcdata folders that hold no messages: protocol logs
// and Imcsave backups (read them as evidence instead).
func skipDir(name string) bool {
	switch strings.ToLower(name) {
	case "log", "logs", "backup":
		return true
	}
	return false
}
