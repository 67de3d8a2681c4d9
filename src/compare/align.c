/* align.c - the two traces' streams paired by entity label, each pair aligned with a
 * sequence diff of record keys (diff.h) and each run of changes aligned again on the
 * shapes, so that same-named calls pair up as "changed" and the rest are "missing" or
 * "extra"; then the divergences in the original's order, the events the report needs,
 * and the report's view of them. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "compare/compare_int.h"
#include "compare/diff.h"

/* ---- pairing ---- */

static int cmp_label(const void *a, const void *b, void *priv)
{
	const struct side *s = priv;
	const int *x = a, *y = b;

	return strcmp(s->ents[*x].label, s->ents[*y].label);
}

void pair_streams(struct side sd[2], struct aligned *al)
{
	int *ord[2];
	size_t nord[2];

	for (int i = 0; i < 2; i++) {
		struct side *s = &sd[i];
		ord[i] = xmalloc((s->nents + 1) * sizeof *ord[i]);
		nord[i] = 0;
		for (size_t e = 0; e < s->nents; e++)
			if (s->ents[e].nrecs)
				ord[i][nord[i]++] = (int)e;
		qsort_r(ord[i], nord[i], sizeof *ord[i], cmp_label, s);
		s->out->streams = nord[i];
	}
	for (size_t x = 0, y = 0; x < nord[0] || y < nord[1];) {
		int c = x >= nord[0] ? 1 : y >= nord[1] ? -1 :
			strcmp(sd[0].ents[ord[0][x]].label, sd[1].ents[ord[1][y]].label);
		struct pair p = { { c <= 0 ? ord[0][x] : -1, c >= 0 ? ord[1][y] : -1 }, NULL, NULL, 0, 0 };
		p.label = p.ent[0] >= 0 ? sd[0].ents[p.ent[0]].label : sd[1].ents[p.ent[1]].label;
		PUSH(al->pairs, al->npairs, al->cappairs, p);
		x += c <= 0;
		y += c >= 0;
	}
	free(ord[0]);
	free(ord[1]);
}

/* ---- alignment ---- */

static void add_row(struct pair *p, int32_t a, int32_t b, enum sd_row_kind k)
{
	struct prow r = { a, b, (uint8_t)k };
	PUSH(p->rows, p->nrows, p->caprows, r);
}

/* Within a run of changes, pair calls of the same shape as "changed"; the rest are
 * missing or extra. */
static void align_hunk(struct side *sa, struct side *sb, struct pair *p,
		       size_t a0, size_t a1, size_t b0, size_t b1, bool *exact)
{
	const struct ent *ea = &sa->ents[p->ent[0]], *eb = &sb->ents[p->ent[1]];
	size_t n = a1 - a0, m = b1 - b0, nops;
	uint64_t *x = xmalloc((n + 1) * sizeof *x), *y = xmalloc((m + 1) * sizeof *y);
	bool ex = true;

	for (size_t i = 0; i < n; i++)
		x[i] = sa->recs[ea->recs[a0 + i]].shape;
	for (size_t i = 0; i < m; i++)
		y[i] = sb->recs[eb->recs[b0 + i]].shape;
	struct sd_diff_op *ops = sd_diff(x, n, y, m, NULL, &nops, &ex);
	*exact &= ex;
	for (size_t k = 0; k < nops; k++) {
		const struct sd_diff_op *op = &ops[k];
		for (size_t j = 0; j < op->len; j++) {
			if (op->kind == SD_DIFF_EQ)
				add_row(p, (int32_t)(a0 + op->a + j), (int32_t)(b0 + op->b + j), SD_ROW_CHANGED);
			else if (op->kind == SD_DIFF_DEL)
				add_row(p, (int32_t)(a0 + op->a + j), -1, SD_ROW_MISSING);
			else
				add_row(p, -1, (int32_t)(b0 + op->b + j), SD_ROW_EXTRA);
		}
	}
	free(ops);
	free(x);
	free(y);
}

static void align_pair(struct side *sa, struct side *sb, struct pair *p, bool *exact)
{
	const struct ent *ea = &sa->ents[p->ent[0]], *eb = &sb->ents[p->ent[1]];
	size_t n = ea->nrecs, m = eb->nrecs, nops;
	uint64_t *x = xmalloc((n + 1) * sizeof *x), *y = xmalloc((m + 1) * sizeof *y);
	bool ex = true;

	for (size_t i = 0; i < n; i++)
		x[i] = sa->recs[ea->recs[i]].key;
	for (size_t i = 0; i < m; i++)
		y[i] = sb->recs[eb->recs[i]].key;
	struct sd_diff_op *ops = sd_diff(x, n, y, m, NULL, &nops, &ex);
	*exact &= ex;
	free(x);
	free(y);
	for (size_t k = 0; k < nops;) {
		const struct sd_diff_op *op = &ops[k];
		if (op->kind == SD_DIFF_EQ) {
			for (size_t j = 0; j < op->len; j++)
				add_row(p, (int32_t)(op->a + j), (int32_t)(op->b + j), SD_ROW_SAME);
			k++;
			continue;
		}
		size_t a0 = op->a, b0 = op->b, a1 = a0, b1 = b0;
		while (k < nops && ops[k].kind != SD_DIFF_EQ) {
			if (ops[k].kind == SD_DIFF_DEL)
				a1 = ops[k].a + ops[k].len;
			else
				b1 = ops[k].b + ops[k].len;
			k++;
		}
		align_hunk(sa, sb, p, a0, a1, b0, b1, exact);
	}
	free(ops);
}

/* At the semantic level a call made in another place of the same stream is not a
 * difference when nothing it depends on lies between the two places (files written in
 * another order, a directory walked in another order): pair each missing call with an
 * extra one of equal key, unless a call matched on both sides between them names the
 * same object, or the directory of one names the other (a listing and a creation in
 * it), or is a call between processes (spawn, exec, wait, exit, kill).  Such an order
 * is kept: the listing made before the creation stays a difference of its own. */
struct keyrow { uint64_t key; size_t row; };

static int cmp_keyrow(const void *a, const void *b)
{
	const struct keyrow *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* The rows matched on both sides, indexed by the objects their calls name. */
struct depindex {
	struct keyrow *k;      /* (object key << 1 | as a directory, row), sorted */
	size_t n, cap;
	size_t *matched;       /* every such row, and those with a call between */
	size_t nmatched, capmatched;   /* processes (a barrier) */
	size_t *barrier;
	size_t nbarrier, capbarrier;
};

static void index_add(struct depindex *ix, uint32_t key, bool dir, size_t row)
{
	if (key) {
		struct keyrow kr = { (uint64_t)key << 1 | dir, row };
		PUSH(ix->k, ix->n, ix->cap, kr);
	}
}

static void index_rows(struct side sd[2], const struct pair *p, struct depindex *ix)
{
	memset(ix, 0, sizeof *ix);
	for (size_t r = 0; r < p->nrows; r++) {
		const struct prow *w = &p->rows[r];
		if (w->a < 0 || w->b < 0)
			continue;
		bool barrier = false;
		for (int i = 0; i < 2; i++) {
			const struct dep *d = dep_of(&sd[i], rec_at(&sd[i], p->ent[i], i ? w->b : w->a));
			if (!d)
				continue;
			barrier |= d->barrier;
			for (int j = 0; j < 2; j++) {
				index_add(ix, d->obj[j], false, r);
				index_add(ix, d->dir[j], true, r);
			}
		}
		PUSH(ix->matched, ix->nmatched, ix->capmatched, r);
		if (barrier)
			PUSH(ix->barrier, ix->nbarrier, ix->capbarrier, r);
	}
	if (ix->n)
		qsort(ix->k, ix->n, sizeof *ix->k, cmp_keyrow);
}

static void index_free(struct depindex *ix)
{
	free(ix->k);
	free(ix->matched);
	free(ix->barrier);
}

/* Is one of rows[0..n) (sorted) strictly between lo and hi? */
static bool row_between(const size_t *rows, size_t n, size_t lo, size_t hi)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t m = (a + b) / 2;
		if (rows[m] <= lo)
			a = m + 1;
		else
			b = m;
	}
	return a < n && rows[a] < hi;
}

/* Does a row strictly between lo and hi name key (as an object, or as a directory)? */
static bool key_between(const struct depindex *ix, uint32_t key, bool dir, size_t lo, size_t hi)
{
	uint64_t k = (uint64_t)key << 1 | dir;
	size_t a = 0, b = ix->n;

	if (!key)
		return false;
	while (a < b) {
		size_t m = (a + b) / 2;
		if (ix->k[m].key < k || (ix->k[m].key == k && ix->k[m].row <= lo))
			a = m + 1;
		else
			b = m;
	}
	return a < ix->n && ix->k[a].key == k && ix->k[a].row < hi;
}

/* May the call described by d be matched from row x to row y, past the rows between? */
static bool may_move(const struct depindex *ix, const struct dep *d, size_t x, size_t y)
{
	size_t lo = x < y ? x : y, hi = x < y ? y : x;

	if (!d)
		return true;
	if (d->barrier)   /* a call between processes keeps its place among all */
		return !row_between(ix->matched, ix->nmatched, lo, hi);
	if (row_between(ix->barrier, ix->nbarrier, lo, hi))
		return false;
	for (int j = 0; j < 2; j++)
		if (key_between(ix, d->obj[j], false, lo, hi) ||   /* the same object */
		    key_between(ix, d->obj[j], true, lo, hi) ||    /* an entry of it */
		    key_between(ix, d->dir[j], false, lo, hi))     /* its directory */
			return false;
	return true;
}

static void accept_reordered(struct side sd[2], struct pair *p, uint64_t *count, uint64_t *kept)
{
	size_t nx = 0;
	struct keyrow *ex = xmalloc((p->nrows + 1) * sizeof *ex);
	struct depindex ix;

	for (size_t r = 0; r < p->nrows; r++)
		if (p->rows[r].kind == SD_ROW_EXTRA)
			ex[nx++] = (struct keyrow){ sd[1].recs[rec_at(&sd[1], p->ent[1], p->rows[r].b)].key, r };
	if (!nx) {
		free(ex);
		return;
	}
	qsort(ex, nx, sizeof *ex, cmp_keyrow);
	index_rows(sd, p, &ix);
	for (size_t r = 0; r < p->nrows; r++) {
		struct prow *w = &p->rows[r];
		if (w->kind != SD_ROW_MISSING)
			continue;
		uint32_t ra = rec_at(&sd[0], p->ent[0], w->a);
		uint64_t k = sd[0].recs[ra].key;
		size_t lo = 0, hi = nx;
		while (lo < hi) {   /* the first extra row of this key */
			size_t mid = (lo + hi) / 2;
			if (ex[mid].key < k)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* the nearest extra row of this key still unused that it may move to */
		size_t best = nx;
		bool blocked = false;
		for (; lo < nx && ex[lo].key == k; lo++) {
			if (p->rows[ex[lo].row].kind != SD_ROW_EXTRA)
				continue;
			if (!may_move(&ix, dep_of(&sd[0], ra), r, ex[lo].row)) {
				blocked = true;
				continue;
			}
			size_t dr = ex[lo].row > r ? ex[lo].row - r : r - ex[lo].row;
			size_t db = best < nx ? (ex[best].row > r ? ex[best].row - r : r - ex[best].row) : SIZE_MAX;
			if (dr < db)
				best = lo;
		}
		if (best >= nx) {
			*kept += blocked;   /* an order kept: it depends on a call between */
			continue;
		}
		struct prow *x = &p->rows[ex[best].row];
		w->kind = SD_ROW_SAME;   /* the original's call, */
		x->kind = SD_ROW_SAME;   /* and the rewrite's, made elsewhere */
		x->a = -1;
		w->b = -1;
		(*count)++;
	}
	index_free(&ix);
	free(ex);
}

/* Two folded transfers that differ only because one side's content is unknown (a copy
 * offload, a buffer longer than the trace keeps) agree: same file, same length. */
static bool folds_agree(struct side sd[2], const struct pair *p, const struct prow *w)
{
	const struct foldinfo *x = foldinfo_of(&sd[0], rec_at(&sd[0], p->ent[0], w->a));
	const struct foldinfo *y = foldinfo_of(&sd[1], rec_at(&sd[1], p->ent[1], w->b));

	return x && y && x->cls == y->cls && x->target == y->target && x->total == y->total &&
	       (!x->chash || !y->chash);
}

/* ---- divergences ---- */

/* A whole stream that has no counterpart on the other side. */
static void lone_stream(struct side sd[2], struct aligned *al, size_t i)
{
	const struct pair *p = &al->pairs[i];
	int side = p->ent[0] < 0;
	const struct ent *e = &sd[side].ents[p->ent[side]];
	struct divref d = { side ? UINT64_MAX / 2 + e->recs[0] : 2 * ((uint64_t)e->recs[0] + 1),
			    (uint32_t)i, 0, 1,
			    (uint8_t)(side ? SD_DIV_PROC_EXTRA : SD_DIV_PROC_MISSING) };

	PUSH(al->dv, al->ndv, al->capdv, d);
}

/* The rows of aligned pair i that are not the same, as divergences; a run of missing
 * (or extra) calls is one. */
static void list_divergences(struct side sd[2], struct aligned *al, size_t i,
			     struct sd_cmp_result *res)
{
	struct pair *p = &al->pairs[i];
	uint64_t last_a = 0;

	for (size_t r = 0; r < p->nrows; r++) {
		struct prow *w = &p->rows[r];
		uint64_t na = w->a >= 0 ? (uint64_t)sd[0].ents[p->ent[0]].recs[w->a] + 1 : 0;
		if (w->kind == SD_ROW_CHANGED && folds_agree(sd, p, w))
			w->kind = SD_ROW_SAME;
		if (w->kind == SD_ROW_SAME) {
			res->matched++;
			last_a = na;
			continue;
		}
		struct divref d = { na ? 2 * na : 2 * last_a + 1, (uint32_t)i, (uint32_t)r, 1,
				    (uint8_t)(w->kind == SD_ROW_CHANGED ? SD_DIV_CHANGED :
					      w->kind == SD_ROW_MISSING ? SD_DIV_MISSING : SD_DIV_EXTRA) };
		struct divref *prev = al->ndv ? &al->dv[al->ndv - 1] : NULL;
		if (prev && d.kind != SD_DIV_CHANGED && prev->kind == d.kind &&
		    prev->pair == d.pair && prev->row + prev->count == d.row)
			prev->count++;
		else
			PUSH(al->dv, al->ndv, al->capdv, d);
		if (na)
			last_a = na;
	}
}

static int cmp_divref(const void *a, const void *b)
{
	const struct divref *x = a, *y = b;

	if (x->sortkey != y->sortkey)
		return x->sortkey < y->sortkey ? -1 : 1;
	if (x->pair != y->pair)
		return x->pair < y->pair ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

void align_streams(struct side sd[2], struct aligned *al, const struct sd_cmp_opts *o,
		   struct sd_cmp_result *res)
{
	for (size_t i = 0; i < al->npairs; i++) {
		struct pair *p = &al->pairs[i];
		if (p->ent[0] < 0 || p->ent[1] < 0) {
			lone_stream(sd, al, i);
			continue;
		}
		align_pair(&sd[0], &sd[1], p, &res->exact);
		if (o->semantic)
			accept_reordered(sd, p, &res->reordered, &res->order_kept);
		list_divergences(sd, al, i, res);
	}
	if (al->ndv)
		qsort(al->dv, al->ndv, sizeof *al->dv, cmp_divref);
	res->ndivs = al->ndv;
	res->equivalent = al->ndv == 0;
	res->nreported = al->ndv < o->max_report ? al->ndv : o->max_report;
}

/* ---- the events the report shows ---- */

/* Of a long run of missing or extra calls, the report shows the first few and the last. */
static bool row_shown(const struct divref *d, size_t r)
{
	return d->count <= SD_GROUP_SHOWN + 1 || r < d->row + SD_GROUP_SHOWN ||
	       r >= d->row + d->count - 1;
}

/* The rows of divergence d shown with context ctx: lo..hi. */
static void shown_rows(const struct divref *d, const struct pair *p, int ctx, size_t *lo,
		       size_t *hi)
{
	size_t last = d->row + d->count - 1;

	*lo = d->row > (uint32_t)ctx ? d->row - ctx : 0;
	*hi = last + ctx < p->nrows ? last + ctx : p->nrows - 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and unique. */
static size_t sort_unique(uint32_t *v, size_t n)
{
	size_t u = 0;

	if (n)
		qsort(v, n, sizeof *v, cmp_u32);
	for (size_t j = 0; j < n; j++)
		if (!u || v[u - 1] != v[j])
			v[u++] = v[j];
	return u;
}

/* The records each side must fetch for the first res->nreported divergences: the
 * shown rows around each, and the first three events of a lone stream.  Sorted,
 * unique. */
void choose_events(struct side sd[2], const struct aligned *al, size_t nreported, int ctx,
		   uint32_t *want[2], size_t nwant[2])
{
	size_t capwant[2] = { 0, 0 };

	for (size_t k = 0; k < nreported; k++) {
		const struct divref *d = &al->dv[k];
		const struct pair *p = &al->pairs[d->pair];
		if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
			int side = d->kind == SD_DIV_PROC_EXTRA;
			const struct ent *e = &sd[side].ents[p->ent[side]];
			for (size_t j = 0; j < e->nrecs && j < 3; j++)
				PUSH(want[side], nwant[side], capwant[side], e->recs[j]);
			continue;
		}
		size_t lo, hi;
		shown_rows(d, p, ctx, &lo, &hi);
		for (size_t r = lo; r <= hi; r++) {
			if (!row_shown(d, r))
				continue;
			for (int i = 0; i < 2; i++) {
				int32_t pos = i ? p->rows[r].b : p->rows[r].a;
				if (pos >= 0)
					PUSH(want[i], nwant[i], capwant[i], rec_at(&sd[i], p->ent[i], pos));
			}
		}
	}
	for (int i = 0; i < 2; i++)
		nwant[i] = sort_unique(want[i], nwant[i]);
}

/* ---- the report's view ---- */

static const struct sd_cmp_event *find_got(const struct side *s, uint32_t rec)
{
	/* got[] is parallel to want[], which is sorted and unique */
	size_t i = rec_index(s->want, s->nwant, sizeof *s->want, rec);
	return i < s->nwant && s->got[i].num ? &s->got[i] : NULL;
}

/* A call missing on one side that the other side makes elsewhere in the same stream
 * (a swapped order): the number it has there, or 0. */
static uint64_t moved_to(struct side sd[2], const struct pair *p, const struct divref *d)
{
	int from = d->kind == SD_DIV_EXTRA, to = !from;
	const struct prow *w = &p->rows[d->row];
	uint32_t r = rec_at(&sd[from], p->ent[from], from ? w->b : w->a);
	uint64_t key = sd[from].recs[r].key;
	enum sd_row_kind other = from ? SD_ROW_MISSING : SD_ROW_EXTRA;

	for (size_t i = 0; i < p->nrows; i++) {
		const struct prow *x = &p->rows[i];
		int32_t pos = to ? x->b : x->a;
		if (x->kind != other || pos < 0)
			continue;
		uint32_t q = rec_at(&sd[to], p->ent[to], pos);
		if (sd[to].recs[q].key == key)
			return (uint64_t)q + 1;
	}
	return 0;
}

/* A lone stream: its first events. */
static void view_lone(struct side sd[2], const struct pair *p, const struct divref *d,
		      struct sd_div *out)
{
	int side = d->kind == SD_DIV_PROC_EXTRA;
	const struct ent *e = &sd[side].ents[p->ent[side]];

	out->stream_events[side] = e->nrecs;
	out->rows = xcalloc(3, sizeof *out->rows);
	for (size_t j = 0; j < e->nrecs && j < 3; j++) {
		struct sd_cmp_row *r = &out->rows[out->nrows++];
		r->kind = side ? SD_ROW_EXTRA : SD_ROW_MISSING;
		r->ev[side] = find_got(&sd[side], e->recs[j]);
	}
	out->ev[side] = out->rows[0].ev[side];
	out->num[side] = out->ev[side] ? out->ev[side]->num : 0;
	out->focus = 0;
}

/* A divergence inside aligned streams: its rows with context. */
static void view_rows(struct side sd[2], const struct pair *p, const struct divref *d, int ctx,
		      struct sd_div *out)
{
	size_t lo, hi;

	shown_rows(d, p, ctx, &lo, &hi);
	out->count = d->count;
	out->rows = xcalloc(hi - lo + 1, sizeof *out->rows);
	for (size_t r = lo; r <= hi; r++) {
		if (!row_shown(d, r))
			continue;
		struct sd_cmp_row *w = &out->rows[out->nrows++];
		w->kind = p->rows[r].kind;
		for (int i = 0; i < 2; i++) {
			int32_t pos = i ? p->rows[r].b : p->rows[r].a;
			if (pos >= 0)
				w->ev[i] = find_got(&sd[i], rec_at(&sd[i], p->ent[i], pos));
		}
	}
	out->focus = d->row - lo;
	for (int i = 0; i < 2; i++) {
		out->ev[i] = out->rows[out->focus].ev[i];
		out->num[i] = out->ev[i] ? out->ev[i]->num : 0;
	}
	if (d->count == 1 && d->kind != SD_DIV_CHANGED)
		out->moved = moved_to(sd, p, d);
}

void build_view(struct side sd[2], const struct aligned *al, int ctx, struct sd_cmp_result *res)
{
	res->divs = xcalloc(res->nreported + 1, sizeof *res->divs);
	for (size_t k = 0; k < res->nreported; k++) {
		const struct divref *d = &al->dv[k];
		const struct pair *p = &al->pairs[d->pair];
		struct sd_div *out = &res->divs[k];
		out->kind = d->kind;
		if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA)
			view_lone(sd, p, d, out);
		else
			view_rows(sd, p, d, ctx, out);
		out->label = xstrdup(p->label);
	}
}

void aligned_free(struct aligned *al)
{
	for (size_t i = 0; i < al->npairs; i++)
		free(al->pairs[i].rows);
	free(al->pairs);
	free(al->dv);
	memset(al, 0, sizeof *al);
}
