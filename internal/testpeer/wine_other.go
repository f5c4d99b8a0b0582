//go:build !windows

package testpeer

// Wine is false off Windows (wine_windows.go).
func Wine() bool { return false }
