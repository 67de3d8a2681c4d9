/* reader.h - read a sysdiff JSON Lines trace back into events.
 * Errors come back as one-line messages naming the file and line. */
#ifndef SD_READER_H
#define SD_READER_H

#include <stddef.h>
#include "event/event.h"

struct sd_reader;

/* Open a trace file ("-" = stdin) and parse its header.  On failure returns NULL and
 * sets *err to a malloc'd message ("trace.jsonl:1: not a sysdiff trace"). */
struct sd_reader *sd_reader_open(const char *path, char **err);
/* The same over an already opened input (util/lines.h), which the reader then owns. */
struct sd_lines;
struct sd_reader *sd_reader_open_lines(struct sd_lines *in, char **err);
/* The same over a memory buffer (copied); name is used in messages. */
struct sd_reader *sd_reader_open_mem(const void *data, size_t len, const char *name, char **err);

const struct sd_trace_info *sd_reader_info(const struct sd_reader *r);

/* Next event: 1 = *ev filled (caller clears it with sd_event_clear), 0 = end of trace,
 * -1 = malformed input (*err set).  After 0, sd_reader_end() gives the trailer, or NULL
 * when the file ended without one (a truncated trace: treat as incomplete). */
int sd_reader_next(struct sd_reader *r, struct sd_event *ev, char **err);
const struct sd_trace_end *sd_reader_end(const struct sd_reader *r);

unsigned long sd_reader_lineno(const struct sd_reader *r);  /* of the last line read */
/* Byte offset (decompressed) of the last event line read. */
unsigned long long sd_reader_offset(const struct sd_reader *r);
/* Skip unparsed to the event line starting at byte offset off (offsets must grow from
 * call to call) and read it: 1 = *ev filled, -1 = error (no such line: *err). */
int sd_reader_next_at(struct sd_reader *r, unsigned long long off, struct sd_event *ev, char **err);
void sd_reader_close(struct sd_reader *r);

#endif
