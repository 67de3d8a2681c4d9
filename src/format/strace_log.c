/* strace_log.c - the strace log importer (see strace_log.h).
 *
 * A line is "[PID ][TIME ][[ADDR] ]BODY[ <DURATION>]", PID also as "[pid PID] ".  BODY
 * is a syscall "name(args) = ret", its first half "name(args <unfinished ...>", its
 * second half "<... name resumed>args) = ret", a signal "--- SIGX {...} ---", a group
 * stop "--- stopped by SIGX ---" or a process event "+++ exited with N +++".  Halves are
 * joined per tid; the arguments are split by a scanner that knows strace's quoting,
 * brackets, comments and fd annotations (iterative, nesting bounded), then typed by the
 * decode schema (sd_decode_shape), so each comes out as the live tracer types it.
 * Everything is linear in the input: no value from the log sizes a loop or a buffer. */
#define _GNU_SOURCE
#include "format/strace_log.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arch/syscalls.h"
#include "decode/decode.h"
#include "util/path.h"
#include "util/util.h"

#define MAX_DEPTH      128                /* bracket nesting accepted in one value */
#define MAX_STRV       (1u << 20)         /* argv/envp entries kept */
#define MAX_RW         0x7ffff000ULL      /* most bytes one read/write moves */
#define NAME_MAX_LEN   31
#define CLONE_THREAD_F 0x00010000ULL
#define AT_EMPTY_PATH_F 0x1000
#define AT_FDCWD_V     (-100)

struct span {
	const char *p;
	size_t n;
};

/* ---- the scanner ---------------------------------------------------------- */

static bool is_sp(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(const char *p, const char *e)
{
	while (p < e && is_sp(*p))
		p++;
	while (e > p && is_sp(e[-1]))
		e--;
	return (struct span){ p, (size_t)(e - p) };
}

static bool span_is(struct span v, const char *s)
{
	size_t n = strlen(s);
	return v.n == n && !memcmp(v.p, s, n);
}

static bool starts(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - p) >= n && !memcmp(p, s, n);
}

static bool ends(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - p) >= n && !memcmp(e - n, s, n);
}

/* After the closing quote of the string starting at p ('"'), or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* After the '>' that closes the annotation starting at p ('<'), or NULL.  '<' and '>'
 * in names are escaped (\74, \76); unescaped ones are strace's own nesting (-yy). */
static const char *skip_annot(const char *p, const char *end)
{
	int depth = 0, sq = 0;

	for (; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '[' && p[-1] == ':') {
			sq++;            /* -yy "UNIX-STREAM:[1->2]", "TCP:[a:1->b:2]" */
		} else if (*p == ']' && sq) {
			sq--;
		} else if (sq) {
			continue;
		} else if (*p == '<') {
			if (++depth > MAX_DEPTH)
				return NULL;
		} else if (*p == '>' && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* Is the '<' at p an fd annotation ("3</etc/passwd>", "AT_FDCWD</home>")? */
static bool annot_at(const char *start, const char *p, const char *end)
{
	if (p == start || p + 1 >= end || p[1] == '<')
		return false;
	if (isdigit((unsigned char)p[-1]))
		return true;
	return p - start >= 8 && !memcmp(p - 8, "AT_FDCWD", 8);
}

/* The end of the value starting at p: the first ',' or unmatched closer at depth 0, or
 * end.  NULL and *why on malformed input. */
static const char *scan_value(const char *p, const char *end, const char **why)
{
	char stack[MAX_DEPTH];
	int depth = 0;
	const char *start = p;
	bool annots = true;    /* off after one that does not close: scans stay linear */

	while (p < end) {
		char c = *p;
		if (c == '"') {
			const char *q = skip_string(p, end);
			if (!q) {
				*why = "unterminated string";
				return NULL;
			}
			p = q;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			const char *q = memmem(p + 2, (size_t)(end - p - 2), "*/", 2);
			if (!q) {
				*why = "unterminated comment";
				return NULL;
			}
			p = q + 2;
			continue;
		}
		if (c == '<' && annots && annot_at(start, p, end)) {
			const char *q = skip_annot(p, end);
			if (q) {
				p = q;
				continue;
			}
			annots = false;
		}
		if (c == '(' || c == '[' || c == '{') {
			if (depth == MAX_DEPTH) {
				*why = "nesting too deep";
				return NULL;
			}
			stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
		} else if (c == ')' || c == ']' || c == '}') {
			if (!depth)
				return p;
			if (stack[--depth] != c) {
				*why = "unbalanced brackets";
				return NULL;
			}
		} else if (c == ',' && !depth) {
			return p;
		}
		p++;
	}
	if (depth) {
		*why = "unbalanced brackets";
		return NULL;
	}
	return p;
}

/* Split "a, b, c" in [p, end) into at most max values (trailing empty ones dropped).
 * Returns where the list ends (an unmatched closer, or end), NULL on error. */
static const char *split_list(const char *p, const char *end, struct span *v, int max,
			      int *n, const char **why)
{
	*n = 0;
	for (;;) {
		const char *e = scan_value(p, end, why);
		if (!e)
			return NULL;
		struct span s = trim(p, e);
		if (*n == max) {
			if (s.n || (e < end && *e == ',')) {
				*why = "too many values";
				return NULL;
			}
		} else {
			v[(*n)++] = s;
		}
		if (e >= end || *e != ',') {
			while (*n && !v[*n - 1].n)
				(*n)--;
			return e;
		}
		p = e + 1;
	}
}

/* Iterate over the values of a bracketed list "[a, b]" or "{a, b}": *it starts at the
 * opening bracket; returns false at the end. */
struct list_it {
	const char *p, *end;
	bool done;
};

static bool list_open(struct list_it *it, struct span v, char open)
{
	const char *why;

	if (!v.n || v.p[0] != open)
		return false;
	const char *e = scan_value(v.p + 1, v.p + v.n, &why);
	/* the whole value is balanced, so the list ends at its closer */
	while (e && e < v.p + v.n && *e == ',')
		e = scan_value(e + 1, v.p + v.n, &why);
	if (!e || e >= v.p + v.n)
		return false;
	it->p = v.p + 1;
	it->end = e;
	it->done = false;
	return true;
}

static bool list_next(struct list_it *it, struct span *out)
{
	const char *why;

	if (it->done)
		return false;
	const char *e = scan_value(it->p, it->end, &why);
	if (!e)
		return false;
	*out = trim(it->p, e);
	if (e >= it->end)
		it->done = true;
	else
		it->p = e + 1;
	if (it->done && !out->n)
		return false;
	return true;
}

/* "key=value" inside a struct: the value of key, if present. */
static bool field(struct span v, const char *key, struct span *out)
{
	struct list_it it;
	struct span f;
	size_t kn = strlen(key);

	if (!list_open(&it, v, '{'))
		return false;
	while (list_next(&it, &f))
		if (f.n > kn && !memcmp(f.p, key, kn) && f.p[kn] == '=') {
			*out = trim(f.p + kn + 1, f.p + f.n);
			return true;
		}
	return false;
}

/* ---- strings and numbers ------------------------------------------------- */

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The bytes of a C string body s[0..n) with strace's escapes. */
static void unescape(struct sb *out, const char *s, size_t n)
{
	sb_grow(out, n);
	out->buf[out->len] = '\0';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '\\' || i + 1 >= n) {
			sb_addc(out, c);
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'n': sb_addc(out, '\n'); break;
		case 't': sb_addc(out, '\t'); break;
		case 'r': sb_addc(out, '\r'); break;
		case 'v': sb_addc(out, '\v'); break;
		case 'f': sb_addc(out, '\f'); break;
		case 'a': sb_addc(out, '\a'); break;
		case 'b': sb_addc(out, '\b'); break;
		case 'x': {
			unsigned v = 0;
			int k = 0;
			while (k < 2 && i + 1 < n && isxdigit((unsigned char)s[i + 1]))
				v = v * 16 + (unsigned)hexval(s[++i]), k++;
			sb_addc(out, k ? (char)v : 'x');
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				unsigned v = (unsigned)(c - '0');
				for (int k = 1; k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					v = v * 8 + (unsigned)(s[++i] - '0');
				sb_addc(out, (char)(v & 0xff));
			} else {
				sb_addc(out, c);   /* \\ \" \' \? */
			}
		}
	}
}

/* A string value "..." (cut by -s when followed by "..."): its bytes into out. */
static bool parse_str(struct span v, struct sb *out, bool *trunc)
{
	const char *end = v.p + v.n, *q;

	if (!v.n || v.p[0] != '"' || !(q = skip_string(v.p, end)))
		return false;
	unescape(out, v.p + 1, (size_t)(q - v.p - 2));
	*trunc = ends(q, end, "...") && end - q == 3;
	return true;
}

static char *span_dup(struct span v)
{
	return xstrndup(v.p, v.n);
}

/* Unescaped bytes up to the first NUL, as a string. */
static char *unescape_str(const char *p, size_t n)
{
	struct sb sb = SB_INIT;

	unescape(&sb, p, n);
	char *s = sb_detach(&sb);
	return s;
}

/* A C integer: "12", "-1", "0x1f", "0644".  The whole span must be the number. */
static bool parse_num(const char *p, size_t n, int64_t *v)
{
	char buf[32], *end;
	bool neg;

	if (!n || n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	neg = buf[0] == '-';
	if (!isdigit((unsigned char)buf[neg]))
		return false;
	errno = 0;
	unsigned long long u = strtoull(buf + neg, &end, 0);
	if (*end || errno)
		return false;
	*v = neg ? (int64_t)(0 - (uint64_t)u) : (int64_t)u;
	return true;
}

/* -X verbose writes "0x241 /\* O_WRONLY|O_CREAT *\/|17 /\* SIGCHLD *\/": num gets the
 * numbers, sym the symbolic text.  Without comments both are the value as written. */
static bool split_verbose(struct span v, struct sb *num, struct sb *sym)
{
	const char *p = v.p, *end = v.p + v.n;
	const char *c = memmem(p, v.n, "/*", 2);   /* the next comment, found once */
	bool any = false;

	sb_reset(num);
	sb_reset(sym);
	while (p < end) {
		if (c && c < p)
			c = memmem(p, (size_t)(end - p), "/*", 2);
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (c && (!bar || c < bar)) {
			const char *ce = memmem(c + 2, (size_t)(end - c - 2), "*/", 2);
			if (!ce)
				break;
			struct span n = trim(p, c), s = trim(c + 2, ce);
			sb_add(num, n.p, n.n);
			sb_add(sym, s.p, s.n);
			any = true;
			p = ce + 2;
			while (p < end && is_sp(*p))
				p++;
			if (p < end && *p == '|') {
				sb_addc(num, '|');
				sb_addc(sym, '|');
				p++;
			}
			continue;
		}
		const char *e = bar ? bar + 1 : end;
		struct span n = trim(p, e);
		sb_add(num, n.p, n.n);
		sb_add(sym, n.p, n.n);
		p = e;
	}
	if (!any) {
		sb_reset(num);
		sb_reset(sym);
		struct span t = trim(v.p, end);
		sb_add(num, t.p, t.n);
		sb_add(sym, t.p, t.n);
	}
	return any;
}

/* The numeric value of a scalar argument as printed: a number (also "3</path>"),
 * NULL, or a symbolic constant of argument i of the syscall. */
static bool scalar(const char *name, int i, struct span v, int64_t *out)
{
	struct sb num = SB_INIT, sym = SB_INIT;
	bool ok = false;
	uint64_t u;

	*out = 0;
	if (!v.n || v.p[0] == '"' || v.p[0] == '[' || v.p[0] == '{')
		return false;
	split_verbose(v, &num, &sym);
	const char *p = sb_str(&num);
	size_t n = num.len;
	const char *lt = memchr(p, '<', n);
	if (lt && lt > p)
		n = (size_t)(lt - p);          /* "3</path>": the number */
	if (n == 4 && !memcmp(p, "NULL", 4))
		ok = true, *out = 0;
	else if (parse_num(p, n, out))
		ok = true;
	else if (n < 256 && strnlen(p, n) == n) {
		char buf[256];
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (sd_decode_const(name, i, buf, &u))
			ok = true, *out = (int64_t)u;
	}
	sb_free(&num);
	sb_free(&sym);
	return ok;
}

/* The text of a symbolic value: the comments of -X verbose, else the value itself. */
static char *sym_text(struct span v)
{
	struct sb num = SB_INIT, sym = SB_INIT;

	split_verbose(v, &num, &sym);
	sb_free(&num);
	return sb_detach(&sym);
}

/* "SIGTERM", "SIGRTMIN", "SIGRT_2", "15" (strace counts real-time signals from 32) */
static int signal_value(struct span v)
{
	char buf[32];
	int64_t n;
	uint64_t u;

	if (parse_num(v.p, v.n, &n))
		return n >= 0 && n < 128 ? (int)n : -1;
	if (!v.n || v.n >= sizeof buf)
		return -1;
	memcpy(buf, v.p, v.n);
	buf[v.n] = '\0';
	if (strlen(buf) != v.n || strncmp(buf, "SIG", 3) || !sd_decode_const("kill", 1, buf, &u))
		return -1;
	return u > 0 && u < 128 ? (int)u : -1;
}

/* Kernel-internal errno names strace may print that libc does not know. */
static const struct { const char *name; int code; } kernel_errnos[] = {
	{ "ERESTARTSYS", 512 }, { "ERESTARTNOINTR", 513 }, { "ERESTARTNOHAND", 514 },
	{ "ENOIOCTLCMD", 515 }, { "ERESTART_RESTARTBLOCK", 516 }, { "EPROBE_DEFER", 517 },
	{ "EOPENSTALE", 518 }, { "ENOPARAM", 519 }, { "EBADHANDLE", 521 },
	{ "ENOTSYNC", 522 }, { "EBADCOOKIE", 523 }, { "ENOTSUPP", 524 },
	{ "ETOOSMALL", 525 }, { "ESERVERFAULT", 526 }, { "EBADTYPE", 527 },
	{ "EJUKEBOX", 528 }, { "EIOCBQUEUED", 529 }, { "ERECALLCONFLICT", 530 },
};

static int errno_value(struct span v)
{
	char buf[40];

	if (v.n < 2 || v.n >= sizeof buf)
		return -1;
	memcpy(buf, v.p, v.n);
	buf[v.n] = '\0';
	if (strlen(buf) != v.n)
		return -1;
	for (size_t i = 0; i < sizeof kernel_errnos / sizeof *kernel_errnos; i++)
		if (!strcmp(kernel_errnos[i].name, buf))
			return kernel_errnos[i].code;
	int e = sd_errno_from_name(buf);
	return e > 0 && e < 4096 ? e : -1;
}

/* Seconds with an optional fraction, "12.000345" -> ns; "HH:MM:SS[.frac]" when tod. */
static bool parse_secs(const char *p, const char *e, bool tod, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	int fd = 0;

	if (tod) {
		uint64_t part[3] = { 0 };
		for (int k = 0; k < 3; k++) {
			const char *s0 = p;
			while (p < e && isdigit((unsigned char)*p) && p - s0 < 6)
				part[k] = part[k] * 10 + (uint64_t)(*p++ - '0');
			if (p == s0 || (k < 2 && (p >= e || *p++ != ':')))
				return false;
		}
		sec = part[0] * 3600 + part[1] * 60 + part[2];
	} else {
		const char *s0 = p;
		while (p < e && isdigit((unsigned char)*p) && p - s0 < 12)
			sec = sec * 10 + (uint64_t)(*p++ - '0');
		if (p == s0)
			return false;
	}
	if (p < e && *p == '.') {
		p++;
		while (p < e && isdigit((unsigned char)*p)) {
			if (fd < 9)
				frac = frac * 10 + (uint64_t)(*p - '0'), fd++;
			p++;
		}
	}
	if (p != e)
		return false;
	while (fd < 9)
		frac *= 10, fd++;
	*ns = sec * 1000000000ULL + frac;
	return true;
}

/* ---- processes and threads ------------------------------------------------ */

struct proc {
	int refs;
	pid_t tgid;
	char *cwd;             /* absolute, or NULL when unknown */
};

struct pend {              /* the first half of a call, waiting to be resumed */
	bool on;
	bool clone;            /* clone/clone3/fork/vfork: its child may report first */
	bool thread;           /* ... creating a thread (CLONE_THREAD) */
	char name[NAME_MAX_LEN + 1];
	struct sb text;        /* the arguments printed so far */
	uint64_t t_ns;
	unsigned long lineno;
	uint64_t gen;
};

struct rst {               /* the thread's last interrupted call (restart linking) */
	uint64_t seq;
	bool after_sigreturn;
	struct sd_event tmpl;  /* name, nr and arguments; out-parameters: type and raw only */
	int nkey;
	char *key[SD_MAX_ARGS]; /* the in-arguments as printed, NULL for out-parameters */
};

struct thr {
	struct thr *next;
	pid_t tid;
	struct proc *proc;
	struct pend pend;
	struct rst rst;
};

struct cref {
	pid_t tid;
	uint64_t gen;
};

struct sd_strace {
	struct sd_lines *in;
	struct sd_trace_info info;
	struct sd_trace_end end;
	bool have_end, eof, failed, partial, any_exit_line;
	char *errmsg;
	char *cwd0;
	/* lines */
	bool any_pid;
	pid_t last_tid;
	bool have_root;
	pid_t root;
	bool root_done;
	int root_status;
	bool root_exit_group;  /* -qq hides "+++ exited": the root's exit_group(N) tells */
	int root_exit_arg;
	bool have_t0, relative, tod_seen;
	uint64_t t0, last_abs, day_off, prev_tod;
	/* threads */
	struct thr **tab;
	size_t tabsize, nthr;
	struct cref *cstack;
	size_t ncs, cscap;
	uint64_t gen;
	/* output */
	struct sd_event *q;
	size_t qhead, qlen, qcap;
	uint64_t seq, returned;
	/* scratch */
	struct sb joined;
};

static void proc_unref(struct proc *p)
{
	if (p && --p->refs == 0) {
		free(p->cwd);
		free(p);
	}
}

static struct proc *proc_new(pid_t tgid, const char *cwd)
{
	struct proc *p = xcalloc(1, sizeof *p);

	p->refs = 1;
	p->tgid = tgid;
	p->cwd = cwd ? xstrdup(cwd) : NULL;
	return p;
}

static void proc_set_cwd(struct proc *p, char *cwd)   /* takes cwd */
{
	free(p->cwd);
	p->cwd = cwd;
}

static size_t thr_slot(const struct sd_strace *s, pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (s->tabsize - 1);
}

static struct thr *thr_find(struct sd_strace *s, pid_t tid)
{
	if (!s->tabsize)
		return NULL;
	for (struct thr *t = s->tab[thr_slot(s, tid)]; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static void thr_link(struct sd_strace *s, struct thr *t)
{
	if (s->nthr >= s->tabsize) {
		size_t old = s->tabsize;
		struct thr **ot = s->tab;
		s->tabsize = old ? 2 * old : 64;
		s->tab = xcalloc(s->tabsize, sizeof *s->tab);
		for (size_t i = 0; i < old; i++)
			for (struct thr *x = ot[i], *nx; x; x = nx) {
				nx = x->next;
				size_t k = thr_slot(s, x->tid);
				x->next = s->tab[k];
				s->tab[k] = x;
			}
		free(ot);
	}
	size_t k = thr_slot(s, t->tid);
	t->next = s->tab[k];
	s->tab[k] = t;
	s->nthr++;
}

static void thr_unlink(struct sd_strace *s, struct thr *t)
{
	for (struct thr **pp = &s->tab[thr_slot(s, t->tid)]; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			s->nthr--;
			return;
		}
}

static void rst_clear(struct rst *r)
{
	sd_event_clear(&r->tmpl);
	for (int i = 0; i < r->nkey; i++)
		free(r->key[i]);
	memset(r, 0, sizeof *r);
}

static void pend_clear(struct pend *p)
{
	sb_free(&p->text);
	memset(p, 0, sizeof *p);
}

static void thr_free(struct thr *t)
{
	pend_clear(&t->pend);
	rst_clear(&t->rst);
	proc_unref(t->proc);
	free(t);
}

static void thr_drop(struct sd_strace *s, struct thr *t)
{
	thr_unlink(s, t);
	thr_free(t);
}

/* The thread whose pending clone most likely created a new tid (the latest one). */
static struct thr *clone_parent(struct sd_strace *s)
{
	while (s->ncs) {
		struct cref c = s->cstack[--s->ncs];
		struct thr *t = thr_find(s, c.tid);
		if (t && t->pend.on && t->pend.clone && t->pend.gen == c.gen)
			return t;
	}
	return NULL;
}

static struct thr *thr_new(struct sd_strace *s, pid_t tid, struct proc *share,
			   const char *cwd)
{
	struct thr *t = xcalloc(1, sizeof *t);

	t->tid = tid;
	if (share) {
		t->proc = share;
		share->refs++;
	} else {
		t->proc = proc_new(tid, cwd);
	}
	thr_link(s, t);
	return t;
}

/* The state of tid, created when first seen: the root starts in opts->cwd; a child that
 * reports before its parent's clone returns belongs to the latest pending clone. */
static struct thr *thr_get(struct sd_strace *s, pid_t tid)
{
	struct thr *t = thr_find(s, tid), *parent;

	if (t)
		return t;
	if (!s->have_root) {
		s->have_root = true;
		s->root = tid;
		return thr_new(s, tid, NULL, s->cwd0);
	}
	parent = clone_parent(s);
	if (parent && parent->pend.thread)
		return thr_new(s, tid, parent->proc, NULL);
	return thr_new(s, tid, NULL, parent ? parent->proc->cwd : NULL);
}

/* ---- output queue ------------------------------------------------------- */

static struct sd_event *q_push(struct sd_strace *s, struct sd_event *ev)
{
	if (s->qhead && s->qhead == s->qlen)
		s->qhead = s->qlen = 0;
	if (s->qlen == s->qcap) {
		s->qcap = s->qcap ? 2 * s->qcap : 16;
		s->q = xrealloc(s->q, s->qcap * sizeof *s->q);
	}
	ev->seq = ++s->seq;
	s->q[s->qlen] = *ev;
	sd_event_init(ev);
	return &s->q[s->qlen++];
}

static void event_base(struct sd_event *ev, const struct thr *t, enum sd_ev_kind k,
		       uint64_t t_ns)
{
	sd_event_init(ev);
	ev->kind = k;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	ev->t_ns = t_ns;
}

/* ---- fd annotations ------------------------------------------------------ */

/* What an fd refers to, as the tracer writes it, from strace's -y/-yy annotation
 * (escaped text between '<' and '>'): "/path", "pipe:[1]", "socket:[2]"... -yy socket
 * details with an inode become "socket:[INODE]", those without "socket:" + details;
 * -yy device details ("/dev/null<char 1:3>") are dropped. */
static char *annot_ref(const char *p, size_t n)
{
	char *r;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {   /* cut at the first unescaped '<' */
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == '<') {
			n = i;
			break;
		}
	}
	r = unescape_str(p, n);
	while (r[k] >= 'A' && r[k] <= 'Z')
		k++;
	while (k && ((r[k] >= 'A' && r[k] <= 'Z') || isdigit((unsigned char)r[k]) ||
		     r[k] == '-' || r[k] == 'v' || r[k] == '_'))
		k++;
	if (k && r[k] == ':' && r[k + 1] == '[') {
		size_t d = k + 2;
		while (isdigit((unsigned char)r[d]))
			d++;
		char *out;
		if (d > k + 2 && (r[d] == ']' || r[d] == '-' || r[d] == ','))
			out = xasprintf("socket:[%.*s]", (int)(d - k - 2), r + k + 2);
		else
			out = xasprintf("socket:%s", r);
		free(r);
		return out;
	}
	return r;
}

/* The annotation of a value "3</x>" / "AT_FDCWD</x>", if any. */
static bool value_annot(struct span v, struct span *a)
{
	const char *p = v.p, *end = v.p + v.n;

	while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
		p++;
	if (p == v.p || p >= end || *p != '<')
		return false;
	const char *q = skip_annot(p, end);
	if (!q)
		return false;
	a->p = p + 1;
	a->n = (size_t)(q - p - 2);
	return true;
}

/* ---- arguments ------------------------------------------------------------ */

struct call {
	char name[NAME_MAX_LEN + 1];
	struct span tok[SD_MAX_ARGS];
	int ntok;
	bool finished, interrupted, error;
	int64_t ret;
	bool has_ret_annot, has_ret_text;
	struct span ret_annot, ret_text;
	/* typing */
	int64_t raw[SD_MAX_ARGS];
	bool known[SD_MAX_ARGS];
	struct sd_call_shape sh;
	bool shaped;
};

/* Bytes moved by a successful call that returns a count. */
static uint64_t ret_count(const struct call *c)
{
	return c->finished && !c->error && c->ret > 0 ? (uint64_t)c->ret : 0;
}

static void buf_set(struct sd_buf *b, const struct sb *bytes, bool whole, uint64_t len)
{
	free(b->data);
	memset(b, 0, sizeof *b);
	b->len = len;
	uint64_t have = bytes ? bytes->len : 0;
	uint64_t kept = have < len ? have : len;
	if (kept) {
		b->data = xmemdup(bytes->buf, (size_t)kept);
		b->kept = (uint32_t)kept;
	}
	b->hash_valid = whole && have >= len;
	b->hash = b->hash_valid ? XXH64(len ? bytes->buf : "", (size_t)len, 0) : 0;
}

/* The bytes of an iovec array "[{iov_base="..", iov_len=N}, ...]", up to len in all
 * (UINT64_MAX: all of them; *total gets their sum).  *whole = every byte is known. */
static void iov_bytes(struct span v, uint64_t len, struct sb *out, bool *whole,
		      uint64_t *total, bool *listed)
{
	struct list_it it;
	struct span e, base, l;
	uint64_t sum = 0, left = len;
	bool ok = true, more = false;
	struct sb tmp = SB_INIT;

	*listed = list_open(&it, v, '[');
	if (!*listed) {
		*whole = false;
		*total = 0;
		return;
	}
	while (list_next(&it, &e)) {
		int64_t n;
		if (span_is(e, "...")) {
			more = true;
			break;
		}
		if (!field(e, "iov_len", &l) || !parse_num(l.p, l.n, &n) || n < 0) {
			ok = false;
			break;
		}
		uint64_t il = (uint64_t)n > MAX_RW ? MAX_RW : (uint64_t)n;
		sum = sum + il > MAX_RW ? MAX_RW : sum + il;
		uint64_t want = il < left ? il : left;
		if (!want)
			continue;
		left -= want;
		if (!ok)
			continue;
		bool trunc = false;
		sb_reset(&tmp);
		if (!field(e, "iov_base", &base) || !parse_str(base, &tmp, &trunc)) {
			ok = false;
			continue;
		}
		if (tmp.len < want) {
			sb_add(out, tmp.buf, tmp.len);
			ok = false;
			continue;
		}
		sb_add(out, tmp.buf, (size_t)want);
	}
	sb_free(&tmp);
	*total = sum;
	*whole = ok && !more && (len == UINT64_MAX || left == 0);
}

static void fill_buf(struct call *c, int i, struct sd_arg *a, struct span v)
{
	const struct sd_arg_shape *as = &c->sh.a[i];
	struct sb bytes = SB_INIT;
	bool whole = false, trunc = false, listed;
	uint64_t len, total;
	struct span iov = v;

	if (v.n && (isdigit((unsigned char)v.p[0]) || span_is(v, "NULL")))
		a->raw = c->known[i] ? c->raw[i] : 0;
	if (as->msghdr) {
		if (v.n && v.p[0] == '{')
			a->text = span_dup(v);
		if (!field(v, "msg_iov", &iov))
			iov = (struct span){ "", 0 };
	}
	if (as->iov || as->msghdr) {
		if (as->at_exit) {
			len = ret_count(c);
			iov_bytes(iov, len, &bytes, &whole, &total, &listed);
		} else {
			iov_bytes(iov, UINT64_MAX, &bytes, &whole, &total, &listed);
			len = total;
			if (as->upto_ret && c->finished && !c->error && c->ret >= 0 &&
			    (uint64_t)c->ret < len) {
				len = (uint64_t)c->ret;
				sb_reset(&bytes);
				iov_bytes(iov, len, &bytes, &whole, &total, &listed);
			}
			if (!listed) {
				/* the array itself is not shown: nothing is known */
				sb_free(&bytes);
				bool none = as->count >= 0 && c->known[as->count] &&
					    c->raw[as->count] == 0;
				buf_set(&a->buf, NULL, none, 0);
				return;
			}
		}
	} else {
		bool str = parse_str(v, &bytes, &trunc);
		whole = str;
		if (as->at_exit) {
			len = ret_count(c);
		} else if (as->count >= 0 && c->known[as->count] && c->raw[as->count] >= 0) {
			len = (uint64_t)c->raw[as->count];
			if (len > MAX_RW)
				len = MAX_RW;
			if (as->upto_ret && c->finished && !c->error && c->ret >= 0 &&
			    (uint64_t)c->ret < len)
				len = (uint64_t)c->ret;
		} else {
			len = bytes.len;
			whole = str && !trunc;
		}
	}
	if (!len)
		whole = true;   /* nothing moved: the empty hash, as the tracer has it */
	buf_set(&a->buf, &bytes, whole, len);
	sb_free(&bytes);
}

static void fill_fd(struct thr *t, struct call *c, int i, struct sd_arg *a, struct span v)
{
	struct span an = { "", 0 };
	bool has_an = value_annot(v, &an);

	a->raw = (int)c->raw[i];
	if (!c->known[i] && v.n)
		a->text = sym_text(v);
	if (a->raw == AT_FDCWD_V) {
		free(a->text);
		a->text = xstrdup("AT_FDCWD");
		if (has_an && an.n && an.p[0] == '/')   /* strace 6 -y: AT_FDCWD</cwd> */
			proc_set_cwd(t->proc, annot_ref(an.p, an.n));
	} else if (a->raw >= 0 && has_an) {
		a->ref = annot_ref(an.p, an.n);
	}
}

static void fill_path(struct thr *t, struct call *c, int i, struct sd_arg *a,
		      struct sd_event *ev, struct span v)
{
	const struct sd_arg_shape *as = &c->sh.a[i];
	struct sb bytes = SB_INIT;
	bool trunc = false;

	if (span_is(v, "NULL")) {
		a->text = xstrdup("NULL");
		return;
	}
	if (!parse_str(v, &bytes, &trunc)) {
		if (v.n) {
			a->raw = c->known[i] ? c->raw[i] : 0;
			a->text = sym_text(v);
		}
		sb_free(&bytes);
		return;
	}
	a->str = xstrdup(sb_str(&bytes));    /* up to the first NUL, as read from memory */
	sb_free(&bytes);
	if (trunc) {
		a->text = xstrdup("...");
		return;
	}
	if (as->at_exit) {                   /* getcwd: the kernel's answer */
		if (a->str[0] == '/')
			a->abs = sd_path_absolute(NULL, a->str);
		return;
	}
	if (!as->resolve)
		return;
	const char *base = NULL;
	bool dirfd_cwd = true;
	int d = as->dirfd;
	if (d >= 0 && d < ev->nargs && (int)c->raw[d] != AT_FDCWD_V) {
		base = ev->args[d].ref;
		dirfd_cwd = false;
	} else {
		base = t->proc->cwd;
	}
	if (!a->str[0]) {
		int f = as->atflags;
		if (f >= 0 && (c->raw[f] & AT_EMPTY_PATH_F) && base)
			a->abs = dirfd_cwd ? sd_path_absolute(base, ".") : xstrdup(base);
		return;
	}
	a->abs = sd_path_absolute(base, a->str);
}

static void fill_strv(struct sd_arg *a, struct span v, bool known, int64_t raw)
{
	struct list_it it;
	struct span e;

	if (span_is(v, "NULL")) {
		a->text = xstrdup("NULL");
		return;
	}
	if (list_open(&it, v, '[')) {
		int cap = 0;
		while (list_next(&it, &e)) {
			struct sb b = SB_INIT;
			bool trunc;
			if (span_is(e, "...") || (unsigned)a->nstrv >= MAX_STRV) {
				a->strv_more = true;
				break;
			}
			if (!parse_str(e, &b, &trunc)) {
				sb_free(&b);
				continue;
			}
			if (a->nstrv == cap) {
				cap = cap ? 2 * cap : 16;
				a->strv = xrealloc(a->strv, (size_t)cap * sizeof *a->strv);
			}
			a->strv[a->nstrv++] = xstrdup(sb_str(&b));
			sb_free(&b);
		}
		return;
	}
	if (known) {                 /* "0x7ffd... /\* 23 vars *\/": only the count */
		const char *c = memmem(v.p, v.n, "/*", 2);
		a->raw = raw;
		if (c) {
			struct span rest = trim(c + 2, v.p + v.n);
			a->strv_more = rest.n && isdigit((unsigned char)rest.p[0]) && rest.p[0] != '0';
		}
		return;
	}
	if (v.n)
		a->text = span_dup(v);
}

/* pipe/pipe2/socketpair "[3<pipe:[1]>, 4<pipe:[1]>]": the tracer's "[3, 4]" with the
 * fds' refs "pipe:[1], pipe:[1]". */
static bool fds2(struct sd_arg *a, struct span v)
{
	struct list_it it;
	struct span e[2], an;
	int64_t fd[2];
	char *r[2];
	int n = 0;

	if (!list_open(&it, v, '['))
		return false;
	while (n < 2 && list_next(&it, &e[n]))
		n++;
	if (n != 2 || list_next(&it, &an))
		return false;
	for (int k = 0; k < 2; k++) {
		const char *lt = memchr(e[k].p, '<', e[k].n);
		size_t len = lt ? (size_t)(lt - e[k].p) : e[k].n;
		if (!parse_num(e[k].p, len, &fd[k]))
			return false;
	}
	a->text = xasprintf("[%d, %d]", (int)fd[0], (int)fd[1]);
	for (int k = 0; k < 2; k++)
		r[k] = value_annot(e[k], &an) ? annot_ref(an.p, an.n) : NULL;
	if (r[0] || r[1])
		a->ref = xasprintf("%s, %s", r[0] ? r[0] : "?", r[1] ? r[1] : "?");
	free(r[0]);
	free(r[1]);
	return true;
}

static void fill_struct(struct call *c, int i, struct sd_arg *a, struct span v)
{
	const struct sd_arg_shape *as = &c->sh.a[i];

	if (c->known[i])
		a->raw = c->raw[i];
	/* an out-parameter is only decoded after a successful call */
	if (as->at_exit && (!c->finished || c->error))
		return;
	if (span_is(v, "NULL"))
		a->text = xstrdup("NULL");
	else if (as->at_exit && (!strcmp(c->name, "pipe") || !strcmp(c->name, "pipe2") ||
				 !strcmp(c->name, "socketpair")) && fds2(a, v))
		return;
	else if (v.n)
		a->text = span_dup(v);
}

static void fill_arg(struct thr *t, struct call *c, int i, struct sd_event *ev)
{
	const struct sd_arg_shape *as = &c->sh.a[i];
	struct sd_arg *a = &ev->args[i];
	struct span v = i < c->ntok ? c->tok[i] : (struct span){ "", 0 };

	a->type = as->type;
	a->at_exit = as->at_exit;
	if (as->at_exit && !c->finished) {    /* never returned: never decoded */
		a->raw = c->known[i] ? c->raw[i] : 0;
		return;
	}
	switch (as->type) {
	case SD_ARG_INT:
	case SD_ARG_UINT:
	case SD_ARG_HEX:
		a->raw = c->raw[i];
		if (!c->known[i] && v.n)
			a->text = sym_text(v);
		break;
	case SD_ARG_PTR:
		a->raw = c->raw[i];
		if (!c->known[i] && v.n) {
			a->raw = 1;      /* not NULL, address not shown (see the docs) */
			a->text = sym_text(v);
		}
		break;
	case SD_ARG_FLAGS:
	case SD_ARG_MODE:
	case SD_ARG_SIGNAL:
		a->raw = c->known[i] ? c->raw[i] : 0;
		if (v.n)
			a->text = sym_text(v);
		break;
	case SD_ARG_FD:
		fill_fd(t, c, i, a, v);
		break;
	case SD_ARG_PATH:
		fill_path(t, c, i, a, ev, v);
		break;
	case SD_ARG_BUF:
		fill_buf(c, i, a, v);
		break;
	case SD_ARG_STRUCT:
		fill_struct(c, i, a, v);
		break;
	case SD_ARG_STRV:
		fill_strv(a, v, c->known[i], c->raw[i]);
		break;
	default:
		a->raw = c->raw[i];
		break;
	}
}

/* ---- calls ---------------------------------------------------------------- */

/* "= 3", "= -1 ENOENT (...)", "= ? ERESTARTSYS (...)", "= ?", "= 3</path>",
 * "= 0x8000 (flags O_RDONLY)", "= 1 ([{fd=3, revents=POLLIN}])". */
static int parse_ret(const char *p, const char *end, struct call *c, const char **why)
{
	struct span e;

	if (p < end && *p == '?') {
		p++;
		while (p < end && is_sp(*p))
			p++;
		if (p < end && *p == 'E') {
			const char *q = p;
			while (q < end && !is_sp(*q))
				q++;
			int err = errno_value((struct span){ p, (size_t)(q - p) });
			if (err < 0) {
				*why = "unknown error name";
				return -1;
			}
			c->finished = true;
			c->error = true;
			c->ret = -err;
			c->interrupted = err >= 512 && err <= 516;
		}
		return 0;
	}
	const char *q = p;
	if (q < end && *q == '-')
		q++;
	while (q < end && isalnum((unsigned char)*q))
		q++;
	if (!parse_num(p, (size_t)(q - p), &c->ret)) {
		*why = "bad return value";
		return -1;
	}
	c->finished = true;
	p = q;
	if (p < end && *p == '<') {
		q = skip_annot(p, end);
		if (!q) {
			*why = "bad fd annotation";
			return -1;
		}
		c->has_ret_annot = true;
		c->ret_annot = (struct span){ p + 1, (size_t)(q - p - 2) };
		p = q;
	}
	while (p < end && is_sp(*p))
		p++;
	if (c->ret == -1 && p < end && *p == 'E') {
		q = p;
		while (q < end && !is_sp(*q))
			q++;
		int err = errno_value((struct span){ p, (size_t)(q - p) });
		if (err < 0) {
			*why = "unknown error name";
			return -1;
		}
		c->error = true;
		c->ret = -err;
		c->interrupted = err >= 512 && err <= 516;
	} else if (p < end && *p == '(') {
		q = scan_value(p + 1, end, why);
		if (!q || q >= end || *q != ')') {
			*why = "bad text after the return value";
			return -1;
		}
		e = trim(p + 1, q);
		c->has_ret_text = true;
		c->ret_text = e;
	}
	return 0;
}

/* "args) = ret" of name: split the arguments and parse the result. */
static int parse_call(const char *p, const char *end, struct call *c, const char **why)
{
	const char *e = split_list(p, end, c->tok, SD_MAX_ARGS, &c->ntok, why);

	if (!e)
		return -1;
	if (e >= end || *e != ')') {
		*why = "no ')' after the arguments";
		return -1;
	}
	p = e + 1;
	while (p < end && is_sp(*p))
		p++;
	if (p >= end || *p != '=') {
		*why = "no ' = ' after the arguments";
		return -1;
	}
	p++;
	while (p < end && is_sp(*p))
		p++;
	if (p >= end) {
		*why = "no return value";
		return -1;
	}
	return parse_ret(p, end, c, why);
}

/* clone's arguments are printed by name and in another order than the registers. */
static void clone_reorder(struct call *c)
{
	static const struct { const char *key; int pos; } keys[] = {
		{ "flags", 0 }, { "child_stack", 1 }, { "stack", 1 }, { "parent_tid", 2 },
		{ "parent_tidptr", 2 }, { "child_tidptr", 3 }, { "child_tid", 3 },
		{ "tls", 4 }, { "newtls", 4 },
	};
	struct span out[SD_MAX_ARGS] = { { "", 0 } };
	int n = 0;

	for (int i = 0; i < c->ntok; i++) {
		struct span v = c->tok[i];
		const char *eq = memchr(v.p, '=', v.n);
		int pos = i;
		if (eq) {
			for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
				if ((size_t)(eq - v.p) == strlen(keys[k].key) &&
				    !memcmp(v.p, keys[k].key, (size_t)(eq - v.p))) {
					pos = keys[k].pos;
					v = trim(eq + 1, v.p + v.n);
					break;
				}
		}
		if (pos < SD_MAX_ARGS && !out[pos].n) {
			out[pos] = v;
			if (pos + 1 > n)
				n = pos + 1;
		}
	}
	memcpy(c->tok, out, sizeof out);
	c->ntok = n;
}

/* strace prints only the futex arguments an operation uses: put them back in their
 * registers (uaddr, op, val, timeout/val2, uaddr2, val3). */
static void futex_reorder(struct call *c)
{
	static const signed char pos[][6] = {
		/* FUTEX_WAIT */ { 0, 1, 2, 3, -1 },          /* WAKE */ { 0, 1, 2, -1 },
		/* FD */ { 0, 1, 2, -1 },                     /* REQUEUE */ { 0, 1, 2, 3, 4, -1 },
		/* CMP_REQUEUE */ { 0, 1, 2, 3, 4, 5 },       /* WAKE_OP */ { 0, 1, 2, 3, 4, 5 },
		/* LOCK_PI */ { 0, 1, 3, -1 },                /* UNLOCK_PI */ { 0, 1, -1 },
		/* TRYLOCK_PI */ { 0, 1, -1 },                /* WAIT_BITSET */ { 0, 1, 2, 3, 5, -1 },
		/* WAKE_BITSET */ { 0, 1, 2, 5, -1 },         /* WAIT_REQUEUE_PI */ { 0, 1, 2, 3, 4, -1 },
		/* CMP_REQUEUE_PI */ { 0, 1, 2, 3, 4, 5 },    /* LOCK_PI2 */ { 0, 1, 3, -1 },
	};
	struct span out[SD_MAX_ARGS] = { { "", 0 } };
	int64_t op;
	int n = 0;

	if (c->ntok < 2 || !scalar("futex", 1, c->tok[1], &op))
		return;
	unsigned cmd = (unsigned)op & 0x7f;
	if (cmd >= sizeof pos / sizeof *pos)
		return;
	for (int i = 0; i < c->ntok && i < SD_MAX_ARGS; i++) {
		int p = pos[cmd][i];
		if (p < 0)
			return;          /* more than the operation takes: leave as printed */
		if (i && p <= pos[cmd][i - 1])
			return;
		out[p] = c->tok[i];
		n = p + 1;
	}
	memcpy(c->tok, out, sizeof out);
	c->ntok = n;
}

/* Does this clone/clone3 create a thread (CLONE_THREAD in its flags)? */
static bool clone_thread(const char *name, const char *p, size_t n)
{
	const char *f = memmem(p, n, "flags=", 6);
	uint64_t v;

	if (!strcmp(name, "fork") || !strcmp(name, "vfork"))
		return false;
	if (!f)
		return false;
	f += 6;
	const char *e = f;
	while (e < p + n && *e != ',' && *e != '}' && *e != ')')
		e++;
	struct sb num = SB_INIT, sym = SB_INIT;
	split_verbose((struct span){ f, (size_t)(e - f) }, &num, &sym);
	bool th = num.len < 512 && strlen(sb_str(&num)) == num.len &&
		  sd_decode_const("clone", 0, sb_str(&num), &v) ? (v & CLONE_THREAD_F) != 0
		  : memmem(f, (size_t)(e - f), "CLONE_THREAD", 12) != NULL;
	sb_free(&num);
	sb_free(&sym);
	return th;
}

static bool is_clone(const char *name)
{
	return !strcmp(name, "clone") || !strcmp(name, "clone3") || !strcmp(name, "fork") ||
	       !strcmp(name, "vfork");
}

/* Type and fill the event of call c made by thread t. */
static void build(struct thr *t, struct call *c, bool align_end, struct sd_event *ev)
{
	int nargs;

	if (!strcmp(c->name, "clone"))
		clone_reorder(c);
	else if (!strcmp(c->name, "futex") && !align_end)
		futex_reorder(c);
	if (align_end) {            /* only the second half: the arguments it printed are last */
		struct sd_call_shape sh0;
		int n0 = sd_decode_shape(c->name, NULL, c->finished, c->ret, &sh0);
		int off = n0 > c->ntok ? n0 - c->ntok : 0;
		if (off + c->ntok > SD_MAX_ARGS)
			off = SD_MAX_ARGS - c->ntok;
		for (int i = c->ntok - 1; i >= 0 && off; i--)
			c->tok[i + off] = c->tok[i];
		for (int i = 0; i < off; i++)
			c->tok[i] = (struct span){ "", 0 };
		c->ntok += off;
	}
	for (int i = 0; i < c->ntok; i++)
		c->known[i] = scalar(c->name, i, c->tok[i], &c->raw[i]);
	c->shaped = sd_decode_shape(c->name, c->raw, c->finished, c->ret, &c->sh) >= 0;
	ev->kind = SD_EV_SYSCALL;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	snprintf(ev->name, sizeof ev->name, "%s", c->name);
	if (!c->shaped) {           /* not a known syscall: untyped arguments */
		unsigned nr;
		char *e;
		ev->nr = -1;
		if (!strncmp(c->name, "syscall_0x", 10)) {
			errno = 0;
			nr = (unsigned)strtoul(c->name + 10, &e, 16);
			if (!*e && !errno && nr < 0x100000)
				ev->nr = (int)nr;
		}
		ev->nargs = c->ntok;
		for (int i = 0; i < c->ntok; i++) {
			ev->args[i].type = SD_ARG_HEX;
			ev->args[i].raw = c->raw[i];
			if (!c->known[i] && c->tok[i].n)
				ev->args[i].text = span_dup(c->tok[i]);
		}
	} else {
		ev->nr = c->sh.nr;
		nargs = c->sh.nargs;
		if (!c->sh.schema && c->ntok > nargs)
			nargs = c->ntok;
		if (nargs > SD_MAX_ARGS)
			nargs = SD_MAX_ARGS;
		for (int i = c->sh.nargs; i < nargs; i++) {
			memset(&c->sh.a[i], 0, sizeof c->sh.a[i]);
			c->sh.a[i].type = SD_ARG_HEX;
			c->sh.a[i].dirfd = c->sh.a[i].atflags = c->sh.a[i].count = -1;
		}
		ev->nargs = nargs;
		for (int i = 0; i < nargs; i++)
			fill_arg(t, c, i, ev);
	}
	ev->finished = c->finished;
	ev->ret = c->finished ? c->ret : 0;
	ev->interrupted = c->finished && c->interrupted;
	ev->ret_fmt = c->shaped && c->finished ? c->sh.ret : SD_RET_DEC;
	if (ev->ret_fmt == SD_RET_FD && c->finished && !c->error && c->has_ret_annot)
		ev->ret_ref = annot_ref(c->ret_annot.p, c->ret_annot.n);
	if (c->finished && !c->error && c->has_ret_text && c->ret > 0 &&
	    (!strcmp(c->name, "fcntl") || !strcmp(c->name, "poll") || !strcmp(c->name, "ppoll"))) {
		struct span rt = c->ret_text;
		if (starts(rt.p, rt.p + rt.n, "flags "))
			rt.p += 6, rt.n -= 6;
		ev->ret_text = span_dup(rt);
	}
}

/* The effects of a finished call on the process table: cwd, children. */
static void after_call(struct sd_strace *s, struct thr *t, struct call *c,
		       const struct sd_event *ev, const char *text, size_t tlen)
{
	if (!c->finished || c->error)
		return;
	if (!strcmp(c->name, "chdir") && ev->nargs >= 1 && c->ret == 0) {
		const struct sd_arg *a = &ev->args[0];
		proc_set_cwd(t->proc, a->abs ? xstrdup(a->abs) : NULL);
	} else if (!strcmp(c->name, "fchdir") && ev->nargs >= 1 && c->ret == 0) {
		const char *r = ev->args[0].ref;
		proc_set_cwd(t->proc, r && r[0] == '/' ? xstrdup(r) : NULL);
	} else if (is_clone(c->name) && c->ret > 0 && c->ret <= INT32_MAX) {
		bool th = clone_thread(c->name, text, tlen);
		struct thr *k = thr_find(s, (pid_t)c->ret);
		if (!k) {
			thr_new(s, (pid_t)c->ret, th ? t->proc : NULL, t->proc->cwd);
		} else if (k == t) {
			return;          /* a log that says a thread created itself */
		} else if (th && k->proc != t->proc) {
			t->proc->refs++;
			proc_unref(k->proc);
			k->proc = t->proc;
		} else if (!th && k->proc == t->proc) {
			struct proc *np = proc_new(k->tid, t->proc->cwd);
			proc_unref(k->proc);
			k->proc = np;
		}
	}
}

/* Out-parameters of a call continued by restart_syscall: the line shows none of them. */
static void exit_without_data(struct sd_event *ev, const struct call *c)
{
	for (int i = 0; i < ev->nargs; i++) {
		struct sd_arg *a = &ev->args[i];
		if (!a->at_exit)
			continue;
		if (a->type == SD_ARG_BUF) {
			uint64_t n = ret_count(c);
			buf_set(&a->buf, NULL, n == 0, n);
		}
	}
}

static void remember_interrupted(struct thr *t, const struct call *c, const struct sd_event *ev,
				 uint64_t seq)
{
	struct rst *r = &t->rst;

	rst_clear(r);
	r->seq = seq;
	r->tmpl.nr = ev->nr;
	memcpy(r->tmpl.name, ev->name, sizeof r->tmpl.name);
	r->tmpl.nargs = ev->nargs;
	for (int i = 0; i < ev->nargs; i++) {
		if (!ev->args[i].at_exit)
			sd_arg_copy(&r->tmpl.args[i], &ev->args[i]);
		else
			r->tmpl.args[i] = (struct sd_arg){ .type = ev->args[i].type,
							   .raw = ev->args[i].raw, .at_exit = true };
	}
	r->nkey = c->ntok;
	for (int i = 0; i < c->ntok; i++)
		r->key[i] = i < ev->nargs && ev->args[i].at_exit ? NULL : span_dup(c->tok[i]);
}

/* Does call c re-issue the interrupted call (same name, same in-arguments)? */
static bool same_call(const struct rst *r, const struct call *c, const struct sd_event *ev)
{
	if (strcmp(r->tmpl.name, c->name) || r->nkey != c->ntok)
		return false;
	for (int i = 0; i < c->ntok; i++) {
		if (i < ev->nargs && ev->args[i].at_exit)
			continue;
		if (!r->key[i] || !span_is(c->tok[i], r->key[i]))
			return false;
	}
	return true;
}

/* A call of thread t is complete: text holds "args) = ret". */
static int complete(struct sd_strace *s, struct thr *t, const char *name, const char *text,
		    size_t tlen, uint64_t t_ns, uint64_t dur_ns, bool align_end, const char **why)
{
	struct call c;
	struct sd_event ev;
	uint64_t restart_of = 0;

	memset(&c, 0, sizeof c);
	snprintf(c.name, sizeof c.name, "%s", name);
	if (parse_call(text, text + tlen, &c, why) < 0)
		return -1;
	sd_event_init(&ev);
	if (!strcmp(c.name, "restart_syscall") && t->rst.seq) {
		/* continues the interrupted call: shown under its name and arguments */
		ev.kind = SD_EV_SYSCALL;
		ev.pid = t->proc->tgid;
		ev.tid = t->tid;
		ev.nr = t->rst.tmpl.nr;
		memcpy(ev.name, t->rst.tmpl.name, sizeof ev.name);
		ev.nargs = t->rst.tmpl.nargs;
		for (int i = 0; i < ev.nargs; i++)
			sd_arg_copy(&ev.args[i], &t->rst.tmpl.args[i]);
		ev.finished = c.finished;
		ev.ret = c.finished ? c.ret : 0;
		ev.interrupted = c.finished && c.interrupted;
		struct sd_call_shape sh;
		if (c.finished && sd_decode_shape(ev.name, NULL, true, c.ret, &sh) >= 0)
			ev.ret_fmt = sh.ret;
		if (c.finished)
			exit_without_data(&ev, &c);
		restart_of = t->rst.seq;
		rst_clear(&t->rst);
		c.ntok = 0;
	} else {
		build(t, &c, align_end, &ev);
		if (t->rst.seq) {
			if (same_call(&t->rst, &c, &ev)) {
				restart_of = t->rst.seq;
				rst_clear(&t->rst);
			} else if (!strcmp(c.name, "rt_sigreturn")) {
				t->rst.after_sigreturn = true;
			} else if (t->rst.after_sigreturn) {
				rst_clear(&t->rst);
			}
		}
	}
	ev.t_ns = t_ns;
	ev.dur_ns = c.finished ? dur_ns : 0;
	ev.restart_of = restart_of;
	after_call(s, t, &c, &ev, text, tlen);
	if (!strcmp(c.name, "exit_group") && t->proc->tgid == s->root && ev.nargs == 1 &&
	    c.known[0]) {
		s->root_exit_group = true;
		s->root_exit_arg = (int)(c.raw[0] & 0xff);
	}
	if (!strcmp(c.name, "rt_sigreturn") && c.finished && c.ret == -EINTR)
		rst_clear(&t->rst);
	if ((!strcmp(c.name, "execve") || !strcmp(c.name, "execveat")) && c.finished && c.ret == 0)
		rst_clear(&t->rst);
	if (!s->info.argv && s->returned == 0 && s->seq == 0 && !strcmp(ev.name, "execve") &&
	    ev.nargs >= 2 && ev.args[1].type == SD_ARG_STRV && ev.args[1].nstrv > 0) {
		s->info.argv = xcalloc((size_t)ev.args[1].nstrv + 1, sizeof *s->info.argv);
		for (int i = 0; i < ev.args[1].nstrv; i++)
			s->info.argv[i] = xstrdup(ev.args[1].strv[i]);
	}
	struct sd_event *qe = q_push(s, &ev);
	if (qe->interrupted)
		remember_interrupted(t, &c, qe, qe->seq);
	return 0;
}

/* The pending first half of t never completes (death, detach, end of log). */
static void flush_pending(struct sd_strace *s, struct thr *t)
{
	const char *why;
	struct pend *p = &t->pend;

	if (!p->on)
		return;
	char name[NAME_MAX_LEN + 1];
	memcpy(name, p->name, sizeof name);
	sb_adds(&p->text, ") = ?");
	struct sb text = p->text;
	uint64_t t_ns = p->t_ns;
	p->text = (struct sb)SB_INIT;
	pend_clear(p);
	if (complete(s, t, name, text.buf, text.len, t_ns, 0, false, &why) < 0) {
		/* the first half did not parse: keep what is known */
		struct sd_event ev;
		event_base(&ev, t, SD_EV_SYSCALL, t_ns);
		snprintf(ev.name, sizeof ev.name, "%s", name);
		ev.nr = sd_syscall_nr(name);
		q_push(s, &ev);
	}
	sb_free(&text);
}

/* ---- lines ---------------------------------------------------------------- */

struct line {
	pid_t tid;
	bool has_tid;
	uint64_t t_ns;
	bool has_dur;
	uint64_t dur_ns;
	const char *b, *e;      /* the body */
};

/* Timestamp of a line (-t, -tt, -ttt or -r) to ns since the first one. */
static uint64_t line_time(struct sd_strace *s, uint64_t v, bool tod)
{
	uint64_t abs;

	if (tod) {
		const uint64_t day = 86400ULL * 1000000000ULL;
		if (s->tod_seen && v + day / 2 < s->prev_tod)
			s->day_off += day;          /* past midnight */
		s->tod_seen = true;
		s->prev_tod = v;
		abs = v + s->day_off;
	} else if (s->relative || (!s->have_t0 && v < 1000000ULL * 1000000000ULL)) {
		s->relative = true;             /* -r: since the previous line */
		abs = s->last_abs + v;
	} else {
		abs = v;
	}
	if (!s->have_t0) {
		s->have_t0 = true;
		s->t0 = abs;
		if (!tod && !s->relative)
			s->info.start_real_ns = abs;
	}
	s->last_abs = abs;
	return abs >= s->t0 ? abs - s->t0 : 0;
}

static int split_line(struct sd_strace *s, const char *p, const char *end, struct line *l,
		      const char **why)
{
	memset(l, 0, sizeof *l);
	while (end > p && (end[-1] == '\r' || is_sp(end[-1])))
		end--;
	while (p < end && is_sp(*p))
		p++;
	/* pid: "1234  " (-f -o) or "[pid  1234] " */
	if (starts(p, end, "[pid ")) {
		const char *q = p + 5;
		int64_t v;
		while (q < end && is_sp(*q))
			q++;
		const char *d = q;
		while (q < end && isdigit((unsigned char)*q))
			q++;
		if (q >= end || *q != ']' || !parse_num(d, (size_t)(q - d), &v) || v <= 0 ||
		    v > INT32_MAX) {
			*why = "bad pid";
			return -1;
		}
		l->tid = (pid_t)v;
		l->has_tid = true;
		p = q + 1;
	} else if (p < end && isdigit((unsigned char)*p)) {
		const char *q = p;
		int64_t v;
		while (q < end && isdigit((unsigned char)*q))
			q++;
		if (q < end && is_sp(*q)) {
			if (q - p > 10 || !parse_num(p, (size_t)(q - p), &v) || v <= 0 || v > INT32_MAX) {
				*why = "bad pid";
				return -1;
			}
			l->tid = (pid_t)v;
			l->has_tid = true;
			p = q;
		}
	}
	while (p < end && is_sp(*p))
		p++;
	/* time: "12:34:56", "12:34:56.123456", "1700000000.123456", "0.000123" (-r) */
	if (p < end && isdigit((unsigned char)*p)) {
		const char *q = p;
		uint64_t v;
		while (q < end && !is_sp(*q))
			q++;
		bool tod = memchr(p, ':', (size_t)(q - p)) != NULL;
		if (!parse_secs(p, q, tod, &v)) {
			*why = "bad timestamp";
			return -1;
		}
		l->t_ns = line_time(s, v, tod);
		p = q;
		while (p < end && is_sp(*p))
			p++;
	}
	/* -i "[00007f0123456789] ", -n "[ 59] " */
	while (p < end && *p == '[') {
		const char *q = p + 1;
		while (q < end && (isxdigit((unsigned char)*q) || *q == ' '))
			q++;
		if (q == p + 1 || q >= end || *q != ']')
			break;
		p = q + 1;
		while (p < end && is_sp(*p))
			p++;
	}
	/* -T: " <0.000123>" */
	if (end > p && end[-1] == '>') {
		const char *q = end - 1;
		while (q > p && (isdigit((unsigned char)q[-1]) || q[-1] == '.'))
			q--;
		if (q > p + 1 && q[-1] == '<' && is_sp(q[-2]) && q < end - 1 &&
		    parse_secs(q, end - 1, false, &l->dur_ns)) {
			l->has_dur = true;
			end = q - 1;
			while (end > p && is_sp(end[-1]))
				end--;
		}
	}
	l->b = p;
	l->e = end;
	return 0;
}

static struct thr *line_thread(struct sd_strace *s, const struct line *l)
{
	pid_t tid = l->has_tid ? l->tid : s->any_pid ? s->last_tid : 0;

	if (l->has_tid) {
		s->any_pid = true;
		s->last_tid = tid;
	}
	if (!s->info.pid && !s->have_root)
		s->info.pid = tid;
	return thr_get(s, tid);
}

/* "--- SIGCHLD {...} ---", "--- stopped by SIGSTOP ---" */
static int do_signal(struct sd_strace *s, const struct line *l, const char **why)
{
	const char *p = l->b + 4, *e = l->e - 4;
	struct sd_event ev;
	bool stop = starts(p, e, "stopped by ");

	if (stop)
		p += 11;
	const char *q = p;
	while (q < e && !is_sp(*q))
		q++;
	int sig = signal_value((struct span){ p, (size_t)(q - p) });
	if (sig < 0) {
		*why = "unknown signal";
		return -1;
	}
	struct thr *t = line_thread(s, l);
	event_base(&ev, t, stop ? SD_EV_STOP : SD_EV_SIGNAL, l->t_ns);
	ev.sig = sig;
	struct span info = trim(q, e);
	if (!stop && info.n && info.p[0] == '{')
		ev.siginfo = span_dup(info);
	q_push(s, &ev);
	return 0;
}

/* "+++ exited with 0 +++", "+++ killed by SIGKILL (core dumped) +++",
 * "+++ superseded by execve in pid N +++", "+++ detached +++" */
static int do_process(struct sd_strace *s, const struct line *l, const char **why)
{
	const char *p = l->b + 4, *e = l->e - 4;
	struct sd_event ev;
	int64_t v;

	struct thr *t = line_thread(s, l);
	s->any_exit_line = true;
	if (starts(p, e, "exited with ")) {
		struct span n = trim(p + 12, e);
		if (!parse_num(n.p, n.n, &v) || v < 0 || v > 255) {
			*why = "bad exit status";
			return -1;
		}
		flush_pending(s, t);
		event_base(&ev, t, SD_EV_EXIT, l->t_ns);
		ev.status = (int)v;
	} else if (starts(p, e, "killed by ")) {
		struct span r = trim(p + 10, e);
		bool core = ends(r.p, r.p + r.n, " (core dumped)");
		if (core)
			r.n -= 14;
		int sig = signal_value(trim(r.p, r.p + r.n));
		if (sig <= 0) {
			*why = "unknown signal";
			return -1;
		}
		flush_pending(s, t);
		event_base(&ev, t, SD_EV_KILLED, l->t_ns);
		ev.sig = sig;
		ev.core = core;
	} else if (starts(p, e, "superseded by ")) {
		struct span n = trim(p + 14, e);
		if (starts(n.p, n.p + n.n, "execve in pid "))
			n = trim(n.p + 14, n.p + n.n);
		else if (starts(n.p, n.p + n.n, "process "))
			n = trim(n.p + 8, n.p + n.n);
		if (!parse_num(n.p, n.n, &v) || v <= 0 || v > INT32_MAX) {
			*why = "bad pid";
			return -1;
		}
		/* the execing thread takes over the leader's tid */
		flush_pending(s, t);
		struct thr *o = (pid_t)v != t->tid ? thr_find(s, (pid_t)v) : NULL;
		if (o) {
			pid_t tid = t->tid;
			thr_drop(s, t);
			thr_unlink(s, o);
			o->tid = tid;
			thr_link(s, o);
			t = o;
		}
		rst_clear(&t->rst);
		event_base(&ev, t, SD_EV_SUPERSEDED, l->t_ns);
		ev.old_tid = (pid_t)v;
		q_push(s, &ev);
		return 0;
	} else if (span_is(trim(p, e), "detached")) {
		flush_pending(s, t);
		event_base(&ev, t, SD_EV_DETACHED, l->t_ns);
	} else {
		*why = "unknown process event";
		return -1;
	}
	if (ev.kind != SD_EV_DETACHED && t->tid == s->root && !s->root_done) {
		s->root_done = true;
		s->root_status = ev.kind == SD_EV_EXIT ? ev.status : 128 + ev.sig;
	}
	q_push(s, &ev);
	thr_drop(s, t);
	return 0;
}

/* Start a pending first half on t. */
static void pend_start(struct sd_strace *s, struct thr *t, const char *name, const char *p,
		       size_t n, uint64_t t_ns, unsigned long lineno)
{
	flush_pending(s, t);
	struct pend *pd = &t->pend;
	pd->on = true;
	snprintf(pd->name, sizeof pd->name, "%s", name);
	sb_add(&pd->text, p, n);
	pd->t_ns = t_ns;
	pd->lineno = lineno;
	pd->gen = ++s->gen;
	if (is_clone(name)) {
		pd->clone = true;
		pd->thread = clone_thread(name, p, n);
		if (s->ncs == s->cscap) {
			s->cscap = s->cscap ? 2 * s->cscap : 16;
			s->cstack = xrealloc(s->cstack, s->cscap * sizeof *s->cstack);
		}
		s->cstack[s->ncs++] = (struct cref){ t->tid, pd->gen };
	}
}

static void detach(struct sd_strace *s, struct thr *t, uint64_t t_ns)
{
	struct sd_event ev;

	flush_pending(s, t);
	event_base(&ev, t, SD_EV_DETACHED, t_ns);
	q_push(s, &ev);
	thr_drop(s, t);
}

#define UNFINISHED " <unfinished ...>"
#define DETACHED   " <detached ...>"

/* "name(args) = ret", "name(args <unfinished ...>", "name(args <detached ...>" */
static int do_syscall(struct sd_strace *s, const struct line *l, unsigned long lineno,
		      const char **why)
{
	const char *p = l->b, *e = l->e, *q = p;
	char name[NAME_MAX_LEN + 1];

	while (q < e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (q == p || q >= e || *q != '(') {
		*why = "not a syscall, signal or exit line";
		return -1;
	}
	if (q - p > NAME_MAX_LEN) {
		*why = "syscall name too long";
		return -1;
	}
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	p = q + 1;
	struct thr *t = line_thread(s, l);
	if (ends(p, e, UNFINISHED) || ends(p, e, DETACHED)) {
		bool det = ends(p, e, DETACHED);
		pend_start(s, t, name, p, (size_t)(e - p) - strlen(det ? DETACHED : UNFINISHED),
			   l->t_ns, lineno);
		if (det)
			detach(s, t, l->t_ns);
		return 0;
	}
	/* without -f: "name(args <unfinished ...>) = ?" on one line */
	const char *u = memmem(p, (size_t)(e - p), UNFINISHED ")", strlen(UNFINISHED) + 1);
	sb_reset(&s->joined);
	if (u) {
		sb_add(&s->joined, p, (size_t)(u - p));
		sb_add(&s->joined, u + strlen(UNFINISHED), (size_t)(e - u - strlen(UNFINISHED)));
	} else {
		sb_add(&s->joined, p, (size_t)(e - p));
	}
	flush_pending(s, t);
	return complete(s, t, name, sb_str(&s->joined), s->joined.len, l->t_ns, l->dur_ns,
			false, why);
}

/* "<... name resumed>rest" */
static int do_resumed(struct sd_strace *s, const struct line *l, const char **why)
{
	const char *p = l->b + 5, *e = l->e, *q = p;
	char name[NAME_MAX_LEN + 1];

	while (q < e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (q == p || q - p > NAME_MAX_LEN || !starts(q, e, " resumed>")) {
		*why = "bad '<... resumed>'";
		return -1;
	}
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	p = q + 9;
	struct thr *t = line_thread(s, l);
	struct pend *pd = &t->pend;
	bool joined = pd->on && !strcmp(pd->name, name);
	if (!joined)
		flush_pending(s, t);
	if (ends(p, e, UNFINISHED) || ends(p, e, DETACHED)) {
		bool det = ends(p, e, DETACHED);
		size_t n = (size_t)(e - p) - strlen(det ? DETACHED : UNFINISHED);
		if (joined)
			sb_add(&pd->text, p, n);
		else
			pend_start(s, t, name, p, n, l->t_ns, 0);
		if (det)
			detach(s, t, l->t_ns);
		return 0;
	}
	if (!joined)   /* its first half is not in the log (attached mid-call) */
		return complete(s, t, name, p, (size_t)(e - p), l->t_ns, l->dur_ns, true, why);
	sb_reset(&s->joined);
	sb_add(&s->joined, pd->text.buf, pd->text.len);
	sb_add(&s->joined, p, (size_t)(e - p));
	uint64_t t0 = pd->t_ns;
	pend_clear(pd);
	return complete(s, t, name, sb_str(&s->joined), s->joined.len, t0, l->dur_ns, false, why);
}

/* One line: 1 = it was part of the log, 0 = blank, -1 = *why. */
static int do_line(struct sd_strace *s, const char *line, size_t len, unsigned long lineno,
		   const char **why)
{
	struct line l;

	if (split_line(s, line, line + len, &l, why) < 0)
		return -1;
	if (l.b == l.e)
		return l.has_tid ? 1 : 0;
	if (starts(l.b, l.e, "--- ") && ends(l.b, l.e, " ---") && l.e - l.b >= 8)
		return do_signal(s, &l, why) < 0 ? -1 : 1;
	if (starts(l.b, l.e, "+++ ") && ends(l.b, l.e, " +++") && l.e - l.b >= 8)
		return do_process(s, &l, why) < 0 ? -1 : 1;
	if (starts(l.b, l.e, "<... "))
		return do_resumed(s, &l, why) < 0 ? -1 : 1;
	if (starts(l.b, l.e, "strace: ") || starts(l.b, l.e, "[ Process ") ||
	    starts(l.b, l.e, "| ") || starts(l.b, l.e, "> "))
		return 1;   /* messages, -e read/write dumps, -k stack frames */
	if (starts(l.b, l.e, "% time")) {
		s->eof = true;     /* -C: the summary table follows the events */
		return 1;
	}
	return do_syscall(s, &l, lineno, why) < 0 ? -1 : 1;
}

/* ---- end of input --------------------------------------------------------- */

static int pend_cmp(const void *a, const void *b)
{
	const struct thr *x = *(struct thr *const *)a, *y = *(struct thr *const *)b;

	return x->pend.gen < y->pend.gen ? -1 : x->pend.gen > y->pend.gen;
}

static void finish(struct sd_strace *s)
{
	struct thr **v = xcalloc(s->nthr ? s->nthr : 1, sizeof *v);
	size_t n = 0;

	for (size_t i = 0; i < s->tabsize; i++)
		for (struct thr *t = s->tab[i]; t; t = t->next)
			if (t->pend.on && n < s->nthr)
				v[n++] = t;
	if (n > 1)
		qsort(v, n, sizeof *v, pend_cmp);
	for (size_t i = 0; i < n; i++)
		flush_pending(s, v[i]);
	free(v);
	s->eof = true;
}

static void set_end(struct sd_strace *s)
{
	if (!s->root_done && s->root_exit_group && !s->any_exit_line) {
		s->root_done = true;        /* strace -qq: no exit lines at all */
		s->root_status = s->root_exit_arg;
	}
	s->have_end = true;
	s->end.complete = s->root_done && !s->partial;
	s->end.exit_status = s->root_done ? s->root_status : 0;
	s->end.events = s->returned;
	if (s->partial)
		s->end.reason = xstrdup("the strace log ends with a partial line");
	else if (!s->root_done)
		s->end.reason = xstrdup("the strace log ends before the traced command exited");
}

/* Read and process the next line.  1 = a line, 0 = end of input, -1 = error (s->errmsg) */
static int read_one(struct sd_strace *s, bool first, bool *blank)
{
	char *line, *lerr = NULL;
	size_t len;
	bool nl;
	const char *why = NULL;

	*blank = false;
	int rc = sd_lines_next(s->in, &line, &len, &nl, &lerr);
	if (rc < 0) {
		s->errmsg = lerr;
		return -1;
	}
	if (rc == 0)
		return 0;
	if (!nl) {        /* strace was killed mid-line: never trust a partial line */
		struct span t = trim(line, line + len);
		if (t.n)
			s->partial = true;
		return 0;
	}
	unsigned long ln = sd_lines_lineno(s->in);
	rc = do_line(s, line, len, ln, &why);
	if (rc < 0) {
		s->errmsg = xasprintf("%s:%lu: %s: %s", sd_lines_name(s->in), ln,
				      first ? "not an strace log" : "cannot parse strace line", why);
		return -1;
	}
	*blank = rc == 0;
	return 1;
}

/* ---- API ------------------------------------------------------------------ */

bool sd_strace_sniff(const char *head, size_t n)
{
	const char *p = head, *end = head + n;

	while (p < end && (*p == '\n' || *p == '\r' || is_sp(*p)))
		p++;
	const char *e = memchr(p, '\n', (size_t)(end - p));
	if (!e)
		e = end;
	if (p == e || *p == '{')
		return false;
	/* a throwaway importer state for the prefix */
	struct sd_strace tmp;
	struct line l;
	const char *why;
	memset(&tmp, 0, sizeof tmp);
	if (split_line(&tmp, p, e, &l, &why) < 0 || l.b == l.e)
		return false;
	if (starts(l.b, l.e, "--- ") || starts(l.b, l.e, "+++ ") || starts(l.b, l.e, "<... ") ||
	    starts(l.b, l.e, "strace: ") || starts(l.b, l.e, "[ Process "))
		return true;
	const char *q = l.b;
	while (q < l.e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	return q > l.b && q - l.b <= NAME_MAX_LEN && q < l.e && *q == '(' &&
	       !isdigit((unsigned char)*l.b);
}

struct sd_strace *sd_strace_open(struct sd_lines *in, const struct sd_strace_opts *opts,
				 char **err)
{
	struct sd_strace *s = xcalloc(1, sizeof *s);
	bool blank;
	int rc;

	s->in = in;
	s->cwd0 = opts && opts->cwd ? xstrdup(opts->cwd) : NULL;
	s->info.version = SD_TRACE_VERSION;
	s->info.tool = xstrdup("strace");
	s->info.arch = xstrdup("x86_64");
	s->info.cwd = s->cwd0 ? xstrdup(s->cwd0) : NULL;
	/* the first line that is not blank must parse */
	while ((rc = read_one(s, true, &blank)) == 1 && blank && !s->eof)
		;
	if (rc < 0) {
		if (err)
			*err = s->errmsg;
		else
			free(s->errmsg);
		s->errmsg = NULL;
		sd_strace_close(s);
		return NULL;
	}
	if (rc == 0)
		finish(s);
	/* argv (set by complete() from a leading execve); otherwise attached */
	s->info.attached = s->info.argv == NULL;
	if (s->info.attached) {
		for (size_t i = 0; i < s->tabsize; i++)
			for (struct thr *t = s->tab[i]; t; t = t->next)
				if (t->pend.on && !strcmp(t->pend.name, "execve"))
					s->info.attached = false;
	}
	return s;
}

const struct sd_trace_info *sd_strace_info(const struct sd_strace *s)
{
	return &s->info;
}

int sd_strace_next(struct sd_strace *s, struct sd_event *ev, char **err)
{
	bool blank;

	sd_event_init(ev);
	for (;;) {
		if (s->qhead < s->qlen) {
			*ev = s->q[s->qhead++];
			sd_event_init(&s->q[s->qhead - 1]);
			s->returned++;
			return 1;
		}
		if (s->failed) {
			if (err)
				*err = xstrdup(s->errmsg);
			return -1;
		}
		if (s->have_end)
			return 0;
		if (s->eof) {
			if (!s->have_end) {
				finish(s);
				if (s->qhead < s->qlen)
					continue;
				set_end(s);
			}
			return 0;
		}
		int rc = read_one(s, false, &blank);
		if (rc < 0) {
			s->failed = true;
			continue;
		}
		if (rc == 0)
			finish(s);
	}
}

const struct sd_trace_end *sd_strace_end(const struct sd_strace *s)
{
	return s->have_end ? &s->end : NULL;
}

void sd_strace_close(struct sd_strace *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->tabsize; i++)
		for (struct thr *t = s->tab[i], *n; t; t = n) {
			n = t->next;
			thr_free(t);
		}
	free(s->tab);
	free(s->cstack);
	for (size_t i = s->qhead; i < s->qlen; i++)
		sd_event_clear(&s->q[i]);
	free(s->q);
	sb_free(&s->joined);
	sd_trace_info_clear(&s->info);
	sd_trace_end_clear(&s->end);
	free(s->errmsg);
	free(s->cwd0);
	sd_lines_close(s->in);
	free(s);
}
