/* fuzz_reader.c - libFuzzer target for the trace reader.
 *
 * Any bytes given to the reader must give events or a clean error: never a
 * crash, a leak or undefined behaviour.  Whatever the reader accepts is also
 * rendered by the text and summary sinks, and written back as JSON Lines and
 * read again: that second reading must give exactly the same events (the
 * format is lossless), else the target aborts.  The reader's own JSON parser
 * is checked against jansson: line by line (what it accepts, jansson parses to
 * the same document; what jansson refuses, it refuses), and trace by trace (the
 * input read with jansson alone gives the same events and the same error). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "format/jsonl_int.h"
#include "format/reader.h"
#include "format/writers.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "round trip: %s\n", #c); abort(); } } while (0)

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void check_arg(const struct sd_arg *a, const struct sd_arg *b)
{
	CHECK(a->type == b->type && a->at_exit == b->at_exit && a->raw == b->raw);
	CHECK(str_eq(a->text, b->text) && str_eq(a->ref, b->ref));
	CHECK(str_eq(a->str, b->str) && str_eq(a->abs, b->abs));
	CHECK(a->buf.len == b->buf.len && a->buf.hash == b->buf.hash);
	CHECK(a->buf.kept == b->buf.kept && a->buf.hash_valid == b->buf.hash_valid);
	CHECK(!a->buf.data == !b->buf.data);
	CHECK(!a->buf.kept || !memcmp(a->buf.data, b->buf.data, a->buf.kept));
	CHECK(a->nstrv == b->nstrv && !a->strv == !b->strv && a->strv_more == b->strv_more);
	for (int i = 0; i < a->nstrv; i++)
		CHECK(!strcmp(a->strv[i], b->strv[i]));
}

static void check_event(const struct sd_event *a, const struct sd_event *b)
{
	CHECK(a->seq == b->seq && a->pid == b->pid && a->tid == b->tid);
	CHECK(a->kind == b->kind && a->t_ns == b->t_ns && a->dur_ns == b->dur_ns);
	CHECK(a->nr == b->nr && !strcmp(a->name, b->name) && a->nargs == b->nargs);
	for (int i = 0; i < a->nargs; i++)
		check_arg(&a->args[i], &b->args[i]);
	CHECK(a->finished == b->finished && a->ret == b->ret && a->ret_fmt == b->ret_fmt);
	CHECK(str_eq(a->ret_ref, b->ret_ref) && str_eq(a->ret_text, b->ret_text));
	CHECK(a->interrupted == b->interrupted && a->restart_of == b->restart_of);
	CHECK(a->sig == b->sig && str_eq(a->siginfo, b->siginfo) && a->status == b->status);
	CHECK(a->core == b->core && a->old_tid == b->old_tid);
	CHECK(str_eq(a->src.file, b->src.file) && a->src.line == b->src.line);
	CHECK(str_eq(a->src.func, b->src.func));
	CHECK(str_eq(a->src.dir, b->src.dir) && str_eq(a->src.module, b->src.module));
	CHECK(str_eq(a->src.gen_file, b->src.gen_file) && a->src.gen_line == b->src.gen_line);
	CHECK(str_eq(a->src.gen_func, b->src.gen_func) && str_eq(a->src.why, b->src.why));
	CHECK(str_eq(a->src.lang, b->src.lang) && str_eq(a->src.phase, b->src.phase));
	CHECK(str_eq(a->src.inner_file, b->src.inner_file) && a->src.inner_line == b->src.inner_line);
	CHECK(str_eq(a->src.inner_func, b->src.inner_func));
	CHECK(a->src.nframes == b->src.nframes);
	for (int i = 0; i < a->src.nframes && i < b->src.nframes; i++) {
		const struct sd_srcframe *x = &a->src.frames[i], *y = &b->src.frames[i];
		CHECK(x->pc == y->pc && x->off == y->off && x->line == y->line);
		CHECK(x->inlined == y->inlined && x->user == y->user && x->py == y->py);
		CHECK(str_eq(x->module, y->module) && str_eq(x->func, y->func) &&
		      str_eq(x->file, y->file));
	}
}

static void check_info(const struct sd_trace_info *a, const struct sd_trace_info *b)
{
	/* b is written by this sysdiff: the current version, whatever a's was */
	CHECK(b->version == SD_JSONL_VERSION && str_eq(a->tool, b->tool) && str_eq(a->arch, b->arch));
	CHECK(str_eq(a->cwd, b->cwd) && a->pid == b->pid && a->attached == b->attached);
	CHECK(a->start_real_ns == b->start_real_ns && a->max_bytes == b->max_bytes);
	CHECK(!a->argv == !b->argv);
	for (int i = 0; a->argv && (a->argv[i] || b->argv[i]); i++)
		CHECK(str_eq(a->argv[i], b->argv[i]));
}

static char *slurp(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *p = malloc(n ? n : 1);
	CHECK(pread(fd, p, n, 0) == n);
	*len = n;
	return p;
}

struct run {
	struct sd_event *evs;
	int n, cap;
};

/* Returns the reader's error (malloc'd), or NULL when the input read to its end. */
static char *run_sinks(struct sd_reader *r, int out_fd, struct run *run)
{
	static int null_fd = -1;
	struct sd_text_opts o = { .strsize = 8, .show_fds = true, .durations = true,
				  .timestamps = true };
	struct sd_event ev;
	struct sb sb = SB_INIT;
	char *err = NULL;

	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY);
	struct sd_sink *sinks[] = {
		sd_sink_jsonl_new(out_fd), sd_sink_text_new(null_fd, &o),
		sd_sink_summary_new(null_fd),
	};
	for (int i = 0; i < 3; i++)
		sinks[i]->begin(sinks[i], sd_reader_info(r));
	while (sd_reader_next(r, &ev, &err) == 1) {
		sd_text_format_event(&sb, &ev, NULL);
		sb_reset(&sb);
		for (int i = 0; i < 3; i++) {
			if (sinks[i]->enter && ev.seq % 2)
				sinks[i]->enter(sinks[i], &ev);
			sinks[i]->event(sinks[i], &ev);
		}
		if (run->n == run->cap) {
			run->cap = run->cap ? 2 * run->cap : 16;
			run->evs = realloc(run->evs, run->cap * sizeof *run->evs);
		}
		run->evs[run->n++] = ev;   /* kept for the comparison */
	}
	const struct sd_trace_end *te = sd_reader_end(r);
	for (int i = 0; i < 3; i++) {
		if (te)
			sinks[i]->end(sinks[i], te);
		sinks[i]->destroy(sinks[i]);
	}
	sb_free(&sb);
	return err;
}

/* Read the re-encoded trace: it must hold the same header, events, trailer. */
static void reread(const char *data, size_t len, struct sd_reader *first, const struct run *run)
{
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(data, len, "again", &err);
	struct sd_event ev;

	if (!r)
		fprintf(stderr, "%s\n%.*s\n", err, (int)len, data);
	CHECK(r);
	check_info(sd_reader_info(first), sd_reader_info(r));
	for (int i = 0; i < run->n; i++) {
		if (sd_reader_next(r, &ev, &err) != 1)
			fprintf(stderr, "%s\n", err);
		CHECK(!err);
		check_event(&run->evs[i], &ev);
		sd_event_clear(&ev);
	}
	CHECK(sd_reader_next(r, &ev, &err) == 0);
	const struct sd_trace_end *a = sd_reader_end(first), *b = sd_reader_end(r);
	CHECK(!a == !b);
	if (a)
		CHECK(a->complete == b->complete && a->events == b->events &&
		      a->exit_status == b->exit_status && str_eq(a->reason, b->reason));
	sd_reader_close(r);
}

/* Each line: the fast parser's document is jansson's, or it leaves the line alone. */
static void check_lines(const char *data, size_t size)
{
	static struct jdoc a, b;

	for (size_t at = 0; at < size;) {
		const char *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - data) - at : size - at;
		json_error_t je;
		json_t *j = json_loadb(data + at, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
		if (sd_jv_parse_fast(&a, data + at, n)) {
			CHECK(j && json_is_object(j));
			sd_jv_from_jansson(&b, j, n);
			CHECK(sd_jv_equal(&a, &b));
		}
		json_decref(j);
		at += n + 1;
	}
}

/* The input read again with jansson alone: the same events as run, the same end. */
static void check_jansson(const uint8_t *data, size_t size, const struct run *run,
			  const char *first_err)
{
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(data, size, "fuzz", &err);
	struct sd_event ev;
	int i = 0, rc;

	CHECK(r);
	sd_reader_jansson_only(r, true);
	while ((rc = sd_reader_next(r, &ev, &err)) == 1) {
		CHECK(i < run->n);
		check_event(&run->evs[i++], &ev);
		sd_event_clear(&ev);
	}
	CHECK(i == run->n);
	CHECK((rc < 0) == (first_err != NULL));
	CHECK(rc == 0 || !strcmp(err, first_err));
	free(err);
	sd_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(data, size, "fuzz", &err);
	struct run run = { 0 };

	check_lines((const char *)data, size);
	if (!r) {
		free(err);
		return 0;
	}
	int fd = memfd_create("fuzz", 0);
	CHECK(fd >= 0);
	char *first_err = run_sinks(r, fd, &run);
	check_jansson(data, size, &run, first_err);
	free(first_err);
	size_t len;
	char *out = slurp(fd, &len);
	close(fd);
	reread(out, len, r, &run);
	free(out);
	for (int i = 0; i < run.n; i++)
		sd_event_clear(&run.evs[i]);
	free(run.evs);
	sd_reader_close(r);
	return 0;
}
