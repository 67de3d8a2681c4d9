"""Source lines (sysdiff trace --source): each reported syscall is tied to the file:line of
the user's own code that made it.  The fixtures in tests/fixtures/source/ mark the lines
they make syscalls on with tag comments ("/* @name */"); the expected lines are read from
there, so every check is exact."""
import json
import os
import re
import shutil
import subprocess
import time
import unittest

import sdtest
from sdtest import SysdiffTest, fmt_events, fmt_event

SRC_IN = os.path.join(sdtest.ROOT, "tests", "fixtures", "source")
SRC_BIN = os.path.join(sdtest.FIXTURES, "source")
REL = "tests/fixtures/source/"       # how the Makefile names the sources (from the root)


def tags(name):
    """{tag: line} of the tag comments of a fixture source."""
    out = {}
    with open(os.path.join(SRC_IN, name)) as f:
        for i, line in enumerate(f, 1):
            for m in re.finditer(r"(?:/\*|//|#)\s*@(\w+)", line):
                out[m.group(1)] = i
    return out


def need_bin(tc, name):
    sdtest.need_sysdiff(tc)
    path = os.path.join(SRC_BIN, name)
    if not os.access(path, os.X_OK):
        if name.startswith("rust_"):
            tc.skipTest("rustc is not installed: %s not built" % name)
        tc.skipTest("fixture %s is not built" % path)
    return path


def data_of(ev, i=1):
    return sdtest.buf_data(ev["args"][i]) if len(ev.get("args", [])) > i else None


def run_tool(tc, argv, cwd=None):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    tc.assertEqual(p.returncode, 0, "%s failed: %s" % (argv, p.stderr.decode(errors="replace")))
    return p.stdout.decode()


def build_id(tc, path):
    out = run_tool(tc, ["readelf", "-n", path])
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    tc.assertIsNotNone(m, "no build-id in %s" % path)
    return m.group(1)


class SourceBase(SysdiffTest):
    def trace_src(self, cmd, opts=("--source",), expect_rc=0, **kw):
        r = self.trace(cmd, opts=list(opts), expect_rc=expect_rc, **kw)
        self.assertComplete(r.trace, expect_rc)
        return r.trace

    def write_of(self, tr, data, pid=None):
        evs = [e for e in tr.syscalls(name="write", pid=pid) if data_of(e) == data]
        return self.one(evs, "write of %r" % data)

    def check_src(self, ev, file, line, func=None, module=None):
        src = ev.get("src")
        self.assertIsNotNone(src, "no source location on " + fmt_event(ev))
        self.assertEqual((src.get("file"), src.get("line")), (file, line),
                         "location of %s: %r" % (fmt_event(ev), src))
        if func is not None:
            self.assertEqual(src.get("func"), func, "function of %s: %r" % (fmt_event(ev), src))
        if module is not None:
            self.assertEqual(src.get("module"), module, "module of %s: %r" % (fmt_event(ev), src))
        self.assertNotIn("why", src)
        return src

    def check_no_line(self, ev, why_part=None):
        src = ev.get("src", {})
        self.assertNotIn("line", src, "a line where none can be known: " + fmt_event(ev) + " %r" % src)
        self.assertNotIn("file", src, fmt_event(ev) + " %r" % src)
        if why_part:
            self.assertIn(why_part, src.get("why", ""), "reason of %s: %r" % (fmt_event(ev), src))
        return src

    def check_c_lines(self, tr, exe, t=None, func_inline="say_inline"):
        t = t or tags("c_lines.c")
        f = REL + "c_lines.c"
        self.check_src(self.write_of(tr, b"direct\n"), f, t["direct"], "main", exe)
        self.check_src(self.write_of(tr, b"helper\n"), f, t["say"], "say", exe)
        self.check_src(self.write_of(tr, b"inline\n"), f, t["say_inline"], func_inline, exe)
        op = [e for e in tr.syscalls(name="openat") if sdtest.path_of(e["args"][1]) == b"c_lines.out"]
        self.check_src(self.one(op, "openat c_lines.out"), f, t["open"], "main")
        self.check_src(self.write_of(tr, b"buffered\n"), f, t["fclose"], "main")
        self.check_src(self.one(tr.syscalls(name="getppid"), "getppid"), f, t["raw"], "main")
        self.check_src(self.one(tr.syscalls(name="unlink"), "unlink"), f, t["unlink"], "main")
        for e in tr.syscalls(name="close"):
            if e["seq"] > self.write_of(tr, b"buffered\n")["seq"]:
                self.check_src(e, f, t["fclose"], "main")


class CTest(SourceBase):
    """One C program built six ways: the same lines whatever the build."""

    def variant(self, name, elf_type=None):
        exe = need_bin(self, name)
        if elf_type is not None:
            with open(exe, "rb") as fh:
                self.assertEqual(fh.read(18)[16], elf_type, "%s: ELF type" % name)
        tr = self.trace_src([exe])
        self.check_c_lines(tr, exe)
        # the dynamic loader's calls before main are nobody's line
        for e in tr.syscalls(name="execve") + tr.syscalls(name="exit_group"):
            self.check_no_line(e)
        return tr

    def test_O0_pie(self):
        self.variant("c_lines_O0", elf_type=3)

    def test_O2_inlined(self):
        tr = self.variant("c_lines_O2")
        # say_inline is inlined into main at -O2: the location still names it
        with_stack = self.trace_src([os.path.join(SRC_BIN, "c_lines_O2")], opts=["--stack"])
        fr = self.write_of(with_stack, b"inline\n")["src"]["stack"]
        names = [(f.get("func"), f.get("inline", False)) for f in fr if f.get("user")]
        self.assertEqual(names[:2], [("say_inline", True), ("main", False)], fr)
        self.assertTrue(tr)

    def test_omit_frame_pointer(self):
        self.variant("c_lines_nofp")

    def test_non_pie(self):
        self.variant("c_lines_nopie", elf_type=2)

    def test_static(self):
        tr = self.variant("c_lines_static", elf_type=2)
        self.assertEqual([e for e in tr.syscalls(name="openat")
                          if b"libc.so" in (sdtest.path_of(e["args"][1]) or b"")], [])

    def test_filtered_calls_are_located_too(self):
        exe = need_bin(self, "c_lines_O0")
        tr = self.trace_src([exe], opts=["--source", "-e", "trace=write,getppid,unlink,openat,close"])
        self.check_c_lines(tr, exe)

    def test_off_by_default(self):
        exe = need_bin(self, "c_lines_O0")
        tr = self.trace_src([exe], opts=[])
        self.assertEqual([e for e in tr.events if "src" in e], [])

    def test_text_output(self):
        exe = need_bin(self, "c_lines_O0")
        t = tags("c_lines.c")
        p = self.trace_text([exe], opts=["--source", "-e", "trace=write"])
        err = p.stderr.decode()
        self.assertIn('write(1, "direct\\n", 7) = 7 [%sc_lines.c:%d]\n' % (REL, t["direct"]), err)
        self.assertIn('write(1, "helper\\n", 7) = 7 [%sc_lines.c:%d]\n' % (REL, t["say"]), err)

    def test_stack(self):
        exe = need_bin(self, "c_lines_O0")
        t = tags("c_lines.c")
        tr = self.trace_src([exe], opts=["--stack", "-e", "trace=write"])
        ev = self.write_of(tr, b"helper\n")
        st = ev["src"]["stack"]
        self.assertTrue(st[0]["module"].endswith("/libc.so.6"), st[0])
        self.assertFalse(st[0].get("user", False))
        user = [f for f in st if f.get("user")]
        self.assertEqual([(f["func"], f.get("file"), f.get("line")) for f in user[:2]],
                         [("say", REL + "c_lines.c", t["say"]), ("main", REL + "c_lines.c", t["call_say"])], st)
        for f in user:
            self.assertEqual(f["module"], exe)
            self.assertGreater(f["pc"], f["off"])
        # the text form lists the frames under the call
        p = self.trace_text([exe], opts=["--stack", "-e", "trace=write"])
        self.assertRegex(p.stderr.decode(), r"\n > say at %sc_lines\.c:%d \(%s\+0x[0-9a-f]+\)\n"
                         % (re.escape(REL), t["say"], re.escape(exe)))
        # the reader takes all of it back (compare reads traces with it)
        c = self.run_cmd([sdtest.SYSDIFF, "compare", os.path.join(self.tmp, "trace.jsonl"),
                          os.path.join(self.tmp, "trace.jsonl")])
        self.assertEqual(c.returncode, 0, c.stderr.decode() + c.stdout.decode())


class BuildDirTest(SourceBase):
    def test_build_directory_inside_the_project(self):
        # cmake-style: compiled in proj/build from ../src: shown as src/c_lines.c
        proj = os.path.join(self.tmp, "proj")
        os.makedirs(os.path.join(proj, "src"))
        os.makedirs(os.path.join(proj, "build"))
        shutil.copy(os.path.join(SRC_IN, "c_lines.c"), os.path.join(proj, "src"))
        exe = os.path.join(proj, "build", "prog")
        subprocess.run(["cc", "-g", "-O1", "-o", "prog", "../src/c_lines.c"], cwd=os.path.join(proj, "build"),
                       check=True, timeout=60)
        t = tags("c_lines.c")
        tr = self.trace_src([exe])
        src = self.check_src(self.write_of(tr, b"helper\n"), "src/c_lines.c", t["say"], "say", exe)
        self.assertEqual(src["dir"], os.path.realpath(proj))


class NoDebugInfoTest(SourceBase):
    def test_symbol_table_names_no_lines(self):
        exe = need_bin(self, "c_lines_nodebug")
        tr = self.trace_src([exe])
        for data, func in ((b"direct\n", "main"), (b"helper\n", "say"), (b"inline\n", "say_inline")):
            ev = self.write_of(tr, data)
            src = self.check_no_line(ev, "no debug info for " + exe)
            self.assertEqual(src.get("func"), func, src)
        p = self.trace_text([exe], opts=["--source", "-v", "-e", "trace=write"])
        self.assertIn('write(1, "helper\\n", 7) = 7 [in say] (no source line: no debug info for %s)'
                      % exe, p.stderr.decode())

    def test_stripped_without_debug_file(self):
        exe = os.path.join(self.tmp, "prog")
        shutil.copy(need_bin(self, "c_lines_O0"), exe)
        run_tool(self, ["strip", "--strip-all", exe])
        tr = self.trace_src([exe])
        src = self.check_no_line(self.write_of(tr, b"helper\n"), "no debug info for " + exe)
        self.assertNotIn("func", src)   # no symbol table either
        self.assertEqual(src.get("module"), exe)


class DebugFileTest(SourceBase):
    """Separate debug info: build-id and .gnu_debuglink lookups."""

    def split(self, src_bin, debug_name, strip_args=("--strip-all",)):
        exe = os.path.join(self.tmp, "prog")
        shutil.copy(src_bin, exe)
        dbg = os.path.join(self.tmp, debug_name)
        run_tool(self, ["objcopy", "--only-keep-debug", exe, dbg])
        run_tool(self, ["strip"] + list(strip_args) + [exe])
        return exe, dbg

    def test_build_id_in_debug_dir(self):
        exe, dbg = self.split(need_bin(self, "c_lines_O0"), "prog.debug")
        bid = build_id(self, exe)
        d = os.path.join(self.tmp, "dbg", ".build-id", bid[:2])
        os.makedirs(d)
        os.rename(dbg, os.path.join(d, bid[2:] + ".debug"))
        tr = self.trace_src([exe], opts=["--source", "--debug-dir", os.path.join(self.tmp, "dbg")])
        self.check_c_lines(tr, exe)
        # without the directory: no lines, and no wrong ones
        tr = self.trace_src([exe])
        self.check_no_line(self.write_of(tr, b"helper\n"), "no debug info")

    def test_build_id_under_usr_lib_debug(self):
        root = "/usr/lib/debug"
        if not os.access(os.path.dirname(root), os.W_OK) and not os.access(root, os.W_OK):
            self.skipTest("cannot write under %s" % root)
        # a build-id of this test's own, so nothing else is ever found or removed
        bid = os.urandom(20).hex()
        exe = os.path.join(self.tmp, "prog")
        subprocess.run(["cc", "-g", "-O0", "-Wl,--build-id=0x" + bid, "-o", exe, REL + "c_lines.c"],
                       cwd=sdtest.ROOT, check=True, timeout=60)
        self.assertEqual(build_id(self, exe), bid)
        d = os.path.join(root, ".build-id", bid[:2])
        target = os.path.join(d, bid[2:] + ".debug")
        made = [p for p in (root, os.path.dirname(d), d) if not os.path.isdir(p)]
        os.makedirs(d, exist_ok=True)

        def clean():
            if os.path.exists(target):
                os.unlink(target)
            for p in reversed(made):   # directories this test made, if still empty
                try:
                    os.rmdir(p)
                except OSError:
                    pass
        self.addCleanup(clean)
        run_tool(self, ["objcopy", "--only-keep-debug", exe, target])
        run_tool(self, ["strip", "--strip-all", exe])
        tr = self.trace_src([exe])
        self.check_c_lines(tr, exe)

    def test_debuglink(self):
        # no build-id: found by name in .debug/, checked by CRC
        exe = os.path.join(self.tmp, "prog")
        subprocess.run(["cc", "-g", "-O0", "-Wl,--build-id=none", "-o", exe, REL + "c_lines.c"],
                       cwd=sdtest.ROOT, check=True, timeout=60)
        os.mkdir(os.path.join(self.tmp, ".debug"))
        dbg = os.path.join(self.tmp, ".debug", "prog.dbg")
        run_tool(self, ["objcopy", "--only-keep-debug", exe, dbg])
        run_tool(self, ["strip", "--strip-debug", exe])
        run_tool(self, ["objcopy", "--add-gnu-debuglink=" + dbg, exe])
        tr = self.trace_src([exe])
        self.check_c_lines(tr, exe)
        # a debug file of another build under that name fails the CRC: not used
        other = os.path.join(self.tmp, "other")
        subprocess.run(["cc", "-g", "-O2", "-Wl,--build-id=none", "-o", other, REL + "c_lines.c"],
                       cwd=sdtest.ROOT, check=True, timeout=60)
        run_tool(self, ["objcopy", "--only-keep-debug", other, dbg])
        tr = self.trace_src([exe])
        src = self.check_no_line(self.write_of(tr, b"helper\n"), "no debug info")
        self.assertEqual(src.get("func"), "say")    # the symbol table is still there

    def test_wrong_build_id_is_not_used(self):
        exe, dbg = self.split(need_bin(self, "c_lines_O0"), "prog.debug")
        bid = build_id(self, exe)
        d = os.path.join(self.tmp, "dbg", ".build-id", bid[:2])
        os.makedirs(d)
        # the debug file of another build, put where this one's would be
        run_tool(self, ["objcopy", "--only-keep-debug", need_bin(self, "c_lines_O2"),
                        os.path.join(d, bid[2:] + ".debug")])
        tr = self.trace_src([exe], opts=["--source", "--debug-dir", os.path.join(self.tmp, "dbg")])
        self.check_no_line(self.write_of(tr, b"helper\n"), "no debug info")


class CorruptDebugInfoTest(SourceBase):
    """Damaged DWARF: no crash, no wrong line; --verbose says why."""

    def damaged(self, section, how):
        exe = os.path.join(self.tmp, "prog")
        shutil.copy(need_bin(self, "c_lines_O0"), exe)
        raw = os.path.join(self.tmp, "section.bin")
        run_tool(self, ["objcopy", "--dump-section", "%s=%s" % (section, raw), exe])
        with open(raw, "rb") as f:
            data = f.read()
        if how == "truncate":
            data = data[:len(data) // 3]
        elif how == "garbage":
            data = bytes((i * 151 + 7) & 0xff for i in range(len(data)))
        elif how == "empty":
            data = b""
        with open(raw, "wb") as f:
            f.write(data)
        run_tool(self, ["objcopy", "--update-section", "%s=%s" % (section, raw), exe])
        return exe

    def check_damaged(self, exe):
        t = tags("c_lines.c")
        want = {b"direct\n": t["direct"], b"helper\n": t["say"], b"inline\n": t["say_inline"],
                b"buffered\n": t["fclose"]}
        tr = self.trace_src([exe])
        for data, line in want.items():
            src = self.write_of(tr, data).get("src", {})
            if "line" in src:
                self.assertEqual((src.get("file"), src["line"]), (REL + "c_lines.c", line),
                                 "a wrong location from damaged DWARF: %r" % src)
            else:
                self.assertIn("why", src)
        p = self.trace_text([exe], opts=["--source", "-v", "-e", "trace=write"])
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return tr

    def test_truncated_line_table(self):
        tr = self.check_damaged(self.damaged(".debug_line", "truncate"))
        src = self.write_of(tr, b"helper\n")["src"]
        self.assertNotIn("line", src)
        self.assertIn("line table", src.get("why", ""))

    def test_garbage_line_table(self):
        self.check_damaged(self.damaged(".debug_line", "garbage"))

    def test_truncated_info(self):
        self.check_damaged(self.damaged(".debug_info", "truncate"))

    def test_garbage_info(self):
        self.check_damaged(self.damaged(".debug_info", "garbage"))

    def test_garbage_abbrev(self):
        tr = self.check_damaged(self.damaged(".debug_abbrev", "garbage"))
        src = self.write_of(tr, b"helper\n")["src"]
        self.assertEqual(src.get("func"), "say", src)    # from the symbol table
        self.assertIn("cannot read the debug info", src.get("why", ""))

    def test_truncated_abbrev(self):
        self.check_damaged(self.damaged(".debug_abbrev", "truncate"))

    def test_garbage_file_names(self):
        # DWARF 5 keeps file names in .debug_line_str: garbage there is no file name
        tr = self.check_damaged(self.damaged(".debug_line_str", "garbage"))
        src = self.write_of(tr, b"helper\n")["src"]
        self.assertNotIn("file", src)

    def test_garbage_strings(self):
        # function names from damaged .debug_str are not believed
        tr = self.check_damaged(self.damaged(".debug_str", "garbage"))
        for data, func in ((b"direct\n", "main"), (b"helper\n", "say")):
            self.assertEqual(self.write_of(tr, data)["src"].get("func"), func)

    def test_empty_eh_frame(self):
        # no CFI: the stack cannot be unwound past libc, and nothing is guessed
        self.check_damaged(self.damaged(".eh_frame", "garbage"))


class CxxTest(SourceBase):
    def test_template_lambda_cout(self):
        exe = need_bin(self, "cxx_lines")
        t = tags("cxx_lines.cpp")
        tr = self.trace_src([exe])
        f = REL + "cxx_lines.cpp"
        self.check_src(self.write_of(tr, b"42\n"), f, t["template"], "app::Writer<int>::put", exe)
        src = self.check_src(self.write_of(tr, b"lambda\n"), f, t["lambda"])
        self.assertEqual(src["func"], "main::{lambda}::operator()")
        # written by libstdc++ (std::endl flushes): the user's line is the caller's
        self.check_src(self.write_of(tr, b"cout\n"), f, t["cout"], "main")


class RustTest(SourceBase):
    def rust(self, name):
        exe = need_bin(self, name)
        t = tags("rust_lines.rs")
        tr = self.trace_src([exe])
        f = REL + "rust_lines.rs"
        self.check_src(self.write_of(tr, b"Hello World!\n"), f, t["println"], "rust_lines::main", exe)
        op = [e for e in tr.syscalls(name="openat") if sdtest.path_of(e["args"][1]) == b"rust_lines.out"]
        self.check_src(self.one(op, "openat rust_lines.out"), f, t["fswrite"], "rust_lines::main")
        self.check_src(self.write_of(tr, b"data\n"), f, t["fswrite"], "rust_lines::main")
        self.check_src(self.write_of(tr, b"closure\n"), f, t["closure"], "rust_lines::main::{closure#0}")
        self.check_src(self.one(tr.syscalls(name="unlink"), "unlink"), f, t["remove"], "rust_lines::main")
        # std's start-up (the stack guard reads /proc/self/maps) is nobody's line
        maps = [e for e in tr.syscalls(name="openat") if sdtest.path_of(e["args"][1]) == b"/proc/self/maps"]
        for e in maps:
            self.check_no_line(e, "no frame of user code")
        return tr

    def test_debug(self):
        self.rust("rust_lines")

    def test_optimized(self):
        self.rust("rust_lines_opt")

    def test_text_matches_spec_example(self):
        exe = need_bin(self, "rust_lines")
        t = tags("rust_lines.rs")
        p = self.trace_text([exe], opts=["--source", "-e", "trace=write"], cwd=self.tmp)
        self.assertIn('write(1, "Hello World!\\n", 13) = 13 [%srust_lines.rs:%d]\n' % (REL, t["println"]),
                      p.stderr.decode())


class ProcessesTest(SourceBase):
    def test_thread(self):
        exe = need_bin(self, "src_thread")
        t = tags("src_thread.c")
        tr = self.trace_src([exe])
        ev = self.write_of(tr, b"thread\n")
        self.assertNotEqual(ev["tid"], ev["pid"])
        self.check_src(ev, REL + "src_thread.c", t["thread"], "worker", exe)
        self.check_src(self.write_of(tr, b"main\n"), REL + "src_thread.c", t["main"], "main", exe)

    def test_fork_then_exec(self):
        exe = need_bin(self, "src_fork")
        other = need_bin(self, "c_lines_O2")
        t = tags("src_fork.c")
        tr = self.trace_src([exe, other])
        child = self.write_of(tr, b"child\n")
        self.assertNotEqual(child["pid"], tr.header["pid"])
        self.check_src(child, REL + "src_fork.c", t["child"], "main", exe)
        ex = [e for e in tr.syscalls(name="execve", pid=child["pid"])]
        self.check_src(self.one(ex, "the child's execve"), REL + "src_fork.c", t["exec"], "main", exe)
        self.check_src(self.write_of(tr, b"parent\n"), REL + "src_fork.c", t["parent"], "main", exe)
        # after the exec the child is another program: its lines, its module
        self.check_c_lines(tr, other)

    def test_libraries(self):
        exe = need_bin(self, "src_uselib")
        for opts in (["--source"], ["--source", "-e", "trace=write"]):
            tr = self.trace_src([exe], opts=opts)
            self.check_src(self.write_of(tr, b"library\n"), REL + "libsrcuser.c", tags("libsrcuser.c")["lib"],
                           "lib_say", os.path.join(SRC_BIN, "libsrcuser.so"))
            # loaded with dlopen while traced: the module list follows
            self.check_src(self.write_of(tr, b"plugin\n"), REL + "libsrcplug.c", tags("libsrcplug.c")["plug"],
                           "plug_say", os.path.join(SRC_BIN, "libsrcplug.so"))
            self.check_src(self.write_of(tr, b"main\n"), REL + "src_uselib.c", tags("src_uselib.c")["main"],
                           "main", exe)

    def test_binary_replaced_while_running(self):
        exe = os.path.join(self.tmp, "prog")
        shutil.copy(need_bin(self, "src_replace"), exe)
        other = os.path.join(self.tmp, "other")
        shutil.copy(need_bin(self, "c_lines_O0"), other)
        out = os.path.join(self.tmp, "r.jsonl")
        sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "--source", "-e", "trace=write", "-o", out,
                               "--", exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        def blocked():
            # the program runs (exec'd) and waits in read(0): state S
            try:
                with open("/proc/%d/task/%d/children" % (sd.pid, sd.pid)) as f:
                    kids = [int(k) for k in f.read().split()]
                return any(os.readlink("/proc/%d/exe" % k) == exe and
                           (sdtest.proc_status(k) or {}).get("State", "").startswith("S") for k in kids)
            except OSError:
                return False
        try:
            self.assertTrue(sdtest.wait_for(blocked, timeout=sdtest.TIMEOUT / 2), "the program did not start")
            os.replace(other, exe)   # a new file under the program's name
            sd.stdin.write(b"a")
            sd.stdin.flush()
            time.sleep(0.1)
            _, err = sd.communicate(input=b"b", timeout=sdtest.TIMEOUT)
        finally:
            if sd.poll() is None:
                sd.kill()
                sd.wait()
        self.assertEqual(sd.returncode, 0, err.decode())
        with open(out) as f:
            tr = sdtest.Trace(f.read())
        t = tags("src_replace.c")
        for data, tag in ((b"first\n", "first"), (b"second\n", "second")):
            src = self.write_of(tr, data).get("src", {})
            if os.geteuid() == 0:
                # root reads the mapped file through /proc/PID/map_files: still right
                self.assertEqual((src.get("file"), src.get("line")), (REL + "src_replace.c", t[tag]), src)
            else:
                self.assertEqual(src.get("line", t[tag]), t[tag], src)


class AttachTest(SourceBase):
    def test_attach(self):
        exe = need_bin(self, "src_replace")
        prog = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        try:
            self.assertTrue(sdtest.wait_for(lambda: (sdtest.proc_status(prog.pid) or {}).get("State", "")
                                            .startswith("S")), "the program did not block")
            out = os.path.join(self.tmp, "a.jsonl")
            sd = subprocess.Popen([sdtest.SYSDIFF, "trace", "--source", "-o", out, "-p", str(prog.pid)],
                                  stderr=subprocess.PIPE)
            time.sleep(0.5)
            prog.stdin.write(b"ab")
            prog.stdin.close()
            prog.wait(timeout=sdtest.TIMEOUT)
            _, err = sd.communicate(timeout=sdtest.TIMEOUT)
        finally:
            for p in (prog,):
                if p.poll() is None:
                    p.kill()
                    p.wait()
        self.assertEqual(sd.returncode, 0, err.decode())
        with open(out) as f:
            tr = sdtest.Trace(f.read())
        t = tags("src_replace.c")
        self.check_src(self.write_of(tr, b"first\n"), REL + "src_replace.c", t["first"], "main", exe)
        self.check_src(self.write_of(tr, b"second\n"), REL + "src_replace.c", t["second"], "main", exe)


class SourceMapTest(SourceBase):
    MAP = os.path.join(SRC_IN, "rust_mapped.map.json")

    def test_fixture_map_matches_sources(self):
        with open(self.MAP) as f:
            m = json.load(f)
        rs, py = tags("rust_mapped.rs"), tags("main.py")
        rust_lines = {e["rust_line"]: e["python_line"] for e in m["mappings"]}
        self.assertEqual(rust_lines[rs["rs_greet"]], py["py_greet"])
        self.assertEqual(rust_lines[rs["rs_write"]], py["py_write"])
        self.assertNotIn(rs["rs_greet_write"], rust_lines)   # found as the nearest line before

    def test_python_lines(self):
        exe = need_bin(self, "rust_mapped")
        rs, py = tags("rust_mapped.rs"), tags("main.py")
        tr = self.trace_src([exe], opts=["--source-map", self.MAP])
        src = self.check_src(self.write_of(tr, b"Hello World!\n"), "main.py", py["py_greet"], "greet", exe)
        self.assertEqual((src["gen_file"], src["gen_line"], src["gen_func"]),
                         (REL + "rust_mapped.rs", rs["rs_greet_write"], "rust_mapped::greet"))
        self.check_src(self.write_of(tr, b"data\n"), "main.py", py["py_write"], "main")
        # text: the original line; -v adds the generated one
        p = self.trace_text([exe], opts=["--source-map", self.MAP, "-e", "trace=write"])
        self.assertIn('write(1, "Hello World!\\n", 13) = 13 [main.py:%d]\n' % py["py_greet"], p.stderr.decode())
        p = self.trace_text([exe], opts=["--source-map", self.MAP, "-v", "-e", "trace=write"])
        self.assertIn('= 13 [main.py:%d] (generated: %srust_mapped.rs:%d in rust_mapped::greet)\n'
                      % (py["py_greet"], REL, rs["rs_greet_write"]), p.stderr.decode())

    def test_compare_names_original_lines(self):
        exe = need_bin(self, "rust_mapped")
        py = tags("main.py")
        good = os.path.join(self.tmp, "good.jsonl")
        bad = os.path.join(self.tmp, "bad.jsonl")
        self.trace([exe], opts=["--source-map", self.MAP], out=good, expect_rc=0)
        env = dict(os.environ, SD_BUG="1")
        self.trace([exe], opts=["--source-map", self.MAP], out=bad, expect_rc=0, env=env)
        c = self.run_cmd([sdtest.SYSDIFF, "compare", good, bad])
        self.assertEqual(c.returncode, 1, c.stdout.decode() + c.stderr.decode())
        rep = c.stdout.decode()
        self.assertIn('write(1, "Hello World!\\n", 13) = 13 [main.py:%d]' % py["py_greet"], rep)
        self.assertIn('write(1, "Hello World\\n", 12) = 12 [main.py:%d]' % py["py_greet"], rep)


class CompareTest(SourceBase):
    def test_compare_shows_lines(self):
        exe = need_bin(self, "c_lines_O2")
        t = tags("c_lines.c")
        a = os.path.join(self.tmp, "a.jsonl")
        b = os.path.join(self.tmp, "b.jsonl")
        self.trace([exe], opts=["--source"], out=a, expect_rc=0)
        self.trace([exe], opts=["--source"], out=b, expect_rc=0, env=dict(os.environ, SD_BUG="1"))
        c = self.run_cmd([sdtest.SYSDIFF, "compare", a, b])
        self.assertEqual(c.returncode, 1, c.stdout.decode() + c.stderr.decode())
        rep = c.stdout.decode()
        self.assertIn('Original:   write(1, "direct\\n", 7) = 7 [%sc_lines.c:%d]' % (REL, t["direct"]), rep)
        self.assertIn('Transpiled: write(1, "direct!\\n", 8) = 8 [%sc_lines.c:%d]' % (REL, t["direct"]), rep)


class BadInputTest(SourceBase):
    def bad_map(self, text, want):
        m = os.path.join(self.tmp, "bad.map.json")
        with open(m, "w") as f:
            f.write(text)
        marker = os.path.join(self.tmp, "ran")
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--source-map", m, "--", "/bin/touch", marker])
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 125, err)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn(m, err)
        self.assertIn(want, err)
        self.assertFalse(os.path.exists(marker), "the command ran despite a bad map")

    def test_not_json(self):
        self.bad_map("{ this is not json", "not valid JSON")

    def test_other_version(self):
        self.bad_map('{"version": 2, "source_file": "a.py", "generated_file": "a.rs", "mappings": []}',
                     "unsupported version 2")

    def test_missing_fields(self):
        self.bad_map('{"version": 1, "generated_file": "a.rs", "mappings": []}', "missing 'source_file'")
        self.bad_map('{"version": 1, "source_file": "a.py", "generated_file": "a.rs", '
                     '"mappings": [{"rust_line": "x", "python_line": 1}]}', "rust_line")

    def test_missing_file(self):
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--source-map", "/nonexistent/m.json", "--", "true"])
        self.assertEqual(p.returncode, 125)
        self.assertIn("/nonexistent/m.json", p.stderr.decode())

    def test_bad_debug_dir(self):
        p = self.run_cmd([sdtest.SYSDIFF, "trace", "--debug-dir", "rel/dir", "--", "true"])
        self.assertEqual(p.returncode, 2)   # a usage error
        self.assertIn("--debug-dir", p.stderr.decode())


class SystemProgramsTest(SourceBase):
    def test_shell_has_no_user_frames(self):
        tr = self.trace_src(["/bin/sh", "-c", "echo hi > out.txt"])
        w = self.write_of(tr, b"hi\n")
        self.check_no_line(w, "no user code")


if __name__ == "__main__":
    unittest.main()
