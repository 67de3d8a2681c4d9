/* test_validate.c - validate's pieces that need no tracing: directory snapshots and
 * their comparison (state.c), the unified diff of outputs (udiff.c), and how commands
 * are turned into argv (validate.c), verdicts and the JUnit of many cases (report.c). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/udiff.h"
#include "tracer/tracer.h"
#include "validate/state.h"
#include "validate/validate.h"

static char *tmpdir(void)
{
	char *t = strdup("/tmp/sd-unit-XXXXXX");
	assert_non_null(mkdtemp(t));
	return t;
}

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(p, mode);
	free(p);
}

static void check_udiff(const char *a, const char *b)
{
	char *d = tmpdir(), *cmd, *pa, *pb;
	struct sb ours = SB_INIT;
	char buf[65536];

	assert_true(asprintf(&pa, "%s/a", d) > 0 && asprintf(&pb, "%s/b", d) > 0);
	put(d, "a", a, 0644);
	put(d, "b", b, 0644);
	sd_unified_diff(&ours, a, strlen(a), b, strlen(b), "A", "B");
	assert_true(asprintf(&cmd, "diff -u --label A --label B %s %s", pa, pb) > 0);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	pclose(f);
	assert_string_equal(sb_str(&ours), buf);
	sb_free(&ours);
	free(cmd);
	free(pa);
	free(pb);
	sd_rm_tree(d);
	free(d);
}

static void test_udiff_like_gnu_diff(void **state)
{
	(void)state;
	if (access("/usr/bin/diff", X_OK) != 0)
		skip();
	check_udiff("a\nb\nc\n", "a\nB\nc\n");
	check_udiff("Hello, World!\n", "Hello World!\n");
	check_udiff("a\nb\nc\n", "a\nb\nc");                 /* no newline at the end */
	check_udiff("", "one\n");
	check_udiff("one\n", "");
	check_udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
		    "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\nY\n15\n16\n");   /* two hunks */
	check_udiff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\nX\n4\n5\n6\nY\n8\n");     /* one hunk */
	struct sb sb = SB_INIT;
	assert_int_equal(sd_unified_diff(&sb, "same\n", 5, "same\n", 5, "A", "B"), 0);
	assert_int_equal(sb.len, 0);
	sb_free(&sb);
}

/* sd_command_resolve with the environment sd_validate_env gives for the current
 * directory: NULL and *why when the program cannot be run. */
static char **prog_argv(const char *prog, const char *cmd, char **args, char **exec_path,
			char **why)
{
	char cwd[PATH_MAX], **argv = NULL;
	struct sd_cmd_ctx cx = { .workdir = getcwd(cwd, sizeof cwd) ? cwd : "/" };

	*why = NULL;
	cx.envp = sd_validate_env(cx.workdir, NULL, 0);
	if (sd_command_resolve(&cx, prog, cmd, args, &argv, exec_path, why) != SD_CMD_OK)
		argv = NULL;
	sd_strv_free(cx.envp);
	sd_cmd_ctx_free(&cx);
	return argv;
}

static void test_prog_argv(void **state)
{
	(void)state;
	char *d = tmpdir(), *exe, *why, *p;
	char *args[] = { "x", NULL };

	/* a missing program: why names it */
	char **v = prog_argv("/nonexistent/prog", NULL, args, &exe, &why);
	assert_null(v);
	assert_non_null(strstr(why, "/nonexistent/prog"));
	free(why);
	/* a script with a #! line that is not executable: run by its interpreter */
	put(d, "s.sh", "#!/bin/sh -e\necho hi\n", 0644);
	assert_true(asprintf(&p, "%s/s.sh", d) > 0);
	v = prog_argv(p, NULL, args, &exe, &why);
	assert_non_null(v);
	assert_string_equal(v[0], "/bin/sh");
	assert_string_equal(v[1], "-e");
	assert_string_equal(v[2], p);
	assert_string_equal(v[3], "x");
	assert_null(v[4]);
	sd_strv_free(v);
	free(exe);
	free(p);
	/* a script whose interpreter is missing */
	put(d, "t.sh", "#!/nonexistent/sh\n", 0755);
	assert_true(asprintf(&p, "%s/t.sh", d) > 0);
	v = prog_argv(p, NULL, NULL, &exe, &why);
	assert_null(v);
	assert_non_null(strstr(why, "interpreter /nonexistent/sh"));
	free(why);
	free(p);
	/* a command line */
	v = prog_argv(NULL, "busybox wc -l", args, &exe, &why);
	if (v) {   /* busybox may be absent */
		assert_string_equal(v[0], "busybox");
		assert_string_equal(v[2], "-l");
		assert_string_equal(v[3], "x");
		sd_strv_free(v);
		free(exe);
	} else {
		free(why);
	}
	v = prog_argv(NULL, "echo $(id)", NULL, &exe, &why);   /* no command substitution */
	assert_null(v);
	free(why);
	sd_rm_tree(d);
	free(d);
}

/* JUnit of a manifest's cases: counts (skipped is not an error), one test case per case
 * that ran, the failure's body the text report, markup escaped. */
/* A command looked up in another process's PATH and cwd: an empty entry (leading,
 * trailing or doubled ':') is that cwd, as for execvp; the result is absolute. */
static void test_resolve_in_cwd(void **state)
{
	(void)state;
	char dir[] = "/tmp/sdtest-resolve-XXXXXX", *out = NULL;
	assert_non_null(mkdtemp(dir));
	char *exe = xasprintf("%s/prog", dir), *want = xstrdup(exe);
	int fd = open(exe, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	close(fd);
	const char *paths[] = { ":/nonexistent", "/nonexistent:", "/nonexistent::/nowhere" };
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		assert_int_equal(sd_resolve_command_in("prog", paths[i], dir, &out), 0);
		assert_string_equal(out, want);
		free(out);
	}
	assert_int_equal(sd_resolve_command_in("prog", "/nonexistent", dir, &out), ENOENT);
	assert_null(out);
	assert_int_equal(sd_resolve_command_in("./prog", "/nonexistent", dir, &out), 0);
	assert_string_equal(out, want);
	free(out);
	unlink(exe);
	rmdir(dir);
	free(exe);
	free(want);
}

static void test_junit_of_cases(void **state)
{
	(void)state;
	const struct sd_case_report c[] = {
		{ .name = "same", .verdict = SD_VERDICT_EQUIVALENT, .seconds = 0.25, .text = "" },
		{ .name = "bug", .verdict = SD_VERDICT_DIFFERENT, .seconds = 1.5, .text = "a <b> & c\n" },
		{ .name = "skip", .verdict = SD_VERDICT_SKIPPED, .error = "skipped: \"x\"", .text = "" },
		{ .name = "err", .verdict = SD_VERDICT_ERROR, .error = "workdir w: gone", .text = "" },
		{ .name = "never", .verdict = SD_VERDICT_ERROR },
	};
	struct sb sb = SB_INIT;

	sd_validate_junit_cases(&sb, c, 5, NULL);
	assert_string_equal(sb_str(&sb),
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"sysdiff\" tests=\"5\" failures=\"1\" errors=\"2\">\n"
		"  <testsuite name=\"sysdiff validate\" tests=\"5\" failures=\"1\" errors=\"2\">\n"
		"    <testcase classname=\"sysdiff.validate\" name=\"same\" time=\"0.250\">\n"
		"    </testcase>\n"
		"    <testcase classname=\"sysdiff.validate\" name=\"bug\" time=\"1.500\">\n"
		"      <failure type=\"not equivalent\" message=\"not equivalent\">a &lt;b&gt; &amp; c\n"
		"</failure>\n"
		"    </testcase>\n"
		"    <testcase classname=\"sysdiff.validate\" name=\"skip\" time=\"0.000\">\n"
		"      <error message=\"skipped: &quot;x&quot;\"/>\n"
		"    </testcase>\n"
		"    <testcase classname=\"sysdiff.validate\" name=\"err\" time=\"0.000\">\n"
		"      <error message=\"workdir w: gone\"/>\n"
		"    </testcase>\n"
		"  </testsuite>\n"
		"</testsuites>\n");
	sb_free(&sb);
}

/* sd_validation_fail: the verdict and the message together (a second one replaces). */
static void test_validation_fail(void **state)
{
	(void)state;
	struct sd_validation v = { .verdict = SD_VERDICT_EQUIVALENT };

	sd_validation_fail(&v, SD_VERDICT_SKIPPED, "the original cannot be run: %s", "x");
	assert_int_equal(v.verdict, SD_VERDICT_SKIPPED);
	assert_string_equal(v.error, "the original cannot be run: x");
	sd_validation_fail(&v, SD_VERDICT_ERROR, "%d", 2);
	assert_int_equal(v.verdict, SD_VERDICT_ERROR);
	assert_string_equal(v.error, "2");
	sd_validation_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udiff_like_gnu_diff),
		cmocka_unit_test(test_prog_argv),
		cmocka_unit_test(test_resolve_in_cwd),
		cmocka_unit_test(test_junit_of_cases),
		cmocka_unit_test(test_validation_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
