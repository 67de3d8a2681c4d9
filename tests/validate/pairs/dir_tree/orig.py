#!/usr/bin/python3
"""mkproject: create a project skeleton NAME/{src/lib,docs} with a README and a main
file, remove the scratch directory NAME/tmp made while working, then print the tree."""
import os
import sys


def tree(path, prefix=""):
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isdir(full):
            print("%s%s/" % (prefix, name))
            tree(full, prefix + "  ")
        else:
            print("%s%s (%d bytes)" % (prefix, name, os.path.getsize(full)))


def main():
    if len(sys.argv) != 2:
        print("usage: mkproject NAME", file=sys.stderr)
        return 2
    name = sys.argv[1]
    os.makedirs(os.path.join(name, "src", "lib"))
    os.makedirs(os.path.join(name, "docs"))
    os.mkdir(os.path.join(name, "tmp"))
    with open(os.path.join(name, "README"), "w") as f:
        f.write("# %s\n\nA new project.\n" % name)
    with open(os.path.join(name, "src", "main.txt"), "w") as f:
        f.write("entry point of %s\n" % name)
    os.rmdir(os.path.join(name, "tmp"))
    print("%s/" % name)
    tree(name, "  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
