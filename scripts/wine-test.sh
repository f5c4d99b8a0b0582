#!/usr/bin/env bash
# The Windows build's own tests, run under Wine: for each package with
# tests, GOOS=windows go test -c builds a .exe and Wine 8.0 runs it with
# -test.short. The Windows code paths (LockFileEx locks, MoveFileEx
# renames, the read handles that keep access times, %LOCALAPPDATA%, case-
# insensitive names) run nowhere else: CI's Windows step only builds them.
#
#   scripts/wine-test.sh                      every package with tests
#   scripts/wine-test.sh ./replay ./inventory some of them
#   WINE_SET=ci scripts/wine-test.sh          the CI set (scripts/test.sh)
#   WINE_TEST_DIR=/tmp/w scripts/wine-test.sh keep the prefix, binaries, logs
#
# Each package's -test.v output goes to $WINE_TEST_DIR/logs/<pkg>.log; the
# end prints one line per package (passed, failed, skipped tests) and the
# script exits 1 when any test failed or a binary did not finish.
#
# What Wine needs from us (each found by running the binaries; evidence in
# the files named):
#  - bcryptprimitives.dll: Go (1.26 here) takes its random bytes from its
#    ProcessPrng and stops at start ("fatal error: bcryptprimitives.dll not
#    found"); Wine 8.0 has no such DLL. scripts/wine/bcryptprimitives.c is
#    built with mingw-w64 into the prefix's system32.
#  - Go's delete fallback: Wine 8.0 answers FileDispositionInformationEx
#    with STATUS_NOT_IMPLEMENTED, which Go does not take as "use the old
#    way", so every os.RemoveAll (every t.TempDir cleanup) fails with
#    "Invalid function". scripts/wine/deleteat_wine.go.in, added to the
#    standard library with -overlay, turns on the fallback Go keeps for
#    older Windows and FAT32.
# Tests that need a Unix peer (Postfix, swaks, Python, Chromium, tmux,
# evtxexport) skip on Windows by runtime.GOOS, each saying why. Wine's
# other gaps (no AF_UNIX, no symbolic links, access times updated on read,
# removed files still listed) are said where the tests skip or adapt to
# them, and listed in docs/robustness.md ("The Windows build under Wine").
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
root=$PWD

# Debian's wine64 (8.0 on bookworm) and the mingw-w64 C compiler for the
# one DLL; installed only when missing, as scripts/test.sh does.
WINE=/usr/lib/wine/wine64
need=()
[ -x "$WINE" ] || need+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]} (apt-get, quiet)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

dir="${WINE_TEST_DIR:-}"
if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/wine-test.XXXXXX)
fi
# This prefix's wineserver (and only it) ends with the script.
trap '/usr/lib/wine/wineserver -k 2>/dev/null || true; [ -n "${WINE_TEST_DIR:-}" ] || rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/logs"
export WINEPREFIX="$dir/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
# The tests' environment as Windows sees it: no CI=true (a test that fails
# in CI when a peer is missing must skip here by GOOS, not fail by CI), and
# no Unix HOME or XDG folders that a Windows code path could pick up.
unset CI XDG_STATE_HOME XDG_CONFIG_HOME XDG_CACHE_HOME

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "making the Wine prefix $WINEPREFIX"
  "$WINE" wineboot -i >/dev/null 2>&1
fi
sys32="$WINEPREFIX/drive_c/windows/system32"
x86_64-w64-mingw32-gcc -shared -O2 -Wall -o "$sys32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32

overlay="$dir/overlay.json"
printf '{"Replace":{"%s":"%s"}}\n' \
  "$(go env GOROOT)/src/internal/syscall/windows/zz_wine_deleteat.go" \
  "$root/scripts/wine/deleteat_wine.go.in" >"$overlay"

# Tests left out by -test.skip, each package's named in the summary: in
# the CI set, ci_skip. Every test that needs a Unix peer (python3,
# swaks, smtp-sink, ...) skips by GOOS itself (internal/testpeer).
declare -A leave_out=()

# The CI set: the packages of the Windows code paths and of the safety
# promise (atomic writes, read-only evidence, locks, the guard, the walk,
# replay's journal and targets, bisect's probe, the sink's store, the
# commands), without their slowest tests, which hold no Windows path of
# their own (the flag sweep's 593 runs, the corpus and demo stories, the
# sink's minute of random kills). The rest runs in the full pass.
ci_pkgs=(./internal/atomicfile ./internal/readonly ./internal/lock ./internal/outside ./guard
  ./inventory ./replay ./replay/bisect ./smtpsink ./cmd/imsforensic)
declare -A ci_skip=(
  [./cmd/imsforensic]='^(TestFlagSweep|TestOneVerdictForEveryCorpusScenario|TestDemoTellsTheWholeStory|TestReadmeWalkthroughNumbersAreTheCorpus)$'
  [./smtpsink]='^TestSIGKILLSeededRandomPoints$'
)

if [ "$#" -gt 0 ]; then
  pkgs=("$@")
elif [ "${WINE_SET:-}" = ci ]; then
  pkgs=("${ci_pkgs[@]}")
  for k in "${!ci_skip[@]}"; do leave_out[$k]="${ci_skip[$k]}"; done
else
  # Every package with tests. bench holds benchmark programs whose tests
  # build and time them: no Windows code path there.
  mapfile -t pkgs < <(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' ./... |
    sed "s|^$root|.|" | grep -v '^\./bench$')
fi

failed=0 lines=() notes=()
for pkg in "${pkgs[@]}"; do
  name=$(echo "${pkg#./}" | tr / _)
  [ "$name" != "." ] || name=root
  exe="$dir/bin/$name.test.exe" log="$dir/logs/$name.log"
  start=$SECONDS
  if ! GOOS=windows GOARCH=amd64 go test -overlay "$overlay" -c -o "$exe" "$pkg" >"$log" 2>&1; then
    lines+=("$(printf 'FAIL  %-28s build failed (%s)' "$pkg" "$log")")
    failed=1
    continue
  fi
  # The test binary runs in the package's folder, as go test runs it
  # (testdata paths are relative); Wine maps it to Z:\...
  flags=(-test.short -test.v -test.timeout 9m)
  if [ -n "${leave_out[$pkg]:-}" ]; then
    flags+=(-test.skip "${leave_out[$pkg]}")
    notes+=("$(printf '%-28s not run here: %s' "$pkg" "${leave_out[$pkg]}")")
  fi
  rc=0
  (cd "$pkg" && timeout 600 "$WINE" "$exe" "${flags[@]}") >>"$log" 2>&1 || rc=$?
  pass=$(grep -c -- '^\s*--- PASS' "$log" || true)
  fail=$(grep -c -- '^\s*--- FAIL' "$log" || true)
  skip=$(grep -c -- '^\s*--- SKIP' "$log" || true)
  status=ok
  if [ "$rc" != 0 ]; then
    status=FAIL failed=1
    [ "$rc" = 124 ] && status="FAIL (timeout)"
  fi
  lines+=("$(printf '%-4s  %-28s %4d passed %3d failed %3d skipped  %4ds' "$status" "$pkg" "$pass" "$fail" "$skip" $((SECONDS - start)))")
  echo "${lines[-1]}"
  if [ "$rc" != 0 ]; then
    # What the failing tests said (the log goes with a temporary folder):
    # every line but the runs, passes and skips, at most 100.
    grep -v -E -- '^\s*(=== (RUN|PAUSE|CONT)|--- (PASS|SKIP))' "$log" | head -100 | sed 's/^/      /'
  fi
done

printf '\n== Windows tests under Wine (%s), logs in %s\n' "$("$WINE" --version 2>/dev/null)" "$dir/logs"
printf '%s\n' "${lines[@]}"
[ "${#notes[@]}" -eq 0 ] || printf 'left out: %s\n' "${notes[@]}"
exit "$failed"
