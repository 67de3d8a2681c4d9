/* event.h - the one event model of sysdiff.
 *
 * The tracer produces events, the trace writers store them losslessly, the reader
 * (and later importers) produce them again, and compare consumes them without
 * knowing where they came from.  An event owns every string and buffer it points
 * to; sd_event_clear() frees them.  See docs/trace-format.md for the file form. */
#ifndef SD_EVENT_H
#define SD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sd_arg_type {
	SD_ARG_INT,      /* signed integer */
	SD_ARG_UINT,     /* unsigned integer (sizes, counts) */
	SD_ARG_HEX,      /* unsigned integer best shown in hex (ioctl args, masks) */
	SD_ARG_FD,       /* file descriptor; text "AT_FDCWD" for -100; ref = what it is */
	SD_ARG_PATH,     /* str = path as given, abs = absolute, lexically normalized */
	SD_ARG_BUF,      /* data transferred: see struct sd_buf */
	SD_ARG_FLAGS,    /* bit set or enum constant: raw + symbolic text */
	SD_ARG_MODE,     /* file mode: raw + text ("0644", "S_IFREG|0644") */
	SD_ARG_PTR,      /* address: raw only; compared by nullness at most */
	SD_ARG_STRUCT,   /* decoded structure (stat, sockaddr, timespec...): text */
	SD_ARG_STRV,     /* NULL-terminated string array (argv, envp) */
	SD_ARG_SIGNAL,   /* signal number: raw + text ("SIGTERM") */
	SD_ARG__COUNT
};

/* Bytes passed to or from the kernel.  len and hash always cover every byte;
 * data keeps at most the first --max-bytes of them (kept <= len). */
struct sd_buf {
	uint64_t len;        /* bytes actually transferred */
	uint64_t hash;       /* XXH64 (seed 0) of all len bytes */
	uint32_t kept;       /* bytes in data */
	bool hash_valid;     /* false when the bytes could not all be read */
	unsigned char *data; /* kept bytes, may contain NULs, not NUL-terminated */
};

struct sd_arg {
	enum sd_arg_type type;
	bool at_exit;        /* decoded at syscall exit (an out-parameter) */
	int64_t raw;         /* the register value, always kept */
	char *text;          /* symbolic form: flags, mode, struct, signal, special fd */
	char *ref;           /* FD: what the fd refers to: "/abs/path", "pipe:[123]",
	                        "socket:[45]", "anon_inode:[eventfd]" */
	char *str;           /* PATH: bytes as given (NUL-terminated; may be invalid UTF-8) */
	char *abs;           /* PATH: absolute form, resolved against cwd / dirfd */
	struct sd_buf buf;   /* BUF */
	char **strv;         /* STRV: nstrv strings */
	int nstrv;
	bool strv_more;      /* STRV: more entries existed than were kept */
};

enum sd_ev_kind {
	SD_EV_SYSCALL,   /* one logical syscall: entry and exit joined */
	SD_EV_SIGNAL,    /* signal delivered: --- SIGCHLD {...} --- */
	SD_EV_STOP,      /* group-stop: --- stopped by SIGSTOP --- */
	SD_EV_EXIT,      /* thread/process exited: +++ exited with N +++ */
	SD_EV_KILLED,    /* killed by a signal: +++ killed by SIGSEGV (core dumped) +++ */
	SD_EV_SUPERSEDED,/* a non-leader thread exec'd: its old tid is gone (old_tid) */
	SD_EV_DETACHED,  /* tracing of this tid ended by detaching (-p, Ctrl-C) */
	SD_EV__COUNT
};

/* How the return value reads. */
enum sd_ret_fmt { SD_RET_DEC, SD_RET_HEX, SD_RET_FD, SD_RET_OCT };

/* One frame of the calling thread's stack at a syscall's entry (--stack), innermost
 * first.  A function inlined at a pc is a frame of its own, marked inlined, with the
 * same pc as the frame it was inlined into (which follows it). */
struct sd_srcframe {
	uint64_t pc;         /* frame 0: where the syscall was made; callers: return address */
	uint64_t off;        /* pc in the module's ELF addresses (pc minus load bias) */
	char *module;        /* the ELF file mapped at pc ("[vdso]"), NULL: none */
	char *func;          /* function, demangled and qualified ("ns::f<int>"), or NULL */
	char *file;          /* source file as in the debug info (see sd_srcloc.file) */
	int line;            /* 0: unknown */
	bool inlined;        /* inlined into the next frame (no frame of its own) */
	bool user;           /* the user's own code (not libc, the loader, std...) */
	bool py;             /* a Python frame: pc is the frame's next instruction in the
	                        tracee, off its byte offset in the code object's bytecode */
};

/* Where the user's code made a syscall (sysdiff trace --source): the innermost frame
 * of the user's own code on the calling thread's stack. */
struct sd_srcloc {
	char *file;          /* source file as the compiler recorded it, relative to dir
	                        when it lies under it; with a source map: the original file */
	int line;            /* 1-based; 0: unknown (never a guessed line) */
	char *func;          /* function, demangled and qualified */
	char *dir;           /* source root of the debug-info location (file, or gen_file
	                        when a source map applied): the compilation directory or up
	                        to two levels above it; dir/file is the absolute path */
	char *module;        /* the ELF file the chosen frame's code is in */
	char *gen_file;      /* a source map applied: the generated location it mapped */
	int gen_line;
	char *gen_func;
	char *why;           /* no file:line: why (no debug info, no user frame...) */
	char *inner_file;    /* interpreted programs: the innermost frame when it is not the
	                        one above (stdlib, <frozen importlib...>): file, line, func */
	int inner_line;
	char *inner_func;
	char *lang;          /* "python": read from the interpreter's frames (else NULL: DWARF) */
	char *phase;         /* interpreted programs: NULL in the user's code, else "startup",
	                        "import", "exit" or "runtime" (see docs/source.md) */
	int nframes;         /* --stack: the whole stack, innermost first */
	struct sd_srcframe *frames;
};

#define SD_MAX_ARGS 6

/* What the tracer saw of a creating open's path when the call began. */
enum sd_pre { SD_PRE_UNKNOWN, SD_PRE_ABSENT, SD_PRE_EXISTED };

struct sd_event {
	uint64_t seq;        /* 1-based, order of completion in the whole run */
	pid_t pid, tid;      /* thread group id and thread id as observed */
	enum sd_ev_kind kind;
	uint64_t t_ns;       /* entry (or event) time, ns since the trace started */
	uint64_t dur_ns;     /* syscall duration entry->exit; 0 for other kinds */

	/* SD_EV_SYSCALL */
	int nr;              /* syscall number (x86_64) */
	char name[32];       /* syscall name ("openat"; the original name for restarts) */
	int nargs;
	struct sd_arg args[SD_MAX_ARGS];
	bool finished;       /* false: the call never returned (exit_group, killed) */
	int64_t ret;         /* raw return; -4095..-1 is -errno */
	enum sd_ret_fmt ret_fmt;
	char *ret_ref;       /* SD_RET_FD: what the returned fd refers to */
	char *ret_text;      /* optional symbolic return (fcntl F_GETFL flags...) */
	bool interrupted;    /* returned ERESTART*: the kernel will restart it */
	uint64_t restart_of; /* seq of the interrupted call this one continues, or 0 */
	enum sd_pre pre;     /* an open with O_CREAT: whether its path existed at entry */

	/* SD_EV_SIGNAL / STOP / KILLED / EXIT / SUPERSEDED */
	int sig;             /* signal number */
	char *siginfo;       /* SD_EV_SIGNAL: decoded siginfo text "{si_signo=...}" */
	int status;          /* SD_EV_EXIT: exit code */
	bool core;           /* SD_EV_KILLED: core dumped */
	pid_t old_tid;       /* SD_EV_SUPERSEDED: the tid that exec'd */

	struct sd_srcloc src;
};

/* Header and trailer of one trace. */
struct sd_trace_info {
	int version;         /* SD_TRACE_VERSION */
	char *tool;          /* "sysdiff 0.1.0" */
	char *arch;          /* "x86_64" */
	char **argv;         /* traced command (NULL-terminated), or NULL for -p */
	char *cwd;           /* sysdiff's cwd at start */
	pid_t pid;           /* first traced pid */
	bool attached;       /* -p: attached to a running process */
	uint64_t start_real_ns; /* wall clock at t_ns == 0 */
	uint32_t max_bytes;  /* --max-bytes in force */
	bool umask_known;    /* the first traced process's umask at start: */
	int umask;
};

/* Calls of one name, counted. */
struct sd_count {
	char name[32];
	uint64_t n;
};

struct sd_trace_end {
	bool complete;       /* false: interrupted, the tracer failed, or a crash */
	char *reason;        /* why incomplete ("interrupted by SIGINT"), else NULL */
	uint64_t events;     /* events written */
	int exit_status;     /* the traced command's status as sysdiff exits with it */
	struct sd_count *unrecorded;   /* calls of an interpreter's start-up let run with no
					  event of their own (validate: docs/trace-format.md) */
	size_t nunrecorded;
};

#define SD_TRACE_VERSION 1

void sd_event_init(struct sd_event *ev);
void sd_event_clear(struct sd_event *ev);   /* frees owned data, re-inits */
void sd_arg_clear(struct sd_arg *a);
void sd_srcloc_clear(struct sd_srcloc *s);  /* frees owned data, zeroes */
void sd_arg_copy(struct sd_arg *dst, const struct sd_arg *src); /* deep copy */
void sd_event_copy(struct sd_event *dst, const struct sd_event *src); /* deep copy */
void sd_trace_info_clear(struct sd_trace_info *ti);
void sd_trace_end_clear(struct sd_trace_end *te);

/* Is ret an error return (-4095..-1)?  The errno is -ret. */
static inline bool sd_ret_is_error(int64_t ret) { return ret < 0 && ret >= -4095; }

const char *sd_arg_type_name(enum sd_arg_type t);   /* "int", "fd", "path"... */
int sd_arg_type_from_name(const char *name);        /* -1 if unknown */
const char *sd_ev_kind_name(enum sd_ev_kind k);     /* "syscall", "signal", "exit"... */
int sd_ev_kind_from_name(const char *name);

#endif
