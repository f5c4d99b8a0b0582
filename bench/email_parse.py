#!/usr/bin/env python3
"""Parse every message file under the given paths with Python's email package.

This is the baseline of bench/run.sh: what an administrator would script
instead of imsforensic scan. Each file is read once, the RFC 822 part is
found the way a hand-written script would (an IMS spool file's "EwLs"
marker, or X-Sender/X-Receiver lines, are skipped), the message is parsed
with policy=default, and every part is walked and decoded: get_content()
for leaf parts (transfer encoding and charset), get_payload(decode=True)
where get_content() refuses the part.

Usage: email_parse.py [--workers N] PATH...
Prints one summary line: files, bytes, parts, errors.
Standard library only.
"""
import email
import email.policy
import os
import sys
from multiprocessing import Pool


def message_start(data):
    """Offset of the RFC 822 part in one queue file."""
    head = data[:65536]
    if b"ImCr" in head[:64]:
        i = head.find(b"EwLs")
        return i + 4 if i >= 0 else len(data)
    off = 0
    while True:
        line_end = data.find(b"\n", off)
        if line_end < 0:
            return off
        line = data[off:line_end].lower()
        if line.startswith(b"x-sender:") or line.startswith(b"x-receiver:"):
            off = line_end + 1
            continue
        return off


def parse_file(path):
    """Return (bytes, parts, errors) for one file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return 0, 0, 1
    msg = email.message_from_bytes(data[message_start(data):], policy=email.policy.default)
    parts = errors = 0
    for part in msg.walk():
        parts += 1
        if part.is_multipart():
            continue
        try:
            part.get_content()
        except Exception:  # noqa: BLE001 - poison messages are the point
            try:
                part.get_payload(decode=True)
            except Exception:  # noqa: BLE001
                errors += 1
    return len(data), parts, errors


def files_under(paths):
    for root in paths:
        if os.path.isfile(root):
            yield root
            continue
        for d, dirs, names in os.walk(root):
            dirs.sort()
            for n in sorted(names):
                if n.lower() in ("queue.dat", "queue.old", "truth.json"):
                    continue
                yield os.path.join(d, n)


def main(argv):
    workers = 1
    if len(argv) > 1 and argv[0] == "--workers":
        workers = int(argv[1])
        argv = argv[2:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    files = list(files_under(argv))
    if workers <= 1:
        results = map(parse_file, files)
    else:
        pool = Pool(workers)
        results = pool.imap_unordered(parse_file, files, chunksize=16)
    n = size = parts = errors = 0
    for b, p, e in results:
        n += 1
        size += b
        parts += p
        errors += e
    print(f"python-email files={n} bytes={size} parts={parts} errors={errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
