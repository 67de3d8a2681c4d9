/* trace_fixture.h - for unit tests that run the tracer into a memory file: the trace
 * written to fd, read back (fd is closed); NULL, with the reader's message on stderr,
 * when it does not parse. */
#ifndef SD_TEST_TRACE_FIXTURE_H
#define SD_TEST_TRACE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "format/reader.h"

static inline struct sd_reader *trace_fixture_read(int fd, const char *name)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)len + 1), *err = NULL;
	struct sd_reader *r = NULL;

	if (buf && pread(fd, buf, (size_t)len, 0) == len)
		r = sd_reader_open_mem(buf, (size_t)len, name, &err);
	close(fd);
	free(buf);
	if (!r)
		fprintf(stderr, "%s: %s\n", name, err ? err : "cannot read the trace");
	free(err);
	return r;
}

#endif
