/* strace_call.c - the call parser of the strace log importer (see strace_int.h): one
 * joined call "name(args) = ret" becomes a typed event through the decode schema
 * (sd_decode_shape, sd_decode_const), with paths made absolute against the process's
 * cwd; then its effects on the process table and restart linking. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "decode/decode.h"
#include "format/strace_int.h"
#include "util/path.h"
#include "util/util.h"

#define MAX_STRV       (1u << 20)         /* argv/envp entries kept */
#define MAX_RW         0x7ffff000ULL      /* most bytes one read/write moves */
#define CLONE_THREAD_F 0x00010000ULL
#define AT_EMPTY_PATH_F 0x1000
#define AT_FDCWD_V     (-100)

/* ---- arguments ------------------------------------------------------------ */

/* One call as the log shows it (argument texts, result), then as typed. */
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

/* strace names an ioctl number that two names share with both: "BTRFS_IOC_CLONE or
 * FICLONE" (the same number).  The first of them that argument i of the syscall knows,
 * with its value; NULL when text is not such a pair or none is known. */
static const char *alt_name(const char *name, int i, const char *text, size_t n, uint64_t *u,
			    size_t *len)
{
	for (const char *p = text, *e; p < text + n; p = e + 4) {
		char buf[256];
		e = memmem(p, (size_t)(text + n - p), " or ", 4);
		if (!e) {
			if (p == text)
				return NULL;
			e = text + n;
		}
		if ((size_t)(e - p) < sizeof buf) {
			memcpy(buf, p, (size_t)(e - p));
			buf[e - p] = '\0';
			if (sd_decode_const(name, i, buf, u)) {
				*len = (size_t)(e - p);
				return p;
			}
		}
		if (e == text + n)
			break;
	}
	return NULL;
}

/* The numeric value of a scalar argument as printed: a number (also "3</path>"),
 * NULL, or a symbolic constant of argument i of the syscall ("A or B": either). */
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
		size_t len;
		if (sd_decode_const(name, i, buf, &u) || alt_name(name, i, buf, n, &u, &len))
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

/* d_type as strace prints it: DT_REG, or a number. */
static unsigned char dirent_type(struct span v)
{
	int64_t n;

	for (unsigned k = 0; k < 16; k++) {
		const char *name = sd_dirent_type_name((unsigned char)k);
		if (name && span_is(v, name))
			return (unsigned char)k;
	}
	return parse_num(v.p, v.n, &n) ? (unsigned char)n : 0;
}

/* One record as the kernel lays it out (fs/readdir.c): linux_dirent64 is ino, off,
 * reclen, type, name; the old linux_dirent ino, off, reclen, name, type in its last
 * byte; both padded to 8 bytes.  The record's length is the d_reclen strace shows (so
 * the records sit at the offsets the kernel wrote them at), else the kernel's rule.
 * Padding is left 0 (the kernel's is not initialized, and compare never looks at it). */
static void dirent_add(struct sb *out, bool v64, struct span e)
{
	struct span f;
	struct sb name = SB_INIT;
	bool trunc;
	int64_t ino = 0, off = 0, rl = 0;
	unsigned char type = 0;

	if (field(e, "d_name", &f))
		parse_str(f, &name, &trunc);
	if (field(e, "d_ino", &f))
		parse_num(f.p, f.n, &ino);
	if (field(e, "d_off", &f))
		parse_num(f.p, f.n, &off);
	if (field(e, "d_type", &f))
		type = dirent_type(f);
	if (field(e, "d_reclen", &f))
		parse_num(f.p, f.n, &rl);
	size_t nl = strnlen(sb_str(&name), name.len), head = v64 ? 19 : 18;
	size_t reclen = (head + nl + (v64 ? 1 : 2) + 7) & ~(size_t)7;
	if (rl >= (int64_t)(head + nl + (v64 ? 1 : 2)) && rl <= 0xffff)
		reclen = (size_t)rl;
	if (reclen > 0xffff)
		reclen = 0xffff & ~(size_t)7, nl = reclen - head - 2;
	size_t at = out->len;
	sb_grow(out, reclen);
	memset(out->buf + at, 0, reclen);
	memcpy(out->buf + at, &ino, 8);
	memcpy(out->buf + at + 8, &off, 8);
	out->buf[at + 16] = (char)(reclen & 0xff);
	out->buf[at + 17] = (char)(reclen >> 8);
	if (v64)
		out->buf[at + 18] = (char)type;
	else
		out->buf[at + reclen - 1] = (char)type;
	memcpy(out->buf + at + head, name.buf ? name.buf : "", nl);
	out->len = at + reclen;
	sb_free(&name);
}

/* getdents/getdents64's buffer: strace -v lists the entries ("[{d_ino=..., d_name="a"},
 * ...]"), which become the records the kernel wrote; without -v it shows only their
 * number ("0x55d0... /\* 12 entries *\/"), kept as the text "12 entries" without
 * bytes.  Either way compare looks at the entries, not at the bytes. */
static void fill_dirents(struct call *c, int i, struct sd_arg *a, struct span v)
{
	bool v64 = sd_dirent_call(c->name) == 1;
	uint64_t len = ret_count(c);
	struct list_it it;
	struct span e;
	struct sb recs = SB_INIT;

	buf_set(&a->buf, NULL, len == 0, len);
	if (list_open(&it, v, '[')) {
		while (recs.len < len && list_next(&it, &e) && !span_is(e, "..."))
			dirent_add(&recs, v64, e);
		buf_set(&a->buf, &recs, len == 0, len);
		sb_free(&recs);
		return;
	}
	a->raw = c->known[i] ? c->raw[i] : 0;
	const char *cm = memmem(v.p, v.n, "/*", 2);
	if (cm && len) {
		struct span t = trim(cm + 2, v.p + v.n);
		if (ends(t.p, t.p + t.n, "*/"))
			t = trim(t.p, t.p + t.n - 2);
		if (t.n && isdigit((unsigned char)t.p[0]))
			a->text = span_dup(t);
	}
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

/* What each fd of a process was last shown to refer to (a -y annotation) or, in a log
 * without -y, the absolute path it was opened by (followed through dup and F_DUPFD).
 * An annotation names an fd that strace prints bare because it does not know the
 * argument is an fd (ioctl(4</b>, FICLONE, 3): the source file); either kind is the
 * directory of fchdir(fd).  Forgotten at close and exec (close-on-exec is not followed);
 * a child process starts with its parent's. */
#define FDNAME_MAX 65536

static void fd_note(struct proc *p, int64_t fd, const char *name, bool shown)
{
	if (fd < 0 || fd >= FDNAME_MAX)
		return;
	if ((size_t)fd >= p->nfds) {
		if (!name)
			return;
		size_t n = p->nfds ? p->nfds : 16;
		while (n <= (size_t)fd)
			n *= 2;
		p->fds = xrealloc(p->fds, n * sizeof *p->fds);
		memset(p->fds + p->nfds, 0, (n - p->nfds) * sizeof *p->fds);
		p->nfds = n;
	}
	if (name && p->fds[fd].name && !strcmp(p->fds[fd].name, name)) {
		/* the same name again (every -y argument; dup2 onto itself): kept */
		p->fds[fd].shown = shown;
		return;
	}
	free(p->fds[fd].name);
	p->fds[fd].name = name ? xstrdup(name) : NULL;
	p->fds[fd].shown = name && shown;
}

static const struct fdname *fd_name(const struct proc *p, int64_t fd)
{
	return fd >= 0 && (uint64_t)fd < p->nfds && p->fds[fd].name ? &p->fds[fd] : NULL;
}

static void fd_forget(struct proc *p, uint64_t lo, uint64_t hi)
{
	for (uint64_t fd = lo; fd <= hi && fd < p->nfds; fd++) {
		free(p->fds[fd].name);
		p->fds[fd].name = NULL;
	}
}

static void fd_copy(struct proc *to, const struct proc *from)
{
	for (size_t fd = 0; fd < from->nfds; fd++)
		if (from->fds[fd].name)
			fd_note(to, (int64_t)fd, from->fds[fd].name, from->fds[fd].shown);
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
		fd_note(t->proc, a->raw, a->ref, true);
	} else if (a->raw >= 0 && !a->text) {
		const struct fdname *f = fd_name(t->proc, a->raw);
		if (f && f->shown)
			a->ref = xstrdup(f->name);
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
		if (a->text && c->known[i]) {    /* "A or B": one name, as the tracer prints it */
			uint64_t u;
			size_t len;
			const char *alt = alt_name(c->name, i, a->text, strlen(a->text), &u, &len);
			if (alt) {
				char *one = xstrndup(alt, len);
				free(a->text);
				a->text = one;
			}
		}
		break;
	case SD_ARG_FD:
		fill_fd(t, c, i, a, v);
		break;
	case SD_ARG_PATH:
		fill_path(t, c, i, a, ev, v);
		break;
	case SD_ARG_BUF:
		if (i == 1 && sd_dirent_call(c->name) >= 0)
			fill_dirents(c, i, a, v);
		else
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
	struct span out[SD_MAX_ARGS];
	int n = 0;

	for (int i = 0; i < SD_MAX_ARGS; i++)
		out[i] = (struct span){ "", 0 };   /* a gap is an empty token, never NULL */
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
bool clone_thread(const char *name, const char *p, size_t n)
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

bool is_clone(const char *name)
{
	return !strcmp(name, "clone") || !strcmp(name, "clone3") || !strcmp(name, "fork") ||
	       !strcmp(name, "vfork");
}

/* Only the second half of c was seen: the arguments it printed are the last ones. */
static void align_to_end(struct call *c)
{
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

/* Not a known syscall: untyped arguments ("syscall_0x1ff" still gives the number). */
static void fill_untyped(struct call *c, struct sd_event *ev)
{
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
}

/* A known syscall: every argument typed by its shape (those a syscall without a schema
 * row printed beyond its count are hex). */
static void fill_typed(struct thr *t, struct call *c, struct sd_event *ev)
{
	int nargs;

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

/* Type and fill the event of call c made by thread t. */
static void build(struct thr *t, struct call *c, bool align_end, struct sd_event *ev)
{
	if (!strcmp(c->name, "clone"))
		clone_reorder(c);
	else if (!strcmp(c->name, "futex") && !align_end)
		futex_reorder(c);
	if (align_end)
		align_to_end(c);
	for (int i = 0; i < c->ntok; i++)
		c->known[i] = scalar(c->name, i, c->tok[i], &c->raw[i]);
	c->shaped = sd_decode_shape(c->name, c->raw, c->finished, c->ret, &c->sh) >= 0;
	ev->kind = SD_EV_SYSCALL;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	snprintf(ev->name, sizeof ev->name, "%s", c->name);
	if (!c->shaped)
		fill_untyped(c, ev);
	else
		fill_typed(t, c, ev);
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

/* What a successful call did to the fd names of its process (fd_note). */
static void fd_after_call(struct proc *p, const struct call *c, const struct sd_event *ev)
{
	const char *n = c->name;
	int64_t a0 = ev->nargs >= 1 ? ev->args[0].raw : -1;

	if (ev->ret_ref) {
		fd_note(p, c->ret, ev->ret_ref, true);
	} else if (ev->ret_fmt == SD_RET_FD) {
		/* open, openat, openat2, creat: the path; dup, dup2, dup3, fcntl F_DUPFD*:
		 * what the old fd was; anything else returning an fd: unknown */
		int pa = !strcmp(n, "open") || !strcmp(n, "creat") ? 0 :
			 !strcmp(n, "openat") || !strcmp(n, "openat2") ? 1 : -1;
		const struct fdname *f = NULL;
		/* (the decoder gives fcntl an fd result for F_DUPFD and F_DUPFD_CLOEXEC only) */
		bool dup = !strcmp(n, "dup") || !strcmp(n, "dup2") || !strcmp(n, "dup3") ||
			   !strcmp(n, "fcntl");
		if (dup)
			f = fd_name(p, a0);
		if (pa >= 0 && pa < ev->nargs && ev->args[pa].abs)
			fd_note(p, c->ret, ev->args[pa].abs, false);
		else if (f)
			fd_note(p, c->ret, f->name, f->shown);
		else
			fd_note(p, c->ret, NULL, false);
	}
	if (!strcmp(n, "execve") || !strcmp(n, "execveat"))
		fd_forget(p, 0, UINT64_MAX);
}

/* The fds a finished call released, by the decoder's rule (a close that failed with
 * EINTR released its fd too; close_range with CLOSE_RANGE_CLOEXEC released none). */
static void fd_released(struct proc *p, const struct call *c, const struct sd_event *ev)
{
	int lo, hi;

	if (sd_decode_fds_released(ev, c->ret, &lo, &hi))
		fd_forget(p, (uint64_t)lo, (uint64_t)hi);
}

/* The effects of a finished call on the process table: cwd, children, fd names. */
static void after_call(struct sd_strace *s, struct thr *t, struct call *c,
		       const struct sd_event *ev, const char *text, size_t tlen)
{
	if (c->finished)
		fd_released(t->proc, c, ev);
	if (!c->finished || c->error)
		return;
	fd_after_call(t->proc, c, ev);
	if (!strcmp(c->name, "chdir") && ev->nargs >= 1 && c->ret == 0) {
		const struct sd_arg *a = &ev->args[0];
		proc_set_cwd(t->proc, a->abs ? xstrdup(a->abs) : NULL);
	} else if (!strcmp(c->name, "fchdir") && ev->nargs >= 1 && c->ret == 0) {
		const char *r = ev->args[0].ref;
		const struct fdname *f = fd_name(t->proc, ev->args[0].raw);
		if (!r && f)
			r = f->name;
		proc_set_cwd(t->proc, r && r[0] == '/' ? xstrdup(r) : NULL);
	} else if (is_clone(c->name) && c->ret > 0 && c->ret <= INT32_MAX) {
		bool th = clone_thread(c->name, text, tlen);
		struct thr *k = thr_find(s, (pid_t)c->ret);
		if (!k) {
			k = thr_new(s, (pid_t)c->ret, th ? t->proc : NULL, t->proc->cwd);
			if (!th)
				fd_copy(k->proc, t->proc);
		} else if (k == t) {
			return;          /* a log that says a thread created itself */
		} else if (th && k->proc != t->proc) {
			t->proc->refs++;
			proc_unref(k->proc);
			k->proc = t->proc;
		} else if (!th && k->proc == t->proc) {
			struct proc *np = proc_new(k->tid, t->proc->cwd);
			fd_copy(np, t->proc);
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

/* restart_syscall c continues t's interrupted call: ev is shown under that call's name
 * and arguments.  Returns the seq of the interrupted call. */
static uint64_t continued_call(struct thr *t, struct call *c, struct sd_event *ev)
{
	struct sd_call_shape sh;
	uint64_t seq = t->rst.seq;

	ev->kind = SD_EV_SYSCALL;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	ev->nr = t->rst.tmpl.nr;
	memcpy(ev->name, t->rst.tmpl.name, sizeof ev->name);
	ev->nargs = t->rst.tmpl.nargs;
	for (int i = 0; i < ev->nargs; i++)
		sd_arg_copy(&ev->args[i], &t->rst.tmpl.args[i]);
	ev->finished = c->finished;
	ev->ret = c->finished ? c->ret : 0;
	ev->interrupted = c->finished && c->interrupted;
	if (c->finished && sd_decode_shape(ev->name, NULL, true, c->ret, &sh) >= 0)
		ev->ret_fmt = sh.ret;
	if (c->finished)
		exit_without_data(ev, c);
	rst_clear(&t->rst);
	c->ntok = 0;
	return seq;
}

/* Call c of t, typed into ev: the seq of the interrupted call it re-issues, else 0.
 * After a signal handler's return, any other call ends the link. */
static uint64_t link_restart(struct thr *t, const struct call *c, const struct sd_event *ev)
{
	uint64_t restart_of = 0;

	if (!t->rst.seq)
		return 0;
	if (same_call(&t->rst, c, ev)) {
		restart_of = t->rst.seq;
		rst_clear(&t->rst);
	} else if (!strcmp(c->name, "rt_sigreturn")) {
		t->rst.after_sigreturn = true;
	} else if (t->rst.after_sigreturn) {
		rst_clear(&t->rst);
	}
	return restart_of;
}

/* A call of thread t is complete: text holds "args) = ret". */
int complete(struct sd_strace *s, struct thr *t, const char *name, const char *text,
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
		restart_of = continued_call(t, &c, &ev);
	} else {
		build(t, &c, align_end, &ev);
		restart_of = link_restart(t, &c, &ev);
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
