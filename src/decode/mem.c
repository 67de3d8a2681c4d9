/* mem.c - reading the tracee's memory through env->read_mem: whole objects,
 * page-aware strings, hashed buffers, iovec arrays and string vectors.  The memory
 * may hold anything: every loop is bounded and nothing is sized by a tracee value. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "decode/decode_int.h"

/* Bytes copied from [addr, addr+len): stops at the first short or failed read. */
size_t mem_read(struct dctx *c, uint64_t addr, void *dst, size_t len)
{
	size_t done = 0;

	if (!c->env->read_mem)
		return 0;
	if (addr + len < addr)            /* wraps around: read up to the top only */
		len = (size_t)(0 - addr);
	while (done < len) {
		ssize_t n = c->env->read_mem(c->env->priv, addr + done,
					     (char *)dst + done, len - done);
		if (n <= 0)
			break;
		done += (size_t)n > len - done ? len - done : (size_t)n;
	}
	return done;
}

bool mem_get(struct dctx *c, uint64_t addr, void *dst, size_t len)
{
	return addr && mem_read(c, addr, dst, len) == len;
}

/* A NUL-terminated string of at most max bytes (NUL included).  Reads never cross
 * a page boundary, so a string ending just before an unmapped page is found.
 * NULL when not even the first byte is readable; *trunc when no NUL was found. */
char *mem_str(struct dctx *c, uint64_t addr, size_t max, bool *trunc)
{
	struct sb sb = SB_INIT;
	char chunk[DEC_PAGE];
	bool any = false;

	*trunc = false;
	while (sb.len < max) {
		size_t want = DEC_PAGE - (addr & (DEC_PAGE - 1));
		if (want > max - sb.len)
			want = max - sb.len;
		size_t got = mem_read(c, addr, chunk, want);
		char *nul = memchr(chunk, 0, got);
		any |= got > 0;
		if (nul) {
			sb_add(&sb, chunk, (size_t)(nul - chunk));
			return sb_detach(&sb);
		}
		sb_add(&sb, chunk, got);
		if (got < want || addr + got < addr)
			break;
		addr += got;
	}
	if (!any) {
		sb_free(&sb);
		return NULL;
	}
	*trunc = true;
	return sb_detach(&sb);
}

void sb_add_quoted(struct sb *sb, const char *s, size_t n)
{
	sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			sb_addf(sb, "\\%c", ch);
		else if (ch == '\n')
			sb_adds(sb, "\\n");
		else if (ch == '\t')
			sb_adds(sb, "\\t");
		else if (ch < 0x20 || ch >= 0x7f)
			sb_addf(sb, "\\x%02x", ch);
		else
			sb_addc(sb, (char)ch);
	}
	sb_addc(sb, '"');
}

/* ---- hashed buffers ----------------------------------------------------- */

void acc_begin(struct bufacc *a, struct sd_buf *b, uint32_t max, uint64_t len)
{
	free(b->data);
	memset(b, 0, sizeof *b);
	b->len = len;
	a->b = b;
	a->max = len < max ? (uint32_t)len : max;
	a->ok = true;
	a->st = XXH64_createState();
	if (!a->st)
		sd_die("out of memory");
	XXH64_reset(a->st, 0);
	a->chunk = NULL;
}

static void acc_feed(struct bufacc *a, const unsigned char *p, size_t n)
{
	struct sd_buf *b = a->b;

	XXH64_update(a->st, p, n);
	if (b->kept < a->max) {
		size_t k = a->max - b->kept < n ? a->max - b->kept : n;
		if (!b->data)
			b->data = xmalloc(a->max);	/* a->max <= len */
		memcpy(b->data + b->kept, p, k);
		b->kept += (uint32_t)k;
	}
}

/* Feed [addr, addr+len) in chunks; returns the bytes read.  A short read marks
 * the buffer as not fully read. */
uint64_t acc_read(struct dctx *c, struct bufacc *a, uint64_t addr, uint64_t len)
{
	uint64_t done = 0;

	if (!a->ok)
		return 0;
	if (len && !a->chunk)
		a->chunk = xmalloc(DEC_CHUNK);
	while (done < len) {
		size_t want = len - done > DEC_CHUNK ? DEC_CHUNK : (size_t)(len - done);
		size_t got = mem_read(c, addr + done, a->chunk, want);
		acc_feed(a, a->chunk, got);
		done += got;
		if (got < want) {
			a->ok = false;
			break;
		}
	}
	return done;
}

void acc_end(struct bufacc *a)
{
	struct sd_buf *b = a->b;

	b->hash_valid = a->ok;
	b->hash = a->ok ? XXH64_digest(a->st) : 0;
	XXH64_freeState(a->st);
	free(a->chunk);
	a->chunk = NULL;
}

/* Read and hash len bytes at addr into b, keeping at most opts->max_bytes. */
void mem_buf(struct dctx *c, struct sd_buf *b, uint64_t addr, uint64_t len)
{
	struct bufacc a;

	acc_begin(&a, b, c->opts->max_bytes, len);
	if (len && !addr)
		a.ok = false;
	else
		acc_read(c, &a, addr, len);
	acc_end(&a);
}

/* The concatenated bytes of an iovec array, at most limit bytes in all (the
 * return value for reads).  limit == UINT64_MAX: all of them, len = their sum. */
void mem_iov(struct dctx *c, struct sd_buf *b, uint64_t iov, uint64_t cnt, uint64_t limit)
{
	uint64_t (*v)[2], total = 0;
	size_t n;
	struct bufacc a;

	if (cnt > DEC_IOV_MAX)
		cnt = DEC_IOV_MAX;
	v = xcalloc(cnt ? cnt : 1, sizeof *v);
	n = iov ? mem_read(c, iov, v, cnt * sizeof *v) / sizeof *v : 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t l = v[i][1] > DEC_MAX_RW ? DEC_MAX_RW : v[i][1];
		total = total + l > DEC_MAX_RW ? DEC_MAX_RW : total + l;
	}
	if (limit != UINT64_MAX)
		total = limit;
	acc_begin(&a, b, c->opts->max_bytes, total);
	if (n < cnt && limit == UINT64_MAX)
		a.ok = false;      /* the array itself was unreadable: len unknown */
	for (size_t i = 0; i < n && total && a.ok; i++) {
		uint64_t l = v[i][1] < total ? v[i][1] : total;
		acc_read(c, &a, v[i][0], l);
		total -= l;
	}
	if (total)
		a.ok = false;
	acc_end(&a);
	free(v);
}

/* ---- string vectors ----------------------------------------------------- */

static bool strv_push(struct dctx *c, struct sd_arg *a, uint64_t p, size_t *bytes)
{
	bool trunc;
	char *s = mem_str(c, p, DEC_STRV_BYTES - *bytes + 1, &trunc);

	if (!s)
		return false;
	if (a->nstrv % 16 == 0)
		a->strv = xrealloc(a->strv, (a->nstrv + 16) * sizeof *a->strv);
	a->strv[a->nstrv++] = s;
	*bytes += strlen(s) + 1;
	return !trunc;
}

/* An environment's values replaced by their hash: NAME=VALUE becomes
 * NAME=<xxh64:0123456789abcdef> (XXH64, seed 0, of VALUE's bytes), an entry without '='
 * <xxh64:...> of the whole entry.  Equal values give equal entries, so traces still
 * compare; the values themselves are not kept. */
void strv_hash_values(struct sd_arg *a)
{
	for (int i = 0; i < a->nstrv; i++) {
		char *s = a->strv[i], *eq = strchr(s, '=');
		const char *v = eq ? eq + 1 : s;
		int name = eq ? (int)(eq + 1 - s) : 0;
		a->strv[i] = xasprintf("%.*s<xxh64:%016llx>", name, s,
				       (unsigned long long)XXH64(v, strlen(v), 0));
		free(s);
	}
}

/* argv/envp: at most max_strv entries and DEC_STRV_BYTES string bytes. */
void mem_strv(struct dctx *c, struct sd_arg *a, uint64_t addr)
{
	uint64_t ptrs[64];
	size_t bytes = 0;
	uint32_t max = c->opts->max_strv;

	a->type = SD_ARG_STRV;
	if (!addr) {
		arg_set_text(a, xstrdup("NULL"));
		return;
	}
	for (;;) {
		size_t want = (DEC_PAGE - (addr & (DEC_PAGE - 1))) / 8;
		if (!want)
			want = 1;
		size_t got = mem_read(c, addr, ptrs, want > 64 ? 64 * 8 : want * 8) / 8;
		if (!got) {
			if (!a->nstrv)
				arg_set_text(a, xasprintf("%#llx", (unsigned long long)addr));
			a->strv_more = a->nstrv > 0;
			return;
		}
		for (size_t i = 0; i < got; i++) {
			if (!ptrs[i])
				return;
			if ((uint32_t)a->nstrv >= max || bytes >= DEC_STRV_BYTES ||
			    !strv_push(c, a, ptrs[i], &bytes)) {
				a->strv_more = true;
				return;
			}
		}
		addr += got * 8;
	}
}
