/* mark.h - where the two events of a changed pair differ, as their rendered lines show
 * it: the field of each side (an argument may sit at another index in the rewrite's
 * call at the semantic level: open's path is openat's second argument), the first byte
 * where each side's string or buffer differs, and the token to mark.  Shared by the
 * text and HTML reports so that both mark the same thing. */
#ifndef SD_REPORT_MARK_H
#define SD_REPORT_MARK_H

#include "compare/compare.h"
#include "compare/describe.h"

/* A part [s, e) of a rendered event line; s < 0: none. */
struct sd_span { long s, e; };

/* What a changed pair differs in, per side: the field as sd_describe gives it (-1:
 * none; 0 name, 1..SD_MAX_ARGS argument, SD_NF_RET result) and the first differing
 * byte of a string or buffer (-1: the whole field). */
struct sd_pair_mark {
	int field[2];
	long byte[2];
	const struct sd_cmp_event *ev[2];
};

/* The mark of the changed pair a, b that dd (sd_describe's) describes. */
struct sd_pair_mark sd_pair_mark(const struct sd_diffdesc *dd, const struct sd_cmp_event *a,
				 const struct sd_cmp_event *b);
/* Events a and b of a row: *dd their description when the row is changed and both are
 * there (else nothing; sd_diffdesc_clear it either way), and their mark. */
struct sd_pair_mark sd_pair_describe(const struct sd_cmp_event *a, const struct sd_cmp_event *b,
				     bool changed, struct sd_diffdesc *dd);
/* How much of a string to show (sd_text_opts.strsize) for its byte `byte` to be seen. */
int sd_mark_strsize(long byte);

/* The part of t (ev rendered by sd_text_format_event_cols, len bytes, cols counted from
 * t) that field shows; at byte `byte` of a string or buffer (>= 0) only that byte's
 * escaped form (or the closing quote). */
struct sd_span sd_field_span(const char *t, long len, const struct sd_event *ev,
			     const long cols[SD_MAX_ARGS + 1], int field, long byte);

/* Side i's token to mark in t (its rendered line): sd_field_span of its field and byte,
 * narrowed to the first differing flag when both sides' fields are flag sets.  *caret:
 * where that field span starts (the caret's column; -1: no field). */
struct sd_span sd_pair_token(const char *t, long len, const struct sd_pair_mark *m, int i,
			     const long cols[SD_MAX_ARGS + 1], long *caret);

#endif
