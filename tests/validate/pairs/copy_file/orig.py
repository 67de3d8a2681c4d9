#!/usr/bin/python3
"""cp_mode: copy SRC to DST with its permission bits (shutil.copy: data then mode)."""
import os
import shutil
import stat
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: cp_mode SRC DST", file=sys.stderr)
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    try:
        shutil.copy(src, dst)
    except OSError as e:
        print("cp_mode: %s: %s" % (e.filename, e.strerror), file=sys.stderr)
        return 1
    st = os.stat(dst)
    print("copied %s -> %s (%d bytes, mode %04o)" % (src, dst, st.st_size, stat.S_IMODE(st.st_mode)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
