#!/usr/bin/python3
"""xor: XOR every byte of stdin with the key $XOR_KEY (an integer, 0x.. for hex;
default 0x5a) and write the result to stdout (binary)."""
import os
import sys


def main():
    key = int(os.environ.get("XOR_KEY", "0x5a"), 0)
    if not 0 <= key <= 255:
        print("xor: key out of range: %d" % key, file=sys.stderr)
        return 2
    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(bytes(b ^ key for b in data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
