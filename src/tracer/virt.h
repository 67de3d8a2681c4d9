/* virt.h - a deterministic world for the traced command: its clock, its entropy and its
 * address space the same from run to run and, as far as can be, from program to program
 * (validate runs an original and its rewrite under the same virt).  Internal to
 * src/tracer/; the options are struct sd_virt_opts (tracer.h), the rules docs/validate.md.
 *
 * Clock: the vDSO is hidden at each exec (AT_SYSINFO_EHDR becomes AT_IGNORE; for a
 * CPython start-up, the tracer's own stub takes the slot: clockstub.h), so every
 * clock read is a syscall, answered from a virtual clock (at its seccomp stop, the call
 * skipped, when the kernel would surely succeed; else at its exit) that starts at
 * opts.clock_ns and moves only by what the program asks for: the sleeps and the timeouts
 * that expire, and one microsecond per read made from the user's own code.  Reads the
 * runtime makes (no user frame: the loader, CPython's start-up) see the clock move by a
 * microsecond each too, but do not move it for the user's code, so a Python program
 * and its C translation read the same times at the same points of their own code.
 * Absolute deadlines (clock_nanosleep TIMER_ABSTIME, futex waits, timers) are moved
 * from virtual to real time at entry and back at exit.  File times the kernel stamped
 * during the run (stat, statx) read as the virtual now.
 *
 * Entropy: getrandom, reads of /dev/urandom and /dev/random, and AT_RANDOM are served
 * from a keyed stream: draw k of n bytes with flags f, made from user code or not, is
 * XXH64 blocks of (seed, user, n, f, k).  A runtime's own draws (CPython's hash seed,
 * glibc's malloc) do not shift the user's: os.urandom(16) and a read of 16 bytes of
 * /dev/urandom give the same token.  Address-space randomization is off. */
#ifndef SD_VIRT_H
#define SD_VIRT_H

#include <stdbool.h>
#include <stdint.h>
#include "tracer/proc.h"
#include "tracer/tracer.h"

void sd_virt_init(const struct sd_virt_opts *o);
bool sd_virt_on(void);
/* Does the answer to syscall nr depend on whether the user's code made it (its source
 * line), whatever it touches?  The clocks and getrandom, when pinned (after
 * sd_virt_init). */
bool sd_virt_needs_source(int nr);
/* At PTRACE_EVENT_EXEC: hide the vDSO, fill AT_RANDOM.  *vdso: where the real vDSO is,
 * *vdso_slot: the auxv pair that named it, for a stub to take (clockstub.h); 0: none. */
void sd_virt_exec(pid_t tid, uint64_t *vdso, uint64_t *vdso_slot);
/* The clock (vclock.h): its start, the time the user's code saw pass, the runtime's
 * reads since; and those reads as counted elsewhere (clockstub.h). */
void sd_virt_clock(int64_t *real0, int64_t *elapsed, int64_t *runtime_reads);
void sd_virt_set_runtime_reads(int64_t n);
/* At a syscall's entry (args: the argument registers): absolute deadlines to real time. */
void sd_virt_entry(struct sd_tracee *t, int nr, const uint64_t args[6]);
/* At a clock read's seccomp stop (after sd_virt_entry): answer it there when the kernel
 * surely would succeed (a known clock, memory the program may write), so the caller can
 * skip the call and its exit stop.  True and *rval the return value when answered;
 * false (nothing done) when the call must run and be answered at its exit. */
bool sd_virt_answer_entry(struct sd_tracee *t, int nr, const uint64_t args[6], bool user,
			  int64_t *rval);
/* Is nr a stat whose file times the pinned clock rewrites at its exit (sd_virt_exit)? */
bool sd_virt_answers_stat(int nr);
/* Is path a device whose reads the pinned entropy answers (at the read's exit)? */
bool sd_virt_entropy_dev(const char *path);
/* At its exit, before it is decoded: the virtual answer.  user: the call was made from
 * the user's own code (a source line).  Returns the return value the program now sees. */
int64_t sd_virt_exit(struct sd_tracee *t, int nr, const uint64_t args[6], int64_t rval, bool user);

#endif
