/* inject.h - system calls a stopped tracee is made to make for the tracer, its registers
 * restored after.  Internal to src/tracer/.
 *
 * The call is made from a syscall instruction already in the process (0f 05): the one
 * of the call stopped at, or another (the real vDSO's).  Its data goes on the stack
 * below the red zone, which nothing of the program's uses at a stop. */
#ifndef SD_INJECT_H
#define SD_INJECT_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* Make tid, stopped with the registers regs, call nr(a) for the tracer, and put regs
 * back after as long as it lives.  At a seccomp stop (at_entry) the call takes the place
 * of the one stopped at, which is made again after it; at another stop it is made from
 * the syscall instruction at insn (0: the one behind rip, of the call stopped at), and
 * what the tracee was doing goes on.  0 with its result in *ret; or -1, with *status
 * the stop or end that came instead (its death, a signal), or 0 when ptrace failed or
 * no syscall instruction is there. */
int sd_inject_call(pid_t tid, const struct user_regs_struct *regs, bool at_entry,
		   uint64_t insn, long nr, const uint64_t a[6], int64_t *ret, int *status);

/* Is there a syscall instruction at addr in tid? */
bool sd_inject_is_syscall(pid_t tid, uint64_t addr);
/* The first syscall instruction in the 8 KiB of tid's memory at start (the real vDSO,
 * whose fallbacks make calls), or 0. */
uint64_t sd_inject_find_syscall(pid_t tid, uint64_t start);

/* Add prog to tid's seccomp filters (SECCOMP_SET_MODE_FILTER: filters only ever
 * tighten), by sd_inject_call: at a seccomp stop, the call stopped at is made again
 * after it, under the new filter (it stops again); elsewhere the call's result stands.
 * 0, or -1 with *status as for sd_inject_call. */
int sd_inject_filter(pid_t tid, const struct sock_fprog *prog, bool at_entry, uint64_t insn,
		     int *status);

#endif
