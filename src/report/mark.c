/* mark.c - where the two events of a changed pair differ, in their rendered lines
 * (mark.h). */
#include "report/mark.h"
#include <string.h>
#include "format/writers.h"

/* The shown bytes of a string or buffer argument (NULL for other types). */
static const char *arg_bytes(const struct sd_arg *a, size_t *n)
{
	if (a->type == SD_ARG_BUF && a->buf.data) {
		*n = a->buf.kept;
		return (const char *)a->buf.data;
	}
	if (a->type == SD_ARG_PATH && a->str) {
		*n = strlen(a->str);
		return a->str;
	}
	return NULL;
}

/* Where argument k (0-based) ends in a line: before the ", " of the next one shown, or
 * before the ')'. */
static long arg_end(const long cols[SD_MAX_ARGS + 1], int k)
{
	for (int j = k + 1; j < SD_MAX_ARGS; j++)
		if (cols[j] >= 0)
			return cols[j] - 2;
	return cols[SD_MAX_ARGS] - 1;
}

/* The part of t (the rendered line of ev, len its event text) that field (0 name,
 * 1..SD_MAX_ARGS argument, SD_NF_RET result) shows: at byte `byte` of a string or buffer
 * only its escaped byte (or the closing quote).  s is the caret's column (-1: the field
 * is not shown). */
struct sd_span sd_field_span(const char *t, long len, const struct sd_event *ev,
			     const long cols[SD_MAX_ARGS + 1], int field, long byte)
{
	if (field == 0)
		return (struct sd_span){ 0, ev->kind == SD_EV_SYSCALL ?
					 (long)strnlen(ev->name, sizeof ev->name) : len };
	if (field == SD_NF_RET) {
		if (ev->kind == SD_EV_SYSCALL && cols[SD_MAX_ARGS] >= 0)
			return (struct sd_span){ cols[SD_MAX_ARGS] + 3, len };
		/* "+++ exited with 1 +++": the number or signal */
		const char *p = strstr(t, " with ");
		if (!p)
			p = strstr(t, " by ");
		long s = p ? (long)(p - t) + (p[1] == 'w' ? 6 : 4) : 0, e = s;
		while (e < len && t[e] != ' ')
			e++;
		return (struct sd_span){ s, e };
	}
	if (field < 1 || field > SD_MAX_ARGS || cols[field - 1] < 0)
		return (struct sd_span){ -1, -1 };
	struct sd_span sp = { cols[field - 1], arg_end(cols, field - 1) };
	size_t n;
	const char *p = arg_bytes(&ev->args[field - 1], &n);
	if (byte >= 0 && p && (size_t)byte <= n) {
		sp.s += 1 + (long)sd_text_escaped_width(p, (size_t)byte);
		size_t w = (size_t)byte < n ? sd_text_escaped_width(p, (size_t)byte + 1) -
					      sd_text_escaped_width(p, (size_t)byte) : 1;
		sp.e = sp.s + (long)(w ? w : 1);
	}
	return sp;
}

/* Of flags shown as t[sp) ("O_WRONLY|O_CREAT|O_TRUNC"), the flag at the first place
 * where they and other (the other side's flags) differ; the last one when they end
 * there (other has a flag more); all of sp when there is none. */
static struct sd_span flag_token(const char *t, struct sd_span sp, const char *other)
{
	const char *q = other;

	for (long p = sp.s; p < sp.e;) {
		long k = p;
		while (k < sp.e && t[k] != '|')
			k++;
		size_t m = strcspn(q, "|");
		if (!*q || m != (size_t)(k - p) || memcmp(q, t + p, m) || k >= sp.e)
			return (struct sd_span){ p, k };
		q += m + (q[m] == '|');
		p = k + 1;
	}
	return sp;
}

/* The argument of field f (1-based) of c, or NULL. */
static const struct sd_arg *field_arg(const struct sd_cmp_event *c, int f)
{
	return c && f >= 1 && f <= SD_MAX_ARGS && f <= c->ev.nargs ? &c->ev.args[f - 1] : NULL;
}

/* The first byte at which the strings or buffers of the two sides' fields differ. */
static long common_prefix(const struct sd_pair_mark *m)
{
	const struct sd_arg *a = field_arg(m->ev[0], m->field[0]);
	const struct sd_arg *b = field_arg(m->ev[1], m->field[1]);
	size_t na = 0, nb = 0, p = 0;
	const char *x = a ? arg_bytes(a, &na) : NULL, *y = b ? arg_bytes(b, &nb) : NULL;

	if (!x || !y || a->type != b->type)
		return -1;
	while (p < na && p < nb && x[p] == y[p])
		p++;
	return (long)p;
}

/* What to mark in a changed pair ev[0], ev[1] that dd describes. */
struct sd_pair_mark sd_pair_mark(const struct sd_diffdesc *dd, const struct sd_cmp_event *a,
				 const struct sd_cmp_event *b)
{
	struct sd_pair_mark m = { { -1, -1 }, { -1, -1 }, { a, b } };

	if (dd->field < 0)
		return m;
	for (int i = 0; i < 2; i++) {
		int arg = i ? dd->arg_b : dd->arg;
		m.field[i] = dd->field <= 0 || dd->field == SD_NF_RET ? dd->field :
			     arg >= 0 ? arg + 1 : 0;
	}
	m.byte[0] = dd->byte;
	m.byte[1] = dd->byte >= 0 ? common_prefix(&m) : -1;
	return m;
}

struct sd_span sd_pair_token(const char *t, long len, const struct sd_pair_mark *m, int i,
			     const long cols[SD_MAX_ARGS + 1], long *caret)
{
	struct sd_span sp = { -1, -1 };

	if (m->field[i] >= 0 && m->ev[i])
		sp = sd_field_span(t, len, &m->ev[i]->ev, cols, m->field[i], m->byte[i]);
	*caret = sp.s;
	const struct sd_arg *a = field_arg(m->ev[i], m->field[i]);
	const struct sd_arg *b = field_arg(m->ev[!i], m->field[!i]);
	if (sp.s >= 0 && a && b && a->type == SD_ARG_FLAGS && b->type == SD_ARG_FLAGS && b->text)
		sp = flag_token(t, sp, b->text);
	return sp;
}

struct sd_pair_mark sd_pair_describe(const struct sd_cmp_event *a, const struct sd_cmp_event *b,
				     bool changed, struct sd_diffdesc *dd)
{
	*dd = (struct sd_diffdesc){ .field = -1, .byte = -1, .arg = -1, .arg_b = -1 };
	if (changed && a && b)
		sd_describe(a, b, dd);
	return sd_pair_mark(dd, a, b);
}

int sd_mark_strsize(long byte)
{
	return byte > 16 ? (int)(byte + 16 > 4096 ? 4096 : byte + 16) : 32;
}
