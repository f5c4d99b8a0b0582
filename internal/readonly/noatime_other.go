//go:build unix && !linux

package readonly

// noatime: this Unix has no per-open flag to keep the access time.
const noatime = 0
