/* zout_int.h - internal to src/format/: the compressed output stream of the JSON Lines
 * writer (zout.c). */
#ifndef SD_ZOUT_INT_H
#define SD_ZOUT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "format/writers.h"

struct sd_zout;

/* A gzip or zstd stream written to fd (not closed).  threaded: compressed and written
 * by a thread of its own, which runs on the CPUs the caller may run on now (see zout.c).
 * NULL when the library cannot start one (out of memory). */
struct sd_zout *sd_zout_new(int fd, enum sd_compress kind, bool threaded);
/* Compress p[0..n) and write the result, ending with a flush point (everything given so
 * far decodes from the file), or with the end of the stream when end is set.  0, or -1
 * with errno set (the write(2) error, ENOSPC for a full disk).  Threaded: p is copied
 * and handed over; the return is the first error so far, and with end set the call
 * waits until everything is written. */
int sd_zout_write(struct sd_zout *z, const void *p, size_t n, bool end);
/* (Threaded: stops the thread; what was handed over without end may not be written.) */
void sd_zout_free(struct sd_zout *z);

#endif
