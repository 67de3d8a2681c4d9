#!/usr/bin/python3
"""rotate: rotate LOG keeping KEEP old copies: LOG.KEEP is deleted, LOG.i is renamed
LOG.i+1, LOG becomes LOG.1 and a new empty LOG is created.  Each step is printed."""
import os
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: rotate LOG KEEP", file=sys.stderr)
        return 2
    log, keep = sys.argv[1], int(sys.argv[2])
    oldest = "%s.%d" % (log, keep)
    if os.path.exists(oldest):
        os.remove(oldest)
        print("removed %s" % oldest)
    for i in range(keep - 1, 0, -1):
        src = "%s.%d" % (log, i)
        if os.path.exists(src):
            dst = "%s.%d" % (log, i + 1)
            os.rename(src, dst)
            print("%s -> %s" % (src, dst))
    if os.path.exists(log):
        os.rename(log, log + ".1")
        print("%s -> %s.1" % (log, log))
    open(log, "w").close()
    print("created %s" % log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
