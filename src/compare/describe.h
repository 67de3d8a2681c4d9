/* describe.h - say in a few words what differs between two paired events:
 * "missing ','", "extra '\r'", "0644 vs 0600", "ENOENT vs 0". */
#ifndef SD_DESCRIBE_H
#define SD_DESCRIBE_H

#include "compare/compare.h"

struct sd_diffdesc {
	int field;      /* first differing field: 0 name/kind, 1..6 argument, SD_NF_RET result;
			   -1 when the events compare equal */
	long byte;      /* for strings and buffers: offset of the first differing byte in the
			   original's shown value, else -1 */
	char *text;     /* malloc'd description */
	int arg;        /* the argument the caret points at (-1: none; the semantic level's
			   canonical fields map to arguments) */
	int arg_b;      /* the same argument in the rewrite's event (its index may differ at
			   the semantic level: open's path is openat's second argument) */
};

void sd_describe(const struct sd_cmp_event *a, const struct sd_cmp_event *b,
		 struct sd_diffdesc *d);
void sd_diffdesc_clear(struct sd_diffdesc *d);

#endif
