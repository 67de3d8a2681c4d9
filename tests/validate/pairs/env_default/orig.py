#!/usr/bin/python3
"""greet: greet each NAME with $GREETING (default "Hello") and end with
$GREETING_PUNCT (default "!")."""
import os
import sys


def main():
    greeting = os.environ.get("GREETING", "Hello")
    punct = os.environ.get("GREETING_PUNCT", "!")
    names = sys.argv[1:] or ["world"]
    for name in names:
        print("%s, %s%s" % (greeting, name, punct))
    return 0


if __name__ == "__main__":
    sys.exit(main())
