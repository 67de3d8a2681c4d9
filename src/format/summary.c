/* summary.c - the -c sink: per-syscall time, calls and errors, printed at end()
 * as a table like strace -c (sorted by time, most expensive first). */
#include "format/writers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


struct stat_entry {
	char name[32];          /* "" = free slot */
	uint64_t ns;
	uint64_t calls, errors;
};

struct summary_sink {
	struct sd_sink base;
	int fd;
	struct stat_entry *tab; /* open addressing, keyed by name */
	size_t cap, used;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct stat_entry *slot_for(struct stat_entry *tab, size_t cap, const char *name)
{
	size_t i = name_hash(name) & (cap - 1);

	while (tab[i].name[0] && strcmp(tab[i].name, name))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void grow(struct summary_sink *s)
{
	size_t cap = s->cap ? 2 * s->cap : 256;
	struct stat_entry *tab = xcalloc(cap, sizeof *tab);

	for (size_t i = 0; i < s->cap; i++)
		if (s->tab[i].name[0])
			*slot_for(tab, cap, s->tab[i].name) = s->tab[i];
	free(s->tab);
	s->tab = tab;
	s->cap = cap;
}

static struct stat_entry *lookup(struct summary_sink *s, const struct sd_event *ev)
{
	char name[32];

	snprintf(name, sizeof name, "%.*s", (int)sizeof ev->name - 1,
		 ev->name[0] ? ev->name : "?");
	if (2 * (s->used + 1) > s->cap)
		grow(s);
	struct stat_entry *e = slot_for(s->tab, s->cap, name);
	if (!e->name[0]) {
		memcpy(e->name, name, sizeof name);
		s->used++;
	}
	return e;
}

static void summary_begin(struct sd_sink *base, const struct sd_trace_info *ti)
{
	(void)base;
	(void)ti;
}

static void summary_event(struct sd_sink *base, const struct sd_event *ev)
{
	struct summary_sink *s = (struct summary_sink *)base;

	if (ev->kind != SD_EV_SYSCALL)
		return;
	struct stat_entry *e = lookup(s, ev);
	e->calls++;
	e->ns += ev->dur_ns;
	if (ev->finished && sd_ret_is_error(ev->ret))
		e->errors++;
}

static int by_time_desc(const void *a, const void *b)
{
	const struct stat_entry *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void add_row(struct sb *sb, double pct, const struct stat_entry *e)
{
	unsigned long long us = e->ns / 1000;

	sb_addf(sb, "%6.2f %4llu.%06llu %11llu %9llu ", pct, us / 1000000, us % 1000000,
		e->calls ? us / e->calls : 0, (unsigned long long)e->calls);
	if (e->errors)
		sb_addf(sb, "%9llu", (unsigned long long)e->errors);
	else
		sb_addf(sb, "%9s", "");
	sb_addf(sb, " %s\n", e->name);
}

static void format_table(struct sb *sb, struct stat_entry *rows, size_t n)
{
	static const char dashes[] =
		"------ ----------- ----------- --------- --------- ----------------\n";
	struct stat_entry total = { .name = "total" };

	qsort(rows, n, sizeof *rows, by_time_desc);
	for (size_t i = 0; i < n; i++) {
		total.ns += rows[i].ns;
		total.calls += rows[i].calls;
		total.errors += rows[i].errors;
	}
	sb_addf(sb, "%6.6s %11.11s %11.11s %9.9s %9.9s %s\n",
		"% time", "seconds", "usecs/call", "calls", "errors", "syscall");
	sb_adds(sb, dashes);
	for (size_t i = 0; i < n; i++)
		add_row(sb, total.ns ? 100.0 * rows[i].ns / total.ns : 0.0, &rows[i]);
	sb_adds(sb, dashes);
	add_row(sb, 100.0, &total);
}

static int summary_end(struct sd_sink *base, const struct sd_trace_end *te)
{
	struct summary_sink *s = (struct summary_sink *)base;
	struct stat_entry *rows = xcalloc(s->used ? s->used : 1, sizeof *rows);
	struct sb out = SB_INIT;
	size_t n = 0;
	int rc;

	(void)te;
	for (size_t i = 0; i < s->cap; i++)
		if (s->tab[i].name[0])
			rows[n++] = s->tab[i];
	format_table(&out, rows, n);
	rc = sd_write_full(s->fd, out.buf, out.len);
	int err = errno;
	sb_free(&out);
	free(rows);
	errno = err;
	return rc;
}

static void summary_destroy(struct sd_sink *base)
{
	struct summary_sink *s = (struct summary_sink *)base;

	if (!s)
		return;
	free(s->tab);
	free(s);
}

struct sd_sink *sd_sink_summary_new(int fd)
{
	struct summary_sink *s = xcalloc(1, sizeof *s);

	s->base.begin = summary_begin;
	s->base.enter = NULL;
	s->base.event = summary_event;
	s->base.end = summary_end;
	s->base.destroy = summary_destroy;
	s->fd = fd;
	return &s->base;
}
