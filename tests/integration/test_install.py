"""Installing like any Unix tool: `make install` and `make uninstall` (PREFIX, DESTDIR)
put every file in place and take it away; the installed man page renders and documents
every option each subcommand accepts (its getopt table in src/cli/*.c and its --help);
the bash completion completes subcommands, options, their values and -e trace= items,
and both completions list every subcommand, option, %class and syscall name of the
sources; zsh's file parses."""
import os
import re
import shutil
import stat
import subprocess
import unittest

import sdtest
from sdtest import SysdiffTest, ROOT, SYSDIFF

FILES = {
    "usr/bin/sysdiff": 0o755,
    "usr/share/man/man1/sysdiff.1": 0o644,
    "usr/share/bash-completion/completions/sysdiff": 0o644,
    "usr/share/zsh/site-functions/_sysdiff": 0o644,
}
def source(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def getopt_table(cmd):
    """The options src/cli/CMD.c gives getopt_long: {"--long", "-x", ...}."""
    text = source("src/cli/%s.c" % cmd)
    opts = {"--" + n for n in re.findall(r'\{\s*"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument',
                                         text)}
    m = re.search(r'getopt_long\(argc, argv, "\+?([^"]*)"', text)
    opts |= {"-" + c for c in m.group(1) if c.isalnum()}
    return opts


def help_options(cmd):
    """The options `sysdiff CMD --help` lists in its first column ("-t, -tt", "-o FILE")."""
    out = subprocess.run([SYSDIFF, cmd, "--help"], stdout=subprocess.PIPE, check=True).stdout.decode()
    opts = set()
    for line in out.splitlines():
        m = re.match(r"^ {2,}(-\S.*?)(?: {2,}|$)", line)
        if m:
            opts |= set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", m.group(1)))
    return opts


def subcommands():
    """The subcommands src/main.c dispatches."""
    return set(re.findall(r'!strcmp\(cmd, "([a-z]+)"\)\)\s*return cmd_', source("src/main.c")))


def syscall_names():
    return set(re.findall(r"^SD_SYSCALL\(\d+, (\w+)\)$", source("src/arch/syscall_names.h"), re.M))


def classes():
    """The %classes src/filter/sysset.c accepts."""
    return set(re.findall(r'\{ "(%[%a-z]+)", SD_', source("src/filter/sysset.c")))


def man_section(cmd):
    """The options of cmd in docs/sysdiff.1, as plain text: trace's open the OPTIONS
    section, each other subcommand's are under "Options of CMD".  None: no such part."""
    t = source("docs/sysdiff.1").replace("\\-", "-")
    t = re.sub(r"\\f[BIRP]", "", t).replace('"', " ")
    m = re.search(r"^\.SH OPTIONS\n(.*?)^\.S[SH] " if cmd == "trace" else
                  r"^\.SS Options of %s\n(.*?)^\.S[SH] " % cmd, t, re.S | re.M)
    return m.group(1) if m else None


def mentions(text, opt):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), text) is not None


def make_env():
    """The environment for a make of our own: not the jobserver of a make above us."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


class InstallTest(SysdiffTest):
    def make(self, target, dest):
        if not shutil.which("make"):
            self.skipTest("make not installed")
        build = os.path.relpath(sdtest.BUILD, ROOT)
        # -o: install what is built; never rebuild it here (a sanitizer build has other flags)
        p = self.run_cmd(["make", "-s", "-C", ROOT, "BUILD=" + build, "-o", build + "/sysdiff",
                          target, "DESTDIR=" + dest, "PREFIX=/usr"], env=make_env())
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))

    def install(self):
        dest = os.path.join(self.tmp, "stage")
        self.make("install", dest)
        return dest

    def bash_complete(self, words, cword=None):
        """COMPREPLY of the installed bash completion for COMP_WORDS=words."""
        comp = os.path.join(self.dest, "usr/share/bash-completion/completions/sysdiff")
        cword = len(words) - 1 if cword is None else cword
        script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=%d; _sysdiff; ' \
                 'printf "%%s\\n" "${COMPREPLY[@]}"' % cword
        p = self.run_cmd(["bash", "--norc", "--noprofile", "-c", script, "bash", comp] + list(words))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"", "the completion printed errors")
        return set(p.stdout.decode().split())

    def test_install_and_uninstall(self):
        dest = self.install()
        for path, mode in FILES.items():
            full = os.path.join(dest, path)
            self.assertTrue(os.path.isfile(full), path)
            self.assertEqual(stat.S_IMODE(os.stat(full).st_mode), mode, path)
        with open(os.path.join(dest, "usr/share/man/man1/sysdiff.1"), "rb") as f:
            self.assertEqual(f.read(), source("docs/sysdiff.1").encode())
        p = self.run_cmd([os.path.join(dest, "usr/bin/sysdiff"), "--version"])
        self.assertEqual(p.stdout.decode(), "sysdiff 0.1.0\n")
        self.make("uninstall", dest)
        for path in FILES:
            self.assertFalse(os.path.exists(os.path.join(dest, path)), path)

    def test_man_page_renders(self):
        if not shutil.which("man"):
            self.skipTest("man not installed")
        dest = self.install()
        env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80", LANG="C.UTF-8")
        page = os.path.join(dest, "usr/share/man/man1/sysdiff.1")
        p = self.run_cmd(["man", "-l", page], env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        for heading in ("SYSDIFF(1)", "NAME", "SYNOPSIS", "OPTIONS", "EXIT STATUS", "SEE ALSO"):
            self.assertIn(heading, out)
        self.assertEqual(p.stderr.decode(), "", "groff warnings")
        # `man sysdiff` finds it under PREFIX/share/man (what `--help` tells people to run)
        p = self.run_cmd(["man", "sysdiff"], env=dict(env, MANPATH=os.path.join(dest, "usr/share/man")))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("sysdiff - trace programs at the syscall boundary", p.stdout.decode())

    def test_bash_completion(self):
        if not shutil.which("bash"):
            self.skipTest("bash not installed")
        self.dest = self.install()
        self.assertEqual(self.bash_complete(["sysdiff", "val"]), {"validate"})
        self.assertEqual(self.bash_complete(["sysdiff", "compare", "--ig"]),
                         {"--ignore", "--ignore-cloexec"})
        # bash splits "trace=%fi" at '=' (COMP_WORDBREAKS): the reply replaces "%fi"
        self.assertEqual(self.bash_complete(["sysdiff", "trace", "-e", "trace", "=", "%fi"]), {"%file"})
        self.assertEqual(self.bash_complete(["sysdiff", "trace", "-e", "trace=%fi"]), {"trace=%file"})
        self.assertEqual(self.bash_complete(["sysdiff", "trace", "-e", "trace=%file,ren"]),
                         {"trace=%file,rename", "trace=%file,renameat", "trace=%file,renameat2"})
        self.assertEqual(self.bash_complete(["sysdiff", "trace", "-e", "!%pro"]), {"!%process"})
        self.assertEqual(self.bash_complete(["sysdiff", "compare", "--ignore", "%me"]), {"%memory"})
        self.assertEqual(self.bash_complete(["sysdiff", "compare", "--color", "=", "al"]), {"always"})
        self.assertEqual(self.bash_complete(["sysdiff", "trace", "--format", "j"]), {"jsonl"})
        self.assertEqual(self.bash_complete(["sysdiff", "validate", "--format", "j"]), {"json", "junit"})
        self.assertEqual(self.bash_complete(["sysdiff", "validate", "--net", ""]), {"none", "host"})
        # option values are not options; after the options, files (and trace's command)
        with open(os.path.join(self.tmp, "base.jsonl"), "w"):
            pass
        self.assertEqual(self.bash_complete(["sysdiff", "compare", "-o", "x", self.tmp + "/ba"]),
                         {self.tmp + "/base.jsonl"})
        self.assertIn("true", self.bash_complete(["sysdiff", "trace", "-o", "t.jsonl", "--", "tru"]))

    def test_completions_list_the_sources(self):
        self.dest = self.install()
        names, cls, cmds = syscall_names(), classes(), subcommands()
        self.assertGreater(len(names), 300)
        self.assertEqual(len(cls), 18, cls)
        self.assertLessEqual({"trace", "compare", "validate"}, cmds)
        if shutil.which("bash"):
            self.assertLessEqual(cmds, self.bash_complete(["sysdiff", ""]))
            for cmd in cmds:
                offered = {o.rstrip("=") for o in self.bash_complete(["sysdiff", cmd, "-"])}
                self.assertEqual(getopt_table(cmd) - offered, set(), "bash: options of " + cmd)
            items = self.bash_complete(["sysdiff", "trace", "-e", "trace", "=", ""])
            self.assertEqual(cls - items, set(), "bash: classes")
            self.assertEqual(names - items, set(), "bash: syscall names")
        with open(os.path.join(self.dest, "usr/share/zsh/site-functions/_sysdiff")) as f:
            zsh = f.read()
        self.assertTrue(zsh.startswith("#compdef sysdiff\n"))
        for cmd in cmds:
            self.assertIn("\n    %s) _sysdiff_%s && ret=0 ;;\n" % (cmd, cmd), zsh)
            body = re.search(r"\n_sysdiff_%s\(\) \{\n(.*?)\n\}\n" % cmd, zsh, re.S).group(1)
            missing = {o for o in getopt_table(cmd) if not mentions(body, o)}
            self.assertEqual(missing, set(), "zsh: options of " + cmd)
        m = re.search(r"_sysdiff_syscall_names=\(\n(.*?)\n\)", zsh, re.S)
        self.assertEqual(set(m.group(1).split()), names, "zsh: syscall names")
        for c in cls | cmds:
            self.assertIn(c, zsh)

    def test_zsh_completion_parses(self):
        if not shutil.which("zsh"):
            self.skipTest("zsh not installed")
        dest = self.install()
        p = self.run_cmd(["zsh", "-n", os.path.join(dest, "usr/share/zsh/site-functions/_sysdiff")])
        self.assertEqual((p.returncode, p.stderr), (0, b""))


class ManPageTest(SysdiffTest):
    def test_every_option_documented(self):
        """Every option of each subcommand's getopt table and --help is in its section of
        the man page (-h/--help once, for all of them)."""
        helps = man_section("trace")
        for cmd in sorted(subcommands()):
            section = man_section(cmd)
            self.assertIsNotNone(section, "docs/sysdiff.1 has no \"Options of %s\"" % cmd)
            opts = getopt_table(cmd) | help_options(cmd)
            missing = sorted(o for o in opts if not mentions(section, o) and
                             not (o in ("-h", "--help") and mentions(helps, o)))
            self.assertEqual(missing, [], "options of %s missing from docs/sysdiff.1" % cmd)

    def test_trace_syscalls_explained(self):
        text = re.sub(r"\s+", " ", man_section("validate"))
        self.assertRegex(text, r"--trace-syscalls .*compatibility with the specification; "
                               r"tracing is always on")

    def test_exit_status_table(self):
        """The man page and `sysdiff --help` give the same exit statuses."""
        man = source("docs/sysdiff.1")
        status = man[man.index(".SH EXIT STATUS"):]
        for code in ("0", "1", "2", "125", "126", "127"):
            self.assertIn("\n.B %s\n" % code, status)
        self.assertIn("usage error", status)
        out = subprocess.run([SYSDIFF, "--help"], stdout=subprocess.PIPE, check=True).stdout.decode()
        table = out[out.index("exit status:"):]
        for code in ("0", "1", "2", "125", "126", "127"):
            self.assertRegex(table, r"(?m)(^  %s |\b%s:)" % (code, code))
        self.assertRegex(table, r"(?m)^  2 +a usage error, in every command")


if __name__ == "__main__":
    unittest.main()
