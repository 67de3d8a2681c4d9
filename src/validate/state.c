/* state.c - the end states of two runs compared, from what each changed (see state.h). */
#define _GNU_SOURCE
#include "validate/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "report/udiff.h"
#include "util/util.h"

/* ---- comparison of two runs' change lists ---- */

#define DIFF_LINES 40   /* lines of a content diff shown per file */

static const char *const side_name[2] = { "original", "transpiled program" };

static const char *kind_name(char t)
{
	switch (t) {
	case 'f': return "file";
	case 'd': return "directory";
	case 'l': return "symlink";
	case 'p': return "fifo";
	case 's': return "socket";
	case 'c': return "character device";
	case 'b': return "block device";
	default: return "nothing";
	}
}

/* A name as text: control bytes and '\' escaped, so that a block keeps its lines. */
static void put_name(struct sb *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			sb_adds(sb, "\\n");
		else if (*p == '\t')
			sb_adds(sb, "\\t");
		else if (*p == '\\')
			sb_adds(sb, "\\\\");
		else if (*p < 0x20 || *p == 0x7f)
			sb_addf(sb, "\\x%02x", *p);
		else
			sb_addc(sb, (char)*p);
	}
}

/* "file 0644, 12 bytes", "symlink -> x", "character device 1:3 0666". */
static void describe_fs(struct sb *sb, const struct sd_fsentry *e)
{
	sb_adds(sb, kind_name(e->type));
	if (e->type == 'l') {
		sb_adds(sb, " -> ");
		put_name(sb, e->target ? e->target : "?");
		return;
	}
	if (e->type == 'c' || e->type == 'b')
		sb_addf(sb, " %u:%u", major(e->rdev), minor(e->rdev));
	sb_addf(sb, " %04o", (unsigned)e->mode);
	if (e->type == 'f')
		sb_addf(sb, ", %llu bytes", (unsigned long long)e->size);
}

/* Start one more item of a path's line. */
static void item(struct sb *line)
{
	if (line->len)
		sb_adds(line, "; ");
}

static void put_time(struct sb *sb, enum sd_fstime how, int64_t ns)
{
	int64_t s = ns / 1000000000, f = ns % 1000000000;
	struct tm tm;
	char buf[64];

	if (how == SD_TIME_NOW) {
		sb_adds(sb, "left as the time of the run");
		return;
	}
	if (f < 0) {
		f += 1000000000;
		s--;
	}
	sb_adds(sb, how == SD_TIME_SET ? "set to " : "left unchanged (");
	time_t t = (time_t)s;
	if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm)) {
		sb_adds(sb, buf);
		if (f) {
			int w = 9;
			while (f % 10 == 0) {
				f /= 10;
				w--;
			}
			sb_addf(sb, ".%0*lld", w, (long long)f);
		}
		sb_adds(sb, " UTC");
	} else {
		sb_addf(sb, "%lld ns", (long long)ns);
	}
	if (how == SD_TIME_UNCHANGED)
		sb_addc(sb, ')');
}

/* A time differs only when a run set it: set vs set to another time, set vs now, set vs
 * unchanged (another time). */
static void time_item(struct sb *line, const char *what, enum sd_fstime ka, int64_t ta,
		      enum sd_fstime kb, int64_t tb)
{
	if (ka != SD_TIME_SET && kb != SD_TIME_SET)
		return;
	if (ka != SD_TIME_NOW && kb != SD_TIME_NOW && ta == tb)
		return;
	item(line);
	sb_addf(line, "%s ", what);
	put_time(line, ka, ta);
	sb_adds(line, " vs ");
	put_time(line, kb, tb);
}

/* Were a file's first bytes kept? */
static bool kept(const struct sd_fsentry *e)
{
	return e->size == 0 || e->data;
}

/* Text: no NUL, valid UTF-8 (but for a character cut at the end of what was kept). */
static bool textual(const struct sd_fsentry *e)
{
	if (!kept(e) || (e->ndata && memchr(e->data, 0, e->ndata)))
		return false;
	for (size_t cut = 0; cut < 4 && cut <= e->ndata; cut++) {
		if (sd_utf8_valid(e->data, e->ndata - cut))
			return true;
		if (e->ndata == e->size)
			break;
	}
	return false;
}

/* Append the diff's first DIFF_LINES lines to body, indented. */
static void put_diff(struct sb *body, const struct sb *d)
{
	const char *p = sb_str(d), *end = p + d->len;
	size_t lines = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (lines++ < DIFF_LINES) {
			sb_adds(body, "  ");
			sb_add(body, p, (size_t)(next - p));
			if (!nl)
				sb_addc(body, '\n');
		}
		p = next;
	}
	if (lines > DIFF_LINES)
		sb_addf(body, "  ... %zu more lines\n", lines - DIFF_LINES);
}

/* Where two files' contents differ, from the bytes kept of each. */
static void content_items(struct sb *line, struct sb *body, const char *path,
			  const struct sd_fsentry *x, const struct sd_fsentry *y)
{
	size_t m = x->ndata < y->ndata ? x->ndata : y->ndata;

	if (!kept(x) || !kept(y))
		return;
	if (textual(x) && textual(y)) {
		struct sb d = SB_INIT, la = SB_INIT, lb = SB_INIT;
		sb_adds(&la, "original ");
		put_name(&la, path);
		sb_adds(&lb, "transpiled ");
		put_name(&lb, path);
		size_t changed = sd_unified_diff(&d, x->data ? (const char *)x->data : "", x->ndata,
						 y->data ? (const char *)y->data : "", y->ndata,
						 sb_str(&la), sb_str(&lb));
		put_diff(body, &d);
		if (changed && (x->ndata < x->size || y->ndata < y->size))
			sb_addf(body, "  (of the first %zu and %zu bytes, all that was kept)\n",
				x->ndata, y->ndata);
		sb_free(&d);
		sb_free(&la);
		sb_free(&lb);
		if (changed)
			return;
	} else {
		for (size_t i = 0; i < m; i++)
			if (x->data[i] != y->data[i]) {
				item(line);
				sb_addf(line, "first difference at byte %zu", i);
				return;
			}
	}
	item(line);
	sb_addf(line, "they differ after the first %zu bytes", m);
}

/* Two ends of the same kind. */
static void same_kind(struct sb *line, struct sb *body, const char *path,
		      const struct sd_fsentry *x, const struct sd_fsentry *y,
		      const enum sd_fstime how[2][2], const struct sd_state_opts *o)
{
	if (x->type != 'l' && x->mode != y->mode) {
		item(line);
		sb_addf(line, "mode %04o vs %04o", (unsigned)x->mode, (unsigned)y->mode);
	}
	if (x->uid != y->uid || x->gid != y->gid) {
		item(line);
		sb_addf(line, "owner %u:%u vs %u:%u", (unsigned)x->uid, (unsigned)x->gid,
			(unsigned)y->uid, (unsigned)y->gid);
	}
	if (x->type == 'l' && (!x->target || !y->target || strcmp(x->target, y->target))) {
		item(line);
		sb_adds(line, "symlink to ");
		put_name(line, x->target ? x->target : "?");
		sb_adds(line, " vs ");
		put_name(line, y->target ? y->target : "?");
	}
	if ((x->type == 'c' || x->type == 'b') && x->rdev != y->rdev) {
		item(line);
		sb_addf(line, "device %u:%u vs %u:%u", major(x->rdev), minor(x->rdev),
			major(y->rdev), minor(y->rdev));
	}
	if (x->type == 'f' && (x->size != y->size || x->hash != y->hash) &&
	    !(o && o->forgive && o->forgive(o->priv, path, x, y))) {
		item(line);
		if (x->size != y->size)
			sb_addf(line, "%llu vs %llu bytes", (unsigned long long)x->size,
				(unsigned long long)y->size);
		else
			sb_addf(line, "same size (%llu bytes), different content",
				(unsigned long long)x->size);
		content_items(line, body, path, x, y);
	}
	time_item(line, "mtime", how[0][0], x->mtime_ns, how[1][0], y->mtime_ns);
	time_item(line, "atime", how[0][1], x->atime_ns, how[1][1], y->atime_ns);
}

/* What one path ended as on each side (end[i]: the entry, how its times came to be,
 * whether side i changed it), and what it was before.  1 when they differ. */
/* A path under the starting directory relative to it, as the program named it. */
static const char *shown_path(const char *path, const char *workdir)
{
	size_t n = workdir ? strlen(workdir) : 0;

	if (n > 1 && !strncmp(path, workdir, n) && path[n] == '/' && path[n + 1])
		return path + n + 1;
	return path;
}

static size_t compare_path(struct sb *out, const char *path, const struct sd_fsentry *end[2],
			   const enum sd_fstime how[2][2], const bool changed[2],
			   const struct sd_fsentry *before, const struct sd_state_opts *o,
			   size_t *head_end)
{
	struct sb line = SB_INIT, body = SB_INIT;
	const struct sd_fsentry *x = end[0], *y = end[1];

	if (!x->type != !y->type) {
		int p = x->type ? 0 : 1;   /* the side where it is */
		if (!before->type) {
			sb_addf(&line, "created by the %s only (", side_name[p]);
			describe_fs(&line, end[p]);
			sb_addc(&line, ')');
		} else {
			sb_addf(&line, "deleted by the %s only", side_name[!p]);
			if (changed[p]) {
				sb_addf(&line, "; the %s changed it (", side_name[p]);
				describe_fs(&line, end[p]);
				sb_addc(&line, ')');
			}
		}
	} else if (x->type != y->type) {
		sb_addf(&line, "%s vs %s", kind_name(x->type), kind_name(y->type));
	} else if (x->type) {
		same_kind(&line, &body, path, x, y, how, o);
	}
	size_t n = line.len > 0;
	if (n) {
		put_name(out, path);
		sb_adds(out, ": ");
		sb_add(out, line.buf, line.len);
		sb_addc(out, '\n');
		*head_end = out->len;
		if (body.len)
			sb_add(out, body.buf, body.len);
	}
	sb_free(&line);
	sb_free(&body);
	return n;
}

/* Lists not complete: changes past the bound, paths that could not be read. */
static size_t notes(struct sb *sb, const struct sd_fschanges *a, const struct sd_fschanges *b)
{
	const struct sd_fschanges *l[2] = { a, b };

	if (a->dropped || b->dropped)
		sb_addf(sb, "(more than %d changes: %zu of the original's and %zu of the transpiled "
			"program's were not compared)\n", SD_FS_MAX, a->dropped, b->dropped);
	for (int i = 0; i < 2; i++)
		if (l[i]->error) {
			sb_addf(sb, "(not every change of the %s could be read: ", side_name[i]);
			put_name(sb, l[i]->error);
			sb_adds(sb, ")\n");
		}
	return a->dropped != b->dropped;
}

static bool skipped(const struct sd_state_opts *o, const char *path)
{
	for (size_t i = 0; o && o->skip_globs && o->skip_globs[i]; i++)
		if (fnmatch(o->skip_globs[i], path, 0) == 0)
			return true;
	return false;
}

size_t sd_state_compare_opts(const struct sd_fschanges *a, const struct sd_fschanges *b,
			     const struct sd_state_opts *o, char **text)
{
	struct sb sb = SB_INIT;
	size_t n = 0, i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int k = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->c[i].path, b->c[j].path);
		const struct sd_fschange *x = k <= 0 ? &a->c[i] : NULL, *y = k >= 0 ? &b->c[j] : NULL;
		i += k <= 0;
		j += k >= 0;
		const char *path = x ? x->path : y->path;
		if (skipped(o, path))
			continue;
		/* a side that left the path alone ends as it was before */
		const struct sd_fschange *ch[2] = { x, y };
		const struct sd_fsentry *end[2];
		enum sd_fstime how[2][2];
		bool changed[2];
		for (int s = 0; s < 2; s++) {
			const struct sd_fschange *c = ch[s] ? ch[s] : ch[!s];
			changed[s] = ch[s] != NULL;
			end[s] = changed[s] ? &c->after : &c->before;
			how[s][0] = changed[s] ? c->mtime : SD_TIME_UNCHANGED;
			how[s][1] = changed[s] ? c->atime : SD_TIME_UNCHANGED;
		}
		const char *shown = shown_path(path, o ? o->workdir : NULL);
		size_t at = 0;
		size_t d = compare_path(&sb, shown, end, how, changed, x ? &x->before : &y->before, o,
					&at);
		if (d && o && o->on_diff)
			o->on_diff(o->priv, path, at);
		n += d;
	}
	n += notes(&sb, a, b);
	*text = sb_detach(&sb);
	return n;
}

size_t sd_state_compare(const struct sd_fschanges *a, const struct sd_fschanges *b,
			const char *workdir, char **text)
{
	struct sd_state_opts o = { .workdir = workdir };
	return sd_state_compare_opts(a, b, &o, text);
}
