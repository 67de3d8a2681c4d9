"""validate's sandbox holds: nothing a run does reaches the real file system.

The real tree is hashed (every entry's type, mode, owner, size, mtime, content and link
target; and /proc/self/mountinfo) before and after `sysdiff validate` runs a program
that unlinks, renames, chmods, chowns, sets times, truncates, appends and creates in
/tmp, $HOME, /etc, /var/tmp and /dev/shm, makes hard links and symlinks, a fifo and a
unix socket, removes a directory, and tries to unmount, remount and leave its
namespaces (tests/fixtures/hostile.c); and again when sysdiff itself is killed with
SIGKILL in the middle of such a run.  Both runs see the world as it was: the damage is
the same on both sides, so the verdict is "equivalent", and the sandbox's own view (the
program's pid, hostname, network) is checked too.  Needs root (the victims live in
/etc and $HOME)."""
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest

import sdtest
from sdtest import SysdiffTest, SYSDIFF

PLACES = ["/tmp", os.path.expanduser("~"), "/etc", "/var/tmp", "/dev/shm"]
FILES = {"a": "alpha\n", "b": "beta\n", "c": "gamma\n", "d": "delta\n", "e": "epsilon\n",
         "f": "zeta\n"}


def tree_hash(paths):
    """Every entry under paths, not following symlinks: a digest and the listing."""
    h = hashlib.sha256()
    listing = []
    for top in paths:
        for root, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(dirs + files) + [""]:
                p = os.path.join(root, name) if name else root
                try:
                    st = os.lstat(p)
                except FileNotFoundError:
                    continue
                line = "%s %o %d:%d %d %d" % (p, st.st_mode, st.st_uid, st.st_gid, st.st_size,
                                              st.st_mtime_ns)
                if stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        line += " " + hashlib.sha256(f.read()).hexdigest()
                elif stat.S_ISLNK(st.st_mode):
                    line += " -> " + os.readlink(p)
                listing.append(line)
                h.update(line.encode() + b"\n")
    with open("/proc/self/mountinfo", "rb") as f:
        mounts = f.read()
    h.update(mounts)
    return h.hexdigest(), listing


class SandboxTest(SysdiffTest):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("the victims live in /etc and $HOME: needs root")
        self.hostile = sdtest.need_fixture(self, "hostile")
        self.marker = "sdvictim-%d-%d" % (os.getpid(), int(time.time() * 1000))
        self.victims = []
        for place in PLACES:
            if not os.path.isdir(place):
                continue
            d = os.path.join(place, self.marker)
            os.mkdir(d, 0o755)
            self.addCleanup(shutil.rmtree, d, True)
            for name, text in FILES.items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
                os.chmod(os.path.join(d, name), 0o644)
            os.mkdir(os.path.join(d, "sub"))
            with open(os.path.join(d, "sub", "x"), "w") as f:
                f.write("x\n")
            self.victims.append(d)
        self.work = tempfile.mkdtemp(prefix="sdsandbox-", dir=self.tmp)

    def validate(self, *args, timeout=120):
        argv = [SYSDIFF, "validate", "--workdir", self.work] + list(args)
        return self.run_cmd(argv, timeout=timeout)

    def test_nothing_reaches_the_real_file_system(self):
        before, listing = tree_hash(self.victims)
        cmd = " ".join([self.hostile] + self.victims)
        p = self.validate("--format", "json", "--original-cmd", cmd, "--transpiled-cmd", cmd)
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 0, out + p.stderr.decode(errors="replace"))
        after, listing2 = tree_hash(self.victims)
        self.assertEqual(listing2, listing, "the real tree changed")
        self.assertEqual(after, before)
        rep = json.loads(out)
        self.assertEqual(rep["verdict"], "equivalent")
        for run in rep["runs"]:
            self.assertIn("copy-on-write", run["isolation"])

    def test_the_damage_is_seen_and_compared(self):
        # the same damage on one side only: every change is in the end state
        cmd = " ".join([self.hostile] + self.victims)
        p = self.validate("--original-cmd", cmd, "--transpiled-cmd", "/bin/true")
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 1, out)
        first = self.victims[0]
        for what in ("%s/a: deleted by the original only" % first,
                     "%s/b2: created by the original only" % first,
                     "%s/c: mode 0777 vs 0644; owner 1:1 vs 0:0" % first,
                     "%s/d: mtime set to 2001-01-01 00:00:00 UTC vs left unchanged" % first,
                     "%s/e: 0 vs 8 bytes" % first,
                     "%s/hard: created by the original only (file 0644, 10 bytes)" % first,
                     "%s/sym: created by the original only (symlink -> f)" % first,
                     "%s/fifo: created by the original only (fifo" % first,
                     "%s/sock: created by the original only (socket" % first,
                     "%s/sub: deleted by the original only" % first):
            self.assertIn(what, out)

    def test_escapes_fail_and_identity_is_the_sandbox(self):
        cmd = " ".join([self.hostile] + self.victims)
        keep = os.path.join(self.tmp, "keep")
        os.mkdir(keep)
        p = self.validate("--keep-traces", keep, "--original-cmd", cmd, "--transpiled-cmd", cmd)
        self.assertEqual(p.returncode, 0, p.stdout.decode(errors="replace"))
        with open(os.path.join(keep, "original.jsonl")) as f:
            tr = sdtest.Trace(f.read())
        calls = {e["name"]: e for e in tr.events if e.get("type") == "syscall"}
        # no capability to unmount, remount, unshare or make a device
        for name in ("umount2", "mount", "unshare", "mknodat"):
            if name in calls:
                self.assertLess(calls[name]["ret"], 0, sdtest.fmt_event(calls[name]))
        self.assertEqual(tr.header["pid"], 3, "the traced command is pid 3 of its sandbox")

    def test_sigkill_to_sysdiff_leaves_nothing(self):
        before, listing = tree_hash(self.victims)
        cmd = " ".join([self.hostile, "--sleep"] + self.victims)
        sd = subprocess.Popen([SYSDIFF, "validate", "--workdir", self.work, "--original-cmd", cmd,
                               "--transpiled-cmd", cmd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        # wait until both sandboxed programs are running (their damage is done first)
        deadline = time.time() + 30
        while len(sdtest.pids_running(self.marker)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(len(sdtest.pids_running(self.marker)), 2, "the runs did not start")
        time.sleep(0.5)
        sd.send_signal(signal.SIGKILL)
        sd.wait()
        deadline = time.time() + 10
        while sdtest.pids_running(self.marker) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(sdtest.pids_running(self.marker), [], "a sandboxed process outlived sysdiff")
        after, listing2 = tree_hash(self.victims)
        self.assertEqual(listing2, listing, "the real tree changed")
        self.assertEqual(after, before, "mounts changed")
        leftovers = [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("sysdiff-")]
        self.assertEqual(leftovers, [], "scratch left in " + tempfile.gettempdir())


class SandboxLimitsTest(SysdiffTest):
    """Hostile amounts: a run that fills what it may write, one that makes 10,000 files."""

    def script(self, name, text):
        p = os.path.join(self.tmp, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def validate(self, *args):
        work = tempfile.mkdtemp(prefix="sdsandbox-", dir=self.tmp)
        p = self.run_cmd([SYSDIFF, "validate", "--workdir", work] + list(args), timeout=180)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def test_filling_the_file_system(self):
        # The bytes go by sendfile from a 1 MiB file: the trace stays small, so the
        # file system fills before stdout, stderr and trace reach --max-output (a
        # write loop's trace keeps its bytes and would race the file for the limit).
        src = os.path.join(self.tmp, "mib")
        with open(src, "wb") as f:
            f.write(b"x" * (1 << 20))
        fill = self.script("fill.py", "import os\n"
                           "out = os.open('/tmp/sd-fill-%d', os.O_WRONLY | os.O_CREAT, 0o644)\n" % os.getpid() +
                           "src = os.open(%r, os.O_RDONLY)\n" % src +
                           "try:\n"
                           "    for i in range(64):\n"
                           "        os.sendfile(out, src, 0, 1 << 20)\n"
                           "except OSError as e:\n"
                           "    print('stopped:', e.strerror)\n")
        rc, out, err = self.validate("--max-output", "8", "--original-cmd", "/usr/bin/python3 " + fill,
                                     "--transpiled-cmd", "/usr/bin/python3 " + fill)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("The original filled what a run may write to files (8 MiB; --max-output)", out)
        self.assertIn("The transpiled program filled what a run may write to files", out)
        self.assertFalse(os.path.exists("/tmp/sd-fill-%d" % os.getpid()))

    def test_ten_thousand_files(self):
        many = self.script("many.py", "import os\n"
                           "d = '/tmp/sd-many-%d'\n" % os.getpid() +
                           "os.mkdir(d)\n"
                           "for i in range(10000):\n"
                           "    open('%s/f%d' % (d, i), 'w').write(str(i))\n")
        fewer = self.script("fewer.py", open(many).read().replace("10000", "9999"))
        rc, out, err = self.validate("--original-cmd", "/usr/bin/python3 " + many,
                                     "--transpiled-cmd", "/usr/bin/python3 " + many)
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.validate("--original-cmd", "/usr/bin/python3 " + many,
                                     "--transpiled-cmd", "/usr/bin/python3 " + fewer)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("/tmp/sd-many-%d/f9999: created by the original only (file 0644, 4 bytes)"
                      % os.getpid(), out)
        self.assertFalse(os.path.exists("/tmp/sd-many-%d" % os.getpid()))


class NonRootTest(SysdiffTest):
    """Another user than root: a user namespace maps their ids; the sandbox is the same
    (a mount with mounts on it becomes a skeleton of per-directory overlays)."""

    def test_as_nobody(self):
        setpriv = shutil.which("setpriv")
        if os.geteuid() != 0 or not setpriv:
            self.skipTest("needs root and setpriv to become another user")
        d = tempfile.mkdtemp(prefix="sdnobody-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o777)
        victim = "/tmp/sd-nobody-%d" % os.getpid()
        script = os.path.join(d, "w.py")
        with open(script, "w") as f:
            f.write("import os\nopen(%r, 'w').write('x')\nprint(os.getuid(), os.getpid())\n" % victim)
        other = os.path.join(d, "v.py")
        with open(other, "w") as f:
            f.write("import os\nprint(os.getuid(), os.getpid())\n")
        as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", SYSDIFF,
                     "validate", "--workdir", d]
        p = self.run_cmd(as_nobody + ["--original-cmd", "/usr/bin/python3 " + script,
                                      "--transpiled-cmd", "/usr/bin/python3 " + script], cwd=d)
        out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        if p.returncode == 2 and "namespaces" in out:
            self.skipTest("user namespaces are not available here: " + out.strip())
        self.assertEqual(p.returncode, 0, out)
        self.assertFalse(os.path.exists(victim), "the run wrote the real /tmp")
        p = self.run_cmd(as_nobody + ["--original-cmd", "/usr/bin/python3 " + script,
                                      "--transpiled-cmd", "/usr/bin/python3 " + other], cwd=d)
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 1, out)
        self.assertIn("%s: created by the original only (file 0644, 1 bytes)" % victim, out)
        self.assertFalse(os.path.exists(victim), "the run wrote the real /tmp")


if __name__ == "__main__":
    unittest.main()
