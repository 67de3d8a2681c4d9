#!/usr/bin/python3
"""count_records: read a record stream on stdin (one record per line, comment lines
start with '#') and print how many records and comments it holds."""
import sys


def main():
    data = sys.stdin.buffer.read()
    records = comments = 0
    for line in data.split(b"\n"):
        if not line:
            continue
        if line.startswith(b"#"):
            comments += 1
        else:
            records += 1
    print("%d records, %d comments, %d bytes" % (records, comments, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
