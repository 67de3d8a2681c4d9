/* compare.h - decide whether two traces behave the same, and where they do not.
 *
 * sd_compare() reads both traces (any format sd_input_open takes), folds restarted
 * calls, drops noise, normalizes (normalize.h), splits each trace into one stream
 * per thread named by its place in the process tree, pairs the streams by that
 * name and aligns each pair with a sequence diff (diff.h).  The result lists every
 * divergence; the first max_report of them come with their events in full (a
 * second, streaming pass fetches them, so memory stays a few dozen bytes per event). */
#ifndef SD_COMPARE_H
#define SD_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compare/normalize.h"
#include "filter/sysset.h"
#include "event/event.h"
#include "format/input.h"

struct sd_cmp_opts {
	struct sd_sysset ignore;       /* syscalls not compared (noise, --ignore, --keep) */
	bool keep_sigchld;             /* compare SIGCHLD deliveries too */
	bool root_exec;                /* compare the command's own first execve */
	bool ignore_cloexec;
	const struct sd_path_map *maps;
	size_t nmaps;
	const char *strace_cwd;        /* start directory of strace logs (NULL: the other trace's) */
	size_t max_report;             /* divergences fetched in full */
	int context;                   /* aligned rows kept around each reported one */
	const char *names[2];          /* shown instead of the paths (NULL: path) */
	bool semantic;                 /* the semantic level (docs/validate.md): fold
					  transfers and call variants, drop read-only probes */
	bool profiles;                 /* drop each runtime's own start-up and shutdown */
	const char *const *content_paths; /* semantic level: data written to regular files
					  is compared by length (their content is the end
					  state's business) and reads of them not at all, except
					  for these files and directories (validate's stdin and
					  stdout/stderr captures); NULL-terminated */
	const struct sd_path_map *side_maps[2];  /* prefix rewrites of one trace only (after
					  maps): validate's placeholders for the temporary
					  names each run chose ($TMP1) */
	size_t nside_maps[2];
	const char *const *decided_paths; /* semantic level: transfers to these (stdout,
					  files) are compared by neither content nor length:
					  validate compared them itself, forgiving what varies
					  between runs of the original; NULL-terminated */
	const char *state_root;        /* semantic level: the directory whose end state is
					  compared (validate's starting directory): chmod, chown
					  and utime of files in it are judged there, not here */
	const char *const *explain_paths; /* absolute paths whose end state differs (validate):
					  the calls that changed them are fetched too
					  (sd_cmp_result.explain); NULL-terminated */
	bool umask_known;              /* semantic level: the umask the traced programs
					  started with, when the traces do not say */
	int umask;
};

/* The default noise set: memory management, futexes, signal masks and handlers,
 * clocks, thread set-up and getrandom (sd_cmp_noise_spec: brk, mmap, futex, ...). */
void sd_cmp_default_noise(struct sd_sysset *s);
extern const char sd_cmp_noise_spec[];

/* One event as the report shows it. */
struct sd_cmp_event {
	struct sd_event ev;
	uint64_t num;                  /* 1-based among the compared events of its trace */
	uint64_t f[SD_NF];             /* field keys, to find what differs */
	char *pid_label[SD_NF];        /* pid-valued fields: "p1.2" (NULL otherwise) */
	const char *cls;               /* semantic level: its class ("open", "write"...) */
	int umask;                     /* semantic level: the process's umask (-1 unknown) */
	unsigned grant;                /* ... the widest mode its creation was given later
					  (0x8000 | mode; 0: none) */
	bool folded;                   /* semantic level: ev is the first of fold_count */
	uint32_t fold_count;           /* transfers folded into one, fold_total bytes */
	uint64_t fold_total;
};

enum sd_row_kind { SD_ROW_SAME, SD_ROW_CHANGED, SD_ROW_MISSING, SD_ROW_EXTRA };

/* A line of the aligned view: MISSING has only ev[0], EXTRA only ev[1]. */
struct sd_cmp_row {
	enum sd_row_kind kind;
	const struct sd_cmp_event *ev[2];
};

enum sd_div_kind {
	SD_DIV_CHANGED,      /* the same call with a different argument or result */
	SD_DIV_MISSING,      /* in the original only */
	SD_DIV_EXTRA,        /* in the rewrite only */
	SD_DIV_PROC_MISSING, /* a whole process/thread of the original has no counterpart */
	SD_DIV_PROC_EXTRA,
};

#define SD_GROUP_SHOWN 4

struct sd_div {
	enum sd_div_kind kind;
	const char *label;             /* process/thread: "p1", "p1.2", "p1:t2" */
	uint64_t num[2];               /* numbers of the events (0: none) */
	const struct sd_cmp_event *ev[2];
	struct sd_cmp_row *rows;       /* aligned rows around it (context) */
	size_t nrows, focus;           /* rows[focus] is this divergence ... */
	size_t count;                  /* ... and the count-1 rows after it (a run of
					  missing or extra calls); of a run longer than
					  SD_GROUP_SHOWN + 1 rows only the first SD_GROUP_SHOWN
					  and the last are in rows[] */
	uint64_t stream_events[2];     /* PROC_*: compared events of the lone stream */
	uint64_t moved;                /* MISSING/EXTRA of one call: the other side makes the
					  same call elsewhere in the stream, as its event #moved */
};

struct sd_cmp_drop { char name[48]; uint64_t n; };

struct sd_cmp_side {
	char *name;
	enum sd_input_format fmt;
	const char *compression;       /* "gzip", "zstd", or NULL: plain */
	char **argv;                   /* the traced command, if known */
	bool complete;
	char *incomplete_reason;       /* when !complete */
	bool has_status;
	int exit_status;
	uint64_t events;               /* after folding restarts */
	uint64_t compared;             /* kept after filtering */
	uint64_t filtered;
	uint64_t folded;               /* semantic level: transfers folded into others */
	struct sd_cmp_drop *drops;     /* what the filter dropped, by name, most first */
	size_t ndrops;
	size_t streams;
	uint32_t content_limit;        /* bytes of buffers known (strace -s), 0 = all */
};

struct sd_cmp_explain {
	const char *path;              /* one of opts.explain_paths */
	int side;                      /* 0 original, 1 rewrite */
	struct sd_cmp_event ev;
};

struct sd_cmp_result {
	struct sd_cmp_side side[2];
	bool equivalent;
	uint64_t ndivs;                /* every divergence */
	struct sd_div *divs;           /* the first max_report, in original order */
	size_t nreported;
	uint64_t matched;              /* aligned equal pairs */
	uint32_t content_limit;        /* in force for buffers (0 = full hashes) */
	bool exact;                    /* false: a diff hit its cost limit somewhere */
	bool semantic;                 /* compared at the semantic level */
	uint64_t reordered;            /* semantic level: calls matched in another place */
	uint64_t order_kept;           /* ... and not, as they depend on a call between */
	struct sd_cmp_explain *explain;  /* the first calls of each trace that changed each
					    of opts.explain_paths, by trace, in trace order */
	size_t nexplain, capexplain;
	struct sd_cmp_event *priv_events[2];   /* owns what divs point to */
	size_t priv_nevents[2];
};

/* 0 ok (res filled), -1 input error (*err: "FILE:LINE: message"). */
int sd_compare(const char *const path[2], const struct sd_cmp_opts *o,
	       struct sd_cmp_result *res, char **err);
void sd_cmp_result_free(struct sd_cmp_result *res);

#endif
