/* transfer.c - semantic level: a thread's transfers to or from one file (write,
 * writev, pwrite, sendfile, copy_file_range, splice, and the reads likewise) folded into
 * one record over the thread's life: how many bytes and which went where is visible
 * outside, how they were chunked and in what order the files were written is not. */
#include <stdlib.h>
#include <string.h>
#include "compare/compare_int.h"

void fold_keys(const char *cls, uint64_t target, uint64_t total_key, uint64_t chash,
	       uint64_t f[SD_NF])
{
	uint64_t fk[SD_NF] = { sd_norm_hash(cls, strlen(cls), 3), target, total_key, chash };

	memcpy(f, fk, sizeof fk);
}

/* The folds of a thread are found by (class, what the fd refers to) through a hash
 * table: a thread that writes to a hundred thousand files must not scan its folds for
 * each write.  cls is one of the literals "read" and "write" of this file. */
static uint64_t fold_hash(const char *cls, const char *ref, int64_t fdnum)
{
	uint64_t seed = cls[0] == 'w' ? 11 : 13;

	return ref ? sd_norm_hash(ref, strlen(ref), seed) : sd_norm_hash(&fdnum, sizeof fdnum, seed + 1);
}

static bool fold_is(const struct fold *f, const char *cls, const char *ref, int64_t fdnum)
{
	return f->cls == cls && (ref ? f->ref && !strcmp(f->ref, ref) : !f->ref && f->fdnum == fdnum);
}

/* Fold i (0-based) into x's table, at the first free slot from its hash. */
static void fslot_put(struct ent *x, size_t i)
{
	size_t k = x->folds[i].hk & (x->nfslot - 1);

	while (x->fslot[k])
		k = (k + 1) & (x->nfslot - 1);
	x->fslot[k] = (uint32_t)i + 1;
}

/* Rebuild x's table for its folds as they are now (grown, or sorted). */
static void fold_reindex(struct ent *x)
{
	size_t n = x->nfslot ? x->nfslot : 16;

	while (n < 2 * (x->nfolds + 1))
		n *= 2;
	if (n != x->nfslot) {
		free(x->fslot);
		x->fslot = xcalloc(n, sizeof *x->fslot);
		x->nfslot = n;
	} else {
		memset(x->fslot, 0, n * sizeof *x->fslot);
	}
	for (size_t i = 0; i < x->nfolds; i++)
		fslot_put(x, i);
}

static struct fold *fold_find(const struct ent *x, const char *cls, const char *ref, int64_t fdnum,
			      uint64_t hk)
{
	for (size_t k = hk & (x->nfslot - 1); x->nfslot && x->fslot[k]; k = (k + 1) & (x->nfslot - 1)) {
		struct fold *f = &x->folds[x->fslot[k] - 1];
		if (f->hk == hk && fold_is(f, cls, ref, fdnum))
			return f;
	}
	return NULL;
}

/* Add a transfer (cls "write"/"read") of len bytes to entity e's folds. */
static void fold_one(struct side *s, int e, const char *cls, const struct sd_arg *fd,
		     const struct sd_event *ev, uint64_t len, const unsigned char *data,
		     bool complete, uint32_t ord, uint64_t off)
{
	struct ent *x = &s->ents[e];
	uint64_t hk = fold_hash(cls, fd->ref, fd->raw);
	struct fold *f = fold_find(x, cls, fd->ref, fd->raw, hk);

	if (!f && !len)
		return;   /* nothing moved (an end of file): not a transfer of its own */
	if (!f) {
		uint64_t target = fd->ref ? sd_norm_ref_key(s->norm, fd->ref) :
					    sd_norm_hash(&fd->raw, sizeof fd->raw, 47);
		struct fold n = { .cls = cls, .target = target, .file = s->o->state_root && is_file_ref(s, fd->ref),
				  .tmpname = s->o->semantic && fd->ref && random_name(fd->ref),
				  .regular = is_file_ref(s, fd->ref),
				  .complete = true, .h = XXH64_createState(), .ord = ord, .off = off, .hk = hk,
				  .ref = fd->ref ? xstrdup(fd->ref) : NULL, .fdnum = fd->raw };
		XXH64_reset(n.h, 0);
		sd_event_init(&n.first);
		if (s->pass == 2)
			sd_event_copy(&n.first, ev);
		PUSH(x->folds, x->nfolds, x->capfolds, n);
		f = &x->folds[x->nfolds - 1];
		if (2 * (x->nfolds + 1) > x->nfslot)
			fold_reindex(x);
		else
			fslot_put(x, x->nfolds - 1);
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

void fold_add(struct side *s, int e, const struct sd_event *ev, const struct sd_sem *sem,
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
static bool decided_ref(const struct side *s, const char *ref)
{
	for (size_t i = 0; ref && s->o->decided_paths && s->o->decided_paths[i]; i++)
		if (!strcmp(ref, s->o->decided_paths[i]))
			return true;
	return false;
}

/* A pipe the process both wrote and read: a buffer of its own (a copy by splice from a
 * file to stdout goes through one), not a channel to anyone else.  Only what went in
 * and came out at its ends is compared. */
static bool private_pipe(const struct ent *x, const struct fold *f)
{
	if (!f->ref || strncmp(f->ref, "pipe:", 5))
		return false;
	const char *other = f->cls[0] == 'w' ? "read" : "write";
	return fold_find(x, other, f->ref, 0, fold_hash(other, f->ref, 0)) != NULL;
}

void flush_folds(struct side *s, int e)
{
	struct ent *x = &s->ents[e];

	if (x->nfolds > 1) {
		qsort(x->folds, x->nfolds, sizeof *x->folds, cmp_fold);
		if (s->o->semantic)   /* private_pipe looks folds up; the table is emptied below */
			fold_reindex(x);
	}
	bool *own = xcalloc(x->nfolds + 1, sizeof *own);
	for (size_t i = 0; i < x->nfolds && s->o->semantic; i++)
		own[i] = private_pipe(x, &x->folds[i]);
	for (size_t i = 0; i < x->nfolds; i++) {
		struct fold *f = &x->folds[i];
		if (own[i]) {
			count_rule_n(s, "pipe: the process's own (both ends)", f->count);
			sd_event_clear(&f->first);
			XXH64_freeState(f->h);
			free(f->ref);
			continue;
		}
		/* regular files: what was written is the end state's business (and a copy
		 * offload carries no data); how much of one was read is nobody else's */
		bool decided = decided_ref(s, f->ref);   /* the caller compared it itself */
		/* what was read of a regular file is an observation of it, however often
		 * and in whatever pieces (its content is what the file held) */
		bool rd_file = f->regular && !strcmp(f->cls, "read");
		uint64_t chash = f->complete && !f->file && !decided && !rd_file ?
				 XXH64_digest(f->h) | 1 : 0;
		uint64_t fk[SD_NF];
		fold_keys(f->cls, f->target, rd_file || decided ? 0 : f->total + 1, chash, fk);
		uint64_t key = sd_sem_fields_key(fk);
		uint32_t shape = (uint32_t)sd_norm_hash(f->cls, strlen(f->cls), 5) | 1;
		if (s->pass == 1) {
			struct rec r = { key, f->off, shape, f->ord };
			PUSH(s->recs, s->nrecs, s->caprecs, r);
			uint32_t ri = (uint32_t)s->nrecs - 1;
			x = &s->ents[e];
			PUSH(x->recs, x->nrecs, x->caprecs, ri);
			if (s->o->semantic)
				effect_record(s, ri, &f->first, f->cls, NULL, f->target);
			if (f->tmpname)
				effect_fold_names(s, ri, f->ref, fk);
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
	free(own);
	x->nfolds = 0;
	if (x->nfslot)
		memset(x->fslot, 0, x->nfslot * sizeof *x->fslot);
}

/* Folds never flushed (the input ended in an error): free them. */
void drop_folds(struct ent *x)
{
	for (size_t i = 0; i < x->nfolds; i++) {
		sd_event_clear(&x->folds[i].first);
		XXH64_freeState(x->folds[i].h);
		free(x->folds[i].ref);
	}
	free(x->folds);
	free(x->fslot);
	x->folds = NULL;
	x->fslot = NULL;
	x->nfolds = x->capfolds = x->nfslot = 0;
}

void flush_all_folds(struct side *s)
{
	for (size_t e = 0; e < s->nents; e++)
		flush_folds(s, (int)e);
}

const struct foldinfo *foldinfo_of(const struct side *s, uint32_t rec)
{
	size_t i = rec_index(s->finfo, s->nfinfo, sizeof *s->finfo, rec);
	return i < s->nfinfo ? &s->finfo[i] : NULL;
}
