"""Regressions found by review: each test names the bug it guards against."""
import os
import signal
import subprocess
import time
import unittest

import sdtest
from sdtest import SysdiffTest, fmt_events


class RegressionTest(SysdiffTest):
    def test_retry_after_eintr_is_not_a_restart(self):
        # A program's own retry after EINTR was linked as a kernel restart (restart_of),
        # and only in seccomp mode (rt_sigreturn was not seen there).
        fx = sdtest.need_fixture(self, "eintr_retry")
        for opts in (["-e", "trace=read,write"], ["-e", "trace=read,write", "--no-seccomp"], []):
            tr = self.trace([fx], opts=opts, expect_rc=0).trace
            reads = [e for e in tr.syscalls(name="read") if e["args"][2]["raw"] == 1]
            self.assertEqual(len(reads), 2, fmt_events(reads))
            self.assertTrue(reads[0].get("interrupted"), fmt_events(reads))
            self.assertNotIn("restart_of", reads[1], "opts %r: %s" % (opts, fmt_events(reads)))

    def test_fd_ref_follows_rename(self):
        # fd refs were cached by name and went stale when the file was renamed.
        py = "/usr/bin/python3.11"
        if not os.path.exists(py):
            self.skipTest(py + " not installed")
        code = ("import os; fd = os.open('a', os.O_WRONLY | os.O_CREAT, 0o644); "
                "os.rename('a', 'b'); os.write(fd, b'x'); os.unlink('b'); os.write(fd, b'y')")
        for opts in ([], ["-e", "trace=write"]):   # cached names, and none
            tr = self.trace([py, "-c", code], opts=opts, expect_rc=0).trace
            w = [e for e in tr.syscalls(name="write") if e["args"][1].get("data") in ("x", "y")]
            self.assertEqual([e["args"][0].get("ref") for e in w],
                             [os.path.join(self.tmp, "b"), os.path.join(self.tmp, "b") + " (deleted)"],
                             "opts %r: %s" % (opts, fmt_events(w)))

    def test_detach_when_main_thread_has_exited(self):
        # -p on a process whose main thread called pthread_exit: attaching failed, and
        # detaching hung on the zombie leader.
        fx = sdtest.need_fixture(self, "storm")
        out = os.path.join(self.tmp, "spin.txt")
        prog = subprocess.Popen([fx, "spin", "3", out, "exit"])
        self.addCleanup(prog.wait)
        self.addCleanup(prog.kill)
        self.assertTrue(sdtest.wait_for(
            lambda: (sdtest.proc_status(prog.pid) or {}).get("State", "")[:1] == "Z"))
        tr = self.attach_then_signal(prog.pid, signal.SIGTERM, 143)
        self.assertEqual(len({e["tid"] for e in tr.syscalls(name="write")}), 3)
        for tid in os.listdir("/proc/%d/task" % prog.pid):
            self.assertEqual(sdtest.proc_status(int(tid)).get("TracerPid"), "0")

    def test_ignored_sighup_stays_ignored(self):
        # sysdiff replaced an inherited SIG_IGN (nohup) with its own handler.
        def ignore_hup():
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "-o", os.path.join(self.tmp, "t.jsonl"),
                               "--", "/bin/sleep", "0.6"], preexec_fn=ignore_hup,
                              stderr=subprocess.PIPE)
        time.sleep(0.2)
        sd.send_signal(signal.SIGHUP)
        _, err = sd.communicate(timeout=15)
        self.assertEqual(sd.returncode, 0, err)


if __name__ == "__main__":
    unittest.main()
