"""The HTML report (--format html) of validate and compare, opened in a real browser:
Debian's chromium, headless, renders the report of a real validate run (its DOM holds
the rows and the highlighted token; a screenshot is made and checked), the file
references nothing outside itself, a case suite gets an index, and a comparison with
100,000 rows loads.  Skipped with a message where chromium is not installed
(scripts/install-deps.sh chromium installs it)."""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

import sdtest
from sdtest import SYSDIFF, ROOT
from test_validate import ValidateBase, FIX

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Refs(html.parser.HTMLParser):
    """Every reference an HTML file makes: attributes that load or link something, and
    url(...) / @import in its style."""

    def __init__(self):
        super().__init__()
        self.refs = []
        self.style = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href", "action", "data", "poster", "srcset", "background",
                     "formaction", "xlink:href") or (k == "rel" and v in ("stylesheet", "preload")):
                self.refs.append((tag, k, v or ""))
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.style.append(data)


def chromium(testcase, args, timeout=240):
    if not CHROMIUM:
        testcase.skipTest("chromium is not installed (scripts/install-deps.sh chromium)")
    prof = tempfile.mkdtemp(prefix="sdtest-chromium-")
    testcase.addCleanup(shutil.rmtree, prof, True)
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--user-data-dir=" + prof] + args
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        testcase.fail("chromium did not finish in %d s: %s" % (timeout, " ".join(args)))
    return p


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


class HtmlCheck:
    def assertSelfContained(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.startswith("<!DOCTYPE html>"), text[:80])
        p = Refs()
        p.feed(text)
        for tag, attr, value in p.refs:
            self.assertNotEqual(attr, "src", "%s loads %r" % (tag, value))
            self.assertTrue(value.startswith("#") or (tag == "a" and attr == "href" and
                                                       re.fullmatch(r"[\w.-]+\.html(#[\w-]*)?", value)),
                            "%s %s=%r points outside the file" % (tag, attr, value))
        style = "".join(p.style)
        self.assertNotIn("url(", style)
        self.assertNotIn("@import", style)
        self.assertNotIn("@font-face", style)
        for bad in ("http:", "https:", "//", "src="):
            self.assertNotIn(bad, text, "the report holds %r" % bad)
        return text


class ValidateHtmlTest(ValidateBase, HtmlCheck):
    def test_validate_report_in_a_browser(self):
        report = os.path.join(self.tmp, "report.html")
        self.validate("--format", "html", "-o", report, "--original", self.orig,
                      "--transpiled", self.greet(1), expect_rc=1)
        text = self.assertSelfContained(report)
        self.assertIn("not equivalent", text)
        p = chromium(self, ["--dump-dom", "file://" + report])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        dom = p.stdout.decode("utf-8")
        # the mismatched row: both sides, numbered, the differing byte marked
        row = re.search(r'<details class="r chg fo" id="d1">.*?</details>', dom, re.S)
        self.assertIsNotNone(row, dom[:3000])
        row = row.group(0)
        self.assertIn('<span class="n n0">#5</span>', row)
        self.assertIn('write(1, <span class="tok">"Hello<mark>,</mark> Ada!\\n"</span>, 12)', row)
        self.assertIn('write(1, <span class="tok">"Hello<mark> </mark>Ada!\\n"</span>, 11)', row)
        self.assertIn("greet.py:&lt;exit&gt;", row)
        # the call stacks, in the details: the C side's write is printf's, flushed by exit()
        self.assertIn("<li>__libc_write", row)
        self.assertIn("<li>exit", row)
        self.assertIn("^ missing ','", dom)
        # the other rows of the aligned view, the stdout diff side by side
        self.assertGreaterEqual(dom.count('class="r '), 6)
        self.assertIn('<span class="e del">Hello, Ada!</span>', dom)
        self.assertIn('<span class="e add">Hello Ada!</span>', dom)
        png = os.path.join(self.tmp, "report.png")
        p = chromium(self, ["--screenshot=" + png, "--window-size=1280,2000", "file://" + report])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(png_size(png), (1280, 2000))
        self.assertGreater(os.path.getsize(png), 20000, "an empty screenshot")

    def test_rewrite_side_marked_at_its_own_argument(self):
        """At the semantic level open's path is openat's second argument: the rewrite's
        line marks its path and the differing byte in it, as the text report does, not
        its first argument."""
        src = ("#include <fcntl.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n"
               "int main(void)\n{\n#ifdef OLD\n"
               "\tint fd = syscall(SYS_open, \"out1.txt\", O_WRONLY | O_CREAT, 0644);\n"
               "#else\n"
               "\tint fd = openat(AT_FDCWD, \"out2.txt\", O_WRONLY | O_CREAT, 0644);\n"
               "#endif\n\treturn write(fd, \"x\", 1) == 1 ? 0 : 1;\n}\n")
        exe = [self.build_c("old", src, "-DOLD"), self.build_c("new", src)]
        report = os.path.join(self.tmp, "report.html")
        self.validate("--format", "html", "-o", report, "--original", exe[0],
                      "--transpiled", exe[1], expect_rc=1)
        text = self.assertSelfContained(report)
        self.assertIn('open(<span class="tok">&quot;out<mark>1</mark>.txt&quot;</span>, ', text)
        self.assertIn('openat(AT_FDCWD, <span class="tok">&quot;out<mark>2</mark>.txt&quot;</span>, ',
                      text)

    def test_equivalent_report(self):
        report = os.path.join(self.tmp, "report.html")
        self.validate("--format", "html", "-o", report, "--original", self.orig,
                      "--transpiled", self.greet(0), expect_rc=0)
        text = self.assertSelfContained(report)
        self.assertIn('<span class="vd ok">equivalent</span>', text)
        self.assertIn("None: every compared call matches.", text)

    def cases(self):
        d = os.path.join(self.tmp, "cases")
        os.mkdir(d)
        with open(os.path.join(d, "ada.txt"), "w") as f:
            f.write("Ada\n")
        with open(os.path.join(d, "spaced.txt"), "w") as f:
            f.write("  Ada\n")   # Python strips the blanks in front, the C translation not
        path = os.path.join(d, "cases.json")
        with open(path, "w") as f:
            json.dump({"cases": [{"name": "ada", "stdin": "ada.txt"},
                                 {"name": "spaced <b>", "stdin": "spaced.txt"},
                                 {"name": "gone", "workdir": "missing"}]}, f)
        return path

    def test_cases_in_one_file(self):
        report = os.path.join(self.tmp, "cases.html")
        self.validate("--cases", self.cases(), "--format", "html", "-o", report,
                      "--original", self.orig, "--transpiled", self.greet(0), stdin=b"",
                      expect_rc=2)
        text = self.assertSelfContained(report)
        self.assertIn("3 cases: 1 equivalent, 1 not equivalent, 0 skipped, 1 errors", text)
        for i, name in ((1, "ada"), (2, "spaced &lt;b&gt;"), (3, "gone")):
            self.assertIn('<a href="#case-%d">%s</a>' % (i, name), text)
            self.assertIn('<section id="case-%d">' % i, text)
        self.assertIn('id="c2-d1"', text)   # the anchors of each case are its own
        self.assertIn("syscall #", text)    # its first mismatch in the index
        p = chromium(self, ["--dump-dom", "file://" + report])
        self.assertIn('id="case-3"', p.stdout.decode("utf-8"))

    def test_cases_as_pages_of_a_directory(self):
        out = os.path.join(self.tmp, "site") + "/"
        self.validate("--cases", self.cases(), "--format", "html", "-o", out,
                      "--original", self.orig, "--transpiled", self.greet(0), stdin=b"",
                      expect_rc=2)
        self.assertEqual(sorted(os.listdir(out)), ["001-ada.html", "002-spaced__b_.html",
                                                   "003-gone.html", "index.html"])
        index = self.assertSelfContained(os.path.join(out, "index.html"))
        self.assertIn('<a href="002-spaced__b_.html">spaced &lt;b&gt;</a>', index)
        page = self.assertSelfContained(os.path.join(out, "002-spaced__b_.html"))
        self.assertIn('<a href="index.html">', page)
        self.assertIn("<mark>", page)


class CompareHtmlTest(sdtest.SysdiffTest, HtmlCheck):
    def gen(self, n, mutate, out):
        gen = os.path.join(self.tmp, "gen_trace")
        if not os.path.exists(gen):
            p = subprocess.run(["cc", "-O2", "-o", gen, os.path.join(ROOT, "bench", "gen_trace.c"),
                                "-lxxhash"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 0, p.stderr)
        args = [gen, "-n", str(n), "--seed", "1", "-o", out]
        if mutate:
            args += ["--mutate", str(mutate)]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out

    def test_100k_rows_load(self):
        if "san" in os.path.basename(sdtest.BUILD.rstrip("/")):   # build-san: slow, and the
            self.skipTest("the browser's load is checked with the plain build")   # same page
        a = self.gen(260000, 0, os.path.join(self.tmp, "a.jsonl"))
        b = self.gen(260000, 18000, os.path.join(self.tmp, "b.jsonl"))
        report = os.path.join(self.tmp, "big.html")
        p = self.run_cmd([SYSDIFF, "compare", "--format", "html", "--max-mismatches", "100000",
                          "-o", report, a, b], timeout=300)
        self.assertEqual(p.returncode, 1, p.stderr)
        text = self.assertSelfContained(report)
        rows = text.count('class="r ')
        self.assertGreaterEqual(rows, 100000)
        self.assertIn("equal calls", text)     # the stretches between are collapsed
        p = chromium(self, ["--dump-dom", "file://" + report], timeout=400)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(p.stdout.decode("utf-8").count('class="r '), rows)

    def test_github_annotations(self):
        a = self.gen(2000, 0, os.path.join(self.tmp, "a.jsonl"))
        b = self.gen(2000, 3, os.path.join(self.tmp, "b.jsonl"))
        p = self.run_cmd([SYSDIFF, "compare", "--format", "github", a, b])
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertEqual(len([x for x in lines if x.startswith("::error title=sysdiff%3A mismatch at ")]), 3,
                         lines)
        self.assertRegex(lines[-1], r"^\d+ and \d+ events compared .*: not equivalent$")
        for x in lines[:-1]:
            self.assertNotIn("\n", x)
            self.assertRegex(x, r"^::error title=[^:,]*::Original:   .*%0ATranspiled: .*%0A\^ ")


if __name__ == "__main__":
    unittest.main()
