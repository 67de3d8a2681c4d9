#!/usr/bin/python3
"""head_n: print the first N lines (default 10) of a file: head_n [-n N] FILE."""
import sys


def main():
    args = sys.argv[1:]
    n = 10
    if len(args) >= 2 and args[0] == "-n":
        try:
            n = int(args[1])
        except ValueError:
            print("head_n: invalid number of lines: %r" % args[1], file=sys.stderr)
            return 2
        args = args[2:]
    if len(args) != 1:
        print("usage: head_n [-n N] FILE", file=sys.stderr)
        return 2
    try:
        f = open(args[0], "rb")
    except OSError as e:
        print("head_n: cannot open %r: %s" % (args[0], e.strerror), file=sys.stderr)
        return 1
    with f:
        out = sys.stdout.buffer
        for i, line in enumerate(f):
            if i >= n:
                break
            out.write(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
