/* report.h - render a compare result for people (text), programs (JSON) and CI (JUnit).
 * Each renderer appends to a string buffer; the caller writes it out in one piece. */
#ifndef SD_REPORT_H
#define SD_REPORT_H

#include <stdbool.h>
#include "compare/compare.h"
#include "util/util.h"

struct sd_report_opts {
	bool color;          /* ANSI colors (text) */
	bool verbose;        /* aligned side-by-side view and what the filters dropped */
	const char *title;   /* JUnit test case name ("ORIG vs NEW") */
	double seconds;      /* JUnit time */
	bool no_summary;     /* text: leave out the last line (validate adds its own) */
	int width;           /* text: columns of the -v side-by-side view (0: sd_report_width(-1)) */
};

void sd_report_text(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o);
void sd_report_json(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o);
void sd_report_junit(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o);

/* Shared by the renderers (report/text.c). */
const char *sd_div_kind_name(enum sd_div_kind k);   /* "changed", "missing", ... */
/* One event as the report shows it, with its [file:line]. */
void sd_report_event_line(struct sb *out, const struct sd_cmp_event *ev);
void sd_report_summary_line(struct sb *out, const struct sd_cmp_result *r);
/* The same without the verdict. */
void sd_report_counts(struct sb *out, const struct sd_cmp_result *r);
/* The width of the terminal a report goes to: COLUMNS when set, else the size of the
 * terminal fd is (when it is one; -1: none), else 80. */
int sd_report_width(int fd);
/* s as a JSON string (invalid UTF-8 as U+FFFD), or null for NULL. */
void sd_report_json_string(struct sb *out, const char *s);
/* s as XML character data (markup escaped; control bytes and bad UTF-8 as '?'). */
void sd_report_xml_string(struct sb *out, const char *s);
/* The n bytes of s as markup character data: & < > " escaped, and ' when apos; tab and
 * newline kept, and carriage return when cr; other control bytes, DEL and invalid
 * UTF-8 as bad.  (XML above; HTML: html.h.) */
void sd_report_markup(struct sb *out, const char *s, size_t n, bool apos, bool cr,
		      const char *bad);

#endif
