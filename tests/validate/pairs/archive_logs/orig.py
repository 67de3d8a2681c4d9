#!/usr/bin/python3
"""tidy: in the current directory, move every *.log file into old/ (created if
missing) and delete every *.tmp file; print what was done, in name order."""
import os
import sys


def main():
    if not os.path.isdir("old"):
        os.mkdir("old")
        print("created old/")
    moved = removed = 0
    for name in sorted(os.listdir(".")):
        if name.endswith(".log"):
            os.rename(name, os.path.join("old", name))
            print("moved %s -> old/%s" % (name, name))
            moved += 1
        elif name.endswith(".tmp"):
            os.remove(name)
            print("removed %s" % name)
            removed += 1
    print("%d moved, %d removed" % (moved, removed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
