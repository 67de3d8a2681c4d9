/* describe.c - the words under the caret (see describe.h). */
#include "compare/describe.h"

#include <stdlib.h>
#include <string.h>

#include "compare/semantic.h"
#include "decode/decode.h"
#include "util/util.h"

/* One byte as a short quoted token: ',' '\r' '\x01' */
static void add_char(struct sb *sb, unsigned char c)
{
	switch (c) {
	case '\n': sb_adds(sb, "'\\n'"); return;
	case '\r': sb_adds(sb, "'\\r'"); return;
	case '\t': sb_adds(sb, "'\\t'"); return;
	case '\'': sb_adds(sb, "'\\''"); return;
	case '\\': sb_adds(sb, "'\\\\'"); return;
	}
	if (c >= 0x20 && c < 0x7f)
		sb_addf(sb, "'%c'", c);
	else
		sb_addf(sb, "'\\x%02x'", c);
}

static void add_short(struct sb *sb, const unsigned char *p, size_t n)
{
	sb_addc(sb, '"');
	for (size_t i = 0; i < n && i < 24; i++) {
		unsigned char c = p[i];
		if (c == '\n')
			sb_adds(sb, "\\n");
		else if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			sb_addc(sb, (char)c);
		else
			sb_addf(sb, "\\x%02x", c);
	}
	sb_adds(sb, n > 24 ? "\"..." : "\"");
}

/* Byte strings a (len la, na known) and b: the first difference in words.
 * *at = offset of the first differing byte in a. */
static void bytes_diff(struct sb *sb, const unsigned char *a, uint64_t la, size_t na,
		       const unsigned char *b, uint64_t lb, size_t nb, long *at)
{
	size_t p = 0, n = na < nb ? na : nb;

	while (p < n && a[p] == b[p])
		p++;
	*at = (long)p;
	bool all = na == la && nb == lb;   /* whole contents known */
	if (all && la == lb + 1 && !memcmp(a + p + 1, b + p, nb - p)) {
		sb_adds(sb, "missing ");
		add_char(sb, a[p]);
	} else if (all && lb == la + 1 && !memcmp(b + p + 1, a + p, na - p)) {
		sb_adds(sb, "extra ");
		add_char(sb, b[p]);
	} else if (all && la == lb && p < n && !memcmp(a + p + 1, b + p + 1, na - p - 1)) {
		add_char(sb, a[p]);
		sb_adds(sb, " vs ");
		add_char(sb, b[p]);
	} else if (p < n) {
		sb_addf(sb, "differs from byte %zu: ", p);
		add_short(sb, a + p, na - p);
		sb_adds(sb, " vs ");
		add_short(sb, b + p, nb - p);
		if (la != lb)
			sb_addf(sb, " (%llu vs %llu bytes)", (unsigned long long)la,
				(unsigned long long)lb);
	} else if (la != lb) {
		if (all && na > nb) {
			sb_adds(sb, "missing ");
			add_short(sb, a + p, na - p);
			sb_adds(sb, " at the end");
		} else if (all && nb > na) {
			sb_adds(sb, "extra ");
			add_short(sb, b + p, nb - p);
			sb_adds(sb, " at the end");
		} else {
			sb_addf(sb, "%llu vs %llu bytes", (unsigned long long)la, (unsigned long long)lb);
		}
	} else {
		*at = -1;
		sb_addf(sb, "same length, contents differ after the first %zu bytes shown", n);
	}
}

static void str_diff(struct sb *sb, const char *a, const char *b, long *at)
{
	bytes_diff(sb, (const unsigned char *)a, strlen(a), strlen(a),
		   (const unsigned char *)b, strlen(b), strlen(b), at);
}

static bool has_token(const char *text, const char *tok, size_t n)
{
	for (const char *p = text; *p;) {
		size_t k = strcspn(p, "|");
		if (k == n && !memcmp(p, tok, n))
			return true;
		p += k + (p[k] == '|');
	}
	return false;
}

/* flags: "missing O_APPEND, extra O_TRUNC", or "X vs Y" */
static void flags_diff(struct sb *sb, const char *a, const char *b)
{
	size_t start = sb->len;
	for (int side = 0; side < 2; side++) {
		const char *x = side ? b : a, *y = side ? a : b;
		for (const char *p = x; *p;) {
			size_t k = strcspn(p, "|");
			if (!has_token(y, p, k)) {
				sb_addf(sb, "%s%s %.*s", sb->len > start ? ", " : "",
					side ? "extra" : "missing", (int)k, p);
			}
			p += k + (p[k] == '|');
		}
	}
	if (sb->len == start || strchr(a, '|') == NULL || strchr(b, '|') == NULL) {
		sb->len = start;
		sb_addf(sb, "%s vs %s", a, b);
	}
}

static void ret_text(struct sb *sb, const struct sd_event *ev, const char *pidl)
{
	if (ev->kind != SD_EV_SYSCALL) {
		if (ev->kind == SD_EV_EXIT)
			sb_addf(sb, "exited with %d", ev->status);
		else if (ev->kind == SD_EV_KILLED)
			sb_addf(sb, "killed by %s", sd_signal_name(ev->sig));
		else
			sb_adds(sb, sd_signal_name(ev->sig));
		return;
	}
	if (!ev->finished)
		sb_adds(sb, "?");
	else if (sd_ret_is_error(ev->ret))
		sb_adds(sb, sd_errno_name((int)-ev->ret));
	else if (pidl)
		sb_adds(sb, pidl);
	else if (ev->ret_fmt == SD_RET_FD && ev->ret_ref)
		sb_addf(sb, "%lld<%s>", (long long)ev->ret, ev->ret_ref);
	else
		sb_addf(sb, "%lld", (long long)ev->ret);
}

/* The entries of a listing within the bytes kept (malloc'd; *n of them). */
static struct sd_dirent *entries_of(const struct sd_arg *a, bool v64, size_t *n)
{
	struct sd_dirent e, *v = NULL;
	size_t pos = 0, cap = 0;

	*n = 0;
	while (sd_dirent_next(a->buf.data, a->buf.kept, v64, &pos, &e)) {
		if (*n == cap)
			v = xrealloc(v, (cap = cap ? 2 * cap : 16) * sizeof *v);
		v[(*n)++] = e;
	}
	return v;
}

static bool entry_eq(const struct sd_dirent *x, const struct sd_dirent *y)
{
	return x->len == y->len && x->type == y->type && !memcmp(x->name, y->name, x->len);
}

static void add_entry(struct sb *sb, const struct sd_dirent *e)
{
	add_short(sb, (const unsigned char *)e->name, e->len);
	const char *t = sd_dirent_type_name(e->type);
	if (t)
		sb_addf(sb, " (%s)", t);
	else
		sb_addf(sb, " (d_type %u)", e->type);
}

/* The first entry of x[0..n) not in y[0..m), or NULL. */
static const struct sd_dirent *first_not_in(const struct sd_dirent *x, size_t n,
					    const struct sd_dirent *y, size_t m)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < m && !entry_eq(&x[i], &y[j]))
			j++;
		if (j == m)
			return &x[i];
	}
	return NULL;
}

/* Directory listings: which entries one side has and the other not, by name and type
 * (what compare looks at), not the bytes (inode numbers and offsets are not
 * behaviour); with the same entries, the first place their order differs. */
static bool dirents_diff(struct sb *sb, const struct sd_event *ea, const struct sd_arg *a,
			 const struct sd_arg *b)
{
	bool v64 = sd_dirent_call(ea->name) == 1;
	size_t na, nb, k = 0;

	if (!a->buf.data || !b->buf.data)
		return false;
	struct sd_dirent *x = entries_of(a, v64, &na), *y = entries_of(b, v64, &nb);
	const struct sd_dirent *miss = first_not_in(x, na, y, nb), *extra = first_not_in(y, nb, x, na);
	size_t start = sb->len;
	if (miss) {
		sb_adds(sb, "missing entry ");
		add_entry(sb, miss);
	}
	if (extra) {
		sb_adds(sb, miss ? ", extra entry " : "extra entry ");
		add_entry(sb, extra);
	}
	if (!miss && !extra) {
		while (k < na && k < nb && entry_eq(&x[k], &y[k]))
			k++;
		if (k < na && k < nb) {
			sb_addf(sb, "the same entries in another order: entry %zu is ", k + 1);
			add_entry(sb, &x[k]);
			sb_adds(sb, " vs ");
			add_entry(sb, &y[k]);
		}
	}
	if (na != nb && sb->len > start)
		sb_addf(sb, "; %zu vs %zu entries", na, nb);
	free(x);
	free(y);
	return sb->len > start;
}

static void arg_diff(struct sb *sb, const struct sd_cmp_event *ca, const struct sd_cmp_event *cb,
		     int i, long *at)
{
	const struct sd_arg *a = &ca->ev.args[i], *b = &cb->ev.args[i];

	if (ca->pid_label[i + 1] || cb->pid_label[i + 1]) {
		sb_addf(sb, "%s vs %s", ca->pid_label[i + 1] ? ca->pid_label[i + 1] : "?",
			cb->pid_label[i + 1] ? cb->pid_label[i + 1] : "?");
		return;
	}
	if (a->type != b->type) {
		sb_addf(sb, "%s vs %s argument", sd_arg_type_name(a->type), sd_arg_type_name(b->type));
		return;
	}
	switch (a->type) {
	case SD_ARG_BUF:
		if (i == 1 && sd_dirent_call(ca->ev.name) >= 0 &&
		    dirents_diff(sb, &ca->ev, a, b)) {
			*at = -1;
			break;
		}
		bytes_diff(sb, a->buf.data ? a->buf.data : (const unsigned char *)"", a->buf.len,
			   a->buf.kept, b->buf.data ? b->buf.data : (const unsigned char *)"",
			   b->buf.len, b->buf.kept, at);
		break;
	case SD_ARG_PATH: {
		const char *x = a->abs ? a->abs : a->str ? a->str : "", *y = b->abs ? b->abs : b->str ? b->str : "";
		long off;
		str_diff(sb, x, y, &off);
		/* the caret points into the path as shown (as given, not absolute) */
		if (a->str && off >= 0) {
			size_t shown = strlen(a->str), full = strlen(x);
			*at = full >= shown && !strcmp(x + full - shown, a->str) &&
			      off >= (long)(full - shown) ? off - (long)(full - shown) : -1;
		}
		break;
	}
	case SD_ARG_FD:
		if (a->ref && b->ref && strcmp(a->ref, b->ref))
			sb_addf(sb, "%s vs %s", a->ref, b->ref);
		else
			sb_addf(sb, "fd %d vs %d", (int)a->raw, (int)b->raw);
		break;
	case SD_ARG_FLAGS:
		if (a->text && b->text)
			flags_diff(sb, a->text, b->text);
		else
			sb_addf(sb, "%#llx vs %#llx", (unsigned long long)a->raw, (unsigned long long)b->raw);
		break;
	case SD_ARG_MODE:
		sb_addf(sb, "%#llo vs %#llo", (unsigned long long)a->raw, (unsigned long long)b->raw);
		break;
	case SD_ARG_SIGNAL:
		sb_addf(sb, "%s vs %s", sd_signal_name((int)a->raw), sd_signal_name((int)b->raw));
		break;
	case SD_ARG_STRV: {
		int k = 0;
		while (k < a->nstrv && k < b->nstrv && !strcmp(a->strv[k] ? a->strv[k] : "",
							       b->strv[k] ? b->strv[k] : ""))
			k++;
		if (k < a->nstrv && k < b->nstrv)
			sb_addf(sb, "[%d] \"%s\" vs \"%s\"", k, a->strv[k] ? a->strv[k] : "",
				b->strv[k] ? b->strv[k] : "");
		else
			sb_addf(sb, "%d vs %d entries", a->nstrv, b->nstrv);
		break;
	}
	case SD_ARG_STRUCT:
		sb_addf(sb, "%s vs %s", a->text ? a->text : "?", b->text ? b->text : "?");
		break;
	default:
		if (a->text || b->text)
			sb_addf(sb, "%s vs %s", a->text ? a->text : "?", b->text ? b->text : "?");
		else
			sb_addf(sb, "%lld vs %lld", (long long)a->raw, (long long)b->raw);
		break;
	}
}

/* Folded transfers: which file, how many bytes in all, what content. */
static void fold_diff(struct sb *sb, const struct sd_cmp_event *a, const struct sd_cmp_event *b,
		      int field, long *at)
{
	const char *verb = a->cls && !strcmp(a->cls, "read") ? "read" : "written";

	if (field == 1) {
		const char *x = a->ev.nargs > 0 && a->ev.args[0].ref ? a->ev.args[0].ref : "?";
		const char *y = b->ev.nargs > 0 && b->ev.args[0].ref ? b->ev.args[0].ref : "?";
		sb_addf(sb, "%s vs %s", x, y);
	} else if (field == 2) {
		/* the first transfers show where the data starts to differ */
		int i = 1;
		if (a->ev.nargs > i && b->ev.nargs > i && a->ev.args[i].type == SD_ARG_BUF &&
		    b->ev.args[i].type == SD_ARG_BUF && a->fold_count == 1 && b->fold_count == 1) {
			bytes_diff(sb, a->ev.args[i].buf.data ? a->ev.args[i].buf.data : (const unsigned char *)"",
				   a->ev.args[i].buf.len, a->ev.args[i].buf.kept,
				   b->ev.args[i].buf.data ? b->ev.args[i].buf.data : (const unsigned char *)"",
				   b->ev.args[i].buf.len, b->ev.args[i].buf.kept, at);
			return;
		}
		sb_addf(sb, "%llu vs %llu bytes %s in all (%u vs %u calls)",
			(unsigned long long)a->fold_total, (unsigned long long)b->fold_total, verb,
			a->fold_count, b->fold_count);
	} else {
		sb_addf(sb, "same %llu bytes %s, different content", (unsigned long long)a->fold_total,
			verb);
	}
}

/* The mode a creation made: asked less the umask, or the widest it was given later. */
static int made_mode(const struct sd_cmp_event *c, int asked)
{
	if (c->grant)
		return (int)(c->grant & 07777);
	return asked & ~(c->umask > 0 ? c->umask : 0) & 07777;
}

static void mode_note(struct sb *sb, const char *who, const struct sd_cmp_event *c, int asked,
		      bool *any)
{
	int made = asked & ~(c->umask > 0 ? c->umask : 0) & 07777;

	if (c->grant && (int)(c->grant & 07777) != made)
		sb_addf(sb, "%s%s: made %04o, given %04o later", *any ? "; " : " (", who, made,
			(int)(c->grant & 07777));
	else if (made != asked)
		sb_addf(sb, "%s%s: %04o less umask %03o", *any ? "; " : " (", who, asked, c->umask);
	else
		return;
	*any = true;
}

/* A creation's mode: what it made (after the umask, or the widest it was given). */
static bool creation_mode_diff(struct sb *sb, const struct sd_cmp_event *a,
			       const struct sd_cmp_event *b, int ia, int ib)
{
	if (ia < 0 || ib < 0 || ia >= a->ev.nargs || ib >= b->ev.nargs ||
	    a->ev.args[ia].type != SD_ARG_MODE || b->ev.args[ib].type != SD_ARG_MODE)
		return false;
	int x = (int)(a->ev.args[ia].raw & 07777), y = (int)(b->ev.args[ib].raw & 07777);
	bool any = false;
	sb_addf(sb, "%s %04o vs %04o", a->grant || b->grant ? "widest mode" : "mode",
		made_mode(a, x), made_mode(b, y));
	mode_note(sb, "original", a, x, &any);
	mode_note(sb, "transpiled", b, y, &any);
	if (any)
		sb_addc(sb, ')');
	return true;
}

void sd_describe(const struct sd_cmp_event *a, const struct sd_cmp_event *b,
		 struct sd_diffdesc *d)
{
	struct sb sb = SB_INIT;

	d->field = -1;
	d->byte = -1;
	d->text = NULL;
	d->arg = d->arg_b = -1;
	for (int i = 0; i < SD_NF; i++)
		if (a->f[i] != b->f[i]) {
			d->field = i;
			break;
		}
	if (d->field < 0)
		return;
	if (a->folded && b->folded && d->field > 0 && d->field < SD_NF_RET) {
		fold_diff(&sb, a, b, d->field, &d->byte);
		d->arg = d->arg_b = d->field == 1 ? 0 : 1;
		d->text = sb_detach(&sb);
		return;
	}
	if (a->cls && b->cls && !a->folded && d->field > 0 && d->field < SD_NF_RET) {
		int ia = sd_sem_field_arg(&a->ev, a->cls, d->field);
		int ib = sd_sem_field_arg(&b->ev, b->cls, d->field);
		bool creation = (!strcmp(a->cls, "open") && d->field == 3) ||
				((!strcmp(a->cls, "mkdir") || !strcmp(a->cls, "mknod")) && d->field == 2);
		if (creation && !strcmp(a->cls, b->cls) && creation_mode_diff(&sb, a, b, ia, ib)) {
			/* described */
		} else if (!strcmp(a->cls, "open") && d->field == 2) {
			char *x = sd_sem_open_flags(ia >= 0 && a->ev.args[ia].text ? a->ev.args[ia].text :
						    "O_WRONLY|O_CREAT|O_TRUNC");
			char *y = sd_sem_open_flags(ib >= 0 && b->ev.args[ib].text ? b->ev.args[ib].text :
						    "O_WRONLY|O_CREAT|O_TRUNC");
			flags_diff(&sb, x, y);
			free(x);
			free(y);
		} else if (ia >= 0 && ib >= 0 && ia < a->ev.nargs && ib < b->ev.nargs &&
			   a->ev.args[ia].type == b->ev.args[ib].type) {
			/* compare the two arguments as if they were at one position */
			struct sd_cmp_event x = *a, y = *b;
			x.ev.args[0] = a->ev.args[ia];
			y.ev.args[0] = b->ev.args[ib];
			x.pid_label[1] = y.pid_label[1] = NULL;
			arg_diff(&sb, &x, &y, 0, &d->byte);
		} else {
			sb_addf(&sb, "%s differs", a->cls);
		}
		d->arg = ia;
		d->arg_b = ib;
		d->text = sb_detach(&sb);
		return;
	}
	if (d->field == 0) {
		if (a->ev.kind == SD_EV_SYSCALL && b->ev.kind == SD_EV_SYSCALL)
			sb_addf(&sb, "%s vs %s", a->ev.name, b->ev.name);
		else
			sb_addf(&sb, "%s vs %s", a->ev.kind == SD_EV_SYSCALL ? a->ev.name : sd_ev_kind_name(a->ev.kind),
				b->ev.kind == SD_EV_SYSCALL ? b->ev.name : sd_ev_kind_name(b->ev.kind));
	} else if (d->field == SD_NF_RET && a->ev.kind == SD_EV_EXIT && b->ev.kind == SD_EV_EXIT) {
		sb_addf(&sb, "exit status %d vs %d", a->ev.status, b->ev.status);
	} else if (d->field == SD_NF_RET && a->ev.kind != SD_EV_SYSCALL) {
		ret_text(&sb, &a->ev, NULL);
		sb_adds(&sb, " vs ");
		ret_text(&sb, &b->ev, NULL);
	} else if (d->field == SD_NF_RET) {
		ret_text(&sb, &a->ev, a->pid_label[SD_NF_RET]);
		sb_adds(&sb, " vs ");
		ret_text(&sb, &b->ev, b->pid_label[SD_NF_RET]);
	} else if (d->field - 1 >= a->ev.nargs || d->field - 1 >= b->ev.nargs) {
		sb_addf(&sb, "%d vs %d arguments", a->ev.nargs, b->ev.nargs);
	} else {
		arg_diff(&sb, a, b, d->field - 1, &d->byte);
		d->arg = d->arg_b = d->field - 1;
	}
	d->text = sb_detach(&sb);
}

void sd_diffdesc_clear(struct sd_diffdesc *d)
{
	free(d->text);
	d->text = NULL;
}
