/* test_jsonl_fast.c - the trace reader's own JSON parser against jansson.
 *
 * Line by line: whatever the fast parser accepts, jansson parses to the same document,
 * and whatever jansson refuses, the fast parser leaves to it.  Trace by trace: every
 * trace of the test corpus (fuzz/corpus/fuzz_reader and fuzz_compare seeds, traces
 * written here through the writer, and the traces in $SD_DIFF_CORPUS, which
 * tests/integration/test_trace_files.py fills with real traces) read with the fast
 * parser and with jansson alone gives the same header, events (field by field), trailer
 * and errors. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <jansson.h>

#include "format/jsonl_int.h"
#include "format/reader.h"
#include "format/writers.h"
#include "util/util.h"

/* ---- documents ---- */

/* 1 fast and jansson agree (or the fast parser declined), 0 they disagree. */
static int same_doc(const char *line, size_t n, bool *fast_took)
{
	struct jdoc a = { 0 }, b = { 0 };
	json_error_t je;
	json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	int fast = sd_jv_parse_fast(&a, line, n), ok = 1;

	*fast_took = fast;
	if (fast && (!j || !json_is_object(j)))
		ok = 0;   /* accepted what jansson refuses */
	if (fast && ok) {
		sd_jv_from_jansson(&b, j, n);
		ok = sd_jv_equal(&a, &b);
	}
	json_decref(j);
	sd_jdoc_free(&a);
	sd_jdoc_free(&b);
	return ok;
}

static void check_line(const char *line, size_t n, int want_fast)
{
	bool took;

	if (!same_doc(line, n, &took))
		fail_msg("fast and jansson differ on: %.*s", (int)n, line);
	if (want_fast >= 0 && took != want_fast)
		fail_msg("fast parser %s: %.*s", took ? "took" : "declined", (int)n, line);
}

static void test_lines(void **state)
{
	(void)state;
	/* taken by the fast parser */
	static const char *const fast[] = {
		"{}", " { } ", "{\"a\":[]}", "{\"a\":{}}", "{\"a\":[1,2,[3,{\"b\":null}]]}",
		"{\"seq\":1,\"t\":0.001198016,\"dur\":0.000012659,\"x\":true,\"y\":false}",
		"{\"i\":-9223372036854775808,\"j\":9223372036854775807,\"k\":-0,\"l\":0}",
		"{\"r\":1.5e3,\"s\":-0.0,\"u\":1E-5,\"v\":2e+2,\"w\":123456789.123456789}",
		"{\"r\":1e-400,\"s\":4.9e-324,\"u\":1.7976931348623157e308,\"w\":0.1e1}",
		"{\"r\":3.141592653589793238462643383279,\"s\":12345678901234567890.5}",
		"{\"s\":\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\\u0000x\"}",
		"{\"s\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\u00e9\\u20ac\\ud83d\\ude00\\uD83D\\uDE00\"}",
		"{\"a\":1,\"b\":2,\"unknown\":3,\"other\":{\"a\":1}}",
		"\t{\"a\"\r:\n1 }  ",
	};
	/* refused by jansson, so declined */
	static const char *const bad[] = {
		"", "{", "}", "[]", "1", "\"s\"", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":tru}",
		"{\"a\":truex}", "{\"a\":nul}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1,\"a\":2}",
		"{\"seq\":1,\"seq\":1}", "{\"x\":1,\"y\":{\"z\":1,\"z\":2}}",
		"{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}", "{\"a\":1e400}",
		"{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\xff\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xe2\x82\"}", "{\"a\\u0000b\":1}", "{\"a\":\"x}", "{'a':1}", "{\"a\":[1,]}",
		"{\"a\":[1 2]}", "{\"a\":\xc3\xa9}", "{\"a\":NaN}", "{\"a\":Infinity}",
	};
	for (size_t i = 0; i < sizeof fast / sizeof *fast; i++)
		check_line(fast[i], strlen(fast[i]), 1);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		check_line(bad[i], strlen(bad[i]), 0);
	/* a NUL byte in the line, and deep nesting (left to jansson past 64) */
	check_line("{\"a\":\"x\0\"}", 10, 0);
	char deep[400];
	for (int depth = 60; depth <= 70; depth += 10) {
		size_t n = 0;
		n += sprintf(deep + n, "{\"a\":");
		for (int i = 1; i < depth; i++)
			deep[n++] = '[';
		for (int i = 1; i < depth; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		check_line(deep, n, depth <= 64);
	}
}

/* Numbers: the fast path's reals must be strtod's, bit for bit. */
static void test_reals(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	char line[128];

	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int n;
		switch (i % 4) {
		case 0: n = sprintf(line, "{\"t\":%llu.%09llu}", (unsigned long long)(x % 5000000),
				    (unsigned long long)(x >> 20) % 1000000000); break;
		case 1: n = sprintf(line, "{\"t\":%.17g}", (double)(x >> 11) / (double)(1ull << (x % 60))); break;
		case 2: n = sprintf(line, "{\"t\":%llue%d}", (unsigned long long)(x >> (x % 64)),
				    (int)(x % 61) - 30); break;
		default: n = sprintf(line, "{\"t\":-%llu.%llu}", (unsigned long long)(x % 1000),
				     (unsigned long long)(x >> 40)); break;
		}
		check_line(line, (size_t)n, -1);
	}
}

/* ---- traces ---- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

#define EQ(c) do { if (!(c)) fail_msg("%s:%lu: differs: %s", name, line, #c); } while (0)

static void check_arg(const char *name, unsigned long line, const struct sd_arg *a,
		      const struct sd_arg *b)
{
	EQ(a->type == b->type && a->at_exit == b->at_exit && a->raw == b->raw);
	EQ(str_eq(a->text, b->text) && str_eq(a->ref, b->ref));
	EQ(str_eq(a->str, b->str) && str_eq(a->abs, b->abs));
	EQ(a->buf.len == b->buf.len && a->buf.hash == b->buf.hash);
	EQ(a->buf.kept == b->buf.kept && a->buf.hash_valid == b->buf.hash_valid);
	EQ(!a->buf.data == !b->buf.data);
	EQ(!a->buf.kept || !memcmp(a->buf.data, b->buf.data, a->buf.kept));
	EQ(a->nstrv == b->nstrv && !a->strv == !b->strv && a->strv_more == b->strv_more);
	for (int i = 0; i < a->nstrv; i++)
		EQ(!strcmp(a->strv[i], b->strv[i]));
}

static void check_src(const char *name, unsigned long line, const struct sd_srcloc *a,
		      const struct sd_srcloc *b)
{
	EQ(str_eq(a->file, b->file) && a->line == b->line && str_eq(a->func, b->func));
	EQ(str_eq(a->dir, b->dir) && str_eq(a->module, b->module));
	EQ(str_eq(a->gen_file, b->gen_file) && a->gen_line == b->gen_line);
	EQ(str_eq(a->gen_func, b->gen_func) && str_eq(a->why, b->why));
	EQ(str_eq(a->lang, b->lang) && str_eq(a->phase, b->phase));
	EQ(str_eq(a->inner_file, b->inner_file) && a->inner_line == b->inner_line);
	EQ(str_eq(a->inner_func, b->inner_func) && a->nframes == b->nframes);
	for (int i = 0; i < a->nframes; i++) {
		const struct sd_srcframe *x = &a->frames[i], *y = &b->frames[i];
		EQ(x->pc == y->pc && x->off == y->off && x->line == y->line);
		EQ(x->inlined == y->inlined && x->user == y->user && x->py == y->py);
		EQ(str_eq(x->module, y->module) && str_eq(x->func, y->func) && str_eq(x->file, y->file));
	}
}

static void check_event(const char *name, unsigned long line, const struct sd_event *a,
			const struct sd_event *b)
{
	EQ(a->seq == b->seq && a->pid == b->pid && a->tid == b->tid);
	EQ(a->kind == b->kind && a->t_ns == b->t_ns && a->dur_ns == b->dur_ns);
	EQ(a->nr == b->nr && !strcmp(a->name, b->name) && a->nargs == b->nargs);
	for (int i = 0; i < a->nargs; i++)
		check_arg(name, line, &a->args[i], &b->args[i]);
	EQ(a->finished == b->finished && a->ret == b->ret && a->ret_fmt == b->ret_fmt);
	EQ(str_eq(a->ret_ref, b->ret_ref) && str_eq(a->ret_text, b->ret_text));
	EQ(a->interrupted == b->interrupted && a->restart_of == b->restart_of);
	EQ(a->sig == b->sig && str_eq(a->siginfo, b->siginfo) && a->status == b->status);
	EQ(a->core == b->core && a->old_tid == b->old_tid);
	check_src(name, line, &a->src, &b->src);
}

static void check_info(const char *name, const struct sd_trace_info *a,
		       const struct sd_trace_info *b)
{
	unsigned long line = 1;

	EQ(a->version == b->version && str_eq(a->tool, b->tool) && str_eq(a->arch, b->arch));
	EQ(str_eq(a->cwd, b->cwd) && a->pid == b->pid && a->attached == b->attached);
	EQ(a->start_real_ns == b->start_real_ns && a->max_bytes == b->max_bytes);
	EQ(!a->argv == !b->argv);
	for (int i = 0; a->argv && (a->argv[i] || b->argv[i]); i++)
		EQ(str_eq(a->argv[i], b->argv[i]));
}

/* Read path both ways and compare everything; the number of lines the fast parser took. */
static unsigned long diff_trace(const char *path)
{
	struct sd_reader *r[2];
	char *err[2] = { NULL, NULL };
	unsigned long fast = 0;

	for (int k = 0; k < 2; k++)
		r[k] = sd_reader_open(path, &err[k]);
	if (!r[0] || !r[1]) {
		if (!r[0] != !r[1] || !str_eq(err[0], err[1]))
			fail_msg("%s: opened %s / %s", path, err[0] ? err[0] : "ok", err[1] ? err[1] : "ok");
		free(err[0]);
		free(err[1]);
		sd_reader_close(r[0]);
		sd_reader_close(r[1]);
		return 0;
	}
	sd_reader_jansson_only(r[1], true);
	check_info(path, sd_reader_info(r[0]), sd_reader_info(r[1]));
	for (;;) {
		struct sd_event ev[2];
		int rc[2];
		for (int k = 0; k < 2; k++)
			rc[k] = sd_reader_next(r[k], &ev[k], &err[k]);
		if (rc[0] != rc[1] || (rc[0] < 0 && strcmp(err[0], err[1])))
			fail_msg("%s:%lu: %d (%s) / %d (%s)", path, sd_reader_lineno(r[0]), rc[0],
				 rc[0] < 0 ? err[0] : "", rc[1], rc[1] < 0 ? err[1] : "");
		if (rc[0] == 1)
			check_event(path, sd_reader_lineno(r[0]), &ev[0], &ev[1]);
		for (int k = 0; k < 2 && rc[0] == 1; k++)
			sd_event_clear(&ev[k]);
		if (rc[0] != 1)
			break;
	}
	free(err[0]);
	free(err[1]);
	const struct sd_trace_end *a = sd_reader_end(r[0]), *b = sd_reader_end(r[1]);
	if (!a != !b || (a && (a->complete != b->complete || a->events != b->events ||
			       a->exit_status != b->exit_status || !str_eq(a->reason, b->reason))))
		fail_msg("%s: trailers differ", path);
	fast = sd_reader_fast_lines(r[0]);
	assert_true(sd_reader_fast_lines(r[1]) <= 1);   /* the header, read before the switch */
	sd_reader_close(r[0]);
	sd_reader_close(r[1]);
	return fast;
}

/* Every regular file of dir; the number of files. */
static int diff_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		diff_trace(p);
		free(p);
		n++;
	}
	closedir(d);
	return n;
}

static void test_corpus(void **state)
{
	(void)state;
	/* run from the top of the tree (make unit) */
	assert_true(diff_dir("fuzz/corpus/fuzz_reader") > 10);
	assert_true(diff_dir("fuzz/corpus/fuzz_compare") > 0);
	const char *extra = getenv("SD_DIFF_CORPUS");
	if (extra)
		assert_true(diff_dir(extra) > 0);
}

/* A trace of every event kind and argument type through the writer, plain and
 * compressed: the fast parser takes every line. */
static void test_written(void **state)
{
	(void)state;
	struct sd_trace_info ti = { .tool = "sysdiff t", .arch = "x86_64", .cwd = "/w",
		.pid = 7, .start_real_ns = 1767225599999999999ull, .max_bytes = 4096,
		.argv = (char *[]){ "a", "\xff", NULL } };
	struct sd_event evs[SD_EV__COUNT + 2];
	for (int i = 0; i < SD_EV__COUNT + 2; i++) {
		sd_event_init(&evs[i]);
		evs[i].seq = i + 1;
		evs[i].pid = 7;
		evs[i].tid = 7 + i;
		evs[i].kind = i < SD_EV__COUNT ? (enum sd_ev_kind)i : SD_EV_SYSCALL;
		evs[i].t_ns = 4194304000000000ull * i + 123;
		evs[i].dur_ns = i * 1000;
		evs[i].sig = i == 1 || i == 2 || i == 4 ? 17 : 0;
		evs[i].status = i == 3 ? 2 : 0;
		evs[i].old_tid = i == 5 ? 9 : 0;
	}
	strcpy(evs[0].name, "getpid");
	evs[0].nr = 39;
	struct sd_event *sys = &evs[SD_EV__COUNT];
	strcpy(sys->name, "openat");
	sys->nr = 257;
	sys->finished = true;
	sys->ret = 3;
	sys->ret_fmt = SD_RET_FD;
	sys->ret_ref = "/w/\xc3\xa9\n";
	sys->nargs = 6;
	sys->args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = -100, .text = "AT_FDCWD" };
	sys->args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 9, .str = "x\"y", .abs = "/w/x\"y" };
	sys->args[2] = (struct sd_arg){ .type = SD_ARG_BUF, .raw = 1, .buf = { .len = 5, .hash = 1,
		.kept = 5, .hash_valid = true, .data = (unsigned char *)"a\0\x7f\xff" } };
	sys->args[3] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 2, .nstrv = 2,
		.strv = (char *[]){ "HOME=<xxh64:0123456789abcdef>", "\x80" }, .strv_more = true };
	sys->args[4] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 0, .str = "/abs", .abs = "/abs" };
	sys->args[5] = (struct sd_arg){ .type = SD_ARG_INT, .raw = INT64_MIN, .at_exit = true };
	sys->src = (struct sd_srcloc){ .file = "m.c", .line = 3, .func = "main", .nframes = 1,
		.frames = (struct sd_srcframe[]){ { .pc = UINT64_MAX, .module = "/bin/x", .user = true } } };
	evs[SD_EV__COUNT + 1] = *sys;
	evs[SD_EV__COUNT + 1].seq++;
	strcpy(evs[SD_EV__COUNT + 1].name, "restart_syscall_x");
	evs[SD_EV__COUNT + 1].nr = 219;
	evs[SD_EV__COUNT + 1].finished = false;
	struct sd_trace_end te = { .complete = false, .reason = "interrupted by SIGINT", .events = 9 };

	for (int c = SD_COMPRESS_NONE; c <= SD_COMPRESS_ZSTD; c++) {
		char path[] = "/tmp/test_jsonl_fast_XXXXXX";
		int fd = mkstemp(path);
		struct sd_sink *s = sd_sink_jsonl_new_compressed(fd, c);
		s->begin(s, &ti);
		for (int i = 0; i < SD_EV__COUNT + 2; i++)
			s->event(s, &evs[i]);
		assert_int_equal(s->end(s, &te), 0);
		s->destroy(s);
		close(fd);
		assert_int_equal(diff_trace(path), SD_EV__COUNT + 2 + 2);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_reals),
		cmocka_unit_test(test_written),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
