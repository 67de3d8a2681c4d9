"""sysdiff and strace must agree: the same program traced by `sysdiff trace -f` and by
`strace -f` (with and without -v, -y, at -s 32 and larger) compares as equivalent under
`sysdiff compare` (strict level), and a program that really does something else
(other bytes written, other open flags) still compares as different.

Each command runs in a directory prepared afresh at the same path before each run (same
names, contents and times), so both tools see the same world."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import sdtest
from sdtest import SysdiffTest, SYSDIFF

STRACE = shutil.which("strace")
CC = shutil.which("cc") or shutil.which("gcc")

# strace's option sets: the default (-s 32, no -v: listings show only their count),
# -v (listings entry by entry), -y (fds named), long strings.
VARIANTS = (
    ("-f",),
    ("-f", "-v", "-s", "4096"),
    ("-f", "-y", "-s", "65536"),
    ("-f", "-v", "-y"),
    ("-f", "-tt", "-T", "-v", "-s", "65536"),
)

# open/read/write/stat/statx/getdents/rename/unlink/pipe/fork+exec, with the flag sets
# strace and sysdiff print differently (order, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT).
# FX_VARIANT=bytes writes other bytes, FX_VARIANT=notrunc opens without O_TRUNC.
FIXTURE_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	const char *v = getenv("FX_VARIANT") ? getenv("FX_VARIANT") : "base";
	char buf[4096], dbuf[32768];
	struct stat st;
	struct statx sx;
	int fd, p[2], status;
	ssize_t n;
	long k;

	fd = open("in.txt", O_RDONLY | O_CLOEXEC);
	n = read(fd, buf, sizeof buf);
	lseek(fd, 0, SEEK_SET);
	fstat(fd, &st);
	close(fd);
	fd = open("out.txt", O_WRONLY | O_CREAT | O_CLOEXEC | (strcmp(v, "notrunc") ? O_TRUNC : 0), 0644);
	if (!strcmp(v, "bytes"))
		buf[5] ^= 1;
	write(fd, buf, n);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	close(fd);
	fd = openat(AT_FDCWD, "log.txt", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
	write(fd, "appended\n", 9);
	close(fd);
	stat("out.txt", &st);
	lstat("sub", &st);
	fstatat(AT_FDCWD, "sub/a", &st, AT_SYMLINK_NOFOLLOW);
	statx(AT_FDCWD, "out.txt", 0, STATX_BASIC_STATS, &sx);
	statx(AT_FDCWD, "out.txt", AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MODE | STATX_SIZE | STATX_MTIME, &sx);
	access("in.txt", R_OK | W_OK);
	mkdir("newdir", 0755);
	rmdir("newdir");
	fd = open(".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	while ((k = syscall(SYS_getdents64, fd, dbuf, sizeof dbuf)) > 0)
		;
	close(fd);
	fd = open("sub", O_RDONLY | O_DIRECTORY);
	while ((k = syscall(SYS_getdents64, fd, dbuf, 64)) > 0)   /* a record or two at a time */
		;
	close(fd);
	rename("out.txt", "moved.txt");
	renameat2(AT_FDCWD, "moved.txt", AT_FDCWD, "in.txt", RENAME_NOREPLACE);   /* EEXIST */
	unlink("moved.txt");
	unlink("missing.txt");                                                   /* ENOENT */
	pipe2(p, O_CLOEXEC);
	pid_t c = fork();
	if (c == 0) {
		dup2(p[1], 1);
		execl("/bin/echo", "echo", "from the child", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof buf);
	write(1, buf, n);
	close(p[0]);
	waitpid(c, &status, 0);
	return WEXITSTATUS(status);
}
"""

PY_SCRIPT = r"""
import os, shutil, json
with open("in.txt") as f:
    text = f.read()
os.makedirs("pyout/deep", exist_ok=True)
with open("pyout/deep/upper.txt", "w") as f:
    f.write(text.upper())
with open("pyout/data.json", "w") as f:
    json.dump({"lines": text.count("\n"), "names": sorted(os.listdir("."))}, f)
shutil.copy("in.txt", "pyout/copy.txt")
os.rename("pyout/copy.txt", "pyout/renamed.txt")
for root, dirs, files in os.walk("sub"):
    print(root, sorted(dirs), sorted(files))
os.unlink("pyout/renamed.txt")
print(os.stat("pyout/deep/upper.txt").st_size)
"""

# fixed times, so that `ls -la` prints the same in every run
STAMP = 1700000000


@unittest.skipUnless(STRACE, "strace is not installed: sysdiff cannot be checked against it")
class StraceEquivalenceTest(SysdiffTest):

    @classmethod
    def setUpClass(cls):
        cls.bin = tempfile.mkdtemp(prefix="sdtest-equiv-")
        cls.fx = cls.cc_err = None
        if CC:
            fx = os.path.join(cls.bin, "fileops")
            src = fx + ".c"
            with open(src, "w") as f:
                f.write(FIXTURE_C)
            p = subprocess.run([CC, "-O1", "-Wall", "-o", fx, src], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if p.returncode == 0:
                cls.fx = fx
            else:
                cls.cc_err = p.stdout.decode(errors="replace")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.bin, True)

    def setUp(self):
        super().setUp()
        self.assertIsNone(self.cc_err, "the fixture does not build:\n%s" % self.cc_err)
        # the work directory's parent is not where the logs go: `ls -la` shows ".."
        self.base = os.path.join(self.tmp, "w")
        self.work = os.path.join(self.base, "work")
        # in a directory of its own: Python lists the script's directory at start-up
        os.mkdir(os.path.join(self.tmp, "py"))
        self.script = os.path.join(self.tmp, "py", "fileops.py")
        with open(self.script, "w") as f:
            f.write(PY_SCRIPT)

    def prepare(self):
        """The work directory, the same every time: files, a subdirectory, times."""
        shutil.rmtree(self.base, True)
        os.makedirs(os.path.join(self.work, "sub", "deeper"))
        with open(os.path.join(self.work, "in.txt"), "w") as f:
            f.write("".join("line %d of the input, some text to copy\n" % i for i in range(60)))
        for i in range(100):   # sub's listing is longer than a sysdiff trace keeps (4096)
            with open(os.path.join(self.work, "sub", "file-with-a-longer-name-%02d.dat" % i), "w") as f:
                f.write("x" * i)
        for name in ("a", "b"):
            open(os.path.join(self.work, "sub", name), "w").close()
        open(os.path.join(self.work, "sub", "deeper", "leaf"), "w").close()
        for root, dirs, files in os.walk(self.base, topdown=False):
            for n in dirs + files:
                os.utime(os.path.join(root, n), (STAMP, STAMP))
            os.utime(root, (STAMP, STAMP))

    def env(self, variant="base"):
        return dict(os.environ, FX_VARIANT=variant, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
                    LC_ALL="C", TZ="UTC")

    def sysdiff_trace(self, cmd, name, variant="base"):
        self.prepare()
        out = os.path.join(self.tmp, name + ".jsonl")
        p = self.run_cmd([SYSDIFF, "trace", "-f", "-o", out, "--"] + cmd, cwd=self.work,
                         env=self.env(variant))
        self.assertTrue(os.path.exists(out), p.stderr.decode(errors="replace"))
        return out, p

    def strace_log(self, cmd, opts, name, variant="base"):
        self.prepare()
        log = os.path.join(self.tmp, name + ".strace")
        p = self.run_cmd([STRACE] + list(opts) + ["-o", log, "--"] + cmd, cwd=self.work,
                         env=self.env(variant))
        self.assertTrue(os.path.exists(log), p.stderr.decode(errors="replace"))
        return log, p

    def compare(self, a, b):
        p = self.run_cmd([SYSDIFF, "compare", "--color=never", "-v", a, b])
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def commands(self):
        cmds = []
        if self.fx:
            cmds.append(("fixture", [self.fx]))
        for name, cmd in (("ls", ["ls", "-la", "sub", "."]), ("cp", ["cp", "in.txt", "copy.txt"]),
                          ("cat", ["cat", "in.txt", "sub/b"]), ("find", ["find", "."])):
            path = shutil.which(cmd[0])
            if path:
                cmds.append((name, [path] + cmd[1:]))
        if os.access(sdtest.PYTHON311, os.X_OK):
            cmds.append(("python", [sdtest.PYTHON311, self.script]))
        return cmds

    def test_same_program_traced_both_ways_is_equivalent(self):
        cmds = self.commands()
        self.assertGreaterEqual(len(cmds), 4, "too few of the programs exist: %r" % cmds)
        for name, cmd in cmds:
            a, pa = self.sysdiff_trace(cmd, name)
            for opts in VARIANTS:
                with self.subTest(program=name, strace=" ".join(opts)):
                    log, pb = self.strace_log(cmd, opts, name + "-" + "".join(opts))
                    self.assertEqual(pa.stdout, pb.stdout, "the program's output differs between runs")
                    for x, y in ((a, log), (log, a)):
                        rc, out, err = self.compare(x, y)
                        self.assertEqual(rc, 0, "compare %s %s\n%s%s" % (x, y, out, err))
                        self.assertIn(" 0 mismatches: equivalent\n", out)

    def test_listings_compare_by_entries(self):
        """strace -v lists each entry: names and types are compared; without -v only
        their number is, and -v says so by the listing's bytes not being a cut buffer."""
        if not self.fx:
            self.skipTest("no C compiler to build the fixture")
        a, _ = self.sysdiff_trace([self.fx], "fx")
        log, _ = self.strace_log([self.fx], ("-f", "-v"), "fx-v")
        # an entry renamed in the strace log is a difference
        with open(log) as f:
            text = f.read()
        self.assertIn('d_name="in.txt"', text)
        bad = os.path.join(self.tmp, "renamed-entry.strace")
        with open(bad, "w") as f:
            f.write(text.replace('d_name="in.txt"', 'd_name="im.txt"', 1))
        rc, out, err = self.compare(a, bad)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("getdents64", out)
        self.assertIn("1 mismatch: not equivalent", out)
        # a listing with one entry more (strace without -v: the count) is a difference
        log, _ = self.strace_log([self.fx], ("-f",), "fx")
        with open(log) as f:
            text = f.read()
        m = re.search(r"/\* ([1-9][0-9]*) entries \*/", text)
        self.assertIsNotNone(m, text)
        bad = os.path.join(self.tmp, "extra-entry.strace")
        with open(bad, "w") as f:
            f.write(text[:m.start(1)] + str(int(m.group(1)) + 1) + text[m.end(1):])
        rc, out, err = self.compare(a, bad)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("getdents64", out)

    def test_dup2_onto_itself(self):
        """dup2(3, 3) without -y: fd 3 keeps its name (the reader once freed the name it
        was copying, which check-san's AddressSanitizer reports)."""
        log = os.path.join(self.tmp, "dup2.strace")
        with open(log, "w") as f:
            f.write('openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3\n'
                    'dup2(3, 3) = 3\nread(3, "x", 1) = 1\nclose(3) = 0\n'
                    'exit_group(0) = ?\n+++ exited with 0 +++\n')
        rc, out, err = self.compare(log, log)
        self.assertEqual(rc, 0, out + err)
        self.assertIn(" 0 mismatches: equivalent\n", out)

    def test_close_range_cloexec_keeps_the_names(self):
        """close_range with CLOSE_RANGE_CLOEXEC closes nothing: fd 3 keeps its name, and
        fchdir(3) without -y still tells the cwd (the reader once forgot the name, so a
        relative path after it compared unequal to the same path made absolute)."""
        a = os.path.join(self.tmp, "cloexec-a.strace")
        b = os.path.join(self.tmp, "cloexec-b.strace")
        log = ('openat(AT_FDCWD, "/tmp", O_RDONLY|O_DIRECTORY) = 3\n'
               'close_range(3, 3, CLOSE_RANGE_CLOEXEC) = 0\nfchdir(3) = 0\n'
               'openat(AT_FDCWD, "x", O_RDONLY) = -1 ENOENT (No such file or directory)\n'
               'exit_group(0) = ?\n+++ exited with 0 +++\n')
        with open(a, "w") as f:
            f.write(log)
        with open(b, "w") as f:
            f.write(log.replace('"x"', '"/tmp/x"'))
        rc, out, err = self.compare(a, b)
        self.assertEqual(rc, 0, out + err)
        self.assertIn(" 0 mismatches: equivalent\n", out)
        # closed for real: the name is gone, the relative path no longer resolves
        with open(a, "w") as f:
            f.write(log.replace("close_range(3, 3, CLOSE_RANGE_CLOEXEC)", "close_range(3, 3, 0)"))
        with open(b, "w") as f:
            f.write(log.replace("close_range(3, 3, CLOSE_RANGE_CLOEXEC)", "close_range(3, 3, 0)")
                    .replace('"x"', '"/tmp/x"'))
        rc, out, err = self.compare(a, b)
        self.assertEqual(rc, 1, out + err)

    def test_real_differences_still_found(self):
        if not self.fx:
            self.skipTest("no C compiler to build the fixture")
        a, _ = self.sysdiff_trace([self.fx], "base")
        for opts in VARIANTS:
            with self.subTest(strace=" ".join(opts)):
                log, _ = self.strace_log([self.fx], opts, "bytes", variant="bytes")
                rc, out, err = self.compare(a, log)
                self.assertEqual(rc, 1, out + err)
                self.assertIn("write(", out)
                self.assertIn("1 mismatch: not equivalent", out)
                log, _ = self.strace_log([self.fx], opts, "notrunc", variant="notrunc")
                rc, out, err = self.compare(a, log)
                self.assertEqual(rc, 1, out + err)
                self.assertIn("out.txt", out)
                self.assertIn("O_TRUNC", out)
                self.assertIn("1 mismatch: not equivalent", out)


if __name__ == "__main__":
    unittest.main()
