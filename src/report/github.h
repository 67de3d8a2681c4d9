/* github.h - GitHub Actions workflow commands (`--format github`): one
 * `::error file=F,line=L,title=T::message` annotation per mismatch on each side's
 * source line, so a pull request shows the divergence on the line that caused it.
 * Escaping follows GitHub's rules for workflow commands: in the message '%', '\r' and
 * '\n' become %25, %0D and %0A; in a property also ':' and ',' (%3A, %2C). */
#ifndef SD_GITHUB_H
#define SD_GITHUB_H

#include "compare/compare.h"
#include "report/report.h"
#include "util/util.h"

void sd_github_escape_data(struct sb *out, const char *s);
void sd_github_escape_prop(struct sb *out, const char *s);

/* "::LEVEL file=F,line=L,title=T::MSG\n"; file NULL: none, line <= 0: none, title NULL:
 * none. */
void sd_github_annotation(struct sb *out, const char *level, const char *file, int line,
			  const char *title, const char *msg);

/* The file of a source location as an annotation names it: absolute (src.dir/src.file),
 * then relative to cwd when it lies inside cwd.  malloc'd, or NULL when s has no file. */
char *sd_github_src_file(const struct sd_srcloc *s, const char *cwd);

/* The annotations of a compare result's reported mismatches (o->title, when set,
 * starts every annotation's title), then the summary line as plain text unless
 * o->no_summary. */
void sd_report_github(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o);

#endif
