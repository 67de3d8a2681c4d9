"""Signals: interrupted and restarted syscalls, job-control stops, fatal signals."""
import json
import os
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events, fmt_event

SLEEPS = {"nanosleep", "clock_nanosleep"}


class SigRestartTest(SysdiffTest):
    def setUp(self):
        super().setUp()
        fx = sdtest.need_fixture(self, "sigrestart")
        r = self.trace([fx], expect_rc=0)
        self.tr = r.trace
        self.pid = self.tr.header["pid"]
        self.assertComplete(self.tr, 0)
        self.evs = [e for e in self.tr.events if e["pid"] == self.pid]
        first = [e for e in self.evs if e.get("name") in ("pipe", "pipe2")]
        self.assertTrue(first, fmt_events(self.evs))
        self.evs = self.evs[self.evs.index(first[0]):]

    def after(self, ev):
        return [e for e in self.evs if e["seq"] > ev["seq"]]

    def test_restart_with_sa_restart(self):
        reads = [e for e in self.evs if e.get("name") == "read"]
        self.assertEqual(len(reads), 3, fmt_events(self.evs))
        r1, r2 = reads[0], reads[1]
        self.assertEqual((r1["ret"], r1.get("err"), r1.get("interrupted")), (-512, "ERESTARTSYS", True),
                         fmt_event(r1))
        nxt = self.after(r1)
        self.assertEqual(nxt[0]["type"], "signal", fmt_events(nxt[:5]))
        self.assertEqual((nxt[0]["sig"], nxt[0]["signo"]), ("SIGALRM", 14))
        self.assertIn("siginfo", nxt[0])
        # the handler's write, its rt_sigreturn, then the restarted read
        self.assertEqual([e.get("name") for e in nxt[1:4]], ["write", "rt_sigreturn", "read"],
                         fmt_events(nxt[:6]))
        check_arg(self, nxt[1], 1, data=b"!")
        self.assertIs(nxt[3], r2)
        self.assertEqual(r2.get("restart_of"), r1["seq"], fmt_event(r2))
        self.assertEqual(r2["ret"], 1)
        self.assertNotIn("interrupted", r2)
        check_arg(self, r2, 1, data=b"!", len=1)
        check_arg(self, r2, 0, raw=r1["args"][0]["raw"])

    def test_eintr_without_sa_restart(self):
        reads = [e for e in self.evs if e.get("name") == "read"]
        self.assertEqual(len(reads), 3, fmt_events(self.evs))
        r3 = reads[2]
        self.assertEqual((r3["ret"], r3.get("err"), r3.get("interrupted")), (-512, "ERESTARTSYS", True),
                         fmt_event(r3))
        self.assertNotIn("restart_of", r3)
        nxt = self.after(r3)
        self.assertEqual(nxt[0]["type"], "signal")
        self.assertEqual(nxt[0]["sig"], "SIGALRM")
        self.assertEqual(nxt[1].get("name"), "rt_sigreturn", fmt_events(nxt[:4]))
        self.assertEqual((nxt[1]["ret"], nxt[1].get("err")), (-4, "EINTR"))
        for e in self.evs:
            self.assertNotEqual(e.get("restart_of"), r3["seq"], "not restarted: " + fmt_event(e))

    def test_restart_syscall_shown_under_original_name(self):
        self.assertEqual([e for e in self.evs if e.get("name") == "restart_syscall"], [])
        sl = [e for e in self.evs if e.get("name") in SLEEPS]
        self.assertEqual(len(sl), 2, fmt_events(self.evs))
        s1, s2 = sl
        self.assertEqual((s1["ret"], s1.get("err"), s1.get("interrupted")),
                         (-516, "ERESTART_RESTARTBLOCK", True), fmt_event(s1))
        nxt = self.after(s1)
        self.assertEqual((nxt[0]["type"], nxt[0].get("sig")), ("signal", "SIGWINCH"), fmt_events(nxt[:3]))
        self.assertIs(nxt[1], s2)
        self.assertEqual(s2["name"], s1["name"])
        self.assertEqual(s2.get("restart_of"), s1["seq"], fmt_event(s2))
        self.assertEqual(s2["ret"], 0)
        self.assertEqual(len(s2["args"]), len(s1["args"]))
        # the continued call keeps the original arguments (the timespec)
        for a1, a2 in zip(s1["args"], s2["args"]):
            if not a1.get("at_exit"):
                self.assertEqual(a1.get("text"), a2.get("text"))
        self.assertEqual(self.evs[-2].get("name"), "exit_group", fmt_events(self.evs[-3:]))


class SigChainTest(SysdiffTest):
    """A call restarted several times in a row is one logical call for compare."""

    def test_chain_of_restarts_is_one_call(self):
        fx = sdtest.need_fixture(self, "sigchain")
        path = os.path.join(self.tmp, "chain.jsonl")
        r = self.trace([fx], out=path, expect_rc=0)
        self.assertComplete(r.trace, 0)
        sl = [e for e in r.trace.events if e.get("name") in SLEEPS]
        # each attempt continues the one before it
        self.assertGreaterEqual(len(sl), 3, fmt_events(sl))
        for prev, cur in zip(sl, sl[1:]):
            self.assertTrue(prev.get("interrupted"), fmt_event(prev))
            self.assertEqual(cur.get("restart_of"), prev["seq"], fmt_event(cur))
        self.assertEqual(sl[-1]["ret"], 0)
        p = self.run_cmd([sdtest.SYSDIFF, "compare", "--format", "json", "--no-noise-filter",
                          "--root-exec", path, path])
        self.assertEqual(p.returncode, 0, p.stderr)
        rep = json.loads(p.stdout)
        # after folding, the chain counts once: every attempt but the last is gone
        self.assertEqual(rep["original"]["events"], len(r.trace.events) - (len(sl) - 1))
        self.assertEqual(rep["original"]["compared"], rep["original"]["events"])


class StopContTest(SysdiffTest):
    def test_stop_and_continue(self):
        fx = sdtest.need_fixture(self, "stopcont")
        r = self.trace([fx], expect_rc=0, timeout=30 * (2 if sdtest.SANITIZED else 1))
        tr = r.trace
        self.assertComplete(tr, 0)
        self.assertEqual(r.stdout, b"continued\nslept\n")
        procs = tr.creation_order("pid")
        self.assertEqual(len(procs), 3)
        parent, c1, c2 = procs
        for child in (c1, c2):
            stops = tr.of_type("stop", pid=child)
            self.assertEqual(len(stops), 1, "one stop event for %d:\n%s" % (child, fmt_events(tr.events)))
            self.assertEqual((stops[0]["sig"], stops[0]["signo"]), ("SIGSTOP", 19))
            ex = [e for e in tr.events if e["type"] == "exit" and e["pid"] == child]
            self.assertEqual([e["status"] for e in ex], [0])
            self.assertLess(stops[0]["seq"], ex[0]["seq"])
            sigs = [e["sig"] for e in tr.of_type("signal", pid=child)]
            self.assertIn("SIGSTOP", sigs)
            self.assertIn("SIGCONT", sigs)
        kills = tr.syscalls(name="kill", pid=parent)
        self.assertEqual([(k["args"][0]["raw"], k["args"][1].get("text")) for k in kills],
                         [(c1, "SIGCONT"), (c2, "SIGSTOP"), (c2, "SIGCONT")], fmt_events(kills))
        # the child that stopped itself: tgkill/kill of SIGSTOP
        self_stop = [e for e in tr.syscalls(pid=c1) if e["name"] in ("tgkill", "kill", "tkill")]
        self.assertEqual(len(self_stop), 1, fmt_events(tr.syscalls(pid=c1)))


class FatalSignalTest(SysdiffTest):
    def check_killed(self, name, sig, signo):
        fx = sdtest.need_fixture(self, name)
        r = self.trace([fx], expect_rc=128 + signo)
        tr = r.trace
        self.assertComplete(tr, 128 + signo)
        pid = tr.header["pid"]
        k = self.one(tr.of_type("killed"), "killed event")
        self.assertEqual((k["pid"], k["tid"], k["sig"], k["signo"]), (pid, pid, sig, signo), fmt_event(k))
        self.assertIsInstance(k.get("core"), bool)  # true or false depends on core_pattern/ulimit
        self.assertEqual(tr.of_type("exit"), [])
        self.assertIs(tr.events[-1], k, "killed is the last event:\n" + fmt_events(tr.events[-4:]))
        sigs = [e for e in tr.of_type("signal") if e["sig"] == sig]
        self.assertEqual(len(sigs), 1, fmt_events(tr.events[-6:]))
        self.assertLess(sigs[0]["seq"], k["seq"])
        return tr, sigs[0]

    def test_segv(self):
        tr, s = self.check_killed("segv", "SIGSEGV", 11)
        self.assertIn("SEGV_MAPERR", s.get("siginfo", ""), fmt_event(s))
        w = tr.syscalls(name="write")[-1]
        check_arg(self, w, 1, data=b"before crash\n")

    def test_abort(self):
        tr, s = self.check_killed("abort", "SIGABRT", 6)
        w = [x for x in tr.syscalls(name="write") if sdtest.buf_data(x["args"][1]) == b"before abort\n"]
        self.assertEqual(len(w), 1)
        # abort() raises SIGABRT itself
        self.assertTrue([e for e in tr.syscalls(name={"tgkill", "kill", "tkill"}) if e["seq"] < s["seq"]])


if __name__ == "__main__":
    unittest.main()
