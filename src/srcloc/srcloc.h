/* srcloc.h - source correlation: which line of the user's code made a syscall.
 *
 * At the entry stop of a reported syscall the tracer asks sd_src_locate() for the
 * calling thread's location.  The stack is unwound with elfutils libdwfl (CFI, so no
 * frame pointers are needed), each pc is mapped to module, function, file and line,
 * and the innermost frame of the user's own code is chosen: libc, the loader,
 * libstdc++, Rust's std/core/alloc and other runtime code are skipped.  Transpiler
 * source maps (--source-map) translate a generated (Rust) location to the original
 * (Python, C) file and line.  Failures never stop the trace: the location is left
 * out and sd_srcloc.why says why.  See docs/source.md. */
#ifndef SD_SRCLOC_H
#define SD_SRCLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "event/event.h"

struct sd_srcloc_opts {
	bool stack;              /* keep every frame in sd_srcloc.frames (--stack) */
	char *const *maps;       /* source map files (--source-map), nmaps of them */
	int nmaps;
	const char *debug_dirs;  /* extra directories for separate debug files (build-id
	                            and .gnu_debuglink lookups), ':'-separated, or NULL;
	                            /usr/lib/debug is always searched */
};

struct sd_srcctx;                /* one per trace: options, maps, caches */
struct sd_srcproc;               /* one per traced process (shared by its threads) */

/* Create the context; loads and checks every source map.  NULL and *err (malloc'd,
 * one line naming the file) when a map cannot be used. */
struct sd_srcctx *sd_src_new(const struct sd_srcloc_opts *o, char **err);
void sd_src_free(struct sd_srcctx *c);

/* Per-process state, created at the process's first located syscall. */
struct sd_srcproc *sd_src_proc_new(struct sd_srcctx *c, pid_t tgid);
void sd_src_proc_free(struct sd_srcproc *p);     /* NULL is fine */
/* Thread parent_tid of process parent forked process child_tgid (whose state is child,
 * or NULL when it has none yet): the child runs a copy of the parent's memory, so it
 * inherits what is known of an interpreter there (the copy's thread state is still the
 * forking thread's until the interpreter renames it).  Returns the child's state. */
struct sd_srcproc *sd_src_proc_fork(struct sd_srcctx *c, struct sd_srcproc *parent,
				    struct sd_srcproc *child, pid_t child_tgid, pid_t parent_tid);
/* The process exec'd: its modules are all new. */
void sd_src_proc_exec(struct sd_srcproc *p);
/* A syscall of the process completed with ret: after a successful mmap, munmap or
 * mremap that touches code, the module list is re-read before the next unwind. */
void sd_src_proc_syscall_done(struct sd_srcproc *p, int nr, const uint64_t args[6], int64_t ret);
/* The process's mappings may have changed unseen: they are read again when needed. */
void sd_src_proc_remapped(struct sd_srcproc *p);
/* Syscalls whose completion must be seen (with a seccomp filter, they must stop). */
bool sd_src_watches(int nr);

/* Thread tid of process p is stopped at a syscall entry: fill loc (cleared first)
 * with the location of the innermost frame of user code, and with every frame when
 * the context keeps stacks.  user_only: all that is asked is whether the user's code
 * made the call (a pinned clock read), so an interpreter's walk may end early
 * (sd_py_locate_user). */
void sd_src_locate(struct sd_srcctx *c, struct sd_srcproc *p, pid_t tid, bool user_only,
		   struct sd_srcloc *loc);

/* Whether p runs an interpreter whose frames are read (looked for in its maps now if
 * not found yet: at the exit of its exec, only one whose runtime is in the executable
 * itself, not in a shared libpython the loader has yet to map). */
bool sd_src_interpreter(struct sd_srcctx *c, struct sd_srcproc *p);

/* Whether thread tid of p is in an interpreter's start-up, known without reading its
 * stack: the main thread before it read its main script (no user frame met yet).  Then
 * loc holds that phase.  For callers to whom all of start-up is the runtime's (a pinned
 * clock read; validate's comparison), as sitecustomize or .pth lines run in it are. */
bool sd_src_startup(struct sd_srcproc *p, pid_t tid, struct sd_srcloc *loc);

/* The syscall just located closes the file ref (what the fd refers to).  An interpreter
 * closing its main script after reading it is about to run it: what the main thread
 * does with no frame of user code after that is the interpreter's exit. */
void sd_src_closing(struct sd_srcproc *p, pid_t tid, const char *ref);
/* Whether a close of ref (NULL: unknown) by thread tid may be the one that ends p's
 * start-up, which only its stack can tell (sd_src_locate before sd_src_closing). */
bool sd_src_may_close_script(struct sd_srcproc *p, pid_t tid, const char *ref);

/* ---- transpiler source maps (version 1) ----
 * {"version":1, "source_language":"python", "source_file":"main.py",
 *  "generated_file":"src/main.rs",
 *  "mappings":[{"rust_line":18, "rust_function":"main", "python_line":12,
 *               "python_function":"main", "python_context":"print(...)"}],
 *  "function_map":{"rust_fn":"original name"}} */
struct sd_srcmap;

/* Parse a map from memory; name is used in messages.  NULL and *err on error. */
struct sd_srcmap *sd_srcmap_parse(const char *text, size_t len, const char *name, char **err);
/* Read and parse a map file ("FILE: message" errors). */
struct sd_srcmap *sd_srcmap_load(const char *path, char **err);
void sd_srcmap_free(struct sd_srcmap *m);

struct sd_srcmap_hit {
	const char *file;        /* the original file (source_file) */
	int line;                /* the original line */
	const char *func;        /* the original function, or NULL */
	const char *context;     /* python_context, or NULL */
	const char *language;    /* source_language */
};

/* Does generated location (path, line, function) fall under the map?  path is the
 * file as the debug info names it (absolute, or relative to the compilation
 * directory); the map's generated_file matches it whole or as a trailing run of
 * path components.  The nearest mapped line at or before line wins. */
bool sd_srcmap_lookup(const struct sd_srcmap *m, const char *path, int line,
		      const char *func, struct sd_srcmap_hit *hit);

/* ---- helpers, exposed for tests ---- */

/* Demangle a symbol name (C++ Itanium via the C++ runtime when present, Rust legacy
 * and v0 by sysdiff itself).  malloc'd result, or NULL when name is not mangled. */
char *sd_demangle(const char *name);
/* Is path (an ELF file) system or runtime code rather than the user's? */
bool sd_src_system_module(const char *path);
/* Is path (an absolute source file) toolchain or runtime source? */
bool sd_src_runtime_file(const char *path);
/* path relative to dir when it lies below it (malloc'd). */
char *sd_src_relative(const char *path, const char *dir);
/* The same, also trying up to two directories above dir (a build directory inside the
 * project) while they have two path components; *root gets the directory used (or a
 * copy of dir when none was), so that root + "/" + result is path. */
char *sd_src_shorten(const char *path, const char *dir, char **root);

/* ---- Python frames (python_probe.c, python.c), exposed for tests and fuzzing ---- */

/* Reads n bytes of the tracee at addr into buf; false when not all can be read. */
typedef bool (*sd_py_read_fn)(void *ctx, uint64_t addr, void *buf, size_t n);
struct sd_pyrt;                  /* one CPython runtime in one process */

/* The line of code-unit index lasti in a 3.11+ location table (co_linetable); 0 when
 * the table has none for it or is malformed; lasti < 0 gives firstlineno. */
int sd_py_line(const unsigned char *table, size_t n, int firstlineno, long lasti);
/* A runtime of version (PY_VERSION_HEX) whose _PyRuntime is at runtime and PyCode_Type at
 * code_type (0: unknown, checked by name), read through read.  NULL and *why (malloc'd)
 * for unsupported versions or a bad _Py_DebugOffsets table (3.13+). */
struct sd_pyrt *sd_py_new(unsigned long version, uint64_t runtime, uint64_t code_type,
			  sd_py_read_fn read, void *ctx, char **why);
void sd_py_free(struct sd_pyrt *rt);
/* Fill loc (cleared by the caller) for the thread whose native id is tid (main_thread:
 * the process's first): the innermost frame of user code, the phase and why; every frame
 * when stack.  1: a frame of user code, 0: none, -1: the state cannot be read. */
int sd_py_locate(struct sd_pyrt *rt, pid_t tid, bool main_thread, bool stack,
		 struct sd_srcloc *loc);
/* The same (no stack) when all that is asked is whether the user's code made the call:
 * an innermost frame of the import machinery ends the walk (such a call is never the
 * user's), leaving phase "import" and no file. */
int sd_py_locate_user(struct sd_pyrt *rt, pid_t tid, bool main_thread, struct sd_srcloc *loc);
/* A layout check failed (the runtime gives no lines any more): why, else NULL. */
const char *sd_py_broken(const struct sd_pyrt *rt);
unsigned long sd_py_reads(const struct sd_pyrt *rt);   /* memory reads so far */

#endif
