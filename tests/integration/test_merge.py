"""validate --cases --shard K/N and sysdiff merge: four shards of a manifest of eight
cases (tests/fixtures/validate/greet.py against its C translation, with inputs on which
they agree and differ, and one case that cannot run), run in parallel and merged, give
the verdicts, counts and exit status of one unsharded run, in every format."""
import json
import os
import subprocess
import xml.etree.ElementTree as ET

from sdtest import SYSDIFF
from test_validate import ValidateBase

# (name, stdin or None, env): greet.py strips every blank around the name, greet.c only
# the trailing newline and spaces, so a name with a tab or leading blanks differs.
CASES = [
    ("ada", "Ada\n", {}), ("grace", "Grace\n", {}), ("from-env", None, {"NAME": "Linus"}),
    ("default", None, {}), ("leading-blanks", "  Ada\n", {}), ("tab", "Ada\t\n", {}),
    ("unicode", "Zoë\n", {}), ("no-workdir", None, {}),
]


class ShardMergeTest(ValidateBase):
    def setUp(self):
        super().setUp()
        d = os.path.join(self.tmp, "suite")
        os.mkdir(d)
        cases = []
        for name, stdin, env in CASES:
            c = {"name": name}
            if stdin is not None:
                with open(os.path.join(d, name + ".txt"), "w") as f:
                    f.write(stdin)
                c["stdin"] = name + ".txt"
            if env:
                c["env"] = env
            if name == "no-workdir":
                c["workdir"] = "missing"
            cases.append(c)
        self.manifest = os.path.join(d, "cases.json")
        with open(self.manifest, "w") as f:
            json.dump({"cases": cases}, f)
        self.new = self.greet(0)

    def run_suite(self, *args, expect_rc=None):
        return self.validate("--cases", self.manifest, "--original", self.orig,
                             "--transpiled", self.new, *args, stdin=b"", expect_rc=expect_rc)

    def shards(self, fmt, n=4, extra=()):
        """The n shards at once, each -j 1; their report files."""
        procs, outs = [], []
        for k in range(1, n + 1):
            out = os.path.join(self.tmp, "shard-%d.%s" % (k, "xml" if fmt == "junit" else fmt))
            argv = [SYSDIFF, "validate", "--color=never", "--cases", self.manifest, "--original",
                    self.orig, "--transpiled", self.new, "--shard", "%d/%d" % (k, n), "-j", "1",
                    "--format", fmt, "-o", out] + list(extra)
            procs.append(subprocess.Popen(argv, cwd=self.work, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
            outs.append(out)
        for p in procs:
            _, err = p.communicate(timeout=300)
            self.assertEqual(p.returncode in (0, 1, 2), True, err)
        return outs

    def merge(self, *args, expect_rc=None):
        p = subprocess.run([SYSDIFF, "merge"] + list(args), cwd=self.work, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stderr.decode())
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def verdicts(self, report):
        return [(c["case"], c["verdict"]) for c in report["cases"]]

    def test_four_shards_merged_equal_one_run(self):
        rc, out, err = self.run_suite("--format", "json", "-j", "2", expect_rc=2)
        whole = json.loads(out)
        self.assertEqual(self.verdicts(whole), [
            ("ada", "equivalent"), ("grace", "equivalent"), ("from-env", "equivalent"),
            ("default", "equivalent"), ("leading-blanks", "not equivalent"),
            ("tab", "not equivalent"), ("unicode", "equivalent"), ("no-workdir", "error")])
        self.assertEqual([c["index"] for c in whole["cases"]], list(range(1, 9)))
        self.assertNotIn("shard", whole)
        outs = self.shards("json")
        parts = [json.load(open(o)) for o in outs]
        self.assertEqual([p["shard"] for p in parts],
                         [{"index": k, "count": 4, "cases": 8} for k in range(1, 5)])
        self.assertEqual([len(p["cases"]) for p in parts], [2, 2, 2, 2])
        # merged, in any order of the files: the same verdicts, counts and exit status
        rc, out, err = self.merge("--format", "json", *reversed(outs), expect_rc=2)
        merged = json.loads(out)
        # on a difference, say why each side judged the cases that differ
        why = [json.dumps(c)[:4000] for c in merged["cases"] + whole["cases"]
               if (c["case"], c["verdict"]) not in set(self.verdicts(merged)) & set(self.verdicts(whole))]
        self.assertEqual(self.verdicts(merged), self.verdicts(whole), "\n".join(why))
        for k in ("equivalent", "not_equivalent", "skipped", "errors"):
            self.assertEqual(merged[k], whole[k], k)
        self.assertEqual([c["first_mismatch"] for c in merged["cases"]],
                         [c["first_mismatch"] for c in whole["cases"]])
        # text: the same summary line and the same case blocks
        rc, text, _ = self.run_suite(expect_rc=2)
        rc, mtext, _ = self.merge(*outs, expect_rc=2)
        self.assertEqual(mtext, text)
        # JUnit from the JSON reports and from the shards' own JUnit reports
        rc, junit, _ = self.merge("--format", "junit", *outs, expect_rc=2)
        self.assertJunit(junit, whole)
        rc, _, _ = self.merge("--format", "html", "-o", os.path.join(self.tmp, "site/"), *outs,
                              expect_rc=2)
        self.assertEqual(len(os.listdir(os.path.join(self.tmp, "site"))), 9)
        jouts = self.shards("junit")
        rc, junit, _ = self.merge("--format", "junit", *reversed(jouts), expect_rc=2)
        self.assertJunit(junit, whole)
        rc, out, _ = self.merge("--format", "json", *jouts, expect_rc=2)
        self.assertEqual(self.verdicts(json.loads(out)), self.verdicts(whole))
        # GitHub from JUnit (no annotations of their own): one per case that is not equivalent
        rc, out, _ = self.merge("--format", "github", *jouts, expect_rc=2)
        for name in ("leading-blanks", "tab"):
            self.assertIn("::error title=%s%%3A sysdiff%%3A not equivalent::not equivalent\n" % name, out)
        self.assertIn("::error title=no-workdir%3A sysdiff%3A error::", out)
        # reports from pipes, as `sysdiff merge <(cat shard-1.json) ...` gives them
        fds = []
        for o in outs:
            r, w = os.pipe()
            with open(o, "rb") as f:
                os.write(w, f.read())   # a shard's report fits in the pipe's buffer
            os.close(w)
            fds.append(r)
        p = subprocess.run([SYSDIFF, "merge", "--format", "json"] + ["/dev/fd/%d" % r for r in fds],
                           cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           pass_fds=fds, timeout=120)
        for r in fds:
            os.close(r)
        self.assertEqual(p.returncode, 2, p.stderr.decode())
        self.assertEqual(self.verdicts(json.loads(p.stdout)), self.verdicts(whole))

    def assertJunit(self, text, whole):
        root = ET.fromstring(text)
        cases = root.findall("./testsuite/testcase")
        self.assertEqual([c.get("name") for c in cases], [c["case"] for c in whole["cases"]])
        self.assertEqual((root.get("tests"), root.get("failures"), root.get("errors")),
                         ("8", "2", "1"))
        self.assertIn("+Hello,   Ada!", cases[4].find("failure").text)

    def test_shards_balanced_by_durations(self):
        rc, out, err = self.run_suite("--format", "json", expect_rc=2)
        whole = json.loads(out)
        # make one case weigh as much as all the others together
        for c in whole["cases"]:
            c["seconds"] = 7.0 if c["case"] == "ada" else 1.0
        durations = os.path.join(self.tmp, "durations.json")
        with open(durations, "w") as f:
            json.dump(whole, f)
        names = []
        for k in (1, 2):
            rc, out, _ = self.run_suite("--shard", "%d/2" % k, "--durations", durations,
                                        "--format", "json", "--quiet")
            names.append([c["case"] for c in json.loads(out)["cases"]])
        self.assertEqual(names, [["ada"], [n for n, _, _ in CASES[1:]]])

    def test_progress_lines_and_quiet(self):
        rc, out, err = self.run_suite("--shard", "1/4", expect_rc=0)
        lines = err.splitlines()
        self.assertEqual(len(lines), 2, err)
        for line in lines:
            self.assertRegex(line, r"^\[[12]/2\] (ada|grace) \.\.\. equivalent \(\d+\.\d s\)$")
        self.assertIn("2 cases: 2 equivalent, 0 not equivalent, 0 skipped, 0 errors", out)
        rc, out, err = self.run_suite("--shard", "1/4", "--quiet", expect_rc=0)
        self.assertEqual(err, "")

    def test_more_shards_than_cases(self):
        rc, out, err = self.run_suite("--shard", "9/9", "--format", "json", expect_rc=0)
        self.assertEqual(json.loads(out)["cases"], [])   # 8 cases, 9 slices: the last is empty

    def test_merge_refuses_incomplete_sets(self):
        outs = self.shards("json", n=2)
        rc, out, err = self.merge(outs[0], expect_rc=2)
        self.assertIn("shard 2/2 is missing", err)
        rc, out, err = self.merge(outs[0], outs[0], outs[1], expect_rc=2)
        self.assertIn("shard 1/2 given twice", err)
        rc, out, err = self.merge(self.manifest, expect_rc=2)
        self.assertIn("not a report", err)
        for args in ([], ["--format", "pdf", outs[0]], ["--shard", "1/2"]):
            self.merge(*args, expect_rc=2)

    def test_shard_usage_errors(self):
        for bad in ("0/4", "5/4", "x", "1/", "2"):
            rc, out, err = self.run_suite("--shard", bad, expect_rc=2)
            self.assertIn("invalid --shard", err)
        rc, out, err = self.validate("--shard", "1/2", "--original", self.orig, "--transpiled",
                                     self.new, expect_rc=2)
        self.assertIn("--shard needs --cases", err)
