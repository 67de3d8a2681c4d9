/* sandbox.h - a hermetic place to run a command: the whole file system as it is, at
 * the same paths, copy-on-write, in private user, mount, pid, UTS, IPC and (by default)
 * network namespaces.
 *
 * Every writable mount is an overlay whose lower layer is the real mount (a private
 * read-only bind) and whose upper layer is on a private tmpfs; read-only mounts stay
 * read-only; /proc is the sandbox's own, /sys is read-only, /dev is a small tmpfs with
 * the usual devices (null, zero, full, random, urandom, tty), its own devpts and
 * mqueue, and /dev/shm overlaid.  A writable mount that cannot be overlaid (a network
 * or FUSE file system) is refused unless the caller lets writes through it.  The
 * command sees pid 1 as the sandbox's init, a fixed hostname, and only loopback.
 * Nothing it does reaches the real file system; when the sandbox's init dies (it dies
 * with its parent) the kernel ends every process in it and frees every layer.
 *
 * As root, the command runs as root in those namespaces without the capabilities that
 * reach past them (caps.c): it can neither mount, remount nor unmount, nor open a
 * device or a file outside its view.  Other users get a user namespace that maps their
 * own ids to themselves. */
#ifndef SD_SANDBOX_H
#define SD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sandbox/fschanges.h"
#include "util/util.h"

enum sd_mnt_how {
	SD_MNT_OVERLAY,        /* writable: overlaid, writes stay in the sandbox */
	SD_MNT_READONLY,       /* read-only: bound read-only */
	SD_MNT_THROUGH,        /* writable, let through (--allow-write): writes are real */
	SD_MNT_REFUSE,         /* writable, cannot be overlaid: the sandbox is refused */
	SD_MNT_PROC,           /* /proc: a new one, of the sandbox's pid namespace */
	SD_MNT_SYS,            /* /sys and all under it: bound read-only */
	SD_MNT_DEV,            /* /dev: a small tmpfs of the usual devices */
	SD_MNT_SKIP,           /* not shown: under /proc, under /dev, autofs, hidden mounts */
};

struct sd_mnt {
	char *path;            /* where it is mounted */
	char *fstype;
	enum sd_mnt_how how;
	const char *why;       /* the reason for how, for --verbose */
};

struct sd_sandbox_opts {
	bool net_host;         /* share the host's network namespace (--net host) */
	char *const *allow_write;   /* mount points whose writes are let through, NULL-ended */
	const char *hostname;  /* NULL: "sysdiff" */
};

struct sd_sandbox_plan {
	struct sd_mnt *m;      /* in mount order: a mount after the one it is mounted on */
	size_t n;
	bool root;             /* sysdiff runs as root: every id is mapped */
	bool net_host;
	char *hostname;
};

/* Plan the sandbox from this process's mounts.  0, or -1 with *err (malloc'd, one
 * line): a refused mount ("/mnt/nfs (nfs4) is writable and cannot be overlaid; let
 * writes through with --allow-write /mnt/nfs"), or /proc/self/mountinfo unreadable. */
int sd_sandbox_plan(const struct sd_sandbox_opts *o, struct sd_sandbox_plan *p, char **err);
void sd_sandbox_plan_free(struct sd_sandbox_plan *p);
/* What the sandbox does with each mount, one line each ("/tmp  overlay (tmpfs)"). */
void sd_sandbox_describe(const struct sd_sandbox_plan *p, struct sb *out);
/* The sandbox in one line (malloc'd). */
char *sd_sandbox_summary(const struct sd_sandbox_plan *p);

/* What runs in a sandbox.  run() is called in the sandbox's second process (pid 2),
 * in the starting directory, with every fd the caller had open still open; its return
 * value is its exit status.  When that process has ended, the sandbox's init kills
 * what is left, reads the changes from the upper layers and calls done() with run's
 * exit status (or 128+N when it was killed by signal N), then exits with it. */
struct sd_sandbox_job {
	int (*run)(void *arg);
	void (*done)(void *arg, int status, const struct sd_fschanges *changes, bool full);
	void *arg;
	const char *workdir;   /* the starting directory (absolute) */
	int log_fd;            /* "error MESSAGE" lines of the set-up go here, and
				  "setup NS": how long building the view took */
	uint64_t layer_bytes;  /* what the run may write in all (the layers' tmpfs); 0: 512 MiB;
				  full is true when it filled them */
	int join_fd;           /* a cgroup v1 "tasks" file the init joins before anything
				  else, by writing "0" (itself: the kernel then takes no
				  global lock, where writing another process's pid waits for
				  an RCU grace period, about 10 ms); -1: none */
};

/* Start job in a new sandbox.  Returns the pid of the sandbox's init (a child of the
 * caller; SIGTERM to it is passed on to run's process, SIGKILL ends everything), or -1
 * with *err.  The init is stopped until sd_sandbox_go() (so the caller can put it in a
 * cgroup first, when it does not join one itself through job->join_fd) and dies if the
 * caller dies. */
struct sd_sandbox_start {
	pid_t pid;
	int go_fd;             /* write end of the start signal */
};
int sd_sandbox_start(const struct sd_sandbox_plan *p, const struct sd_sandbox_job *j,
		     struct sd_sandbox_start *s, char **err);
void sd_sandbox_go(struct sd_sandbox_start *s);

#endif
