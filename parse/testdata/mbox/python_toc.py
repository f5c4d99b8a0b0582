# Prints Python's mailbox.mbox table of contents for each file given, as
# JSON: {"path": [[start, stop], ...]}. The oracle of parse's
# TestMboxSplitAgainstPython (mailbox.mbox._generate_toc: a message starts
# at every line that begins with "From " and stops before the empty line
# that precedes the next one).
import json
import mailbox
import sys

out = {}
for path in sys.argv[1:]:
    box = mailbox.mbox(path, create=False)
    try:
        box.keys()  # builds the table of contents
        out[path] = [list(box._toc[k]) for k in sorted(box._toc)]
    finally:
        box.close()
json.dump(out, sys.stdout)
