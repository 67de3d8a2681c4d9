/* loop.c - the ptrace event loop.
 *
 * One blocking wait4(-1, __WALL) followed by a WNOHANG drain, so every ready tracee is
 * served in turn (a busy thread cannot starve the others); the loop ends on ECHILD, not
 * when a counter reaches zero, because a child may report before its parent's fork
 * event.  Every stop is classified (syscall, seccomp, ptrace event, group-stop, signal
 * delivery, exit) and the tracee is resumed exactly once per stop.  ESRCH from ptrace
 * means the tracee died meanwhile; its exit is reported by wait4 later. */
#define _GNU_SOURCE
#include "tracer/tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/syscalls.h"
#include "procfs/procfs.h"
#include "srcloc/srcloc.h"
#include "tracer/clockstub.h"
#include "tracer/inject.h"
#include "tracer/launch.h"
#include "tracer/proc.h"
#include "tracer/seccomp.h"
#include "tracer/virt.h"
#include "util/util.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static struct {
	const struct sd_tracer_opts *o;
	uint64_t seq;
	uint64_t t0;            /* monotonic ns at trace start */
	pid_t main_pid;
	bool launched;
	bool main_done;
	int main_status;        /* wait status of the main process */
	int errpipe;            /* launch: delivers the errno of a failed execve */
	int exec_errno;
	bool killing;           /* terminating a launched command: kill every tracee */
	bool name_cache;        /* every syscall is traced: fd/cwd names may be cached */
	uint64_t name_gen;      /* bumped when any tracee renames, unlinks, chdirs */
	char *fatal;            /* the tracer cannot go on: why */
	uint64_t events;
	int nsinks;
	struct sd_sink **sinks;
	struct sd_srcctx *src;  /* --source: finds the user's line of each reported call */
	struct sd_sysset unlocated;   /* o->unlocated less what the pinned answers need */
	struct sd_decode_opts hashed; /* o->dopts keeping no buffer bytes (runtime_call) */
	uint64_t unrecorded[SD_NR_MAX];  /* calls of start-up let run unrecorded, by number */
	bool own_filters;       /* a tracee installed a seccomp filter of its own */
	bool stamped;           /* a tracee made a call that may change a file's times */
	struct sock_fprog whole;   /* loose_startup: the filter added when start-up ends */
} S;

static volatile sig_atomic_t stop_signal;
static volatile pid_t kick_tid;

static void on_stop_signal(int sig)
{
	int saved = errno;
	if (!stop_signal)
		stop_signal = sig;
	/* Wake a wait4 that is about to block: the interrupt stop makes it return. */
	if (kick_tid > 0)
		syscall(SYS_ptrace, PTRACE_INTERRUPT, kick_tid, 0L, 0L);
	errno = saved;
}

/* ---- decode environment: what the decoders may ask about the calling tracee ---- */

static ssize_t env_read_mem(void *priv, uint64_t addr, void *dst, size_t len)
{
	struct sd_tracee *t = priv;
	if (t->answer_len && addr == t->answer_addr && len <= t->answer_len) {
		memcpy(dst, t->answer, len);   /* what the pinned clock just wrote there */
		return (ssize_t)len;
	}
	return sd_mem_read(t->tid, addr, dst, len);
}

static const char *readlink_proc(struct sd_tracee *t, const char *what)
{
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/%s", t->tid, what);
	ssize_t n = readlink(path, t->fdbuf, sizeof t->fdbuf - 1);
	if (n < 0)
		return NULL;
	t->fdbuf[n] = 0;
	return t->fdbuf;
}

/* What an fd refers to and the cwd come from /proc/TID/{fd/N,cwd}.  A readlink there
 * costs about as much as a ptrace stop on these VMs, so answers are cached per process,
 * but only while the cache can be exact: every syscall is traced (no filter), fds are
 * dropped on close/close_range and refreshed when (re)assigned, the whole fd table is
 * dropped at exec, every cached name of every process is dropped when any tracee
 * renames, unlinks or changes directories (the name generation), and processes that
 * share an fd table or fs with another one (kcmp) are never cached.  A rename done by
 * a process outside the trace is not seen (docs/ARCHITECTURE.md). */
static bool cache_ok(struct sd_tracee *t)
{
	if (!S.name_cache || t->proc->no_cache)
		return false;
	if (t->proc->gen != S.name_gen) {
		sd_proc_fd_reset(t->proc);
		sd_proc_cwd_set(t->proc, NULL);
		t->proc->gen = S.name_gen;
	}
	return true;
}

static const char *env_fd_ref(void *priv, int fd, bool fresh)
{
	struct sd_tracee *t = priv;
	if (fd < 0)
		return NULL;
	bool cache = cache_ok(t);
	if (cache && !fresh) {
		const char *c = sd_proc_fd_get(t->proc, fd);
		if (c)
			return c;
	}
	char what[32];
	snprintf(what, sizeof what, "fd/%d", fd);
	const char *r = readlink_proc(t, what);
	if (cache)
		sd_proc_fd_set(t->proc, fd, r);
	return r;
}

static void env_fd_closed(void *priv, int lo, int hi)
{
	struct sd_tracee *t = priv;
	sd_proc_fd_drop(t->proc, lo, hi);
}

static const char *env_cwd(void *priv)
{
	struct sd_tracee *t = priv;
	bool cache = cache_ok(t);
	if (cache && t->proc->cwd)
		return t->proc->cwd;
	const char *r = readlink_proc(t, "cwd");
	if (r && cache)
		sd_proc_cwd_set(t->proc, r);
	return r;
}

static void env_cwd_changed(void *priv)
{
	(void)priv;
	S.name_gen++;   /* threads and CLONE_FS sharers see the new cwd too */
}

/* Calls after which cached names may be wrong in any process. */
static bool renames_things(int nr)
{
	switch (nr) {
	case __NR_rename: case __NR_renameat: case __NR_renameat2:
	case __NR_unlink: case __NR_unlinkat: case __NR_rmdir:
	case __NR_chdir: case __NR_fchdir: case __NR_chroot:
	case __NR_mount: case __NR_umount2: case __NR_pivot_root: case __NR_move_mount:
		return true;
	}
	return false;
}

static struct sd_decode_env make_env(struct sd_tracee *t)
{
	struct sd_decode_env env = {
		.priv = t,
		.read_mem = env_read_mem,
		.fd_ref = env_fd_ref,
		.fd_closed = env_fd_closed,
		.cwd = env_cwd,
		.cwd_changed = env_cwd_changed,
	};
	return env;
}

/* ---- emitting events ---- */

static uint64_t now_rel(void)
{
	return sd_now_mono_ns() - S.t0;
}

static void emit(struct sd_event *ev)
{
	ev->seq = ++S.seq;
	S.events++;
	for (int i = 0; i < S.nsinks; i++)
		S.sinks[i]->event(S.sinks[i], ev);
}

/* A non-syscall event of tracee t, happening now. */
static void event_init(struct sd_event *ev, const struct sd_tracee *t, enum sd_ev_kind kind)
{
	sd_event_init(ev);
	ev->kind = kind;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	ev->t_ns = now_rel();
}

static void emit_simple(struct sd_tracee *t, enum sd_ev_kind kind, int sig)
{
	struct sd_event ev;
	event_init(&ev, t, kind);
	ev.sig = sig;
	emit(&ev);
	sd_event_clear(&ev);
}

/* The syscall in progress will never return (exit_group, killed, superseded). */
static void emit_unfinished(struct sd_tracee *t)
{
	if (!t->recording)
		return;
	t->recording = false;
	t->ev.finished = false;
	t->ev.dur_ns = 0;
	emit(&t->ev);
	sd_event_clear(&t->ev);
}

/* ---- syscall stops ---- */

static void clear_pending_restart(struct sd_tracee *t)
{
	t->pend_seq = 0;
	t->pend_after_sigreturn = false;
	sd_event_clear(&t->pend_ev);
}

static bool same_args(const struct sd_tracee *t, int nr, const uint64_t args[6])
{
	int n = sd_syscall_nargs(nr);
	for (int i = 0; i < n && i < 6; i++)
		if (args[i] != t->pend_raw[i])
			return false;
	return true;
}

/* A call that returned ERESTART* is re-entered with the same number and arguments
 * (or as restart_syscall) once the signal is handled: link the two. */
static uint64_t match_restart(struct sd_tracee *t, int nr, const uint64_t args[6])
{
	if (!t->pend_seq)
		return 0;
	if (nr == __NR_restart_syscall || (nr == t->pend_nr && same_args(t, nr, args))) {
		uint64_t seq = t->pend_seq;
		t->pend_seq = 0;
		t->pend_after_sigreturn = false;
		return seq;
	}
	if (nr == __NR_rt_sigreturn)
		t->pend_after_sigreturn = true;
	else if (t->pend_after_sigreturn)
		clear_pending_restart(t);
	return 0;
}

/* An open that may create its file: whether the path was there as the call began (a
 * creation, or an open of what exists: the semantic level tells them apart by this).
 * The tracer sees the tracee's file system (the same mount namespace and root). */
static void note_existing(struct sd_event *ev, long nr, const uint64_t *args)
{
	uint64_t fl = nr == __NR_open ? args[1] : nr == __NR_openat ? args[2] : 0;
	int pa = nr == __NR_open || nr == __NR_creat ? 0 : nr == __NR_openat ? 1 : -1;
	struct stat st;

	if (pa < 0 || (nr != __NR_creat && !(fl & O_CREAT)) || pa >= ev->nargs ||
	    ev->args[pa].type != SD_ARG_PATH || !ev->args[pa].abs)
		return;
	if (stat(ev->args[pa].abs, &st) == 0)   /* (through a symlink, as open goes) */
		ev->pre = SD_PRE_EXISTED;
	else if (errno == ENOENT)
		ev->pre = SD_PRE_ABSENT;
}

/* A call that changes nothing the tracer keeps (fd and cwd names, the pinned world's
 * state but for the clock, restarts; the maps it is told of at entry) and cannot
 * block for long: a probe of a file or of the process, a read, a signal disposition,
 * a mapping, a thread's or process's own set-up (TLS, robust list, rseq, limits). */
static bool keeps_nothing(int nr, const uint64_t a[6])
{
	switch (nr) {
	case __NR_stat: case __NR_fstat: case __NR_lstat: case __NR_newfstatat: case __NR_statx:
	case __NR_access: case __NR_faccessat: case __NR_faccessat2:
	case __NR_readlink: case __NR_readlinkat: case __NR_getcwd:
	case __NR_getdents64: case __NR_lseek: case __NR_read: case __NR_pread64:
	case __NR_rt_sigaction: case __NR_rt_sigprocmask: case __NR_sigaltstack: case __NR_brk:
	case __NR_getpid: case __NR_gettid: case __NR_getuid: case __NR_geteuid:
	case __NR_getgid: case __NR_getegid: case __NR_sysinfo: case __NR_uname:
	case __NR_mmap: case __NR_munmap: case __NR_mprotect: case __NR_mremap: case __NR_madvise:
	case __NR_sched_yield: case __NR_set_tid_address: case __NR_set_robust_list:
	case __NR_rseq: case __NR_arch_prctl: case __NR_prlimit64:
		return true;
	case __NR_ioctl:   /* a terminal probe; close-on-exec, which the tracer does not keep */
		return a[1] == TCGETS || a[1] == FIOCLEX || a[1] == FIONCLEX;
	case __NR_fcntl:
		return a[1] == F_GETFD || a[1] == F_GETFL || a[1] == F_SETFD;
	}
	return false;
}

/* Can a call not change any file's times?  (The probes above, which may touch the
 * atime only of files made during the run, read-only opens, and calls on fds,
 * processes, signals and memory.)  Anything else may. */
static bool leaves_times(int nr, const uint64_t a[6])
{
	switch (nr) {
	case __NR_open:
	case __NR_openat: {
		uint64_t fl = a[nr == __NR_openat ? 2 : 1];
		return (fl & O_ACCMODE) == O_RDONLY && !(fl & (O_CREAT | O_TRUNC));
	}
	case __NR_close: case __NR_close_range: case __NR_dup: case __NR_dup2: case __NR_dup3:
	case __NR_fcntl: case __NR_getrandom: case __NR_futex:
	case __NR_execve: case __NR_execveat: case __NR_clone: case __NR_clone3: case __NR_fork:
	case __NR_vfork: case __NR_exit: case __NR_exit_group: case __NR_wait4: case __NR_waitid:
	case __NR_rt_sigreturn: case __NR_set_tid_address: case __NR_set_robust_list:
	case __NR_rseq: case __NR_arch_prctl: case __NR_prlimit64: case __NR_getrlimit:
	case __NR_sched_getaffinity: case __NR_sched_yield: case __NR_getppid:
	case __NR_clock_gettime: case __NR_gettimeofday: case __NR_time: case __NR_clock_getres:
	case __NR_nanosleep: case __NR_clock_nanosleep: case __NR_pipe: case __NR_pipe2:
		return true;
	}
	return keeps_nothing(nr, a);   /* an ioctl only when it is one of those */
}

/* The call in progress was made by the user's own code (a source line, no runtime
 * phase): what the pinned clock and entropy answer depends on it. */
static bool made_by_user(const struct sd_tracee *t)
{
	return t->recording && t->ev.src.file && !t->ev.src.phase;
}

void sd_tracer_stateless(struct sd_sysset *s)
{
	/* (not writes, truncates or mode changes: a file they stamp reads as stamped at
	 * the virtual now; not ioctl, fcntl, futex, reads or mmap: see keeps_nothing,
	 * virt.h, srcloc) */
	static const int nrs[] = {
		__NR_lseek, __NR_getdents64, __NR_getdents, __NR_rt_sigaction,
		__NR_rt_sigprocmask, __NR_rt_sigpending, __NR_sigaltstack, __NR_brk, __NR_madvise,
		__NR_arch_prctl, __NR_set_tid_address, __NR_set_robust_list, __NR_get_robust_list,
		__NR_rseq, __NR_prlimit64, __NR_getrlimit, __NR_getrusage, __NR_times,
		__NR_sysinfo, __NR_uname, __NR_sched_getaffinity, __NR_sched_yield,
		__NR_getpid, __NR_getppid, __NR_gettid, __NR_getuid, __NR_geteuid, __NR_getgid,
		__NR_getegid, __NR_getresuid, __NR_getresgid, __NR_getgroups, __NR_getpgrp,
		__NR_getpgid, __NR_getsid, __NR_getcpu, __NR_kill, __NR_tkill, __NR_tgkill,
		__NR_wait4, __NR_waitid, __NR_fsync, __NR_fdatasync, __NR_flock, __NR_fadvise64,
		__NR_listen, __NR_shutdown, __NR_setsockopt, __NR_getsockopt, __NR_getsockname,
		__NR_getpeername, __NR_membarrier, __NR_capget,
	};
	sd_sysset_clear(s);
	for (size_t i = 0; i < sizeof nrs / sizeof *nrs; i++)
		sd_sysset_add(s, nrs[i]);
}

/* ---- the clock stub (clockstub.h) ---- */

static bool ends_alone(int nr)
{
	return nr == __NR_clone || nr == __NR_clone3 || nr == __NR_fork || nr == __NR_vfork ||
	       nr == __NR_execve || nr == __NR_execveat || nr == __NR_exit || nr == __NR_exit_group;
}

/* What t's process's stub answered since the last look, into the pinned clock and the
 * trailer's counts; off: and it answers no more. */
static void stub_take(struct sd_tracee *t, bool off)
{
	int64_t reads;
	uint64_t n[3] = { 0, 0, 0 };

	if (!t->proc->stub_on || sd_stub_pull(t, off, &reads, n) < 0)
		return;
	sd_virt_set_runtime_reads(reads);
	S.unrecorded[__NR_clock_gettime] += n[0];
	S.unrecorded[__NR_gettimeofday] += n[1];
	S.unrecorded[__NR_time] += n[2];
}

/* t answered a clock read of its start-up: from now on its stub may, while the process
 * is the only one traced (the clock is the tracer's, and no other process reads it). */
static void stub_start(struct sd_tracee *t)
{
	if (t->proc->stub && !t->proc->stub_on && t->tid == t->proc->tgid &&
	    sd_tracee_count() == 1) {
		int64_t real0, elapsed, reads;
		sd_virt_clock(&real0, &elapsed, &reads);
		sd_stub_on(t, real0, elapsed, reads);
	}
}

/* Before t goes on: the stub learns what the tracer did to the clock meanwhile. */
static void stub_tell(struct sd_tracee *t)
{
	int64_t real0, elapsed, reads;

	if (!t->proc->stub_on)
		return;
	sd_virt_clock(&real0, &elapsed, &reads);
	sd_stub_push(t, elapsed, reads);
}

static void syscall_entry(struct sd_tracee *t, int nr, const uint64_t args[6])
{
	/* the clock as the stub left it, before the pinned world answers anything; off
	 * before another process or image could see it */
	stub_take(t, ends_alone(nr) || sd_tracee_count() > 1);
	t->in_syscall = true;
	t->runtime_call = false;
	t->cur_nr = nr;
	memcpy(t->entry_raw, args, sizeof t->entry_raw);
	if (!t->hidden)
		sd_virt_entry(t, nr, args);
	if (t->hidden) {
		if (nr != __NR_execve && nr != __NR_execveat)
			return;
		t->hidden = false;
		t->first_exec = true;
	}
	uint64_t restart_of = match_restart(t, nr, args);
	int shown_nr = nr == __NR_restart_syscall && restart_of ? t->pend_ev.nr : nr;
	if (!sd_sysset_has(&S.o->traced, shown_nr))
		return;

	struct sd_decode_env env = make_env(t);
	struct sd_event *ev = &t->ev;
	sd_event_clear(ev);
	ev->kind = SD_EV_SYSCALL;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	t->t_enter = sd_now_mono_ns();
	ev->t_ns = t->t_enter - S.t0;
	if (nr == __NR_restart_syscall && restart_of) {
		/* Show the continued call under its own name and arguments. */
		ev->nr = t->pend_ev.nr;
		memcpy(ev->name, t->pend_ev.name, sizeof ev->name);
		ev->nargs = t->pend_ev.nargs;
		for (int i = 0; i < ev->nargs; i++)
			sd_arg_copy(&ev->args[i], &t->pend_ev.args[i]);
	} else {
		sd_decode_entry(&env, &S.o->dopts, ev, nr, args);
		note_existing(ev, nr, args);
	}
	ev->restart_of = restart_of;
	if (restart_of)
		sd_event_clear(&t->pend_ev);
	if (S.src && !t->first_exec && !sd_sysset_has(&S.unlocated, ev->nr)) {
		/* Reported calls only (and not the launcher's exec): unwind the caller. */
		if (!t->proc->src)
			t->proc->src = sd_src_proc_new(S.src, t->proc->tgid);
		/* a pinned clock or entropy read needs only whether the user made it; with
		 * quick_startup nothing in start-up needs more, but a close that may be of
		 * the script (made with no Python frame: sd_src_closing) */
		bool user_only = sd_sysset_has(&S.o->unlocated, ev->nr);
		bool quick = S.o->quick_startup ? ev->nr != __NR_close ||
			     !sd_src_may_close_script(t->proc->src, t->tid,
						      ev->nargs > 0 ? ev->args[0].ref : NULL)
						: user_only;
		if (!quick || !sd_src_startup(t->proc->src, t->tid, &ev->src))
			sd_src_locate(S.src, t->proc->src, t->tid, user_only, &ev->src);
		const char *ph = ev->src.phase;
		t->runtime_call = S.o->quick_startup && ph &&
				  (!strcmp(ph, "startup") || !strcmp(ph, "import"));
		if (ev->nr == __NR_close && ev->nargs > 0 && ev->args[0].ref)
			sd_src_closing(t->proc->src, t->tid, ev->args[0].ref);
		if (t->proc->stub_on && !sd_src_startup(t->proc->src, t->tid, NULL))
			stub_take(t, true);   /* start-up is over: the tracer answers again */
	}
	t->recording = true;
	for (int i = 0; i < S.nsinks; i++)
		if (S.sinks[i]->enter)
			S.sinks[i]->enter(S.sinks[i], ev);
}

static void remember_interrupted(struct sd_tracee *t)
{
	struct sd_event *p = &t->pend_ev;
	sd_event_clear(p);
	p->nr = t->ev.nr;
	memcpy(p->name, t->ev.name, sizeof p->name);
	p->nargs = t->ev.nargs;
	for (int i = 0; i < t->ev.nargs; i++)
		if (!t->ev.args[i].at_exit)
			sd_arg_copy(&p->args[i], &t->ev.args[i]);
		else
			p->args[i] = (struct sd_arg){ .type = t->ev.args[i].type,
						      .raw = t->ev.args[i].raw, .at_exit = true };
	t->pend_nr = t->ev.nr;
	memcpy(t->pend_raw, t->entry_raw, sizeof t->pend_raw);
	t->pend_after_sigreturn = false;
}

static void leave_seccomp_mode(struct sd_tracee *t, void *proc)
{
	if (t->proc == proc)
		t->seccomp_mode = false;
}

/* The process installed a seccomp filter of its own, which may fail or kill a call
 * before ours sends it to the tracer: its threads (and the children they make, which
 * inherit the filter) stop at every entry again, before any filter runs. */
static void own_filter(struct sd_tracee *t, int nr, const uint64_t a[6], int64_t rval)
{
	if (t->seccomp_mode && rval >= 0 &&
	    ((nr == __NR_seccomp && a[0] == SECCOMP_SET_MODE_FILTER) ||
	     (nr == __NR_prctl && a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER))) {
		sd_tracee_each(leave_seccomp_mode, t->proc);
		S.own_filters = true;
	}
}

/* The call completed with rval (answered: by the pinned world at its entry, skipped). */
static void syscall_exit(struct sd_tracee *t, int64_t rval, bool answered)
{
	t->in_syscall = false;
	struct sd_event *ev = &t->ev;
	/* rt_sigreturn "returns" the restored rax: the syscall number when the kernel
	 * restarts the interrupted call, -EINTR when the program got EINTR instead. */
	if (t->cur_nr == __NR_rt_sigreturn && rval == -EINTR)
		clear_pending_restart(t);
	if (t->first_exec) {
		t->first_exec = false;
		if (sd_ret_is_error(rval)) {
			/* The launcher's exec failed: the command never ran. */
			t->hidden = true;
			t->recording = false;
			sd_event_clear(ev);
			return;
		}
	}
	own_filter(t, t->cur_nr, t->entry_raw, rval);
	if (!S.stamped && !t->hidden && !leaves_times(t->cur_nr, t->entry_raw))
		S.stamped = true;
	if (t->proc->src && sd_src_watches(t->cur_nr))
		sd_src_proc_syscall_done(t->proc->src, t->cur_nr, t->entry_raw, rval);
	if (sd_virt_on() && !t->hidden && !answered) {
		/* the virtual answer, before the call is decoded: the trace shows what the
		 * program saw; made from the user's own code when it has a user frame */
		rval = sd_virt_exit(t, t->cur_nr, t->entry_raw, rval, made_by_user(t));
	}
	if (!t->recording)
		return;
	t->recording = false;
	struct sd_decode_env env = make_env(t);
	ev->dur_ns = sd_now_mono_ns() - t->t_enter;
	/* what start-up and imports read (CPython's .pyc files, whole) is hashed, not
	 * kept: the comparison drops it (quick_startup) */
	sd_decode_exit(&env, t->runtime_call ? &S.hashed : &S.o->dopts, ev, rval);
	if (!sd_ret_is_error(rval) && renames_things(ev->nr))
		S.name_gen++;
	if (ev->interrupted)
		remember_interrupted(t);
	emit(ev);
	if (ev->interrupted)
		t->pend_seq = ev->seq;
	sd_event_clear(ev);
}

/* A pinned clock read at its seccomp stop: answered there and skipped (orig_rax -1
 * leaves rax as set), so the tracee goes on without an exit stop (resume: PTRACE_CONT). */
static bool answered_at_entry(struct sd_tracee *t, int nr, const uint64_t a[6], bool user,
			      int64_t *rval)
{
	if (!sd_virt_answer_entry(t, nr, a, user, rval))
		return false;
	ptrace(PTRACE_POKEUSER, t->tid, (void *)offsetof(struct user_regs_struct, orig_rax), (void *)-1L);
	ptrace(PTRACE_POKEUSER, t->tid, (void *)offsetof(struct user_regs_struct, rax), (void *)*rval);
	return true;
}

/* The recorded call in progress, answered so: its event ends here. */
static void answer_at_entry(struct sd_tracee *t)
{
	int64_t rval;

	if (sd_virt_on() && !t->hidden && t->in_syscall &&
	    answered_at_entry(t, t->cur_nr, t->entry_raw, made_by_user(t), &rval))
		syscall_exit(t, rval, true);
}

/* May a read of fd draw from the pinned entropy (/dev/urandom, /dev/random: answered at
 * its exit)?  Yes unless its name (env_fd_ref: cached or read from /proc) is another
 * file's. */
static bool may_read_entropy(struct sd_tracee *t, int fd)
{
	if (!sd_virt_on())
		return false;
	const char *ref = env_fd_ref(t, fd, false);
	return !ref || sd_virt_entropy_dev(ref);
}

/* An open that only reads: it changes no file and makes no name, and its fd's name can
 * be read from /proc when a later call needs it (env_fd_ref).  (seccomp.c's loose
 * prefix makes this test, and keeps_nothing's of ioctl and fcntl, in BPF.) */
static bool opens_to_read(int nr, const uint64_t a[6])
{
	if (nr != __NR_open && nr != __NR_openat)
		return false;
	uint64_t fl = a[nr == __NR_openat ? 2 : 1];
	return (fl & O_ACCMODE) == O_RDONLY && !(fl & (O_CREAT | O_TRUNC)) &&
	       (fl & O_TMPFILE) != O_TMPFILE;   /* (O_TMPFILE holds O_DIRECTORY's bit) */
}

/* Of the calls that keep nothing: the ones that name a path (paths_only records them). */
static bool names_path(int nr)
{
	return nr == __NR_stat || nr == __NR_lstat || nr == __NR_newfstatat || nr == __NR_statx ||
	       nr == __NR_access || nr == __NR_faccessat || nr == __NR_faccessat2 ||
	       nr == __NR_readlink || nr == __NR_readlinkat || nr == __NR_getcwd;
}

/* At a seccomp stop, a call that runs with no event and no exit stop, counted by name
 * for the trailer:
 * - quick_startup: a call of an interpreter's start-up (known without its stack:
 *   sd_src_startup) that keeps nothing, an open that only reads (the fd is named from
 *   /proc if a later call needs it), a close of an fd that cannot be the script's, or
 *   a clock read answered here.  The comparison drops every such call anyway (the
 *   runtime profile's start-up, or the noise set); it adds the counts to what it
 *   filtered, so reports say what they said when each call was recorded;
 * - counted: a call the consumer drops by name that keeps nothing, anywhere in the run
 *   (the comparison counts it by name as it does when it is recorded);
 * - paths_only: any call that keeps nothing and names no path.
 * Writes, opens that may write or create, entropy and sleeps are still recorded, and
 * so is what the pinned world answers at exit: reads of /dev/urandom, and stats once a
 * file may have been stamped during the run; outside start-up, clock reads too (their
 * answer depends on the caller's frames). */
static bool unrecorded_call(struct sd_tracee *t, int nr, const uint64_t a[6])
{
	bool clock = nr == __NR_clock_gettime || nr == __NR_gettimeofday || nr == __NR_time;
	int64_t rval;

	if (t->hidden || t->first_exec || t->pend_nr || nr < 0 || nr >= SD_NR_MAX ||
	    !sd_sysset_has(&S.o->traced, nr))
		return false;
	bool close = nr == __NR_close;
	bool startup = S.o->quick_startup && t->proc->src &&
		       (clock || close || opens_to_read(nr, a) || keeps_nothing(nr, a)) &&
		       sd_src_startup(t->proc->src, t->tid, NULL);
	bool noise = sd_sysset_has(&S.o->counted, nr) && keeps_nothing(nr, a);
	if (!startup && !noise && !(S.o->paths_only && keeps_nothing(nr, a) && !names_path(nr)))
		return false;
	/* a close of start-up: its fd's name is dropped here; unless the fd is not open
	 * or may be the script's (whose close, unwound, ends start-up: sd_src_closing) */
	const char *ref = close ? env_fd_ref(t, (int)a[0], false) : NULL;
	if (close && (!ref || sd_src_may_close_script(t->proc->src, t->tid, ref)))
		return false;
	if (close)
		sd_proc_fd_drop(t->proc, (int)a[0], (int)a[0]);
	if ((nr == __NR_read || nr == __NR_pread64) && may_read_entropy(t, (int)a[0]))
		return false;
	/* a file stamped during the run reads as stamped at the virtual now (at exit) */
	if (sd_virt_answers_stat(nr) && sd_virt_on() && S.stamped)
		return false;
	if (clock)
		stub_take(t, false);   /* a call of its own, not through the stub */
	if (clock && !answered_at_entry(t, nr, a, false, &rval))
		return false;   /* not pinned, or not answerable here: recorded */
	if (clock)
		stub_start(t);
	if (sd_src_watches(nr) && t->proc->src)   /* as if it succeeds: at worst the maps are
						      read again */
		sd_src_proc_syscall_done(t->proc->src, nr, a, 0);
	S.unrecorded[nr]++;
	return true;
}

/* The trailer's counts of unrecorded calls, by name. */
static void trailer_counts(struct sd_trace_end *end)
{
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		const char *name = sd_syscall_name(nr);
		if (!S.unrecorded[nr] || !name)
			continue;
		end->unrecorded = xrealloc(end->unrecorded, (end->nunrecorded + 1) * sizeof *end->unrecorded);
		struct sd_count *c = &end->unrecorded[end->nunrecorded++];
		snprintf(c->name, sizeof c->name, "%s", name);
		c->n = S.unrecorded[nr];
	}
}

/* ---- an interpreter's start-up under the loose filter (tracer.h, loose_startup) ----
 * The launched process starts with a filter that lets the probes of start-up run with
 * no stop (sd_seccomp_build_loose); every one of them is a call the tracer would let go
 * unrecorded at its first stop (unrecorded_call), and their counts are not wanted (the
 * trace is read for its paths).  The whole filter is added (filters only tighten) at
 * the stop where that would no longer hold: before a clone, an exec or a call that may
 * stamp a file (stats are answered then), at the exit of the exec of an image that is
 * not an interpreter's, and at the first stop once start-up is over. */

/* The whole filter into t's process, at a seccomp stop (at_entry: the call is made
 * again after) or at an exit stop (from insn; 0: the call's own instruction).  0, or a
 * wait status of t that came instead, for the caller to handle. */
static int tighten(struct sd_tracee *t, bool at_entry, uint64_t insn)
{
	int status = 0;

	t->proc->loose = false;
	sd_src_proc_remapped(t->proc->src);   /* its mappings were not seen */
	/* not added, and the process still there: it would go on unseen */
	if (sd_inject_filter(t->tid, &S.whole, at_entry, insn, &status) < 0 &&
	    (!status || WIFSTOPPED(status)) && !S.fatal)
		S.fatal = xasprintf("cannot add the seccomp filter to process %d after its "
				    "start-up", (int)t->proc->tgid);
	return status;
}

/* At a seccomp stop of a loose process: must the whole filter go in first? */
static bool loose_ends(struct sd_tracee *t, int nr, const uint64_t a[6])
{
	return (ends_alone(nr) && nr != __NR_exit && nr != __NR_exit_group) ||
	       !leaves_times(nr, a) ||
	       (t->proc->src && !sd_src_startup(t->proc->src, t->tid, NULL));
}

/* At an exit stop of a loose process (exec: of its exec, the new image not started, the
 * call's own instruction behind it no more): the whole filter, unless start-up goes on.
 * The interpreter must be known from the first call on, as it is in a whole trace: one
 * whose runtime the loader maps later (a shared libpython) is not let loose. */
static int loose_exit(struct sd_tracee *t, bool exec)
{
	if (exec && !t->proc->loose_ends_at_exec) {
		if (!t->proc->src)
			t->proc->src = sd_src_proc_new(S.src, t->proc->tgid);
		t->proc->loose_ends_at_exec = !sd_src_interpreter(S.src, t->proc->src);
	}
	if (!t->proc->loose_ends_at_exec && t->proc->src &&
	    sd_src_startup(t->proc->src, t->tid, NULL))
		return 0;
	return tighten(t, false, exec ? sd_inject_find_syscall(t->tid, t->proc->vdso) : 0);
}

/* A syscall or seccomp stop.  0, or a wait status of t that came instead of a stop the
 * tracer caused meanwhile (mapping the clock stub), for the caller to handle. */
static int handle_syscall_stop(struct sd_tracee *t)
{
	struct __ptrace_syscall_info info;
	memset(&info, 0, sizeof info);
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof info, &info) <= 0) {
		if (errno != ESRCH && !S.fatal)
			S.fatal = xasprintf("PTRACE_GET_SYSCALL_INFO failed (%s): sysdiff needs "
					    "Linux >= 5.3", strerror(errno));
		return 0;
	}
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
		uint64_t *args = info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.args : info.seccomp.args;
		int nr = (int)(info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.nr : info.seccomp.nr);
		if (info.arch != AUDIT_ARCH_X86_64)
			nr = -1; /* a 32-bit int $0x80 call: not reported (no i386 table yet) */
		if (t->in_syscall && t->recording && info.op == PTRACE_SYSCALL_INFO_SECCOMP)
			return 0; /* entry already seen in PTRACE_SYSCALL mode */
		if (t->proc->loose && !t->hidden && !t->in_syscall &&
		    info.op == PTRACE_SYSCALL_INFO_SECCOMP && loose_ends(t, nr, args))
			return tighten(t, true, 0);   /* the call comes again */
		if (info.op == PTRACE_SYSCALL_INFO_SECCOMP && !t->in_syscall &&
		    unrecorded_call(t, nr, args))
			return 0;
		syscall_entry(t, nr, args);
		if (info.op == PTRACE_SYSCALL_INFO_SECCOMP)
			answer_at_entry(t);
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		int64_t rval = info.exit.rval;
		int nr = t->cur_nr, again = 0;
		syscall_exit(t, rval, false);
		/* the new image has not started: its clock stub goes in now */
		if ((nr == __NR_execve || nr == __NR_execveat) && rval == 0 && t->proc->stub_wanted) {
			t->proc->stub_wanted = false;
			sd_stub_install(t, t->proc->vdso, t->proc->vdso_slot, &again);
		}
		if (!again && t->proc->loose && !t->hidden)   /* (hidden: the launch failed) */
			again = loose_exit(t, nr == __NR_execve || nr == __NR_execveat);
		return again;
	}
	return 0;
}

/* ---- other stops ---- */

static unsigned long event_msg(pid_t tid)
{
	unsigned long msg = 0;
	ptrace(PTRACE_GETEVENTMSG, tid, 0L, &msg);
	return msg;
}

/* A tracee seen first: in seccomp mode when the tracer uses it, unless it is a child
 * reporting before its parent's clone event (parent unknown) once some tracee has a
 * filter of its own, which the child may have inherited: then it stops at every entry
 * until that event says which (on_clone_event). */
static struct sd_tracee *new_tracee(pid_t tid, pid_t tgid, bool parent_unknown)
{
	struct sd_tracee *t = sd_tracee_new(tid, tgid);
	t->seccomp_mode = S.o->use_seccomp && !(parent_unknown && S.own_filters);
	return t;
}

static bool shares(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0) == 0;
}

static void on_clone_event(struct sd_tracee *t)
{
	pid_t child = (pid_t)event_msg(t->tid);
	if (child <= 0)
		return;
	struct sd_tracee *c = sd_tracee_find(child);
	if (!c)
		c = new_tracee(child, 0, false);
	c->seccomp_mode = t->seccomp_mode;   /* the child has the parent's filters */
	/* Another process sharing the fd table or fs (or a thread not sharing them):
	 * a per-process cache cannot follow it. */
	bool same_proc = c->proc == t->proc;
	if (!same_proc && S.src && t->proc->src)  /* a copy of the parent's interpreter */
		c->proc->src = sd_src_proc_fork(S.src, t->proc->src, c->proc->src, c->proc->tgid,
						t->tid);
	if (shares(t->tid, child, KCMP_FILES) != same_proc || shares(t->tid, child, KCMP_FS) != same_proc) {
		c->proc->no_cache = t->proc->no_cache = true;
		sd_proc_fd_reset(c->proc);
		sd_proc_fd_reset(t->proc);
		sd_proc_cwd_set(t->proc, NULL);
	}
}

/* execve succeeded.  When a non-leader thread exec'd, it now has the leader's tid; the
 * old leader vanished without an exit report. */
static struct sd_tracee *on_exec_event(struct sd_tracee *t)
{
	pid_t old = (pid_t)event_msg(t->tid);
	if (old > 0 && old != t->tid) {
		struct sd_tracee *execer = sd_tracee_find(old);
		if (execer) {
			emit_unfinished(t);
			clear_pending_restart(t);
			pid_t tid = t->tid;
			sd_tracee_free(t);
			sd_tracee_rekey(execer, tid);
			t = execer;
		}
		struct sd_event ev;
		event_init(&ev, t, SD_EV_SUPERSEDED);
		ev.old_tid = old;
		emit(&ev);
		sd_event_clear(&ev);
	}
	sd_virt_exec(t->tid, &t->proc->vdso, &t->proc->vdso_slot);  /* its clock, AT_RANDOM */
	t->proc->stub = 0;         /* the stub, for a CPython start-up (clockstub.h) */
	t->proc->stub_on = false;
	bool interpreter = sd_stub_wanted(readlink_proc(t, "exe"));
	t->proc->stub_wanted = S.o->quick_startup && S.o->clock_stub && t->proc->vdso_slot &&
			       interpreter;
	t->proc->loose_ends_at_exec = t->proc->loose && !interpreter;
	sd_proc_fd_reset(t->proc); /* close-on-exec fds are gone */
	sd_src_proc_exec(t->proc->src); /* and every module */
	clear_pending_restart(t);
	return t;
}

static void on_signal_stop(struct sd_tracee *t, int sig, int *inject)
{
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0L, &si) < 0) {
		/* Not a signal-delivery-stop after all (cannot happen with SEIZE). */
		*inject = 0;
		return;
	}
	*inject = sig;
	if (t->hidden)
		return;
	struct sd_event ev;
	event_init(&ev, t, SD_EV_SIGNAL);
	ev.sig = sig;
	ev.siginfo = sd_decode_siginfo(&si, sizeof si);
	emit(&ev);
	sd_event_clear(&ev);
}

static void resume(struct sd_tracee *t, int sig)
{
	int req = t->in_syscall || !t->seccomp_mode ? PTRACE_SYSCALL : PTRACE_CONT;
	ptrace(req, t->tid, 0L, (long)sig);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void on_death(struct sd_tracee *t, int status)
{
	emit_unfinished(t);
	if (t->tid == S.main_pid) {
		S.main_done = true;
		S.main_status = status;
		if (t->hidden && S.errpipe >= 0) {
			int err = 0;
			if (read(S.errpipe, &err, sizeof err) == sizeof err)
				S.exec_errno = err;
		}
	}
	if (!t->hidden) {
		struct sd_event ev;
		event_init(&ev, t, WIFEXITED(status) ? SD_EV_EXIT : SD_EV_KILLED);
		if (WIFEXITED(status)) {
			ev.status = WEXITSTATUS(status);
		} else {
			ev.sig = WTERMSIG(status);
			ev.core = WCOREDUMP(status);
		}
		emit(&ev);
		sd_event_clear(&ev);
	}
	sd_tracee_free(t);
}

static void handle(pid_t tid, int status)
{
	struct sd_tracee *t = sd_tracee_find(tid);
	if (!t) {
		if (!WIFSTOPPED(status))
			return; /* not ours */
		t = new_tracee(tid, 0, true); /* a new child reporting before its parent's event */
	}
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_death(t, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (S.killing) {
		/* Terminating: whatever still stops (a child forked meanwhile) dies too; a
		 * tracee in its exit stop (PTRACE_EVENT_EXIT) must be let go to finish dying. */
		kill(tid, SIGKILL);
		ptrace(PTRACE_CONT, tid, 0L, 0L);
		return;
	}
	kick_tid = S.main_done ? tid : S.main_pid;
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16, inject = 0;
	if (sig == (SIGTRAP | 0x80) || event == PTRACE_EVENT_SECCOMP) {
		int again = handle_syscall_stop(t);
		if (again) {   /* t is in another stop now, or gone */
			handle(tid, again);
			return;
		}
	} else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
		   event == PTRACE_EVENT_CLONE) {
		on_clone_event(t);
	} else if (event == PTRACE_EVENT_EXEC) {
		t = on_exec_event(t);
	} else if (event == PTRACE_EVENT_EXIT) {
		stub_take(t, true);   /* the counts, while its memory is there */
		emit_unfinished(t);
	} else if (event == PTRACE_EVENT_STOP) {
		if (is_stop_signal(sig)) {
			if (!t->hidden)
				emit_simple(t, SD_EV_STOP, sig);
			/* Stay in group-stop like an untraced process; SIGCONT wakes it. */
			ptrace(PTRACE_LISTEN, t->tid, 0L, 0L);
			return;
		}
	} else {
		on_signal_stop(t, sig, &inject);
	}
	stub_tell(t);
	resume(t, inject);
}

/* ---- termination on SIGINT/SIGTERM/SIGHUP ---- */

static void kill_one(struct sd_tracee *t, void *arg)
{
	(void)arg;
	kill(t->tid, SIGKILL);
}

/* Tracing of t ends here: record it and drop its state. */
static void forget_one(struct sd_tracee *t, void *arg)
{
	(void)arg;
	emit_unfinished(t);
	emit_simple(t, SD_EV_DETACHED, 0);
	sd_tracee_free(t);
}

static void detach_one(struct sd_tracee *t, int inject)
{
	ptrace(PTRACE_DETACH, t->tid, 0L, (long)inject);
	forget_one(t, NULL);
}

/* Ask t to stop so it can be detached.  A zombie or dead thread cannot stop: drop it
 * now (the kernel releases it when it is reaped or when sysdiff exits). */
static void interrupt_one(struct sd_tracee *t, void *arg)
{
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0 && errno == ESRCH)
		forget_one(t, arg);
}

/* Detach every attached tracee, leaving it running as before.  Each must be in a
 * ptrace-stop for PTRACE_DETACH: interrupt all, then detach each as it stops, passing
 * on a signal it was about to receive; a child that reports meanwhile is let go too.
 * Whatever cannot stop within the deadline (a parent blocked in vfork) is released by
 * the kernel when sysdiff exits. */
static void detach_all(void)
{
	sd_tracee_each(interrupt_one, NULL);
	uint64_t deadline = sd_now_mono_ns() + 2000000000ull;
	while (sd_tracee_count() > 0 && sd_now_mono_ns() < deadline) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid < 0)
			break;
		if (tid == 0) {
			usleep(1000);
			continue;
		}
		struct sd_tracee *t = sd_tracee_find(tid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (t)
				on_death(t, st);
			continue;
		}
		int sig = WSTOPSIG(st), event = (unsigned)st >> 16, inject = 0;
		if (!event && sig != (SIGTRAP | 0x80)) {
			siginfo_t si;
			if (ptrace(PTRACE_GETSIGINFO, tid, 0L, &si) == 0)
				inject = sig;
		}
		if (t)
			detach_one(t, inject);
		else
			ptrace(PTRACE_DETACH, tid, 0L, (long)inject);
	}
	sd_tracee_each(forget_one, NULL);
}

static void terminate(void)
{
	if (S.launched) {
		S.killing = true;
		sd_tracee_each(kill_one, NULL);
		return; /* the main loop reaps them */
	}
	detach_all();
}

/* ---- set-up and main loop ---- */

static void install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: wait4 must return EINTR */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct sigaction old;
		/* An ignored signal stays ignored (nohup, background jobs), as for the
		 * command itself. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Ignored dispositions survive exec: set these only once the command is started, so
 * the command gets the dispositions sysdiff was given.  SIGPIPE: a closed output makes
 * the writers fail with EPIPE instead of killing the tracer. */
static void ignore_tracer_signals(void)
{
	signal(SIGTTOU, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

static void pin_to_current_cpu(void)
{
	int cpu = sched_getcpu();
	if (cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

static void begin_sinks(const struct sd_tracer_opts *o)
{
	struct sd_trace_info ti;
	memset(&ti, 0, sizeof ti);
	char cwd[4096];
	ti.version = SD_TRACE_VERSION;
	ti.tool = (char *)"sysdiff " SD_VERSION;
	ti.arch = (char *)"x86_64";
	ti.argv = o->argv;
	ti.cwd = getcwd(cwd, sizeof cwd) ? cwd : NULL;
	ti.pid = S.main_pid;
	ti.attached = !S.launched;
	ti.start_real_ns = sd_now_real_ns() - (sd_now_mono_ns() - S.t0);
	ti.max_bytes = o->dopts.max_bytes;
	char um[16];   /* the mode a creation makes depends on it (compare's semantic level) */
	if (sd_procfs_status_field(S.main_pid, "Umask", um, sizeof um) == 0) {
		char *end;
		long m = strtol(um, &end, 8);
		if (end != um && m >= 0 && m <= 0777) {
			ti.umask_known = true;
			ti.umask = (int)m;
		}
	}
	for (int i = 0; i < S.nsinks; i++)
		S.sinks[i]->begin(S.sinks[i], &ti);
}

static int start(const struct sd_tracer_opts *o)
{
	unsigned popts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
			 PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
	struct sd_sysset cached;   /* what leaves out only stateless calls keeps the names */
	sd_tracer_stateless(&cached);
	sd_sysset_union(&cached, &o->traced);
	S.name_cache = sd_sysset_is_full(&cached);
	if (!o->argv) {
		if (sd_attach(o->attach_pid, popts) < 0)
			return -1;
		S.main_pid = o->attach_pid;
		return 0;
	}
	popts |= PTRACE_O_EXITKILL;
	struct sock_fprog prog = { 0, NULL }, *progp = NULL;
	struct sd_sysset stops = o->traced;
	if (o->use_seccomp) {
		/* Always stop at exec (the trace starts there), restart_syscall (it
		 * completes an interrupted traced call) and rt_sigreturn (it tells whether
		 * an interrupted call is restarted or fails with EINTR). */
		sd_sysset_add(&stops, __NR_execve);
		sd_sysset_add(&stops, __NR_execveat);
		sd_sysset_add(&stops, __NR_restart_syscall);
		sd_sysset_add(&stops, __NR_rt_sigreturn);
		/* and where the program installs a seccomp filter of its own (own_filter) */
		sd_sysset_add(&stops, __NR_seccomp);
		sd_sysset_add(&stops, __NR_prctl);
		/* Source lines: changes of mapped code must be seen. */
		for (int nr = 0; S.src && nr < SD_NR_MAX; nr++)
			if (sd_src_watches(nr))
				sd_sysset_add(&stops, nr);
		if (sd_seccomp_build(&stops, &prog) < 0) {
			sd_error("seccomp filter too large; tracing without it");
		} else {
			progp = &prog;
			popts |= PTRACE_O_TRACESECCOMP;
		}
	} else {
		sd_sysset_fill(&stops);
	}
	((struct sd_tracer_opts *)o)->use_seccomp = progp != NULL;
	/* an interpreter's start-up probes unseen, until the whole filter is added */
	struct sock_fprog loose = { 0, NULL };
	if (progp && o->loose_startup && o->quick_startup && o->paths_only && S.src) {
		struct sd_sysset probes;
		sd_sysset_clear(&probes);
		for (int nr = 0; nr < SD_NR_MAX; nr++)
			if (names_path(nr) || sd_src_watches(nr) || nr == __NR_madvise)
				sd_sysset_add(&probes, nr);
		if (sd_seccomp_build_loose(&stops, &probes, &loose) == 0) {
			S.whole = prog;
			prog.filter = NULL;
			progp = &loose;
		}
	}
	pid_t pid = sd_launch(o, progp, popts, &S.errpipe);
	bool launched_loose = progp == &loose;
	free(prog.filter);
	free(loose.filter);
	if (pid < 0)
		return -1;
	S.main_pid = pid;
	struct sd_tracee *t = new_tracee(pid, pid, false);
	t->hidden = true;
	t->proc->loose = launched_loose;
	return 0;
}

static int final_status(void)
{
	if (S.exec_errno) {
		const char *cmd = S.o->argv[0];
		sd_error("cannot execute '%s': %s", cmd, strerror(S.exec_errno));
		return S.exec_errno == ENOENT ? SD_EXIT_NOTFOUND : SD_EXIT_NOEXEC;
	}
	if (!S.main_done)
		return 0;
	if (WIFEXITED(S.main_status))
		return WEXITSTATUS(S.main_status);
	return 128 + WTERMSIG(S.main_status);
}

/* Wait for one stop, then collect every other tracee that is ready, and serve them in
 * turn.  Returns -1 when no tracee is left (ECHILD). */
static int drain_once(void)
{
	enum { BATCH = 64 };
	pid_t tids[BATCH];
	int sts[BATCH], n = 0, st;
	pid_t tid = wait4(-1, &st, __WALL, NULL);
	if (tid < 0)
		return errno == ECHILD ? -1 : 0;
	tids[n] = tid, sts[n++] = st;
	/* With a single tracee there is nobody to be fair to: skip the extra wait4. */
	while (sd_tracee_count() > 1 && n < BATCH && (tid = wait4(-1, &st, __WALL | WNOHANG, NULL)) > 0)
		tids[n] = tid, sts[n++] = st;
	for (int i = 0; i < n; i++)
		handle(tids[i], sts[i]);
	return 0;
}

int sd_tracer_run(const struct sd_tracer_opts *o, struct sd_trace_end *end)
{
	memset(&S, 0, sizeof S);
	S.o = o;
	S.errpipe = -1;
	S.sinks = o->sinks;
	S.nsinks = o->nsinks;
	S.launched = o->argv != NULL;
	S.t0 = sd_now_mono_ns();
	memset(end, 0, sizeof *end);
	sd_virt_init(&o->virt);
	S.unlocated = o->unlocated;
	S.hashed = o->dopts;
	S.hashed.max_bytes = 0;
	for (int nr = 0; nr < SD_NR_MAX; nr++)
		if (sd_virt_needs_source(nr))
			sd_sysset_del(&S.unlocated, nr);
	if (o->virt.on)   /* the launched command inherits it: no address randomization */
		personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE);
	if (o->source || o->source_stack || o->nsource_maps) {
		struct sd_srcloc_opts so = {
			.stack = o->source_stack, .maps = o->source_maps, .nmaps = o->nsource_maps,
			.debug_dirs = o->debug_dirs,
		};
		char *err = NULL;
		S.src = sd_src_new(&so, &err);
		if (!S.src) {
			sd_error("%s", err);
			free(err);
			end->complete = false;
			end->reason = xstrdup("source lines could not be set up");
			return SD_EXIT_TOOL;
		}
	}
	install_handlers();
	if (o->pin_cpu)
		pin_to_current_cpu();
	if (start(o) < 0) {
		sd_src_free(S.src);
		S.src = NULL;
		free(S.whole.filter);
		end->complete = false;
		end->reason = xstrdup("the command could not be traced");
		return SD_EXIT_TOOL;
	}
	ignore_tracer_signals();
	kick_tid = S.main_pid;
	begin_sinks(o);
	bool terminating = false;
	for (;;) {
		if ((stop_signal || S.fatal) && !terminating) {
			terminating = true;
			terminate();
			if (!S.launched)
				break;  /* detached: nothing more to wait for */
		}
		if (!S.launched && !sd_tracee_count())
			break;
		if (drain_once() < 0)
			break;
	}
	if (S.errpipe >= 0)
		close(S.errpipe);
	sd_src_free(S.src);   /* what tracees remain only hold their own state */
	free(S.whole.filter);
	S.src = NULL;
	int code = final_status();
	end->events = S.events;
	trailer_counts(end);
	end->exit_status = code;
	if (S.fatal) {
		sd_error("%s", S.fatal);
		end->complete = false;
		end->reason = S.fatal;
		code = end->exit_status = SD_EXIT_TOOL;
	} else if (S.exec_errno) {
		end->complete = false;
		end->reason = xstrdup("the command could not be executed");
	} else if (stop_signal) {
		end->complete = false;
		end->reason = xasprintf("interrupted by %s", sd_signal_name(stop_signal));
		code = 128 + stop_signal;
		end->exit_status = code;
	} else {
		end->complete = true;
	}
	return code;
}
