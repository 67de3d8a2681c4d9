/* plan.c - what the sandbox does with each mount of this process's mount namespace
 * (see sandbox.h).  Decided in the caller, before any run, so that a mount that cannot
 * be isolated is refused up front with one line naming it. */
#define _GNU_SOURCE
#include "sandbox/sandbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs/procfs.h"

/* File systems that are writable but that overlayfs cannot take as a lower layer, or
 * whose writes another machine sees: network and FUSE file systems. */
static const char *const unlayerable[] = {
	"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "afs", "ncpfs",
	"lustre", "gfs2", "ocfs2", "virtiofs", "davfs", "sshfs", NULL,
};

/* path is dir or lies below it. */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static bool allowed(const struct sd_sandbox_opts *o, const char *path)
{
	for (size_t i = 0; o->allow_write && o->allow_write[i]; i++) {
		char *a = o->allow_write[i];
		size_t n = strlen(a);
		while (n > 1 && a[n - 1] == '/')
			n--;
		if (strlen(path) == n && !strncmp(path, a, n))
			return true;
	}
	return false;
}

static int depth(const char *path)
{
	int d = 0;
	for (const char *p = path; *p; p++)
		d += *p == '/' && p[1];
	return strcmp(path, "/") ? d + 1 : 0;
}

/* Index of the mount with id, or -1. */
static long by_id(const struct sd_procfs_mount *m, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].id == id)
			return (long)i;
	return -1;
}

/* Is m[i] what the namespace shows at its path: nothing is mounted on top of it, and
 * what it is mounted on is shown?  (A mount another one was stacked over is hidden.) */
static bool shown(const struct sd_procfs_mount *m, size_t n, size_t i, int hops)
{
	for (size_t k = i + 1; k < n; k++)
		if (!strcmp(m[k].path, m[i].path) && m[k].parent == m[i].id)
			return false;   /* covered by a mount on top of it */
	if (!strcmp(m[i].path, "/"))
		return true;
	long p = by_id(m, n, m[i].parent);
	while (p >= 0 && !strcmp(m[p].path, m[i].path) && hops++ < 64)
		p = by_id(m, n, m[p].parent);   /* stacked on mounts at its own path */
	if (p < 0 || hops > 64)
		return p < 0 && !strcmp(m[i].path, "/");
	if (!under(m[i].path, m[p].path))
		return false;
	return shown(m, n, (size_t)p, hops + 1);
}

static enum sd_mnt_how classify(const struct sd_sandbox_opts *o, const struct sd_procfs_mount *x,
				const char **why)
{
	const char *p = x->path, *t = x->fstype;

	if (!strcmp(p, "/proc"))
		return *why = "the sandbox's own", SD_MNT_PROC;
	if (under(p, "/proc"))
		return *why = "under /proc", SD_MNT_SKIP;
	if (!strcmp(p, "/sys"))
		return *why = "read-only, with all under it", SD_MNT_SYS;
	if (under(p, "/sys"))
		return *why = "in /sys", SD_MNT_SKIP;
	if (!strcmp(p, "/dev"))
		return *why = "the usual devices, its own devpts and mqueue", SD_MNT_DEV;
	if (under(p, "/dev") && strcmp(p, "/dev/shm"))
		return *why = "in /dev", SD_MNT_SKIP;
	if (!strcmp(t, "autofs"))
		return *why = "automount point", SD_MNT_SKIP;
	if (x->ro)
		return *why = "read-only", SD_MNT_READONLY;
	if (allowed(o, p))
		return *why = "writes let through (--allow-write)", SD_MNT_THROUGH;
	if (!strncmp(t, "fuse", 4) || in_list(t, unlayerable))
		return *why = "writable and cannot be overlaid", SD_MNT_REFUSE;
	return *why = "copy-on-write", SD_MNT_OVERLAY;
}

static int cmp_depth(const void *a, const void *b)
{
	const struct sd_mnt *x = a, *y = b;
	int dx = depth(x->path), dy = depth(y->path);

	return dx != dy ? dx - dy : strcmp(x->path, y->path);
}

int sd_sandbox_plan(const struct sd_sandbox_opts *o, struct sd_sandbox_plan *p, char **err)
{
	struct sd_procfs_mount *m;
	size_t n;

	memset(p, 0, sizeof *p);
	if (sd_procfs_mounts(0, &m, &n) < 0) {
		*err = xasprintf("cannot read /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	p->m = xcalloc(n + 1, sizeof *p->m);
	p->root = geteuid() == 0;
	p->net_host = o->net_host;
	p->hostname = xstrdup(o->hostname ? o->hostname : "sysdiff");
	for (size_t i = 0; i < n; i++) {
		if (!shown(m, n, i, 0))
			continue;
		struct sd_mnt *x = &p->m[p->n++];
		x->path = xstrdup(m[i].path);
		x->fstype = xstrdup(m[i].fstype);
		x->how = classify(o, &m[i], &x->why);
	}
	sd_procfs_mounts_free(m, n);
	qsort(p->m, p->n, sizeof *p->m, cmp_depth);
	if (!p->n || strcmp(p->m[0].path, "/")) {
		*err = xstrdup("no root file system in /proc/self/mountinfo");
		sd_sandbox_plan_free(p);
		return -1;
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->m[i].how == SD_MNT_REFUSE) {
			*err = xasprintf("%s (%s) is writable and cannot be overlaid: the programs could "
					 "change it for real; let writes through with --allow-write %s",
					 p->m[i].path, p->m[i].fstype, p->m[i].path);
			sd_sandbox_plan_free(p);
			return -1;
		}
	return 0;
}

void sd_sandbox_plan_free(struct sd_sandbox_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->m[i].path);
		free(p->m[i].fstype);
	}
	free(p->m);
	free(p->hostname);
	memset(p, 0, sizeof *p);
}

static const char *how_name(enum sd_mnt_how h)
{
	static const char *const names[] = {
		[SD_MNT_OVERLAY] = "overlay", [SD_MNT_READONLY] = "read-only",
		[SD_MNT_THROUGH] = "WRITES THROUGH", [SD_MNT_REFUSE] = "refused",
		[SD_MNT_PROC] = "new proc", [SD_MNT_SYS] = "read-only", [SD_MNT_DEV] = "new /dev",
		[SD_MNT_SKIP] = "not shown",
	};
	return names[h];
}

char *sd_sandbox_summary(const struct sd_sandbox_plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->m[i].how == SD_MNT_OVERLAY;
	return xasprintf("sandbox: the whole file system copy-on-write (%zu overlay%s); own %smount, "
			 "pid, UTS, IPC%s namespaces", n, n == 1 ? "" : "s", p->root ? "" : "user, ",
			 p->net_host ? "" : " and network");
}

void sd_sandbox_describe(const struct sd_sandbox_plan *p, struct sb *out)
{
	sb_addf(out, "sandbox: %smount, pid, UTS (hostname %s), IPC%s namespaces; %s\n",
		p->root ? "" : "user, ", p->hostname, p->net_host ? "" : ", network (loopback only)",
		p->root ? "root without the capabilities that reach past them"
			: "your uid and gid mapped to themselves");
	for (size_t i = 0; i < p->n; i++) {
		const struct sd_mnt *x = &p->m[i];
		if (x->how == SD_MNT_SKIP)
			continue;
		sb_addf(out, "  %-28s %-14s %s (%s)\n", x->path, how_name(x->how), x->why, x->fstype);
	}
}
