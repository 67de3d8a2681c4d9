"""Deterministic runs: the same clock, entropy and identity for both sides, and what
still varies measured by calibration (docs/validate.md, "Determinism").

tests/fixtures/determinism/world.py prints the time, a uuid, tokens, its pid and host,
a shuffled order, set iteration, makes temporary files and a timestamped log; validated
against itself (hash randomization on) it must be equivalent.  world_short.py is the part
that world.c translates (the time, the date, a token, os.urandom, pid, host, a shuffle,
a total, a log line): equivalent, the shuffle forgiven by calibration; and world.c with
each of four realistic bugs (a 15-byte token, the date day first, a wrong total after
the shuffle, one element short) is caught, the first mismatch located on both sides."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile

import sdtest
from sdtest import ROOT, SYSDIFF, SysdiffTest

FIX = os.path.join(ROOT, "tests", "fixtures", "determinism")
PYTHON = "/usr/bin/python3"


class DeterminismTest(SysdiffTest):
    @classmethod
    def setUpClass(cls):
        cls.bin = tempfile.mkdtemp(prefix="sddet-")
        cc = shutil.which("cc")
        cls.built = {}
        for bug in (0, 1, 2, 3, 4):
            out = os.path.join(cls.bin, "world%s" % (bug or ""))
            if cc and subprocess.run([cc, "-O1", "-g", "-DBUG=%d" % bug, "-o", out,
                                      os.path.join(FIX, "world.c")]).returncode == 0:
                cls.built[bug] = out

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.bin, True)

    def setUp(self):
        super().setUp()
        if not os.access(PYTHON, os.X_OK):
            self.skipTest(PYTHON + " not installed")
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)

    def validate(self, *args, fmt="text"):
        argv = [SYSDIFF, "validate", "--workdir", self.work, "--format", fmt, "--color=never"] + list(args)
        p = self.run_cmd(argv, timeout=180)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def world(self, bug=0):
        if bug not in self.built:
            self.skipTest("cc could not build world.c")
        return self.built[bug]

    def test_self_validation_of_everything_that_varies(self):
        prog = os.path.join(FIX, "world.py")
        rc, out, err = self.validate("--env", "PYTHONHASHSEED=random", "--original", prog,
                                     "--transpiled", prog, fmt="json")
        self.assertEqual(rc, 0, out + err)
        rep = json.loads(out)
        self.assertEqual(rep["verdict"], "equivalent")
        self.assertIsNone(rep["calibration"]["unstable"])

    def test_translation_equivalent(self):
        rc, out, err = self.validate("--original", os.path.join(FIX, "world_short.py"),
                                     "--transpiled", self.world(), fmt="json")
        self.assertEqual(rc, 0, out + err)
        rep = json.loads(out)
        # the two shuffles differ; calibration forgives them, and only them
        self.assertGreaterEqual(rep["calibration"]["masked_tokens"], 10)

    def test_pinned_alone_makes_time_and_token_equal(self):
        # no calibration: the same clock and entropy give the same time, date, tokens,
        # pid and host; only the shuffle (another algorithm) differs
        rc, out, err = self.validate("--calibrate", "0", "--original",
                                     os.path.join(FIX, "world_short.py"), "--transpiled",
                                     self.world())
        self.assertEqual(rc, 1, out + err)
        diff = out[out.index("Stdout differs"):]
        removed = [l for l in diff.split("\n") if l.startswith("-") and not l.startswith("---")]
        self.assertEqual(len(removed), 1, diff)
        self.assertTrue(removed[0].startswith("-shuffled "), diff)

    def test_bugs_are_caught_and_located(self):
        lines = {1: ("-token ", "+token "), 2: ("-now 20", "+now 06-"), 3: ("-total 45", "+total 46"),
                 4: ("-shuffled", "+shuffled")}
        for bug, (minus, plus) in lines.items():
            rc, out, err = self.validate("--original", os.path.join(FIX, "world_short.py"),
                                         "--transpiled", self.world(bug))
            self.assertEqual(rc, 1, "bug %d\n%s%s" % (bug, out, err))
            # located in the traces: the write of stdout on both sides, at its lines
            self.assertIn("Mismatch at syscall", out, "bug %d\n%s" % (bug, out))
            self.assertIn('Original:   write(1, "time ', out)
            self.assertIn("[world_short.py:<exit>]", out)
            diff = out[out.index("Stdout differs"):]
            self.assertIn("\n" + minus, diff, "bug %d\n%s" % (bug, diff))
            self.assertIn("\n" + plus, diff, "bug %d\n%s" % (bug, diff))

    def test_the_clock_can_be_set(self):
        # Python's time at its first read is the --clock instant, to the second
        exe = self.build_c("const", '#include <stdio.h>\n'
                           'int main(void) { printf("1577934245\\n"); return 0; }\n')
        py = os.path.join(self.tmp, "t.py")
        with open(py, "w") as f:
            f.write("import time\nprint(int(time.time()))\n")
        rc, out, err = self.validate("--calibrate", "0", "--clock", "2020-01-02T03:04:05Z",
                                     "--original", py, "--transpiled", exe)
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.validate("--calibrate", "0", "--clock", "2020-01-02T04:04:05+01:00",
                                     "--original", py, "--transpiled", exe)
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.validate("--clock", "yesterday", "--original", py, "--transpiled", exe)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("invalid --clock 'yesterday'", err)

    def test_the_first_user_read_is_the_clock_instant(self):
        # the script's first read is the user's (its first line runs after CPython read
        # the script, whose start-up reads are the runtime's), to the nanosecond; run
        # from a zip archive with a shebang (runpy reads it from Python code) the same
        exe = self.build_c("const", '#include <stdio.h>\n'
                           'int main(void) { printf("1577934245000000000\\n"); return 0; }\n')
        body = "import time\nprint(time.time_ns())\n"
        py = os.path.join(self.tmp, "t.py")
        with open(py, "w") as f:
            f.write(body)
        app = os.path.join(self.tmp, "app.pyz")
        with open(app, "wb") as f:
            f.write(b"#!/usr/bin/python3\n")
            with zipfile.ZipFile(f, "w") as z:
                z.writestr("__main__.py", body)
        for prog in (py, app):
            rc, out, err = self.validate("--calibrate", "0", "--clock", "@1577934245",
                                         "--original-cmd", PYTHON + " " + prog, "--transpiled", exe)
            self.assertEqual(rc, 0, prog + "\n" + out + err)

    def test_clock_reads_of_imports_are_the_runtimes(self):
        # the import machinery's own clock reads (its locks) do not move the user's
        # clock; a module of the user's reading it at import is the user's read
        exe = self.build_c("const", '#include <stdio.h>\nint main(void) { '
                           'printf("1577934245000000000\\n1577934245000001000\\n"); return 0; }\n')
        d = os.path.join(self.tmp, "app")
        os.mkdir(d)
        with open(os.path.join(d, "stamp.py"), "w") as f:
            f.write("import time\nprint(time.time_ns())\n")
        with open(os.path.join(d, "main.py"), "w") as f:
            f.write("import json, csv, stamp, time\nprint(time.time_ns())\n")
        rc, out, err = self.validate("--calibrate", "0", "--clock", "@1577934245", "--original-cmd",
                                     PYTHON + " " + os.path.join(d, "main.py"), "--transpiled", exe)
        self.assertEqual(rc, 0, out + err)

    def test_clock_reads_answered_as_the_kernel_would(self):
        # the pinned clock answers a read at its first stop only when the kernel would
        # succeed; a bad pointer (unmapped or read-only), an unknown clock, a timezone
        # asked for: the call runs, its error or answer as untraced
        src = (
            '#include <errno.h>\n#include <stdio.h>\n#include <string.h>\n#include <sys/syscall.h>\n'
            '#include <sys/time.h>\n#include <time.h>\n#include <unistd.h>\n'
            'static const struct timespec ro;\n'
            'static void say(const char *what, long r) { printf("%s %ld %s\\n", what, r, r ? strerror(errno) : ""); }\n'
            'int main(void)\n{\n'
            '\tstruct timespec ts;\n\tstruct timeval tv;\n\tstruct timezone tz;\n\ttime_t t;\n'
            '\tsay("real", syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));\n'
            '\tprintf("%lld.%09ld\\n", (long long)ts.tv_sec, ts.tv_nsec);\n'
            '\tsay("unmapped", syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)8));\n'
            '\tsay("read-only", syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)&ro));\n'
            '\tsay("no such clock", syscall(SYS_clock_gettime, 1234, &ts));\n'
            '\tsay("gettimeofday", syscall(SYS_gettimeofday, &tv, NULL));\n'
            '\tprintf("%lld.%06ld\\n", (long long)tv.tv_sec, (long)tv.tv_usec);\n'
            '\tlong s = syscall(SYS_time, &t);\n'
            '\tprintf("time %ld %lld\\n", s, (long long)t);\n'
            '\tsay("time unmapped", syscall(SYS_time, (void *)8));\n'
            '\tsay("gettimeofday tz", syscall(SYS_gettimeofday, &tv, &tz));\n'
            '\tprintf("%lld.%06ld\\n", (long long)tv.tv_sec, (long)tv.tv_usec);\n'
            '\tsay("monotonic", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));\n'
            '\tprintf("%lld.%09ld\\n", (long long)ts.tv_sec, ts.tv_nsec);\n'
            '\treturn 0;\n}\n')
        exe = self.build_c("clocks", src, "-g")
        # the user's reads move the clock by 1 us each; failed calls do not
        want = ("real 0 \n1577934245.000000000\nunmapped -1 Bad address\n"
                "read-only -1 Bad address\nno such clock -1 Invalid argument\n"
                "gettimeofday 0 \n1577934245.000001\ntime 1577934245 1577934245\n"
                "time unmapped -1 Bad address\ngettimeofday tz 0 \n1577934245.000003\n"
                "monotonic 0 \n1000.000004000\n")
        const = self.build_c("want", '#include <stdio.h>\nint main(void) { fputs("%s", stdout); return 0; }\n'
                             % want.replace("\n", "\\n"))
        keep = os.path.join(self.tmp, "keep")
        rc, out, err = self.validate("--calibrate", "0", "--clock", "@1577934245",
                                     "--keep-traces", keep, "--original", exe, "--transpiled", const)
        self.assertEqual(rc, 0, out + err)
        # the trace shows what the program read
        with open(os.path.join(keep, "original.jsonl")) as f:
            tr = sdtest.Trace(f.read())
        got = [e["args"][-1 if e["name"] != "gettimeofday" else 0].get("text")
               for e in tr.syscalls() if e["name"] in ("clock_gettime", "gettimeofday")
               and e.get("ret") == 0 and e.get("src", {}).get("func") == "main"]
        self.assertEqual(got, ["{tv_sec=1577934245, tv_nsec=0}", "{tv_sec=1577934245, tv_usec=1}",
                               "{tv_sec=1577934245, tv_usec=3}", "{tv_sec=1000, tv_nsec=4000}"])

    def test_file_times_read_as_the_virtual_clock(self):
        # stat and statx of a file made during the run: its times are the virtual now,
        # to the nanosecond the same in both runs; a file older than the run keeps its own
        exe = self.build_c("times", '#define _GNU_SOURCE\n#include <fcntl.h>\n#include <stdio.h>\n'
                           '#include <sys/stat.h>\n#include <unistd.h>\n'
                           'int main(int argc, char **argv)\n{\n'
                           '\tstruct stat st, old;\n\tstruct statx sx;\n'
                           '\tint fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644);\n'
                           '\tif (fd < 0 || write(fd, "x", 1) != 1 || close(fd) < 0 || stat("f", &st) < 0 ||\n'
                           '\t    statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx) < 0 || stat("/", &old) < 0)\n'
                           '\t\treturn 1;\n'
                           '\tif (argc > 1) {\n'
                           '\t\tprintf("%lld %lld %lld %d\\n", (long long)st.st_mtim.tv_sec,\n'
                           '\t\t       (long long)st.st_ctim.tv_sec, (long long)sx.stx_mtime.tv_sec,\n'
                           '\t\t       old.st_mtim.tv_sec == st.st_mtim.tv_sec);\n'
                           '\t\treturn 0;\n\t}\n'
                           '\tprintf("%lld.%09ld %lld.%09ld %lld.%09ld\\n", (long long)st.st_atim.tv_sec,\n'
                           '\t       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,\n'
                           '\t       (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);\n'
                           '\tprintf("%lld.%09u %lld.%09u\\n", (long long)sx.stx_mtime.tv_sec,\n'
                           '\t       sx.stx_mtime.tv_nsec, (long long)sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec);\n'
                           '\treturn 0;\n}\n')
        rc, out, err = self.validate("--calibrate", "0", "--original", exe, "--transpiled", exe)
        self.assertEqual(rc, 0, out + err)
        cexe = self.build_c("const", '#include <stdio.h>\nint main(void) { printf("1577934245 '
                            '1577934245 1577934245 0\\n"); return 0; }\n')
        rc, out, err = self.validate("--calibrate", "0", "--clock", "@1577934245",
                                     "--original-cmd", exe + " s", "--transpiled", cexe)
        self.assertEqual(rc, 1, out + err)   # their calls differ, their output not
        self.assertIn("stdout same", out)
        self.assertNotIn("Stdout differs", out)

    def test_rust_translation(self):
        rustc = sdtest.find_rustc()
        if not rustc:
            self.skipTest("rustc not installed")
        src = os.path.join(self.tmp, "u.rs")
        with open(src, "w") as f:
            f.write("use std::io::Read;\n"
                    "fn main() {\n"
                    "    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();\n"
                    "    println!(\"time {}\", t.as_secs());\n"
                    "    let mut b = [0u8; 16];\n"
                    "    std::fs::File::open(\"/dev/urandom\").unwrap().read_exact(&mut b).unwrap();\n"
                    "    let h: String = b.iter().map(|x| format!(\"{:02x}\", x)).collect();\n"
                    "    println!(\"token {}\", h);\n"
                    "}\n")
        exe = os.path.join(self.tmp, "u")
        subprocess.run([rustc, "-g", "-o", exe, src], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        py = os.path.join(self.tmp, "u.py")
        with open(py, "w") as f:
            f.write("import os, time\nprint('time', int(time.time()))\nprint('token', os.urandom(16).hex())\n")
        rc, out, err = self.validate("--calibrate", "0", "--original", py, "--transpiled", exe)
        self.assertEqual(rc, 0, out + err)

    def test_a_nondeterministic_original_is_said_to_be(self):
        # how many lines it prints depends on its entropy: no shape can forgive that
        py = os.path.join(self.tmp, "n.py")
        with open(py, "w") as f:
            f.write("import os\nfor i in range(os.urandom(1)[0] % 7 + 3):\n    print('line', i)\n")
        rc, out, err = self.validate("--original", py, "--transpiled", py)
        if "not deterministic" not in out:
            # the two seeds may draw the same count (1 in 7): try other seeds
            for seed in ("2", "3", "4"):
                rc, out, err = self.validate("--seed", seed, "--original", py, "--transpiled", py)
                if "not deterministic" in out:
                    break
        self.assertEqual(rc, 1, out + err)
        self.assertIn("The original is not deterministic here: stdout differs between two runs", out)


if __name__ == "__main__":
    unittest.main()
