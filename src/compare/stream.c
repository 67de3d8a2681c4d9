/* stream.c - one trace read into entities (each thread and process) and their streams
 * of compact records (compare_int.h); the wanted events fetched back in full.
 *
 * Pass 1 keeps, per compared event, a 64-bit key of its normalized fields, a 32-bit
 * shape (kind and name) and its ordinal in the trace: 24 bytes plus 4 in its stream.
 * Restarted calls are folded on the way (event/restart.h).  Pass 2 reads the trace
 * again and keeps in full only the events a report shows: from a sysdiff trace by
 * skipping unparsed to the recorded offsets, from an strace log, where one event may
 * span lines, by replaying the pipeline.  An strace log is read once more before pass
 * 1 (pass 0), to learn how many bytes of each buffer it shows (-s) and whether it names
 * fd targets (-y). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare/compare_int.h"
#include "decode/decode.h"

/* ---- tid -> entity ---- */


static int map_get(const struct tidmap *m, pid_t tid)
{
	if (!m->cap)
		return -1;
	size_t j = ((uint32_t)tid * 2654435761u) & (m->cap - 1);
	while (m->t[j].tid) {
		if (m->t[j].tid == tid)
			return m->t[j].ent;
		j = (j + 1) & (m->cap - 1);
	}
	return -1;
}

static void map_put(struct tidmap *m, pid_t tid, int ent)
{
	if ((m->used + 1) * 2 > m->cap) {
		struct tidmap n = { xcalloc(m->cap ? 2 * m->cap : 64, sizeof *n.t),
				    m->cap ? 2 * m->cap : 64, 0 };
		for (size_t i = 0; i < m->cap; i++)
			if (m->t[i].tid)
				map_put(&n, m->t[i].tid, m->t[i].ent);
		free(m->t);
		*m = n;
	}
	size_t j = ((uint32_t)tid * 2654435761u) & (m->cap - 1);
	while (m->t[j].tid && m->t[j].tid != tid)
		j = (j + 1) & (m->cap - 1);
	if (!m->t[j].tid)
		m->used++;
	m->t[j].tid = tid;
	m->t[j].ent = ent;
}

/* ---- entities and their names ---- */

static int ent_new(struct side *s, pid_t tid)
{
	struct ent e = { .tid = tid, .creator = -1, .proc = (int)s->nents, .nthr = 1,
			 .umask = s->umask0 };

	PUSH(s->ents, s->nents, s->capents, e);
	int i = (int)s->nents - 1;
	map_put(&s->tids, tid, i);
	if (s->root < 0 && (!s->root_pid || tid == s->root_pid))
		s->root = i;
	return i;
}

static int ent_of(struct side *s, pid_t tid)
{
	int e = map_get(&s->tids, tid);

	return e >= 0 && !s->ents[e].dead ? e : ent_new(s, tid);
}

/* A successful fork/clone in entity cur made child tid c. */
static void spawned(struct side *s, int cur, const struct sd_event *ev, pid_t c)
{
	bool thr = ev->nargs > 0 && ev->args[0].text && strstr(ev->args[0].text, "CLONE_THREAD");
	int e = map_get(&s->tids, c);

	if (e < 0 || s->ents[e].dead || s->ents[e].has_creator || e == s->root)
		e = ent_new(s, c);
	struct ent *ch = &s->ents[e];
	ch->creator = cur;
	ch->has_creator = true;
	ch->is_thread = thr;
	ch->umask = s->ents[s->ents[cur].proc].umask;   /* a process inherits it */
	if (thr) {
		int p = s->ents[cur].proc;
		ch->proc = p;
		ch->ordinal = ++s->ents[p].nthr;
	} else {
		ch->proc = e;
		ch->ordinal = ++s->ents[cur].nkids;
	}
}

/* Labels: the root is p1; a process is its creator's label + ".N"; a thread is its
 * process's label + ":tN" (the leader being t1); unknown origins are xN. */
static const char *label_of(struct side *s, int e, int depth)
{
	struct ent *x = &s->ents[e];

	if (x->label)
		return x->label;
	if (e == s->root)
		x->label = xstrdup("p1");
	else if (!x->has_creator || depth > 4096)
		x->label = xasprintf("x%d", ++s->orphans);
	else if (x->is_thread) {
		const char *p = label_of(s, s->ents[e].proc == e ? s->ents[e].creator : s->ents[e].proc,
					 depth + 1);
		s->ents[e].label = xasprintf("%s:t%d", p, s->ents[e].ordinal);
	} else {
		const char *p = label_of(s, s->ents[e].creator, depth + 1);
		s->ents[e].label = xasprintf("%s.%d", p, s->ents[e].ordinal);
	}
	return s->ents[e].label;
}

static const char *ent_label(struct side *s, int e)
{
	if (s->pass == 1)
		return label_of(s, e, 0);
	return e >= 0 && (size_t)e < s->nlabels ? s->labels[e] : "?";
}

/* The key part of a pid-valued field: the place of that process in the tree. */
static char *pid_text(struct side *s, int64_t v)
{
	bool group = v < -1;
	int e = map_get(&s->tids, (pid_t)(group ? -v : v));

	if (e < 0)
		return xstrdup(group ? "-outside" : "outside");
	return xasprintf("%s%s", group ? "-" : "", ent_label(s, e));
}

static char *ref_text(const struct side *s, int32_t ref)
{
	if (ref == REF_OUTSIDE || ref == REF_OUTSIDE_GROUP)
		return xstrdup(ref == REF_OUTSIDE ? "outside" : "-outside");
	int e = ref < 0 ? -2 - ref : ref;
	return xasprintf("%s%s", ref < 0 ? "-" : "", s->ents[e].label);
}

static uint64_t pid_key(void *priv, int64_t v)
{
	struct side *s = priv;
	char *t;

	if (s->pass == 1) {
		int e = map_get(&s->tids, (pid_t)(v < -1 ? -v : v));
		if (s->ncur < 2)
			s->cur_ent[s->ncur++] = e < 0 ? (v < -1 ? REF_OUTSIDE_GROUP : REF_OUTSIDE) :
						v < -1 ? -2 - e : e;
		return 0;    /* resolved after pass 1 */
	}
	if (s->pass == 3) {   /* fetching by offset: the refs pass 1 recorded */
		if (!s->fref || s->fi >= s->fref->n || s->fi >= 2)
			return 0;
		t = ref_text(s, s->fref->ent[s->fi]);
	} else {
		t = pid_text(s, v);
	}
	uint64_t k = sd_norm_hash(t, strlen(t), 3);
	if (s->fi < 2)
		s->flabel[s->fi++] = t;
	else
		free(t);
	return k;
}

/* ---- records ---- */

/* Key the fetched event c and name its pid fields (labels from pid_key, in field order). */
static void fetched_keys(struct side *s, struct sd_cmp_event *c, const struct sd_sem *given)
{
	struct sd_sem sem = { SD_SEM_KEEP, NULL, NULL };

	s->fi = 0;
	s->flabel[0] = s->flabel[1] = NULL;
	if (given) {
		sem = *given;
	} else if (s->o->semantic && c->ev.kind == SD_EV_SYSCALL) {
		/* pass 3: the class as pass 1 found it, refined by the effect model (a
		 * getdents kept as a listing, an O_CREAT|O_TRUNC open of a file that was
		 * there as a truncation) */
		const struct dep *d = dep_of(s, (uint32_t)(c->num - 1));
		sd_sem_classify(&c->ev, &sem);
		if (d && d->refined) {
			sem.action = SD_SEM_CLASS;
			sem.cls = d->refined == REFINED_LIST ? "list" : "truncate";
		}
	}
	if (sem.action == SD_SEM_CLASS) {
		const struct dep *d = dep_of(s, (uint32_t)(c->num - 1));
		struct sd_sem_ctx ctx = { d ? d->umask : -1, d ? d->grant : 0, false };
		sd_sem_key(s->norm, &c->ev, sem.cls, &ctx, c->f);
		c->cls = sem.cls;
		c->umask = ctx.umask;
		c->grant = ctx.grant;
		return;
	}
	sd_norm_event(s->norm, &c->ev, c->f);
	unsigned pf = c->ev.kind == SD_EV_SYSCALL ? sd_norm_pid_fields(c->ev.name) : 0;
	int k = 0;
	for (int i = 1; i < SD_NF; i++) {
		if (!(pf & (1u << i)))
			continue;
		if (i < SD_NF_RET && i > c->ev.nargs)
			continue;
		int64_t v = i == SD_NF_RET ? c->ev.ret : (int)c->ev.args[i - 1].raw;
		if (i == SD_NF_RET && (!c->ev.finished || sd_ret_is_error(v)))
			continue;
		if (v == 0 || v == -1)
			c->pid_label[i] = xasprintf("%lld", (long long)v);
		else if (k < 2 && s->flabel[k])
			c->pid_label[i] = s->flabel[k++];
	}
	for (; k < 2; k++)
		free(s->flabel[k]);
}

/* Pass 2: is the next record wanted?  Returns its slot or NULL; counts records. */
struct sd_cmp_event *next_slot(struct side *s, uint32_t *ri)
{
	*ri = (uint32_t)s->nrec2++;
	while (s->wpos < s->nwant && s->want[s->wpos] < *ri)
		s->wpos++;
	return s->wpos < s->nwant && s->want[s->wpos] == *ri ? &s->got[s->wpos] : NULL;
}

/* A record for a kept event of entity e (not a transfer being folded). */
void add_record(struct side *s, int e, struct sd_event *ev, uint32_t ord, uint64_t off,
		const struct sd_sem *sem, const struct sd_sem_ctx *ctx)
{
	s->ncur = 0;
	if (s->pass == 1) {
		uint64_t f[SD_NF];
		bool cls = sem->action == SD_SEM_CLASS;
		struct rec r = { cls ? sd_sem_key(s->norm, ev, sem->cls, ctx, f) : sd_norm_event(s->norm, ev, f),
				 off, cls ? (uint32_t)sd_norm_hash(sem->cls, strlen(sem->cls), 5) | 1 :
					    sd_norm_shape(ev), ord };
		PUSH(s->recs, s->nrecs, s->caprecs, r);
		uint32_t ri = (uint32_t)s->nrecs - 1;
		if (s->o->semantic) {
			effect_record(s, ri, ev, sem->cls, ctx, 0);
			if (cls && ctx->track)
				effect_created(s, ri, sem->cls, f);
			if (cls)
				effect_names(s, ri, ev, sem->cls, f);
		}
		struct ent *x = &s->ents[e];
		PUSH(x->recs, x->nrecs, x->caprecs, ri);
		if (s->ncur) {
			struct pidref p = { ri, { s->cur_ent[0], s->ncur > 1 ? s->cur_ent[1] : 0 }, s->ncur };
			PUSH(s->prefs, s->nprefs, s->capprefs, p);
		}
		return;
	}
	uint32_t ri;
	struct sd_cmp_event *c = next_slot(s, &ri);
	if (c) {
		c->ev = *ev;
		sd_event_init(ev);
		c->num = (uint64_t)ri + 1;
		fetched_keys(s, c, sem);
		s->ngot++;
	}
}

/* The index of record rec in n elements of size bytes, sorted by the record number
 * each starts with (a uint32_t), or n when it is not there. */
size_t rec_index(const void *base, size_t n, size_t size, uint32_t rec)
{
	size_t lo = 0, hi = n;
	uint32_t r;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		memcpy(&r, (const char *)base + mid * size, sizeof r);
		if (r < rec)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n)
		memcpy(&r, (const char *)base + lo * size, sizeof r);
	return lo < n && r == rec ? lo : n;
}

uint32_t rec_at(const struct side *s, int ent, int32_t pos)
{
	return s->ents[ent].recs[pos];
}

/* An event, restarts folded, in trace order.  Takes the event's contents.  off: where
 * its line starts (JSONL) and how it was settled (SETTLE_*). */
static void emit(struct side *s, struct sd_event *ev, uint64_t off)
{
	uint32_t ord = s->ord++;
	int e = ent_of(s, ev->tid);

	if (ev->kind == SD_EV_SYSCALL && ev->finished && !sd_ret_is_error(ev->ret) &&
	    ev->ret > 0 && ev->ret <= INT32_MAX && sd_norm_is_spawn(ev->name))
		spawned(s, e, ev, (pid_t)ev->ret);
	struct sd_sem sem;
	struct sd_sem_ctx ctx;
	if (s->o->explain_paths)
		explain_note(s, ev, off);
	if (keep_event(s, ev, e, &sem, &ctx)) {
		/* the semantic level compares a process's calls in one stream, whichever
		 * of its threads made them: per object, not per thread */
		int re = s->o->semantic ? s->ents[e].proc : e;
		s->kept++;
		if (sem.action == SD_SEM_WRITE || sem.action == SD_SEM_READ) {
			fold_add(s, re, ev, &sem, ord, off);
		} else {
			/* a process's transfers fold per file over its whole life: where in the
			 * sequence the bytes went is not visible outside, how many and which are */
			if (ev->kind == SD_EV_EXIT || ev->kind == SD_EV_KILLED ||
			    (ev->kind == SD_EV_SYSCALL && (is_exec(ev) || !strcmp(ev->name, "exit") ||
							   !strcmp(ev->name, "exit_group"))))
				flush_folds(s, re);
			add_record(s, re, ev, ord, off, &sem, &ctx);
		}
	}
	if (ev->kind == SD_EV_EXIT || ev->kind == SD_EV_KILLED)
		s->ents[e].dead = true;
	sd_event_clear(ev);
}

/* The restart folder hands over each event with its line's offset and how it settled. */
static void refolded(void *priv, struct sd_event *ev, uint64_t off, enum sd_settle how)
{
	emit(priv, ev, off | (how == SD_SETTLE_EINTR ? SETTLE_EINTR :
			      how == SD_SETTLE_UNFINISHED ? SETTLE_UNFIN : 0));
}

/* ---- reading ---- */

int side_open(struct side *s, const char *strace_cwd, char **err)
{
	struct sd_input_opts io = { .name = s->out->name, .strace_cwd = strace_cwd };

	s->in = sd_input_open(s->path, &io, err);
	return s->in ? 0 : -1;
}

/* Entities and what they own. */
static void free_ents(struct side *s)
{
	for (size_t i = 0; i < s->nents; i++) {
		free(s->ents[i].label);
		free(s->ents[i].recs);
		drop_folds(&s->ents[i]);
	}
	free(s->ents);
	s->ents = NULL;
	s->nents = s->capents = 0;
}

void side_reset(struct side *s)
{
	free_ents(s);
	free(s->tids.t);
	memset(&s->tids, 0, sizeof s->tids);
	s->root = -1;
	s->root_exec_seen = false;
	s->orphans = 0;
	s->ord = 0;
	s->kept = 0;
	effects_reset(s);
	sd_norm_free(s->norm);
	s->norm = NULL;
}

/* Pass 0: the most bytes an strace log shows of a buffer (-s), whether it names fds (-y),
 * whether it lists directories' entries (-v) or only their number.  A listing is not
 * bytes cut at -s (strace shows its entries, or none), so it does not count for -s. */
static void learn_strace(struct side *s, const struct sd_event *ev)
{
	bool dirents = ev->kind == SD_EV_SYSCALL && sd_dirent_call(ev->name) >= 0;

	if (dirents && sd_norm_dirents_counted(ev))
		s->dirents_counted = true;
	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS; i++) {
		const struct sd_arg *a = &ev->args[i];
		if (a->type == SD_ARG_FD && a->ref)
			s->any_ref = true;
		if (a->type == SD_ARG_BUF && !dirents && !a->buf.hash_valid && a->buf.kept < a->buf.len &&
		    (!s->cut_min || a->buf.kept < s->cut_min))
			s->cut_min = a->buf.kept ? a->buf.kept : 1;
	}
	if (ev->ret_ref)
		s->any_ref = true;
}

/* After pass 1 read the whole input: what the trace says of its end.  A sysdiff trace
 * without its trailer is an error (the input is closed). */
static int side_ended(struct side *s, const struct sd_trace_info *ti, char **err)
{
	const struct sd_trace_end *te = sd_input_end(s->in);

	struct sd_cmp_side *o = s->out;
	o->fmt = sd_input_format(s->in);
	o->compression = sd_input_compression(s->in);
	if (ti->argv && !o->argv) {
		size_t n = 0;
		while (ti->argv[n])
			n++;
		o->argv = xcalloc(n + 1, sizeof *o->argv);
		for (size_t i = 0; i < n; i++)
			o->argv[i] = xstrdup(ti->argv[i]);
	}
	if (te) {
		o->complete = te->complete;
		o->incomplete_reason = te->complete ? NULL :
			xstrdup(te->reason ? te->reason : "the trace says it is incomplete");
		o->has_status = true;
		o->exit_status = te->exit_status;
		count_unrecorded(s, te->unrecorded, te->nunrecorded);
	} else if (o->fmt == SD_FMT_JSONL) {
		/* a sysdiff trace always ends with its trailer */
		*err = xasprintf("%s:%lu: truncated trace (no end record after this line; "
				 "was the tracer killed?)", s->out->name, sd_input_lineno(s->in));
		sd_input_close(s->in);
		s->in = NULL;
		return -1;
	} else {
		o->complete = false;
		o->incomplete_reason = xstrdup("the log does not show the traced command's end");
	}
	return 0;
}

/* Read the whole input through the pipeline.  pass 0: only learn the strace log's
 * buffer limit and fd naming; 1: build records; 2: fetch the wanted events. */
int side_pass(struct side *s, int pass, const char *strace_cwd, char **err)
{
	struct sd_event ev;
	int rc;

	s->pass = pass;
	if (side_open(s, strace_cwd, err) < 0)
		return -1;
	const struct sd_trace_info *ti = sd_input_info(s->in);
	s->root_pid = ti->pid;
	s->umask0 = ti->umask_known ? ti->umask : s->o->umask_known ? s->o->umask : -1;
	s->norm = sd_norm_new(&s->nopts, pid_key, s);
	s->refold = sd_refold_new(refolded, s);
	while ((rc = sd_input_next(s->in, &ev, err)) > 0) {
		if (pass == 0) {
			learn_strace(s, &ev);
			sd_event_clear(&ev);
			continue;
		}
		sd_refold_feed(s->refold, &ev, sd_input_offset(s->in) & OFF_MASK);
	}
	if (rc == 0 && pass > 0) {
		sd_refold_flush(s->refold);
		flush_all_folds(s);
	}
	sd_refold_free(s->refold);
	s->refold = NULL;
	if (rc == 0 && pass == 1 && side_ended(s, ti, err) < 0)
		return -1;
	sd_input_close(s->in);
	s->in = NULL;
	return rc < 0 ? -1 : 0;
}

/* ---- after pass 1 ---- */

static void resolve_pids(struct side *s)
{
	for (size_t i = 0; i < s->nents; i++)
		label_of(s, (int)i, 0);
	for (size_t i = 0; i < s->nprefs; i++) {
		struct pidref *p = &s->prefs[i];
		uint64_t k = s->recs[p->rec].key;
		for (int j = 0; j < p->n && j < 2; j++) {
			char *l = ref_text(s, p->ent[j]);
			k = sd_norm_hash(l, strlen(l), k);
			free(l);
		}
		s->recs[p->rec].key = k ? k : 1;
	}
}

static const struct pidref *pidref_of(const struct side *s, uint32_t rec)
{
	size_t i = rec_index(s->prefs, s->nprefs, sizeof *s->prefs, rec);  /* in record order */
	return i < s->nprefs ? &s->prefs[i] : NULL;
}

static int cmp_drop(const void *a, const void *b)
{
	const struct sd_cmp_drop *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void finish_drops(struct side *s)
{
	struct sd_cmp_side *o = s->out;

	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		if (!s->drop_nr[nr])
			continue;
		struct sd_cmp_drop d = { .n = s->drop_nr[nr] };
		const char *name = sd_syscall_name(nr);
		snprintf(d.name, sizeof d.name, "%s", name ? name : "?");
		PUSH(s->drop_other, s->ndrop_other, s->capdrop_other, d);
	}
	if (s->ndrop_other)
		qsort(s->drop_other, s->ndrop_other, sizeof *s->drop_other, cmp_drop);
	o->drops = s->drop_other;
	o->ndrops = s->ndrop_other;
	s->drop_other = NULL;
}

void side_after_pass1(struct side *s)
{
	if (s->o->semantic)
		effect_after(s);
	resolve_pids(s);
	finish_drops(s);
	s->out->events = s->ord + s->unrecorded;
	s->out->compared = s->nrecs;
}

/* ---- passes 2 and 3: the wanted events in full ---- */

struct offidx { uint64_t off; uint32_t i; };

static int cmp_offidx(const void *a, const void *b)
{
	const struct offidx *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* What the program saw of a call that pass 1 settled (the bits kept in rec.off). */
static void settle_fetched(struct sd_event *ev, uint64_t how)
{
	ev->interrupted = false;
	sd_event_settle(ev, how == SETTLE_UNFIN ? SD_SETTLE_UNFINISHED :
			    how == SETTLE_EINTR ? SD_SETTLE_EINTR : SD_SETTLE_NONE);
}

/* Pass 3 (sysdiff traces): read the wanted events back from their lines' offsets,
 * without parsing the others. */
static int fetch_by_offset(struct side *s, char **err)
{
	struct offidx *ix = xmalloc((s->nwant + 1) * sizeof *ix);
	int rc = 0;

	s->pass = 3;
	for (size_t i = 0; i < s->nwant; i++)
		ix[i] = (struct offidx){ s->recs[s->want[i]].off & OFF_MASK, (uint32_t)i };
	qsort(ix, s->nwant, sizeof *ix, cmp_offidx);
	if (side_open(s, NULL, err) < 0) {
		free(ix);
		return -1;
	}
	for (size_t k = 0; k < s->nwant; k++) {
		uint32_t i = ix[k].i, r = s->want[i];
		struct sd_cmp_event *c = &s->got[i];
		if (k && ix[k].off == ix[k - 1].off) {
			/* one line, two records: a copy offload is a read and a write */
			sd_event_copy(&c->ev, &s->got[ix[k - 1].i].ev);
		} else if (sd_input_next_at(s->in, ix[k].off, &c->ev, err) < 0) {
			rc = -1;
			break;
		}
		settle_fetched(&c->ev, s->recs[r].off & ~OFF_MASK);
		c->num = (uint64_t)r + 1;
		const struct foldinfo *fi = foldinfo_of(s, r);
		if (fi) {   /* the first transfer of a fold stands for all of them */
			fold_keys(fi->cls, fi->target, fi->total + 1, fi->chash, c->f);
			c->cls = fi->cls;
			c->folded = true;
			c->fold_count = fi->count;
			c->fold_total = fi->total;
			s->ngot++;
			continue;
		}
		s->fref = pidref_of(s, r);
		fetched_keys(s, c, NULL);
		s->ngot++;
	}
	s->fref = NULL;
	sd_input_close(s->in);
	s->in = NULL;
	free(ix);
	return rc;
}

/* Copy pass 1's labels aside: pass 2 rebuilds the entities in the same order. */
static void keep_labels(struct side *s)
{
	s->nlabels = s->nents;
	s->labels = xcalloc(s->nents + 1, sizeof *s->labels);
	for (size_t i = 0; i < s->nents; i++)
		s->labels[i] = xstrdup(s->ents[i].label);
}

/* Pass 2 (strace logs): one event may span lines, so replay the whole pipeline; it
 * builds the same entities in the same order, named by pass 1's labels. */
static int fetch_by_replay(struct side *s, const char *strace_cwd, char **err)
{
	keep_labels(s);
	struct rec *recs = s->recs;
	size_t nrec = s->nrecs;
	struct ent *ents = s->ents;
	size_t nents = s->nents;
	s->ents = NULL;
	s->nents = s->capents = 0;
	side_reset(s);
	s->recs = NULL;
	s->nrecs = 0;
	int prc = side_pass(s, 2, strace_cwd, err);
	free_ents(s);
	free(s->recs);
	s->ents = ents;
	s->nents = s->capents = nents;
	s->recs = recs;
	s->nrecs = nrec;
	if (prc < 0)
		return -1;
	if (s->ngot != s->nwant) {
		*err = xasprintf("%s: the input changed while it was being compared", s->out->name);
		return -1;
	}
	return 0;
}

int side_fetch(struct side *s, const char *strace_cwd, char **err)
{
	if (!s->nwant)
		return 0;
	if (s->out->fmt == SD_FMT_JSONL)
		return fetch_by_offset(s, err);
	return fetch_by_replay(s, strace_cwd, err);
}

void side_free(struct side *s)
{
	side_reset(s);
	effects_free(s);
	kmap_free(&s->xmap);
	free(s->xnotes);
	free(s->recs);
	free(s->prefs);
	free(s->drop_other);
	free(s->finfo);
	sd_profiles_free(s->prof);
	sd_refold_free(s->refold);
	for (size_t i = 0; i < s->nlabels; i++)
		free(s->labels[i]);
	free(s->labels);
	sd_input_close(s->in);
}
