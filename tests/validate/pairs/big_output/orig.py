#!/usr/bin/python3
"""table: print N rows "index square-in-hex bar" (about 70 bytes each) on stdout and a
one-line summary on stderr.  Large output: written in chunks whose size depends on the
language's buffering."""
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    total = 0
    for i in range(1, n + 1):
        bar = "#" * (i % 41)
        print("%05d %08x |%-40s|" % (i, i * i, bar))
        total += i * i
    print("%d rows, sum of squares %d" % (n, total), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
