"""Stress: many processes created at once (a child's first stop may come before its
parent's fork event) and many threads writing at once: no call missed or garbled."""
import collections
import os
import re
import signal
import subprocess
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events


class StormTest(SysdiffTest):
    def test_fork_storm(self):
        fx = sdtest.need_fixture(self, "storm")
        n = 60
        tr = self.trace([fx, "fork", str(n)], expect_rc=0).trace
        self.assertComplete(tr, 0)
        root = tr.header["pid"]
        calls = tr.syscalls(name=sdtest.CLONE_NAMES, pid=root)
        # fork returns ERESTARTNOINTR when a SIGCHLD is pending; the kernel restarts it
        # and the trace links the continuation to the interrupted call
        cont = {e.get("restart_of") for e in calls}
        for e in calls:
            if e.get("interrupted"):
                self.assertEqual(e.get("err"), "ERESTARTNOINTR")
                self.assertIn(e["seq"], cont, "interrupted fork without continuation")
        forks = [e for e in calls if not e.get("interrupted")]
        kids = [e["ret"] for e in forks]
        self.assertEqual(len(kids), n, fmt_events(forks))
        self.assertEqual(len(set(kids)), n)
        writes = {}
        for e in tr.syscalls(name="write"):
            if e["pid"] != root:
                writes.setdefault(e["pid"], []).append(e)
        self.assertEqual(sorted(writes), sorted(kids), "every child's write is recorded")
        for i, pid in enumerate(kids):
            self.assertEqual(len(writes[pid]), 1)
            check_arg(self, writes[pid][0], 1, data=("child %d\n" % i).encode())
        ends = {e["pid"]: e for e in tr.of_type("exit")}
        for i, pid in enumerate(kids):
            self.assertEqual(ends[pid].get("status"), i % 256, "exit status of child %d" % i)
            self.assertLess(ends[pid]["seq"], max(e["seq"] for e in tr.syscalls(name="wait4", pid=root)) + 1)
        reaped = [e["ret"] for e in tr.syscalls(name="wait4", pid=root)]
        self.assertEqual(sorted(reaped), sorted(kids))

    def test_thread_storm(self):
        fx = sdtest.need_fixture(self, "storm")
        t, k = 6, 300
        tr = self.trace([fx, "threads", str(t), str(k)], opts=["-e", "trace=write,exit"],
                        expect_rc=0).trace
        self.assertComplete(tr, 0)
        per = collections.defaultdict(list)
        for e in tr.syscalls(name="write"):
            a = e["args"][1]
            m = re.match(r"^t(\d+) (\d+)\n$", a.get("data", ""))
            self.assertTrue(m, "garbled write: %r" % a)
            self.assertEqual(e["ret"], a["len"])
            self.assertEqual(a["len"], len(a["data"].encode()))
            per[e["tid"]].append((int(m.group(1)), int(m.group(2))))
        self.assertEqual(len(per), t, "one writer thread per id")
        for tid, calls in per.items():
            ids = {c[0] for c in calls}
            self.assertEqual(len(ids), 1, "thread %d wrote for several ids" % tid)
            self.assertEqual([c[1] for c in calls], list(range(k)), "thread %d: every write, in order" % tid)
        exits = [e for e in tr.syscalls(name="exit")]
        self.assertEqual(len(exits), t, "every thread's exit call")
        self.assertEqual(len(tr.of_type("exit")), t + 1, "every thread's and the process's end")

    def test_attach_threads_and_detach(self):
        fx = sdtest.need_fixture(self, "storm")
        t = 4
        out = os.path.join(self.tmp, "spin.txt")
        prog = subprocess.Popen([fx, "spin", str(t), out])
        self.addCleanup(prog.wait)
        self.addCleanup(prog.kill)
        self.assertTrue(sdtest.wait_for(lambda: len(os.listdir("/proc/%d/task" % prog.pid)) == t + 1))
        tr = self.attach_then_signal(prog.pid, signal.SIGINT, 130)
        self.assertTrue(tr.header.get("attached"))
        self.assertFalse(tr.trailer["complete"])
        writers = {e["tid"] for e in tr.syscalls(name="write")}
        self.assertEqual(len(writers), t, "writes from every thread")
        detached = {e["tid"] for e in tr.of_type("detached")}
        self.assertEqual(len(detached), t + 1, "every thread detached")
        st = sdtest.proc_status(prog.pid)
        self.assertEqual(st.get("TracerPid"), "0")
        self.assertIn(st["State"][0], "SR", "left running, not stopped: %s" % st["State"])
        size = os.path.getsize(out)
        self.assertTrue(sdtest.wait_for(lambda: os.path.getsize(out) > size), "still running")


if __name__ == "__main__":
    unittest.main()
