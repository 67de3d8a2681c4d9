/* state.h - the contents of a directory tree, and how a run changed it.
 *
 * A snapshot lists every entry under a root (relative path, type, permission bits,
 * size, XXH64 of a file's bytes, a symlink's target).  validate takes one before
 * the runs and one at the end of each run, and compares what each run changed. */
#ifndef SD_STATE_H
#define SD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sd_entry {
	char *path;          /* relative to the root, "" for the root itself */
	char type;           /* 'f' file, 'd' directory, 'l' symlink, 'o' other */
	mode_t mode;         /* permission bits (07777) */
	uint64_t size;
	uint64_t hash;       /* files: XXH64 of the content; symlinks: of the target */
	char *target;        /* symlinks */
};

struct sd_state {
	struct sd_entry *e;  /* sorted by path */
	size_t n;
	bool missing;        /* the root itself did not exist (deleted by the run) */
	bool truncated;      /* more than SD_STATE_MAX entries: the rest not listed */
	char *error;         /* the first entry that could not be read, and why */
};

#define SD_STATE_MAX 200000

/* Walk root (not following symlinks, not crossing into other mounts' contents except
 * the root's own).  Never fails: problems end up in st->error / missing. */
void sd_state_take(const char *root, struct sd_state *st);
void sd_state_free(struct sd_state *st);

/* Save to / load from a file (one line per entry; paths escaped).  0 or -1 (errno). */
int sd_state_save(const struct sd_state *st, const char *file);
int sd_state_load(struct sd_state *st, const char *file);

/* One change a run made, relative to the snapshot before it. */
enum sd_change_kind { SD_CH_CREATED, SD_CH_DELETED, SD_CH_MODIFIED };

struct sd_change {
	enum sd_change_kind kind;
	const struct sd_entry *before, *after;   /* NULL when absent */
};

/* Changes from before to after (sorted by path); caller frees *out. */
size_t sd_state_changes(const struct sd_state *before, const struct sd_state *after,
			struct sd_change **out);

/* Differences between what two runs changed, as text lines ("out.txt: mode 0644 vs
 * 0600", "extra.txt: created by the transpiled program only").  Returns the number
 * of differences; *text gets them, one per line (malloc'd, "" when none). */
size_t sd_state_compare(const struct sd_state *before, const struct sd_state *a,
			const struct sd_state *b, char **text);

#endif
