/* jsonl_read.c - read a JSON Lines trace back into events (see reader.h and
 * docs/trace-format.md).
 *
 * Input may be hostile (it is fuzzed): every value's type and range is checked
 * before use, strings are length-checked, and every error is reported as one
 * line "FILE:LINE: message".  Lines are parsed one at a time with jansson; the
 * input is streamed through a buffer, so traces larger than memory work. */
#include "format/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "util/lines.h"
#include "util/util.h"

#define MAX_STRV (1 << 20)          /* entries in argv / a strv argument */

struct sd_reader {
	char *name;             /* for messages */
	struct sd_lines *in;
	unsigned long lineno;
	struct sb msg;          /* the message of the error being reported */
	char *failed;           /* sticky error: repeated by later calls */
	bool done;
	bool have_end;
	uint64_t last_seq;
	struct sd_trace_info info;
	struct sd_trace_end end;
};

/* ---- errors ---- */

/* Record an error message for the current line; always returns -1. */
__attribute__((format(printf, 2, 3)))
static int perr(struct sd_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->msg.len)   /* keep the innermost message */
		return -1;
	va_start(ap, fmt);
	sb_vaddf(&r->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* Turn the recorded message into "FILE:LINE: msg", make it sticky, set *err. */
static int report(struct sd_reader *r, char **err)
{
	if (!r->failed) {
		r->failed = xasprintf("%s:%lu: %s", r->name, r->lineno,
				      r->msg.len ? r->msg.buf : "malformed line");
		sb_reset(&r->msg);
	}
	if (err)
		*err = xstrdup(r->failed);
	return -1;
}

/* ---- line input ---- */

/* Next line into *line, its length into *n; *nl: it ended with '\n'.
 * 1 = a line, 0 = end of input, -1 = error (the input's message made sticky). */
static int get_line(struct sd_reader *r, const char **line, size_t *n, bool *nl)
{
	char *l, *err = NULL;
	int rc = sd_lines_next(r->in, &l, n, nl, &err);

	r->lineno = sd_lines_lineno(r->in);
	if (rc < 0) {
		if (!r->failed)
			r->failed = err;
		else
			free(err);
		return -1;
	}
	*line = l;
	return rc;
}

static json_t *parse_json(struct sd_reader *r, const char *line, size_t n)
{
	json_error_t je;
	json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);

	if (!j) {
		perr(r, "invalid JSON at column %d: %s", je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		perr(r, "line is not a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- typed field access: -1 error, 0 absent, 1 present ---- */

static int get_int(struct sd_reader *r, json_t *o, const char *key, bool req,
		   int64_t min, int64_t max, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || (json_is_null(v) && !req))
		return req ? perr(r, "missing field '%s'", key) : 0;
	if (!json_is_integer(v))
		return perr(r, "field '%s' must be an integer", key);
	int64_t x = json_integer_value(v);
	if (x < min || x > max)
		return perr(r, "field '%s' out of range: %lld", key, (long long)x);
	*out = x;
	return 1;
}

/* An int-typed field (pid_t, int) with the whole int range or [0, INT_MAX]. */
static int get_cint(struct sd_reader *r, json_t *o, const char *key, bool req,
		    bool nonneg, int *out)
{
	int64_t v;
	int rc = get_int(r, o, key, req, nonneg ? 0 : INT_MIN, INT_MAX, &v);

	if (rc > 0)
		*out = (int)v;
	return rc;
}

/* A uint64 stored as its int64 bit pattern. */
static int get_u64(struct sd_reader *r, json_t *o, const char *key, bool req, uint64_t *out)
{
	int64_t v;
	int rc = get_int(r, o, key, req, INT64_MIN, INT64_MAX, &v);

	if (rc > 0)
		*out = (uint64_t)v;
	return rc;
}

static int get_bool(struct sd_reader *r, json_t *o, const char *key, bool req, bool *out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return req ? perr(r, "missing field '%s'", key) : 0;
	if (!json_is_boolean(v))
		return perr(r, "field '%s' must be true or false", key);
	*out = json_is_true(v);
	return 1;
}

static int get_string(struct sd_reader *r, json_t *o, const char *key, bool req,
		      const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return req ? perr(r, "missing field '%s'", key) : 0;
	if (!json_is_string(v))
		return perr(r, "field '%s' must be a string", key);
	*out = json_string_value(v);
	return 1;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode hex into a malloc'd, NUL-terminated buffer.  NULL on bad hex. */
static char *unhex(const char *s, size_t n, size_t *outlen)
{
	if (n % 2)
		return NULL;
	char *p = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return NULL;
		}
		p[i / 2] = (char)(hi << 4 | lo);
	}
	p[n / 2] = 0;
	*outlen = n / 2;
	return p;
}

/* A JSON string's bytes as a malloc'd NUL-terminated copy.  cstr: must not
 * contain NUL bytes.  name is the key, for messages. */
static char *string_bytes(struct sd_reader *r, json_t *v, bool hex, bool cstr,
			  const char *name, size_t *outlen)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), len = n;
	char *p;

	if (hex) {
		p = unhex(s, n, &len);
		if (!p) {
			perr(r, "bad hex in '%s'", name);
			return NULL;
		}
	} else {
		p = xmalloc(n + 1);
		memcpy(p, s, n);
		p[n] = 0;
	}
	if (cstr && memchr(p, 0, len)) {
		free(p);
		perr(r, "NUL byte in '%s'", name);
		return NULL;
	}
	*outlen = len;
	return p;
}

/* A byte string stored as "key" (JSON string) or "key_hex" (hex digits). */
static int get_bytes(struct sd_reader *r, json_t *o, const char *key, bool cstr,
		     char **out, size_t *outlen)
{
	char hkey[64];
	size_t len;

	snprintf(hkey, sizeof hkey, "%s_hex", key);
	json_t *v = json_object_get(o, key), *h = json_object_get(o, hkey);
	if (v && h)
		return perr(r, "both '%s' and '%s' present", key, hkey);
	if (!v && !h)
		return 0;
	if (!json_is_string(v ? v : h))
		return perr(r, "field '%s' must be a string", v ? key : hkey);
	char *p = string_bytes(r, v ? v : h, !v, cstr, v ? key : hkey, &len);
	if (!p)
		return -1;
	*out = p;
	if (outlen)
		*outlen = len;
	return 1;
}

static int get_cstr(struct sd_reader *r, json_t *o, const char *key, char **out)
{
	return get_bytes(r, o, key, true, out, NULL);
}

/* Array of strings or {"hex":"..."} objects; *out gets n+1 slots, NULL-terminated. */
static int get_strv(struct sd_reader *r, json_t *o, const char *key, char ***out, int *nout)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return perr(r, "field '%s' must be an array", key);
	size_t n = json_array_size(v);
	if (n > MAX_STRV)
		return perr(r, "'%s' has more than %d entries", key, MAX_STRV);
	char **sv = xcalloc(n + 1, sizeof *sv);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i), *h = NULL;
		size_t len;
		if (json_is_object(e))
			h = json_object_get(e, "hex");
		if (json_is_string(e) || json_is_string(h))
			sv[i] = string_bytes(r, h ? h : e, h != NULL, true, key, &len);
		else
			perr(r, "'%s' entries must be strings or {\"hex\":...} objects", key);
		if (!sv[i]) {
			for (size_t k = 0; k < i; k++)
				free(sv[k]);
			free(sv);
			return -1;
		}
	}
	*out = sv;
	*nout = (int)n;
	return 1;
}

/* Decimal seconds -> ns.  The double is printed back with 9 decimals, which is
 * exact for every value the writer produces below 2^22 s (see the format doc). */
static uint64_t secs_to_ns(double d, int decimals)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	char buf[64], *end;
	uint64_t s, f;

	/* Fast path: while d·10^decimals stays below 2^50 the product is within far less
	 * than 0.5 of the decimal the writer printed, so rounding gives it exactly. */
	if (decimals >= 0 && decimals <= 9 && d * p10[decimals] < 1125899906842624.0) {
		uint64_t v = (uint64_t)(d * p10[decimals] + 0.5);   /* d >= 0 */
		for (int i = decimals; i < 9; i++)
			v *= 10;
		return v;
	}

	snprintf(buf, sizeof buf, "%.*f", decimals, d);
	s = strtoull(buf, &end, 10);
	f = *end ? strtoull(end + 1, NULL, 10) : 0;
	for (int i = decimals; i < 9; i++)
		f *= 10;
	return s * 1000000000u + f;
}

/* A time in seconds ("t") or its exact form in ns ("t_ns", preferred). */
static int get_time(struct sd_reader *r, json_t *o, const char *key, const char *key_ns,
		    int decimals, bool req, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return req ? perr(r, "missing field '%s'", key) : 0;
	if (!json_is_number(v))
		return perr(r, "field '%s' must be a number", key);
	int rc = get_u64(r, o, key_ns, false, out);
	if (rc)
		return rc;
	double d = json_number_value(v);
	if (!(d >= 0 && d < 1.8e10))
		return perr(r, "field '%s' out of range", key);
	*out = secs_to_ns(d, decimals);
	return 1;
}

/* ---- events ---- */

static int parse_buf(struct sd_reader *r, json_t *o, struct sd_arg *a)
{
	bool is_buf = a->type == SD_ARG_BUF;
	struct sd_buf *b = &a->buf;
	const char *hash;
	char *data = NULL;
	size_t kept = 0;
	int rc;

	if (get_u64(r, o, "len", is_buf, &b->len) < 0)
		return -1;
	rc = get_string(r, o, "hash", is_buf, &hash);
	if (rc < 0)
		return -1;
	if (rc) {
		if (strlen(hash) != 16 || json_string_length(json_object_get(o, "hash")) != 16)
			return perr(r, "field 'hash' must be 16 hex digits");
		for (int i = 0; i < 16; i++) {
			int d = hexval(hash[i]);
			if (d < 0)
				return perr(r, "bad hex in 'hash'");
			b->hash = b->hash << 4 | d;
		}
	}
	b->hash_valid = rc > 0;
	if (get_bool(r, o, "hash_valid", false, &b->hash_valid) < 0)
		return -1;
	rc = get_bytes(r, o, "data", false, &data, &kept);
	if (rc <= 0)
		return rc;
	b->data = (unsigned char *)data;
	if (kept > UINT32_MAX || kept > b->len)
		return perr(r, "'data' is longer than 'len'");
	b->kept = (uint32_t)kept;
	return 0;
}

static int parse_arg(struct sd_reader *r, json_t *o, struct sd_arg *a)
{
	const char *type;
	int t;

	if (!json_is_object(o))
		return perr(r, "must be an object");
	if (get_string(r, o, "type", true, &type) < 0)
		return -1;
	if ((t = sd_arg_type_from_name(type)) < 0)
		return perr(r, "unknown argument type '%s'", type);
	a->type = t;
	if (get_bool(r, o, "at_exit", false, &a->at_exit) < 0)
		return -1;
	if (t == SD_ARG_PATH) {
		if (get_cstr(r, o, "raw", &a->str) < 0 ||
		    get_int(r, o, "addr", false, INT64_MIN, INT64_MAX, &a->raw) < 0)
			return -1;
	} else {
		if (get_int(r, o, "raw", true, INT64_MIN, INT64_MAX, &a->raw) < 0 ||
		    get_cstr(r, o, "str", &a->str) < 0)
			return -1;
	}
	if (get_cstr(r, o, "abs", &a->abs) < 0 || get_cstr(r, o, "text", &a->text) < 0 ||
	    get_cstr(r, o, "ref", &a->ref) < 0 || parse_buf(r, o, a) < 0)
		return -1;
	if (get_strv(r, o, "strv", &a->strv, &a->nstrv) < 0 ||
	    get_bool(r, o, "strv_more", false, &a->strv_more) < 0)
		return -1;
	return 0;
}

static int parse_args(struct sd_reader *r, json_t *o, struct sd_event *ev, bool req)
{
	json_t *v = json_object_get(o, "args");

	if (!v)
		return req ? perr(r, "missing field 'args'") : 0;
	if (!json_is_array(v))
		return perr(r, "field 'args' must be an array");
	if (json_array_size(v) > SD_MAX_ARGS)
		return perr(r, "'args' has more than %d entries", SD_MAX_ARGS);
	ev->nargs = (int)json_array_size(v);
	for (int i = 0; i < ev->nargs; i++) {
		if (parse_arg(r, json_array_get(v, i), &ev->args[i]) < 0) {
			struct sb m = SB_INIT;
			sb_addf(&m, "args[%d]: %s", i, sb_str(&r->msg));
			sb_free(&r->msg);
			r->msg = m;
			return -1;
		}
	}
	return 0;
}

static int parse_name(struct sd_reader *r, json_t *o, struct sd_event *ev, bool req)
{
	char *name = NULL;
	size_t n;
	int rc = get_bytes(r, o, "name", true, &name, &n);

	if (rc == 0 && req)
		return perr(r, "missing field 'name'");
	if (rc <= 0)
		return rc;
	if (n >= sizeof ev->name || (req && !n)) {
		free(name);
		return perr(r, "bad syscall name length %zu", n);
	}
	memcpy(ev->name, name, n + 1);
	free(name);
	return 0;
}

static int parse_ret(struct sd_reader *r, json_t *o, struct sd_event *ev, bool req)
{
	json_t *v = json_object_get(o, "ret");
	bool unfinished = false;
	const char *s;

	if (get_bool(r, o, "unfinished", false, &unfinished) < 0 ||
	    get_string(r, o, "err", false, &s) < 0)
		return -1;
	if (!v)
		return req ? perr(r, "missing field 'ret'") : 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return perr(r, "field 'ret' must be an integer or null");
	if (unfinished)
		return perr(r, "'unfinished' call with a return value");
	ev->ret = json_integer_value(v);
	ev->finished = true;
	return 0;
}

static int parse_ret_fmt(struct sd_reader *r, json_t *o, struct sd_event *ev)
{
	static const char *const names[] = { "dec", "hex", "fd", "oct" };
	const char *s;
	int rc = get_string(r, o, "ret_fmt", false, &s);

	if (rc <= 0)
		return rc;
	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			ev->ret_fmt = i;
			return 0;
		}
	}
	return perr(r, "unknown ret_fmt '%s'", s);
}

static int parse_syscall(struct sd_reader *r, json_t *o, struct sd_event *ev, bool req)
{
	if (parse_name(r, o, ev, req) < 0 ||
	    get_cint(r, o, "nr", req, false, &ev->nr) < 0 ||
	    parse_args(r, o, ev, req) < 0 || parse_ret(r, o, ev, req) < 0 ||
	    parse_ret_fmt(r, o, ev) < 0 ||
	    get_cstr(r, o, "ret_ref", &ev->ret_ref) < 0 ||
	    get_cstr(r, o, "ret_text", &ev->ret_text) < 0 ||
	    get_bool(r, o, "interrupted", false, &ev->interrupted) < 0 ||
	    get_u64(r, o, "restart_of", false, &ev->restart_of) < 0)
		return -1;
	if (ev->restart_of && ev->restart_of >= ev->seq)
		return perr(r, "'restart_of' must name an earlier seq");
	return 0;
}

static int parse_other(struct sd_reader *r, json_t *o, struct sd_event *ev)
{
	enum sd_ev_kind k = ev->kind;
	const char *s;
	int64_t sig = 0;

	if (get_string(r, o, "sig", false, &s) < 0 ||
	    get_int(r, o, "signo", k == SD_EV_SIGNAL || k == SD_EV_STOP || k == SD_EV_KILLED,
		    0, 127, &sig) < 0)
		return -1;
	ev->sig = (int)sig;
	if (get_cstr(r, o, "siginfo", &ev->siginfo) < 0 ||
	    get_cint(r, o, "status", k == SD_EV_EXIT, false, &ev->status) < 0 ||
	    get_bool(r, o, "core", false, &ev->core) < 0 ||
	    get_cint(r, o, "old_tid", k == SD_EV_SUPERSEDED, true, &ev->old_tid) < 0)
		return -1;
	return 0;
}

#define MAX_FRAMES 4096         /* src.stack entries */

static int parse_frame(struct sd_reader *r, json_t *o, struct sd_srcframe *f, size_t i)
{
	int64_t pc = 0, off = 0;

	if (!json_is_object(o))
		return perr(r, "src.stack[%zu] must be an object", i);
	if (get_int(r, o, "pc", true, INT64_MIN, INT64_MAX, &pc) < 0 ||
	    get_int(r, o, "off", false, INT64_MIN, INT64_MAX, &off) < 0 ||
	    get_cstr(r, o, "module", &f->module) < 0 || get_cstr(r, o, "func", &f->func) < 0 ||
	    get_cstr(r, o, "file", &f->file) < 0 ||
	    get_cint(r, o, "line", false, false, &f->line) < 0 ||
	    get_bool(r, o, "inline", false, &f->inlined) < 0 ||
	    get_bool(r, o, "user", false, &f->user) < 0 ||
	    get_bool(r, o, "py", false, &f->py) < 0)
		return -1;
	f->pc = (uint64_t)pc;
	f->off = (uint64_t)off;
	return 0;
}

static int parse_src(struct sd_reader *r, json_t *o, struct sd_srcloc *src)
{
	json_t *v = json_object_get(o, "src");

	if (!v)
		return 0;
	if (!json_is_object(v))
		return perr(r, "field 'src' must be an object");
	if (get_cstr(r, v, "file", &src->file) < 0 ||
	    get_cint(r, v, "line", false, false, &src->line) < 0 ||
	    get_cstr(r, v, "func", &src->func) < 0 || get_cstr(r, v, "dir", &src->dir) < 0 ||
	    get_cstr(r, v, "module", &src->module) < 0 ||
	    get_cstr(r, v, "gen_file", &src->gen_file) < 0 ||
	    get_cint(r, v, "gen_line", false, false, &src->gen_line) < 0 ||
	    get_cstr(r, v, "gen_func", &src->gen_func) < 0 ||
	    get_cstr(r, v, "why", &src->why) < 0 || get_cstr(r, v, "lang", &src->lang) < 0 ||
	    get_cstr(r, v, "phase", &src->phase) < 0 ||
	    get_cstr(r, v, "inner_file", &src->inner_file) < 0 ||
	    get_cint(r, v, "inner_line", false, false, &src->inner_line) < 0 ||
	    get_cstr(r, v, "inner_func", &src->inner_func) < 0)
		return -1;
	if (src->phase && strcmp(src->phase, "startup") && strcmp(src->phase, "import") &&
	    strcmp(src->phase, "exit") && strcmp(src->phase, "runtime"))
		return perr(r, "field 'src.phase' must be startup, import, exit or runtime");
	json_t *st = json_object_get(v, "stack");
	if (!st)
		return 0;
	if (!json_is_array(st))
		return perr(r, "field 'src.stack' must be an array");
	size_t n = json_array_size(st);
	if (n > MAX_FRAMES)
		return perr(r, "too many frames in 'src.stack' (%zu, at most %d)", n, MAX_FRAMES);
	if (!n)
		return 0;
	src->frames = xcalloc(n, sizeof *src->frames);
	src->nframes = (int)n;
	for (size_t i = 0; i < n; i++)
		if (parse_frame(r, json_array_get(st, i), &src->frames[i], i) < 0)
			return -1;
	return 0;
}

static int parse_event(struct sd_reader *r, json_t *o, struct sd_event *ev)
{
	const char *type;
	int k;

	if (get_u64(r, o, "seq", true, &ev->seq) < 0)
		return -1;
	if (ev->seq <= r->last_seq)
		return perr(r, "seq %llu does not follow %llu", (unsigned long long)ev->seq,
			    (unsigned long long)r->last_seq);
	if (get_cint(r, o, "pid", true, true, &ev->pid) < 0 ||
	    get_cint(r, o, "tid", true, true, &ev->tid) < 0 ||
	    get_time(r, o, "t", "t_ns", 9, true, &ev->t_ns) < 0 ||
	    get_time(r, o, "dur", "dur_ns", 9, false, &ev->dur_ns) < 0 ||
	    get_string(r, o, "type", true, &type) < 0)
		return -1;
	if ((k = sd_ev_kind_from_name(type)) < 0)
		return perr(r, "unknown event type '%s'", type);
	ev->kind = k;
	if (parse_syscall(r, o, ev, k == SD_EV_SYSCALL) < 0 || parse_other(r, o, ev) < 0 ||
	    parse_src(r, o, &ev->src) < 0)
		return -1;
	r->last_seq = ev->seq;
	return 0;
}

/* ---- header and trailer ---- */

static int parse_header(struct sd_reader *r, json_t *o)
{
	struct sd_trace_info *ti = &r->info;
	int64_t v, max_bytes = 0;
	int n = 0;

	json_t *ver = json_object_get(o, "sysdiff_trace");
	if (!json_is_integer(ver))
		return perr(r, "not a sysdiff trace");
	v = json_integer_value(ver);
	if (v != SD_TRACE_VERSION)
		return perr(r, "unsupported version %lld (this sysdiff reads version %d)",
			    (long long)v, SD_TRACE_VERSION);
	ti->version = (int)v;
	if (get_cstr(r, o, "tool", &ti->tool) < 0 || get_cstr(r, o, "arch", &ti->arch) < 0 ||
	    get_strv(r, o, "argv", &ti->argv, &n) < 0 || get_cstr(r, o, "cwd", &ti->cwd) < 0 ||
	    get_cint(r, o, "pid", true, true, &ti->pid) < 0 ||
	    get_bool(r, o, "attached", false, &ti->attached) < 0 ||
	    get_time(r, o, "start", "start_ns", 6, true, &ti->start_real_ns) < 0 ||
	    get_int(r, o, "max_bytes", false, 0, UINT32_MAX, &max_bytes) < 0)
		return -1;
	ti->max_bytes = (uint32_t)max_bytes;
	return 0;
}

static int parse_trailer(struct sd_reader *r, json_t *o)
{
	struct sd_trace_end *te = &r->end;

	if (!json_is_true(json_object_get(o, "end")))
		return perr(r, "field 'end' must be true");
	if (get_bool(r, o, "complete", true, &te->complete) < 0 ||
	    get_u64(r, o, "events", true, &te->events) < 0 ||
	    get_cint(r, o, "exit_status", true, false, &te->exit_status) < 0 ||
	    get_cstr(r, o, "reason", &te->reason) < 0)
		return -1;
	return 0;
}

/* ---- public interface ---- */

static struct sd_reader *reader_new(struct sd_lines *in)
{
	struct sd_reader *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(sd_lines_name(in));
	r->in = in;
	return r;
}

static struct sd_reader *read_header(struct sd_reader *r, char **err)
{
	const char *line;
	size_t n;
	bool nl;
	int rc = get_line(r, &line, &n, &nl);
	json_t *j = NULL;

	if (rc == 0) {
		r->lineno = 1;
		perr(r, "empty file (not a sysdiff trace)");
	} else if (rc > 0) {
		j = parse_json(r, line, n);
		if (!j) {
			sb_reset(&r->msg);
			perr(r, nl ? "not a sysdiff trace" : "truncated trace header");
		}
	}
	if (!j || parse_header(r, j) < 0) {
		json_decref(j);
		report(r, err);
		sd_reader_close(r);
		return NULL;
	}
	json_decref(j);
	return r;
}

struct sd_reader *sd_reader_open(const char *path, char **err)
{
	char *e = NULL;
	struct sd_lines *in = sd_lines_open(path, &e);

	if (!in) {
		if (err)
			*err = e;
		else
			free(e);
		return NULL;
	}
	return read_header(reader_new(in), err);
}

struct sd_reader *sd_reader_open_lines(struct sd_lines *in, char **err)
{
	return read_header(reader_new(in), err);
}

struct sd_reader *sd_reader_open_mem(const void *data, size_t len, const char *name, char **err)
{
	return read_header(reader_new(sd_lines_open_mem(data, len, name)), err);
}

const struct sd_trace_info *sd_reader_info(const struct sd_reader *r)
{
	return &r->info;
}

const struct sd_trace_end *sd_reader_end(const struct sd_reader *r)
{
	return r->have_end ? &r->end : NULL;
}

/* The trailer must be the last line. */
static int finish_trailer(struct sd_reader *r, json_t *j)
{
	const char *line;
	size_t n;
	bool nl;

	if (parse_trailer(r, j) < 0)
		return -1;
	int rc = get_line(r, &line, &n, &nl);
	if (rc > 0)
		return perr(r, "data after the trailer");
	if (rc < 0)
		return -1;
	r->have_end = true;
	r->done = true;
	return 0;
}

int sd_reader_next(struct sd_reader *r, struct sd_event *ev, char **err)
{
	const char *line;
	size_t n;
	bool nl;
	json_t *j;

	sd_event_init(ev);
	if (r->failed)
		return report(r, err);
	if (r->done)
		return 0;
	int rc = get_line(r, &line, &n, &nl);
	if (rc <= 0) {
		r->done = rc == 0;   /* no trailer: a truncated trace */
		return rc == 0 ? 0 : report(r, err);
	}
	if (n == 0 && nl)
		perr(r, "empty line");
	if (!(j = n ? parse_json(r, line, n) : NULL)) {
		if (!nl) {   /* a partial last line: the writer was killed */
			sb_reset(&r->msg);
			r->done = true;
			return 0;
		}
		return report(r, err);
	}
	if (json_object_get(j, "end") && !json_object_get(j, "seq"))
		rc = finish_trailer(r, j);
	else
		rc = parse_event(r, j, ev) < 0 ? -1 : 1;
	json_decref(j);
	if (rc < 0) {
		sd_event_clear(ev);
		return report(r, err);
	}
	return rc;
}

unsigned long sd_reader_lineno(const struct sd_reader *r)
{
	return r->lineno;
}

unsigned long long sd_reader_offset(const struct sd_reader *r)
{
	return sd_lines_offset(r->in);
}

int sd_reader_next_at(struct sd_reader *r, unsigned long long off, struct sd_event *ev, char **err)
{
	const char *line;
	size_t n;
	bool nl;

	sd_event_init(ev);
	if (r->failed)
		return report(r, err);
	for (;;) {
		int rc = r->done ? 0 : get_line(r, &line, &n, &nl);
		if (rc < 0)
			return report(r, err);
		if (rc == 0 || sd_lines_offset(r->in) > off) {
			perr(r, "no event line at byte offset %llu (did the file change?)", off);
			return report(r, err);
		}
		if (sd_lines_offset(r->in) == off)
			break;
	}
	json_t *j = parse_json(r, line, n);
	int rc = j ? parse_event(r, j, ev) : -1;
	json_decref(j);
	if (rc < 0) {
		sd_event_clear(ev);
		return report(r, err);
	}
	return 1;
}

void sd_reader_close(struct sd_reader *r)
{
	if (!r)
		return;
	sd_lines_close(r->in);
	sd_trace_info_clear(&r->info);
	sd_trace_end_clear(&r->end);
	sb_free(&r->msg);
	free(r->failed);
	free(r->name);
	free(r);
}
