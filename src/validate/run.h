/* run.h - run one command under the tracer, isolated, the way validate runs both.
 *
 * The run happens in a child process ("runner") that enters a private mount
 * namespace, puts an overlayfs over the starting directory at its own path (or a
 * bind-mounted copy when overlayfs is refused), sets the pinned environment, stdin
 * from a file, stdout and stderr to files, and traces the command to a JSONL file;
 * at the end it snapshots the starting directory as the run left it.  Nothing the
 * command writes reaches the user's directory.  A process limit (pids cgroup) and a
 * timeout bound the run; every process is gone when sd_run returns. */
#ifndef SD_RUN_H
#define SD_RUN_H

#include <stdbool.h>
#include <stdint.h>

struct sd_run_spec {
	const char *label;      /* "original" / "transpiled", for messages */
	char **argv;            /* the command; argv[0] as the user gave it */
	const char *exec_path;  /* argv[0] resolved */
	const char *workdir;    /* absolute real path of the starting directory */
	char **envp;            /* the whole environment of the command */
	const char *stdin_path; /* a file, or "/dev/null" */
	const char *io_dir;     /* path at which the command's stdout/stderr files appear */
	const char *side_dir;   /* this run's own directory, bound over io_dir in the run */
	const char *tmp;        /* scratch directory for overlay layers and copies */
	double timeout;         /* seconds, 0 = none */
	int max_procs;          /* processes at once (pids cgroup, else RLIMIT_NPROC) */
	uint32_t max_bytes;     /* --max-bytes of the trace */
	volatile int *stop;     /* set (by a signal handler) to end the run early */
	uint64_t max_output;    /* bytes of stdout + stderr + trace before the run is
				   stopped as a flood (0: no limit) */
};

struct sd_run_result {
	int status;             /* the command's exit status (128+N if killed by signal N) */
	bool timed_out;
	bool stopped;           /* ended early through spec->stop */
	bool output_limit;      /* stopped: its output passed spec->max_output */
	bool proc_limit;        /* the process limit was reached at some point */
	bool tool_failed;       /* the tracer could not run the command (error says why) */
	char *error;
	char *isolation;        /* how the starting directory was isolated */
	double seconds;
};

/* Files inside side_dir after the run. */
#define SD_RUN_TRACE "trace.jsonl"
#define SD_RUN_STDOUT "stdout"
#define SD_RUN_STDERR "stderr"
#define SD_RUN_STATE "state"

/* 0 when the run happened (whatever the command did), -1 when it could not be set up
 * (r->error says why). */
int sd_run(const struct sd_run_spec *s, struct sd_run_result *r);
void sd_run_result_free(struct sd_run_result *r);

#endif
