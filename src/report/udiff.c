/* udiff.c - unified diff over lines, aligned with the Myers diff of compare/diff.h. */
#include "report/udiff.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "compare/diff.h"

struct line { const char *p; size_t n; bool nl; };

static size_t split(const char *s, size_t n, struct line **out)
{
	size_t cnt = 0, cap = 16, i = 0;
	struct line *v = xmalloc(cap * sizeof *v);

	while (i < n) {
		const char *e = memchr(s + i, '\n', n - i);
		size_t len = e ? (size_t)(e - (s + i)) : n - i;
		if (cnt == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[cnt++] = (struct line){ s + i, len, e != NULL };
		i += len + (e != NULL);
	}
	*out = v;
	return cnt;
}

static void put_line(struct sb *out, char tag, const struct line *l)
{
	sb_addc(out, tag);
	sb_add(out, l->p, l->n);
	sb_addc(out, '\n');
	if (!l->nl)
		sb_adds(out, "\\ No newline at end of file\n");
}

/* "start,count" as diff -u writes it: ",1" left out, an empty range names the line before. */
static void put_range(struct sb *out, size_t start, size_t n)
{
	if (n == 1)
		sb_addf(out, "%zu", start + 1);
	else
		sb_addf(out, "%zu,%zu", n ? start + 1 : start, n);
}

size_t sd_unified_diff(struct sb *out, const char *a, size_t na, const char *b, size_t nb,
		       const char *la, const char *lb)
{
	struct line *x, *y;
	size_t n = split(a, na, &x), m = split(b, nb, &y), nops, changed = 0;
	uint64_t *kx = xmalloc((n + 1) * sizeof *kx), *ky = xmalloc((m + 1) * sizeof *ky);
	bool exact;

	for (size_t i = 0; i < n; i++)
		kx[i] = XXH64(x[i].p, x[i].n, x[i].nl);
	for (size_t i = 0; i < m; i++)
		ky[i] = XXH64(y[i].p, y[i].n, y[i].nl);
	struct sd_diff_op *ops = sd_diff(kx, n, ky, m, NULL, &nops, &exact);
	for (size_t k = 0; k < nops; k++)
		if (ops[k].kind != SD_DIFF_EQ)
			changed += ops[k].len;
	if (changed) {
		/* one entry per line of the script: ' ', '-' or '+' */
		size_t ne = 0;
		struct ent { char tag; size_t a, b; } *e = xmalloc((n + m + 1) * sizeof *e);
		for (size_t k = 0; k < nops; k++)
			for (size_t j = 0; j < ops[k].len; j++)
				e[ne++] = (struct ent){ ops[k].kind == SD_DIFF_EQ ? ' ' :
							ops[k].kind == SD_DIFF_DEL ? '-' : '+',
							ops[k].a + (ops[k].kind == SD_DIFF_INS ? 0 : j),
							ops[k].b + (ops[k].kind == SD_DIFF_DEL ? 0 : j) };
		sb_addf(out, "--- %s\n+++ %s\n", la, lb);
		size_t i = 0;
		while (i < ne) {
			while (i < ne && e[i].tag == ' ')
				i++;
			if (i >= ne)
				break;
			size_t start = i >= 3 ? i - 3 : 0, end = i;
			/* extend while the next change is within 6 unchanged lines */
			for (;;) {
				while (end < ne && e[end].tag != ' ')
					end++;
				size_t eq = end;
				while (eq < ne && e[eq].tag == ' ' && eq - end < 7)
					eq++;
				if (eq < ne && e[eq].tag != ' ' && eq - end <= 6) {
					end = eq;
					continue;
				}
				break;
			}
			size_t stop = end + 3 < ne ? end + 3 : ne;
			size_t an = 0, bn = 0;
			for (size_t q = start; q < stop; q++) {
				an += e[q].tag != '+';
				bn += e[q].tag != '-';
			}
			size_t as = e[start].a, bs = e[start].b;
			sb_adds(out, "@@ -");
			put_range(out, as, an);
			sb_adds(out, " +");
			put_range(out, bs, bn);
			sb_adds(out, " @@\n");
			for (size_t q = start; q < stop; q++)
				put_line(out, e[q].tag, e[q].tag == '+' ? &y[e[q].b] : &x[e[q].a]);
			i = stop;
		}
		free(e);
	}
	free(ops);
	free(kx);
	free(ky);
	free(x);
	free(y);
	return changed;
}
