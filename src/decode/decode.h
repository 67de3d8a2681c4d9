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
#include "event/event.h"

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
	bool env_values;      /* keep the values of execve's environment (--record-env); else
	                         NAME=VALUE is kept as NAME=<xxh64:H>, H the XXH64 (seed 0) of
	                         VALUE in 16 lowercase hex digits (docs/trace-format.md) */
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

/* ---- the schema, for importers of other tools' logs (schema_query.c) ---------- */

/* How the live decoder types one argument, and what an importer needs to fill it the
 * same way from a text form. */
struct sd_arg_shape {
	enum sd_arg_type type;
	bool at_exit;        /* decoded at syscall exit (an out-parameter) */
	bool resolve;        /* PATH: resolved to abs (DK_PATH/DK_ATPATH; not a plain string) */
	int8_t dirfd;        /* PATH: index of the dirfd argument it is relative to, -1: cwd */
	int8_t atflags;      /* PATH: index of the AT_* flags argument (AT_EMPTY_PATH), -1 */
	int8_t count;        /* BUF passed in / iovec: index of the length or count arg, -1 */
	bool iov;            /* BUF: the bytes of an iovec array (readv, writev) */
	bool msghdr;         /* BUF: the iovecs of a struct msghdr (sendmsg, recvmsg) */
	bool upto_ret;       /* BUF passed in: a successful call moved only ret bytes (write) */
};

struct sd_call_shape {
	int nr;              /* x86_64 syscall number */
	int nargs;           /* arguments the decoder gives the call */
	bool schema;         /* it has a schema row (else nargs hex arguments) */
	enum sd_ret_fmt ret; /* how the return value reads */
	struct sd_arg_shape a[SD_MAX_ARGS];
};

/* The shape sd_decode_entry/sd_decode_exit give syscall name when called with argument
 * registers raw[] (NULL: all 0) and, if finished, return value ret.  Only registers that
 * select a variant matter (fcntl/ioctl commands, futex/prctl operations, open flags,
 * arch_prctl codes); pass 0 for the others.  Returns nargs, or -1 for a name that is not
 * a known x86_64 syscall. */
int sd_decode_shape(const char *name, const int64_t raw[SD_MAX_ARGS], bool finished,
		    int64_t ret, struct sd_call_shape *out);

/* The fds [*lo, *hi] that finished call ev (its name, raw arguments) released, its return
 * value ret: close's (also when it failed, but with EBADF: Linux releases the fd first),
 * close_range's unless it only set CLOSE_RANGE_CLOEXEC.  The rule the fd_closed hook is
 * called by; readers of logs keep their fd names by it. */
bool sd_decode_fds_released(const struct sd_event *ev, int64_t ret, int *lo, int *hi);

/* The value of a symbolic constant expression as strace and sysdiff print argument i of
 * syscall name: "O_WRONLY|O_CREAT|O_TRUNC", "PROT_READ|0x8", "CLONE_VM|SIGCHLD",
 * "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME", "S_IFREG|0644", "SIGTERM", "-100".
 * Names are looked up in that argument's own table first, then in every table.  Returns
 * true and sets *val when every part is known. */
bool sd_decode_const(const char *name, int i, const char *text, uint64_t *val);

/* ---- directory listings (dirents.c) -------------------------------------------- */

/* One entry of a getdents (v64 false: linux_dirent) or getdents64 buffer. */
struct sd_dirent { const char *name; size_t len; unsigned char type; };

/* The entry at *pos of the first n bytes of buf: true, with *pos moved past it, or false
 * when no whole record is left there. */
bool sd_dirent_next(const unsigned char *buf, size_t n, bool v64, size_t *pos, struct sd_dirent *e);
/* d_type as strace names it ("DT_REG"), or NULL for a value without a name. */
const char *sd_dirent_type_name(unsigned char type);
/* Does syscall name list a directory: 1 getdents64, 0 getdents (linux_dirent), -1 no. */
int sd_dirent_call(const char *name);

#endif
