/* demangle.c - readable names for mangled symbols.
 *
 * Rust's two manglings are decoded here (the legacy one, an Itanium nested name with
 * '$' escapes and a hash, and v0, "_R..."), following the published schemes; C++
 * (Itanium "_Z...") goes to the C++ runtime's __cxa_demangle when a C++ runtime can be
 * loaded, and is left mangled otherwise.  Names come from untrusted files: every
 * read is bounded, recursion is limited and output length is capped. */
#define _GNU_SOURCE
#include "srcloc/srcloc.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define MAX_NAME 4096           /* longest input considered */
#define MAX_OUT 1024            /* longest output kept */
#define MAX_RECURSION 64

/* ---- C++ through the C++ runtime ---- */

typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);

static cxa_demangle_fn cxa_demangle(void)
{
	static bool tried;
	static cxa_demangle_fn fn;
	if (tried)
		return fn;
	tried = true;
	fn = (cxa_demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (!fn) {
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (h)
			fn = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
	}
	return fn;
}

static char *demangle_cxx(const char *name)
{
	cxa_demangle_fn fn = cxa_demangle();
	if (!fn)
		return NULL;
	int status = -1;
	char *out = fn(name, NULL, NULL, &status);
	if (status != 0 || !out) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- Rust legacy: _ZN <len><ident>... 17h<16 hex>E ---- */

static bool is_hash_component(const char *p, size_t n)
{
	if (n != 17 || p[0] != 'h')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* Append one legacy component, decoding "$LT$"-style escapes and ".." -> "::". */
static bool legacy_component(struct sb *out, const char *p, size_t n)
{
	static const struct { const char *esc; char c; } escs[] = {
		{ "$SP$", '@' }, { "$BP$", '*' }, { "$RF$", '&' }, { "$LT$", '<' },
		{ "$GT$", '>' }, { "$LP$", '(' }, { "$RP$", ')' }, { "$C$", ',' },
	};
	size_t i = 0;
	if (n >= 2 && p[0] == '_' && p[1] == '$')
		i = 1;
	while (i < n) {
		if (p[i] == '.') {
			if (i + 1 < n && p[i + 1] == '.') {
				sb_adds(out, "::");
				i += 2;
			} else {
				sb_addc(out, '.');
				i++;
			}
			continue;
		}
		if (p[i] != '$') {
			sb_addc(out, p[i++]);
			continue;
		}
		bool done = false;
		for (size_t k = 0; k < sizeof escs / sizeof *escs; k++) {
			size_t l = strlen(escs[k].esc);
			if (i + l <= n && !memcmp(p + i, escs[k].esc, l)) {
				sb_addc(out, escs[k].c);
				i += l;
				done = true;
				break;
			}
		}
		if (done)
			continue;
		/* $uXX$: a character by its code (ASCII only here) */
		if (i + 2 < n && p[i + 1] == 'u') {
			size_t j = i + 2;
			unsigned v = 0;
			while (j < n && j - i < 10 && p[j] != '$') {
				char c = p[j];
				int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
				if (d < 0)
					return false;
				v = v * 16 + (unsigned)d;
				j++;
			}
			if (j < n && p[j] == '$' && v >= 0x20 && v < 0x7f) {
				sb_addc(out, (char)v);
				i = j + 1;
				continue;
			}
		}
		return false;
	}
	return true;
}

static char *demangle_rust_legacy(const char *name)
{
	const char *p = name + 3, *end = name + strlen(name);
	struct sb out = { 0 };
	int ncomp = 0;
	bool hashed = false;
	while (p < end && *p != 'E') {
		if (*p < '0' || *p > '9')
			goto bad;
		size_t len = 0;
		while (p < end && *p >= '0' && *p <= '9' && len < MAX_NAME)
			len = len * 10 + (size_t)(*p++ - '0');
		if (!len || len > (size_t)(end - p))
			goto bad;
		if (p + len < end && p[len] == 'E' && is_hash_component(p, len)) {
			hashed = true;
			p += len;
			break;
		}
		if (ncomp++)
			sb_adds(&out, "::");
		if (!legacy_component(&out, p, len))
			goto bad;
		p += len;
	}
	if (!hashed || p >= end || *p != 'E' || !ncomp)
		goto bad;
	return out.buf;
bad:
	sb_free(&out);
	return NULL;
}

/* ---- Rust v0: _R ... ---- */

struct v0 {
	const char *s;          /* after "_R" */
	size_t n, pos;
	struct sb out;
	int depth;
	bool err;
};

static char peek(struct v0 *d)
{
	return d->pos < d->n ? d->s[d->pos] : 0;
}

static bool eat(struct v0 *d, char c)
{
	if (peek(d) == c) {
		d->pos++;
		return true;
	}
	return false;
}

static char next(struct v0 *d)
{
	if (d->pos >= d->n) {
		d->err = true;
		return 0;
	}
	return d->s[d->pos++];
}

static void emit(struct v0 *d, const char *s)
{
	if (d->out.len < MAX_OUT)
		sb_adds(&d->out, s);
}

static void emitn(struct v0 *d, const char *s, size_t n)
{
	if (d->out.len < MAX_OUT)
		sb_add(&d->out, s, n);
}

/* {0-9a-zA-Z} "_": "_" is 0, otherwise the base-62 value plus one. */
static uint64_t base62(struct v0 *d)
{
	if (eat(d, '_'))
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 12; i++) {
		char c = next(d);
		int x;
		if (c >= '0' && c <= '9')
			x = c - '0';
		else if (c >= 'a' && c <= 'z')
			x = c - 'a' + 10;
		else if (c >= 'A' && c <= 'Z')
			x = c - 'A' + 36;
		else if (c == '_')
			return v + 1;
		else
			break;
		v = v * 62 + (uint64_t)x;
	}
	d->err = true;
	return 0;
}

static uint64_t decimal(struct v0 *d)
{
	char c = peek(d);
	if (c < '0' || c > '9') {
		d->err = true;
		return 0;
	}
	if (c == '0') {
		d->pos++;
		return 0;
	}
	uint64_t v = 0;
	while ((c = peek(d)) >= '0' && c <= '9' && v < MAX_NAME * 10ull) {
		v = v * 10 + (uint64_t)(c - '0');
		d->pos++;
	}
	return v;
}

static uint64_t disambiguator(struct v0 *d)
{
	return eat(d, 's') ? base62(d) + 1 : 0;
}

/* <undisambiguated-identifier>: its bytes (punycode ones are shown raw). */
static bool ident(struct v0 *d, const char **p, size_t *n, bool *puny)
{
	*puny = eat(d, 'u');
	uint64_t len = decimal(d);
	eat(d, '_');
	if (d->err || len > d->n - d->pos) {
		d->err = true;
		return false;
	}
	*p = d->s + d->pos;
	*n = (size_t)len;
	d->pos += (size_t)len;
	return true;
}

static void v0_path(struct v0 *d, bool emit_it);
static void v0_type(struct v0 *d);

static bool enter(struct v0 *d)
{
	if (++d->depth > MAX_RECURSION || d->err) {
		d->err = true;
		d->depth--;
		return false;
	}
	return true;
}

/* Run f at the backref position, then come back. */
static void backref(struct v0 *d, int kind, bool emit_it)
{
	size_t at = d->pos - 1;     /* position of the 'B' */
	uint64_t target = base62(d);
	if (d->err || target >= at) {
		d->err = true;
		return;
	}
	size_t save = d->pos;
	d->pos = (size_t)target;
	if (kind == 0)
		v0_path(d, emit_it);
	else
		v0_type(d);
	d->pos = save;
}

static void lifetime_skip(struct v0 *d)
{
	if (eat(d, 'L'))
		base62(d);
}

static void v0_const(struct v0 *d)
{
	if (!enter(d))
		return;
	if (eat(d, 'p')) {
		emit(d, "_");
	} else if (eat(d, 'B')) {
		backref(d, 1, true);
	} else {
		char ty = next(d);
		bool neg = eat(d, 'n');
		uint64_t v = 0;
		int digits = 0;
		char c;
		while ((c = next(d)) != '_' && !d->err) {
			int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (x < 0) {
				d->err = true;
				break;
			}
			v = v * 16 + (uint64_t)x;
			digits++;
		}
		char buf[48];
		if (ty == 'b')
			snprintf(buf, sizeof buf, "%s", v ? "true" : "false");
		else if (ty == 'c' && v >= 0x20 && v < 0x7f)
			snprintf(buf, sizeof buf, "'%c'", (char)v);
		else if (digits > 16)
			snprintf(buf, sizeof buf, "{big}");
		else
			snprintf(buf, sizeof buf, "%s%" PRIu64, neg ? "-" : "", v);
		emit(d, buf);
	}
	d->depth--;
}

static void truncate_out(struct v0 *d, size_t mark)
{
	if (d->out.len > mark) {
		d->out.len = mark;
		d->out.buf[mark] = 0;
	}
}

static void generic_args(struct v0 *d)
{
	bool first = true;
	size_t mark = d->out.len;
	emit(d, "<");
	while (!d->err && !eat(d, 'E')) {
		if (peek(d) == 'L') {   /* lifetimes are not shown */
			lifetime_skip(d);
			continue;
		}
		if (!first)
			emit(d, ", ");
		first = false;
		if (eat(d, 'K'))
			v0_const(d);
		else
			v0_type(d);
		if (d->pos >= d->n)
			d->err = true;
	}
	if (first)
		truncate_out(d, mark);  /* only lifetimes: nothing to show */
	else
		emit(d, ">");
}

static void fn_sig(struct v0 *d)
{
	if (eat(d, 'G'))
		base62(d);
	if (eat(d, 'U'))
		emit(d, "unsafe ");
	if (eat(d, 'K')) {
		if (eat(d, 'C')) {
			emit(d, "extern \"C\" ");
		} else {
			const char *p;
			size_t n;
			bool puny;
			if (ident(d, &p, &n, &puny)) {
				emit(d, "extern \"");
				for (size_t i = 0; i < n; i++)
					emitn(d, p[i] == '_' ? "-" : p + i, 1);
				emit(d, "\" ");
			}
		}
	}
	emit(d, "fn(");
	bool first = true;
	while (!d->err && !eat(d, 'E')) {
		if (!first)
			emit(d, ", ");
		first = false;
		v0_type(d);
	}
	emit(d, ")");
	if (eat(d, 'u'))
		return;     /* returns () */
	emit(d, " -> ");
	v0_type(d);
}

static void dyn_bounds(struct v0 *d)
{
	if (eat(d, 'G'))
		base62(d);
	emit(d, "dyn ");
	bool first = true;
	while (!d->err && !eat(d, 'E')) {
		if (!first)
			emit(d, " + ");
		first = false;
		v0_path(d, true);
		while (!d->err && eat(d, 'p')) {
			const char *p;
			size_t n;
			bool puny;
			if (!ident(d, &p, &n, &puny))
				break;
			/* Trait<Args, Name = T>: into the trait's own brackets if it has any */
			if (d->out.len && d->out.buf[d->out.len - 1] == '>') {
				truncate_out(d, d->out.len - 1);
				emit(d, ", ");
			} else {
				emit(d, "<");
			}
			emitn(d, p, n);
			emit(d, " = ");
			v0_type(d);
			emit(d, ">");
		}
	}
	lifetime_skip(d);
}

static void v0_type(struct v0 *d)
{
	static const char *const basic[26] = {
		['a' - 'a'] = "i8",   ['b' - 'a'] = "bool", ['c' - 'a'] = "char", ['d' - 'a'] = "f64",
		['e' - 'a'] = "str",  ['f' - 'a'] = "f32",  ['h' - 'a'] = "u8",   ['i' - 'a'] = "isize",
		['j' - 'a'] = "usize", ['l' - 'a'] = "i32", ['m' - 'a'] = "u32",  ['n' - 'a'] = "i128",
		['o' - 'a'] = "u128", ['p' - 'a'] = "_",    ['s' - 'a'] = "i16",  ['t' - 'a'] = "u16",
		['u' - 'a'] = "()",   ['v' - 'a'] = "...",  ['x' - 'a'] = "i64",  ['y' - 'a'] = "u64",
		['z' - 'a'] = "!",
	};
	if (!enter(d))
		return;
	char c = peek(d);
	if (c >= 'a' && c <= 'z' && basic[c - 'a']) {
		d->pos++;
		emit(d, basic[c - 'a']);
	} else if (eat(d, 'A')) {
		emit(d, "[");
		v0_type(d);
		emit(d, "; ");
		v0_const(d);
		emit(d, "]");
	} else if (eat(d, 'S')) {
		emit(d, "[");
		v0_type(d);
		emit(d, "]");
	} else if (eat(d, 'T')) {
		int n = 0;
		emit(d, "(");
		while (!d->err && !eat(d, 'E')) {
			if (n++)
				emit(d, ", ");
			v0_type(d);
		}
		emit(d, n == 1 ? ",)" : ")");
	} else if (eat(d, 'R') || (c == 'Q' && eat(d, 'Q'))) {
		lifetime_skip(d);
		emit(d, c == 'Q' ? "&mut " : "&");
		v0_type(d);
	} else if (eat(d, 'P')) {
		emit(d, "*const ");
		v0_type(d);
	} else if (eat(d, 'O')) {
		emit(d, "*mut ");
		v0_type(d);
	} else if (eat(d, 'F')) {
		fn_sig(d);
	} else if (eat(d, 'D')) {
		dyn_bounds(d);
	} else if (eat(d, 'B')) {
		backref(d, 1, true);
	} else {
		v0_path(d, true);
	}
	d->depth--;
}

static void v0_path(struct v0 *d, bool emit_it)
{
	if (!enter(d))
		return;
	size_t mark = d->out.len;
	char c = next(d);
	const char *p;
	size_t n;
	bool puny;
	uint64_t dis;
	switch (c) {
	case 'C':       /* crate root */
		disambiguator(d);
		if (ident(d, &p, &n, &puny))
			emitn(d, p, n);
		break;
	case 'N': {     /* nested: namespace, parent path, identifier */
		char ns = next(d);
		v0_path(d, true);
		dis = disambiguator(d);
		if (!ident(d, &p, &n, &puny))
			break;
		if (ns >= 'A' && ns <= 'Z') {
			char buf[48];
			emit(d, "::{");
			emit(d, ns == 'C' ? "closure" : ns == 'S' ? "shim" : "");
			if (ns != 'C' && ns != 'S')
				emitn(d, &ns, 1);
			if (n) {
				emit(d, ":");
				emitn(d, p, n);
			}
			snprintf(buf, sizeof buf, "#%" PRIu64 "}", dis);
			emit(d, buf);
		} else if (n) {
			emit(d, "::");
			emitn(d, p, n);
		}
		break;
	}
	case 'M':       /* <T> inherent impl */
		disambiguator(d);
		v0_path(d, false);
		emit(d, "<");
		v0_type(d);
		emit(d, ">");
		break;
	case 'X':       /* <T as Trait> */
		disambiguator(d);
		v0_path(d, false);
		/* fall through */
	case 'Y':
		emit(d, "<");
		v0_type(d);
		emit(d, " as ");
		v0_path(d, true);
		emit(d, ">");
		break;
	case 'I':       /* generic arguments */
		v0_path(d, true);
		generic_args(d);
		break;
	case 'B':
		backref(d, 0, true);
		break;
	default:
		d->err = true;
		break;
	}
	if (!emit_it)
		truncate_out(d, mark);
	d->depth--;
}

static char *demangle_rust_v0(const char *name)
{
	struct v0 d = { .s = name + 2, .n = strlen(name + 2) };
	if (d.n && d.s[0] >= '0' && d.s[0] <= '9')
		decimal(&d);    /* encoding version */
	v0_path(&d, true);
	/* an instantiating crate may follow; a vendor suffix (".llvm.N") is dropped */
	if (!d.err && d.pos < d.n && d.s[d.pos] >= 'A' && d.s[d.pos] <= 'Z') {
		v0_path(&d, false);
	}
	if (d.err || !d.out.len || (d.pos < d.n && d.s[d.pos] != '.' && d.s[d.pos] != '$')) {
		sb_free(&d.out);
		return NULL;
	}
	return d.out.buf;
}

char *sd_demangle(const char *name)
{
	if (!name || strnlen(name, MAX_NAME + 1) > MAX_NAME)
		return NULL;
	if (!strncmp(name, "_R", 2))
		return demangle_rust_v0(name);
	if (!strncmp(name, "_ZN", 3)) {
		char *r = demangle_rust_legacy(name);
		if (r)
			return r;
	}
	if (!strncmp(name, "_Z", 2))
		return demangle_cxx(name);
	return NULL;
}
