/* decode.h - typed decoding of syscall arguments into struct sd_event.
 *
 * Decoding is driven by a per-syscall schema (argument types, which args are read at
 * exit, what the return value is).  Decoders never touch ptrace: everything they need
 * from the tracee comes through struct sd_decode_env, so they run the same against a
 * live process, a unit test's fake memory or a fuzzer's bytes. */
#ifndef SD_DECODE_H
#define SD_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "trace/event.h"

struct sd_decode_env {
	void *priv;
	/* Copy up to len bytes from tracee address addr.  Returns the number of bytes
	 * copied (short when a page is unmapped), or -1 when nothing could be read. */
	ssize_t (*read_mem)(void *priv, uint64_t addr, void *dst, size_t len);
	/* What fd refers to in the calling process ("/abs/path", "pipe:[123]", ...), or
	 * NULL if unknown.  fresh = the fd was just created or replaced by this syscall,
	 * so any cached answer is stale.  The string stays valid until the next call. */
	const char *(*fd_ref)(void *priv, int fd, bool fresh);
	/* fds lo..hi (inclusive) were closed by the calling process. */
	void (*fd_closed)(void *priv, int lo, int hi);
	/* Current working directory of the calling thread (absolute), or NULL. */
	const char *(*cwd)(void *priv);
	/* The calling thread changed its cwd (successful chdir/fchdir). */
	void (*cwd_changed)(void *priv);
};

struct sd_decode_opts {
	uint32_t max_bytes;   /* buffer bytes kept per argument (--max-bytes, default 4096) */
	uint32_t max_strv;    /* argv/envp entries kept (default 4096) */
	bool paths_abs;       /* resolve paths to absolute (default true) */
};

/* At syscall entry: set ev->nr, ev->name, ev->nargs and decode every argument known at
 * entry (in-buffers are read and hashed here).  raw[] are the six argument registers. */
void sd_decode_entry(const struct sd_decode_env *env, const struct sd_decode_opts *opts,
		     struct sd_event *ev, int nr, const uint64_t raw[6]);

/* At syscall exit: set ev->ret, ev->finished, ret_fmt/ret_ref/ret_text, ev->interrupted
 * for ERESTART*, and decode the out-parameters (read-side buffers: only the bytes the
 * kernel returned).  Also tells env about fd and cwd changes. */
void sd_decode_exit(const struct sd_decode_env *env, const struct sd_decode_opts *opts,
		    struct sd_event *ev, int64_t ret);

/* Decode a siginfo_t (as read by PTRACE_GETSIGINFO) into strace's
 * "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, ...}" text (malloc'd). */
char *sd_decode_siginfo(const void *siginfo, size_t len);

/* Resolve path against base (absolute dir) and normalize "." and ".." lexically.
 * Returns a malloc'd absolute path, or NULL if base is NULL and path is relative. */
char *sd_path_absolute(const char *base, const char *path);

#endif
