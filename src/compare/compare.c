/* compare.c - load two traces into compact per-thread streams, pair and align them,
 * and collect the divergences (see compare.h; the rules are in docs/compare.md).
 *
 * Pass 1 reads each trace once and keeps, per compared event, a 64-bit key of its
 * normalized fields, a 32-bit shape (kind and name) and its ordinal in the trace:
 * 16 bytes plus 4 in its stream.  Pass 2 reads the traces again and keeps in full only
 * the events a report shows.  An strace log is read once more before pass 1, to learn
 * how many bytes of each buffer it shows (-s) and whether it names fd targets (-y). */
#define _GNU_SOURCE
#include "compare/compare.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare/diff.h"
#include "compare/semantic.h"
#include <jansson.h>
#include <xxhash.h>
#include "util/util.h"

const char sd_cmp_noise_spec[] =
	"brk,mmap,munmap,mprotect,mremap,madvise,futex,sched_yield,rt_sigaction,"
	"rt_sigprocmask,rt_sigreturn,sigaltstack,clock_gettime,clock_getres,gettimeofday,"
	"time,set_tid_address,set_robust_list,rseq,arch_prctl,prlimit64,getrandom";

void sd_cmp_default_noise(struct sd_sysset *s)
{
	char err[128];

	sd_sysset_clear(s);
	if (sd_sysset_parse(s, sd_cmp_noise_spec, err, sizeof err) < 0)
		sd_die("internal error: noise set: %s", err);
}

/* ---- growable arrays ---- */

#define PUSH(arr, n, cap, val) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? 2 * (cap) : 16; \
		(arr) = xrealloc((arr), (cap) * sizeof *(arr)); \
	} \
	(arr)[(n)++] = (val); \
} while (0)

/* ---- tid -> entity map (open addressing) ---- */

struct tidslot { int32_t tid; int32_t ent; };

struct tidmap {
	struct tidslot *t;
	size_t cap, used;
};

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

/* ---- one trace ---- */

struct rec {
	uint64_t key;
	uint64_t off;          /* JSONL: byte offset of the event's line, | SETTLE_* */
	uint32_t shape;
	uint32_t ord;          /* ordinal among all events of the trace (after folding) */
};

/* How an interrupted call that was never restarted was settled (see pend_release). */
#define OFF_MASK ((1ULL << 62) - 1)
#define SETTLE_EINTR (1ULL << 62)
#define SETTLE_UNFIN (2ULL << 62)

/* A thread or process as the trace saw it; one stream of events each. */
struct ent {
	pid_t tid;
	int creator;           /* entity whose fork/clone made it, -1 unknown */
	int proc;              /* entity of its thread group leader */
	int ordinal;           /* among its creator's children, or its process's threads */
	int nthr, nkids;       /* threads created in this process / processes by this thread */
	bool is_thread, dead, has_creator;
	char *label;
	uint32_t *recs;        /* indices into side.recs */
	size_t nrecs, caprecs;
	struct fold *folds;    /* semantic level: transfers being folded, by first appearance */
	size_t nfolds, capfolds;
};

/* Consecutive transfers of one thread to or from one file, folded into one event. */
struct fold {
	const char *cls;       /* "write" or "read" */
	uint64_t target;       /* key of the file */
	char *ref;             /* what the fd refers to (NULL: unknown, fdnum instead) */
	int64_t fdnum;
	bool file;             /* a regular file: content is checked through the end state */
	uint64_t total;
	uint32_t count;
	bool complete;         /* every byte is in the trace */
	XXH64_state_t *h;
	uint32_t ord;          /* of the first transfer */
	uint64_t off;
	struct sd_event first; /* pass 2: the first transfer, shown for the whole */
};

struct foldinfo {          /* what a folded record stands for, for the report */
	uint32_t rec;
	uint32_t count;
	uint64_t total;
	uint64_t chash;        /* content hash, 0 when not compared */
	uint64_t target;
	const char *cls;
};

struct pidref {            /* pid-valued fields of one record, resolved after pass 1 */
	uint32_t rec;
	int32_t ent[2];        /* entity, -2 - entity for a process group (negative pid),
				  REF_OUTSIDE(_GROUP) for a process not in the trace */
	int n;
};
#define REF_OUTSIDE INT32_MIN
#define REF_OUTSIDE_GROUP (INT32_MIN + 1)

struct qev {               /* an event read and not yet emitted, with its line's offset */
	struct sd_event ev;
	uint64_t off;
};

struct pend {              /* an interrupted call waiting for its continuation */
	pid_t tid;
	struct qev ev;
	struct qev *q;         /* events of the same thread meanwhile */
	size_t nq, capq;
	bool sigreturned;
};

struct side {
	const char *path;
	struct sd_cmp_side *out;
	const struct sd_cmp_opts *o;
	struct sd_norm_opts nopts;
	int pass;
	struct sd_input *in;
	struct sd_norm *norm;

	struct ent *ents;
	size_t nents, capents;
	struct tidmap tids;
	int root;
	pid_t root_pid;
	bool root_exec_seen;
	int orphans;

	struct rec *recs;
	size_t nrecs, caprecs;
	struct pidref *prefs;
	size_t nprefs, capprefs;
	int32_t cur_ent[2];
	int ncur;

	struct pend *pends;
	size_t npends, cappends;
	struct sd_profiles *prof;   /* runtime profiles, from the root's first execve */
	struct foldinfo *finfo;     /* pass 1: folded records, in record order */
	size_t nfinfo, capfinfo;
	uint64_t nrec2;             /* pass 2: records made so far */

	uint32_t ord;
	uint64_t kept;
	uint64_t drop_nr[SD_NR_MAX];
	struct sd_cmp_drop *drop_other;
	size_t ndrop_other, capdrop_other;

	/* pass 2 */
	const uint32_t *want;  /* sorted record indices to keep */
	size_t nwant, wpos;
	struct sd_cmp_event *got;   /* parallel to want */
	size_t ngot;
	char **labels;         /* pass 1's labels by entity */
	size_t nlabels;
	const struct pidref *fref;  /* pass 3: the pid fields of the event being fetched */
	int fi;
	char *flabel[2];

	/* pre-scan of strace logs */
	bool pass0_skip;       /* not an strace log: nothing to learn */
	bool any_ref;
	uint32_t cut_min;
};

static int ent_new(struct side *s, pid_t tid)
{
	struct ent e = { .tid = tid, .creator = -1, .proc = (int)s->nents, .nthr = 1 };

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

/* A drop by a named rule (a syscall, signal or event kind, a profile, a probe). */
static void count_rule(struct side *s, const char *rule)
{
	if (s->pass != 1)
		return;
	s->out->filtered++;
	for (size_t i = 0; i < s->ndrop_other; i++)
		if (!strcmp(s->drop_other[i].name, rule)) {
			s->drop_other[i].n++;
			return;
		}
	struct sd_cmp_drop d = { .n = 1 };
	snprintf(d.name, sizeof d.name, "%s", rule);
	PUSH(s->drop_other, s->ndrop_other, s->capdrop_other, d);
}

static void count_drop(struct side *s, const struct sd_event *ev, int nr)
{
	if (s->pass != 1)
		return;
	if (ev->kind == SD_EV_SYSCALL && nr >= 0 && nr < SD_NR_MAX) {
		s->out->filtered++;
		s->drop_nr[nr]++;   /* by number: no name lookup on the hot path */
		return;
	}
	count_rule(s, ev->kind == SD_EV_SYSCALL ? ev->name :
		      ev->kind == SD_EV_SIGNAL ? sd_signal_name(ev->sig) : sd_ev_kind_name(ev->kind));
}

static bool is_exec(const struct sd_event *ev)
{
	return !strcmp(ev->name, "execve") || !strcmp(ev->name, "execveat");
}

/* Is this event compared?  Counts what is not. */
static bool is_file_ref(const struct side *s, const char *ref);

/* Does ev's file (first path argument, or first fd's target) lie in the state root? */
static bool under_root(const struct side *s, const struct sd_event *ev)
{
	const char *root = s->o->state_root, *p = NULL;
	size_t n = strlen(root);

	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS && !p; i++) {
		const struct sd_arg *a = &ev->args[i];
		if (a->type == SD_ARG_PATH)
			p = a->abs;
		else if (a->type == SD_ARG_FD && a->ref)
			p = a->ref;
	}
	return p && !strncmp(p, root, n) && (p[n] == '/' || p[n] == '\0');
}

static bool keep_event(struct side *s, const struct sd_event *ev, int e)
{
	int nr = -1;

	switch (ev->kind) {
	case SD_EV_SYSCALL:
		nr = ev->nr >= 0 && ev->nr < SD_NR_MAX ? ev->nr : sd_syscall_nr(ev->name);
		if (!s->root_exec_seen && e == s->root && is_exec(ev)) {
			s->root_exec_seen = true;
			if (s->pass == 1 && !s->out->argv && ev->nargs > 1 && ev->args[1].strv) {
				const struct sd_arg *a = &ev->args[1];
				s->out->argv = xcalloc((size_t)a->nstrv + 1, sizeof *s->out->argv);
				for (int i = 0; i < a->nstrv; i++)
					s->out->argv[i] = xstrdup(a->strv[i] ? a->strv[i] : "");
			}
			if (s->o->profiles && !s->prof)
				s->prof = sd_profiles_for(ev);
			if (!s->o->root_exec) {
				count_drop(s, ev, -1);
				return false;
			}
		}
		if (nr >= 0 && nr < SD_NR_MAX && sd_sysset_has(&s->o->ignore, nr)) {
			count_drop(s, ev, nr);
			return false;
		}
		if (s->o->profiles) {
			const char *rule;
			if (!s->prof)
				s->prof = sd_profiles_for(NULL);
			if (sd_profiles_match(s->prof, ev, &rule)) {
				count_rule(s, rule);
				return false;
			}
		}
		if (s->o->semantic) {
			struct sd_sem sem;
			sd_sem_classify(ev, &sem);
			/* a seek is seen outside only on a file others share (stdin); elsewhere
			 * it shows in where later writes land, that is, in the end state */
			if (sem.action == SD_SEM_CLASS && !strcmp(sem.cls, "seek") && ev->nargs > 0 &&
			    is_file_ref(s, ev->args[0].ref)) {
				sem.action = SD_SEM_PROBE;
				sem.cls = "lseek";
			}
			if (sem.action == SD_SEM_CLASS && s->o->state_root &&
			    (!strcmp(sem.cls, "chmod") || !strcmp(sem.cls, "chown") ||
			     !strcmp(sem.cls, "utime")) && under_root(s, ev)) {
				sem.action = SD_SEM_PROBE;
				sem.cls = "end state: metadata";
			}
			if (sem.action == SD_SEM_PROBE) {
				char r[48];
				snprintf(r, sizeof r, "probe: %s", sem.cls ? sem.cls : ev->name);
				count_rule(s, r);
				return false;
			}
		}
		return true;
	case SD_EV_SIGNAL:
		if (ev->sig == SIGCHLD && !s->o->keep_sigchld) {
			count_drop(s, ev, -1);
			return false;
		}
		return true;
	case SD_EV_SUPERSEDED:
	case SD_EV_DETACHED:
		count_drop(s, ev, -1);
		return false;
	default:
		return true;
	}
}

/* Key the fetched event c and name its pid fields (labels from pid_key, in field order). */
static const struct foldinfo *foldinfo_of(const struct side *s, uint32_t rec);

static void fetched_keys(struct side *s, struct sd_cmp_event *c)
{
	struct sd_sem sem = { SD_SEM_KEEP, NULL, NULL };

	s->fi = 0;
	s->flabel[0] = s->flabel[1] = NULL;
	if (s->o->semantic && c->ev.kind == SD_EV_SYSCALL)
		sd_sem_classify(&c->ev, &sem);
	if (sem.action == SD_SEM_CLASS) {
		sd_sem_key(s->norm, &c->ev, sem.cls, c->f);
		c->cls = sem.cls;
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
static struct sd_cmp_event *next_slot(struct side *s, uint32_t *ri)
{
	*ri = (uint32_t)s->nrec2++;
	while (s->wpos < s->nwant && s->want[s->wpos] < *ri)
		s->wpos++;
	return s->wpos < s->nwant && s->want[s->wpos] == *ri ? &s->got[s->wpos] : NULL;
}

/* A record for a kept event of entity e (not a transfer being folded). */
static void add_record(struct side *s, int e, struct sd_event *ev, uint32_t ord, uint64_t off,
		       const struct sd_sem *sem)
{
	s->ncur = 0;
	if (s->pass == 1) {
		uint64_t f[SD_NF];
		bool cls = sem->action == SD_SEM_CLASS;
		struct rec r = { cls ? sd_sem_key(s->norm, ev, sem->cls, f) : sd_norm_event(s->norm, ev, f),
				 off, cls ? (uint32_t)sd_norm_hash(sem->cls, strlen(sem->cls), 5) | 1 :
					    sd_norm_shape(ev), ord };
		PUSH(s->recs, s->nrecs, s->caprecs, r);
		uint32_t ri = (uint32_t)s->nrecs - 1;
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
		fetched_keys(s, c);
		s->ngot++;
	}
}

static bool is_file_ref(const struct side *s, const char *ref)
{
	if (!ref || ref[0] != '/' || !strncmp(ref, "/dev/", 5))
		return false;
	for (size_t i = 0; s->o->content_paths && s->o->content_paths[i]; i++) {
		const char *cd = s->o->content_paths[i];
		size_t n = strlen(cd);
		if (!strncmp(ref, cd, n) && (ref[n] == '/' || ref[n] == '\0'))
			return false;
	}
	return true;
}

/* Add a transfer (cls "write"/"read") of len bytes to entity e's folds. */
static void fold_one(struct side *s, int e, const char *cls, const struct sd_arg *fd,
		     const struct sd_event *ev, uint64_t len, const unsigned char *data,
		     bool complete, uint32_t ord, uint64_t off)
{
	struct ent *x = &s->ents[e];
	struct fold *f = NULL;

	for (size_t i = 0; i < x->nfolds; i++)
		if (x->folds[i].cls == cls && (fd->ref ? x->folds[i].ref && !strcmp(x->folds[i].ref, fd->ref)
						       : !x->folds[i].ref && x->folds[i].fdnum == fd->raw))
			f = &x->folds[i];
	if (!f && !len)
		return;   /* nothing moved (an end of file): not a transfer of its own */
	if (!f) {
		uint64_t target = fd->ref ? sd_norm_ref_key(s->norm, fd->ref) :
					    sd_norm_hash(&fd->raw, sizeof fd->raw, 47);
		struct fold n = { .cls = cls, .target = target, .file = is_file_ref(s, fd->ref),
				  .complete = true, .h = XXH64_createState(), .ord = ord, .off = off,
				  .ref = fd->ref ? xstrdup(fd->ref) : NULL, .fdnum = fd->raw };
		XXH64_reset(n.h, 0);
		sd_event_init(&n.first);
		if (s->pass == 2)
			sd_event_copy(&n.first, ev);
		PUSH(x->folds, x->nfolds, x->capfolds, n);
		f = &x->folds[x->nfolds - 1];
	} else if (s->pass == 1) {
		s->out->folded++;
	}
	f->total += len;
	f->count++;
	if (complete && data && len)
		XXH64_update(f->h, data, (size_t)len);
	else if (!complete)
		f->complete = false;
}

static void fold_add(struct side *s, int e, const struct sd_event *ev, const struct sd_sem *sem,
		     uint32_t ord, uint64_t off)
{
	uint64_t len, kept;
	const unsigned char *data;
	bool complete;

	sd_sem_payload(ev, &len, &data, &kept, &complete);
	if (!strcmp(sem->cls, "copy")) {
		/* sendfile(out, in, ...); copy_file_range/splice(in, off, out, ...) */
		bool sf = !strcmp(ev->name, "sendfile");
		int in = sf ? 1 : 0, out = sf ? 0 : 2;
		if (ev->nargs > out) {
			fold_one(s, e, "read", &ev->args[in], ev, len, NULL, len == 0, ord, off);
			fold_one(s, e, "write", &ev->args[out], ev, len, NULL, len == 0, ord, off);
		}
		return;
	}
	const char *cls = sem->action == SD_SEM_WRITE ? "write" : "read";
	if (ev->nargs > 0)
		fold_one(s, e, cls, &ev->args[0], ev, len, data, complete, ord, off);
}

/* Class, then streams (pipes, sockets, the std captures) before files, then the name:
 * an order that does not depend on when, nor on random scratch directory names. */
static int cmp_fold(const void *a, const void *b)
{
	const struct fold *x = a, *y = b;
	int c = strcmp(x->cls, y->cls);

	if (c)
		return c;
	if (x->file != y->file)
		return x->file ? 1 : -1;
	bool xp = x->ref && x->ref[0] == '/', yp = y->ref && y->ref[0] == '/';
	if (xp && yp)
		return strcmp(x->ref, y->ref);
	if (xp != yp)
		return xp ? 1 : -1;
	/* pipes and sockets: by their normalized name (pipe:#1), not the inode number */
	return x->target < y->target ? -1 : x->target > y->target;
}

/* The folds of entity e become records, in an order of their own (class, then file):
 * which file a thread wrote first is no more visible outside than when. */
static void flush_folds(struct side *s, int e)
{
	struct ent *x = &s->ents[e];

	if (x->nfolds > 1)
		qsort(x->folds, x->nfolds, sizeof *x->folds, cmp_fold);
	for (size_t i = 0; i < x->nfolds; i++) {
		struct fold *f = &x->folds[i];
		/* regular files: what was written is the end state's business (and a copy
		 * offload carries no data); how much of one was read is nobody else's */
		uint64_t chash = f->complete && !f->file ? XXH64_digest(f->h) | 1 : 0;
		bool rd_file = f->file && !strcmp(f->cls, "read");
		uint64_t fk[SD_NF] = { sd_norm_hash(f->cls, strlen(f->cls), 3), f->target,
				       rd_file ? 0 : f->total + 1, chash };
		uint64_t key = XXH64(fk, sizeof fk, 0) | 1;
		uint32_t shape = (uint32_t)sd_norm_hash(f->cls, strlen(f->cls), 5) | 1;
		if (s->pass == 1) {
			struct rec r = { key, f->off, shape, f->ord };
			PUSH(s->recs, s->nrecs, s->caprecs, r);
			uint32_t ri = (uint32_t)s->nrecs - 1;
			x = &s->ents[e];
			PUSH(x->recs, x->nrecs, x->caprecs, ri);
			struct foldinfo fi = { ri, f->count, f->total, chash, f->target, f->cls };
			PUSH(s->finfo, s->nfinfo, s->capfinfo, fi);
		} else {
			uint32_t ri;
			struct sd_cmp_event *c = next_slot(s, &ri);
			if (c) {
				c->ev = f->first;
				sd_event_init(&f->first);
				c->num = (uint64_t)ri + 1;
				memcpy(c->f, fk, sizeof fk);
				c->cls = f->cls;
				c->folded = true;
				c->fold_count = f->count;
				c->fold_total = f->total;
				s->ngot++;
			}
		}
		sd_event_clear(&f->first);
		XXH64_freeState(f->h);
		free(f->ref);
	}
	x->nfolds = 0;
}

/* Folds never flushed (the input ended in an error): free them. */
static void drop_folds(struct ent *x)
{
	for (size_t i = 0; i < x->nfolds; i++) {
		sd_event_clear(&x->folds[i].first);
		XXH64_freeState(x->folds[i].h);
		free(x->folds[i].ref);
	}
	free(x->folds);
	x->folds = NULL;
	x->nfolds = x->capfolds = 0;
}

static void flush_all_folds(struct side *s)
{
	for (size_t e = 0; e < s->nents; e++)
		flush_folds(s, (int)e);
}

/* The index of record rec in n elements of size bytes, sorted by the record number
 * each starts with (a uint32_t), or n when it is not there. */
static size_t rec_index(const void *base, size_t n, size_t size, uint32_t rec)
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

static const struct foldinfo *foldinfo_of(const struct side *s, uint32_t rec)
{
	size_t i = rec_index(s->finfo, s->nfinfo, sizeof *s->finfo, rec);
	return i < s->nfinfo ? &s->finfo[i] : NULL;
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
	if (keep_event(s, ev, e)) {
		struct sd_sem sem = { SD_SEM_KEEP, NULL, NULL };
		s->kept++;
		if (s->o->semantic && ev->kind == SD_EV_SYSCALL)
			sd_sem_classify(ev, &sem);
		if (sem.action == SD_SEM_WRITE || sem.action == SD_SEM_READ) {
			fold_add(s, e, ev, &sem, ord, off);
		} else {
			/* a thread's transfers fold per file over its whole life: where in the
			 * sequence the bytes went is not visible outside, how many and which are */
			if (ev->kind == SD_EV_EXIT || ev->kind == SD_EV_KILLED ||
			    (ev->kind == SD_EV_SYSCALL && (is_exec(ev) || !strcmp(ev->name, "exit") ||
							   !strcmp(ev->name, "exit_group"))))
				flush_folds(s, e);
			add_record(s, e, ev, ord, off, &sem);
		}
	}
	if (ev->kind == SD_EV_EXIT || ev->kind == SD_EV_KILLED)
		s->ents[e].dead = true;
	sd_event_clear(ev);
}

/* ---- restarted calls, folded while streaming (see sd_events_fold_restarts) ---- */

static struct pend *pend_of(struct side *s, pid_t tid)
{
	for (size_t i = 0; i < s->npends; i++)
		if (s->pends[i].tid == tid)
			return &s->pends[i];
	return NULL;
}

/* What the program saw of an interrupted call never restarted. */
static void settle(struct sd_event *ev, uint64_t how)
{
	ev->interrupted = false;
	if (how == SETTLE_UNFIN)
		ev->finished = false;
	else if (how == SETTLE_EINTR)
		ev->ret = -EINTR;
}

/* Settle pending p: drop the interrupted call into cont (if given), or give it what the
 * program saw; then let the queued events out. */
static void pend_release(struct side *s, struct pend *p, struct sd_event *cont, uint64_t coff,
			 bool died)
{
	struct pend me = *p;

	*p = s->pends[--s->npends];   /* remove first: emit() must not see it */
	if (cont) {
		uint64_t end = cont->t_ns + cont->dur_ns;
		cont->t_ns = me.ev.ev.t_ns;
		cont->dur_ns = end - me.ev.ev.t_ns;
		sd_event_clear(&me.ev.ev);
	} else {
		uint64_t how = died ? SETTLE_UNFIN : SETTLE_EINTR;
		settle(&me.ev.ev, how);
		emit(s, &me.ev.ev, me.ev.off | how);
	}
	for (size_t i = 0; i < me.nq; i++)
		emit(s, &me.q[i].ev, me.q[i].off);
	free(me.q);
	if (cont)
		emit(s, cont, coff);
}

#define PEND_QUEUE_MAX 100000

static void feed(struct side *s, struct sd_event *ev, uint64_t off)
{
	struct pend *p = pend_of(s, ev->tid);

	if (p) {
		bool dies = ev->kind == SD_EV_EXIT || ev->kind == SD_EV_KILLED ||
			    ev->kind == SD_EV_DETACHED || ev->kind == SD_EV_SUPERSEDED;
		if (ev->kind == SD_EV_SYSCALL && ev->restart_of == p->ev.ev.seq) {
			pend_release(s, p, ev, off, false);
			return;
		}
		if (dies && !p->nq) {
			pend_release(s, p, NULL, 0, true);
		} else if (dies || p->nq >= PEND_QUEUE_MAX ||
			   (ev->kind == SD_EV_SYSCALL && p->sigreturned)) {
			/* Not continued: the program saw EINTR once its handler returned. */
			pend_release(s, p, NULL, 0, false);
		} else {
			if (ev->kind == SD_EV_SYSCALL && !strcmp(ev->name, "rt_sigreturn"))
				p->sigreturned = true;
			struct qev q = { *ev, off };
			PUSH(p->q, p->nq, p->capq, q);
			sd_event_init(ev);
			return;
		}
	}
	if (ev->kind == SD_EV_SYSCALL && ev->interrupted) {
		struct pend n = { .tid = ev->tid, .ev = { *ev, off } };
		sd_event_init(ev);
		PUSH(s->pends, s->npends, s->cappends, n);
		return;
	}
	emit(s, ev, off);
}

static void flush_pends(struct side *s)
{
	while (s->npends)
		pend_release(s, &s->pends[0], NULL, 0, false);
}

/* ---- reading ---- */

static int open_side(struct side *s, const char *strace_cwd, char **err)
{
	struct sd_input_opts io = { .name = s->out->name, .strace_cwd = strace_cwd };

	s->in = sd_input_open(s->path, &io, err);
	return s->in ? 0 : -1;
}

static void reset_side(struct side *s)
{
	for (size_t i = 0; i < s->nents; i++) {
		free(s->ents[i].label);
		free(s->ents[i].recs);
		drop_folds(&s->ents[i]);
	}
	free(s->ents);
	s->ents = NULL;
	s->nents = s->capents = 0;
	free(s->tids.t);
	memset(&s->tids, 0, sizeof s->tids);
	s->root = -1;
	s->root_exec_seen = false;
	s->orphans = 0;
	s->ord = 0;
	s->kept = 0;
	sd_norm_free(s->norm);
	s->norm = NULL;
}

/* Read the whole input through the pipeline.  pass 0: only learn the strace log's
 * buffer limit and fd naming; 1: build records; 2: fetch the wanted events. */
static int run_pass(struct side *s, int pass, const char *strace_cwd, char **err)
{
	struct sd_event ev;
	int rc;

	s->pass = pass;
	if (open_side(s, strace_cwd, err) < 0)
		return -1;
	const struct sd_trace_info *ti = sd_input_info(s->in);
	s->root_pid = ti->pid;
	s->norm = sd_norm_new(&s->nopts, pid_key, s);
	while ((rc = sd_input_next(s->in, &ev, err)) > 0) {
		if (pass == 0) {
			for (int i = 0; i < ev.nargs && i < SD_MAX_ARGS; i++) {
				const struct sd_arg *a = &ev.args[i];
				if (a->type == SD_ARG_FD && a->ref)
					s->any_ref = true;
				if (a->type == SD_ARG_BUF && !a->buf.hash_valid && a->buf.kept < a->buf.len &&
				    (!s->cut_min || a->buf.kept < s->cut_min))
					s->cut_min = a->buf.kept ? a->buf.kept : 1;
			}
			if (ev.ret_ref)
				s->any_ref = true;
			sd_event_clear(&ev);
			continue;
		}
		feed(s, &ev, sd_input_offset(s->in) & OFF_MASK);
	}
	if (rc == 0 && pass > 0) {
		flush_pends(s);
		flush_all_folds(s);
	}
	if (rc == 0 && pass == 1) {
		const struct sd_trace_end *te = sd_input_end(s->in);
		struct sd_cmp_side *o = s->out;
		o->fmt = sd_input_format(s->in);
		o->compressed = sd_input_compressed(s->in);
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
	}
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

/* ---- alignment ---- */

struct prow {              /* a row of one stream pair: positions in the two streams */
	int32_t a, b;
	uint8_t kind;
};

struct pair {
	int ent[2];            /* -1: no stream on that side */
	const char *label;
	struct prow *rows;
	size_t nrows, caprows;
};

struct divref {
	uint64_t sortkey;
	uint32_t pair;
	uint32_t row;          /* PROC_*: unused */
	uint32_t count;        /* MISSING/EXTRA: consecutive rows of that kind */
	uint8_t kind;
};

static int cmp_label(const void *a, const void *b, void *priv)
{
	const struct side *s = priv;
	const int *x = a, *y = b;

	return strcmp(s->ents[*x].label, s->ents[*y].label);
}

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

/* Of a long run of missing or extra calls, the report shows the first few and the last. */
static bool row_shown(const struct divref *d, size_t r)
{
	return d->count <= SD_GROUP_SHOWN + 1 || r < d->row + SD_GROUP_SHOWN ||
	       r >= d->row + d->count - 1;
}

static uint32_t rec_at(const struct side *s, int ent, int32_t pos)
{
	return s->ents[ent].recs[pos];
}

/* At the semantic level a call made in another place of the same stream is not a
 * difference (a directory walked in another order, files written in another order):
 * pair each missing call with an extra one of equal key.  The end state still judges
 * the outcome. */
struct keyrow { uint64_t key; size_t row; };

static int cmp_keyrow(const void *a, const void *b)
{
	const struct keyrow *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static void accept_reordered(struct side sd[2], struct pair *p, uint64_t *count)
{
	size_t nx = 0;
	struct keyrow *ex = xmalloc((p->nrows + 1) * sizeof *ex);

	for (size_t r = 0; r < p->nrows; r++)
		if (p->rows[r].kind == SD_ROW_EXTRA)
			ex[nx++] = (struct keyrow){ sd[1].recs[rec_at(&sd[1], p->ent[1], p->rows[r].b)].key, r };
	if (nx)
		qsort(ex, nx, sizeof *ex, cmp_keyrow);
	for (size_t r = 0; r < p->nrows && nx; r++) {
		struct prow *w = &p->rows[r];
		if (w->kind != SD_ROW_MISSING)
			continue;
		uint64_t k = sd[0].recs[rec_at(&sd[0], p->ent[0], w->a)].key;
		size_t lo = 0, hi = nx;
		while (lo < hi) {   /* the first extra row of this key still unused */
			size_t mid = (lo + hi) / 2;
			if (ex[mid].key < k)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (lo < nx && ex[lo].key == k && p->rows[ex[lo].row].kind != SD_ROW_EXTRA)
			lo++;
		if (lo >= nx || ex[lo].key != k)
			continue;
		struct prow *x = &p->rows[ex[lo].row];
		w->kind = SD_ROW_SAME;   /* the original's call, */
		x->kind = SD_ROW_SAME;   /* and the rewrite's, made elsewhere */
		x->a = -1;
		w->b = -1;
		(*count)++;
	}
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

static int cmp_divref(const void *a, const void *b)
{
	const struct divref *x = a, *y = b;

	if (x->sortkey != y->sortkey)
		return x->sortkey < y->sortkey ? -1 : 1;
	if (x->pair != y->pair)
		return x->pair < y->pair ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static const struct sd_cmp_event *find_got(const struct side *s, uint32_t rec)
{
	/* got[] is parallel to want[], which is sorted and unique */
	size_t i = rec_index(s->want, s->nwant, sizeof *s->want, rec);
	return i < s->nwant && s->got[i].num ? &s->got[i] : NULL;
}


struct offidx { uint64_t off; uint32_t i; };

static int cmp_offidx(const void *a, const void *b)
{
	const struct offidx *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
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
	if (open_side(s, NULL, err) < 0) {
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
		settle(&c->ev, s->recs[r].off & ~OFF_MASK);
		c->num = (uint64_t)r + 1;
		const struct foldinfo *fi = foldinfo_of(s, r);
		if (fi) {   /* the first transfer of a fold stands for all of them */
			uint64_t fk[SD_NF] = { sd_norm_hash(fi->cls, strlen(fi->cls), 3), fi->target,
					       fi->total + 1, fi->chash };
			memcpy(c->f, fk, sizeof fk);
			c->cls = fi->cls;
			c->folded = true;
			c->fold_count = fi->count;
			c->fold_total = fi->total;
			s->ngot++;
			continue;
		}
		s->fref = pidref_of(s, r);
		fetched_keys(s, c);
		s->ngot++;
	}
	s->fref = NULL;
	sd_input_close(s->in);
	s->in = NULL;
	free(ix);
	return rc;
}

static void free_side(struct side *s)
{
	reset_side(s);
	free(s->recs);
	free(s->prefs);
	free(s->drop_other);
	free(s->finfo);
	sd_profiles_free(s->prof);
	for (size_t i = 0; i < s->npends; i++) {
		sd_event_clear(&s->pends[i].ev.ev);
		for (size_t j = 0; j < s->pends[i].nq; j++)
			sd_event_clear(&s->pends[i].q[j].ev);
		free(s->pends[i].q);
	}
	free(s->pends);
	for (size_t i = 0; i < s->nlabels; i++)
		free(s->labels[i]);
	free(s->labels);
	sd_input_close(s->in);
}

/* Copy pass 1's labels aside: pass 2 rebuilds the entities in the same order. */
static void keep_labels(struct side *s)
{
	s->nlabels = s->nents;
	s->labels = xcalloc(s->nents + 1, sizeof *s->labels);
	for (size_t i = 0; i < s->nents; i++)
		s->labels[i] = xstrdup(s->ents[i].label);
}

struct job {
	struct side *s;
	int pass;
	const char *cwd;
	char *err;
	int rc;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	struct side *s = j->s;

	if (j->pass == 0 && s->pass0_skip) {
		j->rc = 0;
		return NULL;
	}
	j->rc = run_pass(s, j->pass, j->cwd, &j->err);
	if (j->rc == 0 && j->pass == 1) {
		resolve_pids(s);
		finish_drops(s);
		s->out->events = s->ord;
		s->out->compared = s->nrecs;
	}
	return NULL;
}

/* Run a pass over both traces, the second in a thread of its own (they share nothing
 * but read-only tables).  On failure *err names the first trace that failed. */
static int both_passes(struct side sd[2], int pass, const char *const cwd[2], char **err)
{
	struct job j[2] = { { &sd[0], pass, cwd[0], NULL, 0 }, { &sd[1], pass, cwd[1], NULL, 0 } };
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, job_run, &j[1]) == 0;

	job_run(&j[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		job_run(&j[1]);
	int bad = j[0].rc < 0 ? 0 : j[1].rc < 0 ? 1 : -1;
	if (bad >= 0) {
		*err = j[bad].err;
		j[bad].err = NULL;
	}
	free(j[0].err);
	free(j[1].err);
	return bad >= 0 ? -1 : 0;
}

static char *spool_stdin(char **err)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0) {
		char tmpl[] = "/tmp/sysdiff-stdin-XXXXXX";
		fd = mkstemp(tmpl);
		if (fd >= 0)
			unlink(tmpl);
	}
	if (fd < 0) {
		*err = xasprintf("<stdin>: cannot keep a copy in /tmp: %s", strerror(errno));
		return NULL;
	}
	if (sd_copy_fd(0, fd) < 0) {
		*err = xasprintf("<stdin>: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	return xasprintf("/proc/self/fd/%d", fd);   /* fd stays open for both passes */
}

int sd_compare(const char *const path[2], const struct sd_cmp_opts *o,
	       struct sd_cmp_result *res, char **err)
{
	struct side sd[2];
	char *spooled = NULL;
	int rc = -1;
	struct pair *pairs = NULL;
	size_t npairs = 0, cappairs = 0;
	struct divref *dv = NULL;
	size_t ndv = 0, capdv = 0;
	uint32_t *want[2] = { NULL, NULL };
	char *jcwd[2] = { NULL, NULL };
	size_t nwant[2] = { 0, 0 }, capwant[2] = { 0, 0 };

	memset(res, 0, sizeof *res);
	memset(sd, 0, sizeof sd);
	res->exact = true;
	if (!strcmp(path[0], "-") && !strcmp(path[1], "-")) {
		*err = xstrdup("only one of the two traces can be read from stdin");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		struct side *s = &sd[i];
		s->path = path[i];
		s->out = &res->side[i];
		s->o = o;
		s->root = -1;
		s->out->name = xstrdup(o->names[i] ? o->names[i] :
				       !strcmp(path[i], "-") ? "<stdin>" : path[i]);
		if (!strcmp(path[i], "-")) {
			if (!(spooled = spool_stdin(err)))
				goto out;
			s->path = spooled;
		}
	}

	json_object_seed(0);   /* before threads: jansson seeds its hash on first use */
	/* Learn each input's format; strace logs get a pre-scan.  They do not record
	 * their start directory: assume the other trace's unless told. */
	const char *cwd[2] = { o->strace_cwd, o->strace_cwd };
	enum sd_input_format fmt[2];
	uint32_t maxb[2] = { 0, 0 };
	for (int i = 0; i < 2; i++) {
		if (open_side(&sd[i], NULL, err) < 0)
			goto out;
		fmt[i] = sd_input_format(sd[i].in);
		const struct sd_trace_info *ti = sd_input_info(sd[i].in);
		if (fmt[i] == SD_FMT_JSONL) {
			maxb[i] = ti->max_bytes;
			if (ti->cwd)
				jcwd[!i] = xstrdup(ti->cwd);
		}
		sd_input_close(sd[i].in);
		sd[i].in = NULL;
	}
	for (int i = 0; i < 2; i++)
		if (!o->strace_cwd)
			cwd[i] = jcwd[i];
	bool by_number = false;
	uint32_t limit = 0;
	for (int i = 0; i < 2; i++)
		sd[i].pass0_skip = fmt[i] != SD_FMT_STRACE;
	if ((fmt[0] == SD_FMT_STRACE || fmt[1] == SD_FMT_STRACE) && both_passes(sd, 0, cwd, err) < 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		if (fmt[i] != SD_FMT_STRACE)
			continue;
		reset_side(&sd[i]);
		if (!sd[i].any_ref)
			by_number = true;
		res->side[i].content_limit = sd[i].cut_min;
		if (sd[i].cut_min && (!limit || sd[i].cut_min < limit))
			limit = sd[i].cut_min;
	}
	if (limit)
		for (int i = 0; i < 2; i++)
			if (fmt[i] == SD_FMT_JSONL && maxb[i] && maxb[i] < limit)
				limit = maxb[i];
	res->content_limit = limit;

	/* Pass 1, both traces at once. */
	for (int i = 0; i < 2; i++)
		sd[i].nopts = (struct sd_norm_opts){ .maps = o->maps, .nmaps = o->nmaps,
			.ignore_cloexec = o->ignore_cloexec, .content_limit = limit,
			.fds_by_number = by_number };
	if (both_passes(sd, 1, cwd, err) < 0)
		goto out;

	/* Pair streams by label. */
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
		PUSH(pairs, npairs, cappairs, p);
		x += c <= 0;
		y += c >= 0;
	}
	free(ord[0]);
	free(ord[1]);

	/* Align, and list the divergences in the original's order. */
	for (size_t i = 0; i < npairs; i++) {
		struct pair *p = &pairs[i];
		if (p->ent[0] < 0 || p->ent[1] < 0) {
			int side = p->ent[0] < 0;
			const struct ent *e = &sd[side].ents[p->ent[side]];
			struct divref d = { side ? UINT64_MAX / 2 + e->recs[0] : 2 * ((uint64_t)e->recs[0] + 1),
					    (uint32_t)i, 0, 1,
					    (uint8_t)(side ? SD_DIV_PROC_EXTRA : SD_DIV_PROC_MISSING) };
			PUSH(dv, ndv, capdv, d);
			continue;
		}
		align_pair(&sd[0], &sd[1], p, &res->exact);
		if (o->semantic)
			accept_reordered(sd, p, &res->reordered);
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
			struct divref *prev = ndv ? &dv[ndv - 1] : NULL;
			/* a run of missing (or extra) calls is one divergence */
			if (prev && d.kind != SD_DIV_CHANGED && prev->kind == d.kind &&
			    prev->pair == d.pair && prev->row + prev->count == d.row)
				prev->count++;
			else
				PUSH(dv, ndv, capdv, d);
			if (na)
				last_a = na;
		}
	}
	if (ndv)
		qsort(dv, ndv, sizeof *dv, cmp_divref);
	res->ndivs = ndv;
	res->equivalent = ndv == 0;
	res->nreported = ndv < o->max_report ? ndv : o->max_report;

	/* Which events the report shows. */
	int ctx = o->context < 1 ? 1 : o->context;
	for (size_t k = 0; k < res->nreported; k++) {
		const struct divref *d = &dv[k];
		const struct pair *p = &pairs[d->pair];
		if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
			int side = d->kind == SD_DIV_PROC_EXTRA;
			const struct ent *e = &sd[side].ents[p->ent[side]];
			for (size_t j = 0; j < e->nrecs && j < 3; j++)
				PUSH(want[side], nwant[side], capwant[side], e->recs[j]);
			continue;
		}
		size_t lo = d->row > (uint32_t)ctx ? d->row - ctx : 0;
		size_t last = d->row + d->count - 1;
		size_t hi = last + ctx < p->nrows ? last + ctx : p->nrows - 1;
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

	/* Pass 2: fetch them. */
	for (int i = 0; i < 2; i++) {
		struct side *s = &sd[i];
		if (nwant[i])
			qsort(want[i], nwant[i], sizeof *want[i], cmp_u32);
		size_t u = 0;
		for (size_t j = 0; j < nwant[i]; j++)
			if (!u || want[i][u - 1] != want[i][j])
				want[i][u++] = want[i][j];
		nwant[i] = u;
		s->want = want[i];
		s->nwant = u;
		s->got = xcalloc(u + 1, sizeof *s->got);
		s->ngot = 0;
		if (!u)
			continue;
		if (fmt[i] == SD_FMT_JSONL) {
			if (fetch_by_offset(s, err) < 0)
				goto out;
			continue;
		}
		/* strace logs: one event may span lines, so replay the whole pipeline; it
		 * builds the same entities in the same order, named by pass 1's labels */
		keep_labels(s);
		struct rec *recs = s->recs;
		size_t nrec = s->nrecs;
		struct ent *ents = s->ents;
		size_t nents = s->nents;
		s->ents = NULL;
		s->nents = s->capents = 0;
		free(s->tids.t);
		memset(&s->tids, 0, sizeof s->tids);
		s->root = -1;
		s->root_exec_seen = false;
		s->ord = 0;
		s->kept = 0;
		sd_norm_free(s->norm);
		s->norm = NULL;
		s->recs = NULL;
		s->nrecs = 0;
		int prc = run_pass(s, 2, cwd[i], err);
		for (size_t e = 0; e < s->nents; e++) {
			free(s->ents[e].label);
			free(s->ents[e].recs);
			drop_folds(&s->ents[e]);
		}
		free(s->ents);
		free(s->recs);
		s->ents = ents;
		s->nents = s->capents = nents;
		s->recs = recs;
		s->nrecs = nrec;
		if (prc < 0)
			goto out;
		if (s->ngot != u) {
			*err = xasprintf("%s: the input changed while it was being compared",
					 s->out->name);
			goto out;
		}
	}

	/* The report's view. */
	res->divs = xcalloc(res->nreported + 1, sizeof *res->divs);
	for (size_t k = 0; k < res->nreported; k++) {
		const struct divref *d = &dv[k];
		const struct pair *p = &pairs[d->pair];
		struct sd_div *out = &res->divs[k];
		out->kind = d->kind;
		if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
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
		} else {
			size_t lo = d->row > (uint32_t)ctx ? d->row - ctx : 0;
			size_t last = d->row + d->count - 1;
			size_t hi = last + ctx < p->nrows ? last + ctx : p->nrows - 1;
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
		out->label = xstrdup(p->label);
	}
	/* hand the fetched events over to the result */
	rc = 0;
	res->priv_events[0] = sd[0].got;
	res->priv_nevents[0] = sd[0].ngot;
	res->priv_events[1] = sd[1].got;
	res->priv_nevents[1] = sd[1].ngot;
	sd[0].got = sd[1].got = NULL;
out:
	free(jcwd[0]);
	free(jcwd[1]);
	for (size_t i = 0; i < npairs; i++)
		free(pairs[i].rows);
	free(pairs);
	free(dv);
	for (int i = 0; i < 2; i++) {
		free(want[i]);
		if (sd[i].got) {
			for (size_t j = 0; j < sd[i].ngot; j++) {
				sd_event_clear(&sd[i].got[j].ev);
				for (int f = 0; f < SD_NF; f++)
					free(sd[i].got[j].pid_label[f]);
			}
			free(sd[i].got);
		}
		free_side(&sd[i]);
	}
	if (spooled) {
		int fd = atoi(spooled + strlen("/proc/self/fd/"));
		close(fd);
		free(spooled);
	}
	if (rc < 0)
		sd_cmp_result_free(res);
	return rc;
}

void sd_cmp_result_free(struct sd_cmp_result *res)
{
	for (size_t k = 0; k < res->nreported && res->divs; k++) {
		free(res->divs[k].rows);
		free((char *)res->divs[k].label);
	}
	free(res->divs);
	for (int i = 0; i < 2; i++) {
		struct sd_cmp_side *s = &res->side[i];
		free(s->name);
		if (s->argv)
			for (size_t j = 0; s->argv[j]; j++)
				free(s->argv[j]);
		free(s->argv);
		free(s->incomplete_reason);
		free(s->drops);
		for (size_t j = 0; j < res->priv_nevents[i]; j++) {
			sd_event_clear(&res->priv_events[i][j].ev);
			for (int f = 0; f < SD_NF; f++)
				free(res->priv_events[i][j].pid_label[f]);
		}
		free(res->priv_events[i]);
	}
	memset(res, 0, sizeof *res);
}
