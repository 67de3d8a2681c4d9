#!/usr/bin/python3
"""showfiles: print each named file under a "==> NAME <==" header; a file that cannot
be read is reported on stderr, the others are still shown, and the exit status is 1."""
import sys


def main():
    status = 0
    for i, name in enumerate(sys.argv[1:]):
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError as e:
            print("showfiles: %s: %s" % (name, e.strerror), file=sys.stderr)
            status = 1
            continue
        if i:
            sys.stdout.buffer.write(b"\n")
        sys.stdout.buffer.write(b"==> %s <==\n" % name.encode())
        sys.stdout.buffer.write(data)
    return status


if __name__ == "__main__":
    sys.exit(main())
