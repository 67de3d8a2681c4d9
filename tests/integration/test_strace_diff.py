"""Differential test against strace: the same command under `strace -f` and under
`sysdiff trace` must show, per thread, the same sequence of (syscall, result).

Threads are paired by creation order (the root first, then depth-first in the order
of the clone/fork/vfork calls that created them), because ids differ between runs.
Results that legitimately differ between two runs are normalized by syscall name:
addresses (mmap, brk, ...), process and thread ids (clone, getpid, wait4, ...) and
times.  Interrupted calls (ERESTART*) are dropped for commands where a signal can
arrive at a scheduling-dependent point (SIGCHLD), kept where the point is fixed."""
import difflib
import os
import re
import shutil
import unittest

import sdtest
from sdtest import SysdiffTest

STRACE = shutil.which("strace") or "/usr/bin/strace"

ADDR_RET = {"mmap", "mremap", "brk", "shmat"}
PID_RET = {"clone", "clone3", "fork", "vfork", "getpid", "gettid", "getppid", "getpgrp", "getpgid",
           "getsid", "set_tid_address", "wait4", "waitid"}
TIME_RET = {"time", "times"}
RESTART_ERRS = {"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK"}


def _split_ret(rest, depth):
    """rest starts inside (depth 1) or before the argument list; returns the text after
    the closing parenthesis, skipping quoted strings."""
    i, n, inq = 0, len(rest), False
    while i < n:
        c = rest[i]
        if inq:
            if c == "\\":
                i += 1
            elif c == '"':
                inq = False
        elif c == '"':
            inq = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return rest[i + 1:]
        i += 1
    return None


def _ret_token(after):
    """'= 3', '= -1 ENOENT (...)', '= ? ERESTARTSYS (...)', '= ?', '= 0x55d0 ...'"""
    if after is None:
        return "<unparsed>"
    m = re.match(r"\s*=\s*(\S+)(?:\s+(E[A-Z0-9_]+)\b)?", after)
    if not m:
        return "<unparsed>"
    tok, err = m.group(1), m.group(2)
    if err and tok in ("-1", "?"):
        return err
    if tok == "?":
        return "?"
    try:
        if re.match(r"^0[0-7]+$", tok):
            return int(tok, 8)
        return int(tok, 0)
    except ValueError:
        return "<%s>" % tok


def parse_strace(path):
    """{tid: [[name, ret], ...]} and the root tid, from an `strace -f -o` log."""
    seqs, pending, root = {}, {}, None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(\d+)\s+(.*)$", line)
            if not m:
                continue
            tid, body = int(m.group(1)), m.group(2)
            if root is None:
                root = tid
            if body.startswith("---") or body.startswith("+++"):
                continue
            seq = seqs.setdefault(tid, [])
            r = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", body)
            if r:
                entry = pending.pop(tid, None)
                if entry is None:
                    entry = [r.group(1), None]
                    seq.append(entry)
                entry[1] = _ret_token(_split_ret(r.group(2), 1))
                continue
            m2 = re.match(r"^(\w+)\((.*)$", body)
            if not m2:
                continue
            name = m2.group(1)
            if name == "restart_syscall":
                rs = re.search(r"resuming interrupted (\w+)", body)
                name = rs.group(1) if rs else name
            entry = [name, None]
            seq.append(entry)
            if body.endswith("<unfinished ...>"):
                pending[tid] = entry
                entry[1] = "?"
            else:
                entry[1] = _ret_token(_split_ret(m2.group(2), 1))
    return seqs, root


def strace_children(seqs):
    return {tid: [e[1] for e in seq if e[0] in sdtest.CLONE_NAMES and isinstance(e[1], int) and e[1] > 0]
            for tid, seq in seqs.items()}


def sysdiff_seqs(tr):
    seqs = {}
    for e in tr.syscalls():
        if e.get("unfinished") or not e.get("finished", True) and e.get("ret") is None:
            ret = "?"
        elif e.get("err"):
            ret = e["err"]
        else:
            ret = e.get("ret")
        seqs.setdefault(e["tid"], []).append([e["name"], ret])
    return seqs


def creation_order(seqs, root):
    kids = strace_children(seqs)
    order = []

    def visit(t):
        if t in order or t not in seqs:
            return
        order.append(t)
        for c in kids.get(t, []):
            visit(c)

    visit(root)
    order += [t for t in seqs if t not in order]
    return order


def normalize(seq, drop_restarts):
    out = []
    for name, ret in seq:
        if ret in RESTART_ERRS and drop_restarts:
            continue
        if isinstance(ret, int):
            if name in ADDR_RET:
                ret = "ADDR"
            elif name in PID_RET and ret > 0:
                ret = "PID"
            elif name in TIME_RET:
                ret = "TIME"
            elif name == "rt_sigreturn" and ret >= 0:
                ret = "RESTORED"   # the interrupted code's rax: a pid, an address...
        out.append("%s = %s" % (name, ret))
    return out


class StraceDiffTest(SysdiffTest):
    def setUp(self):
        super().setUp()
        if not os.access(STRACE, os.X_OK):
            self.skipTest("strace is not installed")
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)
        self.env = dict(os.environ, PYTHONHASHSEED="0", LC_ALL="C", TZ="UTC")

    def compare(self, cmd, drop_restarts=True, rc=0, retry=False):
        """retry: for programs reading system state (a directory listing) that may
        change between the two runs: on a mismatch, run both once more."""
        first = self._compare(cmd, drop_restarts, rc)
        if first and retry:
            second = self._compare(cmd, drop_restarts, rc)
            if not second:
                return
        if first:
            self.fail(first)

    def _compare(self, cmd, drop_restarts, rc):
        log = os.path.join(self.tmp, "strace.log")
        p = self.run_cmd([STRACE, "-f", "-qq", "-o", log, "--"] + cmd, cwd=self.work, env=self.env)
        # strace kills itself with the signal that killed the command
        strace_rc = -(rc - 128) if rc > 128 else rc
        self.assertEqual(p.returncode, strace_rc, "strace run: %s" % p.stderr.decode(errors="replace")[-2000:])
        sseqs, sroot = parse_strace(log)
        r = self.trace(cmd, opts=["--no-pin"], cwd=self.work, env=self.env,
                       out=os.path.join(self.tmp, "t.jsonl"))
        self.assertEqual(r.rc, rc, r.describe())
        self.assertIsNotNone(r.trace, r.describe())
        self.assertComplete(r.trace, rc)
        dseqs = sysdiff_seqs(r.trace)
        sorder = creation_order(sseqs, sroot)
        dorder = creation_order(dseqs, r.trace.header["pid"])
        self.assertEqual(len(sorder), len(dorder),
                         "number of threads/processes: strace %d, sysdiff %d" % (len(sorder), len(dorder)))
        problems = []
        for k, (st, dt) in enumerate(zip(sorder, dorder)):
            a = normalize(sseqs[st], drop_restarts)
            b = normalize(dseqs[dt], drop_restarts)
            if a != b:
                diff = list(difflib.unified_diff(a, b, "strace (tid %d)" % st, "sysdiff (tid %d)" % dt,
                                                 n=3, lineterm=""))
                if len(diff) > 120:
                    diff = diff[:120] + ["... (%d more diff lines)" % (len(diff) - 120)]
                problems.append("process #%d differs:\n%s" % (k, "\n".join(diff)))
        if problems:
            return "%s: sysdiff and strace disagree\n%s" % (" ".join(cmd), "\n\n".join(problems))
        return None

    def fx(self, name):
        return sdtest.need_fixture(self, name)

    # fixtures
    def test_fileops(self):
        self.compare([self.fx("fileops")])

    def test_forkexec(self):
        f = self.fx("forkexec")
        self.compare([f], rc=3)

    def test_vfork(self):
        self.compare([self.fx("vfork")])

    def test_pipes(self):
        self.compare([self.fx("pipes")])

    def test_sigrestart(self):
        self.compare([self.fx("sigrestart")], drop_restarts=False)

    def test_sockets(self):
        self.compare([self.fx("unix_sock")])
        self.compare([self.fx("tcp")])

    def test_binary(self):
        self.compare([self.fx("binary")])

    def test_segv(self):
        self.compare([self.fx("segv")], rc=139)

    # real programs
    def test_ls(self):
        self.compare(["/bin/ls", "-la", "/"], retry=True)

    def test_cat(self):
        self.compare(["/bin/cat", "/etc/passwd"])

    def test_sort(self):
        path = os.path.join(self.work, "in.txt")
        with open(path, "w") as f:
            f.write("pear\napple\nfig\nbanana\n")
        self.compare(["/usr/bin/sort", "in.txt"])

    def test_sh_pipeline(self):
        self.compare(["/bin/sh", "-c", "/bin/echo hi > out.txt; /bin/cat out.txt"])

    def test_python(self):
        if not os.access(sdtest.PYTHON311, os.X_OK):
            self.skipTest("no " + sdtest.PYTHON311)
        self.compare([sdtest.PYTHON311, "-c", "print(1)"])

    def test_busybox(self):
        bb = shutil.which("busybox")
        if not bb:
            self.skipTest("no busybox")
        self.compare([bb, "cat", "/etc/passwd"])
        self.compare([bb, "ls", "-l", "/etc/hostname"])


if __name__ == "__main__":
    unittest.main()
