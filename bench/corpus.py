#!/usr/bin/python3
"""Benchmark: validate on the validation corpus's tool cases (tests/validate/tools)
or, with --pairs, on its pairs (tests/validate/pairs: a Python original run by
/usr/bin/python3 and its C or Rust translation, built first into a temporary
directory), against the two programs run untraced in the same prepared directory.

    bench/corpus.py [--pairs] [RUNS] [LIMIT]        (defaults 3 and every case)

For each case whose tools are installed: the median of RUNS untraced runs of the GNU
tool and of the other implementation, and the median of RUNS `sysdiff validate` runs in
each configuration below (semantic level, JSON report).  Prints, per configuration, the
median over cases of validate's time divided by the untraced sum, and the medians of
the differences that price pinning (clock, entropy, address layout) and calibration.
Configurations:
    default          validate as users run it (pinned, one calibration run)
    --calibrate 0    no calibration run
    --host-clock         neither pinning nor calibration
The floor: the same configurations validating /bin/true against itself (RUNS x 5
runs, once), what validate costs before a tool does anything (sysdiff's start, three
sandboxes, three traced execs, reading back and comparing); each case's validate time
is also shown less that floor, against its untraced sum.
SD=path/to/sysdiff selects the binary (default ./build/sysdiff)."""
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import calendar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SD = os.environ.get("SD", os.path.join(ROOT, "build", "sysdiff"))
CASES = os.path.join(ROOT, "tests", "validate", "tools", "cases.json")
PAIRS = os.path.join(ROOT, "tests", "validate", "pairs")
PYTHON = "/usr/bin/python3"
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}
CONFIGS = [("default", []), ("--calibrate 0", ["--calibrate", "0"]),
           ("--host-clock", ["--calibrate", "0", "--host-clock"])]


def prepare(parent, case):
    wd = tempfile.mkdtemp(dir=parent)
    os.chmod(wd, 0o755)
    for rel in case.get("dirs", []):
        os.makedirs(os.path.join(wd, rel), exist_ok=True)
    for rel, content in case.get("files", {}).items():
        p = os.path.join(wd, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(content.encode())
        os.chmod(p, 0o644)
    for rel, target in case.get("symlinks", {}).items():
        os.symlink(target, os.path.join(wd, rel))
    for rel, mode in case.get("modes", {}).items():
        os.chmod(os.path.join(wd, rel), int(mode, 8))
    for rel, when in case.get("mtimes", {}).items():
        t = calendar.timegm(time.strptime(when, "%Y-%m-%dT%H:%M:%SZ"))
        os.utime(os.path.join(wd, rel), (t, t), follow_symlinks=False)
    return wd


def stdin_of(case, wd):
    s = case.get("stdin")
    if not s:
        return subprocess.DEVNULL
    return open(os.path.join(case.get("dir", wd), s), "rb")


def timed(argv, case, parent, runs, shell=False):
    """Median wall time of runs runs of argv, each in a freshly prepared directory."""
    ts = []
    env = dict(ENV, **case.get("env", {}))
    for _ in range(runs):
        wd = prepare(parent, case)
        fin = stdin_of(case, wd)
        t0 = time.perf_counter()
        # a blocking wait: subprocess.run(timeout=...) polls with sleeps that double from
        # 0.5 ms, which rounds every time up to about 16, 32 or 64 ms
        p = subprocess.Popen(argv, cwd=wd, stdin=fin, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        timer = threading.Timer(120, p.kill)
        timer.start()
        p.wait()
        ts.append(time.perf_counter() - t0)
        timer.cancel()
        if fin is not subprocess.DEVNULL:
            fin.close()
        shutil.rmtree(wd, True)
    return statistics.median(ts)


def installed(case):
    t = case["transpiled"]
    exe = {"busybox": "/usr/bin/busybox", "toybox": "/usr/bin/toybox",
           "coreutils": "/usr/bin/coreutils"}.get(t[0], t[0])
    return shutil.which(case["original"][0], path=ENV["PATH"]) and os.access(exe, os.X_OK)


def rustc():
    for p in (shutil.which("rustc"), os.path.expanduser("~/.cargo/bin/rustc")):
        if p and os.access(p, os.X_OK):
            return p
    return None


def pair_cases(parent):
    """The pairs as cases: original and transpiled argv (the translation built into
    parent), the pair's directory for its stdin; pairs without a compiler are left out."""
    out = []
    for name in sorted(os.listdir(PAIRS)):
        d = os.path.join(PAIRS, name)
        with open(os.path.join(d, "case.json")) as f:
            case = json.load(f)
        exe = os.path.join(parent, "bin-" + name)
        if os.path.exists(os.path.join(d, "new.c")):
            argv = ["cc", "-O1", "-g", "-Wall", "-o", exe, os.path.join(d, "new.c")]
        elif rustc():
            argv = [rustc(), "-O", "-g", "--edition", "2021", "-o", exe,
                    os.path.join(d, "new.rs")]
        else:
            continue
        subprocess.run(argv, check=True, cwd=parent, stdout=subprocess.DEVNULL)
        case.update(name=name, dir=d, orig=os.path.join(d, "orig.py"), new=exe)
        out.append(case)
    return out


def main():
    args = [a for a in sys.argv[1:] if a != "--pairs"]
    pairs = len(args) < len(sys.argv) - 1
    runs = int(args[0]) if len(args) > 0 else 3
    limit = int(args[1]) if len(args) > 1 else None
    if not os.access(SD, os.X_OK):
        sys.exit("bench: build sysdiff first (make)")
    parent = tempfile.mkdtemp(prefix="sysdiff-cbench.")
    if pairs:
        cases = pair_cases(parent)
    else:
        with open(CASES) as f:
            cases = [c for c in json.load(f) if installed(c)]
    cases = cases[:limit] if limit else cases
    rows = []
    floor = {}
    try:
        nothing = {"name": "floor"}
        floor["untraced"] = 2 * timed(["/bin/true"], nothing, parent, runs * 5)
        for name, extra in CONFIGS:
            argv = [SD, "validate", "--original", "/bin/true", "--transpiled", "/bin/true",
                    "--format", "json", "--env", "LC_ALL=C"] + extra
            floor[name] = timed(argv, nothing, parent, runs * 5)
        print("%-28s untraced %6.1f ms  " % ("floor: true vs true", floor["untraced"] * 1e3) +
              "  ".join("%s %6.1f ms" % (n, floor[n] * 1e3) for n, _ in CONFIGS),
              file=sys.stderr)
        for c in cases:
            if pairs:
                args = c.get("args", [])
                plain = (timed([PYTHON, c["orig"]] + args, c, parent, runs) +
                         timed([c["new"]] + args, c, parent, runs))
                sides = ["--original", c["orig"], "--transpiled", c["new"]]
                sides += sum((["--env", "%s=%s" % kv] for kv in c.get("env", {}).items()), [])
            else:
                words = (c["transpiled"][:1] if c["transpiled"][0].startswith("/")
                         else c["transpiled"][:2])
                args = c["original"][1:]
                plain = timed(c["original"], c, parent, runs) + timed(words + args, c, parent, runs)
                sides = ["--original-cmd", shlex.quote(c["original"][0]),
                         "--transpiled-cmd", " ".join(shlex.quote(w) for w in words)]
            row = {"name": c["name"], "untraced": plain}
            for name, extra in CONFIGS:
                argv = ([SD, "validate"] + sides + ["--format", "json", "--env", "LC_ALL=C"] +
                        extra + ["--"] + args)
                row[name] = timed(argv, c, parent, runs)
            rows.append(row)
            print("%-28s untraced %6.1f ms  " % (c["name"], plain * 1e3) +
                  "  ".join("%s %6.1f ms" % (n, row[n] * 1e3) for n, _ in CONFIGS),
                  file=sys.stderr)
    finally:
        shutil.rmtree(parent, True)
    if not rows:
        sys.exit("bench: no case of the corpus has its tools installed")
    med = statistics.median
    print("machine: %d vCPUs, %s; %d cases, %d runs each" %
          (os.cpu_count(), os.uname().release, len(rows), runs))
    print()
    print("| configuration | median validate | median ratio to the untraced sum |")
    print("| --- | --- | --- |")
    print("| untraced (GNU + other) | %.1f ms | 1.00x |" % (med([r["untraced"] for r in rows]) * 1e3))
    for n, _ in CONFIGS:
        print("| validate %s | %.1f ms | %.2fx |" % (n, med([r[n] for r in rows]) * 1e3,
                                                     med([r[n] / r["untraced"] for r in rows])))
    print()
    print("The floor (/bin/true against itself): untraced %.1f ms; " % (floor["untraced"] * 1e3) +
          ", ".join("validate %s %.1f ms" % (n, floor[n] * 1e3) for n, _ in CONFIGS))
    print()
    print("| configuration | median validate less the floor | its median ratio to the untraced sum |"
          " cases where the floor is more than half of validate |")
    print("| --- | --- | --- | --- |")
    for n, _ in CONFIGS:
        print("| validate %s | %.1f ms | %.2fx | %d of %d |" % (
            n, med([r[n] - floor[n] for r in rows]) * 1e3,
            med([max(r[n] - floor[n], 0) / r["untraced"] for r in rows]),
            sum(1 for r in rows if floor[n] > r[n] / 2), len(rows)))
    print()
    pin = med([r["--calibrate 0"] / r["--host-clock"] for r in rows])
    cal = med([r["default"] - r["--calibrate 0"] for r in rows])
    print("pinning (clock, entropy, layout): median %+.1f%% per validate" % ((pin - 1) * 100))
    print("calibration (one more run of the original): median %+.1f ms per validate" % (cal * 1e3))


if __name__ == "__main__":
    main()
