/* test_strace_log.c - the strace log importer: every line form strace writes, typed
 * arguments as the live tracer types them, restarts, processes and threads, bad input;
 * and an oracle: the same command under strace and under sysdiff's own tracer must give
 * the same syscalls, argument types, paths, buffer lengths and hashes and results. */
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
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "arch/syscalls.h"
#include "decode/decode.h"
#include "format/reader.h"
#include "format/writers.h"
#include "event/restart.h"
#include "format/strace_log.h"
#include "tracer/tracer.h"
#include "util/util.h"
#include "trace_fixture.h"

/* ---- helpers ---- */

struct log {
	struct sd_strace *s;
	struct sd_event ev[256];
	int n;
	int rc;                      /* of the last sd_strace_next */
	char *err;
	const struct sd_trace_end *end;
};

/* Import text completely (up to 256 events). */
static struct log *import(const char *text, const char *cwd)
{
	struct log *l = calloc(1, sizeof *l);
	struct sd_strace_opts o = { .cwd = cwd };

	l->s = sd_strace_open(sd_lines_open_mem(text, strlen(text), "t.log"), &o, &l->err);
	if (!l->s)
		return l;
	while (l->n < 256 && (l->rc = sd_strace_next(l->s, &l->ev[l->n], &l->err)) == 1)
		l->n++;
	l->end = sd_strace_end(l->s);
	return l;
}

static void log_free(struct log *l)
{
	for (int i = 0; i < l->n; i++)
		sd_event_clear(&l->ev[i]);
	sd_strace_close(l->s);
	free(l->err);
	free(l);
}

static struct log *import_ok(const char *text, const char *cwd)
{
	struct log *l = import(text, cwd);
	if (!l->s || l->rc < 0)
		fprintf(stderr, "import error: %s\n", l->err ? l->err : "?");
	assert_non_null(l->s);
	assert_int_equal(l->rc, 0);
	return l;
}

/* The i-th syscall event named name (0-based), or fail. */
static const struct sd_event *sc(const struct log *l, const char *name, int i)
{
	for (int k = 0; k < l->n; k++)
		if (l->ev[k].kind == SD_EV_SYSCALL && !strcmp(l->ev[k].name, name) && i-- == 0)
			return &l->ev[k];
	fail_msg("no syscall %s", name);
	return NULL;
}

static uint64_t xxh(const char *s, size_t n)
{
	return XXH64(s, n, 0);
}

static void assert_buf(const struct sd_arg *a, const char *bytes, size_t n, bool valid)
{
	assert_int_equal(a->type, SD_ARG_BUF);
	assert_int_equal(a->buf.len, n);
	assert_int_equal(a->buf.hash_valid, valid);
	if (valid)
		assert_true(a->buf.hash == xxh(bytes, n));
	if (valid) {
		assert_int_equal(a->buf.kept, n);
		assert_true(!n || !memcmp(a->buf.data, bytes, n));
	}
}

/* ---- line forms ---- */

static void test_basic_file_calls(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"100   openat(AT_FDCWD</home/u>, \"out.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</home/u/out.txt>\n"
		"100   write(3</home/u/out.txt>, \"hi\\n\", 3) = 3\n"
		"100   openat(AT_FDCWD</home/u>, \"nope\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
		"100   read(0<pipe:[1234]>, \"\\177ELF\", 4096) = 4\n"
		"100   exit_group(1)                     = ?\n"
		"100   +++ exited with 1 +++\n", NULL);

	assert_int_equal(l->n, 6);
	const struct sd_event *e = &l->ev[0];
	assert_int_equal(e->kind, SD_EV_SYSCALL);
	assert_int_equal(e->seq, 1);
	assert_int_equal(e->pid, 100);
	assert_int_equal(e->tid, 100);
	assert_string_equal(e->name, "openat");
	assert_int_equal(e->nr, 257);
	assert_int_equal(e->nargs, 4);
	assert_int_equal(e->args[0].type, SD_ARG_FD);
	assert_int_equal(e->args[0].raw, -100);
	assert_string_equal(e->args[0].text, "AT_FDCWD");
	assert_null(e->args[0].ref);
	assert_int_equal(e->args[1].type, SD_ARG_PATH);
	assert_string_equal(e->args[1].str, "out.txt");
	assert_string_equal(e->args[1].abs, "/home/u/out.txt");   /* cwd from AT_FDCWD</home/u> */
	assert_int_equal(e->args[2].type, SD_ARG_FLAGS);
	assert_int_equal(e->args[2].raw, O_WRONLY | O_CREAT | O_TRUNC);
	assert_string_equal(e->args[2].text, "O_WRONLY|O_CREAT|O_TRUNC");
	assert_int_equal(e->args[3].type, SD_ARG_MODE);
	assert_int_equal(e->args[3].raw, 0644);
	assert_string_equal(e->args[3].text, "0644");
	assert_true(e->finished);
	assert_int_equal(e->ret, 3);
	assert_int_equal(e->ret_fmt, SD_RET_FD);
	assert_string_equal(e->ret_ref, "/home/u/out.txt");

	e = &l->ev[1];
	assert_int_equal(e->args[0].raw, 3);
	assert_string_equal(e->args[0].ref, "/home/u/out.txt");
	assert_buf(&e->args[1], "hi\n", 3, true);
	assert_false(e->args[1].at_exit);
	assert_int_equal(e->args[2].type, SD_ARG_UINT);
	assert_int_equal(e->args[2].raw, 3);

	e = &l->ev[2];      /* a mode strace does not show: the tracer keeps it, without text */
	assert_int_equal(e->nargs, 4);
	assert_int_equal(e->args[3].type, SD_ARG_MODE);
	assert_null(e->args[3].text);
	assert_int_equal(e->ret, -ENOENT);
	assert_int_equal(e->ret_fmt, SD_RET_FD);
	assert_null(e->ret_ref);
	assert_string_equal(e->args[1].abs, "/home/u/nope");

	e = &l->ev[3];
	assert_string_equal(e->args[0].ref, "pipe:[1234]");
	assert_true(e->args[1].at_exit);
	assert_buf(&e->args[1], "\x7f" "ELF", 4, true);

	e = &l->ev[4];
	assert_false(e->finished);
	assert_int_equal(e->ret, 0);
	assert_int_equal(e->args[0].type, SD_ARG_INT);
	assert_int_equal(e->args[0].raw, 1);

	assert_int_equal(l->ev[5].kind, SD_EV_EXIT);
	assert_int_equal(l->ev[5].status, 1);
	assert_non_null(l->end);
	assert_true(l->end->complete);
	assert_int_equal(l->end->exit_status, 1);
	assert_int_equal(l->end->events, 6);
	log_free(l);
}

static void test_prefixes_and_times(void **state)
{
	(void)state;
	/* no -f: no pid; -tt time of day; -T durations */
	struct log *l = import_ok(
		"23:59:59.500000 getpid() = 42 <0.000010>\n"
		"00:00:00.250000 getppid() = 1 <0.000002>\n"
		"00:00:00.250000 +++ exited with 0 +++\n", NULL);
	assert_int_equal(l->ev[0].pid, 0);
	assert_int_equal(l->ev[0].t_ns, 0);
	assert_int_equal(l->ev[0].dur_ns, 10000);
	assert_int_equal(l->ev[1].t_ns, 750000000);   /* past midnight */
	assert_int_equal(l->ev[1].dur_ns, 2000);
	assert_int_equal(sd_strace_info(l->s)->start_real_ns, 0);
	log_free(l);

	/* -f -ttt, and "[pid N]" prefixes */
	l = import_ok(
		"7  1700000000.000001 getpid() = 7\n"
		"[pid     8] 1700000001.5 getpid() = 8 <1.25>\n"
		"7  1700000002.000001 +++ exited with 0 +++\n", NULL);
	assert_int_equal(sd_strace_info(l->s)->pid, 7);
	assert_true(sd_strace_info(l->s)->start_real_ns == 1700000000000001000ull);
	assert_true(sd_strace_info(l->s)->attached);      /* no leading execve */
	assert_int_equal(l->ev[1].tid, 8);
	assert_int_equal(l->ev[1].pid, 8);
	assert_true(l->ev[1].t_ns == 1499999000ull);
	assert_true(l->ev[1].dur_ns == 1250000000ull);
	log_free(l);

	/* -t whole seconds, -r relative (cumulative), -i and -n columns */
	l = import_ok("12:00:00 getpid() = 1\n12:00:02 getpid() = 1\n", NULL);
	assert_true(l->ev[1].t_ns == 2000000000ull);
	log_free(l);
	l = import_ok("     0.000000 getpid() = 1\n     0.500000 getpid() = 1\n"
		      "     0.250000 getpid() = 1\n", NULL);
	assert_true(l->ev[2].t_ns == 750000000ull);
	log_free(l);
	l = import_ok("5  [00007f0011223344] [ 39] getpid() = 5\n", NULL);
	assert_string_equal(l->ev[0].name, "getpid");
	assert_int_equal(l->ev[0].tid, 5);
	log_free(l);
}

static void test_unfinished_resumed(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"10 00:00:01.000000 wait4(11,  <unfinished ...>\n"
		"11 00:00:01.100000 write(1</dev/null>, \"x\", 1) = 1 <0.000001>\n"
		"11 00:00:01.200000 exit_group(0 <unfinished ...>\n"
		"11 00:00:01.300000 <... exit_group resumed>) = ?\n"
		"11 00:00:01.300001 +++ exited with 0 +++\n"
		"10 00:00:01.400000 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 11 <0.400000>\n"
		"10 00:00:01.500000 rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>\n"
		"10 00:00:01.500001 <... rt_sigprocmask resumed>NULL, 8) = 0 <0.000002>\n"
		"10 00:00:01.600000 +++ exited with 0 +++\n", NULL);

	const struct sd_event *w = sc(l, "wait4", 0);
	assert_int_equal(w->seq, 4);                 /* completes after the child's exit */
	assert_int_equal(w->t_ns, 0);                /* entry: the first half */
	assert_true(w->dur_ns == 400000000ull);
	assert_int_equal(w->nargs, 4);
	assert_int_equal(w->args[0].type, SD_ARG_INT);
	assert_int_equal(w->args[0].raw, 11);
	assert_int_equal(w->args[1].type, SD_ARG_STRUCT);
	assert_true(w->args[1].at_exit);
	assert_string_equal(w->args[1].text, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]");
	assert_int_equal(w->args[2].type, SD_ARG_FLAGS);
	assert_int_equal(w->ret, 11);
	const struct sd_event *x = sc(l, "exit_group", 0);
	assert_false(x->finished);
	assert_true(x->t_ns == 200000000ull);
	const struct sd_event *m = sc(l, "rt_sigprocmask", 0);
	assert_int_equal(m->nargs, 4);
	assert_string_equal(m->args[1].text, "[]");
	assert_string_equal(m->args[2].text, "NULL");
	assert_int_equal(m->args[3].raw, 8);
	for (int i = 0; i < l->n; i++)
		assert_int_equal(l->ev[i].seq, i + 1);
	log_free(l);

	/* without -f the unfinished marker sits inside the parentheses */
	l = import_ok("clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=100, tv_nsec=0},  <unfinished ...>) = ?\n"
		      "+++ killed by SIGKILL +++\n", NULL);
	assert_false(l->ev[0].finished);
	assert_int_equal(l->ev[0].nargs, 4);
	assert_string_equal(l->ev[0].args[2].text, "{tv_sec=100, tv_nsec=0}");
	assert_null(l->ev[0].args[3].text);            /* out-parameter never decoded */
	assert_int_equal(l->ev[1].kind, SD_EV_KILLED);
	assert_int_equal(l->ev[1].sig, SIGKILL);
	assert_true(l->end->complete);
	assert_int_equal(l->end->exit_status, 128 + SIGKILL);
	log_free(l);

	/* a first half that never completes: emitted unfinished at the death of its thread */
	l = import_ok("5 read(0,  <unfinished ...>\n5 +++ killed by SIGTERM +++\n", NULL);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->ev[0].name, "read");
	assert_false(l->ev[0].finished);
	assert_true(l->ev[0].args[1].at_exit);
	assert_false(l->ev[0].args[1].buf.hash_valid);
	assert_int_equal(l->ev[1].kind, SD_EV_KILLED);
	log_free(l);

	/* attached mid-call: a second half without its first half */
	l = import_ok("9 <... read resumed>\"ab\", 10) = 2\n", NULL);
	assert_int_equal(l->ev[0].nargs, 3);
	assert_buf(&l->ev[0].args[1], "ab", 2, true);
	assert_int_equal(l->ev[0].args[2].raw, 10);
	log_free(l);
}

static void test_processes_threads(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"100 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f00, stack_size=0x7fff80} => {parent_tid=[101]}, 88) = 101\n"
		"101 gettid() = 101\n"
		"100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f10) = 102\n"
		"102 getpid() = 102\n"
		"100 vfork( <unfinished ...>\n"
		"103 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 3 vars */ <unfinished ...>\n"
		"100 <... vfork resumed>) = 103\n"
		"103 <... execve resumed>) = 0\n"
		"100 clone(child_stack=NULL, flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND <unfinished ...>\n"
		"104 gettid() = 104\n"
		"100 <... clone resumed>, child_tidptr=0x1) = 104\n"
		"100 +++ exited with 0 +++\n", NULL);

	assert_int_equal(sc(l, "gettid", 0)->pid, 100);      /* CLONE_THREAD: a thread of 100 */
	assert_int_equal(sc(l, "gettid", 0)->tid, 101);
	assert_int_equal(sc(l, "getpid", 0)->pid, 102);      /* a new process */
	assert_int_equal(sc(l, "execve", 0)->pid, 103);      /* reported before vfork returned */
	assert_int_equal(sc(l, "gettid", 1)->pid, 100);      /* pending thread clone */
	const struct sd_event *c = sc(l, "clone", 0);
	assert_int_equal(c->nargs, 5);                   /* flags, stack, ptid, ctid, tls */
	assert_int_equal(c->args[0].type, SD_ARG_FLAGS);
	assert_int_equal(c->args[0].raw, 0x01200000 | SIGCHLD);
	assert_int_equal(c->args[1].type, SD_ARG_PTR);
	assert_int_equal(c->args[1].raw, 0);
	assert_int_equal(c->args[3].raw, 0x7f10);
	assert_int_equal(sc(l, "clone3", 0)->args[0].type, SD_ARG_STRUCT);
	const struct sd_event *cl = sc(l, "clone", 1);
	assert_int_equal(cl->args[3].raw, 1);
	assert_int_equal(cl->ret, 104);
	log_free(l);

	/* nonsense a fuzzer found: a process that cloned itself (must not free its state) */
	l = import_ok("7 clone(child_stack=NULL, flags=SIGCHLD) = 7\n7 chdir(\"x\") = 0\n"
		      "7 unlink(\"y\") = 0\n", "/w");
	assert_int_equal(l->ev[1].pid, 7);
	assert_string_equal(l->ev[2].args[0].abs, "/w/x/y");
	log_free(l);

	/* a non-leader thread execs: the leader's call never returns, the thread takes over */
	l = import_ok(
		"20 clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0}, 88) = 21\n"
		"20 pause( <unfinished ...>\n"
		"21 execve(\"/bin/x\", [\"x\"], NULL <unfinished ...>\n"
		"20 <... pause resumed>) = ?\n"
		"20 +++ superseded by execve in pid 21 +++\n"
		"20 <... execve resumed>) = 0\n"
		"20 +++ exited with 5 +++\n", "/w");
	assert_int_equal(l->n, 5);
	assert_string_equal(l->ev[1].name, "pause");
	assert_false(l->ev[1].finished);
	assert_int_equal(l->ev[2].kind, SD_EV_SUPERSEDED);
	assert_int_equal(l->ev[2].tid, 20);
	assert_int_equal(l->ev[2].old_tid, 21);
	assert_string_equal(l->ev[3].name, "execve");
	assert_int_equal(l->ev[3].tid, 20);
	assert_int_equal(l->ev[3].ret, 0);
	assert_string_equal(l->ev[3].args[2].text, "NULL");
	assert_int_equal(l->end->exit_status, 5);
	log_free(l);

	/* an interrupted clone, restarted: the arguments clone_reorder leaves out are empty
	 * tokens (they were NULL spans, copied and compared: undefined behaviour) */
	l = import_ok("1 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = ? ERESTARTNOINTR "
		      "(To be restarted)\n"
		      "1 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 2\n", "/w");
	assert_int_equal(l->n, 2);
	assert_true(sc(l, "clone", 0)->interrupted);
	assert_int_equal(sc(l, "clone", 1)->restart_of, sc(l, "clone", 0)->seq);
	assert_int_equal(sc(l, "clone", 1)->ret, 2);
	log_free(l);
}

static void test_signals_and_ends(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"1 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=2, si_uid=0, si_status=0} ---\n"
		"1 --- stopped by SIGSTOP ---\n"
		"1 --- SIGRT_1 {si_signo=SIGRT_1, si_code=SI_TKILL} ---\n"
		"1 --- SIGSTOP (Stopped (signal)) @ 0 (0) ---\n"
		"1 +++ killed by SIGSEGV (core dumped) +++\n", NULL);
	assert_int_equal(l->ev[0].kind, SD_EV_SIGNAL);
	assert_int_equal(l->ev[0].sig, SIGCHLD);
	assert_string_equal(l->ev[0].siginfo,
			    "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=2, si_uid=0, si_status=0}");
	assert_int_equal(l->ev[1].kind, SD_EV_STOP);
	assert_int_equal(l->ev[1].sig, SIGSTOP);
	assert_int_equal(l->ev[2].sig, 33);               /* strace: SIGRTMIN = 32 */
	assert_null(l->ev[3].siginfo);
	assert_int_equal(l->ev[4].kind, SD_EV_KILLED);
	assert_int_equal(l->ev[4].sig, SIGSEGV);
	assert_true(l->ev[4].core);
	assert_int_equal(l->end->exit_status, 128 + SIGSEGV);
	log_free(l);

	/* -p then Ctrl-C: "<detached ...>"; messages and blank lines are skipped */
	l = import_ok("strace: Process 5 attached\n\n"
		      "5  restart_syscall(<... resuming interrupted read ...> <detached ...>\n", NULL);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->ev[0].name, "restart_syscall");
	assert_false(l->ev[0].finished);
	assert_int_equal(l->ev[1].kind, SD_EV_DETACHED);
	assert_int_equal(l->ev[1].tid, 5);
	assert_false(l->end->complete);                 /* the root never exited */
	assert_non_null(l->end->reason);
	log_free(l);

	/* the log of a killed strace: its partial last line is not trusted */
	l = import_ok("3 getpid() = 3\n3 +++ exited with 0 +++\n3 write(1, \"ab", NULL);
	assert_int_equal(l->n, 2);
	assert_false(l->end->complete);
	assert_string_equal(l->end->reason, "the strace log ends with a partial line");
	log_free(l);

	/* -C: the summary table after the events is not part of them */
	l = import_ok("3 getpid() = 3\n3 +++ exited with 0 +++\n"
		      "% time     seconds  usecs/call     calls    errors syscall\n"
		      "------ ----------- ----------- --------- --------- ----------------\n", NULL);
	assert_int_equal(l->n, 2);
	assert_true(l->end->complete);
	log_free(l);
}

/* Events as the restart folder emits them. */
struct folded {
	struct sd_event ev[32];
	size_t n;
};

static void collect_folded(void *priv, struct sd_event *ev, uint64_t tag, enum sd_settle how)
{
	struct folded *f = priv;

	(void)tag;
	(void)how;
	assert_true(f->n < 32);
	f->ev[f->n++] = *ev;
	sd_event_init(ev);
}

static void test_errors_and_restarts(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"5 read(3<pipe:[7]>, 0x7ffe0000, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n"
		"5 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---\n"
		"5 write(4<pipe:[7]>, \"!\", 1) = 1\n"
		"5 rt_sigreturn({mask=[]}) = 0\n"
		"5 read(3<pipe:[7]>, \"!\", 1) = 1\n"
		"5 read(3<pipe:[7]>, 0x7ffe0000, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n"
		"5 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---\n"
		"5 rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)\n"
		"5 read(3<pipe:[7]>, \"!\", 1) = 1\n"
		"5 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=400000000}, 0x7ffc) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)\n"
		"5 --- SIGWINCH {si_signo=SIGWINCH, si_code=SI_TIMER} ---\n"
		"5 restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0\n"
		"5 exit_group(0) = ?\n5 +++ exited with 0 +++\n", NULL);

	const struct sd_event *r0 = sc(l, "read", 0), *r1 = sc(l, "read", 1);
	assert_true(r0->interrupted);
	assert_true(r0->finished);
	assert_int_equal(r0->ret, -512);
	assert_buf(&r0->args[1], "", 0, true);          /* an error moved nothing */
	assert_int_equal(r0->args[1].raw, 0x7ffe0000);
	assert_int_equal(r1->restart_of, r0->seq);      /* the handler ran, then the read resumed */
	assert_int_equal(sc(l, "rt_sigreturn", 0)->nargs, 0);
	assert_int_equal(sc(l, "read", 3)->restart_of, 0);   /* EINTR: the program saw it */
	const struct sd_event *n0 = sc(l, "clock_nanosleep", 0), *n1 = sc(l, "clock_nanosleep", 1);
	assert_int_equal(n0->ret, -516);
	assert_true(n0->interrupted);
	assert_int_equal(n1->restart_of, n0->seq);      /* restart_syscall: original name/args */
	assert_int_equal(n1->nargs, 4);
	assert_string_equal(n1->args[2].text, "{tv_sec=0, tv_nsec=400000000}");
	assert_int_equal(n1->ret, 0);

	/* folding works on imported events */
	struct folded f = { .n = 0 };
	struct sd_refold *rf = sd_refold_new(collect_folded, &f);
	int n = l->n;
	for (int i = 0; i < n; i++)
		sd_refold_feed(rf, &l->ev[i], (uint64_t)i);
	sd_refold_flush(rf);
	sd_refold_free(rf);
	l->n = 0;
	assert_int_equal(f.n, (size_t)n - 2);
	int reads = 0;
	for (size_t i = 0; i < f.n; i++) {
		if (f.ev[i].kind == SD_EV_SYSCALL && !strcmp(f.ev[i].name, "read"))
			reads++;
		assert_false(f.ev[i].interrupted && f.ev[i].kind == SD_EV_SYSCALL &&
			     !strcmp(f.ev[i].name, "clock_nanosleep"));
	}
	assert_int_equal(reads, 3);   /* restarted, EINTR'd (now -EINTR), its retry */
	for (size_t i = 0; i < f.n; i++)
		sd_event_clear(&f.ev[i]);
	log_free(l);
}

static void test_buffers(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"1 write(1, \"a\\tb\\\\c\\\"d\\x41\\101\\0\\377\\n\", 11) = 11\n"
		"1 write(1, \"abcd\"..., 100) = 100\n"
		"1 write(1, \"abcdef\", 6) = 4\n"
		"1 read(3, \"abc\"..., 10) = 10\n"
		"1 read(3, 0x7f00, 10) = -1 EAGAIN (Resource temporarily unavailable)\n"
		"1 writev(3, [{iov_base=\"hello \", iov_len=6}, {iov_base=\"world\\n\", iov_len=6}], 2) = 12\n"
		"1 readv(3, [{iov_base=\"hel\", iov_len=3}, {iov_base=\"lo\\n\", iov_len=100}], 2) = 6\n"
		"1 writev(3, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"cd\", iov_len=2}], 2) = 3\n"
		"1 sendmsg(5, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"msg!\", iov_len=4}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 4\n"
		"1 recvmsg(6, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"ms\", iov_len=10}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 2\n"
		"1 write(1, \"\\x68\\x69\", 2) = 2\n"
		"1 getdents64(3, 0x5600 /* 4 entries */, 32768) = 112\n", NULL);

	assert_buf(&l->ev[0].args[1], "a\tb\\c\"dAA\0\377\n", 11, true);
	/* cut by -s: what was shown is kept, the hash cannot cover the rest */
	const struct sd_arg *a = &l->ev[1].args[1];
	assert_int_equal(a->buf.len, 100);
	assert_false(a->buf.hash_valid);
	assert_int_equal(a->buf.kept, 4);
	assert_memory_equal(a->buf.data, "abcd", 4);
	assert_buf(&l->ev[2].args[1], "abcd", 4, true);   /* a short write: len = ret */
	a = &l->ev[3].args[1];
	assert_int_equal(a->buf.len, 10);
	assert_false(a->buf.hash_valid);
	assert_int_equal(a->buf.kept, 3);
	assert_buf(&l->ev[4].args[1], "", 0, true);
	assert_buf(&l->ev[5].args[1], "hello world\n", 12, true);
	assert_int_equal(l->ev[5].args[2].type, SD_ARG_INT);
	assert_buf(&l->ev[6].args[1], "hello\n", 6, true);
	assert_true(l->ev[6].args[1].at_exit);
	assert_buf(&l->ev[7].args[1], "abc", 3, true);    /* writev moved 3 of 4 bytes */
	assert_buf(&l->ev[8].args[1], "msg!", 4, true);
	assert_non_null(l->ev[8].args[1].text);
	assert_buf(&l->ev[9].args[1], "ms", 2, true);
	assert_true(l->ev[9].args[1].at_exit);
	assert_buf(&l->ev[10].args[1], "hi", 2, true);    /* -x / -xx */
	a = &l->ev[11].args[1];
	assert_int_equal(a->buf.len, 112);
	assert_false(a->buf.hash_valid);
	assert_int_equal(a->raw, 0x5600);
	log_free(l);
}

static void test_strv_and_info(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"9 execve(\"./prog\", [\"./prog\", \"a b\", \"\\n\"], 0x7ffd1000 /* 23 vars */) = 0\n"
		"9 execve(\"/bin/x\", [\"x\", ...], [\"HOME=/root\", \"PATH=/bin\"]) = -1 ENOENT (No such file or directory)\n"
		"9 +++ exited with 0 +++\n", "/home/u");
	const struct sd_trace_info *ti = sd_strace_info(l->s);
	assert_int_equal(ti->version, 1);
	assert_string_equal(ti->tool, "strace");
	assert_string_equal(ti->arch, "x86_64");
	assert_string_equal(ti->cwd, "/home/u");
	assert_int_equal(ti->pid, 9);
	assert_false(ti->attached);
	assert_string_equal(ti->argv[0], "./prog");
	assert_string_equal(ti->argv[1], "a b");
	assert_string_equal(ti->argv[2], "\n");
	assert_null(ti->argv[3]);
	const struct sd_event *e = &l->ev[0];
	assert_string_equal(e->args[0].abs, "/home/u/prog");
	assert_int_equal(e->args[1].type, SD_ARG_STRV);
	assert_int_equal(e->args[1].nstrv, 3);
	assert_false(e->args[1].strv_more);
	assert_int_equal(e->args[2].type, SD_ARG_STRV);
	assert_int_equal(e->args[2].nstrv, 0);
	assert_true(e->args[2].strv_more);              /* 23 vars not shown */
	assert_int_equal(e->args[2].raw, 0x7ffd1000);
	e = &l->ev[1];
	assert_int_equal(e->args[1].nstrv, 1);
	assert_true(e->args[1].strv_more);
	assert_int_equal(e->args[2].nstrv, 2);          /* -v */
	assert_string_equal(e->args[2].strv[1], "PATH=/bin");
	assert_int_equal(e->ret, -ENOENT);
	log_free(l);
}

static void test_fds_and_paths(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"1 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3<TCP:[377096]>\n"
		"1 connect(3<TCP:[127.0.0.1:43210->127.0.0.1:80]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n"
		"1 socketpair(AF_UNIX, SOCK_STREAM, 0, [4<UNIX-STREAM:[10->11]>, 5<UNIX-STREAM:[11->10]>]) = 0\n"
		"1 pipe2([6<pipe:[9]>, 7<pipe:[9]>], O_CLOEXEC) = 0\n"
		"1 write(8</dev/null<char 1:3>>, \"\", 0) = 0\n"
		"1 write(9</tmp/a\\76b\\74c d>, \"\", 0) = 0\n"
		"1 mkdir(\"d\", 0755) = 0\n"
		"1 chdir(\"d\") = 0\n"
		"1 openat(AT_FDCWD, \"../f\", O_RDONLY) = 3\n"
		"1 newfstatat(3</etc/passwd>, \"\", {st_mode=S_IFREG|0644, st_size=1, ...}, AT_EMPTY_PATH) = 0\n"
		"1 unlinkat(4</srv/dir>, \"x/../y\", 0) = 0\n"
		"1 fchdir(4</srv/dir>) = 0\n"
		"1 rename(\"a\", \"/b/./c/\") = 0\n"
		"1 symlink(\"target\", \"ln\") = 0\n"
		"1 getcwd(\"/srv/dir\", 4096) = 9\n"
		"1 openat(AT_FDCWD, \"\\x79\", O_RDONLY) = 3\n"
		"1 +++ exited with 0 +++\n", "/home/u");
	assert_string_equal(l->ev[0].ret_ref, "socket:[377096]");
	assert_int_equal(l->ev[0].args[1].raw, SOCK_STREAM | SOCK_CLOEXEC);
	assert_int_equal(l->ev[0].args[2].raw, 6);
	assert_string_equal(l->ev[1].args[0].ref, "socket:TCP:[127.0.0.1:43210->127.0.0.1:80]");
	assert_string_equal(l->ev[2].args[3].text, "[4, 5]");
	assert_string_equal(l->ev[2].args[3].ref, "socket:[10], socket:[11]");
	assert_string_equal(l->ev[3].args[0].ref, "pipe:[9], pipe:[9]");
	assert_int_equal(l->ev[3].args[1].raw, O_CLOEXEC);
	assert_string_equal(l->ev[4].args[0].ref, "/dev/null");
	assert_string_equal(l->ev[5].args[0].ref, "/tmp/a>b<c d");
	assert_string_equal(l->ev[6].args[0].abs, "/home/u/d");
	assert_string_equal(l->ev[7].args[0].abs, "/home/u/d");
	assert_string_equal(l->ev[8].args[1].abs, "/home/u/f");     /* after chdir("d") */
	assert_string_equal(l->ev[9].args[1].abs, "/etc/passwd");   /* AT_EMPTY_PATH */
	assert_true(l->ev[9].args[2].at_exit);
	assert_int_equal(l->ev[9].args[3].raw, 0x1000);
	assert_string_equal(l->ev[10].args[1].abs, "/srv/dir/y");   /* dirfd-relative */
	assert_string_equal(l->ev[12].args[0].abs, "/srv/dir/a");   /* after fchdir */
	assert_string_equal(l->ev[12].args[1].abs, "/b/c");
	assert_int_equal(l->ev[13].args[0].type, SD_ARG_PATH);      /* a plain string */
	assert_null(l->ev[13].args[0].abs);
	assert_string_equal(l->ev[13].args[1].abs, "/srv/dir/ln");
	assert_true(l->ev[14].args[0].at_exit);
	assert_string_equal(l->ev[14].args[0].abs, "/srv/dir");
	assert_string_equal(l->ev[15].args[1].str, "y");
	log_free(l);

	/* unknown cwd: relative paths stay without abs */
	l = import_ok("1 unlink(\"rel\") = 0\n", NULL);
	assert_string_equal(l->ev[0].args[0].str, "rel");
	assert_null(l->ev[0].args[0].abs);
	log_free(l);
}

static void test_raw_and_verbose(void **state)
{
	(void)state;
	struct log *l = import_ok(
		"1 openat(-100, \"f\", 0x241, 0644) = 3\n"
		"1 openat(-100 /* AT_FDCWD */, \"f\", 0x241 /* O_WRONLY|O_CREAT|O_TRUNC */, 0644) = 3\n"
		"1 clone(child_stack=NULL, flags=0x1200000 /* CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID */|17 /* SIGCHLD */, child_tidptr=0x7f) = 2\n"
		"1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f89b65e9000\n"
		"1 futex(0x7f00, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY) = 0\n"
		"1 futex(0x7f00, FUTEX_WAKE_PRIVATE, 1) = 0\n"
		"1 fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)\n"
		"1 kill(2, SIGTERM) = 0\n"
		"1 umask(022) = 02\n"
		"1 sched_getaffinity(0, 128, [0, 1]) = 8\n"
		"1 +++ exited with 0 +++\n", NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l->ev[i].args[0].raw, -100);
		assert_string_equal(l->ev[i].args[0].text, "AT_FDCWD");
		assert_int_equal(l->ev[i].args[2].raw, 0x241);
	}
	assert_string_equal(l->ev[0].args[2].text, "0x241");
	assert_string_equal(l->ev[1].args[2].text, "O_WRONLY|O_CREAT|O_TRUNC");
	assert_int_equal(l->ev[2].args[0].raw, 0x1200011);
	assert_string_equal(l->ev[2].args[0].text, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
	const struct sd_event *e = &l->ev[3];
	assert_int_equal(e->ret_fmt, SD_RET_HEX);
	assert_true(e->ret == 0x7f89b65e9000ll);
	assert_int_equal(e->args[2].raw, 3);
	assert_int_equal(e->args[3].raw, 0x22);
	assert_int_equal(e->args[4].raw, -1);
	e = &l->ev[4];                          /* strace skips uaddr2: back in its register */
	assert_int_equal(e->nargs, 6);
	assert_int_equal(e->args[1].raw, 9 | 128 | 256);
	assert_int_equal(e->args[3].type, SD_ARG_STRUCT);
	assert_int_equal(e->args[4].raw, 0);
	assert_int_equal(e->args[5].raw, 0xffffffff);
	assert_int_equal(l->ev[5].nargs, 3);
	assert_int_equal(l->ev[6].nargs, 2);
	assert_string_equal(l->ev[6].ret_text, "O_RDWR|O_LARGEFILE");
	assert_int_equal(l->ev[7].args[1].type, SD_ARG_SIGNAL);
	assert_int_equal(l->ev[7].args[1].raw, SIGTERM);
	assert_int_equal(l->ev[8].ret, 2);
	assert_int_equal(l->ev[8].ret_fmt, SD_RET_OCT);
	assert_int_equal(l->ev[8].args[0].raw, 022);
	e = &l->ev[9];                          /* a pointer strace decoded: not NULL */
	assert_int_equal(e->args[2].type, SD_ARG_PTR);
	assert_int_equal(e->args[2].raw, 1);
	assert_string_equal(e->args[2].text, "[0, 1]");
	log_free(l);
}

static void test_unknown_syscalls(void **state)
{
	(void)state;
	struct log *l = import_ok("1 frobnicate(1, \"x\", 0x10) = 0\n"
				  "1 syscall_0x1ff(0x1, 0x2) = -1 ENOSYS (Function not implemented)\n"
				  "1 setitimer(ITIMER_REAL, {it_value={tv_sec=1, tv_usec=0}}, NULL) = 0\n",
				  NULL);
	assert_string_equal(l->ev[0].name, "frobnicate");
	assert_int_equal(l->ev[0].nr, -1);
	assert_int_equal(l->ev[0].nargs, 3);
	assert_int_equal(l->ev[0].args[0].type, SD_ARG_HEX);
	assert_int_equal(l->ev[0].args[0].raw, 1);
	assert_string_equal(l->ev[0].args[1].text, "\"x\"");
	assert_int_equal(l->ev[0].args[2].raw, 0x10);
	assert_int_equal(l->ev[1].nr, 0x1ff);
	assert_int_equal(l->ev[1].ret, -ENOSYS);
	/* known, without a schema row: hex arguments as the tracer has them */
	assert_int_equal(l->ev[2].nr, 38);
	assert_int_equal(l->ev[2].nargs, 3);
	assert_int_equal(l->ev[2].args[1].type, SD_ARG_HEX);
	assert_non_null(l->ev[2].args[1].text);
	log_free(l);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct log *l = import("{\"sysdiff_trace\":1}\n", NULL);
	assert_null(l->s);
	assert_string_equal(l->err, "t.log:1: not an strace log: not a syscall, signal or exit line");
	log_free(l);

	l = import("\n\nhello world\n", NULL);
	assert_null(l->s);
	assert_string_equal(l->err, "t.log:3: not an strace log: not a syscall, signal or exit line");
	log_free(l);

	static const struct { const char *line, *why; } bad[] = {
		{ "1 write(1, \"abc, 3) = 3\n", "unterminated string" },
		{ "1 write(1, \"abc\", 3 = 3\n", "no ')' after the arguments" },
		{ "1 write(1, \"abc\", 3)\n", "no ' = ' after the arguments" },
		{ "1 write(1, \"abc\", 3) = zz\n", "bad return value" },
		{ "1 open(\"x\", O_RDONLY) = -1 EWHAT (?)\n", "unknown error name" },
		{ "1 write(1, [{]}, 3) = 3\n", "unbalanced brackets" },
		{ "1 --- SIGWHAT {} ---\n", "unknown signal" },
		{ "1 +++ exited with x +++\n", "bad exit status" },
		{ "1 +++ vanished +++\n", "unknown process event" },
		{ "1 <... read resumed\n", "bad '<... resumed>'" },
		{ "1 a(1, 2, 3, 4, 5, 6, 7) = 0\n", "too many values" },
		{ "1 f(/* x) = 0\n", "unterminated comment" },
		{ "99999999999 getpid() = 1\n", "bad pid" },
		{ "1 12:3x:00 getpid() = 1\n", "bad timestamp" },
		{ "1 abcdefghijabcdefghijabcdefghijabc() = 0\n", "syscall name too long" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[256], want[256];
		snprintf(text, sizeof text, "1 getpid() = 1\n%s", bad[i].line);
		snprintf(want, sizeof want, "t.log:2: cannot parse strace line: %s", bad[i].why);
		l = import(text, NULL);
		assert_non_null(l->s);
		assert_int_equal(l->n, 1);            /* what came before is delivered */
		assert_int_equal(l->rc, -1);
		assert_string_equal(l->err, want);
		free(l->err);
		l->err = NULL;
		struct sd_event ev;
		assert_int_equal(sd_strace_next(l->s, &ev, &l->err), -1);   /* sticky */
		assert_null(sd_strace_end(l->s));
		log_free(l);
	}

	/* deep nesting is refused, not recursed into */
	struct sb sb = SB_INIT;
	sb_adds(&sb, "1 write(1, ");
	for (int i = 0; i < 100000; i++)
		sb_addc(&sb, '[');
	sb_adds(&sb, ", 1) = 1\n");
	l = import(sb_str(&sb), NULL);
	assert_null(l->s);
	assert_non_null(strstr(l->err, "nesting too deep"));
	log_free(l);
	sb_free(&sb);

	/* empty input: a log without events, not complete */
	l = import_ok("", NULL);
	assert_int_equal(l->n, 0);
	assert_false(l->end->complete);
	assert_null(sd_strace_info(l->s)->argv);
	log_free(l);
}

static void test_sniff(void **state)
{
	(void)state;
	static const char *yes[] = {
		"execve(\"/bin/ls\", [\"ls\"], 0x7ffd /* 3 vars */) = 0\n",
		"1234  execve(\"/bin/ls\", [\"ls\"], 0x7ffd /* 3 vars */) = 0\n",
		"12:00:00.123456 brk(NULL) = 0x1000\n",
		"1234  1700000000.123456 execve(",
		"\n[pid  12] read(0, ",
		"strace: Process 12 attached\n",
		"5 +++ exited with 0 +++\n",
	};
	static const char *no[] = {
		"{\"sysdiff_trace\":1,\"tool\":\"sysdiff 0.1.0\"}\n",
		"hello world\n", "", "\x1f\x8b\x08", "123 456\n", "(x)\n",
	};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		assert_true(sd_strace_sniff(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_false(sd_strace_sniff(no[i], strlen(no[i])));
}

static void test_schema_query(void **state)
{
	(void)state;
	struct sd_call_shape sh;
	int64_t raw[6] = { 0 };
	uint64_t v;

	assert_int_equal(sd_decode_shape("write", raw, true, 3, &sh), 3);
	assert_int_equal(sh.nr, 1);
	assert_true(sh.schema);
	assert_int_equal(sh.a[0].type, SD_ARG_FD);
	assert_int_equal(sh.a[1].type, SD_ARG_BUF);
	assert_false(sh.a[1].at_exit);
	assert_int_equal(sh.a[1].count, 2);
	assert_true(sh.a[1].upto_ret);
	assert_int_equal(sd_decode_shape("read", raw, true, 3, &sh), 3);
	assert_true(sh.a[1].at_exit);
	assert_int_equal(sd_decode_shape("openat", raw, true, 3, &sh), 4);
	assert_int_equal(sh.ret, SD_RET_FD);
	assert_true(sh.a[1].resolve);
	assert_int_equal(sh.a[1].dirfd, 0);
	raw[1] = F_GETFD;
	assert_int_equal(sd_decode_shape("fcntl", raw, true, 1, &sh), 2);
	raw[1] = F_DUPFD;
	sd_decode_shape("fcntl", raw, true, 5, &sh);
	assert_int_equal(sh.ret, SD_RET_FD);
	sd_decode_shape("fcntl", raw, true, -EBADF, &sh);
	assert_int_equal(sh.ret, SD_RET_DEC);
	raw[1] = 1;   /* FUTEX_WAKE */
	assert_int_equal(sd_decode_shape("futex", raw, true, 0, &sh), 3);
	assert_int_equal(sd_decode_shape("setitimer", NULL, true, 0, &sh), 3);
	assert_false(sh.schema);
	assert_int_equal(sd_decode_shape("nosuchcall", NULL, true, 0, &sh), -1);

	assert_true(sd_decode_const("openat", 2, "O_WRONLY|O_CREAT|O_TRUNC", &v));
	assert_int_equal(v, O_WRONLY | O_CREAT | O_TRUNC);
	assert_true(sd_decode_const("mmap", 2, "PROT_NONE", &v));
	assert_int_equal(v, 0);
	assert_true(sd_decode_const("clone", 0, "CLONE_VM|SIGCHLD", &v));
	assert_int_equal(v, 0x100 | SIGCHLD);
	assert_true(sd_decode_const("futex", 1, "FUTEX_WAKE_PRIVATE", &v));
	assert_int_equal(v, 1 | 128);
	assert_true(sd_decode_const("mknod", 1, "S_IFREG|0644", &v));
	assert_int_equal(v, S_IFREG | 0644);
	assert_true(sd_decode_const("kill", 1, "SIGRT_2", &v));
	assert_int_equal(v, 34);
	assert_true(sd_decode_const("x", 0, "0x10|-1", &v));
	assert_false(sd_decode_const("openat", 2, "O_RDONLY|O_BOGUS", &v));
	assert_false(sd_decode_const("openat", 2, "", &v));
}

/* ---- oracle: strace and sysdiff's tracer on the same command ---- */

static bool run_strace(const char *dir, const char *log, char *const cmd[])
{
	pid_t p = fork();
	if (p == 0) {
		char *argv[32] = { "strace", "-f", "-y", "-s", "65536", "-o", (char *)log, NULL };
		int n = 7;
		for (int i = 0; cmd[i] && n < 31; i++)
			argv[n++] = cmd[i];
		argv[n] = NULL;
		if (chdir(dir) < 0)
			_exit(126);
		int nul = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3; fd++)   /* both runs: stdio on /dev/null */
			dup2(nul, fd);
		if (nul > 2)
			close(nul);
		execvp("strace", argv);
		_exit(127);
	}
	int st;
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* sysdiff's own trace of cmd, read back from its JSON Lines. */
static struct sd_reader *run_tracer(const char *dir, char *const cmd[])
{
	char cwd[PATH_MAX];
	struct sd_tracer_opts o;
	struct sd_trace_end end;
	int fd = memfd_create("trace", MFD_CLOEXEC);

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	memset(&o, 0, sizeof o);
	o.argv = (char **)cmd;
	o.exec_path = cmd[0];
	sd_sysset_fill(&o.traced);
	o.dopts.max_bytes = 1 << 20;
	o.dopts.max_strv = 4096;
	o.dopts.paths_abs = true;
	struct sd_sink *sink = sd_sink_jsonl_new(fd);
	o.sinks = &sink;
	o.nsinks = 1;
	int saved[3], nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	fflush(NULL);
	for (int k = 0; k < 3; k++) {    /* both runs: stdio on /dev/null */
		saved[k] = fcntl(k, F_DUPFD_CLOEXEC, 10);
		dup2(nul, k);
	}
	int rc = sd_tracer_run(&o, &end);
	for (int k = 0; k < 3; k++) {
		dup2(saved[k], k);
		close(saved[k]);
	}
	close(nul);
	sink->end(sink, &end);
	sink->destroy(sink);
	sd_trace_end_clear(&end);
	assert_int_equal(chdir(cwd), 0);
	if (rc != 0) {
		close(fd);
		return NULL;
	}
	return trace_fixture_read(fd, "tracer");
}

/* Syscalls per thread, threads in order of appearance; interrupted calls (and the
 * rt_sigreturn of their handlers) depend on timing and are left out. */
struct seq {
	pid_t tid[16];
	struct sd_event *ev[16][2048];
	int n[16], nt;
};

static void seq_add(struct seq *s, struct sd_event *ev)
{
	int t = 0;
	if (ev->kind != SD_EV_SYSCALL || ev->interrupted || !strcmp(ev->name, "rt_sigreturn")) {
		sd_event_clear(ev);
		free(ev);
		return;
	}
	while (t < s->nt && s->tid[t] != ev->tid)
		t++;
	assert_true(t < 16);
	if (t == s->nt)
		s->tid[s->nt++] = ev->tid;
	assert_true(s->n[t] < 2048);
	s->ev[t][s->n[t]++] = ev;
}

/* A process's command line: the argv of its first execve ("" when it has none). */
static void seq_key(const struct seq *s, int t, char *out, size_t n)
{
	out[0] = '\0';
	for (int i = 0; i < s->n[t]; i++) {
		const struct sd_event *e = s->ev[t][i];
		if (strcmp(e->name, "execve") || e->nargs < 2)
			continue;
		for (int k = 0; k < e->args[1].nstrv; k++) {
			size_t l = strlen(out);
			snprintf(out + l, n - l, "%s%s", k ? " " : "", e->args[1].strv[k]);
		}
		return;
	}
}

static void seq_free(struct seq *s)
{
	for (int t = 0; t < s->nt; t++)
		for (int i = 0; i < s->n[t]; i++) {
			sd_event_clear(s->ev[t][i]);
			free(s->ev[t][i]);
		}
}

static bool one_of(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(name, *set))
			return true;
	return false;
}

struct tally {
	int calls, args, paths, bufs, hashes, refs, rets;
};

/* One syscall seen by both: everything that does not depend on the run must agree. */
static void compare_call(const struct sd_event *a, const struct sd_event *b, struct tally *t)
{
	static const char *const varies[] = { "mmap", "brk", "mremap", "set_tid_address", "clone",
		"clone3", "fork", "vfork", "getpid", "getppid", "gettid", "wait4", "getrandom",
		"sysinfo", "times", "time", NULL };
	char where[96];

	snprintf(where, sizeof where, "%s (tracer seq %llu)", a->name, (unsigned long long)a->seq);
	if (strcmp(a->name, b->name))
		fail_msg("strace has %s where the tracer has %s", b->name, where);
	t->calls++;
	if (a->nargs != b->nargs)
		fail_msg("%s: %d arguments, imported %d", where, a->nargs, b->nargs);
	assert_int_equal(a->finished, b->finished);
	if (!one_of(a->name, varies)) {
		if (a->ret != b->ret)
			fail_msg("%s: returned %lld, imported %lld", where, (long long)a->ret,
				 (long long)b->ret);
		t->rets++;
	}
	assert_int_equal(a->ret_fmt, b->ret_fmt);
	if (a->ret_ref && b->ret_ref && a->ret_ref[0] == '/') {
		assert_string_equal(a->ret_ref, b->ret_ref);
		t->refs++;
	}
	for (int i = 0; i < a->nargs; i++) {
		const struct sd_arg *x = &a->args[i], *y = &b->args[i];
		if (x->type != y->type || x->at_exit != y->at_exit)
			fail_msg("%s: argument %d is %s%s, imported %s%s", where, i,
				 sd_arg_type_name(x->type), x->at_exit ? " (at exit)" : "",
				 sd_arg_type_name(y->type), y->at_exit ? " (at exit)" : "");
		t->args++;
		switch (x->type) {
		case SD_ARG_PATH:
			if (x->str || y->str) {
				assert_non_null(x->str);
				assert_non_null(y->str);
				assert_string_equal(x->str, y->str);
				if ((x->abs && x->abs[0] == '/') || (y->abs && y->abs[0] == '/')) {
					if (!x->abs || !y->abs || strcmp(x->abs, y->abs))
						fail_msg("%s: abs %s, imported %s", where, x->abs, y->abs);
				}
				t->paths++;
			}
			break;
		case SD_ARG_FD:
			assert_int_equal(x->raw, y->raw);
			if (x->ref && y->ref && x->ref[0] == '/') {
				assert_string_equal(x->ref, y->ref);
				t->refs++;
			}
			break;
		case SD_ARG_BUF:
			if (!strcmp(a->name, "getrandom"))
				break;
			if (x->buf.len != y->buf.len)
				fail_msg("%s: argument %d moved %llu bytes, imported %llu", where, i,
					 (unsigned long long)x->buf.len, (unsigned long long)y->buf.len);
			t->bufs++;
			if (x->buf.hash_valid && y->buf.hash_valid) {
				if (x->buf.hash != y->buf.hash)
					fail_msg("%s: argument %d hash differs", where, i);
				t->hashes++;
			}
			break;
		case SD_ARG_FLAGS:
		case SD_ARG_MODE:
		case SD_ARG_SIGNAL:
			if (x->raw != y->raw || (x->text && y->text && strcmp(x->text, y->text)))
				fail_msg("%s: argument %d is %lld %s, imported %lld %s", where, i,
					 (long long)x->raw, x->text, (long long)y->raw, y->text);
			break;
		case SD_ARG_INT:
		case SD_ARG_UINT:
			if (!one_of(a->name, varies) && x->raw != y->raw)
				fail_msg("%s: argument %d is %lld, imported %lld", where, i,
					 (long long)x->raw, (long long)y->raw);
			break;
		case SD_ARG_STRV:
			if (i == 1) {   /* argv; envp shows only its size without -v */
				assert_int_equal(x->nstrv, y->nstrv);
				for (int k = 0; k < x->nstrv; k++)
					assert_string_equal(x->strv[k], y->strv[k]);
			}
			break;
		default:
			break;
		}
	}
}

static void test_oracle_against_tracer(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-strace-oracle-XXXXXX", log[PATH_MAX], path[PATH_MAX + 16];
	char *const cmd[] = { "/bin/sh", "-c",
			      "cat in.txt | cat > out.txt; cd sub && cat ../in.txt | cat > o2; rm o2", NULL };

	if (access("/usr/bin/strace", X_OK) && access("/bin/strace", X_OK))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/in.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello\n\tstrace \"oracle\" \\ \001\377\n", f);
	fclose(f);
	snprintf(log, sizeof log, "%s/strace.log", dir);
	if (!run_strace(dir, log, cmd)) {
		fprintf(stderr, "strace cannot run here: skipped\n");
		skip();
	}
	snprintf(path, sizeof path, "%s/out.txt", dir);
	unlink(path);
	struct sd_reader *r = run_tracer(dir, cmd);
	if (!r) {
		fprintf(stderr, "the tracer cannot run here: skipped\n");
		skip();
	}

	struct seq *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	char *err = NULL;
	struct sd_event *ev = malloc(sizeof *ev);
	while (sd_reader_next(r, ev, &err) == 1) {
		seq_add(a, ev);
		ev = malloc(sizeof *ev);
	}
	free(ev);
	assert_null(err);
	sd_reader_close(r);
	struct sd_strace_opts o = { .cwd = dir };
	struct sd_lines *in = sd_lines_open(log, &err);
	assert_non_null(in);
	struct sd_strace *s = sd_strace_open(in, &o, &err);
	assert_non_null(s);
	ev = malloc(sizeof *ev);
	int rc;
	while ((rc = sd_strace_next(s, ev, &err)) == 1) {
		seq_add(b, ev);
		ev = malloc(sizeof *ev);
	}
	free(ev);
	if (rc < 0)
		fail_msg("%s", err);
	assert_true(sd_strace_end(s)->complete);
	assert_int_equal(sd_strace_end(s)->exit_status, 0);
	assert_string_equal(sd_strace_info(s)->argv[2], cmd[2]);
	sd_strace_close(s);

	struct tally t = { 0 };
	bool used[16] = { false };
	assert_int_equal(a->nt, b->nt);         /* sh, two pipelines of two cats, rm */
	assert_int_equal(a->nt, 6);
	for (int k = 0; k < a->nt; k++) {
		/* processes pair by their command line (pipeline halves start in any order) */
		char ka[256], kb[256];
		int j;
		seq_key(a, k, ka, sizeof ka);
		for (j = 0; j < b->nt; j++) {
			seq_key(b, j, kb, sizeof kb);
			if (!used[j] && !strcmp(ka, kb))
				break;
		}
		if (j == b->nt)
			fail_msg("no imported process runs '%s'", ka);
		used[j] = true;
		if (a->n[k] != b->n[j]) {
			for (int i = 0; i < a->n[k] || i < b->n[j]; i++)
				fprintf(stderr, "%-20s %s\n", i < a->n[k] ? a->ev[k][i]->name : "",
					i < b->n[j] ? b->ev[j][i]->name : "");
			fail_msg("process '%s': %d syscalls, imported %d", ka, a->n[k], b->n[j]);
		}
		for (int i = 0; i < a->n[k]; i++)
			compare_call(a->ev[k][i], b->ev[j][i], &t);
	}
	/* the data of the command itself: cat read in.txt and wrote it to out.txt, twice to o2 */
	static const char data[] = "hello\n\tstrace \"oracle\" \\ \001\377\n";
	int reads = 0, writes = 0;
	for (int k = 0; k < b->nt; k++)
		for (int i = 0; i < b->n[k]; i++) {
			const struct sd_event *e = b->ev[k][i];
			if (!strcmp(e->name, "read") && e->args[0].ref && strstr(e->args[0].ref, "/in.txt") &&
			    e->ret > 0) {
				assert_buf(&e->args[1], data, sizeof data - 1, true);
				reads++;
			}
			if (!strcmp(e->name, "write") && e->args[0].ref &&
			    (strstr(e->args[0].ref, "/out.txt") || strstr(e->args[0].ref, "/sub/o2"))) {
				assert_buf(&e->args[1], data, sizeof data - 1, true);
				writes++;
			}
		}
	assert_int_equal(reads, 2);
	assert_int_equal(writes, 2);
	fprintf(stderr, "oracle: %d syscalls in %d processes agree: %d arguments (%d paths, "
		"%d fd/return refs, %d buffers, %d hashes), %d return values\n", t.calls, a->nt,
		t.args, t.paths, t.refs, t.bufs, t.hashes, t.rets);
	assert_true(t.hashes >= 6 && t.paths >= 10);
	seq_free(a);
	seq_free(b);
	free(a);
	free(b);
	unlink(log);
	snprintf(path, sizeof path, "%s/out.txt", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/in.txt", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_file_calls),
		cmocka_unit_test(test_prefixes_and_times),
		cmocka_unit_test(test_unfinished_resumed),
		cmocka_unit_test(test_processes_threads),
		cmocka_unit_test(test_signals_and_ends),
		cmocka_unit_test(test_errors_and_restarts),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_strv_and_info),
		cmocka_unit_test(test_fds_and_paths),
		cmocka_unit_test(test_raw_and_verbose),
		cmocka_unit_test(test_unknown_syscalls),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_schema_query),
		cmocka_unit_test(test_oracle_against_tracer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
