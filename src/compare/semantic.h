/* semantic.h - the semantic level and the runtime profiles (docs/validate.md).
 *
 * Both are tables, not special cases: a table of syscall classes (which calls are
 * read-only probes, which are transfers that fold, which variants are one class and
 * how their arguments are made canonical), and a table of runtime profiles (what
 * the dynamic loader, glibc, CPython and Rust's std do on their own at start-up and
 * shutdown).  compare.c asks them about each event. */
#ifndef SD_SEMANTIC_H
#define SD_SEMANTIC_H

#include <stdbool.h>
#include <stdint.h>
#include "compare/normalize.h"
#include "event/event.h"

enum sd_sem_action {
	SD_SEM_KEEP,       /* compared as at the strict level */
	SD_SEM_PROBE,      /* read-only probe: not compared */
	SD_SEM_WRITE,      /* output transfer: consecutive ones on one file fold */
	SD_SEM_READ,       /* input transfer: likewise */
	SD_SEM_CLASS,      /* a variant of a class: compared by canonical fields */
};

struct sd_sem {
	enum sd_sem_action action;
	const char *cls;   /* class name ("open", "rename"...) for CLASS, WRITE, READ */
	const char *rule;  /* a drop's rule, counted by name (--verbose): "probe: fstat",
			      "observation: failed call" */
};

/* How the semantic level treats ev (a syscall event), on its own; the effect model
 * (compare/filter.c) refines it with what the trace said before. */
void sd_sem_classify(const struct sd_event *ev, struct sd_sem *out);

/* What a CLASS event's key depends on besides the event: the process's umask when it
 * ran (-1: unknown), and the widest mode the object it created was given over the run
 * (0: none recorded; the end state judges the last one). */
struct sd_sem_ctx {
	int umask;
	unsigned grant;    /* 0x8000 | the mode */
	bool track;        /* (the effect model's: a creation whose mode it follows) */
};

/* Keys of a CLASS event's canonical fields (same layout as sd_norm_event); ctx may be
 * NULL. */
uint64_t sd_sem_key(struct sd_norm *n, const struct sd_event *ev, const char *cls,
		    const struct sd_sem_ctx *ctx, uint64_t f[SD_NF]);
/* The record key of canonical fields (what sd_sem_key returns for them): for fields
 * keyed again (folds, modes widened, temporary names). */
uint64_t sd_sem_fields_key(const uint64_t f[SD_NF]);
/* The mode a mkdir, mknod, chmod or creating open asks for (permission bits), or -1;
 * the key of a mode as the canonical fields hold it. */
int sd_sem_mode(const struct sd_event *ev);
uint64_t sd_sem_mode_key(unsigned mode);
/* The permission bits an access control list set by setxattr gives, or -1. */
int sd_sem_acl_mode(const struct sd_event *ev);
/* Does this open create (O_CREAT, O_TMPFILE)?  Truncate (O_TRUNC)? */
bool sd_sem_creates(const struct sd_event *ev);
bool sd_sem_truncates(const struct sd_event *ev);
/* The path the event's object is named by (absolute when known): the first path
 * argument, or what the first fd refers to; second: the second path (rename, link). */
const char *sd_sem_path(const struct sd_event *ev, bool second);

/* Which argument of ev holds canonical field `field` of its class (for the report's
 * caret and words), or -1. */
int sd_sem_field_arg(const struct sd_event *ev, const char *cls, int field);
/* Flag text reduced to what the semantic level compares for an open ("O_WRONLY|O_CREAT"). */
char *sd_sem_open_flags(const char *text);

/* Bytes and data of a transfer: len in all, data and kept the bytes the trace holds
 * (data may be NULL), complete when they cover all len bytes. */
void sd_sem_payload(const struct sd_event *ev, uint64_t *len, const unsigned char **data,
		    uint64_t *kept, bool *complete);

/* ---- runtime profiles ---- */

struct sd_profiles;

/* The profiles that apply to a program, from its first execve (path and argv):
 * the loader and glibc always; CPython when the program is a python interpreter;
 * Rust's std when the executable says so.  Never NULL. */
struct sd_profiles *sd_profiles_for(const struct sd_event *root_exec);
void sd_profiles_free(struct sd_profiles *p);
/* Is ev the runtime's own activity?  *rule names the profile entry. */
bool sd_profiles_match(const struct sd_profiles *p, const struct sd_event *ev, const char **rule);

#endif
