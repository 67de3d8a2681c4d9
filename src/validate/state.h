/* state.h - the end states two runs left, compared from what each changed. */
#ifndef SD_STATE_H
#define SD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sandbox/fschanges.h"

/* Differences between the end states of two runs, from what each changed (read in the
 * sandbox: sandbox/fschanges.h).  For each path either changed, a run's end state is
 * what it changed the path to, or, when it left the path alone, the path as it was
 * before (the world both started from).  One block per path that differs, the path as
 * the program saw it (relative to workdir below it, else absolute), then what differs,
 * "; "-separated on one line:
 *   /w/out.txt: mode 0644 vs 0600; owner 0:0 vs 1000:1000
 *   /w/extra.tmp: created by the transpiled program only (file 0644, 0 bytes)
 *   /w/old.txt: deleted by the original only
 *   /w/ts: mtime set to 2020-01-02 00:00:00 UTC vs left as the time of the run
 * followed, for files whose content differs, by a unified diff of the kept bytes of
 * text files (indented, at most 40 lines) or the offset of the first differing byte.
 * Times are compared only when a run set them (fschanges.h).  Returns the number of
 * paths that differ; *text gets the blocks (malloc'd, "" when none), and notes of
 * changes not listed or not read. */
size_t sd_state_compare(const struct sd_fschanges *a, const struct sd_fschanges *b,
			const char *workdir, char **text);

/* The same with more to say. */
struct sd_state_opts {
	const char *workdir;            /* paths below it are shown relative to it */
	char *const *skip_globs;        /* paths matching (fnmatch) are not compared */
	/* files whose contents differ: does the caller forgive the difference (what varies
	 * between runs of the original)?  path as compared; NULL: never */
	bool (*forgive)(void *priv, const char *path, const struct sd_fsentry *x,
			const struct sd_fsentry *y);
	void *priv;
	/* each path that differs, as compared (absolute), and where in the text the first
	 * line of its block ends (its header: the name, escaped, and what differs) */
	void (*on_diff)(void *priv, const char *path, size_t at);
};
size_t sd_state_compare_opts(const struct sd_fschanges *a, const struct sd_fschanges *b,
			     const struct sd_state_opts *o, char **text);

#endif
