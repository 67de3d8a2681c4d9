/* fuzz_strace.c - libFuzzer target for the strace log importer.
 *
 * Any bytes must give events or a clean "FILE:LINE: ..." error: never a crash, a leak,
 * undefined behaviour, a hang or quadratic time.  The events it gives must be valid
 * events of the model: buffers consistent with their hash, sequence numbers 1, 2, 3...,
 * and writable as a sysdiff trace that the trace reader reads back the same. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "format/reader.h"
#include "format/writers.h"
#include "format/strace_log.h"
#include "util/lines.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static void check_event(const struct sd_event *ev, uint64_t seq)
{
	CHECK(ev->seq == seq);
	CHECK((unsigned)ev->kind < SD_EV__COUNT);
	CHECK(ev->pid >= 0 && ev->tid >= 0);
	CHECK(ev->nargs >= 0 && ev->nargs <= SD_MAX_ARGS);
	CHECK(memchr(ev->name, 0, sizeof ev->name));
	CHECK(ev->sig >= 0 && ev->sig < 128);
	for (int i = 0; i < ev->nargs; i++) {
		const struct sd_arg *a = &ev->args[i];
		CHECK((unsigned)a->type < SD_ARG__COUNT);
		CHECK(a->buf.kept <= a->buf.len);
		CHECK(!a->buf.kept == !a->buf.data);
		if (a->buf.hash_valid && a->buf.kept == a->buf.len)
			CHECK(a->buf.hash == XXH64(a->buf.kept ? a->buf.data : (void *)"",
						   a->buf.kept, 0));
		CHECK(a->nstrv >= 0 && (!a->nstrv || a->strv));
		for (int k = 0; k < a->nstrv; k++)
			CHECK(a->strv[k]);
	}
	for (int i = ev->nargs; i < SD_MAX_ARGS; i++)
		CHECK(!ev->args[i].text && !ev->args[i].str && !ev->args[i].buf.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct sd_strace_opts opts = { .cwd = size % 2 ? "/home/u" : NULL };
	struct sd_event ev;
	uint64_t n = 0;
	int rc;

	sd_strace_sniff((const char *)data, size);
	struct sd_strace *s = sd_strace_open(sd_lines_open_mem(data, size, "fuzz"), &opts, &err);
	if (!s) {
		CHECK(err && !strncmp(err, "fuzz:", 5));
		free(err);
		return 0;
	}
	int fd = memfd_create("fuzz", 0);
	CHECK(fd >= 0);
	struct sd_sink *sink = sd_sink_jsonl_new(fd);
	sink->begin(sink, sd_strace_info(s));
	while ((rc = sd_strace_next(s, &ev, &err)) == 1) {
		check_event(&ev, ++n);
		sink->event(sink, &ev);
		sd_event_clear(&ev);
	}
	if (rc < 0) {
		CHECK(err && !strncmp(err, "fuzz:", 5));
		free(err);
		err = NULL;
		CHECK(sd_strace_next(s, &ev, &err) == -1);   /* errors are sticky */
		free(err);
		CHECK(!sd_strace_end(s));
	} else {
		const struct sd_trace_end *te = sd_strace_end(s);
		CHECK(te && te->events == n);
		CHECK(sink->end(sink, te) == 0);
	}
	sink->destroy(sink);

	/* what was imported is a valid trace: the reader takes it back */
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = malloc(len ? (size_t)len : 1);
	CHECK(pread(fd, buf, (size_t)len, 0) == len);
	close(fd);
	struct sd_reader *r = sd_reader_open_mem(buf, (size_t)len, "again", &err);
	if (!r)
		fprintf(stderr, "%s\n", err);
	CHECK(r);
	uint64_t m = 0;
	while ((rc = sd_reader_next(r, &ev, &err)) == 1) {
		m++;
		sd_event_clear(&ev);
	}
	if (rc < 0)
		fprintf(stderr, "%s\n", err);
	CHECK(rc == 0 && m == n);
	sd_reader_close(r);
	free(buf);
	sd_strace_close(s);
	return 0;
}
