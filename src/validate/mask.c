/* mask.c - variable tokens of the original's output, learned from two of its runs, and
 * the comparison with the rewrite that forgives them (see mask.h). */
#define _GNU_SOURCE
#include "validate/mask.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "compare/diff.h"

enum { C_OTHER, C_DEC, C_HEX, C_ALNUM };   /* a class includes the ones before it */

struct sd_mask_tok {
	uint32_t off, len;
	uint8_t cls;
	bool var;              /* differs between the original's runs */
	uint8_t vcls;          /* the class both values fit */
	uint32_t minlen, maxlen;
	uint64_t hash;
};

static const char *const cls_name[] = { "byte", "dec", "hex", "alnum" };

/* A letter or digit; in names (mask.names) also '_': tempfile's alphabet. */
static bool word_char(unsigned char c, bool names)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (names && c == '_');
}

static uint8_t class_of(const char *p, size_t n)
{
	bool digits = true, hex = true;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < '0' || c > '9')
			digits = false;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			hex = false;   /* '_' (names) is neither: alnum */
	}
	return digits ? C_DEC : hex ? C_HEX : C_ALNUM;
}

/* The tokens of s: runs of letters and digits (and '_' in names), and single other
 * bytes. */
static struct sd_mask_tok *tokenize(const char *s, size_t n, bool names, size_t *ntok)
{
	struct sd_mask_tok *t = NULL;
	size_t cap = 0, k = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		bool word = word_char((unsigned char)s[i], names);
		if (word)
			while (j < n && word_char((unsigned char)s[j], names))
				j++;
		if (k == cap) {
			cap = cap ? 2 * cap : 256;
			t = xrealloc(t, cap * sizeof *t);
		}
		t[k] = (struct sd_mask_tok){ .off = (uint32_t)i, .len = (uint32_t)(j - i) };
		t[k].cls = word ? class_of(s + i, j - i) : C_OTHER;
		t[k].hash = XXH64(s + i, j - i, 0) | 1;
		k++;
		i = j;
	}
	*ntok = k;
	return t;
}

bool sd_mask_regex_ok(const char *re)
{
	regex_t r;

	if (regcomp(&r, re, REG_EXTENDED) != 0)
		return false;
	regfree(&r);
	return true;
}

/* Spans of s matching any of the regexes, replaced by "<masked>" (they vary by the
 * user's word).  A copy of all n bytes (output may hold NULs; the matching goes past
 * them: REG_STARTEND), NUL-terminated; *n its length. */
static char *apply_regexes(const char *s, size_t *n, char *const *regexes)
{
	char *cur = xmalloc(*n + 1);

	memcpy(cur, s, *n);
	cur[*n] = '\0';
	for (size_t r = 0; regexes && regexes[r]; r++) {
		regex_t re;
		if (regcomp(&re, regexes[r], REG_EXTENDED) != 0)
			continue;   /* checked when the option was given */
		struct sb out = SB_INIT;
		size_t at = 0;
		regmatch_t m;
		while (at < *n) {
			m.rm_so = (regoff_t)at;
			m.rm_eo = (regoff_t)*n;
			if (regexec(&re, cur, 1, &m, REG_STARTEND | (at ? REG_NOTBOL : 0)) != 0)
				break;
			sb_add(&out, cur + at, (size_t)m.rm_so - at);
			sb_adds(&out, "<masked>");
			if (m.rm_eo == m.rm_so) {   /* an empty match: keep a byte, go on */
				sb_add(&out, cur + m.rm_eo, 1);
				at = (size_t)m.rm_eo + 1;
			} else {
				at = (size_t)m.rm_eo;
			}
		}
		if (at < *n)
			sb_add(&out, cur + at, *n - at);
		regfree(&re);
		free(cur);
		*n = out.len;
		cur = sb_detach(&out);
	}
	return cur;
}

/* Do two token streams have the same skeleton: as many tokens, the same other bytes at
 * the same places, words where words are? */
static bool same_skeleton(const struct sd_mask_tok *a, size_t na, const char *sa,
			  const struct sd_mask_tok *b, size_t nb, const char *sb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if ((a[i].cls == C_OTHER) != (b[i].cls == C_OTHER))
			return false;
		if (a[i].cls == C_OTHER && sa[a[i].off] != sb[b[i].off])
			return false;
	}
	return true;
}

static void mark(struct sd_mask *m, struct sd_mask_tok *x, const struct sd_mask_tok *y,
		 const char *sa, const char *sb)
{
	if (!x->var) {
		x->var = true;
		x->vcls = x->cls;
		x->minlen = x->maxlen = x->len;
		m->nvar++;
	}
	if (y->cls > x->vcls)
		x->vcls = y->cls;
	if (y->len < x->minlen)
		x->minlen = y->len;
	if (y->len > x->maxlen)
		x->maxlen = y->len;
	sb_addf(&m->listing, "  %s, byte %u: %.*s vs %.*s\n", m->name, x->off, (int)x->len,
		sa + x->off, (int)y->len, sb + y->off);
}

/* A list, tokens of one class separated by the same separator ("3 1 4 1 5", "a, b, c"),
 * most of whose elements vary between the runs: it is an order or a draw, and which
 * elements happened to come out the same in two runs is chance.  All of it varies.
 * (A list the original prints the same in every run is not touched.) */
static void widen_lists(struct sd_mask *m, const char *s)
{
	for (size_t i = 0; i < m->ntok;) {
		if (m->tok[i].cls == C_OTHER) {
			i++;
			continue;
		}
		/* the list starting at i: word, separator (1 or 2 bytes), word, ... */
		size_t sep = i + 1 < m->ntok && m->tok[i + 1].cls == C_OTHER ?
			     (i + 2 < m->ntok && m->tok[i + 2].cls == C_OTHER ? 2 : 1) : 0;
		size_t j = i, n = 0, nv = 0;
		uint8_t cls = m->tok[i].cls;
		while (j < m->ntok && m->tok[j].cls == cls) {
			n++;
			nv += m->tok[j].var;
			bool same_sep = sep && j + sep < m->ntok;
			for (size_t k = 1; same_sep && k <= sep; k++)
				same_sep = m->tok[j + k].cls == C_OTHER &&
					   s[m->tok[j + k].off] == s[m->tok[i + k].off] &&
					   s[m->tok[j + k].off] != '\n';
			if (!same_sep)
				break;
			j += sep + 1;
		}
		if (n >= 3 && 2 * nv > n) {
			struct sd_mask_tok shape = { 0 };
			for (size_t k = i, e = 0; e < n; e++, k += sep + 1)
				if (m->tok[k].var) {
					shape = m->tok[k];
					break;
				}
			for (size_t k = i, e = 0; e < n; e++, k += sep + 1)
				if (!m->tok[k].var) {
					m->tok[k].var = true;
					m->tok[k].vcls = shape.vcls;
					m->tok[k].minlen = shape.minlen < m->tok[k].len ? shape.minlen : m->tok[k].len;
					m->tok[k].maxlen = shape.maxlen > m->tok[k].len ? shape.maxlen : m->tok[k].len;
					m->nvar++;
				}
		}
		i += n ? (n - 1) * (sep + 1) + 1 : 1;
	}
}

/* A hunk of a token diff: del and ins must pair word for word. */
static bool pair_hunk(struct sd_mask *m, size_t a0, size_t na, const struct sd_mask_tok *b,
		      size_t b0, size_t nb, const char *sa, const char *sb)
{
	if (na != nb)
		return false;
	for (size_t k = 0; k < na; k++) {
		struct sd_mask_tok *x = &m->tok[a0 + k];
		const struct sd_mask_tok *y = &b[b0 + k];
		if (x->cls == C_OTHER || y->cls == C_OTHER)
			return false;
		mark(m, x, y, sa, sb);
	}
	return true;
}

static uint64_t *hashes(const struct sd_mask_tok *t, size_t n)
{
	uint64_t *h = xmalloc((n + 1) * sizeof *h);
	for (size_t i = 0; i < n; i++)
		h[i] = t[i].hash;
	return h;
}

/* The next hunk of a token diff from ops[*k] on: the tokens a[*a0, *a1) deleted and
 * b[*b0, *b1) inserted in their place.  false when no hunk is left. */
static bool next_hunk(const struct sd_diff_op *ops, size_t nops, size_t *k, size_t *a0,
		      size_t *a1, size_t *b0, size_t *b1)
{
	while (*k < nops && ops[*k].kind == SD_DIFF_EQ)
		(*k)++;
	if (*k >= nops)
		return false;
	*a0 = *a1 = ops[*k].a;
	*b0 = *b1 = ops[*k].b;
	for (; *k < nops && ops[*k].kind != SD_DIFF_EQ; (*k)++) {
		if (ops[*k].kind == SD_DIFF_DEL)
			*a1 = ops[*k].a + ops[*k].len;
		else
			*b1 = ops[*k].b + ops[*k].len;
	}
	return true;
}

/* Walk a token diff of m->tok against b, pairing each hunk. */
static bool align_runs(struct sd_mask *m, const struct sd_mask_tok *b, size_t nb, const char *sa,
		       const char *sb)
{
	uint64_t *ha = hashes(m->tok, m->ntok), *hb = hashes(b, nb);
	size_t nops;
	bool exact, ok = true;
	struct sd_diff_op *ops = sd_diff(ha, m->ntok, hb, nb, NULL, &nops, &exact);

	size_t k = 0, a0, a1, b0, b1;

	while (ok && next_hunk(ops, nops, &k, &a0, &a1, &b0, &b1)) {
		ok = pair_hunk(m, a0, a1 - a0, b, b0, b1 - b0, sa, sb);
		if (!ok)
			m->why = xasprintf("%s differs between two runs near byte %u", m->name,
					   a0 < m->ntok ? m->tok[a0].off : (uint32_t)0);
	}
	free(ops);
	free(ha);
	free(hb);
	return ok;
}

static void learn(struct sd_mask *m, const char *a0, size_t na, const char *b0, size_t nb,
		  const char *name, char *const *regexes, bool names)
{
	char *a = apply_regexes(a0, &na, regexes), *b = apply_regexes(b0, &nb, regexes);
	size_t ntb;
	struct sd_mask_tok *tb;

	memset(m, 0, sizeof *m);
	m->names = names;
	m->regexes = regexes;
	m->name = xstrdup(name);
	m->tok = tokenize(a, na, names, &m->ntok);
	tb = tokenize(b, nb, names, &ntb);
	if (same_skeleton(m->tok, m->ntok, a, tb, ntb, b)) {
		for (size_t i = 0; i < m->ntok; i++)   /* position by position */
			if (m->tok[i].hash != tb[i].hash)
				mark(m, &m->tok[i], &tb[i], a, b);
	} else if (!align_runs(m, tb, ntb, a, b)) {
		m->structural = true;
	}
	widen_lists(m, a);
	free(tb);
	free(a);
	free(b);
}

void sd_mask_learn(struct sd_mask *m, const char *a, size_t na, const char *b, size_t nb,
		   const char *name, char *const *regexes)
{
	learn(m, a, na, b, nb, name, regexes, false);
}

void sd_mask_learn_names(struct sd_mask *m, const char *a, size_t na, const char *b, size_t nb,
			 const char *name)
{
	learn(m, a, na, b, nb, name, NULL, true);
}

static bool fits(const struct sd_mask_tok *v, const struct sd_mask_tok *y)
{
	if (!v->var || y->cls == C_OTHER || y->cls > v->vcls)
		return false;
	/* a number may have fewer digits; a token of letters keeps its length */
	uint32_t lo = v->vcls == C_DEC ? 1 : v->minlen;
	return y->len >= lo && y->len <= v->maxlen;
}

static void put_shape(struct sb *out, const struct sd_mask_tok *v)
{
	if (v->minlen == v->maxlen)
		sb_addf(out, "<%s:%u>", cls_name[v->vcls], v->maxlen);
	else
		sb_addf(out, "<%s:%u-%u>", cls_name[v->vcls], v->vcls == C_DEC ? 1 : v->minlen,
			v->maxlen);
}

/* Copies of a and b, token by token along the alignment ops, forgiven pairs as shapes. */
static size_t render(const struct sd_mask *m, const char *a, const struct sd_mask_tok *tb,
		     const char *b, const bool *forgiven, const size_t *pair, struct sb *ma,
		     struct sb *mb, size_t nb)
{
	size_t n = 0;
	size_t *from = xmalloc((nb + 1) * sizeof *from);   /* b's token j: forgiven as a's */

	for (size_t j = 0; j < nb; j++)
		from[j] = SIZE_MAX;
	for (size_t i = 0; i < m->ntok; i++) {
		const struct sd_mask_tok *x = &m->tok[i];
		if (forgiven[i]) {
			put_shape(ma, x);
			from[pair[i]] = i;
			n++;
		} else {
			sb_add(ma, a + x->off, x->len);
		}
	}
	for (size_t j = 0; j < nb; j++) {
		if (from[j] != SIZE_MAX)
			put_shape(mb, &m->tok[from[j]]);
		else
			sb_add(mb, b + tb[j].off, tb[j].len);
	}
	free(from);
	return n;
}

bool sd_mask_compare(const struct sd_mask *m, const char *a0, size_t na, const char *b0,
		     size_t nb, struct sb *ma, struct sb *mb, size_t *nmasked)
{
	char *a = apply_regexes(a0, &na, m->regexes), *b = apply_regexes(b0, &nb, m->regexes);
	size_t ntb;
	struct sd_mask_tok *tb = tokenize(b, nb, m->names, &ntb);
	bool *forgiven = xcalloc(m->ntok + 1, 1);
	size_t *pair = xcalloc(m->ntok + 1, sizeof *pair);

	uint64_t *ha = hashes(m->tok, m->ntok), *hb = hashes(tb, ntb);
	for (size_t i = 0; i < m->ntok; i++)   /* a variable token is keyed by its shape */
		if (m->tok[i].var)
			ha[i] = XXH64(&m->tok[i].vcls, 1, 7) | 2;
	size_t nops;
	bool exact;
	struct sd_diff_op *ops = sd_diff(ha, m->ntok, hb, ntb, NULL, &nops, &exact);
	size_t k = 0, a0i, a1, b0i, b1;
	while (next_hunk(ops, nops, &k, &a0i, &a1, &b0i, &b1)) {
		for (size_t d = 0; d < a1 - a0i && d < b1 - b0i; d++)   /* pair within the hunk */
			if (fits(&m->tok[a0i + d], &tb[b0i + d])) {
				forgiven[a0i + d] = true;
				pair[a0i + d] = b0i + d;
			}
	}
	*nmasked = render(m, a, tb, b, forgiven, pair, ma, mb, ntb);
	bool same = ma->len == mb->len && !memcmp(sb_str(ma), sb_str(mb), ma->len);
	free(ops);
	free(ha);
	free(hb);
	free(forgiven);
	free(pair);
	free(tb);
	free(a);
	free(b);
	return same;
}

void sd_mask_merge(struct sd_mask *into, const struct sd_mask *from)
{
	if (from->structural && !into->structural) {
		into->structural = true;
		free(into->why);
		into->why = xstrdup(from->why);
	}
	if (from->ntok != into->ntok)
		return;
	for (size_t i = 0; i < into->ntok; i++) {
		const struct sd_mask_tok *y = &from->tok[i];
		struct sd_mask_tok *x = &into->tok[i];
		if (!y->var)
			continue;
		if (!x->var) {
			*x = *y;
			into->nvar++;
			continue;
		}
		if (y->vcls > x->vcls)
			x->vcls = y->vcls;
		if (y->minlen < x->minlen)
			x->minlen = y->minlen;
		if (y->maxlen > x->maxlen)
			x->maxlen = y->maxlen;
	}
	sb_add(&into->listing, sb_str(&from->listing), from->listing.len);
}

void sd_mask_free(struct sd_mask *m)
{
	free(m->tok);
	free(m->name);
	free(m->why);
	sb_free(&m->listing);
	memset(m, 0, sizeof *m);
}
