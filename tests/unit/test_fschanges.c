/* test_fschanges.c - what a sandboxed run changed (sandbox/fschanges.c): real overlays,
 * made as root in a private mount namespace of a forked child that changes them,
 * collects the changes and saves them for the test to load; the file form and how load
 * refuses what is not one (fschanges_io.c); and the text of the comparison of two runs'
 * lists (validate/state.c). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "sandbox/fschanges.h"
#include "util/util.h"
#include "validate/state.h"
#include "validate/validate.h"

#define OLD_S 978307200LL               /* 2001-01-01 00:00:00 UTC: the lower's times */
#define SET_S 1577923200LL              /* 2020-01-02 00:00:00 UTC */
#define NS 1000000000LL

/* In the child: a failed step ends it (the test then fails on its status). */
#define CK(x) do { if (!(x)) { fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, \
					strerror(errno)); _exit(1); } } while (0)

static char *at(const char *root, const char *rel)
{
	static char buf[4][8192];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", root, rel);
	return p;
}

static void wfile(const char *root, const char *rel, const char *text, mode_t mode)
{
	int fd = open(at(root, rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	CK(fd >= 0);
	CK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CK(close(fd) == 0);
}

static void mkd(const char *root, const char *rel)
{
	CK(mkdir(at(root, rel), 0755) == 0);
}

static int old_time(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	struct timespec ts[2] = { { OLD_S, 0 }, { OLD_S, 0 } };
	(void)st, (void)flag, (void)f;
	return utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void rm_r(const char *root, const char *rel)
{
	CK(nftw(at(root, rel), rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

typedef void step_fn(const char *root);

/* The child: build the lower tree, overlay it, change it, collect, save to dir/out.
 * 77: overlays cannot be made here. */
static int child(const char *dir, step_fn *setup, step_fn *mutate, const char *mopts)
{
	char low[512], lb[512], t[512], up[512], wk[512], mg[512], out[512], *opts;
	struct stat rs;

	umask(022);
	snprintf(low, sizeof low, "%s/lower", dir);
	snprintf(lb, sizeof lb, "%s/lb", dir);
	snprintf(t, sizeof t, "%s/t", dir);
	snprintf(up, sizeof up, "%s/t/upper", dir);
	snprintf(wk, sizeof wk, "%s/t/work", dir);
	snprintf(mg, sizeof mg, "%s/merged", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	CK(mkdir(low, 0755) == 0 && mkdir(lb, 0755) == 0 && mkdir(t, 0700) == 0 && mkdir(mg, 0755) == 0);
	if (setup)
		setup(low);
	CK(nftw(low, old_time, 16, FTW_PHYS) == 0);
	CK(stat(low, &rs) == 0);
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 77;
	int64_t t0 = (int64_t)sd_now_real_ns();
	CK(mount("tmpfs", t, "tmpfs", 0, "mode=0700") == 0);
	CK(mkdir(up, 0755) == 0 && mkdir(wk, 0700) == 0);
	/* the upper root carries the lower root's mode and owner (the overlay shows it) */
	CK(chmod(up, rs.st_mode & 07777) == 0 && chown(up, rs.st_uid, rs.st_gid) == 0);
	CK(mount(low, lb, NULL, MS_BIND, NULL) == 0);
	CK(mount(NULL, lb, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOATIME, NULL) == 0);
	bool userxattr = strstr(mopts, "userxattr") != NULL;
	opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,%s", lb, up, wk, mopts);
	if (mount("overlay", mg, "overlay", 0, opts) < 0) {
		fprintf(stderr, "overlay: %s\n", strerror(errno));
		return 77;
	}
	mutate(mg);
	int64_t t1 = (int64_t)sd_now_real_ns();
	struct sd_layer l = { "/data", open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
			      open(lb, O_RDONLY | O_DIRECTORY | O_CLOEXEC), userxattr };
	CK(l.upper >= 0 && l.lower >= 0);
	struct sd_fschanges ch;
	sd_fschanges_collect(&l, 1, t0, t1, &ch);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CK(fd >= 0 && sd_fschanges_save(&ch, fd) == 0 && close(fd) == 0);
	return 0;
}

/* Run setup and mutate over an overlay mounted at "/data" (as the program sees it) with
 * options mopts (NULL: the sandbox's, redirect_dir and metacopy off); false (the test is
 * skipped) when not root or overlays cannot be made. */
static bool run_overlay(step_fn *setup, step_fn *mutate, const char *mopts,
			struct sd_fschanges *ch)
{
	char dir[] = "/tmp/sd-fsc-XXXXXX";
	int status;

	if (geteuid() != 0)
		return false;
	assert_non_null(mkdtemp(dir));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(dir, setup, mutate, mopts ? mopts : "redirect_dir=off,metacopy=off"));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		sd_rm_tree(dir);
		return false;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	char *out = xasprintf("%s/out", dir);
	int fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(sd_fschanges_load(ch, fd), 0);
	close(fd);
	free(out);
	sd_rm_tree(dir);
	return true;
}

static const struct sd_fschange *get(const struct sd_fschanges *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->c[i].path, path))
			return &c->c[i];
	return NULL;
}

static void assert_data(const struct sd_fsentry *e, const char *text)
{
	assert_int_equal(e->ndata, strlen(text));
	assert_memory_equal(e->data, text, strlen(text));
}

/* ---- created ---- */

static void setup_keep(const char *r)
{
	wfile(r, "keep", "kept\n", 0644);
}

static void mutate_create(const char *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	wfile(r, "new.txt", "hello\n", 0644);
	CK(mkdir(at(r, "dir"), 0750) == 0);
	CK(symlink("new.txt", at(r, "link")) == 0);
	CK(mkfifo(at(r, "fifo"), 0640) == 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", at(r, "sock"));
	CK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0);
	CK(link(at(r, "new.txt"), at(r, "hard")) == 0);
	CK(link(at(r, "keep"), at(r, "keep2")) == 0);
}

static void test_created(void **state)
{
	(void)state;
	struct sd_fschanges ch;

	if (!run_overlay(setup_keep, mutate_create, NULL, &ch))
		skip();
	assert_null(ch.error);
	assert_int_equal(ch.n, 7);   /* dir fifo hard keep2 link new.txt sock */
	const struct sd_fschange *c = get(&ch, "/data/new.txt");
	assert_non_null(c);
	assert_int_equal(c->before.type, 0);
	assert_int_equal(c->after.type, 'f');
	assert_int_equal(c->after.mode, 0644);
	assert_int_equal(c->after.size, 6);
	assert_true(c->after.hash == XXH64("hello\n", 6, 0));
	assert_data(&c->after, "hello\n");
	assert_int_equal(c->mtime, SD_TIME_NOW);
	assert_int_equal(get(&ch, "/data/dir")->after.type, 'd');
	assert_int_equal(get(&ch, "/data/dir")->after.mode, 0750);
	assert_int_equal(get(&ch, "/data/link")->after.type, 'l');
	assert_string_equal(get(&ch, "/data/link")->after.target, "new.txt");
	assert_int_equal(get(&ch, "/data/fifo")->after.type, 'p');
	assert_int_equal(get(&ch, "/data/fifo")->after.mode, 0640);
	assert_int_equal(get(&ch, "/data/sock")->after.type, 's');
	assert_int_equal(get(&ch, "/data/hard")->after.type, 'f');
	assert_data(&get(&ch, "/data/hard")->after, "hello\n");
	/* a link to a file of the lower: the new name carries the old times */
	c = get(&ch, "/data/keep2");
	assert_non_null(c);
	assert_int_equal(c->mtime, SD_TIME_SET);
	assert_true(c->after.mtime_ns == OLD_S * NS);
	assert_null(get(&ch, "/data/keep"));
	assert_null(get(&ch, "/data"));
	for (size_t i = 1; i < ch.n; i++)
		assert_true(strcmp(ch.c[i - 1].path, ch.c[i].path) < 0);
	sd_fschanges_free(&ch);
}

/* ---- changed ---- */

static void setup_files(const char *r)
{
	wfile(r, "same.txt", "hello\n", 0644);
	wfile(r, "mode.txt", "m\n", 0644);
	wfile(r, "owner.txt", "o\n", 0644);
	wfile(r, "times.txt", "t\n", 0644);
	wfile(r, "touched.txt", "t\n", 0644);
	wfile(r, "trunc.txt", "abcdef", 0644);
	wfile(r, "copyup.txt", "c\n", 0644);
	mkd(r, "sub");
	wfile(r, "sub/deep.txt", "d\n", 0644);
}

static void mutate_files(const char *r)
{
	struct timespec ts[2] = { { SET_S, 0 }, { SET_S, 500000000 } };
	int fd = open(at(r, "same.txt"), O_WRONLY | O_CLOEXEC);

	CK(fd >= 0 && pwrite(fd, "HELLO", 5, 0) == 5 && close(fd) == 0);
	CK(chmod(at(r, "mode.txt"), 0600) == 0);
	CK(chown(at(r, "owner.txt"), 1000, 1000) == 0);
	CK(utimensat(AT_FDCWD, at(r, "times.txt"), ts, 0) == 0);
	CK(utimensat(AT_FDCWD, at(r, "touched.txt"), NULL, 0) == 0);
	CK(truncate(at(r, "trunc.txt"), 0) == 0);
	CK((fd = open(at(r, "copyup.txt"), O_RDWR | O_CLOEXEC)) >= 0 && close(fd) == 0);
	CK((fd = open(at(r, "sub/deep.txt"), O_RDWR | O_CLOEXEC)) >= 0 && close(fd) == 0);
}

static void test_changed(void **state)
{
	(void)state;
	struct sd_fschanges ch;

	if (!run_overlay(setup_files, mutate_files, NULL, &ch))
		skip();
	assert_null(ch.error);
	assert_int_equal(ch.n, 5);   /* mode owner same times trunc */
	const struct sd_fschange *c = get(&ch, "/data/same.txt");
	assert_non_null(c);
	assert_int_equal(c->before.size, c->after.size);
	assert_true(c->before.hash == XXH64("hello\n", 6, 0));
	assert_true(c->after.hash == XXH64("HELLO\n", 6, 0));
	assert_data(&c->after, "HELLO\n");
	assert_data(&c->before, "hello\n");
	assert_int_equal(c->mtime, SD_TIME_NOW);
	c = get(&ch, "/data/mode.txt");
	assert_int_equal(c->before.mode, 0644);
	assert_int_equal(c->after.mode, 0600);
	assert_int_equal(c->mtime, SD_TIME_UNCHANGED);
	assert_data(&c->after, "m\n");
	assert_null(c->before.data);   /* the same bytes as after's */
	c = get(&ch, "/data/owner.txt");
	assert_int_equal(c->before.uid, 0);
	assert_int_equal(c->after.uid, 1000);
	assert_int_equal(c->after.gid, 1000);
	c = get(&ch, "/data/times.txt");
	assert_int_equal(c->mtime, SD_TIME_SET);
	assert_int_equal(c->atime, SD_TIME_SET);
	assert_true(c->after.mtime_ns == SET_S * NS + 500000000);
	assert_true(c->after.atime_ns == SET_S * NS);
	assert_true(c->before.mtime_ns == OLD_S * NS);
	c = get(&ch, "/data/trunc.txt");
	assert_int_equal(c->before.size, 6);
	assert_int_equal(c->after.size, 0);
	assert_data(&c->before, "abcdef");
	assert_null(c->after.data);
	assert_null(get(&ch, "/data/touched.txt"));
	assert_null(get(&ch, "/data/copyup.txt"));
	assert_null(get(&ch, "/data/sub"));
	assert_null(get(&ch, "/data/sub/deep.txt"));
	sd_fschanges_free(&ch);
}

/* ---- deleted, replaced, renamed ---- */

static void setup_tree(const char *r)
{
	wfile(r, "gone.txt", "g\n", 0644);
	mkd(r, "d");
	wfile(r, "d/a", "a\n", 0644);
	wfile(r, "d/b", "b\n", 0644);
	mkd(r, "d/sub");
	wfile(r, "d/sub/c", "c\n", 0644);
	mkd(r, "r");
	wfile(r, "r/x", "x\n", 0644);
	wfile(r, "r/y", "y\n", 0644);
	wfile(r, "mv.txt", "mv\n", 0644);
	wfile(r, "f2d", "f\n", 0644);
	mkd(r, "d2f");
	wfile(r, "d2f/z", "z\n", 0644);
}

static void mutate_tree(const char *r)
{
	CK(unlink(at(r, "gone.txt")) == 0);
	rm_r(r, "d");
	rm_r(r, "r");
	mkd(r, "r");
	wfile(r, "r/x", "x\n", 0644);
	CK(rename(at(r, "mv.txt"), at(r, "moved.txt")) == 0);
	CK(unlink(at(r, "f2d")) == 0);
	mkd(r, "f2d");
	wfile(r, "f2d/inner", "i\n", 0644);
	rm_r(r, "d2f");
	wfile(r, "d2f", "now a file\n", 0644);
}

static void check_tree(bool userxattr)
{
	struct sd_fschanges ch;
	static const char *const gone[] = { "/data/d", "/data/d/a", "/data/d/b", "/data/d/sub",
		"/data/d/sub/c", "/data/d2f/z", "/data/gone.txt", "/data/mv.txt", "/data/r/y" };

	if (!run_overlay(setup_tree, mutate_tree, userxattr ? "userxattr" : NULL, &ch))
		skip();
	assert_null(ch.error);
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
		const struct sd_fschange *c = get(&ch, gone[i]);
		assert_non_null(c);
		assert_int_not_equal(c->before.type, 0);
		assert_int_equal(c->after.type, 0);
	}
	assert_int_equal(get(&ch, "/data/d")->before.type, 'd');
	assert_int_equal(get(&ch, "/data/d/sub/c")->before.size, 2);
	const struct sd_fschange *c = get(&ch, "/data/d2f");
	assert_int_equal(c->before.type, 'd');
	assert_int_equal(c->after.type, 'f');
	assert_data(&c->after, "now a file\n");
	c = get(&ch, "/data/f2d");
	assert_int_equal(c->before.type, 'f');
	assert_int_equal(c->after.type, 'd');
	assert_int_equal(get(&ch, "/data/f2d/inner")->before.type, 0);
	c = get(&ch, "/data/moved.txt");
	assert_int_equal(c->before.type, 0);
	assert_data(&c->after, "mv\n");
	assert_int_equal(c->mtime, SD_TIME_SET);   /* a rename keeps the file's old time */
	/* r was removed and made again: only what is not there again is a change */
	assert_null(get(&ch, "/data/r"));
	assert_null(get(&ch, "/data/r/x"));
	assert_int_equal(ch.n, 9 + 3 + 1);
	sd_fschanges_free(&ch);
}

static void test_deleted(void **state)
{
	(void)state;
	check_tree(false);
}

static void test_deleted_userxattr(void **state)
{
	(void)state;
	check_tree(true);
}

/* ---- many, deep, odd names, big files ---- */

static void mutate_many(const char *r)
{
	char name[64], text[16];

	mkd(r, "many");
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "many/f%05d", i);
		snprintf(text, sizeof text, "%d\n", i);
		wfile(r, name, text, 0644);
	}
	wfile(r, "new\nline", "nl\n", 0644);
	wfile(r, "sp ace\ttab\\back", "s\n", 0644);
	wfile(r, "\xff\xfe", "bytes\n", 0644);
}

static void test_many(void **state)
{
	(void)state;
	struct sd_fschanges ch;

	if (!run_overlay(NULL, mutate_many, NULL, &ch))
		skip();
	assert_null(ch.error);
	assert_int_equal(ch.n, 10001 + 3);
	assert_data(&get(&ch, "/data/many/f09999")->after, "9999\n");
	assert_data(&get(&ch, "/data/new\nline")->after, "nl\n");
	assert_non_null(get(&ch, "/data/sp ace\ttab\\back"));
	assert_non_null(get(&ch, "/data/\xff\xfe"));
	for (size_t i = 1; i < ch.n; i++)
		assert_true(strcmp(ch.c[i - 1].path, ch.c[i].path) < 0);
	sd_fschanges_free(&ch);
}

/* A comb 100 levels deep (each level: d/ and z, read after d/, so that the walk needs
 * each level again after the one under it: more levels than descriptors kept open),
 * and a chain deeper than SD_FS_DEPTH. */
/* The same comb in the lower: a file at each level changed, so that upper and lower
 * directories are both reopened. */
static void comb(const char *r, const char *top, const char *text)
{
	int fd = open(r, O_RDONLY | O_DIRECTORY | O_CLOEXEC), sub;

	CK(fd >= 0 && (*text || mkdirat(fd, top, 0755) == 0));
	CK((sub = openat(fd, top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	for (int i = 0; i < 50; i++) {
		if (!*text)
			CK(mkdirat(sub, "d", 0755) == 0);
		int z = openat(sub, "z", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		CK(z >= 0 && write(z, *text ? text : "z", 1) == 1 && close(z) == 0);
		int next = openat(sub, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		CK(next >= 0);
		close(sub);
		sub = next;
	}
	close(sub);
	close(fd);
}

static void setup_deep(const char *r)
{
	comb(r, "lcomb", "");
}

static void mutate_deep(const char *r)
{
	int fd = open(r, O_RDONLY | O_DIRECTORY | O_CLOEXEC), sub;

	comb(r, "lcomb", "Z");

	CK(mkdirat(fd, "comb", 0755) == 0);
	CK((sub = openat(fd, "comb", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	for (int i = 0; i < 100; i++) {
		CK(mkdirat(sub, "d", 0755) == 0);
		int z = openat(sub, "z", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		CK(z >= 0 && write(z, "z", 1) == 1 && close(z) == 0);
		int next = openat(sub, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		CK(next >= 0);
		close(sub);
		sub = next;
	}
	close(sub);
	CK(mkdirat(fd, "chain", 0755) == 0);
	CK((sub = openat(fd, "chain", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	for (int i = 0; i < SD_FS_DEPTH + 100; i++) {
		CK(mkdirat(sub, "c", 0755) == 0);
		int next = openat(sub, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		CK(next >= 0);
		close(sub);
		sub = next;
	}
	close(sub);
	close(fd);
}

static void test_deep(void **state)
{
	(void)state;
	struct sd_fschanges ch;

	if (!run_overlay(setup_deep, mutate_deep, NULL, &ch))
		skip();
	assert_non_null(ch.error);
	assert_non_null(strstr(ch.error, "too deep"));
	size_t upper = 0, lower = 0, chain = 0;
	for (size_t i = 0; i < ch.n; i++) {
		const struct sd_fschange *c = &ch.c[i];
		upper += !strncmp(c->path, "/data/comb/", 11);
		chain += !strncmp(c->path, "/data/chain/", 12);
		if (!strncmp(c->path, "/data/lcomb/", 12)) {
			lower++;
			assert_int_equal(c->before.type, 'f');
			assert_data(&c->before, "z");
			assert_data(&c->after, "Z");
		}
	}
	assert_int_equal(upper, 200);
	assert_int_equal(lower, 50);
	assert_true(chain > SD_FS_DEPTH - 10 && chain < SD_FS_DEPTH);
	sd_fschanges_free(&ch);
}

static void mutate_big(const char *r)
{
	unsigned char *buf = xmalloc(1 << 20);
	char name[32];

	for (size_t i = 0; i < (1u << 20); i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
	int fd = open(at(r, "big"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CK(fd >= 0 && write(fd, buf, 1 << 20) == 1 << 20 && close(fd) == 0);
	fd = open(at(r, "sparse"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CK(fd >= 0 && pwrite(fd, "mid", 3, 1 << 20) == 3 && pwrite(fd, "end", 3, (1ll << 30) - 3) == 3);
	CK(close(fd) == 0);
	/* enough kept bytes to pass SD_FS_KEEP_TOTAL */
	mkd(r, "k");
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "k/%03d", i);
		fd = open(at(r, name), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		CK(fd >= 0 && write(fd, buf, SD_FS_KEEP) == SD_FS_KEEP && close(fd) == 0);
	}
	free(buf);
}

static void test_big(void **state)
{
	(void)state;
	struct sd_fschanges ch;

	if (!run_overlay(NULL, mutate_big, NULL, &ch))
		skip();
	assert_null(ch.error);
	unsigned char *buf = xmalloc(1 << 20);
	for (size_t i = 0; i < (1u << 20); i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
	const struct sd_fschange *c = get(&ch, "/data/big");
	assert_true(c->after.hash == XXH64(buf, 1 << 20, 0));
	assert_int_equal(c->after.ndata, SD_FS_KEEP);
	assert_memory_equal(c->after.data, buf, SD_FS_KEEP);
	/* the sparse file: holes hash as zeros */
	XXH64_state_t *h = XXH64_createState();
	XXH64_reset(h, 0);
	memset(buf, 0, 1 << 20);
	for (int i = 0; i < 1024; i++) {
		if (i == 1)
			memcpy(buf, "mid", 3);
		if (i == 1023)
			memcpy(buf + (1 << 20) - 3, "end", 3);
		XXH64_update(h, buf, 1 << 20);
		memset(buf, 0, 1 << 20);
	}
	c = get(&ch, "/data/sparse");
	assert_true(c->after.size == 1ull << 30);
	assert_true(c->after.hash == XXH64_digest(h));
	XXH64_freeState(h);
	size_t kept = 0, none = 0;
	for (size_t i = 0; i < ch.n; i++) {
		kept += ch.c[i].after.ndata + ch.c[i].before.ndata;
		none += !strncmp(ch.c[i].path, "/data/k/", 8) && !ch.c[i].after.data;
	}
	assert_true(kept <= SD_FS_KEEP_TOTAL);
	assert_true(none > 0);
	assert_non_null(get(&ch, "/data/k/000")->after.data);
	free(buf);
	sd_fschanges_free(&ch);
}

/* Overlay features the walk does not follow are reported, not misread. */
static void mutate_meta(const char *r)
{
	CK(chmod(at(r, "f2d"), 0600) == 0);
}

static void mutate_redirect(const char *r)
{
	CK(rename(at(r, "d"), at(r, "e")) == 0);
}

static void test_unsupported(void **state)
{
	(void)state;
	struct sd_fschanges ch;

	if (!run_overlay(setup_tree, mutate_meta, "metacopy=on", &ch))
		skip();
	assert_non_null(ch.error);
	assert_non_null(strstr(ch.error, "metacopy"));
	sd_fschanges_free(&ch);
	if (!run_overlay(setup_tree, mutate_redirect, "redirect_dir=on", &ch))
		skip();
	assert_non_null(ch.error);
	assert_non_null(strstr(ch.error, "redirect"));
	sd_fschanges_free(&ch);
}

/* ---- the file form ---- */

static struct sd_fsentry ffile(uint32_t mode, const char *text)
{
	size_t n = strlen(text);
	return (struct sd_fsentry){ .type = 'f', .mode = mode, .size = n, .hash = XXH64(text, n, 0),
				    .data = n ? xmemdup(text, n) : NULL, .ndata = n,
				    .mtime_ns = OLD_S * NS, .atime_ns = OLD_S * NS };
}

static struct sd_fsentry flink(const char *target)
{
	return (struct sd_fsentry){ .type = 'l', .target = xstrdup(target),
				    .hash = XXH64(target, strlen(target), 0) };
}

static struct sd_fsentry fdir(uint32_t mode)
{
	return (struct sd_fsentry){ .type = 'd', .mode = mode, .mtime_ns = OLD_S * NS };
}

static const struct sd_fsentry none;

/* A list of n changes from (path, before, after) triples, sorted as given. */
static void add(struct sd_fschanges *l, const char *path, struct sd_fsentry before,
		struct sd_fsentry after)
{
	l->c = xrealloc(l->c, (l->n + 1) * sizeof *l->c);
	l->c[l->n++] = (struct sd_fschange){ .path = xstrdup(path), .before = before,
					     .after = after, .mtime = SD_TIME_NOW,
					     .atime = SD_TIME_NOW };
}

static int memfd_of(const char *text, size_t n)
{
	int fd = memfd_create("fsc", MFD_CLOEXEC);
	assert_true(fd >= 0);
	if (n)
		assert_int_equal(write(fd, text, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char *saved(const struct sd_fschanges *l, size_t *len)
{
	int fd = memfd_of("", 0);
	assert_int_equal(sd_fschanges_save(l, fd), 0);
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = xmalloc((size_t)n + 1);
	assert_int_equal(pread(fd, buf, (size_t)n, 0), n);
	buf[n] = '\0';
	close(fd);
	*len = (size_t)n;
	return buf;
}

static int load_text(const char *text, size_t n, struct sd_fschanges *l)
{
	int fd = memfd_of(text, n);
	int rc = sd_fschanges_load(l, fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static void assert_entry_equal(const struct sd_fsentry *a, const struct sd_fsentry *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_true(a->size == b->size && a->hash == b->hash && a->rdev == b->rdev);
	assert_true(a->mtime_ns == b->mtime_ns && a->atime_ns == b->atime_ns);
	assert_int_equal(!a->target, !b->target);
	if (a->target)
		assert_string_equal(a->target, b->target);
	assert_int_equal(a->ndata, b->ndata);
	if (a->ndata)
		assert_memory_equal(a->data, b->data, a->ndata);
}

static void sample(struct sd_fschanges *l)
{
	memset(l, 0, sizeof *l);
	add(l, "/data/a\nb c\\d", none, ffile(0644, "bin\0ary"));
	l->c[0].after.ndata = 7;
	l->c[0].after.size = 7;
	free(l->c[0].after.data);
	l->c[0].after.data = xmemdup("bin\0ary", 7);
	add(l, "/data/dev", none, (struct sd_fsentry){ .type = 'c', .mode = 0666, .rdev = 259,
						       .mtime_ns = -5, .atime_ns = INT64_MIN });
	add(l, "/data/gone", ffile(0600, ""), none);
	add(l, "/data/l", flink("- x"), flink("\xe2\x82\xac\n"));
	add(l, "/data/t", ffile(0644, "end\n\nend\n"), ffile(01755, "x"));
	l->c[4].after.uid = UINT32_MAX;
	l->c[4].after.mtime_ns = INT64_MAX;
	l->c[4].mtime = SD_TIME_SET;
	l->c[4].atime = SD_TIME_UNCHANGED;
	add(l, "/\xff", fdir(0755), fdir(0700));
	l->dropped = 12;
	l->error = xstrdup("/data/x: open: Permission denied\n");
	/* "/\xff" sorts after "/data/..." */
}

static void test_save_load(void **state)
{
	(void)state;
	struct sd_fschanges l, m;
	size_t len;

	sample(&l);
	char *text = saved(&l, &len);
	assert_int_equal(load_text(text, len, &m), 0);
	assert_int_equal(m.n, l.n);
	assert_int_equal(m.dropped, 12);
	assert_string_equal(m.error, l.error);
	for (size_t i = 0; i < l.n; i++) {
		assert_string_equal(m.c[i].path, l.c[i].path);
		assert_int_equal(m.c[i].mtime, l.c[i].mtime);
		assert_int_equal(m.c[i].atime, l.c[i].atime);
		assert_entry_equal(&m.c[i].before, &l.c[i].before);
		assert_entry_equal(&m.c[i].after, &l.c[i].after);
	}
	/* saved again: the same bytes */
	size_t len2;
	char *text2 = saved(&m, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);
	free(text2);
	sd_fschanges_free(&m);

	/* every truncation is refused */
	for (size_t k = 0; k < len; k++) {
		assert_int_equal(load_text(text, k, &m), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(m.n, 0);
		assert_null(m.c);
	}
	/* an empty list */
	struct sd_fschanges e = { 0 };
	free(text);
	text = saved(&e, &len);
	assert_string_equal(text, "sysdiff-fschanges 1 0 0\nend\n");
	assert_int_equal(load_text(text, len, &m), 0);
	assert_int_equal(m.n, 0);
	sd_fschanges_free(&m);
	free(text);
	sd_fschanges_free(&l);
}

static void test_load_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"garbage\n",
		"sysdiff-fschanges 2 0 0\nend\n",
		"sysdiff-fschanges 1 0 0\nend\nmore",
		"sysdiff-fschanges 1 0 0\nend",
		"sysdiff-fschanges 1 0  0\nend\n",
		"sysdiff-fschanges 1 1 0\nend\n",
		"sysdiff-fschanges 1 -1 0\nend\n",
		"sysdiff-fschanges 1 200001 0\nend\n",
		"sysdiff-fschanges 1 0 99999999999999999999999\nend\n",
		"sysdiff-fschanges 1 0 0\nerror \nend\n",
		"sysdiff-fschanges 1 0 0\nerror a b\nend\n",
		/* relative path, unsorted, duplicate, NUL, bad escapes */
		"sysdiff-fschanges 1 1 0\nchange a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 2 0\nchange /b n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\n"
		"change /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 2 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\n"
		"change /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a\\x00 n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a\\x41 n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a\\x2 n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a\\ n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		/* both absent; bad type, mode, time kind, hash, sign */
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter -\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter x 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 17777 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 789 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a x n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 000000000000000A 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 +1 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 4294967296 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 9223372036854775808 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 - 0 - 0\nend\n",
		/* a target on a file, data on a directory, more data than the size, data cut */
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter f 644 0 0 0 0000000000000000 0 0 0 :x 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter d 755 0 0 0 0000000000000000 0 0 0 - 1\nx\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter f 644 0 0 1 0000000000000000 0 0 0 - 2\nxy\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter f 644 0 0 9 0000000000000000 0 0 0 - 2\nxy",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter f 644 0 0 9 0000000000000000 0 0 0 - 2\nxyz\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter f 644 0 0 99999999 0000000000000000 0 0 0 - 65537\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\nafter l 0 0 0 0 0000000000000000 0 0 0 : 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nbefore \nafter l 0 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
		"sysdiff-fschanges 1 1 0\nchange /a n n\nafter d 755 0 0 0 0000000000000000 0 0 0 - 0\nend\n",
	};
	struct sd_fschanges m;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		errno = 0;
		if (load_text(bad[i], strlen(bad[i]), &m) != -1 || errno != EINVAL)
			fail_msg("accepted or wrong errno: case %zu: %s", i, bad[i]);
		assert_int_equal(m.n, 0);
	}
	/* the well-formed line the cases above spoil */
	const char *good = "sysdiff-fschanges 1 1 0\nchange /a n n\nbefore -\n"
			   "after d 755 0 0 0 0000000000000000 0 -1 0 - 0\nend\n";
	assert_int_equal(load_text(good, strlen(good), &m), 0);
	assert_true(m.c[0].after.mtime_ns == -1);
	sd_fschanges_free(&m);
	/* a NUL anywhere spoils it (a type, a time kind, a path: all of them) */
	char *g = xstrdup(good);
	for (size_t i = 0; i < strlen(good); i++) {
		g[i] = '\0';
		assert_int_equal(load_text(g, strlen(good), &m), -1);
		g[i] = good[i];
	}
	free(g);
	/* random bytes */
	srand(1);
	char junk[512];
	for (int k = 0; k < 2000; k++) {
		size_t n = (size_t)(rand() % (int)sizeof junk);
		for (size_t i = 0; i < n; i++)
			junk[i] = (char)rand();
		if (k & 1)
			memcpy(junk, "sysdiff-fschanges 1 1 0\n", n < 24 ? n : 24);
		assert_int_equal(load_text(junk, n, &m), -1);
	}
}

/* ---- comparing two runs' lists ---- */

static char *compare(struct sd_fschanges *a, struct sd_fschanges *b, size_t *n)
{
	char *text;
	*n = sd_state_compare(a, b, NULL, &text);
	sd_fschanges_free(a);
	sd_fschanges_free(b);
	return text;
}

static void expect(struct sd_fschanges *a, struct sd_fschanges *b, size_t n, const char *want)
{
	size_t got;
	char *text = compare(a, b, &got);
	assert_string_equal(text, want);
	assert_int_equal(got, n);
	free(text);
}

static void test_compare_simple(void **state)
{
	(void)state;
	struct sd_fschanges a = { 0 }, b = { 0 };

	/* the same changes: nothing */
	add(&a, "/w/out.txt", none, ffile(0644, "x\n"));
	add(&b, "/w/out.txt", none, ffile(0644, "x\n"));
	expect(&a, &b, 0, "");

	add(&b, "/w/extra.tmp", none, ffile(0644, ""));
	expect(&a, &b, 1, "/w/extra.tmp: created by the transpiled program only (file 0644, 0 bytes)\n");

	add(&a, "/w/out.txt", none, ffile(0644, "x\n"));
	add(&b, "/w/out.txt", none, ffile(0600, "x\n"));
	expect(&a, &b, 1, "/w/out.txt: mode 0644 vs 0600\n");

	add(&a, "/w/old.txt", ffile(0644, "o\n"), none);
	expect(&a, &b, 1, "/w/old.txt: deleted by the original only\n");

	add(&a, "/w/old.txt", ffile(0644, "o\n"), ffile(0644, "p\n"));
	add(&b, "/w/old.txt", ffile(0644, "o\n"), none);
	expect(&a, &b, 1, "/w/old.txt: deleted by the transpiled program only; the original "
		"changed it (file 0644, 2 bytes)\n");

	struct sd_fsentry o = ffile(0644, "x");
	o.uid = o.gid = 1000;
	add(&a, "/w/o", none, ffile(0755, "x"));
	add(&b, "/w/o", none, o);
	expect(&a, &b, 1, "/w/o: mode 0755 vs 0644; owner 0:0 vs 1000:1000\n");

	add(&a, "/w/k", none, ffile(0644, "x"));
	add(&b, "/w/k", none, fdir(0755));
	add(&a, "/w/l", none, flink("a"));
	add(&b, "/w/l", none, flink("b\nc"));
	add(&a, "/w/n\nl", none, fdir(0755));
	struct sd_fsentry d1 = { .type = 'c', .mode = 0666, .rdev = 259 }, d2 = d1;
	d2.rdev = 261;
	add(&a, "/w/z", none, d1);
	add(&b, "/w/z", none, d2);
	expect(&a, &b, 4, "/w/k: file vs directory\n"
		"/w/l: symlink to a vs b\\nc\n"
		"/w/n\\nl: created by the original only (directory 0755)\n"
		"/w/z: device 1:3 vs 1:5\n");
}

static void test_compare_content(void **state)
{
	(void)state;
	struct sd_fschanges a = { 0 }, b = { 0 };

	add(&a, "/w/t.txt", none, ffile(0644, "a\nb\nc\n"));
	add(&b, "/w/t.txt", none, ffile(0644, "a\nB\nc\n"));
	expect(&a, &b, 1, "/w/t.txt: same size (6 bytes), different content\n"
		"  --- original /w/t.txt\n"
		"  +++ transpiled /w/t.txt\n"
		"  @@ -1,3 +1,3 @@\n"
		"   a\n"
		"  -b\n"
		"  +B\n"
		"   c\n");

	/* changed by one side only: against the file as it was */
	add(&a, "/w/f", ffile(0644, "hello\n"), ffile(0644, "hello, world\n"));
	expect(&a, &b, 1, "/w/f: 13 vs 6 bytes\n"
		"  --- original /w/f\n"
		"  +++ transpiled /w/f\n"
		"  @@ -1 +1 @@\n"
		"  -hello, world\n"
		"  +hello\n");

	/* binary */
	struct sd_fsentry x = ffile(0644, "abcd"), y = ffile(0644, "abXd");
	x.data[1] = y.data[1] = '\0';
	x.hash = XXH64(x.data, 4, 0);
	y.hash = XXH64(y.data, 4, 0);
	add(&a, "/w/bin", none, x);
	add(&b, "/w/bin", none, y);
	expect(&a, &b, 1, "/w/bin: same size (4 bytes), different content; first difference at byte 2\n");

	/* what was kept agrees */
	x = ffile(0644, "\x01same");
	y = ffile(0644, "\x01same");
	x.size = y.size = 100000;
	y.hash++;
	add(&a, "/w/cut", none, x);
	add(&b, "/w/cut", none, y);
	expect(&a, &b, 1, "/w/cut: same size (100000 bytes), different content; they differ "
		"after the first 5 bytes\n");

	/* nothing kept: sizes only */
	x = ffile(0644, "12345");
	free(x.data);
	x.data = NULL;
	x.ndata = 0;
	add(&a, "/w/nk", none, x);
	add(&b, "/w/nk", none, ffile(0644, "1234"));
	expect(&a, &b, 1, "/w/nk: 5 vs 4 bytes\n");

	/* a long diff is cut at 40 lines */
	struct sb s1 = SB_INIT, s2 = SB_INIT;
	for (int i = 0; i < 100; i++) {
		sb_addf(&s1, "line %d\n", i);
		sb_addf(&s2, "LINE %d\n", i);
	}
	add(&a, "/w/long", none, ffile(0644, sb_str(&s1)));
	add(&b, "/w/long", none, ffile(0644, sb_str(&s2)));
	size_t n;
	char *text = compare(&a, &b, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(text, "\n  -line 36\n  ... 163 more lines\n"));
	free(text);
	sb_free(&s1);
	sb_free(&s2);
}

static void test_compare_times(void **state)
{
	(void)state;
	struct sd_fschanges a = { 0 }, b = { 0 };

	/* both "now": not compared */
	add(&a, "/w/f", none, ffile(0644, "x"));
	add(&b, "/w/f", none, ffile(0644, "x"));
	a.c[0].after.mtime_ns = 5;
	expect(&a, &b, 0, "");

	add(&a, "/w/f", none, ffile(0644, "x"));
	add(&b, "/w/f", none, ffile(0644, "x"));
	a.c[0].mtime = SD_TIME_SET;
	a.c[0].after.mtime_ns = SET_S * NS;
	expect(&a, &b, 1, "/w/f: mtime set to 2020-01-02 00:00:00 UTC vs left as the time of the run\n");

	add(&a, "/w/f", none, ffile(0644, "x"));
	add(&b, "/w/f", none, ffile(0644, "x"));
	a.c[0].atime = b.c[0].atime = SD_TIME_SET;
	a.c[0].after.atime_ns = SET_S * NS + 250000000;
	b.c[0].after.atime_ns = SET_S * NS;
	expect(&a, &b, 1, "/w/f: atime set to 2020-01-02 00:00:00.25 UTC vs set to 2020-01-02 00:00:00 UTC\n");

	/* set by one run, left alone by the other */
	add(&a, "/w/g", ffile(0644, "x"), ffile(0644, "x"));
	a.c[0].mtime = SD_TIME_SET;
	a.c[0].after.mtime_ns = SET_S * NS;
	a.c[0].atime = SD_TIME_UNCHANGED;
	expect(&a, &b, 1, "/w/g: mtime set to 2020-01-02 00:00:00 UTC vs left unchanged "
		"(2001-01-01 00:00:00 UTC)\n");

	/* notes: changes not listed, not read */
	add(&a, "/w/f", none, ffile(0644, "x"));
	add(&b, "/w/f", none, ffile(0644, "x"));
	a.dropped = 3;
	b.error = xstrdup("/w/x: open: Permission denied");
	expect(&a, &b, 1, "(more than 200000 changes: 3 of the original's and 0 of the transpiled "
		"program's were not compared)\n(not every change of the transpiled program could "
		"be read: /w/x: open: Permission denied)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_deleted_userxattr),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_malformed),
		cmocka_unit_test(test_compare_simple),
		cmocka_unit_test(test_compare_content),
		cmocka_unit_test(test_compare_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
