/* mountinfo.c - the mounts of /proc/PID/mountinfo (see procfs.h).
 *
 * A line is "ID PARENT MAJ:MIN ROOT PATH OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER".
 * ROOT, PATH and SOURCE escape blanks, newlines and backslashes as \\ooo. */
#define _GNU_SOURCE
#include "procfs/procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define MAX_MOUNTINFO (16u << 20)   /* bytes of a mountinfo file read */

/* The next blank-separated field of [*p, e), unescaped (malloc'd), or NULL. */
static char *field(const char **p, const char *e)
{
	const char *s = *p;

	while (s < e && *s == ' ')
		s++;
	if (s >= e)
		return NULL;
	const char *t = s;
	while (t < e && *t != ' ')
		t++;
	char *out = xmalloc((size_t)(t - s) + 1), *o = out;
	for (const char *q = s; q < t; q++) {
		if (*q == '\\' && t - q >= 4 && q[1] >= '0' && q[1] <= '3' && q[2] >= '0' &&
		    q[2] <= '7' && q[3] >= '0' && q[3] <= '7') {
			*o++ = (char)((q[1] - '0') << 6 | (q[2] - '0') << 3 | (q[3] - '0'));
			q += 3;
		} else {
			*o++ = *q;
		}
	}
	*o = '\0';
	*p = t;
	return out;
}

static bool has_opt(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static void mount_free(struct sd_procfs_mount *m)
{
	free(m->root);
	free(m->path);
	free(m->opts);
	free(m->fstype);
	free(m->source);
	free(m->super);
}

/* One line [p, e); false when it does not parse (m is then freed). */
static bool parse_line(const char *p, const char *e, struct sd_procfs_mount *m)
{
	char *f[6] = { NULL };
	memset(m, 0, sizeof *m);
	for (int i = 0; i < 3; i++)
		f[i] = field(&p, e);
	if (!f[2] || sscanf(f[0], "%d", &m->id) != 1 || sscanf(f[1], "%d", &m->parent) != 1 ||
	    sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
		goto bad;
	m->root = field(&p, e);
	m->path = field(&p, e);
	m->opts = field(&p, e);
	if (!m->opts || m->path[0] != '/')
		goto bad;
	char *sep;
	while ((sep = field(&p, e)) && strcmp(sep, "-"))   /* optional fields */
		free(sep);
	if (!sep)
		goto bad;
	free(sep);
	m->fstype = field(&p, e);
	m->source = field(&p, e);
	m->super = field(&p, e);
	if (!m->super)
		goto bad;
	m->ro = has_opt(m->opts, "ro");
	for (int i = 0; i < 3; i++)
		free(f[i]);
	return true;
bad:
	for (int i = 0; i < 3; i++)
		free(f[i]);
	mount_free(m);
	return false;
}

void sd_procfs_mounts_text(const char *text, size_t len, struct sd_procfs_mount **out, size_t *n)
{
	const char *p = text, *end = text + len;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		const char *nul = memchr(p, '\0', (size_t)(e - p));
		struct sd_procfs_mount m;
		if (!nul && parse_line(p, e, &m)) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 32;
				*out = xrealloc(*out, cap * sizeof **out);
			}
			(*out)[(*n)++] = m;
		}
		p = e + 1;
	}
}

int sd_procfs_mounts(pid_t pid, struct sd_procfs_mount **out, size_t *n)
{
	char path[64];
	size_t len;

	if (pid)
		snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/mountinfo");
	char *text = sd_read_file(path, MAX_MOUNTINFO, &len, NULL);
	if (!text)
		return -1;
	sd_procfs_mounts_text(text, len, out, n);
	free(text);
	return 0;
}

void sd_procfs_mounts_free(struct sd_procfs_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mount_free(&m[i]);
	free(m);
}
