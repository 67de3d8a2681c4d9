/* jsonl_read.c - read a JSON Lines trace back into events (see reader.h and
 * docs/trace-format.md), versions 1 and 2 of the format.
 *
 * Input may be hostile (it is fuzzed): every value's type and range is checked
 * before use, strings are length-checked, and every error is reported as one
 * line "FILE:LINE: message".  Lines are parsed one at a time into a small
 * document (jsonl_int.h): by jsonl_fast.c's parser, or by jansson for what that
 * one leaves (and for every malformed line, so messages are jansson's); the checks
 * below are the same either way.  The input is streamed through a buffer, so
 * traces larger than memory work. */
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

#include "format/jsonl_int.h"
#include "util/lines.h"
#include "util/util.h"

#define MAX_STRV (1 << 20)          /* entries in argv / a strv argument */

/* A vocabulary: argument types, event kinds, ret_fmt names, with their lengths. */
struct names {
	int n;
	const char *s[16];
	uint8_t len[16];
};
_Static_assert(SD_ARG__COUNT <= 16 && SD_EV__COUNT <= 16, "vocabularies fit struct names");

struct sd_reader {
	char *name;             /* for messages */
	struct sd_lines *in;
	unsigned long lineno;
	struct sb msg;          /* the message of the error being reported */
	char *failed;           /* sticky error: repeated by later calls */
	bool done;
	bool have_end;
	bool jansson_only;      /* tests: every line through jansson */
	unsigned long fast_lines;
	uint64_t last_seq;
	struct jdoc doc;        /* the line being read */
	struct jo *jo_ev, *jo_arg, *jo_src, *jo_frame;
	struct names arg_types, ev_kinds, ret_fmts;
	struct sd_trace_info info;
	struct sd_trace_end end;
};

/* An object of the line's document, its members by key id.  The reader keeps one per
 * kind of object (event, argument, src, frame), cleared slot by slot. */
struct jo {
	const struct jdoc *d;
	uint32_t slot[JK__COUNT];   /* index of the member with that key, 0: none */
	uint8_t used[32];           /* the keys set by the last jo_open */
	int nused;                  /* -1: more than fit in used[] */
};

static void jo_open(struct jo *o, const struct jdoc *d, const struct jv *v)
{
	o->d = d;
	if (o->nused < 0)
		memset(o->slot, 0, sizeof o->slot);
	for (int i = 0; i < o->nused; i++)
		o->slot[o->used[i]] = 0;
	o->nused = 0;
	if (v->type == JV_OBJ && v->n) {
		for (uint32_t i = v->u.first; i; i = d->v[i].next) {
			o->slot[d->v[i].key] = i;
			if (o->nused >= 0 && o->nused < (int)sizeof o->used)
				o->used[o->nused++] = d->v[i].key;
			else
				o->nused = -1;
		}
	}
}

static const struct jv *jo_get(const struct jo *o, int key)
{
	return o->slot[key] ? &o->d->v[o->slot[key]] : NULL;
}

#define KN(key) sd_jk_name(key)

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

/* The line as a document whose root is an object, or NULL (message recorded). */
static const struct jv *parse_json(struct sd_reader *r, const char *line, size_t n)
{
	if (!r->jansson_only && sd_jv_parse_fast(&r->doc, line, n)) {
		r->fast_lines++;
		return &r->doc.v[0];
	}
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
	sd_jv_from_jansson(&r->doc, j, n);
	json_decref(j);
	return &r->doc.v[0];
}

/* ---- typed field access: -1 error, 0 absent, 1 present ---- */

static int get_int(struct sd_reader *r, const struct jo *o, int key, bool req,
		   int64_t min, int64_t max, int64_t *out)
{
	const struct jv *v = jo_get(o, key);

	if (!v || (v->type == JV_NULL && !req))
		return req ? perr(r, "missing field '%s'", KN(key)) : 0;
	if (v->type != JV_INT)
		return perr(r, "field '%s' must be an integer", KN(key));
	int64_t x = v->u.i;
	if (x < min || x > max)
		return perr(r, "field '%s' out of range: %lld", KN(key), (long long)x);
	*out = x;
	return 1;
}

/* An int-typed field (pid_t, int) with the whole int range or [0, INT_MAX]. */
static int get_cint(struct sd_reader *r, const struct jo *o, int key, bool req,
		    bool nonneg, int *out)
{
	int64_t v;
	int rc = get_int(r, o, key, req, nonneg ? 0 : INT_MIN, INT_MAX, &v);

	if (rc > 0)
		*out = (int)v;
	return rc;
}

/* A uint64 stored as its int64 bit pattern. */
static int get_u64(struct sd_reader *r, const struct jo *o, int key, bool req, uint64_t *out)
{
	int64_t v;
	int rc = get_int(r, o, key, req, INT64_MIN, INT64_MAX, &v);

	if (rc > 0)
		*out = (uint64_t)v;
	return rc;
}

/* A count of nanoseconds: a string of decimal digits (version 2), or an integer
 * (its int64 bit pattern, version 1). */
static int get_ns(struct sd_reader *r, const struct jo *o, int key, uint64_t *out)
{
	const struct jv *v = jo_get(o, key);
	uint64_t x = 0;

	if (!v || v->type != JV_STR)
		return get_u64(r, o, key, false, out);
	if (v->n == 0 || v->n > 20)
		return perr(r, "field '%s' must be a string of 1 to 20 digits", KN(key));
	for (uint32_t i = 0; i < v->n; i++) {
		unsigned d = (unsigned char)v->u.s[i] - '0';
		if (d > 9)
			return perr(r, "field '%s' must be a string of digits", KN(key));
		if (x > (UINT64_MAX - d) / 10)
			return perr(r, "field '%s' out of range", KN(key));
		x = x * 10 + d;
	}
	*out = x;
	return 1;
}

static int get_bool(struct sd_reader *r, const struct jo *o, int key, bool req, bool *out)
{
	const struct jv *v = jo_get(o, key);

	if (!v)
		return req ? perr(r, "missing field '%s'", KN(key)) : 0;
	if (v->type != JV_TRUE && v->type != JV_FALSE)
		return perr(r, "field '%s' must be true or false", KN(key));
	*out = v->type == JV_TRUE;
	return 1;
}

/* A string value (its bytes need not be NUL-terminated: see cstr_len). */
static int get_string(struct sd_reader *r, const struct jo *o, int key, bool req,
		      const struct jv **out)
{
	const struct jv *v = jo_get(o, key);

	if (!v)
		return req ? perr(r, "missing field '%s'", KN(key)) : 0;
	if (v->type != JV_STR)
		return perr(r, "field '%s' must be a string", KN(key));
	*out = v;
	return 1;
}

/* The length of a string value read as a C string: up to its first NUL. */
static int cstr_len(const struct jv *v)
{
	return (int)(v->nul ? strnlen(v->u.s, v->n) : v->n);
}

static void names_init(struct names *w, const char *(*name)(int), int n)
{
	w->n = n;
	for (int i = 0; i < n; i++) {
		w->s[i] = name(i);
		w->len[i] = (uint8_t)strlen(w->s[i]);
	}
}

/* The index of string value v, read as a C string, in w, or -1. */
static int name_index(const struct jv *v, const struct names *w)
{
	size_t len = (size_t)cstr_len(v);

	for (int i = 0; i < w->n; i++) {
		if (w->len[i] != len)
			continue;
		size_t k = 0;
		while (k < len && w->s[i][k] == v->u.s[k])
			k++;
		if (k == len)
			return i;
	}
	return -1;
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

/* A string value's bytes as a malloc'd NUL-terminated copy.  cstr: must not
 * contain NUL bytes.  name is the key, for messages. */
static char *string_bytes(struct sd_reader *r, const struct jv *v, bool hex, bool cstr,
			  const char *name, size_t *outlen)
{
	size_t n = v->n, len = n;
	char *p;

	if (hex) {
		p = unhex(v->u.s, n, &len);
		if (!p) {
			perr(r, "bad hex in '%s'", name);
			return NULL;
		}
	} else {
		p = xmalloc(n + 1);
		memcpy(p, v->u.s, n);
		p[n] = 0;
	}
	if (cstr && (hex ? memchr(p, 0, len) != NULL : v->nul)) {
		free(p);
		perr(r, "NUL byte in '%s'", name);
		return NULL;
	}
	*outlen = len;
	return p;
}

/* A byte string stored as "key" (JSON string) or "key_hex" (hex digits); key is a B()
 * key of jsonl_int.h, key + 1 its _hex twin. */
static int bytes_value(struct sd_reader *r, const struct jo *o, int key, bool cstr,
		       char **out, size_t *outlen)
{
	const struct jv *v = jo_get(o, key), *h = jo_get(o, key + 1);
	size_t len;

	if (v && h)
		return perr(r, "both '%s' and '%s' present", KN(key), KN(key + 1));
	if (!v && !h)
		return 0;
	if ((v ? v : h)->type != JV_STR)
		return perr(r, "field '%s' must be a string", v ? KN(key) : KN(key + 1));
	char *p = string_bytes(r, v ? v : h, !v, cstr, v ? KN(key) : KN(key + 1), &len);
	if (!p)
		return -1;
	*out = p;
	if (outlen)
		*outlen = len;
	return 1;
}

/* (Most byte-string keys are absent from most objects: that case costs no call.) */
static inline int get_bytes(struct sd_reader *r, const struct jo *o, int key, bool cstr,
			    char **out, size_t *outlen)
{
	if (!o->slot[key] && !o->slot[key + 1])
		return 0;
	return bytes_value(r, o, key, cstr, out, outlen);
}

static int get_cstr(struct sd_reader *r, const struct jo *o, int key, char **out)
{
	return get_bytes(r, o, key, true, out, NULL);
}

/* Array of strings or {"hex":"..."} objects; *out gets n+1 slots, NULL-terminated. */
static int get_strv(struct sd_reader *r, const struct jo *o, int key, char ***out, int *nout)
{
	const struct jv *v = jo_get(o, key);
	const struct jdoc *d = o->d;

	if (!v || v->type == JV_NULL)
		return 0;
	if (v->type != JV_ARR)
		return perr(r, "field '%s' must be an array", KN(key));
	size_t n = v->n, i = 0;
	if (n > MAX_STRV)
		return perr(r, "'%s' has more than %d entries", KN(key), MAX_STRV);
	char **sv = xcalloc(n + 1, sizeof *sv);
	for (uint32_t k = n ? v->u.first : 0; k; k = d->v[k].next, i++) {
		const struct jv *e = &d->v[k], *h = NULL;
		size_t len;
		if (e->type == JV_OBJ)
			h = sd_jv_get(d, e, JK_hex);
		if (e->type == JV_STR || (h && h->type == JV_STR))
			sv[i] = string_bytes(r, h ? h : e, h != NULL, true, KN(key), &len);
		else
			perr(r, "'%s' entries must be strings or {\"hex\":...} objects", KN(key));
		if (!sv[i]) {
			for (size_t m = 0; m < i; m++)
				free(sv[m]);
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
static int get_time(struct sd_reader *r, const struct jo *o, int key, int key_ns,
		    int decimals, bool req, uint64_t *out)
{
	const struct jv *v = jo_get(o, key);

	if (!v)
		return req ? perr(r, "missing field '%s'", KN(key)) : 0;
	if (v->type != JV_INT && v->type != JV_REAL)
		return perr(r, "field '%s' must be a number", KN(key));
	int rc = get_ns(r, o, key_ns, out);
	if (rc)
		return rc;
	double d = v->type == JV_INT ? (double)v->u.i : v->u.d;
	if (!(d >= 0 && d < 1.8e10))
		return perr(r, "field '%s' out of range", KN(key));
	*out = secs_to_ns(d, decimals);
	return 1;
}

/* ---- events ---- */

static int parse_buf(struct sd_reader *r, const struct jo *o, struct sd_arg *a)
{
	bool is_buf = a->type == SD_ARG_BUF;
	struct sd_buf *b = &a->buf;
	const struct jv *hash;
	char *data = NULL;
	size_t kept = 0;
	int rc;

	if (get_u64(r, o, JK_len, is_buf, &b->len) < 0)
		return -1;
	rc = get_string(r, o, JK_hash, is_buf, &hash);
	if (rc < 0)
		return -1;
	if (rc) {
		if (hash->n != 16 || hash->nul)
			return perr(r, "field 'hash' must be 16 hex digits");
		for (int i = 0; i < 16; i++) {
			int d = hexval(hash->u.s[i]);
			if (d < 0)
				return perr(r, "bad hex in 'hash'");
			b->hash = b->hash << 4 | d;
		}
	}
	b->hash_valid = rc > 0;
	if (get_bool(r, o, JK_hash_valid, false, &b->hash_valid) < 0)
		return -1;
	rc = get_bytes(r, o, JK_data, false, &data, &kept);
	if (rc <= 0)
		return rc;
	b->data = (unsigned char *)data;
	if (kept > UINT32_MAX || kept > b->len)
		return perr(r, "'data' is longer than 'len'");
	b->kept = (uint32_t)kept;
	return 0;
}

/* A path's "abs": version 2 leaves it out when it equals "raw" and writes null when it
 * is not set; in version 1 it is written when set. */
static int parse_abs(struct sd_reader *r, const struct jo *o, struct sd_arg *a)
{
	const struct jv *v = jo_get(o, JK_abs);

	if (a->type != SD_ARG_PATH || r->info.version < 2)
		return get_cstr(r, o, JK_abs, &a->abs);
	if (v && v->type == JV_NULL) {
		if (jo_get(o, JK_abs_hex))
			return perr(r, "both 'abs' and 'abs_hex' present");
		return 0;
	}
	if (!v && !jo_get(o, JK_abs_hex)) {
		a->abs = a->str ? xstrdup(a->str) : NULL;
		return 0;
	}
	return get_cstr(r, o, JK_abs, &a->abs);
}

static int parse_arg(struct sd_reader *r, const struct jdoc *d, const struct jv *v,
		     struct sd_arg *a)
{
	struct jo *o = r->jo_arg;
	const struct jv *type;
	int t;

	if (v->type != JV_OBJ)
		return perr(r, "must be an object");
	jo_open(o, d, v);
	if (get_string(r, o, JK_type, true, &type) < 0)
		return -1;
	if ((t = name_index(type, &r->arg_types)) < 0)
		return perr(r, "unknown argument type '%.*s'", cstr_len(type), type->u.s);
	a->type = t;
	if (get_bool(r, o, JK_at_exit, false, &a->at_exit) < 0)
		return -1;
	if (t == SD_ARG_PATH) {
		if (get_cstr(r, o, JK_raw, &a->str) < 0 ||
		    get_int(r, o, JK_addr, false, INT64_MIN, INT64_MAX, &a->raw) < 0)
			return -1;
	} else {
		if (get_int(r, o, JK_raw, true, INT64_MIN, INT64_MAX, &a->raw) < 0 ||
		    get_cstr(r, o, JK_str, &a->str) < 0)
			return -1;
	}
	if (parse_abs(r, o, a) < 0 || get_cstr(r, o, JK_text, &a->text) < 0 ||
	    get_cstr(r, o, JK_ref, &a->ref) < 0 || parse_buf(r, o, a) < 0)
		return -1;
	if (get_strv(r, o, JK_strv, &a->strv, &a->nstrv) < 0 ||
	    get_bool(r, o, JK_strv_more, false, &a->strv_more) < 0)
		return -1;
	return 0;
}

static int parse_args(struct sd_reader *r, const struct jo *o, struct sd_event *ev, bool req)
{
	const struct jv *v = jo_get(o, JK_args);

	if (!v)
		return req ? perr(r, "missing field 'args'") : 0;
	if (v->type != JV_ARR)
		return perr(r, "field 'args' must be an array");
	if (v->n > SD_MAX_ARGS)
		return perr(r, "'args' has more than %d entries", SD_MAX_ARGS);
	ev->nargs = (int)v->n;
	int i = 0;
	for (uint32_t k = v->n ? v->u.first : 0; k; k = o->d->v[k].next, i++) {
		if (parse_arg(r, o->d, &o->d->v[k], &ev->args[i]) < 0) {
			struct sb m = SB_INIT;
			sb_addf(&m, "args[%d]: %s", i, sb_str(&r->msg));
			sb_free(&r->msg);
			r->msg = m;
			return -1;
		}
	}
	return 0;
}

static int parse_name(struct sd_reader *r, const struct jo *o, struct sd_event *ev, bool req)
{
	char *name = NULL;
	size_t n;
	int rc = get_bytes(r, o, JK_name, true, &name, &n);

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

static int parse_ret(struct sd_reader *r, const struct jo *o, struct sd_event *ev, bool req)
{
	const struct jv *v = jo_get(o, JK_ret), *s;
	bool unfinished = false;

	if (get_bool(r, o, JK_unfinished, false, &unfinished) < 0 ||
	    get_string(r, o, JK_err, false, &s) < 0)
		return -1;
	if (!v)
		return req ? perr(r, "missing field 'ret'") : 0;
	if (v->type == JV_NULL)
		return 0;
	if (v->type != JV_INT)
		return perr(r, "field 'ret' must be an integer or null");
	if (unfinished)
		return perr(r, "'unfinished' call with a return value");
	ev->ret = v->u.i;
	ev->finished = true;
	return 0;
}

static int parse_ret_fmt(struct sd_reader *r, const struct jo *o, struct sd_event *ev)
{
	const struct jv *s;
	int rc = get_string(r, o, JK_ret_fmt, false, &s), i;

	if (rc <= 0)
		return rc;
	if ((i = name_index(s, &r->ret_fmts)) < 0)
		return perr(r, "unknown ret_fmt '%.*s'", cstr_len(s), s->u.s);
	ev->ret_fmt = i;
	return 0;
}

/* "nr": required in version 1; in version 2 a syscall's is left out when it is the
 * number of its name. */
static int parse_nr(struct sd_reader *r, const struct jo *o, struct sd_event *ev, bool req)
{
	int rc = get_cint(r, o, JK_nr, req && r->info.version < 2, false, &ev->nr);

	if (rc == 0 && req)
		ev->nr = sd_jsonl_default_nr(ev->name);
	return rc;
}

/* "existed": a creating open's path was there when it began (absent: not known). */
static int parse_pre(struct sd_reader *r, const struct jo *o, struct sd_event *ev)
{
	const struct jv *v = jo_get(o, JK_existed);
	bool b = false;
	int rc = get_bool(r, o, JK_existed, false, &b);

	if (rc >= 0 && v && v->type != JV_NULL)
		ev->pre = b ? SD_PRE_EXISTED : SD_PRE_ABSENT;
	return rc;
}

static int parse_syscall(struct sd_reader *r, const struct jo *o, struct sd_event *ev, bool req)
{
	if (parse_name(r, o, ev, req) < 0 || parse_nr(r, o, ev, req) < 0 ||
	    parse_args(r, o, ev, req) < 0 || parse_ret(r, o, ev, req) < 0 ||
	    parse_ret_fmt(r, o, ev) < 0 ||
	    get_cstr(r, o, JK_ret_ref, &ev->ret_ref) < 0 ||
	    get_cstr(r, o, JK_ret_text, &ev->ret_text) < 0 ||
	    get_bool(r, o, JK_interrupted, false, &ev->interrupted) < 0 ||
	    get_u64(r, o, JK_restart_of, false, &ev->restart_of) < 0 ||
	    parse_pre(r, o, ev) < 0)
		return -1;
	if (ev->restart_of && ev->restart_of >= ev->seq)
		return perr(r, "'restart_of' must name an earlier seq");
	return 0;
}

static int parse_other(struct sd_reader *r, const struct jo *o, struct sd_event *ev)
{
	enum sd_ev_kind k = ev->kind;
	const struct jv *s;
	int64_t sig = 0;

	if (get_string(r, o, JK_sig, false, &s) < 0 ||
	    get_int(r, o, JK_signo, k == SD_EV_SIGNAL || k == SD_EV_STOP || k == SD_EV_KILLED,
		    0, 127, &sig) < 0)
		return -1;
	ev->sig = (int)sig;
	if (get_cstr(r, o, JK_siginfo, &ev->siginfo) < 0 ||
	    get_cint(r, o, JK_status, k == SD_EV_EXIT, false, &ev->status) < 0 ||
	    get_bool(r, o, JK_core, false, &ev->core) < 0 ||
	    get_cint(r, o, JK_old_tid, k == SD_EV_SUPERSEDED, true, &ev->old_tid) < 0)
		return -1;
	return 0;
}

#define MAX_FRAMES 4096         /* src.stack entries */

static int parse_frame(struct sd_reader *r, const struct jdoc *d, const struct jv *v,
		       struct sd_srcframe *f, size_t i)
{
	int64_t pc = 0, off = 0;
	struct jo *o = r->jo_frame;

	if (v->type != JV_OBJ)
		return perr(r, "src.stack[%zu] must be an object", i);
	jo_open(o, d, v);
	if (get_int(r, o, JK_pc, true, INT64_MIN, INT64_MAX, &pc) < 0 ||
	    get_int(r, o, JK_off, false, INT64_MIN, INT64_MAX, &off) < 0 ||
	    get_cstr(r, o, JK_module, &f->module) < 0 || get_cstr(r, o, JK_func, &f->func) < 0 ||
	    get_cstr(r, o, JK_file, &f->file) < 0 ||
	    get_cint(r, o, JK_line, false, false, &f->line) < 0 ||
	    get_bool(r, o, JK_inline, false, &f->inlined) < 0 ||
	    get_bool(r, o, JK_user, false, &f->user) < 0 ||
	    get_bool(r, o, JK_py, false, &f->py) < 0)
		return -1;
	f->pc = (uint64_t)pc;
	f->off = (uint64_t)off;
	return 0;
}

static int parse_stack(struct sd_reader *r, const struct jo *o, struct sd_srcloc *src)
{
	const struct jv *st = jo_get(o, JK_stack);

	if (!st)
		return 0;
	if (st->type != JV_ARR)
		return perr(r, "field 'src.stack' must be an array");
	size_t n = st->n, i = 0;
	if (n > MAX_FRAMES)
		return perr(r, "too many frames in 'src.stack' (%zu, at most %d)", n, MAX_FRAMES);
	if (!n)
		return 0;
	src->frames = xcalloc(n, sizeof *src->frames);
	src->nframes = (int)n;
	for (uint32_t k = st->u.first; k; k = o->d->v[k].next, i++)
		if (parse_frame(r, o->d, &o->d->v[k], &src->frames[i], i) < 0)
			return -1;
	return 0;
}

static int parse_src(struct sd_reader *r, const struct jo *ev, struct sd_srcloc *src)
{
	const struct jv *v = jo_get(ev, JK_src);
	struct jo *o = r->jo_src;

	if (!v)
		return 0;
	if (v->type != JV_OBJ)
		return perr(r, "field 'src' must be an object");
	jo_open(o, ev->d, v);
	if (get_cstr(r, o, JK_file, &src->file) < 0 ||
	    get_cint(r, o, JK_line, false, false, &src->line) < 0 ||
	    get_cstr(r, o, JK_func, &src->func) < 0 || get_cstr(r, o, JK_dir, &src->dir) < 0 ||
	    get_cstr(r, o, JK_module, &src->module) < 0 ||
	    get_cstr(r, o, JK_gen_file, &src->gen_file) < 0 ||
	    get_cint(r, o, JK_gen_line, false, false, &src->gen_line) < 0 ||
	    get_cstr(r, o, JK_gen_func, &src->gen_func) < 0 ||
	    get_cstr(r, o, JK_why, &src->why) < 0 || get_cstr(r, o, JK_lang, &src->lang) < 0 ||
	    get_cstr(r, o, JK_phase, &src->phase) < 0 ||
	    get_cstr(r, o, JK_inner_file, &src->inner_file) < 0 ||
	    get_cint(r, o, JK_inner_line, false, false, &src->inner_line) < 0 ||
	    get_cstr(r, o, JK_inner_func, &src->inner_func) < 0)
		return -1;
	if (src->phase && strcmp(src->phase, "startup") && strcmp(src->phase, "import") &&
	    strcmp(src->phase, "exit") && strcmp(src->phase, "runtime"))
		return perr(r, "field 'src.phase' must be startup, import, exit or runtime");
	return parse_stack(r, o, src);
}

static int parse_event(struct sd_reader *r, const struct jv *v, struct sd_event *ev)
{
	struct jo *o = r->jo_ev;
	const struct jv *type;
	int k;

	jo_open(o, &r->doc, v);
	if (get_u64(r, o, JK_seq, true, &ev->seq) < 0)
		return -1;
	if (ev->seq <= r->last_seq)
		return perr(r, "seq %llu does not follow %llu", (unsigned long long)ev->seq,
			    (unsigned long long)r->last_seq);
	if (get_cint(r, o, JK_pid, true, true, &ev->pid) < 0 ||
	    get_cint(r, o, JK_tid, true, true, &ev->tid) < 0 ||
	    get_time(r, o, JK_t, JK_t_ns, 9, true, &ev->t_ns) < 0 ||
	    get_time(r, o, JK_dur, JK_dur_ns, 9, false, &ev->dur_ns) < 0 ||
	    get_string(r, o, JK_type, true, &type) < 0)
		return -1;
	if ((k = name_index(type, &r->ev_kinds)) < 0)
		return perr(r, "unknown event type '%.*s'", cstr_len(type), type->u.s);
	ev->kind = k;
	if (parse_syscall(r, o, ev, k == SD_EV_SYSCALL) < 0 || parse_other(r, o, ev) < 0 ||
	    parse_src(r, o, &ev->src) < 0)
		return -1;
	r->last_seq = ev->seq;
	return 0;
}

/* ---- header and trailer ---- */

/* "umask": "0022" (octal digits), optional. */
static int parse_umask(struct sd_reader *r, const struct jo *o, struct sd_trace_info *ti)
{
	const struct jv *v = jo_get(o, JK_umask);
	char *s = NULL, *end;

	if (!v || v->type == JV_NULL)
		return 0;
	if (get_cstr(r, o, JK_umask, &s) < 0)
		return -1;
	errno = 0;
	long m = s ? strtol(s, &end, 8) : -1;
	bool ok = s && s[0] && !*end && !errno && m >= 0 && m <= 0777;
	free(s);
	if (!ok)
		return perr(r, "field 'umask' must be octal digits, 0 to 0777");
	ti->umask_known = true;
	ti->umask = (int)m;
	return 0;
}

static int parse_header(struct sd_reader *r, const struct jv *v)
{
	struct sd_trace_info *ti = &r->info;
	int64_t max_bytes = 0;
	int n = 0;
	struct jo *o = r->jo_ev;

	jo_open(o, &r->doc, v);
	const struct jv *ver = jo_get(o, JK_sysdiff_trace);
	if (!ver || ver->type != JV_INT)
		return perr(r, "not a sysdiff trace");
	if (ver->u.i < SD_JSONL_MIN_VERSION || ver->u.i > SD_JSONL_VERSION)
		return perr(r, "unsupported version %lld (this sysdiff reads versions %d to %d)",
			    (long long)ver->u.i, SD_JSONL_MIN_VERSION, SD_JSONL_VERSION);
	ti->version = (int)ver->u.i;
	if (get_cstr(r, o, JK_tool, &ti->tool) < 0 || get_cstr(r, o, JK_arch, &ti->arch) < 0 ||
	    get_strv(r, o, JK_argv, &ti->argv, &n) < 0 || get_cstr(r, o, JK_cwd, &ti->cwd) < 0 ||
	    get_cint(r, o, JK_pid, true, true, &ti->pid) < 0 ||
	    get_bool(r, o, JK_attached, false, &ti->attached) < 0 ||
	    get_time(r, o, JK_start, JK_start_ns, 6, true, &ti->start_real_ns) < 0 ||
	    get_int(r, o, JK_max_bytes, false, 0, UINT32_MAX, &max_bytes) < 0 ||
	    parse_umask(r, o, ti) < 0)
		return -1;
	ti->max_bytes = (uint32_t)max_bytes;
	return 0;
}

/* {"name": count, ...}: counts of calls by name (names of 1 to 31 bytes, no NUL). */
static int get_counts(struct sd_reader *r, const struct jo *o, int key, struct sd_count **out,
		      size_t *nout)
{
	const struct jv *v = jo_get(o, key);

	if (!v)
		return 0;
	if (v->type != JV_OBJ)
		return perr(r, "field '%s' must be an object of counts", KN(key));
	struct sd_count *c = xcalloc(v->n + 1, sizeof *c);
	size_t n = 0;
	for (uint32_t i = v->n ? v->u.first : 0; i; i = r->doc.v[i].next) {
		const struct jv *m = &r->doc.v[i];
		if (!m->namelen || m->namelen >= sizeof c->name || memchr(m->name, 0, m->namelen)) {
			free(c);
			return perr(r, "field '%s': a name must be 1 to %zu bytes", KN(key),
				    sizeof c->name - 1);
		}
		if (m->type != JV_INT || m->u.i < 0) {
			free(c);
			return perr(r, "field '%s': the count of '%.*s' must be a non-negative integer",
				    KN(key), (int)m->namelen, m->name);
		}
		memcpy(c[n].name, m->name, m->namelen);
		c[n++].n = (uint64_t)m->u.i;
	}
	*out = c;
	*nout = n;
	return 1;
}

static int parse_trailer(struct sd_reader *r, const struct jv *v)
{
	struct sd_trace_end *te = &r->end;
	struct jo *o = r->jo_ev;

	jo_open(o, &r->doc, v);
	const struct jv *e = jo_get(o, JK_end);
	if (!e || e->type != JV_TRUE)
		return perr(r, "field 'end' must be true");
	if (get_bool(r, o, JK_complete, true, &te->complete) < 0 ||
	    get_u64(r, o, JK_events, true, &te->events) < 0 ||
	    get_cint(r, o, JK_exit_status, true, false, &te->exit_status) < 0 ||
	    get_cstr(r, o, JK_reason, &te->reason) < 0 ||
	    get_counts(r, o, JK_unrecorded, &te->unrecorded, &te->nunrecorded) < 0)
		return -1;
	return 0;
}

/* ---- public interface ---- */

static const char *arg_type_name(int i)
{
	return sd_arg_type_name(i);
}

static const char *ev_kind_name(int i)
{
	return sd_ev_kind_name(i);
}

static const char *ret_fmt_name(int i)
{
	static const char *const names[] = { "dec", "hex", "fd", "oct" };
	return names[i];
}

static struct sd_reader *reader_new(struct sd_lines *in)
{
	struct sd_reader *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(sd_lines_name(in));
	r->in = in;
	r->jo_ev = xcalloc(4, sizeof *r->jo_ev);
	r->jo_arg = r->jo_ev + 1;
	r->jo_src = r->jo_ev + 2;
	r->jo_frame = r->jo_ev + 3;
	names_init(&r->arg_types, arg_type_name, SD_ARG__COUNT);
	names_init(&r->ev_kinds, ev_kind_name, SD_EV__COUNT);
	names_init(&r->ret_fmts, ret_fmt_name, 4);
	return r;
}

static struct sd_reader *read_header(struct sd_reader *r, char **err)
{
	const char *line;
	size_t n;
	bool nl;
	int rc = get_line(r, &line, &n, &nl);
	const struct jv *j = NULL;

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
		report(r, err);
		sd_reader_close(r);
		return NULL;
	}
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
static int finish_trailer(struct sd_reader *r, const struct jv *j)
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
	const struct jv *j;

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
	if (sd_jv_get(&r->doc, j, JK_end) && !sd_jv_get(&r->doc, j, JK_seq))
		rc = finish_trailer(r, j);
	else
		rc = parse_event(r, j, ev) < 0 ? -1 : 1;
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
	const struct jv *j = parse_json(r, line, n);
	int rc = j ? parse_event(r, j, ev) : -1;
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
	sd_jdoc_free(&r->doc);
	free(r->jo_ev);
	sd_trace_info_clear(&r->info);
	sd_trace_end_clear(&r->end);
	sb_free(&r->msg);
	free(r->failed);
	free(r->name);
	free(r);
}

void sd_reader_jansson_only(struct sd_reader *r, bool on)
{
	r->jansson_only = on;
}

unsigned long sd_reader_fast_lines(const struct sd_reader *r)
{
	return r->fast_lines;
}
