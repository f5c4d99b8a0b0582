#!/usr/bin/env python3
"""kb-excerpts.py KBARCHIVE_GIT_DIR OUT_DIR: the sweep of docs/robustness.md.

Extracts from the KB archive (jeffpar/kbarchive, a bare git dir, commit
2dc5fc58c90c79fc8f0a10fbf94397b4193a5c3b) every Dr. Watson excerpt (from
"Application exception occurred" to the article's next heading) into
OUT_DIR/drwatson, and every Exchange Event Viewer block (articles naming
MSExchangeIMC, MSExchangeIS or MSExchangeMTA with an "Event ID" line) into
OUT_DIR/events, the article's indentation removed as an admin pasting it
would. Then:

  IMSF_DRWATSON_SWEEP=OUT_DIR/drwatson go test -run TestDrWatsonSweep -v ./evidence
  imsforensic events OUT_DIR/events --format json > events.jsonl
  scripts/kb-excerpts.py --count OUT_DIR/events events.jsonl

The last line counts the "Event ID" lines of the text that were not read as
that event, the events with an empty description and those with an HRESULT.
"""
import collections, json, os, re, subprocess, sys

COMMIT = "2dc5fc58c90c79fc8f0a10fbf94397b4193a5c3b"


def git(gd, *args):
    return subprocess.run(["git", "--git-dir", gd, *args], check=True, capture_output=True).stdout.decode("utf-8", "replace")


def articles(gd, pattern):
    out = subprocess.run(["git", "--git-dir", gd, "grep", "-l", "-i", "-E", pattern, COMMIT, "--", "kb/*/README.md"],
                         capture_output=True).stdout.decode()
    for line in out.splitlines():
        path = line.split(":", 1)[1]
        yield os.path.basename(os.path.dirname(path)), git(gd, "show", COMMIT + ":" + path)


def heading_next(lines, j):
    return j + 1 < len(lines) and re.match(r"^\s*=+\s*$", lines[j + 1])


def drwatson(gd, out):
    n = 0
    for q, text in articles(gd, "Application exception occurred"):
        lines, k = text.split("\n"), 0
        for i, l in enumerate(lines):
            if "application exception occurred" not in l.lower():
                continue
            j = i
            while j < len(lines) and j < i + 70 and not (j > i and heading_next(lines, j)):
                j += 1
            k += 1
            n += 1
            body = "\n".join(x[1:] if x.startswith("\t") else x for x in lines[i:j])
            open(os.path.join(out, "%s-%d.log" % (q, k)), "w").write(body + "\n")
    return n


TITLE = re.compile(r"^[A-Z][A-Za-z ]+$")
FIELD = re.compile(r"^\s*(Event Type|Event Source|Source|Date|Time|Category|Type)\s*:")


def events(gd, out):
    n = 0
    for q, text in articles(gd, "Event ID"):
        if not re.search("MSExchangeIMC|MSExchangeIS|MSExchangeMTA", text):
            continue
        lines = [x[1:] if x.startswith("\t") else x for x in text.split("\n")]
        i, k = 0, 0
        while i < len(lines):
            if not re.match(r"^\s*Event (ID|Type)\s*:", lines[i]):
                i += 1
                continue
            s = i
            while s > 0 and FIELD.match(lines[s - 1]):
                s -= 1
            j = i
            # To the article's next heading: a line underlined with "=",
            # or a title line (capitalised words, not indented).
            while j < len(lines) and not heading_next(lines, j) and not TITLE.match(lines[j]):
                j += 1
                if j - i > 60:
                    break
            k += 1
            n += 1
            body = "\n".join(x[2:] if x.startswith("  ") else x for x in lines[s:j])
            open(os.path.join(out, "%s-%d.txt" % (q, k)), "w").write(body + "\n")
            i = j
    return n


def count(folder, jsonl):
    ev = collections.defaultdict(list)
    for line in open(jsonl):
        r = json.loads(line)
        if r.get("type") == "event":
            ev[os.path.basename(r["path"])].append(r)
    ids = missed = 0
    for f in sorted(os.listdir(folder)):
        got = collections.Counter(e["id"] for e in ev[f])
        for i in re.findall(r"(?im)^\s*Event ID\s*:?\s*(\d+)", open(os.path.join(folder, f)).read()):
            ids += 1
            if got[int(i)] > 0:
                got[int(i)] -= 1
            else:
                missed += 1
    text = [e for es in ev.values() for e in es if e.get("format") == "eventlog-text"]
    print("event text: %d events, %d empty descriptions, %d with an HRESULT; Event ID lines %d, not read %d" % (
        len(text), sum(1 for e in text if not e.get("message")), sum(1 for es in ev.values() for e in es if e.get("hresult")), ids, missed))


if __name__ == "__main__":
    if sys.argv[1] == "--count":
        count(sys.argv[2], sys.argv[3])
        sys.exit(0)
    gd, out = sys.argv[1], sys.argv[2]
    for sub in ("drwatson", "events"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    print("Dr. Watson excerpts:", drwatson(gd, os.path.join(out, "drwatson")))
    print("event blocks:", events(gd, os.path.join(out, "events")))
