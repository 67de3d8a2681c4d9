/* launch.c - start the traced command under ptrace, or attach to a running one.
 *
 * Launch (strace's way): fork; the child stops itself with SIGSTOP, installs the
 * seccomp filter and execs; the parent seizes the stopped child with every option in
 * the PTRACE_SEIZE call (no window where a fork could escape), interrupts it and lets
 * it continue.  The child's own set-up syscalls are hidden by the engine until execve. */
#define _GNU_SOURCE
#include "tracer/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "tracer/proc.h"
#include "tracer/seccomp.h"
#include "tracer/tracer.h"
#include "util/path.h"
#include "util/util.h"

extern char **environ;

int sd_exec_error(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (access(path, X_OK) < 0)
		return errno;
	return 0;
}

/* cand, made absolute against cwd when one is given (the caller's own cwd otherwise). */
static char *candidate(const char *cwd, char *cand)
{
	if (!cwd)
		return cand;
	char *abs = sd_path_absolute(cwd, cand);
	free(cand);
	return abs ? abs : xstrdup("");
}

int sd_resolve_command_in(const char *cmd, const char *path, const char *cwd, char **out)
{
	*out = NULL;
	if (!*cmd)
		return ENOENT;
	if (strchr(cmd, '/')) {
		char *cand = candidate(cwd, xstrdup(cmd));
		int err = sd_exec_error(cand);
		if (!err)
			*out = cand;
		else
			free(cand);
		return err;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int first_err = ENOENT;
	for (const char *p = path;; p++) {
		const char *colon = strchrnul(p, ':');
		/* an empty entry is the current directory */
		char *cand = candidate(cwd, xasprintf("%.*s%s%s", (int)(colon - p), p,
						      colon == p ? "" : "/", cmd));
		int err = sd_exec_error(cand);
		if (!err) {
			*out = cand;
			return 0;
		}
		free(cand);
		if (err != ENOENT && err != ENOTDIR && first_err == ENOENT)
			first_err = err;
		if (!*colon)
			break;
		p = colon;
	}
	return first_err;
}

int sd_resolve_command(const char *cmd, char **out)
{
	return sd_resolve_command_in(cmd, getenv("PATH"), NULL, out);
}

/* In the child: report errno to the parent through the close-on-exec pipe, then die. */
static _Noreturn void child_fail(int fd, int err)
{
	ssize_t w = write(fd, &err, sizeof err);
	(void)w;
	_exit(127);
}

static _Noreturn void child_exec(const struct sd_tracer_opts *o, const struct sock_fprog *prog,
				 int errfd)
{
	kill(getpid(), SIGSTOP);
	if (prog) {
		int r = sd_seccomp_install(prog);
		if (r < 0)
			child_fail(errfd, -r);
	}
	execve(o->exec_path, o->argv, environ);
	int err = errno;
	if (err == ENOEXEC) {
		/* A script without #!: run it with sh, as execvp and shells do. */
		int n = 0;
		while (o->argv[n])
			n++;
		char *argv[n + 2];
		argv[0] = "sh";
		argv[1] = (char *)o->exec_path;
		for (int i = 1; i <= n; i++)
			argv[i + 1] = o->argv[i];
		execve("/bin/sh", argv, environ);
		err = errno;
	}
	child_fail(errfd, err);
}

pid_t sd_launch(const struct sd_tracer_opts *o, const struct sock_fprog *prog,
		unsigned ptrace_opts, int *errpipe_rd)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		sd_error("pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		sd_error("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_exec(o, prog, pfd[1]);
	}
	close(pfd[1]);
	int st;
	sd_waitpid(pid, &st, WSTOPPED);
	if (!WIFSTOPPED(st)) {
		sd_error("command did not start (status 0x%x)", st);
		close(pfd[0]);
		return -1;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0L, (unsigned long)ptrace_opts) < 0) {
		int err = errno;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		sd_error("cannot trace the command: %s", sd_ptrace_diagnose(pid, err));
		close(pfd[0]);
		return -1;
	}
	ptrace(PTRACE_INTERRUPT, pid, 0L, 0L);
	kill(pid, SIGCONT);
	*errpipe_rd = pfd[0];
	return pid;
}

/* 'R', 'S', 'Z'... from /proc/TID/status, or 0. */
static char thread_state(pid_t tid)
{
	char st[8];
	return sd_procfs_status_field(tid, "State", st, sizeof st) == 0 ? st[0] : 0;
}

const char *sd_ptrace_diagnose(pid_t pid, int err)
{
	static char msg[256];
	long tracer = 0, scope = 0;
	if (err == ESRCH) {
		snprintf(msg, sizeof msg, "no such process %d", pid);
		return msg;
	}
	if (err != EPERM) {
		snprintf(msg, sizeof msg, "ptrace: %s", strerror(err));
		return msg;
	}
	if (sd_procfs_status_long(pid, "TracerPid", &tracer) == 0 && tracer) {
		snprintf(msg, sizeof msg, "process %d is already traced by process %ld", pid, tracer);
		return msg;
	}
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (f) {
		if (fscanf(f, "%ld", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (scope == 3)
		snprintf(msg, sizeof msg, "ptrace is disabled by Yama (kernel.yama.ptrace_scope=3)");
	else if (scope >= 1 && geteuid() != 0)
		snprintf(msg, sizeof msg,
			 "ptrace refused by Yama (kernel.yama.ptrace_scope=%ld): run as root or "
			 "set it to 0", scope);
	else
		snprintf(msg, sizeof msg,
			 "ptrace: Operation not permitted (missing CAP_SYS_PTRACE, or the process "
			 "is not dumpable)");
	return msg;
}

/* Seize every thread of pid, rescanning /proc/PID/task until no new thread appears. */
int sd_attach(pid_t pid, unsigned ptrace_opts)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	for (int round = 0, added = 1; added && round < 100; round++) {
		added = 0;
		DIR *d = opendir(path);
		if (!d) {
			sd_error("cannot trace process %d: %s", pid,
				 errno == ENOENT ? "no such process" : strerror(errno));
			return -1;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			if (tid <= 0 || sd_tracee_find(tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0L, (unsigned long)ptrace_opts) < 0) {
				int err = errno;
				long tracer = 0;
				if (err == ESRCH || thread_state(tid) == 'Z')
					continue; /* exited meanwhile, or a zombie (main thread gone) */
				if (err == EPERM && sd_procfs_status_long(tid, "TracerPid", &tracer) == 0 &&
				    tracer == getpid()) {
					/* Created by a thread we hold: already attached by the kernel. */
					sd_tracee_new(tid, pid);
					added = 1;
					continue;
				}
				closedir(d);
				sd_error("cannot trace process %d: %s", pid, sd_ptrace_diagnose(tid, err));
				return -1;
			}
			ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
			sd_tracee_new(tid, pid);
			added = 1;
		}
		closedir(d);
	}
	if (!sd_tracee_count()) {
		sd_error("cannot trace process %d: it has exited (a zombie)", pid);
		return -1;
	}
	return 0;
}
