#!/usr/bin/python3
"""tags: print the distinct #tags found in a notes file, sorted, one per line."""
import re
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: tags FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    tags = sorted(set(re.findall(r"#[a-z0-9_]+", text)))
    sys.stdout.write("\n".join(tags) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
