/* test_text.c - strace-compatible text output (exact strings), including the
 * <unfinished ...> / resumed interleaving, and the -c summary table. */
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
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "format/writers.h"
#include "util/util.h"

/* ---- helpers ---- */

static struct sd_event sc(pid_t tid, const char *name, int64_t ret)
{
	struct sd_event ev;
	sd_event_init(&ev);
	ev.seq = 1;
	ev.pid = 100;
	ev.tid = tid;
	ev.kind = SD_EV_SYSCALL;
	snprintf(ev.name, sizeof ev.name, "%s", name);
	ev.finished = true;
	ev.ret = ret;
	return ev;
}

static struct sd_arg fd_arg(int fd) { return (struct sd_arg){ .type = SD_ARG_FD, .raw = fd }; }
static struct sd_arg uint_arg(uint64_t v) { return (struct sd_arg){ .type = SD_ARG_UINT, .raw = (int64_t)v }; }
static struct sd_arg ptr_arg(uint64_t v) { return (struct sd_arg){ .type = SD_ARG_PTR, .raw = (int64_t)v }; }
static struct sd_arg text_arg(enum sd_arg_type t, int64_t raw, const char *text)
{
	return (struct sd_arg){ .type = t, .raw = raw, .text = (char *)text };
}
static struct sd_arg path_arg(const char *p)
{
	return (struct sd_arg){ .type = SD_ARG_PATH, .raw = 0x1000, .str = (char *)p };
}
static struct sd_arg buf_arg(const void *data, uint32_t kept, uint64_t len)
{
	return (struct sd_arg){ .type = SD_ARG_BUF, .raw = 0x7ffd0000, .buf = {
		.len = len, .kept = kept, .hash_valid = true, .data = (unsigned char *)data } };
}

static void expect_fmt(const struct sd_event *ev, const struct sd_text_opts *o, const char *want)
{
	struct sb sb = SB_INIT;
	sd_text_format_event(&sb, ev, o);
	if (strcmp(sb_str(&sb), want))
		fail_msg("\nwant: %s\n got: %s", want, sb_str(&sb));
	sb_free(&sb);
}

static const struct sd_text_opts defopts = { .strsize = 32 };

/* A sink writing into a memfd; drain() returns what it wrote so far. */
struct cap {
	int fd;
	struct sd_sink *s;
};

static struct cap cap_new(const struct sd_text_opts *o, uint64_t start_real_ns)
{
	struct cap c = { .fd = memfd_create("text", 0) };
	assert_true(c.fd >= 0);
	c.s = sd_sink_text_new(c.fd, o);
	struct sd_trace_info ti = { .version = 1, .pid = 100, .start_real_ns = start_real_ns };
	c.s->begin(c.s, &ti);
	return c;
}

/* end() the sink and return everything written. */
static char *cap_finish(struct cap *c)
{
	struct sd_trace_end te = { .complete = true };
	assert_int_equal(c->s->end(c->s, &te), 0);
	c->s->destroy(c->s);
	struct sb sb = SB_INIT;
	char buf[4096];
	ssize_t n;
	lseek(c->fd, 0, SEEK_SET);
	while ((n = read(c->fd, buf, sizeof buf)) > 0)
		sb_add(&sb, buf, n);
	close(c->fd);
	return sb_detach(&sb);
}

static void expect_output(struct cap *c, const char *want)
{
	char *got = cap_finish(c);
	if (strcmp(got, want))
		fail_msg("\nwant:\n%s\ngot:\n%s", want, got);
	free(got);
}

/* ---- single lines ---- */

static void test_openat(void **state)
{
	(void)state;
	struct sd_event ev = sc(100, "openat", 3);
	ev.nargs = 4;
	ev.args[0] = text_arg(SD_ARG_FD, -100, "AT_FDCWD");
	ev.args[1] = path_arg("out.txt");
	ev.args[2] = text_arg(SD_ARG_FLAGS, 577, "O_WRONLY|O_CREAT|O_TRUNC");
	ev.args[3] = text_arg(SD_ARG_MODE, 0644, "0644");
	ev.ret_fmt = SD_RET_FD;
	ev.ret_ref = "/home/u/p/out.txt";
	expect_fmt(&ev, &defopts, "openat(AT_FDCWD, \"out.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3");
	struct sd_text_opts y = { .strsize = 32, .show_fds = true };
	expect_fmt(&ev, &y, "openat(AT_FDCWD, \"out.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</home/u/p/out.txt>");
	ev.ret = -2;
	expect_fmt(&ev, &y, "openat(AT_FDCWD, \"out.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 ENOENT (No such file or directory)");
}

static void test_buffers(void **state)
{
	(void)state;
	char big[100];
	memset(big, 'a', sizeof big);
	struct sd_event ev = sc(100, "read", 100);
	ev.nargs = 3;
	ev.args[0] = fd_arg(3);
	ev.args[0].ref = "/etc/passwd";
	ev.args[1] = buf_arg(big, sizeof big, sizeof big);
	ev.args[2] = uint_arg(4096);
	expect_fmt(&ev, &defopts, "read(3, \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., 4096) = 100");
	struct sd_text_opts o = { .strsize = 3, .show_fds = true };
	ev.args[1] = buf_arg("abcdef", 6, 6);
	expect_fmt(&ev, &o, "read(3</etc/passwd>, \"abc\"..., 4096) = 100");
	/* fewer bytes kept (--max-bytes) than transferred: still "..." */
	ev.args[1] = buf_arg("ab", 2, 5000);
	expect_fmt(&ev, &defopts, "read(3, \"ab\"..., 4096) = 100");
	/* exactly strsize bytes: no "..." */
	ev.args[1] = buf_arg("abc", 3, 3);
	expect_fmt(&ev, &o, "read(3</etc/passwd>, \"abc\", 4096) = 100");
	/* -s 0 shows no bytes; a negative size shows them all */
	o.strsize = 0;
	expect_fmt(&ev, &o, "read(3</etc/passwd>, \"\"..., 4096) = 100");
	o.strsize = -1;
	ev.args[1] = buf_arg(big, sizeof big, sizeof big);
	expect_fmt(&ev, &o, "read(3</etc/passwd>, \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", 4096) = 100");
	expect_fmt(&ev, NULL, "read(3, \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., 4096) = 100");
	/* not read (EFAULT): the address */
	ev.args[1] = buf_arg(NULL, 0, 0);
	ev.ret = -14;
	expect_fmt(&ev, &defopts, "read(3, 0x7ffd0000, 4096) = -1 EFAULT (Bad address)");
}

static void test_escaping(void **state)
{
	(void)state;
	static const char data[] = "\"\\\t\n\r\v\f\0\0" "1\033x\377\177" "8\1" "9";
	struct sd_event ev = sc(100, "write", 17);
	ev.nargs = 3;
	ev.args[0] = fd_arg(1);
	ev.args[1] = buf_arg(data, sizeof data - 1, sizeof data - 1);
	ev.args[2] = uint_arg(sizeof data - 1);
	expect_fmt(&ev, &defopts,
		   "write(1, \"\\\"\\\\\\t\\n\\r\\v\\f\\0\\0001\\33x\\377\\1778\\19\", 17) = 17");
	/* UTF-8 is octal-escaped like strace does by default */
	ev.args[1] = buf_arg("h\xc3\xa9", 3, 3);
	ev.args[2] = uint_arg(3);
	ev.ret = 3;
	expect_fmt(&ev, &defopts, "write(1, \"h\\303\\251\", 3) = 3");
}

static void test_paths_not_truncated(void **state)
{
	(void)state;
	static const char *p = "/a/very/long/path/that/is/longer/than/thirty-two/bytes/\033[1m.txt";
	struct sd_event ev = sc(100, "unlink", -13);
	ev.nargs = 1;
	ev.args[0] = path_arg(p);
	struct sd_text_opts o = { .strsize = 4 };
	expect_fmt(&ev, &o, "unlink(\"/a/very/long/path/that/is/longer/than/thirty-two/bytes/\\33[1m.txt\")"
		   " = -1 EACCES (Permission denied)");
	ev.args[0].str = NULL;   /* unreadable path: the pointer */
	ev.args[0].raw = 0;
	expect_fmt(&ev, &o, "unlink(NULL) = -1 EACCES (Permission denied)");
}

static void test_execve(void **state)
{
	(void)state;
	struct sd_event ev = sc(100, "execve", 0);
	ev.nargs = 3;
	ev.args[0] = path_arg("/bin/ls");
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0x7ffd10, .nstrv = 3,
				      .strv = (char *[]){ "ls", "-l", "a\"b" } };
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0x7ffd1c1e4a68, .nstrv = 2,
				      .strv = (char *[]){ "A=1", "B=2" } };
	expect_fmt(&ev, &defopts,
		   "execve(\"/bin/ls\", [\"ls\", \"-l\", \"a\\\"b\"], 0x7ffd1c1e4a68 /* 2 vars */) = 0");
	struct sd_text_opts v = { .strsize = 32, .verbose = true };
	expect_fmt(&ev, &v, "execve(\"/bin/ls\", [\"ls\", \"-l\", \"a\\\"b\"], [\"A=1\", \"B=2\"]) = 0");
	ev.args[1].strv_more = true;
	ev.args[1].nstrv = 1;
	ev.args[2].nstrv = 1;
	ev.args[2].strv_more = true;
	struct sd_text_opts s2 = { .strsize = 1 };
	expect_fmt(&ev, &s2, "execve(\"/bin/ls\", [\"l\"..., ...], 0x7ffd1c1e4a68 /* 1+ vars */) = 0");
	ev.args[2].strv_more = false;
	expect_fmt(&ev, &s2, "execve(\"/bin/ls\", [\"l\"..., ...], 0x7ffd1c1e4a68 /* 1 var */) = 0");
	ev.args[1].strv = NULL;
	ev.args[1].nstrv = 0;
	ev.args[2].raw = 0;
	ev.args[2].strv = NULL;
	ev.args[2].nstrv = 0;
	expect_fmt(&ev, &defopts, "execve(\"/bin/ls\", 0x7ffd10, NULL) = 0");
}

static void test_raw_forms(void **state)
{
	(void)state;
	struct sd_event ev = sc(100, "mmap", (int64_t)0x7f1234560000);
	ev.nargs = 6;
	ev.args[0] = ptr_arg(0);
	ev.args[1] = uint_arg(4096);
	ev.args[2] = text_arg(SD_ARG_FLAGS, 3, "PROT_READ|PROT_WRITE");
	ev.args[3] = text_arg(SD_ARG_FLAGS, 0x22, NULL);
	ev.args[4] = (struct sd_arg){ .type = SD_ARG_FD, .raw = 0xffffffff };  /* an int -1 */
	ev.args[5] = (struct sd_arg){ .type = SD_ARG_HEX, .raw = 0 };
	ev.ret_fmt = SD_RET_HEX;
	expect_fmt(&ev, &defopts, "mmap(NULL, 4096, PROT_READ|PROT_WRITE, 0x22, -1, 0) = 0x7f1234560000");

	ev = sc(100, "fake", 022);
	ev.nargs = 6;
	ev.args[0] = text_arg(SD_ARG_MODE, 0644, NULL);
	ev.args[1] = text_arg(SD_ARG_SIGNAL, 9, NULL);
	ev.args[2] = text_arg(SD_ARG_SIGNAL, 15, "SIGTERM");
	ev.args[3] = text_arg(SD_ARG_STRUCT, 0x1000, NULL);
	ev.args[4] = text_arg(SD_ARG_STRUCT, 0x1000, "{tv_sec=1, tv_nsec=0}");
	ev.args[5] = (struct sd_arg){ .type = SD_ARG_INT, .raw = -5 };
	ev.ret_fmt = SD_RET_OCT;
	expect_fmt(&ev, &defopts, "fake(0644, 9, SIGTERM, 0x1000, {tv_sec=1, tv_nsec=0}, -5) = 022");
	ev.nargs = 1;
	ev.args[0] = ptr_arg(0xffffffffffffffffull);
	ev.ret_fmt = SD_RET_DEC;
	ev.ret = 0;
	ev.ret_text = "flags O_RDWR";
	expect_fmt(&ev, &defopts, "fake(0xffffffffffffffff) = 0 (flags O_RDWR)");
}

static void test_returns(void **state)
{
	(void)state;
	struct sd_event ev = sc(100, "exit_group", 0);
	ev.nargs = 1;
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_INT, .raw = 0 };
	ev.finished = false;
	struct sd_text_opts t = { .strsize = 32, .durations = true };
	expect_fmt(&ev, &t, "exit_group(0) = ?");

	ev = sc(100, "nanosleep", -512);
	ev.interrupted = true;
	ev.nargs = 2;
	ev.args[0] = text_arg(SD_ARG_STRUCT, 1, "{tv_sec=5, tv_nsec=0}");
	ev.args[1] = ptr_arg(0x7ffd00);
	ev.args[1].at_exit = true;
	expect_fmt(&ev, &defopts, "nanosleep({tv_sec=5, tv_nsec=0}, 0x7ffd00) = ? ERESTARTSYS"
		   " (To be restarted if SA_RESTART is set)");
	ev.ret = -516;
	expect_fmt(&ev, &defopts, "nanosleep({tv_sec=5, tv_nsec=0}, 0x7ffd00) = ? ERESTART_RESTARTBLOCK"
		   " (Interrupted by signal)");

	ev = sc(100, "getpid", 42);
	ev.dur_ns = 12345;
	expect_fmt(&ev, &t, "getpid() = 42 <0.000012>");
	ev.dur_ns = 3000000000ull;
	expect_fmt(&ev, &t, "getpid() = 42 <3.000000>");
}

static void test_other_kinds(void **state)
{
	(void)state;
	struct sd_event ev;
	sd_event_init(&ev);
	ev.kind = SD_EV_SIGNAL;
	ev.sig = 17;
	ev.siginfo = "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=0, si_status=0}";
	expect_fmt(&ev, &defopts, "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=0, si_status=0} ---");
	ev.siginfo = NULL;
	expect_fmt(&ev, &defopts, "--- SIGCHLD ---");
	ev.kind = SD_EV_STOP;
	ev.sig = 19;
	expect_fmt(&ev, &defopts, "--- stopped by SIGSTOP ---");
	ev.kind = SD_EV_EXIT;
	ev.status = 3;
	expect_fmt(&ev, &defopts, "+++ exited with 3 +++");
	ev.kind = SD_EV_KILLED;
	ev.sig = 11;
	ev.core = true;
	expect_fmt(&ev, &defopts, "+++ killed by SIGSEGV (core dumped) +++");
	ev.sig = 9;
	ev.core = false;
	expect_fmt(&ev, &defopts, "+++ killed by SIGKILL +++");
	ev.kind = SD_EV_SUPERSEDED;
	ev.old_tid = 4102;
	expect_fmt(&ev, &defopts, "+++ superseded by execve in pid 4102 +++");
	ev.kind = SD_EV_DETACHED;
	expect_fmt(&ev, &defopts, "+++ detached +++");
}

/* ---- the sink: prefixes, timestamps, interleaving ---- */

static struct sd_event read_ev(pid_t tid, const char *data)
{
	struct sd_event ev = sc(tid, "read", strlen(data));
	ev.nargs = 3;
	ev.args[0] = fd_arg(3);
	ev.args[1] = buf_arg(data, strlen(data), strlen(data));
	ev.args[1].at_exit = true;
	ev.args[2] = uint_arg(4096);
	return ev;
}

/* The entry-time view of an event: exit-time arguments not decoded yet. */
static struct sd_event entry_view(const struct sd_event *full)
{
	struct sd_event ev = *full;
	for (int i = 0; i < ev.nargs; i++)
		if (ev.args[i].at_exit)
			ev.args[i] = (struct sd_arg){ .type = ev.args[i].type, .raw = ev.args[i].raw,
						     .at_exit = true };
	ev.finished = false;
	ev.ret = 0;
	return ev;
}

static void test_sink_single_thread(void **state)
{
	(void)state;
	struct cap c = cap_new(&defopts, 0);
	struct sd_event r = read_ev(100, "hello");
	struct sd_event e = entry_view(&r);
	c.s->enter(c.s, &e);         /* entered and completed: one line */
	c.s->event(c.s, &r);
	struct sd_event g = sc(100, "getpid", 100);
	c.s->event(c.s, &g);         /* never entered: one line */
	struct sd_event x;
	sd_event_init(&x);
	x.kind = SD_EV_EXIT;
	x.pid = x.tid = 100;
	c.s->event(c.s, &x);
	expect_output(&c, "read(3, \"hello\", 4096) = 5\n"
			  "getpid() = 100\n"
			  "+++ exited with 0 +++\n");
}

static void test_sink_interleaving(void **state)
{
	(void)state;
	struct sd_text_opts o = { .strsize = 32, .durations = true };
	struct cap c = cap_new(&o, 0);
	struct sd_event ra = read_ev(100, "hello");
	ra.dur_ns = 7000;
	struct sd_event wa = sc(101, "write", 3);
	wa.nargs = 3;
	wa.args[0] = fd_arg(1);
	wa.args[1] = buf_arg("hi\n", 3, 3);
	wa.args[2] = uint_arg(3);
	wa.dur_ns = 2000;
	struct sd_event fu = sc(102, "futex", 0);
	fu.nargs = 2;
	fu.args[0] = ptr_arg(0x7f00);
	fu.args[1] = text_arg(SD_ARG_FLAGS, 0, "FUTEX_WAIT");
	struct sd_event e;

	e = entry_view(&ra);
	c.s->enter(c.s, &e);         /* A: read(3,  ... open */
	e = entry_view(&wa);
	c.s->enter(c.s, &e);         /* B interrupts A */
	c.s->event(c.s, &wa);        /* B completes on its open line */
	e = entry_view(&fu);
	c.s->enter(c.s, &e);         /* C: all args known at entry */
	struct sd_event sig;
	sd_event_init(&sig);
	sig.kind = SD_EV_SIGNAL;
	sig.pid = 100;
	sig.tid = 100;
	sig.sig = 14;
	c.s->event(c.s, &sig);       /* a signal closes C's line */
	c.s->event(c.s, &ra);        /* A resumes */
	c.s->event(c.s, &fu);        /* C resumes */
	e = entry_view(&ra);
	c.s->enter(c.s, &e);         /* left open at end() */
	expect_output(&c,
		"read(3,  <unfinished ...>\n"
		"[pid 101] write(1, \"hi\\n\", 3) = 3 <0.000002>\n"
		"[pid 102] futex(0x7f00, FUTEX_WAIT <unfinished ...>\n"
		"[pid 100] --- SIGALRM ---\n"
		"[pid 100] <... read resumed>\"hello\", 4096) = 5 <0.000007>\n"
		"[pid 102] <... futex resumed>) = 0 <0.000000>\n"
		"[pid 100] read(3,  <unfinished ...>\n");
}

/* A syscall that was never entered interrupts an open line; an exit drops the
 * exiting thread's pending call. */
static void test_sink_unentered_and_exit(void **state)
{
	(void)state;
	struct cap c = cap_new(&defopts, 0);
	struct sd_event ra = read_ev(100, "x");
	struct sd_event e = entry_view(&ra);
	struct sd_event g = sc(101, "getpid", 100);
	struct sd_event pipe_ev = sc(101, "pipe", 0);
	pipe_ev.nargs = 1;
	pipe_ev.args[0] = text_arg(SD_ARG_STRUCT, 0x10, "[3, 4]");
	pipe_ev.args[0].at_exit = true;
	struct sd_event x;
	sd_event_init(&x);
	x.kind = SD_EV_KILLED;
	x.pid = x.tid = 100;
	x.sig = 9;

	c.s->enter(c.s, &e);
	c.s->event(c.s, &g);
	c.s->event(c.s, &x);         /* 100 is gone with its read */
	c.s->event(c.s, &ra);        /* so this is not "resumed" */
	struct sd_event pe = entry_view(&pipe_ev);
	c.s->enter(c.s, &pe);
	c.s->event(c.s, &g);         /* not the entered call: printed whole */
	c.s->event(c.s, &pipe_ev);
	expect_output(&c,
		"read(3,  <unfinished ...>\n"
		"[pid 101] getpid() = 100\n"
		"[pid 100] +++ killed by SIGKILL +++\n"
		"[pid 100] read(3, \"x\", 4096) = 1\n"
		"[pid 101] pipe( <unfinished ...>\n"
		"[pid 101] getpid() = 100\n"
		"[pid 101] <... pipe resumed>[3, 4]) = 0\n");
}

/* A non-leader thread's execve: the leader's line announces it, the call
 * resumes under the leader's pid (strace -f's output). */
static void test_sink_superseded(void **state)
{
	(void)state;
	struct cap c = cap_new(&defopts, 0);
	struct sd_event g = sc(100, "getpid", 100);
	struct sd_event ex = sc(101, "execve", 0);
	ex.nargs = 3;
	ex.args[0] = path_arg("/bin/true");
	ex.args[1] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 1, .nstrv = 1,
				      .strv = (char *[]){ "true" } };
	ex.args[2] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0 };
	struct sd_event sup;
	sd_event_init(&sup);
	sup.kind = SD_EV_SUPERSEDED;
	sup.pid = sup.tid = 100;
	sup.old_tid = 101;

	c.s->event(c.s, &g);
	c.s->enter(c.s, &ex);
	c.s->event(c.s, &sup);
	ex.tid = 100;
	c.s->event(c.s, &ex);
	expect_output(&c,
		"getpid() = 100\n"
		"[pid 101] execve(\"/bin/true\", [\"true\"], NULL <unfinished ...>\n"
		"[pid 100] +++ superseded by execve in pid 101 +++\n"
		"[pid 100] <... execve resumed>) = 0\n");
}

static void test_sink_timestamps(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	struct sd_text_opts o = { .strsize = 32, .timestamps = 2 };
	/* 1700000000 = 2023-11-14 22:13:20 UTC */
	struct cap c = cap_new(&o, 1700000000123456789ull);
	struct sd_event ra = read_ev(100, "ab");
	ra.t_ns = 1000000;
	ra.dur_ns = 2000000000;
	struct sd_event g = sc(101, "getpid", 100);
	g.t_ns = 1500000;
	struct sd_event e = entry_view(&ra);
	c.s->enter(c.s, &e);
	c.s->event(c.s, &g);
	c.s->event(c.s, &ra);
	expect_output(&c,
		"22:13:20.124456 read(3,  <unfinished ...>\n"
		"[pid 101] 22:13:20.124956 getpid() = 100\n"
		"[pid 100] 22:13:22.124456 <... read resumed>\"ab\", 4096) = 2\n");

	struct sd_text_opts o1 = { .strsize = 32, .timestamps = 1 };   /* -t: seconds only */
	struct cap c1 = cap_new(&o1, 1700000000123456789ull);
	c1.s->event(c1.s, &g);
	expect_output(&c1, "22:13:20 getpid() = 100\n");
}

static void test_sink_write_error(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	struct sd_sink *s = sd_sink_text_new(fd, &defopts);
	struct sd_trace_info ti = { .pid = 1 };
	struct sd_trace_end te = { .complete = true };
	struct sd_event g = sc(100, "getpid", 100);
	s->begin(s, &ti);
	s->event(s, &g);
	assert_int_equal(s->end(s, &te), -1);
	s->destroy(s);
	close(fd);
}

/* ---- -c ---- */

static void test_summary(void **state)
{
	(void)state;
	int fd = memfd_create("sum", 0);
	struct sd_sink *s = sd_sink_summary_new(fd);
	struct sd_trace_info ti = { .pid = 100 };
	s->begin(s, &ti);
	static const struct { const char *name; uint64_t ns; int64_t ret; } calls[] = {
		{ "read", 10000, 5 }, { "write", 100000, 3 }, { "read", 20000, -9 },
		{ "getpid", 0, 100 }, { "read", 30999, 0 },
	};
	for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
		struct sd_event ev = sc(100, calls[i].name, calls[i].ret);
		ev.dur_ns = calls[i].ns;
		s->event(s, &ev);
	}
	struct sd_event x;
	sd_event_init(&x);
	x.kind = SD_EV_EXIT;
	s->event(s, &x);
	struct sd_trace_end te = { .complete = true };
	assert_int_equal(s->end(s, &te), 0);
	s->destroy(s);
	char buf[2048];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	assert_true(n > 0);
	buf[n] = 0;
	close(fd);
	assert_string_equal(buf,
		"% time     seconds  usecs/call     calls    errors syscall\n"
		"------ ----------- ----------- --------- --------- ----------------\n"
		" 62.11    0.000100         100         1           write\n"
		" 37.89    0.000060          20         3         1 read\n"
		"  0.00    0.000000           0         1           getpid\n"
		"------ ----------- ----------- --------- --------- ----------------\n"
		"100.00    0.000160          32         5         1 total\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_paths_not_truncated),
		cmocka_unit_test(test_execve),
		cmocka_unit_test(test_raw_forms),
		cmocka_unit_test(test_returns),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_sink_single_thread),
		cmocka_unit_test(test_sink_interleaving),
		cmocka_unit_test(test_sink_unentered_and_exit),
		cmocka_unit_test(test_sink_superseded),
		cmocka_unit_test(test_sink_timestamps),
		cmocka_unit_test(test_sink_write_error),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
