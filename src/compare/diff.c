/* diff.c - Myers' O(ND) difference algorithm in linear space, without recursion.
 *
 * Coordinates: a point (x, y) of the edit graph of a sub-problem A[0..n) x B[0..m) has
 * consumed x elements of A and y of B; it lies on diagonal k = x - y, -m <= k <= n.  A
 * move right (x+1) deletes A[x], a move down (y+1) inserts B[y], and a diagonal move
 * (both +1, free) is allowed where A[x] == B[y]; a maximal run of diagonal moves is a
 * snake.  The cost of a path is its number of right and down moves.
 *
 * Forward search: F[k] is the largest x on diagonal k reachable from (0,0) with at most
 * D moves.  Because the cost of reaching a point never decreases along a diagonal, the
 * points of diagonal k within cost D form a prefix of it, so one number describes them.
 * F for D follows from F for D-1 on the neighbouring diagonals: come down from k+1 or
 * right from k-1, whichever lands further, then follow the snake.  The two candidates
 * are clamped to the grid (a point stuck on the right or bottom edge cannot move off
 * it; an earlier point of the same diagonal, also within cost D-1, is used instead).
 * Backward search, the mirror image: R[k] is the smallest x on diagonal k from which
 * (n,m) is reachable with at most D moves; it starts on diagonal delta = n - m.
 *
 * The searches alternate one step each.  When delta is odd, the optimal cost is odd,
 * 2D-1, and the forward step D is the first to reach a point that the backward step D-1
 * already covers (F[k] >= R[k]); when delta is even the backward step D finds it with
 * cost 2D.  The snake just followed then lies on an optimal path: its start is within
 * cost D from (0,0) and its end within cost D-1 (or D) from (n,m), so solving the part
 * before it and the part after it, each optimally, gives an optimal script.
 */
#include "compare/diff.h"

#include <stdlib.h>

#include "util/util.h"

/* ---- output: ops are rebuilt from the matched runs alone -------------------------- */

/* Everything between two matched runs is a gap: the A elements of the gap are deleted,
 * then the B elements inserted.  So ops come out merged and with DEL before INS. */
struct out {
	struct sd_diff_op *ops;
	size_t n, cap;
	size_t ca, cb;             /* cursors: A and B consumed so far */
};

static void push_op(struct out *o, enum sd_diff_kind kind, size_t a, size_t b, size_t len)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->ops = xrealloc(o->ops, o->cap * sizeof *o->ops);
	}
	o->ops[o->n++] = (struct sd_diff_op){ kind, a, b, len };
}

/* Cover A[ca..a) and B[cb..b) as a gap. */
static void gap_to(struct out *o, size_t a, size_t b)
{
	if (a > o->ca)
		push_op(o, SD_DIFF_DEL, o->ca, o->cb, a - o->ca);
	if (b > o->cb)
		push_op(o, SD_DIFF_INS, a, o->cb, b - o->cb);
	o->ca = a;
	o->cb = b;
}

/* A[a..a+len) == B[b..b+len), in original coordinates, at or after the cursors. */
static void out_eq(struct out *o, size_t a, size_t b, size_t len)
{
	if (len == 0)
		return;
	gap_to(o, a, b);
	struct sd_diff_op *last = o->n ? &o->ops[o->n - 1] : NULL;
	if (last && last->kind == SD_DIFF_EQ && last->a + last->len == a && last->b + last->len == b)
		last->len += len;
	else
		push_op(o, SD_DIFF_EQ, a, b, len);
	o->ca = a + len;
	o->cb = b + len;
}

/* The sequences the search runs on: windows of the originals (element i of a came from
 * aoff + i) or copies with the one-sided keys removed (element i came from amap[i]). */
struct seqs {
	const uint64_t *a, *b;
	size_t n, m;
	size_t aoff, boff;
	const size_t *amap, *bmap;     /* NULL: use the offset */
};

static void seq_eq(struct out *o, const struct seqs *s, size_t x, size_t y, size_t len)
{
	if (!s->amap && !s->bmap) {
		out_eq(o, s->aoff + x, s->boff + y, len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		out_eq(o, s->amap ? s->amap[x + i] : s->aoff + x + i,
		       s->bmap ? s->bmap[y + i] : s->boff + y + i, 1);
}

/* ---- the middle snake ------------------------------------------------------------- */

struct snake {
	ptrdiff_t xs, ys, xe, ye;      /* from (xs,ys) to (xe,ye) along one diagonal */
};

/* The smallest k >= lo with the parity of lo and k >= bound; the largest k <= hi with the
 * parity of hi and k <= bound. */
static ptrdiff_t clamp_lo(ptrdiff_t lo, ptrdiff_t bound)
{
	return lo >= bound ? lo : bound + ((bound - lo) & 1);
}

static ptrdiff_t clamp_hi(ptrdiff_t hi, ptrdiff_t bound)
{
	return hi <= bound ? hi : bound - ((hi - bound) & 1);
}

/* Find a snake on an optimal path of A[0..n) x B[0..m), n, m >= 1, with at most dlim
 * steps in each direction (fv and rv hold 2*dlim+3 entries) and return true.  When the
 * limit is reached, return false: then (xs,ys) <= (xe,ye) are the points where the
 * searches got furthest, and the piece between them is still to be solved (it may be
 * empty); neither (0,0) to (xs,ys) nor (xe,ye) to (n,m) costs more than dlim. */
static bool middle_snake(const uint64_t *a, ptrdiff_t n, const uint64_t *b, ptrdiff_t m,
                         ptrdiff_t dlim, ptrdiff_t *fv, ptrdiff_t *rv, struct snake *sn)
{
	const ptrdiff_t delta = n - m;
	const bool odd = (delta & 1) != 0;
	/* forward diagonals stay within [-dlim, dlim], backward ones within delta +- dlim */
#define F(k) fv[(k) + dlim + 1]
#define R(k) rv[(k) - delta + dlim + 1]
	ptrdiff_t x, y, k, D;

	x = 0;
	while (x < n && x < m && a[x] == b[x])
		x++;
	F(0) = x;
	x = n;
	y = m;
	while (x > 0 && y > 0 && a[x - 1] == b[y - 1])
		x--, y--;
	R(delta) = x;
	if (delta == 0 && R(0) <= F(0)) {          /* equal sequences (not after trimming) */
		*sn = (struct snake){ 0, 0, n, m };
		return true;
	}

	ptrdiff_t flo = 0, fhi = 0, rlo = delta, rhi = delta;
	for (D = 1; D <= dlim; D++) {
		ptrdiff_t plo = flo, phi = fhi;
		flo = clamp_lo(-D, -m);
		fhi = clamp_hi(D, n);
		for (k = flo; k <= fhi; k += 2) {
			ptrdiff_t down = -1, right = -1;
			if (k + 1 <= phi) {              /* from diagonal k+1, one move down */
				down = F(k + 1);
				if (down > m + k)
					down = m + k;
			}
			if (k - 1 >= plo) {              /* from diagonal k-1, one move right */
				right = F(k - 1);
				if (right > n - 1)
					right = n - 1;
				right++;
			}
			x = down > right ? down : right;
			y = x - k;
			ptrdiff_t xs = x, ys = y;
			while (x < n && y < m && a[x] == b[y])
				x++, y++;
			F(k) = x;
			if (odd && k >= rlo && k <= rhi && x >= R(k)) {
				*sn = (struct snake){ xs, ys, x, y };
				return true;
			}
		}

		plo = rlo;
		phi = rhi;
		rlo = clamp_lo(delta - D, -m);
		rhi = clamp_hi(delta + D, n);
		for (k = rlo; k <= rhi; k += 2) {
			ptrdiff_t left = PTRDIFF_MAX, up = PTRDIFF_MAX;
			if (k + 1 <= phi) {              /* from diagonal k+1, one move left */
				left = R(k + 1);
				if (left < 1)
					left = 1;
				left--;
			}
			if (k - 1 >= plo) {              /* from diagonal k-1, one move up */
				up = R(k - 1);
				if (up < k)
					up = k;
			}
			x = left < up ? left : up;
			y = x - k;
			ptrdiff_t xe = x, ye = y;
			while (x > 0 && y > 0 && a[x - 1] == b[y - 1])
				x--, y--;
			R(k) = x;
			if (!odd && k >= flo && k <= fhi && x <= F(k)) {
				*sn = (struct snake){ x, y, xe, ye };
				return true;
			}
		}
	}

	/* Too expensive.  Cut at the furthest-reaching points (by x + y) of both searches
	 * when they are in order (the middle is then a piece still to solve), else at the
	 * one that advanced more. */
	ptrdiff_t bf = flo, br = rlo;
	for (k = flo; k <= fhi; k += 2)
		if (2 * F(k) - k > 2 * F(bf) - bf)
			bf = k;
	for (k = rlo; k <= rhi; k += 2)
		if (2 * R(k) - k < 2 * R(br) - br)
			br = k;
	ptrdiff_t xf = F(bf), yf = xf - bf, xr = R(br), yr = xr - br;
	if (xf <= xr && yf <= yr)
		*sn = (struct snake){ xf, yf, xr, yr };
	else if (xf + yf >= n + m - (xr + yr))
		*sn = (struct snake){ xf, yf, xf, yf };
	else
		*sn = (struct snake){ xr, yr, xr, yr };
	return false;
#undef F
#undef R
}

/* ---- the driver: a work stack of pieces and pending matched runs -------------------- */

struct item {
	size_t x0, x1, y0, y1;         /* a piece A[x0..x1) x B[y0..y1) to solve */
	bool eq;                       /* or: a matched run A[x0..x1) == B[y0..) to output */
};

struct stack {
	struct item *v;
	size_t n, cap;
};

static void push_item(struct stack *st, size_t x0, size_t x1, size_t y0, size_t y1, bool eq)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->v = xrealloc(st->v, st->cap * sizeof *st->v);
	}
	st->v[st->n++] = (struct item){ x0, x1, y0, y1, eq };
}

enum solved { SOLVED_EXACT, SOLVED_APPROX, SOLVE_ABORTED };

/* Solve all of s.  With abort_on_cut, give up as soon as the first search reaches the
 * limit (before any output). */
static enum solved solve(const struct seqs *s, ptrdiff_t dlim, bool abort_on_cut, struct out *o)
{
	const uint64_t *a = s->a, *b = s->b;
	ptrdiff_t *fv = xmalloc((size_t)(2 * dlim + 3) * sizeof *fv);
	ptrdiff_t *rv = xmalloc((size_t)(2 * dlim + 3) * sizeof *rv);
	struct stack st = { NULL, 0, 0 };
	bool exact = true, searched = false;

	push_item(&st, 0, s->n, 0, s->m, false);
	while (st.n) {
		struct item it = st.v[--st.n];
		if (it.eq) {
			seq_eq(o, s, it.x0, it.y0, it.x1 - it.x0);
			continue;
		}
		size_t x0 = it.x0, x1 = it.x1, y0 = it.y0, y1 = it.y1;
		size_t p = 0;
		while (x0 + p < x1 && y0 + p < y1 && a[x0 + p] == b[y0 + p])
			p++;
		seq_eq(o, s, x0, y0, p);
		x0 += p;
		y0 += p;
		size_t q = 0;
		while (x1 - q > x0 && y1 - q > y0 && a[x1 - q - 1] == b[y1 - q - 1])
			q++;
		if (q)
			push_item(&st, x1 - q, x1, y1 - q, y1, true);
		x1 -= q;
		y1 -= q;
		if (x0 == x1 || y0 == y1)
			continue;                      /* only deletions or only insertions: a gap */

		struct snake sn;
		bool found = middle_snake(a + x0, (ptrdiff_t)(x1 - x0), b + y0, (ptrdiff_t)(y1 - y0),
		                          dlim, fv, rv, &sn);
		bool first = !searched;
		searched = true;
		size_t xs = x0 + (size_t)sn.xs, ys = y0 + (size_t)sn.ys;
		size_t xe = x0 + (size_t)sn.xe, ye = y0 + (size_t)sn.ye;
		if (!found) {
			exact = false;
			if (abort_on_cut && first) {
				free(st.v);
				free(fv);
				free(rv);
				return SOLVE_ABORTED;
			}
		}
		if ((xs == x1 && ys == y1) || (xe == x0 && ye == y0) ||
		    (!found && xs == x0 && ys == y0 && xe == x1 && ye == y1)) {
			/* no progress (cannot happen, see middle_snake): give the piece up as one
			 * gap rather than loop */
			exact = false;
			continue;
		}
		push_item(&st, xe, x1, ye, y1, false);
		if (xe > xs || ye > ys)
			push_item(&st, xs, xe, ys, ye, found);
		push_item(&st, x0, xs, y0, ys, false);
	}
	free(st.v);
	free(fv);
	free(rv);
	return exact ? SOLVED_EXACT : SOLVED_APPROX;
}

/* ---- setting aside keys found on one side only ------------------------------------ */

struct keyset {
	uint64_t *slot;                /* 0 = empty; key 0 is kept in has_zero */
	size_t mask;
	unsigned shift;
	bool has_zero;
};

static size_t key_slot(const struct keyset *ks, uint64_t key)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> ks->shift);
}

static void keyset_init(struct keyset *ks, const uint64_t *v, size_t n)
{
	unsigned bits = 4;
	while (((size_t)1 << bits) < 2 * n)
		bits++;
	ks->slot = xcalloc((size_t)1 << bits, sizeof *ks->slot);
	ks->mask = ((size_t)1 << bits) - 1;
	ks->shift = 64 - bits;
	ks->has_zero = false;
	for (size_t i = 0; i < n; i++) {
		uint64_t key = v[i];
		if (key == 0) {
			ks->has_zero = true;
			continue;
		}
		size_t h = key_slot(ks, key);
		while (ks->slot[h] && ks->slot[h] != key)
			h = (h + 1) & ks->mask;
		ks->slot[h] = key;
	}
}

static bool keyset_has(const struct keyset *ks, uint64_t key)
{
	if (key == 0)
		return ks->has_zero;
	size_t h = key_slot(ks, key);
	while (ks->slot[h]) {
		if (ks->slot[h] == key)
			return true;
		h = (h + 1) & ks->mask;
	}
	return false;
}

/* Keep the elements of v[0..n) whose key occurs in w[0..nw): when some are dropped,
 * *out gets a copy of the others and *map their indices plus off; when all are kept,
 * *out and *map are NULL.  Returns the count kept. */
static size_t keep_shared(const uint64_t *v, size_t n, size_t off, const uint64_t *w, size_t nw,
                          uint64_t **out, size_t **map)
{
	struct keyset ks;
	keyset_init(&ks, w, nw);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		kept += keyset_has(&ks, v[i]);
	*out = NULL;
	*map = NULL;
	if (kept < n) {
		*out = xmalloc(kept * sizeof **out);
		*map = xmalloc(kept * sizeof **map);
		kept = 0;
		for (size_t i = 0; i < n; i++)
			if (keyset_has(&ks, v[i])) {
				(*out)[kept] = v[i];
				(*map)[kept++] = off + i;
			}
	}
	free(ks.slot);
	return kept;
}

/* ---- entry point ------------------------------------------------------------------ */

static ptrdiff_t search_limit(size_t max_cost, size_t n, size_t m)
{
	size_t dlim = max_cost / 2 + max_cost % 2;
	if (dlim > (n + m) / 2 + 1)                /* no search needs more steps than this */
		dlim = (n + m) / 2 + 1;
	if (dlim > PTRDIFF_MAX / 4)
		dlim = PTRDIFF_MAX / 4;
	return (ptrdiff_t)dlim;
}

struct sd_diff_op *sd_diff(const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                           const struct sd_diff_opts *opts, size_t *nops, bool *exact)
{
	struct out o = { NULL, 0, 0, 0, 0 };
	enum solved r = SOLVED_EXACT;

	size_t p = 0;
	while (p < n && p < m && a[p] == b[p])
		p++;
	size_t q = 0;
	while (q < n - p && q < m - p && a[n - q - 1] == b[m - q - 1])
		q++;
	out_eq(&o, 0, 0, p);

	size_t na = n - p - q, nb = m - p - q;
	if (na && nb) {
		size_t max_cost = opts && opts->max_cost ? opts->max_cost : SD_DIFF_DEFAULT_MAX_COST;
		struct seqs s = { a + p, b + p, na, nb, p, p, NULL, NULL };
		/* The window is trimmed, so solve() outputs nothing before its first search. */
		r = solve(&s, search_limit(max_cost, na, nb), true, &o);
		if (r == SOLVE_ABORTED) {
			/* Too expensive as it is: set aside the keys only one side has (exact,
			 * and often most of the keys of two unrelated traces), then solve for
			 * good, with the heuristic if still needed. */
			uint64_t *fa, *fb = NULL;
			size_t *ma, *mb = NULL;
			size_t ka = keep_shared(a + p, na, p, b + p, nb, &fa, &ma);
			size_t kb = ka ? keep_shared(b + p, nb, p, fa ? fa : a + p, ka, &fb, &mb) : 0;
			s = (struct seqs){ fa ? fa : a + p, fb ? fb : b + p, ka, kb, p, p, ma, mb };
			r = ka && kb ? solve(&s, search_limit(max_cost, ka, kb), false, &o)
			             : SOLVED_EXACT;
			free(fa);
			free(fb);
			free(ma);
			free(mb);
		}
	}

	out_eq(&o, n - q, m - q, q);
	gap_to(&o, n, m);
	if (!o.ops)
		o.ops = xmalloc(sizeof *o.ops);
	*nops = o.n;
	if (exact)
		*exact = r == SOLVED_EXACT;
	return o.ops;
}
