/* normalize.h - what of an event is compared, as 64-bit keys.
 *
 * An event is cut into fields (kind and name, each argument, the result); each field
 * is normalized by its argument type (never by text matching) and hashed.  Equal
 * keys mean "the same behaviour" under the rules in docs/compare.md: paths absolute
 * and mapped, fds by what they refer to, pids by their place in the process tree,
 * pointers ignored, flags by the bits they set, buffers by length and content,
 * directory listings by their entries. */
#ifndef SD_NORMALIZE_H
#define SD_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event/event.h"

#define SD_NF (SD_MAX_ARGS + 2)   /* fields: 0 kind+name, 1..6 arguments, 7 result */
#define SD_NF_RET (SD_MAX_ARGS + 1)

struct sd_path_map { const char *from, *to; };

struct sd_norm_opts {
	const struct sd_path_map *maps;  /* prefix rewrites applied to every path */
	size_t nmaps;
	bool ignore_cloexec;             /* drop *_CLOEXEC from flags */
	uint32_t content_limit;          /* 0: compare buffers by full hash; N: by length
					    and their first N bytes (strace logs cut at -s N) */
	bool fds_by_number;              /* a trace has no fd targets: compare numbers */
	uint32_t dirents_limit;          /* getdents: entries within the first N bytes only
					    (a sysdiff trace kept no more: its --max-bytes,
					    when the other side is an strace log); 0: all */
	bool dirents_by_count;           /* getdents: by the number of entries, not their
					    names (an strace log without -v shows no more:
					    sd_norm_dirents_counted) */
};

struct sd_norm;

/* A pid-valued field: pid_key returns its key part (0 if deferred, see compare.c). */
typedef uint64_t (*sd_pid_key_fn)(void *priv, int64_t pid);

struct sd_norm *sd_norm_new(const struct sd_norm_opts *o, sd_pid_key_fn pid_key, void *priv);
void sd_norm_free(struct sd_norm *n);

/* Keys of every field of ev into f[SD_NF] (0 = not compared) and the event key. */
uint64_t sd_norm_event(struct sd_norm *n, const struct sd_event *ev, uint64_t f[SD_NF]);
/* A short key of the event's shape (kind and syscall name) used to pair changed calls. */
uint32_t sd_norm_shape(const struct sd_event *ev);

/* Which fields carry pids (bit i for field i), for the syscall named name. */
unsigned sd_norm_pid_fields(const char *name);
/* Does syscall name create a thread or process (fork, vfork, clone, clone3)? */
bool sd_norm_is_spawn(const char *name);

/* Keys of single values, as the fields of sd_norm_event use them: a path (mapped),
 * an fd target ("/abs", "pipe:[12]"...), argument i, the result.  For the semantic
 * level's canonical fields. */
uint64_t sd_norm_path_key(struct sd_norm *n, const char *path);
uint64_t sd_norm_ref_key(struct sd_norm *n, const char *ref);
uint64_t sd_norm_arg_key(struct sd_norm *n, const struct sd_event *ev, int i);
uint64_t sd_norm_str_key(const char *s, uint64_t seed);

/* Does ev list a directory showing only how many entries it returned (strace without
 * -v: "0x55d0... /\* 12 entries *\/")?  Then both sides compare dirents_by_count. */
bool sd_norm_dirents_counted(const struct sd_event *ev);

/* Apply the path maps to s (malloc'd result). */
char *sd_norm_map_path(const struct sd_norm_opts *o, const char *s);
uint64_t sd_norm_hash(const void *p, size_t n, uint64_t seed);

#endif
