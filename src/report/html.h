/* html.h - the HTML report: one self-contained page (no network, no external fonts or
 * scripts; readable without JavaScript), built from pieces that compare, validate and
 * merge put together:
 *
 *   sd_html_begin(out, title)            <!DOCTYPE>, the inline style, <body>
 *   sd_html_header(out, ok, verdict, ...) the verdict and summary
 *   sd_html_trace(out, result, ...)      both traces side by side, aligned: mismatched
 *                                        rows highlighted with the differing token
 *                                        marked, source lines, call stacks in <details>,
 *                                        long equal stretches collapsed with counts,
 *                                        filtered calls counted per rule
 *   sd_html_udiff(out, title, udiff)     a unified diff shown side by side
 *   sd_html_end(out)
 *
 * sd_report_html() is the whole page of a compare result. */
#ifndef SD_HTML_H
#define SD_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include "compare/compare.h"
#include "report/report.h"
#include "util/util.h"

/* n bytes of s as HTML text or attribute value: & < > " ' escaped, control bytes other
 * than \n and \t and bytes that are not UTF-8 as U+FFFD. */
void sd_html_escape(struct sb *out, const char *s, size_t n);
void sd_html_escs(struct sb *out, const char *s);   /* a C string (NULL: nothing) */

void sd_html_begin(struct sb *out, const char *title);
void sd_html_end(struct sb *out);
/* The page's heading: title, the verdict (ok: green, else red) and a summary line. */
void sd_html_header(struct sb *out, const char *title, bool ok, const char *verdict,
		    const char *summary);
/* A section heading with an anchor id (NULL: none). */
void sd_html_section(struct sb *out, const char *id, const char *title);

/* One side of a row of the aligned view. */
struct sd_html_cell {
	uint64_t num;                  /* event number; 0: no event on this side */
	const char *text;              /* the event as text (without its source line) */
	long mark_lo, mark_hi;         /* the differing token: text[lo..hi) (-1: none) */
	long caret, caret_w;           /* the first differing byte in it: text[caret..+w) */
	const struct sd_srcloc *src;   /* source line and frames, or NULL */
};
/* One aligned row; desc (or NULL) says what differs, id (or NULL) anchors it. */
void sd_html_row(struct sb *out, enum sd_row_kind kind, const struct sd_html_cell c[2],
		 const char *desc, const char *id);
/* A collapsed stretch: one line of text across both sides. */
void sd_html_gap(struct sb *out, const char *text);
/* The aligned view's frame around rows (column headings). */
void sd_html_rows_begin(struct sb *out, const char *left, const char *right);
void sd_html_rows_end(struct sb *out);

/* The compare result's sections: mismatches (a list linking to the rows), the aligned
 * traces per process, the inputs, the filtered calls per rule.  prefix (or NULL) starts
 * every anchor's id, so several results can share a page. */
void sd_html_trace(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o,
		   const char *prefix);
/* A unified diff (report/udiff.h) side by side; "" or NULL shows "same". */
void sd_html_udiff(struct sb *out, const char *id, const char *title, const char *udiff);
/* Preformatted text with diff lines ("-", "+", indented or not) colored. */
void sd_html_pre(struct sb *out, const char *id, const char *title, const char *text);

/* The whole page of a compare result. */
void sd_report_html(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o);

#endif
