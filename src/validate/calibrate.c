/* calibrate.c - what varies between runs of the original, learned from its extra runs
 * (see calibrate.h). */
#define _GNU_SOURCE
#include "validate/calibrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/input.h"
#include "validate/validate.h"

/* ---- the paths a trace names, in the order it first names them ---- */

struct plist {
	char **p;            /* in order of first appearance */
	size_t n, cap;
	char **sorted;       /* the same, sorted, for membership */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool plist_has(const struct plist *l, const char *p)
{
	return l->sorted && bsearch(&p, l->sorted, l->n, sizeof *l->sorted, cmp_str);
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->p[i]);
	free(l->p);
	free(l->sorted);
	memset(l, 0, sizeof *l);
}

static void plist_seal(struct plist *l)
{
	/* drop repeats, keeping the first appearance; s ends as the sorted index */
	char **s = xmalloc((l->n + 1) * sizeof *s);
	memcpy(s, l->p, l->n * sizeof *s);
	qsort(s, l->n, sizeof *s, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < l->n; i++)
		if (!u || strcmp(s[u - 1], s[i]))
			s[u++] = s[i];
	bool *seen = xcalloc(u + 1, 1);
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		char **hit = bsearch(&l->p[i], s, u, sizeof *s, cmp_str);
		size_t at = (size_t)(hit - s);
		if (!seen[at]) {
			seen[at] = true;
			s[at] = l->p[k++] = l->p[i];   /* the index points at the one kept */
		} else {
			free(l->p[i]);
		}
	}
	l->n = k;
	free(seen);
	l->sorted = s;
}

/* The paths a trace names, but in an interpreter's start-up. */
static void collect_paths(int trace_fd, struct plist *l)
{
	char path[64], *err = NULL;
	struct sd_event ev;

	memset(l, 0, sizeof *l);
	snprintf(path, sizeof path, "/proc/self/fd/%d", trace_fd);
	struct sd_input *in = sd_input_open(path, NULL, &err);
	free(err);
	err = NULL;
	while (in && sd_input_next(in, &ev, &err) > 0) {
		/* an interpreter's start-up is the runtime's, dropped by the comparison (and
		 * a calibration run's start-up probes are not seen: tracer.h, loose_startup) */
		bool startup = ev.src.phase && !strcmp(ev.src.phase, "startup");
		for (int i = 0; i < ev.nargs && i < SD_MAX_ARGS && !startup; i++) {
			const char *p = ev.args[i].type == SD_ARG_PATH ? ev.args[i].abs : NULL;
			if (!p)
				continue;
			if (l->n == l->cap) {
				l->cap = l->cap ? 2 * l->cap : 64;
				l->p = xrealloc(l->p, l->cap * sizeof *l->p);
			}
			l->p[l->n++] = xstrdup(p);
		}
		sd_event_clear(&ev);
	}
	free(err);
	if (in)
		sd_input_close(in);
	plist_seal(l);
}

/* ---- placeholders for the names that vary ---- */

struct vname {
	char *orig;          /* the original's name (a path) */
	char *dir;           /* its directory */
	struct sd_mask base; /* its last component, learned against the other run's */
	char *ph;            /* $TMPn */
	bool used;           /* given to one of the rewrite's names */
};

static char *dir_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s && s != p ? xstrndup(p, (size_t)(s - p)) : xstrdup("/");
}

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* p is only in one run, and so is its directory (or p is the top of such a tree). */
static bool top_only_in(const char *p, const struct plist *mine, const struct plist *other)
{
	if (plist_has(other, p))
		return false;
	char *d = dir_of(p);
	bool top = !(plist_has(mine, d) && !plist_has(other, d));
	free(d);
	return top;
}

static void add_map(struct sd_calib *c, int side, const char *from, const char *to)
{
	c->maps[side] = xrealloc(c->maps[side], (c->nmaps[side] + 1) * sizeof *c->maps[side]);
	c->maps[side][c->nmaps[side]++] = (struct sd_path_map){ xstrdup(from), xstrdup(to) };
}

/* The original's variable names (in a, not in b), paired with b's by directory and
 * shape; each pair a placeholder.  Unpaired: the original is not deterministic. */
static struct vname *learn_names(struct sd_calib *c, const struct plist *a, const struct plist *b,
				 size_t *nv)
{
	struct vname *v = NULL;
	bool *taken = xcalloc(b->n + 1, 1);

	*nv = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (!top_only_in(a->p[i], a, b))
			continue;
		char *d = dir_of(a->p[i]);
		size_t j;
		struct sd_mask m = { 0 };
		for (j = 0; j < b->n; j++) {
			if (taken[j] || !top_only_in(b->p[j], b, a))
				continue;
			char *dj = dir_of(b->p[j]);
			bool same_dir = !strcmp(d, dj);
			free(dj);
			if (!same_dir)
				continue;
			const char *x = base_of(a->p[i]), *y = base_of(b->p[j]);
			sd_mask_learn_names(&m, x, strlen(x), y, strlen(y), a->p[i]);
			if (!m.structural && m.nvar)
				break;
			sd_mask_free(&m);
		}
		if (j == b->n) {
			if (!c->unstable)
				c->unstable = xasprintf("%s is named in one run of the original and has no "
							"counterpart of the same shape in the other", a->p[i]);
			free(d);
			continue;
		}
		taken[j] = true;
		v = xrealloc(v, (*nv + 1) * sizeof *v);
		struct vname *n = &v[(*nv)++];
		*n = (struct vname){ .orig = xstrdup(a->p[i]), .dir = d, .base = m };
		n->ph = xasprintf("$TMP%zu", *nv);
		add_map(c, 0, n->orig, n->ph);
		add_map(c, 2, b->p[j], n->ph);
		sb_addf(&c->listing, "  name %s: %s vs %s\n", n->ph, a->p[i], b->p[j]);
	}
	free(taken);
	return v;
}

/* The rewrite's names not in the original's run, each given the first free placeholder
 * of its directory whose shape it has. */
static void match_rewrite(struct sd_calib *c, struct vname *v, size_t nv, const struct plist *r,
			  const struct plist *a)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t k;
		for (k = 0; k < nv && strcmp(v[k].orig, r->p[i]); k++)
			;
		if (k < nv && !v[k].used) {   /* the very name the original chose */
			v[k].used = true;
			add_map(c, 1, r->p[i], v[k].ph);
			c->nnames++;
			continue;
		}
		if (!top_only_in(r->p[i], r, a))
			continue;
		char *d = dir_of(r->p[i]);
		for (k = 0; k < nv; k++) {
			if (v[k].used || strcmp(v[k].dir, d))
				continue;
			struct sb ma = SB_INIT, mb = SB_INIT;
			size_t n;
			const char *x = base_of(v[k].orig), *y = base_of(r->p[i]);
			bool fit = sd_mask_compare(&v[k].base, x, strlen(x), y, strlen(y), &ma, &mb, &n);
			sb_free(&ma);
			sb_free(&mb);
			if (fit) {
				v[k].used = true;
				add_map(c, 1, r->p[i], v[k].ph);
				c->nnames++;
				break;
			}
		}
		free(d);
	}
}

static void names(struct sd_validation *v, int runs, struct sd_calib *c)
{
	struct plist p0, pk, p1;
	size_t nv;

	collect_paths(v->run[0].trace_fd, &p0);
	collect_paths(v->run[2].trace_fd, &pk);
	struct vname *vn = learn_names(c, &p0, &pk, &nv);
	memset(&p1, 0, sizeof p1);
	if (nv) {   /* the rewrite's paths matter only for names that vary */
		collect_paths(v->run[1].trace_fd, &p1);
		match_rewrite(c, vn, nv, &p1, &p0);
	}
	for (size_t k = 0; k < nv; k++) {
		free(vn[k].orig);
		free(vn[k].dir);
		free(vn[k].ph);
		sd_mask_free(&vn[k].base);
	}
	free(vn);
	plist_free(&p0);
	plist_free(&pk);
	plist_free(&p1);
	(void)runs;
}

/* ---- output and files ---- */

/* With no extra run (--calibrate 0 and --mask), the original's run is compared with
 * itself: only the --mask spans vary. */
static const struct sd_run_result *other_run(const struct sd_validation *v, int runs, int k)
{
	return runs ? &v->run[2 + k] : &v->run[0];
}

static void streams(struct sd_validation *v, int runs, char *const *regexes, struct sd_calib *c)
{
	for (int s = 0; s < 2; s++) {
		size_t na;
		char *a = sd_read_fd(s ? v->run[0].err_fd : v->run[0].out_fd, 16u << 20, &na, NULL);
		for (int k = 0; k < (runs ? runs : 1); k++) {
			const struct sd_run_result *r = other_run(v, runs, k);
			size_t nb;
			char *b = sd_read_fd(s ? r->err_fd : r->out_fd, 16u << 20, &nb, NULL);
			struct sd_mask m;
			sd_mask_learn(&m, a, na, b, nb, s ? "stderr" : "stdout", regexes);
			if (k == 0) {
				c->std[s] = m;
			} else {
				sd_mask_merge(&c->std[s], &m);
				sd_mask_free(&m);
			}
			free(b);
		}
		if (c->std[s].structural && !c->unstable)
			c->unstable = xstrdup(c->std[s].why);
		sb_add(&c->listing, sb_str(&c->std[s].listing), c->std[s].listing.len);
		free(a);
	}
}

static const struct sd_fschange *find_change(const struct sd_fschanges *l, const char *path)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int k = strcmp(l->c[mid].path, path);
		if (!k)
			return &l->c[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void files(struct sd_validation *v, int runs, char *const *regexes, struct sd_calib *c)
{
	const struct sd_run_result *o = other_run(v, runs, 0);
	const struct sd_fschanges *a = &v->run[0].changes, *b = &o->changes;
	bool user = regexes && regexes[0];

	if (!v->run[0].have_changes || !o->have_changes)
		return;
	for (size_t i = 0; i < a->n; i++) {
		const struct sd_fschange *x = &a->c[i];
		/* the other run's file of the same name, or of the same placeholder */
		const struct sd_fschange *y = find_change(b, x->path);
		if (!y) {
			char *mapped = sd_calib_name(c, 0, x->path);
			for (size_t j = 0; j < b->n && !y && strcmp(mapped, x->path); j++) {
				char *mb = sd_calib_name(c, 2, b->c[j].path);
				if (!strcmp(mb, mapped))
					y = &b->c[j];
				free(mb);
			}
			free(mapped);
		}
		if (!y || x->after.type != 'f' || y->after.type != 'f' ||
		    (x->after.hash == y->after.hash && !user) || !x->after.data || !y->after.data)
			continue;
		struct sd_file_mask fm = { .path = sd_calib_name(c, 0, x->path) };
		sd_mask_learn(&fm.m, (const char *)x->after.data, x->after.ndata,
			      (const char *)y->after.data, y->after.ndata, x->path, regexes);
		if (fm.m.structural && !c->unstable)
			c->unstable = xstrdup(fm.m.why);
		sb_add(&c->listing, sb_str(&fm.m.listing), fm.m.listing.len);
		c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
		c->files[c->nfiles++] = fm;
	}
}

void sd_calibrate(struct sd_validation *v, int runs, char *const *regexes, struct sd_calib *c)
{
	memset(c, 0, sizeof *c);
	c->runs = runs;
	if (runs <= 0 && !(regexes && regexes[0]))
		return;
	c->learned = true;
	for (int k = 0; k < runs && !c->unstable; k++)
		if (v->run[2 + k].status != v->run[0].status)
			c->unstable = xasprintf("its exit status was %d in one run and %d in another",
						v->run[0].status, v->run[2 + k].status);
	streams(v, runs, regexes, c);
	if (runs > 0)
		names(v, runs, c);
	files(v, runs, regexes, c);
}

const struct sd_mask *sd_calib_file(const struct sd_calib *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i].path, path))
			return &c->files[i].m;
	return NULL;
}

char *sd_calib_name(const struct sd_calib *c, int side, const char *path)
{
	for (size_t i = 0; i < c->nmaps[side]; i++) {
		const char *f = c->maps[side][i].from;
		size_t n = strlen(f);
		if (!strncmp(path, f, n) && (path[n] == '/' || !path[n]))
			return xasprintf("%s%s", c->maps[side][i].to, path + n);
	}
	return xstrdup(path);
}

void sd_calib_free(struct sd_calib *c)
{
	for (int s = 0; s < 3; s++) {
		if (s < 2)
			sd_mask_free(&c->std[s]);
		for (size_t i = 0; i < c->nmaps[s]; i++) {
			free((char *)c->maps[s][i].from);
			free((char *)c->maps[s][i].to);
		}
		free(c->maps[s]);
	}
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i].path);
		sd_mask_free(&c->files[i].m);
	}
	free(c->files);
	free(c->unstable);
	sb_free(&c->listing);
	memset(c, 0, sizeof *c);
}
