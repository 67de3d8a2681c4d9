/* test_report.c - the text report of a compare result (report/text.c): the differing
 * token kept in view when the -v side-by-side view cuts a long event, the width it
 * takes (COLUMNS, the terminal's, 80), and the token's colors (exact escapes). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "compare/normalize.h"
#include "report/report.h"
#include "util/util.h"

#define PATH "/srv/data/some/rather/long/directory/name/output.txt"
#define FLAGS_A "O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK|O_CLOEXEC|O_TRUNC"
#define FLAGS_B "O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK|O_CLOEXEC"

/* ---- a compare result with one changed pair between two unchanged calls ---- */

struct fix {
	struct sd_cmp_event ev[4];   /* before, original, rewrite, after */
	struct sd_cmp_row rows[3];
	struct sd_div div;
	struct sd_cmp_result res;
};

static struct sd_event sc(const char *name, int64_t ret, int nargs)
{
	struct sd_event ev;

	sd_event_init(&ev);
	ev.kind = SD_EV_SYSCALL;
	snprintf(ev.name, sizeof ev.name, "%s", name);
	ev.finished = true;
	ev.ret = ret;
	ev.nargs = nargs;
	return ev;
}

static struct sd_event open_ev(const char *flags)
{
	struct sd_event ev = sc("openat", 3, 4);

	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = -100, .text = xstrdup("AT_FDCWD") };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .str = xstrdup(PATH), .abs = xstrdup(PATH),
				      .raw = 0x1234 };
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_FLAGS, .text = xstrdup(flags) };
	ev.args[3] = (struct sd_arg){ .type = SD_ARG_MODE, .raw = 0644, .text = xstrdup("0644") };
	return ev;
}

static struct sd_event write_ev(const char *s)
{
	struct sd_event ev = sc("write", (int64_t)strlen(s), 3);

	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = 1, .ref = xstrdup("/dev/pts/0") };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_BUF, .buf = { .len = strlen(s),
		.kept = (uint32_t)strlen(s), .data = xmemdup(s, strlen(s)), .hash_valid = true,
		.hash = sd_norm_hash(s, strlen(s), 0) } };
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_UINT, .raw = (int64_t)strlen(s) };
	return ev;
}

static struct sd_event close_ev(void)
{
	struct sd_event ev = sc("close", 0, 1);

	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = 3, .ref = xstrdup(PATH) };
	return ev;
}

/* f: the changed pair a, b as event #13 of both traces, keyed as compare keys them. */
static void fix_init(struct fix *f, struct sd_event a, struct sd_event b)
{
	struct sd_norm_opts no = { 0 };
	struct sd_norm *n = sd_norm_new(&no, NULL, NULL);
	struct sd_event evs[4] = { close_ev(), a, b, close_ev() };
	static const uint64_t nums[4] = { 12, 13, 13, 14 };

	memset(f, 0, sizeof *f);
	for (int i = 0; i < 4; i++) {
		f->ev[i].ev = evs[i];
		f->ev[i].num = nums[i];
		sd_norm_event(n, &f->ev[i].ev, f->ev[i].f);
	}
	sd_norm_free(n);
	f->rows[0] = (struct sd_cmp_row){ SD_ROW_SAME, { &f->ev[0], &f->ev[0] } };
	f->rows[1] = (struct sd_cmp_row){ SD_ROW_CHANGED, { &f->ev[1], &f->ev[2] } };
	f->rows[2] = (struct sd_cmp_row){ SD_ROW_SAME, { &f->ev[3], &f->ev[3] } };
	f->div = (struct sd_div){ .kind = SD_DIV_CHANGED, .label = "p1", .num = { 13, 13 },
				  .ev = { &f->ev[1], &f->ev[2] }, .rows = f->rows, .nrows = 3,
				  .focus = 1, .count = 1 };
	for (int i = 0; i < 2; i++)
		f->res.side[i] = (struct sd_cmp_side){ .name = i ? "b.jsonl" : "a.jsonl",
						       .events = 14, .compared = 14, .streams = 1,
						       .complete = true };
	f->res.ndivs = f->res.nreported = 1;
	f->res.divs = &f->div;
	f->res.exact = true;
}

static void fix_free(struct fix *f)
{
	for (int i = 0; i < 4; i++)
		sd_event_clear(&f->ev[i].ev);
}

/* The text report of f; the caller frees it. */
static char *report(const struct fix *f, bool verbose, bool color, int width)
{
	struct sd_report_opts o = { .verbose = verbose, .color = color, .width = width };
	struct sb sb = SB_INIT;

	sd_report_text(&sb, &f->res, &o);
	return sb_detach(&sb);
}

/* The line of text that starts with prefix (a static copy), or fail. */
static const char *line_of(const char *text, const char *prefix)
{
	static char line[4096];

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(line, sizeof line, "%.*s", (int)n, p);
			return line;
		}
		p += n + (p[n] == '\n');
	}
	fail_msg("no line starting with '%s' in:\n%s", prefix, text);
	return NULL;
}

/* Every line of text is at most width columns (text without escapes). */
static void assert_fits(const char *text, int width)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (n > (size_t)width)
			fail_msg("line of %zu columns at width %d: %.*s", n, width, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* The aligned rows of a -v report: the lines after "aligned (...):" up to a blank one. */
static char *aligned_rows(const char *text)
{
	const char *p = strstr(text, "aligned (original | transpiled):\n");
	assert_non_null(p);
	p = strchr(p, '\n') + 1;
	const char *e = strstr(p, "\n\n");
	return xstrndup(p, e ? (size_t)(e - p + 1) : strlen(p));
}

/* ---- tests ---- */

/* Without -v and without color the lines are the events in full, as before. */
static void test_plain_report(void **state)
{
	(void)state;
	struct fix f;
	fix_init(&f, open_ev(FLAGS_A), open_ev(FLAGS_B));
	char *t = report(&f, false, false, 80);
	char *want = xasprintf(
		"Mismatch at syscall #13:\n"
		"Original:   openat(AT_FDCWD, \"" PATH "\", " FLAGS_A ", 0644) = 3\n"
		"Transpiled: openat(AT_FDCWD, \"" PATH "\", " FLAGS_B ", 0644) = 3\n"
		"%*s^ missing O_TRUNC\n"
		"\n"
		"14 and 14 events compared (0 and 0 filtered), 1 mismatch: not equivalent\n",
		(int)strlen("Transpiled: openat(AT_FDCWD, \"" PATH "\", "), "");
	assert_string_equal(t, want);
	free(want);
	free(t);
	fix_free(&f);
}

/* A long flags field whose difference is at its end: at 80, 60 and 200 columns the
 * side-by-side view cuts the events, and keeps O_TRUNC (original) and the end of the
 * rewrite's flags, where O_TRUNC is not, in view, with "..." where it cut. */
static void test_window_keeps_difference(void **state)
{
	(void)state;
	static const int widths[] = { 80, 60, 200 };
	struct fix f;

	fix_init(&f, open_ev(FLAGS_A), open_ev(FLAGS_B));
	for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
		char *t = report(&f, true, false, widths[i]);
		char *rows = aligned_rows(t);
		assert_fits(rows, widths[i]);
		const char *l = line_of(rows, "  >! #13");
		const char *bar = strstr(l, " | ");
		assert_non_null(bar);
		char *left = xstrndup(l, (size_t)(bar - l));
		if (!strstr(left, "|O_TRUNC, ") || !strstr(left, "..."))
			fail_msg("width %d: original's cell without O_TRUNC: %s", widths[i], l);
		if (!strstr(bar, "|O_CLOEXEC, ") || !strstr(bar, "...") || strstr(bar, "O_TRUNC"))
			fail_msg("width %d: rewrite's cell without its flags' end: %s", widths[i], l);
		/* both cells the same width: the bar at the middle */
		assert_int_equal((long)(bar - l), 5 + (widths[i] - 8) / 2);
		/* an unchanged long row is cut at its end, as before */
		l = line_of(rows, "     #12");
		assert_non_null(strstr(l, "close(3) = 0"));
		free(left);
		free(rows);
		free(t);
	}
	fix_free(&f);
}

/* A buffer differing near its end: the differing byte in view on both sides. */
static void test_window_buffer(void **state)
{
	(void)state;
	char a[120], b[120];
	struct fix f;

	memset(a, 'x', 100);
	strcpy(a + 100, "abcdefghij\n");
	strcpy(b, a);
	b[104] = 'X';
	fix_init(&f, write_ev(a), write_ev(b));
	char *t = report(&f, true, false, 80);
	char *rows = aligned_rows(t);
	assert_fits(rows, 80);
	const char *l = line_of(rows, "  >! #13");
	const char *bar = strstr(l, " | ");
	assert_non_null(bar);
	assert_true(strstr(l, "abcdefghij\\n") && strstr(l, "abcdefghij\\n") < bar);
	assert_non_null(strstr(bar, "abcdXfghij\\n"));
	/* the main lines show the rewrite's string as far as the original's */
	assert_non_null(strstr(t, "\nTranspiled: write(1, \"xxxx"));
	assert_non_null(strstr(t, "abcdXfghij\\n\", 111) = 111\n"));
	free(rows);
	free(t);
	fix_free(&f);
}

/* The width: COLUMNS when set (a number), else the terminal's, else 80. */
static void test_width(void **state)
{
	(void)state;
	int p[2];

	assert_int_equal(pipe(p), 0);
	unsetenv("COLUMNS");
	assert_int_equal(sd_report_width(-1), 80);
	assert_int_equal(sd_report_width(p[1]), 80);   /* not a terminal */
	setenv("COLUMNS", "100", 1);
	assert_int_equal(sd_report_width(-1), 100);
	assert_int_equal(sd_report_width(p[1]), 100);
	setenv("COLUMNS", "wide", 1);
	assert_int_equal(sd_report_width(-1), 80);
	setenv("COLUMNS", "", 1);
	assert_int_equal(sd_report_width(-1), 80);
	setenv("COLUMNS", "100000", 1);
	assert_int_equal(sd_report_width(-1), 1000);
	close(p[0]);
	close(p[1]);

	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
		int s = open(ptsname(m), O_RDWR | O_NOCTTY);
		struct winsize ws = { .ws_row = 30, .ws_col = 123 };
		assert_true(s >= 0);
		assert_int_equal(ioctl(s, TIOCSWINSZ, &ws), 0);
		unsetenv("COLUMNS");
		assert_int_equal(sd_report_width(s), 123);
		setenv("COLUMNS", "90", 1);
		assert_int_equal(sd_report_width(s), 90);   /* COLUMNS first */
		close(s);
	}
	if (m >= 0)
		close(m);
	unsetenv("COLUMNS");
}

/* A report without a width of its own takes COLUMNS. */
static void test_columns_in_report(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, open_ev(FLAGS_A), open_ev(FLAGS_B));
	setenv("COLUMNS", "70", 1);
	char *t = report(&f, true, false, 0);
	char *rows = aligned_rows(t);
	assert_fits(rows, 70);
	const char *l = line_of(rows, "  >! #13");
	assert_int_equal((long)(strstr(l, " | ") - l), 5 + (70 - 8) / 2);
	free(rows);
	free(t);
	unsetenv("COLUMNS");
	t = report(&f, true, false, 0);
	rows = aligned_rows(t);
	assert_fits(rows, 80);
	l = line_of(rows, "  >! #13");
	assert_int_equal((long)(strstr(l, " | ") - l), 5 + (80 - 8) / 2);
	free(rows);
	free(t);
	fix_free(&f);
}

/* With color, the differing token: bold red in the original's line, bold green in the
 * rewrite's, in the main lines and in the side-by-side view. */
static void test_color_token(void **state)
{
	(void)state;
	struct fix f;

	fix_init(&f, open_ev(FLAGS_A), open_ev(FLAGS_B));
	char *t = report(&f, true, true, 80);
	assert_string_equal(line_of(t, "\033[31mOriginal:"),
		"\033[31mOriginal:   \033[0mopenat(AT_FDCWD, \"" PATH "\", "
		"O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK|O_CLOEXEC|\033[1;31mO_TRUNC\033[0m, 0644) = 3");
	assert_string_equal(line_of(t, "\033[32mTranspiled:"),
		"\033[32mTranspiled: \033[0mopenat(AT_FDCWD, \"" PATH "\", "
		"O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK|\033[1;32mO_CLOEXEC\033[0m, 0644) = 3");
	const char *l = line_of(t, "  >! #13");
	assert_non_null(strstr(l, "|\033[1;31mO_TRUNC\033[0m, 0644) = 3 | #13"));
	assert_non_null(strstr(l, "|\033[1;32mO_CLOEXEC\033[0m, 0644) = 3"));
	free(t);
	fix_free(&f);

	fix_init(&f, write_ev("Hello, World!\n"), write_ev("Hello World!\n"));
	t = report(&f, false, true, 80);
	assert_string_equal(line_of(t, "\033[31mOriginal:"),
		"\033[31mOriginal:   \033[0mwrite(1, \"Hello\033[1;31m,\033[0m World!\\n\", 14) = 14");
	assert_string_equal(line_of(t, "\033[32mTranspiled:"),
		"\033[32mTranspiled: \033[0mwrite(1, \"Hello\033[1;32m \033[0mWorld!\\n\", 13) = 13");
	free(t);
	t = report(&f, false, false, 80);   /* without color: as before */
	assert_string_equal(t,
		"Mismatch at syscall #13:\n"
		"Original:   write(1, \"Hello, World!\\n\", 14) = 14\n"
		"Transpiled: write(1, \"Hello World!\\n\", 13) = 13\n"
		"                           ^ missing ','\n"
		"\n"
		"14 and 14 events compared (0 and 0 filtered), 1 mismatch: not equivalent\n");
	free(t);
	fix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_report),
		cmocka_unit_test(test_window_keeps_difference),
		cmocka_unit_test(test_window_buffer),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_columns_in_report),
		cmocka_unit_test(test_color_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
