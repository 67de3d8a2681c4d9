"""The validation corpus (tests/validate/, described in its README.md).

CorpusBehaviourTest runs every pair (a Python original and its C or Rust translation)
and every tool case (a GNU tool against another implementation of it: BusyBox, toybox,
uutils, Plan 9's from 9base) without sysdiff, in fresh directories, and checks the facts
the expectations rest on: which of stdout, stderr, exit status, the resulting files
(with their modes, owners and the modification times a program set explicitly), the
offset a file given as stdin is left at and the file status flags of stdin, stdout and
stderr differ ("differs_in"); none for an equivalent pair.

ValidateCorpusTest runs `sysdiff validate` on each of them at both levels and checks
the verdicts, exit statuses and, for pairs that differ at the semantic level, the first
mismatch of the text report.  It is skipped while `sysdiff validate --help` fails.

C translations are built with cc, Rust ones with rustc (std only) into a temporary
directory, never into the source tree; Rust pairs are skipped when rustc is absent,
tool cases when either implementation (or the multicall binary's applet) is."""
import calendar
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import sdtest
from sdtest import ROOT, SYSDIFF, TIMEOUT

CORPUS = os.path.join(ROOT, "tests", "validate")
PAIRS_DIR = os.path.join(CORPUS, "pairs")
TOOL_CASES = os.path.join(CORPUS, "tools", "cases.json")
PYTHON = "/usr/bin/python3"
# The other implementations of a tool-case's "transpiled" side: multicall binaries,
# named by their first word, whose second word is the applet (the GNU tool's name), and
# Plan 9's tools from 9base, named by their path.  Each with the Debian package it
# comes in (scripts/install-deps.sh installs them).
MULTICALL = {
    "busybox": ("/usr/bin/busybox", "busybox", ["--list"]),
    "toybox": ("/usr/bin/toybox", "toybox", []),
    # uutils (rust-coreutils): Debian 12 installs the multicall binary
    # /usr/bin/coreutils and per-tool links under /usr/lib/cargo/bin/coreutils/
    # (/usr/bin/coreutils without arguments lists its functions, comma-separated)
    "coreutils": ("/usr/bin/coreutils", "rust-coreutils", []),
}
PLAN9_BIN = "/usr/lib/plan9/bin/"
PLAN9_PACKAGE = "9base"
# A GNU tool whose name is not its applet's: gawk is "awk" in BusyBox
APPLET_OF = {"gawk": "awk"}
# A file's modification time counts as "now" (the time of the run, not compared) when
# it lies within this many seconds of the run; otherwise both sides must agree on it.
NOW_SLACK = 5

# Every program runs with this environment plus the case's "env", umask 022, and
# LC_ALL=C (no locale files read; Python does not coerce the locale to C.UTF-8 and
# export LC_CTYPE to its children, which a C or Rust program would not do).
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}
UMASK = 0o022
# What the behaviour check compares.  "stdin": the offset a seekable stdin is left at
# (the open file description is shared with the caller, so how much of it a program
# consumes, or gives back with lseek, is observable).
# "fdflags": the file status flags (O_APPEND, O_NONBLOCK...) of the open files given as
# stdin, stdout and stderr, as the run left them: shared with the caller like the offset
# (gawk sets O_APPEND on its stderr, and the caller's stderr keeps it).
# "created": the files and directories the run created (new objects, by the path they
# ended at) with the widest permission bits each was given at any time (strace's view:
# a file created 0644, then chmod'ed to 0600, was readable by others meanwhile; a file
# rewritten in place is not a new one, one renamed over it is).  "transient": the
# entries the run created and removed (or renamed away) before its end, by kind and
# directory: a temporary file, a name reserved then released.  Both need strace;
# without it they read as equal.
ASPECTS = ("stdout", "stderr", "exit", "files", "stdin", "fdflags", "created", "transient")
VERDICTS = ("equivalent", "different")


CC = shutil.which("cc") or shutil.which("gcc")
RUSTC = sdtest.find_rustc()


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pair_names():
    if not os.path.isdir(PAIRS_DIR):
        return []
    return sorted(d for d in os.listdir(PAIRS_DIR)
                  if os.path.isfile(os.path.join(PAIRS_DIR, d, "case.json")))


def tool_cases():
    return load_json(TOOL_CASES) if os.path.exists(TOOL_CASES) else []


def tool_impl(case):
    """(implementation, executable, words of the command before the arguments) of a
    tool case's transpiled side: ("busybox", "/usr/bin/busybox", ["busybox", "cat"]),
    ("9base", "/usr/lib/plan9/bin/cat", ["/usr/lib/plan9/bin/cat"])."""
    t = case["transpiled"]
    if t[0] in MULTICALL:
        return t[0], MULTICALL[t[0]][0], t[:2]
    if t[0].startswith(PLAN9_BIN):
        return PLAN9_PACKAGE, t[0], t[:1]
    return None, None, None


def tool_applet(case):
    impl, exe, words = tool_impl(case)
    return words[-1].rsplit("/", 1)[-1] if words else None


_applets = {}


def applets(impl):
    """The applets a multicall binary says it has, or None when it cannot say."""
    if impl not in _applets:
        exe, _pkg, argv = MULTICALL[impl]
        try:
            p = subprocess.run([exe] + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=30)
            text = p.stdout.decode("utf-8", "replace")
            text = text.split("functions:", 1)[-1].replace(",", " ")
            _applets[impl] = set(text.split()) or None
        except OSError:
            _applets[impl] = None
    return _applets[impl]


def skip_unless_tools(testcase, case):
    """Skips a tool case whose GNU tool, other implementation or applet is absent."""
    gnu = case["original"][0]
    if not shutil.which(gnu, path=BASE_ENV["PATH"]):
        testcase.skipTest("%s: the GNU tool %s is not installed" % (case["name"], gnu))
    impl, exe, words = tool_impl(case)
    testcase.assertIsNotNone(impl, "%s: unknown implementation %r" % (case["name"], case["transpiled"][0]))
    pkg = MULTICALL[impl][1] if impl in MULTICALL else PLAN9_PACKAGE
    if not os.access(exe, os.X_OK):
        testcase.skipTest("%s: %s is not installed (Debian package %s; scripts/install-deps.sh)"
                          % (case["name"], exe, pkg))
    if impl in MULTICALL:
        have = applets(impl)
        if have is not None and words[1] not in have:
            testcase.skipTest("%s: this %s has no applet %s" % (case["name"], exe, words[1]))


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

def parse_mtime(value):
    """A case's "mtimes" value, "2020-01-02T03:04:05Z" (UTC), as seconds since the epoch."""
    return calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))


def prepare_workdir(parent, case, label):
    """A fresh directory under parent holding the case's files (and modes), empty
    directories ("dirs"), symbolic links ("symlinks": path -> target) and the
    modification times given in "mtimes" (path -> UTC time, set last)."""
    wd = tempfile.mkdtemp(prefix=label + "-", dir=parent)
    os.chmod(wd, 0o755)
    for rel in case.get("dirs", []):
        os.makedirs(os.path.join(wd, rel), exist_ok=True)
        os.chmod(os.path.join(wd, rel), 0o755)
    for rel, content in case.get("files", {}).items():
        path = os.path.join(wd, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8"))
        os.chmod(path, 0o644)
    for rel, target in case.get("symlinks", {}).items():
        path = os.path.join(wd, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)
    for rel, mode in case.get("modes", {}).items():
        os.chmod(os.path.join(wd, rel), int(mode, 8))
    for rel, when in case.get("mtimes", {}).items():
        t = parse_mtime(when)
        os.utime(os.path.join(wd, rel), (t, t), follow_symlinks=False)
    return wd


def snapshot(top, began, ended):
    """Every entry under top: relative path -> (kind, mode, owner, content or link
    target, mtime).  The mtime is None when it lies within NOW_SLACK seconds of the run
    (began..ended: it records when the run happened, or when the directory was
    prepared), else the time in nanoseconds: one a program set explicitly (touch -d,
    cp -p, touch -r) or a prepared file's "mtimes" that nobody changed."""
    out = {}
    lo, hi = (began - NOW_SLACK) * 10**9, (ended + NOW_SLACK) * 10**9
    for dirpath, dirnames, filenames in os.walk(top):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, top)
            st = os.lstat(full)
            mode = "%04o" % stat.S_IMODE(st.st_mode)
            owner = "%d:%d" % (st.st_uid, st.st_gid)
            mtime = None if lo <= st.st_mtime_ns <= hi else st.st_mtime_ns
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("symlink", mode, owner, os.readlink(full), mtime)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", mode, owner, None, mtime)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    out[rel] = ("file", mode, owner, f.read(), mtime)
            else:
                out[rel] = ("other", mode, owner, None, mtime)
    return out


def show_entry(e):
    """An entry of snapshot() for a message: the mtime as a UTC date."""
    if e is None or e[4] is None:
        return repr(e)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e[4] // 10**9))
    return repr(e[:4] + ("mtime %s (+%d ns)" % (when, e[4] % 10**9),))


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
    def __init__(self, rc, stdout, stderr, files, stdin_pos, fd_flags, during):
        self.rc, self.stdout, self.stderr, self.files = rc, stdout, stderr, files
        self.stdin_pos, self.fd_flags = stdin_pos, fd_flags
        self.during = during or ({}, [])

    def aspect(self, a):
        return {"stdout": self.stdout, "stderr": self.stderr, "exit": self.rc, "files": self.files,
                "stdin": self.stdin_pos, "fdflags": self.fd_flags, "created": self.during[0],
                "transient": self.during[1]}[a]


def run_in(testcase, argv, case, stdin_file, parent, label):
    """Run argv in a fresh directory prepared for case, stdin from stdin_file (or
    /dev/null); the outcome includes where the stdin file's offset was left and the
    file status flags the open files of stdin, stdout and stderr were left with."""
    wd = prepare_workdir(parent, case, label)
    if stdin_file is None:
        # the case's own copy of a file among its "files"
        if case.get("stdin") and case["stdin"] in case.get("files", {}):
            stdin_file = os.path.join(wd, case["stdin"])
    fd = os.open(stdin_file or os.devnull, os.O_RDONLY)
    # stdout and stderr are pipes whose write ends stay open here too, so that their
    # file status flags can be read after the run; threads drain them meanwhile
    pipes = [os.pipe(), os.pipe()]
    chunks = ([], [])

    def drain(rfd, into):
        while True:
            data = os.read(rfd, 65536)
            if not data:
                return
            into.append(data)

    readers = [threading.Thread(target=drain, args=(pipes[i][0], chunks[i]), daemon=True)
               for i in (0, 1)]
    for t in readers:
        t.start()
    before = snapshot(wd, 0, 0)
    log = os.path.join(parent, os.path.basename(wd) + ".strace")
    if STRACE:
        argv = [STRACE, "-f", "-qq", "-y", "-o", log, "-e", "trace=" + MEANWHILE_CALLS, "--"] + list(argv)
    began = time.time()
    try:
        p = subprocess.Popen(argv, cwd=wd, stdin=fd, stdout=pipes[0][1], stderr=pipes[1][1],
                             env=run_env(case), preexec_fn=set_umask)
        try:
            rc = p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            testcase.fail("timed out after %ss: %s" % (TIMEOUT, argv))
        ended = time.time()
        pos = os.lseek(fd, 0, os.SEEK_CUR) if stdin_file else None
        flags = tuple(fcntl.fcntl(f, fcntl.F_GETFL) for f in (fd, pipes[0][1], pipes[1][1]))
    finally:
        os.close(fd)
        for r, w in pipes:
            os.close(w)
        for t in readers:
            t.join(TIMEOUT)
        for r, w in pipes:
            os.close(r)
    after = snapshot(wd, began, ended)
    during = meanwhile(log, wd, before, after) if STRACE else None
    return Outcome(rc, b"".join(chunks[0]), b"".join(chunks[1]), after, pos, flags, during)


# ---- what happened meanwhile, from strace's view of the run ----
#
# Two facts the end state cannot show, read from `strace -f -y` (an independent
# tracer): which paths the run created as new objects, with the widest permission bits
# each was ever given, and the entries the run created that were gone at its end, as
# (kind, directory) pairs (ASPECTS "created" and "transient").

MEANWHILE_CALLS = ("open,openat,creat,mkdir,mkdirat,mknod,mknodat,symlink,symlinkat,link,linkat,"
                   "rename,renameat,renameat2,unlink,unlinkat,rmdir,chmod,fchmod,fchmodat,umask,"
                   "clone,clone3,fork,vfork,chdir,fchdir")
STRACE = shutil.which("strace")
_LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)(?:<(.*)>)?(?:\s.*)?$")


def split_args(text):
    """strace's argument list cut at its top-level commas."""
    out, depth, cur, quote, esc = [], 0, [], False, False
    for ch in text:
        if quote:
            cur.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                quote = False
            continue
        if ch == '"':
            quote = True
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if cur:
        out.append("".join(cur).strip())
    return out


def strace_lines(path):
    """Whole calls of an strace -f log, an interrupted one joined with its resumption."""
    pending = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", line)
            if m:
                pending[m.group(1)] = m.group(2)
                continue
            m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
            if m:
                line = "%s %s%s" % (m.group(1), pending.pop(m.group(1), ""), m.group(2))
            yield line


def quoted_path(arg, base):
    """An strace path argument ("a/b", shown relative to base) as an absolute path."""
    if not arg.startswith('"'):
        return None
    p = arg[1:arg.rfind('"')].encode().decode("unicode_escape")
    return os.path.normpath(os.path.join(base, p))


def dirfd_base(arg, cwd):
    """AT_FDCWD or fd<path> (strace -y): the directory a relative path starts from."""
    m = re.search(r"<(.*)>$", arg)
    return m.group(1) if m and not arg.startswith("AT_FDCWD") else cwd


def meanwhile(log, wd, before, after):
    """(widest, transient) of a run from its strace log; before and after: the paths
    under wd (relative) at the start and end, with their modes."""
    umask, cwd = {}, {}
    exists = {os.path.join(wd, r) for r in before}
    made = {}          # absolute path -> [kind, widest mode]
    gone = []

    def create(p, kind, mode, pid):
        if p is None or p in exists or (p.startswith(wd + "/") and p in made):
            return
        exists.add(p)
        made[p] = [kind, mode & ~umask.get(pid, 0o022) & 0o7777]

    def remove(p):
        exists.discard(p)
        if p in made:
            kind = made.pop(p)[0]
            if p.startswith(wd + "/"):
                gone.append((kind, os.path.relpath(os.path.dirname(p), wd)))

    def at(args, i, pid):
        """The path of (dirfd, path) arguments i-1, i of an *at call."""
        return quoted_path(args[i], dirfd_base(args[i - 1], cwd.get(pid, wd)))

    for line in strace_lines(log):
        m = _LINE.match(line)
        if not m or int(m.group(4)) < 0:
            continue
        pid, name, args, ret = m.group(1), m.group(2), split_args(m.group(3)), int(m.group(4))
        retpath = m.group(5)
        here = cwd.get(pid, wd)
        if name in ("clone", "clone3", "fork", "vfork"):
            umask[str(ret)] = umask.get(pid, 0o022)
            cwd[str(ret)] = here
        elif name == "umask":
            umask[pid] = int(args[0], 8)
        elif name == "chdir":
            cwd[pid] = quoted_path(args[0], here)
        elif name == "fchdir":
            d = re.search(r"<(.*)>", args[0])
            if d:
                cwd[pid] = d.group(1)
        elif name in ("open", "openat", "creat"):
            i = 1 if name == "openat" else 0
            flags = args[i + 1] if name != "creat" else "O_CREAT"
            if ("O_CREAT" in flags or "O_TMPFILE" in flags) and retpath:
                mode = args[i + 2] if len(args) > i + 2 else "0"
                create(retpath, "file", int(mode.split("|")[-1], 8), pid)
        elif name in ("mkdir", "mkdirat", "mknod", "mknodat"):
            a = name.endswith("at")
            p = at(args, 1, pid) if a else quoted_path(args[0], here)
            mode = int(args[2 if a else 1].split("|")[-1], 8)
            create(p, "dir" if name.startswith("mkdir") else "node", mode, pid)
        elif name in ("symlink", "symlinkat"):
            p = at(args, 2, pid) if name == "symlinkat" else quoted_path(args[1], here)
            create(p, "symlink", 0o777 | umask.get(pid, 0o022), pid)
        elif name in ("link", "linkat"):
            p = at(args, 3, pid) if name == "linkat" else quoted_path(args[1], here)
            create(p, "link", 0, pid)
        elif name in ("unlink", "unlinkat", "rmdir"):
            remove(at(args, 1, pid) if name == "unlinkat" else quoted_path(args[0], here))
        elif name.startswith("rename"):
            a = at(args, 1, pid) if name != "rename" else quoted_path(args[0], here)
            b = at(args, 3, pid) if name != "rename" else quoted_path(args[1], here)
            if b in made:
                remove(b)
            exists.discard(a)
            exists.add(b)
            if a in made:
                made[b] = made.pop(a)
        elif name in ("chmod", "fchmod", "fchmodat"):
            if name == "fchmod":
                d = re.search(r"<(.*)>", args[0])
                p = d.group(1) if d else None
            elif name == "fchmodat":
                p = at(args, 1, pid)
            else:
                p = quoted_path(args[0], here)
            mode = int((args[2] if name == "fchmodat" else args[1]).split("|")[-1], 8)
            if p in made:
                made[p][1] |= mode & 0o7777
    widest = {}
    for p, (kind, mode) in made.items():
        rel = os.path.relpath(p, wd)
        final = after.get(rel)
        if kind in ("file", "dir") and final and p.startswith(wd + "/"):
            widest[rel] = "%04o" % (mode | int(final[1], 8))
    return widest, sorted(gone)


def describe_diff(a, b, aspect):
    x, y = a.aspect(aspect), b.aspect(aspect)
    if aspect != "files":
        return "%s: original %r\n%s  translation %r" % (aspect, x, " " * len(aspect), y)
    lines = ["files:"]
    for k in sorted(set(x) | set(y)):
        if x.get(k) != y.get(k):
            lines.append("  %s: original %s\n  %s  translation %s"
                         % (k, show_entry(x.get(k)), " " * len(k), show_entry(y.get(k))))
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

    def test_tool_cases(self):
        cases = tool_cases()
        self.assertGreaterEqual(len(cases), 60)
        names = [c["name"] for c in cases]
        self.assertEqual(len(names), len(set(names)), "names are unique")
        self.assertTrue(any(c["expect"]["semantic"] == "different" for c in cases))
        tools, impls = set(), set()
        for c in cases:
            n = c["name"]
            for key in ("name", "original", "transpiled", "files", "stdin", "expect", "why"):
                self.assertIn(key, c, "%s: %s" % (n, key))
            self.assertTrue(re.fullmatch(r"[a-z0-9][a-z0-9-]*", n), "%s: a name of [a-z0-9-]" % n)
            o, t = c["original"], c["transpiled"]
            self.assertTrue(all(isinstance(a, str) for a in o + t), n)
            self.assertNotIn("/", o[0], "%s: the GNU tool by name (as its messages name it)" % n)
            impl, exe, words = tool_impl(c)
            self.assertIsNotNone(impl, "%s: transpiled starts with one of %s or %sTOOL"
                                 % (n, sorted(MULTICALL), PLAN9_BIN))
            self.assertGreaterEqual(len(t), len(words), n)
            self.assertEqual(tool_applet(c), APPLET_OF.get(o[0], o[0]), "%s: the same tool" % n)
            # validate runs both with the same arguments: the applet is named by argv[0]
            self.assertEqual(t[len(words):], o[1:], "%s: the same arguments on both sides" % n)
            tools.add(o[0])
            impls.add(impl)
            if c["stdin"] is not None:
                self.assertIn(c["stdin"], c["files"], "%s: stdin names one of the files" % n)
            self.assertTrue(all(isinstance(v, str) for v in c["files"].values()), n)
            entries = set(c["files"]) | set(c.get("dirs", [])) | set(c.get("symlinks", {}))
            for rel in c.get("modes", {}):
                self.assertIn(rel, entries, "%s: mode for a path not in files or dirs" % n)
            for rel, when in c.get("mtimes", {}).items():
                self.assertIn(rel, entries, "%s: mtime for a path not in files, dirs or symlinks" % n)
                parse_mtime(when)
            for key in c:
                self.assertIn(key, ("name", "original", "transpiled", "stdin", "env", "files", "dirs",
                                    "symlinks", "modes", "mtimes", "expect", "why"), "%s: key %s" % (n, key))
            check_expect(self, n, c["expect"])
        self.assertGreaterEqual(len(tools), 25, sorted(tools))
        self.assertEqual(impls, {"busybox", "toybox", "coreutils", PLAN9_PACKAGE})


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

    def check_tool(self, case):
        skip_unless_tools(self, case)
        impl, exe, words = tool_impl(case)
        a = run_in(self, case["original"], case, None, self.tmp, "gnu")
        b = run_in(self, case["transpiled"], case, None, self.tmp, impl)
        self.compare_outcomes(case["name"], a, b, case["expect"], "GNU and " + impl)


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

    def check_tool(self, case):
        skip_unless_tools(self, case)
        impl, exe, words = tool_impl(case)
        # Whole command lines, so that both run exactly as the behaviour check runs
        # them: GNU as "wc" (its messages are prefixed with argv[0]), BusyBox as
        # "busybox wc", Plan 9's as "/usr/lib/plan9/bin/wc"; the arguments after --
        # are appended to both.
        sides = ["--original-cmd", shlex.quote(case["original"][0]),
                 "--transpiled-cmd", " ".join(shlex.quote(a) for a in words)]
        # stdin names one of the case's files: feed a copy of it
        stdin_file = None
        if case.get("stdin"):
            stdin_file = os.path.join(self.tmp, "stdin-" + case["name"])
            with open(stdin_file, "wb") as f:
                f.write(case["files"][case["stdin"]].encode("utf-8"))
        self.check(case["name"], sides, case["original"][1:], case, stdin_file)


# One test method per pair and per tool case, so that `run.sh NAME` selects one.

def _add_tests():
    for name in pair_names():
        def pair_test(self, name=name):
            self.check_pair(name)
        pair_test.__doc__ = "pair %s" % name
        setattr(CorpusBehaviourTest, "test_pair_" + name, pair_test)
        setattr(ValidateCorpusTest, "test_pair_" + name, pair_test)
    for case in tool_cases():
        def tool_test(self, case=case):
            self.check_tool(case)
        tool_test.__doc__ = "tool case %s" % case["name"]
        setattr(CorpusBehaviourTest, "test_tool_" + case["name"], tool_test)
        setattr(ValidateCorpusTest, "test_tool_" + case["name"], tool_test)


_add_tests()

if __name__ == "__main__":
    unittest.main()
