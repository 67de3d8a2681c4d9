"""sdtest - helpers for the sysdiff integration tests.

Runs $BUILD/sysdiff (BUILD defaults to "build"; "build-san" for the sanitizer run)
on the fixtures of $BUILD/fixtures/, parses JSON Lines traces and groups their
events.  Standard library only: it runs under Debian's /usr/bin/python3.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))

# A suite started in the background by a non-interactive shell inherits SIGINT (and
# sometimes SIGHUP) ignored, and an ignored disposition survives exec: sysdiff would
# then rightly keep ignoring them (as the command it traces would), and the tests that
# interrupt it would hang.  The tests mean a terminal's signals: restore the defaults
# for everything started from here (a handler becomes the default at exec).
for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    if signal.getsignal(_sig) == signal.SIG_IGN:
        signal.signal(_sig, signal.default_int_handler if _sig == signal.SIGINT else signal.SIG_DFL)
SYSDIFF = os.path.join(BUILD, "sysdiff")
FIXTURES = os.path.join(BUILD, "fixtures")
PY_FIXTURES = os.path.join(ROOT, "tests", "fixtures")
PYTHON311 = "/usr/bin/python3.11"
SANITIZED = os.path.basename(BUILD.rstrip("/")) != "build"

# Every command run by the tests gets a hard timeout: a hang fails, never blocks.
TIMEOUT = 120 if SANITIZED else 60

SIGNALS = {getattr(signal, n): n for n in dir(signal)
           if n.startswith("SIG") and not n.startswith("SIG_") and isinstance(getattr(signal, n), int)}


def fixture(name):
    return os.path.join(FIXTURES, name)


def need_sysdiff(testcase):
    if not os.access(SYSDIFF, os.X_OK):
        testcase.skipTest("%s is not built" % SYSDIFF)


def need_fixture(testcase, name):
    need_sysdiff(testcase)
    if not os.access(fixture(name), os.X_OK):
        testcase.skipTest("fixture %s is not built" % name)
    return fixture(name)


# ---- XXH64 (seed 0), pure Python: for small buffers only ----

_P1 = 11400714785074694791
_P2 = 14029467366897019727
_P3 = 1609587929392839161
_P4 = 9650029242287828579
_P5 = 2870177450012600261
_M = (1 << 64) - 1


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc, lane):
    acc = (acc + lane * _P2) & _M
    return (_rotl(acc, 31) * _P1) & _M


def _merge(acc, val):
    acc ^= _round(0, val)
    return (acc * _P1 + _P4) & _M


def xxh64(data, seed=0):
    n = len(data)
    i = 0
    if n >= 32:
        v = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed & _M, (seed - _P1) & _M]
        while i + 32 <= n:
            for k in range(4):
                v[k] = _round(v[k], int.from_bytes(data[i + 8 * k:i + 8 * k + 8], "little"))
            i += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & _M
        for k in range(4):
            h = _merge(h, v[k])
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 8 <= n:
        h ^= _round(0, int.from_bytes(data[i:i + 8], "little"))
        h = (_rotl(h, 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= n:
        h ^= (int.from_bytes(data[i:i + 4], "little") * _P1) & _M
        h = (_rotl(h, 23) * _P2 + _P3) & _M
        i += 4
    while i < n:
        h ^= (data[i] * _P5) & _M
        h = (_rotl(h, 11) * _P1) & _M
        i += 1
    h ^= h >> 33
    h = (h * _P2) & _M
    h ^= h >> 29
    h = (h * _P3) & _M
    h ^= h >> 32
    return "%016x" % h


# ---- traces ----

# A C program that sandboxes itself with a seccomp filter of its own (mkdir: EPERM), then
# makes mkdir calls in itself and in a child.
SANDBOXED = (
    "#include <errno.h>\n#include <linux/filter.h>\n#include <linux/seccomp.h>\n"
    "#include <stddef.h>\n#include <stdio.h>\n#include <string.h>\n#include <sys/prctl.h>\n"
    "#include <sys/stat.h>\n#include <sys/syscall.h>\n#include <sys/wait.h>\n#include <unistd.h>\n"
    "int main(void)\n{\n"
    "\t/* mkdir fails with EPERM; everything else is allowed */\n"
    "\tstruct sock_filter f[] = {\n"
    "\t\tBPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),\n"
    "\t\tBPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 0, 1),\n"
    "\t\tBPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),\n"
    "\t\tBPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),\n"
    "\t};\n"
    "\tstruct sock_fprog prog = { sizeof f / sizeof *f, f };\n"
    "\tif (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))\n"
    "\t\treturn 2;\n"
    "\tint r = mkdir(\"d\", 0755);\n"
    "\tprintf(\"mkdir %d %s\\n\", r, r ? strerror(errno) : \"\");\n"
    "\tfflush(stdout);\n"
    "\tpid_t c = fork();\n"
    "\tif (c == 0)   /* the child has the filter too */\n"
    "\t\t_exit(mkdir(\"e\", 0755) == -1 && errno == EPERM ? 0 : 1);\n"
    "\tint st;\n"
    "\treturn waitpid(c, &st, 0) == c && WIFEXITED(st) ? WEXITSTATUS(st) : 3;\n"
    "}\n")

class TraceError(Exception):
    pass


class Trace:
    """A parsed JSON Lines trace: header, events (in seq order), trailer (or None)."""

    def __init__(self, text):
        self.text = text
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines:
            raise TraceError("empty trace")
        objs = []
        for i, line in enumerate(lines):
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                raise TraceError("line %d is not JSON (%s): %r" % (i + 1, e, line[:200]))
        self.header = objs[0]
        if "sysdiff_trace" not in self.header:
            raise TraceError("first line is not a header: %r" % lines[0][:200])
        self.trailer = objs[-1] if len(objs) > 1 and objs[-1].get("end") else None
        self.events = objs[1:-1] if self.trailer else objs[1:]

    # selection
    def syscalls(self, name=None, pid=None, tid=None):
        out = []
        for e in self.events:
            if e.get("type") != "syscall":
                continue
            if name is not None and (e.get("name") not in name if isinstance(name, (set, list, tuple))
                                     else e.get("name") != name):
                continue
            if pid is not None and e.get("pid") != pid:
                continue
            if tid is not None and e.get("tid") != tid:
                continue
            out.append(e)
        return out

    def of_type(self, typ, pid=None):
        return [e for e in self.events if e.get("type") == typ and (pid is None or e.get("pid") == pid)]

    def names(self, pid=None):
        return [e["name"] for e in self.syscalls(pid=pid)]

    def pids(self):
        """Process ids in order of first appearance."""
        seen = []
        for e in self.events:
            if e["pid"] not in seen:
                seen.append(e["pid"])
        return seen

    def by_pid(self):
        groups = {}
        for e in self.events:
            groups.setdefault(e["pid"], []).append(e)
        return groups

    def creation_order(self, key="tid"):
        """Thread (key="tid") or process (key="pid") ids in creation order: the root
        first, then depth-first the children in the order of the clone/fork calls
        that created them (scheduling-independent)."""
        calls = {}
        for e in self.events:
            calls.setdefault(e[key], []).append(e)
        root = self.header.get("pid") or (self.events[0][key] if self.events else None)
        order = []

        def visit(i):
            if i in order or i not in calls:
                return
            order.append(i)
            for e in calls[i]:
                if (e.get("type") == "syscall" and e.get("name") in CLONE_NAMES
                        and isinstance(e.get("ret"), int) and e["ret"] > 0):
                    visit(e["ret"])

        visit(root)
        for i in calls:  # anything not reached through a clone (should not happen)
            if i not in order:
                order.append(i)
        return order


CLONE_NAMES = {"clone", "clone3", "fork", "vfork"}


def arg(ev, i):
    return ev["args"][i]


def path_of(a):
    """The path bytes of a path argument (raw or raw_hex)."""
    if "raw_hex" in a:
        return bytes.fromhex(a["raw_hex"])
    r = a.get("raw")
    if isinstance(r, str):
        return r.encode("utf-8")
    return None


def abs_of(a):
    if "abs_hex" in a:
        return bytes.fromhex(a["abs_hex"])
    r = a.get("abs")
    return r.encode("utf-8") if isinstance(r, str) else None


def buf_data(a):
    """The kept bytes of a buffer argument (data or data_hex)."""
    if "data_hex" in a:
        return bytes.fromhex(a["data_hex"])
    if "data" in a:
        return a["data"].encode("utf-8")
    return None


def fmt_event(e):
    """One line, for assertion messages."""
    if e.get("type") == "syscall":
        args = []
        for a in e.get("args", []):
            if a.get("type") == "path":
                args.append(repr(path_of(a)))
            elif a.get("type") == "buf":
                d = buf_data(a)
                args.append(repr(d[:24] if d is not None else None) + "/%s" % a.get("len"))
            elif "text" in a:
                args.append(str(a["text"]))
            else:
                args.append(str(a.get("raw")))
        ret = e.get("ret")
        if e.get("err"):
            ret = "%s %s" % (ret, e["err"])
        return "%d [%s/%s] %s(%s) = %s" % (e["seq"], e["pid"], e["tid"], e["name"], ", ".join(args), ret)
    extra = {k: v for k, v in e.items() if k not in ("seq", "pid", "tid", "t", "dur", "type")}
    return "%d [%s/%s] %s %s" % (e["seq"], e["pid"], e["tid"], e["type"], extra)


def fmt_events(events, limit=80):
    lines = [fmt_event(e) for e in events[:limit]]
    if len(events) > limit:
        lines.append("... %d more" % (len(events) - limit))
    return "\n".join(lines)


class Result:
    def __init__(self, rc, stdout, stderr, trace, trace_text, workdir):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.trace = trace
        self.trace_text = trace_text
        self.workdir = workdir

    def describe(self):
        return "rc=%r\nstderr:\n%s\nstdout:\n%s" % (
            self.rc, self.stderr.decode(errors="replace")[-3000:],
            self.stdout.decode(errors="replace")[-1000:])


class SysdiffTest(unittest.TestCase):
    """Base class: a scratch directory per test and helpers to run sysdiff."""

    maxDiff = 20000

    def setUp(self):
        need_sysdiff(self)
        self.tmp = tempfile.mkdtemp(prefix="sdtest-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def build_c(self, name, source, *flags):
        """The C program source, compiled with cc (and flags) into the scratch directory
        as name; its path."""
        src = os.path.join(self.tmp, name + ".c")
        with open(src, "w") as f:
            f.write(source)
        exe = os.path.join(self.tmp, name)
        p = subprocess.run(["cc", "-O1", "-o", exe, src] + list(flags), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        return exe

    def run_cmd(self, argv, cwd=None, timeout=None, env=None, stdin=subprocess.DEVNULL):
        try:
            p = subprocess.run(argv, cwd=cwd or self.tmp, stdin=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout or TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            self.fail("timed out after %ss: %s" % (timeout or TIMEOUT, " ".join(argv)))
        return p

    def trace(self, cmd, opts=(), cwd=None, timeout=None, env=None, out=None, expect_rc=None):
        """Run `sysdiff trace -o OUT.jsonl OPTS -- CMD` and parse the trace."""
        out = out or os.path.join(self.tmp, "trace.jsonl")
        argv = [SYSDIFF, "trace", "-o", out] + list(opts) + ["--"] + list(cmd)
        p = self.run_cmd(argv, cwd=cwd, timeout=timeout, env=env)
        text = None
        tr = None
        if os.path.exists(out):
            with open(out, "rb") as f:
                raw = f.read()
            text = raw.decode("utf-8", errors="replace")
            try:
                tr = Trace(raw.decode("utf-8"))
            except (TraceError, UnicodeDecodeError) as e:
                self.fail("bad trace from %s: %s\n%s" % (" ".join(argv), e, text[:3000]))
        res = Result(p.returncode, p.stdout, p.stderr, tr, text, cwd or self.tmp)
        if expect_rc is not None:
            self.assertEqual(res.rc, expect_rc, "sysdiff exit status\n" + res.describe())
            self.assertIsNotNone(tr, "no trace written\n" + res.describe())
        return res

    def trace_text(self, cmd, opts=(), cwd=None, timeout=None):
        """Run sysdiff with the default text output on stderr."""
        argv = [SYSDIFF, "trace"] + list(opts) + ["--"] + list(cmd)
        p = self.run_cmd(argv, cwd=cwd, timeout=timeout)
        return p

    def attach_then_signal(self, pid, sig, expect_rc, seconds=0.5):
        """`sysdiff trace -p PID` for `seconds`, then send it sig; it must exit with
        expect_rc within 20 s.  Returns the parsed trace."""
        out = os.path.join(self.tmp, "attach.jsonl")
        sd = subprocess.Popen([SYSDIFF, "trace", "-o", out, "-p", str(pid)], stderr=subprocess.PIPE)
        time.sleep(seconds)
        sd.send_signal(sig)
        try:
            _, err = sd.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            sd.kill()
            sd.wait()
            self.fail("sysdiff did not detach after signal %d" % sig)
        self.assertEqual(sd.returncode, expect_rc, err)
        with open(out) as f:
            return Trace(f.read())

    def assertComplete(self, tr, exit_status):
        self.assertIsNotNone(tr.trailer, "trace has no trailer")
        self.assertTrue(tr.trailer.get("complete"), "trailer: %r" % tr.trailer)
        self.assertEqual(tr.trailer.get("exit_status"), exit_status, "trailer: %r" % tr.trailer)
        self.assertEqual(tr.trailer.get("events"), len(tr.events), "trailer event count")
        seqs = [e["seq"] for e in tr.events]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "seq must be 1..N in order")

    def one(self, events, what=""):
        self.assertEqual(len(events), 1, "expected exactly one %s, got:\n%s" % (what, fmt_events(events)))
        return events[0]

    def program_calls(self, tr, pid, first_name):
        """Syscalls of pid from the first call named first_name on (skips the dynamic
        loader and libc start-up, which vary between systems)."""
        evs = tr.syscalls(pid=pid)
        for i, e in enumerate(evs):
            if e["name"] == first_name:
                return evs[i:]
        self.fail("no %s in process %s:\n%s" % (first_name, pid, fmt_events(evs)))


def wait_for(pred, timeout=10.0, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def find_rustc():
    """rustc on PATH or in cargo's home, or None."""
    cargo = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
    for cand in (shutil.which("rustc"), os.path.join(cargo, "bin", "rustc")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def pids_running(marker):
    """The pids of the processes whose command line contains marker."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def proc_status(pid):
    """Fields of /proc/PID/status as a dict, or None if the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return None


def syscall_class(cls):
    """Names of the syscalls in an strace class ("TF" = %file) per src/arch/syscall_classes.txt."""
    names = set()
    with open(os.path.join(ROOT, "src", "arch", "syscall_classes.txt")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split()
            if len(parts) >= 3 and cls in parts[2].split("|"):
                names.add(parts[0])
    return names


def check_arg(testcase, ev, i, **want):
    """Assert that argument i of syscall event ev has the wanted fields.  Special keys:
    path=bytes (raw or raw_hex), absp=bytes (abs or abs_hex), data=bytes (data or
    data_hex), ref_prefix=str."""
    testcase.assertIn("args", ev, fmt_event(ev))
    testcase.assertGreater(len(ev["args"]), i, "argument %d missing in %s" % (i, fmt_event(ev)))
    a = ev["args"][i]
    for k, v in want.items():
        if k == "path":
            got = path_of(a)
        elif k == "absp":
            got = abs_of(a)
        elif k == "data":
            got = buf_data(a)
        elif k == "ref_prefix":
            got = a.get("ref", "")[:len(v)] if isinstance(a.get("ref"), str) else a.get("ref")
        else:
            got = a.get(k, "<absent>")
        testcase.assertEqual(got, v, "argument %d field %r of %s\nargument: %r" % (i, k, fmt_event(ev), a))
    return a
