"""File syscalls: fileops, binary, bigwrite fixtures and a python3.11 script."""
import os
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events, fmt_event

WEIRD = b'we"ird\nname\xff\xfe.txt'


class LaunchTest(SysdiffTest):
    def test_first_event_is_the_command_execve(self):
        fx = sdtest.need_fixture(self, "fileops")
        r = self.trace([fx], expect_rc=0)
        tr = r.trace
        h = tr.header
        self.assertEqual(h.get("sysdiff_trace"), 2)
        self.assertEqual(h.get("argv"), [fx])
        self.assertEqual(h.get("cwd"), os.path.realpath(self.tmp))
        self.assertIsInstance(h.get("pid"), int)
        self.assertFalse(h.get("attached"))
        first = tr.events[0]
        self.assertEqual(first.get("type"), "syscall", fmt_events(tr.events[:5]))
        self.assertEqual(first.get("name"), "execve", "launcher syscalls must not be reported:\n"
                         + fmt_events(tr.events[:5]))
        self.assertEqual(first.get("pid"), h["pid"])
        self.assertEqual(first.get("ret"), 0)
        check_arg(self, first, 0, type="path", path=fx.encode())
        check_arg(self, first, 1, strv=[fx])
        self.assertEqual(len(tr.syscalls(name="execve")), 1)
        self.assertComplete(tr, 0)
        self.assertEqual(tr.pids(), [h["pid"]])


class FileopsTest(SysdiffTest):
    EXPECTED = ["mkdir", "openat", "openat", "write", "ftruncate", "close", "rename", "symlink",
                "readlink", "chmod", "openat", "openat", "close", "unlink", "unlinkat", "unlink",
                "close", "rmdir", "exit_group"]

    def setUp(self):
        super().setUp()
        self.fx = sdtest.need_fixture(self, "fileops")
        r = self.trace([self.fx], expect_rc=0)
        self.tr = r.trace
        self.calls = self.program_calls(self.tr, self.tr.header["pid"], "mkdir")
        self.T = os.path.realpath(self.tmp).encode()

    def test_sequence(self):
        self.assertEqual([e["name"] for e in self.calls], self.EXPECTED, fmt_events(self.calls))
        self.assertComplete(self.tr, 0)
        ex = self.tr.of_type("exit")
        self.assertEqual([(e["pid"], e["status"]) for e in ex], [(self.tr.header["pid"], 0)])
        last = self.calls[-1]
        self.assertIsNone(last.get("ret"), fmt_event(last))
        self.assertTrue(last.get("unfinished"), fmt_event(last))

    def test_decoded_args(self):
        c = self.calls
        T = self.T
        if [e["name"] for e in c] != self.EXPECTED:
            self.skipTest("sequence differs (see test_sequence)")
        # mkdir("d", 0755) = 0
        check_arg(self, c[0], 0, type="path", path=b"d", absp=T + b"/d")
        check_arg(self, c[0], 1, type="mode", text="0755", raw=0o755)
        self.assertEqual(c[0]["ret"], 0)
        # openat(AT_FDCWD, "d", O_RDONLY|O_DIRECTORY) = 3
        check_arg(self, c[1], 0, type="fd", raw=-100, text="AT_FDCWD")
        check_arg(self, c[1], 1, type="path", path=b"d", absp=T + b"/d")
        check_arg(self, c[1], 2, type="flags", text="O_RDONLY|O_DIRECTORY")
        self.assertEqual(c[1]["ret"], 3)
        # openat(3</T/d>, "f.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4
        check_arg(self, c[2], 0, type="fd", raw=3, ref=(T + b"/d").decode())
        check_arg(self, c[2], 1, type="path", path=b"f.txt", absp=T + b"/d/f.txt")
        check_arg(self, c[2], 2, type="flags", text="O_WRONLY|O_CREAT|O_TRUNC")
        check_arg(self, c[2], 3, type="mode", text="0644")
        self.assertEqual(c[2]["ret"], 4)
        # write(4</T/d/f.txt>, "hello fileops\n", 14) = 14
        check_arg(self, c[3], 0, type="fd", raw=4, ref=(T + b"/d/f.txt").decode())
        data = b"hello fileops\n"
        check_arg(self, c[3], 1, type="buf", data=data, len=14, hash=sdtest.xxh64(data))
        self.assertEqual(c[3]["ret"], 14)
        # ftruncate(4, 5) = 0
        check_arg(self, c[4], 0, type="fd", raw=4)
        self.assertEqual(c[4]["args"][1].get("raw"), 5)
        self.assertEqual(c[4]["ret"], 0)
        self.assertEqual(c[5]["ret"], 0)
        # rename("d/f.txt", "d/g.txt") = 0
        check_arg(self, c[6], 0, type="path", path=b"d/f.txt", absp=T + b"/d/f.txt")
        check_arg(self, c[6], 1, type="path", path=b"d/g.txt", absp=T + b"/d/g.txt")
        # symlink("g.txt", "d/link") = 0
        check_arg(self, c[7], 0, path=b"g.txt")
        check_arg(self, c[7], 1, type="path", path=b"d/link", absp=T + b"/d/link")
        # readlink("d/link", "g.txt", 64) = 5
        check_arg(self, c[8], 0, type="path", path=b"d/link", absp=T + b"/d/link")
        if c[8]["args"][1].get("type") == "buf":
            check_arg(self, c[8], 1, data=b"g.txt", len=5)
        self.assertEqual(c[8]["ret"], 5)
        # chmod("d/g.txt", 0600) = 0
        check_arg(self, c[9], 0, type="path", path=b"d/g.txt", absp=T + b"/d/g.txt")
        check_arg(self, c[9], 1, type="mode", text="0600")
        # openat(AT_FDCWD, "missing.txt", O_RDONLY) = -1 ENOENT
        check_arg(self, c[10], 1, type="path", path=b"missing.txt", absp=T + b"/missing.txt")
        check_arg(self, c[10], 2, text="O_RDONLY")
        self.assertEqual((c[10]["ret"], c[10].get("err")), (-2, "ENOENT"))
        # openat(AT_FDCWD, WEIRD, O_WRONLY|O_CREAT|O_EXCL, 0640) = 4
        check_arg(self, c[11], 1, type="path", path=WEIRD, absp=T + b"/" + WEIRD)
        self.assertIn("raw_hex", c[11]["args"][1], "invalid UTF-8 path must be raw_hex")
        check_arg(self, c[11], 2, text="O_WRONLY|O_CREAT|O_EXCL")
        check_arg(self, c[11], 3, text="0640")
        self.assertEqual(c[11]["ret"], 4)
        check_arg(self, c[13], 0, type="path", path=WEIRD, absp=T + b"/" + WEIRD)
        # unlinkat(3</T/d>, "link", 0) = 0
        check_arg(self, c[14], 0, type="fd", raw=3, ref=(T + b"/d").decode())
        check_arg(self, c[14], 1, type="path", path=b"link", absp=T + b"/d/link")
        check_arg(self, c[17], 0, type="path", path=b"d", absp=T + b"/d")
        for e in c[:-1]:
            if e is not c[10]:
                self.assertEqual(e.get("err"), None, fmt_event(e))

    def test_openat_mode_only_with_o_creat(self):
        # without O_CREAT/O_TMPFILE the mode register is garbage: either no mode
        # argument (as strace shows it) or a raw-only one, never a decoded mode text
        opens = [e for e in self.calls if e["name"] == "openat"]
        self.assertEqual(len(opens), 4, fmt_events(opens))
        for e in opens:
            creat = "O_CREAT" in e["args"][2].get("text", "")
            if creat:
                self.assertEqual(len(e["args"]), 4, fmt_event(e))
                self.assertIn("text", e["args"][3])
            elif len(e["args"]) > 3:
                self.assertNotIn("text", e["args"][3], fmt_event(e))

    def test_weird_path_in_the_raw_json(self):
        # The quote/newline path is not UTF-8: hex, never a lossy JSON string.
        self.assertIn('"raw_hex":"%s"' % WEIRD.hex(), self.tr.text)


class BinaryTest(SysdiffTest):
    def test_binary_buffers(self):
        fx = sdtest.need_fixture(self, "binary")
        r = self.trace([fx], expect_rc=0)
        printed = r.stdout.decode().strip()
        allbytes = bytes(range(256))
        self.assertEqual(printed, "xxh64=" + sdtest.xxh64(allbytes))
        writes = r.trace.syscalls(name="write")
        self.assertEqual(len(writes), 3, fmt_events(writes))
        w = writes[0]
        a = check_arg(self, w, 1, type="buf", len=256, hash=sdtest.xxh64(allbytes), data=allbytes)
        self.assertEqual(a.get("data_hex"), allbytes.hex())
        self.assertNotIn("data", a)
        self.assertEqual(w["ret"], 256)
        check_arg(self, w, 0, ref=os.path.realpath(self.tmp) + "/bin.out")
        # 0..127 is valid UTF-8 (control characters and NUL escaped in JSON)
        w = writes[1]
        a = check_arg(self, w, 1, type="buf", len=128, hash=sdtest.xxh64(allbytes[:128]))
        self.assertEqual(a.get("data"), allbytes[:128].decode())
        self.assertEqual(w["ret"], 128)
        check_arg(self, writes[2], 1, data=r.stdout)


class BigwriteTest(SysdiffTest):
    LEN = 10 << 20

    def expected_prefix(self, n):
        return bytes((i * 7 + i // 4096) & 0xff for i in range(n))

    def run_big(self, opts, kept):
        fx = sdtest.need_fixture(self, "bigwrite")
        r = self.trace([fx], opts=opts, expect_rc=0)
        out = r.stdout.decode().split()
        self.assertEqual(out[0], "len=%d" % self.LEN)
        want_hash = out[1].split("=")[1]
        ws = [w for w in r.trace.syscalls(name="write") if w.get("ret") == self.LEN]
        w = self.one(ws, "10 MiB write")
        check_arg(self, w, 0, ref=os.path.realpath(self.tmp) + "/big.bin")
        check_arg(self, w, 1, type="buf", len=self.LEN, hash=want_hash, data=self.expected_prefix(kept))
        self.assertEqual(w["args"][2].get("raw"), self.LEN)
        self.assertEqual(r.trace.header.get("max_bytes"), kept)
        self.assertEqual(os.path.getsize(os.path.join(self.tmp, "big.bin")), self.LEN)

    def test_10mib_default_keeps_4096(self):
        self.run_big([], 4096)

    def test_10mib_max_bytes_10(self):
        self.run_big(["--max-bytes", "10"], 10)


class PythonFileTest(SysdiffTest):
    def test_python_writes_a_file(self):
        if not os.access(sdtest.PYTHON311, os.X_OK):
            self.skipTest("no " + sdtest.PYTHON311)
        script = os.path.join(sdtest.PY_FIXTURES, "py_filewrite.py")
        r = self.trace([sdtest.PYTHON311, script], opts=["-e", "trace=openat,write,close"], expect_rc=0)
        tr = r.trace
        self.assertEqual(set(tr.names()) - {"openat", "write", "close"}, set())
        T = os.path.realpath(self.tmp).encode()
        opens = [e for e in tr.syscalls(name="openat") if sdtest.path_of(e["args"][1]) == b"pyout.txt"]
        o = self.one(opens, "openat of pyout.txt")
        check_arg(self, o, 0, text="AT_FDCWD")
        check_arg(self, o, 1, absp=T + b"/pyout.txt")
        check_arg(self, o, 2, text="O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC")
        check_arg(self, o, 3, text="0666")
        fd = o["ret"]
        self.assertGreaterEqual(fd, 3)
        ws = [e for e in tr.syscalls(name="write") if e["args"][0]["raw"] == fd and e["seq"] > o["seq"]]
        w = self.one(ws, "write to pyout.txt")
        check_arg(self, w, 0, ref=(T + b"/pyout.txt").decode())
        check_arg(self, w, 1, data=b"hello from python\n", len=18)
        cl = [e for e in tr.syscalls(name="close") if e["args"][0]["raw"] == fd and e["seq"] > w["seq"]]
        self.assertTrue(cl, "close of the file")
        self.assertComplete(tr, 0)


if __name__ == "__main__":
    unittest.main()
