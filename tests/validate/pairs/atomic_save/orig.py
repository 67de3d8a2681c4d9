#!/usr/bin/python3
"""set_state: set KEY to VALUE in state.txt (lines "key=value"), saving it safely:
write state.txt.tmp, fsync it, then rename it over state.txt."""
import os
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: set_state KEY VALUE", file=sys.stderr)
        return 2
    key, value = sys.argv[1], sys.argv[2]
    lines = []
    found = False
    with open("state.txt") as f:
        for line in f:
            k, _, _ = line.rstrip("\n").partition("=")
            if k == key:
                line = "%s=%s\n" % (key, value)
                found = True
            lines.append(line)
    if not found:
        lines.append("%s=%s\n" % (key, value))
    with open("state.txt.tmp", "w") as f:
        f.writelines(lines)
        f.flush()
        os.fsync(f.fileno())
    os.rename("state.txt.tmp", "state.txt")
    print("%s=%s (%s)" % (key, value, "updated" if found else "added"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
