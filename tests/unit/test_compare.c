/* test_compare.c - normalization keys (by argument type) and the caret descriptions. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "compare/describe.h"
#include "compare/normalize.h"
#include "util/util.h"

#include "dirent_fixture.h"

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

static void set_buf(struct sd_arg *a, const char *s, size_t n)
{
	a->type = SD_ARG_BUF;
	a->buf.len = n;
	a->buf.kept = (uint32_t)n;
	a->buf.data = xmemdup(s, n);
	a->buf.hash = XXH64(s, n, 0);
	a->buf.hash_valid = true;
}

static struct sd_event write_ev(int fd, const char *ref, const char *s)
{
	struct sd_event ev = sc("write", (int64_t)strlen(s), 3);
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = fd, .ref = ref ? xstrdup(ref) : NULL };
	set_buf(&ev.args[1], s, strlen(s));
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_UINT, .raw = (int64_t)strlen(s) };
	return ev;
}

static struct sd_event open_ev(const char *str, const char *abs, const char *flags, int mode,
			       int64_t ret)
{
	struct sd_event ev = sc("openat", ret, 4);
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = -100, .text = xstrdup("AT_FDCWD") };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .str = xstrdup(str),
				      .abs = abs ? xstrdup(abs) : NULL, .raw = 0x1234 };
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_FLAGS, .text = xstrdup(flags) };
	ev.args[3] = (struct sd_arg){ .type = SD_ARG_MODE, .raw = mode, .text = xasprintf("%#o", mode) };
	return ev;
}

static uint64_t key(struct sd_norm *n, struct sd_event *ev)
{
	uint64_t f[SD_NF];
	uint64_t k = sd_norm_event(n, ev, f);
	sd_event_clear(ev);
	return k;
}

static void test_paths_compare_absolute(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);
	struct sd_event a = open_ev("out.txt", "/w/out.txt", "O_RDONLY", 0, 3);
	struct sd_event b = open_ev("/w/out.txt", "/w/out.txt", "O_RDONLY", 0, 3);
	struct sd_event c = open_ev("out.txt", "/v/out.txt", "O_RDONLY", 0, 3);
	assert_int_equal(key(n, &a), key(n, &b));
	assert_int_not_equal(key(n, &b), key(n, &c));
	sd_norm_free(n);
}

static void test_map_path(void **state)
{
	(void)state;
	struct sd_path_map maps[] = { { "/run1", "/W" }, { "/run2/", "/W" } };
	struct sd_norm_opts o = { .maps = maps, .nmaps = 2 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);
	struct sd_event a = open_ev("x", "/run1/x", "O_RDONLY", 0, 3);
	struct sd_event b = open_ev("x", "/run2/x", "O_RDONLY", 0, 3);
	struct sd_event c = open_ev("x", "/run10/x", "O_RDONLY", 0, 3);  /* not a component match */
	uint64_t ka = key(n, &a), kb = key(n, &b), kc = key(n, &c);
	assert_int_equal(ka, kb);
	assert_int_not_equal(ka, kc);
	char *m = sd_norm_map_path(&o, "/run1");
	assert_string_equal(m, "/W");
	free(m);
	sd_norm_free(n);
}

static void test_fds_by_target_and_pipes_by_order(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n1 = sd_norm_new(&o, NULL, NULL), *n2 = sd_norm_new(&o, NULL, NULL);
	/* same file through different fd numbers: equal */
	struct sd_event a = write_ev(3, "/w/f", "x"), b = write_ev(5, "/w/f", "x");
	assert_int_equal(key(n1, &a), key(n2, &b));
	/* pipes with different inode numbers: equal when they appear in the same order */
	struct sd_event p1 = write_ev(4, "pipe:[1111]", "x"), q1 = write_ev(4, "pipe:[2222]", "x");
	struct sd_event p2 = write_ev(6, "pipe:[3333]", "x"), q2 = write_ev(6, "pipe:[4444]", "x");
	struct sd_event p3 = write_ev(4, "pipe:[1111]", "x"), q3 = write_ev(6, "pipe:[4444]", "x");
	assert_int_equal(key(n1, &p1), key(n2, &q1));
	assert_int_equal(key(n1, &p2), key(n2, &q2));
	assert_int_not_equal(key(n1, &p3), key(n2, &q3));   /* first pipe vs second pipe */
	/* without targets (strace without -y): numbers */
	struct sd_norm_opts on = { .fds_by_number = true };
	struct sd_norm *n3 = sd_norm_new(&on, NULL, NULL);
	struct sd_event c = write_ev(3, NULL, "x"), d = write_ev(3, "/w/f", "x"), e = write_ev(4, NULL, "x");
	uint64_t kc = key(n3, &c), kd = key(n3, &d), ke = key(n3, &e);
	assert_int_equal(kc, kd);
	assert_int_not_equal(kc, ke);
	sd_norm_free(n1);
	sd_norm_free(n2);
	sd_norm_free(n3);
}

static void test_buffers_and_content_limit(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);
	struct sd_event a = write_ev(1, "/dev/null", "Hello, World!\n");
	struct sd_event b = write_ev(1, "/dev/null", "Hello, World?\n");
	assert_int_not_equal(key(n, &a), key(n, &b));
	sd_norm_free(n);
	/* strace -s 5: only "Hello" is known on one side, so only it is compared */
	struct sd_norm_opts o5 = { .content_limit = 5 };
	n = sd_norm_new(&o5, NULL, NULL);
	a = write_ev(1, "/dev/null", "Hello, World!\n");
	b = write_ev(1, "/dev/null", "Hello, World?\n");
	b.args[1].buf.kept = 5;
	b.args[1].buf.hash_valid = false;
	struct sd_event c = write_ev(1, "/dev/null", "Jello, World!\n");
	uint64_t ka = key(n, &a), kb = key(n, &b), kc = key(n, &c);
	assert_int_equal(ka, kb);
	assert_int_not_equal(ka, kc);
	sd_norm_free(n);
}

static void test_flags_cloexec_and_pointers(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 }, oc = { .ignore_cloexec = true };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL), *nc = sd_norm_new(&oc, NULL, NULL);
	struct sd_event a = open_ev("f", "/f", "O_RDONLY|O_CLOEXEC", 0, 3);
	struct sd_event b = open_ev("f", "/f", "O_RDONLY", 0, 3);
	struct sd_event a2 = open_ev("f", "/f", "O_RDONLY|O_CLOEXEC", 0, 3);
	struct sd_event b2 = open_ev("f", "/f", "O_RDONLY", 0, 3);
	assert_int_not_equal(key(n, &a), key(n, &b));
	assert_int_equal(key(nc, &a2), key(nc, &b2));
	/* the path pointer differs: ignored */
	struct sd_event p = open_ev("f", "/f", "O_RDONLY", 0, 3), q = open_ev("f", "/f", "O_RDONLY", 0, 3);
	q.args[1].raw = 0x9999;
	assert_int_equal(key(n, &p), key(n, &q));
	/* errors compare by errno; fd results by target */
	struct sd_event e1 = open_ev("f", "/f", "O_RDONLY", 0, -ENOENT), e2 = open_ev("f", "/f", "O_RDONLY", 0, 3);
	assert_int_not_equal(key(n, &e1), key(n, &e2));
	/* with --ignore-cloexec, a set of only O_CLOEXEC is no flags at all */
	struct sd_event c1 = open_ev("f", "/f", "O_CLOEXEC", 0, 3), c2 = open_ev("f", "/f", "0", 0, 3);
	struct sd_event c3 = open_ev("f", "/f", "O_CLOEXEC", 0, 3), c4 = open_ev("f", "/f", "0", 0, 3);
	assert_int_equal(key(nc, &c1), key(nc, &c2));
	assert_int_not_equal(key(n, &c3), key(n, &c4));
	sd_norm_free(n);
	sd_norm_free(nc);
}

static void test_dirents_by_names(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);
	unsigned char x[256], y[256], z[256];
	size_t lx = dirent64(x, 11, "a.txt", 0x00);
	lx += dirent64(x + lx, 12, "bb.py", 0x00);
	size_t ly = dirent64(y, 91, "a.txt", 0xff);   /* other inodes, other padding */
	ly += dirent64(y + ly, 92, "bb.py", 0x55);
	size_t lz = dirent64(z, 11, "a.txt", 0x00);
	lz += dirent64(z + lz, 12, "bc.py", 0x00);
	assert_int_equal(lx, ly);
	struct sd_event a = sc("getdents64", (int64_t)lx, 3), b = sc("getdents64", (int64_t)ly, 3),
			c = sc("getdents64", (int64_t)lz, 3);
	set_buf(&a.args[1], (const char *)x, lx);
	set_buf(&b.args[1], (const char *)y, ly);
	set_buf(&c.args[1], (const char *)z, lz);
	uint64_t ka = key(n, &a), kb = key(n, &b), kc = key(n, &c);
	assert_int_equal(ka, kb);
	assert_int_not_equal(ka, kc);
	sd_norm_free(n);
}

static void test_default_noise_set(void **state)
{
	(void)state;
	struct sd_sysset s;
	static const char *const noise[] = { "brk", "mmap", "munmap", "mprotect", "mremap",
		"madvise", "futex", "sched_yield", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
		"sigaltstack", "clock_gettime", "clock_getres", "gettimeofday", "time",
		"set_tid_address", "set_robust_list", "rseq", "arch_prctl", "prlimit64", "getrandom" };
	static const char *const kept[] = { "read", "write", "openat", "close", "execve",
		"clone", "exit_group", "unlink", "rename", "getdents64", "wait4", "kill" };
	int n = 0;

	sd_cmp_default_noise(&s);
	for (size_t i = 0; i < sizeof noise / sizeof *noise; i++)
		assert_true(sd_sysset_has(&s, sd_syscall_nr(noise[i])));
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
		assert_false(sd_sysset_has(&s, sd_syscall_nr(kept[i])));
	for (int nr = 0; nr < SD_NR_MAX; nr++)
		n += sd_sysset_has(&s, nr);
	assert_int_equal(n, (int)(sizeof noise / sizeof *noise));
}

/* ---- descriptions ---- */

static char *describe(struct sd_event *a, struct sd_event *b, int *field, long *byte)
{
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);
	struct sd_cmp_event ca = { .ev = *a }, cb = { .ev = *b };
	struct sd_diffdesc d;

	sd_norm_event(n, &ca.ev, ca.f);
	sd_norm_event(n, &cb.ev, cb.f);
	sd_describe(&ca, &cb, &d);
	*field = d.field;
	*byte = d.byte;
	sd_event_clear(a);
	sd_event_clear(b);
	sd_norm_free(n);
	return d.text;
}

static void check_desc(struct sd_event a, struct sd_event b, int field, long byte, const char *want)
{
	int f;
	long by;
	char *t = describe(&a, &b, &f, &by);
	assert_non_null(t);
	assert_string_equal(t, want);
	assert_int_equal(f, field);
	assert_int_equal(by, byte);
	free(t);
}

static void test_describe_bytes(void **state)
{
	(void)state;
	check_desc(write_ev(1, "/o", "Hello, World!\n"), write_ev(1, "/o", "Hello World!\n"), 2, 5,
		   "missing ','");
	check_desc(write_ev(1, "/o", "line\n"), write_ev(1, "/o", "line\r\n"), 2, 4, "extra '\\r'");
	check_desc(write_ev(1, "/o", "cat"), write_ev(1, "/o", "cut"), 2, 1, "'a' vs 'u'");
	check_desc(write_ev(1, "/o", "abc"), write_ev(1, "/o", "abcdef"), 2, 3,
		   "extra \"def\" at the end");
	check_desc(write_ev(1, "/o", "hello world"), write_ev(1, "/o", "help"), 2, 3,
		   "differs from byte 3: \"lo world\" vs \"p\" (11 vs 4 bytes)");
	check_desc(write_ev(1, "/o", "x"), write_ev(1, "/e", "x"), 1, -1, "/o vs /e");
}

static void test_describe_fields(void **state)
{
	(void)state;
	check_desc(open_ev("f", "/f", "O_WRONLY|O_CREAT", 0644, 3),
		   open_ev("f", "/f", "O_WRONLY|O_CREAT", 0600, 3), 4, -1, "0644 vs 0600");
	check_desc(open_ev("f", "/f", "O_RDONLY", 0, -ENOENT), open_ev("f", "/f", "O_RDONLY", 0, 0),
		   SD_NF_RET, -1, "ENOENT vs 0");
	check_desc(open_ev("f", "/f", "O_WRONLY|O_APPEND", 0, 3),
		   open_ev("f", "/f", "O_WRONLY|O_TRUNC", 0, 3), 3, -1,
		   "missing O_APPEND, extra O_TRUNC");
	check_desc(open_ev("out.txt", "/w/out.txt", "O_RDONLY", 0, 3),
		   open_ev("out.text", "/w/out.text", "O_RDONLY", 0, 3), 2, 5, "extra 'e'");
	struct sd_event x = sc("exit_group", 0, 0), y = sc("exit_group", 0, 0);
	x.kind = y.kind = SD_EV_EXIT;
	x.status = 0;
	y.status = 3;
	check_desc(x, y, SD_NF_RET, -1, "exit status 0 vs 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_compare_absolute),
		cmocka_unit_test(test_map_path),
		cmocka_unit_test(test_fds_by_target_and_pipes_by_order),
		cmocka_unit_test(test_buffers_and_content_limit),
		cmocka_unit_test(test_flags_cloexec_and_pointers),
		cmocka_unit_test(test_dirents_by_names),
		cmocka_unit_test(test_default_noise_set),
		cmocka_unit_test(test_describe_bytes),
		cmocka_unit_test(test_describe_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
