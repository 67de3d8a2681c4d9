#!/usr/bin/python3
"""top_scores: print the three highest scores of a file (one "SCORE NAME" per line),
sorted by the child program /usr/bin/sort -n -r."""
import subprocess
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: top_scores FILE", file=sys.stderr)
        return 2
    p = subprocess.run(["/usr/bin/sort", "-n", "-r", sys.argv[1]], stdout=subprocess.PIPE)
    if p.returncode != 0:
        print("top_scores: sort failed with status %d" % p.returncode, file=sys.stderr)
        return 1
    lines = p.stdout.decode().splitlines()
    for rank, line in enumerate(lines[:3], 1):
        print("%d. %s" % (rank, line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
