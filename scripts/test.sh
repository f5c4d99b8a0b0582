#!/usr/bin/env bash
# The one test command: installs what the tests need (Debian packages for the
# real SMTP peers and the headless browser, Go modules), then runs the whole
# suite: gofmt, go vet, the Windows build and its tests under Wine, go test
# -race, the huge-input tests without the race detector, and a short pass
# of every fuzz target.
# .ci/run calls this script; developers run it the same way.
#
#   scripts/test.sh              everything
#   FUZZTIME=60s scripts/test.sh longer fuzz pass
#   SKIP_FUZZ=1 scripts/test.sh  no fuzz pass (quick local runs)
#   SKIP_WINE=1 scripts/test.sh  no Windows tests under Wine
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
FUZZTIME="${FUZZTIME:-15s}"

# Each step is named as it starts and timed when the next one starts; the
# end prints every step with its duration, so a slow CI run says where the
# time went. A failing step is named with its time too.
step_name="" step_start=0 steps=()
step_end() {
  [ -n "$step_name" ] || return 0
  local secs=$((SECONDS - step_start))
  steps+=("$(printf '%5ds  %s' "$secs" "$step_name")")
  printf -- '-- %s: %ds\n' "$step_name" "$secs"
  step_name=""
}
step() {
  step_end
  step_name="$*" step_start=$SECONDS
  printf '\n== %s\n' "$step_name"
}
summary() {
  local rc=$?
  step_end
  printf '\n== steps (%s, %ds in all)\n' "$([ "$rc" = 0 ] && echo passed || echo "FAILED, exit $rc")" "$SECONDS"
  printf '%s\n' "${steps[@]}"
}
trap summary EXIT

# Real peers, not mocks: Postfix's smtp-sink/smtp-source, swaks, Python's
# smtplib, Debian's Chromium for the HTML report test, and two third-party
# .evtx readers.
need=()
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# swaks --tls needs Net::SSLeay; replay's TLS/AUTH tests use aiosmtpd as the
# third-party server (Debian's python3, /usr/bin/python3).
perl -MNet::SSLeay -e 1 >/dev/null 2>&1 || need+=(libnet-ssleay-perl)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
command -v evtexport >/dev/null 2>&1 || need+=(libevt-utils) # the .evt cross-check (evidence/evtexport_test.go)
# The .evtx oracles (evidence/evtx_oracle_test.go): libyal's evtxexport and
# python-evtx, the latter for Debian's own python3.
command -v evtxexport >/dev/null 2>&1 || need+=(libevtx-utils)
[ -f /usr/lib/python3/dist-packages/Evtx/Evtx.py ] || need+=(python3-evtx)
# The README walk-through test drives the CLI in a real pseudo-terminal
# (cmd/imsforensic/terminal_linux_test.go).
command -v tmux >/dev/null 2>&1 || need+=(tmux)
# The Windows test binaries run under Wine (scripts/wine-test.sh), with one
# DLL built by mingw-w64 that Wine 8.0 lacks.
if [ -z "${SKIP_WINE:-}" ]; then
  [ -x /usr/lib/wine/wine64 ] || need+=(wine64)
  command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
fi
step "install Debian packages"
if [ "${#need[@]}" -eq 0 ]; then
  echo "nothing to install: every package the tests need (the need+= lines above) is present"
else
  echo "installing ${need[*]} (apt-get, quiet; the rest is present)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The postfix daemon is never started: the tests run smtp-sink themselves.
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "installed ${need[*]}"
fi

step "go modules (go mod download: the modules of go.sum)"
go mod download

step "gofmt"
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "GOOS=windows go build, go vet"
GOOS=windows GOARCH=amd64 go build ./...
# vet's analysers (printf, copylocks, ...) on the Windows-only files too,
# which nothing else compiles with their tests.
GOOS=windows GOARCH=amd64 go vet ./...

if [ -z "${SKIP_WINE:-}" ]; then
  step "the Windows tests under Wine (scripts/wine-test.sh, its CI set)"
  # The packages of the Windows code paths and of the safety promise; a
  # failing test fails the run. The full pass: scripts/wine-test.sh.
  WINE_SET=ci scripts/wine-test.sh
fi

step "go test -race"
go test -race -count=1 -timeout 30m ./...

step "without the race detector: 1 GiB inputs, the 10,000-message triage acceptance test"
# These run at full size only without -race (the detector makes them 10x slower).
go test -count=1 -run 'Huge' -timeout 20m ./parse/...
go test -count=1 -timeout 20m ./triage/...

if [ -z "${SKIP_FUZZ:-}" ]; then
  step "fuzz pass ($FUZZTIME per target)"
  # Every Fuzz target in the tree, found by name.
  grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
    pkg="./$(dirname "${f#./}")"
    grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
      echo "-- $pkg $target"
      fuzz() { go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=100x "$pkg" >/tmp/fuzz-$$.log 2>&1; }
      if ! fuzz; then
        # Go's fuzz coordinator sometimes ends a run with "context deadline
        # exceeded" and no failing input when the time is up while a worker
        # is busy; that is the engine, not a crasher. A real crasher always
        # writes its input: only then, or on a second failure, stop.
        if grep -q 'Failing input written' /tmp/fuzz-$$.log || ! grep -q 'context deadline exceeded' /tmp/fuzz-$$.log || ! fuzz; then
          cat /tmp/fuzz-$$.log; exit 1
        fi
      fi
      tail -n 1 /tmp/fuzz-$$.log
    done
  done
fi

step "all tests passed"
