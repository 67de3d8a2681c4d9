/* sandbox.c - starting a sandbox and its init (see sandbox.h).
 *
 * The caller clone()s the init into new user and pid namespaces and writes its uid and
 * gid maps; the init makes its mount, UTS, IPC and network namespaces itself (so that
 * sandboxes started one after another make theirs at once); the caller lets it go.
 * The init (pid 1) builds the view (view.c), forks the job's process (pid 2), reaps
 * every process of the sandbox (orphans come to it), passes SIGTERM/SIGINT/SIGHUP on to
 * pid 2, and when pid 2 has ended kills what is left, reads the changes from the
 * layers and hands them over. */
#define _GNU_SOURCE
#include "sandbox/sandbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_LAYER_BYTES (512ull << 20)

static volatile sig_atomic_t pending_sig;
static pid_t job_pid;

static void on_signal(int sig)
{
	pending_sig = sig;
	if (job_pid > 0)
		kill(job_pid, sig);
}

__attribute__((noreturn))
static void init_fail(const struct sd_sandbox_job *j, const char *msg)
{
	dprintf(j->log_fd, "error %s\n", msg);
	_exit(SD_EXIT_TOOL);
}

/* pid 2: the job, in the starting directory, with default signal handling. */
__attribute__((noreturn))
static void job_main(const struct sd_sandbox_job *j)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (sd_drop_caps() < 0) {
		dprintf(j->log_fd, "error cannot drop capabilities: %s\n", strerror(errno));
		_exit(SD_EXIT_TOOL);
	}
	/* nothing the job executes gains privileges (setuid, setgid, file capabilities);
	 * and a process of it may add a seccomp filter with no capability (the tracer adds
	 * its whole filter to an interpreter after start-up: tracer.h, loose_startup) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dprintf(j->log_fd, "error cannot set no_new_privs: %s\n", strerror(errno));
		_exit(SD_EXIT_TOOL);
	}
	if (chdir(j->workdir) < 0) {
		dprintf(j->log_fd, "error cannot enter %s in the sandbox: %s\n", j->workdir, strerror(errno));
		_exit(SD_EXIT_TOOL);
	}
	_exit(j->run(j->arg) & 0xff);
}

/* Reap until pid 2 has ended; its status as an exit code. */
static int reap_job(pid_t job)
{
	int st, status = SD_EXIT_TOOL;
	pid_t w;

	for (;;) {
		w = waitpid(-1, &st, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return status;
		if (w == job)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

__attribute__((noreturn))
static void init_main(const struct sd_sandbox_plan *p, const struct sd_sandbox_job *j, int go)
{
	char c, *err = NULL;
	struct sd_view v;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the namespaces that cost (a network namespace: ~0.4 ms here), made here while
	 * the caller starts the other sandboxes */
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (p->net_host ? 0 : CLONE_NEWNET)) < 0) {
		dprintf(j->log_fd, "error cannot create the sandbox's namespaces: %s\n", strerror(errno));
		_exit(SD_EXIT_TOOL);
	}
	/* into the process limit's cgroup first (everything forked later is in it); when
	 * that fails the run goes on without it, as when no cgroup could be made */
	if (j->join_fd >= 0 && write(j->join_fd, "0", 1) != 1)
		dprintf(j->log_fd, "nocgroup %d\n", errno);
	if (j->join_fd >= 0)
		close(j->join_fd);
	if (read(go, &c, 1) != 1)   /* the caller died, or gave up on us */
		_exit(SD_EXIT_TOOL);
	close(go);
	int64_t ts = (int64_t)sd_now_mono_ns();
	if (sd_view_build(&v, p, j->layer_bytes ? j->layer_bytes : DEFAULT_LAYER_BYTES, &err) < 0)
		init_fail(j, err);
	dprintf(j->log_fd, "setup %lld\n", (long long)((int64_t)sd_now_mono_ns() - ts));
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int64_t t0 = (int64_t)sd_now_real_ns();
	pid_t pid = fork();
	if (pid < 0)
		init_fail(j, "cannot fork in the sandbox");
	if (pid == 0)
		job_main(j);
	job_pid = pid;
	if (pending_sig)
		kill(pid, pending_sig);
	int status = reap_job(pid);
	job_pid = 0;
	kill(-1, SIGKILL);   /* everything else in the sandbox */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	int64_t t1 = (int64_t)sd_now_real_ns();
	struct sd_fschanges ch;
	sd_fschanges_collect(v.layers, v.nlayers, t0, t1, &ch);
	j->done(j->arg, status, &ch, sd_view_full(&v));
	_exit(status);
}

static int write_map(pid_t pid, const char *file, const char *text)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = sd_write_full(fd, text, strlen(text));
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* A user's own ids, mapped to themselves. */
static int map_ids(pid_t pid)
{
	char m[64];

	if (write_map(pid, "setgroups", "deny\n") < 0 && errno != ENOENT)
		return -1;
	snprintf(m, sizeof m, "%u %u 1\n", (unsigned)getuid(), (unsigned)getuid());
	if (write_map(pid, "uid_map", m) < 0)
		return -1;
	snprintf(m, sizeof m, "%u %u 1\n", (unsigned)getgid(), (unsigned)getgid());
	return write_map(pid, "gid_map", m);
}

int sd_sandbox_start(const struct sd_sandbox_plan *p, const struct sd_sandbox_job *j,
		     struct sd_sandbox_start *s, char **err)
{
	int go[2];
	/* the init is pid 1 of its own namespace; it makes the others itself (init_main) */
	unsigned long flags = (p->root ? 0 : CLONE_NEWUSER) | CLONE_NEWPID | SIGCHLD;

	s->pid = -1;
	s->go_fd = -1;
	if (pipe2(go, O_CLOEXEC) < 0) {
		*err = xasprintf("sandbox: pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(go[1]);
		init_main(p, j, go[0]);
	}
	int e = errno;
	close(go[0]);
	if (pid < 0) {
		close(go[1]);
		*err = xasprintf("cannot create the sandbox's namespaces: %s%s", strerror(e),
				 e == EPERM || e == ENOSPC || e == EINVAL ?
				 " (user namespaces are needed: are they disabled, e.g. "
				 "user.max_user_namespaces = 0?)" : "");
		return -1;
	}
	if (!p->root && map_ids(pid) < 0) {
		*err = xasprintf("cannot map ids into the sandbox's user namespace: %s", strerror(errno));
		kill(pid, SIGKILL);
		close(go[1]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	s->pid = pid;
	s->go_fd = go[1];
	return 0;
}

void sd_sandbox_go(struct sd_sandbox_start *s)
{
	if (s->go_fd < 0)
		return;
	if (write(s->go_fd, "g", 1) < 0 && s->pid > 0)
		kill(s->pid, SIGKILL);
	close(s->go_fd);
	s->go_fd = -1;
}
