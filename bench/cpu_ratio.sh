#!/usr/bin/env bash
# cpu_ratio.sh CORPUS [N] [SCAN_BIN...]: the scan targets of issue 16 as CPU-time ratios, for a
# loaded machine where wall time is mostly waiting for a core. Each command runs N times (default 15;
# Python 3) on one core, and the median CPU time (user+sys of the whole process tree, from wait4,
# microsecond resolution) is printed beside go-message walk+decode, sha256sum and Python email.
# Build first: go build -o /tmp/bin/imsforensic ./cmd/imsforensic; go build -o /tmp/bin/gomessage ./bench/gomessage
set -euo pipefail
D=$1 N=${2:-15}
shift 2 || shift $#
BINS=("${@:-${BENCH_BIN:-/tmp/bin}/imsforensic}")
GOM=${BENCH_BIN:-/tmp/bin}/gomessage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cpu() { # cpu N CMD...: median CPU seconds per run
	python3 - "$@" <<'PY'
import os, subprocess, sys, statistics
n, cmd = int(sys.argv[1]), sys.argv[2:]
xs = []
for _ in range(n):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    xs.append(ru.ru_utime + ru.ru_stime)
print("%.4f" % statistics.median(xs))
PY
}
g=$(cpu "$N" env GOMAXPROCS=1 "$GOM" -workers 1 "$D")
h=$(cpu "$N" sh -c "find '$D' -type f ! -name truth.json -print0 | xargs -0 -P 1 -n 256 sha256sum")
p=$(cpu 3 python3 "$ROOT/bench/email_parse.py" --workers 1 "$D")
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); go-message ${g}s, sha256sum ${h}s, Python email ${p}s CPU"
echo "| scan binary | scan CPU s | go-message / scan (>= 1.5) | Python / scan (>= 20) | scan / sha256sum (<= 0.8) |"
echo "|---|---|---|---|---|"
for b in "${BINS[@]}"; do
	s=$(cpu "$N" env GOMAXPROCS=1 "$b" scan --format json "$D")
	awk -v b="$(basename "$b")" -v s="$s" -v g="$g" -v h="$h" -v p="$p" \
		'BEGIN{printf "| %s | %.3f | %.2f | %.1f | %.2f |\n", b, s, g/s, p/s, s/h}'
done
