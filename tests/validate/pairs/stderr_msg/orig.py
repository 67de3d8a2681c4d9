#!/usr/bin/python3
"""sumnums: add up the integers of a file, one per line; blank lines are skipped, other
lines that are not integers get a warning on stderr.  Prints the sum on stdout."""
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: sumnums FILE", file=sys.stderr)
        return 2
    total = 0
    count = 0
    with open(sys.argv[1]) as f:
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text:
                continue
            try:
                total += int(text)
                count += 1
            except ValueError:
                print("warning: line %d: not a number: %r" % (lineno, text), file=sys.stderr)
    print("sum of %d numbers: %d" % (count, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
