/* ptrace_floor.c - the floor of syscall tracing: a tracer that does nothing but stop
 * its command at every syscall entry and exit (PTRACE_SYSCALL + waitpid), following
 * forks, clones and execs, reading nothing and writing nothing.  Every traced figure in
 * bench/README.md stands next to this one: what any ptrace tool pays before it does its
 * work.  Pinned to one CPU with its tracees, as sysdiff pins itself.
 *   ptrace_floor COMMAND [ARGS...]     exits with the command's status */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	cpu_set_t one;
	int cpu = sched_getcpu(), st, code = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: ptrace_floor COMMAND [ARGS...]\n");
		return 2;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	sched_setaffinity(0, sizeof one, &one);   /* inherited by the command */
	pid_t pid = fork();
	if (pid < 0) {
		perror("ptrace_floor: fork");
		return 2;
	}
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execvp(argv[1], argv + 1);
		perror("ptrace_floor: exec");
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
		return 2;
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
	       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC);
	ptrace(PTRACE_SYSCALL, pid, 0, 0);
	for (;;) {
		pid_t t = waitpid(-1, &st, __WALL);
		if (t < 0)
			break;   /* ECHILD: every tracee is gone */
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (t == pid)
				code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			continue;
		}
		int sig = WSTOPSIG(st), inject = 0;
		/* syscall stops, ptrace events and new children's first stop: nothing to pass on */
		if (sig != (SIGTRAP | 0x80) && (st >> 16) == 0 && sig != SIGSTOP)
			inject = sig;
		ptrace(PTRACE_SYSCALL, t, 0, (void *)(long)inject);
	}
	return code;
}
