"""Python source lines (sysdiff trace --source on CPython): each syscall of a CPython
3.11-3.14 process is tied to the line of the user's Python code that made it, read out of
the interpreter's frames in the stopped process.

The fixtures in tests/fixtures/python/ mark the lines that make syscalls with tag
comments ("# @name") and make each marked call recognizable by its payload or its path,
so every check is exact: a marked call must be on its own line, and any other line
reported is a wrong one (only the allocator's and the GIL's calls, which any line may
make, are allowed on unmarked code lines).

Interpreters are named explicitly, never the `python3` on PATH (a pyenv shim):
Debian's /usr/bin/python3.11 and the pyenv builds 3.11-3.13 (more when installed),
each in a subTest; absent ones are skipped with a message naming them.  Unsupported
versions (pyenv 3.6-3.10) must give no Python lines and exactly one warning."""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import sdtest
from sdtest import SysdiffTest, fmt_event, fmt_events

PY_IN = os.path.realpath(os.path.join(sdtest.ROOT, "tests", "fixtures", "python"))
MARKED = os.path.join(PY_IN, "marked.py")
STACKS = os.path.join(PY_IN, "stacks.py")
CHILD_EXEC = os.path.join(PY_IN, "child_exec.py")

DEBIAN_PY = "/usr/bin/python3.11"
# other interpreters are found: pyenv's builds ($PYENV_ROOT, ~/.pyenv) and python3.X on PATH
PYENV_ROOTS = []
for _r in (os.path.join(os.environ.get("PYENV_ROOT", ""), "versions"),
           os.path.expanduser("~/.pyenv/versions")):
    if os.path.isabs(_r) and _r not in PYENV_ROOTS:
        PYENV_ROOTS.append(_r)
SUPPORTED_MINORS = range(11, 15)     # CPython 3.11-3.14

# Calls any line may make (pymalloc's arenas, the GIL's hand-over between threads):
# allowed on every code line of a script, not only on its marked lines.
ANY_LINE_CALLS = {"mmap", "munmap", "brk", "madvise", "mprotect", "mremap", "futex"}
CLONE_CALLS = {"clone", "clone3", "fork", "vfork"}
PHASES = {"import", "startup", "exit", "runtime"}

# what happened to each interpreter, and to each hostile variant (printed at the end)
RAN = {}
HOSTILE = []


def _note(path, what):
    RAN.setdefault(path, set()).add(what)


def tearDownModule():
    if RAN:
        lines = ["  %s: %s" % (p, ", ".join(sorted(w))) for p, w in sorted(RAN.items())]
        sys.stderr.write("test_python_source: interpreters:\n%s\n" % "\n".join(lines))
    if HOSTILE:
        sys.stderr.write("test_python_source: hostile interpreters:\n%s\n" % "\n".join(HOSTILE))


def _pyenv_glob(pattern):
    found = []
    for root in PYENV_ROOTS:
        found += glob.glob(os.path.join(root, "*", "bin", pattern))
    return found


def _is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _minor_of_name(path):
    m = re.search(r"python3\.(\d+)$", path)
    return int(m.group(1)) if m else None


def _uniq(paths):
    out = []
    for p in paths:
        if p not in out:
            out.append(p)
    return out


def supported_pythons():
    # on PATH: the interpreter itself, not a launcher script (pyenv's shims)
    on_path = [os.path.realpath(p) for p in (shutil.which("python3.%d" % m) for m in SUPPORTED_MINORS)
               if p and _is_elf(p)]
    cands = [DEBIAN_PY] + sorted(_pyenv_glob("python3.1[1-9]")) + on_path
    return _uniq(p for p in cands if _minor_of_name(p) in SUPPORTED_MINORS)


def unsupported_pythons():
    cands = sorted(_pyenv_glob("python3.[0-9]") + _pyenv_glob("python3.1[0-9]"))
    return _uniq(p for p in cands if _minor_of_name(p) not in SUPPORTED_MINORS)


def py_env(**extra):
    """The environment of the traced interpreters: none of the caller's PYTHON*
    variables (PYTHONUNBUFFERED would write the buffered print at its line, not at
    exit), no bytecode written into the fixture directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


_INFO = {}


class PyInfo:
    """What the tests need to know of one interpreter."""

    def __init__(self, path):
        self.path = path
        p = subprocess.run([path, "-c",
                            "import json, sys, sysconfig; p = sysconfig.get_paths(); "
                            "print(json.dumps({'v': list(sys.version_info[:2]), 'exe': sys.executable, "
                            "'dirs': [p.get(k) for k in ('stdlib', 'platstdlib', 'purelib', 'platlib')]}))"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, env=py_env())
        if p.returncode != 0:
            raise RuntimeError("%s does not run: %s" % (path, p.stderr.decode(errors="replace")))
        d = json.loads(p.stdout.decode())
        self.version = tuple(d["v"])
        self.lib_dirs = [os.path.realpath(x) for x in d["dirs"] if x]
        # "module": the interpreter's ELF, the executable or its libpython
        self.modules = {path, os.path.realpath(path)}
        ldd = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
        for line in ldd.stdout.decode(errors="replace").splitlines():
            m = re.search(r"(libpython\S*)\s*=>\s*(\S+)", line)
            if m:
                self.modules |= {m.group(2), os.path.realpath(m.group(2))}

    @property
    def label(self):
        return "%s (%d.%d)" % (self.path, self.version[0], self.version[1])

    def is_user_file(self, filename):
        """Whether a co_filename is the user's (per the contract: not <frozen ...>, not
        under the stdlib, site-packages or dist-packages)."""
        if filename.startswith("<frozen "):
            return False
        if filename.startswith("<"):
            return True
        real = os.path.realpath(filename)
        if "/site-packages/" in real or "/dist-packages/" in real:
            return False
        return not any(real == d or real.startswith(d + "/") for d in self.lib_dirs)


def py_info(path):
    if path not in _INFO:
        _INFO[path] = PyInfo(path)
    return _INFO[path]


def tags(path):
    """{tag: line} of the tag comments ("# @name", C's "/* @name */") of a file."""
    out = {}
    with open(path) as f:
        for i, line in enumerate(f, 1):
            for m in re.finditer(r"(?:/\*|//|#)\s*@(\w+)", line):
                out[m.group(1)] = i
    return out


def code_lines(path):
    """Lines holding code (not blank, not only a comment)."""
    out = set()
    with open(path) as f:
        for i, line in enumerate(f, 1):
            s = line.strip()
            if s and not s.startswith("#"):
                out.add(i)
    return out


def data_of(ev, i=1):
    return sdtest.buf_data(ev["args"][i]) if len(ev.get("args", [])) > i else None


def is_py(ev):
    return (ev.get("src") or {}).get("lang") == "python"


def fd_ref(ev, i=0):
    a = ev.get("args", [])
    return a[i].get("ref", "") if len(a) > i and isinstance(a[i].get("ref"), str) else ""


def strays(marker):
    """Processes whose command line mentions marker (left behind by a run)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if marker.encode() in cmd:
            found.append("%s: %s" % (d, cmd.replace(b"\0", b" ").decode(errors="replace")))
    return found


class PyBase(SysdiffTest):
    """Helpers: run a fixture under each interpreter, check Python locations."""

    def for_each_python(self, fn, pythons=None):
        """Calls fn(info) for each supported interpreter, each in a subTest; an absent
        interpreter is skipped with a message naming it."""
        for path in (pythons if pythons is not None else supported_pythons()):
            with self.subTest(python=path):
                if not os.access(path, os.X_OK):
                    _note(path, "absent (skipped)")
                    self.skipTest("%s is not installed" % path)
                info = py_info(path)
                _note(path, "ran %d.%d" % info.version)
                fn(info)

    def scratch(self):
        return tempfile.mkdtemp(dir=self.tmp)

    def trace_py(self, cmd, opts=("--source",), expect_rc=0, cwd=None, env=None, out=None):
        """sysdiff trace OPTS -o OUT -- CMD: the exit status must be the program's, the
        trace complete, and nothing of the run may be left running."""
        out = out or os.path.join(self.scratch(), "trace.jsonl")
        r = self.trace(list(cmd), opts=list(opts) + ["--max-bytes", "65536"], cwd=cwd,
                       env=env or py_env(), out=out, expect_rc=expect_rc)
        self.assertComplete(r.trace, expect_rc)
        self.assertNoStrays()
        return r

    def assertNoStrays(self):
        ok = sdtest.wait_for(lambda: not strays(self.tmp), timeout=5)
        self.assertTrue(ok, "processes left running:\n" + "\n".join(strays(self.tmp)))

    def assertNoWarnings(self, r):
        self.assertEqual(r.stderr.decode(errors="replace"), "", "unexpected messages on stderr")

    def write_of(self, tr, data, pid=None):
        evs = [e for e in tr.syscalls(name="write", pid=pid) if data_of(e) == data]
        return self.one(evs, "write of %r" % data)

    def check_py(self, ev, info, file, line, func, dir_=PY_IN):
        """ev is located by the Python interpreter at file:line in func."""
        src = ev.get("src")
        self.assertIsNotNone(src, "no source location on " + fmt_event(ev))
        want = {"lang": "python", "file": file, "line": line, "func": func, "dir": dir_}
        got = {k: src.get(k) for k in want}
        self.assertEqual(got, want, "location of %s under %s:\n%r" % (fmt_event(ev), info.label, src))
        self.assertIn(src.get("module"), info.modules, "module of %s: %r" % (fmt_event(ev), src))
        self.assertNotIn("phase", src, "user code has no phase: %s %r" % (fmt_event(ev), src))
        self.assertNotIn("why", src, "a located call with a reason for no line: %s %r" % (fmt_event(ev), src))
        return src

    def check_no_line(self, ev, phase=None, lang="python"):
        src = ev.get("src") or {}
        self.assertNotIn("line", src, "a line where none can be known: %s %r" % (fmt_event(ev), src))
        if lang is not None:
            self.assertEqual(src.get("lang"), lang, "lang of %s: %r" % (fmt_event(ev), src))
        if phase is not None:
            self.assertEqual(src.get("phase"), phase, "phase of %s: %r" % (fmt_event(ev), src))
        self.assertIsInstance(src.get("why"), str, "no reason for the missing line: %s %r" % (fmt_event(ev), src))
        return src

    def check_all_lines(self, tr, script, modules, dir_=PY_IN):
        """Never a wrong line: every located call is a Python location in script
        (relative to dir_), on a marked line, or for the calls any line may make, on a
        code line; every Python location without a line says why; phases are known
        values; with modules, every Python location's module is one of them."""
        rel = os.path.relpath(script, dir_)
        allowed = set(tags(script).values())
        code = code_lines(script)
        for e in tr.syscalls():
            src = e.get("src") or {}
            if "phase" in src:
                self.assertIn(src["phase"], PHASES, "unknown phase: %s %r" % (fmt_event(e), src))
            if "line" in src:
                self.assertEqual(src.get("lang"), "python",
                                 "a line that is not the Python program's in a CPython process: %s %r"
                                 % (fmt_event(e), src))
                self.assertEqual((src.get("dir"), src.get("file")), (dir_, rel),
                                 "a location outside the script: %s %r" % (fmt_event(e), src))
                ok = allowed | code if e["name"] in ANY_LINE_CALLS else allowed
                self.assertIn(src["line"], ok, "a wrong line (%s:%d is not marked): %s %r"
                              % (rel, src["line"], fmt_event(e), src))
            elif src.get("lang") == "python":
                self.assertIsInstance(src.get("why"), str, "no line and no reason: %s %r" % (fmt_event(e), src))
            if src.get("lang") == "python" and modules is not None:
                self.assertIn(src.get("module"), modules, "module of %s: %r" % (fmt_event(e), src))


def comp_func(info):
    # list comprehensions are inlined since 3.12 (PEP 709)
    return "comp_fn.<locals>.<listcomp>" if info.version < (3, 12) else "comp_fn"


# the marked writes of marked.py: payload, tag, function (co_qualname)
MARKED_WRITES = [
    (b"@module\n", "module", "<module>"),
    (b"@plain\n", "plain", "plain"),
    (b"@callee\n", "callee", "callee"),
    (b"@inner\n", "inner", "outer.<locals>.inner"),
    (b"@gen0\n", "gen", "gen"),
    (b"@gen1\n", "gen", "gen"),
    (b"@method\n", "method", "Writer.meth"),
    (b"@print\n", "print", "print_flush"),
    (b"@lambda\n", "lambda", "lambda_fn.<locals>.<lambda>"),
    (b"@comp0\n", "comp", None),
    (b"@comp1\n", "comp", None),
    (b"@genexp\n", "genexp", "genexp_fn.<locals>.<genexpr>"),
    (b"@coro\n", "coro", "coro"),
    (b"@except\n", "except", "except_fn"),
]


class MarkedTest(PyBase):
    """tests/fixtures/python/marked.py under every supported interpreter."""

    def run_marked(self, info, opts=("--source",), status=3, cwd=None, script=None):
        d = self.scratch()
        r = self.trace_py([info.path, script or MARKED, d, str(status)], opts=opts, expect_rc=status, cwd=cwd)
        self.assertNoWarnings(r)
        self.assertEqual(r.stdout.count(b"\n"), 18, r.stdout)
        self.assertTrue(r.stdout.endswith(b"tail\n"), r.stdout)
        return r.trace, d

    def check_marked_writes(self, tr, info):
        t = tags(MARKED)
        root = tr.header.get("pid") or tr.events[0]["pid"]
        for data, tag, func in MARKED_WRITES:
            ev = self.write_of(tr, data)
            self.assertEqual((ev["pid"], ev["tid"]), (root, root), fmt_event(ev))
            self.check_py(ev, info, "marked.py", t[tag], func or comp_func(info))
        th = self.write_of(tr, b"@thread\n")
        self.assertEqual(th["pid"], root)
        self.assertNotEqual(th["tid"], root, "the thread's write is the thread's")
        self.check_py(th, info, "marked.py", t["thread"], "thread_body")
        ch = self.write_of(tr, b"@fork_child\n")
        self.assertNotEqual(ch["pid"], root, "the forked child's write is the child's")
        self.check_py(ch, info, "marked.py", t["fork_child"], "fork_fn")
        return root, t

    def test_marked_lines(self):
        def check(info):
            tr, d = self.run_marked(info)
            root, t = self.check_marked_writes(tr, info)
            # with open(...) as f: the open, its probes, and the flush and close at the
            # block's end are all the with line's
            op = [e for e in tr.syscalls(name="openat") if (sdtest.path_of(e["args"][1]) or b"").endswith(b"/with.txt")]
            self.check_py(self.one(op, "openat with.txt"), info, "marked.py", t["with"], "with_block")
            self.check_py(self.write_of(tr, b"with-data\n"), info, "marked.py", t["with"], "with_block")
            cl = [e for e in tr.syscalls(name="close") if fd_ref(e).endswith("/with.txt")]
            self.check_py(self.one(cl, "close of with.txt"), info, "marked.py", t["with"], "with_block")
            op = [e for e in tr.syscalls(name="openat") if (sdtest.path_of(e["args"][1]) or b"").endswith(b"/osopen.txt")]
            self.check_py(self.one(op, "openat osopen.txt"), info, "marked.py", t["osopen"], "os_open")
            cl = [e for e in tr.syscalls(name="close") if fd_ref(e).endswith("/osopen.txt")]
            self.check_py(self.one(cl, "close of osopen.txt"), info, "marked.py", t["osclose"], "os_open")
            # process and thread creation, waiting, the child's _exit
            kids = set(tr.pids()) - {root}
            clones = [e for e in tr.syscalls(name=CLONE_CALLS, pid=root) if isinstance(e.get("ret"), int)
                      and e["ret"] > 0]
            forks = [e for e in clones if e["ret"] in kids]
            threads = [e for e in clones if e["ret"] not in kids]
            self.check_py(self.one(forks, "fork"), info, "marked.py", t["fork"], "fork_fn")
            self.assertEqual(len(threads), 2, fmt_events(clones))
            self.check_py(threads[0], info, "marked.py", t["thread_start"], "threads")
            self.check_py(threads[1], info, "marked.py", t["rt_start"], "threads")
            waits = [e for e in tr.syscalls(name={"wait4", "waitid"}, pid=root)]
            self.check_py(self.one(waits, "wait of the forked child"), info, "marked.py", t["fork_wait"], "fork_fn")
            (child,) = kids
            ex = tr.syscalls(name="exit_group", pid=child)
            self.check_py(self.one(ex, "the child's exit_group"), info, "marked.py", t["fork_exit"], "fork_fn")
            # a thread that runs no user code: threading.py calls os.write itself
            self.check_no_line(self.write_of(tr, b"@rt_thread\n"), phase="runtime")
            # the buffered print is written at exit: the main script, no line
            tail = self.write_of(tr, b"tail\n")
            self.assertEqual(tail["tid"], root)
            src = self.check_no_line(tail, phase="exit")
            self.assertEqual((src.get("file"), src.get("dir")), ("marked.py", PY_IN), src)
            for e in tr.syscalls(pid=root):
                if e["seq"] > tail["seq"] and is_py(e):
                    self.check_no_line(e, phase="exit")
                if e["seq"] < tail["seq"]:
                    self.assertNotEqual((e.get("src") or {}).get("phase"), "exit",
                                        "exit phase before the end: " + fmt_event(e))
            self.check_all_lines(tr, MARKED, info.modules)
            self.check_phases(tr, root, t, info)
        self.for_each_python(check)

    def check_phases(self, tr, root, t, info):
        # importing json: stdlib files read under importlib, on the import line
        js = [e for e in tr.syscalls(name="openat", pid=root)
              if b"/json/" in (sdtest.abs_of(e["args"][1]) or sdtest.path_of(e["args"][1]) or b"")]
        self.assertTrue(js, "no openat of the json package\n" + fmt_events(tr.syscalls(name="openat", pid=root)))
        for e in js:
            src = e.get("src") or {}
            self.assertEqual((src.get("lang"), src.get("phase"), src.get("file"), src.get("line"), src.get("func")),
                             ("python", "import", "marked.py", t["imp_json"], "<module>"),
                             "import of json: %s %r" % (fmt_event(e), src))
        # start-up: before any user code ran, and only then
        evs = tr.syscalls(pid=root)
        first = next((e["seq"] for e in evs if "line" in (e.get("src") or {})), None)
        self.assertIsNotNone(first, "no located call at all")
        startup = [e for e in evs if (e.get("src") or {}).get("phase") == "startup"]
        self.assertTrue(startup, "no call in the startup phase")
        for e in evs:
            src = e.get("src") or {}
            if e["seq"] < first and src.get("lang") == "python":
                self.assertIn(src.get("phase"), ("startup", "import"),
                              "before user code: %s %r" % (fmt_event(e), src))
            if e["seq"] > first:
                self.assertNotEqual(src.get("phase"), "startup", "startup after user code ran: %s %r"
                                    % (fmt_event(e), src))
        for e in tr.syscalls():
            if e["pid"] != root:
                self.assertNotEqual((e.get("src") or {}).get("phase"), "startup",
                                    "startup in a forked child: " + fmt_event(e))

    def test_filtered_calls_are_located_too(self):
        def check(info):
            tr, _ = self.run_marked(info, opts=["--source", "-e", "trace=write,openat,close"])
            self.check_marked_writes(tr, info)
            self.check_no_line(self.write_of(tr, b"tail\n"), phase="exit")
            self.check_all_lines(tr, MARKED, info.modules)
        self.for_each_python(check)

    def test_relative_script_path(self):
        # `cd dir; python marked.py`: dir is still absolute, file relative to it
        def check(info):
            tr, _ = self.run_marked(info, cwd=PY_IN, script="marked.py")
            self.check_marked_writes(tr, info)
            self.check_all_lines(tr, MARKED, info.modules)
        self.for_each_python(check)

    def test_script_outside_the_project(self):
        # a copy in the scratch directory: dir is that directory
        def check(info):
            d = self.scratch()
            script = os.path.join(d, "marked.py")
            shutil.copy(MARKED, script)
            out = self.scratch()
            r = self.trace_py([info.path, script, out], expect_rc=0)
            t = tags(MARKED)
            rd = os.path.realpath(d)
            self.check_py(self.write_of(r.trace, b"@plain\n"), info, "marked.py", t["plain"], "plain", dir_=rd)
            src = self.check_no_line(self.write_of(r.trace, b"tail\n"), phase="exit")
            self.assertEqual((src.get("file"), src.get("dir")), ("marked.py", rd), src)
            self.check_all_lines(r.trace, script, info.modules, dir_=rd)
        self.for_each_python(check)

    def test_run_by_shebang(self):
        # the command is the script itself: the kernel runs its #! interpreter
        def check(info):
            d = self.scratch()
            script = os.path.join(d, "marked.py")
            with open(MARKED) as f:
                body = f.read()
            with open(script, "w") as f:
                f.write("#!%s\n%s" % (info.path, body))
            os.chmod(script, 0o755)
            t = tags(script)
            rd = os.path.realpath(d)
            r = self.trace_py([script, self.scratch()], expect_rc=0)
            self.assertNoWarnings(r)
            self.check_py(self.write_of(r.trace, b"@plain\n"), info, "marked.py", t["plain"], "plain", dir_=rd)
            self.check_py(self.write_of(r.trace, b"@thread\n"), info, "marked.py", t["thread"], "thread_body",
                          dir_=rd)
            src = self.check_no_line(self.write_of(r.trace, b"tail\n"), phase="exit")
            self.assertEqual((src.get("file"), src.get("dir")), ("marked.py", rd), src)
            self.check_all_lines(r.trace, script, info.modules, dir_=rd)
        self.for_each_python(check)

    def test_text_output(self):
        def check(info):
            t = tags(MARKED)
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "--source", "-e", "trace=write", "--",
                              info.path, MARKED, self.scratch()], env=py_env())
            err = p.stderr.decode(errors="replace")
            self.assertEqual(p.returncode, 0, err)
            self.assertIn('write(1, "@plain\\n", 7) = 7 [marked.py:%d]\n' % t["plain"], err)
            self.assertIn('write(1, "@inner\\n", 7) = 7 [marked.py:%d]\n' % t["inner"], err)
            self.assertIn('write(1, "tail\\n", 5) = 5 [marked.py:<exit>]\n', err)
            self.assertNotIn("warning", err)
            self.assertNoStrays()
        self.for_each_python(check)


class StacksTest(PyBase):
    """--stack: the Python frames sysdiff reads equal traceback.extract_stack()."""

    TAGS = {"rec": "rec", "gen": "gen", "meth": "Klass.meth", "closure": "make_closure.<locals>.inner",
            "thread": "in_thread", "exec": "<module>", "sorted": "main.<locals>.<lambda>", "import": "<module>"}

    def test_stacks_match_extract_stack(self):
        def check(info):
            out = self.scratch()
            r = self.trace_py([info.path, STACKS, out], opts=["--stack"])
            self.assertNoWarnings(r)
            tr = r.trace
            t = tags(STACKS)
            with open(os.path.join(out, "stacks.out"), "rb") as f:
                written = f.read().splitlines(keepends=True)
            evs = [e for e in tr.syscalls(name="write") if fd_ref(e).endswith("/stacks.out")]
            self.assertEqual([data_of(e) for e in evs], written, "the trace keeps each record whole")
            seen = set()
            for ev in evs:
                rec = json.loads(data_of(ev).decode())
                tag = rec["tag"]
                seen.add(tag)
                want = [tuple(f) for f in rec["stack"]]
                src = ev.get("src") or {}
                frames = src.get("stack")
                self.assertIsInstance(frames, list, "%s: no stack: %r" % (tag, src))
                py = [f for f in frames if f.get("py")]
                got = []
                for f in reversed(py):
                    name = f.get("file", "")
                    if not (name.startswith("/") or name.startswith("<")):
                        name = os.path.join(src.get("dir", ""), name)
                    got.append((name, f.get("line"), (f.get("func") or "").rsplit(".", 1)[-1]))
                self.assertEqual(got, want, "%s: Python frames (outermost first) under %s:\n%s"
                                 % (tag, info.label, json.dumps(py, indent=1)))
                # the location is the innermost user frame
                inner = next(w for w in reversed(want) if info.is_user_file(w[0]))
                file = "stacks.py" if inner[0] == STACKS else inner[0]
                self.assertEqual((src.get("lang"), src.get("file"), src.get("line"), src.get("func"), src.get("dir")),
                                 ("python", file, inner[1], self.TAGS[tag], PY_IN),
                                 "%s: location %r" % (tag, {k: v for k, v in src.items() if k != "stack"}))
                self.assertEqual(py[0].get("func"), self.TAGS[tag], "%s: qualified name of the innermost frame" % tag)
                for f, w in zip(reversed(py), want):
                    self.assertIsInstance(f.get("pc"), int, "frame without pc: %r" % f)
                    self.assertIsInstance(f.get("off"), int, "frame without off: %r" % f)
                    self.assertEqual(bool(f.get("user")), info.is_user_file(w[0]),
                                     "%s: user flag of %r" % (tag, f))
                    if w[0] == STACKS:
                        self.assertEqual(f.get("file"), "stacks.py", f)
                    elif w[0].startswith("/") and not w[0].startswith(PY_IN + "/"):
                        self.assertEqual(f.get("file"), w[0], "absolute outside dir: %r" % f)
                self.assertNotIn("phase", src)
            self.assertEqual(seen, set(self.TAGS), "records written")
            # the marked lines are the records' own
            for tag, line in (("rec", t["rec"]), ("gen", t["gen"]), ("meth", t["meth"]),
                              ("closure", t["closure"]), ("thread", t["thread"]), ("sorted", t["sorted"])):
                ev = next(e for e in evs if json.loads(data_of(e).decode())["tag"] == tag)
                self.assertEqual(ev["src"].get("line"), line, tag)
        self.for_each_python(check)


class ChildExecTest(PyBase):
    """A Python process that replaces its interpreter by exec."""

    def test_exec_other_program(self):
        def check(info):
            t = tags(CHILD_EXEC)
            r = self.trace_py([info.path, CHILD_EXEC, "exec", "/bin/sh", "-c", "echo after; exit 3"],
                              expect_rc=3)
            self.assertNoWarnings(r)
            self.assertEqual(r.stdout, b"@before\nafter\n")
            tr = r.trace
            root = tr.header.get("pid") or tr.events[0]["pid"]
            self.check_py(self.write_of(tr, b"@before\n"), info, "child_exec.py", t["before"], "before")
            ex = [e for e in tr.syscalls(name="execve", pid=root) if sdtest.path_of(e["args"][0]) == b"/bin/sh"]
            ex = self.one(ex, "execve of /bin/sh")
            self.check_py(ex, info, "child_exec.py", t["exec"], "replace")
            after = [e for e in tr.syscalls() if e["seq"] > ex["seq"]]
            self.assertTrue(after)
            for e in after:
                self.assertFalse(is_py(e), "a Python location after the exec: %s %r" % (fmt_event(e), e.get("src")))
                self.assertNotIn("line", e.get("src") or {}, fmt_event(e))
            self.check_all_lines(tr, CHILD_EXEC, info.modules)
        self.for_each_python(check)

    def exec_python(self, first, second, status=5):
        t = tags(CHILD_EXEC)
        r = self.trace_py([first.path, CHILD_EXEC, "python", second.path, str(status)], expect_rc=status)
        self.assertEqual(r.stdout, b"@before\n@child\n")
        tr = r.trace
        root = tr.header.get("pid") or tr.events[0]["pid"]
        self.check_py(self.write_of(tr, b"@before\n"), first, "child_exec.py", t["before"], "before")
        ex = [e for e in tr.syscalls(name="execve", pid=root) if sdtest.path_of(e["args"][0]) == second.path.encode()]
        ex = self.one(ex, "execve of " + second.path)
        self.check_py(ex, first, "child_exec.py", t["exec"], "replace")
        for e in tr.syscalls(pid=root):
            if e["seq"] < ex["seq"] and is_py(e):
                self.assertIn(e["src"].get("module"), first.modules, fmt_event(e))
        return r, tr, ex, t

    def test_exec_python(self):
        # each interpreter execs another one (Debian's, or a pyenv one from Debian's)
        present = [p for p in supported_pythons() if os.access(p, os.X_OK)]

        def check(info):
            others = [p for p in present if p != info.path]
            second = py_info(others[0] if others else info.path)
            r, tr, ex, t = self.exec_python(info, second)
            self.assertNoWarnings(r)
            self.check_py(self.write_of(tr, b"@child\n"), second, "child_exec.py", t["child"], "child")
            after = [e for e in tr.syscalls() if e["seq"] > ex["seq"] and is_py(e)]
            for e in after:
                self.assertIn(e["src"].get("module"), second.modules, "module after the exec: " + fmt_event(e))
            self.assertTrue([e for e in after if e["src"].get("phase") == "startup"],
                            "the new interpreter's start-up is startup")
            self.check_all_lines(tr, CHILD_EXEC, info.modules | second.modules)
        self.for_each_python(check)

    def test_exec_unsupported_python(self):
        olds = [p for p in unsupported_pythons() if os.access(p, os.X_OK)]
        if not olds:
            self.skipTest("no unsupported CPython (3.6-3.10) installed")
        second = py_info(olds[-1])

        def check(info):
            r, tr, ex, t = self.exec_python(info, second, status=4)
            err = r.stderr.decode(errors="replace")
            self.assertEqual(len(err.splitlines()), 1, "one warning:\n" + err)
            self.assertIn("Python", err)
            self.assertIn("%d.%d" % second.version, err)
            for e in tr.syscalls():
                if e["seq"] > ex["seq"]:
                    self.assertFalse(is_py(e), "a Python location after exec of %s: %s %r"
                                     % (second.path, fmt_event(e), e.get("src")))
                    self.assertNotIn("line", e.get("src") or {}, fmt_event(e))
        self.for_each_python(check)


class UnsupportedTest(PyBase):
    def test_unsupported_versions_warn_once(self):
        olds = unsupported_pythons()
        if not olds:
            self.skipTest("no unsupported CPython (3.6-3.10) installed under %s" % " or ".join(PYENV_ROOTS))

        def check(info):
            d = self.scratch()
            r = self.trace_py([info.path, MARKED, d, "0"], expect_rc=0)
            self.assertTrue(r.stdout.endswith(b"tail\n"), r.stdout)
            err = r.stderr.decode(errors="replace")
            lines = err.splitlines()
            self.assertEqual(len(lines), 1, "exactly one warning under %s:\n%s" % (info.label, err))
            self.assertIn("warning", lines[0])
            self.assertIn("Python", lines[0])
            self.assertIn("%d.%d" % info.version, lines[0])
            for e in r.trace.syscalls():
                src = e.get("src") or {}
                self.assertNotEqual(src.get("lang"), "python", "a Python location under %s: %s %r"
                                    % (info.label, fmt_event(e), src))
                self.assertNotEqual(src.get("file"), "marked.py", fmt_event(e))
        self.for_each_python(check, pythons=olds)


class HostileInterpreterTest(PyBase):
    """Interpreters sysdiff cannot fully identify: correct lines or none (with a
    reason), never a wrong one."""

    def patch_py_version(self, path, value):
        """Overwrites the exported Py_Version (8 bytes) of an ELF copy."""
        syms = subprocess.run(["readelf", "--dyn-syms", "-W", path], stdout=subprocess.PIPE, timeout=60,
                              check=True).stdout.decode()
        m = re.search(r"^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+OBJECT\s+\w+\s+\w+\s+\d+\s+Py_Version$", syms, re.M)
        if not m:
            self.skipTest("%s exports no Py_Version" % path)
        addr = int(m.group(1), 16)
        secs = subprocess.run(["readelf", "-S", "-W", path], stdout=subprocess.PIPE, timeout=60,
                              check=True).stdout.decode()
        for s in re.finditer(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)", secs):
            sa, so, sz = int(s.group(2), 16), int(s.group(3), 16), int(s.group(4), 16)
            if sa and sa <= addr < sa + sz:
                off = so + addr - sa
                break
        else:
            self.fail("Py_Version at %#x is in no section of %s" % (addr, path))
        with open(path, "r+b") as f:
            f.seek(off)
            old = int.from_bytes(f.read(8), "little")
            self.assertEqual(old >> 16, 0x030b, "Py_Version of %s: %#x" % (path, old))
            f.seek(off)
            f.write(value.to_bytes(8, "little"))

    def variant(self, name, rename_section=False, py_version=None, hide_symbol=False):
        d = self.scratch()
        exe = os.path.join(d, name)
        shutil.copy(DEBIAN_PY, exe)
        if hide_symbol:
            # as if stripped of _PyRuntime: its name in .dynstr made another (nothing the
            # script loads looks it up; Debian links the stdlib's extensions in)
            with open(exe, "r+b") as f:
                data = f.read()
                self.assertEqual(data.count(b"\0_PyRuntime\0"), 1)
                f.seek(data.index(b"\0_PyRuntime\0") + 1)
                f.write(b"_PyRuntimX")
        if rename_section:
            # objcopy --remove-section .PyRuntime leaves a binary that crashes; a section
            # by another name is the same interpreter that no lookup by name finds
            p = subprocess.run(["objcopy", "--rename-section", ".PyRuntime=.data.rt", exe],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
        if py_version is not None:
            self.patch_py_version(exe, py_version)
        return exe

    def check_variant(self, exe, label, prefix=()):
        info = py_info(DEBIAN_PY)
        t = tags(MARKED)
        out = self.scratch()
        r = self.trace_py(list(prefix) + [exe, MARKED, out, "0"], expect_rc=0,
                          env=py_env(PYTHONHOME="/usr"))
        self.assertTrue(r.stdout.endswith(b"tail\n"), r.stdout)
        err = r.stderr.decode(errors="replace")
        self.assertLessEqual(len(err.splitlines()), 1, "at most one warning:\n" + err)
        tr = r.trace
        located = 0
        for data, tag, func in MARKED_WRITES + [(b"@thread\n", "thread", "thread_body")]:
            ev = self.write_of(tr, data)
            src = ev.get("src") or {}
            if "line" in src:
                located += 1
                self.assertEqual((src.get("lang"), src.get("file"), src.get("line"), src.get("func"), src.get("dir")),
                                 ("python", "marked.py", t[tag], func or comp_func(info), PY_IN),
                                 "%s: a wrong location: %s %r" % (label, fmt_event(ev), src))
            else:
                self.assertIsInstance(src.get("why"), str, "%s: no line and no reason: %s %r"
                                      % (label, fmt_event(ev), src))
        for e in tr.syscalls():
            src = e.get("src") or {}
            if "line" in src:
                self.assertEqual((src.get("lang"), src.get("file")), ("python", "marked.py"),
                                 "%s: a location that is not the script's: %s %r" % (label, fmt_event(e), src))
        self.check_all_lines(tr, MARKED, None)
        HOSTILE.append("  %s: %d of %d marked writes located%s" % (
            label, located, len(MARKED_WRITES) + 1, ("; stderr: " + err.strip()) if err else ""))
        return located

    def setUp(self):
        super().setUp()
        if not os.access(DEBIAN_PY, os.X_OK):
            self.skipTest("%s is not installed" % DEBIAN_PY)

    def test_copy_outside_the_prefix(self):
        self.check_variant(self.variant("python3.11"), "copy")

    def test_section_renamed(self):
        self.check_variant(self.variant("python3.11", rename_section=True), "no .PyRuntime section")

    def test_no_version_anywhere_but_py_version(self):
        self.check_variant(self.variant("pyinterp", rename_section=True), "no section, no version in the name")

    def test_own_pid_namespace(self):
        """The tracee's thread ids are its namespace's (NSpid): every marked write,
        the thread's too, is located."""
        unshare = shutil.which("unshare")
        if not unshare or os.geteuid() != 0:
            self.skipTest("unshare and root are needed for a pid namespace")
        n = self.check_variant(DEBIAN_PY, "own pid namespace",
                               prefix=(unshare, "-p", "-f", "--mount-proc"))
        self.assertEqual(n, len(MARKED_WRITES) + 1)

    def test_no_symbol_no_section(self):
        """A stripped interpreter without the section: one warning naming it, no line."""
        exe = self.variant("python3.11", rename_section=True, hide_symbol=True)
        self.check_variant(exe, "no _PyRuntime symbol, no section")
        self.assertIn("no _PyRuntime symbol or .PyRuntime section", HOSTILE[-1])

    def test_py_version_lies_newer(self):
        self.check_variant(self.variant("python3.11", py_version=0x030c01f0), "Py_Version says 3.12")

    def test_py_version_lies_older(self):
        self.check_variant(self.variant("pyinterp", py_version=0x030a0df0), "Py_Version says 3.10")

    def test_py_version_lies_and_no_section(self):
        self.check_variant(self.variant("pyinterp", rename_section=True, py_version=0x030d00f0),
                           "no section, Py_Version says 3.13")


STORM = '''import os  # @imp_os
import sys  # @imp_sys
import threading  # @imp_threading

N = int(sys.argv[1])


def worker(i):
    for k in range(5):
        os.write(1, b"t%d.%d\\n" % (i, k))  # @tw


def main():
    ts = []
    for i in range(N):
        t = threading.Thread(target=worker, args=(i,))
        t.start()  # @start
        ts.append(t)
        os.write(1, b"m%d\\n" % i)  # @mw
    for t in ts:
        t.join()  # @join


main()  # @call
'''


class ThreadStormTest(PyBase):
    """Threads created while the main thread writes: every line reported is right."""

    def storm(self, info, opts):
        d = self.scratch()
        script = os.path.join(d, "storm.py")
        with open(script, "w") as f:
            f.write(STORM)
        n = 40
        r = self.trace_py([info.path, script, str(n)], opts=opts)
        self.assertNoWarnings(r)
        tr = r.trace
        t = tags(script)
        rd = os.path.realpath(d)
        root = tr.header.get("pid") or tr.events[0]["pid"]
        writes = [e for e in tr.syscalls(name="write") if (data_of(e) or b"")[:1] in (b"t", b"m")]
        self.assertEqual(len(writes), n * 6, fmt_events(writes))
        for e in writes:
            if data_of(e).startswith(b"t"):
                self.assertNotEqual(e["tid"], root)
                self.check_py(e, info, "storm.py", t["tw"], "worker", dir_=rd)
            else:
                self.assertEqual(e["tid"], root)
                self.check_py(e, info, "storm.py", t["mw"], "main", dir_=rd)
        self.check_all_lines(tr, script, info.modules, dir_=rd)

    def test_threads_start_while_main_writes(self):
        self.for_each_python(lambda info: self.storm(info, ["--source"]))

    def test_unpinned(self):
        # both CPUs: thread start-up really overlaps the main thread's calls
        self.for_each_python(lambda info: self.storm(info, ["--source", "--no-pin"]))


WAITER = '''import os  # @imp_os


def wait_then_write():
    os.read(0, 1)  # @read
    os.write(1, b"@attached\\n")  # @attached


wait_then_write()  # @call
'''


class AttachTest(PyBase):
    def test_attach_to_running_python(self):
        def check(info):
            d = self.scratch()
            script = os.path.join(d, "waiter.py")
            with open(script, "w") as f:
                f.write(WAITER)
            t = tags(script)
            prog = subprocess.Popen([info.path, script], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    env=py_env())
            procs = [prog]
            try:
                def blocked():
                    st = sdtest.proc_status(prog.pid) or {}
                    try:
                        with open("/proc/%d/syscall" % prog.pid) as fs:
                            nr = fs.read().split()[0]
                    except (OSError, IndexError):
                        return False
                    return st.get("State", "").startswith("S") and nr == "0"
                self.assertTrue(sdtest.wait_for(blocked), "the program did not block in read")
                out = os.path.join(d, "a.jsonl")
                sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "--source", "-o", out, "-p", str(prog.pid)],
                                      stderr=subprocess.PIPE)
                procs.append(sd)
                time.sleep(0.5)
                prog.stdin.write(b"x")
                prog.stdin.close()
                prog.wait(timeout=sdtest.TIMEOUT)
                _, err = sd.communicate(timeout=sdtest.TIMEOUT)
            finally:
                for p in procs:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
            self.assertEqual(sd.returncode, 0, err.decode(errors="replace"))
            self.assertEqual(err, b"")
            with open(out) as f:
                tr = sdtest.Trace(f.read())
            rd = os.path.realpath(d)
            self.check_py(self.write_of(tr, b"@attached\n"), info, "waiter.py", t["attached"], "wait_then_write",
                          dir_=rd)
            for e in tr.syscalls():
                self.assertNotEqual((e.get("src") or {}).get("phase"), "startup",
                                    "attached after start-up: " + fmt_event(e))
            self.check_all_lines(tr, script, info.modules, dir_=rd)
        self.for_each_python(check)


HELLO_PY = '''import sys


def greet():
    print("Hello, World!", flush=True)  # @greet


greet()
'''

HELLO_PY_EXIT = '''#!/usr/bin/python3.11
import sys


def greet():
    print("Hello, World!")  # @greet


greet()
'''

HELLO_C = '''#include <unistd.h>

int main(void)
{
	if (write(1, "Hello World!\\n", 13) != 13) /* @greet */
		return 1;
	return 0;
}
'''


class ValidateTest(PyBase):
    """sysdiff validate names the Python original's lines next to the C rewrite's."""

    def setUp(self):
        super().setUp()
        if not os.access(DEBIAN_PY, os.X_OK):
            self.skipTest("%s is not installed" % DEBIAN_PY)
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)
        with open(os.path.join(self.tmp, "hello.c"), "w") as f:
            f.write(HELLO_C)
        p = subprocess.run(["cc", "-g", "-O0", "-o", "hello", "hello.c"], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.c_exe = os.path.join(self.tmp, "hello")

    def validate(self, *args):
        p = subprocess.run([sdtest.SYSDIFF, "validate", "--color=never"] + list(args), cwd=self.work,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 1, "not equivalent expected\nstdout:\n%s\nstderr:\n%s"
                         % (out, p.stderr.decode("utf-8", "replace")))
        self.assertNoStrays()
        return out

    def test_mismatch_names_both_lines(self):
        py = os.path.join(self.tmp, "hello.py")
        with open(py, "w") as f:
            f.write(HELLO_PY)
        tp, tc = tags(py), tags(os.path.join(self.tmp, "hello.c"))
        out = self.validate("--original-cmd", "%s %s" % (DEBIAN_PY, shlex.quote(py)), "--transpiled", self.c_exe)
        self.assertRegex(out, r"Mismatch at syscall #\d+:\n"
                         + re.escape('Original:   write(1, "Hello, World!\\n", 14) = 14 [hello.py:%d]\n' % tp["greet"])
                         + re.escape('Transpiled: write(1, "Hello World!\\n", 13) = 13 [hello.c:%d]\n' % tc["greet"]))

    def exit_phase(self, how):
        py = os.path.join(self.tmp, "hello.py")
        with open(py, "w") as f:
            f.write(HELLO_PY_EXIT)
        os.chmod(py, 0o755)
        tc = tags(os.path.join(self.tmp, "hello.c"))
        if how == "shebang":
            orig = ["--original", py]      # run by its #!/usr/bin/python3.11 line
        else:
            orig = ["--original-cmd", "%s %s" % (DEBIAN_PY, shlex.quote(py))]
        out = self.validate(*(orig + ["--transpiled", self.c_exe]))
        self.assertRegex(out, r"Mismatch at syscall #\d+:\n"
                         + re.escape('Original:   write(1, "Hello, World!\\n", 14) = 14 [hello.py:<exit>]\n')
                         + re.escape('Transpiled: write(1, "Hello World!\\n", 13) = 13 [hello.c:%d]\n' % tc["greet"]))

    def test_exit_phase_original(self):
        self.exit_phase("cmd")

    def test_exit_phase_original_by_shebang(self):
        self.exit_phase("shebang")


def include_312():
    """A CPython 3.12 header tree with internal/ (as the Makefile's regen-pylayout finds
    one), or None."""
    for py in supported_pythons():
        if _minor_of_name(py) != 12:
            continue
        p = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
        d = p.stdout.decode().strip()
        if p.returncode == 0 and os.path.isdir(os.path.join(d, "internal")):
            return d
    return None


class LayoutTableTest(unittest.TestCase):
    """src/srcloc/pylayout_gen.h is what scripts/gen-pylayout.sh makes of the internal
    headers on this machine (Debian's python3.11-dev, installed by install-deps.sh;
    a 3.12 tree when pyenv has one): the committed offsets are the headers' own."""

    def test_generated_table_matches_the_headers(self):
        dirs = [d for d in ("/usr/include/python3.11", include_312())
                if d and os.path.isdir(os.path.join(d, "internal"))]
        if not dirs:
            self.skipTest("no CPython 3.11/3.12 internal headers installed")
        p = subprocess.run([os.path.join(sdtest.ROOT, "scripts", "gen-pylayout.sh")] + dirs,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        with open(os.path.join(sdtest.ROOT, "src", "srcloc", "pylayout_gen.h")) as f:
            committed = f.read()
        # each generated entry (from its version comment on) must be in the committed file
        for entry in re.split(r"(?m)^(?=\{)", p.stdout.decode())[1:]:
            body = entry.split("\n", 1)[1]      # the numbers, not the patch version
            self.assertIn(body, committed, "regenerate with 'make regen-pylayout':\n" + entry)


if __name__ == "__main__":
    unittest.main()
