/* restart.c - restarted syscalls folded into one logical call while streaming (see
 * restart.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "event/restart.h"
#include "util/util.h"

/* A thread's events are held back at most this many while a call waits. */
#define PEND_QUEUE_MAX 100000

struct qev {               /* an event read and not yet emitted, with its tag */
	struct sd_event ev;
	uint64_t tag;
};

struct pend {              /* an interrupted call waiting for its continuation */
	pid_t tid;
	struct qev ev;
	struct qev *q;         /* events of the same thread meanwhile */
	size_t nq, capq;
	bool sigreturned;
};

struct sd_refold {
	sd_refold_emit_fn *emit;
	void *priv;
	struct pend *pends;
	size_t npends, cappends;
};

struct sd_refold *sd_refold_new(sd_refold_emit_fn *emit, void *priv)
{
	struct sd_refold *f = xcalloc(1, sizeof *f);

	f->emit = emit;
	f->priv = priv;
	return f;
}

void sd_event_settle(struct sd_event *ev, enum sd_settle how)
{
	if (how == SD_SETTLE_NONE)
		return;
	ev->interrupted = false;
	if (how == SD_SETTLE_UNFINISHED)
		ev->finished = false;
	else
		ev->ret = -EINTR;
}

static struct pend *pend_of(struct sd_refold *f, pid_t tid)
{
	for (size_t i = 0; i < f->npends; i++)
		if (f->pends[i].tid == tid)
			return &f->pends[i];
	return NULL;
}

/* Settle pending p: drop the interrupted call into cont (if given), or give it what the
 * program saw; then let the queued events out. */
void sd_refold_feed(struct sd_refold *f, struct sd_event *ev, uint64_t tag);

static void pend_release(struct sd_refold *f, struct pend *p, struct sd_event *cont,
			 uint64_t ctag, bool died)
{
	struct pend me = *p;

	*p = f->pends[--f->npends];   /* remove first: emit() must not see it */
	if (cont) {
		uint64_t end = cont->t_ns + cont->dur_ns;
		cont->t_ns = me.ev.ev.t_ns;   /* the logical call began here */
		cont->dur_ns = end - me.ev.ev.t_ns;
		sd_event_clear(&me.ev.ev);
	} else {
		enum sd_settle how = died ? SD_SETTLE_UNFINISHED : SD_SETTLE_EINTR;
		sd_event_settle(&me.ev.ev, how);
		f->emit(f->priv, &me.ev.ev, me.ev.tag, how);
	}
	for (size_t i = 0; i < me.nq; i++)
		f->emit(f->priv, &me.q[i].ev, me.q[i].tag, SD_SETTLE_NONE);
	free(me.q);
	/* fed again: a continuation interrupted in its turn waits for its own (a chain of
	 * restarts is one call); the thread has nothing pending now, so this goes no deeper */
	if (cont)
		sd_refold_feed(f, cont, ctag);
}

static bool ends_thread(const struct sd_event *ev)
{
	return ev->kind == SD_EV_EXIT || ev->kind == SD_EV_KILLED ||
	       ev->kind == SD_EV_DETACHED || ev->kind == SD_EV_SUPERSEDED;
}

void sd_refold_feed(struct sd_refold *f, struct sd_event *ev, uint64_t tag)
{
	struct pend *p = pend_of(f, ev->tid);

	if (p) {
		bool dies = ends_thread(ev);
		if (ev->kind == SD_EV_SYSCALL && ev->restart_of == p->ev.ev.seq) {
			pend_release(f, p, ev, tag, false);
			return;
		}
		if (dies && !p->nq) {
			pend_release(f, p, NULL, 0, true);
		} else if (dies || p->nq >= PEND_QUEUE_MAX ||
			   (ev->kind == SD_EV_SYSCALL && p->sigreturned)) {
			/* Not continued: the program saw EINTR once its handler returned. */
			pend_release(f, p, NULL, 0, false);
		} else {
			if (ev->kind == SD_EV_SYSCALL && !strcmp(ev->name, "rt_sigreturn"))
				p->sigreturned = true;
			struct qev q = { *ev, tag };
			if (p->nq == p->capq) {
				p->capq = p->capq ? 2 * p->capq : 16;
				p->q = xrealloc(p->q, p->capq * sizeof *p->q);
			}
			p->q[p->nq++] = q;
			sd_event_init(ev);
			return;
		}
	}
	if (ev->kind == SD_EV_SYSCALL && ev->interrupted) {
		struct pend n = { .tid = ev->tid, .ev = { *ev, tag } };
		sd_event_init(ev);
		if (f->npends == f->cappends) {
			f->cappends = f->cappends ? 2 * f->cappends : 16;
			f->pends = xrealloc(f->pends, f->cappends * sizeof *f->pends);
		}
		f->pends[f->npends++] = n;
		return;
	}
	f->emit(f->priv, ev, tag, SD_SETTLE_NONE);
}

void sd_refold_flush(struct sd_refold *f)
{
	while (f->npends)
		pend_release(f, &f->pends[0], NULL, 0, false);
}

void sd_refold_free(struct sd_refold *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->npends; i++) {
		sd_event_clear(&f->pends[i].ev.ev);
		for (size_t j = 0; j < f->pends[i].nq; j++)
			sd_event_clear(&f->pends[i].q[j].ev);
		free(f->pends[i].q);
	}
	free(f->pends);
	free(f);
}
