#!/usr/bin/python3
"""pack_records: convert a CSV file of "id,value" lines into binary records on stdout:
the magic b"REC1", the record count (u32 little-endian), then per record the id (u16 LE)
and the value (i32 LE)."""
import struct
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: pack_records FILE.csv", file=sys.stderr)
        return 2
    records = []
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            ident, value = line.split(",")
            records.append((int(ident), int(value)))
    out = bytearray(b"REC1")
    out += struct.pack("<I", len(records))
    for ident, value in records:
        out += struct.pack("<Hi", ident, value)
    sys.stdout.buffer.write(out)
    print("packed %d records (%d bytes)" % (len(records), len(out)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
