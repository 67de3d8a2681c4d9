#!/usr/bin/python3
"""set_version: patch the version field of a database file in place.  The file starts
with a 12-byte header: magic "SDB1", version (u32 little-endian), record count (u32 LE)."""
import struct
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: set_version FILE VERSION", file=sys.stderr)
        return 2
    path, new = sys.argv[1], int(sys.argv[2])
    with open(path, "r+b") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"SDB1":
            print("set_version: %s: not an SDB1 file" % path, file=sys.stderr)
            return 1
        _, old, count = struct.unpack("<4sII", header)
        f.seek(4)
        f.write(struct.pack("<I", new))
    print("%s: version %d -> %d (%d records)" % (path, old, new, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
