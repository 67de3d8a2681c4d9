"""The validation corpus (tests/validate/, described in its README.md).

CorpusBehaviourTest runs every pair (a Python original and its C or Rust translation)
and every coreutils-vs-BusyBox case without sysdiff, in fresh directories, and checks
the facts the expectations rest on: which of stdout, stderr, exit status, the resulting
files and the offset a file given as stdin is left at differ ("differs_in"); none for
an equivalent pair.

ValidateCorpusTest runs `sysdiff validate` on each of them at both levels and checks
the verdicts, exit statuses and, for pairs that differ at the semantic level, the first
mismatch of the text report.  It is skipped while `sysdiff validate --help` fails.

C translations are built with cc, Rust ones with rustc (std only) into a temporary
directory, never into the source tree; Rust pairs are skipped when rustc is absent,
coreutils cases when /usr/bin/busybox is."""
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import unittest

import sdtest
from sdtest import ROOT, SYSDIFF, TIMEOUT

CORPUS = os.path.join(ROOT, "tests", "validate")
PAIRS_DIR = os.path.join(CORPUS, "pairs")
COREUTILS_CASES = os.path.join(CORPUS, "coreutils", "cases.json")
BUSYBOX = "/usr/bin/busybox"
PYTHON = "/usr/bin/python3"

# Every program runs with this environment plus the case's "env", umask 022, and
# LC_ALL=C (no locale files read; Python does not coerce the locale to C.UTF-8 and
# export LC_CTYPE to its children, which a C or Rust program would not do).
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}
UMASK = 0o022
# What the behaviour check compares.  "stdin": the offset a seekable stdin is left at
# (the open file description is shared with the caller, so how much of it a program
# consumes, or gives back with lseek, is observable).
ASPECTS = ("stdout", "stderr", "exit", "files", "stdin")
VERDICTS = ("equivalent", "different")


def find_rustc():
    cargo = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
    for cand in (shutil.which("rustc"), os.path.join(cargo, "bin", "rustc")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


CC = shutil.which("cc") or shutil.which("gcc")
RUSTC = find_rustc()


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pair_names():
    if not os.path.isdir(PAIRS_DIR):
        return []
    return sorted(d for d in os.listdir(PAIRS_DIR)
                  if os.path.isfile(os.path.join(PAIRS_DIR, d, "case.json")))


def coreutils_cases():
    return load_json(COREUTILS_CASES) if os.path.exists(COREUTILS_CASES) else []


def translation(name):
    """(language, source path) of a pair's translation."""
    d = os.path.join(PAIRS_DIR, name)
    for lang, fname in (("c", "new.c"), ("rust", "new.rs")):
        if os.path.exists(os.path.join(d, fname)):
            return lang, os.path.join(d, fname)
    return None, None


# ---- building translations (once per run, into a temporary directory) ----

_build_dir = None
_built = {}


def build_dir():
    global _build_dir
    if _build_dir is None:
        _build_dir = tempfile.mkdtemp(prefix="sdcorpus-build-")
    return _build_dir


def tearDownModule():
    if _build_dir:
        shutil.rmtree(_build_dir, True)


def build(testcase, name):
    """The compiled translation of pair `name`; skips when its compiler is absent,
    fails when it does not compile."""
    lang, src = translation(name)
    testcase.assertIsNotNone(lang, "pair %s has neither new.c nor new.rs" % name)
    if name in _built:
        ok, what = _built[name]
        if not ok:
            testcase.fail(what)
        return what
    if lang == "c" and not CC:
        testcase.skipTest("no C compiler")
    if lang == "rust" and not RUSTC:
        testcase.skipTest("rustc not found (Rust pairs need it)")
    out = os.path.join(build_dir(), name)
    if lang == "c":
        argv = [CC, "-O1", "-g", "-Wall", "-o", out, src]
    else:
        argv = [RUSTC, "-O", "-g", "--edition", "2021", "-o", out, src]
    p = subprocess.run(argv, cwd=build_dir(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    if p.returncode != 0:
        _built[name] = (False, "cannot build %s:\n%s" % (src, p.stdout.decode(errors="replace")))
        testcase.fail(_built[name][1])
    _built[name] = (True, out)
    return out


# ---- running a program in a prepared directory ----

def prepare_workdir(parent, case, label):
    """A fresh directory under parent holding the case's files (and modes)."""
    wd = tempfile.mkdtemp(prefix=label + "-", dir=parent)
    os.chmod(wd, 0o755)
    for rel, content in case.get("files", {}).items():
        path = os.path.join(wd, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8"))
        os.chmod(path, 0o644)
    for rel, mode in case.get("modes", {}).items():
        os.chmod(os.path.join(wd, rel), int(mode, 8))
    return wd


def snapshot(top):
    """Every entry under top: relative path -> (kind, mode, content or link target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, top)
            st = os.lstat(full)
            mode = "%04o" % stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("symlink", mode, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", mode, None)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    out[rel] = ("file", mode, f.read())
            else:
                out[rel] = ("other", mode, None)
    return out


def stdin_path(case, case_dir):
    s = case.get("stdin")
    return os.path.join(case_dir, s) if s else None


def run_env(case):
    env = dict(BASE_ENV)
    env.update(case.get("env", {}))
    return env


def set_umask():
    os.umask(UMASK)


class Outcome:
    def __init__(self, rc, stdout, stderr, files, stdin_pos):
        self.rc, self.stdout, self.stderr, self.files = rc, stdout, stderr, files
        self.stdin_pos = stdin_pos

    def aspect(self, a):
        return {"stdout": self.stdout, "stderr": self.stderr, "exit": self.rc, "files": self.files,
                "stdin": self.stdin_pos}[a]


def run_in(testcase, argv, case, stdin_file, parent, label):
    """Run argv in a fresh directory prepared for case, stdin from stdin_file (or
    /dev/null); the outcome includes where the stdin file's offset was left."""
    wd = prepare_workdir(parent, case, label)
    if stdin_file is None:
        # the case's own copy of a file among its "files"
        if case.get("stdin") and case["stdin"] in case.get("files", {}):
            stdin_file = os.path.join(wd, case["stdin"])
    fd = os.open(stdin_file, os.O_RDONLY) if stdin_file else None
    try:
        p = subprocess.run(argv, cwd=wd, stdin=fd if fd is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=run_env(case), preexec_fn=set_umask, timeout=TIMEOUT)
        pos = os.lseek(fd, 0, os.SEEK_CUR) if fd is not None else None
    except subprocess.TimeoutExpired:
        testcase.fail("timed out after %ss: %s" % (TIMEOUT, argv))
    finally:
        if fd is not None:
            os.close(fd)
    return Outcome(p.returncode, p.stdout, p.stderr, snapshot(wd), pos)


def describe_diff(a, b, aspect):
    x, y = a.aspect(aspect), b.aspect(aspect)
    if aspect != "files":
        return "%s: original %r\n%s  translation %r" % (aspect, x, " " * len(aspect), y)
    lines = ["files:"]
    for k in sorted(set(x) | set(y)):
        if x.get(k) != y.get(k):
            lines.append("  %s: original %r\n  %s  translation %r" % (k, x.get(k), " " * len(k), y.get(k)))
    return "\n".join(lines)


# ---- checks of the corpus itself ----

def check_expect(testcase, where, exp, lang_level=True):
    for level in ("semantic", "strict"):
        testcase.assertIn(exp.get(level), VERDICTS, "%s: expect.%s" % (where, level))
    if exp["semantic"] == "different":
        testcase.assertEqual(exp["strict"], "different",
                             "%s: different at the semantic level must be different at strict" % where)
    diffs = exp.get("differs_in")
    testcase.assertIsInstance(diffs, list, "%s: expect.differs_in" % where)
    testcase.assertTrue(set(diffs) <= set(ASPECTS), "%s: differs_in %r" % (where, diffs))
    if exp["semantic"] == "equivalent":
        testcase.assertEqual(diffs, [], "%s: an equivalent case cannot differ in %r" % (where, diffs))
    fm = exp.get("first_mismatch", [])
    testcase.assertIsInstance(fm, list, where)
    if lang_level and exp["semantic"] == "different":
        testcase.assertTrue(fm, "%s: a case different at the semantic level names its first mismatch"
                            % where)
    if exp["semantic"] == "equivalent":
        testcase.assertEqual(fm, [], "%s: first_mismatch only for different cases" % where)


class CorpusShapeTest(unittest.TestCase):
    """The corpus holds enough pairs of each kind and every case.json is well formed."""

    def test_pairs(self):
        names = pair_names()
        langs = {n: translation(n)[0] for n in names}
        cases = {n: load_json(os.path.join(PAIRS_DIR, n, "case.json")) for n in names}
        buggy = [n for n in names if cases[n]["expect"]["semantic"] == "different"]
        self.assertGreaterEqual(len(names), 22, names)
        self.assertGreaterEqual(sum(v == "c" for v in langs.values()), 12, langs)
        self.assertGreaterEqual(sum(v == "rust" for v in langs.values()), 8, langs)
        self.assertGreaterEqual(len(buggy), 11, buggy)
        self.assertGreaterEqual(2 * len(buggy), len(names), "at least half are buggy: %r" % buggy)
        for n in names:
            d = os.path.join(PAIRS_DIR, n)
            c = cases[n]
            orig = os.path.join(d, "orig.py")
            self.assertTrue(os.access(orig, os.X_OK), "%s is not executable" % orig)
            with open(orig, "rb") as f:
                self.assertEqual(f.readline(), b"#!/usr/bin/python3\n", orig)
            self.assertIsNotNone(langs[n], n)
            self.assertFalse(os.path.exists(os.path.join(d, "new.c"))
                             and os.path.exists(os.path.join(d, "new.rs")), "%s: one translation" % n)
            for key in ("description", "args", "stdin", "env", "files", "expect", "why"):
                self.assertIn(key, c, "%s/case.json: %s" % (n, key))
            self.assertTrue(all(isinstance(a, str) for a in c["args"]), n)
            self.assertTrue(all(isinstance(v, str) for v in c["env"].values()), n)
            self.assertTrue(all(isinstance(v, str) for v in c["files"].values()), n)
            for rel in c.get("modes", {}):
                self.assertIn(rel, c["files"], "%s: mode for a file not in files" % n)
            if c["stdin"] is not None:
                self.assertTrue(os.path.isfile(os.path.join(d, c["stdin"])), "%s: stdin file" % n)
            check_expect(self, n, c["expect"])

    def test_coreutils_cases(self):
        cases = coreutils_cases()
        self.assertGreaterEqual(len(cases), 10)
        names = [c["name"] for c in cases]
        self.assertEqual(len(names), len(set(names)), "names are unique")
        self.assertTrue(any(c["expect"]["semantic"] == "different" for c in cases))
        for c in cases:
            n = c["name"]
            for key in ("original", "transpiled", "files", "stdin", "expect", "why"):
                self.assertIn(key, c, "%s: %s" % (n, key))
            o, t = c["original"], c["transpiled"]
            self.assertEqual(t[0], "busybox", n)
            self.assertEqual(t[1], o[0], "%s: the same applet" % n)
            # validate runs both with the same arguments: the applet is named by argv[0]
            self.assertEqual(t[2:], o[1:], "%s: the same arguments on both sides" % n)
            if c["stdin"] is not None:
                self.assertIn(c["stdin"], c["files"], "%s: stdin names one of the files" % n)
            check_expect(self, n, c["expect"])


# ---- behaviour, without sysdiff ----

class CorpusBehaviourTest(unittest.TestCase):
    """Runs both sides of every case and checks which observable results differ."""

    maxDiff = 20000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sdcorpus-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def compare_outcomes(self, name, a, b, exp, sides):
        differing = [x for x in ASPECTS if a.aspect(x) != b.aspect(x)]
        details = "\n".join(describe_diff(a, b, x) for x in differing)
        self.assertEqual(differing, [x for x in ASPECTS if x in exp["differs_in"]],
                         "%s: %s differ in %r, expected %r\n%s"
                         % (name, sides, differing, exp["differs_in"], details))

    def check_pair(self, name):
        if not os.access(PYTHON, os.X_OK):
            self.skipTest(PYTHON + " not installed")
        d = os.path.join(PAIRS_DIR, name)
        case = load_json(os.path.join(d, "case.json"))
        new = build(self, name)
        orig = os.path.join(d, "orig.py")
        args = case["args"]
        sin = stdin_path(case, d)
        a = run_in(self, [orig] + args, case, sin, self.tmp, "orig")
        b = run_in(self, [new] + args, case, sin, self.tmp, "new")
        self.compare_outcomes(name, a, b, case["expect"], "orig.py and its translation")

    def check_coreutils(self, case):
        if not os.access(BUSYBOX, os.X_OK):
            self.skipTest(BUSYBOX + " not installed")
        if not shutil.which(case["original"][0], path=BASE_ENV["PATH"]):
            self.skipTest(case["original"][0] + " not installed")
        a = run_in(self, case["original"], case, None, self.tmp, "gnu")
        b = run_in(self, [BUSYBOX] + case["transpiled"][1:], case, None, self.tmp, "busybox")
        self.compare_outcomes(case["name"], a, b, case["expect"], "GNU and BusyBox")


# ---- sysdiff validate ----

_validate_ok = None


def validate_available():
    global _validate_ok
    if _validate_ok is None:
        try:
            p = subprocess.run([SYSDIFF, "validate", "--help"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
            _validate_ok = p.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _validate_ok = False
    return _validate_ok


def first_mismatch_block(text):
    """The lines of the first block of a text report that reports a difference: a trace
    "Mismatch", or when the traces agree, the end state or exit status block, up to the
    next blank line or the next block."""
    lines = text.split("\n")
    heads = ("Mismatch", "End state differs", "Exit status differs")
    for i, line in enumerate(lines):
        if line.startswith(heads):
            block = [line]
            for nxt in lines[i + 1:]:
                if not nxt.strip() or nxt.startswith(heads):
                    break
                block.append(nxt)
            return "\n".join(block)
    return None


VOLATILE_KEYS = ("seconds", "setup_seconds", "t", "dur", "pid", "tid", "raw", "seq", "start_ns",
                 "start_real_ns", "hash", "ppid", "addr")


def scrub_json(v):
    """A JSON report without what varies between runs of the same build."""
    if isinstance(v, dict):
        return {k: ("*" if k in VOLATILE_KEYS else scrub_json(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [scrub_json(x) for x in v]
    return v


def scrub_text(text, tmp):
    text = text.replace(tmp, "$TMP")
    text = re.sub(r"/tmp/sysdiff-[A-Za-z0-9_-]+", "$SCRATCH", text)
    text = re.sub(r"sdcorpus-build-[A-Za-z0-9_]+", "$BUILD", text)
    text = re.sub(r"work-[A-Za-z0-9_]+", "work-X", text)
    text = re.sub(r"\b\d+(\.\d+)? ?(ms|s)\b", "N s", text)
    text = re.sub(r"0x[0-9a-f]{6,}", "0xADDR", text)
    text = re.sub(r"\[pid +\d+\]|\bpid \d+\b", "[pid N]", text)
    return text


class ValidateCorpusTest(unittest.TestCase):
    """`sysdiff validate` on every case, at the semantic and the strict level."""

    maxDiff = 20000

    def setUp(self):
        sdtest.need_sysdiff(self)
        if not validate_available():
            self.skipTest("`%s validate --help` fails: sysdiff validate is not implemented yet"
                          % SYSDIFF)
        self.tmp = tempfile.mkdtemp(prefix="sdcorpus-v-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def validate(self, sides, args, case, stdin_file, strict, fmt, verbose=False, keep=None):
        """sides: ["--original", ORIG, "--transpiled", NEW] or the -cmd forms."""
        wd = prepare_workdir(self.tmp, case, "work")
        argv = [SYSDIFF, "validate"] + list(sides) + ["--workdir", wd]
        # LC_ALL=C is passed as an --env too, in case validate starts the programs
        # with a clean environment
        for k, v in sorted(dict({"LC_ALL": BASE_ENV["LC_ALL"]}, **case.get("env", {})).items()):
            argv += ["--env", "%s=%s" % (k, v)]
        if strict:
            argv.append("--strict")
        argv += ["--format", fmt]
        if fmt == "text":
            argv.append("--color=never")
        if verbose:
            argv.append("--verbose")
        if keep:
            os.makedirs(keep, exist_ok=True)
            argv += ["--keep-traces", keep]
        argv += ["--"] + list(args)
        fin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
        try:
            p = subprocess.run(argv, cwd=self.tmp, stdin=fin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=dict(BASE_ENV), preexec_fn=set_umask,
                               timeout=4 * TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("timed out: %s" % " ".join(argv))
        finally:
            if stdin_file:
                fin.close()
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        return p.returncode, out, err, " ".join(argv)

    def snapshot(self, label, sides, args, case, stdin_file):
        """With SD_REPORT_DIR set, every report validate gives on this case (text -v and
        JSON, both levels) is saved there, with what varies from run to run (scratch and
        temporary paths, times, pids, addresses, sequence numbers) replaced, so that two
        builds can be checked for byte-identical reports: run the corpus with each and
        `diff -r` the two directories.  The traces of the semantic text run are kept in
        SD_REPORT_DIR/traces/CASE/ (for scripts/compare-golden.sh)."""
        out_dir = os.environ.get("SD_REPORT_DIR")
        if not out_dir:
            return
        os.makedirs(out_dir, exist_ok=True)
        for strict in (False, True):
            level = "strict" if strict else "semantic"
            for fmt in ("text", "json"):
                keep = None
                if not strict and fmt == "text":
                    keep = os.path.join(out_dir, "traces", label)
                rc, out, err, cmd = self.validate(sides, args, case, stdin_file, strict, fmt,
                                                  verbose=(fmt == "text"), keep=keep)
                if fmt == "json":
                    try:
                        out = json.dumps(scrub_json(json.loads(out)), indent=1, sort_keys=True)
                    except ValueError:
                        pass
                text = "exit %d\n%s\n--- stderr\n%s" % (rc, out, err)
                with open(os.path.join(out_dir, "%s.%s.%s" % (label, level, fmt)), "w") as f:
                    f.write(scrub_text(text, self.tmp))

    def check(self, label, sides, args, case, stdin_file):
        self.snapshot(label, sides, args, case, stdin_file)
        exp = case["expect"]
        for strict in (False, True):
            level = "strict" if strict else "semantic"
            want = exp[level]
            rc, out, err, cmd = self.validate(sides, args, case, stdin_file, strict, "json")
            ctx = "%s (%s level): %s\nstdout:\n%s\nstderr:\n%s" % (label, level, cmd, out[-6000:], err[-3000:])
            self.assertIn(rc, (0, 1), "validate failed\n" + ctx)
            try:
                rep = json.loads(out)
            except ValueError as e:
                self.fail("JSON report does not parse (%s)\n%s" % (e, ctx))
            self.assertEqual(rep.get("verdict"), "equivalent" if want == "equivalent" else "not equivalent",
                             "verdict\n" + ctx)
            self.assertEqual(rc, 0 if want == "equivalent" else 1, "exit status\n" + ctx)
        if exp["semantic"] == "different":
            rc, out, err, cmd = self.validate(sides, args, case, stdin_file, False, "text")
            ctx = "%s (semantic level, text): %s\nstdout:\n%s\nstderr:\n%s" % (label, cmd, out[-6000:], err[-3000:])
            self.assertEqual(rc, 1, ctx)
            block = first_mismatch_block(out)
            self.assertIsNotNone(block, "no Mismatch block\n" + ctx)
            for s in exp["first_mismatch"]:
                self.assertIn(s, block, "first mismatch block lacks %r:\n%s\n\n%s" % (s, block, ctx))

    def check_pair(self, name):
        d = os.path.join(PAIRS_DIR, name)
        case = load_json(os.path.join(d, "case.json"))
        new = build(self, name)
        self.check(name, ["--original", os.path.join(d, "orig.py"), "--transpiled", new],
                   case["args"], case, stdin_path(case, d))

    def check_coreutils(self, case):
        if not os.access(BUSYBOX, os.X_OK):
            self.skipTest(BUSYBOX + " not installed")
        if not shutil.which(case["original"][0], path=BASE_ENV["PATH"]):
            self.skipTest(case["original"][0] + " not installed")
        # Whole command lines, so that both run exactly as the behaviour check runs
        # them: GNU as "wc" (its messages are prefixed with argv[0]), BusyBox as
        # "busybox wc"; the arguments after -- are appended to both.
        sides = ["--original-cmd", shlex.quote(case["original"][0]),
                 "--transpiled-cmd", " ".join(shlex.quote(a) for a in case["transpiled"][:2])]
        # stdin names one of the case's files: feed a copy of it
        stdin_file = None
        if case.get("stdin"):
            stdin_file = os.path.join(self.tmp, "stdin-" + case["name"])
            with open(stdin_file, "wb") as f:
                f.write(case["files"][case["stdin"]].encode("utf-8"))
        self.check(case["name"], sides, case["original"][1:], case, stdin_file)


# One test method per pair and per coreutils case, so that `run.sh NAME` selects one.

def _add_tests():
    for name in pair_names():
        def pair_test(self, name=name):
            self.check_pair(name)
        pair_test.__doc__ = "pair %s" % name
        setattr(CorpusBehaviourTest, "test_pair_" + name, pair_test)
        setattr(ValidateCorpusTest, "test_pair_" + name, pair_test)
    for case in coreutils_cases():
        def core_test(self, case=case):
            self.check_coreutils(case)
        core_test.__doc__ = "coreutils %s" % case["name"]
        setattr(CorpusBehaviourTest, "test_coreutils_" + case["name"], core_test)
        setattr(ValidateCorpusTest, "test_coreutils_" + case["name"], core_test)


_add_tests()

if __name__ == "__main__":
    unittest.main()
