/* semantic.c - the semantic level's class table and the runtime profiles (see
 * semantic.h; the rules are documented in docs/validate.md). */
#define _GNU_SOURCE
#include "compare/semantic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "util/util.h"

/* ---- the class table ---- */

struct semrow {
	const char *name;
	enum sd_sem_action act;
	const char *cls;
};

static const struct semrow rows[] = {
	/* read-only probes: their results matter only through what the program does next */
	{ "fstat", SD_SEM_PROBE, "stat" }, { "newfstatat", SD_SEM_PROBE, "stat" },
	{ "stat", SD_SEM_PROBE, "stat" }, { "lstat", SD_SEM_PROBE, "stat" },
	{ "statx", SD_SEM_PROBE, "stat" }, { "access", SD_SEM_PROBE, "access" },
	{ "faccessat", SD_SEM_PROBE, "access" }, { "faccessat2", SD_SEM_PROBE, "access" },
	{ "readlink", SD_SEM_PROBE, "readlink" }, { "readlinkat", SD_SEM_PROBE, "readlink" },
	{ "getcwd", SD_SEM_PROBE, "getcwd" }, { "getdents64", SD_SEM_PROBE, "getdents" },
	{ "getdents", SD_SEM_PROBE, "getdents" }, { "lseek", SD_SEM_CLASS, "seek" },
	{ "close", SD_SEM_PROBE, "close" }, { "close_range", SD_SEM_PROBE, "close" },
	{ "getpid", SD_SEM_PROBE, "getpid" },
	/* plumbing inside the process: its effects show in the transfers it enables */
	{ "dup", SD_SEM_PROBE, "plumbing" }, { "dup2", SD_SEM_PROBE, "plumbing" },
	{ "dup3", SD_SEM_PROBE, "plumbing" }, { "pipe", SD_SEM_PROBE, "plumbing" },
	{ "pipe2", SD_SEM_PROBE, "plumbing" }, { "socketpair", SD_SEM_PROBE, "plumbing" },
	{ "socket", SD_SEM_PROBE, "plumbing" },
	{ "chdir", SD_SEM_PROBE, "plumbing" }, { "fchdir", SD_SEM_PROBE, "plumbing" },
	{ "epoll_create", SD_SEM_PROBE, "plumbing" }, { "epoll_create1", SD_SEM_PROBE, "plumbing" },
	{ "epoll_ctl", SD_SEM_PROBE, "plumbing" }, { "eventfd2", SD_SEM_PROBE, "plumbing" },
	{ "getppid", SD_SEM_PROBE, "getpid" }, { "gettid", SD_SEM_PROBE, "getpid" },
	{ "getuid", SD_SEM_PROBE, "getuid" }, { "geteuid", SD_SEM_PROBE, "getuid" },
	{ "getgid", SD_SEM_PROBE, "getuid" }, { "getegid", SD_SEM_PROBE, "getuid" },
	{ "getgroups", SD_SEM_PROBE, "getuid" }, { "getresuid", SD_SEM_PROBE, "getuid" },
	{ "getresgid", SD_SEM_PROBE, "getuid" }, { "getpgrp", SD_SEM_PROBE, "getpid" },
	{ "getpgid", SD_SEM_PROBE, "getpid" }, { "getsid", SD_SEM_PROBE, "getpid" },
	{ "uname", SD_SEM_PROBE, "uname" }, { "sysinfo", SD_SEM_PROBE, "sysinfo" },
	{ "getrlimit", SD_SEM_PROBE, "getrlimit" }, { "getrusage", SD_SEM_PROBE, "getrusage" },
	{ "times", SD_SEM_PROBE, "times" }, { "sched_getaffinity", SD_SEM_PROBE, "sched" },
	{ "sched_getparam", SD_SEM_PROBE, "sched" }, { "sched_getscheduler", SD_SEM_PROBE, "sched" },
	{ "statfs", SD_SEM_PROBE, "statfs" }, { "fstatfs", SD_SEM_PROBE, "statfs" },
	{ "getxattr", SD_SEM_PROBE, "xattr" }, { "lgetxattr", SD_SEM_PROBE, "xattr" },
	{ "fgetxattr", SD_SEM_PROBE, "xattr" }, { "listxattr", SD_SEM_PROBE, "xattr" },
	{ "llistxattr", SD_SEM_PROBE, "xattr" }, { "flistxattr", SD_SEM_PROBE, "xattr" },
	{ "umask", SD_SEM_PROBE, "umask" }, { "getpriority", SD_SEM_PROBE, "sched" },
	{ "capget", SD_SEM_PROBE, "cap" }, { "poll", SD_SEM_PROBE, "poll" },
	{ "ppoll", SD_SEM_PROBE, "poll" }, { "select", SD_SEM_PROBE, "poll" },
	{ "pselect6", SD_SEM_PROBE, "poll" }, { "epoll_wait", SD_SEM_PROBE, "poll" },
	{ "epoll_pwait", SD_SEM_PROBE, "poll" }, { "nanosleep", SD_SEM_PROBE, "sleep" },
	{ "clock_nanosleep", SD_SEM_PROBE, "sleep" }, { "fadvise64", SD_SEM_PROBE, "fadvise" },
	{ "sched_setaffinity", SD_SEM_PROBE, "sched" }, { "mincore", SD_SEM_PROBE, "mincore" },
	/* transfers */
	{ "write", SD_SEM_WRITE, "write" }, { "writev", SD_SEM_WRITE, "write" },
	{ "pwrite64", SD_SEM_WRITE, "write" }, { "pwritev", SD_SEM_WRITE, "write" },
	{ "pwritev2", SD_SEM_WRITE, "write" }, { "send", SD_SEM_WRITE, "write" },
	{ "sendto", SD_SEM_WRITE, "write" }, { "sendmsg", SD_SEM_WRITE, "write" },
	{ "read", SD_SEM_READ, "read" }, { "readv", SD_SEM_READ, "read" },
	{ "pread64", SD_SEM_READ, "read" }, { "preadv", SD_SEM_READ, "read" },
	{ "preadv2", SD_SEM_READ, "read" }, { "recv", SD_SEM_READ, "read" },
	{ "recvfrom", SD_SEM_READ, "read" }, { "recvmsg", SD_SEM_READ, "read" },
	/* copies in the kernel: an input and an output transfer at once (see compare.c) */
	{ "sendfile", SD_SEM_WRITE, "copy" }, { "copy_file_range", SD_SEM_WRITE, "copy" },
	{ "splice", SD_SEM_WRITE, "copy" },
	/* variants of one operation */
	{ "open", SD_SEM_CLASS, "open" }, { "openat", SD_SEM_CLASS, "open" },
	{ "openat2", SD_SEM_CLASS, "open" }, { "creat", SD_SEM_CLASS, "open" },
	{ "unlink", SD_SEM_CLASS, "unlink" }, { "unlinkat", SD_SEM_CLASS, "unlink" },
	{ "rmdir", SD_SEM_CLASS, "rmdir" }, { "rename", SD_SEM_CLASS, "rename" },
	{ "renameat", SD_SEM_CLASS, "rename" }, { "renameat2", SD_SEM_CLASS, "rename" },
	{ "mkdir", SD_SEM_CLASS, "mkdir" }, { "mkdirat", SD_SEM_CLASS, "mkdir" },
	{ "wait4", SD_SEM_CLASS, "wait" }, { "waitid", SD_SEM_CLASS, "wait" },
	{ "exit", SD_SEM_CLASS, "exit" }, { "exit_group", SD_SEM_CLASS, "exit" },
	{ "fork", SD_SEM_CLASS, "fork" }, { "vfork", SD_SEM_CLASS, "fork" },
	{ "clone", SD_SEM_CLASS, "fork" }, { "clone3", SD_SEM_CLASS, "fork" },
	{ "chmod", SD_SEM_CLASS, "chmod" }, { "fchmod", SD_SEM_CLASS, "chmod" },
	{ "fchmodat", SD_SEM_CLASS, "chmod" }, { "fchmodat2", SD_SEM_CLASS, "chmod" },
	{ "chown", SD_SEM_CLASS, "chown" }, { "fchown", SD_SEM_CLASS, "chown" },
	{ "lchown", SD_SEM_CLASS, "chown" }, { "fchownat", SD_SEM_CLASS, "chown" },
	{ "link", SD_SEM_CLASS, "link" }, { "linkat", SD_SEM_CLASS, "link" },
	{ "symlink", SD_SEM_CLASS, "symlink" }, { "symlinkat", SD_SEM_CLASS, "symlink" },
	{ "truncate", SD_SEM_CLASS, "truncate" }, { "ftruncate", SD_SEM_CLASS, "truncate" },
	{ "execve", SD_SEM_CLASS, "exec" }, { "execveat", SD_SEM_CLASS, "exec" },
	{ "utimensat", SD_SEM_CLASS, "utime" }, { "futimesat", SD_SEM_CLASS, "utime" },
	{ "utimes", SD_SEM_CLASS, "utime" }, { "utime", SD_SEM_CLASS, "utime" },
	{ "mknod", SD_SEM_CLASS, "mknod" }, { "mknodat", SD_SEM_CLASS, "mknod" },
	{ "setxattr", SD_SEM_CLASS, "xattr" }, { "lsetxattr", SD_SEM_CLASS, "xattr" },
	{ "fsetxattr", SD_SEM_CLASS, "xattr" }, { "removexattr", SD_SEM_CLASS, "xattr" },
	{ "lremovexattr", SD_SEM_CLASS, "xattr" }, { "fremovexattr", SD_SEM_CLASS, "xattr" },
};

/* Classes of calls that, when they fail, change nothing: the failure is an observation
 * (what the program does about it shows in its other effects: a message, an exit
 * status), not an effect. */
static const char *const failure_observes[] = { "open", "truncate", "unlink", "rmdir",
	"rename", "mkdir", "mknod", "link", "symlink", "chmod", "chown", "utime", "wait", "seek",
	"xattr", "acl" };

/* rows by name through a hash table built once (every event is classified: a scan of
 * the rows was most of a semantic compare's time) */
#define NROWS (sizeof rows / sizeof *rows)
#define ROW_SLOTS 512                      /* a power of 2, over twice NROWS */
static unsigned char row_slot[ROW_SLOTS];  /* row index + 1, 0 empty */
static pthread_once_t row_once = PTHREAD_ONCE_INIT;

static size_t row_hash(const char *name)
{
	return (size_t)XXH3_64bits(name, strlen(name)) & (ROW_SLOTS - 1);
}

static void row_index(void)
{
	_Static_assert(NROWS < 255 && 2 * NROWS < ROW_SLOTS, "row_slot too small");
	for (size_t i = 0; i < NROWS; i++) {
		size_t k = row_hash(rows[i].name);
		while (row_slot[k])
			k = (k + 1) & (ROW_SLOTS - 1);
		row_slot[k] = (unsigned char)(i + 1);
	}
}

static const struct semrow *row_of(const char *name)
{
	pthread_once(&row_once, row_index);
	for (size_t k = row_hash(name); row_slot[k]; k = (k + 1) & (ROW_SLOTS - 1))
		if (!strcmp(rows[row_slot[k] - 1].name, name))
			return &rows[row_slot[k] - 1];
	return NULL;
}

static const char *arg_text(const struct sd_event *ev, int i)
{
	return i < ev->nargs && ev->args[i].text ? ev->args[i].text : "";
}

static bool has_token(const char *text, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = text; (p = strstr(p, tok)); p += n) {
		bool start = p == text || p[-1] == '|' || p[-1] == '=' || p[-1] == '{' || p[-1] == ' ';
		bool end = p[n] == '\0' || p[n] == '|' || p[n] == ',' || p[n] == '}';
		if (start && end)
			return true;
	}
	return false;
}

/* The flags an open was made with, as text (open/openat: argument; openat2: struct). */
static const char *open_flags(const struct sd_event *ev)
{
	if (!strcmp(ev->name, "open"))
		return arg_text(ev, 1);
	if (!strcmp(ev->name, "openat"))
		return arg_text(ev, 2);
	if (!strcmp(ev->name, "openat2"))
		return arg_text(ev, 2);
	return "O_WRONLY|O_CREAT|O_TRUNC";   /* creat */
}

static int path_arg(const struct sd_event *ev, int from)
{
	for (int i = from; i < ev->nargs && i < SD_MAX_ARGS; i++)
		if (ev->args[i].type == SD_ARG_PATH)
			return i;
	return -1;
}

/* The string argument i (a symlink's target, an xattr's name), or "". */
static const char *str_arg(const struct sd_event *ev, int i)
{
	return i >= 0 && i < ev->nargs && ev->args[i].str ? ev->args[i].str : "";
}

/* Calls whose first string argument is not the object's path: symlink's target,
 * xattr calls' name (the object is argument 0, a path or an fd). */
static bool names_other(const struct sd_event *ev)
{
	return strstr(ev->name, "symlink") || strstr(ev->name, "xattr");
}

const char *sd_sem_path(const struct sd_event *ev, bool second)
{
	if (names_other(ev)) {
		if (second || ev->nargs < 1)
			return NULL;
		const struct sd_arg *a = &ev->args[strstr(ev->name, "symlink") ? ev->nargs - 1 : 0];
		return a->type == SD_ARG_FD ? a->ref : a->abs ? a->abs : a->str;
	}
	int p = path_arg(ev, 0);
	if (second)
		p = p >= 0 ? path_arg(ev, p + 1) : -1;
	if (p > 0 && (!ev->args[p].str || !ev->args[p].str[0]) && ev->args[p - 1].type == SD_ARG_FD)
		return ev->args[p - 1].ref;   /* AT_EMPTY_PATH, futimens: the dirfd's file */
	if (p >= 0)
		return ev->args[p].abs ? ev->args[p].abs : ev->args[p].str;
	if (!second && ev->nargs > 0 && ev->args[0].type == SD_ARG_FD)
		return ev->args[0].ref;
	return NULL;
}

/* A file whose opening can do something of its own: a device other than the plain
 * ones (a terminal, a tape, a FIFO in /dev).  Opening anything else does nothing but
 * give the program a handle; what it then reads and writes is compared. */
static bool opening_acts(const char *p)
{
	static const char *const plain[] = { "/dev/null", "/dev/zero", "/dev/full",
		"/dev/random", "/dev/urandom", "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	if (!p || strncmp(p, "/dev/", 5) || !strncmp(p, "/dev/fd/", 8) || !strncmp(p, "/dev/shm/", 9))
		return false;
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		if (!strcmp(p, plain[i]))
			return false;
	return true;
}

static bool random_dev(const char *p)
{
	return p && (!strcmp(p, "/dev/urandom") || !strcmp(p, "/dev/random"));
}

/* An open of /dev/urandom or /dev/random, or a read of one: a draw of random bytes,
 * which getrandom makes without a file. */
static bool entropy_device(const struct sd_event *ev, const char *cls)
{
	if (!strcmp(cls, "open")) {
		int pa = path_arg(ev, 0);
		return pa >= 0 && random_dev(ev->args[pa].abs ? ev->args[pa].abs : ev->args[pa].str);
	}
	if (!strcmp(cls, "read") || !strcmp(cls, "close"))
		return ev->nargs > 0 && ev->args[0].type == SD_ARG_FD && random_dev(ev->args[0].ref);
	return false;
}

void sd_sem_classify(const struct sd_event *ev, struct sd_sem *out)
{
	const struct semrow *r = row_of(ev->name);

	out->action = SD_SEM_KEEP;
	out->cls = NULL;
	out->rule = NULL;
	if (!r) {
		if ((!strcmp(ev->name, "connect") || !strcmp(ev->name, "bind")) && ev->finished &&
		    sd_ret_is_error(ev->ret)) {
			out->action = SD_SEM_PROBE;   /* refused: nothing connected or bound */
			out->rule = "observation: failed call";
		} else if (!strcmp(ev->name, "ioctl") && sd_ret_is_error(ev->ret)) {
			out->action = SD_SEM_PROBE;   /* refused: it did nothing */
			out->rule = "probe: ioctl";
			out->cls = "failed ioctl";
		} else if (!strcmp(ev->name, "ioctl")) {
			static const char *const probes[] = { "TCGETS", "TCGETS2", "TIOCGWINSZ",
				"FIONREAD", "TIOCGPGRP", "TIOCGSID", "FIOCLEX", "FIONCLEX" };
			for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
				if (!strcmp(arg_text(ev, 1), probes[i])) {
					out->action = SD_SEM_PROBE;
					out->rule = "probe: ioctl";
				}
		} else if (!strcmp(ev->name, "fcntl")) {
			static const char *const probes[] = { "F_GETFD", "F_GETFL", "F_SETFD",
				"F_GETLK", "F_GETPIPE_SZ", "F_DUPFD", "F_DUPFD_CLOEXEC", "F_GETOWN",
				"F_GET_SEALS" };
			for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
				if (!strcmp(arg_text(ev, 1), probes[i])) {
					out->action = SD_SEM_PROBE;
					out->rule = "probe: fcntl";
				}
		}
		return;
	}
	out->action = r->act;
	out->cls = r->cls;
	switch (r->act) {
	case SD_SEM_PROBE: out->rule = "probe"; break;
	case SD_SEM_WRITE:
	case SD_SEM_READ: out->rule = "fold"; break;
	default: out->rule = "class"; break;
	}
	/* refinements */
	int pa = path_arg(ev, 0);
	const char *ps = pa >= 0 && ev->args[pa].str ? ev->args[pa].str : "x";
	size_t pl = strlen(ps);
	bool dirname = !strcmp(ps, ".") || !strcmp(ps, "..") || (pl > 1 && ps[pl - 1] == '/') ||
		       (pl >= 2 && !strcmp(ps + pl - 2, "/.")) || (pl >= 3 && !strcmp(ps + pl - 3, "/.."));
	if (!strcmp(r->cls, "open") && (has_token(open_flags(ev), "O_DIRECTORY") ||
					has_token(open_flags(ev), "O_PATH") ||
					(dirname && !has_token(open_flags(ev), "O_CREAT")))) {
		out->action = SD_SEM_PROBE;   /* a directory opened to be listed or to return to */
		out->cls = "opendir";
	} else if (!strcmp(r->cls, "exec") && sd_ret_is_error(ev->ret) &&
		   (-ev->ret == ENOENT || -ev->ret == EACCES || -ev->ret == ENOTDIR)) {
		out->action = SD_SEM_PROBE;   /* one step of a PATH search */
		out->cls = "exec-search";
	} else if (!strcmp(r->cls, "seek") && ev->nargs > 2 && ev->args[1].raw == 0 &&
		   (!strcmp(arg_text(ev, 2), "SEEK_CUR") || !strcmp(arg_text(ev, 2), "SEEK_END"))) {
		out->action = SD_SEM_PROBE;   /* asks where it is, or how big the file is */
		out->cls = "lseek";
	} else if (!strcmp(r->cls, "unlink") && !strcmp(ev->name, "unlinkat") &&
		   has_token(arg_text(ev, 2), "AT_REMOVEDIR")) {
		out->cls = "rmdir";
	} else if (!strcmp(r->cls, "fork") && ev->nargs > 0 && has_token(arg_text(ev, 0), "CLONE_THREAD")) {
		out->cls = "thread";
	}
	if (!strcmp(r->cls, "open") && out->action == SD_SEM_CLASS && ev->finished &&
	    !sd_ret_is_error(ev->ret)) {
		const char *fl = open_flags(ev);
		bool creat = has_token(fl, "O_CREAT") || has_token(fl, "O_TMPFILE");
		if (!creat && has_token(fl, "O_TRUNC")) {
			out->cls = "truncate";   /* as ftruncate(fd, 0) */
		} else if (!creat && !opening_acts(sd_sem_path(ev, false))) {
			out->action = SD_SEM_PROBE;
			out->cls = "open";
			out->rule = "open: no effect of its own";
		}
	} else if (!strcmp(r->cls, "xattr") && !strncmp(str_arg(ev, 1), "system.posix_acl_", 17)) {
		out->cls = "acl";   /* an access control list: mode bits, and more */
	}
	if (entropy_device(ev, r->cls)) {
		out->action = SD_SEM_PROBE;   /* random bytes drawn, like getrandom (noise) */
		out->cls = "entropy";
	}
	if (out->action == SD_SEM_CLASS && ev->finished && sd_ret_is_error(ev->ret))
		for (size_t i = 0; i < sizeof failure_observes / sizeof *failure_observes; i++)
			if (!strcmp(out->cls, failure_observes[i])) {
				out->action = SD_SEM_PROBE;
				out->rule = "observation: failed call";
			}
}

/* ---- canonical keys ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	return XXH64(&v, sizeof v, h);
}

/* Path of argument i (absolute when known), or of what fd argument i refers to. */
static uint64_t target_of(struct sd_norm *n, const struct sd_event *ev, int i)
{
	if (i < 0 || i >= ev->nargs)
		return 0;
	const struct sd_arg *a = &ev->args[i];
	if (a->type == SD_ARG_PATH) {
		if (a->str && !a->str[0] && i > 0)   /* AT_EMPTY_PATH: the dirfd's file */
			return target_of(n, ev, i - 1);
		return sd_norm_path_key(n, a->abs ? a->abs : a->str ? a->str : "");
	}
	if (a->type == SD_ARG_FD && a->ref)
		return sd_norm_ref_key(n, a->ref);
	return sd_norm_arg_key(n, ev, i);
}

/* Success or the errno; what the call returned beyond that is in other fields. */
static uint64_t outcome(const struct sd_event *ev)
{
	if (!ev->finished)
		return 7;
	return sd_ret_is_error(ev->ret) ? mix(11, (uint64_t)-ev->ret) : 13;
}

/* The open flags that change what happens: access mode and creation flags. */
static uint64_t open_canon(const char *fl)
{
	/* O_TRUNC, O_EXCL and O_NOFOLLOW are left out: what they did shows in the outcome
	 * (EEXIST, ELOOP) and in the file's content at the end */
	static const char *const sig[] = { "O_CREAT", "O_APPEND", "O_TMPFILE" };
	uint64_t k = has_token(fl, "O_RDWR") ? 2 : has_token(fl, "O_WRONLY") ? 1 : 0;
	for (size_t i = 0; i < sizeof sig / sizeof *sig; i++)
		if (has_token(fl, sig[i]))
			k |= 4u << i;
	return k + 1;
}


static int mode_arg(const struct sd_event *ev)
{
	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS; i++)
		if (ev->args[i].type == SD_ARG_MODE)
			return i;
	return -1;
}

/* setxattr of system.posix_acl_access: the permission bits the list gives, -1 when it
 * is not one or its bytes are not in the trace.  (The list is a little-endian version
 * word, then entries of tag, permissions and id: 2, 2 and 4 bytes.) */
int sd_sem_acl_mode(const struct sd_event *ev)
{
	if (!strstr(ev->name, "setxattr") || strcmp(str_arg(ev, 1), "system.posix_acl_access") ||
	    ev->nargs < 3 || ev->args[2].type != SD_ARG_BUF)
		return -1;
	const struct sd_buf *b = &ev->args[2].buf;
	if (!b->data || b->kept < b->len || b->len < 4 || (b->len - 4) % 8)
		return -1;
	int user = -1, group = -1, mask = -1, other = -1;
	for (uint64_t o = 4; o + 8 <= b->len; o += 8) {
		unsigned tag = b->data[o] | b->data[o + 1] << 8, perm = (b->data[o + 2] | b->data[o + 3] << 8) & 7;
		if (tag == 0x01)
			user = (int)perm;
		else if (tag == 0x04)
			group = (int)perm;
		else if (tag == 0x10)
			mask = (int)perm;
		else if (tag == 0x20)
			other = (int)perm;
	}
	if (user < 0 || group < 0 || other < 0)
		return -1;
	return user << 6 | (mask >= 0 ? mask : group) << 3 | other;
}

uint64_t sd_sem_mode_key(unsigned mode)
{
	return mix(17, mode & 07777);
}

bool sd_sem_truncates(const struct sd_event *ev)
{
	return has_token(open_flags(ev), "O_TRUNC");
}

bool sd_sem_creates(const struct sd_event *ev)
{
	const char *fl = open_flags(ev);
	return has_token(fl, "O_CREAT") || has_token(fl, "O_TMPFILE");
}

/* Permission bits a creation made: what it asked for less the process's umask, or the
 * widest the object was given later (ctx->grant). */
static uint64_t created_mode(const struct sd_event *ev, const struct sd_sem_ctx *ctx)
{
	int m = sd_sem_mode(ev);

	if (m < 0)
		return 19;
	if (ctx && ctx->grant)
		return sd_sem_mode_key(ctx->grant);
	return sd_sem_mode_key((unsigned)m & ~(unsigned)(ctx && ctx->umask > 0 ? ctx->umask : 0));
}

int sd_sem_mode(const struct sd_event *ev)
{
	int m = mode_arg(ev);

	return m < 0 ? -1 : (int)(ev->args[m].raw & 07777);
}

uint64_t sd_sem_key(struct sd_norm *n, const struct sd_event *ev, const char *cls,
		    const struct sd_sem_ctx *ctx, uint64_t f[SD_NF])
{
	memset(f, 0, SD_NF * sizeof *f);
	f[0] = sd_norm_str_key(cls, 3);
	f[SD_NF_RET] = outcome(ev);
	if (!strcmp(cls, "open")) {
		const char *fl = open_flags(ev);
		f[1] = target_of(n, ev, path_arg(ev, 0));
		if (has_token(fl, "O_CREAT") || has_token(fl, "O_TMPFILE")) {
			/* a creation: what was made, and with which mode; how the program
			 * meant to use it (O_RDWR or O_WRONLY, O_APPEND, O_EXCL) is not
			 * seen outside */
			f[2] = has_token(fl, "O_TMPFILE") ? 3 : 5;
			f[3] = created_mode(ev, ctx);
		} else {
			f[2] = open_canon(fl);   /* a device: how it was opened matters */
		}
	} else if (!strcmp(cls, "truncate") && (!strcmp(ev->name, "truncate") ||
						!strcmp(ev->name, "ftruncate"))) {
		f[1] = target_of(n, ev, 0);
		f[2] = mix(23, (uint64_t)(ev->nargs > 1 ? ev->args[1].raw : 0));
	} else if (!strcmp(cls, "truncate")) {   /* open(..., O_TRUNC) */
		f[1] = target_of(n, ev, path_arg(ev, 0));
		f[2] = mix(23, 0);
	} else if (!strcmp(cls, "unlink") || !strcmp(cls, "rmdir") || !strcmp(cls, "utime")) {
		int p = path_arg(ev, 0);
		f[1] = p >= 0 ? target_of(n, ev, p) : target_of(n, ev, 0);
	} else if (!strcmp(cls, "rename") || !strcmp(cls, "link")) {
		/* renameat2's RENAME_NOREPLACE only decides whether the call fails (and a
		 * failed rename is an observation) */
		int p = path_arg(ev, 0), q = p >= 0 ? path_arg(ev, p + 1) : -1;
		f[1] = target_of(n, ev, p);
		f[2] = target_of(n, ev, q);
	} else if (!strcmp(cls, "symlink")) {
		f[1] = sd_norm_str_key(str_arg(ev, 0), 31);
		f[2] = target_of(n, ev, ev->nargs - 1);
	} else if (!strcmp(cls, "mkdir") || !strcmp(cls, "mknod")) {
		int p = path_arg(ev, 0);
		f[1] = p >= 0 ? target_of(n, ev, p) : target_of(n, ev, 0);
		f[2] = created_mode(ev, ctx);
	} else if (!strcmp(cls, "chmod")) {
		int p = path_arg(ev, 0), m = sd_sem_mode(ev);
		f[1] = p >= 0 ? target_of(n, ev, p) : target_of(n, ev, 0);
		f[2] = m >= 0 ? sd_sem_mode_key((unsigned)m) : 0;
	} else if (!strcmp(cls, "xattr") || !strcmp(cls, "acl")) {
		f[1] = target_of(n, ev, 0);
		f[2] = sd_norm_str_key(str_arg(ev, 1), 37);
		f[3] = ev->nargs > 2 ? sd_norm_arg_key(n, ev, 2) : 0;
	} else if (!strcmp(cls, "chown")) {
		int p = path_arg(ev, 0), u = p >= 0 ? p + 1 : 1;
		f[1] = p >= 0 ? target_of(n, ev, p) : target_of(n, ev, 0);
		if (u + 1 < ev->nargs)
			f[2] = mix(mix(37, (uint64_t)ev->args[u].raw), (uint64_t)ev->args[u + 1].raw);
	} else if (!strcmp(cls, "seek")) {
		f[1] = target_of(n, ev, 0);
		f[2] = mix(41, (uint64_t)(ev->nargs > 1 ? ev->args[1].raw : 0));
		f[3] = sd_norm_str_key(arg_text(ev, 2), 43);
	} else if (!strcmp(cls, "exit")) {
		f[1] = mix(43, (uint64_t)(ev->nargs > 0 ? (int)ev->args[0].raw : 0));
		f[SD_NF_RET] = 0;   /* never returns */
	} else if (!strcmp(cls, "exec")) {
		int p = path_arg(ev, 0);
		f[1] = target_of(n, ev, p);
		for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS; i++)
			if (ev->args[i].type == SD_ARG_STRV) {
				f[2] = sd_norm_arg_key(n, ev, i);   /* argv; envp is ignored */
				break;
			}
	}
	/* fork, thread, wait, pipe: the kind and whether it worked */
	return sd_sem_fields_key(f);
}

uint64_t sd_sem_fields_key(const uint64_t f[SD_NF])
{
	return XXH64(f, SD_NF * sizeof *f, 0) | 1;
}

int sd_sem_field_arg(const struct sd_event *ev, const char *cls, int field)
{
	int p = path_arg(ev, 0);

	if (field <= 0 || field >= SD_NF_RET)
		return -1;
	if (!strcmp(cls, "open")) {
		if (field == 1)
			return p;
		if (field == 2)
			return !strcmp(ev->name, "creat") ? -1 : !strcmp(ev->name, "open") ? 1 : 2;
		return mode_arg(ev);
	}
	if (!strcmp(cls, "rename") || !strcmp(cls, "link"))
		return field == 1 ? p : field == 2 && p >= 0 ? path_arg(ev, p + 1) : -1;
	if (!strcmp(cls, "symlink"))
		return field == 1 ? 0 : field == 2 ? ev->nargs - 1 : -1;
	if (!strcmp(cls, "mkdir") || !strcmp(cls, "chmod") || !strcmp(cls, "mknod"))
		return field == 1 ? (p >= 0 ? p : 0) : field == 2 ? mode_arg(ev) : -1;
	if (!strcmp(cls, "truncate") && strstr(ev->name, "open"))
		return field == 1 ? p : field == 2 ? (!strcmp(ev->name, "open") ? 1 : 2) : -1;
	if (!strcmp(cls, "truncate"))
		return field == 1 ? (p >= 0 ? p : 0) : field == 2 ? 1 : -1;
	if (!strcmp(cls, "xattr") || !strcmp(cls, "acl"))
		return field <= 3 ? field - 1 : -1;
	if (!strcmp(cls, "seek"))
		return field == 1 ? 0 : field == 2 ? 1 : field == 3 ? 2 : -1;
	if (!strcmp(cls, "exit"))
		return field == 1 ? 0 : -1;
	if (!strcmp(cls, "exec")) {
		if (field == 1)
			return p;
		for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS; i++)
			if (ev->args[i].type == SD_ARG_STRV)
				return i;
		return -1;
	}
	return field == 1 ? (p >= 0 ? p : 0) : -1;
}

char *sd_sem_open_flags(const char *text)
{
	static const char *const sig[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT",
		"O_APPEND", "O_TMPFILE" };
	struct sb sb = SB_INIT;
	bool creat = has_token(text, "O_CREAT") || has_token(text, "O_TMPFILE");

	/* a creation is compared by what it made; another open (a device's) by how */
	for (size_t i = creat ? 3 : 0; i < sizeof sig / sizeof *sig; i++)
		if (has_token(text, sig[i]) || (i == 0 && !has_token(text, "O_WRONLY") &&
						  !has_token(text, "O_RDWR")))
			if (!creat || i != 4)
				sb_addf(&sb, "%s%s", sb.len ? "|" : "", sig[i]);
	return sb_detach(&sb);
}

void sd_sem_payload(const struct sd_event *ev, uint64_t *len, const unsigned char **data,
		    uint64_t *kept, bool *complete)
{
	*len = ev->finished && !sd_ret_is_error(ev->ret) && ev->ret > 0 ? (uint64_t)ev->ret : 0;
	*data = NULL;
	*kept = 0;
	*complete = *len == 0;
	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS; i++)
		if (ev->args[i].type == SD_ARG_BUF) {
			const struct sd_buf *b = &ev->args[i].buf;
			*data = b->data;
			*kept = b->kept;
			*complete = b->kept >= *len && b->data != NULL;
			if (!*len)
				*complete = true;
			return;
		}
}

/* ---- runtime profiles ---- */

#define MAX_PREFIX 40

struct sd_profiles {
	const char *prefix[MAX_PREFIX];   /* directories (ending '/') or files */
	size_t len[MAX_PREFIX];           /* strlen(prefix[i]) */
	char *owned[MAX_PREFIX];
	bool cpython[MAX_PREFIX];         /* the interpreter's own (its prefix, pyvenv.cfg) */
	int n;
	bool python, rust;
	char *script;                     /* the python script run, its own file */
	char *pybin;                      /* "<prefix>/bin/python": its executable lookup */
};

/* own: s is malloc'd (freed with p); cpython: one of CPython's own files */
static void add_prefix(struct sd_profiles *p, const char *s, bool own, bool cpython)
{
	if (p->n >= MAX_PREFIX) {
		if (own)
			free((char *)s);
		return;
	}
	p->owned[p->n] = own ? (char *)s : NULL;
	p->cpython[p->n] = cpython;
	p->len[p->n] = strlen(s);
	p->prefix[p->n++] = s;
}

/* Does the executable look like a Rust program (its panic paths name /rustc/)? */
static bool is_rust(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	bool yes = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size < (256 << 20)) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			yes = memmem(m, (size_t)st.st_size, "/rustc/", 7) != NULL;
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
	return yes;
}

struct sd_profiles *sd_profiles_for(const struct sd_event *root_exec)
{
	struct sd_profiles *p = xcalloc(1, sizeof *p);
	static const char *const loader[] = { "/etc/ld.so.cache", "/etc/ld.so.preload",
		"/etc/ld.so.conf", "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/" };
	static const char *const glibc[] = { "/usr/share/locale/", "/usr/share/zoneinfo/",
		"/etc/localtime", "/etc/locale.alias", "/proc/self/", "/proc/sys/",
		"/sys/devices/system/cpu/",
		"/sys/fs/cgroup/", "/proc/filesystems" };
	/* the name services a C library asks for users, groups and hosts (glibc's NSS,
	 * musl's, Plan 9's): reading them is how it answers, not what the program does */
	static const char *const nss[] = { "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
		"/etc/hosts", "/etc/host.conf", "/etc/resolv.conf", "/etc/services",
		"/etc/protocols", "/var/run/nscd/", "/run/nscd/" };

	for (size_t i = 0; i < sizeof loader / sizeof *loader; i++)
		add_prefix(p, loader[i], false, false);
	for (size_t i = 0; i < sizeof glibc / sizeof *glibc; i++)
		add_prefix(p, glibc[i], false, false);
	for (size_t i = 0; i < sizeof nss / sizeof *nss; i++)
		add_prefix(p, nss[i], false, false);
	if (!root_exec)
		return p;
	const char *exe = root_exec->nargs > 0 && root_exec->args[0].abs ? root_exec->args[0].abs :
			  root_exec->nargs > 0 && root_exec->args[0].str ? root_exec->args[0].str : "";
	char real[PATH_MAX], script[PATH_MAX] = "";
	if (!realpath(exe, real))
		snprintf(real, sizeof real, "%s", exe);
	/* a script: the kernel ran the interpreter of its #! line on it */
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char head[256];
		ssize_t n = read(fd, head, sizeof head - 1);
		close(fd);
		if (n > 2 && head[0] == '#' && head[1] == '!') {
			head[n] = '\0';
			char *i = head + 2;
			while (*i == ' ' || *i == '\t')
				i++;
			i[strcspn(i, " \t\n")] = '\0';
			snprintf(script, sizeof script, "%s", real);
			if (!realpath(i, real))
				snprintf(real, sizeof real, "%s", i);
		}
	}
	const char *base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	if (!strncmp(base, "python", 6)) {
		p->python = true;
		/* <prefix>/bin/python3.X: the stdlib is under <prefix>/lib/ */
		char *dir = xstrdup(real), *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			slash = strrchr(dir, '/');
			if (slash && !strcmp(slash, "/bin")) {
				*slash = '\0';
				add_prefix(p, xasprintf("%s/lib/", dir), true, true);
				p->pybin = xasprintf("%s/bin/python", dir);
				add_prefix(p, xasprintf("%s/pyvenv.cfg", dir), true, true);
			}
		}
		free(dir);
		/* the script it runs: python [options] script.py */
		const struct sd_arg *av = root_exec->nargs > 1 ? &root_exec->args[1] : NULL;
		if (script[0])
			p->script = xstrdup(script);
		for (int i = 1; av && !p->script && i < av->nstrv; i++) {
			const char *s = av->strv[i];
			if (!s || s[0] == '-') {
				if (s && (!strcmp(s, "-c") || !strcmp(s, "-m")))
					break;
				continue;
			}
			char rs[PATH_MAX];
			p->script = xstrdup(realpath(s, rs) ? rs : s);
			break;
		}
	} else if (is_rust(real)) {
		p->rust = true;
	}
	return p;
}

void sd_profiles_free(struct sd_profiles *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		free(p->owned[i]);
	free(p->script);
	free(p->pybin);
	free(p);
}

/* python: also CPython's own files (stdlib, .pyc, the script); false for calls the
 * Python location puts in the user's code, where only the loader's and glibc's apply. */
static const char *prefix_hit(const struct sd_profiles *p, const char *path, bool python)
{
	if (!path || path[0] != '/')
		return NULL;
	/* /proc/PID/...: a runtime looking at its own process (maps, cgroup, status) */
	if (!strncmp(path, "/proc/", 6) && path[6] >= '0' && path[6] <= '9') {
		size_t d = strspn(path + 6, "0123456789");
		if (path[6 + d] == '/')
			return "/proc/self/";
	}
	for (int i = 0; i < p->n; i++) {
		size_t n = p->len[i];
		if ((n < 2 || path[1] == p->prefix[i][1]) && !strncmp(path, p->prefix[i], n) &&
		    (p->prefix[i][n - 1] == '/' || path[n] == '\0') &&
		    (python || !p->cpython[i]))
			return p->prefix[i];
	}
	if (p->python && python) {
		size_t n = strlen(path);
		if (strstr(path, "/__pycache__") || (n > 4 && !strcmp(path + n - 4, ".pyc")) ||
		    (n >= 11 && !strcmp(path + n - 11, "/pyvenv.cfg")) ||
		    (n >= 15 && !strcmp(path + n - 15, "/pybuilddir.txt")))
			return "python";
		if (p->script && !strcmp(path, p->script))
			return "python script";
		if (p->pybin && !strncmp(path, p->pybin, strlen(p->pybin)))
			return "python";
	}
	return NULL;
}

bool sd_profiles_match(const struct sd_profiles *p, const struct sd_event *ev, const char **rule)
{
	const char *hit = NULL;

	if (ev->kind != SD_EV_SYSCALL)
		return false;
	/* The interpreter said where the call came from (trace --source): start-up and
	 * imports are the runtime's whatever they touch; the user's code is the user's. */
	bool py_user = false;
	if (p->python && ev->src.lang && !strcmp(ev->src.lang, "python") &&
	    !(ev->nargs > 0 && (ev->args[0].raw == 1 || ev->args[0].raw == 2) &&
	      (!strcmp(ev->name, "write") || !strcmp(ev->name, "writev")))) {
		/* (output to stdout or stderr is the program's behaviour in any phase) */
		const char *ph = ev->src.phase;
		if (ph && !strcmp(ph, "startup")) {
			*rule = "runtime: CPython start-up (no user frame yet)";
			return true;
		}
		if (ph && !strcmp(ph, "import")) {
			*rule = "runtime: CPython import machinery";
			return true;
		}
		py_user = !ph;
	}
	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS && !hit; i++) {
		const struct sd_arg *a = &ev->args[i];
		if (a->type == SD_ARG_PATH)
			hit = prefix_hit(p, a->abs ? a->abs : a->str, !py_user);
		else if (a->type == SD_ARG_FD)
			hit = prefix_hit(p, a->ref, !py_user);
	}
	if (!hit && ev->ret_ref)
		hit = prefix_hit(p, ev->ret_ref, !py_user);
	if (hit) {
		*rule = p->python && (!strcmp(hit, "python") || !strcmp(hit, "python script") ||
				      strstr(hit, "/lib/python") || strstr(hit, "/bin/"))
			? "runtime: CPython start-up" : "runtime: loader/glibc files";
		return true;
	}
	/* Rust's std at start-up: poll() on fds 0-2 to check they are open */
	if ((!strcmp(ev->name, "poll") || !strcmp(ev->name, "ppoll")) && ev->nargs > 0 &&
	    ev->args[0].text && strstr(ev->args[0].text, "{fd=0, events=0}") &&
	    strstr(ev->args[0].text, "{fd=2, events=0}")) {
		*rule = "runtime: Rust std fd check";
		return true;
	}
	/* CPython and Rust check fds 0-2 at start-up */
	if (!strcmp(ev->name, "fcntl") && ev->nargs > 1 && ev->args[0].raw >= 0 &&
	    ev->args[0].raw <= 2 && ev->args[1].text && !strcmp(ev->args[1].text, "F_GETFD")) {
		*rule = "runtime: std fd check";
		return true;
	}
	return false;
}
