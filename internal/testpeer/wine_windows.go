package testpeer

import "syscall"

// Wine says whether the test runs under Wine (scripts/wine-test.sh):
// Wine's ntdll.dll exports wine_get_version, Windows' does not. A test
// that holds Windows behaviour Wine does not have (each says which, with
// the evidence, in scripts/wine-test.sh) skips there.
func Wine() bool {
	return syscall.NewLazyDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
