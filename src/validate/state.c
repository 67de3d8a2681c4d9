/* state.c - directory snapshots and their comparison (see state.h). */
#define _GNU_SOURCE
#include "validate/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "util/util.h"

struct walk {
	struct sd_state *st;
	size_t cap;
	dev_t dev;
};

static void add(struct walk *w, struct sd_entry e)
{
	struct sd_state *st = w->st;

	if (st->n >= SD_STATE_MAX) {
		st->truncated = true;
		free(e.path);
		free(e.target);
		return;
	}
	if (st->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		st->e = xrealloc(st->e, w->cap * sizeof *st->e);
	}
	st->e[st->n++] = e;
}

static void note_error(struct sd_state *st, const char *path, int err)
{
	if (!st->error)
		st->error = xasprintf("%s: %s", *path ? path : ".", strerror(err));
}

static uint64_t hash_file(int dirfd, const char *name, struct sd_state *st, const char *rel)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	XXH64_state_t *h;
	char buf[65536];
	ssize_t n;

	if (fd < 0) {
		note_error(st, rel, errno);
		return 0;
	}
	h = XXH64_createState();
	XXH64_reset(h, 0);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			note_error(st, rel, errno);
			break;
		}
		XXH64_update(h, buf, (size_t)n);
	}
	uint64_t v = XXH64_digest(h);
	XXH64_freeState(h);
	close(fd);
	return v;
}

static void walk_dir(struct walk *w, int dfd, const char *rel, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		note_error(w->st, rel, errno);
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat sb;
		char *path = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			note_error(w->st, path, errno);
			free(path);
			continue;
		}
		struct sd_entry e = { .path = path, .mode = sb.st_mode & 07777,
				      .size = (uint64_t)sb.st_size };
		if (S_ISREG(sb.st_mode)) {
			e.type = 'f';
			e.hash = hash_file(dirfd(d), de->d_name, w->st, path);
		} else if (S_ISLNK(sb.st_mode)) {
			char t[4096];
			ssize_t n = readlinkat(dirfd(d), de->d_name, t, sizeof t - 1);
			e.type = 'l';
			if (n >= 0) {
				t[n] = '\0';
				e.target = xstrdup(t);
				e.hash = XXH64(t, (size_t)n, 0);
			}
			e.mode = 0;   /* symlink permissions mean nothing */
		} else if (S_ISDIR(sb.st_mode)) {
			e.type = 'd';
			e.size = 0;   /* directory sizes depend on the file system */
		} else {
			e.type = 'o';
		}
		bool recurse = e.type == 'd' && sb.st_dev == w->dev && depth < 256;
		add(w, e);
		if (recurse) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub >= 0)
				walk_dir(w, sub, path, depth + 1);
			else
				note_error(w->st, path, errno);
		}
	}
	closedir(d);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct sd_entry *)a)->path, ((const struct sd_entry *)b)->path);
}

void sd_state_take(const char *root, struct sd_state *st)
{
	struct walk w = { .st = st };
	struct stat sb;

	memset(st, 0, sizeof *st);
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (errno == ENOENT)
			st->missing = true;
		else
			note_error(st, "", errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	w.dev = sb.st_dev;
	add(&w, (struct sd_entry){ .path = xstrdup(""), .type = 'd', .mode = sb.st_mode & 07777 });
	walk_dir(&w, fd, "", 0);
	qsort(st->e, st->n, sizeof *st->e, cmp_entry);
}

void sd_state_free(struct sd_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->e[i].path);
		free(st->e[i].target);
	}
	free(st->e);
	free(st->error);
	memset(st, 0, sizeof *st);
}

/* ---- file form: "TYPE MODE SIZE HASH PATH\tTARGET", paths with \\, \t, \n escaped ---- */

static void put_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
}

static char *get_esc(const char *s, size_t n)
{
	char *o = xmalloc(n + 1), *p = o;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			*p++ = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i];
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return o;
}

int sd_state_save(const struct sd_state *st, const char *file)
{
	FILE *f = fopen(file, "we");

	if (!f)
		return -1;
	fprintf(f, "#state %d %d\n", st->missing, st->truncated);
	if (st->error) {
		fputs("#error ", f);
		put_esc(f, st->error);
		fputc('\n', f);
	}
	for (size_t i = 0; i < st->n; i++) {
		const struct sd_entry *e = &st->e[i];
		fprintf(f, "%c %o %llu %016llx ", e->type, (unsigned)e->mode,
			(unsigned long long)e->size, (unsigned long long)e->hash);
		put_esc(f, e->path);
		fputc('\t', f);
		if (e->target)
			put_esc(f, e->target);
		fputc('\n', f);
	}
	int rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int sd_state_load(struct sd_state *st, const char *file)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0, capn = 0;
	ssize_t len;

	memset(st, 0, sizeof *st);
	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		int miss, trunc;
		if (sscanf(line, "#state %d %d", &miss, &trunc) == 2) {
			st->missing = miss;
			st->truncated = trunc;
			continue;
		}
		if (!strncmp(line, "#error ", 7)) {
			free(st->error);
			st->error = get_esc(line + 7, (size_t)len - 7);
			continue;
		}
		char type;
		unsigned mode;
		unsigned long long size, hash;
		int off = 0;
		if (sscanf(line, "%c %o %llu %llx %n", &type, &mode, &size, &hash, &off) < 4 || !off)
			continue;
		char *tab = strchr(line + off, '\t');
		size_t pl = tab ? (size_t)(tab - line - off) : strlen(line + off);
		struct sd_entry e = { .path = get_esc(line + off, pl), .type = type, .mode = mode,
				      .size = size, .hash = hash };
		if (tab && tab[1])
			e.target = get_esc(tab + 1, strlen(tab + 1));
		if (st->n == capn) {
			capn = capn ? 2 * capn : 64;
			st->e = xrealloc(st->e, capn * sizeof *st->e);
		}
		st->e[st->n++] = e;
	}
	free(line);
	fclose(f);
	qsort(st->e, st->n, sizeof *st->e, cmp_entry);
	return 0;
}

/* ---- comparison ---- */

static bool same_entry(const struct sd_entry *x, const struct sd_entry *y)
{
	return x->type == y->type && x->mode == y->mode && x->size == y->size && x->hash == y->hash;
}

size_t sd_state_changes(const struct sd_state *before, const struct sd_state *after,
			struct sd_change **out)
{
	size_t i = 0, j = 0, n = 0, cap = 0;
	struct sd_change *c = NULL;

	while (i < before->n || j < after->n) {
		int k = i >= before->n ? 1 : j >= after->n ? -1 :
			strcmp(before->e[i].path, after->e[j].path);
		struct sd_change ch = { 0 };
		bool add_it = true;
		if (k < 0)
			ch = (struct sd_change){ SD_CH_DELETED, &before->e[i++], NULL };
		else if (k > 0)
			ch = (struct sd_change){ SD_CH_CREATED, NULL, &after->e[j++] };
		else {
			ch = (struct sd_change){ SD_CH_MODIFIED, &before->e[i], &after->e[j] };
			add_it = !same_entry(&before->e[i], &after->e[j]);
			i++;
			j++;
		}
		if (!add_it)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			c = xrealloc(c, cap * sizeof *c);
		}
		c[n++] = ch;
	}
	*out = c;
	return n;
}

static const char *type_name(char t)
{
	return t == 'f' ? "file" : t == 'd' ? "directory" : t == 'l' ? "symlink" : "special file";
}

/* What one entry is, for messages. */
static void describe(struct sb *sb, const struct sd_entry *e)
{
	if (!e) {
		sb_adds(sb, "absent");
		return;
	}
	sb_addf(sb, "%s %04o", type_name(e->type), (unsigned)e->mode);
	if (e->type == 'f')
		sb_addf(sb, ", %llu bytes", (unsigned long long)e->size);
	if (e->type == 'l')
		sb_addf(sb, " -> %s", e->target ? e->target : "?");
}

static const struct sd_entry *find(const struct sd_state *st, const char *path)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(st->e[mid].path, path);
		if (!c)
			return &st->e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t sd_state_compare(const struct sd_state *before, const struct sd_state *a,
			const struct sd_state *b, char **text)
{
	struct sb sb = SB_INIT;
	size_t n = 0;

	if (a->missing != b->missing) {
		sb_addf(&sb, ".: the starting directory was deleted by the %s only\n",
			a->missing ? "original" : "transpiled program");
		*text = sb_detach(&sb);
		return 1;
	}
	/* every path either run touched, in order */
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int k = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->e[i].path, b->e[j].path);
		const struct sd_entry *x = k <= 0 ? &a->e[i] : NULL, *y = k >= 0 ? &b->e[j] : NULL;
		const char *path = x ? x->path : y->path;
		const struct sd_entry *o = find(before, path);
		i += k <= 0;
		j += k >= 0;
		if (x && y && same_entry(x, y))
			continue;
		if (!x && !y)
			continue;
		n++;
		const char *p = *path ? path : ".";
		if (!x || !y) {
			const struct sd_entry *e = x ? x : y;
			bool existed = o != NULL;
			sb_addf(&sb, "%s: %s by the %s only (", p,
				existed ? "kept" : "created", x ? "original" : "transpiled program");
			describe(&sb, e);
			sb_adds(&sb, existed ? "; the other deleted it)\n" : ")\n");
			continue;
		}
		if (x->type != y->type) {
			sb_addf(&sb, "%s: %s vs %s\n", p, type_name(x->type), type_name(y->type));
		} else if (x->mode != y->mode) {
			sb_addf(&sb, "%s: mode %04o vs %04o\n", p, (unsigned)x->mode, (unsigned)y->mode);
		} else if (x->type == 'l') {
			sb_addf(&sb, "%s: symlink to %s vs %s\n", p, x->target ? x->target : "?",
				y->target ? y->target : "?");
		} else if (x->size != y->size) {
			sb_addf(&sb, "%s: %llu vs %llu bytes\n", p, (unsigned long long)x->size,
				(unsigned long long)y->size);
		} else {
			sb_addf(&sb, "%s: same size (%llu bytes), different content\n", p,
				(unsigned long long)x->size);
		}
	}
	if (a->truncated || b->truncated)
		sb_addf(&sb, "(more than %d entries: only the first were compared)\n", SD_STATE_MAX);
	*text = sb_detach(&sb);
	return n;
}
