#!/usr/bin/env bash
# cpu_ratio.sh CORPUS [N] [SCAN_BIN...]: the scan targets of issue 16 as CPU-time ratios, for a
# loaded machine where wall time is mostly waiting for a core. go-message walk+decode, sha256sum and
# each scan binary run N times (default 15) on one core, round-robin so that a change of load touches
# them alike (Python email 3 times); the median CPU time of each (user+sys of the whole process tree,
# from wait4, microsecond resolution) gives the ratios.
# Then, for each scan binary, the wall time on one core and on two (GOMAXPROCS=1 and 2, the runs
# interleaved), median and best of N: on a shared machine the best is the run that found a core free.
# Each binary (go-message's and every scan binary) runs from BENCH_COPIES fresh copies (default 3)
# in turn, the median taken over all of them: the same bytes in another file ran 2-4% faster or
# slower on this machine (where the kernel put the file's pages; the binaries were identical to the
# byte), more than the changes being measured (docs/benchmarks.md, sixth pass).
# Build first: go build -o /tmp/bin/imsforensic ./cmd/imsforensic; go build -o /tmp/bin/gomessage ./bench/gomessage
set -euo pipefail
D=$1 N=${2:-15}
shift 2 || shift $#
BINS=("${@:-${BENCH_BIN:-/tmp/bin}/imsforensic}")
GOM=${BENCH_BIN:-/tmp/bin}/gomessage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
python3 - "$D" "$N" "$GOM" "$ROOT/bench/email_parse.py" "${BINS[@]}" <<'PY'
import os, shutil, subprocess, sys, statistics, tempfile, time
d, n, gom, py, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
one = dict(os.environ, GOMAXPROCS="1")
copies = max(1, int(os.environ.get("BENCH_COPIES", "3")))
tmp = tempfile.mkdtemp(prefix="cpu_ratio.")
def copied(b):
    # Fresh files of the same bytes: where their pages land differs.
    out = []
    for k in range(copies):
        c = os.path.join(tmp, "%d.%d.%s" % (len(os.listdir(tmp)), k, os.path.basename(b)))
        shutil.copy2(b, c)
        out.append(c)
    return out
def cpu(cmd, env=one):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, ru = os.wait4(p.pid, 0)
    return ru.ru_utime + ru.ru_stime
runs = {"gomessage": [[c, "-workers", "1", d] for c in copied(gom)],
        "sha256sum": [["sh", "-c", "find '%s' -type f ! -name truth.json -print0 | xargs -0 -P 1 -n 256 sha256sum" % d]]}
for b in bins:
    runs[b] = [[c, "scan", "--format", "json", d] for c in copied(b)]
xs = {k: [] for k in runs}
for _ in range(n):
    for k, cs in runs.items():
        for c in cs:
            xs[k].append(cpu(c))
p = statistics.median(cpu(["python3", py, "--workers", "1", d]) for _ in range(3))
g, h = statistics.median(xs["gomessage"]), statistics.median(xs["sha256sum"])
print("load: %s; go-message %.4fs, sha256sum %.4fs, Python email %.4fs CPU" % (" ".join(open("/proc/loadavg").read().split()[:3]), g, h, p))
print("| scan binary | scan CPU s | go-message / scan (>= 1.5) | Python / scan (>= 20) | scan / sha256sum (<= 0.8) |")
print("|---|---|---|---|---|")
for b in bins:
    s = statistics.median(xs[b])
    print("| %s | %.3f | %.2f | %.1f | %.2f |" % (os.path.basename(b), s, g / s, p / s, s / h))
print()
print("| scan binary | 1 core wall s (median / best) | 2 cores wall s (median / best) | speed-up (median / best; >= 1.8) |")
print("|---|---|---|---|")
w = {(b, c): [] for b in bins for c in (1, 2)}
for _ in range(n):
    for b in bins:
        for c in (1, 2):
            t = time.monotonic()
            subprocess.run(runs[b][len(w[(b, c)]) % copies], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, GOMAXPROCS=str(c)))
            w[(b, c)].append(time.monotonic() - t)
for b in bins:
    a, c = w[(b, 1)], w[(b, 2)]
    m1, m2 = statistics.median(a), statistics.median(c)
    print("| %s | %.3f / %.3f | %.3f / %.3f | %.2f / %.2f |" % (os.path.basename(b), m1, min(a), m2, min(c), m1 / m2, min(a) / min(c)))
print("load at the end: %s; each binary from %d copies" % (" ".join(open("/proc/loadavg").read().split()[:3]), copies))
shutil.rmtree(tmp)
PY
