#!/usr/bin/python3
"""Benchmark helper: time commands alternately, round after round, and print each one's
median and minimum wall time and its ratio to the first command's median.  On a shared
VM whose speed drifts from minute to minute, alternating keeps every command under the
same conditions; timing one command RUNS times and then the next does not.

    bench/alternate.py ROUNDS NAME=COMMAND [NAME=COMMAND...]

Each COMMAND is split on blanks (no shell).  Example (bench/README.md, compare):
    bench/alternate.py 9 diff='diff a.jsonl b.jsonl' strict='build/sysdiff compare a.jsonl b.jsonl'"""
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit() or any("=" not in a for a in sys.argv[2:]):
        sys.exit("usage: bench/alternate.py ROUNDS NAME=COMMAND [NAME=COMMAND...]")
    cmds = [a.split("=", 1) for a in sys.argv[2:]]
    times = {name: [] for name, _ in cmds}
    for _ in range(int(sys.argv[1])):
        for name, cmd in cmds:
            t0 = time.perf_counter()
            subprocess.run(cmd.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times[cmds[0][0]])
    print("| command | median | min | ratio to %s |" % cmds[0][0])
    print("| --- | --- | --- | --- |")
    for name, _ in cmds:
        med = statistics.median(times[name])
        print("| %s | %.1f ms | %.1f ms | %.3fx |" % (name, med * 1e3, min(times[name]) * 1e3, med / base))


if __name__ == "__main__":
    main()
