"""Trace files that are safe and small to keep: the environment's values hashed (unless
--record-env), gzip and zstd output that a killed tracer leaves readable, the header's
start_ns exact in jq, -f/-ff, a full disk reported as such, and the fast reader against
jansson on real traces."""
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest
import zlib

import sdtest
from sdtest import SysdiffTest, Trace, fmt_events

SECRET = "hunter2-do-not-keep"


def envp_of(ev):
    return ev["args"][2]["strv"]


def decompress(path):
    """The bytes a (maybe cut) .gz or .zst file decodes to, up to where it ends."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        return zlib.decompressobj(16 + 15).decompress(raw)
    p = subprocess.run(["zstd", "-dc"], input=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.stdout


class EnvTest(SysdiffTest):
    def run_env(self, env, opts=(), out=None):
        cmd = ["/bin/sh", "-c", "exec /usr/bin/true"]   # (env(1) would write the values)
        return self.trace(cmd, opts=list(opts) + ["-v"], env=env, out=out, expect_rc=0)

    def test_values_hashed_names_kept(self):
        env = {"PATH": "/usr/bin:/bin", "SECRET_TOKEN": SECRET, "EMPTY": ""}
        r = self.run_env(env)
        self.assertNotIn(SECRET, r.trace_text)
        execs = r.trace.syscalls(name="execve")
        self.assertEqual(len(execs), 2, fmt_events(execs))   # sh, then true
        for ev in execs:
            envp = envp_of(ev)
            self.assertIn("SECRET_TOKEN=<xxh64:%s>" % sdtest.xxh64(SECRET.encode()), envp)
            self.assertIn("EMPTY=<xxh64:%s>" % sdtest.xxh64(b""), envp)
            self.assertIn("PATH=<xxh64:%s>" % sdtest.xxh64(b"/usr/bin:/bin"), envp)
        # the text output shows the same
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "-v", "-e", "trace=execve", "--",
                          "/usr/bin/env", "true"], env=env)
        self.assertNotIn(SECRET.encode(), p.stderr)
        self.assertIn(b"SECRET_TOKEN=<xxh64:", p.stderr)

    def test_record_env_keeps_values(self):
        r = self.run_env({"SECRET_TOKEN": SECRET}, opts=["--record-env"])
        for ev in r.trace.syscalls(name="execve"):
            self.assertIn("SECRET_TOKEN=" + SECRET, envp_of(ev))

    def test_equal_values_equal_hashes(self):
        a = self.run_env({"A": "1", "B": "same"}, out=os.path.join(self.tmp, "a.jsonl"))
        b = self.run_env({"A": "2", "B": "same"}, out=os.path.join(self.tmp, "b.jsonl"))
        ea, eb = envp_of(a.trace.syscalls(name="execve")[0]), envp_of(b.trace.syscalls(name="execve")[0])
        self.assertEqual([e for e in ea if e.startswith("B=")], [e for e in eb if e.startswith("B=")])
        self.assertNotEqual([e for e in ea if e.startswith("A=")], [e for e in eb if e.startswith("A=")])
        # the traces differ in that entry only; compare ignores envp (docs/compare.md), and
        # reads both: the difference is in what it reads, not a divergence
        p = self.run_cmd([sdtest.SYSDIFF, "compare", os.path.join(self.tmp, "a.jsonl"),
                          os.path.join(self.tmp, "b.jsonl")])
        self.assertEqual(p.returncode, 0, p.stderr)


class CompressedTest(SysdiffTest):
    def test_gz_and_zst(self):
        fx = sdtest.need_fixture(self, "fileops")
        plain = self.trace([fx], out=os.path.join(self.tmp, "t.jsonl"), expect_rc=0).trace
        names = [e.get("name") for e in plain.events]
        for ext, magic in ((".jsonl.gz", b"\x1f\x8b"), (".zst", b"\x28\xb5\x2f\xfd")):
            out = os.path.join(self.tmp, "t" + ext)
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", out, "--", fx])
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, "rb") as f:
                self.assertEqual(f.read(4)[:len(magic)], magic, ext)
            tr = Trace(decompress(out).decode())
            self.assertEqual([e.get("name") for e in tr.events], names, ext)
            self.assertComplete(tr, 0)
            p = self.run_cmd([sdtest.SYSDIFF, "compare", os.path.join(self.tmp, "t.jsonl"), out])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.run_cmd([sdtest.SYSDIFF, "compare", os.path.join(self.tmp, "t.jsonl.gz"),
                          os.path.join(self.tmp, "t.zst")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_text_is_not_compressed(self):
        for opts in (["--format", "text"], ["-c"]):
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", os.path.join(self.tmp, "t.gz")] + opts
                             + ["--", "true"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(b"compressed output (.gz, .zst) is written in --format jsonl only", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "t.gz")))

    def test_small_on_disk(self):
        fx = sdtest.need_fixture(self, "getppid_loop")
        sizes = {}
        for ext in (".jsonl", ".jsonl.gz", ".jsonl.zst"):
            out = os.path.join(self.tmp, "t" + ext)
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", out, "--", fx, "20000"])
            self.assertEqual(p.returncode, 0, p.stderr)
            sizes[ext] = os.path.getsize(out)
        events = Trace(decompress(os.path.join(self.tmp, "t.jsonl.zst")).decode()).trailer["events"]
        self.assertGreater(events, 20000)
        self.assertLess(sizes[".jsonl.zst"] / events, 40, sizes)
        self.assertLess(sizes[".jsonl.gz"], sizes[".jsonl"] / 5, sizes)

    def test_killed_tracer_leaves_a_readable_prefix(self):
        fx = sdtest.need_fixture(self, "getppid_loop")
        for ext in (".jsonl.gz", ".jsonl.zst"):
            out = os.path.join(self.tmp, "k" + ext)
            sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "-o", out, "--", fx, "100000000"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # a few flushes of 64 KiB of lines, then SIGKILL: no trailer, no final flush
            self.assertTrue(sdtest.wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 20000,
                                            timeout=30), ext)
            sd.kill()
            sd.wait()
            # what decodes is whole lines (flushed after a line), maybe then part of one
            # (a write cut short by the kill; zstd streams raw blocks as they come)
            data = decompress(out)
            whole, rest = data[:data.rfind(b"\n") + 1], data[data.rfind(b"\n") + 1:]
            lines = whole.count(b"\n")
            try:
                json.loads(rest)
                lines += 1   # cut right before its newline: a whole line all the same
            except ValueError:
                pass
            tr = Trace(whole.decode())
            self.assertIsNone(tr.trailer)
            self.assertGreater(len(tr.events), 1000)
            # sysdiff reads it up to its last line and says it was cut there (zstd(1) may
            # leave out the last lines it decoded when its input ends early: at least those)
            p = self.run_cmd([sdtest.SYSDIFF, "compare", out, out])
            self.assertEqual(p.returncode, 2, p.stderr)
            m = re.search(r"%s:(\d+): truncated trace \(" % re.escape(out), p.stderr.decode())
            self.assertTrue(m, p.stderr)
            if ext.endswith(".gz"):
                self.assertEqual(int(m.group(1)), lines)
            else:
                self.assertGreaterEqual(int(m.group(1)), lines)


class HeaderTest(SysdiffTest):
    def test_start_ns_exact_in_jq(self):
        r = self.trace(["true"], expect_rc=0)
        h = r.trace.header
        self.assertEqual(h["sysdiff_trace"], 2)
        ns = h["start_ns"]
        self.assertIsInstance(ns, str)
        self.assertGreater(int(ns), 2 ** 53)
        self.assertEqual(ns[:-9], "%d" % int(h["start"]))
        if shutil.which("jq"):
            p = self.run_cmd(["jq", "-r", "select(.sysdiff_trace) | .start_ns",
                              os.path.join(self.tmp, "trace.jsonl")])
            self.assertEqual(p.stdout.decode().strip(), ns)

    def test_old_traces_still_read(self):
        seed = os.path.join(sdtest.ROOT, "fuzz", "corpus", "fuzz_reader", "hello.jsonl")
        with open(seed) as f:
            self.assertEqual(json.loads(f.readline())["sysdiff_trace"], 1)
        gz = os.path.join(self.tmp, "hello.jsonl.gz")
        with open(seed, "rb") as f, gzip.open(gz, "wb") as g:
            g.write(f.read())
        p = self.run_cmd([sdtest.SYSDIFF, "compare", seed, gz])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class OptionsTest(SysdiffTest):
    def test_f_and_ff(self):
        fx = sdtest.need_fixture(self, "forkexec")
        for opt in ("-f", "-ff"):
            p = self.run_cmd([sdtest.SYSDIFF, "trace", opt, "-e", "trace=execve", "--", fx])
            self.assertEqual(p.returncode, 3, p.stderr)   # forkexec's own status
        r = self.trace([fx], opts=["-f"], expect_rc=3)
        self.assertGreater(len(r.trace.pids()), 1)
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "-ff", "-o", os.path.join(self.tmp, "x"), "--", fx])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"-ff -o FILE (one file per process) is not supported", p.stderr)

    def test_full_disk(self):
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--format", "jsonl", "-o", "/dev/full", "--", "true"])
        self.assertEqual(p.returncode, 125)
        self.assertIn(b"error writing trace to '/dev/full': No space left on device", p.stderr)
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("a tmpfs of its own needs root and unshare")
        mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(mnt)
        fx = sdtest.need_fixture(self, "getppid_loop")
        for out in ("t.jsonl", "t.jsonl.zst"):
            script = 'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" trace -o "$1/$3" -- "$4" 50000'
            p = self.run_cmd(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                              mnt, sdtest.SYSDIFF, out, fx])
            self.assertEqual(p.returncode, 125, p.stderr)
            self.assertIn(b"No space left on device", p.stderr)
            self.assertNotIn(b"No child processes", p.stderr)


class FastReaderTest(SysdiffTest):
    def test_fast_reader_same_as_jansson(self):
        """tests/unit/test_jsonl_fast.c reads every trace made here twice, with the fast
        parser and with jansson alone, and compares every event field by field."""
        unit = os.path.join(sdtest.BUILD, "tests", "test_jsonl_fast")
        if not os.access(unit, os.X_OK):
            self.skipTest("%s is not built (make unit)" % unit)
        corpus = os.path.join(self.tmp, "corpus")
        os.mkdir(corpus)
        runs = [("fileops", []), ("threads", []), ("forkexec", ["--source"]), ("sigrestart", []),
                ("binary", ["--stack"]), ("pipes", ["-e", "trace=%desc"])]
        for name, opts in runs:
            if os.access(sdtest.fixture(name), os.X_OK):
                self.trace([sdtest.fixture(name)], opts=opts, out=os.path.join(corpus, name + ".jsonl"))
        cmds = [(["--record-env"], "sh.jsonl.zst", ["/bin/sh", "-c", "ls / >/dev/null; cat /etc/hostname"])]
        if os.access(sdtest.PYTHON311, os.X_OK):
            cmds.append((["--source"], "py.jsonl.gz", [sdtest.PYTHON311, "-c", "import json"]))
        for opts, out, cmd in cmds:
            p = self.run_cmd([sdtest.SYSDIFF, "trace", "-o", os.path.join(corpus, out)] + opts + ["--"] + cmd)
            self.assertEqual(p.returncode, 0, p.stderr)
        env = dict(os.environ, SD_DIFF_CORPUS=corpus)
        p = subprocess.run([unit], cwd=sdtest.ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=sdtest.TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace")[-3000:])


if __name__ == "__main__":
    unittest.main()
