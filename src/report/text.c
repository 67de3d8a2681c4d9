/* text.c - the text report: one block per divergence, then a summary line.
 *
 *     Mismatch at syscall #47:
 *     Original:   write(1, "Hello, World!\n", 14) = 14 [main.py:12]
 *     Transpiled: write(1, "Hello World!\n", 13) = 13 [main.rs:18]
 *                                ^ missing ','
 *
 * The differing part of a changed pair (describe.h says which field, and which byte of
 * a string) is in color on a terminal: bold red in the original's line, bold green in
 * the rewrite's.  -v adds the aligned rows side by side, as wide as the terminal; an
 * event too long for its half is cut with "...", around that part when the cut would
 * hide it. */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "compare/describe.h"
#include "report/mark.h"
#include "format/writers.h"

#define LABEL_W 12            /* "Transpiled: " */
#define CELL_MIN 24           /* the narrowest column of the side-by-side view */
#define WIDTH_MAX 1000        /* COLUMNS beyond this is taken as this */

static const char *const side_label[2] = { "Original:   ", "Transpiled: " };

const char *sd_div_kind_name(enum sd_div_kind k)
{
	switch (k) {
	case SD_DIV_CHANGED: return "changed";
	case SD_DIV_MISSING: return "missing";
	case SD_DIV_EXTRA: return "extra";
	case SD_DIV_PROC_MISSING: return "process_missing";
	case SD_DIV_PROC_EXTRA: return "process_extra";
	}
	return "?";
}

int sd_report_width(int fd)
{
	const char *cols = getenv("COLUMNS");
	struct winsize ws;

	if (cols && *cols) {
		char *end;
		long v = strtol(cols, &end, 10);
		if (!*end && v > 0)
			return v > WIDTH_MAX ? WIDTH_MAX : (int)v;
	}
	if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* tok: the differing part of the original's event (bold red) and of the rewrite's. */
struct style { const char *bold, *red, *green, *dim, *off, *tok[2]; };

static struct style style_of(bool color)
{
	if (!color)
		return (struct style){ "", "", "", "", "", { "", "" } };
	return (struct style){ "\033[1m", "\033[31m", "\033[32m", "\033[2m", "\033[0m",
			       { "\033[1;31m", "\033[1;32m" } };
}

/* " [file:line]"; with verbose also what a source map translated, or why there is none. */
static void add_src(struct sb *out, const struct sd_event *ev, bool verbose)
{
	const struct sd_srcloc *s = &ev->src;

	if (s->file && s->line > 0)
		sb_addf(out, " [%s:%d]", s->file, s->line);
	else if (s->file && s->phase && !strcmp(s->phase, "exit"))
		sb_addf(out, " [%s:<exit>]", s->file);  /* flushed by the interpreter's exit */
	else if (verbose && s->func)
		sb_addf(out, " [in %s]", s->func);
	if (!verbose)
		return;
	if (s->gen_file)
		sb_addf(out, " (generated: %s:%d%s%s)", s->gen_file, s->gen_line,
			s->gen_func ? " in " : "", s->gen_func ? s->gen_func : "");
	if (s->inner_file)   /* the innermost frame, when it is not the user's (stdlib) */
		sb_addf(out, " (in %s:%d%s%s)", s->inner_file, s->inner_line,
			s->inner_func ? " " : "", s->inner_func ? s->inner_func : "");
	else if (s->why && !(s->file && (s->line > 0 || s->phase)))
		sb_addf(out, " (no source line: %s)", s->why);
}

static bool line_verbose;   /* the next event lines come with --verbose's extras */

/* ---- where an event line differs ---- */

/* c's line as the report shows it, [file:line] after it, appended to out; cols[] as
 * sd_text_format_event_cols gives them but counted from where the line starts.  A string
 * or buffer is shown far enough to see its byte `byte`.  Returns the length of the
 * event's own text (without the [file:line]). */
static long render(struct sb *out, const struct sd_cmp_event *c, long byte,
		   long cols[SD_MAX_ARGS + 1])
{
	struct sd_text_opts to = { .strsize = sd_mark_strsize(byte), .show_fds = false };
	size_t start = out->len;

	sd_text_format_event_cols(out, &c->ev, &to, cols);
	for (int i = 0; i <= SD_MAX_ARGS; i++)
		if (cols[i] >= 0)
			cols[i] -= (long)start;
	long n = (long)(out->len - start);
	add_src(out, &c->ev, line_verbose);
	return n;
}

/* Side i of m rendered into out (as render): the differing token in *sp, the caret's
 * column in *caret (where the field starts, as the caret under the pair shows it). */
static long render_marked(struct sb *out, const struct sd_pair_mark *m, int i,
			  struct sd_span *sp, long *caret)
{
	long cols[SD_MAX_ARGS + 1];
	size_t start = out->len;
	long len = render(out, m->ev[i], m->byte[i], cols);

	*sp = sd_pair_token(out->buf + start, len, m, i, cols, caret);
	return len;
}

/* t[from, to) with "..." where it was cut (before when from > 0, after when to < len),
 * its part sp between on and off. */
static void add_marked(struct sb *out, const char *t, long len, long from, long to,
		       struct sd_span sp, const char *on, const char *off)
{
	long s = sp.s < from ? from : sp.s, e = sp.e > to ? to : sp.e;

	if (from > 0)
		sb_adds(out, "...");
	if (sp.s < 0 || !*on || s >= e) {
		sb_add(out, t + from, (size_t)(to - from));
	} else {
		sb_add(out, t + from, (size_t)(s - from));
		sb_adds(out, on);
		sb_add(out, t + s, (size_t)(e - s));
		sb_adds(out, off);
		sb_add(out, t + e, (size_t)(to - e));
	}
	if (to < len)
		sb_adds(out, "...");
}

void sd_report_event_line(struct sb *out, const struct sd_cmp_event *c)
{
	long cols[SD_MAX_ARGS + 1];

	render(out, c, -1, cols);
}

/* Side i of a changed pair as its line in the report shows it, the differing token in
 * color; *caret the column (in the rendered text) where the differing field starts, or -1. */
static void pair_line(struct sb *out, const struct sd_pair_mark *m, int i, const struct style *st,
		      long *caret)
{
	struct sb t = SB_INIT;
	struct sd_span sp;

	render_marked(&t, m, i, &sp, caret);
	add_marked(out, sb_str(&t), (long)t.len, 0, (long)t.len, sp, st->tok[i], st->off);
	sb_free(&t);
}

/* A row next to a divergence, labelled by whose it is: "Both:" when the two programs
 * made it alike (the original's is shown), else the side it belongs to. */
static void context_line(struct sb *out, const struct sd_cmp_row *row, const struct style *st)
{
	const struct sd_cmp_event *c = row->ev[0] ? row->ev[0] : row->ev[1];
	const char *label = row->kind == SD_ROW_SAME && row->ev[0] && row->ev[1] ? "Both:" :
			    row->ev[0] ? "Original:" : "Transpiled:";

	if (!c)
		return;
	sb_addf(out, "%s%-*s", st->dim, LABEL_W, label);
	sd_report_event_line(out, c);
	sb_addf(out, "%s\n", st->off);
}

/* "Mismatch at syscall #47:" with the other side's number when it differs. */
static void headline(struct sb *out, const struct sd_div *d, bool procs, const struct style *st)
{
	sb_adds(out, st->bold);
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
		sb_addf(out, "Mismatch in process %s: only in the %s", d->label,
			d->kind == SD_DIV_PROC_MISSING ? "original" : "transpiled program");
	} else if (!d->num[0]) {
		sb_addf(out, "Mismatch at transpiled syscall #%llu", (unsigned long long)d->num[1]);
		if (d->count > 1)
			sb_addf(out, "-#%llu", (unsigned long long)(d->num[1] + d->count - 1));
	} else if (d->kind == SD_DIV_MISSING && d->count > 1) {
		sb_addf(out, "Mismatch at syscall #%llu-#%llu", (unsigned long long)d->num[0],
			(unsigned long long)(d->num[0] + d->count - 1));
	} else {
		sb_addf(out, "Mismatch at syscall #%llu", (unsigned long long)d->num[0]);
		if (d->num[1] && d->num[1] != d->num[0])
			sb_addf(out, " (transpiled #%llu)", (unsigned long long)d->num[1]);
	}
	if (procs && d->kind != SD_DIV_PROC_MISSING && d->kind != SD_DIV_PROC_EXTRA)
		sb_addf(out, " in %s", d->label);
	sb_addf(out, ":%s\n", st->off);
}

/* Of a text of len bytes shown in w columns, the part [*from, *to) to show, with "..."
 * on each side cut, so that sp (when there is one) stays in view. */
static void window(long len, struct sd_span sp, long w, long *from, long *to)
{
	*from = 0;
	*to = len;
	if (w < 8)   /* never narrower than "...x..." (a number too long for its cell) */
		w = 8;
	if (len <= w)
		return;
	*to = w - 3;                                  /* "text..." */
	if (sp.s < 0 || sp.e <= *to)
		return;
	if (len - sp.s <= w - 3) {                    /* "...text" */
		*from = len - (w - 3);
		*to = len;
		return;
	}
	long room = w - 6, tok = sp.e - sp.s;         /* "...text..." around sp */
	*from = sp.s - (tok < room ? (room - tok) / 2 : 0);
	*to = *from + room;
}

/* A cell of the side-by-side view, w columns: "#47" and side i of the row's event, cut
 * to fit, around its differing part (m) when that would be cut away; padded to w when
 * pad (a side without an event is blank). */
static void side_cell(struct sb *out, const struct sd_pair_mark *m, int i, long w, bool pad,
		      const struct style *st)
{
	struct sb t = SB_INIT;
	struct sd_span sp = { -1, -1 };
	long caret, from, to, shown = 0;
	char num[24];

	if (m->ev[i]) {
		snprintf(num, sizeof num, "#%llu", (unsigned long long)m->ev[i]->num);
		sb_addf(out, "%-7s ", num);
		shown = (long)strlen(num) > 7 ? (long)strlen(num) + 1 : 8;
		render_marked(&t, m, i, &sp, &caret);
		window((long)t.len, sp, w - shown, &from, &to);
		add_marked(out, sb_str(&t), (long)t.len, from, to, sp, st->tok[i], st->off);
		shown += to - from + (from > 0 ? 3 : 0) + (to < (long)t.len ? 3 : 0);
	}
	if (pad && shown < w)
		sb_addf(out, "%*s", (int)(w - shown), "");
	sb_free(&t);
}

/* The aligned rows around a divergence, original | transpiled, in width columns. */
static void aligned_view(struct sb *out, const struct sd_div *d, int width,
			 const struct style *st)
{
	static const char mark[] = { ' ', '!', '-', '+' };
	long w = (width - 8) / 2;   /* "  >! " and " | " around the two cells */

	if (w < CELL_MIN)
		w = CELL_MIN;
	sb_addf(out, "%s  aligned (original | transpiled):%s\n", st->dim, st->off);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct sd_cmp_row *row = &d->rows[i];
		struct sd_diffdesc dd;
		struct sd_pair_mark m = sd_pair_describe(row->ev[0], row->ev[1],
							 row->kind == SD_ROW_CHANGED, &dd);
		sb_addf(out, "  %c%c ", i == d->focus ? '>' : ' ', mark[row->kind]);
		side_cell(out, &m, 0, w, true, st);
		sb_adds(out, " | ");
		side_cell(out, &m, 1, w, false, st);
		while (out->len && out->buf[out->len - 1] == ' ')
			out->len--;
		sb_addc(out, '\n');
		sd_diffdesc_clear(&dd);
	}
}

/* A whole process or thread on one side only. */
static void lone_process(struct sb *out, const struct sd_div *d, const struct style *st)
{
	int side = d->kind == SD_DIV_PROC_EXTRA;

	for (int i = 0; i < 2; i++) {
		sb_addf(out, "%s%s%s", i ? st->green : st->red, side_label[i], st->off);
		if (i == side && d->ev[i]) {
			sd_report_event_line(out, d->ev[i]);
			sb_addf(out, " (first of %llu events)", (unsigned long long)d->stream_events[i]);
		} else {
			sb_adds(out, "(none)");
		}
		sb_addc(out, '\n');
	}
}

/* The lines of both sides: a changed pair with its differing parts marked, or a run of
 * missing or extra calls (n of them).  Returns the caret's column in the original's. */
static long side_lines(struct sb *out, const struct sd_div *d, const struct sd_pair_mark *m,
		       size_t n, const struct style *st)
{
	size_t shown = n > SD_GROUP_SHOWN + 1 ? SD_GROUP_SHOWN + 1 : n;
	long caret = -1;

	for (int i = 0; i < 2; i++) {
		if (!d->ev[i]) {
			sb_addf(out, "%s%s%s(none)\n", i ? st->green : st->red, side_label[i], st->off);
			continue;
		}
		for (size_t k = 0; k < shown && d->focus + k < d->nrows; k++) {
			const struct sd_cmp_event *c = d->rows[d->focus + k].ev[i];
			if (!c)
				break;
			if (k == SD_GROUP_SHOWN && n > shown)
				sb_addf(out, "%*s... %zu more\n", LABEL_W, "", n - shown);
			sb_addf(out, "%s%s%s", i ? st->green : st->red, side_label[i], st->off);
			long col = -1;
			if (k == 0 && d->kind == SD_DIV_CHANGED && c == d->ev[i])
				pair_line(out, m, i, st, &col);
			else
				sd_report_event_line(out, c);
			if (i == 0)
				caret = col;
			sb_addc(out, '\n');
		}
	}
	return caret;
}

/* "^ only in the original" under a run of missing or extra calls, after its context. */
static void run_note(struct sb *out, const struct sd_div *d, size_t n, const struct style *st)
{
	size_t after = d->focus + n;

	while (after < d->nrows && d->rows[after].kind != SD_ROW_SAME)
		after++;   /* the next call both made, for context */
	if (after < d->nrows)
		context_line(out, &d->rows[after], st);
	sb_addf(out, "%*s%s^ ", LABEL_W, "", st->bold);
	if (n > 1)
		sb_addf(out, "%zu calls ", n);
	sb_adds(out, d->kind == SD_DIV_MISSING ? "only in the original" :
					      "only in the transpiled program");
	if (d->moved)
		sb_addf(out, " (moved: %s #%llu)", d->kind == SD_DIV_MISSING ? "transpiled" : "original",
			(unsigned long long)d->moved);
	sb_addf(out, "%s\n", st->off);
}

static void block(struct sb *out, const struct sd_div *d, bool procs,
		  const struct sd_report_opts *o, const struct style *st)
{
	line_verbose = o->verbose;
	headline(out, d, procs, st);
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
		lone_process(out, d, st);
		line_verbose = false;
		return;
	}
	if (d->kind != SD_DIV_CHANGED) {   /* the last call both made before it */
		size_t b = d->focus;
		while (b > 0 && d->rows[b - 1].kind != SD_ROW_SAME)
			b--;
		if (b > 0)
			context_line(out, &d->rows[b - 1], st);
	}
	struct sd_diffdesc dd;
	struct sd_pair_mark m = sd_pair_describe(d->ev[0], d->ev[1], d->kind == SD_DIV_CHANGED, &dd);
	size_t n = d->count ? d->count : 1;
	long caret = side_lines(out, d, &m, n, st);
	if (d->kind == SD_DIV_CHANGED)
		sb_addf(out, "%*s%s^ %s%s\n", LABEL_W + (int)(caret > 0 ? caret : 0), "", st->bold,
			dd.text ? dd.text : "differs", st->off);
	else
		run_note(out, d, n, st);
	sd_diffdesc_clear(&dd);
	line_verbose = false;
	if (o->verbose)
		aligned_view(out, d, o->width > 0 ? o->width : sd_report_width(-1), st);
}

void sd_report_counts(struct sb *out, const struct sd_cmp_result *r)
{
	sb_addf(out, "%llu and %llu events compared (%llu and %llu filtered), %llu mismatch%s",
		(unsigned long long)r->side[0].compared, (unsigned long long)r->side[1].compared,
		(unsigned long long)r->side[0].filtered, (unsigned long long)r->side[1].filtered,
		(unsigned long long)r->ndivs, r->ndivs == 1 ? "" : "es");
}

void sd_report_summary_line(struct sb *out, const struct sd_cmp_result *r)
{
	sd_report_counts(out, r);
	sb_addf(out, ": %s", r->equivalent ? "equivalent" : "not equivalent");
}

static void drops(struct sb *out, const struct sd_cmp_side *s, const char *what)
{
	sb_addf(out, "Filtered from the %s (%llu):", what, (unsigned long long)s->filtered);
	for (size_t i = 0; i < s->ndrops; i++)
		sb_addf(out, "%s %s %llu", i ? "," : "", s->drops[i].name,
			(unsigned long long)s->drops[i].n);
	sb_addc(out, '\n');
}

static void describe_side(struct sb *out, const struct sd_cmp_side *s, const char *what)
{
	sb_addf(out, "%s: %s (%s%s%s, %llu events, %zu stream%s", what, s->name,
		s->fmt == SD_FMT_STRACE ? "strace log" : "sysdiff trace",
		s->compression ? ", " : "", s->compression ? s->compression : "", (unsigned long long)s->events, s->streams,
		s->streams == 1 ? "" : "s");
	if (s->argv && s->argv[0]) {
		sb_adds(out, "; command:");
		for (size_t i = 0; s->argv[i] && i < 8; i++)
			sb_addf(out, " %s", s->argv[i]);
	}
	sb_adds(out, ")\n");
}

void sd_report_text(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o)
{
	struct style st = style_of(o->color);
	bool procs = r->side[0].streams > 1 || r->side[1].streams > 1;

	if (o->verbose) {
		describe_side(out, &r->side[0], "Original");
		describe_side(out, &r->side[1], "Transpiled");
		drops(out, &r->side[0], "original");
		drops(out, &r->side[1], "transpiled");
		if (r->content_limit)
			sb_addf(out, "Buffers compared by length and their first %u bytes "
				"(an strace log shows no more)\n", r->content_limit);
		if (r->semantic)
			sb_addf(out, "Semantic level: %llu and %llu transfers folded into others; "
				"%llu calls matched in another place, %llu kept in their order (a "
				"call between depends on them)\n",
				(unsigned long long)r->side[0].folded, (unsigned long long)r->side[1].folded,
				(unsigned long long)r->reordered, (unsigned long long)r->order_kept);
		if (!r->exact)
			sb_adds(out, "Alignment: approximate in places (the traces differ too much "
				"for an exact diff)\n");
		sb_addc(out, '\n');
	}
	for (size_t i = 0; i < r->nreported; i++) {
		if (i)
			sb_addc(out, '\n');
		block(out, &r->divs[i], procs, o, &st);
	}
	if (r->ndivs > r->nreported)
		sb_addf(out, "\n... and %llu more\n", (unsigned long long)(r->ndivs - r->nreported));
	if (r->nreported)
		sb_addc(out, '\n');
	if (o->no_summary)
		return;
	sb_addf(out, "%s", r->equivalent ? st.green : st.red);
	sd_report_summary_line(out, r);
	sb_addf(out, "%s\n", st.off);
}
