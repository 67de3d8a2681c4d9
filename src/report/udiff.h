/* udiff.h - a unified diff of two texts (validate shows stdout/stderr differences). */
#ifndef SD_UDIFF_H
#define SD_UDIFF_H

#include <stddef.h>
#include "util/util.h"

/* Append "--- la\n+++ lb\n@@ ... @@" hunks with 3 lines of context.  Lines are
 * compared byte for byte; a last line without '\n' is marked as diff(1) does.
 * Returns the number of changed lines (0: identical). */
size_t sd_unified_diff(struct sb *out, const char *a, size_t na, const char *b, size_t nb,
		       const char *la, const char *lb);

#endif
