"""Print, for each file named on the command line, the defects Python's
email package records while parsing it (the second comparison of
rules/suites_test.go). One line per file: the count, a tab, the path.

The message is parsed with the modern policy, every part is walked and its
payload decoded, so header and body defects are both counted.
pyemail_tree.py imports count from here."""
import email
import email.policy
import sys


def count(msg):
    n = 0
    for part in msg.walk():
        n += len(part.defects)
        for _, value in part.items():
            n += len(getattr(value, "defects", ()))
        if not part.is_multipart():
            try:
                part.get_payload(decode=True)
            except Exception:
                n += 1
    return n


def defects(path):
    with open(path, "rb") as f:
        return count(email.message_from_binary_file(f, policy=email.policy.default))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        try:
            n = defects(p)
        except Exception:
            n = 1
        print(f"{n}\t{p}")
