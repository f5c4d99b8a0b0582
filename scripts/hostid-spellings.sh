#!/bin/bash
# hostid-spellings.sh BINARY [ADDR]: the numbers of docs/robustness.md's
# "One SMTP server under two spellings". A 200-message corpus is replayed
# to an imsforensic sink on ADDR (default: this machine's first address
# beyond the loopback), as smtp://ADDR:2641 and smtp://[::ffff:ADDR]:2641,
# first one after the other, then (fresh state and sink) both at once with
# the sink holding each DATA 20 ms. The sink acknowledges a repeated
# ENVID+sha256 without storing it, so "duplicates" counts the messages a
# server that does not deduplicate would have delivered twice.
set -u
B=$1
ADDR=${2:-$(hostname -I | tr ' ' '\n' | grep -v '^127\.' | grep '\.' | head -1)}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$B" corpus --out "$W/Q" --messages 200 >/dev/null 2>&1
run() { # run seq|par [sink flags]
	export XDG_STATE_HOME=$W/state-$1
	"$B" sink --listen "$ADDR:2641" --allow-remote --store "$W/store-$1" ${2:-} 2>"$W/sink-$1.log" &
	local sp=$! a b
	sleep 0.5
	if [ "$1" = seq ]; then
		"$B" replay "$W/Q" --to "smtp://$ADDR:2641" >/dev/null 2>"$W/a.err"; a=$?
		"$B" replay "$W/Q" --to "smtp://[::ffff:$ADDR]:2641" >/dev/null 2>"$W/b.err"; b=$?
	else
		"$B" replay "$W/Q" --to "smtp://$ADDR:2641" >/dev/null 2>"$W/a.err" &
		local ap=$!
		sleep 0.3
		"$B" replay "$W/Q" --to "smtp://[::ffff:$ADDR]:2641" >/dev/null 2>"$W/b.err"; b=$?
		wait $ap; a=$?
	fi
	kill $sp; wait $sp 2>/dev/null
	echo "$1: exits $a $b; $(grep -o 'stored [0-9]*, duplicates [0-9]*' "$W/sink-$1.log"); journals $(ls "$W/state-$1"/imsforensic/*.jsonl | wc -l); second run: $(grep -o 'in use by' "$W/b.err" | head -1)"
}
run seq
run par "--delay DATA:20ms"
