#!/usr/bin/python3
"""unique_names: get the distinct names of a file from the child `/usr/bin/sort -u`,
upper-case them with the child `/usr/bin/tr a-z A-Z` fed through a pipe, and print
them numbered."""
import subprocess
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: unique_names FILE", file=sys.stderr)
        return 2
    sort = subprocess.run(["/usr/bin/sort", "-u", sys.argv[1]], stdout=subprocess.PIPE)
    if sort.returncode != 0:
        return 1
    tr = subprocess.run(["/usr/bin/tr", "a-z", "A-Z"], input=sort.stdout, stdout=subprocess.PIPE)
    if tr.returncode != 0:
        return 1
    names = tr.stdout.decode().split("\n")[:-1]
    for i, name in enumerate(names, 1):
        print("%2d %s" % (i, name))
    print("%d unique names" % len(names), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
