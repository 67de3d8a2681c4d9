/* strace_int.h - internals shared by the files of the strace log importer (not for
 * other modules; the interface is strace_log.h).  strace_log.c scans lines and joins
 * the halves of calls; it hands each whole call to the call parser (strace_call.c),
 * which types it into an event; both keep the log's processes and threads and queue
 * their events with strace_proc.c; all read strace's text with strace_lex.c. */
#ifndef SD_STRACE_INT_H
#define SD_STRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include "event/event.h"
#include "format/strace_log.h"
#include "util/util.h"

#define NAME_MAX_LEN   31

/* ---- the lexer (strace_lex.c) --------------------------------------------- */

/* A piece of a line: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

static inline bool is_sp(char c)
{
	return c == ' ' || c == '\t';
}

static inline struct span trim(const char *p, const char *e)
{
	while (p < e && is_sp(*p))
		p++;
	while (e > p && is_sp(e[-1]))
		e--;
	return (struct span){ p, (size_t)(e - p) };
}

static inline bool span_is(struct span v, const char *s)
{
	size_t n = strlen(s);
	return v.n == n && !memcmp(v.p, s, n);
}

static inline bool starts(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - p) >= n && !memcmp(p, s, n);
}

static inline bool ends(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - p) >= n && !memcmp(e - n, s, n);
}

static inline char *span_dup(struct span v)
{
	return xstrndup(v.p, v.n);
}

/* The end of the value starting at p: the first ',' or unmatched closer at depth 0, or
 * end.  NULL and *why on malformed input. */
const char *scan_value(const char *p, const char *end, const char **why);
/* Split "a, b, c" in [p, end) into at most max values (trailing empty ones dropped).
 * Returns where the list ends (an unmatched closer, or end), NULL on error. */
const char *split_list(const char *p, const char *end, struct span *v, int max,
		       int *n, const char **why);

/* Iterate over the values of a bracketed list "[a, b]" or "{a, b}": *it starts at the
 * opening bracket; returns false at the end. */
struct list_it {
	const char *p, *end;
	bool done;
};

bool list_open(struct list_it *it, struct span v, char open);
bool list_next(struct list_it *it, struct span *out);
/* "key=value" inside a struct: the value of key, if present. */
bool field(struct span v, const char *key, struct span *out);

/* A string value "..." (cut by -s when followed by "..."): its bytes into out. */
bool parse_str(struct span v, struct sb *out, bool *trunc);
/* A C integer: "12", "-1", "0x1f", "0644".  The whole span must be the number. */
bool parse_num(const char *p, size_t n, int64_t *v);
/* -X verbose "0x241 /\* O_WRONLY|O_CREAT *\/": num gets the numbers, sym the text. */
bool split_verbose(struct span v, struct sb *num, struct sb *sym);
/* "SIGTERM", "SIGRTMIN", "15": the signal number, or -1. */
int signal_value(struct span v);
/* "ENOENT", "ERESTARTSYS": the errno value, or -1. */
int errno_value(struct span v);
/* Seconds with an optional fraction, "12.000345" -> ns; "HH:MM:SS[.frac]" when tod. */
bool parse_secs(const char *p, const char *e, bool tod, uint64_t *ns);

/* After the '>' that closes the fd annotation starting at p ('<'), or NULL. */
const char *skip_annot(const char *p, const char *end);
/* What an fd refers to, as the tracer writes it, from an -y/-yy annotation's text. */
char *annot_ref(const char *p, size_t n);
/* The annotation of a value "3</x>" / "AT_FDCWD</x>", if any. */
bool value_annot(struct span v, struct span *a);

/* ---- processes and threads (strace_proc.c) -------------------------------- */

struct proc {
	int refs;
	pid_t tgid;
	char *cwd;             /* absolute, or NULL when unknown */
	struct fdname *fds;    /* by fd number: what it was last shown or opened as */
	size_t nfds;
};

struct fdname {
	char *name;            /* a -y annotation's ref, or the absolute path it was opened by */
	bool shown;            /* from an annotation */
};

struct pend {              /* the first half of a call, waiting to be resumed */
	bool on;
	bool clone;            /* clone/clone3/fork/vfork: its child may report first */
	bool thread;           /* ... creating a thread (CLONE_THREAD) */
	char name[NAME_MAX_LEN + 1];
	struct sb text;        /* the arguments printed so far */
	uint64_t t_ns;
	unsigned long lineno;
	uint64_t gen;
};

struct rst {               /* the thread's last interrupted call (restart linking) */
	uint64_t seq;
	bool after_sigreturn;
	struct sd_event tmpl;  /* name, nr and arguments; out-parameters: type and raw only */
	int nkey;
	char *key[SD_MAX_ARGS]; /* the in-arguments as printed, NULL for out-parameters */
};

struct thr {
	struct thr *next;
	pid_t tid;
	struct proc *proc;
	struct pend pend;
	struct rst rst;
};

struct cref {              /* a pending clone (sd_strace.cstack) */
	pid_t tid;
	uint64_t gen;
};

struct sd_strace {
	struct sd_lines *in;
	struct sd_trace_info info;
	struct sd_trace_end end;
	bool have_end, eof, failed, partial, any_exit_line;
	char *errmsg;
	char *cwd0;
	/* lines */
	bool any_pid;
	pid_t last_tid;
	bool have_root;
	pid_t root;
	bool root_done;
	int root_status;
	bool root_exit_group;  /* -qq hides "+++ exited": the root's exit_group(N) tells */
	int root_exit_arg;
	bool have_t0, relative, tod_seen;
	uint64_t t0, last_abs, day_off, prev_tod;
	/* threads */
	struct thr **tab;
	size_t tabsize, nthr;
	struct cref *cstack;
	size_t ncs, cscap;
	uint64_t gen;
	/* output */
	struct sd_event *q;
	size_t qhead, qlen, qcap;
	uint64_t seq, returned;
	/* scratch */
	struct sb joined;
};

void proc_unref(struct proc *p);
struct proc *proc_new(pid_t tgid, const char *cwd);
void proc_set_cwd(struct proc *p, char *cwd);   /* takes cwd */

struct thr *thr_find(struct sd_strace *s, pid_t tid);
/* The state of tid, created when first seen (see strace_proc.c). */
struct thr *thr_get(struct sd_strace *s, pid_t tid);
/* A new thread: in process share, else in a new process starting in cwd. */
struct thr *thr_new(struct sd_strace *s, pid_t tid, struct proc *share,
		    const char *cwd);
void thr_link(struct sd_strace *s, struct thr *t);
void thr_unlink(struct sd_strace *s, struct thr *t);
void thr_free(struct thr *t);
void thr_drop(struct sd_strace *s, struct thr *t);    /* unlink and free */
void rst_clear(struct rst *r);
void pend_clear(struct pend *p);

/* Queue *ev (moved: *ev is left empty) with the next seq; returns the queued event. */
struct sd_event *q_push(struct sd_strace *s, struct sd_event *ev);
/* An empty event of kind k made by thread t at t_ns. */
void event_base(struct sd_event *ev, const struct thr *t, enum sd_ev_kind k,
		uint64_t t_ns);

/* ---- the call parser (strace_call.c) -------------------------------------- */

/* A call of thread t is complete: text holds "args) = ret" of name.  Types and queues
 * its event, links restarts and applies its effects (cwd, children).  align_end: only
 * the second half was seen, its arguments are the last ones.  -1 and *why when the
 * text does not parse. */
int complete(struct sd_strace *s, struct thr *t, const char *name, const char *text,
	     size_t tlen, uint64_t t_ns, uint64_t dur_ns, bool align_end, const char **why);
bool is_clone(const char *name);      /* clone, clone3, fork, vfork */
/* Does this clone/clone3 create a thread (CLONE_THREAD in the flags of its text)? */
bool clone_thread(const char *name, const char *p, size_t n);

#endif
