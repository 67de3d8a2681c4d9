/* strace_log.h - read a log written by `strace -o FILE` (with or without -f, -t/-tt/-ttt,
 * -T, -y/-yy, -s N, -v, -x/-xx, -X raw/abbrev/verbose) into the event model, so that
 * compare never knows where an event came from.  Arguments are typed exactly as the
 * live tracer types them (the decode schema); what strace's text cannot give is
 * documented in docs/trace-format.md, "Importing strace logs".  Errors come back as
 * one-line messages naming the file and line, as for the trace reader. */
#ifndef SD_STRACE_LOG_H
#define SD_STRACE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include "event/event.h"
#include "util/lines.h"

struct sd_strace_opts {
	const char *cwd;     /* start directory assumed for relative paths (NULL: unknown) */
};

struct sd_strace;

/* Takes ownership of in (closed by sd_strace_close, or here on failure).  Parses lazily;
 * returns NULL with *err ("FILE:LINE: not an strace log: ...") only for an input that is
 * clearly not an strace log: its first non-blank line does not parse.  opts may be NULL. */
struct sd_strace *sd_strace_open(struct sd_lines *in, const struct sd_strace_opts *opts,
				 char **err);

/* Cheap check on the first n bytes of an input: could this be an strace log? */
bool sd_strace_sniff(const char *head, size_t n);

/* Synthesized header: version 1, tool "strace", arch "x86_64", argv from the first
 * execve (NULL and attached = true when the log does not start with one), cwd =
 * opts->cwd, pid = the first pid (0 without -f, when lines carry no pid), start_real_ns
 * from -ttt timestamps (else 0), max_bytes 0 (buffers keep what strace showed). */
const struct sd_trace_info *sd_strace_info(const struct sd_strace *s);

/* Next event: 1 = *ev filled (caller clears it with sd_event_clear), 0 = end of the log,
 * -1 = a line that does not parse (*err = "FILE:LINE: cannot parse strace line: why");
 * errors are sticky. */
int sd_strace_next(struct sd_strace *s, struct sd_event *ev, char **err);

/* After sd_strace_next returned 0 (NULL before): complete = the first (root) process's
 * exit or death was seen and the log did not end with a partial line; exit_status =
 * its exit code, or 128+N when killed by signal N; events = events returned. */
const struct sd_trace_end *sd_strace_end(const struct sd_strace *s);

void sd_strace_close(struct sd_strace *s);

#endif
