/* view.c - the sandbox's view of the file system, built by its init inside the new
 * namespaces (see sandbox.h, sandbox_int.h).
 *
 * Before anything is hidden, every mount of the plan and the devices /dev will offer
 * are opened (O_PATH).  A private tmpfs, the scratch, then goes over /dev (which the
 * sandbox replaces anyway): it holds the layers and the new root.  Each writable mount
 * becomes an overlay: its lower layer a read-only, non-recursive bind of the real mount
 * (so nothing mounted on it shows through), its upper and work directories on the
 * scratch.  The new root is assembled on the scratch from the plan, parents first, and
 * entered with pivot_root; the old root is detached.  The scratch stays reachable
 * through open directories, for reading the changes.
 *
 * In a user namespace the kernel does not let a mount that has mounts on it be bound
 * or layered alone (that would show what they cover), and "/" always has some.  Such a
 * mount becomes a skeleton instead: a read-only tmpfs holding, for each entry of the
 * real directory, an overlay of it (a directory without mounts under it), a skeleton
 * again (one with mounts under it), the mount point of another mount of the plan, a copy
 * of a symlink, or a read-only bind of a file. */
#define _GNU_SOURCE
#include "sandbox/sandbox_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define ATTR_RDONLY 0x1
#define ATTR_NOSUID 0x2
#define ATTR_NODEV 0x4
#define ATTR_NOATIME 0x10
#define ATTR_RECURSIVE 0x8000   /* AT_RECURSIVE */

struct mount_attr_ { uint64_t set, clr, propagation, userns_fd; };

/* The devices /dev offers, bound from the real ones. */
static const char *const devs[SD_VIEW_NDEVS] = { "null", "zero", "full", "random", "urandom", "tty" };

static int fail(char **err, const char *what, const char *path)
{
	*err = xasprintf("sandbox: %s %s: %s", what, path, strerror(errno));
	return -1;
}

static int setattr(const char *path, uint64_t set, bool rec)
{
	struct mount_attr_ a = { set, 0, 0, 0 };
	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, rec ? ATTR_RECURSIVE : 0, &a, sizeof a);
}

/* Bind src (a path, or /proc/self/fd/N) at dst, read-only when ro. */
static int bind_at(const char *src, const char *dst, bool rec, bool ro, char **err)
{
	if (mount(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return fail(err, "cannot bind", dst);
	if (ro && setattr(dst, ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV, rec) < 0 &&
	    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return fail(err, "cannot make read-only", dst);
	return 0;
}

/* Give dst the mode, owner and times of st (an owner the namespace cannot map stays). */
static int like(const char *dst, const struct stat *st)
{
	if (chmod(dst, st->st_mode & 07777) < 0)
		return -1;
	if (chown(dst, st->st_uid, st->st_gid) < 0 && errno != EINVAL && errno != EPERM)
		return -1;
	return utimensat(AT_FDCWD, dst, (struct timespec[2]){ st->st_atim, st->st_mtim }, 0);
}

static struct sd_layer *new_layer(struct sd_view *v)
{
	if (v->nlayers == v->caplayers) {
		v->caplayers = v->caplayers ? 2 * v->caplayers : 16;
		v->layers = xrealloc(v->layers, v->caplayers * sizeof *v->layers);
	}
	struct sd_layer *l = &v->layers[v->nlayers];
	memset(l, 0, sizeof *l);
	l->upper = l->lower = -1;
	return l;
}

/* An overlay at dst of the directory src (a path, or /proc/self/fd/N), which the
 * program knows as path: lower = a read-only bind of src, upper and work on the
 * scratch. */
static int overlay(struct sd_view *v, const char *src, const char *path, const char *dst,
		   char **err)
{
	char low[64], up[64], wk[64];
	size_t k = v->nlayers;
	struct stat st;

	snprintf(low, sizeof low, "%s/l/%zu", v->scratch_path, k);
	snprintf(up, sizeof up, "%s/u/%zu", v->scratch_path, k);
	snprintf(wk, sizeof wk, "%s/w/%zu", v->scratch_path, k);
	if (mkdir(low, 0700) < 0 || mkdir(up, 0755) < 0 || mkdir(wk, 0700) < 0)
		return fail(err, "cannot make the layers of", path);
	/* the upper root is what the program sees of the directory: make it the real one */
	if (stat(src, &st) < 0 || like(up, &st) < 0)
		return fail(err, "cannot give the upper layer the root of", path);
	if (mount(src, low, NULL, MS_BIND, NULL) < 0)
		return fail(err, "cannot bind the lower layer of", path);
	/* read-only, and no atime updates of the real files (where the mount allows it) */
	if (setattr(low, ATTR_RDONLY | ATTR_NOATIME, false) < 0 && setattr(low, ATTR_RDONLY, false) < 0)
		return fail(err, "cannot make read-only the lower layer of", path);
	bool user = !v->plan->root;   /* in a user namespace: user.overlay.* xattrs */
	char *o = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s", low, up, wk, user ? ",userxattr" : "");
	/* noatime: reading a file does not change it (a time the program sets is kept) */
	int rc = mount("overlay", dst, "overlay", MS_NOATIME, o);
	free(o);
	if (rc < 0)
		return fail(err, "cannot overlay", path);
	struct sd_layer *l = new_layer(v);
	l->path = xstrdup(path);
	l->userxattr = user;
	l->upper = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	l->lower = open(low, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	v->nlayers++;
	if (l->upper < 0 || l->lower < 0)
		return fail(err, "cannot open the layers of", path);
	return 0;
}

static int touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
	return fd < 0 ? -1 : close(fd);
}

/* /dev: a small tmpfs with the usual devices bound from the real /dev. */
static int make_dev(struct sd_view *v, const char *dst, char **err)
{
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};
	static const char *const dirs[] = { "pts", "shm", "mqueue" };
	char p[PATH_MAX], src[64];

	if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m,nr_inodes=4096") < 0)
		return fail(err, "cannot mount a tmpfs at", dst);
	for (size_t i = 0; i < SD_VIEW_NDEVS; i++) {
		if (v->devfds[i] < 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dst, devs[i]);
		snprintf(src, sizeof src, "/proc/self/fd/%d", v->devfds[i]);
		if (touch(p, 0666) < 0 || bind_at(src, p, false, false, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		snprintf(p, sizeof p, "%s/%s", dst, links[i][0]);
		if (symlink(links[i][1], p) < 0)
			return fail(err, "cannot make", p);
	}
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(p, sizeof p, "%s/%s", dst, dirs[i]);
		if (mkdir(p, i == 1 ? 01777 : 0755) < 0 || (i == 1 && chmod(p, 01777) < 0))
			return fail(err, "cannot make", p);
	}
	snprintf(p, sizeof p, "%s/pts", dst);
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
		return fail(err, "cannot mount a devpts at", p);
	snprintf(p, sizeof p, "%s/mqueue", dst);
	if (mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail(err, "cannot mount an mqueue at", p);
	v->dev_made = true;
	return 0;
}

/* Is something of the plan mounted at path (exactly), or below it? */
static bool mounted_at(const struct sd_sandbox_plan *p, const char *path, bool below)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < p->n; i++) {
		const char *m = p->m[i].path;
		if (below ? !strncmp(m, path, n) && (n == 1 || m[n] == '/') && m[n == 1 ? 1 : n]
			  : !strcmp(m, path))
			return true;
	}
	return false;
}

static char *join(const char *dir, const char *name)
{
	return xasprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
}

/* One entry of a skeleton: real is its real path, dst where it goes. */
static int skeleton(struct sd_view *v, const char *real, const char *dst, int depth, char **err);

static int skeleton_entry(struct sd_view *v, const char *real, const char *dst, int depth,
			  char **err)
{
	struct stat st;
	char t[PATH_MAX];

	if (lstat(real, &st) < 0)
		return 0;   /* gone meanwhile */
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(real, t, sizeof t - 1);
		if (n < 0 || (t[n] = '\0', symlink(t, dst) < 0))
			return fail(err, "cannot copy the symlink", real);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {   /* a file at a skeleton level: read-only */
		if (touch(dst, 0600) < 0)
			return fail(err, "cannot make", dst);
		return bind_at(real, dst, false, true, err);
	}
	if (mkdir(dst, 0755) < 0)
		return fail(err, "cannot make", dst);
	if (mounted_at(v->plan, real, false))
		return like(dst, &st) < 0 ? fail(err, "cannot copy the attributes of", real) : 0;
	if (mounted_at(v->plan, real, true))
		return skeleton(v, real, dst, depth + 1, err);
	if (access(real, R_OK | X_OK) < 0)   /* not ours to read (/root): nor the program's */
		return bind_at(real, dst, true, true, err);
	return overlay(v, real, real, dst, err);
}

static int skeleton(struct sd_view *v, const char *real, const char *dst, int depth, char **err)
{
	struct stat st;
	int rc = 0;

	if (depth > 64)
		return errno = ELOOP, fail(err, "mounts too deep under", real);
	DIR *d = opendir(real);
	if (!d || fstat(dirfd(d), &st) < 0)
		return fail(err, "cannot read", real);
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *r = join(real, de->d_name), *t = join(dst, de->d_name);
		rc = skeleton_entry(v, r, t, depth, err);
		free(r);
		free(t);
	}
	closedir(d);
	if (rc == 0 && like(dst, &st) < 0)
		return fail(err, "cannot copy the attributes of", real);
	return rc;
}

/* A writable mount with mounts on it, in a user namespace: a read-only skeleton. */
static int make_skeleton(struct sd_view *v, size_t i, const char *dst, char **err)
{
	const char *path = v->plan->m[i].path;

	if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return fail(err, "cannot mount a tmpfs at", dst);
	if (skeleton(v, path, dst, 0, err) < 0)
		return -1;
	/* after the mounts under it are in place: see sd_view_build */
	v->skeletons = xrealloc(v->skeletons, (v->nskeletons + 1) * sizeof *v->skeletons);
	v->skeletons[v->nskeletons++] = xstrdup(dst);
	return 0;
}

/* Mount entry i of the plan under the new root. */
static int place(struct sd_view *v, size_t i, char **err)
{
	const struct sd_mnt *x = &v->plan->m[i];
	char *dst = xasprintf("%s/new%s", v->scratch_path, strcmp(x->path, "/") ? x->path : "");
	char src[64];
	int rc = 0;

	snprintf(src, sizeof src, "/proc/self/fd/%d", v->fds[i]);
	switch (x->how) {
	case SD_MNT_OVERLAY:
		if (!v->plan->root && mounted_at(v->plan, x->path, true))
			rc = make_skeleton(v, i, dst, err);
		else
			rc = overlay(v, src, x->path, dst, err);
		break;
	case SD_MNT_READONLY:
	case SD_MNT_THROUGH:
		rc = bind_at(src, dst, !v->plan->root, x->how == SD_MNT_READONLY, err);
		break;
	case SD_MNT_SYS:
		rc = bind_at(src, dst, true, true, err);
		break;
	case SD_MNT_PROC:
		if (mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			rc = fail(err, "cannot mount a new /proc at", x->path);
		break;
	case SD_MNT_DEV:
		rc = make_dev(v, dst, err);
		break;
	case SD_MNT_REFUSE:
	case SD_MNT_SKIP:
		break;
	}
	if (!strcmp(x->path, "/dev/shm") && rc == 0)
		v->dev_shm = true;
	free(dst);
	return rc;
}

static int up_loopback(char **err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return fail(err, "cannot find the loopback interface", "lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	int rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc < 0 ? fail(err, "cannot bring up", "lo") : 0;
}

/* The scratch: a tmpfs of size bytes over /dev, which the sandbox makes anew. */
static int make_scratch(struct sd_view *v, uint64_t size, char **err)
{
	char opt[64], p[64];

	snprintf(opt, sizeof opt, "mode=0700,size=%llu", (unsigned long long)size);
	v->scratch_path = "/dev";
	if (mount("sysdiff-layers", v->scratch_path, "tmpfs", MS_NOSUID | MS_NODEV, opt) < 0)
		return fail(err, "cannot mount the layers' tmpfs over", v->scratch_path);
	for (const char *d = "luwn"; *d; d++) {
		snprintf(p, sizeof p, "%s/%s", v->scratch_path, *d == 'n' ? "new" : (char[]){ *d, 0 });
		if (mkdir(p, 0755) < 0)
			return fail(err, "cannot make", p);
	}
	v->scratch = open(v->scratch_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return v->scratch < 0 ? fail(err, "cannot open", v->scratch_path) : 0;
}

/* Everything the view is made of, opened before the scratch hides /dev. */
static int open_all(struct sd_view *v, char **err)
{
	const struct sd_sandbox_plan *p = v->plan;

	for (size_t i = 0; i < p->n; i++) {
		v->fds[i] = -1;
		if (p->m[i].how != SD_MNT_SKIP && p->m[i].how != SD_MNT_PROC && p->m[i].how != SD_MNT_DEV &&
		    (v->fds[i] = open(p->m[i].path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return fail(err, "cannot open", p->m[i].path);
	}
	for (size_t i = 0; i < SD_VIEW_NDEVS; i++) {
		char d[32];
		snprintf(d, sizeof d, "/dev/%s", devs[i]);
		v->devfds[i] = open(d, O_PATH | O_CLOEXEC);   /* missing ones are left out */
	}
	return 0;
}

/* Into the new root; the old one detached. */
static int enter(struct sd_view *v, char **err)
{
	for (size_t i = 0; i < v->nskeletons; i++)   /* read-only, now that all is in place */
		if (setattr(v->skeletons[i], ATTR_RDONLY, false) < 0)
			return fail(err, "cannot make read-only", v->skeletons[i]);
	char *root = xasprintf("%s/new", v->scratch_path);
	int rc = chdir(root);
	free(root);
	if (rc < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(err, "cannot enter the new root", "(pivot_root)");
	if (umount2(".", MNT_DETACH) < 0)
		return fail(err, "cannot detach the old root", "/");
	return chdir("/") < 0 ? fail(err, "cannot enter", "/") : 0;
}

int sd_view_build(struct sd_view *v, const struct sd_sandbox_plan *p, uint64_t layer_bytes,
		  char **err)
{
	memset(v, 0, sizeof *v);
	v->plan = p;
	v->scratch = -1;
	v->fds = xcalloc(p->n + 1, sizeof *v->fds);
	for (size_t i = 0; i < SD_VIEW_NDEVS; i++)
		v->devfds[i] = -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(err, "cannot make private the mounts of", "/");
	if (open_all(v, err) < 0 || make_scratch(v, layer_bytes, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (place(v, i, err) < 0)
			return -1;
	if (v->dev_made && !v->dev_shm) {   /* no /dev/shm of the host's to overlay */
		char *shm = xasprintf("%s/new/dev/shm", v->scratch_path);
		int rc = mount("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV, "mode=01777,size=64m");
		free(shm);
		if (rc < 0)
			return fail(err, "cannot mount a tmpfs at", "/dev/shm");
	}
	if (!p->net_host && up_loopback(err) < 0)
		return -1;
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		return fail(err, "cannot set the hostname", p->hostname);
	if (enter(v, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (v->fds[i] >= 0) {
			close(v->fds[i]);
			v->fds[i] = -1;
		}
	return 0;
}

bool sd_view_full(const struct sd_view *v)
{
	struct statvfs sv;

	/* less than 64 KiB left: the run filled what it may write */
	return v->scratch >= 0 && fstatvfs(v->scratch, &sv) == 0 &&
	       (uint64_t)sv.f_bavail * sv.f_frsize < 65536;
}
