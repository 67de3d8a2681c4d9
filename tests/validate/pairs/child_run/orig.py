#!/usr/bin/python3
"""runchild: run two child programs on data.txt (a checksum, then a listing of a file
that does not exist) and report their exit statuses; their output goes straight to
our stdout/stderr."""
import subprocess
import sys


def run(argv):
    print("$ %s" % " ".join(argv), flush=True)
    status = subprocess.run(argv).returncode
    print("exit status %d" % status, flush=True)
    return status


def main():
    run(["/usr/bin/cksum", "data.txt"])
    run(["/usr/bin/ls", "-l", "no-such-file"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
