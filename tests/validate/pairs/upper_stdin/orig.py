#!/usr/bin/python3
"""upper: copy stdin to stdout with ASCII letters upper-cased; report the byte count
on stderr."""
import sys


def main():
    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(data.upper())
    sys.stdout.flush()
    print("upper: %d bytes" % len(data), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
