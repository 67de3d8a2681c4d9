/* html.c - the HTML report (see html.h): a page that needs nothing but itself.
 *
 * The aligned view is a grid per row (number and event on each side); a row whose
 * events carry source information is a <details> whose body shows both call stacks.
 * Rows come in chunks with `content-visibility: auto`, so a browser lays out only what
 * is on screen and a view of 100,000 rows stays usable.  Only the rows the compare
 * result holds (those around its reported divergences) are shown; the stretches in
 * between are one line with their count. */
#include "report/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/describe.h"
#include "report/mark.h"
#include "format/writers.h"

#define CHUNK_ROWS 200   /* rows per content-visibility chunk */

void sd_html_escape(struct sb *out, const char *s, size_t n)
{
	sd_report_markup(out, s, n, true, false, "\xef\xbf\xbd");   /* U+FFFD */
}

void sd_html_escs(struct sb *out, const char *s)
{
	if (s)
		sd_html_escape(out, s, strlen(s));
}

/* ---- the page ---- */

static const char style[] =
	":root{color-scheme:light}"
	"body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1f2328;background:#fff}"
	"header{padding:.8em 1.2em;background:#f6f8fa;border-bottom:1px solid #d0d7de}"
	"main{padding:0 1.2em 3em}"
	"h1{font-size:1.25em;margin:0 0 .3em}"
	"h2{font-size:1.08em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #d0d7de}"
	"h3{font-size:1em;margin:1.2em 0 .4em}"
	"a{color:#0969da}"
	".vd{display:inline-block;padding:.05em .7em;border-radius:1em;font-weight:600;color:#fff;"
	"margin-right:.6em}"
	".ok{background:#1a7f37}.bad{background:#cf222e}.skip{background:#9a6700}"
	".err{background:#6e7781}"
	"code,pre,.v,.ud{font-family:ui-monospace,'DejaVu Sans Mono','Liberation Mono',monospace;"
	"font-size:12.5px}"
	".v,.ud{border:1px solid #d0d7de;margin:.4em 0}"
	".hd,.r>summary,.r.p,.g,.ul{display:grid;"
	"grid-template-columns:4.2em minmax(0,1fr) 4.2em minmax(0,1fr)}"
	".hd{background:#f6f8fa;font-weight:600;border-bottom:1px solid #d0d7de}"
	".hd span{padding:2px .5em}"
	".n{color:#57606a;text-align:right;padding:1px .5em 1px 0;border-right:1px solid #eaeef2;"
	"user-select:none}"
	".e{padding:1px .5em;white-space:pre-wrap;word-break:break-all;border-right:1px solid #eaeef2}"
	".s{display:block;color:#57606a;font-size:11.5px}"
	".r>summary{list-style:none;cursor:pointer}"
	".r>summary::-webkit-details-marker{display:none}"
	".r>summary:hover{background:#f6f8fa}"
	".r[open]>summary{background:#eaeef2}"
	".chg .e{background:#fff8c5}"
	".mis .a0,.ext .a1{background:#ffebe9}.ext .a1{background:#dafbe1}"
	".tok{background:#ffd8b5;border-radius:2px}"
	"mark{background:#ff8182;color:#000;font-weight:700;border-radius:2px}"
	".fo{box-shadow:inset 3px 0 #cf222e}"
	".note{padding:0 .5em 3px 4.7em;color:#bc4c00;font-weight:600}"
	".g{color:#57606a;background:#f6f8fa;font-style:italic}"
	".g span{grid-column:1/-1;padding:2px 1em;text-align:center}"
	".stk{display:grid;grid-template-columns:1fr 1fr;gap:1em;padding:.3em .5em .6em 4.7em;"
	"background:#f6f8fa;border-bottom:1px solid #d0d7de}"
	".stk ol{margin:.2em 0;padding-left:2.2em}.stk .u{font-weight:700}"
	".ch{content-visibility:auto;contain-intrinsic-size:auto 3000px}"
	".ul .e{white-space:pre-wrap}.ul .del{background:#ffebe9}.ul .add{background:#dafbe1}"
	".ul.hk{background:#ddf4ff;color:#57606a}.hk span{grid-column:1/-1}"
	"pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.5em;white-space:pre-wrap;"
	"word-break:break-all}"
	"pre .del{color:#cf222e}pre .add{color:#1a7f37}"
	"table.t{border-collapse:collapse;margin:.4em 0}"
	".t td,.t th{border:1px solid #d0d7de;padding:2px .6em;text-align:left;vertical-align:top}"
	".t th{background:#f6f8fa}.t td.num{text-align:right}"
	".same{color:#1a7f37}"
	"details.f>summary{cursor:pointer}";

/* Keys n and p jump to the next and previous mismatch (an enhancement only). */
static const char script[] =
	"document.addEventListener('keydown',function(e){"
	"if(e.ctrlKey||e.metaKey||e.altKey||(e.key!=='n'&&e.key!=='p'))return;"
	"var m=document.querySelectorAll('.fo'),y=window.scrollY+8,i;if(!m.length)return;"
	"function t(x){return x.getBoundingClientRect().top+window.scrollY;}"
	"if(e.key==='n'){for(i=0;i<m.length&&t(m[i])<=y;i++);if(i<m.length)m[i].scrollIntoView();}"
	"else{for(i=m.length-1;i>=0&&t(m[i])>=y-16;i--);if(i>=0)m[i].scrollIntoView();}});";

void sd_html_begin(struct sb *out, const char *title)
{
	sb_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	sd_html_escs(out, title);
	sb_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

void sd_html_end(struct sb *out)
{
	sb_addf(out, "</main>\n<script>%s</script>\n</body>\n</html>\n", script);
}

void sd_html_header(struct sb *out, const char *title, bool ok, const char *verdict,
		    const char *summary)
{
	sb_adds(out, "<header>\n<h1>");
	sd_html_escs(out, title);
	sb_addf(out, "</h1>\n<p><span class=\"vd %s\">", ok ? "ok" : "bad");
	sd_html_escs(out, verdict);
	sb_adds(out, "</span>");
	sd_html_escs(out, summary);
	sb_adds(out, "</p>\n</header>\n<main>\n");
}

void sd_html_section(struct sb *out, const char *id, const char *title)
{
	sb_adds(out, "<h2");
	if (id) {
		sb_adds(out, " id=\"");
		sd_html_escs(out, id);
		sb_addc(out, '"');
	}
	sb_addc(out, '>');
	sd_html_escs(out, title);
	sb_adds(out, "</h2>\n");
}

/* 1234567 as "1,234,567". */
static void add_count(struct sb *out, uint64_t v)
{
	char d[32];
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			sb_addc(out, ',');
		sb_addc(out, d[i]);
	}
}

/* ---- rows ---- */

static size_t chunk_rows;   /* rows in the open chunk of the view being written */

void sd_html_rows_begin(struct sb *out, const char *left, const char *right)
{
	sb_adds(out, "<div class=\"v\">\n<div class=\"hd\"><span></span><span>");
	sd_html_escs(out, left);
	sb_adds(out, "</span><span></span><span>");
	sd_html_escs(out, right);
	sb_adds(out, "</span></div>\n<div class=\"ch\">\n");
	chunk_rows = 0;
}

void sd_html_rows_end(struct sb *out)
{
	sb_adds(out, "</div>\n</div>\n");
}

static void next_row(struct sb *out)
{
	if (++chunk_rows < CHUNK_ROWS)
		return;
	sb_adds(out, "</div>\n<div class=\"ch\">\n");
	chunk_rows = 0;
}

void sd_html_gap(struct sb *out, const char *text)
{
	sb_adds(out, "<div class=\"g\"><span>&#8943; ");
	sd_html_escs(out, text);
	sb_adds(out, " &#8943;</span></div>\n");
	next_row(out);
}

/* The source line as the row shows it: "file:line", "file:<exit>", "in func". */
static void add_srcline(struct sb *out, const struct sd_srcloc *s)
{
	if (!s)
		return;
	if (s->file && s->line > 0)
		sb_addf(out, "%s:%d", s->file, s->line);
	else if (s->file && s->phase && !strcmp(s->phase, "exit"))
		sb_addf(out, "%s:<exit>", s->file);
	else if (s->func)
		sb_addf(out, "in %s", s->func);
}

static bool has_src(const struct sd_srcloc *s)
{
	return s && (s->file || s->func || s->module || s->why || s->nframes);
}

/* The event text with its token and caret marked. */
static void cell_text(struct sb *out, const struct sd_html_cell *c)
{
	size_t len = strlen(c->text);
	long lo = c->mark_lo, hi = c->mark_hi, ca = c->caret, cw = c->caret_w;

	if (lo < 0 || hi < lo || (size_t)hi > len)
		lo = hi = (long)len;
	if (ca < lo || ca >= hi || cw <= 0 || ca + cw > hi)
		ca = -1;
	sd_html_escape(out, c->text, (size_t)lo);
	if (hi > lo) {
		sb_adds(out, "<span class=\"tok\">");
		if (ca >= 0) {
			sd_html_escape(out, c->text + lo, (size_t)(ca - lo));
			sb_adds(out, "<mark>");
			sd_html_escape(out, c->text + ca, (size_t)cw);
			sb_adds(out, "</mark>");
			sd_html_escape(out, c->text + ca + cw, (size_t)(hi - ca - cw));
		} else {
			sd_html_escape(out, c->text + lo, (size_t)(hi - lo));
		}
		sb_adds(out, "</span>");
	}
	sd_html_escape(out, c->text + hi, len - (size_t)hi);
}

static void cell(struct sb *out, const struct sd_html_cell *c, int side)
{
	struct sb t = SB_INIT;

	if (!c->num) {
		sb_addf(out, "<span class=\"n n%d\"></span><span class=\"e a%d\"></span>", side, side);
		return;
	}
	sb_addf(out, "<span class=\"n n%d\">#%llu</span><span class=\"e a%d\">", side,
		(unsigned long long)c->num, side);
	cell_text(out, c);
	add_srcline(&t, c->src);
	if (t.len) {
		sb_adds(out, "<span class=\"s\"");
		if (c->src->why) {
			sb_adds(out, " title=\"");
			sd_html_escs(out, c->src->why);
			sb_addc(out, '"');
		}
		sb_addc(out, '>');
		sd_html_escape(out, t.buf, t.len);
		sb_adds(out, "</span>");
	}
	sb_adds(out, "</span>");
	sb_free(&t);
}

static void frame_item(struct sb *out, const struct sd_srcframe *f)
{
	sb_addf(out, "<li%s>", f->user ? " class=\"u\"" : "");
	sd_html_escs(out, f->func ? f->func : "??");
	if (f->file) {
		sb_adds(out, " &mdash; ");
		sd_html_escs(out, f->file);
		if (f->line > 0)
			sb_addf(out, ":%d", f->line);
	}
	if (f->inlined)
		sb_adds(out, " (inlined)");
	if (f->module) {
		sb_adds(out, " <span class=\"s\">");
		sd_html_escs(out, f->module);
		if (f->off)
			sb_addf(out, " +0x%llx", (unsigned long long)f->off);
		sb_adds(out, "</span>");
	}
	sb_adds(out, "</li>");
}

/* One side's call stack (or what is known of where the call came from). */
static void stack(struct sb *out, const struct sd_html_cell *c)
{
	const struct sd_srcloc *s = c->src;

	sb_adds(out, "<div>");
	if (!c->num || !has_src(s)) {
		sb_adds(out, c->num ? "no source information" : "");
		sb_adds(out, "</div>");
		return;
	}
	if (!s->nframes && !s->func && !s->file) {
		sb_adds(out, "no frame of the program's own code");
		if (s->module) {
			sb_adds(out, " <span class=\"s\">");
			sd_html_escs(out, s->module);
			sb_adds(out, "</span>");
		}
	} else if (s->nframes) {
		sb_adds(out, "<ol start=\"0\">");
		for (int i = 0; i < s->nframes; i++)
			frame_item(out, &s->frames[i]);
		sb_adds(out, "</ol>");
	} else {
		struct sd_srcframe f = { .func = s->func, .file = s->file, .line = s->line,
					 .module = s->module, .user = true };
		sb_adds(out, "<ol start=\"0\">");
		if (s->inner_file) {
			struct sd_srcframe in = { .func = s->inner_func, .file = s->inner_file,
						  .line = s->inner_line };
			frame_item(out, &in);
		}
		frame_item(out, &f);
		sb_adds(out, "</ol>");
	}
	if (s->gen_file)
		sb_addf(out, "<span class=\"s\">generated: %s:%d</span>", s->gen_file, s->gen_line);
	if (s->why) {
		sb_adds(out, "<span class=\"s\">");
		sd_html_escs(out, s->why);
		sb_adds(out, "</span>");
	}
	sb_adds(out, "</div>");
}

void sd_html_row(struct sb *out, enum sd_row_kind kind, const struct sd_html_cell c[2],
		 const char *desc, const char *id)
{
	static const char *const cls[] = { "sam", "chg", "mis", "ext" };
	bool det = (c[0].num && has_src(c[0].src)) || (c[1].num && has_src(c[1].src));

	sb_addf(out, "<%s class=\"r %s%s%s\"", det ? "details" : "div", det ? "" : "p ", cls[kind],
		id ? " fo" : "");
	if (id) {
		sb_adds(out, " id=\"");
		sd_html_escs(out, id);
		sb_addc(out, '"');
	}
	sb_addc(out, '>');
	if (det)
		sb_adds(out, "<summary>");
	cell(out, &c[0], 0);
	cell(out, &c[1], 1);
	if (det) {
		sb_adds(out, "</summary><div class=\"stk\">");
		stack(out, &c[0]);
		stack(out, &c[1]);
		sb_adds(out, "</div></details>\n");
	} else {
		sb_adds(out, "</div>\n");
	}
	if (desc) {
		sb_adds(out, "<div class=\"note\">^ ");
		sd_html_escs(out, desc);
		sb_adds(out, "</div>\n");
	}
	next_row(out);
}

/* ---- a compare result ---- */

/* What differs in a changed pair (mark.h: the field and byte of each side, as the text
 * report marks them) and its description. */
struct diffmark {
	struct sd_pair_mark pm;     /* field[i] -1: nothing to mark */
	char *text;
};

static void diffmark_of(const struct sd_cmp_row *w, struct diffmark *m)
{
	struct sd_diffdesc dd;

	m->pm = sd_pair_describe(w->ev[0], w->ev[1], w->kind == SD_ROW_CHANGED, &dd);
	m->text = dd.text;
	dd.text = NULL;
	sd_diffdesc_clear(&dd);
}

/* The cell of event c, side i of a row (m: what differs, or NULL); text receives its
 * text (c->text points into it). */
static void event_cell(struct sb *text, const struct sd_cmp_event *c, const struct diffmark *m,
		       int i, struct sd_html_cell *cell)
{
	int field = m ? m->pm.field[i] : -1;
	long byte = m ? m->pm.byte[i] : -1;
	struct sd_text_opts to = { .strsize = sd_mark_strsize(byte) };
	long cols[SD_MAX_ARGS + 1];

	*cell = (struct sd_html_cell){ .mark_lo = -1, .mark_hi = -1, .caret = -1 };
	sb_reset(text);
	if (!c)
		return;
	sd_text_format_event_cols(text, &c->ev, &to, cols);
	cell->num = c->num;
	cell->text = sb_str(text);
	cell->src = &c->ev.src;
	if (field < 0)
		return;
	long len = (long)strlen(cell->text);
	struct sd_span all = sd_field_span(cell->text, len, &c->ev, cols, field, -1);
	cell->mark_lo = all.s;
	cell->mark_hi = all.e;
	if (field < 1 || field > SD_MAX_ARGS || byte < 0 || all.s < 0 || cell->text[all.s] != '"')
		return;
	struct sd_span at = sd_field_span(cell->text, len, &c->ev, cols, field, byte);
	if (at.s > all.s && at.e <= all.e) {
		cell->caret = at.s;
		cell->caret_w = at.e - at.s;
	}
}

static const char *idp = "";   /* prefix of the anchors of the result being written */

static void div_id(char *buf, size_t n, size_t k)
{
	snprintf(buf, n, "%sd%zu", idp, k + 1);
}

/* "Mismatch at syscall #47 in p1.2" (the text report's headline, in short). */
static void headline(struct sb *out, const struct sd_div *d, bool procs)
{
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
		sb_addf(out, "Process %s only in the %s", d->label,
			d->kind == SD_DIV_PROC_MISSING ? "original" : "transpiled program");
		return;
	}
	if (!d->num[0])
		sb_addf(out, "Mismatch at transpiled syscall #%llu", (unsigned long long)d->num[1]);
	else
		sb_addf(out, "Mismatch at syscall #%llu", (unsigned long long)d->num[0]);
	if (d->count > 1)
		sb_addf(out, " (%zu calls)", d->count);
	if (procs)
		sb_addf(out, " in %s", d->label);
}

/* What a divergence is, in words (the caret line of the text report). */
static char *div_desc(const struct sd_div *d)
{
	if (d->kind == SD_DIV_CHANGED && d->nrows) {
		struct diffmark m;
		diffmark_of(&d->rows[d->focus], &m);
		return m.text ? m.text : xstrdup("differs");
	}
	const char *what = d->kind == SD_DIV_MISSING ? "only in the original" :
			   d->kind == SD_DIV_EXTRA ? "only in the transpiled program" :
			   d->kind == SD_DIV_PROC_MISSING ? "process only in the original" :
							    "process only in the transpiled program";
	if (d->moved)
		return xasprintf("%s (moved: %s #%llu)", what, d->kind == SD_DIV_MISSING ?
				 "transpiled" : "original", (unsigned long long)d->moved);
	return xstrdup(what);
}

static void mismatch_list(struct sb *out, const struct sd_cmp_result *r, bool procs)
{
	sb_adds(out, "<ol class=\"ml\">\n");
	for (size_t k = 0; k < r->nreported; k++) {
		struct sb h = SB_INIT;
		char id[160], *desc = div_desc(&r->divs[k]);
		div_id(id, sizeof id, k);
		headline(&h, &r->divs[k], procs);
		sb_addf(out, "<li><a href=\"#%s\">", id);
		sd_html_escape(out, h.buf, h.len);
		sb_adds(out, "</a>: <code>");
		sd_html_escs(out, desc);
		sb_adds(out, "</code></li>\n");
		sb_free(&h);
		free(desc);
	}
	sb_adds(out, "</ol>\n");
	if (r->ndivs > r->nreported)
		sb_addf(out, "<p>&hellip; and %llu more (<code>--max-mismatches</code>)</p>\n",
			(unsigned long long)(r->ndivs - r->nreported));
}

/* The aligned view of one stream, built from the windows of its divergences. */
struct view {
	const struct sd_cmp_result *r;
	const size_t *divs;     /* this stream's divergences, in order */
	size_t ndivs;
	bool single;            /* one stream per side: event numbers count within it */
	uint64_t last[2];       /* the last event number shown on each side */
	enum sd_row_kind prev_kind;
	size_t prev_div;
	bool any;
	struct sb text[2];
};

static uint64_t row_num(const struct sd_cmp_row *w, int i)
{
	return w->ev[i] ? w->ev[i]->num : 0;
}

/* The line for the events between the last row shown and w (of divergence k), if any. */
static void view_gap(struct sb *out, struct view *v, const struct sd_cmp_row *w, size_t k)
{
	uint64_t a = row_num(w, 0), b = row_num(w, 1);
	uint64_t ga = a > v->last[0] + 1 ? a - v->last[0] - 1 : 0;
	uint64_t gb = b > v->last[1] + 1 ? b - v->last[1] - 1 : 0;
	struct sb t = SB_INIT;

	if (!ga && !gb)
		return;
	if (v->any && v->prev_div == k && v->prev_kind == w->kind &&
	    (w->kind == SD_ROW_MISSING || w->kind == SD_ROW_EXTRA)) {
		add_count(&t, ga ? ga : gb);
		sb_addf(&t, " more calls only in the %s", w->kind == SD_ROW_MISSING ? "original" :
			"transpiled program");
	} else if (!v->single) {
		sb_adds(&t, "equal calls of this process");
	} else if (ga && gb && ga != gb) {
		add_count(&t, ga);
		sb_adds(&t, " and ");
		add_count(&t, gb);
		sb_adds(&t, " calls");
	} else {
		add_count(&t, ga ? ga : gb);
		sb_adds(&t, (ga ? ga : gb) == 1 ? " equal call" : " equal calls");
	}
	sd_html_gap(out, sb_str(&t));
	sb_free(&t);
}

/* The reported divergence (of this stream, from position p on) whose focus row is w, or -1. */
static long focus_of(const struct view *v, size_t p, const struct sd_cmp_row *w)
{
	for (size_t j = p; j < v->ndivs; j++) {
		const struct sd_div *d = &v->r->divs[v->divs[j]];
		if (!d->nrows)
			continue;
		const struct sd_cmp_row *f = &d->rows[d->focus];
		if (f->ev[0] == w->ev[0] && f->ev[1] == w->ev[1])
			return (long)v->divs[j];
		uint64_t fa = row_num(f, 0), fb = row_num(f, 1), wa = row_num(w, 0), wb = row_num(w, 1);
		if ((fa && wa && fa > wa) || (fb && wb && fb > wb))
			break;   /* the divergences come in order: the rest are further on */
	}
	return -1;
}

static void view_row(struct sb *out, struct view *v, const struct sd_cmp_row *w, long focus)
{
	struct diffmark m;
	struct sd_html_cell c[2];
	char id[160], *desc = NULL;

	diffmark_of(w, &m);
	for (int i = 0; i < 2; i++)
		event_cell(&v->text[i], w->ev[i], &m, i, &c[i]);
	if (focus >= 0) {
		div_id(id, sizeof id, (size_t)focus);
		desc = w->kind == SD_ROW_CHANGED ? xstrdup(m.text ? m.text : "differs") :
						   div_desc(&v->r->divs[focus]);
	}
	sd_html_row(out, w->kind, c, desc, focus >= 0 ? id : NULL);
	free(desc);
	free(m.text);
}

/* The rows of divergence number p of the stream that are not shown yet. */
static void view_div(struct sb *out, struct view *v, size_t p)
{
	size_t k = v->divs[p];
	const struct sd_div *d = &v->r->divs[k];

	for (size_t i = 0; i < d->nrows; i++) {
		const struct sd_cmp_row *w = &d->rows[i];
		uint64_t a = row_num(w, 0), b = row_num(w, 1);
		if ((!a || a <= v->last[0]) && (!b || b <= v->last[1]))
			continue;
		view_gap(out, v, w, k);
		view_row(out, v, w, focus_of(v, p, w));
		if (a)
			v->last[0] = a;
		if (b)
			v->last[1] = b;
		v->prev_kind = w->kind;
		v->prev_div = k;
		v->any = true;
	}
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA) {
		uint64_t n = d->stream_events[d->kind == SD_DIV_PROC_EXTRA];
		if (n > d->nrows) {
			struct sb t = SB_INIT;
			add_count(&t, n - d->nrows);
			sb_adds(&t, " more events of this process");
			sd_html_gap(out, sb_str(&t));
			sb_free(&t);
		}
	}
}

/* After the last row of a one-stream view: what follows. */
static void view_tail(struct sb *out, const struct view *v)
{
	const struct sd_cmp_result *r = v->r;
	uint64_t ta = r->side[0].compared > v->last[0] ? r->side[0].compared - v->last[0] : 0;
	uint64_t tb = r->side[1].compared > v->last[1] ? r->side[1].compared - v->last[1] : 0;
	struct sb t = SB_INIT;

	if (!v->single || (!ta && !tb))
		return;
	if (r->ndivs > r->nreported) {
		add_count(&t, ta);
		sb_adds(&t, " and ");
		add_count(&t, tb);
		sb_addf(&t, " calls more, with %llu mismatches not shown (--max-mismatches)",
			(unsigned long long)(r->ndivs - r->nreported));
	} else if (ta == tb) {
		add_count(&t, ta);
		sb_adds(&t, ta == 1 ? " equal call" : " equal calls");
	} else {
		add_count(&t, ta);
		sb_adds(&t, " and ");
		add_count(&t, tb);
		sb_adds(&t, " calls");
	}
	sd_html_gap(out, sb_str(&t));
	sb_free(&t);
}

static const struct sd_cmp_result *sort_r;

static int by_stream(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = strcmp(sort_r->divs[a].label, sort_r->divs[b].label);

	return c ? c : a < b ? -1 : a > b;
}

/* Every stream with reported divergences: its aligned view. */
static void views(struct sb *out, const struct sd_cmp_result *r, bool procs)
{
	size_t *idx = xcalloc(r->nreported + 1, sizeof *idx);
	struct sb left = SB_INIT, right = SB_INIT;

	for (size_t k = 0; k < r->nreported; k++)
		idx[k] = k;
	sort_r = r;
	qsort(idx, r->nreported, sizeof *idx, by_stream);
	sb_addf(&left, "original: %s", r->side[0].name ? r->side[0].name : "");
	sb_addf(&right, "transpiled: %s", r->side[1].name ? r->side[1].name : "");
	for (size_t s = 0; s < r->nreported;) {
		size_t e = s;
		while (e < r->nreported && !strcmp(r->divs[idx[e]].label, r->divs[idx[s]].label))
			e++;
		struct view v = { .r = r, .divs = idx + s, .ndivs = e - s,
				  .single = r->side[0].streams == 1 && r->side[1].streams == 1 };
		if (procs) {
			sb_adds(out, "<h3>Process ");
			sd_html_escs(out, r->divs[idx[s]].label);
			sb_adds(out, "</h3>\n");
		}
		sd_html_rows_begin(out, sb_str(&left), sb_str(&right));
		for (size_t p = 0; p < v.ndivs; p++)
			view_div(out, &v, p);
		view_tail(out, &v);
		sd_html_rows_end(out);
		sb_free(&v.text[0]);
		sb_free(&v.text[1]);
		s = e;
	}
	sb_free(&left);
	sb_free(&right);
	free(idx);
}

static uint64_t drop_count(const struct sd_cmp_side *s, const char *name)
{
	for (size_t i = 0; i < s->ndrops; i++)
		if (!strcmp(s->drops[i].name, name))
			return s->drops[i].n;
	return 0;
}

static void drop_row(struct sb *out, const char *name, uint64_t a, uint64_t b)
{
	sb_adds(out, "<tr><td>");
	sd_html_escs(out, name);
	sb_adds(out, "</td><td class=\"num\">");
	add_count(out, a);
	sb_adds(out, "</td><td class=\"num\">");
	add_count(out, b);
	sb_adds(out, "</td></tr>\n");
}

/* The filtered calls, counted per rule, in a collapsed table. */
static void filtered(struct sb *out, const struct sd_cmp_result *r)
{
	const struct sd_cmp_side *a = &r->side[0], *b = &r->side[1];

	sb_adds(out, "<details class=\"f\"><summary>");
	add_count(out, a->filtered);
	sb_adds(out, " and ");
	add_count(out, b->filtered);
	sb_adds(out, " calls filtered (not compared), by rule</summary>\n<table class=\"t\">"
		"<tr><th>rule</th><th>original</th><th>transpiled</th></tr>\n");
	for (size_t i = 0; i < a->ndrops; i++)
		drop_row(out, a->drops[i].name, a->drops[i].n, drop_count(b, a->drops[i].name));
	for (size_t i = 0; i < b->ndrops; i++)
		if (!drop_count(a, b->drops[i].name))
			drop_row(out, b->drops[i].name, 0, b->drops[i].n);
	sb_adds(out, "</table>\n</details>\n");
}

static void input_row(struct sb *out, const char *what, const struct sd_cmp_side *s)
{
	sb_addf(out, "<tr><th>%s</th><td>", what);
	sd_html_escs(out, s->name);
	sb_addf(out, "</td><td>%s%s%s%s</td><td class=\"num\">", s->fmt == SD_FMT_STRACE ?
		"strace log" : "sysdiff trace", s->compression ? ", " : "",
		s->compression ? s->compression : "", s->complete ? "" : ", incomplete");
	add_count(out, s->events);
	sb_adds(out, "</td><td class=\"num\">");
	add_count(out, s->compared);
	sb_addf(out, "</td><td class=\"num\">%zu</td><td><code>", s->streams);
	for (size_t i = 0; s->argv && s->argv[i] && i < 16; i++) {
		sb_adds(out, i ? " " : "");
		sd_html_escs(out, s->argv[i]);
	}
	sb_adds(out, "</code></td></tr>\n");
}

void sd_html_trace(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o,
		   const char *prefix)
{
	bool procs = r->side[0].streams > 1 || r->side[1].streams > 1;
	char id[160];

	(void)o;
	idp = prefix ? prefix : "";
	snprintf(id, sizeof id, "%smismatches", idp);
	sd_html_section(out, id, "Trace mismatches");
	if (!r->ndivs)
		sb_adds(out, "<p class=\"same\">None: every compared call matches.</p>\n");
	else
		mismatch_list(out, r, procs);
	if (r->nreported) {
		snprintf(id, sizeof id, "%straces", idp);
		sd_html_section(out, id, "The traces side by side");
		sb_adds(out, "<p>Aligned rows around each mismatch (click a row with a source line "
			"for both call stacks; keys <kbd>n</kbd>/<kbd>p</kbd> jump between "
			"mismatches).</p>\n");
		views(out, r, procs);
	}
	snprintf(id, sizeof id, "%sinputs", idp);
	sd_html_section(out, id, "Trace inputs");
	sb_adds(out, "<table class=\"t\"><tr><th></th><th>trace</th><th>format</th><th>events</th>"
		"<th>compared</th><th>streams</th><th>command</th></tr>\n");
	input_row(out, "original", &r->side[0]);
	input_row(out, "transpiled", &r->side[1]);
	sb_adds(out, "</table>\n");
	if (r->content_limit)
		sb_addf(out, "<p>Buffers compared by length and their first %u bytes (an strace log "
			"shows no more).</p>\n", r->content_limit);
	if (!r->exact)
		sb_adds(out, "<p>Alignment: approximate in places (the traces differ too much for an "
			"exact diff).</p>\n");
	filtered(out, r);
}

/* ---- texts ---- */

struct uline { const char *p; size_t n; };

/* One row of a side-by-side diff: left line (number ln, 0: none), right line. */
static void ud_row(struct sb *out, const struct uline *l, long ln, const struct uline *r, long rn,
		   bool changed)
{
	sb_adds(out, "<div class=\"ul\">");
	if (l) {
		sb_addf(out, "<span class=\"n\">%ld</span><span class=\"e%s\">", ln, changed ? " del" : "");
		sd_html_escape(out, l->p, l->n);
	} else {
		sb_adds(out, "<span class=\"n\"></span><span class=\"e\">");
	}
	sb_adds(out, "</span>");
	if (r) {
		sb_addf(out, "<span class=\"n\">%ld</span><span class=\"e%s\">", rn, changed ? " add" : "");
		sd_html_escape(out, r->p, r->n);
	} else {
		sb_adds(out, "<span class=\"n\"></span><span class=\"e\">");
	}
	sb_adds(out, "</span></div>\n");
}

/* The pending '-' and '+' lines of a hunk, paired. */
static void ud_flush(struct sb *out, struct uline *del, size_t *nd, struct uline *add, size_t *na,
		     long *ln, long *rn)
{
	for (size_t i = 0; i < *nd || i < *na; i++) {
		ud_row(out, i < *nd ? &del[i] : NULL, *ln + (long)i, i < *na ? &add[i] : NULL,
		       *rn + (long)i, true);
	}
	*ln += (long)*nd;
	*rn += (long)*na;
	*nd = *na = 0;
}

void sd_html_udiff(struct sb *out, const char *id, const char *title, const char *udiff)
{
	struct uline *del = NULL, *add = NULL;
	size_t nd = 0, na = 0, cap = 0;
	long ln = 1, rn = 1;

	sd_html_section(out, id, title);
	if (!udiff || !*udiff) {
		sb_adds(out, "<p class=\"same\">Same.</p>\n");
		return;
	}
	sb_adds(out, "<div class=\"ud\">\n");
	for (const char *p = udiff; *p;) {
		const char *e = strchr(p, '\n');
		struct uline l = { p + 1, (e ? (size_t)(e - p) : strlen(p)) - 1 };
		if (!strncmp(p, "--- ", 4) || !strncmp(p, "+++ ", 4)) {
			/* file names: the section says which is which */
		} else if (*p == '@') {
			ud_flush(out, del, &nd, add, &na, &ln, &rn);
			sscanf(p, "@@ -%ld%*[^+]+%ld", &ln, &rn);
			ln += !ln;
			rn += !rn;
			sb_adds(out, "<div class=\"ul hk\"><span class=\"e\">");
			sd_html_escape(out, p, l.n + 1);
			sb_adds(out, "</span></div>\n");
		} else if (*p == '-' || *p == '+') {
			if (nd >= cap || na >= cap) {
				cap = cap ? 2 * cap : 16;
				del = xrealloc(del, cap * sizeof *del);
				add = xrealloc(add, cap * sizeof *add);
			}
			if (*p == '-')
				del[nd++] = l;
			else
				add[na++] = l;
		} else {
			ud_flush(out, del, &nd, add, &na, &ln, &rn);
			if (*p == ' ')
				ud_row(out, &l, ln++, &l, rn++, false);
			else   /* "\ No newline at end of file" */
				ud_row(out, &(struct uline){ p, l.n + 1 }, 0, NULL, 0, false);
		}
		p = e ? e + 1 : p + l.n + 1;
	}
	ud_flush(out, del, &nd, add, &na, &ln, &rn);
	sb_adds(out, "</div>\n");
	free(del);
	free(add);
}

void sd_html_pre(struct sb *out, const char *id, const char *title, const char *text)
{
	sd_html_section(out, id, title);
	if (!text || !*text) {
		sb_adds(out, "<p class=\"same\">Same.</p>\n");
		return;
	}
	sb_adds(out, "<pre>");
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p + 1) : strlen(p);
		const char *q = p + strspn(p, " ");
		const char *cls = q[0] == '-' && q[1] != '-' ? "del" : q[0] == '+' && q[1] != '+' ?
				  "add" : NULL;
		if (cls)
			sb_addf(out, "<span class=\"%s\">", cls);
		sd_html_escape(out, p, n);
		if (cls)
			sb_adds(out, "</span>");
		p += n;
	}
	sb_adds(out, "</pre>\n");
}

/* ---- the compare page ---- */

void sd_report_html(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o)
{
	struct sb title = SB_INIT, sum = SB_INIT;

	if (o->title)
		sb_addf(&title, "sysdiff compare: %s", o->title);
	else
		sb_addf(&title, "sysdiff compare: %s vs %s", r->side[0].name, r->side[1].name);
	sd_report_counts(&sum, r);
	sd_html_begin(out, sb_str(&title));
	sd_html_header(out, sb_str(&title), r->equivalent,
		       r->equivalent ? "equivalent" : "not equivalent", sb_str(&sum));
	sd_html_trace(out, r, o, NULL);
	sd_html_end(out);
	sb_free(&title);
	sb_free(&sum);
}
