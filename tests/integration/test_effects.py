"""The semantic level's effect model (docs/validate.md, "The semantic level").

tests/fixtures/effects/effects.c does one thing in several ways, chosen by its first
argument.  Pairs of ways that do the same to the world (a copy through a pipe of its
own by splice, or by read and write; O_TRUNC or ftruncate; a rename refused once then
made; a file created O_RDWR or O_WRONLY; a directory made 0755 under umask 0 or 0777
under umask 022; an extra look at an input and a worker thread; a temporary name of
another shape; exec, or spawn and wait) validate as equivalent, though their calls
differ; next to each, a way that does something else is caught, located at the call
that did it, and the independent check (the files, stdout, exit status) agrees.
A listing made before the creation it should have seen is reported at the listing,
not only at the output that comes of it.  compare --level semantic on the traces
validate keeps gives validate's verdict (it compares in the traces what validate
compares in the end state: the data written to files, their modes and times)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import sdtest
from sdtest import ROOT, SYSDIFF, SysdiffTest

SRC = os.path.join(ROOT, "tests", "fixtures", "effects", "effects.c")

# (original way, rewrite's way, set-up, expected verdict, strings of the first block)
PAIRS = [
    ("copy-rw", "copy-splice", "a", "equivalent", []),
    ("copy-rw", "copy-splice-short", "a", "not equivalent", ["splice(", "11 vs 3 bytes"]),
    ("trunc-oflag", "trunc-ftruncate", "out", "equivalent", []),
    ("trunc-oflag", "trunc-none", "out", "not equivalent", ["End state differs", "out.txt"]),
    ("rename-plain", "rename-noreplace", "ab", "equivalent", []),
    ("rename-plain", "rename-copy", "ab", "not equivalent", ["rename(", "only in the original"]),
    ("create-wronly", "create-rdwr", "", "equivalent", []),
    ("mkdir-0777", "mkdir-umask0", "", "equivalent", []),
    ("mkdir-0777", "mkdir-0700", "", "not equivalent", ["mkdir(", "0755 vs 0700"]),
    ("count", "count-thread-reread", "in", "equivalent", []),
    ("touch-now", "touch-date", "", "not equivalent", ["stamp", "set to 2020-01-02 03:04:05"]),
    ("create-then-list", "list-then-create", "d", "not equivalent",
     ["Transpiled: getdents64(", "only in the transpiled program"]),
    ("secret-0600", "secret-0644-then-0600", "", "not equivalent", ["\"secret\"", "mode 0600 vs 0644"]),
    ("save-tmp-a", "save-tmp-b", "out", "equivalent", []),
    ("save-tmp-a", "save-direct", "out", "not equivalent", ["Original:   openat(", "O_CREAT"]),
    ("exec", "spawn-wait", "", "equivalent", []),
    ("exec", "spawn-wait-status", "", "not equivalent", ["exit_group(7)"]),
]


def setup(work, what):
    if "a" in what:
        with open(os.path.join(work, "a.txt"), "w") as f:
            f.write("alpha\nbeta\n")
    if "b" in what:
        with open(os.path.join(work, "b.txt"), "w") as f:
            f.write("bravo\n")
    if what == "out":
        with open(os.path.join(work, "out.txt"), "w") as f:
            f.write("old content\n")
    if what == "in":
        with open(os.path.join(work, "in.txt"), "w") as f:
            f.write("a\nb\nc\n")
    if what == "d":
        os.mkdir(os.path.join(work, "d"))


def first_block(text):
    """The first block of a text report that reports a difference."""
    heads = ("Mismatch", "End state differs", "Exit status differs", "Stdout differs")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(heads):
            out = [line]
            for nxt in lines[i + 1:]:
                if not nxt.strip():
                    break
                out.append(nxt)
            return "\n".join(out)
    return ""


class EffectModelTest(SysdiffTest):
    @classmethod
    def setUpClass(cls):
        cls.bin = tempfile.mkdtemp(prefix="sdeff-")
        cls.prog = os.path.join(cls.bin, "effects")
        cc = shutil.which("cc")
        if not cc or subprocess.run([cc, "-O1", "-g", "-pthread", "-o", cls.prog, SRC]).returncode:
            cls.prog = None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.bin, True)

    def setUp(self):
        super().setUp()
        if not self.prog:
            self.skipTest("no C compiler")

    def validate(self, orig, new, what, *extra):
        work = tempfile.mkdtemp(dir=self.tmp)
        setup(work, what)
        keep = tempfile.mkdtemp(dir=self.tmp)
        argv = [SYSDIFF, "validate", "--workdir", work, "--color=never", "--keep-traces", keep,
                "--original-cmd", "%s %s" % (self.prog, orig),
                "--transpiled-cmd", "%s %s" % (self.prog, new)] + list(extra)
        p = self.run_cmd(argv, timeout=120)
        return p.returncode, p.stdout.decode(errors="replace"), keep

    def check(self, orig, new, what, verdict, block):
        rc, out, keep = self.validate(orig, new, what)
        ctx = "%s vs %s:\n%s" % (orig, new, out)
        self.assertEqual(rc, 0 if verdict == "equivalent" else 1, ctx)
        self.assertTrue(out.rstrip().endswith(": " + verdict), ctx)
        b = first_block(out)
        for s in block:
            self.assertIn(s, b, ctx)
        rc2, out2, _ = self.validate(orig, new, what, "--format", "json")
        rep = json.loads(out2)
        self.assertEqual(rep["verdict"], verdict)
        # the traces validate kept give its comparison of the traces again
        cmp = self.run_cmd([SYSDIFF, "compare", "--level", "semantic", "--format", "json",
                            os.path.join(keep, "original.jsonl"),
                            os.path.join(keep, "transpiled.jsonl")])
        self.assertIn(cmp.returncode, (0, 1), cmp.stderr)
        got = json.loads(cmp.stdout)
        self.assertEqual(got["level"], "semantic")
        self.assertEqual(got["verdict"], verdict,
                         "%s\ncompare --level semantic:\n%s" % (ctx, cmp.stdout[-3000:]))
        if verdict == "equivalent":
            # the calls do differ: strict says so
            strict = self.run_cmd([SYSDIFF, "compare", os.path.join(keep, "original.jsonl"),
                                   os.path.join(keep, "transpiled.jsonl")])
            self.assertEqual(strict.returncode, 1, "%s vs %s: strict" % (orig, new))


def _add():
    for orig, new, what, verdict, block in PAIRS:
        def t(self, orig=orig, new=new, what=what, verdict=verdict, block=block):
            self.check(orig, new, what, verdict, block)
        t.__doc__ = "%s vs %s: %s" % (orig, new, verdict)
        setattr(EffectModelTest, "test_%s__%s" % (orig.replace("-", "_"), new.replace("-", "_")), t)


_add()

if __name__ == "__main__":
    unittest.main()
