/* test_sysset.c - syscall sets and the -e trace=SPEC syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "filter/sysset.h"

static struct sd_sysset parse_ok(const char *spec)
{
	struct sd_sysset s;
	char err[256] = "";

	if (sd_sysset_parse(&s, spec, err, sizeof(err)))
		fail_msg("'%s' failed: %s", spec, err);
	return s;
}

static void parse_err(const char *spec, const char *want)
{
	struct sd_sysset s;
	char err[256] = "";

	sd_sysset_fill(&s);
	assert_int_equal(sd_sysset_parse(&s, spec, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_true(sd_sysset_is_full(&s));     /* untouched on failure */
}

static int count(const struct sd_sysset *s)
{
	int n = 0;

	for (int nr = 0; nr < SD_NR_MAX; nr++)
		n += sd_sysset_has(s, nr);
	return n;
}

static bool has(const struct sd_sysset *s, const char *name)
{
	int nr = sd_syscall_nr(name);

	assert_true(nr >= 0);
	return sd_sysset_has(s, nr);
}

static void test_set_ops(void **state)
{
	struct sd_sysset s;

	(void)state;
	sd_sysset_clear(&s);
	assert_int_equal(count(&s), 0);
	sd_sysset_add(&s, 0);
	sd_sysset_add(&s, 63);
	sd_sysset_add(&s, 64);
	sd_sysset_add(&s, SD_NR_MAX - 1);
	sd_sysset_add(&s, -1);                  /* ignored */
	sd_sysset_add(&s, SD_NR_MAX);           /* ignored */
	assert_int_equal(count(&s), 4);
	assert_true(sd_sysset_has(&s, 63) && sd_sysset_has(&s, 64));
	assert_false(sd_sysset_has(&s, 65));
	assert_false(sd_sysset_has(&s, -1));
	assert_false(sd_sysset_has(&s, SD_NR_MAX));
	sd_sysset_del(&s, 63);
	sd_sysset_del(&s, 100000);
	assert_false(sd_sysset_has(&s, 63));
	assert_false(sd_sysset_is_full(&s));
	sd_sysset_fill(&s);
	assert_true(sd_sysset_is_full(&s));
	assert_int_equal(count(&s), SD_NR_MAX);
	sd_sysset_del(&s, 300);
	assert_false(sd_sysset_is_full(&s));
}

static void test_names_and_numbers(void **state)
{
	struct sd_sysset s;

	(void)state;
	s = parse_ok("open");
	assert_int_equal(count(&s), 1);
	assert_true(has(&s, "open"));
	s = parse_ok("open,read,openat");
	assert_int_equal(count(&s), 3);
	assert_true(has(&s, "read") && has(&s, "openat"));
	s = parse_ok("0,257,511");
	assert_int_equal(count(&s), 3);
	assert_true(has(&s, "read") && has(&s, "openat") && sd_sysset_has(&s, 511));
	s = parse_ok("400");                    /* unassigned but valid number */
	assert_true(sd_sysset_has(&s, 400));
	s = parse_ok("007");
	assert_true(has(&s, "poll"));
	s = parse_ok("open,open");
	assert_int_equal(count(&s), 1);
	s = parse_ok("_sysctl,file_setattr");
	assert_int_equal(count(&s), 2);
}

static void test_all_none_negation(void **state)
{
	struct sd_sysset s;

	(void)state;
	s = parse_ok("all");
	assert_true(sd_sysset_is_full(&s));
	s = parse_ok("none");
	assert_int_equal(count(&s), 0);
	s = parse_ok("!all");
	assert_int_equal(count(&s), 0);
	s = parse_ok("!none");
	assert_true(sd_sysset_is_full(&s));
	s = parse_ok("none,open");
	assert_int_equal(count(&s), 1);
	s = parse_ok("!open,read");             /* ! negates the whole set */
	assert_int_equal(count(&s), SD_NR_MAX - 2);
	assert_false(has(&s, "open") || has(&s, "read"));
	assert_true(has(&s, "write") && sd_sysset_has(&s, 400));
	s = parse_ok("!%file");
	assert_false(has(&s, "open"));
	assert_true(has(&s, "read"));
}

static void test_classes(void **state)
{
	struct sd_sysset s, t;

	(void)state;
	s = parse_ok("%file");
	assert_true(has(&s, "open") && has(&s, "openat") && has(&s, "execve"));
	assert_true(has(&s, "stat") && has(&s, "statx") && has(&s, "getcwd"));
	assert_false(has(&s, "read") || has(&s, "close") || has(&s, "fstat"));
	s = parse_ok("%desc");
	assert_true(has(&s, "read") && has(&s, "close") && has(&s, "openat"));
	assert_false(has(&s, "getpid") || has(&s, "socket"));
	s = parse_ok("%net");
	t = parse_ok("%network");
	assert_memory_equal(&s, &t, sizeof(s));
	assert_true(has(&s, "socket") && has(&s, "connect") && has(&s, "sendmsg"));
	t = parse_ok("network");                /* strace's old spelling */
	assert_memory_equal(&s, &t, sizeof(s));
	s = parse_ok("%process");
	assert_true(has(&s, "clone") && has(&s, "clone3") && has(&s, "fork"));
	assert_true(has(&s, "execve") && has(&s, "exit_group") && has(&s, "wait4"));
	assert_true(has(&s, "kill") && has(&s, "execveat"));
	assert_false(has(&s, "getpid"));
	s = parse_ok("%memory");
	assert_true(has(&s, "mmap") && has(&s, "munmap") && has(&s, "brk"));
	assert_true(has(&s, "mprotect") && has(&s, "mremap") && has(&s, "mseal"));
	s = parse_ok("%signal");
	assert_true(has(&s, "rt_sigaction") && has(&s, "kill") && has(&s, "tgkill"));
	s = parse_ok("%ipc");
	assert_true(has(&s, "shmget") && has(&s, "semop") && has(&s, "msgrcv"));
	assert_int_equal(count(&s), 12);
	s = parse_ok("%creds");
	assert_true(has(&s, "getuid") && has(&s, "setresuid") && has(&s, "capget"));
	s = parse_ok("%clock");
	assert_true(has(&s, "clock_gettime") && has(&s, "gettimeofday"));
	assert_false(has(&s, "nanosleep"));
	s = parse_ok("%pure");
	assert_true(has(&s, "getpid") && has(&s, "getppid") && has(&s, "gettid"));
	assert_false(has(&s, "getpgid"));
	s = parse_ok("%stat");
	assert_int_equal(count(&s), 1);
	assert_true(has(&s, "stat"));
	s = parse_ok("%lstat");
	assert_int_equal(count(&s), 1);
	s = parse_ok("%fstat");
	assert_true(has(&s, "fstat") && has(&s, "newfstatat") && has(&s, "statx"));
	s = parse_ok("%%stat");
	assert_int_equal(count(&s), 5);
	s = parse_ok("%statfs");
	assert_int_equal(count(&s), 1);
	s = parse_ok("%fstatfs");
	assert_true(has(&s, "fstatfs"));
	s = parse_ok("%%statfs");
	assert_int_equal(count(&s), 3);
	assert_true(has(&s, "ustat"));
	s = parse_ok("%stat,%lstat,read");
	assert_int_equal(count(&s), 3);
}

static void test_regex(void **state)
{
	struct sd_sysset s, t;

	(void)state;
	s = parse_ok("/^open");
	t = parse_ok("/^open/");
	assert_memory_equal(&s, &t, sizeof(s));
	assert_true(has(&s, "open") && has(&s, "openat") && has(&s, "openat2"));
	assert_true(has(&s, "open_tree") && has(&s, "open_by_handle_at"));
	assert_false(has(&s, "mq_open") || has(&s, "read"));
	s = parse_ok("/^(read|write)$/");
	assert_int_equal(count(&s), 2);
	s = parse_ok("/stat");                  /* unanchored */
	assert_true(has(&s, "fstatfs") && has(&s, "statmount") && has(&s, "newfstatat"));
	s = parse_ok("/^get.*id$/,close");
	assert_true(has(&s, "getpid") && has(&s, "getresuid") && has(&s, "close"));
	s = parse_ok("!/^[a-z]");
	assert_false(has(&s, "read"));
	assert_true(has(&s, "_sysctl") && sd_sysset_has(&s, 400));
	s = parse_ok("?/^nosuchcall$/");
	assert_int_equal(count(&s), 0);
}

static void test_optional(void **state)
{
	struct sd_sysset s;

	(void)state;
	s = parse_ok("?opn");
	assert_int_equal(count(&s), 0);
	s = parse_ok("?opn,?open,read");
	assert_int_equal(count(&s), 2);
	s = parse_ok("?%fle,?99999,??nope");
	assert_int_equal(count(&s), 0);
	s = parse_ok("!?opn");
	assert_true(sd_sysset_is_full(&s));
}

static void test_errors(void **state)
{
	(void)state;
	parse_err("opn", "unknown syscall 'opn'");
	parse_err("open,opn,read", "unknown syscall 'opn'");
	parse_err("!opn", "unknown syscall 'opn'");
	parse_err("%fle", "unknown class '%fle'");
	parse_err("%", "unknown class '%'");
	parse_err("%%", "unknown class '%%'");
	parse_err("open,,read", "empty item in 'open,,read'");
	parse_err("", "empty item in ''");
	parse_err("!", "empty item in '!'");
	parse_err("open,", "empty item in 'open,'");
	parse_err(",open", "empty item in ',open'");
	parse_err("?", "empty item in '?'");
	parse_err("512", "invalid syscall number '512'");
	parse_err("99999999999999999999999", "invalid syscall number '99999999999999999999999'");
	parse_err("-1", "unknown syscall '-1'");
	parse_err("1a", "unknown syscall '1a'");
	parse_err(" open", "unknown syscall ' open'");
	parse_err("Open", "unknown syscall 'Open'");
	parse_err("!!open", "unknown syscall '!open'");
	parse_err("/", "invalid regex '/': empty pattern");
	parse_err("//", "invalid regex '//': empty pattern");
	parse_err("/^nosuchcall$/", "no syscall matches '/^nosuchcall$/'");
}

/* Patterns glibc would take seconds or minutes to compile are refused up front. */
static void test_regex_limits(void **state)
{
	char deep[64] = "/", stacked[64] = "/n", big[300] = "/", err[512];
	struct sd_sysset s;

	(void)state;
	parse_err("/n++", "invalid regex '/n++': adjacent repetition operators");
	parse_err("/a*?", "invalid regex '/a*?': adjacent repetition operators");
	parse_err("/a{2}{3}", "invalid regex '/a{2}{3}': adjacent repetition operators");
	parse_err("/n{33}", "invalid regex '/n{33}': repetition count too large");
	parse_err("/(n{32}){32}", "invalid regex '/(n{32}){32}': pattern too complex");
	memset(deep + 1, '(', 17);
	strcat(deep, "n");
	parse_err(deep, "invalid regex '/(((((((((((((((((n': too deeply nested");
	memset(stacked + 2, '+', 40);
	assert_int_equal(sd_sysset_parse(&s, stacked, NULL, 0), -1);
	memset(big + 1, 'a', 290);
	assert_int_equal(sd_sysset_parse(&s, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "': pattern too long"));
	/* the escapes, brackets, groups and counts a real pattern uses still work */
	s = parse_ok("/^(get|set)(res)?[ug]id$/");
	assert_int_equal(count(&s), 8);
	s = parse_ok("/^[]_[:alpha:]]+at$");
	assert_true(has(&s, "openat") && has(&s, "getxattrat"));
	s = parse_ok("/^get\\.?[a-z]{2}id$");
	assert_int_equal(count(&s), 4);
	assert_true(has(&s, "getppid") && has(&s, "geteuid"));
	s = parse_ok("/^.{4}$/");
	assert_true(has(&s, "read") && has(&s, "open") && !has(&s, "write"));
}

static void test_regex_errors(void **state)
{
	struct sd_sysset s;
	char err[256] = "";
	const char *bad[] = { "/[/", "/(/", "/a{99999}", "/*x", "/[[:nope:]]/" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		assert_int_equal(sd_sysset_parse(&s, bad[i], err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "invalid regex '%s': ", bad[i]);
		if (strncmp(err, want, strlen(want)) || strlen(err) <= strlen(want))
			fail_msg("'%s' gave '%s'", bad[i], err);
	}
}

static void test_err_buffer(void **state)
{
	struct sd_sysset s;
	char err[8];

	(void)state;
	assert_int_equal(sd_sysset_parse(&s, "opn", NULL, 0), -1);
	assert_int_equal(sd_sysset_parse(&s, "opn", err, 0), -1);
	assert_int_equal(sd_sysset_parse(&s, "opn", err, sizeof(err)), -1);
	assert_string_equal(err, "unknown");
	assert_int_equal(sd_sysset_parse(&s, NULL, err, sizeof(err)), -1);
}

static void test_union_and_subtract(void **state)
{
	(void)state;
	struct sd_sysset a, b;
	sd_sysset_clear(&a);
	sd_sysset_clear(&b);
	sd_sysset_add(&a, 0);
	sd_sysset_add(&a, 100);
	sd_sysset_add(&b, 100);
	sd_sysset_add(&b, SD_NR_MAX - 1);
	sd_sysset_union(&a, &b);
	assert_true(sd_sysset_has(&a, 0) && sd_sysset_has(&a, 100) && sd_sysset_has(&a, SD_NR_MAX - 1));
	sd_sysset_subtract(&a, &b);
	assert_true(sd_sysset_has(&a, 0));
	assert_false(sd_sysset_has(&a, 100) || sd_sysset_has(&a, SD_NR_MAX - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_union_and_subtract),
		cmocka_unit_test(test_set_ops),
		cmocka_unit_test(test_names_and_numbers),
		cmocka_unit_test(test_all_none_negation),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_optional),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_regex_errors),
		cmocka_unit_test(test_regex_limits),
		cmocka_unit_test(test_err_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
