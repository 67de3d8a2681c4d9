/* jsonl_fast.c - the trace reader's JSON parser (see jsonl_int.h): a strict parser into
 * a flat document for the lines sysdiff writes, and the conversion of jansson's values
 * into the same document for the lines it leaves to jansson.
 *
 * The fast parser accepts only what jansson (with JSON_REJECT_DUPLICATES and
 * JSON_ALLOW_NUL) accepts and gives the same values: integers in int64 range, reals
 * correctly rounded (exact fast path, else strtod as jansson), UTF-8 checked the same
 * way, \u escapes with surrogate pairs, duplicate keys refused.  Where it would have to
 * report an error, or meets something rare (a real of more than 127 characters,
 * nesting deeper than 64, more than 32 unknown keys in one object), it gives up and the
 * line goes to jansson, which gives the error message.  Keys and plain strings are left
 * in the line (not NUL-terminated); strings with escapes or UTF-8 are decoded into the
 * document's arena. */
#include "format/jsonl_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "arch/syscalls.h"
#include "util/util.h"

/* small functions of the inner loops, inlined */
#define HOT static inline __attribute__((always_inline))

/* ---- keys ---- */

static const char *const jk_names[JK__COUNT] = {
	[JK_OTHER] = "?",
#define JK_K(n) [JK_##n] = #n,
#define JK_B(n) [JK_##n] = #n, [JK_##n##_hex] = #n "_hex",
	SD_JSONL_KEYS(JK_K, JK_B)
#undef JK_K
#undef JK_B
};

_Static_assert(JK__COUNT <= 128, "key ids fit struct jv's key and a 128-bit set");

#define KEYTAB 512                      /* open addressing, a power of 2 */
static uint8_t keytab[KEYTAB];          /* key id, 0: empty */
static uint8_t keylen[JK__COUNT];
/* Keys of up to 8 bytes by their bytes as one word (most keys): open addressing too. */
struct shortkey {
	uint64_t word;
	uint8_t len, key;
};
static struct shortkey shorttab[KEYTAB];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static uint64_t key_word(const char *key, size_t len)
{
	uint64_t w = 0;

	memcpy(&w, key, len);
	return w;
}

static uint32_t word_slot(uint64_t w)
{
	return (uint32_t)((w * 0x9e3779b97f4a7c15ull) >> 55);   /* 9 bits: KEYTAB */
}

static void build_tables(void)
{
	for (int k = 1; k < JK__COUNT; k++) {
		keylen[k] = (uint8_t)strlen(jk_names[k]);
		uint32_t h = hash_bytes(jk_names[k], keylen[k]);
		while (keytab[h & (KEYTAB - 1)])
			h++;
		keytab[h & (KEYTAB - 1)] = (uint8_t)k;
		if (keylen[k] > 8)
			continue;
		uint64_t w = key_word(jk_names[k], keylen[k]);
		for (h = word_slot(w); shorttab[h & (KEYTAB - 1)].key; h++)
			;
		shorttab[h & (KEYTAB - 1)] = (struct shortkey){ w, keylen[k], (uint8_t)k };
	}
}

const char *sd_jk_name(int key)
{
	return key > 0 && key < JK__COUNT ? jk_names[key] : "?";
}

/* The key id of key[0..len) (the tables are built).  Keys of up to 8 bytes are read as
 * one word, in one load when 8 bytes can be read at key (room: up to end). */
HOT int key_id(const char *key, size_t len, const char *end)
{
	if (len <= 8) {
		uint64_t w = 0;
		if (end - key >= 8) {
			memcpy(&w, key, 8);
			w &= len == 8 ? ~0ull : (1ull << (8 * len)) - 1;
		} else {
			memcpy(&w, key, len);
		}
		for (uint32_t h = word_slot(w);; h++) {
			const struct shortkey *e = &shorttab[h & (KEYTAB - 1)];
			if (!e->key)
				return JK_OTHER;
			if (e->word == w && e->len == len)
				return e->key;
		}
	}
	for (uint32_t h = hash_bytes(key, len);; h++) {
		int k = keytab[h & (KEYTAB - 1)];
		if (!k)
			return JK_OTHER;
		if (keylen[k] == len && !memcmp(jk_names[k], key, len))
			return k;
	}
}

int sd_jk_lookup(const char *key, size_t len)
{
	char buf[16] = { 0 };

	pthread_once(&tables_once, build_tables);
	if (len <= 8) {   /* key_id reads 8 bytes when it can */
		memcpy(buf, key, len);
		key = buf;
	}
	return key_id(key, len, buf + sizeof buf);
}

int sd_jsonl_default_nr(const char *name)
{
	return sd_syscall_nr(name);   /* a name given to two numbers: its first */
}

bool sd_jsonl_nr_is_default(const char *name, int nr)
{
	return sd_jsonl_default_nr(name) == nr;
}

/* ---- the document ---- */

HOT uint32_t new_value(struct jdoc *d, enum jv_type t)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	struct jv *v = &d->v[d->n];
	v->type = (uint8_t)t;
	v->key = JK_OTHER;
	v->nul = false;
	v->n = v->next = v->namelen = 0;
	v->name = NULL;
	v->u.i = 0;
	return (uint32_t)d->n++;
}

/* Room for the strings of a line of n bytes: they never grow when unescaped, and each
 * needs one more byte for its NUL; 16 bytes of slack after the last one, which the string
 * copy and key_id may touch (always initialized). */
static void doc_reset(struct jdoc *d, size_t n)
{
	d->n = 0;
	d->slen = 0;
	if (d->scap < 2 * n + 32) {
		d->scap = 2 * n + 32;
		free(d->s);
		d->s = xcalloc(1, d->scap);
	}
}

void sd_jdoc_free(struct jdoc *d)
{
	free(d->v);
	free(d->s);
	memset(d, 0, sizeof *d);
}

/* ---- the fast parser ---- */

/* Each lexer takes the position p to read at and returns the position after what it read,
 * or NULL when it does not handle the input (the line then goes to jansson).  Positions
 * are passed around rather than kept in struct lex, where every store into the document
 * would make the compiler load them again. */

#define MAX_DEPTH 64
#define MAX_OTHER_KEYS 32       /* unknown keys in one object (checked pairwise) */

struct lex {
	const char *end;
	struct jdoc *d;
	int depth;
};

/* Bytes that end a run of plain string bytes: '"', '\\', controls, non-ASCII. */
static const uint8_t special_tab[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};
static const uint8_t ws_tab[256] = { [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1 };

HOT bool special(unsigned char c)
{
	return special_tab[c];
}

/* Whitespace at p skipped; sysdiff writes none, so the first test is all it usually costs. */
HOT const char *skip_ws(const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;
	while (p < end && ws_tab[(unsigned char)*p])
		p++;
	return p;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The first special byte at or after p (or end), eight bytes at a time (see copy_plain). */
HOT const char *scan_plain(const char *p, const char *end)
{
	while (end - p >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
		uint64_t hit = ((v - ONES * 0x20) | (q - ONES) | (b - ONES) | v) & HIGHS;
		if (hit)
			return p + ((unsigned)__builtin_ctzll(hit) >> 3);
		p += 8;
	}
	while (p < end && !special((unsigned char)*p))
		p++;
	return p;
}

/* Copy plain bytes from p to *o up to the first special one (or end), eight at a time
 * while there are eight (a byte b is special when b < 0x20, b == '"', b == '\\' or
 * b >= 0x80); returns where it stopped.  Up to 7 bytes past the new *o are written too:
 * the arena's slack. */
HOT const char *copy_plain(const char *p, char **o, const char *end)
{
	char *d = *o;

	while (end - p >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		memcpy(d, &v, 8);
		uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
		uint64_t hit = ((v - ONES * 0x20) | (q - ONES) | (b - ONES) | v) & HIGHS;
		/* (x - ONES) & HIGHS flags zero bytes, and bytes >= 0x80, special anyway, and
		 * bytes above a borrow; the lowest flagged byte is the first special one */
		if (hit) {
			unsigned k = (unsigned)__builtin_ctzll(hit) >> 3;
			*o = d + k;
			return p + k;
		}
		p += 8;
		d += 8;
	}
	while (p < end && !special((unsigned char)*p))
		*d++ = *p++;
	*o = d;
	return p;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i], h = c >= '0' && c <= '9' ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static char *put_utf8(char *o, unsigned c)
{
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xc0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | c >> 12);
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | c >> 18);
		*o++ = (char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

/* \uXXXX (and its low surrogate) at p (the 'u') into *o; *nul: it was \u0000. */
static const char *unicode_escape(const char *p, const char *end, char **o, bool *nul)
{
	if (end - p < 5)
		return NULL;
	int c = hex4(p + 1);
	if (c < 0)
		return NULL;
	p += 5;
	if (c >= 0xdc00 && c <= 0xdfff)
		return NULL;
	if (c >= 0xd800 && c <= 0xdbff) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
			return NULL;
		int lo = hex4(p + 2);
		if (lo < 0xdc00 || lo > 0xdfff)
			return NULL;
		p += 6;
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
	}
	*nul |= c == 0;
	*o = put_utf8(*o, (unsigned)c);
	return p;
}

/* One UTF-8 sequence at p (first byte >= 0x80), copied to *o. */
static const char *utf8_seq(const char *p, const char *end, char **o)
{
	unsigned char c = (unsigned char)*p;
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

	if ((size_t)(end - p) < n || !sd_utf8_valid(p, n))
		return NULL;
	memcpy(*o, p, n);
	*o += n;
	return p + n;
}

/* One escape at p (after the backslash) into *o. */
static const char *escape(const char *p, const char *end, char **o, bool *nul)
{
	switch (*p) {
	case '"': case '\\': case '/': *(*o)++ = *p; break;
	case 'b': *(*o)++ = '\b'; break;
	case 'f': *(*o)++ = '\f'; break;
	case 'n': *(*o)++ = '\n'; break;
	case 'r': *(*o)++ = '\r'; break;
	case 't': *(*o)++ = '\t'; break;
	case 'u': return unicode_escape(p, end, o, nul);
	default: return NULL;
	}
	return p + 1;
}

/* A string at p (its opening quote): *s, *len, *nul (it holds a NUL byte, which only
 * \u0000 can give).  A string of plain bytes is left where it is, in the line (not
 * NUL-terminated); one with escapes or UTF-8 is decoded into the arena. */
static const char *lex_string(struct lex *x, const char *p, const char **s, uint32_t *len,
			      bool *nul)
{
	struct jdoc *d = x->d;
	const char *end = x->end, *e = scan_plain(p + 1, end);
	char *start = d->s + d->slen, *o = start;

	*nul = false;
	if (e < end && *e == '"') {
		*s = p + 1;
		*len = (uint32_t)(e - (p + 1));
		return e + 1;
	}
	p++;
	for (;;) {
		p = copy_plain(p, &o, end);
		if (p == end)
			return NULL;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c >= 0x80)
			p = utf8_seq(p, end, &o);
		else if (c == '\\' && end - p >= 2)
			p = escape(p + 1, end, &o, nul);
		else
			return NULL;   /* a control character, or a lone backslash at the end */
		if (!p)
			return NULL;
	}
	*o = 0;
	*len = (uint32_t)(o - start);
	*s = start;
	d->slen += *len + 1;
	return p + 1;
}

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
	1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A real: m * 10^e10 when both are exact doubles (one rounding, as strtod), else strtod
 * itself.  0: overflow, or a token too long to copy (jansson reports or parses it). */
static int real_value(const char *tok, size_t n, bool neg, uint64_t m, bool exact, int e10,
		      double *out)
{
	if (exact && m < (1ull << 53) && e10 >= -22 && e10 <= 22) {
		double v = e10 < 0 ? (double)m / pow10_exact[-e10] : (double)m * pow10_exact[e10];
		*out = neg ? -v : v;
		return 1;
	}
	char buf[128];
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, tok, n);
	buf[n] = 0;
	*out = strtod(buf, NULL);
	return !isinf(*out);
}

HOT bool digit_at(const char *p, const char *end)
{
	return p < end && (unsigned)(*p - '0') < 10;
}

/* Are the 8 bytes of w all ASCII digits? */
HOT bool eight_digits(uint64_t w)
{
	return (w & 0xf0f0f0f0f0f0f0f0ull) == 0x3030303030303030ull &&
	       ((w + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) == 0x3030303030303030ull;
}

/* The value of 8 ASCII digits read as a little-endian word (first digit lowest). */
HOT uint64_t eight_value(uint64_t w)
{
	w -= 0x3030303030303030ull;
	w = w * 10 + (w >> 8);
	return ((w & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
		((w >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >> 32;
}

/* Digits at *pp into *m (exact while there are at most 19 in all: below 2^64); how many.
 * Eight at a time while eight bytes are digits. */
HOT int digits(const char **pp, const char *end, uint64_t *m)
{
	const char *p = *pp, *start = p;
	uint64_t v = *m, w;

	while (end - p >= 8 && (memcpy(&w, p, 8), eight_digits(w))) {
		v = v * 100000000 + eight_value(w);
		p += 8;
	}
	while (p < end && (unsigned)(*p - '0') < 10)
		v = v * 10 + (unsigned)(*p++ - '0');
	*m = v;
	*pp = p;
	return (int)(p - start);
}

/* An exponent at p (after the 'e'): its value (capped) into *e. */
static const char *exponent(const char *p, const char *end, int *e)
{
	bool neg = false;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (!digit_at(p, end))
		return NULL;
	for (*e = 0; digit_at(p, end); p++)
		if (*e < 100000)
			*e = *e * 10 + (*p - '0');
	*e = neg ? -*e : *e;
	return p;
}

/* A number at p into value v. */
static const char *lex_number(const char *p, const char *end, struct jv *v)
{
	const char *tok = p;
	bool neg = *p == '-';
	uint64_t m = 0;
	int nd, nfrac = 0, e = 0;

	p += neg;
	if (!digit_at(p, end) || (*p == '0' && digit_at(p + 1, end)))
		return NULL;
	nd = digits(&p, end, &m);
	if (p == end || (*p != '.' && *p != 'e' && *p != 'E')) {
		if (nd > 19 || m > (uint64_t)INT64_MAX + neg)
			return NULL;   /* jansson: too big an integer */
		v->type = JV_INT;
		v->u.i = neg ? (int64_t)(0 - m) : (int64_t)m;
		return p;
	}
	if (*p == '.') {
		p++;
		if (!digit_at(p, end))
			return NULL;
		nfrac = digits(&p, end, &m);
		nd += nfrac;
	}
	if (p < end && (*p == 'e' || *p == 'E') && !(p = exponent(p + 1, end, &e)))
		return NULL;
	v->type = JV_REAL;
	return real_value(tok, (size_t)(p - tok), neg, m, nd <= 19, e - nfrac, &v->u.d) ? p : NULL;
}

static const char *lex_value(struct lex *x, const char *p, uint32_t *out);

/* A string value at p (its opening quote). */
static inline const char *lex_str_value(struct lex *x, const char *p, uint32_t *out)
{
	const char *s;
	uint32_t n;
	bool nul;

	if (!(p = lex_string(x, p, &s, &n, &nul)))
		return NULL;
	struct jv *v = &x->d->v[*out = new_value(x->d, JV_STR)];
	v->u.s = s;
	v->n = n;
	v->nul = nul;
	return p;
}

/* A value inside an object or array: strings and numbers, the most of them, without a
 * call. */
HOT const char *lex_member(struct lex *x, const char *p, uint32_t *out)
{
	if (p < x->end && *p == '"')
		return lex_str_value(x, p, out);
	if (p < x->end && (*p == '-' || (unsigned)(*p - '0') < 10)) {
		struct jv v = { 0 };
		if (!(p = lex_number(p, x->end, &v)))
			return NULL;
		*out = new_value(x->d, v.type);
		x->d->v[*out].u = v.u;
		return p;
	}
	return lex_value(x, p, out);
}

/* Is the name of member i (a key the reader does not know) already in the object
 * (members first..)?  Past MAX_OTHER_KEYS such keys: yes, which leaves it to jansson. */
static bool others_duplicate(const struct jdoc *d, uint32_t first, uint32_t i, int *others)
{
	const struct jv *m = &d->v[i];

	if (++*others > MAX_OTHER_KEYS)
		return true;
	for (uint32_t k = first; k && k != i; k = d->v[k].next)
		if (d->v[k].key == JK_OTHER && d->v[k].namelen == m->namelen &&
		    !memcmp(d->v[k].name, m->name, m->namelen))
			return true;
	return false;
}

/* Is the key of member i already in the object (members first..)?  seen: the known ids
 * so far, a bit each. */
HOT bool duplicate(const struct jdoc *d, uint32_t first, uint32_t i, unsigned __int128 *seen,
		   int *others)
{
	const struct jv *m = &d->v[i];

	if (m->key != JK_OTHER) {
		unsigned __int128 bit = (unsigned __int128)1 << m->key;
		if (*seen & bit)
			return true;
		*seen |= bit;
		return false;
	}
	return others_duplicate(d, first, i, others);
}

/* A key at p (its opening quote): *key points into the line when it has no escapes and
 * no special bytes (the usual case), else into the arena. */
HOT const char *lex_key(struct lex *x, const char *p, const char **key, uint32_t *klen)
{
	const char *s = p + 1, *end = x->end, *e = scan_plain(s, end);
	bool nul;

	if (e < end && *e == '"') {
		*key = s;
		*klen = (uint32_t)(e - s);
		return e + 1;
	}
	p = lex_string(x, p, key, klen, &nul);
	return p && !nul ? p : NULL;   /* jansson refuses NUL in keys */
}

static const char *lex_object(struct lex *x, const char *p, uint32_t obj)
{
	const char *end = x->end;
	unsigned __int128 seen = 0;
	uint32_t last = 0, n = 0;
	int others = 0;

	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		const char *key;
		uint32_t klen, m;
		if (p == end || *p != '"' || !(p = lex_key(x, p, &key, &klen)))
			return NULL;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return NULL;
		if (!(p = lex_member(x, skip_ws(p + 1, end), &m)))
			return NULL;
		struct jv *v = x->d->v;
		v[m].name = key;
		v[m].namelen = klen;
		v[m].key = (uint8_t)key_id(key, klen, end);
		*(last ? &v[last].next : &v[obj].u.first) = m;
		last = m;
		n++;
		if (duplicate(x->d, v[obj].u.first, m, &seen, &others))
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p == end || *p != '}')
			return NULL;
		x->d->v[obj].n = n;
		return p + 1;
	}
}

static const char *lex_array(struct lex *x, const char *p, uint32_t arr)
{
	const char *end = x->end;
	uint32_t last = 0, n = 0;

	p = skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return p + 1;
	for (;;) {
		uint32_t m;
		if (!(p = lex_member(x, p, &m)))
			return NULL;
		struct jv *v = x->d->v;
		*(last ? &v[last].next : &v[arr].u.first) = m;
		last = m;
		if (++n == UINT32_MAX)
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p == end || *p != ']')
			return NULL;
		x->d->v[arr].n = n;
		return p + 1;
	}
}

static const char *lex_literal(struct lex *x, const char *p, const char *word, enum jv_type t,
			       uint32_t *out)
{
	size_t n = strlen(word);

	if ((size_t)(x->end - p) < n || memcmp(p, word, n))
		return NULL;
	*out = new_value(x->d, t);
	return p + n;
}

static const char *lex_value(struct lex *x, const char *p, uint32_t *out)
{
	if (p == x->end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		if (++x->depth > MAX_DEPTH)
			return NULL;
		*out = new_value(x->d, *p == '{' ? JV_OBJ : JV_ARR);
		p = *p == '{' ? lex_object(x, p, *out) : lex_array(x, p, *out);
		x->depth--;
		return p;
	case '"':
		return lex_str_value(x, p, out);
	case 't': return lex_literal(x, p, "true", JV_TRUE, out);
	case 'f': return lex_literal(x, p, "false", JV_FALSE, out);
	case 'n': return lex_literal(x, p, "null", JV_NULL, out);
	default: {
		struct jv v = { 0 };
		if (!(p = lex_number(p, x->end, &v)))
			return NULL;
		*out = new_value(x->d, v.type);
		x->d->v[*out].u = v.u;
		return p;
	}
	}
}

int sd_jv_parse_fast(struct jdoc *d, const char *line, size_t n)
{
	struct lex x = { line + n, d, 0 };
	uint32_t root;

	if (n > UINT32_MAX / 2)
		return 0;
	pthread_once(&tables_once, build_tables);
	doc_reset(d, n);
	const char *p = skip_ws(line, x.end);
	if (p == x.end || *p != '{' || !(p = lex_value(&x, p, &root)))
		return 0;
	return skip_ws(p, x.end) == x.end;
}

/* ---- from jansson ---- */

static char *arena_copy(struct jdoc *d, const char *s, size_t n)
{
	char *p = d->s + d->slen;

	memcpy(p, s, n);
	p[n] = 0;
	d->slen += n + 1;
	return p;
}

static uint32_t from_json(struct jdoc *d, const json_t *j)
{
	uint32_t v = new_value(d, JV_NULL), last = 0, n = 0;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		d->v[v].type = JV_OBJ;
		const char *key;
		json_t *m;
		json_object_foreach((json_t *)j, key, m) {
			size_t klen = strlen(key);
			const char *k = arena_copy(d, key, klen);
			uint32_t c = from_json(d, m);
			d->v[c].name = k;
			d->v[c].namelen = (uint32_t)klen;
			d->v[c].key = (uint8_t)key_id(k, klen, d->s + d->scap);
			*(last ? &d->v[last].next : &d->v[v].u.first) = c;
			last = c;
			n++;
		}
		d->v[v].n = n;
		break;
	}
	case JSON_ARRAY:
		d->v[v].type = JV_ARR;
		for (size_t i = 0; i < json_array_size(j); i++) {
			uint32_t c = from_json(d, json_array_get(j, i));
			*(last ? &d->v[last].next : &d->v[v].u.first) = c;
			last = c;
		}
		d->v[v].n = (uint32_t)json_array_size(j);
		break;
	case JSON_STRING:
		d->v[v].type = JV_STR;
		d->v[v].n = (uint32_t)json_string_length(j);
		d->v[v].u.s = arena_copy(d, json_string_value(j), json_string_length(j));
		d->v[v].nul = memchr(d->v[v].u.s, 0, d->v[v].n) != NULL;
		break;
	case JSON_INTEGER:
		d->v[v].type = JV_INT;
		d->v[v].u.i = json_integer_value(j);
		break;
	case JSON_REAL:
		d->v[v].type = JV_REAL;
		d->v[v].u.d = json_real_value(j);
		break;
	case JSON_TRUE: d->v[v].type = JV_TRUE; break;
	case JSON_FALSE: d->v[v].type = JV_FALSE; break;
	default: break;
	}
	return v;
}

void sd_jv_from_jansson(struct jdoc *d, const void *json, size_t n)
{
	pthread_once(&tables_once, build_tables);
	doc_reset(d, n);
	from_json(d, json);
}

/* ---- comparison (tests) ---- */

static bool value_equal(const struct jdoc *a, uint32_t i, const struct jdoc *b, uint32_t k)
{
	const struct jv *x = &a->v[i], *y = &b->v[k];

	if (x->type != y->type || x->key != y->key || x->namelen != y->namelen ||
	    (x->name && memcmp(x->name, y->name, x->namelen)) || !x->name != !y->name)
		return false;
	switch (x->type) {
	case JV_INT: return x->u.i == y->u.i;
	case JV_REAL: return !memcmp(&x->u.d, &y->u.d, sizeof x->u.d);
	case JV_STR: return x->n == y->n && !memcmp(x->u.s, y->u.s, x->n) && x->nul == y->nul;
	case JV_ARR:
	case JV_OBJ:
		if (x->n != y->n)
			return false;
		i = x->n ? x->u.first : 0;
		k = y->n ? y->u.first : 0;
		for (; i && k; i = a->v[i].next, k = b->v[k].next)
			if (!value_equal(a, i, b, k))
				return false;
		return !i && !k;
	default: return true;
	}
}

bool sd_jv_equal(const struct jdoc *a, const struct jdoc *b)
{
	return a->n && b->n && value_equal(a, 0, b, 0);
}
