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

/* Run the call set up in tid's registers (from a syscall-exit stop, rip at a syscall
 * instruction, or from a seccomp stop with orig_rax changed) to its exit stop: its
 * return value in *ret.  -1 with *status the stop or end that came instead (its death,
 * a signal), or 0 when ptrace failed. */
int sd_inject_run(pid_t tid, int64_t *ret, int *status);

/* Is there a syscall instruction at addr in tid? */
bool sd_inject_is_syscall(pid_t tid, uint64_t addr);
/* The first syscall instruction in the 8 KiB of tid's memory at start (the real vDSO,
 * whose fallbacks make calls), or 0. */
uint64_t sd_inject_find_syscall(pid_t tid, uint64_t start);

/* Add prog to tid's seccomp filters (SECCOMP_SET_MODE_FILTER: filters only ever
 * tighten).  At a seccomp stop (at_entry), the call stopped at is made again after it,
 * under the new filter: it stops again.  At a syscall-exit stop, the filter goes in
 * from the syscall instruction at insn and the call's result stands.  0, or -1 with
 * *status as for sd_inject_run. */
int sd_inject_filter(pid_t tid, const struct sock_fprog *prog, bool at_entry, uint64_t insn,
		     int *status);

#endif
