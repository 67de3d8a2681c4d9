#!/usr/bin/python3
"""wc_lines: print the number of lines of each file named on the command line,
then a total when there is more than one (like `wc -l`)."""
import sys


def main():
    names = sys.argv[1:]
    if not names:
        print("usage: wc_lines FILE...", file=sys.stderr)
        return 2
    total = 0
    for name in names:
        with open(name, "rb") as f:
            data = f.read()
        n = data.count(b"\n")
        total += n
        print("%d %s" % (n, name))
    if len(names) > 1:
        print("%d total" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
