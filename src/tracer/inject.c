/* inject.c - system calls a stopped tracee is made to make for the tracer (inject.h). */
#define _GNU_SOURCE
#include "tracer/inject.h"

#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "tracer/proc.h"
#include "util/util.h"

/* Run the call set up in tid's registers to its exit stop: its result in *ret. */
static int run_call(pid_t tid, int64_t *ret, int *status)
{
	*status = 0;
	for (;;) {
		int st;
		if (ptrace(PTRACE_SYSCALL, tid, 0L, 0L) < 0)
			return -1;
		if (sd_waitpid(tid, &st, __WALL) < 0)
			return -1;
		int event = (unsigned)st >> 16;
		if (!WIFSTOPPED(st) ||
		    (WSTOPSIG(st) != (SIGTRAP | 0x80) && event != PTRACE_EVENT_SECCOMP)) {
			*status = st;
			return -1;
		}
		struct __ptrace_syscall_info info;
		memset(&info, 0, sizeof info);
		if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof info, &info) <= 0)
			return -1;
		if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
			*ret = info.exit.rval;
			return 0;
		}
	}
}

bool sd_inject_is_syscall(pid_t tid, uint64_t addr)
{
	unsigned char b[2];
	return sd_mem_read(tid, addr, b, 2) == 2 && b[0] == 0x0f && b[1] == 0x05;
}

uint64_t sd_inject_find_syscall(pid_t tid, uint64_t start)
{
	unsigned char text[8192];
	ssize_t n = start ? sd_mem_read(tid, start, text, sizeof text) : -1;

	for (ssize_t i = 0; i + 1 < n; i++)
		if (text[i] == 0x0f && text[i + 1] == 0x05)
			return start + (uint64_t)i;
	return 0;
}

int sd_inject_call(pid_t tid, const struct user_regs_struct *regs, bool at_entry,
		   uint64_t insn, long nr, const uint64_t a[6], int64_t *ret, int *status)
{
	struct user_regs_struct r = *regs;

	*status = 0;
	if (at_entry || !insn)
		insn = regs->rip - 2;
	if (!sd_inject_is_syscall(tid, insn))
		return -1;
	if (at_entry) {
		r.orig_rax = (uint64_t)nr;   /* in place of the call, which comes again after */
	} else {
		r.rip = insn;
		r.rax = (uint64_t)nr;
	}
	r.rdi = a[0];
	r.rsi = a[1];
	r.rdx = a[2];
	r.r10 = a[3];
	r.r8 = a[4];
	r.r9 = a[5];
	if (ptrace(PTRACE_SETREGS, tid, 0L, &r) < 0)
		return -1;
	int rc = run_call(tid, ret, status);
	if (*status && !WIFSTOPPED(*status))
		return -1;   /* gone */
	r = *regs;
	if (at_entry) {
		r.rip -= 2;
		r.rax = r.orig_rax;
	}
	if (ptrace(PTRACE_SETREGS, tid, 0L, &r) < 0)
		return -1;
	return rc;
}

int sd_inject_filter(pid_t tid, const struct sock_fprog *prog, bool at_entry, uint64_t insn,
		     int *status)
{
	struct user_regs_struct regs;
	size_t bytes = (size_t)prog->len * sizeof *prog->filter;
	int64_t ret = -1;

	*status = 0;
	if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) < 0)
		return -1;
	/* struct sock_fprog (len, then the program's address at 8), then the program */
	uint64_t at = (regs.rsp - 128 - 16 - bytes) & ~(uint64_t)15;
	uint64_t head[2] = { prog->len, at + 16 };
	if (sd_mem_write(tid, at, head, sizeof head) < 0 ||
	    sd_mem_write(tid, at + 16, prog->filter, bytes) < 0)
		return -1;
	uint64_t a[6] = { SECCOMP_SET_MODE_FILTER, 0, at, 0, 0, 0 };
	int rc = sd_inject_call(tid, &regs, at_entry, insn, SYS_seccomp, a, &ret, status);
	return rc == 0 && ret == 0 ? 0 : -1;
}
