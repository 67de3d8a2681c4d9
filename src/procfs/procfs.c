/* procfs.c - reading /proc/PID/maps and /proc/PID/status, and opening a mapped file as
 * it is mapped (see procfs.h).  The text comes from the kernel, but is parsed as if it
 * could be anything: a line that does not parse is skipped, a field that is not there
 * is an error, nothing is read past the end of a line. */
#define _GNU_SOURCE
#include "procfs/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/util.h"

#define MAX_STATUS (1u << 20)   /* bytes of a status file read */

/* ---- /proc/PID/maps ---- */

int sd_procfs_maps_open(struct sd_procfs_maps *it, pid_t pid, size_t max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	it->text = sd_read_file(path, max, NULL, NULL);
	it->next = it->text;
	return it->text ? 0 : -1;
}

void sd_procfs_maps_text(struct sd_procfs_maps *it, const char *text, size_t len)
{
	it->text = xstrndup(text, len);
	it->next = it->text;
}

void sd_procfs_maps_close(struct sd_procfs_maps *it)
{
	free(it->text);
	it->text = it->next = NULL;
}

static bool hex_u64(const char **p, uint64_t *v)
{
	char *e;
	errno = 0;
	unsigned long long x = strtoull(*p, &e, 16);
	if (e == *p || errno)
		return false;
	*v = x;
	*p = e;
	return true;
}

/* "START-END PERMS OFFSET MAJ:MIN INODE   PATH" (PATH may be missing). */
static bool parse_map(char *line, struct sd_procfs_map *m)
{
	const char *p = line;
	uint64_t ino;
	unsigned maj, min;
	int used = 0;
	if (!hex_u64(&p, &m->start) || *p++ != '-' || !hex_u64(&p, &m->end))
		return false;
	if (sscanf(p, " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", m->perms, &m->offset, &maj, &min,
		   &ino, &used) < 5)
		return false;
	char *name = line + (p - line) + used;
	size_t n = strlen(name);
	static const char deleted[] = " (deleted)";
	/* the kernel says so of files only */
	m->deleted = name[0] == '/' && n > sizeof deleted - 1 &&
		     !strcmp(name + n - (sizeof deleted - 1), deleted);
	if (m->deleted)
		name[n - (sizeof deleted - 1)] = '\0';
	m->dev = makedev(maj, min);
	m->ino = (ino_t)ino;
	m->path = name;
	return true;
}

bool sd_procfs_maps_next(struct sd_procfs_maps *it, struct sd_procfs_map *m)
{
	while (it->next && *it->next) {
		char *line = it->next, *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		it->next = nl ? nl + 1 : line + strlen(line);
		if (parse_map(line, m))
			return true;
	}
	return false;
}

/* ---- /proc/PID/status ---- */

/* The value of field key in text (leading blanks skipped) and its length, or NULL. */
static const char *find_field(const char *text, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			const char *v = line + klen + 1;
			v += strspn(v, " \t");
			*len = nl ? (size_t)(nl - v) : strlen(v);
			return v;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return NULL;
}

int sd_procfs_status_text_field(const char *text, const char *key, char *buf, size_t size)
{
	size_t len;
	const char *v = find_field(text, key, &len);
	if (!v)
		return -1;
	if (len >= size)
		len = size - 1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return 0;
}

int sd_procfs_status_text_long(const char *text, const char *key, bool last, long *val)
{
	size_t len;
	const char *v = find_field(text, key, &len);
	if (!v)
		return -1;
	const char *s = v;
	if (last)
		for (s = v + len; s > v && s[-1] != ' ' && s[-1] != '\t'; s--)
			;
	if (s == v + len)
		return -1;   /* nothing (strtol would go on to the next line) */
	char *e;
	long x = strtol(s, &e, 10);
	if (e == s)
		return -1;
	*val = x;
	return 0;
}

static char *read_status(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	return sd_read_file(path, MAX_STATUS, NULL, NULL);
}

int sd_procfs_status_field(pid_t pid, const char *key, char *buf, size_t size)
{
	char *text = read_status(pid);
	int rc = text ? sd_procfs_status_text_field(text, key, buf, size) : -1;
	free(text);
	return rc;
}

static int status_long(pid_t pid, const char *key, bool last, long *val)
{
	char *text = read_status(pid);
	int rc = text ? sd_procfs_status_text_long(text, key, last, val) : -1;
	free(text);
	return rc;
}

int sd_procfs_status_long(pid_t pid, const char *key, long *val)
{
	return status_long(pid, key, false, val);
}

int sd_procfs_status_last(pid_t pid, const char *key, long *val)
{
	return status_long(pid, key, true, val);
}

/* ---- the mapped file ---- */

/* overlayfs: stat gives a file the device of its layer, maps the overlay's. */
static bool on_overlay(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC;
}

bool sd_procfs_is_mapped(const char *path, dev_t dev, ino_t ino, struct stat *st)
{
	struct statfs sf;

	if (stat(path, st) < 0 || st->st_ino != ino)
		return false;
	return st->st_dev == dev || (statfs(path, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC);
}

int sd_procfs_open_mapped(pid_t pid, const char *path, dev_t dev, ino_t ino, uint64_t start,
			  uint64_t first_end)
{
	char root[PATH_MAX + 32], mf[96];
	const char *cand[3] = { path, root, mf };
	snprintf(root, sizeof root, "/proc/%d/root%s", (int)pid, path);
	snprintf(mf, sizeof mf, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, start,
		 first_end);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		int fd = open(cand[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino &&
		    (st.st_dev == dev || on_overlay(fd)))
			return fd;
		if (fd >= 0)
			close(fd);
	}
	return -1;
}
