"""sysdiff validate: a Python original against C translations (correct and buggy),
isolation of the runs, skip and error rules, runaway programs, cases and reports."""
import json
import os
import re
import shutil
import struct
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

import sdtest
from sdtest import SysdiffTest, SYSDIFF, ROOT

FIX = os.path.join(ROOT, "tests", "fixtures", "validate")
PY = "/usr/bin/python3"


class ValidateBase(SysdiffTest):
    def setUp(self):
        super().setUp()
        if not os.path.exists(PY):
            self.skipTest("needs %s" % PY)
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)
        self.orig = os.path.join(FIX, "greet.py")
        self.bins = os.path.join(self.tmp, "bin")
        os.mkdir(self.bins)

    def build(self, src, name, *defs):
        out = os.path.join(self.bins, name)
        p = subprocess.run(["cc", "-O1", "-o", out, os.path.join(FIX, src)] + list(defs),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out

    def greet(self, bug=0):
        return self.build("greet.c", "greet%d" % bug, "-DBUG=%d" % bug)

    def validate(self, *args, stdin=b"Ada\n", expect_rc=None, cwd=None, timeout=None, env=None):
        argv = [SYSDIFF, "validate", "--color=never"] + list(args)
        p = subprocess.run(argv, cwd=cwd or self.work, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout or 120, env=env)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, "stdout:\n%s\nstderr:\n%s" % (out, err))
        return p.returncode, out, err

    def assertUntouched(self, before):
        self.assertEqual(sorted(os.listdir(self.work)), before, "the user's directory changed")


class VerdictTest(ValidateBase):

    def test_a_parallel_job_writing_beside_the_runs_is_not_theirs(self):
        """Something outside writes into the starting directory's parent while the runs
        are under way (a sharded CI job writing its report next to the suite): the
        directory's time then differs between the runs' copies, and neither set it."""
        prog = os.path.join(self.tmp, "late.py")
        with open(prog, "w") as f:
            f.write("import sys, time\n"
                    "if sys.argv[1] == 'late': time.sleep(1.5)\n"
                    "open('out.txt', 'w').write('x')\n"
                    "if sys.argv[1] == 'early': time.sleep(1.5)\n")
        parent = os.path.dirname(self.work)
        os.utime(parent, (time.time() - 3600, time.time() - 3600))   # not "now" for the runs
        p = subprocess.Popen([SYSDIFF, "validate", "--color=never", "--calibrate", "0",
                              "--original-cmd", "/usr/bin/python3 %s early" % prog,
                              "--transpiled-cmd", "/usr/bin/python3 %s late" % prog],
                             cwd=self.work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(0.8)   # the original has copied the parent up, the rewrite not yet
        with open(os.path.join(parent, "report-of-another-job.json"), "w") as f:
            f.write("{}")
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, (out + err).decode(errors="replace"))
    def test_python_vs_correct_c_is_equivalent_at_semantic_level(self):
        rc, out, err = self.validate("--trace-syscalls", "--original", self.orig,
                                     "--transpiled", self.greet(0), expect_rc=0)
        self.assertRegex(out, r"^\d+ and \d+ events compared \(\d+ and \d+ filtered\), 0 mismatches; "
                              r"end state same, stdout same, stderr same, exit status 0 and 0: equivalent\n$")
        self.assertEqual(err, "")
        self.assertUntouched([])

    def test_strict_level_sees_the_runtimes_chunking(self):
        rc, out, _ = self.validate("--strict", "--original", self.orig, "--transpiled",
                                   self.greet(0), expect_rc=1)
        self.assertIn("Mismatch at syscall #", out)
        self.assertIn("end state same, stdout same, stderr same", out)

    def test_missing_comma(self):
        rc, out, _ = self.validate("--original", self.orig, "--transpiled", self.greet(1), expect_rc=1)
        # print() output to a pipe is flushed after the main module ends: the exit phase
        self.assertIn('Mismatch at syscall #5:\n'
                      'Original:   write(1, "Hello, Ada!\\n", 12) = 12 [greet.py:<exit>]\n'
                      'Transpiled: write(1, "Hello Ada!\\n", 11) = 11\n'
                      "                           ^ missing ','\n", out)
        self.assertIn("Stdout differs:\n--- original stdout\n+++ transpiled stdout\n"
                      "@@ -1 +1 @@\n-Hello, Ada!\n+Hello Ada!\n", out)

    def test_wrong_mode(self):
        rc, out, _ = self.validate("--original", self.orig, "--transpiled", self.greet(2), expect_rc=1)
        self.assertIn("^ mode 0644 vs 0600 (original: 0666 less umask 022)\n", out)
        self.assertIn("End state differs:\nreport.txt: mode 0644 vs 0600\n", out)

    def test_truncate_instead_of_append(self):
        with open(os.path.join(self.work, "log.txt"), "w") as f:
            f.write("earlier\n")
        rc, out, _ = self.validate("--original", self.orig, "--transpiled", self.greet(3), expect_rc=1)
        # O_TRUNC of a file that was there is a change of its content, which the end
        # state judges (O_APPEND and a seek to the end do the same to one file); the
        # end state's block shows the calls of each side that changed the file
        self.assertIn("End state differs:\nlog.txt: 12 vs 4 bytes\n", out)
        self.assertRegex(out, r'\n  original:   openat\(AT_FDCWD, "log.txt", [^\n]*O_APPEND[^\n]*\[greet.py:\d+\]\n')
        self.assertRegex(out, r'\n  transpiled: openat\(AT_FDCWD, "log.txt", [^\n]*O_TRUNC[^\n]*\n')
        with open(os.path.join(self.work, "log.txt")) as f:
            self.assertEqual(f.read(), "earlier\n", "the user's file was written")

    def test_end_state_calls_under_their_own_path(self):
        """Each end-state block is followed by the calls that changed its own path: not
        by those of a path its name starts with ("a" before "a:b"), and also for a name
        the report has to escape (a newline in it)."""
        prog = os.path.join(self.tmp, "names.py")
        with open(prog, "w") as f:
            f.write("import sys\n"
                    "side = sys.argv[1]\n"
                    "open('a', 'w').write(side)\n"
                    "open('a:b', 'w').write(side * 2)\n"
                    "if side == 'o':\n"
                    "    open('x\\ny', 'w').write('n')\n")
        rc, out, _ = self.validate("--calibrate", "0",
                                   "--original-cmd", "/usr/bin/python3 %s o" % prog,
                                   "--transpiled-cmd", "/usr/bin/python3 %s t" % prog,
                                   expect_rc=1)
        block = out[out.index("End state differs:\n"):].split("\n\n")[0]
        for name, line, wrote in (("a", 3, '"o", 1) = 1'), ("a:b", 4, '"oo", 2) = 2')):
            self.assertRegex(block, r'\n%s: same size \(\d bytes\), different content\n'
                                    r'  original:   openat\(AT_FDCWD, "%s", [^\n]*\[names.py:%d\]\n'
                                    r'  original:   write\(3, %s \[names.py:%d\]\n'
                                    r'  transpiled: openat\(AT_FDCWD, "%s", [^\n]*\[names.py:%d\]\n'
                                    % (name, name, line, re.escape(wrote), line, name, line))
        self.assertRegex(block, r'\nx\\ny: created by the original only \(file 0644, 1 bytes\)\n'
                                r'  original:   openat\(AT_FDCWD, "x\\ny", [^\n]*\[names.py:6\]\n')

    def test_wrong_exit_status(self):
        rc, out, _ = self.validate("--original", self.orig, "--transpiled", self.greet(4), expect_rc=1)
        self.assertIn("Exit status differs: 0 vs 2\n", out)
        self.assertIn("exit status 0 and 2: not equivalent", out)

    def test_leftover_temp_file(self):
        rc, out, _ = self.validate("--original", self.orig, "--transpiled", self.greet(5), expect_rc=1)
        self.assertIn("report.tmp: created by the transpiled program only (file 0644, 0 bytes)\n", out)

    def test_message_on_the_wrong_stream(self):
        rc, out, _ = self.validate("--original", self.orig, "--transpiled", self.greet(6), expect_rc=1)
        self.assertIn("Stderr differs:\n--- original stderr\n+++ transpiled stderr\n@@ -1 +0,0 @@\n"
                      "-processing\n", out)

    def test_same_stdin_and_env_for_both(self):
        # no stdin: NAME from --env decides the greeting, on both sides
        rc, out, _ = self.validate("--env", "NAME=Grace", "--original", self.orig,
                                   "--transpiled", self.greet(1), stdin=b"", expect_rc=1)
        self.assertIn('write(1, "Hello, Grace!\\n", 14)', out)
        self.assertIn('write(1, "Hello Grace!\\n", 13)', out)

    def test_json_and_junit(self):
        rc, out, _ = self.validate("--format", "json", "--original", self.orig, "--transpiled",
                                   self.greet(2), expect_rc=1)
        j = json.loads(out)
        self.assertEqual(j["verdict"], "not equivalent")
        self.assertEqual(j["level"], "semantic")
        self.assertFalse(j["end_state"]["same"])
        self.assertIn("report.txt: mode 0644 vs 0600", j["end_state"]["differences"])
        self.assertEqual(j["runs"][0]["exit_status"], 0)
        self.assertIn("the whole file system copy-on-write", j["runs"][0]["isolation"])
        self.assertEqual(j["trace"]["divergences"][0]["difference"]["description"],
                         "mode 0644 vs 0600 (original: 0666 less umask 022)")
        out_xml = os.path.join(self.tmp, "r.xml")
        rc, out, _ = self.validate("--format", "junit", "-o", out_xml, "--original", self.orig,
                                   "--transpiled", self.greet(2), expect_rc=1)
        root = ET.parse(out_xml).getroot()
        self.assertEqual(root.get("failures"), "1")
        self.assertIn("mode 0644 vs 0600", root.find(".//failure").text)

    def test_any_starting_directory(self):
        # a ',' in the path (which overlayfs' options could not take): the runs see
        # the directory as it is (files, a subdirectory, a symlink, modes)
        self.work = os.path.join(self.tmp, "my,work")
        os.mkdir(self.work)
        os.mkdir(os.path.join(self.work, "sub"))
        with open(os.path.join(self.work, "sub", "data.bin"), "wb") as f:
            f.write(bytes(range(256)) * 1024)
        os.chmod(os.path.join(self.work, "sub", "data.bin"), 0o640)
        os.symlink("sub/data.bin", os.path.join(self.work, "link"))
        rc, out, _ = self.validate("--format", "json", "--original", self.orig, "--transpiled",
                                   self.greet(2), expect_rc=1)
        j = json.loads(out)
        for run in j["runs"]:
            self.assertIn("copy-on-write", run["isolation"])
        # only the program's own file differs
        self.assertEqual(j["end_state"]["differences"].splitlines()[0], "report.txt: mode 0644 vs 0600")
        self.assertUntouched(["link", "sub"])
        with open(os.path.join(self.work, "sub", "data.bin"), "rb") as f:
            self.assertEqual(f.read(), bytes(range(256)) * 1024)

    def test_github_annotations_on_the_source_lines(self):
        # from the checkout: the files are named relative to it
        new = self.build("greet.c", "greet2g", "-DBUG=2", "-g")   # debug info: source lines
        rc, out, _ = self.validate("--format", "github", "--workdir", self.work, "--original",
                                   self.orig, "--transpiled", new, cwd=ROOT, expect_rc=1)
        lines = out.splitlines()
        self.assertIn("::error file=tests/fixtures/validate/greet.py,line=10,title=sysdiff%3A "
                      "mismatch at original syscall #", out)
        self.assertRegex(out, r"::error file=tests/fixtures/validate/greet.c,line=\d+,title=sysdiff"
                              r"%3A mismatch at transpiled syscall #\d+::Original:   openat\(")
        self.assertIn("%0A^ mode 0644 vs 0600 (original: 0666 less umask 022)\n", out)
        self.assertIn("::error title=sysdiff%3A end state differs::report.txt: mode 0644 vs 0600", out)
        self.assertRegex(lines[-1], r"^\d+ and \d+ events compared .*: not equivalent$")
        for line in lines[:-1]:
            self.assertTrue(line.startswith("::error "), line)

    def test_keep_traces_are_comparable(self):
        keep = os.path.join(self.tmp, "keep", "made")   # made when missing
        self.validate("--keep-traces", keep, "--original", self.orig, "--transpiled",
                      self.greet(1), expect_rc=1)
        self.assertEqual(sorted(os.listdir(keep)), ["original.jsonl", "transpiled.jsonl"])
        p = self.run_cmd([SYSDIFF, "compare", os.path.join(keep, "original.jsonl"),
                          os.path.join(keep, "transpiled.jsonl")])
        self.assertEqual(p.returncode, 1, p.stderr)


    def test_kept_traces_locate_the_start_up(self):
        # validate locates CPython's start-up without its stack, but kept traces are
        # complete: there its calls have their innermost (import machinery) frames
        keep = os.path.join(self.tmp, "keep")
        self.validate("--keep-traces", keep, "--original", self.orig, "--transpiled",
                      self.greet(), expect_rc=0)
        with open(os.path.join(keep, "original.jsonl")) as f:
            tr = sdtest.Trace(f.read())
        srcs = [e["src"] for e in tr.syscalls() if e.get("src", {}).get("phase") == "startup"]
        self.assertGreater(len(srcs), 50)
        self.assertTrue(any(s.get("inner_file", "").startswith("<frozen importlib") for s in srcs))
        self.assertEqual(sum("not read yet" in s.get("why", "") for s in srcs), 0)

    def test_unrecorded_start_up_is_counted_as_recorded(self):
        # validate lets CPython's start-up probes and clock reads run unrecorded and counts
        # them in the trailer; kept traces record every call.  The reports count the same
        # events and drops, rule by rule, at both levels.
        for level in ("semantic", "strict"):
            counts = []
            for keep in ([], ["--keep-traces", os.path.join(self.tmp, "keep-" + level)]):
                rc, out, _ = self.validate("--format", "json", "--level", level, *keep,
                                           "--original", self.orig, "--transpiled",
                                           self.greet(1), expect_rc=1)
                t = json.loads(out)["trace"]
                counts.append([(t[s]["events"], t[s]["filtered"], t[s]["filtered_by_name"])
                               for s in ("original", "transpiled")])
            self.assertEqual(counts[0], counts[1], level)
            by_name = counts[0][0][2]
            self.assertGreater(by_name["runtime: CPython start-up (no user frame yet)"], 50)
            self.assertGreater(by_name["clock_gettime"], 50)

    def site_and_script(self, sitecustomize, script):
        """A directory holding sitecustomize.py (for PYTHONPATH: CPython runs it in its
        start-up) and a script p.py: their paths."""
        site = os.path.join(self.tmp, "site")
        os.mkdir(site)
        with open(os.path.join(site, "sitecustomize.py"), "w") as f:
            f.write(sitecustomize)
        prog = os.path.join(self.tmp, "p.py")
        with open(prog, "w") as f:
            f.write(script)
        return site, prog

    def test_entropy_and_file_times_in_start_up_are_pinned(self):
        # a sitecustomize (start-up: no user frame yet) reading /dev/urandom gets the
        # pinned stream, and the time of a file it made reads as the virtual now: two
        # runs of the same program print the same
        site, prog = self.site_and_script("import os\n"
                                          "with open('/dev/urandom', 'rb') as f:\n"
                                          "    print(f.read(16).hex())\n"
                                          "open('made', 'w').close()\n"
                                          "print(os.stat('made').st_mtime_ns)\n",
                                          "print('hi')\n")
        self.validate("--calibrate", "0", "--env", "PYTHONPATH=" + site, "--original-cmd",
                      PY + " " + prog, "--transpiled-cmd", PY + " " + prog, expect_rc=0)

    def test_start_up_reads_the_clock_through_the_stub(self):
        # validate maps its clock stub into CPython's start-up (src/tracer/clockstub.h;
        # unit test_startup compares what it answers with the tracer's answers): the
        # program sees a vDSO again, --keep-traces (every call recorded) does not, and
        # the reports count the same clock reads either way
        site, prog = self.site_and_script("import ctypes, time\n"
                                          "libc = ctypes.CDLL(None)\n"
                                          "libc.getauxval.restype = ctypes.c_ulong\n"
                                          "print('vdso', libc.getauxval(33) != 0,\n"
                                          "      libc.time(None) > 0, time.monotonic_ns() > 0)\n",
                                          "import time\nprint(time.time() > 0)\n")
        quiet = self.build_c("quiet", "int main(void) { return 0; }\n")
        seen = []
        for keep in ([], ["--keep-traces", os.path.join(self.tmp, "keep")]):
            rc, out, _ = self.validate("-v", "--calibrate", "0", "--env", "PYTHONPATH=" + site,
                                       *keep, "--original-cmd", PY + " " + prog,
                                       "--transpiled", quiet, expect_rc=1)
            printed = [l[1:] for l in out.splitlines() if l.startswith("-") and not l.startswith("---")]
            filtered = [l for l in out.splitlines() if l.startswith("Filtered from the original")]
            seen.append((printed, filtered))
        self.assertEqual(seen[0][0], ["vdso True True True", "True"])
        self.assertEqual(seen[1][0], ["vdso False True True", "True"])
        # (a sitecustomize's own calls are start-up's in one and located in the other)
        clocks = [re.findall(r"\b(clock_gettime|time) (\d+)", f[0]) for _, f in seen]
        self.assertEqual(clocks[0], clocks[1])
        self.assertGreater(int(dict(clocks[0])["clock_gettime"]), 50)

    def test_a_script_read_from_stdin_is_located(self):
        # python3 /dev/stdin: the script's name is a link to an fd, which cannot be told
        # closed by name; its calls are the user's all the same, not start-up's
        exe = self.build_c("other", '#include <stdio.h>\n#include <sys/stat.h>\n'
                           'int main(void) { mkdir("other", 0777); puts("hi"); return 0; }\n', "-g")
        script = b'import os\nos.mkdir("made")\nprint("hi")\n'
        for name in ("/dev/stdin", "/proc/self/fd/0"):
            rc, out, _ = self.validate("--original-cmd", PY + " " + name, "--transpiled", exe,
                                       stdin=script, expect_rc=1)
            self.assertRegex(out, r'^Mismatch at syscall #1:\nOriginal:   mkdir\("made", 0777\) = 0 \[[^]\n]*:2\]\n')

    def test_a_program_with_its_own_seccomp_filter(self):
        # the calls its own filter fails are in its trace, with their error
        exe = self.build_c("sandboxed", sdtest.SANDBOXED)
        keep = os.path.join(self.tmp, "keep")
        self.validate("--keep-traces", keep, "--original", exe, "--transpiled", exe, expect_rc=0)
        with open(os.path.join(keep, "original.jsonl")) as f:
            tr = sdtest.Trace(f.read())
        mk = [e for e in tr.syscalls() if e["name"] == "mkdir"]
        self.assertEqual([(sdtest.path_of(e["args"][0]), e.get("err")) for e in mk],
                         [(b"d", "EPERM"), (b"e", "EPERM")])


class SkipAndErrorTest(ValidateBase):
    def test_missing_original_is_a_usage_error(self):
        # a typo is not a skip: exit 2, one line naming the option
        for extra in ([], ["--fail-on-skip"]):
            rc, out, err = self.validate(*extra, "--original", "/nonexistent/orig.py",
                                         "--transpiled", self.greet(0), expect_rc=2)
            self.assertEqual(out, "")
            self.assertEqual(err, "sysdiff: --original: /nonexistent/orig.py: no such file\n")

    def test_original_with_missing_interpreter_is_skipped(self):
        script = os.path.join(self.tmp, "o.sh")
        with open(script, "w") as f:
            f.write("#!/nonexistent/interpreter\necho hi\n")
        os.chmod(script, 0o755)
        rc, out, err = self.validate("--original", script, "--transpiled", self.greet(0), expect_rc=0)
        self.assertIn("interpreter /nonexistent/interpreter", err)
        self.assertEqual(out, "")
        self.validate("--fail-on-skip", "--original", script, "--transpiled", self.greet(0),
                      expect_rc=1)

    def test_missing_transpiled_is_an_error(self):
        rc, out, err = self.validate("--original", self.orig, "--transpiled", "/nonexistent/new",
                                     expect_rc=2)
        self.assertEqual(err, "sysdiff: --transpiled: /nonexistent/new: no such file\n")

    def test_usage_errors(self):
        for args in ([], ["--original", self.orig], ["--original", self.orig, "--transpiled", "x",
                     "--level", "exact"], ["--original", self.orig, "--transpiled", "x", "--env", "NOEQ"],
                     ["--original", self.orig, "--transpiled", "x", "--timeout", "0"],
                     ["--original", self.orig, "--transpiled", "x", "--workdir", "/nonexistent"]):
            with self.subTest(args=args):
                rc, out, err = self.validate(*args, expect_rc=2)
                self.assertEqual(len(err.strip().split("\n")), 1, err)

    def test_py_file_without_shebang_runs_with_python3(self):
        script = os.path.join(self.tmp, "plain.py")
        with open(FIX + "/greet.py") as f:
            body = f.read().split("\n", 1)[1]
        with open(script, "w") as f:
            f.write(body)
        # python3 is looked up on PATH: make it Debian's, whatever this machine's PATH says
        env = dict(os.environ, PATH="/usr/bin:/bin")
        rc, out, err = self.validate("-v", "--original", script, "--transpiled", self.greet(0),
                                     env=env)
        self.assertEqual(rc, 0, out + err)
        # run as `python3 SCRIPT` would be from a shell: argv[0] python3
        self.assertIn("Original: python3 %s" % script, out)



BUSYBOX = "/usr/bin/busybox"
PYENV_SHIMS = os.path.expanduser("~/.pyenv/shims")

# Each #! form of a Python program (docs/validate.md, "The programs"): file, first line, mode
SCRIPT_FORMS = [
    ("env.py", "#!/usr/bin/env python3", 0o755),
    ("env_split.py", "#!/usr/bin/env -S python3 -u", 0o755),
    ("direct.py", "#!/usr/bin/python3", 0o755),
    ("plain.py", None, 0o644),
    ("env_not_executable.py", "#!/usr/bin/env python3", 0o644),
]


class ProgramFormsTest(ValidateBase):
    """How --original/--transpiled become a command: argv[0] as typed, launchers (env,
    pyenv shims) resolved out of the trace, typos, programs that cannot run."""

    def script(self, name, first_line, mode=0o755):
        path = os.path.join(self.tmp, name)
        with open(FIX + "/greet.py") as f:
            body = f.read().split("\n", 1)[1]
        with open(path, "w") as f:
            f.write((first_line + "\n" if first_line else "") + body)
        os.chmod(path, mode)
        return path

    def write(self, name, data, mode=0o644):
        path = os.path.join(self.tmp, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def cc(self, *args):
        p = subprocess.run(["cc"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_multicall_binary_through_a_symlink_keeps_its_name(self):
        if not os.access(BUSYBOX, os.X_OK) or not os.access("/usr/bin/sort", os.X_OK):
            self.skipTest("needs %s and GNU sort" % BUSYBOX)
        progs = os.path.join(self.tmp, "progs")
        os.mkdir(progs)
        os.symlink(BUSYBOX, os.path.join(progs, "sort"))
        path_env = dict(os.environ, PATH=progs + ":/usr/bin:/bin")
        forms = [
            (["--original", "./sort", "--transpiled", "/usr/bin/sort"], ["./sort"], None),
            (["--original-cmd", "./sort -r", "--transpiled-cmd", "/usr/bin/sort -r"],
             ["./sort", "-r"], None),
            # a bare name found on PATH keeps its name too
            (["--original-cmd", "sort -r", "--transpiled-cmd", "/usr/bin/sort -r"],
             ["sort", "-r"], path_env),
        ]
        for args, argv, env in forms:
            with self.subTest(args=args):
                rc, out, err = self.validate("--format", "json", "--workdir", self.work, *args,
                                             stdin=b"pear\napple\nfig\n", cwd=progs, env=env)
                self.assertIn(rc, (0, 1), err)
                self.assertNotIn("applet not found", out + err)
                j = json.loads(out)
                self.assertEqual(j["runs"][0]["argv"], argv)
                self.assertEqual([r["exit_status"] for r in j["runs"]], [0, 0], out)
                self.assertTrue(j["stdout"]["same"], j["stdout"]["diff"])
                self.assertTrue(j["stderr"]["same"], j["stderr"]["diff"])

    def check_script_forms(self, env, label):
        keep = os.path.join(self.tmp, "keep-" + label)
        os.mkdir(keep)
        c = self.greet(0)
        for name, line, mode in SCRIPT_FORMS:
            path = self.script(name, line, mode)
            with self.subTest(form=line or "no #!", mode=oct(mode), path=label):
                rc, out, err = self.validate("--keep-traces", keep, "--original", path,
                                             "--transpiled", path, env=env)
                self.assertEqual(rc, 0, out + err)
                # the launcher's work (env, pyenv's bash scripts) is not in the trace:
                # the only exec is the interpreter's, or the script's run by the kernel
                with open(os.path.join(keep, "original.jsonl")) as f:
                    execs = sdtest.Trace(f.read()).syscalls(("execve", "execveat"))
                self.assertEqual(len(execs), 1, [(e["args"][0].get("abs"), e["args"][1].get("strv"))
                                                 for e in execs])
                rc, out, err = self.validate("--original", path, "--transpiled", c, env=env)
                self.assertEqual(rc, 0, out + err)

    def test_each_python_form_is_equivalent_to_itself_and_to_a_translation(self):
        self.check_script_forms(dict(os.environ, PATH="/usr/bin:/bin"), "system")

    def test_python_forms_through_pyenv_shims(self):
        if not os.path.isdir(PYENV_SHIMS) or not os.access(os.path.join(PYENV_SHIMS, "python3"),
                                                          os.X_OK):
            self.skipTest("no pyenv shims in %s" % PYENV_SHIMS)
        env = dict(os.environ, PATH=PYENV_SHIMS + ":/usr/bin:/bin")
        self.check_script_forms(env, "pyenv")
        # the interpreter run is the one pyenv selects, named by its path as pyenv exec does
        which = subprocess.run([os.path.join(PYENV_SHIMS, "..", "libexec", "pyenv"), "which",
                                "python3"], cwd=self.work, env=env, stdout=subprocess.PIPE,
                               universal_newlines=True)
        path = self.script("e.py", "#!/usr/bin/env python3")
        rc, out, err = self.validate("--format", "json", "--original", path, "--transpiled", path,
                                     env=env, expect_rc=0)
        if which.returncode == 0:
            self.assertEqual(json.loads(out)["runs"][0]["argv"], [which.stdout.strip(), path])

    def test_env_options_that_change_the_environment_are_refused(self):
        for line, opt in (("#!/usr/bin/env -i python3", "-i"),
                          ("#!/usr/bin/env -S PYTHONOPTIMIZE=1 python3", "PYTHONOPTIMIZE=1")):
            with self.subTest(line=line):
                path = self.script("x.py", line)
                rc, out, err = self.validate("--original", path, "--transpiled", self.greet(0),
                                             expect_rc=2)
                self.assertIn("'%s' in the #! line is not supported" % opt, err)
                self.assertEqual(len(err.strip().split("\n")), 1, err)

    def test_a_typo_is_a_usage_error(self):
        new = self.greet(0)
        for args, msg in (
                (["--original", "./sortt", "--transpiled", new], "--original: ./sortt: no such file"),
                (["--original-cmd", "./sortt -n", "--transpiled", new],
                 "--original-cmd: ./sortt: no such file"),
                (["--original", self.orig, "--transpiled", "./nope"],
                 "--transpiled: ./nope: no such file"),
                (["--original", self.tmp, "--transpiled", new],
                 "--original: %s: is a directory" % self.tmp),
                (["--fail-on-skip", "--original", "./sortt", "--transpiled", new],
                 "--original: ./sortt: no such file")):
            with self.subTest(args=args):
                rc, out, err = self.validate(*args, expect_rc=2)
                self.assertEqual(out, "")
                self.assertEqual(err, "sysdiff: %s\n" % msg)

    def test_env_program_not_on_path_is_skipped(self):
        path = self.script("e.py", "#!/usr/bin/env nosuch-python9")
        rc, out, err = self.validate("--original", path, "--transpiled", self.greet(0), expect_rc=0)
        self.assertEqual(out, "")
        self.assertEqual(err, "sysdiff: warning: validation skipped: the original cannot be run: "
                              "%s: #!/usr/bin/env nosuch-python9: nosuch-python9: not found on PATH\n"
                         % path)
        self.validate("--fail-on-skip", "--original", path, "--transpiled", self.greet(0),
                      expect_rc=1)
        rc, out, err = self.validate("--original", self.orig, "--transpiled", path, expect_rc=2)
        self.assertIn("the transpiled program cannot be run: %s: #!/usr/bin/env" % path, err)

    def test_missing_shared_library_is_skipped(self):
        lib = os.path.join(self.tmp, "lib")
        os.mkdir(lib)
        so = os.path.join(lib, "libsdtfoo.so.1")
        self.cc("-shared", "-fPIC", "-Wl,-soname,libsdtfoo.so.1", "-o", so,
                self.write("foo.c", "int sdt_foo(void) { return 0; }\n"))
        prog = os.path.join(self.bins, "needs_foo")
        self.cc("-o", prog, self.write("main.c", "int sdt_foo(void);\n"
                                       "int main(void) { return sdt_foo(); }\n"),
                so, "-Wl,-rpath," + lib)
        self.assertEqual(subprocess.run([prog]).returncode, 0)
        os.unlink(so)
        rc, out, err = self.validate("--original", prog, "--transpiled", self.greet(0), expect_rc=0)
        self.assertEqual(out, "")
        self.assertEqual(err, "sysdiff: warning: validation skipped: the original cannot be run: "
                              "missing shared library libsdtfoo.so.1\n")
        self.validate("--fail-on-skip", "--original", prog, "--transpiled", self.greet(0),
                      expect_rc=1)
        # the rewrite that cannot load is an error, as any rewrite that cannot run
        rc, out, err = self.validate("--original", self.orig, "--transpiled", prog, expect_rc=2)
        self.assertIn("the transpiled program cannot be run: missing shared library libsdtfoo.so.1",
                      err)

    def test_exec_format_error_is_skipped(self):
        # an ELF header for aarch64 (ET_EXEC), a relocatable object, a text file
        ehdr = struct.pack("<4s5B7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, 2, 183, 1,
                           0x400000, 64, 0, 0, 64, 56, 0, 64, 0, 0)
        arm = self.write("arm_prog", ehdr + bytes(64), 0o755)
        obj = os.path.join(self.tmp, "obj.o")
        self.cc("-c", "-o", obj, self.write("o.c", "int x;\n"))
        os.chmod(obj, 0o755)
        text = self.write("notes", "just text\n", 0o755)
        for path, why in ((arm, "an ELF executable for aarch64"), (obj, "an ELF object file"),
                          (text, "neither an ELF executable nor a #! script")):
            with self.subTest(why=why):
                rc, out, err = self.validate("--original", path, "--transpiled", self.greet(0),
                                             expect_rc=0)
                self.assertRegex(err, r"^sysdiff: warning: validation skipped: the original "
                                      r"cannot be run: %s: exec format error \(%s[^\n]*\)\n$"
                                 % (re.escape(path), re.escape(why)))
                self.validate("--fail-on-skip", "--original", path, "--transpiled",
                              self.greet(0), expect_rc=1)
                rc, out, err = self.validate("--original", self.orig, "--transpiled", path,
                                             expect_rc=2)
                self.assertIn("the transpiled program cannot be run: %s: exec format error" % path,
                              err)


class RunawayTest(ValidateBase):
    def setUp(self):
        super().setUp()
        self.hog = self.build("hog.c", "hog")
        self.scratch_before = scratch_dirs()

    def test_timeout_kills_the_tree(self):
        t0 = time.time()
        rc, out, err = self.validate("--timeout", "2", "--original-cmd", self.hog + " sleep",
                                     "--transpiled-cmd", self.hog + " sleep", expect_rc=1)
        self.assertLess(time.time() - t0, 30)
        self.assertIn("The original timed out after 2 s", out)
        self.assertIn("The transpiled program timed out after 2 s", out)
        self.assertEqual(sdtest.pids_running(self.hog), [])
        self.assertEqual([d for d in scratch_dirs() if d not in self.scratch_before], [])

    def test_fork_bomb_hits_the_process_limit(self):
        before = cgroup_dirs()
        rc, out, err = self.validate("--timeout", "5", "--max-procs", "32", "--original-cmd",
                                     self.hog + " forkbomb", "--transpiled-cmd", self.hog + " forkbomb",
                                     expect_rc=1)
        self.assertIn("timed out", out)
        self.assertEqual(sdtest.pids_running(self.hog), [])
        if before is not None:   # the limit is a cgroup's: hit, told, and removed after
            self.assertIn("The original reached the process limit (32)", out)
            self.assertEqual([d for d in cgroup_dirs() if d not in before], [])

    def test_runs_leave_no_cgroup(self):
        before = cgroup_dirs()
        if before is None:
            self.skipTest("no cgroup hierarchy sysdiff can make pids cgroups in")
        self.validate("--original-cmd", self.hog + " none", "--transpiled-cmd",
                      self.hog + " none", expect_rc=0)
        self.assertEqual([d for d in cgroup_dirs() if d not in before], [])

    def test_flood_of_output(self):
        rc, out, err = self.validate("--timeout", "20", "--max-output", "8", "--original-cmd",
                                     self.hog + " flood", "--transpiled-cmd", self.hog + " none",
                                     expect_rc=1)
        self.assertIn("The original was stopped after writing more than 8 MiB", out)
        self.assertEqual(sdtest.pids_running(self.hog), [])

    def test_deleting_files_of_the_starting_directory(self):
        with open(os.path.join(self.work, "data.txt"), "w") as f:
            f.write("precious\n")
        rc, out, err = self.validate("--original-cmd", self.hog + " rmcwd", "--transpiled-cmd",
                                     self.hog + " none", expect_rc=1)
        self.assertIn("data.txt: deleted by the original only", out)
        self.assertIn(self.work + ": deleted by the original only", out)
        with open(os.path.join(self.work, "data.txt")) as f:
            self.assertEqual(f.read(), "precious\n")
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn("sysdiff-validate", f.read(), "a mount was left behind")

    def test_cannot_read_the_terminal(self):
        rc, out, err = self.validate("--original-cmd", self.hog + " tty", "--transpiled-cmd",
                                     self.hog + " tty", expect_rc=0)


def cgroup_dirs():
    """The runs' pids cgroups in the hierarchies sysdiff makes them in (cgroup v1's pids,
    or v2), or None when it can make none."""
    roots = [r for r in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")
             if os.access(os.path.join(r, "cgroup.procs"), os.W_OK)]
    if not roots:
        return None
    return sorted(os.path.join(r, n) for r in roots for n in os.listdir(r)
                  if n.startswith("sysdiff-"))


def scratch_dirs():
    base = os.environ.get("TMPDIR", "/tmp")
    return sorted(n for n in os.listdir(base) if n.startswith("sysdiff-validate-"))


class InterruptTest(ValidateBase):
    def test_sigint_ends_the_run_and_cleans_up(self):
        hog = self.build("hog.c", "hog")
        before = scratch_dirs()
        p = subprocess.Popen([SYSDIFF, "validate", "--original-cmd", hog + " sleep",
                              "--transpiled-cmd", hog + " sleep"], cwd=self.work,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        p.send_signal(2)
        try:
            out, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.fail("validate did not stop on SIGINT")
        self.assertEqual(p.returncode, 130, err)
        self.assertIn(b"interrupted by SIGINT", err)
        self.assertEqual(sdtest.pids_running(hog), [])
        self.assertEqual(scratch_dirs(), before, "scratch directories left behind")
        self.assertUntouched([])


class CasesTest(ValidateBase):
    def test_manifest_in_parallel(self):
        d = os.path.join(self.tmp, "cases")
        os.mkdir(d)
        with open(os.path.join(d, "ada.txt"), "w") as f:
            f.write("Ada\n")
        manifest = {"cases": [
            {"name": "from-stdin", "stdin": "ada.txt"},
            {"name": "from-env", "env": {"NAME": "Grace"}},
            {"name": "default"},
        ]}
        with open(os.path.join(d, "cases.json"), "w") as f:
            json.dump(manifest, f)
        rc, out, err = self.validate("--cases", os.path.join(d, "cases.json"), "-j", "2",
                                     "--original", self.orig, "--transpiled", self.greet(0),
                                     stdin=b"", expect_rc=0)
        self.assertIn("3 cases: 3 equivalent, 0 not equivalent, 0 skipped, 0 errors\n", out)
        rc, out, err = self.validate("--cases", os.path.join(d, "cases.json"), "--format", "json",
                                     "--original", self.orig, "--transpiled", self.greet(1),
                                     stdin=b"", expect_rc=1)
        j = json.loads(out)
        self.assertEqual(j["not_equivalent"], 3)
        self.assertEqual([c["case"] for c in j["cases"]], ["from-stdin", "from-env", "default"])
        self.assertIn("Hello Grace", json.dumps(j["cases"][1]))

    def two_programs(self):
        """An original and a rewrite that differs only for the argument "bug"."""
        src = ('#include <stdio.h>\n#include <string.h>\n'
               'int main(int argc, char **argv)\n{\n'
               '\tconst char *a = argc > 1 ? argv[1] : "none";\n'
               '#ifdef NEW\n\tif (!strcmp(a, "bug")) { printf("hullo %s\\n", a); return 0; }\n'
               '#endif\n\tprintf("hello %s\\n", a);\n\treturn 0;\n}\n')
        return [self.build_c("hello-orig", src), self.build_c("hello-new", src, "-DNEW")]

    def mixed_manifest(self):
        d = os.path.join(self.tmp, "mixed")
        os.mkdir(d)
        path = os.path.join(d, "cases.json")
        with open(path, "w") as f:
            json.dump({"cases": [
                {"name": "same", "args": ["a"]},
                {"name": "bug", "args": ["bug"]},
                {"name": "no-workdir", "workdir": "missing-dir"},
            ]}, f)
        return path

    def test_a_case_carries_its_masks(self):
        # "bug" makes the rewrite print "hullo bug": a case that masks that word is
        # equivalent, the same case without the mask is not; the report records it
        orig, new = self.two_programs()
        d = os.path.join(self.tmp, "masked")
        os.mkdir(d)
        path = os.path.join(d, "cases.json")
        with open(path, "w") as f:
            json.dump({"cases": [{"name": "masked", "args": ["bug"], "mask": ["h[eu]llo"],
                                  "ignore": "getpid"},
                                 {"name": "plain", "args": ["bug"]}]}, f)
        rc, out, err = self.validate("--cases", path, "--format", "json", "--original", orig,
                                     "--transpiled", new, stdin=b"", expect_rc=1)
        j = json.loads(out)
        verdicts = {c["case"]: c["verdict"] for c in j["cases"]}
        self.assertEqual(verdicts, {"masked": "equivalent", "plain": "not equivalent"}, out[-3000:])
        masked = [c for c in j["cases"] if c["case"] == "masked"][0]
        self.assertIn("h[eu]llo", json.dumps(masked))

    def test_junit_of_many_cases(self):
        orig, new = self.two_programs()
        manifest = self.mixed_manifest()
        rc, out, err = self.validate("--cases", manifest, "-j", "2", "--format", "junit",
                                     "--original", orig, "--transpiled", new, stdin=b"", expect_rc=2)
        root = ET.fromstring(out)
        suite = root.find("testsuite")
        for el in (root, suite):
            self.assertEqual((el.get("tests"), el.get("failures"), el.get("errors")), ("3", "1", "1"))
        cases = suite.findall("testcase")
        self.assertEqual([c.get("name") for c in cases], ["same", "bug", "no-workdir"])
        self.assertEqual(list(cases[0]), [])
        self.assertIn("+hullo bug", cases[1].find("failure").text)
        self.assertIn("not equivalent", cases[1].find("failure").text.splitlines()[-1])
        self.assertIn("workdir", cases[2].find("error").get("message"))
        # an original whose interpreter is missing: its cases are skipped, not errors
        script = os.path.join(self.tmp, "skip.py")
        with open(script, "w") as f:
            f.write("#!/nonexistent/python\nprint('x')\n")
        os.chmod(script, 0o755)
        rc, out, err = self.validate("--cases", manifest, "--format", "junit", "--original", script,
                                     "--transpiled", new, stdin=b"", expect_rc=2)
        root = ET.fromstring(out)
        self.assertEqual((root.get("tests"), root.get("failures"), root.get("errors")), ("3", "0", "1"))
        cases = root.findall("./testsuite/testcase")
        self.assertEqual(len(cases), 3)
        self.assertIn("skipped: the original cannot be run", cases[0].find("error").get("message"))

    def test_report_file_of_many_cases_is_written_whole(self):
        orig, new = self.two_programs()
        manifest = self.mixed_manifest()
        out_xml = os.path.join(self.tmp, "cases.xml")
        with open(out_xml, "w") as f:
            f.write("old")
        ino = os.stat(out_xml).st_ino
        rc, out, err = self.validate("--cases", manifest, "--format", "junit", "-o", out_xml,
                                     "--original", orig, "--transpiled", new, stdin=b"", expect_rc=2)
        self.assertEqual(out, "")
        self.assertEqual(ET.parse(out_xml).getroot().get("tests"), "3")
        self.assertNotEqual(os.stat(out_xml).st_ino, ino, "not replaced through a renamed file")
        self.assertEqual([n for n in os.listdir(self.tmp) if ".tmp." in n], [])
        # a report that cannot be written is an error, not a report on stdout
        for args in (["--cases", manifest], ["--", "a"]):
            with self.subTest(args=args[0]):
                rc, out, err = self.validate("-o", "/nonexistent/dir/r.txt", "--original", orig,
                                             "--transpiled", new, *args, stdin=b"", expect_rc=2)
                self.assertEqual(out, "")
                self.assertIn("cannot write the report to '/nonexistent/dir/r.txt'", err)

    def test_bad_manifest(self):
        bad = os.path.join(self.tmp, "bad.json")
        for text, msg in (("{", "invalid JSON"), ('{"cases": []}', "at least one case"),
                          ('{"cases": [{"name": "a", "args": "x"}]}',
                           "case 'a': \"args\": must be an array of strings"),
                          ('{"cases": [{"name": "a"}, {"name": "b", "stdn": "x"}]}',
                           "case 'b': unknown key \"stdn\""),
                          ('{"cases": [{"name": "a", "stdin": "nowhere.txt"}]}',
                           "case 'a': \"stdin\": No such file or directory: "),
                          ('{"cases": [{"args": ["x"], "env": ["A=1"]}]}',
                           "case 1: \"env\": must be an object of strings"),
                          ('{"cases": [{"name": "a", "env": {"A": 1}}]}',
                           "case 'a': \"env\": 'A' must be a string"),
                          ('{"cases": [{"name": 3}]}', "case 1: \"name\": must be a string"),
                          ('{"cases": [{"name": "a", "workdir": false}]}',
                           "case 'a': \"workdir\": must be a directory name"),
                          ('{"cases": [{"name": "a", "mask": "x"}]}',
                           "case 'a': \"mask\": must be an array of strings"),
                          ('{"cases": [{"name": "a", "mask": ["("]}]}',
                           "case 'a': \"mask\": holds an invalid POSIX extended regular expression"),
                          ('{"cases": [{"name": "a", "mask_path": ["rel/*"]}]}',
                           "case 'a': \"mask_path\": holds a glob that is not absolute"),
                          ('{"cases": [{"name": "a", "ignore": "nosuchcall"}]}',
                           "case 'a': \"ignore\": "),
                          ('{"cases": [{"name": "a"}], "jobs": 2}', "unknown key \"jobs\"")):
            with self.subTest(text=text):
                with open(bad, "w") as f:
                    f.write(text)
                rc, out, err = self.validate("--cases", bad, "--original", self.orig,
                                             "--transpiled", self.greet(0), expect_rc=2)
                self.assertIn(msg, err)


if __name__ == "__main__":
    unittest.main()
