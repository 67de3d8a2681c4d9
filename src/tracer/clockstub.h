/* clockstub.h - the clock reads of CPython's start-up answered inside the process.
 * Internal to src/tracer/.
 *
 * With the clock pinned (virt.h) the vDSO is hidden, so each clock read is a system
 * call the tracer answers at its seccomp stop: ~230 stops in CPython's start-up alone,
 * every one dropped by validate's comparison.  For a Python interpreter, validate's
 * tracer (quick_startup) maps a vDSO of its own instead (stub/vdso.c): the loader binds
 * clock_gettime, gettimeofday and time to it.  Off, it makes the calls as glibc does
 * with no vDSO; on, it answers a read as the tracer would answer a read of the runtime
 * (vclock.h) and counts it.  The tracer turns it on at a clock read of start-up while
 * the process is alone, and takes back the clock and the counts at every recorded call
 * (before the pinned world is consulted), turning it off as start-up ends or before the
 * process clones, execs or exits: what the program's own code reads is answered by the
 * tracer as before, and the trailer counts the stub's reads as it counts the reads
 * answered at a stop. */
#ifndef SD_CLOCKSTUB_H
#define SD_CLOCKSTUB_H

#include <stdbool.h>
#include <stdint.h>
#include "tracer/proc.h"

/* Is the executable just exec'd (its path; NULL: unknown) one the stub is for (a
 * CPython interpreter: named python*)? */
bool sd_stub_wanted(const char *exe);
/* Map the stub into t's process at the exit stop of a successful execve (the new image
 * not yet started) and put it in the auxiliary vector's slot at auxv_slot (which
 * sd_virt_exec left as AT_IGNORE), borrowing the syscall instruction of the real vDSO at
 * vdso.  0: mapped (t->proc->stub); -1: not (the vDSO stays hidden), and *status is a
 * wait status of t that was not the mapping's (its death, a signal) for the caller to
 * handle, or 0. */
int sd_stub_install(struct sd_tracee *t, uint64_t vdso, uint64_t auxv_slot, int *status);
/* Let the stub answer from the clock as it stands (real0, elapsed, the runtime's reads). */
void sd_stub_on(struct sd_tracee *t, int64_t real0, int64_t elapsed, int64_t reads);
/* What the stub answered since the last look: *reads the runtime's reads now, and the
 * reads answered by call (clock_gettime, gettimeofday, time) added to counts.  off: and
 * it answers no more.  -1 when the process's memory cannot be read (it is dying). */
int sd_stub_pull(struct sd_tracee *t, bool off, int64_t *reads, uint64_t counts[3]);
/* The clock as the tracer has it now: the stub is told when it differs from what the
 * stub had at the last look (the tracer answered a read or a wait meanwhile). */
void sd_stub_push(struct sd_tracee *t, int64_t elapsed, int64_t reads);

#endif
