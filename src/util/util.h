/* util.h - small helpers used everywhere: fatal errors, checked allocation,
 * a growable string buffer (git's strbuf idea), and exit codes. */
#ifndef SD_UTIL_H
#define SD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#define SD_VERSION "0.1.0"

/* Exit codes of sysdiff itself (documented in docs/sysdiff.1, `sysdiff --help` and
 * README.md). */
#define SD_EXIT_USAGE    2    /* a usage error, in every subcommand: unknown option or
				 subcommand, missing argument, bad value */
#define SD_EXIT_TOOL     125  /* trace: sysdiff's own failure (I/O, ptrace refused) */
#define SD_EXIT_NOEXEC   126  /* the command exists but cannot be executed */
#define SD_EXIT_NOTFOUND 127  /* the command was not found */

/* Exit codes of compare and validate (docs/validate.md, `sysdiff compare --help`). */
#define SD_EXIT_EQUIVALENT 0  /* the traces or programs behave the same (validate: or skipped) */
#define SD_EXIT_DIFFERENT  1  /* they do not */
#define SD_EXIT_ERROR      2  /* usage, input or tool error */

extern const char *sd_progname;

/* Print "sysdiff: <msg>" to stderr.  sd_die also exits with SD_EXIT_TOOL. */
void sd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void sd_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void sd_die_code(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated vectors of strings they own: push appends a copy of s to the *n of
 * *v (NULL: empty); free frees every string and the vector (NULL: nothing). */
void sd_strv_push(char ***v, size_t *n, const char *s);
void sd_strv_free(char **v);

/* Growable NUL-terminated byte string. */
struct sb {
	char *buf;
	size_t len, cap;
};
#define SB_INIT { NULL, 0, 0 }
void sb_grow(struct sb *sb, size_t extra);
void sb_add(struct sb *sb, const void *p, size_t n);
void sb_addc(struct sb *sb, char c);
void sb_adds(struct sb *sb, const char *s);
void sb_addf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct sb *sb, const char *fmt, va_list ap);
void sb_reset(struct sb *sb);
char *sb_detach(struct sb *sb); /* returns the string (never NULL); sb is reset */
void sb_free(struct sb *sb);
static inline const char *sb_str(const struct sb *sb) { return sb->buf ? sb->buf : ""; }

/* Write all of buf to fd, retrying on EINTR, EAGAIN (poll) and short writes.  0 or -1. */
int sd_write_full(int fd, const void *buf, size_t len);
/* Copy all that can be read from in to out (EINTR retried).  0, or -1 with errno set. */
int sd_copy_fd(int in, int out);
/* The first max bytes of a file (SIZE_MAX: all of it), NUL-terminated, malloc'd; *len its
 * length and *cut whether the file had more (either may be NULL).  NULL with errno set
 * when it cannot be opened; a read error ends it at what was read so far. */
char *sd_read_file(const char *path, size_t max, size_t *len, bool *cut);
/* The same of an open file, from offset 0 (pread: its offset is left alone); a pipe or
 * another file without offsets is read from where it stands. */
char *sd_read_fd(int fd, size_t max, size_t *len, bool *cut);
/* Write a whole report: to stdout when path is NULL; to a device, fifo or /dev/stdout as
 * it is; else through a temporary file renamed over path once complete, so a reader
 * never sees half a file.  0, or -1 with errno set. */
int sd_write_whole(const char *path, const void *buf, size_t len);

/* waitpid, made again when a signal interrupts it: its result, or -1 with errno. */
pid_t sd_waitpid(pid_t pid, int *status, int flags);

/* Monotonic and wall clock in nanoseconds. */
uint64_t sd_now_mono_ns(void);
uint64_t sd_now_real_ns(void);

/* errno and signal names ("ENOENT", "SIGSEGV"); numeric fallbacks ("E123", "SIG42"),
 * including the kernel-internal ERESTART* codes 512..516.  sd_errno_msg gives the text
 * strace prints in parentheses.  sd_signo_from_name accepts "SIGTERM", "TERM", "15". */
const char *sd_errno_name(int err);
const char *sd_errno_msg(int err);
int sd_errno_from_name(const char *name);   /* -1 if unknown */
const char *sd_signal_name(int sig);
int sd_signo_from_name(const char *name);   /* -1 if unknown */

/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates)? */
bool sd_utf8_valid(const void *s, size_t n);

#endif
