/* text.c - the text report: one block per divergence, then a summary line.
 *
 *     Mismatch at syscall #47:
 *     Original:   write(1, "Hello, World!\n", 14) = 14 [main.py:12]
 *     Transpiled: write(1, "Hello World!\n", 13) = 13 [main.rs:18]
 *                                ^ missing ','
 */
#include "report/report.h"

#include <stdio.h>
#include <string.h>

#include "compare/describe.h"
#include "format/writers.h"

#define LABEL_W 12            /* "Transpiled: " */
#define SIDE_W 58             /* a column of the side-by-side view */

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

struct style { const char *bold, *red, *green, *dim, *off; };

static struct style style_of(bool color)
{
	if (!color)
		return (struct style){ "", "", "", "", "" };
	return (struct style){ "\033[1m", "\033[31m", "\033[32m", "\033[2m", "\033[0m" };
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

void sd_report_event_line(struct sb *out, const struct sd_cmp_event *c, int field, long byte,
			  long *caret)
{
	struct sd_text_opts to = { .strsize = 32, .show_fds = false };
	long cols[SD_MAX_ARGS + 1];
	size_t start = out->len;
	const struct sd_event *ev = &c->ev;

	if (byte > 16)   /* show the string far enough to see the difference */
		to.strsize = (int)(byte + 16 > 4096 ? 4096 : byte + 16);
	sd_text_format_event_cols(out, ev, &to, cols);
	add_src(out, ev, line_verbose);
	if (!caret)
		return;
	*caret = -1;
	if (field == 0) {
		*caret = 0;
	} else if (field == SD_NF_RET) {
		if (ev->kind == SD_EV_SYSCALL && cols[SD_MAX_ARGS] >= 0)
			*caret = cols[SD_MAX_ARGS] - (long)start + 3;
		else {   /* "+++ exited with 1 +++": at the number or signal */
			const char *t = out->buf + start;
			const char *p = strstr(t, " with ");
			if (!p)
				p = strstr(t, " by ");
			*caret = p ? (long)(p - t) + (p[1] == 'w' ? 6 : 4) : 0;
		}
	} else if (field >= 1 && field <= SD_MAX_ARGS && cols[field - 1] >= 0) {
		const struct sd_arg *a = &ev->args[field - 1];
		*caret = cols[field - 1] - (long)start;
		if (byte >= 0 && a->type == SD_ARG_BUF && a->buf.data && (uint64_t)byte <= a->buf.kept)
			*caret += 1 + (long)sd_text_escaped_width(a->buf.data, (size_t)byte);
		else if (byte >= 0 && a->type == SD_ARG_PATH && a->str && (size_t)byte <= strlen(a->str))
			*caret += 1 + (long)sd_text_escaped_width(a->str, (size_t)byte);
	}
}

static void context_line(struct sb *out, const struct sd_cmp_row *row, const struct style *st)
{
	const struct sd_cmp_event *c = row->ev[0] ? row->ev[0] : row->ev[1];

	if (!c)
		return;
	sb_addf(out, "%s%*s", st->dim, LABEL_W, "");
	sd_report_event_line(out, c, -1, -1, NULL);
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

static void side_cell(struct sb *out, const struct sd_cmp_event *c)
{
	struct sb t = SB_INIT;
	char num[24];

	if (c) {
		snprintf(num, sizeof num, "#%llu", (unsigned long long)c->num);
		sb_addf(&t, "%-7s ", num);
		sd_report_event_line(&t, c, -1, -1, NULL);
	}
	if (t.len > SIDE_W) {
		t.len = SIDE_W - 3;
		sb_adds(&t, "...");
	}
	sb_addf(out, "%-*s", SIDE_W, sb_str(&t));
	sb_free(&t);
}

static void aligned_view(struct sb *out, const struct sd_div *d, const struct style *st)
{
	static const char mark[] = { ' ', '!', '-', '+' };

	sb_addf(out, "%s  aligned (original | transpiled):%s\n", st->dim, st->off);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct sd_cmp_row *w = &d->rows[i];
		sb_addf(out, "  %c%c ", i == d->focus ? '>' : ' ', mark[w->kind]);
		side_cell(out, w->ev[0]);
		sb_adds(out, " | ");
		side_cell(out, w->ev[1]);
		while (out->len && out->buf[out->len - 1] == ' ')
			out->len--;
		sb_addc(out, '\n');
	}
}

static void block(struct sb *out, const struct sd_div *d, bool procs, bool verbose,
		  const struct style *st)
{
	line_verbose = verbose;
	headline(out, d, procs, st);
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
		int side = d->kind == SD_DIV_PROC_EXTRA;
		for (int i = 0; i < 2; i++) {
			sb_addf(out, "%s%s%s", i ? st->green : st->red, side_label[i], st->off);
			if (i == side && d->ev[i]) {
				sd_report_event_line(out, d->ev[i], -1, -1, NULL);
				sb_addf(out, " (first of %llu events)", (unsigned long long)d->stream_events[i]);
			} else {
				sb_adds(out, "(none)");
			}
			sb_addc(out, '\n');
		}
		line_verbose = false;
		return;
	}
	if (d->kind != SD_DIV_CHANGED && d->focus > 0)
		context_line(out, &d->rows[d->focus - 1], st);
	struct sd_diffdesc dd = { .field = -1, .byte = -1 };
	if (d->kind == SD_DIV_CHANGED && d->ev[0] && d->ev[1])
		sd_describe(d->ev[0], d->ev[1], &dd);
	long caret = -1;
	size_t n = d->count ? d->count : 1;
	for (int i = 0; i < 2; i++) {
		if (!d->ev[i]) {
			sb_addf(out, "%s%s%s(none)\n", i ? st->green : st->red, side_label[i], st->off);
			continue;
		}
		size_t shown = n > SD_GROUP_SHOWN + 1 ? SD_GROUP_SHOWN + 1 : n;
		for (size_t k = 0; k < shown && d->focus + k < d->nrows; k++) {
			const struct sd_cmp_event *c = d->rows[d->focus + k].ev[i];
			if (!c)
				break;
			if (k == SD_GROUP_SHOWN && n > shown)
				sb_addf(out, "%*s... %zu more\n", LABEL_W, "", n - shown);
			sb_addf(out, "%s%s%s", i ? st->green : st->red, side_label[i], st->off);
			long col = -1;
			int cf = dd.field <= 0 || dd.field == SD_NF_RET ? dd.field :
				 dd.arg >= 0 ? dd.arg + 1 : 0;
			sd_report_event_line(out, c, cf, i == 0 ? dd.byte : -1, &col);
			if (i == 0)
				caret = col;
			sb_addc(out, '\n');
		}
	}
	if (d->kind == SD_DIV_CHANGED) {
		sb_addf(out, "%*s%s^ %s%s\n", LABEL_W + (int)(caret > 0 ? caret : 0), "", st->bold,
			dd.text ? dd.text : "differs", st->off);
	} else {
		size_t after = d->focus + (n > SD_GROUP_SHOWN + 1 ? SD_GROUP_SHOWN + 1 : n);
		if (after < d->nrows)
			context_line(out, &d->rows[after], st);
		sb_addf(out, "%*s%s^ ", LABEL_W, "", st->bold);
		if (n > 1)
			sb_addf(out, "%zu calls ", n);
		sb_adds(out, d->kind == SD_DIV_MISSING ? "only in the original" :
						      "only in the transpiled program");
		if (d->moved)
			sb_addf(out, " (moved: %s #%llu)",
				d->kind == SD_DIV_MISSING ? "transpiled" : "original",
				(unsigned long long)d->moved);
		sb_addf(out, "%s\n", st->off);
	}
	sd_diffdesc_clear(&dd);
	line_verbose = false;
	if (verbose)
		aligned_view(out, d, st);
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
	sb_addf(out, "%s: %s (%s%s, %llu events, %zu stream%s", what, s->name,
		s->fmt == SD_FMT_STRACE ? "strace log" : "sysdiff trace",
		s->compressed ? ", gzip" : "", (unsigned long long)s->events, s->streams,
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
		if (!r->exact)
			sb_adds(out, "Alignment: approximate in places (the traces differ too much "
				"for an exact diff)\n");
		sb_addc(out, '\n');
	}
	for (size_t i = 0; i < r->nreported; i++) {
		if (i)
			sb_addc(out, '\n');
		block(out, &r->divs[i], procs, o->verbose, &st);
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
