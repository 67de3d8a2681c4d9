/* test_srcloc.c - the pure parts of source correlation: demangling (Rust legacy and
 * v0, C++), what counts as the user's code, relative paths, transpiler source maps
 * (parsing, errors, lookups) and the trace form of a location with its stack. */
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
#include <unistd.h>

#include "srcloc/srcloc.h"
#include "format/reader.h"
#include "format/writers.h"
#include "util/util.h"

/* ---- demangling ---- */

static void check_dm(const char *mangled, const char *want)
{
	char *got = sd_demangle(mangled);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_demangle_rust_legacy(void **state)
{
	(void)state;
	check_dm("_ZN4main4main17h8da7fa642d137fc6E", "main::main");
	check_dm("_ZN4main4main28_$u7b$$u7b$closure$u7d$$u7d$17hcb572ead0db5deb9E",
		 "main::main::{{closure}}");
	check_dm("_ZN5alloc3vec16Vec$LT$T$C$A$GT$4push17h0123456789abcdefE",
		 "alloc::vec::Vec<T,A>::push");
	check_dm("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h5ac82e5a7ab07ef8E",
		 "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>");
	check_dm("_ZN3std2io5stdio6_print17h92ab0ca1a63a2c6dE", "std::io::stdio::_print");
	/* not Rust (no hash): C++, or nothing when the C++ runtime is absent */
	char *cxx = sd_demangle("_ZN3app6WriterIiE3putEi");
	if (cxx) {
		assert_string_equal(cxx, "app::Writer<int>::put(int)");
		free(cxx);
	}
}

static void test_demangle_rust_v0(void **state)
{
	(void)state;
	check_dm("_RNvCs1234_7mycrate4main", "mycrate::main");
	check_dm("_RNvNtCsjrHSEGnQ3l9_3std2io6__print", "std::io::_print");
	check_dm("_RNCNvCs1234_7mycrate4main0B3_", "mycrate::main::{closure#0}");
	check_dm("_RINvMNtCsgEmfK2I1SDS_4core3stre18trim_start_matchesReECsgY6Mt91CT9J_14rustc_demangle",
		 "<str>::trim_start_matches<&str>");
	check_dm("_RINvMNtCsgEmfK2I1SDS_4core5sliceSh11copy_withinINtNtNtB5_3ops5range14RangeInclusivejEECsfEOYDRpO4Ta_11miniz_oxide",
		 "<[u8]>::copy_within<core::ops::range::RangeInclusive<usize>>");
	/* a trait impl, tuples, references, a vendor suffix */
	check_dm("_RNvXCs1_3fooNtB2_3BarNtNtCs2_4core3fmt7Display3fmt",
		 "<foo::Bar as core::fmt::Display>::fmt");
	check_dm("_RINvCs1_3foo1fTRhQeEE.llvm.123", "foo::f<(&u8, &mut str)>");
}

static void test_demangle_bad_input(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "_R", "_RN", "_RNv", "_RB_", "_RNvB_3foo", "_RC", "_RC99999999x",
		"_RIC3fooE", "_RINvC3foo1fAhKj0_E", "_RNvC3foo", "_ZN", "_ZN3fooE", "_ZN999E",
		"_ZN4main4main17hXXXXXXXXXXXXXXXXE", "main", "_RYTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		free(sd_demangle(bad[i]));      /* no crash; the result does not matter */
	check_dm("plain_c_name", NULL);
	check_dm(NULL, NULL);
	/* self-referencing back-references end (bounded recursion) */
	free(sd_demangle("_RNvNvB0_1a1b"));
	/* a very long name is refused, not parsed */
	char *big = xmalloc(10000);
	memset(big, 'N', 9999);
	memcpy(big, "_R", 2);
	big[9999] = 0;
	check_dm(big, NULL);
	free(big);
	/* deep nesting is bounded */
	struct sb sb = SB_INIT;
	sb_adds(&sb, "_R");
	for (int i = 0; i < 500; i++)
		sb_adds(&sb, "INv");
	sb_adds(&sb, "C3foo");
	free(sd_demangle(sb.buf));
	sb_free(&sb);
}

/* ---- what is the user's code ---- */

static void test_classification(void **state)
{
	(void)state;
	assert_true(sd_src_system_module("/usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_true(sd_src_system_module("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
	assert_true(sd_src_system_module("/usr/bin/python3.11"));
	assert_true(sd_src_system_module("[vdso]"));
	assert_true(sd_src_system_module("/home/u/toolchain/libstdc++.so.6"));
	assert_true(sd_src_system_module("/root/.rustup/toolchains/x/lib/libstd-abc.so"));
	assert_false(sd_src_system_module("/home/u/proj/target/debug/app"));
	assert_false(sd_src_system_module("/work/build/libmine.so"));
	assert_false(sd_src_system_module("/opt/app/bin/server"));

	assert_true(sd_src_runtime_file("/rustc/59807616e1fa/library/std/src/io/mod.rs"));
	assert_true(sd_src_runtime_file("/rust/deps/memchr-2.7.6/src/lib.rs"));
	assert_true(sd_src_runtime_file("/root/.cargo/registry/src/index/serde-1.0/src/de.rs"));
	assert_true(sd_src_runtime_file("/usr/include/c++/12/bits/basic_string.h"));
	assert_false(sd_src_runtime_file("/home/u/proj/src/main.rs"));
	assert_false(sd_src_runtime_file("main.c"));
	assert_false(sd_src_runtime_file(NULL));
}

static void check_rel(const char *path, const char *dir, const char *want)
{
	char *got = sd_src_relative(path, dir);
	assert_string_equal(got, want);
	free(got);
}

static void test_relative(void **state)
{
	(void)state;
	check_rel("/work/main/tests/a.c", "/work/main", "tests/a.c");
	check_rel("/work/main/tests/a.c", "/work/main/", "tests/a.c");
	check_rel("/work/mainx/a.c", "/work/main", "/work/mainx/a.c");
	check_rel("/usr/include/stdio.h", "/work/main", "/usr/include/stdio.h");
	check_rel("/work/main/", "/work/main", "/work/main/");
	check_rel("/a/b.c", NULL, "/a/b.c");
	check_rel("rel/b.c", "/a", "rel/b.c");
	check_rel("/a/b.c", "/", "/a/b.c");
	assert_null(sd_src_relative(NULL, "/a"));
}

static void check_short(const char *path, const char *dir, const char *want, const char *want_root)
{
	char *root = (char *)1;
	char *got = sd_src_shorten(path, dir, &root);
	assert_string_equal(got, want);
	if (want_root)
		assert_string_equal(root, want_root);
	else
		assert_null(root);
	free(got);
	free(root);
}

static void test_shorten(void **state)
{
	(void)state;
	/* under the compilation directory */
	check_short("/proj/x/src/a.c", "/proj/x", "src/a.c", "/proj/x");
	/* a build directory inside the project: one or two levels up */
	check_short("/proj/x/src/a.c", "/proj/x/build", "src/a.c", "/proj/x");
	check_short("/proj/x/src/a.c", "/proj/x/build/rel/", "src/a.c", "/proj/x");
	/* not three levels up, and never to a one-component directory above */
	check_short("/proj/x/src/a.c", "/proj/x/b/c/d", "/proj/x/src/a.c", "/proj/x/b/c/d");
	check_short("/proj/other/a.c", "/proj/x", "/proj/other/a.c", "/proj/x");
	check_short("/usr/include/stdio.h", "/home/u/p", "/usr/include/stdio.h", "/home/u/p");
	/* a one-component compilation directory itself is fine */
	check_short("/proj/a.c", "/proj", "a.c", "/proj");
	check_short("/proj/a.c", NULL, "/proj/a.c", NULL);
	check_short("a.c", "/proj", "a.c", "/proj");
	check_short("/proj/xa.c", "/proj/x", "/proj/xa.c", "/proj/x");
}

/* ---- source maps ---- */

static const char good_map[] =
	"{\"version\":1,\"source_language\":\"python\",\"source_file\":\"main.py\","
	"\"generated_file\":\"src/main.rs\",\"mappings\":["
	"{\"rust_line\":20,\"rust_function\":\"helper\",\"python_line\":30,\"python_function\":\"helper\","
	" \"python_context\":\"return x\"},"
	"{\"rust_line\":10,\"rust_function\":\"main\",\"python_line\":5,\"python_function\":\"main\"},"
	"{\"rust_line\":12,\"rust_function\":\"main\",\"python_line\":7,\"python_function\":\"\"},"
	"{\"rust_line\":12,\"rust_function\":\"main\",\"python_line\":99,\"python_function\":\"dup\"}],"
	"\"function_map\":{\"main\":\"main_py\",\"_tmp0\":\"temporary for: len(x)\"}}";

static struct sd_srcmap *parse(const char *text, char **err)
{
	*err = NULL;
	return sd_srcmap_parse(text, strlen(text), "m.json", err);
}

static void test_map_lookup(void **state)
{
	(void)state;
	char *err;
	struct sd_srcmap *m = parse(good_map, &err);
	assert_non_null(m);
	struct sd_srcmap_hit h;
	/* exact */
	assert_true(sd_srcmap_lookup(m, "/proj/src/main.rs", 10, "app::main", &h));
	assert_string_equal(h.file, "main.py");
	assert_int_equal(h.line, 5);
	assert_string_equal(h.func, "main");
	assert_string_equal(h.language, "python");
	/* the nearest mapped line at or before */
	assert_true(sd_srcmap_lookup(m, "/proj/src/main.rs", 11, "app::main", &h));
	assert_int_equal(h.line, 5);
	assert_true(sd_srcmap_lookup(m, "/proj/src/main.rs", 25, "app::helper", &h));
	assert_int_equal(h.line, 30);
	assert_string_equal(h.context, "return x");
	/* equal lines: the first in file order; an empty function falls back to function_map */
	assert_true(sd_srcmap_lookup(m, "/proj/src/main.rs", 12, "app::main", &h));
	assert_int_equal(h.line, 7);
	assert_string_equal(h.func, "main_py");
	assert_true(sd_srcmap_lookup(m, "/proj/src/main.rs", 12, "_tmp0", &h));
	assert_string_equal(h.func, "temporary for: len(x)");
	assert_true(sd_srcmap_lookup(m, "/proj/src/main.rs", 12, "other", &h));
	assert_null(h.func);
	/* before the first mapping, another file, a partial component, bad lines */
	assert_false(sd_srcmap_lookup(m, "/proj/src/main.rs", 9, "main", &h));
	assert_false(sd_srcmap_lookup(m, "/proj/src/lib.rs", 10, "main", &h));
	assert_false(sd_srcmap_lookup(m, "/proj/xsrc/main.rs", 10, "main", &h));
	assert_false(sd_srcmap_lookup(m, "/proj/src/main.rs", 0, "main", &h));
	assert_false(sd_srcmap_lookup(m, NULL, 10, "main", &h));
	assert_false(sd_srcmap_lookup(NULL, "/proj/src/main.rs", 10, "main", &h));
	/* the relative form the debug info may give matches too */
	assert_true(sd_srcmap_lookup(m, "src/main.rs", 10, NULL, &h));
	sd_srcmap_free(m);

	/* an absolute generated_file matches only itself; "./" is ignored */
	m = parse("{\"version\":1,\"source_file\":\"a.c\",\"generated_file\":\"/g/a.rs\","
		  "\"mappings\":[{\"rust_line\":1,\"python_line\":2}]}", &err);
	assert_non_null(m);
	assert_true(sd_srcmap_lookup(m, "/g/a.rs", 3, NULL, &h));
	assert_int_equal(h.line, 2);
	assert_null(h.language);
	assert_false(sd_srcmap_lookup(m, "/x/g/a.rs", 3, NULL, &h));
	sd_srcmap_free(m);
	m = parse("{\"version\":1,\"source_file\":\"a.c\",\"generated_file\":\"./a.rs\","
		  "\"mappings\":[{\"rust_line\":1,\"python_line\":2}],\"function_map\":null}", &err);
	assert_non_null(m);
	assert_true(sd_srcmap_lookup(m, "/g/a.rs", 1, NULL, &h));
	sd_srcmap_free(m);
}

static void check_map_error(const char *text, const char *want)
{
	char *err = NULL;
	struct sd_srcmap *m = parse(text, &err);
	assert_null(m);
	assert_non_null(err);
	if (!strstr(err, want) || !strstr(err, "'m.json'")) {
		fprintf(stderr, "error %s, wanted %s\n", err, want);
		fail();
	}
	assert_null(strchr(err, '\n'));
	free(err);
}

static void test_map_errors(void **state)
{
	(void)state;
	check_map_error("", "not valid JSON");
	check_map_error("{\"version\":1,", "not valid JSON");
	check_map_error("[1,2]", "not a JSON object");
	check_map_error("{}", "no 'version'");
	check_map_error("{\"version\":\"1\"}", "no 'version'");
	check_map_error("{\"version\":2,\"source_file\":\"a\",\"generated_file\":\"b\",\"mappings\":[]}",
			"unsupported version 2 (sysdiff reads version 1)");
	check_map_error("{\"version\":1,\"generated_file\":\"b\",\"mappings\":[]}", "missing 'source_file'");
	check_map_error("{\"version\":1,\"source_file\":\"\",\"generated_file\":\"b\",\"mappings\":[]}",
			"'source_file' must be a non-empty string");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":7,\"mappings\":[]}",
			"'generated_file' must be a non-empty string");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\"}",
			"'mappings' must be an array");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\",\"mappings\":[3]}",
			"mappings[0] is not an object");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\","
			"\"mappings\":[{\"rust_line\":0,\"python_line\":1}]}", "'rust_line' must be a line number");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\","
			"\"mappings\":[{\"rust_line\":1,\"python_line\":99999999999}]}",
			"'python_line' must be a line number");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\","
			"\"mappings\":[{\"rust_line\":1,\"python_line\":1,\"python_function\":5}]}",
			"must be strings");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\",\"mappings\":[],"
			"\"function_map\":{\"f\":1}}", "function_map['f'] must be a string");
	check_map_error("{\"version\":1,\"source_file\":\"a\",\"generated_file\":\"b\",\"mappings\":[],"
			"\"function_map\":[]}", "'function_map' must be an object");
	check_map_error("{\"version\":1,\"version\":1}", "not valid JSON");   /* duplicate key */
	check_map_error("{\"version\":1,\"source_file\":\"a\\u0000b\",\"generated_file\":\"b\","
			"\"mappings\":[]}", "not valid JSON");

	char *err = NULL;
	assert_null(sd_srcmap_load("/nonexistent/dir/m.json", &err));
	assert_non_null(strstr(err, "/nonexistent/dir/m.json"));
	free(err);
	err = NULL;
	assert_null(sd_srcmap_load("/", &err));
	assert_non_null(strstr(err, "not a regular file"));
	free(err);
}

static void test_map_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/sd-srcmap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good_map, strlen(good_map)), (ssize_t)strlen(good_map));
	close(fd);
	char *err = NULL;
	struct sd_srcmap *m = sd_srcmap_load(path, &err);
	assert_non_null(m);
	sd_srcmap_free(m);
	struct sd_srcloc_opts o = { .maps = (char *[]){ path }, .nmaps = 1 };
	struct sd_srcctx *c = sd_src_new(&o, &err);
	assert_non_null(c);
	sd_src_free(c);
	/* a bad map refuses the context, naming the file */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{", 1), 1);
	close(fd);
	assert_null(sd_src_new(&o, &err));
	assert_non_null(strstr(err, path));
	free(err);
	unlink(path);
}

/* ---- the trace form ---- */

static void test_trace_roundtrip(void **state)
{
	(void)state;
	struct sd_event ev;
	sd_event_init(&ev);
	ev.seq = 1;
	ev.pid = ev.tid = 10;
	ev.kind = SD_EV_SYSCALL;
	ev.nr = 1;
	strcpy(ev.name, "write");
	ev.finished = true;
	ev.src.file = xstrdup("main.py");
	ev.src.line = 12;
	ev.src.func = xstrdup("greet");
	ev.src.dir = xstrdup("/proj");
	ev.src.module = xstrdup("/proj/target/debug/app");
	ev.src.gen_file = xstrdup("src/main.rs");
	ev.src.gen_line = 18;
	ev.src.gen_func = xstrdup("app::greet");
	ev.src.nframes = 2;
	ev.src.frames = xcalloc(2, sizeof *ev.src.frames);
	ev.src.frames[0] = (struct sd_srcframe){ .pc = 0x7f0000001234ull, .off = 0x1234,
		.module = xstrdup("/usr/lib/x86_64-linux-gnu/libc.so.6"), .func = xstrdup("__write") };
	ev.src.frames[1] = (struct sd_srcframe){ .pc = 0xffffffffffff0000ull, .off = 0x55,
		.module = xstrdup("/proj/app"), .func = xstrdup("app::greet"), .file = xstrdup("src/\xff.rs"),
		.line = 18, .inlined = true, .user = true };

	struct sb sb = SB_INIT;
	sd_jsonl_format_event(&sb, &ev);
	assert_non_null(strstr(sb.buf, "\"src\":{\"file\":\"main.py\",\"line\":12,\"func\":\"greet\","
				       "\"dir\":\"/proj\",\"module\":\"/proj/target/debug/app\","
				       "\"gen_file\":\"src/main.rs\",\"gen_line\":18,\"gen_func\":\"app::greet\","
				       "\"stack\":[{\"pc\":139637976732212,\"off\":4660,"));
	assert_non_null(strstr(sb.buf, "\"file_hex\":\"7372632fff2e7273\",\"line\":18,\"inline\":true,\"user\":true}]}"));

	static const char hdr[] = "{\"sysdiff_trace\":1,\"pid\":10,\"start\":1.0}\n";
	struct sb text = SB_INIT;
	sb_adds(&text, hdr);
	sb_add(&text, sb.buf, sb.len);
	sb_adds(&text, "\n");
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(text.buf, text.len, "t", &err);
	assert_non_null(r);
	struct sd_event back;
	assert_int_equal(sd_reader_next(r, &back, &err), 1);
	assert_string_equal(back.src.file, "main.py");
	assert_int_equal(back.src.line, 12);
	assert_string_equal(back.src.func, "greet");
	assert_string_equal(back.src.dir, "/proj");
	assert_string_equal(back.src.module, "/proj/target/debug/app");
	assert_string_equal(back.src.gen_file, "src/main.rs");
	assert_int_equal(back.src.gen_line, 18);
	assert_string_equal(back.src.gen_func, "app::greet");
	assert_null(back.src.why);
	assert_int_equal(back.src.nframes, 2);
	assert_true(back.src.frames[0].pc == 0x7f0000001234ull && back.src.frames[0].off == 0x1234);
	assert_string_equal(back.src.frames[0].func, "__write");
	assert_null(back.src.frames[0].file);
	assert_false(back.src.frames[0].user || back.src.frames[0].inlined);
	assert_true(back.src.frames[1].pc == 0xffffffffffff0000ull);
	assert_string_equal(back.src.frames[1].file, "src/\xff.rs");
	assert_true(back.src.frames[1].inlined && back.src.frames[1].user);
	assert_int_equal(back.src.frames[1].line, 18);
	/* and written again, the same line */
	struct sb again = SB_INIT;
	sd_jsonl_format_event(&again, &back);
	assert_string_equal(again.buf, sb.buf);
	sd_event_clear(&back);
	sd_reader_close(r);

	/* only a reason: the location is absent */
	sd_srcloc_clear(&ev.src);
	ev.src.why = xstrdup("no debug info for /x");
	sb_reset(&sb);
	sd_jsonl_format_event(&sb, &ev);
	assert_non_null(strstr(sb.buf, ",\"src\":{\"why\":\"no debug info for /x\"}}"));
	sd_srcloc_clear(&ev.src);
	sb_reset(&sb);
	sd_jsonl_format_event(&sb, &ev);
	assert_null(strstr(sb.buf, "\"src\""));

	sd_event_clear(&ev);
	sb_free(&sb);
	sb_free(&again);
	sb_free(&text);
}

static void check_reader_error(const char *src, const char *want)
{
	struct sb text = SB_INIT;
	sb_adds(&text, "{\"sysdiff_trace\":1,\"pid\":10,\"start\":1.0}\n");
	sb_addf(&text, "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"exit\",\"status\":0,\"src\":%s}\n", src);
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(text.buf, text.len, "t", &err);
	assert_non_null(r);
	struct sd_event ev;
	assert_int_equal(sd_reader_next(r, &ev, &err), -1);
	if (!strstr(err, want)) {
		fprintf(stderr, "error %s, wanted %s\n", err, want);
		fail();
	}
	free(err);
	sd_reader_close(r);
	sb_free(&text);
}

static void test_reader_errors(void **state)
{
	(void)state;
	check_reader_error("[]", "field 'src' must be an object");
	check_reader_error("{\"line\":\"x\"}", "field 'line' must be an integer");
	check_reader_error("{\"stack\":{}}", "'src.stack' must be an array");
	check_reader_error("{\"stack\":[1]}", "src.stack[0] must be an object");
	check_reader_error("{\"stack\":[{}]}", "missing field 'pc'");
	check_reader_error("{\"stack\":[{\"pc\":1,\"inline\":1}]}", "field 'inline' must be true or false");
	check_reader_error("{\"why\":1}", "field 'why' must be a string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle_rust_legacy),
		cmocka_unit_test(test_demangle_rust_v0),
		cmocka_unit_test(test_demangle_bad_input),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_shorten),
		cmocka_unit_test(test_map_lookup),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_map_load_file),
		cmocka_unit_test(test_trace_roundtrip),
		cmocka_unit_test(test_reader_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
