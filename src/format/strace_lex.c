/* strace_lex.c - the lexer of strace's text forms (see strace_int.h): values and lists
 * with strace's quoting, brackets, comments and fd annotations (iterative, nesting
 * bounded), strings, numbers, -X verbose constants, signal and errno names, timestamps
 * and what an fd annotation names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "format/strace_int.h"
#include "util/util.h"

#define MAX_DEPTH      128                /* bracket nesting accepted in one value */

/* ---- values and lists ----------------------------------------------------- */

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
const char *skip_annot(const char *p, const char *end)
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
const char *scan_value(const char *p, const char *end, const char **why)
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
const char *split_list(const char *p, const char *end, struct span *v, int max,
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
bool list_open(struct list_it *it, struct span v, char open)
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

bool list_next(struct list_it *it, struct span *out)
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
bool field(struct span v, const char *key, struct span *out)
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
bool parse_str(struct span v, struct sb *out, bool *trunc)
{
	const char *end = v.p + v.n, *q;

	if (!v.n || v.p[0] != '"' || !(q = skip_string(v.p, end)))
		return false;
	unescape(out, v.p + 1, (size_t)(q - v.p - 2));
	*trunc = ends(q, end, "...") && end - q == 3;
	return true;
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
bool parse_num(const char *p, size_t n, int64_t *v)
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
bool split_verbose(struct span v, struct sb *num, struct sb *sym)
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

/* "SIGTERM", "SIGRTMIN", "SIGRT_2", "15" (strace counts real-time signals from 32) */
int signal_value(struct span v)
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

int errno_value(struct span v)
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
bool parse_secs(const char *p, const char *e, bool tod, uint64_t *ns)
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

/* ---- fd annotations ------------------------------------------------------ */

/* What an fd refers to, as the tracer writes it, from strace's -y/-yy annotation
 * (escaped text between '<' and '>'): "/path", "pipe:[1]", "socket:[2]"... -yy socket
 * details with an inode become "socket:[INODE]", those without "socket:" + details;
 * -yy device details ("/dev/null<char 1:3>") are dropped. */
char *annot_ref(const char *p, size_t n)
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
bool value_annot(struct span v, struct span *a)
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
