"""sysdiff compare: real traces of a fixture program and its mutants, the exact report
text, the exit codes, strace logs (plain and gzip) against sysdiff traces, and bad input."""
import gzip
import json
import os
import shutil
import subprocess
import unittest
import xml.etree.ElementTree as ET

import sdtest
from sdtest import SysdiffTest, SYSDIFF

STRACE = shutil.which("strace")


class CompareBase(SysdiffTest):
    def setUp(self):
        super().setUp()
        self.fx = sdtest.need_fixture(self, "cmp_prog")
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)

    def variant(self, name, child=False):
        """Trace cmp_prog with SD_VARIANT=name in the same directory every time."""
        for f in os.listdir(self.work):
            os.unlink(os.path.join(self.work, f))
        env = dict(os.environ, SD_VARIANT=name)
        if child:
            env["SD_CHILD"] = "1"
        out = os.path.join(self.tmp, "%s%s.jsonl" % (name, "-child" if child else ""))
        r = self.trace([self.fx], cwd=self.work, env=env, out=out)
        self.assertIsNotNone(r.trace, r.describe())
        return out

    def compare(self, *args, expect_rc=None, columns=None):
        """The report, -v's side-by-side view `columns` wide (80 when None: COLUMNS unset)."""
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        if columns:
            env["COLUMNS"] = str(columns)
        p = self.run_cmd([SYSDIFF, "compare", "--color=never"] + list(args), env=env)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, "stdout:\n%s\nstderr:\n%s" % (out, err))
        return p.returncode, out, err


class MutantTest(CompareBase):
    def test_identical_program_is_equivalent(self):
        a = self.variant("base")
        b = self.variant("base")
        rc, out, err = self.compare(a, b, expect_rc=0)
        self.assertEqual(out, "21 and 21 events compared (19 and 19 filtered), "
                              "0 mismatches: equivalent\n")
        self.assertEqual(err, "")

    def test_missing_comma(self):
        rc, out, _ = self.compare(self.variant("base"), self.variant("comma"), expect_rc=1)
        self.assertEqual(out,
                         'Mismatch at syscall #12:\n'
                         'Original:   write(1, "Hello, World!\\n", 14) = 14\n'
                         'Transpiled: write(1, "Hello World!\\n", 13) = 13\n'
                         "                           ^ missing ','\n"
                         "\n"
                         "21 and 21 events compared (19 and 19 filtered), 1 mismatch: "
                         "not equivalent\n")

    def test_extra_file(self):
        rc, out, _ = self.compare(self.variant("base"), self.variant("extrafile"), expect_rc=1)
        self.assertEqual(out,
                         'Mismatch at transpiled syscall #19-#20:\n'
                         'Both:       close(3) = 0\n'
                         'Original:   (none)\n'
                         'Transpiled: openat(AT_FDCWD, "extra.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3\n'
                         'Transpiled: close(3) = 0\n'
                         'Both:       rename("out.txt", "final.txt") = 0\n'
                         '            ^ 2 calls only in the transpiled program\n'
                         '\n'
                         '21 and 23 events compared (19 and 19 filtered), 1 mismatch: '
                         'not equivalent\n')

    def test_wrong_mode(self):
        rc, out, _ = self.compare(self.variant("base"), self.variant("mode"), expect_rc=1)
        self.assertEqual(out,
                         'Mismatch at syscall #13:\n'
                         'Original:   openat(AT_FDCWD, "out.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3\n'
                         'Transpiled: openat(AT_FDCWD, "out.txt", O_WRONLY|O_CREAT|O_TRUNC, 0600) = 3\n'
                         '                                                                  ^ 0644 vs 0600\n'
                         '\n'
                         '21 and 21 events compared (19 and 19 filtered), 1 mismatch: '
                         'not equivalent\n')

    def test_wrong_exit_code(self):
        rc, out, _ = self.compare(self.variant("base"), self.variant("exit"), expect_rc=1)
        self.assertEqual(out,
                         'Mismatch at syscall #20:\n'
                         'Original:   exit_group(0) = ?\n'
                         'Transpiled: exit_group(3) = ?\n'
                         '                       ^ 0 vs 3\n'
                         '\n'
                         'Mismatch at syscall #21:\n'
                         'Original:   +++ exited with 0 +++\n'
                         'Transpiled: +++ exited with 3 +++\n'
                         '                            ^ exit status 0 vs 3\n'
                         '\n'
                         '21 and 21 events compared (19 and 19 filtered), 2 mismatches: '
                         'not equivalent\n')

    def test_swapped_order(self):
        rc, out, _ = self.compare(self.variant("base"), self.variant("swap"), expect_rc=1)
        self.assertEqual(out,
                         'Mismatch at syscall #12:\n'
                         'Both:       umask(022) = 022\n'
                         'Original:   write(1, "Hello, World!\\n", 14) = 14\n'
                         'Transpiled: (none)\n'
                         'Both:       openat(AT_FDCWD, "out.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3\n'
                         '            ^ only in the original (moved: transpiled #19)\n'
                         '\n'
                         'Mismatch at transpiled syscall #19:\n'
                         'Both:       rename("out.txt", "final.txt") = 0\n'
                         'Original:   (none)\n'
                         'Transpiled: write(1, "Hello, World!\\n", 14) = 14\n'
                         'Both:       exit_group(0) = ?\n'
                         '            ^ only in the transpiled program (moved: original #12)\n'
                         '\n'
                         '21 and 21 events compared (19 and 19 filtered), 2 mismatches: '
                         'not equivalent\n')

    def test_child_processes_are_paired_by_tree_position(self):
        # Both fork one child; pids differ between runs but the trees match.
        a = self.variant("base", child=True)
        b = self.variant("child")
        rc, out, _ = self.compare(a, b, expect_rc=0)
        self.assertIn("0 mismatches: equivalent", out)
        # The child's exit status differs: reported in p1.1, the child.
        c = self.variant("childexit")
        rc, out, _ = self.compare(b, c, expect_rc=1)
        self.assertIn("Mismatch at syscall #", out)
        self.assertIn(" in p1.1:\n", out)
        self.assertIn("^ 0 vs 1\n", out)

    def test_missing_child_process(self):
        rc, out, _ = self.compare(self.variant("base"), self.variant("child"), expect_rc=1)
        self.assertIn("Mismatch in process p1.1: only in the transpiled program:\n"
                      "Original:   (none)\n"
                      'Transpiled: write(1, "child\\n", 6) = 6 (first of 3 events)\n', out)

    def test_max_mismatches_and_more(self):
        a, b = self.variant("base"), self.variant("exit")
        rc, out, _ = self.compare("--max-mismatches", "1", a, b, expect_rc=1)
        self.assertEqual(out.count("Mismatch at"), 1)
        self.assertIn("\n... and 1 more\n", out)

    def test_verbose_shows_filters_and_alignment(self):
        a, b = self.variant("base"), self.variant("comma")
        rc, out, _ = self.compare("-v", a, b, expect_rc=1, columns=124)
        self.assertIn("Filtered from the original (19): mmap ", out)
        self.assertIn("aligned (original | transpiled):", out)
        self.assertRegex(out, r'  >! #12 +write\(1, "Hello, World!\\n", 14\) = 14 +\| #12 +'
                              r'write\(1, "Hello World!\\n", 13\) = 13')

    def aligned_rows(self, out):
        """The rows of -v's side-by-side view."""
        rows = out.split("aligned (original | transpiled):\n", 1)[1].split("\n\n", 1)[0]
        return rows.split("\n")

    def test_verbose_width_keeps_the_difference(self):
        # COLUMNS=100: the view fits in 100 columns, each side in half of it, and the
        # differing part of a cut event stays in view ("..." where it was cut): the mode,
        # at the end of openat's line, and the flags of a shell's > and >> redirections.
        a, b = self.variant("base"), self.variant("mode")
        rc, out, _ = self.compare("-v", a, b, expect_rc=1, columns=100)
        rows = self.aligned_rows(out)
        for r in rows:
            self.assertLessEqual(len(r), 100, r)
        focus = [r for r in rows if r.startswith("  >! ")]
        self.assertEqual(len(focus), 1, rows)
        left, right = focus[0].split(" | ")
        self.assertEqual(len(left), 5 + 46, focus[0])
        self.assertRegex(left, r"^  >! #13 +\.\.\..*O_TRUNC, 0644\) = 3$")
        self.assertRegex(right, r"^#13 +\.\.\..*O_TRUNC, 0600\) = 3$")
        rc, wide, _ = self.compare("-v", a, b, expect_rc=1, columns=200)
        self.assertRegex(wide, r'  >! #13 +openat\(AT_FDCWD, "out.txt", O_WRONLY\|O_CREAT\|O_TRUNC, '
                               r'0644\) = 3 +\| #13 ')
        long_name = "an-output-file-with-a-rather-long-name.txt"
        t = {}
        for name, redir in (("trunc", ">"), ("append", ">>")):
            t[name] = os.path.join(self.tmp, name + ".jsonl")
            self.trace(["/bin/sh", "-c", "echo x %s %s" % (redir, long_name)], cwd=self.work,
                       out=t[name])
        rc, out, _ = self.compare("-v", t["trunc"], t["append"], expect_rc=1, columns=100)
        self.assertIn("^ missing O_TRUNC, extra O_APPEND", out)
        focus = [r for r in self.aligned_rows(out) if r.startswith("  >! ")]
        self.assertEqual(len(focus), 1, out)
        left, right = focus[0].split(" | ")
        self.assertRegex(left, r"\.\.\..*\|O_TRUNC, 0666\) = 3$")
        self.assertRegex(right, r"\.\.\..*\|O_APPEND, 0666\) = 3$")

    def test_keep_and_ignore(self):
        a, b = self.variant("base"), self.variant("mode")
        rc, out, _ = self.compare("--ignore", "openat", a, b, expect_rc=0)
        self.assertIn("17 and 17 events compared (23 and 23 filtered)", out)
        rc, out, _ = self.compare("--keep", "mmap,brk", a, a, expect_rc=0)
        self.assertNotIn("(19 and 19 filtered)", out)
        rc, out, err = self.compare("--ignore", "nosuchcall", a, b, expect_rc=2)
        self.assertIn("--ignore", err)

    def test_json_report(self):
        a, b = self.variant("base"), self.variant("comma")
        rc, out, _ = self.compare("--format", "json", a, b, expect_rc=1)
        j = json.loads(out)
        self.assertEqual(j["verdict"], "not equivalent")
        self.assertEqual(j["mismatches"], 1)
        d = j["divergences"][0]
        self.assertEqual(d["kind"], "changed")
        self.assertEqual(d["number"], 12)
        self.assertEqual(d["process"], "p1")
        self.assertEqual(d["difference"], {"field": "arg1", "byte": 5, "description": "missing ','"})
        self.assertEqual(d["original"]["event"]["name"], "write")
        self.assertEqual(d["transpiled"]["text"], 'write(1, "Hello World!\\n", 13) = 13')
        self.assertEqual(j["original"]["compared"], 21)
        self.assertEqual(j["original"]["filtered_by_name"]["execve"], 1)

    def test_calls_a_trailer_counts_unrecorded(self):
        # validate's traces leave calls of CPython's start-up unrecorded and count them in
        # the trailer: compare counts them as events, each dropped by its rule (the noise
        # set by name; for a program that is not CPython, a rule of their own)
        a = self.variant("base")
        with open(a) as f:
            lines = f.read().splitlines()
        b = os.path.join(self.tmp, "unrecorded.jsonl")
        with open(b, "w") as f:
            f.write("\n".join(lines[:-1] + [lines[-1][:-1] +
                    ',"unrecorded":{"newfstatat":7,"rt_sigaction":3}}']) + "\n")
        rc, out, _ = self.compare("--format", "json", a, b, expect_rc=0)
        j = json.loads(out)
        x, y = j["original"], j["transpiled"]
        self.assertEqual(y["events"], x["events"] + 10)
        self.assertEqual(y["filtered"], x["filtered"] + 10)
        self.assertEqual(y["compared"], x["compared"])
        self.assertEqual(y["filtered_by_name"]["rt_sigaction"],
                         x["filtered_by_name"].get("rt_sigaction", 0) + 3)
        self.assertEqual(y["filtered_by_name"]["runtime: interpreter start-up (unrecorded)"], 7)
        with open(b, "w") as f:
            f.write("\n".join(lines[:-1] + [lines[-1][:-1] + ',"unrecorded":{"read":-1}}']) + "\n")
        rc, out, err = self.compare(a, b, expect_rc=2)
        self.assertIn("unrecorded.jsonl:%d: field 'unrecorded': the count of 'read' must be a "
                      "non-negative integer" % len(lines), err)

    def test_junit_report_and_output_file(self):
        a, b = self.variant("base"), self.variant("comma")
        out = os.path.join(self.tmp, "report.xml")
        rc, stdout, _ = self.compare("--format", "junit", "-o", out, a, b, expect_rc=1)
        self.assertEqual(stdout, "")
        root = ET.parse(out).getroot()
        self.assertEqual(root.get("failures"), "1")
        f = root.find("./testsuite/testcase/failure")
        self.assertIsNotNone(f)
        self.assertIn("first mismatch at syscall #12", f.get("message"))
        self.assertIn("^ missing ','", f.text)
        self.assertEqual([n for n in os.listdir(self.tmp) if ".tmp." in n], [])
        rc, _, _ = self.compare("--format", "junit", "-o", out, a, a, expect_rc=0)
        root = ET.parse(out).getroot()
        self.assertEqual(root.get("failures"), "0")

    def test_output_to_a_device_is_not_replaced(self):
        a = self.variant("base")
        rc, out, err = self.compare("-o", "/dev/null", a, a, expect_rc=0)
        self.assertTrue(os.path.exists("/dev/null"))
        import stat
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null was replaced")

    def test_map_path(self):
        a = self.variant("base")
        other = os.path.join(self.tmp, "elsewhere")
        os.mkdir(other)
        env = dict(os.environ, SD_VARIANT="base")
        b = os.path.join(self.tmp, "elsewhere.jsonl")
        self.trace([self.fx], cwd=other, env=env, out=b)
        rc, out, _ = self.compare(a, b, expect_rc=1)
        self.assertIn("differs from byte", out.split("\n")[3] + out)
        rc, out, _ = self.compare("--map-path", "%s=/W" % os.path.realpath(self.work),
                                  "--map-path", "%s=/W" % os.path.realpath(other), a, b,
                                  expect_rc=0)

    def test_gzip_and_stdin(self):
        a, b = self.variant("base"), self.variant("comma")
        gz = b + ".gz"
        with open(b, "rb") as f, gzip.open(gz, "wb") as g:
            g.write(f.read())
        rc, out1, _ = self.compare(a, b, expect_rc=1)
        rc, out2, _ = self.compare(a, gz, expect_rc=1)
        self.assertEqual(out1.replace(b, "X"), out2.replace(gz, "X"))
        with open(gz, "rb") as f:
            p = subprocess.run([SYSDIFF, "compare", "--color=never", a, "-"], stdin=f,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout.decode(), out1)


class SameProgramTest(CompareBase):
    """Two runs of one real program must compare equivalent: whatever differs between
    runs (pids, addresses, inode numbers, dirent padding, thread interleaving, SIGCHLD
    timing) is normalized away."""

    def test_real_programs_twice(self):
        cmds = [["ls", "-la", "/usr/lib"], ["sh", "-c", "echo hi | cat; ls / | wc -l"],
                [sdtest.fixture("threads")], [sdtest.fixture("forkexec")]]
        if os.path.exists("/usr/bin/python3.11"):
            cmds.append(["/usr/bin/python3.11", "-c", "import os; print(sorted(os.listdir('.')))"])
        for cmd in cmds:
            if cmd[0].startswith("/") and not os.path.exists(cmd[0]):
                continue
            with self.subTest(cmd=cmd[0]):
                a = os.path.join(self.tmp, "a.jsonl")
                b = os.path.join(self.tmp, "b.jsonl")
                for out in (a, b):
                    r = self.trace(cmd, cwd=self.work, out=out)
                    self.assertIsNotNone(r.trace, r.describe())
                rc, out, err = self.compare(a, b)
                self.assertEqual(rc, 0, "%s\n%s%s" % (" ".join(cmd), out, err))


class ListingTest(CompareBase):
    """A directory listing that differs is reported by its entries (names and types, what
    is compared), never by the inode and offset bytes around them."""

    def listing(self, name, entries):
        d = os.path.join(self.tmp, "dir")
        shutil.rmtree(d, True)
        os.mkdir(d)
        for e in entries:
            if e.endswith("/"):
                os.mkdir(os.path.join(d, e[:-1]))
            else:
                open(os.path.join(d, e), "w").close()
        out = os.path.join(self.tmp, name + ".jsonl")
        r = self.trace(["/bin/ls", "-f", d], cwd=self.tmp, out=out)
        self.assertIsNotNone(r.trace, r.describe())
        return out

    def caret(self, out):
        lines = out.splitlines()
        i = next(k for k, l in enumerate(lines) if l.startswith("Original:   getdents64("))
        self.assertIn('d_name="a"}', lines[i])       # entries, not bytes
        self.assertNotIn("\\0", lines[i])
        return lines[i + 2].strip()

    def test_extra_missing_and_retyped_entries(self):
        one = self.listing("one", ["a", "b"])
        rc, out, err = self.compare(one, self.listing("extra", ["a", "b", "c"]), expect_rc=1)
        self.assertEqual(self.caret(out), '^ extra entry "c" (DT_REG); 4 vs 5 entries')
        rc, out, err = self.compare(self.listing("swap", ["a", "d"]), self.listing("swap2", ["a", "e"]),
                                    expect_rc=1)
        self.assertEqual(self.caret(out), '^ missing entry "d" (DT_REG), extra entry "e" (DT_REG)')
        rc, out, err = self.compare(self.listing("file", ["a", "b"]), self.listing("dir", ["a", "b/"]),
                                    expect_rc=1)
        self.assertEqual(self.caret(out), '^ missing entry "b" (DT_REG), extra entry "b" (DT_DIR)')


class StraceInputTest(CompareBase):
    def strace_log(self, name, opts=("-f", "-y", "-s", "65536"), gz=False):
        if not STRACE:
            self.skipTest("strace not installed")
        for f in os.listdir(self.work):
            os.unlink(os.path.join(self.work, f))
        log = os.path.join(self.tmp, "%s.strace" % name)
        env = dict(os.environ, SD_VARIANT=name)
        p = self.run_cmd([STRACE] + list(opts) + ["-o", log, self.fx], cwd=self.work, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        if gz:
            with open(log, "rb") as f, gzip.open(log + ".gz", "wb") as g:
                g.write(f.read())
            return log + ".gz"
        return log

    def test_sysdiff_trace_vs_strace_log_is_equivalent(self):
        a = self.variant("base")
        for opts in (("-f", "-y", "-s", "65536"), ("-f", "-tt", "-T", "-y", "-s", "4096"),
                     ("-f", "-s", "32")):
            with self.subTest(opts=opts):
                log = self.strace_log("base", opts)
                rc, out, err = self.compare(a, log)
                self.assertEqual(rc, 0, "strace %s\n%s%s" % (" ".join(opts), out, err))
                rc, out, err = self.compare(log, a)
                self.assertEqual(rc, 0, out + err)

    def test_strace_log_finds_the_comma(self):
        a = self.variant("base")
        log = self.strace_log("comma", gz=True)
        rc, out, _ = self.compare(a, log, expect_rc=1)
        self.assertIn("^ missing ','\n", out)
        self.assertIn("1 mismatch: not equivalent", out)

    def test_strace_short_strings_still_see_the_difference(self):
        a = self.variant("base")
        log = self.strace_log("comma", opts=("-f", "-s", "8"))
        rc, out, _ = self.compare("-v", a, log, expect_rc=1)
        self.assertIn("first 8 bytes", out)


class BadInputTest(CompareBase):
    def test_usage_errors_exit_2(self):
        a = self.variant("base")
        for args in ([a], [a, a, a], ["--format", "xml", a, a], ["--color=sometimes", a, a],
                     ["--max-mismatches", "x", a, a], ["--map-path", "rel=/x", a, a],
                     ["--bogus", a, a]):
            with self.subTest(args=args):
                rc, out, err = self.compare(*args, expect_rc=2)
                self.assertEqual(out, "")
                self.assertEqual(len(err.strip().split("\n")), 1, err)
                self.assertTrue(err.startswith("sysdiff: "), err)

    def test_bad_files_exit_2_with_file_and_line(self):
        a = self.variant("base")
        with open(a) as f:
            lines = f.read().split("\n")
        cases = {
            "missing": (None, "missing: No such file or directory"),
            "adir": ("DIR", "adir: Is a directory"),
            "empty": ("", "empty: empty file"),
            "garbage": ("hello\nworld\n", "garbage:1: not a sysdiff trace or strace log"),
            "future": (lines[0].replace('"sysdiff_trace":2', '"sysdiff_trace":99') + "\n",
                       "future:1: unsupported version 99"),
            "corrupt": ("\n".join(lines[:5] + ['{"seq":5,"pid":1'] + lines[6:]),
                        "corrupt:6: invalid JSON"),
            "truncated": ("\n".join(lines[:10]) + "\n", "truncated:10: truncated trace"),
            "badgz": (b"\x1f\x8b\x08\x00garbage-not-deflate", "badgz:"),
        }
        for name, (content, msg) in cases.items():
            with self.subTest(name=name):
                path = os.path.join(self.tmp, name)
                if content == "DIR":
                    os.mkdir(path)
                elif content is not None:
                    with open(path, "wb") as f:
                        f.write(content if isinstance(content, bytes) else content.encode())
                rc, out, err = self.compare(a, path, expect_rc=2)
                self.assertIn(msg, err)
                self.assertEqual(len(err.strip().split("\n")), 1, err)
                self.assertEqual(out, "")

    def test_bad_strace_line_names_the_line(self):
        a = self.variant("base")
        log = os.path.join(self.tmp, "bad.strace")
        with open(log, "w") as f:
            f.write('123 openat(AT_FDCWD, "x", O_RDONLY) = 3\n123 this is not strace\n')
        rc, out, err = self.compare(a, log, expect_rc=2)
        self.assertIn("bad.strace:2:", err)


if __name__ == "__main__":
    unittest.main()
