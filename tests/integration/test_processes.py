"""Processes and threads: fork/exec/wait, vfork, pthreads, exec from a thread, pipes."""
import os
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events, fmt_event


def exits(tr):
    return {e["tid"]: e for e in tr.events if e["type"] in ("exit", "killed")}


class ForkExecTest(SysdiffTest):
    def test_forkexec(self):
        fx = sdtest.need_fixture(self, "forkexec")
        r = self.trace([fx], expect_rc=3)
        tr = r.trace
        self.assertComplete(tr, 3)
        procs = tr.creation_order("pid")
        self.assertEqual(len(procs), 3, "three processes expected: %r\n%s" % (procs, fmt_events(tr.events)))
        parent, c1, c2 = procs
        self.assertEqual(parent, tr.header["pid"])
        # the parent: two forks (clone) returning the children, two wait4 reaping them
        forks = tr.syscalls(name=sdtest.CLONE_NAMES, pid=parent)
        self.assertEqual([e["ret"] for e in forks], [c1, c2], fmt_events(forks))
        waits = tr.syscalls(name="wait4", pid=parent)
        self.assertEqual([e["ret"] for e in waits], [c1, c2], fmt_events(waits))
        self.assertLess(forks[0]["seq"], waits[0]["seq"])
        self.assertLess(waits[0]["seq"], forks[1]["seq"])
        self.assertEqual(len(tr.syscalls(name="execve", pid=parent)), 1)
        # child 1: execve("/bin/true", ["/bin/true"]) = 0, exit 0
        ex1 = self.one(tr.syscalls(name="execve", pid=c1), "execve in child 1")
        check_arg(self, ex1, 0, path=b"/bin/true")
        check_arg(self, ex1, 1, strv=["/bin/true"])
        self.assertEqual(ex1["ret"], 0)
        # child 2: execve(self, [self, "child"]) = 0, writes, exits 7
        ex2 = self.one(tr.syscalls(name="execve", pid=c2), "execve in child 2")
        check_arg(self, ex2, 0, path=fx.encode())
        check_arg(self, ex2, 1, strv=[fx, "child"])
        self.assertEqual(ex2["ret"], 0)
        w = self.one(tr.syscalls(name="write", pid=c2), "write in child 2")
        check_arg(self, w, 1, data=b"forkexec child\n")
        ends = exits(tr)
        self.assertEqual({p: (ends[p]["type"], ends[p].get("status")) for p in procs},
                         {parent: ("exit", 3), c1: ("exit", 0), c2: ("exit", 7)})
        # each process's events: pid == tid (no threads here)
        for e in tr.events:
            self.assertEqual(e["pid"], e["tid"], fmt_event(e))
        # the child's exit is reported before the parent's wait4 returns it
        self.assertLess(ends[c1]["seq"], waits[0]["seq"])


class VforkTest(SysdiffTest):
    def test_vfork(self):
        fx = sdtest.need_fixture(self, "vfork")
        r = self.trace([fx], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        procs = tr.creation_order("pid")
        self.assertEqual(len(procs), 2, fmt_events(tr.events))
        parent, child = procs
        vf = self.one(tr.syscalls(name=sdtest.CLONE_NAMES, pid=parent), "vfork")
        self.assertEqual(vf["name"], "vfork", fmt_event(vf))
        self.assertEqual(vf["ret"], child)
        ex = self.one(tr.syscalls(name="execve", pid=child), "execve in the vfork child")
        check_arg(self, ex, 0, path=b"/bin/echo")
        check_arg(self, ex, 1, strv=["/bin/echo", "vforked"])
        self.assertEqual(ex["ret"], 0)
        ws = [w for w in tr.syscalls(name="write", pid=child)]
        self.assertEqual([sdtest.buf_data(w["args"][1]) for w in ws], [b"vforked\n"])
        self.assertEqual(r.stdout, b"vforked\n")
        wt = self.one(tr.syscalls(name="wait4", pid=parent), "wait4")
        self.assertEqual(wt["ret"], child)
        ends = exits(tr)
        self.assertEqual((ends[child]["type"], ends[child]["status"]), ("exit", 0))
        self.assertEqual((ends[parent]["type"], ends[parent]["status"]), ("exit", 0))


class ThreadsTest(SysdiffTest):
    def test_threads(self):
        fx = sdtest.need_fixture(self, "threads")
        r = self.trace([fx], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        pid = tr.header["pid"]
        self.assertEqual(tr.pids(), [pid])
        tids = tr.creation_order("tid")
        self.assertEqual(len(tids), 4, "main thread + 3 threads: %r" % tids)
        self.assertEqual(tids[0], pid)
        clones = tr.syscalls(name=sdtest.CLONE_NAMES, pid=pid, tid=pid)
        self.assertEqual([c["ret"] for c in clones], tids[1:], fmt_events(clones))
        for c in clones:
            self.assertIn("CLONE_THREAD", str([a.get("text") for a in c.get("args", [])]) +
                          str(c.get("args")), "clone of a thread shows CLONE_THREAD: " + fmt_event(c))
        ends = exits(tr)
        for k, tid in enumerate(tids[1:]):
            ws = tr.syscalls(name="write", tid=tid)
            w = self.one(ws, "write of thread %d" % k)
            self.assertEqual(w["pid"], pid)
            check_arg(self, w, 0, raw=3, ref=os.path.realpath(self.tmp) + "/threads.out")
            check_arg(self, w, 1, data=("thread %d\n" % k).encode())
            self.assertIn(tid, ends, "exit event of thread %d (tid %d)" % (k, tid))
            self.assertEqual((ends[tid]["type"], ends[tid]["pid"], ends[tid].get("status")),
                             ("exit", pid, 0))
            # the thread's exit is between its write and the next thread's creation
            self.assertLess(w["seq"], ends[tid]["seq"])
            ex = [e for e in tr.syscalls(tid=tid) if e["name"] == "exit"]
            self.assertEqual(len(ex), 1, "thread ends with exit(0): " + fmt_events(tr.syscalls(tid=tid)))
        mw = tr.syscalls(name="write", tid=pid)
        self.assertEqual([sdtest.buf_data(w["args"][1]) for w in mw], [b"joined\n"])
        self.assertEqual(ends[pid]["status"], 0)
        with open(os.path.join(self.tmp, "threads.out")) as f:
            self.assertEqual(f.read(), "thread 0\nthread 1\nthread 2\njoined\n")


class ExecFromThreadTest(SysdiffTest):
    def test_exec_from_thread(self):
        fx = sdtest.need_fixture(self, "exec_from_thread")
        r = self.trace([fx], expect_rc=5)
        tr = r.trace
        self.assertComplete(tr, 5)
        pid = tr.header["pid"]
        self.assertEqual(tr.pids(), [pid], fmt_events(tr.events))
        w1 = [w for w in tr.syscalls(name="write") if sdtest.buf_data(w["args"][1]) == b"thread execs\n"]
        w1 = self.one(w1, "write by the thread")
        ttid = w1["tid"]
        self.assertNotEqual(ttid, pid)
        sup = self.one(tr.of_type("superseded"), "superseded event")
        self.assertEqual((sup["pid"], sup["tid"], sup.get("old_tid")), (pid, pid, ttid), fmt_event(sup))
        exs = [e for e in tr.syscalls(name="execve") if e["seq"] > w1["seq"]]
        ex = self.one(exs, "execve by the thread")
        self.assertEqual(ex["pid"], pid)
        self.assertEqual(ex["ret"], 0, fmt_event(ex))
        check_arg(self, ex, 0, path=fx.encode())
        check_arg(self, ex, 1, strv=[fx, "after"])
        w2 = [w for w in tr.syscalls(name="write") if sdtest.buf_data(w["args"][1]) == b"after exec\n"]
        w2 = self.one(w2, "write after the exec")
        self.assertEqual((w2["pid"], w2["tid"]), (pid, pid))
        self.assertLess(sup["seq"], w2["seq"])
        # after the superseded event (and the execve's own completion, which belongs
        # to the thread that called it), everything is the leader pid, tid == pid
        for e in tr.events:
            if e["seq"] > sup["seq"] and e is not ex:
                self.assertEqual((e["pid"], e["tid"]), (pid, pid), fmt_event(e))
        # the old thread id never "exits": it became the leader
        for e in tr.events:
            if e["type"] in ("exit", "killed"):
                self.assertNotEqual(e["tid"], ttid, fmt_event(e))
        ends = exits(tr)
        self.assertEqual((ends[pid]["type"], ends[pid]["status"]), ("exit", 5))
        self.assertEqual(r.stdout, b"thread execs\nafter exec\n")


class PipesTest(SysdiffTest):
    def test_pipes(self):
        fx = sdtest.need_fixture(self, "pipes")
        r = self.trace([fx], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        parent, child = tr.creation_order("pid")
        pp = self.one(tr.syscalls(name={"pipe", "pipe2"}, pid=parent), "pipe")
        self.assertEqual(pp["ret"], 0)
        msg = b"through the pipe\n"
        w = self.one(tr.syscalls(name="write", pid=child), "write in the child")
        a = check_arg(self, w, 0, raw=4, ref_prefix="pipe:[")
        check_arg(self, w, 1, data=msg, len=len(msg), hash=sdtest.xxh64(msg))
        self.assertEqual(w["ret"], len(msg))
        rd = self.one(tr.syscalls(name="read", pid=parent)[-1:], "read in the parent")
        check_arg(self, rd, 0, raw=3, ref=a.get("ref"))
        check_arg(self, rd, 1, data=msg, len=len(msg))
        self.assertEqual(rd["ret"], len(msg))
        out = tr.syscalls(name="write", pid=parent)
        self.assertEqual([sdtest.buf_data(o["args"][1]) for o in out], [msg])
        self.assertEqual(r.stdout, msg)


class PythonSubprocessTest(SysdiffTest):
    def test_python_subprocess(self):
        if not os.access(sdtest.PYTHON311, os.X_OK):
            self.skipTest("no " + sdtest.PYTHON311)
        script = os.path.join(sdtest.PY_FIXTURES, "py_subprocess.py")
        r = self.trace([sdtest.PYTHON311, script], expect_rc=4)
        tr = r.trace
        self.assertComplete(tr, 4)
        self.assertEqual(tr.events[0]["name"], "execve")
        check_arg(self, tr.events[0], 0, path=sdtest.PYTHON311.encode())
        echo = [e for e in tr.syscalls(name="execve") if sdtest.path_of(e["args"][0]) == b"/bin/echo"
                and e["ret"] == 0]
        ex = self.one(echo, "execve of /bin/echo")
        self.assertNotEqual(ex["pid"], tr.header["pid"])
        check_arg(self, ex, 1, strv=["/bin/echo", "from subprocess"])
        ws = tr.syscalls(name="write", pid=ex["pid"])
        self.assertIn(b"from subprocess\n", [sdtest.buf_data(w["args"][1]) for w in ws])
        ends = exits(tr)
        self.assertEqual(ends[ex["pid"]]["status"], 0)
        self.assertEqual(ends[tr.header["pid"]]["status"], 4)


class EnvironmentTest(SysdiffTest):
    """The traced command runs as it would without sysdiff."""

    def sig_lines(self, argv):
        p = self.run_cmd(argv)
        return [l for l in p.stdout.decode().splitlines() if l.startswith(("SigIgn", "SigBlk"))], p

    def test_signal_dispositions_inherited_unchanged(self):
        cmd = ["/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]
        plain, _ = self.sig_lines(cmd)
        self.assertEqual(len(plain), 2)
        traced, p = self.sig_lines([sdtest.SYSDIFF, "trace", "-o", self.tmp + "/t.jsonl", "--"] + cmd)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(traced, plain, "ignored/blocked signals of the traced command")

    def test_sigpipe_default_in_command(self):
        # with SIGPIPE at its default action `yes` dies silently when head exits
        cmd = ["/bin/sh", "-c", "yes | head -n1"]
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", self.tmp + "/t.jsonl", "--"] + cmd)
        self.assertEqual((p.returncode, p.stdout), (0, b"y\n"))
        self.assertNotIn(b"Broken pipe", p.stderr)


if __name__ == "__main__":
    unittest.main()
