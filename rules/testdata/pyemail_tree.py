"""Print, for each file named on the command line, the MIME tree Python's
email package reads (policy.default), as one JSON object a line: the
file, the defect count (as pyemail_defects.py counts it), the decoded
Subject, and per part its path ("" for the top, "1", "1.2", ...), media
type, boundary and charset. The structure comparison of
rules/suites_tree_test.go reads it."""
import email
import email.policy
import json
import sys

from pyemail_defects import count


def walk(m, path, out):
    ct = m.get_content_type()
    b = m.get_param("boundary") if ct.startswith("multipart/") else None
    cs = m.get_param("charset")
    out.append({
        "path": ".".join(str(i) for i in path),
        "type": ct,
        "boundary": b if isinstance(b, str) else "",
        "charset": cs.lower() if isinstance(cs, str) else "",
    })
    if m.is_multipart():
        for i, sub in enumerate(m.get_payload()):
            walk(sub, path + [i + 1], out)


for p in sys.argv[1:]:
    r = {"file": p, "parts": [], "defects": 1, "subject": None}
    try:
        with open(p, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        walk(msg, [], r["parts"])
        r["defects"] = count(msg)
        s = msg["subject"]
        r["subject"] = str(s) if s is not None else None
    except Exception as e:
        r["error"] = repr(e)
    print(json.dumps(r))
