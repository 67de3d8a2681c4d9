/* run.h - run commands under the tracer, each in a sandbox of its own, the way validate
 * runs both sides.
 *
 * Each run happens in a sandbox (sandbox/sandbox.h): the whole file system
 * copy-on-write at the same paths, private pid, UTS, IPC and network namespaces.  Its
 * stdin is a fresh read of a given file, its stdout and stderr are memory files
 * ("memfd:stdout", "memfd:stderr"), its trace a file without a name; nothing of a run
 * has a name on the real file system, so nothing is left behind however sysdiff ends.
 * After the run the sandbox reports every path it changed.  The runs of one call happen
 * at the same time; a process limit (pids cgroup), a timeout and an output limit bound
 * each; every process is gone when sd_run_all returns. */
#ifndef SD_RUN_H
#define SD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "sandbox/sandbox.h"
#include "tracer/tracer.h"

struct sd_run_spec {
	const char *label;      /* "original" / "transpiled", for messages */
	char **argv;            /* the command; argv[0] as the user gave it */
	const char *exec_path;  /* the file executed (absolute) */
	const char *workdir;    /* absolute path of the starting directory */
	char **envp;            /* the whole environment of the command */
	int stdin_fd;           /* a file read afresh as stdin, or -1 (/dev/null) */
	const struct sd_sandbox_plan *plan;
	int cpu;                /* the CPU tracer and command are pinned to (-1: any) */
	double timeout;         /* seconds, 0 = none */
	int max_procs;          /* processes at once (pids cgroup, else RLIMIT_NPROC) */
	uint32_t max_bytes;     /* --max-bytes of the trace */
	bool stack;             /* keep every frame of each call's stack (--stack) */
	const struct sd_sysset *unlocated;  /* calls whose source line is not looked up */
	const struct sd_sysset *counted;    /* calls dropped by name: counted, not recorded,
					       when the tracer keeps nothing of them */
	bool quick_startup;     /* an interpreter's start-up located without its stack */
	bool paths_only;        /* its trace is read for the paths it names only (calibration):
				   the calls that name none and change nothing run unseen or
				   unrecorded (sd_tracer_stateless, tracer.h) */
	volatile int *stop;     /* set (by a signal handler) to end the runs early */
	struct sd_virt_opts virt;   /* the command's clock and entropy (tracer.h) */
	uint64_t max_output;    /* bytes of stdout + stderr + trace, and of files written,
				   before the run is stopped as a flood (0: no limit) */
};

struct sd_run_result {
	int status;             /* the command's exit status (128+N if killed by signal N) */
	bool timed_out;
	bool stopped;           /* ended early through spec->stop */
	bool output_limit;      /* stopped: its output passed spec->max_output */
	bool layers_full;       /* it filled what it may write to files (spec->max_output) */
	bool proc_limit;        /* the process limit was reached at some point */
	bool tool_failed;       /* the tracer could not run the command (error says why) */
	char *error;
	char *isolation;        /* how the run was isolated, one line */
	double seconds;
	double setup_seconds;   /* of which building the sandbox's view took */
	int out_fd, err_fd;     /* its stdout and stderr (read from offset 0) */
	int trace_fd;           /* its trace (JSON Lines) */
	struct sd_fschanges changes;   /* every path it changed */
	bool have_changes;
	pid_t reap_pid;         /* its sandbox's init, still to be reaped (by ..._free) */
	char *reap_cgroup;      /* and its pids cgroup, still to be removed */
};

/* Run the n specs at the same time.  0 when every run happened (whatever the commands
 * did), -1 when one could not be set up or its sandbox failed (its error says why). */
int sd_run_all(const struct sd_run_spec *s, struct sd_run_result *r, size_t n);
void sd_run_result_free(struct sd_run_result *r);

#endif
