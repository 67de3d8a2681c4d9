/* procfs.h - what sysdiff reads of a process under /proc: the mappings of
 * /proc/PID/maps (an iterator over one reading of the file, or over given text), the
 * fields of /proc/PID/status, the mounts of /proc/PID/mountinfo, and the file a process
 * maps, opened as it is mapped (through /proc/PID/root or /proc/PID/map_files when the
 * path is not that file). */
#ifndef SD_PROCFS_H
#define SD_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One line of /proc/PID/maps. */
struct sd_procfs_map {
	uint64_t start, end;        /* [start, end) */
	char perms[5];              /* "r-xp" */
	uint64_t offset;            /* the file offset mapped at start */
	dev_t dev;
	ino_t ino;                  /* 0: no file */
	const char *path;           /* a file (" (deleted)" taken off), "[vdso]", "[heap]"...,
	                               or "" (anonymous); valid until the iterator is closed */
	bool deleted;               /* the kernel said the file is deleted */
};

/* An iterator over one reading of a maps file. */
struct sd_procfs_maps {
	char *text;
	char *next;                 /* the next line */
};

/* Read /proc/PID/maps (its first max bytes; SIZE_MAX: all).  0, or -1 with errno set. */
int sd_procfs_maps_open(struct sd_procfs_maps *it, pid_t pid, size_t max);
/* Iterate over text instead (tests, fuzzing): a copy of its first len bytes, up to a
 * NUL if it has one. */
void sd_procfs_maps_text(struct sd_procfs_maps *it, const char *text, size_t len);
/* The next line that parses (others are skipped); false at the end. */
bool sd_procfs_maps_next(struct sd_procfs_maps *it, struct sd_procfs_map *m);
void sd_procfs_maps_close(struct sd_procfs_maps *it);

/* Field key ("State", "Tgid", "TracerPid", "NSpid"...) of /proc/PID/status: the text
 * after "key:" to the end of its line, leading blanks skipped, cut to fit size (> 0).
 * 0, or -1 when the file cannot be read or has no such field. */
int sd_procfs_status_field(pid_t pid, const char *key, char *buf, size_t size);
/* Its first number (decimal), or its last one (NSpid: the id in the innermost pid
 * namespace).  0, or -1 when unreadable, missing or not a number. */
int sd_procfs_status_long(pid_t pid, const char *key, long *val);
int sd_procfs_status_last(pid_t pid, const char *key, long *val);
/* The same three over the text of a status file (tests). */
int sd_procfs_status_text_field(const char *text, const char *key, char *buf, size_t size);
int sd_procfs_status_text_long(const char *text, const char *key, bool last, long *val);

/* The file mapped at start (first_end: the end of its first mapping) of process pid,
 * opened read-only and checked by device and inode (on overlayfs by inode only: stat
 * there gives the layer's device, maps the overlay's): path, the same path in the
 * process's root (another mount namespace), or /proc/PID/map_files/START-END (a file
 * replaced on disk).  The descriptor, or -1 when none is that file. */
int sd_procfs_open_mapped(pid_t pid, const char *path, dev_t dev, ino_t ino, uint64_t start,
			  uint64_t first_end);
/* Is the file at path the one maps names by dev and ino (the same overlayfs rule)?
 * *st gets its stat. */
struct stat;
bool sd_procfs_is_mapped(const char *path, dev_t dev, ino_t ino, struct stat *st);

/* One line of /proc/PID/mountinfo (mountinfo.c). */
struct sd_procfs_mount {
	int id, parent;             /* mount ids */
	unsigned major, minor;      /* st_dev of the file system */
	char *root;                 /* the directory of the file system mounted ("/": all) */
	char *path;                 /* where it is mounted (the kernel's octal escapes undone) */
	char *opts;                 /* per-mount options ("rw,nosuid,relatime") */
	char *fstype;               /* "ext4", "tmpfs", "fuse.sshfs", ... */
	char *source;               /* "/dev/vda", "tmpfs", ... */
	char *super;                /* super-block options */
	bool ro;                    /* mounted read-only */
};

/* Every mount of process pid's mount namespace (0: this process), in the file's order
 * (a mount comes after its parent; several at one path stack, the last on top).  0, or
 * -1 with errno.  Lines that do not parse are skipped. */
int sd_procfs_mounts(pid_t pid, struct sd_procfs_mount **out, size_t *n);
/* The same over given text (tests, fuzzing). */
void sd_procfs_mounts_text(const char *text, size_t len, struct sd_procfs_mount **out, size_t *n);
void sd_procfs_mounts_free(struct sd_procfs_mount *m, size_t n);

#endif
