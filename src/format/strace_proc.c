/* strace_proc.c - the processes and threads a strace log shows (see strace_int.h): the
 * tid table, the process state threads share (the cwd), which pending clone a new tid
 * belongs to, and the queue of events ready to be returned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/strace_int.h"
#include "util/util.h"

/* ---- processes and threads ------------------------------------------------ */

void proc_unref(struct proc *p)
{
	if (p && --p->refs == 0) {
		for (size_t i = 0; i < p->nfds; i++)
			free(p->fds[i].name);
		free(p->fds);
		free(p->cwd);
		free(p);
	}
}

struct proc *proc_new(pid_t tgid, const char *cwd)
{
	struct proc *p = xcalloc(1, sizeof *p);

	p->refs = 1;
	p->tgid = tgid;
	p->cwd = cwd ? xstrdup(cwd) : NULL;
	return p;
}

void proc_set_cwd(struct proc *p, char *cwd)   /* takes cwd */
{
	free(p->cwd);
	p->cwd = cwd;
}

static size_t thr_slot(const struct sd_strace *s, pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (s->tabsize - 1);
}

struct thr *thr_find(struct sd_strace *s, pid_t tid)
{
	if (!s->tabsize)
		return NULL;
	for (struct thr *t = s->tab[thr_slot(s, tid)]; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

void thr_link(struct sd_strace *s, struct thr *t)
{
	if (s->nthr >= s->tabsize) {
		size_t old = s->tabsize;
		struct thr **ot = s->tab;
		s->tabsize = old ? 2 * old : 64;
		s->tab = xcalloc(s->tabsize, sizeof *s->tab);
		for (size_t i = 0; i < old; i++)
			for (struct thr *x = ot[i], *nx; x; x = nx) {
				nx = x->next;
				size_t k = thr_slot(s, x->tid);
				x->next = s->tab[k];
				s->tab[k] = x;
			}
		free(ot);
	}
	size_t k = thr_slot(s, t->tid);
	t->next = s->tab[k];
	s->tab[k] = t;
	s->nthr++;
}

void thr_unlink(struct sd_strace *s, struct thr *t)
{
	for (struct thr **pp = &s->tab[thr_slot(s, t->tid)]; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			s->nthr--;
			return;
		}
}

void rst_clear(struct rst *r)
{
	sd_event_clear(&r->tmpl);
	for (int i = 0; i < r->nkey; i++)
		free(r->key[i]);
	memset(r, 0, sizeof *r);
}

void pend_clear(struct pend *p)
{
	sb_free(&p->text);
	memset(p, 0, sizeof *p);
}

void thr_free(struct thr *t)
{
	pend_clear(&t->pend);
	rst_clear(&t->rst);
	proc_unref(t->proc);
	free(t);
}

void thr_drop(struct sd_strace *s, struct thr *t)
{
	thr_unlink(s, t);
	thr_free(t);
}

/* The thread whose pending clone most likely created a new tid (the latest one). */
static struct thr *clone_parent(struct sd_strace *s)
{
	while (s->ncs) {
		struct cref c = s->cstack[--s->ncs];
		struct thr *t = thr_find(s, c.tid);
		if (t && t->pend.on && t->pend.clone && t->pend.gen == c.gen)
			return t;
	}
	return NULL;
}

struct thr *thr_new(struct sd_strace *s, pid_t tid, struct proc *share,
		    const char *cwd)
{
	struct thr *t = xcalloc(1, sizeof *t);

	t->tid = tid;
	if (share) {
		t->proc = share;
		share->refs++;
	} else {
		t->proc = proc_new(tid, cwd);
	}
	thr_link(s, t);
	return t;
}

/* The state of tid, created when first seen: the root starts in opts->cwd; a child that
 * reports before its parent's clone returns belongs to the latest pending clone. */
struct thr *thr_get(struct sd_strace *s, pid_t tid)
{
	struct thr *t = thr_find(s, tid), *parent;

	if (t)
		return t;
	if (!s->have_root) {
		s->have_root = true;
		s->root = tid;
		return thr_new(s, tid, NULL, s->cwd0);
	}
	parent = clone_parent(s);
	if (parent && parent->pend.thread)
		return thr_new(s, tid, parent->proc, NULL);
	return thr_new(s, tid, NULL, parent ? parent->proc->cwd : NULL);
}

/* ---- output queue ------------------------------------------------------- */

struct sd_event *q_push(struct sd_strace *s, struct sd_event *ev)
{
	if (s->qhead && s->qhead == s->qlen)
		s->qhead = s->qlen = 0;
	if (s->qlen == s->qcap) {
		s->qcap = s->qcap ? 2 * s->qcap : 16;
		s->q = xrealloc(s->q, s->qcap * sizeof *s->q);
	}
	ev->seq = ++s->seq;
	s->q[s->qlen] = *ev;
	sd_event_init(ev);
	return &s->q[s->qlen++];
}

void event_base(struct sd_event *ev, const struct thr *t, enum sd_ev_kind k,
		uint64_t t_ns)
{
	sd_event_init(ev);
	ev->kind = k;
	ev->pid = t->proc->tgid;
	ev->tid = t->tid;
	ev->t_ns = t_ns;
}
