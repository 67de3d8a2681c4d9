/* restart.h - fold interrupted-and-restarted syscalls into one logical call, over a
 * stream of events in seq order, holding back only what must wait.
 *
 * An event marked interrupted (ERESTART*) waits, with the events its thread makes
 * meanwhile queued behind it, until its continuation (restart_of = its seq) arrives:
 * then it is dropped and the continuation's start and duration cover both.  One never
 * continued is settled as the program saw it: -EINTR once the thread returned from its
 * signal handler and made another call (or the queue grew past a bound, or the input
 * ended), unfinished when the thread died, was detached or superseded next.  Events of
 * other threads pass straight through. */
#ifndef SD_RESTART_H
#define SD_RESTART_H

#include <stdint.h>
#include "event/event.h"

/* How an interrupted call that was never restarted was settled. */
enum sd_settle { SD_SETTLE_NONE, SD_SETTLE_EINTR, SD_SETTLE_UNFINISHED };

/* Receives each event (taking its contents) with the tag it was fed with and how it
 * was settled. */
typedef void sd_refold_emit_fn(void *priv, struct sd_event *ev, uint64_t tag, enum sd_settle how);

struct sd_refold;

struct sd_refold *sd_refold_new(sd_refold_emit_fn *emit, void *priv);
/* Feed the next event (its contents are taken); tag is handed back with it. */
void sd_refold_feed(struct sd_refold *f, struct sd_event *ev, uint64_t tag);
/* End of input: settle and emit whatever still waits. */
void sd_refold_flush(struct sd_refold *f);
/* Free, dropping unemitted events (an input that ended in an error). */
void sd_refold_free(struct sd_refold *f);

/* Give ev what the program saw of an interrupted call settled as how. */
void sd_event_settle(struct sd_event *ev, enum sd_settle how);

#endif
