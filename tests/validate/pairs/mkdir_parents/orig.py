#!/usr/bin/python3
"""archive: move FILE into archive/YYYY/MM/ for the date DATE (YYYY-MM-DD), creating
the directories as needed."""
import os
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: archive DATE FILE", file=sys.stderr)
        return 2
    date, name = sys.argv[1], sys.argv[2]
    year, month, _ = date.split("-")
    target = os.path.join("archive", year, month)
    try:
        os.makedirs(target, exist_ok=True)
        os.rename(name, os.path.join(target, name))
    except OSError as e:
        print("archive: %s: %s" % (e.filename, e.strerror), file=sys.stderr)
        return 1
    print("archived %s in %s/" % (name, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
