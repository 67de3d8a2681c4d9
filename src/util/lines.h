/* lines.h - line input from a file, stdin or memory, plain, gzip- or zstd-compressed.
 *
 * The readers of trace files and strace logs take their input through here, so
 * both accept .gz and .zst files (detected by content, not by name) and report
 * positions the same way.  Lines are returned without the '\n'; a line longer than
 * SD_LINE_MAX is an error.  A compressed stream cut short reads as what was decoded
 * up to the cut (its last line then usually lacks its '\n'). */
#ifndef SD_LINES_H
#define SD_LINES_H

#include <stdbool.h>
#include <stddef.h>

#define SD_LINE_MAX (64u << 20)

struct sd_lines;

/* Open path ("-" = stdin).  NULL with *err = "PATH: reason" on failure. */
struct sd_lines *sd_lines_open(const char *path, char **err);
/* The same, naming the input name (not path) in messages. */
struct sd_lines *sd_lines_open_as(const char *path, const char *name, char **err);
/* Read from a copy of data (not decompressed); name is used in messages. */
struct sd_lines *sd_lines_open_mem(const void *data, size_t len, const char *name);

/* Next line: 1 = *line and *len set (NUL-terminated in place, valid until the next call;
 * *nl = it ended with '\n', false only for a last line without one), 0 = end of
 * input, -1 = error (*err = malloc'd "NAME:LINE: reason"). */
int sd_lines_next(struct sd_lines *l, char **line, size_t *len, bool *nl, char **err);

/* Look at the first bytes of the (decompressed) input without consuming them.
 * Returns how many of max bytes were copied to dst (fewer at end of input). */
size_t sd_lines_peek(struct sd_lines *l, char *dst, size_t max);

unsigned long sd_lines_lineno(const struct sd_lines *l); /* of the last line returned */
/* Byte offset (in the decompressed input) where the last line returned starts. */
unsigned long long sd_lines_offset(const struct sd_lines *l);
const char *sd_lines_name(const struct sd_lines *l);     /* "<stdin>" for "-" */
const char *sd_lines_compression(const struct sd_lines *l);  /* "gzip", "zstd" or NULL */
void sd_lines_close(struct sd_lines *l);

#endif
