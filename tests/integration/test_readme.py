"""README.md against the real output: the demo block (what `make demo` runs: validate of
examples/hello.py against its C translation and a buggy one) and the text trace of the
Tracing section.  Each fails when README's block drifts from what sysdiff prints.

The commands are taken from README.md itself; the demo's are also checked against the
Makefile's demo recipe, so README, Makefile and output stay the same three ways.  The
test does not run `make demo` (it installs packages): it builds the two example
programs with the Makefile's own rules and runs the commands with $BUILD/sysdiff."""
import os
import re
import shlex
import shutil
import subprocess

from sdtest import SysdiffTest, SYSDIFF, ROOT, TIMEOUT

README = os.path.join(ROOT, "README.md")
MAKEFILE = os.path.join(ROOT, "Makefile")
BUILD_NAME = os.environ.get("BUILD", "build")  # as the Makefile's BUILD= takes it
EXAMPLES = ("examples/hello", "examples/hello-rewrite")

# The one number of the demo that truly varies between machines: the count of calls
# filtered from the *original's* trace ("(401 and 34 filtered)").  They are CPython's
# start-up, which depends on the Python build and its installed packages, and on the
# checkout's location: Python resolves the script's real path with one readlink per
# directory, so each directory level above examples/hello.py adds one.  The C side's
# count (the loader and libc start-up) is the same on every Debian 12 machine and
# stays compared, as does everything else.
FILTERED = re.compile(r"\((\d+) and (\d+) filtered\)")


def mask_demo(text):
    return FILTERED.sub(lambda m: "(N and %s filtered)" % m.group(2), text)


def block_after(marker):
    """The lines of the first ``` block after the first line starting with marker."""
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(marker))
    opening = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
    closing = next(i for i in range(opening + 1, len(lines)) if lines[i].startswith("```"))
    return lines[opening + 1:closing]


def commands_and_outputs(block):
    """[(command, expected output text)] from a block of "$ command" lines each followed
    by its output lines."""
    out = []
    for line in block:
        if line.startswith("$ "):
            out.append([line[2:], []])
        else:
            out[-1][1].append(line)
    return [(cmd, "".join(l + "\n" for l in lines)) for cmd, lines in out]


def demo_recipe():
    """The recipe lines of the Makefile's demo target."""
    with open(MAKEFILE, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    recipe = []
    for line in lines[i + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line)
    return "\n".join(recipe)


class ReadmeTest(SysdiffTest):
    def setUp(self):
        super().setUp()
        # The example programs, by the Makefile's rules (the part of `make demo` that is
        # not installing packages or building sysdiff).  MAKEFLAGS of an enclosing
        # `make check` are dropped: its jobserver is not ours.
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        targets = [os.path.join(BUILD_NAME, e) for e in EXAMPLES]
        p = subprocess.run(["make", "-s", "BUILD=" + BUILD_NAME] + targets, cwd=ROOT, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, "building the examples:\n" + p.stdout.decode(errors="replace"))
        self.examples = {e: os.path.join(ROOT, BUILD_NAME, e) for e in EXAMPLES}

    def local_argv(self, cmd):
        """README's "sysdiff ARGS" as run here: $BUILD/sysdiff, and README's build/
        (the default BUILD) as this run's build directory."""
        argv = shlex.split(cmd)
        self.assertEqual(argv[0], "sysdiff", cmd)
        return [SYSDIFF] + [BUILD_NAME + a[len("build"):] if a.startswith("build/") else a
                            for a in argv[1:]]

    def test_demo_block_is_what_make_demo_prints(self):
        block = block_after("What `make demo` runs:")
        runs = commands_and_outputs(block)
        self.assertEqual(len(runs), 2, "README's demo block: expected two validate runs:\n"
                         + "\n".join(block))

        # README shows exactly the validate commands of the Makefile's demo target.
        recipe = demo_recipe()
        in_make = re.findall(r"\./\$\(BUILD\)/sysdiff (validate [^<;\n]*?)\s*</dev/null", recipe)
        in_readme = [cmd[len("sysdiff "):].replace("build/", "$(BUILD)/") for cmd, _ in runs]
        self.assertEqual(in_readme, in_make,
                         "README's demo block and the Makefile's demo target run different commands")

        for cmd, want in runs:
            # As the demo runs it: from the repository root, stdin /dev/null; stdout and
            # stderr as one terminal would show them.
            p = subprocess.run(self.local_argv(cmd), cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
            got = p.stdout.decode("utf-8", errors="replace")
            self.assertEqual(mask_demo(got), mask_demo(want),
                             "README.md's demo block differs from the output of\n  %s\n"
                             "(the original's filtered count is not compared)" % cmd)
            verdict = got.rstrip("\n").rsplit(": ", 1)[-1]
            self.assertEqual(p.returncode, {"equivalent": 0, "not equivalent": 1}.get(verdict),
                             "exit status %d for the verdict %r" % (p.returncode, verdict))

    def test_trace_block_is_what_trace_prints(self):
        # The Tracing section's text trace: its first command copies the example to
        # /tmp/demo and goes there; here a scratch directory stands for /tmp/demo, and
        # its name is the only thing replaced in the output.
        block = block_after("The text output reads like strace's")
        runs = commands_and_outputs(block)
        setup = "mkdir -p /tmp/demo && cp build/examples/hello /tmp/demo/ && cd /tmp/demo"
        self.assertEqual(runs[0], (setup, ""), "README's trace block starts otherwise")
        demo = os.path.join(self.tmp, "demo")
        os.mkdir(demo)
        shutil.copy(self.examples["examples/hello"], demo)
        self.assertEqual(len(runs), 2, "README's trace block: expected one sysdiff trace run")
        cmd, want = runs[1]
        self.assertTrue(cmd.endswith(" >/dev/null"), cmd)
        p = subprocess.run(self.local_argv(cmd[:-len(" >/dev/null")]), cwd=demo,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        got = p.stderr.decode("utf-8", errors="replace").replace(demo + "/", "/tmp/demo/")
        self.assertEqual(got, want, "README.md's trace block differs from the output of\n  %s" % cmd)
