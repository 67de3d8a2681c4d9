/* seccomp.h - a classic-BPF seccomp filter that returns SECCOMP_RET_TRACE for the
 * traced syscall numbers and SECCOMP_RET_ALLOW for the rest, so excluded syscalls never
 * stop the tracee.  Non-x86_64 arches and x32 numbers trace; unknown numbers trace. */
#ifndef SD_SECCOMP_H
#define SD_SECCOMP_H

#include <linux/filter.h>
#include "filter/sysset.h"

/* Build the program for `traced` (the caller also adds execve/execveat and whatever the
 * tracer needs for its own bookkeeping).  Returns 0 and fills *prog (free prog->filter
 * with free()), or -1 if the program would be too large. */
int sd_seccomp_build(const struct sd_sysset *traced, struct sock_fprog *prog);

/* The program for an interpreter's start-up in a run read for its paths only (loop.c,
 * until sd_inject_filter adds the one for traced): as for traced less plain, and an
 * open that only reads, a TCGETS, FIOCLEX or FIONCLEX ioctl and an F_GETFD, F_GETFL or
 * F_SETFD fcntl run too.  0 or -1, as sd_seccomp_build. */
int sd_seccomp_build_loose(const struct sd_sysset *traced, const struct sd_sysset *plain,
			   struct sock_fprog *prog);

/* Install prog in the calling process (PR_SET_NO_NEW_PRIVS first when not root).
 * Async-signal-safe: called in the forked child just before execve.  0 or -errno. */
int sd_seccomp_install(const struct sock_fprog *prog);

#endif
