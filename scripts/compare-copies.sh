#!/usr/bin/env bash
# compare-copies.sh OLD NEW [DIR...]: runs `repair` and `redact` of two
# imsforensic binaries over the same inputs (default: every test folder of
# the repository) and diffs what each prints (stdout, stderr), its exit
# code and the copies it writes, byte for byte. Used to show that the
# bounded-memory paths of issue 16 write what the whole-buffer ones did:
#   go build -o /tmp/ims-old ./cmd/imsforensic   # on main
#   go build -o /tmp/ims-new ./cmd/imsforensic   # on the branch
#   scripts/compare-copies.sh /tmp/ims-old /tmp/ims-new
set -u
old=$1 new=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
dirs=("$@")
# The KB samples one rule folder at a time: their file names repeat
# across rules, and two inputs of one name write one copy.
[ ${#dirs[@]} -gt 0 ] || dirs=("$root/testdata" "$root/parse/testdata" "$root/rules/testdata/suites" "$root"/rules/testdata/kb/*/)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0 runs=0
run() { # bin tag cmd dir format
	local out="$work/out"
	rm -rf "$out"
	local extra=()
	[ "$3" = redact ] && extra=(--key compare-copies --map "$work/map.jsonl")
	rm -f "$work/map.jsonl"
	(cd "$4" && "$1" "$3" --format "$5" "${extra[@]}" . --out "$out" >"$work/$2.stdout" 2>"$work/$2.stderr")
	echo $? >"$work/$2.rc"
	rm -rf "$work/$2.tree"
	[ -d "$out" ] && mv "$out" "$work/$2.tree"
	[ -f "$work/map.jsonl" ] && mv "$work/map.jsonl" "$work/$2.map"
}
for d in "${dirs[@]}"; do
	for cmd in repair redact; do
		for f in json table; do
			runs=$((runs + 1))
			run "$old" old "$cmd" "$d" "$f"
			run "$new" new "$cmd" "$d" "$f"
			for k in stdout stderr rc map; do
				if [ -e "$work/old.$k" ] || [ -e "$work/new.$k" ]; then
					cmp -s "$work/old.$k" "$work/new.$k" || { echo "DIFF $cmd --format $f $d: $k"; diff "$work/old.$k" "$work/new.$k" | head -5; fail=1; }
				fi
			done
			if [ -d "$work/old.tree" ] || [ -d "$work/new.tree" ]; then
				diff -r "$work/old.tree" "$work/new.tree" >/dev/null 2>&1 || { echo "DIFF $cmd --format $f $d: copies"; fail=1; }
			fi
			rm -rf "$work"/old.* "$work"/new.*
		done
	done
done
[ $fail = 0 ] && echo "compare-copies: $runs runs, the same output, exit codes and copies"
exit $fail
