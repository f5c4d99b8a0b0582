#!/bin/bash
# crossjournal.sh BINARY: the numbers of docs/robustness.md's "A message
# another journal delivered". A 200-message corpus queue Q is replayed to
# an imsforensic sink on the loopback (smtp://127.0.0.1:2642), then, each
# a journal of its own: Q/IN, a copy of Q in another folder, the IN files
# named one by one (--files-from), then Q/IN with --send-again. The sink
# acknowledges a repeated ENVID+sha256 without storing it, so
# "duplicates" counts what a server that does not deduplicate would have
# delivered twice.
set -u
B=$1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$B" corpus --out "$W/Q" --messages 200 >/dev/null 2>&1
export XDG_STATE_HOME=$W/state
"$B" sink --listen 127.0.0.1:2642 --store "$W/store" 2>"$W/sink.log" &
sp=$!
sleep 0.5
cp -r "$W/Q" "$W/copy"
in=$(ls -d "$W"/Q/* | grep -i '/in$')
ls "$in"/* >"$W/named.txt"
step() { # step NAME ARGS...
	local name=$1
	shift
	"$B" replay "$@" --to smtp://127.0.0.1:2642 >"$W/out" 2>&1
	echo "$name: exit $?; $(grep -o 'written [0-9]*, skipped [0-9]*' "$W/out" | head -1) ($(awk '/already delivered to this server \(another journal\)/ {n = $2} END {print n + 0}' "$W/out") as delivered by another journal)"
}
step "Q" "$W/Q"
step "Q/IN" "$in"
step "copy of Q" "$W/copy"
step "IN by name" --files-from "$W/named.txt"
step "Q/IN --send-again" "$in" --send-again
kill $sp
wait $sp 2>/dev/null
echo "sink: $(grep -o 'stored [0-9]*, duplicates [0-9]*' "$W/sink.log"); journals $(ls "$W"/state/imsforensic/*.jsonl | wc -l)"
