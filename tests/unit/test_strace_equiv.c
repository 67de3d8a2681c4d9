/* test_strace_equiv.c - what makes a program traced by sysdiff and by strace compare as
 * the same: flags keyed as bit sets (order, zero-valued names, unknown names, cloexec),
 * directory listings keyed by their entries or by their count, dirfd-relative paths when
 * fds compare by number; and the strace importer's side of it (getdents entries as
 * kernel records, "N entries", "A or B" ioctl names, fds strace does not annotate). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/normalize.h"
#include "format/strace_log.h"
#include "util/lines.h"
#include "util/util.h"

#include "dirent_fixture.h"

/* ---- flags ---- */

/* The key of flags text (NULL: raw only) as argument i of syscall name. */
static uint64_t fkey(struct sd_norm *n, const char *name, int i, const char *text, int64_t raw)
{
	struct sd_event ev;

	sd_event_init(&ev);
	ev.kind = SD_EV_SYSCALL;
	snprintf(ev.name, sizeof ev.name, "%s", name);
	ev.finished = true;
	ev.nargs = i + 1;
	for (int k = 0; k < i; k++)
		ev.args[k] = (struct sd_arg){ .type = SD_ARG_INT, .raw = 0 };
	ev.args[i] = (struct sd_arg){ .type = SD_ARG_FLAGS, .raw = raw, .text = text ? xstrdup(text) : NULL };
	uint64_t k = sd_norm_arg_key(n, &ev, i);
	sd_event_clear(&ev);
	assert_int_not_equal(k, 0);
	return k;
}

#define OPEN(n, t) fkey(n, "openat", 2, t, 0)

static void test_flags_order_free(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);

	assert_int_equal(OPEN(n, "O_WRONLY|O_CREAT|O_TRUNC"), OPEN(n, "O_TRUNC|O_CREAT|O_WRONLY"));
	assert_int_equal(OPEN(n, "O_RDONLY|O_NOCTTY|O_NONBLOCK|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC"),
			 OPEN(n, "O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC|O_DIRECTORY"));
	/* spaces around parts are not part of names */
	assert_int_equal(OPEN(n, "O_WRONLY | O_CREAT"), OPEN(n, "O_CREAT|O_WRONLY"));
	/* a number is its bits */
	assert_int_equal(OPEN(n, "O_WRONLY|0x40"), OPEN(n, "O_CREAT|O_WRONLY"));
	/* the raw value when there is no text */
	assert_int_equal(fkey(n, "openat", 2, NULL, 01101), OPEN(n, "O_WRONLY|O_CREAT|O_TRUNC"));
	/* what differs still differs */
	assert_int_not_equal(OPEN(n, "O_WRONLY|O_CREAT|O_TRUNC"), OPEN(n, "O_WRONLY|O_CREAT"));
	assert_int_not_equal(OPEN(n, "O_WRONLY|O_CREAT"), OPEN(n, "O_RDWR|O_CREAT"));
	assert_int_not_equal(OPEN(n, "O_WRONLY|O_APPEND"), OPEN(n, "O_WRONLY"));
	/* a group of bits under one name (strace) or each (sysdiff) */
	assert_int_equal(fkey(n, "statx", 3, "STATX_BASIC_STATS", 0),
			 fkey(n, "statx", 3, "STATX_TYPE|STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|"
			      "STATX_ATIME|STATX_MTIME|STATX_CTIME|STATX_INO|STATX_SIZE|STATX_BLOCKS", 0));
	assert_int_not_equal(fkey(n, "statx", 3, "STATX_BASIC_STATS", 0),
			     fkey(n, "statx", 3, "STATX_BASIC_STATS|STATX_BTIME", 0));
	/* remembered keys are the same keys, every time, per syscall and argument */
	for (int r = 0; r < 3; r++)
		assert_int_equal(OPEN(n, "O_WRONLY|O_CREAT|O_TRUNC"), OPEN(n, "O_TRUNC|O_CREAT|O_WRONLY"));
	sd_norm_free(n);
}

static void test_flags_zero_names(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);
	uint64_t zero = fkey(n, "statx", 2, "0", 0);

	/* strace prints AT_STATX_SYNC_AS_STAT, sysdiff 0: no bits either way */
	assert_int_equal(fkey(n, "statx", 2, "AT_STATX_SYNC_AS_STAT", 0), zero);
	assert_int_equal(fkey(n, "statx", 2, "", 0), zero);
	assert_int_equal(fkey(n, "statx", 2, "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW", 0),
			 fkey(n, "statx", 2, "AT_SYMLINK_NOFOLLOW", 0));
	assert_int_not_equal(fkey(n, "statx", 2, "AT_SYMLINK_NOFOLLOW", 0), zero);
	/* O_RDONLY is 0 */
	assert_int_equal(OPEN(n, "O_RDONLY|O_CLOEXEC"), OPEN(n, "O_CLOEXEC"));
	assert_int_equal(OPEN(n, "O_RDONLY"), OPEN(n, "0"));
	sd_norm_free(n);
}

static void test_flags_unknown_names(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL);

	/* names no table knows are a set: order-free, each one counted */
	assert_int_equal(OPEN(n, "O_WRONLY|FOO_NEW|BAR_NEW"), OPEN(n, "BAR_NEW|O_WRONLY|FOO_NEW"));
	assert_int_not_equal(OPEN(n, "O_WRONLY|FOO_NEW|BAR_NEW"), OPEN(n, "O_WRONLY|FOO_NEW"));
	assert_int_not_equal(OPEN(n, "O_WRONLY|FOO_NEW"), OPEN(n, "O_WRONLY"));
	assert_int_not_equal(OPEN(n, "FOO_NEW"), OPEN(n, "0"));
	assert_int_not_equal(OPEN(n, "FOO_NEW"), OPEN(n, "BAR_NEW"));
	/* '|' inside parentheses does not split a name */
	assert_int_equal(fkey(n, "ioctl", 1, "_IOC(_IOC_READ|_IOC_WRITE, 0x12, 0x34, 0x8)", 0),
			 fkey(n, "ioctl", 1, "_IOC(_IOC_READ|_IOC_WRITE, 0x12, 0x34, 0x8)", 0));
	assert_int_not_equal(fkey(n, "ioctl", 1, "_IOC(_IOC_READ|_IOC_WRITE, 0x12, 0x34, 0x8)", 0),
			     fkey(n, "ioctl", 1, "_IOC(_IOC_READ, 0x12, 0x34, 0x8)", 0));
	/* the same text is not the same key for another syscall's table */
	assert_int_not_equal(fkey(n, "ioctl", 1, "FICLONE", 0), fkey(n, "ioctl", 1, "TCGETS", 0));
	sd_norm_free(n);
}

static void test_flags_cloexec(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 }, oc = { .ignore_cloexec = true };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL), *nc = sd_norm_new(&oc, NULL, NULL);

	assert_int_not_equal(OPEN(n, "O_RDONLY|O_CLOEXEC"), OPEN(n, "O_RDONLY"));
	assert_int_equal(OPEN(nc, "O_RDONLY|O_CLOEXEC"), OPEN(nc, "O_RDONLY"));
	assert_int_equal(OPEN(nc, "O_CLOEXEC|O_WRONLY|O_CREAT"), OPEN(nc, "O_CREAT|O_WRONLY"));
	assert_int_not_equal(OPEN(nc, "O_CLOEXEC|O_WRONLY|O_CREAT"), OPEN(nc, "O_WRONLY"));
	assert_int_equal(fkey(nc, "socket", 1, "SOCK_STREAM|SOCK_CLOEXEC", 0),
			 fkey(nc, "socket", 1, "SOCK_STREAM", 0));
	assert_int_equal(fkey(nc, "pipe2", 1, "O_CLOEXEC", 0), fkey(nc, "pipe2", 1, "0", 0));
	assert_int_not_equal(fkey(n, "pipe2", 1, "O_CLOEXEC", 0), fkey(n, "pipe2", 1, "0", 0));
	sd_norm_free(n);
	sd_norm_free(nc);
}

/* ---- directory listings ---- */

static struct sd_event gd(const unsigned char *data, size_t kept, size_t len, const char *text)
{
	struct sd_event ev;

	sd_event_init(&ev);
	ev.kind = SD_EV_SYSCALL;
	snprintf(ev.name, sizeof ev.name, "getdents64");
	ev.finished = true;
	ev.ret = (int64_t)len;
	ev.nargs = 3;
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = 3 };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_BUF, .at_exit = true, .text = text ? xstrdup(text) : NULL };
	ev.args[1].buf.len = len;
	ev.args[1].buf.kept = (uint32_t)kept;
	ev.args[1].buf.data = kept ? xmemdup(data, kept) : NULL;
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_UINT, .raw = 32768 };
	return ev;
}

static uint64_t gkey(struct sd_norm *n, struct sd_event ev)
{
	uint64_t k = sd_norm_arg_key(n, &ev, 1);
	sd_event_clear(&ev);
	return k;
}

static void test_dirents_by_count_and_limit(void **state)
{
	(void)state;
	unsigned char x[512], y[512];
	size_t lx = 0, ly = 0;
	for (int i = 0; i < 3; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "f%d", i);
		lx += dirent64(x + lx, 100 + (uint64_t)i, nm, 0);
		snprintf(nm, sizeof nm, "g%d", i);                /* other names, same lengths */
		ly += dirent64(y + ly, 200 + (uint64_t)i, nm, 0x55);
	}
	struct sd_norm_opts o = { 0 }, oc = { .dirents_by_count = true },
			    ol = { .dirents_limit = 24 }, ocl = { .dirents_by_count = true, .dirents_limit = 24 };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL), *nc = sd_norm_new(&oc, NULL, NULL);
	struct sd_norm *nl = sd_norm_new(&ol, NULL, NULL), *ncl = sd_norm_new(&ocl, NULL, NULL);

	/* by names: other names differ */
	assert_int_not_equal(gkey(n, gd(x, lx, lx, NULL)), gkey(n, gd(y, ly, ly, NULL)));
	/* an strace log without -v: "3 entries", no bytes */
	struct sd_event c3 = gd(NULL, 0, lx, "3 entries");
	assert_true(sd_norm_dirents_counted(&c3));
	sd_event_clear(&c3);
	struct sd_event full = gd(x, lx, lx, NULL);
	assert_false(sd_norm_dirents_counted(&full));
	sd_event_clear(&full);
	assert_int_equal(gkey(nc, gd(x, lx, lx, NULL)), gkey(nc, gd(NULL, 0, lx, "3 entries")));
	assert_int_not_equal(gkey(nc, gd(x, lx, lx, NULL)), gkey(nc, gd(NULL, 0, lx, "4 entries")));
	assert_int_not_equal(gkey(nc, gd(x, lx, lx, NULL)), gkey(nc, gd(NULL, 0, lx + 8, "3 entries")));
	/* limit: only whole records within the first 24 bytes (the first one) */
	assert_int_equal(gkey(nl, gd(x, 24, lx, NULL)), gkey(nl, gd(x, lx, lx, NULL)));
	unsigned char z[512];
	memcpy(z, x, lx);
	z[24 + 19] = 'h';                                        /* the second name */
	assert_int_equal(gkey(nl, gd(z, lx, lx, NULL)), gkey(nl, gd(x, 24, lx, NULL)));
	assert_int_not_equal(gkey(n, gd(z, lx, lx, NULL)), gkey(n, gd(x, lx, lx, NULL)));
	z[19] = 'h';                                             /* the first name */
	assert_int_not_equal(gkey(nl, gd(z, lx, lx, NULL)), gkey(nl, gd(x, 24, lx, NULL)));
	/* by count, beyond what a sysdiff trace kept: the length alone */
	assert_int_equal(gkey(ncl, gd(x, 24, lx, NULL)), gkey(ncl, gd(NULL, 0, lx, "3 entries")));
	sd_norm_free(n);
	sd_norm_free(nc);
	sd_norm_free(nl);
	sd_norm_free(ncl);
}

/* ---- dirfd-relative paths ---- */

static uint64_t openat_path_key(struct sd_norm *n, int dirfd, const char *str, const char *abs)
{
	struct sd_event ev;

	sd_event_init(&ev);
	ev.kind = SD_EV_SYSCALL;
	snprintf(ev.name, sizeof ev.name, "openat");
	ev.finished = true;
	ev.ret = 4;
	ev.nargs = 4;
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = dirfd,
				      .text = dirfd == -100 ? xstrdup("AT_FDCWD") : NULL };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .str = xstrdup(str),
				      .abs = abs ? xstrdup(abs) : NULL };
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_FLAGS, .text = xstrdup("O_RDONLY") };
	ev.args[3] = (struct sd_arg){ .type = SD_ARG_MODE };
	uint64_t k = sd_norm_arg_key(n, &ev, 1);
	sd_event_clear(&ev);
	return k;
}

static void test_dirfd_relative_paths(void **state)
{
	(void)state;
	struct sd_norm_opts o = { 0 }, on = { .fds_by_number = true };
	struct sd_norm *n = sd_norm_new(&o, NULL, NULL), *nn = sd_norm_new(&on, NULL, NULL);

	/* fds named on both sides: absolute paths */
	assert_int_not_equal(openat_path_key(n, 5, "sub", "/w/sub"), openat_path_key(n, 5, "sub", NULL));
	/* a side that cannot name fds: as written, both sides */
	assert_int_equal(openat_path_key(nn, 5, "sub", "/w/sub"), openat_path_key(nn, 5, "sub", NULL));
	assert_int_not_equal(openat_path_key(nn, 5, "sub", "/w/sub"), openat_path_key(nn, 5, "sib", NULL));
	/* relative to the cwd, or absolute: still absolute */
	assert_int_equal(openat_path_key(nn, -100, "sub", "/w/sub"), openat_path_key(nn, -100, "x", "/w/sub"));
	assert_int_equal(openat_path_key(nn, 5, "/w/sub", "/w/sub"), openat_path_key(nn, 7, "/w/sub", "/w/sub"));
	sd_norm_free(n);
	sd_norm_free(nn);
}

/* ---- the strace importer ---- */

struct imp {
	struct sd_strace *s;
	struct sd_event ev[32];
	int n;
};

static struct imp *import(const char *text)
{
	struct imp *l = calloc(1, sizeof *l);
	struct sd_strace_opts o = { .cwd = "/w" };
	char *err = NULL;
	int rc;

	l->s = sd_strace_open(sd_lines_open_mem(text, strlen(text), "t.log"), &o, &err);
	assert_non_null(l->s);
	while (l->n < 32 && (rc = sd_strace_next(l->s, &l->ev[l->n], &err)) == 1)
		l->n++;
	if (err)
		fprintf(stderr, "%s\n", err);
	assert_null(err);
	return l;
}

static void imp_free(struct imp *l)
{
	for (int i = 0; i < l->n; i++)
		sd_event_clear(&l->ev[i]);
	sd_strace_close(l->s);
	free(l);
}

static const struct sd_event *named(const struct imp *l, const char *name, int nth)
{
	for (int i = 0; i < l->n; i++)
		if (l->ev[i].kind == SD_EV_SYSCALL && !strcmp(l->ev[i].name, name) && nth-- == 0)
			return &l->ev[i];
	fail_msg("no %s", name);
	return NULL;
}

static void test_import_getdents(void **state)
{
	(void)state;
	struct imp *l = import(
		"10 getdents64(3, [{d_ino=5, d_off=1, d_reclen=24, d_type=DT_DIR, d_name=\".\"}, "
		"{d_ino=2, d_off=2, d_reclen=24, d_type=DT_DIR, d_name=\"..\"}, "
		"{d_ino=9, d_off=3, d_reclen=32, d_type=DT_REG, d_name=\"in.txt\"}], 32768) = 80\n"
		"10 getdents64(3, 0x5562defb72a0 /* 3 entries */, 32768) = 80\n"
		"10 getdents64(3, [], 32768) = 0\n"
		"10 +++ exited with 0 +++\n");
	const struct sd_event *v = named(l, "getdents64", 0);
	const struct sd_buf *b = &v->args[1].buf;
	assert_int_equal(b->len, 80);
	assert_int_equal(b->kept, 80);
	assert_int_equal(b->data[16], 24);
	assert_int_equal(b->data[18], 4);                       /* DT_DIR */
	assert_string_equal((const char *)b->data + 19, ".");
	assert_int_equal(b->data[48 + 16], 32);
	assert_int_equal(b->data[48 + 18], 8);                  /* DT_REG */
	assert_string_equal((const char *)b->data + 48 + 19, "in.txt");
	assert_false(sd_norm_dirents_counted(v));
	const struct sd_event *c = named(l, "getdents64", 1);
	assert_null(c->args[1].buf.data);
	assert_int_equal(c->args[1].buf.len, 80);
	assert_string_equal(c->args[1].text, "3 entries");
	assert_true(sd_norm_dirents_counted(c));
	/* the same listing keyed from bytes and from the count */
	struct sd_norm_opts oc = { .dirents_by_count = true };
	struct sd_norm *nc = sd_norm_new(&oc, NULL, NULL);
	assert_int_equal(sd_norm_arg_key(nc, v, 1), sd_norm_arg_key(nc, c, 1));
	sd_norm_free(nc);
	imp_free(l);
}

static void test_import_ioctl_alternatives_and_fds(void **state)
{
	(void)state;
	struct imp *l = import(
		"10 openat(AT_FDCWD</w>, \"in.txt\", O_RDONLY) = 3</w/in.txt>\n"
		"10 openat(AT_FDCWD</w>, \"out.txt\", O_WRONLY|O_CREAT|O_EXCL, 0644) = 4</w/out.txt>\n"
		"10 ioctl(4</w/out.txt>, BTRFS_IOC_CLONE or FICLONE, 3) = -1 EOPNOTSUPP (Operation not supported)\n"
		"10 close(3</w/in.txt>) = 0\n"
		"10 ioctl(4</w/out.txt>, BTRFS_IOC_CLONE or FICLONE, 3) = -1 EBADF (Bad file descriptor)\n"
		"10 +++ exited with 0 +++\n");
	const struct sd_event *e = named(l, "ioctl", 0);
	assert_string_equal(e->args[1].text, "FICLONE");
	assert_int_equal(e->args[2].type, SD_ARG_FD);            /* typed as FICLONE's source */
	assert_non_null(e->args[2].ref);
	assert_string_equal(e->args[2].ref, "/w/in.txt");        /* as shown when it was opened */
	const struct sd_event *f = named(l, "ioctl", 1);
	assert_null(f->args[2].ref);                             /* closed since */
	imp_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_order_free),
		cmocka_unit_test(test_flags_zero_names),
		cmocka_unit_test(test_flags_unknown_names),
		cmocka_unit_test(test_flags_cloexec),
		cmocka_unit_test(test_dirents_by_count_and_limit),
		cmocka_unit_test(test_dirfd_relative_paths),
		cmocka_unit_test(test_import_getdents),
		cmocka_unit_test(test_import_ioctl_alternatives_and_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
