/* compare_int.h - what the phases of sd_compare() share (private to src/compare/).
 *
 * stream.c reads one trace into entities (threads and processes) and compact records,
 * one stream of records per entity; filter.c says which events become records;
 * transfer.c folds a thread's transfers per file (semantic level); align.c pairs the
 * streams of the two traces, aligns each pair and lists and shows the divergences;
 * compare.c drives the phases. */
#ifndef SD_COMPARE_INT_H
#define SD_COMPARE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <xxhash.h>
#include "compare/compare.h"
#include "compare/semantic.h"
#include "event/restart.h"
#include "util/util.h"

/* Append val to the growable array arr of n elements (cap allocated). */
#define PUSH(arr, n, cap, val) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? 2 * (cap) : 16; \
		(arr) = xrealloc((arr), (cap) * sizeof *(arr)); \
	} \
	(arr)[(n)++] = (val); \
} while (0)

/* tid -> entity (open addressing) */
struct tidslot { int32_t tid; int32_t ent; };

struct tidmap {
	struct tidslot *t;
	size_t cap, used;
};

/* A compared event, as pass 1 keeps it. */
struct rec {
	uint64_t key;          /* hash of its normalized fields */
	uint64_t off;          /* JSONL: byte offset of the event's line, | SETTLE_* */
	uint32_t shape;        /* kind and name (or semantic class) */
	uint32_t ord;          /* ordinal among all events of the trace (after folding) */
};

/* How an interrupted call that was never restarted was settled, kept in rec.off. */
#define OFF_MASK ((1ULL << 62) - 1)
#define SETTLE_EINTR (1ULL << 62)
#define SETTLE_UNFIN (2ULL << 62)

/* A thread or process as the trace saw it; one stream of events each. */
struct ent {
	pid_t tid;
	int creator;           /* entity whose fork/clone made it, -1 unknown */
	int proc;              /* entity of its thread group leader */
	int ordinal;           /* among its creator's children, or its process's threads */
	int nthr, nkids;       /* threads created in this process / processes by this thread */
	bool is_thread, dead, has_creator;
	char *label;
	uint32_t *recs;        /* indices into side.recs */
	size_t nrecs, caprecs;
	struct fold *folds;    /* semantic level: transfers being folded, by first appearance */
	size_t nfolds, capfolds;
};

/* Consecutive transfers of one thread to or from one file, folded into one event. */
struct fold {
	const char *cls;       /* "write" or "read" */
	uint64_t target;       /* key of the file */
	char *ref;             /* what the fd refers to (NULL: unknown, fdnum instead) */
	int64_t fdnum;
	bool file;             /* a regular file: content is checked through the end state */
	uint64_t total;
	uint32_t count;
	bool complete;         /* every byte is in the trace */
	XXH64_state_t *h;
	uint32_t ord;          /* of the first transfer */
	uint64_t off;
	struct sd_event first; /* pass 2: the first transfer, shown for the whole */
};

struct foldinfo {          /* what a folded record stands for, for the report */
	uint32_t rec;
	uint32_t count;
	uint64_t total;
	uint64_t chash;        /* content hash, 0 when not compared */
	uint64_t target;
	const char *cls;
};

struct pidref {            /* pid-valued fields of one record, resolved after pass 1 */
	uint32_t rec;
	int32_t ent[2];        /* entity, -2 - entity for a process group (negative pid),
				  REF_OUTSIDE(_GROUP) for a process not in the trace */
	int n;
};
#define REF_OUTSIDE INT32_MIN
#define REF_OUTSIDE_GROUP (INT32_MIN + 1)

/* One trace being read.  Passes: 0 learns an strace log's buffer limit and fd naming,
 * 1 builds the records, 2 replays an strace log to fetch the wanted events, 3 fetches
 * them from a sysdiff trace by offset. */
struct side {
	const char *path;
	struct sd_cmp_side *out;
	const struct sd_cmp_opts *o;
	struct sd_norm_opts nopts;
	int pass;
	struct sd_input *in;
	struct sd_norm *norm;
	struct sd_refold *refold;

	struct ent *ents;
	size_t nents, capents;
	struct tidmap tids;
	int root;
	pid_t root_pid;
	bool root_exec_seen;
	int orphans;

	struct rec *recs;
	size_t nrecs, caprecs;
	struct pidref *prefs;
	size_t nprefs, capprefs;
	int32_t cur_ent[2];
	int ncur;

	struct sd_profiles *prof;   /* runtime profiles, from the root's first execve */
	struct foldinfo *finfo;     /* pass 1: folded records, in record order */
	size_t nfinfo, capfinfo;
	uint64_t nrec2;             /* pass 2: records made so far */

	uint32_t ord;
	uint64_t kept;
	uint64_t drop_nr[SD_NR_MAX];
	struct sd_cmp_drop *drop_other;
	size_t ndrop_other, capdrop_other;

	/* passes 2 and 3 */
	const uint32_t *want;  /* sorted record indices to keep */
	size_t nwant, wpos;
	struct sd_cmp_event *got;   /* parallel to want */
	size_t ngot;
	char **labels;         /* pass 1's labels by entity */
	size_t nlabels;
	const struct pidref *fref;  /* pass 3: the pid fields of the event being fetched */
	int fi;
	char *flabel[2];

	/* pass 0, strace logs only */
	bool pass0_skip;       /* not an strace log: nothing to learn */
	bool any_ref;
	uint32_t cut_min;
};

/* A row of one stream pair: positions in the two streams. */
struct prow {
	int32_t a, b;
	uint8_t kind;          /* enum sd_row_kind */
};

/* The streams of one entity label on both sides, and their alignment. */
struct pair {
	int ent[2];            /* -1: no stream on that side */
	const char *label;
	struct prow *rows;
	size_t nrows, caprows;
};

/* A divergence before it is shown. */
struct divref {
	uint64_t sortkey;
	uint32_t pair;
	uint32_t row;          /* PROC_*: unused */
	uint32_t count;        /* MISSING/EXTRA: consecutive rows of that kind */
	uint8_t kind;          /* enum sd_div_kind */
};

/* ---- stream.c: one trace into entities and records ---- */
int side_open(struct side *s, const char *strace_cwd, char **err);
int side_pass(struct side *s, int pass, const char *strace_cwd, char **err);
void side_after_pass1(struct side *s);   /* names entities, keys pid fields, drops */
int side_fetch(struct side *s, const char *strace_cwd, char **err);   /* passes 2, 3 */
void side_reset(struct side *s);         /* forget entities and the normalizer */
void side_free(struct side *s);
size_t rec_index(const void *base, size_t n, size_t size, uint32_t rec);
uint32_t rec_at(const struct side *s, int ent, int32_t pos);
/* Pass 2: the next record, and its slot when it is wanted. */
struct sd_cmp_event *next_slot(struct side *s, uint32_t *ri);
void add_record(struct side *s, int e, struct sd_event *ev, uint32_t ord, uint64_t off,
		const struct sd_sem *sem);

/* ---- filter.c: which events are compared ---- */
bool keep_event(struct side *s, const struct sd_event *ev, int e);
bool is_exec(const struct sd_event *ev);
/* A regular file whose content is the end state's business (not a content path). */
bool is_file_ref(const struct side *s, const char *ref);

/* ---- transfer.c: a thread's transfers folded per file (semantic level) ---- */
void fold_add(struct side *s, int e, const struct sd_event *ev, const struct sd_sem *sem,
	      uint32_t ord, uint64_t off);
void flush_folds(struct side *s, int e);
void flush_all_folds(struct side *s);
void drop_folds(struct ent *x);
const struct foldinfo *foldinfo_of(const struct side *s, uint32_t rec);
/* The field keys a folded record is compared by. */
void fold_keys(const char *cls, uint64_t target, uint64_t total, uint64_t chash,
	       uint64_t f[SD_NF]);

/* ---- align.c: pairing, alignment, divergences and the report's view ---- */
struct aligned {
	struct pair *pairs;
	size_t npairs, cappairs;
	struct divref *dv;
	size_t ndv, capdv;
};
void pair_streams(struct side sd[2], struct aligned *al);
void align_streams(struct side sd[2], struct aligned *al, const struct sd_cmp_opts *o,
		   struct sd_cmp_result *res);
/* The records each side must fetch for the first res->nreported divergences. */
void choose_events(struct side sd[2], const struct aligned *al, size_t nreported, int context,
		   uint32_t *want[2], size_t nwant[2]);
void build_view(struct side sd[2], const struct aligned *al, int context,
		struct sd_cmp_result *res);
void aligned_free(struct aligned *al);

#endif
