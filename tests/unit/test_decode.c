/* test_decode.c - the syscall decoder against a fake tracee: memory regions at
 * fake addresses, an fd table and a cwd, with every callback recorded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <xxhash.h>

#include "arch/syscalls.h"
#include "decode/decode.h"
#include "decode/decode_int.h"
#include "util/path.h"
#include "util/util.h"

/* ---- fake tracee -------------------------------------------------------- */

struct region {
	uint64_t addr;
	size_t size;
	unsigned char *data;
};

#define MAXREG 16
#define MAXCALLS 32

struct fake {
	struct region reg[MAXREG];
	int nreg;
	uint64_t next;                 /* next free fake address */
	const char *cwd;
	int cwd_changed;
	int closed_lo[MAXCALLS], closed_hi[MAXCALLS], nclosed;
	int ref_fd[MAXCALLS], nref;
	bool ref_fresh[MAXCALLS];
	char refbuf[64];
};

static struct fake F;

static ssize_t fake_read(void *priv, uint64_t addr, void *dst, size_t len)
{
	struct fake *f = priv;

	for (int i = 0; i < f->nreg; i++) {
		struct region *r = &f->reg[i];
		if (addr >= r->addr && addr < r->addr + r->size) {
			size_t n = r->addr + r->size - addr;
			n = n < len ? n : len;
			memcpy(dst, r->data + (addr - r->addr), n);
			return (ssize_t)n;
		}
	}
	return -1;
}

static const char *fake_ref(void *priv, int fd, bool fresh)
{
	struct fake *f = priv;

	if (f->nref < MAXCALLS) {
		f->ref_fd[f->nref] = fd;
		f->ref_fresh[f->nref++] = fresh;
	}
	if (fd == 5)
		return "/etc";
	if (fd == 6)
		return "pipe:[77]";
	if (fd < 0 || fd > 100)
		return NULL;
	snprintf(f->refbuf, sizeof f->refbuf, "/fd/%d", fd);
	return f->refbuf;
}

static void fake_closed(void *priv, int lo, int hi)
{
	struct fake *f = priv;

	f->closed_lo[f->nclosed] = lo;
	f->closed_hi[f->nclosed++] = hi;
}

static const char *fake_cwd(void *priv)
{
	return ((struct fake *)priv)->cwd;
}

static void fake_cwd_changed(void *priv)
{
	((struct fake *)priv)->cwd_changed++;
}

static const struct sd_decode_env ENV = {
	.priv = &F, .read_mem = fake_read, .fd_ref = fake_ref, .fd_closed = fake_closed,
	.cwd = fake_cwd, .cwd_changed = fake_cwd_changed,
};

static struct sd_decode_opts OPTS = { .max_bytes = 4096, .max_strv = 4096, .paths_abs = true };

/* Map size bytes (copied from p if not NULL) at a fresh page-aligned address,
 * leaving an unmapped page after each region. */
static uint64_t map(const void *p, size_t size)
{
	struct region *r = &F.reg[F.nreg++];

	assert_true(F.nreg <= MAXREG);
	r->addr = F.next;
	r->size = size;
	r->data = calloc(1, size ? size : 1);
	if (p)
		memcpy(r->data, p, size);
	F.next += (size + 2 * 4096) & ~4095ULL;
	return r->addr;
}

/* Map bytes so that they end exactly at a page boundary (the next page unmapped). */
static uint64_t map_end(const void *p, size_t size)
{
	uint64_t base = map(NULL, 8192);
	struct region *r = &F.reg[F.nreg - 1];

	memcpy(r->data + 8192 - size, p, size);
	return base + 8192 - size;
}

static uint64_t str(const char *s)
{
	return map(s, strlen(s) + 1);
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	F.next = 0x10000;
	F.cwd = "/home/u";
	OPTS.max_bytes = 4096;
	OPTS.max_strv = 4096;
	OPTS.paths_abs = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < F.nreg; i++)
		free(F.reg[i].data);
	return 0;
}

static struct sd_event EV;

static struct sd_event *enter(const char *name, uint64_t a0, uint64_t a1, uint64_t a2,
			      uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t raw[6] = { a0, a1, a2, a3, a4, a5 };
	int nr = sd_syscall_nr(name);

	assert_true(nr >= 0);
	sd_event_clear(&EV);
	sd_decode_entry(&ENV, &OPTS, &EV, nr, raw);
	assert_string_equal(EV.name, name);
	return &EV;
}

static struct sd_event *leave(int64_t ret)
{
	sd_decode_exit(&ENV, &OPTS, &EV, ret);
	assert_true(EV.finished);
	return &EV;
}

#define E0(n)                  enter(n, 0, 0, 0, 0, 0, 0)
#define E1(n, a)               enter(n, a, 0, 0, 0, 0, 0)
#define E2(n, a, b)            enter(n, a, b, 0, 0, 0, 0)
#define E3(n, a, b, c)         enter(n, a, b, c, 0, 0, 0)
#define E4(n, a, b, c, d)      enter(n, a, b, c, d, 0, 0)
#define E5(n, a, b, c, d, e)   enter(n, a, b, c, d, e, 0)
#define FDCWD ((uint64_t)(int64_t)-100)

static void assert_hash(const struct sd_buf *b, const void *p, size_t n)
{
	assert_int_equal(b->len, n);
	assert_true(b->hash_valid);
	assert_true(b->hash == XXH64(p, n, 0));
}

/* ---- paths -------------------------------------------------------------- */

static void test_path_absolute(void **state)
{
	static const char *const cases[][3] = {
		{ "/home/u", "a/b", "/home/u/a/b" },
		{ "/home/u", "../x", "/home/x" },
		{ "/home/u", "../../../..", "/" },
		{ "/", "..", "/" },
		{ "/home/u", "/..", "/" },
		{ "/home/u", "a//b/./c/", "/home/u/a/b/c" },
		{ "/home/u", ".", "/home/u" },
		{ "/home/u/", "./", "/home/u" },
		{ NULL, "//etc///passwd", "/etc/passwd" },
		{ "/a/./b/../c", "d", "/a/c/d" },
		{ "/", "", "/" },
		{ "/x", "a/..", "/x" },
		{ "/x", "...", "/x/..." },
	};
	char *p;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		p = sd_path_absolute(cases[i][0], cases[i][1]);
		assert_non_null(p);
		assert_string_equal(p, cases[i][2]);
		free(p);
	}
	assert_null(sd_path_absolute(NULL, "rel"));
	assert_null(sd_path_absolute("pipe:[3]", "rel"));
	assert_null(sd_path_absolute("/x", NULL));
}

static void test_openat_creat(void **state)
{
	struct sd_event *ev;

	(void)state;
	ev = E4("openat", FDCWD, str("foo/../bar//baz/."), 01 | 0100 | 01000, 0644);
	assert_int_equal(ev->nargs, 4);
	assert_int_equal(ev->args[0].type, SD_ARG_FD);
	assert_int_equal(ev->args[0].raw, -100);
	assert_string_equal(ev->args[0].text, "AT_FDCWD");
	assert_int_equal(ev->args[1].type, SD_ARG_PATH);
	assert_string_equal(ev->args[1].str, "foo/../bar//baz/.");
	assert_string_equal(ev->args[1].abs, "/home/u/bar/baz");
	assert_int_equal(ev->args[2].type, SD_ARG_FLAGS);
	assert_string_equal(ev->args[2].text, "O_WRONLY|O_CREAT|O_TRUNC");
	assert_int_equal(ev->args[3].type, SD_ARG_MODE);
	assert_string_equal(ev->args[3].text, "0644");
	assert_int_equal(F.nref, 0);
	leave(3);
	assert_int_equal(ev->ret, 3);
	assert_int_equal(ev->ret_fmt, SD_RET_FD);
	assert_string_equal(ev->ret_ref, "/fd/3");
	assert_int_equal(F.nref, 1);
	assert_int_equal(F.ref_fd[0], 3);
	assert_true(F.ref_fresh[0]);
	assert_false(ev->interrupted);
}

static void test_openat_dirfd(void **state)
{
	struct sd_event *ev;

	(void)state;
	ev = E4("openat", 5, str("passwd"), 02000000 | 04000, 0xdeadbeef);
	assert_string_equal(ev->args[0].ref, "/etc");
	assert_null(ev->args[0].text);
	assert_false(F.ref_fresh[0]);
	assert_string_equal(ev->args[1].abs, "/etc/passwd");
	assert_string_equal(ev->args[2].text, "O_RDONLY|O_NONBLOCK|O_CLOEXEC");
	/* no O_CREAT: the mode register is kept raw, without text */
	assert_int_equal(ev->args[3].raw, 0xdeadbeef);
	assert_null(ev->args[3].text);
	leave(-2);
	assert_null(ev->ret_ref);
	assert_int_equal(F.nref, 1);

	/* a dirfd that is not a directory: relative paths have no abs */
	ev = E4("openat", 6, str("x"), 0, 0);
	assert_null(ev->args[1].abs);
	/* an absolute path ignores the dirfd */
	ev = E4("openat", 6, str("/tmp//x/"), 0, 0);
	assert_string_equal(ev->args[1].abs, "/tmp/x");
	/* O_TMPFILE needs the mode */
	ev = E4("openat", FDCWD, str("/tmp"), 020200002, 0600);
	assert_string_equal(ev->args[2].text, "O_RDWR|O_TMPFILE");
	assert_string_equal(ev->args[3].text, "0600");
}

static void test_path_edge(void **state)
{
	struct sd_event *ev;
	char *longp = malloc(5000);
	uint64_t p;

	(void)state;
	/* NUL as the very last byte before an unmapped page */
	p = map_end("/a/b", 5);
	ev = E2("access", p, 4 | 2);
	assert_string_equal(ev->args[0].str, "/a/b");
	assert_string_equal(ev->args[1].text, "R_OK|W_OK");
	/* no NUL before the unmapped page */
	p = map_end("abc", 3);
	ev = E2("access", p, 0);
	assert_string_equal(ev->args[0].str, "abc");
	assert_string_equal(ev->args[0].text, "...");
	assert_null(ev->args[0].abs);
	assert_string_equal(ev->args[1].text, "F_OK");
	/* longer than PATH_MAX */
	memset(longp, 'a', 4999);
	longp[4999] = 0;
	ev = E1("unlink", str(longp));
	assert_int_equal(strlen(ev->args[0].str), 4096);
	assert_string_equal(ev->args[0].text, "...");
	free(longp);
	/* unreadable and NULL pointers */
	ev = E1("rmdir", 0x7777000);
	assert_null(ev->args[0].str);
	assert_string_equal(ev->args[0].text, "0x7777000");
	ev = E1("rmdir", 0);
	assert_string_equal(ev->args[0].text, "NULL");
	/* relative without a known cwd */
	F.cwd = NULL;
	ev = E1("rmdir", str("d"));
	assert_string_equal(ev->args[0].str, "d");
	assert_null(ev->args[0].abs);
	/* resolution turned off */
	F.cwd = "/";
	OPTS.paths_abs = false;
	ev = E1("rmdir", str("d"));
	assert_null(ev->args[0].abs);
}

static void test_at_empty_path(void **state)
{
	struct sd_event *ev;
	uint64_t st = map(NULL, 144);
	uint32_t mode = 0100644;
	int64_t size = 1234;

	(void)state;
	memcpy(F.reg[F.nreg - 1].data + 24, &mode, 4);
	memcpy(F.reg[F.nreg - 1].data + 48, &size, 8);
	ev = E4("newfstatat", 6, str(""), st, 0x1000);
	assert_string_equal(ev->args[1].abs, "pipe:[77]");
	assert_string_equal(ev->args[3].text, "AT_EMPTY_PATH");
	assert_true(ev->args[2].at_exit);
	assert_null(ev->args[2].text);
	leave(0);
	assert_string_equal(ev->args[2].text, "{st_mode=S_IFREG|0644, st_size=1234, ...}");
	ev = E4("newfstatat", FDCWD, str(""), st, 0x1000 | 0x100);
	assert_string_equal(ev->args[1].abs, "/home/u");
	assert_string_equal(ev->args[3].text, "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
	/* failure: the out struct stays undecoded */
	leave(-2);
	assert_null(ev->args[2].text);
	/* without AT_EMPTY_PATH "" has no abs */
	ev = E4("newfstatat", FDCWD, str(""), st, 0);
	assert_null(ev->args[1].abs);
	assert_string_equal(ev->args[3].text, "0");
}

static void test_renameat2_linkat(void **state)
{
	struct sd_event *ev;

	(void)state;
	ev = enter("renameat2", 5, str("a"), FDCWD, str("b/../c"), 1, 0);
	assert_string_equal(ev->args[1].abs, "/etc/a");
	assert_string_equal(ev->args[3].abs, "/home/u/c");
	assert_string_equal(ev->args[4].text, "RENAME_NOREPLACE");
	ev = E3("symlinkat", str("../target"), 5, str("link"));
	assert_string_equal(ev->args[0].str, "../target");
	assert_null(ev->args[0].abs);
	assert_string_equal(ev->args[2].abs, "/etc/link");
	ev = E3("unlinkat", 5, str("d"), 0x200);
	assert_string_equal(ev->args[2].text, "AT_REMOVEDIR");
	ev = E2("mkdir", str("x"), 0755);
	assert_string_equal(ev->args[1].text, "0755");
	ev = E2("chmod", str("x"), 04755);
	assert_string_equal(ev->args[1].text, "04755");
	ev = E3("mknod", str("p"), 010644, 0);
	assert_string_equal(ev->args[1].text, "S_IFIFO|0644");
	ev = E1("umask", 022);
	assert_string_equal(ev->args[0].text, "022");
	leave(0);
	assert_int_equal(ev->ret_fmt, SD_RET_OCT);
}

/* ---- buffers ------------------------------------------------------------ */

static void test_write_small(void **state)
{
	struct sd_event *ev;
	const char msg[] = "hello\0world";

	(void)state;
	ev = E3("write", 1, map(msg, sizeof msg), sizeof msg);
	assert_int_equal(ev->args[0].type, SD_ARG_FD);
	assert_string_equal(ev->args[0].ref, "/fd/1");
	assert_int_equal(ev->args[1].type, SD_ARG_BUF);
	assert_false(ev->args[1].at_exit);
	assert_hash(&ev->args[1].buf, msg, sizeof msg);
	assert_int_equal(ev->args[1].buf.kept, sizeof msg);
	assert_memory_equal(ev->args[1].buf.data, msg, sizeof msg);
	assert_int_equal(ev->args[2].type, SD_ARG_UINT);
	leave(sizeof msg);
	assert_hash(&ev->args[1].buf, msg, sizeof msg);
	/* a partial write keeps only the bytes written */
	ev = E3("write", 1, map(msg, sizeof msg), sizeof msg);
	leave(5);
	assert_hash(&ev->args[1].buf, "hello", 5);
	assert_int_equal(ev->args[1].buf.kept, 5);
	/* a failed write keeps the bytes it tried to write */
	ev = E3("write", 1, map(msg, sizeof msg), sizeof msg);
	leave(-32);
	assert_hash(&ev->args[1].buf, msg, sizeof msg);
}

static void test_write_max_bytes(void **state)
{
	struct sd_event *ev;
	unsigned char data[1000];

	(void)state;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	OPTS.max_bytes = 10;
	ev = E3("write", 1, map(data, sizeof data), sizeof data);
	assert_hash(&ev->args[1].buf, data, sizeof data);
	assert_int_equal(ev->args[1].buf.kept, 10);
	assert_memory_equal(ev->args[1].buf.data, data, 10);
	OPTS.max_bytes = 0;
	ev = E3("write", 1, map(data, sizeof data), sizeof data);
	assert_hash(&ev->args[1].buf, data, sizeof data);
	assert_int_equal(ev->args[1].buf.kept, 0);
	assert_null(ev->args[1].buf.data);
}

static void test_write_10mib(void **state)
{
	struct sd_event *ev;
	size_t n = 10 * 1024 * 1024 + 123;
	unsigned char *data = malloc(n);
	uint64_t addr;

	(void)state;
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i ^ (i >> 9));
	addr = map(data, n);
	ev = E3("write", 1, addr, n);
	assert_hash(&ev->args[1].buf, data, n);
	assert_int_equal(ev->args[1].buf.kept, 4096);
	leave((int64_t)n);
	assert_hash(&ev->args[1].buf, data, n);
	/* read of the same: out-buffer hashed at exit */
	ev = E3("read", 0, addr, n + 5000);
	leave((int64_t)n);
	assert_hash(&ev->args[1].buf, data, n);
	free(data);
}

static void test_unreadable(void **state)
{
	struct sd_event *ev;
	char msg[100] = "abc";

	(void)state;
	ev = E3("write", 1, 0x9990000, 12345);
	assert_int_equal(ev->args[1].buf.len, 12345);
	assert_false(ev->args[1].buf.hash_valid);
	assert_int_equal(ev->args[1].buf.kept, 0);
	leave(-14);
	/* readable start, unmapped tail */
	ev = E3("write", 1, map_end(msg, sizeof msg), 500);
	assert_int_equal(ev->args[1].buf.len, 500);
	assert_false(ev->args[1].buf.hash_valid);
	assert_int_equal(ev->args[1].buf.kept, 100);
	/* a NULL buffer */
	ev = E3("write", 1, 0, 10);
	assert_false(ev->args[1].buf.hash_valid);
	/* huge count: bounded, no allocation of len */
	ev = E3("write", 1, map(msg, sizeof msg), UINT64_MAX);
	assert_int_equal(ev->args[1].buf.len, 0x7ffff000);
	assert_false(ev->args[1].buf.hash_valid);
	assert_int_equal(ev->args[1].buf.kept, 100);
	ev = E3("read", 0, 0x9990000, 10);
	leave(10);
	assert_int_equal(ev->args[1].buf.len, 10);
	assert_false(ev->args[1].buf.hash_valid);
}

static void test_read_out(void **state)
{
	struct sd_event *ev;
	char data[64] = "0123456789abcdef";

	(void)state;
	ev = E3("read", 3, map(data, sizeof data), sizeof data);
	assert_true(ev->args[1].at_exit);
	assert_int_equal(ev->args[1].type, SD_ARG_BUF);
	assert_int_equal(ev->args[1].buf.len, 0);
	assert_null(ev->args[1].buf.data);
	leave(10);
	assert_int_equal(ev->ret_fmt, SD_RET_DEC);
	assert_hash(&ev->args[1].buf, "0123456789", 10);
	assert_memory_equal(ev->args[1].buf.data, "0123456789", 10);
	ev = E3("read", 3, map(data, sizeof data), sizeof data);
	leave(-11);
	assert_int_equal(ev->args[1].buf.len, 0);
	assert_true(ev->args[1].buf.hash_valid);
	ev = E4("pread64", 3, map(data, sizeof data), sizeof data, 100);
	leave(3);
	assert_hash(&ev->args[1].buf, "012", 3);
	assert_int_equal(ev->args[3].raw, 100);
	ev = E3("getrandom", map(data, sizeof data), 16, 1);
	assert_string_equal(ev->args[2].text, "GRND_NONBLOCK");
	leave(16);
	assert_hash(&ev->args[0].buf, data, 16);
}

static void test_iov(void **state)
{
	struct sd_event *ev;
	uint64_t iov[3][2];
	const char *parts[3] = { "Hello, ", "", "world!" };
	uint64_t a;

	(void)state;
	for (int i = 0; i < 3; i++) {
		iov[i][0] = str(parts[i]);
		iov[i][1] = strlen(parts[i]);
	}
	a = map(iov, sizeof iov);
	ev = E3("writev", 1, a, 3);
	assert_hash(&ev->args[1].buf, "Hello, world!", 13);
	assert_memory_equal(ev->args[1].buf.data, "Hello, world!", 13);
	leave(13);
	assert_hash(&ev->args[1].buf, "Hello, world!", 13);
	ev = E3("writev", 1, a, 3);
	leave(9);
	assert_hash(&ev->args[1].buf, "Hello, wo", 9);
	ev = E3("readv", 0, a, 3);
	assert_true(ev->args[1].at_exit);
	leave(8);
	assert_hash(&ev->args[1].buf, "Hello, w", 8);
	ev = enter("pwritev2", 1, a, 3, 0, 0, 8 | 16);
	assert_string_equal(ev->args[5].text, "RWF_NOWAIT|RWF_APPEND");
	assert_hash(&ev->args[1].buf, "Hello, world!", 13);
	/* hostile counts: bounded */
	ev = E3("writev", 1, a, 0xffffffff);
	assert_false(ev->args[1].buf.hash_valid);
	ev = E3("readv", 0, 0x12345, 3);
	leave(5);
	assert_int_equal(ev->args[1].buf.len, 5);
	assert_false(ev->args[1].buf.hash_valid);
}

/* ---- descriptors and bookkeeping ---------------------------------------- */

static void test_close(void **state)
{
	struct sd_event *ev;

	(void)state;
	ev = E1("close", 4);
	assert_string_equal(ev->args[0].ref, "/fd/4");
	leave(0);
	assert_int_equal(F.nclosed, 1);
	assert_int_equal(F.closed_lo[0], 4);
	assert_int_equal(F.closed_hi[0], 4);
	E1("close", 99);
	leave(-9);          /* EBADF: nothing was closed */
	assert_int_equal(F.nclosed, 1);
	E1("close", 7);
	leave(-4);          /* EINTR: the fd is gone anyway */
	assert_int_equal(F.nclosed, 2);
	E3("close_range", 3, 0xffffffff, 0);
	leave(0);
	assert_int_equal(F.nclosed, 3);
	assert_int_equal(F.closed_lo[2], 3);
	assert_int_equal(F.closed_hi[2], 0x7fffffff);
	ev = E3("close_range", 3, 10, 4);
	assert_string_equal(ev->args[2].text, "CLOSE_RANGE_CLOEXEC");
	leave(0);
	assert_int_equal(F.nclosed, 3);
}

static void test_dup_fcntl(void **state)
{
	struct sd_event *ev;

	(void)state;
	ev = E3("dup3", 3, 1, 02000000);
	assert_string_equal(ev->args[2].text, "O_CLOEXEC");
	leave(1);
	assert_int_equal(ev->ret_fmt, SD_RET_FD);
	assert_int_equal(F.ref_fd[F.nref - 1], 1);
	assert_true(F.ref_fresh[F.nref - 1]);
	ev = E3("fcntl", 3, 1030, 10);
	assert_string_equal(ev->args[1].text, "F_DUPFD_CLOEXEC");
	assert_int_equal(ev->args[2].type, SD_ARG_INT);
	leave(10);
	assert_int_equal(ev->ret_fmt, SD_RET_FD);
	assert_string_equal(ev->ret_ref, "/fd/10");
	assert_true(F.ref_fresh[F.nref - 1]);
	ev = E3("fcntl", 3, 3, 0x5555);
	assert_string_equal(ev->args[1].text, "F_GETFL");
	assert_int_equal(ev->nargs, 2);
	leave(02 | 04000);
	assert_string_equal(ev->ret_text, "O_RDWR|O_NONBLOCK");
	ev = E3("fcntl", 3, 4, 04000);
	assert_string_equal(ev->args[2].text, "O_RDONLY|O_NONBLOCK");
	ev = E3("fcntl", 3, 2, 1);
	assert_string_equal(ev->args[1].text, "F_SETFD");
	assert_string_equal(ev->args[2].text, "FD_CLOEXEC");
	ev = E3("fcntl", 3, 9999, 1);
	assert_string_equal(ev->args[1].text, "9999");
	assert_int_equal(ev->args[2].type, SD_ARG_HEX);
}

static void test_ioctl(void **state)
{
	struct sd_event *ev;
	uint16_t ws[4] = { 24, 80, 0, 0 };
	uint64_t p = map(NULL, 64);
	int five = 5;

	(void)state;
	ev = E3("ioctl", 1, 0x5413, p);
	assert_string_equal(ev->args[1].text, "TIOCGWINSZ");
	assert_true(ev->args[2].at_exit);
	memcpy(F.reg[F.nreg - 1].data, ws, sizeof ws);
	leave(0);
	assert_string_equal(ev->args[2].text, "{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}");
	ev = E3("ioctl", 1, 0x5421, map(&five, 4));
	assert_string_equal(ev->args[1].text, "FIONBIO");
	assert_string_equal(ev->args[2].text, "[5]");
	ev = E3("ioctl", 1, 0x5451, 77);
	assert_string_equal(ev->args[1].text, "FIOCLEX");
	assert_int_equal(ev->nargs, 2);
	ev = E3("ioctl", 1, 0x540b, 2);
	assert_string_equal(ev->args[1].text, "TCFLSH");
	assert_string_equal(ev->args[2].text, "TCIOFLUSH");
	ev = E3("ioctl", 4, 0x40049409, 3);
	assert_string_equal(ev->args[1].text, "FICLONE");
	assert_int_equal(ev->args[2].type, SD_ARG_FD);
	ev = E3("ioctl", 1, 0x5401, p);
	assert_string_equal(ev->args[1].text, "TCGETS");
	leave(-25);
	assert_null(ev->args[2].text);
	ev = E3("ioctl", 1, 0xc0de1234, 0x42);
	assert_string_equal(ev->args[1].text, "0xc0de1234");
	assert_int_equal(ev->args[2].type, SD_ARG_HEX);
}

static void test_pipe_chdir(void **state)
{
	struct sd_event *ev;
	int fds[2] = { 3, 4 };
	uint64_t p = map(NULL, 8);

	(void)state;
	ev = E2("pipe2", p, 02000000 | 04000);
	assert_string_equal(ev->args[1].text, "O_NONBLOCK|O_CLOEXEC");
	assert_true(ev->args[0].at_exit);
	memcpy(F.reg[F.nreg - 1].data, fds, sizeof fds);
	leave(0);
	assert_string_equal(ev->args[0].text, "[3, 4]");
	assert_string_equal(ev->args[0].ref, "/fd/3, /fd/4");
	assert_int_equal(F.nref, 2);
	assert_true(F.ref_fresh[0] && F.ref_fresh[1]);
	E1("chdir", str("/tmp"));
	leave(-2);
	assert_int_equal(F.cwd_changed, 0);
	E1("chdir", str("/tmp"));
	leave(0);
	assert_int_equal(F.cwd_changed, 1);
	E1("fchdir", 5);
	leave(0);
	assert_int_equal(F.cwd_changed, 2);
	ev = E2("getcwd", str("/home/u/x"), 100);
	assert_true(ev->args[0].at_exit);
	leave(10);
	assert_int_equal(ev->args[0].type, SD_ARG_PATH);
	assert_string_equal(ev->args[0].str, "/home/u/x");
	assert_string_equal(ev->args[0].abs, "/home/u/x");
}

static void test_lseek_mmap_misc(void **state)
{
	struct sd_event *ev;

	(void)state;
	ev = E3("lseek", 3, (uint64_t)-5, 2);
	assert_int_equal(ev->args[1].raw, -5);
	assert_string_equal(ev->args[2].text, "SEEK_END");
	ev = enter("mmap", 0, 8192, 3, 0x22, (uint64_t)-1, 0);
	assert_string_equal(ev->args[2].text, "PROT_READ|PROT_WRITE");
	assert_string_equal(ev->args[3].text, "MAP_PRIVATE|MAP_ANONYMOUS");
	assert_int_equal(ev->args[4].raw, -1);
	leave(0x7f0000000000);
	assert_int_equal(ev->ret_fmt, SD_RET_HEX);
	ev = E3("mprotect", 0x1000, 4096, 0);
	assert_string_equal(ev->args[2].text, "PROT_NONE");
	ev = E1("brk", 0);
	leave(0x555555);
	assert_int_equal(ev->ret_fmt, SD_RET_HEX);
	ev = E3("madvise", 0x1000, 4096, 4);
	assert_string_equal(ev->args[2].text, "MADV_DONTNEED");
	ev = E2("arch_prctl", 0x1002, 0x7f00);
	assert_string_equal(ev->args[0].text, "ARCH_SET_FS");
	ev = E3("eventfd2", 0, 0x80800, 0);
	assert_string_equal(ev->args[1].text, "EFD_CLOEXEC|EFD_NONBLOCK");
	leave(7);
	assert_string_equal(ev->ret_ref, "/fd/7");
	ev = E2("flock", 3, 2 | 4);
	assert_string_equal(ev->args[1].text, "LOCK_EX|LOCK_NB");
	ev = E3("socket", 99, 0x7fffffff, 0);
	assert_string_equal(ev->args[0].text, "99");
}

/* ---- network ------------------------------------------------------------ */

static void test_socket_connect(void **state)
{
	struct sd_event *ev;
	unsigned char in[16] = { 2, 0, 0x1f, 0x90, 127, 0, 0, 1 };
	unsigned char un[2 + 6] = { 1, 0, 0, 'n', 'a', 'm', 'e', 0 };
	unsigned char un2[2 + 10] = { 1, 0, '/', 't', 'm', 'p', '/', 's', 0 };
	unsigned char in6[28] = { 10, 0, 0, 80 };

	(void)state;
	in6[8 + 15] = 1;
	ev = E3("socket", 2, 1 | 02000000 | 04000, 6);
	assert_string_equal(ev->args[0].text, "AF_INET");
	assert_string_equal(ev->args[1].text, "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK");
	assert_string_equal(ev->args[2].text, "IPPROTO_TCP");
	leave(3);
	assert_int_equal(ev->ret_fmt, SD_RET_FD);
	ev = E3("connect", 3, map(in, sizeof in), sizeof in);
	assert_string_equal(ev->args[1].text,
		"{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"127.0.0.1\")}");
	ev = E3("bind", 3, map(un, sizeof un), 7);
	assert_string_equal(ev->args[1].text, "{sa_family=AF_UNIX, sun_path=@\"name\"}");
	ev = E3("bind", 3, map(un2, sizeof un2), sizeof un2);
	assert_string_equal(ev->args[1].text, "{sa_family=AF_UNIX, sun_path=\"/tmp/s\"}");
	ev = E3("connect", 3, map(in6, sizeof in6), sizeof in6);
	assert_string_equal(ev->args[1].text,
		"{sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), "
		"inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}");
	in[0] = 17;
	ev = E3("connect", 3, map(in, 4), 4);
	assert_string_equal(ev->args[1].text, "{sa_family=AF_PACKET, sa_data=\"\\x1f\\x90\"}");
	ev = E3("connect", 3, 0x5550000, 16);
	assert_string_equal(ev->args[1].text, "0x5550000");
	ev = E2("shutdown", 3, 2);
	assert_string_equal(ev->args[1].text, "SHUT_RDWR");
}

static void test_accept_sockopt(void **state)
{
	struct sd_event *ev;
	unsigned char in[16] = { 2, 0, 0, 80, 10, 0, 0, 2 };
	uint32_t len = 128;
	uint64_t sa = map(NULL, 128), lp = map(&len, 4);
	int one = 1;

	(void)state;
	ev = E4("accept4", 3, sa, lp, 02000000);
	assert_string_equal(ev->args[2].text, "[128]");
	assert_string_equal(ev->args[3].text, "SOCK_CLOEXEC");
	memcpy(F.reg[F.nreg - 2].data, in, sizeof in);
	len = 16;
	memcpy(F.reg[F.nreg - 1].data, &len, 4);
	leave(4);
	assert_string_equal(ev->args[1].text,
		"{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"10.0.0.2\")}");
	assert_string_equal(ev->args[2].text, "[128] => [16]");
	assert_string_equal(ev->ret_ref, "/fd/4");
	assert_true(F.ref_fresh[F.nref - 1]);
	ev = E5("setsockopt", 3, 1, 2, map(&one, 4), 4);
	assert_string_equal(ev->args[1].text, "SOL_SOCKET");
	assert_string_equal(ev->args[2].text, "SO_REUSEADDR");
	assert_string_equal(ev->args[3].text, "[1]");
	ev = E5("setsockopt", 3, 6, 1, map(&one, 4), 4);
	assert_string_equal(ev->args[1].text, "SOL_TCP");
	assert_string_equal(ev->args[2].text, "TCP_NODELAY");
}

static void test_sendmsg_recvmsg(void **state)
{
	struct sd_event *ev;
	uint64_t iov[2][2], msg[7] = { 0 }, m;
	unsigned char cmsg[24] = { 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0 };

	(void)state;
	iov[0][0] = str("abc");
	iov[0][1] = 3;
	iov[1][0] = str("defgh");
	iov[1][1] = 5;
	msg[2] = map(iov, sizeof iov);
	msg[3] = 2;
	msg[4] = map(cmsg, sizeof cmsg);
	msg[5] = sizeof cmsg;
	m = map(msg, sizeof msg);
	ev = E3("sendmsg", 3, m, 0x4000);
	assert_int_equal(ev->args[1].type, SD_ARG_BUF);
	assert_false(ev->args[1].at_exit);
	assert_hash(&ev->args[1].buf, "abcdefgh", 8);
	assert_string_equal(ev->args[1].text,
		"{msg_name=NULL, msg_namelen=0, msg_iovlen=2, msg_control=[{cmsg_len=20, "
		"cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[9]}], "
		"msg_controllen=24, msg_flags=0}");
	assert_string_equal(ev->args[2].text, "MSG_NOSIGNAL");
	leave(4);
	assert_hash(&ev->args[1].buf, "abcd", 4);
	int nref = F.nref;
	ev = E3("recvmsg", 3, m, 0);
	assert_true(ev->args[1].at_exit);
	leave(6);
	assert_hash(&ev->args[1].buf, "abcdef", 6);
	assert_string_equal(ev->args[1].ref, "/fd/9");
	assert_int_equal(F.ref_fd[F.nref - 1], 9);
	assert_true(F.ref_fresh[F.nref - 1]);
	assert_int_equal(F.nref, nref + 2);  /* fd 3 at entry, fd 9 at exit */
	ev = E3("recvmsg", 3, 0x777000, 0);
	leave(6);
	assert_int_equal(ev->args[1].buf.len, 6);
	assert_false(ev->args[1].buf.hash_valid);
}

static void test_sendto_recvfrom(void **state)
{
	struct sd_event *ev;
	char buf[32] = "datagram";
	unsigned char in[16] = { 2, 0, 0, 53, 8, 8, 8, 8 };

	(void)state;
	ev = enter("sendto", 3, map(buf, 8), 8, 0, map(in, 16), 16);
	assert_hash(&ev->args[1].buf, "datagram", 8);
	assert_string_equal(ev->args[4].text,
		"{sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"8.8.8.8\")}");
	ev = enter("recvfrom", 3, map(buf, sizeof buf), sizeof buf, 2, 0, 0);
	assert_string_equal(ev->args[3].text, "MSG_PEEK");
	leave(4);
	assert_hash(&ev->args[1].buf, "data", 4);
	assert_string_equal(ev->args[4].text, "NULL");
}

/* ---- processes and signals ---------------------------------------------- */

static void test_execve(void **state)
{
	struct sd_event *ev;
	uint64_t argv[4] = { str("/bin/ls"), str("-l"), str(""), 0 };
	uint64_t envp[2] = { str("A=1"), 0 };

	(void)state;
	ev = E3("execve", str("/bin/../bin/ls"), map(argv, sizeof argv), map(envp, sizeof envp));
	assert_string_equal(ev->args[0].abs, "/bin/ls");
	assert_int_equal(ev->args[1].type, SD_ARG_STRV);
	assert_int_equal(ev->args[1].nstrv, 3);
	assert_string_equal(ev->args[1].strv[0], "/bin/ls");
	assert_string_equal(ev->args[1].strv[1], "-l");
	assert_string_equal(ev->args[1].strv[2], "");
	assert_false(ev->args[1].strv_more);
	assert_int_equal(ev->args[2].nstrv, 1);
	/* the environment's values are hashed (XXH64 of "1"), unless --record-env */
	assert_string_equal(ev->args[2].strv[0], "A=<xxh64:b7b41276360564d4>");
	OPTS.env_values = true;
	ev = E3("execve", str("/bin/ls"), map(argv, sizeof argv), map(envp, sizeof envp));
	assert_string_equal(ev->args[2].strv[0], "A=1");
	OPTS.env_values = false;
	OPTS.max_strv = 2;
	ev = E3("execve", str("/bin/ls"), map(argv, sizeof argv), 0);
	assert_int_equal(ev->args[1].nstrv, 2);
	assert_true(ev->args[1].strv_more);
	assert_string_equal(ev->args[2].text, "NULL");
	/* no NULL terminator before unmapped memory */
	ev = E3("execve", str("/bin/ls"), map_end(argv, 16), 0x4444000);
	assert_int_equal(ev->args[1].nstrv, 2);
	assert_true(ev->args[1].strv_more);
	assert_string_equal(ev->args[2].text, "0x4444000");
	ev = enter("execveat", 5, str("x"), map(argv, sizeof argv), 0, 0x1000, 0);
	assert_string_equal(ev->args[1].abs, "/etc/x");
	assert_string_equal(ev->args[4].text, "AT_EMPTY_PATH");
}

static void test_wait_clone(void **state)
{
	struct sd_event *ev;
	uint64_t p = map(NULL, 8);

	(void)state;
	ev = E4("wait4", (uint64_t)-1, p, 1 | 0x40000000, 0);
	assert_string_equal(ev->args[2].text, "WNOHANG|__WALL");
	leave(123);
	assert_string_equal(ev->args[1].text, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]");
	assert_string_equal(ev->args[3].text, "NULL");
	F.reg[F.nreg - 1].data[0] = 9 | 0x80;
	E4("wait4", (uint64_t)-1, p, 0, 0);
	leave(123);
	assert_string_equal(ev->args[1].text,
			    "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL && WCOREDUMP(s)}]");
	ev = E5("clone", 0x1200000 | 17, 0, 0, 0x7000, 0);
	assert_string_equal(ev->args[0].text, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
	ev = E2("kill", 42, 15);
	assert_int_equal(ev->args[1].type, SD_ARG_SIGNAL);
	assert_string_equal(ev->args[1].text, "SIGTERM");
	ev = E3("tgkill", 1, 2, 0);
	assert_string_equal(ev->args[2].text, "0");
}

static void test_signals(void **state)
{
	struct sd_event *ev;
	uint64_t set = (1ULL << 1) | (1ULL << 14), act[4] = { 0x401000, 0x14000000, 0x402000, 0 };
	uint64_t full = ~0ULL & ~(1ULL << 8);

	(void)state;
	ev = E4("rt_sigprocmask", 0, map(&set, 8), map(NULL, 8), 8);
	assert_string_equal(ev->args[0].text, "SIG_BLOCK");
	assert_string_equal(ev->args[1].text, "[SIGINT SIGTERM]");
	assert_true(ev->args[2].at_exit);
	leave(0);
	assert_string_equal(ev->args[2].text, "[]");
	ev = E4("rt_sigprocmask", 2, map(&full, 8), 0, 8);
	assert_string_equal(ev->args[1].text, "~[SIGKILL]");
	ev = E4("rt_sigaction", 2, map(act, sizeof act), 0, 8);
	assert_string_equal(ev->args[0].text, "SIGINT");
	assert_string_equal(ev->args[1].text,
		"{sa_handler=0x401000, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, "
		"sa_restorer=0x402000}");
	leave(0);
	assert_string_equal(ev->args[2].text, "NULL");
}

static void test_time_poll(void **state)
{
	struct sd_event *ev;
	int64_t ts[2] = { 1, 500000000 };
	int32_t pfd[4] = { 3, 1 | (4 << 16), 4, 4 };   /* fd, events|revents<<16 */
	uint64_t p = map(NULL, 16);

	(void)state;
	ev = E2("clock_gettime", 1, p);
	assert_string_equal(ev->args[0].text, "CLOCK_MONOTONIC");
	memcpy(F.reg[F.nreg - 1].data, ts, sizeof ts);
	leave(0);
	assert_string_equal(ev->args[1].text, "{tv_sec=1, tv_nsec=500000000}");
	ev = E2("nanosleep", map(ts, 16), 0);
	assert_string_equal(ev->args[0].text, "{tv_sec=1, tv_nsec=500000000}");
	ev = E4("clock_nanosleep", 0, 1, map(ts, 16), 0);
	assert_string_equal(ev->args[1].text, "TIMER_ABSTIME");
	ev = E3("poll", map(pfd, sizeof pfd), 2, 1000);
	assert_string_equal(ev->args[0].text,
			    "[{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}]");
	leave(1);
	assert_string_equal(ev->ret_text, "[{fd=3, revents=POLLOUT}]");
	p = map(pfd, sizeof pfd);
	ev = E3("poll", p, 0x7fffffff, 1000);   /* more entries than are mapped */
	assert_int_equal(ev->args[0].type, SD_ARG_STRUCT);
	assert_true(strtoull(ev->args[0].text, NULL, 16) == p);
}

static void test_epoll(void **state)
{
	struct sd_event *ev;
	unsigned char e[24] = { 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5 };

	(void)state;
	ev = E4("epoll_ctl", 7, 1, 3, map(e, 12));
	assert_string_equal(ev->args[1].text, "EPOLL_CTL_ADD");
	assert_string_equal(ev->args[3].text, "{events=EPOLLIN, data={u32=3, u64=3}}");
	ev = E4("epoll_wait", 7, map(e, sizeof e), 8, -1);
	leave(2);
	assert_string_equal(ev->args[1].text,
		"[{events=EPOLLIN, data={u32=3, u64=3}}, {events=EPOLLOUT, data={u32=5, u64=5}}]");
}

static void test_siginfo(void **state)
{
	siginfo_t si;
	char *t;

	(void)state;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGCHLD;
	si.si_code = CLD_EXITED;
	si.si_pid = 123;
	t = sd_decode_siginfo(&si, sizeof si);
	assert_string_equal(t, "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=123, si_uid=0, "
			       "si_status=0, si_utime=0, si_stime=0}");
	free(t);
	memset(&si, 0, sizeof si);
	si.si_signo = SIGSEGV;
	si.si_code = SEGV_MAPERR;
	t = sd_decode_siginfo(&si, sizeof si);
	assert_string_equal(t, "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}");
	free(t);
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	si.si_pid = 7;
	si.si_uid = 1000;
	t = sd_decode_siginfo(&si, sizeof si);
	assert_string_equal(t, "{si_signo=SIGTERM, si_code=SI_USER, si_pid=7, si_uid=1000}");
	free(t);
	si.si_code = SI_TKILL;
	t = sd_decode_siginfo(&si, sizeof si);
	assert_string_equal(t, "{si_signo=SIGTERM, si_code=SI_TKILL, si_pid=7, si_uid=1000}");
	free(t);
	t = sd_decode_siginfo(&si, 0);
	assert_string_equal(t, "{si_signo=0, si_code=SI_USER, si_pid=0, si_uid=0}");
	free(t);
}

/* ---- generic ------------------------------------------------------------ */

static void test_unknown_and_restart(void **state)
{
	struct sd_event *ev;
	uint64_t raw[6] = { 1, 2, 3, 4, 5, 6 };

	(void)state;
	sd_event_clear(&EV);
	sd_decode_entry(&ENV, &OPTS, &EV, 500, raw);
	assert_string_equal(EV.name, "syscall_0x1f4");
	assert_int_equal(EV.nargs, 6);
	assert_int_equal(EV.args[5].type, SD_ARG_HEX);
	assert_int_equal(EV.args[5].raw, 6);
	leave(-38);
	assert_int_equal(EV.ret_fmt, SD_RET_DEC);
	/* a known syscall without a schema row */
	sd_decode_entry(&ENV, &OPTS, &EV, sd_syscall_nr("kexec_load"), raw);
	assert_string_equal(EV.name, "kexec_load");
	assert_int_equal(EV.nargs, sd_syscall_nargs(sd_syscall_nr("kexec_load")));
	assert_int_equal(EV.args[0].type, SD_ARG_HEX);
	ev = E3("read", 0, 0x1000, 10);
	leave(-512);
	assert_true(ev->interrupted);
	assert_int_equal(ev->args[1].buf.len, 0);
	ev = E2("nanosleep", 0, 0);
	leave(-516);
	assert_true(ev->interrupted);
	ev = E2("nanosleep", 0, 0);
	leave(-4);
	assert_false(ev->interrupted);
	ev = E1("exit_group", 3);
	assert_int_equal(ev->args[0].type, SD_ARG_INT);
	assert_false(ev->finished);
	ev = E0("getpid");
	assert_int_equal(ev->nargs, 0);
}

static void test_structs(void **state)
{
	struct sd_event *ev;
	uint64_t how[3] = { 0100 | 02000000, 0600, 0x08 };
	uint64_t ca[11] = { 0x100 | 0x10000, 0, 0, 0, 17, 0x7000, 0x1000 };
	uint64_t rl[2] = { 1024, UINT64_MAX };
	char uts[6][65] = { "Linux", "box", "6.18", "#1", "x86_64", "" };
	unsigned char stx[256] = { 0 };
	uint16_t mode = 020620;
	int64_t off = 0;
	uint64_t ts2[4] = { 0, (1 << 30) - 1, 5, (1 << 30) - 2 };
	uint64_t ss[3] = { 0x7000, 2, 8192 };

	(void)state;
	ev = E4("openat2", FDCWD, str("f"), map(how, sizeof how), 24);
	assert_string_equal(ev->args[2].text,
		"{flags=O_RDONLY|O_CREAT|O_CLOEXEC, mode=0600, resolve=RESOLVE_BENEATH}");
	ev = E4("openat2", FDCWD, str("f"), map(how, sizeof how), 8);
	assert_int_equal(ev->args[2].type, SD_ARG_STRUCT);
	ev = E2("clone3", map(ca, sizeof ca), 88);
	assert_string_equal(ev->args[0].text, "{flags=CLONE_VM|CLONE_THREAD, exit_signal=SIGCHLD, "
			    "stack=0x7000, stack_size=0x1000}");
	ev = E4("prlimit64", 0, 7, map(rl, sizeof rl), 0);
	assert_string_equal(ev->args[1].text, "RLIMIT_NOFILE");
	assert_string_equal(ev->args[2].text, "{rlim_cur=1*1024, rlim_max=RLIM64_INFINITY}");
	ev = E1("uname", map(uts, sizeof uts));
	assert_true(ev->args[0].at_exit);
	leave(0);
	assert_string_equal(ev->args[0].text, "{sysname=\"Linux\", nodename=\"box\", ...}");
	memcpy(stx, "\xff\x07\0\0", 4);
	memcpy(stx + 28, &mode, 2);
	memcpy(stx + 128, "\x04\0\0\0\x01\0\0\0", 8);
	ev = E5("statx", FDCWD, str("/dev/tty"), 0, 0xfff, map(stx, sizeof stx));
	assert_string_equal(ev->args[3].text, "STATX_ALL");
	leave(0);
	assert_string_equal(ev->args[4].text, "{stx_mask=STATX_BASIC_STATS, stx_attributes=0, "
			    "stx_mode=S_IFCHR|0620, stx_rdev_major=4, stx_rdev_minor=1, ...}");
	ev = enter("splice", 3, map(&off, 8), 4, 0, 100, 1);
	assert_string_equal(ev->args[1].text, "[0]");
	assert_string_equal(ev->args[3].text, "NULL");
	off = 100;
	memcpy(F.reg[F.nreg - 1].data, &off, 8);
	leave(100);
	assert_string_equal(ev->args[1].text, "[0] => [100]");
	ev = E4("utimensat", 5, 0, map(ts2, sizeof ts2), 0);
	assert_string_equal(ev->args[1].text, "NULL");
	assert_string_equal(ev->args[2].text,
		"[{tv_sec=0, tv_nsec=UTIME_NOW}, {tv_sec=5, tv_nsec=UTIME_OMIT}]");
	ev = E2("sigaltstack", map(ss, sizeof ss), 0);
	assert_string_equal(ev->args[0].text, "{ss_sp=0x7000, ss_flags=SS_DISABLE, ss_size=8192}");
	ev = enter("futex", 0x1000, 128, 2, 0, 0, 0);
	assert_string_equal(ev->args[1].text, "FUTEX_WAIT_PRIVATE");
	assert_string_equal(ev->args[3].text, "NULL");
	assert_int_equal(ev->nargs, 4);
	ev = enter("futex", 0x1000, 1 | 128, 1, 0, 0, 0);
	assert_string_equal(ev->args[1].text, "FUTEX_WAKE_PRIVATE");
	assert_int_equal(ev->nargs, 3);
}

static void test_getsockopt_waitid(void **state)
{
	struct sd_event *ev;
	int v = 4;
	uint32_t len = 4;
	unsigned char si[128] = { 0 };
	int s = 0x137f;        /* stopped by SIGSTOP */
	uint64_t sp = map(&s, 4);

	(void)state;
	ev = E5("getsockopt", 3, 1, 4, map(&v, 4), map(&len, 4));
	assert_string_equal(ev->args[2].text, "SO_ERROR");
	assert_true(ev->args[3].at_exit);
	leave(0);
	assert_string_equal(ev->args[3].text, "[4]");
	assert_string_equal(ev->args[4].text, "[4]");
	si[0] = 17;
	si[8] = 1;
	ev = E5("waitid", 1, 42, map(si, sizeof si), 4, 0);
	assert_string_equal(ev->args[0].text, "P_PID");
	assert_string_equal(ev->args[3].text, "WEXITED");
	leave(0);
	assert_string_equal(ev->args[2].text, "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=0, "
			    "si_uid=0, si_status=0, si_utime=0, si_stime=0}");
	ev = E4("wait4", 42, sp, 2, 0);
	leave(42);
	assert_string_equal(ev->args[1].text, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]");
}

/* Every schema row names a real syscall. */
static void test_schema_names(void **state)
{
	extern const struct drow dec_rows[];
	extern const size_t dec_nrows;

	(void)state;
	for (size_t i = 0; i < dec_nrows; i++) {
		if (sd_syscall_nr(dec_rows[i].name) < 0)
			fail_msg("schema row %s is not a syscall", dec_rows[i].name);
		assert_ptr_equal(dec_row_find(dec_rows[i].name), &dec_rows[i]);
	}
}

/* Every syscall number, registers pointing at garbage or nowhere: no crash. */
static void test_all_garbage(void **state)
{
	unsigned char junk[8192];
	uint64_t m, raw[6];
	int64_t rets[] = { 0, 1, 7, 4096, -1, -14, -512, 1LL << 40 };

	(void)state;
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 131 + (i >> 3));
	m = map(junk, sizeof junk);
	for (int nr = -2; nr < SD_NR_MAX + 2; nr++) {
		for (size_t k = 0; k < sizeof rets / sizeof *rets; k++) {
			for (int j = 0; j < 6; j++)
				raw[j] = (k + j) % 3 == 0 ? m + (k * 977 + j * 61) % 8000 :
					 (k + j) % 3 == 1 ? 0x10 * k : m + 8190;
			sd_event_clear(&EV);
			sd_decode_entry(&ENV, &OPTS, &EV, nr, raw);
			sd_decode_exit(&ENV, &OPTS, &EV, rets[k]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_path_absolute), T(test_openat_creat), T(test_openat_dirfd),
		T(test_path_edge), T(test_at_empty_path), T(test_renameat2_linkat),
		T(test_write_small), T(test_write_max_bytes), T(test_write_10mib),
		T(test_unreadable), T(test_read_out), T(test_iov), T(test_close),
		T(test_dup_fcntl), T(test_ioctl), T(test_pipe_chdir), T(test_lseek_mmap_misc),
		T(test_socket_connect), T(test_accept_sockopt), T(test_sendmsg_recvmsg),
		T(test_sendto_recvfrom), T(test_execve), T(test_wait_clone), T(test_signals),
		T(test_time_poll), T(test_epoll), T(test_siginfo), T(test_unknown_and_restart),
		T(test_structs), T(test_getsockopt_waitid), T(test_schema_names),
		T(test_all_garbage),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	sd_event_clear(&EV);
	return r;
}
