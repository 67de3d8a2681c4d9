/* input.h - open any trace compare understands and read it as events.
 *
 * The format is detected from the content: a sysdiff JSON Lines trace (first line
 * {"sysdiff_trace":...}) or a log written by strace -o (see strace_log.h); either
 * may be gzip- or zstd-compressed.  Messages name the file and line. */
#ifndef SD_INPUT_H
#define SD_INPUT_H

#include "event/event.h"

enum sd_input_format { SD_FMT_JSONL, SD_FMT_STRACE };

struct sd_input_opts {
	const char *name;        /* shown in messages instead of the path (NULL: path) */
	const char *strace_cwd;  /* start directory assumed for an strace log's relative paths */
};

struct sd_input;

struct sd_input *sd_input_open(const char *path, const struct sd_input_opts *o, char **err);
enum sd_input_format sd_input_format(const struct sd_input *in);
const char *sd_input_format_name(enum sd_input_format f);   /* "sysdiff", "strace" */
const char *sd_input_compression(const struct sd_input *in);  /* "gzip", "zstd" or NULL */
const struct sd_trace_info *sd_input_info(const struct sd_input *in);
/* 1 = *ev filled (clear it with sd_event_clear), 0 = end, -1 = error (*err). */
int sd_input_next(struct sd_input *in, struct sd_event *ev, char **err);
/* After 0: the trailer, or NULL when the input ended without one. */
const struct sd_trace_end *sd_input_end(const struct sd_input *in);
/* Line of the last input line read (JSONL; 0 when unknown). */
unsigned long sd_input_lineno(const struct sd_input *in);
/* JSONL only: where the last event's line starts, and reading one event back from
 * there (offsets growing from call to call).  For strace logs offset is 0 and
 * next_at fails: one event may come from several lines. */
unsigned long long sd_input_offset(const struct sd_input *in);
int sd_input_next_at(struct sd_input *in, unsigned long long off, struct sd_event *ev, char **err);
void sd_input_close(struct sd_input *in);

#endif
