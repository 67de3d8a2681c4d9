/* fschanges_io.c - the file form of a change list (sd_fschanges_save/load).
 *
 * Text lines, fields separated by one space, every line ending in '\n':
 *
 *   sysdiff-fschanges 1 N DROPPED
 *   error STR                      (only when the list has an error)
 *   change STR MTIME-HOW ATIME-HOW  (N times, paths strictly increasing)
 *   before ENTRY
 *   after ENTRY
 *   end
 *
 * STR is a non-empty string with every byte <= 0x20, 0x7f and '\' written as \xHH
 * (lowercase hex; \x00 is invalid); other bytes as they are.  MTIME-HOW and ATIME-HOW are
 * u (unchanged), n (now) or s (set).  ENTRY is "-" (absent) or
 *
 *   TYPE MODE UID GID SIZE HASH RDEV MTIME ATIME TARGET NDATA
 *
 * TYPE one of f d l p s c b; MODE octal (<= 07777); UID, GID, SIZE, RDEV, NDATA decimal;
 * HASH 16 lowercase hex digits; MTIME, ATIME decimal nanoseconds, maybe negative; TARGET
 * "-" or ":" followed by STR (symlinks only); NDATA (files only, <= SD_FS_KEEP and <=
 * SIZE): when not 0, the line is followed by NDATA raw bytes and a '\n'.  Numbers are
 * plain digits without sign (but for the times) or spaces.  The kept bytes of a whole
 * list are at most SD_FS_KEEP_TOTAL, N at most SD_FS_MAX. */
#define _GNU_SOURCE
#include "sandbox/fschanges.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

#define MAGIC "sysdiff-fschanges 1"
#define LOAD_MAX (1ull << 30)

/* ---- save ---- */

static void put_str(struct sb *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '\\')
			sb_addf(sb, "\\x%02x", *p);
		else
			sb_addc(sb, (char)*p);
	}
}

static void put_entry(struct sb *sb, const char *tag, const struct sd_fsentry *e)
{
	sb_adds(sb, tag);
	if (!e->type) {
		sb_adds(sb, " -\n");
		return;
	}
	sb_addf(sb, " %c %o %" PRIu32 " %" PRIu32 " %" PRIu64 " %016" PRIx64 " %" PRIu64
		" %" PRId64 " %" PRId64 " ", e->type, (unsigned)e->mode, e->uid, e->gid, e->size,
		e->hash, e->rdev, e->mtime_ns, e->atime_ns);
	if (e->target) {
		sb_addc(sb, ':');
		put_str(sb, e->target);
	} else {
		sb_addc(sb, '-');
	}
	size_t nd = e->data ? e->ndata : 0;
	sb_addf(sb, " %zu\n", nd);
	if (nd) {
		sb_add(sb, e->data, nd);
		sb_addc(sb, '\n');
	}
}

static const char how[] = "uns";

int sd_fschanges_save(const struct sd_fschanges *c, int fd)
{
	struct sb sb = SB_INIT;
	int rc = 0;

	sb_addf(&sb, MAGIC " %zu %zu\n", c->n, c->dropped);
	if (c->error && *c->error) {
		sb_adds(&sb, "error ");
		put_str(&sb, c->error);
		sb_addc(&sb, '\n');
	}
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		const struct sd_fschange *ch = &c->c[i];
		sb_adds(&sb, "change ");
		put_str(&sb, ch->path);
		sb_addf(&sb, " %c %c\n", how[ch->mtime <= SD_TIME_SET ? ch->mtime : 0],
			how[ch->atime <= SD_TIME_SET ? ch->atime : 0]);
		put_entry(&sb, "before", &ch->before);
		put_entry(&sb, "after", &ch->after);
		if (sb.len >= (1u << 20)) {
			rc = sd_write_full(fd, sb.buf, sb.len);
			sb_reset(&sb);
		}
	}
	sb_adds(&sb, "end\n");
	if (rc == 0)
		rc = sd_write_full(fd, sb.buf, sb.len);
	int e = errno;
	sb_free(&sb);
	errno = e;
	return rc;
}

/* ---- load ---- */

struct cur {
	const char *p, *end;
};

/* The next token: up to a space or '\n' (not consumed); false when empty. */
static bool tok(struct cur *c, const char **s, size_t *n)
{
	const char *q = c->p;

	while (q < c->end && *q != ' ' && *q != '\n')
		q++;
	*s = c->p;
	*n = (size_t)(q - c->p);
	c->p = q;
	return *n > 0;
}

static bool sep(struct cur *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

static bool word(struct cur *c, const char *w)
{
	const char *s;
	size_t n;
	return tok(c, &s, &n) && n == strlen(w) && !memcmp(s, w, n);
}

/* Unsigned number in base 8, 10 or 16 (16: exactly 16 lowercase digits), <= max. */
static bool num(struct cur *c, int base, uint64_t max, uint64_t *v)
{
	const char *s;
	size_t n;

	if (!tok(c, &s, &n) || (base == 16 && n != 16))
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
			base == 16 && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : 99;
		if (d >= base || *v > (max - (uint64_t)d) / (uint64_t)base)
			return false;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return true;
}

static bool snum(struct cur *c, int64_t *v)
{
	bool neg = c->p < c->end && *c->p == '-';
	uint64_t u;

	c->p += neg;
	if (!num(c, 10, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &u))
		return false;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* An escaped string token (see the top); NULL when malformed. */
static char *str(struct cur *c)
{
	const char *s;
	size_t n, k = 0;

	if (!tok(c, &s, &n))
		return NULL;
	char *o = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\\') {
			int h = i + 3 < n && s[i + 1] == 'x' ? hexval(s[i + 2]) : -1;
			int l = h >= 0 ? hexval(s[i + 3]) : -1;
			if (l < 0) {
				free(o);
				return NULL;
			}
			ch = (unsigned char)(h * 16 + l);
			if (!ch || !(ch <= 0x20 || ch == 0x7f || ch == '\\')) {   /* canonical only */
				free(o);
				return NULL;
			}
			i += 3;
		} else if (ch <= 0x20 || ch == 0x7f) {
			free(o);
			return NULL;
		}
		o[k++] = (char)ch;
	}
	o[k] = '\0';
	return o;
}

static bool entry_fields(struct cur *c, struct sd_fsentry *e, size_t *kept)
{
	uint64_t mode, uid, gid, nd;
	const char *t;
	size_t tn;

	if (!tok(c, &t, &tn) || tn != 1 || !memchr("fdlpscb", *t, 7))
		return false;
	e->type = *t;
	if (!sep(c, ' ') || !num(c, 8, 07777, &mode) || !sep(c, ' ') ||
	    !num(c, 10, UINT32_MAX, &uid) || !sep(c, ' ') || !num(c, 10, UINT32_MAX, &gid) ||
	    !sep(c, ' ') || !num(c, 10, UINT64_MAX, &e->size) || !sep(c, ' ') ||
	    !num(c, 16, UINT64_MAX, &e->hash) || !sep(c, ' ') ||
	    !num(c, 10, UINT64_MAX, &e->rdev) || !sep(c, ' ') || !snum(c, &e->mtime_ns) ||
	    !sep(c, ' ') || !snum(c, &e->atime_ns) || !sep(c, ' '))
		return false;
	e->mode = (uint32_t)mode;
	e->uid = (uint32_t)uid;
	e->gid = (uint32_t)gid;
	if (sep(c, ':')) {
		if (e->type != 'l' || !(e->target = str(c)))
			return false;
	} else if (!sep(c, '-')) {
		return false;
	}
	if (!sep(c, ' ') || !num(c, 10, SD_FS_KEEP, &nd) || !sep(c, '\n'))
		return false;
	if (nd && (e->type != 'f' || nd > e->size || nd > SD_FS_KEEP_TOTAL - *kept ||
		   (uint64_t)(c->end - c->p) < nd + 1 || c->p[nd] != '\n'))
		return false;
	if (nd) {
		e->data = xmemdup(c->p, (size_t)nd);
		e->ndata = (size_t)nd;
		*kept += (size_t)nd;
		c->p += nd + 1;
	}
	return true;
}

static bool entry(struct cur *c, const char *tag, struct sd_fsentry *e, size_t *kept)
{
	if (!word(c, tag) || !sep(c, ' '))
		return false;
	if (sep(c, '-'))
		return sep(c, '\n');
	return entry_fields(c, e, kept);
}

static bool time_how(struct cur *c, enum sd_fstime *t)
{
	const char *s;
	size_t n;

	const char *k;

	if (!tok(c, &s, &n) || n != 1 || !(k = memchr(how, *s, 3)))
		return false;
	*t = (enum sd_fstime)(k - how);
	return true;
}

static bool change(struct cur *c, struct sd_fschange *ch, const char *prev, size_t *kept)
{
	if (!word(c, "change") || !sep(c, ' ') || !(ch->path = str(c)))
		return false;
	if (ch->path[0] != '/' || (prev && strcmp(prev, ch->path) >= 0))
		return false;
	if (!sep(c, ' ') || !time_how(c, &ch->mtime) || !sep(c, ' ') || !time_how(c, &ch->atime) ||
	    !sep(c, '\n'))
		return false;
	return entry(c, "before", &ch->before, kept) && entry(c, "after", &ch->after, kept) &&
	       (ch->before.type || ch->after.type);
}

static bool parse(struct cur *c, struct sd_fschanges *out)
{
	uint64_t n, dropped;
	size_t kept = 0;

	if ((size_t)(c->end - c->p) < strlen(MAGIC) || memcmp(c->p, MAGIC, strlen(MAGIC)))
		return false;
	c->p += strlen(MAGIC);
	if (!sep(c, ' ') || !num(c, 10, SD_FS_MAX, &n) || !sep(c, ' ') ||
	    !num(c, 10, SIZE_MAX, &dropped) || !sep(c, '\n'))
		return false;
	out->dropped = (size_t)dropped;
	if (c->p < c->end && *c->p == 'e' && (size_t)(c->end - c->p) > 6 && !memcmp(c->p, "error ", 6)) {
		c->p += 6;
		if (!(out->error = str(c)) || !sep(c, '\n'))
			return false;
	}
	for (size_t i = 0, cap = 0; i < n; i++) {
		if (i == cap) {   /* grown as read: the count is not trusted */
			cap = cap ? 2 * cap : 64;
			out->c = xrealloc(out->c, cap * sizeof *out->c);
		}
		memset(&out->c[i], 0, sizeof out->c[i]);
		out->n = i + 1;   /* so that a failure frees what was read */
		if (!change(c, &out->c[i], i ? out->c[i - 1].path : NULL, &kept))
			return false;
	}
	return word(c, "end") && sep(c, '\n') && c->p == c->end;
}

int sd_fschanges_load(struct sd_fschanges *c, int fd)
{
	size_t len;
	bool cut;

	memset(c, 0, sizeof *c);
	char *text = sd_read_fd(fd, LOAD_MAX, &len, &cut);
	if (cut) {
		free(text);
		errno = EFBIG;
		return -1;
	}
	struct cur cur = { text, text + len };
	bool ok = parse(&cur, c);
	free(text);
	if (!ok) {
		sd_fschanges_free(c);
		errno = EINVAL;
		return -1;
	}
	return 0;
}
