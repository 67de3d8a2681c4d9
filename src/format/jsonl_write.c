/* jsonl_write.c - the JSON Lines trace writer (format: docs/trace-format.md).
 *
 * This runs once per traced syscall, so the JSON is produced by hand into a
 * struct sb instead of building jansson trees.  Output is written in whole
 * lines only: lines are collected in memory and handed to write(2) when more
 * than 64 KiB are buffered (or after every line when the fd is a terminal),
 * so a tracer killed at any point leaves a valid prefix of the trace.  A
 * compressed trace gets the same batches, each ending with a flush point of
 * the compressor (zout.c). */
#include "format/writers.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/jsonl_int.h"
#include "format/zout_int.h"

#define FLUSH_AT (64 * 1024)

/* Times at or above 2^22 s no longer survive the trip through a double with
 * nanosecond precision; for those an exact "<key>_ns" integer is added. */
#define EXACT_FLOAT_NS (4194304ull * 1000000000ull)

struct jsonl_sink {
	struct sd_sink base;
	int fd;
	bool line_buffered;
	int err;                /* errno of the first failed write, 0: none */
	bool ended;             /* the compressed stream is closed */
	struct sd_zout *z;      /* compressed output, or NULL */
	struct sb out;
};

/* Write the buffered lines; end: and close the compressed stream. */
static void flush_end(struct jsonl_sink *s, bool end)
{
	int rc = 0;

	if (!s->err && s->z && !s->ended && (s->out.len || end))
		rc = sd_zout_write(s->z, s->out.buf, s->out.len, end);
	else if (!s->err && !s->z && s->out.len)
		rc = sd_write_full(s->fd, s->out.buf, s->out.len);
	if (rc < 0)
		s->err = errno ? errno : EIO;
	s->ended |= end;
	sb_reset(&s->out);
}

static void flush(struct jsonl_sink *s)
{
	flush_end(s, false);
}

static void line_done(struct jsonl_sink *s)
{
	sb_addc(&s->out, '\n');
	if (s->line_buffered || s->out.len > FLUSH_AT)
		flush(s);
}

/* ---- JSON encoding primitives ---- */

static const char hexdig[] = "0123456789abcdef";

static void put_u64(struct sb *sb, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	sb_add(sb, p, tmp + sizeof tmp - p);
}

static void put_i64(struct sb *sb, int64_t v)
{
	if (v < 0) {
		sb_addc(sb, '-');
		put_u64(sb, -(uint64_t)v);
	} else {
		put_u64(sb, v);
	}
}

/* Seconds with 9 decimals (ns exact): 12.000345678 */
static void put_secs9(struct sb *sb, uint64_t ns)
{
	char frac[10];
	uint64_t f = ns % 1000000000u;

	put_u64(sb, ns / 1000000000u);
	frac[0] = '.';
	for (int i = 9; i >= 1; i--, f /= 10)
		frac[i] = '0' + f % 10;
	sb_add(sb, frac, sizeof frac);
}

/* Bytes of a JSON string body; s must be valid UTF-8 (kept as is). */
static void put_escaped(struct sb *sb, const unsigned char *s, size_t n)
{
	size_t run = 0;

	sb_grow(sb, n + 2);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		sb_add(sb, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sb_add(sb, "\\\"", 2); break;
		case '\\': sb_add(sb, "\\\\", 2); break;
		case '\n': sb_add(sb, "\\n", 2); break;
		case '\t': sb_add(sb, "\\t", 2); break;
		case '\r': sb_add(sb, "\\r", 2); break;
		case '\b': sb_add(sb, "\\b", 2); break;
		case '\f': sb_add(sb, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15] };
			sb_add(sb, u, sizeof u);
		}
		}
	}
	sb_add(sb, s + run, n - run);
}

static void put_hex(struct sb *sb, const unsigned char *s, size_t n)
{
	sb_grow(sb, 2 * n);
	char *p = sb->buf + sb->len;
	for (size_t i = 0; i < n; i++) {
		*p++ = hexdig[s[i] >> 4];
		*p++ = hexdig[s[i] & 15];
	}
	sb->len += 2 * n;
	sb->buf[sb->len] = 0;
}

/* ,"key": */
static void put_key(struct sb *sb, const char *key)
{
	sb_addc(sb, ',');
	sb_addc(sb, '"');
	sb_adds(sb, key);
	sb_add(sb, "\":", 2);
}

static void put_qstr(struct sb *sb, const void *s, size_t n)
{
	sb_addc(sb, '"');
	put_escaped(sb, s, n);
	sb_addc(sb, '"');
}

/* A byte string as a JSON string value, or as {"hex":"..."} when it is not
 * valid UTF-8 (used in arrays: argv, strv). */
static void put_bytes_value(struct sb *sb, const char *s)
{
	size_t n = strlen(s);

	if (sd_utf8_valid(s, n)) {
		put_qstr(sb, s, n);
		return;
	}
	sb_add(sb, "{\"hex\":\"", 8);
	put_hex(sb, (const unsigned char *)s, n);
	sb_add(sb, "\"}", 2);
}

/* ,"key":"..." or ,"key_hex":"..." for bytes that are not valid UTF-8. */
static void put_field_bytes(struct sb *sb, const char *key, const void *s, size_t n)
{
	if (sd_utf8_valid(s, n)) {
		put_key(sb, key);
		put_qstr(sb, s, n);
		return;
	}
	sb_addc(sb, ',');
	sb_addc(sb, '"');
	sb_adds(sb, key);
	sb_add(sb, "_hex\":\"", 7);
	put_hex(sb, s, n);
	sb_addc(sb, '"');
}

/* The same for an optional C string: nothing when s is NULL. */
static void put_field_str(struct sb *sb, const char *key, const char *s)
{
	if (s)
		put_field_bytes(sb, key, s, strlen(s));
}

static void put_field_int(struct sb *sb, const char *key, int64_t v)
{
	put_key(sb, key);
	put_i64(sb, v);
}

static void put_field_true(struct sb *sb, const char *key)
{
	put_key(sb, key);
	sb_add(sb, "true", 4);
}

static void put_strv(struct sb *sb, char *const *v, int n)
{
	sb_addc(sb, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ',');
		put_bytes_value(sb, v[i]);
	}
	sb_addc(sb, ']');
}

/* ---- events ---- */

static void put_buf(struct sb *sb, const struct sd_arg *a)
{
	const struct sd_buf *b = &a->buf;
	bool is_buf = a->type == SD_ARG_BUF;

	if (is_buf || b->len)
		put_field_int(sb, "len", (int64_t)b->len);
	if (is_buf || b->hash) {
		char h[16];
		for (int i = 0; i < 16; i++)
			h[i] = hexdig[(b->hash >> (60 - 4 * i)) & 15];
		put_key(sb, "hash");
		put_qstr(sb, h, sizeof h);
	}
	/* Default when absent: true if "hash" was written, else false. */
	if (b->hash_valid != (is_buf || b->hash)) {
		put_key(sb, "hash_valid");
		sb_adds(sb, b->hash_valid ? "true" : "false");
	}
	if (b->data)
		put_field_bytes(sb, "data", b->data, b->kept);
}

/* compact: the trace file's form (version 2), which leaves out what the reader
 * defaults (a path's "abs" equal to its "raw", a syscall's "nr" that is its name's);
 * else every field as in version 1, for an event that stands alone (reports). */
static void put_arg(struct sb *sb, const struct sd_arg *a, bool compact)
{
	sb_add(sb, "{\"type\":\"", 9);
	sb_adds(sb, sd_arg_type_name(a->type));
	sb_addc(sb, '"');
	if (a->type == SD_ARG_PATH) {
		put_field_str(sb, "raw", a->str);
		put_field_int(sb, "addr", a->raw);
		/* compact: absent is the same as raw, null is not set */
		if (compact && a->str && !a->abs)
			sb_adds(sb, ",\"abs\":null");
		else if (!compact || !a->str || strcmp(a->str, a->abs))
			put_field_str(sb, "abs", a->abs);
	} else {
		put_field_int(sb, "raw", a->raw);
		put_field_str(sb, "str", a->str);
		put_field_str(sb, "abs", a->abs);
	}
	put_field_str(sb, "text", a->text);
	put_field_str(sb, "ref", a->ref);
	put_buf(sb, a);
	if (a->strv) {
		put_key(sb, "strv");
		put_strv(sb, a->strv, a->nstrv);
	}
	if (a->strv_more)
		put_field_true(sb, "strv_more");
	if (a->at_exit)
		put_field_true(sb, "at_exit");
	sb_addc(sb, '}');
}

static const char *const ret_fmt_names[] = {
	[SD_RET_DEC] = "dec", [SD_RET_HEX] = "hex", [SD_RET_FD] = "fd", [SD_RET_OCT] = "oct",
};

static void put_ret(struct sb *sb, const struct sd_event *ev)
{
	if (!ev->finished) {
		sb_adds(sb, ",\"ret\":null,\"unfinished\":true");
		return;
	}
	put_field_int(sb, "ret", ev->ret);
	if (sd_ret_is_error(ev->ret)) {
		put_key(sb, "err");
		sb_addc(sb, '"');
		sb_adds(sb, sd_errno_name((int)-ev->ret));
		sb_addc(sb, '"');
	}
}

/* Syscall fields; for other kinds (all = false) only those not at their default. */
static void put_syscall_fields(struct sb *sb, const struct sd_event *ev, bool all, bool compact)
{
	if (all || ev->name[0])
		put_field_bytes(sb, "name", ev->name, strnlen(ev->name, sizeof ev->name));
	/* a syscall's nr is left out when it is the number of its name (the reader's default) */
	if (all ? !compact || !sd_jsonl_nr_is_default(ev->name, ev->nr) : ev->nr != 0)
		put_field_int(sb, "nr", ev->nr);
	if (all || ev->nargs > 0) {
		int n = ev->nargs < 0 ? 0 : ev->nargs > SD_MAX_ARGS ? SD_MAX_ARGS : ev->nargs;
		put_key(sb, "args");
		sb_addc(sb, '[');
		for (int i = 0; i < n; i++) {
			if (i)
				sb_addc(sb, ',');
			put_arg(sb, &ev->args[i], compact);
		}
		sb_addc(sb, ']');
	}
	if (all || ev->finished)
		put_ret(sb, ev);
	if (ev->ret_fmt != SD_RET_DEC && (unsigned)ev->ret_fmt <= SD_RET_OCT) {
		put_key(sb, "ret_fmt");
		put_qstr(sb, ret_fmt_names[ev->ret_fmt], strlen(ret_fmt_names[ev->ret_fmt]));
	}
	put_field_str(sb, "ret_ref", ev->ret_ref);
	put_field_str(sb, "ret_text", ev->ret_text);
	if (ev->interrupted)
		put_field_true(sb, "interrupted");
	if (ev->restart_of)
		put_field_int(sb, "restart_of", (int64_t)ev->restart_of);
	if (ev->pre != SD_PRE_UNKNOWN) {
		put_key(sb, "existed");
		sb_adds(sb, ev->pre == SD_PRE_EXISTED ? "true" : "false");
	}
}

/* Fields of the non-syscall kinds; each written when its kind needs it or
 * when it is not at its default value. */
static void put_other_fields(struct sb *sb, const struct sd_event *ev)
{
	enum sd_ev_kind k = ev->kind;

	if (ev->sig || k == SD_EV_SIGNAL || k == SD_EV_STOP || k == SD_EV_KILLED) {
		put_key(sb, "sig");
		sb_addc(sb, '"');
		sb_adds(sb, sd_signal_name(ev->sig));
		sb_addc(sb, '"');
		put_field_int(sb, "signo", ev->sig);
	}
	put_field_str(sb, "siginfo", ev->siginfo);
	if (ev->status || k == SD_EV_EXIT)
		put_field_int(sb, "status", ev->status);
	if (ev->core || k == SD_EV_KILLED) {
		put_key(sb, "core");
		sb_adds(sb, ev->core ? "true" : "false");
	}
	if (ev->old_tid || k == SD_EV_SUPERSEDED)
		put_field_int(sb, "old_tid", ev->old_tid);
}

/* ,"key":"N": an integer in nanoseconds as a string of digits, which jq keeps exact */
static void put_field_ns(struct sb *sb, const char *key, uint64_t ns)
{
	put_key(sb, key);
	sb_addc(sb, '"');
	put_u64(sb, ns);
	sb_addc(sb, '"');
}

/* compact: "<key>_ns" as a string (version 2), else as an integer (version 1). */
static void put_time(struct sb *sb, const char *key, const char *key_ns, uint64_t ns,
		     bool compact)
{
	put_key(sb, key);
	put_secs9(sb, ns);
	if (ns >= EXACT_FLOAT_NS && compact)
		put_field_ns(sb, key_ns, ns);
	else if (ns >= EXACT_FLOAT_NS)
		put_field_int(sb, key_ns, (int64_t)ns);
}

/* ,"key":N when N is not 0 */
static void put_field_nz(struct sb *sb, const char *key, int64_t v)
{
	if (v)
		put_field_int(sb, key, v);
}

static void put_frame(struct sb *sb, const struct sd_srcframe *f)
{
	sb_add(sb, "{\"pc\":", 6);
	put_i64(sb, (int64_t)f->pc);
	put_field_nz(sb, "off", (int64_t)f->off);
	put_field_str(sb, "module", f->module);
	put_field_str(sb, "func", f->func);
	put_field_str(sb, "file", f->file);
	put_field_nz(sb, "line", f->line);
	if (f->inlined)
		put_field_true(sb, "inline");
	if (f->user)
		put_field_true(sb, "user");
	if (f->py)
		put_field_true(sb, "py");
	sb_addc(sb, '}');
}

static bool src_set(const struct sd_srcloc *s)
{
	return s->file || s->line || s->func || s->dir || s->module || s->gen_file ||
	       s->gen_line || s->gen_func || s->why || s->lang || s->phase || s->inner_file || s->inner_line ||
	       s->inner_func || s->nframes;
}

/* The source location: an object whose keys are written when set (the leading
 * comma of the first key is replaced by the brace). */
static void put_src(struct sb *sb, const struct sd_srcloc *src)
{
	sb_add(sb, ",\"src\":", 7);
	size_t open = sb->len;
	put_field_str(sb, "file", src->file);
	put_field_nz(sb, "line", src->line);
	put_field_str(sb, "func", src->func);
	put_field_str(sb, "dir", src->dir);
	put_field_str(sb, "module", src->module);
	put_field_str(sb, "gen_file", src->gen_file);
	put_field_nz(sb, "gen_line", src->gen_line);
	put_field_str(sb, "gen_func", src->gen_func);
	put_field_str(sb, "why", src->why);
	put_field_str(sb, "lang", src->lang);
	put_field_str(sb, "phase", src->phase);
	put_field_str(sb, "inner_file", src->inner_file);
	put_field_nz(sb, "inner_line", src->inner_line);
	put_field_str(sb, "inner_func", src->inner_func);
	if (src->nframes > 0) {
		put_key(sb, "stack");
		sb_addc(sb, '[');
		for (int i = 0; i < src->nframes; i++) {
			if (i)
				sb_addc(sb, ',');
			put_frame(sb, &src->frames[i]);
		}
		sb_addc(sb, ']');
	}
	sb->buf[open] = '{';
	sb_addc(sb, '}');
}

/* Encode one event as a JSON object (no newline); compact: see put_arg. */
static void encode_event(struct sb *sb, const struct sd_event *ev, bool compact)
{
	bool sys = ev->kind == SD_EV_SYSCALL;

	sb_add(sb, "{\"seq\":", 7);
	put_i64(sb, (int64_t)ev->seq);
	put_field_int(sb, "pid", ev->pid);
	put_field_int(sb, "tid", ev->tid);
	put_time(sb, "t", "t_ns", ev->t_ns, compact);
	if (ev->dur_ns || (sys && !compact))
		put_time(sb, "dur", "dur_ns", ev->dur_ns, compact);
	put_key(sb, "type");
	sb_addc(sb, '"');
	sb_adds(sb, sd_ev_kind_name(ev->kind));
	sb_addc(sb, '"');
	put_syscall_fields(sb, ev, sys, compact);
	put_other_fields(sb, ev);
	if (src_set(&ev->src))
		put_src(sb, &ev->src);
	sb_addc(sb, '}');
}

void sd_jsonl_format_event(struct sb *out, const struct sd_event *ev)
{
	encode_event(out, ev, false);
}

/* ---- header and trailer ---- */

static void encode_header(struct sb *sb, const struct sd_trace_info *ti)
{
	sb_add(sb, "{\"sysdiff_trace\":", 17);
	put_i64(sb, SD_JSONL_VERSION);
	put_field_str(sb, "tool", ti->tool);
	put_field_str(sb, "arch", ti->arch);
	put_key(sb, "argv");
	if (ti->argv) {
		int n = 0;
		while (ti->argv[n])
			n++;
		put_strv(sb, ti->argv, n);
	} else {
		sb_add(sb, "null", 4);
	}
	put_field_str(sb, "cwd", ti->cwd);
	put_field_int(sb, "pid", ti->pid);
	put_key(sb, "attached");
	sb_adds(sb, ti->attached ? "true" : "false");
	put_key(sb, "start");
	put_u64(sb, ti->start_real_ns / 1000000000u);
	sb_addf(sb, ".%06u", (unsigned)(ti->start_real_ns % 1000000000u / 1000));
	put_field_ns(sb, "start_ns", ti->start_real_ns);
	put_field_int(sb, "max_bytes", ti->max_bytes);
	if (ti->umask_known) {
		put_key(sb, "umask");
		sb_addf(sb, "\"%04o\"", (unsigned)ti->umask);
	}
	sb_addc(sb, '}');
}

static void encode_trailer(struct sb *sb, const struct sd_trace_end *te)
{
	sb_add(sb, "{\"end\":true,\"complete\":", 23);
	sb_adds(sb, te->complete ? "true" : "false");
	put_field_int(sb, "events", (int64_t)te->events);
	put_field_int(sb, "exit_status", te->exit_status);
	put_field_str(sb, "reason", te->reason);
	if (te->nunrecorded) {
		put_key(sb, "unrecorded");
		for (size_t i = 0; i < te->nunrecorded; i++) {
			sb_addc(sb, i ? ',' : '{');
			put_qstr(sb, te->unrecorded[i].name, strlen(te->unrecorded[i].name));
			sb_addc(sb, ':');
			put_u64(sb, te->unrecorded[i].n);
		}
		sb_addc(sb, '}');
	}
	sb_addc(sb, '}');
}

/* ---- the sink ---- */

static void jsonl_begin(struct sd_sink *base, const struct sd_trace_info *ti)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	encode_header(&s->out, ti);
	sb_addc(&s->out, '\n');
	flush(s);
}

static void jsonl_event(struct sd_sink *base, const struct sd_event *ev)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	encode_event(&s->out, ev, true);
	line_done(s);
}

static int jsonl_end(struct sd_sink *base, const struct sd_trace_end *te)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	encode_trailer(&s->out, te);
	sb_addc(&s->out, '\n');
	flush_end(s, true);
	if (s->err) {
		errno = s->err;   /* the first failure's: "No space left on device" */
		return -1;
	}
	return 0;
}

static void jsonl_destroy(struct sd_sink *base)
{
	struct jsonl_sink *s = (struct jsonl_sink *)base;

	if (!s)
		return;
	flush_end(s, true);
	sd_zout_free(s->z);
	sb_free(&s->out);
	free(s);
}

struct sd_sink *sd_sink_jsonl_new_compressed(int fd, enum sd_compress c)
{
	struct sd_zout *z = NULL;

	if (c != SD_COMPRESS_NONE && !(z = sd_zout_new(fd, c, true)))
		return NULL;
	struct jsonl_sink *s = xcalloc(1, sizeof *s);
	s->base.begin = jsonl_begin;
	s->base.enter = NULL;
	s->base.event = jsonl_event;
	s->base.end = jsonl_end;
	s->base.destroy = jsonl_destroy;
	s->fd = fd;
	s->z = z;
	s->line_buffered = !z && isatty(fd);
	return &s->base;
}

struct sd_sink *sd_sink_jsonl_new(int fd)
{
	return sd_sink_jsonl_new_compressed(fd, SD_COMPRESS_NONE);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

enum sd_compress sd_compress_for_path(const char *path)
{
	return !path ? SD_COMPRESS_NONE : ends_with(path, ".gz") ? SD_COMPRESS_GZIP
		: ends_with(path, ".zst") ? SD_COMPRESS_ZSTD : SD_COMPRESS_NONE;
}
