/* sysset.c - syscall number sets and strace's -e trace=SPEC syntax. */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/sysset.h"
#include "util/util.h"

#define NWORDS (SD_NR_MAX / 64)

void sd_sysset_clear(struct sd_sysset *s)
{
	memset(s->bits, 0, sizeof(s->bits));
}

void sd_sysset_fill(struct sd_sysset *s)
{
	memset(s->bits, 0xff, sizeof(s->bits));
}

static bool in_range(int nr)
{
	return nr >= 0 && nr < SD_NR_MAX;
}

void sd_sysset_add(struct sd_sysset *s, int nr)
{
	if (in_range(nr))
		s->bits[nr / 64] |= UINT64_C(1) << (nr % 64);
}

void sd_sysset_del(struct sd_sysset *s, int nr)
{
	if (in_range(nr))
		s->bits[nr / 64] &= ~(UINT64_C(1) << (nr % 64));
}

void sd_sysset_union(struct sd_sysset *s, const struct sd_sysset *add)
{
	for (size_t i = 0; i < sizeof s->bits / sizeof *s->bits; i++)
		s->bits[i] |= add->bits[i];
}

void sd_sysset_subtract(struct sd_sysset *s, const struct sd_sysset *del)
{
	for (size_t i = 0; i < sizeof s->bits / sizeof *s->bits; i++)
		s->bits[i] &= ~del->bits[i];
}

void sd_sysset_intersect(struct sd_sysset *s, const struct sd_sysset *with)
{
	for (size_t i = 0; i < sizeof s->bits / sizeof *s->bits; i++)
		s->bits[i] &= with->bits[i];
}

bool sd_sysset_has(const struct sd_sysset *s, int nr)
{
	return in_range(nr) && (s->bits[nr / 64] >> (nr % 64) & 1);
}

bool sd_sysset_is_full(const struct sd_sysset *s)
{
	for (int i = 0; i < NWORDS; i++)
		if (s->bits[i] != UINT64_MAX)
			return false;
	return true;
}

/* The state of one sd_sysset_parse call. */
struct parse {
	struct sd_sysset set;
	const char *spec;       /* the whole SPEC, for messages */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const struct {
	const char *name;
	unsigned flag;
} classes[] = {
	{ "%file", SD_TF }, { "%desc", SD_TD }, { "%network", SD_TN },
	{ "%net", SD_TN }, { "%process", SD_TP }, { "%memory", SD_TM },
	{ "%signal", SD_TS }, { "%ipc", SD_TI }, { "%creds", SD_TC },
	{ "%clock", SD_TCL }, { "%stat", SD_TST }, { "%lstat", SD_TLST },
	{ "%fstat", SD_TFST }, { "%%stat", SD_TSTA }, { "%statfs", SD_TSF },
	{ "%fstatfs", SD_TFSF }, { "%%statfs", SD_TSFA }, { "%pure", SD_PU },
	/* strace's older spellings, without the % */
	{ "file", SD_TF }, { "desc", SD_TD }, { "network", SD_TN },
	{ "process", SD_TP }, { "memory", SD_TM }, { "signal", SD_TS },
	{ "ipc", SD_TI },
};

/* Returns the class flag named by tok, or 0. */
static unsigned class_flag(const char *tok)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(classes[i].name, tok))
			return classes[i].flag;
	return 0;
}

static void add_class(struct sd_sysset *set, unsigned flag)
{
	for (int nr = 0; nr < SD_NR_MAX; nr++)
		if (sd_syscall_flags(nr) & flag)
			sd_sysset_add(set, nr);
}

static int parse_class(struct parse *p, const char *tok, bool optional)
{
	unsigned flag = class_flag(tok);

	if (!flag)
		return optional ? 0 : fail(p, "unknown class '%s'", tok);
	add_class(&p->set, flag);
	return 0;
}

/* Adds the known syscalls whose names match re; returns how many. */
static int add_matching(struct sd_sysset *set, const regex_t *re)
{
	int found = 0;

	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		const char *name = sd_syscall_name(nr);

		if (name && !regexec(re, name, 0, NULL, 0)) {
			sd_sysset_add(set, nr);
			found++;
		}
	}
	return found;
}

/*
 * glibc's regcomp takes time exponential in stacked repetitions ("a+++...",
 * "((a+)+)+...") and steep in large intervals, and the pattern comes from the user.
 * Syscall names are short, so refuse what no sensible pattern needs: patterns over
 * RE_MAX_LEN bytes, adjacent repetition operators (undefined in POSIX), intervals
 * over RE_MAX_DUP and patterns whose rough automaton size (each repetition
 * multiplying what it repeats) exceeds RE_BUDGET.
 */
#define RE_MAX_LEN   256
#define RE_MAX_DUP   32
#define RE_MAX_DEPTH 16
#define RE_BUDGET    512

struct re_lint {
	int depth;
	long sum[RE_MAX_DEPTH + 1];     /* size so far of each open group */
	long last[RE_MAX_DEPTH + 1];    /* size of its last atom, 0 if none */
	bool repeated;                  /* the previous token was a repetition */
	const char *why;
};

static void lint_atom(struct re_lint *l, long size)
{
	l->sum[l->depth] += size;
	l->last[l->depth] = size;
	l->repeated = false;
}

/* The last atom is repeated up to `times` times (2 stands for * + ?). */
static void lint_repeat(struct re_lint *l, long times)
{
	long *last = &l->last[l->depth];

	if (l->repeated)
		l->why = "adjacent repetition operators";
	l->sum[l->depth] += *last * (times - 1);
	*last *= times;
	l->repeated = true;
}

/* Skips a bracket expression starting at s ('['); returns the char after it. */
static const char *skip_bracket(const char *s)
{
	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	for (; *s && *s != ']'; s++) {
		if (s[0] == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			const char *end = strstr(s + 2, (char[]){ s[1], ']', 0 });

			if (!end)
				return s + strlen(s);
			s = end + 1;
		}
	}
	return *s ? s + 1 : s;
}

static const char *parse_count(const char *s, long *v)
{
	if (*s < '0' || *s > '9')
		return NULL;
	for (*v = 0; *s >= '0' && *s <= '9'; s++)
		if (*v < 100000)
			*v = *v * 10 + (*s - '0');
	return s;
}

/* Parses "{m}", "{m,n}" or "{m,}" at s into the largest number of copies it
 * makes (m + 1 for "{m,}"); returns the char after it, or NULL if no interval. */
static const char *parse_interval(const char *s, long *times)
{
	long m, n;

	s = parse_count(s + 1, &m);
	if (!s)
		return NULL;
	n = m;
	if (*s == ',') {
		n = m + 1;
		if (s[1] >= '0' && s[1] <= '9')
			s = parse_count(s + 1, &n);
		else
			s++;
	}
	if (*s != '}')
		return NULL;
	*times = m > n ? m : n;
	return s + 1;
}

static void lint_char(struct re_lint *l, const char **sp)
{
	const char *s = *sp, *next;
	long times;

	switch (*s) {
	case '\\':
		lint_atom(l, 1);
		*sp = s[1] ? s + 2 : s + 1;
		return;
	case '[':
		lint_atom(l, 1);
		*sp = skip_bracket(s);
		return;
	case '(':
		if (l->depth == RE_MAX_DEPTH) {
			l->why = "too deeply nested";
			break;
		}
		l->depth++;
		l->sum[l->depth] = l->last[l->depth] = 0;
		l->repeated = false;
		break;
	case ')':
		if (l->depth == 0) {
			lint_atom(l, 1);
			break;
		}
		l->depth--;
		lint_atom(l, l->sum[l->depth + 1] + 1);
		break;
	case '|':
		lint_atom(l, 1);
		l->last[l->depth] = 0;
		break;
	case '*': case '+': case '?':
		lint_repeat(l, 2);
		break;
	case '{':
		next = parse_interval(s, &times);
		if (!next) {
			lint_atom(l, 1);
			break;
		}
		if (times > RE_MAX_DUP)
			l->why = "repetition count too large";
		lint_repeat(l, times > 1 ? times : 1);
		*sp = next;
		return;
	default:
		lint_atom(l, 1);
	}
	*sp = s + 1;
}

/* NULL if pattern is fine to hand to regcomp, else why not. */
static const char *regex_lint(const char *pattern)
{
	struct re_lint l = { .depth = 0 };

	if (strlen(pattern) > RE_MAX_LEN)
		return "pattern too long";
	for (const char *s = pattern; *s && !l.why; ) {
		lint_char(&l, &s);
		if (l.sum[l.depth] > RE_BUDGET)
			l.why = "pattern too complex";
	}
	return l.why;
}

/* "/regex/" or strace's "/regex": a POSIX extended regex matched against names. */
static int parse_regex(struct parse *p, const char *tok, bool optional)
{
	size_t len = strlen(tok + 1);
	char *pattern, msg[256];
	const char *why;
	regex_t re;
	int rc, found;

	if (len && tok[len] == '/')
		len--;
	if (!len)
		return fail(p, "invalid regex '%s': empty pattern", tok);
	pattern = xstrndup(tok + 1, len);
	why = regex_lint(pattern);
	if (why) {
		free(pattern);
		return fail(p, "invalid regex '%s': %s", tok, why);
	}
	rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	free(pattern);
	if (rc) {
		regerror(rc, &re, msg, sizeof(msg));
		return fail(p, "invalid regex '%s': %s", tok, msg);
	}
	found = add_matching(&p->set, &re);
	regfree(&re);
	if (!found && !optional)
		return fail(p, "no syscall matches '%s'", tok);
	return 0;
}

/* A decimal syscall number: -2 if tok is not all digits, -1 if out of range. */
static int parse_number(const char *tok)
{
	long v = 0;

	if (!*tok)
		return -2;
	for (; *tok; tok++) {
		if (*tok < '0' || *tok > '9')
			return -2;
		if (v < SD_NR_MAX)
			v = v * 10 + (*tok - '0');
	}
	return v < SD_NR_MAX ? (int)v : -1;
}

static int parse_name(struct parse *p, const char *tok, bool optional)
{
	int nr = parse_number(tok);
	unsigned flag;

	if (nr == -1)
		return optional ? 0 : fail(p, "invalid syscall number '%s'", tok);
	if (nr < 0)
		nr = sd_syscall_nr(tok);
	if (nr >= 0) {
		sd_sysset_add(&p->set, nr);
	} else if (!strcmp(tok, "all")) {
		sd_sysset_fill(&p->set);
	} else if (!strcmp(tok, "none")) {
		; /* adds nothing */
	} else if ((flag = class_flag(tok))) {
		add_class(&p->set, flag);
	} else if (!optional) {
		return fail(p, "unknown syscall '%s'", tok);
	}
	return 0;
}

static int parse_item(struct parse *p, const char *tok)
{
	bool optional = false;

	while (*tok == '?') {
		optional = true;
		tok++;
	}
	if (!*tok)
		return fail(p, "empty item in '%s'", p->spec);
	if (*tok == '/')
		return parse_regex(p, tok, optional);
	if (*tok == '%')
		return parse_class(p, tok, optional);
	return parse_name(p, tok, optional);
}

int sd_sysset_parse(struct sd_sysset *out, const char *spec, char *err, size_t errlen)
{
	struct parse p = { .spec = spec ? spec : "", .err = err, .errlen = errlen };
	const char *s = p.spec;
	bool negate = *s == '!';

	sd_sysset_clear(&p.set);
	s += negate;
	for (;;) {
		size_t len = strcspn(s, ",");
		char *tok;
		int rc;

		if (!len)
			return fail(&p, "empty item in '%s'", p.spec);
		tok = xstrndup(s, len);
		rc = parse_item(&p, tok);
		free(tok);
		if (rc)
			return -1;
		if (!s[len])
			break;
		s += len + 1;
	}
	if (negate)
		for (int i = 0; i < NWORDS; i++)
			p.set.bits[i] = ~p.set.bits[i];
	*out = p.set;
	return 0;
}
