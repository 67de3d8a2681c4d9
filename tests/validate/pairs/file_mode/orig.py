#!/usr/bin/python3
"""save_settings: write KEY=VALUE arguments, sorted by key, to settings.conf
(created with mode 0644: other users may read it) and report how many were saved."""
import os
import sys


def main():
    pairs = {}
    for arg in sys.argv[1:]:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            print("save_settings: bad setting %r (want KEY=VALUE)" % arg, file=sys.stderr)
            return 2
        pairs[key] = value
    fd = os.open("settings.conf", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "w") as f:
        f.write("# written by save_settings\n")
        for key in sorted(pairs):
            f.write("%s=%s\n" % (key, pairs[key]))
    print("saved %d settings to settings.conf" % len(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
