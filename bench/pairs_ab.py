#!/usr/bin/python3
"""Benchmark: two sysdiff builds on the corpus pairs (tests/validate/pairs), alternated
validate by validate, so that both see the same moments of a VM whose speed drifts from
one minute to the next (whole runs of bench/corpus.py one after the other do not).

    bench/pairs_ab.py ROUNDS A=path/to/sysdiff B=path/to/sysdiff [VALIDATE ARGS...]

Each pair's untraced sum (Python original + translation) is the median of 5 runs; then
for ROUNDS rounds, every pair is validated once by each build (the order swapped every
round; default configuration, JSON report, plus VALIDATE ARGS).  Prints, per build, the
median over pairs of the median validate time divided by the untraced sum, and the
median over pairs of B's median time divided by A's."""
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402


def main():
    if len(sys.argv) < 4 or not sys.argv[1].isdigit() or any("=" not in a for a in sys.argv[2:4]):
        sys.exit("usage: bench/pairs_ab.py ROUNDS A=SYSDIFF B=SYSDIFF [VALIDATE ARGS...]")
    rounds = int(sys.argv[1])
    builds = [a.split("=", 1) for a in sys.argv[2:4]]
    extra = sys.argv[4:]
    for _, sd in builds:
        if not os.access(sd, os.X_OK):
            sys.exit("bench: not an executable: %s" % sd)
    parent = tempfile.mkdtemp(prefix="sysdiff-abbench.")
    try:
        cases = corpus.pair_cases(parent)
        plain, took = {}, {}
        for c in cases:
            args = c.get("args", [])
            plain[c["name"]] = (corpus.timed([corpus.PYTHON, c["orig"]] + args, c, parent, 5) +
                                corpus.timed([c["new"]] + args, c, parent, 5))
        for r in range(rounds):
            for c in cases:
                args = c.get("args", [])
                sides = ["--original", c["orig"], "--transpiled", c["new"]]
                sides += sum((["--env", "%s=%s" % kv] for kv in c.get("env", {}).items()), [])
                for name, sd in (builds if r % 2 == 0 else builds[::-1]):
                    argv = ([sd, "validate"] + sides + ["--format", "json", "--env", "LC_ALL=C"] +
                            extra + ["--"] + args)
                    took.setdefault((c["name"], name), []).append(corpus.timed(argv, c, parent, 1))
    finally:
        shutil.rmtree(parent, True)
    med = statistics.median
    print("machine: %d vCPUs, %s; %d pairs, %d rounds" % (os.cpu_count(), os.uname().release,
                                                          len(cases), rounds))
    for name, _ in builds:
        t = [med(took[(c["name"], name)]) for c in cases]
        print("%s: median ratio to the untraced sum %.3fx, median validate %.1f ms" %
              (name, med([x / plain[c["name"]] for x, c in zip(t, cases)]), med(t) * 1e3))
    rel = [med(took[(c["name"], builds[1][0])]) / med(took[(c["name"], builds[0][0])])
           for c in cases]
    print("%s/%s per pair: median %.3f (min %.3f, max %.3f)" %
          (builds[1][0], builds[0][0], med(rel), min(rel), max(rel)))


if __name__ == "__main__":
    main()
