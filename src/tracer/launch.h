/* launch.h - starting tracees: launch a command or attach to a pid.  Internal. */
#ifndef SD_LAUNCH_H
#define SD_LAUNCH_H

#include <linux/filter.h>
#include <sys/types.h>
#include "tracer/tracer.h"

/* Fork and exec o->exec_path under ptrace (seized with ptrace_opts, seccomp filter prog
 * installed in the child when non-NULL).  Returns the pid (stopped at its start, not yet
 * reported by wait), and the read end of a pipe that delivers an errno if the exec
 * fails.  -1 on failure (message printed, no process left behind). */
pid_t sd_launch(const struct sd_tracer_opts *o, const struct sock_fprog *prog,
		unsigned ptrace_opts, int *errpipe_rd);

/* Seize and interrupt every thread of pid, creating their tracees.  0 or -1 (printed). */
int sd_attach(pid_t pid, unsigned ptrace_opts);

#endif
