/* writers.h - the trace writers (JSON Lines, strace-like text), the -c summary, all
 * sinks (event/sink.h), and the one-event renderings reports reuse. */
#ifndef SD_WRITERS_H
#define SD_WRITERS_H

#include <stdio.h>
#include "event/sink.h"
#include "util/util.h"

struct sd_text_opts {
	int strsize;        /* -s N: bytes of buffers shown (default 32); paths never cut */
	int timestamps;     /* 1 (-t): HH:MM:SS before each line; 2 (-tt): HH:MM:SS.uuuuuu */
	bool durations;     /* -T: <0.000012> after each syscall */
	bool show_fds;      /* -y: print fd refs: 3</etc/passwd> */
	bool verbose;       /* -v: unabbreviated argv/envp and structures */
};


/* Writers take an open fd (not closed by the sink).  JSON Lines output is written
 * in whole lines only, so a killed tracer leaves a valid prefix.  A sink's end()
 * returns -1 with errno set to the first write error (ENOSPC...). */
struct sd_sink *sd_sink_jsonl_new(int fd);

/* Compressed JSON Lines: gzip or zstd, flushed after each batch of whole lines (at
 * most 64 KiB), so a killed tracer leaves a stream that decodes to a valid prefix. */
enum sd_compress { SD_COMPRESS_NONE, SD_COMPRESS_GZIP, SD_COMPRESS_ZSTD };
/* What a trace file's name asks for: ".gz" gzip, ".zst" zstd, anything else none. */
enum sd_compress sd_compress_for_path(const char *path);
/* NULL when the compressor cannot start (out of memory). */
struct sd_sink *sd_sink_jsonl_new_compressed(int fd, enum sd_compress c);
struct sd_sink *sd_sink_text_new(int fd, const struct sd_text_opts *opts);
/* -c: a table like strace -c (calls, errors, time per syscall), written at end(). */
struct sd_sink *sd_sink_summary_new(int fd);

/* Render one completed syscall event the way the text sink does, without the
 * "[pid N] " prefix and without the newline (used by compare's reports). */
void sd_text_format_event(struct sb *out, const struct sd_event *ev, const struct sd_text_opts *opts);
/* The same, also giving where each argument starts in out (cols[i] for argument i,
 * -1 when not shown) and where the " = result" part starts (cols[SD_MAX_ARGS]). */
void sd_text_format_event_cols(struct sb *out, const struct sd_event *ev,
			       const struct sd_text_opts *opts, long cols[SD_MAX_ARGS + 1]);
/* Width of the first n bytes of p as the text formats show them inside quotes. */
size_t sd_text_escaped_width(const void *p, size_t n);
/* One event as a JSON object (no newline) that stands alone: every field written as in
 * version 1 of the format, which every version's reader reads (trace files leave out
 * what the reader can default, see docs/trace-format.md). */
void sd_jsonl_format_event(struct sb *out, const struct sd_event *ev);

#endif
