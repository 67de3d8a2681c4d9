"""-e trace=SPEC filtering, with the seccomp fast path and without it."""
import os
import re
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events, fmt_event


PID_ARGS = {"wait4", "waitid", "kill", "tgkill", "tkill"}


def shape(tr):
    """A run-independent form of a trace: (kind, process index, name, args, ret...)."""
    order = tr.creation_order("tid")
    idx = {t: i for i, t in enumerate(order)}
    out = []
    for e in tr.events:
        if e["type"] == "syscall":
            args = []
            for a in e.get("args", []):
                if a.get("type") == "ptr":
                    args.append(("ptr", a.get("raw") == 0))
                elif a.get("type") in ("fd", "int", "uint", "flags", "mode", "signal", "hex"):
                    ref = a.get("ref")
                    if isinstance(ref, str):   # inode numbers differ between runs
                        ref = re.sub(r"^(\w+):\[\d+\]$", r"\1:[]", ref)
                    raw = a.get("raw")
                    if e["name"] in PID_ARGS and raw in idx:
                        raw = ("tid", idx[raw])
                    args.append((raw, a.get("text"), ref))
                elif a.get("type") == "path":
                    args.append((sdtest.path_of(a), sdtest.abs_of(a)))
                elif a.get("type") == "buf":
                    args.append((a.get("len"), a.get("hash"), sdtest.buf_data(a)))
                else:
                    args.append((a.get("type"),))
            ret = e.get("ret")
            if e["name"] in sdtest.CLONE_NAMES | {"wait4", "getpid", "gettid"} and isinstance(ret, int) and ret > 0:
                ret = ("tid", idx.get(ret))
            out.append(("syscall", idx[e["tid"]], e["name"], tuple(args), ret, e.get("err"),
                        e.get("interrupted"), e.get("unfinished")))
        else:
            out.append((e["type"], idx[e["tid"]], e.get("sig"), e.get("status")))
    return out


class FilterTest(SysdiffTest):
    def names(self, tr):
        return [e["name"] for e in tr.syscalls()]

    def test_a_program_with_its_own_seccomp_filter(self):
        # its filter fails mkdir before ours could send it to the tracer: once it has a
        # filter, its calls (and its child's) stop at entry, before any filter runs
        exe = self.build_c("sandboxed", sdtest.SANDBOXED)
        for opts in (["-e", "trace=mkdir,exit_group"], []):
            r = self.trace([exe], opts=opts, cwd=self.tmp, expect_rc=0)
            mk = [e for e in r.trace.syscalls() if e["name"] == "mkdir"]
            self.assertEqual([(sdtest.path_of(e["args"][0]), e.get("err")) for e in mk],
                             [(b"d", "EPERM"), (b"e", "EPERM")], "%s\n%s" % (opts, fmt_events(r.trace.events)))

    def test_names_openat_write(self):
        fx = sdtest.need_fixture(self, "fileops")
        r = self.trace([fx], opts=["-e", "trace=openat,write"], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        names = self.names(tr)
        self.assertEqual(set(names), {"openat", "write"}, fmt_events(tr.events))
        # the program's own calls, in order, after the loader's openat calls
        tail = names[names.index("write") - 2:]
        self.assertEqual(tail, ["openat", "openat", "write", "openat", "openat"], fmt_events(tr.events))
        self.assertEqual([e.get("type") for e in tr.events if e["type"] != "syscall"], ["exit"])

    def test_class_file(self):
        fx = sdtest.need_fixture(self, "fileops")
        r = self.trace([fx], opts=["-e", "trace=%file"], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        names = set(self.names(tr))
        file_class = sdtest.syscall_class("TF")
        self.assertLessEqual(names, file_class, "only %%file syscalls: %s" % sorted(names - file_class))
        for n in ("execve", "openat", "mkdir", "rename", "symlink", "readlink", "chmod", "unlink",
                  "unlinkat", "rmdir"):
            self.assertIn(n, names)
        for n in ("write", "close", "ftruncate", "mmap", "exit_group"):
            self.assertNotIn(n, names)

    def test_negation(self):
        fx = sdtest.need_fixture(self, "fileops")
        r = self.trace([fx], opts=["-e", "trace=!write"], expect_rc=0)
        names = self.names(r.trace)
        self.assertNotIn("write", names)
        for n in ("execve", "openat", "close", "ftruncate", "exit_group"):
            self.assertIn(n, names)
        r2 = self.trace([fx], opts=["-e", "!write,close"], expect_rc=0,
                        out=self.tmp + "/t2.jsonl")
        names = self.names(r2.trace)
        self.assertNotIn("write", names)
        self.assertNotIn("close", names)
        self.assertIn("ftruncate", names)

    def test_regex(self):
        fx = sdtest.need_fixture(self, "getppid_loop")
        r = self.trace([fx, "25"], opts=["-e", "trace=/^getp"], expect_rc=0)
        names = self.names(r.trace)
        self.assertEqual(names, ["getppid"] * 25, fmt_events(r.trace.events[:5]))
        rets = {e["ret"] for e in r.trace.syscalls()}
        self.assertEqual(len(rets), 1, rets)
        self.assertGreater(rets.pop(), 1)

    def test_seccomp_and_no_seccomp_identical(self):
        for fxname, argv, spec in (("getppid_loop", ["300"], "trace=write,exit_group"),
                                   ("fileops", [], "trace=%file"),
                                   ("forkexec", [], "trace=%process,write"),
                                   ("sigrestart", [], "trace=read,nanosleep,clock_nanosleep")):
            fx = sdtest.need_fixture(self, fxname)
            cmd = [fx] + argv
            rc = {"getppid_loop": 0, "fileops": 0, "forkexec": 3, "sigrestart": 0}[fxname]
            a = self.trace(cmd, opts=["-e", spec], expect_rc=rc, out=self.tmp + "/a.jsonl")
            b = self.trace(cmd, opts=["-e", spec, "--no-seccomp"], expect_rc=rc, out=self.tmp + "/b.jsonl")
            self.assertComplete(a.trace, rc)
            self.assertComplete(b.trace, rc)
            sa, sb = shape(a.trace), shape(b.trace)
            self.assertTrue(sa, "%s: no events" % fxname)
            self.assertEqual(sa, sb, "%s -e %s: seccomp vs --no-seccomp" % (fxname, spec))
            if fxname == "getppid_loop":
                self.assertEqual([e["name"] for e in a.trace.syscalls()], ["write", "exit_group"])
            if fxname == "sigrestart":
                # the restart of a filtered-in call is linked even though
                # restart_syscall is not in the set
                s = [e for e in a.trace.syscalls() if e["name"] in ("nanosleep", "clock_nanosleep")]
                self.assertEqual(len(s), 2, fmt_events(a.trace.events))
                self.assertEqual(s[1].get("restart_of"), s[0]["seq"])

    def test_fd_refs_and_paths_with_unseen_calls(self):
        # with seccomp, close/dup2/chdir may not be seen: fd refs and absolute
        # paths must still be right (no stale cache)
        os.mkdir(os.path.join(self.tmp, "sub"))
        with open(os.path.join(self.tmp, "sub", "x"), "w") as f:
            f.write("x\n")
        T = os.path.realpath(self.tmp)
        script = ("echo a > A.txt; echo b > B.txt; exec 3>C.txt; echo c >&3; "
                  "cat sub/x; cd sub && cat x; cd .. && cat sub/x")
        for spec in ("trace=write", "trace=write,close", "trace=openat,write", "trace=!close",
                     "trace=openat,write,chdir"):
            for extra in ([], ["--no-seccomp"]):
                r = self.trace(["/bin/sh", "-c", script], opts=["-e", spec] + extra, expect_rc=0)
                writes = [w for w in r.trace.syscalls(name="write") if w["args"][0].get("raw") != 1
                          or not w["args"][0].get("ref", "").startswith("pipe:")]
                self.assertEqual([w["args"][0].get("ref") for w in writes][:3],
                                 [T + "/A.txt", T + "/B.txt", T + "/C.txt"], "%s %s" % (spec, extra))
                if "openat" in spec:
                    ab = [sdtest.abs_of(o["args"][1]) for o in r.trace.syscalls(name="openat")
                          if sdtest.path_of(o["args"][1]) in (b"x", b"sub/x")]
                    self.assertEqual(ab, [(T + "/sub/x").encode()] * 3, "%s %s" % (spec, extra))


if __name__ == "__main__":
    unittest.main()
