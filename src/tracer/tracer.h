/* tracer.h - the ptrace engine: launch a command (or attach to a pid), follow every
 * process and thread, and hand each completed event to the sinks in seq order; and
 * the PATH search the launcher does, for callers that check a command beforehand. */
#ifndef SD_TRACER_H
#define SD_TRACER_H

#include <stdbool.h>
#include <sys/types.h>
#include "decode/decode.h"
#include "filter/sysset.h"
#include "event/sink.h"

/* A deterministic world for the command (validate): src/tracer/virt.h. */
struct sd_virt_opts {
	bool on;
	int64_t clock_ns;          /* CLOCK_REALTIME at the start, ns since the epoch */
	uint64_t seed;             /* of the entropy stream */
};

struct sd_tracer_opts {
	char **argv;               /* command to launch (argv[0] resolved via PATH), or NULL */
	const char *exec_path;     /* resolved path of argv[0] (launch mode) */
	pid_t attach_pid;          /* -p PID, when argv is NULL */
	struct sd_sysset traced;   /* syscalls to report */
	bool use_seccomp;          /* stop only on traced syscalls (launch mode, filtered) */
	bool pin_cpu;              /* run tracer and tracees on one CPU */
	struct sd_decode_opts dopts;
	struct sd_sink **sinks;
	int nsinks;
	/* Source lines (src/srcloc/srcloc.h): the user's file:line of each reported
	 * syscall in sd_event.src, found by unwinding the caller's stack at its entry. */
	bool source;               /* --source */
	bool source_stack;         /* --stack: every frame too (implies source) */
	struct sd_sysset unlocated;    /* reported syscalls whose source is not looked up
					  (validate: the noise its comparison drops by name);
					  the pinned clocks and entropy are looked up anyway
					  (sd_virt_needs_source) */
	struct sd_sysset counted;  /* calls whose events the consumer drops by name (validate:
				      the noise its comparison drops): the ones the tracer
				      keeps nothing of go at their first stop with no event,
				      counted by name in the trailer (sd_trace_end.unrecorded) */
	bool quick_startup;        /* what the main thread of a CPython does before it read its
				      main script is its start-up, located without its stack,
				      and what start-up and imports read is hashed, not kept
				      (validate: the comparison drops it all); srcloc.h */
	bool paths_only;           /* the trace is read for the paths it names and nothing else
				      (validate's calibration runs): a call that names none
				      and changes nothing the tracer keeps is not recorded
				      (its stop, when traced, is its only one) */
	bool loose_startup;        /* with quick_startup and paths_only (validate's calibration
				      runs): the launched interpreter's start-up runs under a
				      filter that lets its probes (stats, readlinks, opens that
				      only read, mappings) run with no stop, and the whole
				      filter is added to the process when start-up ends or
				      before it clones, execs or may stamp a file */
	bool clock_stub;           /* with quick_startup and the clock pinned: CPython's
				      start-up reads the clock through a stub mapped into it,
				      with no stop (src/tracer/clockstub.h) */
	char **source_maps;        /* --source-map files (transpiler maps), nsource_maps */
	int nsource_maps;
	const char *debug_dirs;    /* extra directories of separate debug files, ':'-separated */
	struct sd_virt_opts virt;  /* clock, entropy and address space pinned */
};

/* The calls a trace needs no stop for when it is read only for the paths it names
 * (paths_only): no path, no fd or cwd or name they make or change, nothing the pinned
 * world answers or a file time they stamp, no memory map; into *s.  A traced set that
 * leaves out only these still lets the tracer cache fd and cwd names. */
void sd_tracer_stateless(struct sd_sysset *s);

/* Run the trace to completion (or until SIGINT/SIGTERM/SIGHUP).  Fills *end and returns
 * the exit status sysdiff should exit with: the traced command's own status (128+N when
 * killed by signal N).  Fatal set-up errors are reported on stderr and return
 * SD_EXIT_TOOL (or 126/127 for a command that cannot be executed / is not found)
 * with end->complete false. */
int sd_tracer_run(const struct sd_tracer_opts *opts, struct sd_trace_end *end);

/* Find cmd like execvp would (launch.c).  0 and *out = malloc'd path, or an errno
 * (ENOENT: not found; EACCES/EISDIR...: found but not executable). */
int sd_resolve_command(const char *cmd, char **out);
/* The same with PATH's value path (NULL: the default /usr/local/bin:/usr/bin:/bin) for a
 * process whose cwd is cwd (NULL: this one's): *out is then absolute. */
int sd_resolve_command_in(const char *cmd, const char *path, const char *cwd, char **out);
/* 0 when path is a file this process may execute, else an errno (EISDIR for a directory). */
int sd_exec_error(const char *path);

/* Explain why ptrace(PTRACE_SEIZE) of pid failed with errno err, in one line
 * (another tracer attached, Yama ptrace_scope, missing CAP_SYS_PTRACE). */
const char *sd_ptrace_diagnose(pid_t pid, int err);

#endif
