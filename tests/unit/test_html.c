/* Unit tests for the HTML report's escaping and pieces (src/report/html.c) and the GitHub
 * annotations' escaping (src/report/github.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/github.h"
#include "report/html.h"
#include "util/util.h"

static char *esc(const char *s, size_t n)
{
	struct sb sb = SB_INIT;

	sd_html_escape(&sb, s, n);
	return sb_detach(&sb);
}

static void test_html_escape(void **state)
{
	(void)state;
	char *s = esc("<a href=\"x\">&'</a>", 18);
	assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	free(s);
	/* valid UTF-8 kept; a bad byte, a cut sequence and control bytes become U+FFFD */
	s = esc("caf\xc3\xa9 \xff x\x01y\tz\n", 14);
	assert_string_equal(s, "caf\xc3\xa9 \xef\xbf\xbd x\xef\xbf\xbdy\tz\n");
	free(s);
	s = esc("ab\xe2\x82", 4);   /* a sequence cut by the length */
	assert_string_equal(s, "ab\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = esc("a\0b", 3);         /* a NUL byte inside the range */
	assert_string_equal(s, "a\xef\xbf\xbd" "b");
	free(s);
	s = esc("<script>", 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_html_row_marks_the_token(void **state)
{
	(void)state;
	const char *a = "write(1, \"Hello, Ada!\\n\", 12) = 12", *b = "write(1, \"Hello Ada!\\n\", 11) = 11";
	struct sd_srcloc src = { .file = "greet.py", .line = 7 };
	struct sd_html_cell c[2] = {
		{ .num = 5, .text = a, .mark_lo = 9, .mark_hi = 24, .caret = 15, .caret_w = 1, .src = &src },
		{ .num = 5, .text = b, .mark_lo = 9, .mark_hi = 23, .caret = 15, .caret_w = 1 },
	};
	struct sb sb = SB_INIT;

	sd_html_rows_begin(&sb, "original <1>", "transpiled");
	sd_html_row(&sb, SD_ROW_CHANGED, c, "missing ','", "d1");
	sd_html_rows_end(&sb);
	const char *h = sb_str(&sb);
	assert_non_null(strstr(h, "original &lt;1&gt;"));
	assert_non_null(strstr(h, "<span class=\"tok\">&quot;Hello<mark>,</mark> Ada!\\n&quot;</span>"));
	assert_non_null(strstr(h, "<span class=\"tok\">&quot;Hello<mark> </mark>Ada!\\n&quot;</span>"));
	assert_non_null(strstr(h, "greet.py:7"));
	assert_non_null(strstr(h, "id=\"d1\""));
	assert_non_null(strstr(h, "^ missing &#39;,&#39;"));
	assert_non_null(strstr(h, "<details class=\"r chg fo\""));   /* a source line: stacks */
	sb_free(&sb);
}

static void test_html_udiff_side_by_side(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;

	sd_html_udiff(&sb, "stdout", "Stdout", "--- a\n+++ b\n@@ -1,2 +1,2 @@\n same\n-Hello, <Ada>\n"
		      "+Hello Ada\n");
	const char *h = sb_str(&sb);
	assert_non_null(strstr(h, "<span class=\"n\">2</span><span class=\"e del\">Hello, &lt;Ada&gt;"
			       "</span><span class=\"n\">2</span><span class=\"e add\">Hello Ada</span>"));
	assert_non_null(strstr(h, "<span class=\"e\">same</span>"));
	sb_reset(&sb);
	sd_html_udiff(&sb, "stderr", "Stderr", NULL);
	assert_non_null(strstr(sb_str(&sb), "Same."));
	sb_free(&sb);
}

static void test_github_escaping(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;

	sd_github_escape_data(&sb, "100% a:b, c\r\nd");
	assert_string_equal(sb_str(&sb), "100%25 a:b, c%0D%0Ad");
	sb_reset(&sb);
	sd_github_escape_prop(&sb, "100% a:b, c\r\nd");
	assert_string_equal(sb_str(&sb), "100%25 a%3Ab%2C c%0D%0Ad");
	sb_reset(&sb);
	sd_github_annotation(&sb, "error", "src/a,b:c.c", 12, "sysdiff: mismatch", "x\ny");
	assert_string_equal(sb_str(&sb),
			    "::error file=src/a%2Cb%3Ac.c,line=12,title=sysdiff%3A mismatch::x%0Ay\n");
	sb_reset(&sb);
	sd_github_annotation(&sb, "warning", NULL, 0, NULL, "50%");
	assert_string_equal(sb_str(&sb), "::warning::50%25\n");
	sb_reset(&sb);
	sd_github_annotation(&sb, "error", NULL, 0, "t", "m");
	assert_string_equal(sb_str(&sb), "::error title=t::m\n");
	sb_free(&sb);
}

static void test_github_src_file(void **state)
{
	(void)state;
	struct sd_srcloc s = { .file = "greet.py", .dir = "/work/app/tests" };
	char *f = sd_github_src_file(&s, "/work/app");
	assert_string_equal(f, "tests/greet.py");
	free(f);
	f = sd_github_src_file(&s, "/work/application");   /* not inside: absolute */
	assert_string_equal(f, "/work/app/tests/greet.py");
	free(f);
	f = sd_github_src_file(&s, "/");
	assert_string_equal(f, "work/app/tests/greet.py");
	free(f);
	s.file = "/abs/x.c";
	f = sd_github_src_file(&s, "/abs/");
	assert_string_equal(f, "x.c");
	free(f);
	s.file = NULL;
	assert_null(sd_github_src_file(&s, "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_html_row_marks_the_token),
		cmocka_unit_test(test_html_udiff_side_by_side),
		cmocka_unit_test(test_github_escaping),
		cmocka_unit_test(test_github_src_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
