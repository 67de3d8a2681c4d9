/* input.c - format detection in front of the JSONL reader and the strace importer. */
#include "format/input.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "format/reader.h"
#include "format/strace_log.h"
#include "util/lines.h"
#include "util/util.h"

struct sd_input {
	enum sd_input_format fmt;
	char *name;
	const char *compression;   /* "gzip", "zstd" or NULL */
	struct sd_reader *jr;
	struct sd_strace *st;
};

struct sd_input *sd_input_open(const char *path, const struct sd_input_opts *o, char **err)
{
	static const struct sd_input_opts none;
	char head[4096];
	char *e = NULL;

	if (!o)
		o = &none;
	struct sd_lines *l = sd_lines_open_as(path, o->name, &e);
	if (!l) {
		*err = e;
		return NULL;
	}
	struct sd_input *in = xcalloc(1, sizeof *in);
	in->name = xstrdup(sd_lines_name(l));
	in->compression = sd_lines_compression(l);
	size_t n = sd_lines_peek(l, head, sizeof head), i = 0;
	while (i < n && isspace((unsigned char)head[i]))
		i++;
	if (n == 0) {
		*err = xasprintf("%s: empty file (not a sysdiff trace or strace log)", in->name);
	} else if (head[i] == '{') {
		in->fmt = SD_FMT_JSONL;
		if ((in->jr = sd_reader_open_lines(l, &e)))
			return in;
		*err = e;
		l = NULL;   /* owned and closed by the reader */
	} else if (sd_strace_sniff(head, n)) {
		struct sd_strace_opts so = { .cwd = o->strace_cwd };
		in->fmt = SD_FMT_STRACE;
		if ((in->st = sd_strace_open(l, &so, &e)))
			return in;
		*err = e;
		l = NULL;
	} else {
		*err = xasprintf("%s:1: not a sysdiff trace or strace log", in->name);
	}
	sd_lines_close(l);
	free(in->name);
	free(in);
	return NULL;
}

enum sd_input_format sd_input_format(const struct sd_input *in) { return in->fmt; }
const char *sd_input_compression(const struct sd_input *in) { return in->compression; }

const char *sd_input_format_name(enum sd_input_format f)
{
	return f == SD_FMT_STRACE ? "strace" : "sysdiff";
}

const struct sd_trace_info *sd_input_info(const struct sd_input *in)
{
	return in->jr ? sd_reader_info(in->jr) : sd_strace_info(in->st);
}

int sd_input_next(struct sd_input *in, struct sd_event *ev, char **err)
{
	return in->jr ? sd_reader_next(in->jr, ev, err) : sd_strace_next(in->st, ev, err);
}

const struct sd_trace_end *sd_input_end(const struct sd_input *in)
{
	return in->jr ? sd_reader_end(in->jr) : sd_strace_end(in->st);
}

unsigned long long sd_input_offset(const struct sd_input *in)
{
	return in->jr ? sd_reader_offset(in->jr) : 0;
}

int sd_input_next_at(struct sd_input *in, unsigned long long off, struct sd_event *ev, char **err)
{
	if (!in->jr) {
		*err = xasprintf("%s: cannot seek in an strace log", in->name);
		return -1;
	}
	return sd_reader_next_at(in->jr, off, ev, err);
}

unsigned long sd_input_lineno(const struct sd_input *in)
{
	return in->jr ? sd_reader_lineno(in->jr) : 0;
}

void sd_input_close(struct sd_input *in)
{
	if (!in)
		return;
	sd_reader_close(in->jr);
	sd_strace_close(in->st);
	free(in->name);
	free(in);
}
