#!/usr/bin/python3
"""findword: print the lines of FILE containing WORD as "LINENO:LINE"; when there is
none, say so on stderr and exit 1 (like grep -n)."""
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: findword WORD FILE", file=sys.stderr)
        return 2
    word, path = sys.argv[1], sys.argv[2]
    found = 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if word in line:
                print("%d:%s" % (lineno, line.rstrip("\n")))
                found += 1
    if not found:
        print("findword: no line of %s contains '%s'" % (path, word), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
