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
	int umask;             /* semantic level: the process's umask, -1 unknown */
	bool is_thread, dead, has_creator;
	char *label;
	uint32_t *recs;        /* indices into side.recs */
	size_t nrecs, caprecs;
	struct fold *folds;    /* semantic level: transfers being folded, by first appearance */
	size_t nfolds, capfolds;
	uint32_t *fslot;       /* folds by (class, file): index + 1, 0 empty; nfslot a power of 2 */
	size_t nfslot;
};

/* Consecutive transfers of one thread to or from one file, folded into one event. */
struct fold {
	const char *cls;       /* "write" or "read" */
	uint64_t target;       /* key of the file */
	uint64_t hk;           /* fold_hash: its slot in ent.fslot */
	char *ref;             /* what the fd refers to (NULL: unknown, fdnum instead) */
	int64_t fdnum;
	bool file;             /* a regular file whose content the end state judges */
	bool regular;          /* a regular file (not a stream, a device, a content path) */
	bool tmpname;          /* its name has a random part (semantic level) */
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

/* A map from 64-bit keys (not 0) to 64-bit values; a value of 0 reads as absent. */
struct kmap {
	uint64_t *k, *v;
	size_t cap, used;
};

/* What a record depends on (semantic level; parallel to side.recs): the objects it
 * names and their directories (32-bit keys, 0 none), or a barrier (a call between
 * processes, ordered with everything); the umask and widest mode its key used. */
struct dep {
	uint32_t obj[2], dir[2];
	int32_t pid;           /* SPAWN: the child's tid */
	int16_t umask;
	uint16_t grant;
	uint8_t barrier;
	uint8_t kind;          /* DEP_* */
	uint8_t refined;       /* REFINED_*: the class effect_refine gave it, for pass 3 */
};
enum { DEP_OTHER, DEP_SPAWN, DEP_WAIT, DEP_EXIT, DEP_EXEC };
enum { REFINED_NONE, REFINED_LIST, REFINED_TRUNCATE };

struct created {           /* a creation's record and fields, to be keyed again */
	uint32_t rec;
	int field;             /* which field holds the mode */
	uint64_t f[SD_NF];
};

/* A record that names a path which may turn out to be a temporary one (a name with a
 * random part): its fields, to be keyed again with the name's placeholder. */
struct tmpref {
	uint32_t rec;
	uint64_t path[2];      /* path keys, 0: none */
	int8_t field[2];       /* the fields that hold them */
	uint64_t f[SD_NF];
};

/* The effect model's state for one trace (effect.c). */
struct effects {
	struct kmap exist;     /* path key -> EXISTS or REMOVED, by this trace's calls */
	struct kmap epoch;     /* directory key -> how many times its entries changed */
	struct kmap listed;    /* directory and process -> epoch + 1 when last listed */
	struct kmap streams;   /* process and fd -> directory key of the listing it reads */
	struct kmap grant;     /* path key -> record << 16 | 0x8000 | widest mode */
	struct kmap made;      /* path key with a random part -> its ordinal in its directory,
				  when this trace created it */
	struct kmap tmpdir;    /* path key -> key of its directory, for those */
	struct kmap ntmp;      /* directory key -> how many such names were made in it */
	struct tmpref *tmprefs;
	size_t ntmprefs, captmprefs;
	struct created *created;
	size_t ncreated, capcreated;
	struct dep *deps;
	size_t ndeps, capdeps;
};

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
	uint64_t unrecorded;        /* calls the trailer counts without events */
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

	struct effects fx;     /* semantic level */
	struct kmap xmap;      /* explain_paths: path hash -> index + 1 */
	struct xnote { uint32_t path; uint64_t off; } *xnotes;   /* the calls to explain */
	size_t nxnotes, capxnotes;
	int umask0;            /* the traced programs' umask at start (-1 unknown) */

	/* pass 0, strace logs only */
	bool pass0_skip;       /* not an strace log: nothing to learn */
	bool any_ref;
	uint32_t cut_min;
	bool dirents_counted;  /* a listing shows only its number of entries (no -v) */
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
		const struct sd_sem *sem, const struct sd_sem_ctx *ctx);

/* ---- filter.c: which events are compared ---- */
/* Is ev compared?  Counts it by rule when not; at the semantic level, *sem and *ctx
 * say how (sem->action is never PROBE when it is kept). */
bool keep_event(struct side *s, const struct sd_event *ev, int e, struct sd_sem *sem,
		struct sd_sem_ctx *ctx);
/* The rule a drop is counted under. */
void count_rule(struct side *s, const char *rule);
void count_rule_n(struct side *s, const char *rule, uint32_t n);   /* n calls at once */
void count_unrecorded(struct side *s, const struct sd_count *c, size_t n);   /* the trailer's */
bool is_exec(const struct sd_event *ev);
/* A regular file whose content is the end state's business (not a content path). */
bool is_file_ref(const struct side *s, const char *ref);

/* ---- effect.c: the semantic level's effect model ---- */
uint64_t kmap_get(const struct kmap *m, uint64_t k);
void kmap_put(struct kmap *m, uint64_t k, uint64_t v);
void kmap_free(struct kmap *m);
/* Refine sem (a call of entity e on its own) with what the trace did before: a listing
 * already made, a creation of what exists, a thread's own calls, a file's metadata
 * that the end state judges; sets ctx.  A drop leaves sem->action PROBE, rule set. */
void effect_refine(struct side *s, int e, const struct sd_event *ev, struct sd_sem *sem,
		   struct sd_sem_ctx *ctx);
/* Record ri was made (pass 1): what it depends on.  fold_target: a fold's file key. */
void effect_record(struct side *s, uint32_t ri, const struct sd_event *ev, const char *cls,
		   const struct sd_sem_ctx *ctx, uint64_t fold_target);
void effect_created(struct side *s, uint32_t ri, const char *cls, const uint64_t f[SD_NF]);
/* Record ri names paths that may be temporary (pass 1): keep it to be keyed again.
 * Class records: the paths of ev; folds: target, in field 1. */
void effect_names(struct side *s, uint32_t ri, const struct sd_event *ev, const char *cls,
		  const uint64_t f[SD_NF]);
void effect_fold_names(struct side *s, uint32_t ri, const char *ref, const uint64_t f[SD_NF]);
/* Does path's last component have a random part (a run of 6 or more letters and
 * digits of at least two kinds: "sedbCIcLL", "tmpk3j2h1a0")? */
bool random_name(const char *path);
/* End of pass 1: creations keyed by their widest mode, temporary names by their
 * placeholders, a process that only spawned a program and waited for it compared as if
 * it had exec'd it. */
void effect_after(struct side *s);
void effects_reset(struct side *s);       /* forget the state, keep the records' deps */
void effects_free(struct side *s);
const struct dep *dep_of(const struct side *s, uint32_t rec);

/* ---- explain.c: the calls behind an end-state difference ---- */
void explain_note(struct side *s, const struct sd_event *ev, uint64_t off);   /* pass 1 */
int explain_fetch(struct side *s, int side, struct sd_cmp_result *res, char **err);

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
