"""The command line: errors and exit statuses, text output, -c, -o, -p, signals."""
import json
import os
import re
import signal
import subprocess
import time
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events, fmt_event, wait_for, proc_status


def one_line(testcase, stderr, must=None):
    text = stderr.decode(errors="replace")
    lines = text.rstrip("\n").split("\n")
    testcase.assertEqual(len(lines), 1, "one line on stderr expected:\n" + text)
    testcase.assertTrue(lines[0].startswith("sysdiff: "), lines[0])
    if must:
        testcase.assertIn(must, lines[0])
    return lines[0]


class ErrorsTest(SysdiffTest):
    def test_command_not_found(self):
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--", "no-such-command-sysdiff-test"])
        self.assertEqual(p.returncode, 127)
        one_line(self, p.stderr, "no-such-command-sysdiff-test")
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--", self.tmp + "/missing"])
        self.assertEqual(p.returncode, 127)
        one_line(self, p.stderr)

    def test_command_not_executable(self):
        path = os.path.join(self.tmp, "notexec.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\ntouch marker\n")
        os.chmod(path, 0o644)
        out = os.path.join(self.tmp, "t.jsonl")
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", out, "--", path])
        self.assertEqual(p.returncode, 126)
        one_line(self, p.stderr, "notexec.sh")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "marker")))
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--", self.tmp])   # a directory
        self.assertEqual(p.returncode, 126)
        one_line(self, p.stderr)

    def test_bad_filter_token(self):
        for spec, token in (("trace=openat,frobnicate", "frobnicate"), ("trace=%nosuchclass", "nosuchclass"),
                            ("trace=/[unclosed", "[unclosed")):
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-e", spec, "--", "/bin/sh", "-c", "touch marker"])
            self.assertEqual(p.returncode, 2, spec)   # a usage error
            one_line(self, p.stderr, token)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "marker")), spec)

    def test_bad_options(self):
        for argv in (["--format", "xml"], ["-s", "abc"], ["--max-bytes", "-1"], ["--bogus"],
                     ["-e", "signal=none"]):
            p = self.run_cmd([sdtest.SYSDIFF, "trace"] + argv + ["--", "/bin/sh", "-c", "touch marker"])
            self.assertEqual(p.returncode, 2, argv)   # usage errors
            one_line(self, p.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "marker")), argv)
        p = self.run_cmd([sdtest.SYSDIFF, "trace"])
        self.assertEqual(p.returncode, 2)
        one_line(self, p.stderr)

    def test_unwritable_output(self):
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", "/nonexistent/dir/x.jsonl", "--",
                          "/bin/sh", "-c", "touch marker"])
        self.assertEqual(p.returncode, 125)
        one_line(self, p.stderr, "/nonexistent/dir/x.jsonl")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "marker")), "the command must not run")

    def test_attach_missing_pid(self):
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "-p", str(pid_max + 1)])
        self.assertEqual(p.returncode, 125)
        one_line(self, p.stderr, str(pid_max + 1))
        # a pid that existed a moment ago
        q = subprocess.Popen(["/bin/true"])
        q.wait()
        if not os.path.exists("/proc/%d" % q.pid):
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-p", str(q.pid)])
            self.assertEqual(p.returncode, 125)
            one_line(self, p.stderr)

    def test_attach_refused_names_other_tracer(self):
        if not os.path.exists("/usr/bin/strace"):
            self.skipTest("strace not installed")
        sl = sdtest.need_fixture(self, "sleeper")
        st = subprocess.Popen(["/usr/bin/strace", "-qq", "-o", "/dev/null", sl, "30"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pid = None
        try:
            def traced_child():
                for pid in os.listdir("/proc"):
                    if pid.isdigit() and (proc_status(int(pid)) or {}).get("TracerPid") == str(st.pid):
                        return int(pid)
                return None
            self.assertTrue(wait_for(lambda: traced_child() is not None), "strace did not start")
            pid = traced_child()
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", "t.jsonl", "-p", str(pid)], timeout=10)
            self.assertEqual(p.returncode, 125)
            one_line(self, p.stderr, "already traced by process %d" % st.pid)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "t.jsonl")),
                             "no trace file may be left when nothing was traced")
        finally:
            st.kill()
            st.wait()
            if pid:
                os.kill(pid, signal.SIGKILL)


class UsageErrorTest(SysdiffTest):
    """Every usage error, of sysdiff and of each subcommand, exits 2 with one line on
    stderr (the usage for sysdiff alone), and runs nothing."""

    def usage_error(self, argv, must=None):
        p = self.run_cmd([sdtest.SYSDIFF] + argv)
        self.assertEqual(p.returncode, 2, "%s: %s" % (argv, p.stderr))
        self.assertEqual(p.stdout, b"", argv)
        one_line(self, p.stderr, must)
        self.assertEqual(os.listdir(self.tmp), [], "%s: something ran" % argv)

    def test_sysdiff(self):
        p = self.run_cmd([sdtest.SYSDIFF])
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith(b"usage: sysdiff <command>"), p.stderr)
        self.assertIn(b"man sysdiff", p.stderr)
        self.usage_error(["frobnicate"], "unknown command 'frobnicate'")
        self.usage_error(["--bogus"], "unknown command '--bogus'")
        p = self.run_cmd([sdtest.SYSDIFF, "--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"exit status:", p.stdout)

    def test_trace(self):
        run = ["--", "/bin/sh", "-c", "touch marker"]
        self.usage_error(["trace", "--bogus"] + run, "unknown option '--bogus'")
        self.usage_error(["trace", "-Q"] + run, "unknown option -Q")
        self.usage_error(["trace", "-o"], "option -o needs an argument")
        self.usage_error(["trace", "--format"], "option '--format' needs an argument")
        self.usage_error(["trace", "--trace"], "option '--trace' needs an argument")
        self.usage_error(["trace", "-s", "-1"] + run, "-s")
        self.usage_error(["trace", "-p", "0"], "-p")
        self.usage_error(["trace", "--format", "xml"] + run, "xml")
        self.usage_error(["trace", "-e", "trace=opn"] + run, "opn")
        self.usage_error(["trace", "--debug-dir", "rel"] + run, "--debug-dir")
        self.usage_error(["trace"], "no command to trace")
        self.usage_error(["trace", "-p", "1", "/bin/true"], "not both")

    def test_compare(self):
        self.usage_error(["compare", "--bogus", "a", "b"], "--bogus")
        self.usage_error(["compare", "-Q", "a", "b"], "unknown option -Q")
        self.usage_error(["compare", "-o"], "option -o needs an argument")
        self.usage_error(["compare", "a", "b", "c"], "expected two traces")
        self.usage_error(["compare", "--format"], "--format")
        self.usage_error(["compare", "--format", "xml", "a", "b"], "xml")
        self.usage_error(["compare", "--color=rainbow", "a", "b"], "rainbow")
        self.usage_error(["compare", "--max-mismatches", "many", "a", "b"], "--max-mismatches")
        self.usage_error(["compare", "--ignore", "nosuchcall", "a", "b"], "nosuchcall")
        self.usage_error(["compare", "only-one.jsonl"], "expected two traces")

    def test_validate(self):
        prog = ["--original", "/bin/true", "--transpiled", "/bin/true"]
        self.usage_error(["validate", "--bogus"] + prog, "--bogus")
        self.usage_error(["validate", "-Q"] + prog, "unknown option -Q")
        self.usage_error(["validate"] + prog + ["--timeout"], "--timeout")
        self.usage_error(["validate"] + prog + ["-j"], "option -j needs an argument")
        self.usage_error(["validate", "--timeout", "0"] + prog, "--timeout")
        self.usage_error(["validate", "--level", "fast"] + prog, "fast")
        self.usage_error(["validate", "--net", "wifi"] + prog, "wifi")
        self.usage_error(["validate", "--transpiled", "/bin/true"], "missing --original")
        self.usage_error(["validate", "--original", self.tmp + "/missing", "--transpiled", "/bin/true"],
                         "--original")


class ExitStatusTest(SysdiffTest):
    def test_status_propagation(self):
        for cmd, rc in ((["/bin/sh", "-c", "exit 3"], 3), (["/bin/sh", "-c", "exit 0"], 0),
                        (["/bin/sh", "-c", "kill -TERM $$"], 143), (["/bin/false"], 1)):
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", self.tmp + "/t.jsonl", "--"] + cmd)
            self.assertEqual(p.returncode, rc, cmd)
            with open(self.tmp + "/t.jsonl") as f:
                tr = sdtest.Trace(f.read())
            self.assertEqual(tr.trailer.get("exit_status"), rc)
            self.assertTrue(tr.trailer.get("complete"))

    def test_fixture_statuses(self):
        for name, rc in (("forkexec", 3), ("segv", 139), ("abort", 134)):
            fx = sdtest.need_fixture(self, name)
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", self.tmp + "/t.txt", "--", fx])
            self.assertEqual(p.returncode, rc, name)


class TextOutputTest(SysdiffTest):
    def test_strace_like_lines(self):
        p = self.trace_text(["/bin/cat", "/etc/hostname"])
        self.assertEqual(p.returncode, 0)
        err = p.stderr.decode(errors="replace")
        self.assertEqual(p.stdout, open("/etc/hostname", "rb").read())
        lines = err.splitlines()
        self.assertTrue(lines[0].startswith('execve("/bin/cat", ["/bin/cat", "/etc/hostname"]'), lines[0])
        self.assertRegex(lines[0], r"\) += 0$")
        self.assertRegex(err, r"(?m)^close\(3\) += 0$")
        self.assertRegex(err, r'(?m)^write\(1, "%s\\n", %d\) += %d$'
                         % (re.escape(p.stdout.decode().strip()), len(p.stdout), len(p.stdout)))
        self.assertRegex(err, r"(?m)^exit_group\(0\) += \?$")
        self.assertEqual(lines[-1], "+++ exited with 0 +++")

    def test_openat_lines_like_strace(self):
        # strace shows openat's mode only with O_CREAT or O_TMPFILE
        p = self.trace_text(["/bin/cat", "/etc/hostname"])
        err = p.stderr.decode(errors="replace")
        self.assertRegex(err, r'(?m)^openat\(AT_FDCWD, "/etc/ld\.so\.cache", O_RDONLY\|O_CLOEXEC\) += 3$')
        self.assertRegex(err, r'(?m)^openat\(AT_FDCWD, "/etc/hostname", O_RDONLY\) += 3$')
        p = self.trace_text(["/bin/sh", "-c", "echo x > created.txt"])
        err = p.stderr.decode(errors="replace")
        self.assertRegex(err, r'(?m)^openat\(AT_FDCWD, "created\.txt", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) += 3$')

    def test_fds_durations_timestamps(self):
        host = open("/etc/hostname", "rb").read()
        p = self.trace_text(["/bin/cat", "/etc/hostname"], opts=["-y", "-T", "-tt"])
        self.assertEqual(p.returncode, 0)
        err = p.stderr.decode(errors="replace")
        ts = r"\d\d:\d\d:\d\d\.\d{6} "
        self.assertRegex(err, r'(?m)^%sread\(3</etc/hostname>, "%s\\n", \d+\) += %d <\d+\.\d{6}>$'
                         % (ts, re.escape(host.decode().strip()), len(host)))
        self.assertRegex(err, r"(?m)^%sclose\(3</etc/hostname>\) += 0 <\d+\.\d{6}>$" % ts)
        self.assertRegex(err, r"(?m)^%s\+\+\+ exited with 0 \+\+\+$" % ts)
        for line in err.splitlines():
            self.assertRegex(line, "^" + ts)

    def test_errors_and_exit(self):
        p = self.trace_text(["/bin/sh", "-c", "exec 2>/dev/null; cat /nonexistent-sysdiff; exit 3"])
        self.assertEqual(p.returncode, 3)
        err = p.stderr.decode(errors="replace")
        self.assertRegex(err, r"(?m)^(\[pid +\d+\] )?\+\+\+ exited with 3 \+\+\+$")
        self.assertRegex(err, r'(?m)^\[pid +\d+\] openat\(AT_FDCWD, "/nonexistent-sysdiff", O_RDONLY(, 0)?\) += -1 ENOENT '
                              r'\(No such file or directory\)$')
        self.assertRegex(err, r"(?m)^\[pid +\d+\] \+\+\+ exited with 1 \+\+\+$")

    def test_pid_prefixes(self):
        fx = sdtest.need_fixture(self, "forkexec")
        p = self.trace_text([fx])
        self.assertEqual(p.returncode, 3)
        err = p.stderr.decode(errors="replace")
        self.assertRegex(err, r'(?m)^\[pid +\d+\] execve\("/bin/true", \["/bin/true"\]')
        self.assertRegex(err, r"(?m)^\[pid +\d+\] \+\+\+ exited with 7 \+\+\+$")
        self.assertRegex(err, r"(?m)^(\[pid +\d+\] )?\+\+\+ exited with 3 \+\+\+$")
        self.assertRegex(err, r'(?m)^\[pid +\d+\] write\(1, "forkexec child\\n", 15\) += 15$')

    def test_stop_lines(self):
        fx = sdtest.need_fixture(self, "stopcont")
        p = self.trace_text([fx])
        self.assertEqual(p.returncode, 0)
        err = p.stderr.decode(errors="replace")
        self.assertEqual(len(re.findall(r"(?m)^\[pid +\d+\] --- stopped by SIGSTOP ---$", err)), 2, err[-3000:])
        self.assertRegex(err, r"(?m)^\[pid +\d+\] --- SIGCONT \{si_signo=SIGCONT, si_code=SI_USER, ")

    def test_killed_line(self):
        fx = sdtest.need_fixture(self, "segv")
        p = self.trace_text([fx])
        self.assertEqual(p.returncode, 139)
        err = p.stderr.decode(errors="replace")
        self.assertRegex(err, r"(?m)^--- SIGSEGV \{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=(NULL|0)\b")
        self.assertRegex(err, r"(?m)^\+\+\+ killed by SIGSEGV( \(core dumped\))? \+\+\+$")

    def test_output_file_defaults(self):
        fx = sdtest.need_fixture(self, "getppid_loop")
        for name, is_json in (("t.jsonl", True), ("t.txt", False), ("t", False)):
            out = os.path.join(self.tmp, name)
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", out, "--", fx, "3"])
            self.assertEqual(p.returncode, 0)
            self.assertEqual(p.stderr, b"", "the trace goes to the file, not stderr")
            first = open(out).readline()
            if is_json:
                self.assertIn("sysdiff_trace", json.loads(first))
            else:
                self.assertTrue(first.startswith("execve("), first)
        out = os.path.join(self.tmp, "forced.txt")
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--format", "jsonl", "-o", out, "--", fx, "3"])
        self.assertIn("sysdiff_trace", json.loads(open(out).readline()))
        out = os.path.join(self.tmp, "forced.jsonl")
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--format", "text", "-o", out, "--", fx, "3"])
        self.assertTrue(open(out).readline().startswith("execve("))

    def test_string_limit(self):
        p = self.trace_text(["/bin/sh", "-c", "echo 0123456789abcdefghij"], )
        err = p.stderr.decode()
        self.assertRegex(err, r'(?m)^write\(1, "0123456789abcdefghij\\n", 21\) += 21$')
        p = self.trace_text(["/bin/sh", "-c", "echo 0123456789abcdefghij"], opts=["-s", "5"])
        err = p.stderr.decode()
        self.assertRegex(err, r'(?m)^write\(1, "01234"\.\.\., 21\) += 21$')

    def test_summary(self):
        fx = sdtest.need_fixture(self, "getppid_loop")
        p = self.trace_text([fx, "50"], opts=["-c"])
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout, b"done 50\n")
        err = p.stderr.decode()
        self.assertRegex(err, r"(?m)^% time +seconds +usecs/call +calls +errors +syscall")
        rows = {}
        for line in err.splitlines():
            tok = line.split()
            if len(tok) >= 5 and re.match(r"^\d+\.\d+$", tok[0]):
                rows[tok[-1]] = tok
        self.assertIn("getppid", rows, err)
        self.assertEqual(int(rows["getppid"][3]), 50, err)
        self.assertEqual(int(rows["write"][3]), 1, err)
        self.assertIn("total", rows, err)
        self.assertNotIn("execve(", err, "-c prints the table instead of the trace")


class SignalsToSysdiffTest(SysdiffTest):
    def start_sleeper(self, secs=30):
        fx = sdtest.need_fixture(self, "sleeper")
        ticks = os.path.join(self.tmp, "ticks")
        q = subprocess.Popen([fx, str(secs), ticks], stdout=subprocess.DEVNULL)
        self.addCleanup(self.reap, q)
        self.assertTrue(wait_for(lambda: os.path.exists(ticks) and os.path.getsize(ticks) > 0))
        return q, ticks

    def reap(self, q):
        if q.poll() is None:
            q.kill()
        q.wait()

    def test_attach_and_interrupt(self):
        q, ticks = self.start_sleeper()
        out = os.path.join(self.tmp, "t.jsonl")
        sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "-o", out, "-p", str(q.pid)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.reap, sd)
        # traced: TracerPid is sysdiff
        self.assertTrue(wait_for(lambda: (proc_status(q.pid) or {}).get("TracerPid") == str(sd.pid)),
                        "sleeper never got traced: %r" % proc_status(q.pid))
        size = os.path.getsize(ticks)
        self.assertTrue(wait_for(lambda: os.path.getsize(ticks) >= size + 5 * 5), "sleeper stalled under -p")
        sd.send_signal(signal.SIGINT)
        try:
            _, err = sd.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("sysdiff did not exit after SIGINT")
        self.assertEqual(sd.returncode, 130, err)
        # the sleeper is alive, running, not traced and not stopped
        self.assertIsNone(q.poll(), "the sleeper died")
        st = proc_status(q.pid)
        self.assertEqual(st.get("TracerPid"), "0", st)
        self.assertTrue(wait_for(lambda: proc_status(q.pid)["State"][0] in "SR", timeout=2), proc_status(q.pid))
        size = os.path.getsize(ticks)
        self.assertTrue(wait_for(lambda: os.path.getsize(ticks) > size + 10), "sleeper stopped after detach")
        self.assertEqual(q.poll(), None)
        tr = sdtest.Trace(open(out).read())
        self.assertTrue(tr.header.get("attached"))
        self.assertIsNone(tr.header.get("argv"))
        self.assertEqual(tr.header.get("pid"), q.pid)
        names = set(tr.names())
        self.assertTrue(names & {"nanosleep", "clock_nanosleep"}, fmt_events(tr.events))
        ws = tr.syscalls(name="write")
        self.assertTrue(ws, fmt_events(tr.events))
        check_arg(self, ws[0], 1, data=b"tick\n")
        check_arg(self, ws[0], 0, ref=os.path.realpath(ticks))
        det = tr.of_type("detached")
        self.assertEqual([(d["pid"], d["tid"]) for d in det], [(q.pid, q.pid)])
        self.assertIs(tr.events[-1], det[0])
        self.assertEqual(tr.of_type("exit") + tr.of_type("killed"), [])
        self.assertFalse(tr.trailer["complete"])
        self.assertIn("SIGINT", tr.trailer.get("reason", ""))

    def test_sigterm_kills_launched_command(self):
        fx = sdtest.need_fixture(self, "sleeper")
        ticks = os.path.join(self.tmp, "ticks")
        out = os.path.join(self.tmp, "t.jsonl")
        sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "-o", out, "--", fx, "30", ticks],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.reap, sd)
        self.assertTrue(wait_for(lambda: os.path.exists(ticks) and os.path.getsize(ticks) >= 15))
        sd.send_signal(signal.SIGTERM)
        try:
            _, err = sd.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("sysdiff did not exit after SIGTERM")
        self.assertEqual(sd.returncode, 143, err)
        tr = sdtest.Trace(open(out).read())
        pid = tr.header["pid"]
        self.assertFalse(os.path.exists("/proc/%d" % pid) and
                         (proc_status(pid) or {}).get("State", "Z")[0] != "Z", "the command survived")
        size = os.path.getsize(ticks)
        time.sleep(0.2)
        self.assertEqual(os.path.getsize(ticks), size, "the command still runs")
        k = self.one(tr.of_type("killed"), "killed event")
        self.assertEqual((k["pid"], k["sig"]), (pid, "SIGKILL"))
        self.assertFalse(tr.trailer["complete"])
        self.assertEqual(tr.trailer.get("exit_status"), 143)
        self.assertIn("SIGTERM", tr.trailer.get("reason", ""))


if __name__ == "__main__":
    unittest.main()
