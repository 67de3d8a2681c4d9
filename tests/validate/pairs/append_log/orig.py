#!/usr/bin/python3
"""logmsg: append "[LEVEL] MESSAGE" to app.log, then say how many lines the log holds."""
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: logmsg LEVEL MESSAGE", file=sys.stderr)
        return 2
    level, message = sys.argv[1], sys.argv[2]
    with open("app.log", "a") as f:
        f.write("[%s] %s\n" % (level.upper(), message))
    with open("app.log") as f:
        n = sum(1 for _ in f)
    print("app.log: %d lines" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
