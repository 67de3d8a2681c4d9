/* fschanges.c - what a sandboxed run changed: a walk of each overlay's upper layer,
 * compared entry by entry with its lower layer (see fschanges.h; the file form is in
 * fschanges_io.c).
 *
 * The walk keeps an explicit stack of directories (no recursion), reads each
 * directory's names whole and sorted (so the order, and therefore which changes fit
 * under the bounds, does not depend on the order of readdir), and keeps the
 * descriptors of only the deepest OPEN_WINDOW levels open: an ancestor is reopened
 * through ".." of its child (checked by device and inode) when the walk returns to it. */
#define _GNU_SOURCE
#include "sandbox/fschanges.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <xxhash.h>

#include "util/util.h"

#define RELPATH_MAX 16384     /* directories with a longer path are not entered */
#define OPEN_WINDOW 32        /* directory levels whose descriptors stay open */
#define BUF_SIZE (64u << 10)

enum { UP, LOW };

struct name {
	char *s;
	bool up;                /* in the upper (else only in the lower: deleted) */
};

struct frame {
	int fd[2];              /* upper, lower directory; -1: none on that side */
	bool closed[2];         /* closed to spare descriptors, reopened on return */
	dev_t dev[2];
	ino_t ino[2];
	const char *comp;       /* its name in the parent (owned by the parent's names) */
	struct name *names;
	size_t n, i;
	size_t plen;            /* length of its relative path */
	bool opaque;            /* replaced the lower's directory: names are the union */
};

struct walker {
	const struct sd_layer *layer;
	struct sd_fschanges *out;
	size_t cap;             /* of out->c */
	size_t kept;            /* data bytes kept so far, every layer */
	int64_t t0, t1;
	dev_t dev[2];           /* the upper's and the lower's file systems */
	struct sb rel;          /* the entry at hand, relative to the layer */
	struct frame *st;
	size_t depth, stcap;
	unsigned char *buf;
	const char *x_opaque, *x_metacopy, *x_redirect;
};

/* ---- small pieces ---- */

static char *full_path(const struct walker *w)
{
	const char *lp = w->layer->path ? w->layer->path : "", *r = sb_str(&w->rel);
	size_t l = strlen(lp);

	if (!*r)
		return xstrdup(*lp ? lp : "/");
	return xasprintf("%s%s%s", lp, l && lp[l - 1] == '/' ? "" : "/", r);
}

static void rel_cut(struct walker *w, size_t len)
{
	w->rel.len = len;
	if (w->rel.buf)
		w->rel.buf[len] = '\0';
}

/* The first error wins: "PATH: what: strerror". */
static void note(struct walker *w, const char *what, int err)
{
	if (w->out->error)
		return;
	char *p = full_path(w);
	w->out->error = err ? xasprintf("%s: %s: %s", p, what, strerror(err))
			    : xasprintf("%s: %s", p, what);
	free(p);
}

static int64_t ts_ns(const struct timespec *t)
{
	int64_t v;

	if (__builtin_mul_overflow((int64_t)t->tv_sec, (int64_t)1000000000, &v) ||
	    __builtin_add_overflow(v, (int64_t)t->tv_nsec, &v))
		return t->tv_sec < 0 ? INT64_MIN : INT64_MAX;
	return v;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t v;
	return __builtin_add_overflow(a, b, &v) ? (b < 0 ? INT64_MIN : INT64_MAX) : v;
}

static char type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	case S_IFBLK: return 'b';
	default: return 'c';   /* S_IFCHR: there is no other kind */
	}
}

static void fill(struct sd_fsentry *e, const struct stat *st)
{
	e->type = type_of(st->st_mode);
	e->mode = e->type == 'l' ? 0 : st->st_mode & 07777;   /* a symlink's mean nothing */
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = e->type == 'f' ? (uint64_t)st->st_size : 0;  /* directory sizes vary by fs */
	e->rdev = e->type == 'c' || e->type == 'b' ? (uint64_t)st->st_rdev : 0;
	e->mtime_ns = ts_ns(&st->st_mtim);
	e->atime_ns = ts_ns(&st->st_atim);
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

static enum sd_fstime classify(const struct walker *w, int64_t t, bool had, int64_t before)
{
	if (had && t == before)
		return SD_TIME_UNCHANGED;
	if (t >= sat_add(w->t0, -SD_FS_SLACK_NS) && t <= sat_add(w->t1, SD_FS_SLACK_NS))
		return SD_TIME_NOW;
	/* The real file changed after the run began (someone outside wrote into the
	 * directory: the run cannot write the lower); an older time in the upper layer is
	 * the one the copy-up took from it, what the run saw, not one it set.  Strictly
	 * after t0: a file prepared just before the run is not such a file. */
	if (had && before > w->t0 && t < before)
		return SD_TIME_UNCHANGED;
	return SD_TIME_SET;
}

/* Does the xattr exist (and, with want, hold exactly that value)? */
static bool has_xattr(int fd, const char *name, const char *want)
{
	char v[16];
	ssize_t n = fgetxattr(fd, name, v, sizeof v);

	if (n < 0)
		return !want && errno == ERANGE;
	return !want || ((size_t)n == strlen(want) && !memcmp(v, want, (size_t)n));
}

static char *read_link(struct walker *w, int dirfd, const char *name, uint64_t *hash)
{
	char t[4097];
	ssize_t n = readlinkat(dirfd, name, t, sizeof t - 1);

	if (n < 0) {
		note(w, "readlink", errno);
		return NULL;
	}
	t[n] = '\0';
	*hash = XXH64(t, (size_t)n, 0);
	return xstrndup(t, (size_t)n);
}

static void entry_free(struct sd_fsentry *e)
{
	free(e->target);
	free(e->data);
	e->target = NULL;
	e->data = NULL;
	e->ndata = 0;
}

/* Drop e's kept bytes and give them back to the budget. */
static void unkeep(struct walker *w, struct sd_fsentry *e)
{
	w->kept -= e->ndata;
	free(e->data);
	e->data = NULL;
	e->ndata = 0;
}

/* ---- file contents ---- */

struct reading {
	XXH64_state_t *h;
	struct sd_fsentry *e;
	size_t room;            /* bytes of e->data */
};

static void feed(struct reading *r, const void *p, size_t n)
{
	if (r->h)
		XXH64_update(r->h, p, n);
	if (r->e->ndata < r->room) {
		size_t k = r->room - r->e->ndata < n ? r->room - r->e->ndata : n;
		memcpy(r->e->data + r->e->ndata, p, k);
		r->e->ndata += k;
	}
}

static void feed_zeros(struct reading *r, uint64_t n)
{
	static const unsigned char zeros[BUF_SIZE];

	while (n) {
		size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
		feed(r, zeros, k);
		n -= k;
	}
}

/* Bytes [off, end) of fd into r; false on a read error. */
static bool feed_range(struct walker *w, int fd, struct reading *r, uint64_t off, uint64_t end)
{
	while (off < end) {
		size_t k = end - off < BUF_SIZE ? (size_t)(end - off) : BUF_SIZE;
		ssize_t n = pread(fd, w->buf, k, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			note(w, "read", errno);
			return false;
		}
		if (n == 0)   /* shorter than it was: the rest reads as nothing */
			return false;
		feed(r, w->buf, (size_t)n);
		off += (uint64_t)n;
	}
	return true;
}

/* Read the regular file name (stat st) of dirfd: its hash when hash (streaming, holes
 * hashed as zeros without reading them, at most SD_FS_HASH_MAX bytes), and its first
 * bytes in e->data when keep, as far as the budget allows. */
static void read_file(struct walker *w, int dirfd, const char *name, const struct stat *st,
		      struct sd_fsentry *e, bool hash, bool keep, bool upper)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	uint64_t size = (uint64_t)st->st_size, room = 0;
	struct stat fs;

	if (fd < 0) {
		note(w, "open", errno);
		return;
	}
	if (fstat(fd, &fs) < 0 || !S_ISREG(fs.st_mode) || fs.st_ino != st->st_ino ||
	    fs.st_dev != st->st_dev) {
		note(w, "changed while being read", 0);
		close(fd);
		return;
	}
	if (upper && has_xattr(fd, w->x_metacopy, NULL))
		note(w, "a metacopy upper file (the overlay needs metacopy=off)", 0);
	if (keep) {
		room = SD_FS_KEEP_TOTAL - w->kept;
		room = room < SD_FS_KEEP ? room : SD_FS_KEEP;
		room = room < size ? room : size;
	}
	struct reading r = { .e = e, .room = (size_t)room };
	if (room)
		e->data = xmalloc((size_t)room);
	if (hash) {
		r.h = XXH64_createState();
		XXH64_reset(r.h, 0);
	}
	uint64_t end = hash ? size : room, off = 0;
	if (hash && end > SD_FS_HASH_MAX) {
		note(w, "too large: only its first 64 GiB were hashed", 0);
		end = SD_FS_HASH_MAX;
	}
	while (off < end) {
		off_t d = lseek(fd, (off_t)off, SEEK_DATA), h;
		uint64_t data = d < 0 ? (errno == ENXIO ? end : off) : (uint64_t)d;
		data = data < end ? data : end;
		feed_zeros(&r, data - off);
		if ((off = data) >= end)
			break;
		h = lseek(fd, (off_t)off, SEEK_HOLE);
		uint64_t hole = h <= (off_t)off ? end : (uint64_t)h < end ? (uint64_t)h : end;
		if (!feed_range(w, fd, &r, off, hole))
			break;
		off = hole;
	}
	if (r.h) {
		e->hash = XXH64_digest(r.h);
		XXH64_freeState(r.h);
	}
	close(fd);
	w->kept += e->ndata;
	if (!e->ndata) {
		free(e->data);
		e->data = NULL;
	}
}

/* Targets, hashes and kept bytes of an entry found in the upper (before is the lower's
 * entry, type 0 when none). */
static void contents(struct walker *w, const struct frame *f, const char *name,
		     struct sd_fschange *c, const struct stat *us, const struct stat *ls)
{
	if (c->after.type == 'l')
		c->after.target = read_link(w, f->fd[UP], name, &c->after.hash);
	if (c->before.type == 'l')
		c->before.target = read_link(w, f->fd[LOW], name, &c->before.hash);
	if (c->after.type != 'f')
		return;
	read_file(w, f->fd[UP], name, us, &c->after, true, true, true);
	if (c->before.type != 'f')
		return;
	if (c->before.size == c->after.size) {
		read_file(w, f->fd[LOW], name, ls, &c->before, true, true, false);
		if (c->before.hash == c->after.hash)
			unkeep(w, &c->before);   /* after's bytes are the same */
	} else {
		/* the content changed: its first bytes, for the report; no need for a hash */
		read_file(w, f->fd[LOW], name, ls, &c->before, false, true, false);
	}
}

static bool differs(const struct sd_fsentry *a, const struct sd_fsentry *b)
{
	if (a->type != b->type || a->mode != b->mode || a->uid != b->uid || a->gid != b->gid ||
	    a->size != b->size || a->rdev != b->rdev)
		return true;
	if (a->type == 'f')
		return a->hash != b->hash;
	if (a->type == 'l')
		return !a->target || !b->target || strcmp(a->target, b->target);
	return false;
}

/* ---- the list ---- */

static void change_drop(struct walker *w, struct sd_fschange *c)
{
	unkeep(w, &c->before);
	unkeep(w, &c->after);
	entry_free(&c->before);
	entry_free(&c->after);
}

static void emit(struct walker *w, struct sd_fschange *c)
{
	struct sd_fschanges *o = w->out;

	if (o->n >= SD_FS_MAX) {
		o->dropped++;
		change_drop(w, c);
		return;
	}
	if (o->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		o->c = xrealloc(o->c, w->cap * sizeof *o->c);
	}
	c->path = full_path(w);
	o->c[o->n++] = *c;
}

/* ---- directories ---- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->s, ((const struct name *)b)->s);
}

/* The names in directory fd, sorted; up is what they are marked with. */
static size_t read_names(struct walker *w, int fd, bool up, struct name **out)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct name *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	if (!d) {
		note(w, "opendir", errno);
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n++] = (struct name){ xstrdup(de->d_name), up };
	}
	if (errno)
		note(w, "readdir", errno);
	closedir(d);
	if (n)
		qsort(v, n, sizeof *v, cmp_name);
	*out = v;
	return n;
}

/* The union of two sorted name lists (a name in both keeps a's, marked up). */
static size_t merge_names(struct name *a, size_t na, struct name *b, size_t nb, struct name **out)
{
	struct name *v = xmalloc((na + nb + 1) * sizeof *v);
	size_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		int k = i >= na ? 1 : j >= nb ? -1 : strcmp(a[i].s, b[j].s);
		if (k <= 0)
			v[n++] = a[i++];
		else
			v[n++] = b[j++];
		if (!k)
			free(b[j++].s);
	}
	free(a);
	free(b);
	*out = v;
	return n;
}

static bool same_dir(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Reopen side s of frame k: through ".." of its child's descriptor (child, -1 when the
 * child has none on that side), else down from the nearest ancestor open on that side. */
static int reopen(struct walker *w, size_t k, int s, int child)
{
	struct frame *f = &w->st[k];
	int fd = child >= 0 ? openat(child, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0 && same_dir(fd, f->dev[s], f->ino[s]))
		return fd;
	if (fd >= 0)
		close(fd);
	size_t j = k;
	while (j > 0 && w->st[j].closed[s])
		j--;
	fd = w->st[j].fd[s];
	for (size_t m = j + 1; m <= k && fd >= 0; m++) {
		int next = openat(fd, w->st[m].comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd != w->st[j].fd[s])
			close(fd);
		fd = next;
	}
	if (fd >= 0 && same_dir(fd, f->dev[s], f->ino[s]))
		return fd;
	if (fd >= 0 && fd != w->st[j].fd[s])
		close(fd);
	return -1;
}

static void frame_close(struct frame *f, bool spare)
{
	for (int s = UP; s <= LOW; s++)
		if (f->fd[s] >= 0) {
			close(f->fd[s]);
			f->fd[s] = -1;
			f->closed[s] = spare;
		}
}

static void pop(struct walker *w)
{
	struct frame *f = &w->st[--w->depth];

	if (w->depth) {
		struct frame *p = &w->st[w->depth - 1];
		for (int s = UP; s <= LOW; s++) {
			if (!p->closed[s])
				continue;
			p->fd[s] = reopen(w, w->depth - 1, s, f->fd[s]);
			p->closed[s] = false;
			if (p->fd[s] < 0) {
				rel_cut(w, p->plen);
				note(w, "cannot reopen the directory", errno);
				p->i = p->n;   /* the rest of it is not read */
			}
		}
	}
	frame_close(f, false);
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i].s);
	free(f->names);
}

/* Open side s of directory name in frame fi into nf; false on failure. */
static bool open_side(struct walker *w, size_t fi, const char *name, int s, struct frame *nf)
{
	struct stat st;

	nf->fd[s] = openat(w->st[fi].fd[s], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nf->fd[s] < 0 || fstat(nf->fd[s], &st) < 0) {
		note(w, "open directory", errno);
		return false;
	}
	nf->dev[s] = st.st_dev;
	nf->ino[s] = st.st_ino;
	return true;
}

/* Enter directory name (the entry at hand) of frame fi: its upper side when up, its
 * lower side when low.  The names read are the upper's, plus the lower's when the upper
 * does not merge with it (opaque, or no upper: a deleted tree), marked as deleted. */
static void push(struct walker *w, size_t fi, const char *name, bool up, bool low, bool opaque)
{
	struct frame nf = { .fd = { -1, -1 }, .comp = name, .plen = w->rel.len };
	struct name *un = NULL, *ln = NULL;
	size_t nu = 0, nl = 0;

	if (w->depth >= SD_FS_DEPTH || w->rel.len > RELPATH_MAX) {
		note(w, "too deep: not read", 0);
		return;
	}
	if ((up && !open_side(w, fi, name, UP, &nf)) || (low && !open_side(w, fi, name, LOW, &nf))) {
		frame_close(&nf, false);
		return;
	}
	if (up) {
		opaque = opaque || has_xattr(nf.fd[UP], w->x_opaque, "y");
		if (has_xattr(nf.fd[UP], w->x_redirect, NULL))
			note(w, "a redirected directory (the overlay needs redirect_dir=off)", 0);
		nu = read_names(w, nf.fd[UP], true, &un);
	}
	if (low && (opaque || !up))
		nl = read_names(w, nf.fd[LOW], false, &ln);
	nf.opaque = low && (opaque || !up);
	nf.n = merge_names(un, nu, ln, nl, &nf.names);
	if (w->depth == w->stcap) {
		w->stcap = w->stcap ? 2 * w->stcap : 64;
		w->st = xrealloc(w->st, w->stcap * sizeof *w->st);
	}
	w->st[w->depth++] = nf;
	if (w->depth > OPEN_WINDOW + 1)
		frame_close(&w->st[w->depth - 1 - OPEN_WINDOW], true);
}

/* ---- entries ---- */

/* Stat name in the lower directory fd; false when it has none (or it cannot be read). */
static bool lower_stat(struct walker *w, int fd, const char *name, struct stat *ls)
{
	if (fd < 0)
		return false;
	if (fstatat(fd, name, ls, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	if (errno != ENOENT && errno != ENOTDIR)
		note(w, "stat in the lower layer", errno);
	return false;
}

/* A lower directory the walk may enter: of the lower's own file system. */
static bool lower_dir(const struct walker *w, const struct stat *ls)
{
	return S_ISDIR(ls->st_mode) && ls->st_dev == w->dev[LOW];
}

/* The entry at hand existed in the lower (stat ls) and is gone: it, and all under it. */
static void deleted(struct walker *w, size_t fi, const char *name, const struct stat *ls)
{
	struct sd_fschange c = { 0 };

	fill(&c.before, ls);
	if (c.before.type == 'l')
		c.before.target = read_link(w, w->st[fi].fd[LOW], name, &c.before.hash);
	emit(w, &c);
	if (lower_dir(w, ls))
		push(w, fi, name, false, true, true);
}

static void upper_entry(struct walker *w, size_t fi, const char *name, bool opaque)
{
	const struct frame *f = &w->st[fi];
	struct stat us, ls;

	if (fstatat(f->fd[UP], name, &us, AT_SYMLINK_NOFOLLOW) < 0) {
		note(w, "stat", errno);
		return;
	}
	bool hl = lower_stat(w, f->fd[LOW], name, &ls);
	if (is_whiteout(&us)) {
		if (hl)
			deleted(w, fi, name, &ls);
		return;
	}
	struct sd_fschange c = { 0 };
	fill(&c.after, &us);
	if (hl)
		fill(&c.before, &ls);
	contents(w, f, name, &c, &us, &ls);
	c.mtime = classify(w, c.after.mtime_ns, hl, c.before.mtime_ns);
	c.atime = classify(w, c.after.atime_ns, hl, c.before.atime_ns);
	if (!hl || differs(&c.before, &c.after) || c.mtime == SD_TIME_SET || c.atime == SD_TIME_SET)
		emit(w, &c);
	else
		change_drop(w, &c);
	bool lowdir = hl && lower_dir(w, &ls);
	if (S_ISDIR(us.st_mode) && us.st_dev == w->dev[UP])
		push(w, fi, name, true, lowdir, opaque);
	else if (lowdir)   /* a directory replaced by something else: its tree is gone */
		push(w, fi, name, false, true, true);
}

/* The frame's upper merges with its lower unless it was read as a union (see push):
 * then a name only in the lower is a deletion, and so is everything under it. */
static void walk(struct walker *w)
{
	while (w->depth) {
		size_t fi = w->depth - 1;
		struct frame *f = &w->st[fi];
		if (f->i == f->n) {
			pop(w);
			continue;
		}
		struct name *nm = &f->names[f->i++];
		rel_cut(w, f->plen);
		if (f->plen)
			sb_addc(&w->rel, '/');
		sb_adds(&w->rel, nm->s);
		struct stat ls;
		if (nm->up)
			upper_entry(w, fi, nm->s, f->opaque);
		else if (lower_stat(w, f->fd[LOW], nm->s, &ls))
			deleted(w, fi, nm->s, &ls);
	}
}

/* ---- layers ---- */

/* The layer's root: compared like any entry, then walked. */
static void layer(struct walker *w)
{
	const struct sd_layer *l = w->layer;
	struct frame root = { .fd = { -1, -1 } };
	struct stat us, ls;

	rel_cut(w, 0);
	for (int s = UP; s <= LOW; s++) {
		int fd = s == UP ? l->upper : l->lower;
		struct stat *st = s == UP ? &us : &ls;
		if (fd < 0)
			continue;
		root.fd[s] = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root.fd[s] < 0 || fstat(root.fd[s], st) < 0) {
			note(w, s == UP ? "the upper layer" : "the lower layer", errno);
			frame_close(&root, false);
			return;
		}
		w->dev[s] = root.dev[s] = st->st_dev;
		root.ino[s] = st->st_ino;
	}
	if (root.fd[UP] < 0) {
		note(w, "no upper layer", EBADF);
		frame_close(&root, false);
		return;
	}
	bool hl = root.fd[LOW] >= 0;
	struct sd_fschange c = { 0 };
	fill(&c.after, &us);
	if (hl)
		fill(&c.before, &ls);
	c.mtime = classify(w, c.after.mtime_ns, hl, c.before.mtime_ns);
	c.atime = classify(w, c.after.atime_ns, hl, c.before.atime_ns);
	if (!hl || differs(&c.before, &c.after) || c.mtime == SD_TIME_SET || c.atime == SD_TIME_SET)
		emit(w, &c);
	root.n = read_names(w, root.fd[UP], true, &root.names);
	w->st[w->depth++] = root;
	walk(w);
}

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct sd_fschange *)a)->path, ((const struct sd_fschange *)b)->path);
}

static void change_free(struct sd_fschange *c)
{
	free(c->path);
	entry_free(&c->before);
	entry_free(&c->after);
}

void sd_fschanges_collect(const struct sd_layer *layers, size_t n, int64_t t0_ns,
			  int64_t t1_ns, struct sd_fschanges *out)
{
	struct walker w = { .out = out, .t0 = t0_ns, .t1 = t1_ns };

	memset(out, 0, sizeof *out);
	w.buf = xmalloc(BUF_SIZE);
	w.stcap = 64;
	w.st = xmalloc(w.stcap * sizeof *w.st);
	for (size_t i = 0; i < n; i++) {
		w.layer = &layers[i];
		bool ux = layers[i].userxattr;
		w.x_opaque = ux ? "user.overlay.opaque" : "trusted.overlay.opaque";
		w.x_metacopy = ux ? "user.overlay.metacopy" : "trusted.overlay.metacopy";
		w.x_redirect = ux ? "user.overlay.redirect" : "trusted.overlay.redirect";
		layer(&w);
	}
	if (out->n)
		qsort(out->c, out->n, sizeof *out->c, cmp_change);
	/* two layers never hold the same path (a mount hides what is under it); if they do,
	 * the list keeps one */
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (k && !strcmp(out->c[k - 1].path, out->c[i].path)) {
			if (!out->error)
				out->error = xasprintf("%s: listed by two layers", out->c[i].path);
			change_free(&out->c[i]);
			continue;
		}
		out->c[k++] = out->c[i];
	}
	out->n = k;
	sb_free(&w.rel);
	free(w.st);
	free(w.buf);
}

void sd_fschanges_free(struct sd_fschanges *c)
{
	for (size_t i = 0; i < c->n; i++)
		change_free(&c->c[i]);
	free(c->c);
	free(c->error);
	memset(c, 0, sizeof *c);
}
