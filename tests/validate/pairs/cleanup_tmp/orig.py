#!/usr/bin/python3
"""word_report: write report.txt with the 5 most frequent words of a text file.  The
counts are first spooled to report.tmp ("word count" lines), which is read back sorted
and removed at the end."""
import os
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: word_report FILE", file=sys.stderr)
        return 2
    counts = {}
    with open(sys.argv[1]) as f:
        for word in f.read().lower().split():
            word = word.strip(".,;:!?\"'()")
            if word:
                counts[word] = counts.get(word, 0) + 1
    with open("report.tmp", "w") as tmp:
        for word, n in counts.items():
            tmp.write("%s %d\n" % (word, n))
    rows = []
    with open("report.tmp") as tmp:
        for line in tmp:
            word, n = line.split()
            rows.append((-int(n), word))
    rows.sort()
    with open("report.txt", "w") as out:
        out.write("top words of %s\n" % sys.argv[1])
        for n, word in rows[:5]:
            out.write("%4d %s\n" % (-n, word))
    os.remove("report.tmp")
    print("report.txt: %d distinct words" % len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
