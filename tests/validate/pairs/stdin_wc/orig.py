#!/usr/bin/python3
"""count: count the lines, words and bytes of stdin, like `wc` (words are separated by
ASCII white space)."""
import sys


def main():
    data = sys.stdin.buffer.read()
    lines = data.count(b"\n")
    words = len(data.split())
    print("%7d %7d %7d" % (lines, words, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
