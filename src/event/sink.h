/* sink.h - where events go.  The tracer calls begin() once, enter() when a syscall's
 * entry part is decoded (only the text writer uses it, for <unfinished ...> lines),
 * event() for each completed event in seq order, and end() once (also when
 * interrupted).  The writers (JSON Lines, strace-like text, the -c summary) are in
 * format/writers.h. */
#ifndef SD_SINK_H
#define SD_SINK_H

#include "event/event.h"

struct sd_sink {
	void (*begin)(struct sd_sink *, const struct sd_trace_info *);
	void (*enter)(struct sd_sink *, const struct sd_event *);   /* may be NULL */
	void (*event)(struct sd_sink *, const struct sd_event *);
	int (*end)(struct sd_sink *, const struct sd_trace_end *); /* 0, or -1 on write error */
	void (*destroy)(struct sd_sink *);
};

#endif
