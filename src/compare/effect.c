/* effect.c - the semantic level's effect model: what each call did to which object,
 * given what the trace did before (docs/validate.md, "The semantic level").
 *
 * sd_sem_classify() says what a call is on its own; here it is refined with the state
 * the trace built up: which objects this side created (a second creating open of the
 * same file creates nothing), the umask each process had (the mode a creation asked
 * for is not the mode it made), which directories were listed since their entries last
 * changed (a listing read in two calls, or repeated, observes nothing new), which
 * threads belong to which process (a worker thread's calls are its process's), and the
 * widest mode each created object was given (a file created 0644 then chmod'ed to 0600
 * was readable meanwhile).  Each record also gets the objects it depends on, so that
 * the alignment keeps dependent effects in order and lets independent ones move. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "compare/compare_int.h"

/* ---- a small map from 64-bit keys (never 0) to 64-bit values ---- */

static size_t kmap_slot(const struct kmap *m, uint64_t k)
{
	size_t j = (size_t)(k ^ k >> 29) & (m->cap - 1);

	while (m->k[j] && m->k[j] != k)
		j = (j + 1) & (m->cap - 1);
	return j;
}

uint64_t kmap_get(const struct kmap *m, uint64_t k)
{
	if (!m->cap || !k)
		return 0;
	size_t j = kmap_slot(m, k);
	return m->k[j] ? m->v[j] : 0;
}

void kmap_put(struct kmap *m, uint64_t k, uint64_t v)
{
	if (!k)
		return;
	if ((m->used + 1) * 2 > m->cap) {
		struct kmap n = { .cap = m->cap ? 2 * m->cap : 64 };
		n.k = xcalloc(n.cap, sizeof *n.k);
		n.v = xcalloc(n.cap, sizeof *n.v);
		for (size_t i = 0; i < m->cap; i++)
			if (m->k[i]) {
				size_t j = kmap_slot(&n, m->k[i]);
				n.k[j] = m->k[i];
				n.v[j] = m->v[i];
				n.used++;
			}
		free(m->k);
		free(m->v);
		*m = n;
	}
	size_t j = kmap_slot(m, k);
	if (!m->k[j]) {
		m->k[j] = k;
		m->used++;
	}
	m->v[j] = v;
}

void kmap_free(struct kmap *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* ---- objects ---- */

#define EXISTS 1
#define REMOVED 2

static uint64_t path_key(struct side *s, const char *p)
{
	return p ? sd_norm_path_key(s->norm, p) | 1 : 0;
}

/* The key of p's directory ("/a/b" -> "/a"), 0 when p has none. */
static uint64_t parent_key(struct side *s, const char *p)
{
	const char *sl = p ? strrchr(p, '/') : NULL;

	if (!sl)
		return 0;
	char *d = sl == p ? xstrdup("/") : xstrndup(p, (size_t)(sl - p));
	uint64_t k = path_key(s, d);
	free(d);
	return k;
}

/* An entry of directory dir appeared or went: its listings so far are stale. */
static void entry_changed(struct side *s, const char *p)
{
	uint64_t d = parent_key(s, p);

	if (d)
		kmap_put(&s->fx.epoch, d, kmap_get(&s->fx.epoch, d) + 1);
}

static void set_exists(struct side *s, const char *p, uint64_t state)
{
	uint64_t k = path_key(s, p);

	if (k && kmap_get(&s->fx.exist, k) != state) {
		kmap_put(&s->fx.exist, k, state);
		entry_changed(s, p);
	}
}

bool random_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	b = b ? b + 1 : path;
	for (const char *q = b; q && *q;) {
		size_t n = 0;
		int lo = 0, up = 0, dig = 0;
		for (; (q[n] >= 'a' && q[n] <= 'z') || (q[n] >= 'A' && q[n] <= 'Z') ||
		       (q[n] >= '0' && q[n] <= '9'); n++) {
			lo |= q[n] >= 'a' && q[n] <= 'z';
			up |= q[n] >= 'A' && q[n] <= 'Z';
			dig |= q[n] >= '0' && q[n] <= '9';
		}
		if (n >= 6 && lo + up + dig >= 2)
			return true;
		q += n ? n : 1;
	}
	return false;
}

/* This trace created p: a name with a random part gets its ordinal in its directory
 * (the first such name made there is 1), which stands for it if it is gone at the end. */
static void made(struct side *s, const char *p)
{
	uint64_t k = path_key(s, p);

	if (!k || kmap_get(&s->fx.made, k) || !random_name(p))
		return;
	uint64_t d = parent_key(s, p), n = kmap_get(&s->fx.ntmp, d) + 1;
	kmap_put(&s->fx.ntmp, d, n);
	kmap_put(&s->fx.made, k, n);
	kmap_put(&s->fx.tmpdir, k, d);
}

/* Did p exist before this call?  What the tracer saw as the call began decides
 * ("existed" in the trace); else what this side did to it; else it is not known, and
 * a creating open counts as a creation. */
static bool existed(struct side *s, const struct sd_event *ev, const char *p)
{
	if (ev->pre != SD_PRE_UNKNOWN)
		return ev->pre == SD_PRE_EXISTED;
	uint64_t st = kmap_get(&s->fx.exist, path_key(s, p));

	return st == EXISTS;
}

static void drop(struct sd_sem *sem, const char *rule)
{
	sem->action = SD_SEM_PROBE;
	sem->rule = rule;
}

/* The process's umask, for the mode a creation made. */
static int umask_of(const struct side *s, int e)
{
	return s->ents[s->ents[e].proc].umask;
}

/* A regular file whose content and metadata the end state judges. */
static bool judged_by_end_state(const struct side *s, const char *p)
{
	const char *root = s->o->state_root;

	if (!root || !p || p[0] != '/' || !is_file_ref(s, p))
		return false;
	size_t n = strlen(root);
	return (n == 1 && root[0] == '/') ||
	       (!strncmp(p, root, n) && (p[n] == '/' || p[n] == '\0'));
}

void effect_refine(struct side *s, int e, const struct sd_event *ev, struct sd_sem *sem,
		   struct sd_sem_ctx *ctx)
{
	const char *cls = sem->cls ? sem->cls : "";
	const char *p = sd_sem_path(ev, false);
	bool ok = ev->finished && !sd_ret_is_error(ev->ret);

	ctx->umask = umask_of(s, e);
	ctx->grant = 0;
	ctx->track = false;
	if (!strcmp(ev->name, "umask") && ev->nargs > 0) {
		s->ents[s->ents[e].proc].umask = (int)(ev->args[0].raw & 0777);
		return;
	}
	int64_t fdn = ev->nargs > 0 && ev->args[0].type == SD_ARG_FD ? ev->args[0].raw : -1;
	uint64_t sk = XXH64(&fdn, sizeof fdn, (uint64_t)s->ents[e].proc + 1) | 1;
	if (!strcmp(cls, "close") && fdn >= 0) {
		kmap_put(&s->fx.streams, sk, 0);   /* a directory stream ends */
		return;
	}
	if (sem->action == SD_SEM_PROBE && !strcmp(cls, "getdents") && ok && fdn >= 0 &&
	    ev->args[0].ref) {
		/* a listing: the calls that read one open directory are one observation;
		 * listing it again is one only when an entry changed meanwhile */
		const char *d = ev->args[0].ref;
		uint64_t dk = path_key(s, d);
		if (kmap_get(&s->fx.streams, sk) == dk) {
			drop(sem, "list: the rest of a listing");
			return;
		}
		kmap_put(&s->fx.streams, sk, dk);
		uint64_t lk = XXH64(&dk, sizeof dk, (uint64_t)s->ents[e].proc + 1) | 1;
		uint64_t now = kmap_get(&s->fx.epoch, dk) + 1;
		if (kmap_get(&s->fx.listed, lk) == now) {
			drop(sem, "list: listed before, unchanged since");
			return;
		}
		kmap_put(&s->fx.listed, lk, now);
		sem->action = SD_SEM_CLASS;
		sem->cls = "list";
		return;
	}
	if (sem->action != SD_SEM_CLASS)
		return;
	if (!strcmp(cls, "thread") || (!strcmp(ev->name, "exit") && s->ents[e].is_thread)) {
		drop(sem, "thread: its calls are its process's");
		return;
	}
	if (!ok)
		return;
	if (!strcmp(cls, "open") || !strcmp(cls, "mkdir") || !strcmp(cls, "mknod")) {
		if (!strcmp(cls, "open") && (!p || !sd_sem_creates(ev)))
			return;   /* a device's open */
		if (!strcmp(cls, "open") && existed(s, ev, p)) {
			if (!sd_sem_truncates(ev)) {
				drop(sem, "open: the file existed (no creation)");
				return;
			}
			sem->cls = "truncate";   /* O_CREAT|O_TRUNC of a file that was there */
			if (judged_by_end_state(s, p))
				drop(sem, "end state: file content");
			return;
		}
		set_exists(s, p, EXISTS);
		made(s, p);
		int m = sd_sem_mode(ev);
		if (s->pass == 1 && p && m >= 0) {
			unsigned made = (unsigned)m & ~(unsigned)(ctx->umask > 0 ? ctx->umask : 0) & 07777;
			kmap_put(&s->fx.grant, path_key(s, p), (uint64_t)s->nrecs << 16 | 0x8000 | made);
			ctx->track = true;
		}
	} else if (!strcmp(cls, "symlink") || !strcmp(cls, "link")) {
		const char *n = strcmp(cls, "link") ? p : sd_sem_path(ev, true);
		set_exists(s, n, EXISTS);
		made(s, n);
	} else if (!strcmp(cls, "unlink") || !strcmp(cls, "rmdir")) {
		set_exists(s, p, REMOVED);
	} else if (!strcmp(cls, "rename")) {
		const char *to = sd_sem_path(ev, true);
		uint64_t g = kmap_get(&s->fx.grant, path_key(s, p));
		set_exists(s, p, REMOVED);
		set_exists(s, to, EXISTS);
		if (g && to) {   /* the object keeps its history under its new name */
			kmap_put(&s->fx.grant, path_key(s, p), 0);
			kmap_put(&s->fx.grant, path_key(s, to), g);
		}
	} else if (!strcmp(cls, "truncate") && judged_by_end_state(s, p)) {
		drop(sem, "end state: file content");
	} else if ((!strcmp(cls, "chmod") || !strcmp(cls, "acl") || !strcmp(cls, "chown") ||
		    !strcmp(cls, "utime")) && judged_by_end_state(s, p)) {
		/* the end state has the last mode, owner and times; a mode wider than
		 * both the first and the last one, given meanwhile, is remembered with
		 * the creation */
		uint64_t k = path_key(s, p), g = kmap_get(&s->fx.grant, k);
		int m = !strcmp(cls, "chmod") ? sd_sem_mode(ev) : !strcmp(cls, "acl") ? sd_sem_acl_mode(ev) : -1;
		if (g && m >= 0)
			kmap_put(&s->fx.grant, k, g | (uint64_t)m);
		drop(sem, "end state: metadata");
	}
}

/* ---- dependencies ---- */

static uint32_t low(uint64_t k)
{
	return (uint32_t)k | 1;
}

void effect_record(struct side *s, uint32_t ri, const struct sd_event *ev, const char *cls,
		   const struct sd_sem_ctx *ctx, uint64_t fold_target)
{
	struct dep d = { .umask = (int16_t)(ctx ? ctx->umask : -1) };

	if (s->pass != 1)
		return;
	/* the classes effect_refine gives that classifying the call alone does not */
	if (cls && !strcmp(cls, "list"))
		d.refined = REFINED_LIST;
	else if (cls && !strcmp(cls, "truncate"))
		d.refined = REFINED_TRUNCATE;
	if (fold_target) {
		d.obj[0] = low(fold_target);
	} else if (ev->kind != SD_EV_SYSCALL || (cls && (!strcmp(cls, "fork") ||
		   !strcmp(cls, "exec") || !strcmp(cls, "wait") || !strcmp(cls, "exit"))) ||
		   !strcmp(ev->name, "kill") || !strcmp(ev->name, "tgkill")) {
		d.barrier = 1;   /* between processes: ordered with everything */
		if (ev->kind == SD_EV_EXIT || (cls && !strcmp(cls, "exit")))
			d.kind = DEP_EXIT;
		else if (cls && !strcmp(cls, "exec"))
			d.kind = DEP_EXEC;
		else if (cls && !strcmp(cls, "wait"))
			d.kind = DEP_WAIT;
		else if (cls && !strcmp(cls, "fork") && ev->finished && ev->ret > 0) {
			d.kind = DEP_SPAWN;
			d.pid = (int32_t)ev->ret;
		}
	} else {
		for (int i = 0; i < 2; i++) {
			const char *p = sd_sem_path(ev, i);
			if (p) {
				d.obj[i] = low(path_key(s, p));
				uint64_t pk = parent_key(s, p);
				d.dir[i] = pk ? low(pk) : 0;
			}
		}
	}
	while (s->fx.ndeps < ri)   /* records made before the semantic level's own */
		PUSH(s->fx.deps, s->fx.ndeps, s->fx.capdeps, ((struct dep){ .umask = -1, .barrier = 1 }));
	if (s->fx.ndeps == ri)
		PUSH(s->fx.deps, s->fx.ndeps, s->fx.capdeps, d);
}

/* A creation's record, kept so that it can be keyed again by the widest mode. */
void effect_created(struct side *s, uint32_t ri, const char *cls, const uint64_t f[SD_NF])
{
	struct created c = { .rec = ri, .field = !strcmp(cls, "open") ? 3 : 2 };

	if (s->pass != 1)
		return;
	memcpy(c.f, f, sizeof c.f);
	PUSH(s->fx.created, s->fx.ncreated, s->fx.capcreated, c);
}

static void tmpref_add(struct side *s, uint32_t ri, const uint64_t path[2], const int8_t field[2],
		       const uint64_t f[SD_NF])
{
	struct tmpref t = { .rec = ri, .path = { path[0], path[1] }, .field = { field[0], field[1] } };

	memcpy(t.f, f, sizeof t.f);
	PUSH(s->fx.tmprefs, s->fx.ntmprefs, s->fx.captmprefs, t);
}

void effect_names(struct side *s, uint32_t ri, const struct sd_event *ev, const char *cls,
		  const uint64_t f[SD_NF])
{
	uint64_t path[2] = { 0, 0 };
	int8_t field[2] = { 0, 0 };
	bool any = false;

	if (s->pass != 1 || !cls)
		return;
	for (int i = 0; i < 2; i++) {
		const char *p = sd_sem_path(ev, i);
		if (p && random_name(p)) {
			path[i] = path_key(s, p);
			any = true;
		}
		/* the field that holds the path: the second for a symlink's own name and
		 * a rename's or link's new one */
		field[i] = (int8_t)(!strcmp(cls, "symlink") || i ? 2 : 1);
	}
	if (any)
		tmpref_add(s, ri, path, field, f);
}

void effect_fold_names(struct side *s, uint32_t ri, const char *ref, const uint64_t f[SD_NF])
{
	uint64_t path[2] = { ref && ref[0] == '/' ? path_key(s, ref) : 0, 0 };
	int8_t field[2] = { 1, 0 };

	if (s->pass == 1 && path[0])
		tmpref_add(s, ri, path, field, f);
}

/* A name this trace made with a random part and that is gone at the end was a
 * temporary one: the placeholder "the n-th temporary name made in directory D" stands
 * for it, so that two programs whose temporary names differ (sed's "./sedbCIcLL",
 * BusyBox's "in.txtG9HzzL") compare equal when they use them alike. */
static void name_temporaries(struct side *s)
{
	for (size_t i = 0; i < s->fx.ntmprefs; i++) {
		struct tmpref *t = &s->fx.tmprefs[i];
		bool changed = false;
		for (int j = 0; j < 2; j++) {
			uint64_t n = t->path[j] ? kmap_get(&s->fx.made, t->path[j]) : 0;
			if (!n || kmap_get(&s->fx.exist, t->path[j]) != REMOVED)
				continue;
			uint64_t ph[2] = { kmap_get(&s->fx.tmpdir, t->path[j]), n };
			t->f[t->field[j]] = XXH64(ph, sizeof ph, 53) | 1;
			changed = true;
		}
		if (changed && t->rec < s->nrecs)
			s->recs[t->rec].key = sd_sem_fields_key(t->f);
	}
}

/* A process whose last calls are: spawn a child, wait for it, exit (nothing else after
 * the spawn), where the child starts by exec'ing a program, did what exec'ing that
 * program in place would have done (env, nice, timeout, a shell's last command): its
 * stream continues with the child's, and the spawn, wait and exit are not compared.
 * Only the child's pid differs, which nobody but the waiting parent saw. */
static void merge_wrappers(struct side *s)
{
	for (size_t e = 0; e < s->nents; e++) {
		struct ent *p = &s->ents[e];
		if (p->is_thread || p->nrecs < 2)
			continue;
		size_t sp = p->nrecs;
		while (sp > 0 && p->nrecs - sp < 4) {
			const struct dep *d = dep_of(s, p->recs[sp - 1]);
			if (d && d->kind == DEP_SPAWN)
				break;
			sp--;
		}
		if (!sp)
			continue;
		const struct dep *spawn = dep_of(s, p->recs[sp - 1]);
		if (!spawn || spawn->kind != DEP_SPAWN)
			continue;
		bool only = true, waited = false;
		for (size_t i = sp; i < p->nrecs && only; i++) {
			const struct dep *d = dep_of(s, p->recs[i]);
			only = d && (d->kind == DEP_EXIT || (d->kind == DEP_WAIT && !waited));
			waited |= d && d->kind == DEP_WAIT;
		}
		if (!only || !waited)
			continue;
		int c = -1;
		for (size_t k = 0; k < s->nents && c < 0; k++)
			if (s->ents[k].tid == spawn->pid && s->ents[k].creator == (int)e &&
			    !s->ents[k].is_thread)
				c = (int)k;
		if (c < 0 || !s->ents[c].nrecs)
			continue;
		const struct dep *first = dep_of(s, s->ents[c].recs[0]);
		if (!first || first->kind != DEP_EXEC)
			continue;
		/* and it ended as the child did (its exit status, or the signal) */
		bool same_end = true;
		for (size_t i = sp; i < p->nrecs && same_end; i++) {
			const struct dep *d = dep_of(s, p->recs[i]);
			if (!d || d->kind != DEP_EXIT)
				continue;
			bool found = false;
			for (size_t k = 0; k < s->ents[c].nrecs && !found; k++)
				found = s->recs[s->ents[c].recs[k]].key == s->recs[p->recs[i]].key;
			same_end = found;
		}
		/* the spawn, the wait, and the end when it is the child's, go; an end of
		 * its own (another exit status) stays, after the child's calls */
		uint32_t *tail = xmalloc((p->nrecs - sp + 1) * sizeof *tail);
		size_t ntail = 0;
		for (size_t i = sp - 1; i < p->nrecs; i++) {
			const struct dep *d = dep_of(s, p->recs[i]);
			if (!same_end && d && d->kind == DEP_EXIT)
				tail[ntail++] = p->recs[i];
			else
				count_rule(s, "process: spawned and waited for, as exec");
		}
		p->nrecs = sp - 1;
		struct ent *ch = &s->ents[c];
		for (size_t i = 0; i < ch->nrecs; i++)
			PUSH(p->recs, p->nrecs, p->caprecs, ch->recs[i]);
		for (size_t i = 0; i < ntail; i++)
			PUSH(p->recs, p->nrecs, p->caprecs, tail[i]);
		free(tail);
		ch->nrecs = 0;
	}
}

/* After pass 1: a creation whose object was later given a wider mode is keyed by the
 * widest; the record's fields come back the same way when it is fetched. */
void effect_after(struct side *s)
{
	const struct kmap *g = &s->fx.grant;

	for (size_t i = 0; i < g->cap; i++) {
		if (!g->k[i] || !g->v[i])
			continue;
		uint32_t ri = (uint32_t)(g->v[i] >> 16);
		unsigned mode = (unsigned)g->v[i] & 07777;
		size_t c = rec_index(s->fx.created, s->fx.ncreated, sizeof *s->fx.created, ri);
		if (c >= s->fx.ncreated || ri >= s->fx.ndeps || ri >= s->nrecs)
			continue;
		struct created *cr = &s->fx.created[c];
		uint64_t mk = sd_sem_mode_key(mode);
		if (cr->f[cr->field] == mk)
			continue;   /* never wider than it was made */
		cr->f[cr->field] = mk;
		s->recs[ri].key = sd_sem_fields_key(cr->f);
		s->fx.deps[ri].grant = (uint16_t)(0x8000 | mode);
		/* a temporary name's record keyed again below starts from these fields */
		size_t t = rec_index(s->fx.tmprefs, s->fx.ntmprefs, sizeof *s->fx.tmprefs, ri);
		if (t < s->fx.ntmprefs)
			s->fx.tmprefs[t].f[cr->field] = mk;
	}
	name_temporaries(s);
	merge_wrappers(s);
}

void effects_reset(struct side *s)
{
	kmap_free(&s->fx.exist);
	kmap_free(&s->fx.epoch);
	kmap_free(&s->fx.listed);
	kmap_free(&s->fx.streams);
	kmap_free(&s->fx.grant);
	kmap_free(&s->fx.made);
	kmap_free(&s->fx.tmpdir);
	kmap_free(&s->fx.ntmp);
}

void effects_free(struct side *s)
{
	effects_reset(s);
	free(s->fx.created);
	s->fx.created = NULL;
	free(s->fx.tmprefs);
	s->fx.tmprefs = NULL;
	s->fx.ntmprefs = s->fx.captmprefs = 0;
	s->fx.ncreated = s->fx.capcreated = 0;
	free(s->fx.deps);
	s->fx.deps = NULL;
	s->fx.ndeps = s->fx.capdeps = 0;
}

const struct dep *dep_of(const struct side *s, uint32_t rec)
{
	return rec < s->fx.ndeps ? &s->fx.deps[rec] : NULL;
}
