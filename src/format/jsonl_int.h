/* jsonl_int.h - internal to src/format/: what the JSON Lines reader and writer share.
 *
 * A trace line is parsed into a small document (struct jdoc): a flat array of values
 * in one arena, object members tagged with the id of their key (enum jk), so the
 * reader finds a member by its id instead of hashing strings.  Two parsers fill it:
 * jsonl_fast.c's own, for the lines sysdiff writes, and jansson (through
 * sd_jv_from_jansson) for anything the fast one leaves: unusual numbers or escapes,
 * deep nesting, and every invalid line, whose error message is jansson's.  Whatever
 * the fast parser accepts, jansson parses to the same document (tests/unit/
 * test_jsonl_fast.c and fuzz/fuzz_reader.c check it). */
#ifndef SD_JSONL_INT_H
#define SD_JSONL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The trace format version the writer writes; the reader reads 1 and 2. */
#define SD_JSONL_VERSION 2
#define SD_JSONL_MIN_VERSION 1

/* Every key the reader knows.  B() keys hold byte strings and have a "<key>_hex" twin,
 * whose id follows theirs. */
#define SD_JSONL_KEYS(K, B) \
	K(seq) K(pid) K(tid) K(t) K(t_ns) K(dur) K(dur_ns) K(type) B(name) K(nr) K(args) \
	K(ret) K(unfinished) K(err) K(ret_fmt) B(ret_ref) B(ret_text) K(interrupted) \
	K(restart_of) K(existed) K(umask) K(sig) K(signo) B(siginfo) K(status) K(core) K(old_tid) K(src) \
	K(at_exit) B(raw) K(addr) B(str) B(abs) B(text) B(ref) K(len) K(hash) K(hash_valid) \
	B(data) K(strv) K(strv_more) K(hex) \
	B(file) K(line) B(func) B(dir) B(module) B(gen_file) K(gen_line) B(gen_func) B(why) \
	B(lang) B(phase) B(inner_file) K(inner_line) B(inner_func) K(stack) K(pc) K(off) \
	K(inline) K(user) K(py) \
	K(sysdiff_trace) B(tool) B(arch) K(argv) B(cwd) K(attached) K(start) K(start_ns) \
	K(max_bytes) K(end) K(complete) K(events) K(exit_status) B(reason) \
	K(unrecorded)

enum jk {
	JK_OTHER,            /* a key the reader does not know (ignored) */
#define JK_K(n) JK_##n,
#define JK_B(n) JK_##n, JK_##n##_hex,
	SD_JSONL_KEYS(JK_K, JK_B)
#undef JK_K
#undef JK_B
	JK__COUNT
};

const char *sd_jk_name(int key);                 /* "seq", "name_hex"... */
int sd_jk_lookup(const char *key, size_t len);   /* JK_OTHER when unknown */

enum jv_type { JV_NULL, JV_FALSE, JV_TRUE, JV_INT, JV_REAL, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	uint8_t type;        /* enum jv_type */
	uint8_t key;         /* member of an object: enum jk of its key */
	bool nul;            /* STR: holds a NUL byte */
	uint32_t n;          /* STR: bytes (may hold NULs, need not be NUL-terminated);
	                        ARR, OBJ: members */
	uint32_t next;       /* index of the next member of the same array or object, 0: none */
	uint32_t namelen;    /* member of an object: its key (not NUL-terminated) and length */
	const char *name;
	union {
		int64_t i;       /* INT */
		double d;        /* REAL */
		const char *s;   /* STR */
		uint32_t first;  /* ARR, OBJ with n > 0: index of the first member */
	} u;
};

/* One parsed line: v[0] is the root.  Reused from line to line. */
struct jdoc {
	struct jv *v;
	size_t n, cap;
	char *s;             /* the strings' arena */
	size_t slen, scap;
};

/* Parse line[0..n) with the fast parser.  1: d holds it (its root an object); 0: not
 * handled here, parse it with jansson (which may find it invalid). */
int sd_jv_parse_fast(struct jdoc *d, const char *line, size_t n);
/* d from a jansson value (json_t *) parsed from a line of n bytes. */
void sd_jv_from_jansson(struct jdoc *d, const void *json, size_t n);
/* The same document, value for value (keys, order, types, numbers bit for bit)? */
bool sd_jv_equal(const struct jdoc *a, const struct jdoc *b);
void sd_jdoc_free(struct jdoc *d);

/* The member of object o with key id key, or NULL. */
static inline const struct jv *sd_jv_get(const struct jdoc *d, const struct jv *o, int key)
{
	if (o->type != JV_OBJ || !o->n)
		return NULL;
	for (uint32_t i = o->u.first; i; i = d->v[i].next)
		if (d->v[i].key == key)
			return &d->v[i];
	return NULL;
}

/* Is nr the number the reader gives a syscall event named name that has no "nr"?  It is
 * the x86_64 number of the name, or -1 for a name the table does not know. */
bool sd_jsonl_nr_is_default(const char *name, int nr);
int sd_jsonl_default_nr(const char *name);

/* Tests: read every line of r through jansson (on), and how many lines the fast parser
 * took so far. */
struct sd_reader;
void sd_reader_jansson_only(struct sd_reader *r, bool on);
unsigned long sd_reader_fast_lines(const struct sd_reader *r);

#endif
