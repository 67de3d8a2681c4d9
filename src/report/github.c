/* github.c - GitHub Actions annotations of a compare result (see github.h). */
#define _GNU_SOURCE
#include "report/github.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare/describe.h"

static void escape(struct sb *out, const char *s, bool prop)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '%': sb_adds(out, "%25"); break;
		case '\r': sb_adds(out, "%0D"); break;
		case '\n': sb_adds(out, "%0A"); break;
		case ':': sb_adds(out, prop ? "%3A" : ":"); break;
		case ',': sb_adds(out, prop ? "%2C" : ","); break;
		default: sb_addc(out, *s);
		}
	}
}

void sd_github_escape_data(struct sb *out, const char *s)
{
	escape(out, s, false);
}

void sd_github_escape_prop(struct sb *out, const char *s)
{
	escape(out, s, true);
}

void sd_github_annotation(struct sb *out, const char *level, const char *file, int line,
			  const char *title, const char *msg)
{
	const char *sep = " ";

	sb_addf(out, "::%s", level);
	if (file) {
		sb_adds(out, " file=");
		sd_github_escape_prop(out, file);
		sep = ",";
		if (line > 0)
			sb_addf(out, ",line=%d", line);
	}
	if (title) {
		sb_addf(out, "%stitle=", sep);
		sd_github_escape_prop(out, title);
	}
	sb_adds(out, "::");
	sd_github_escape_data(out, msg);
	sb_addc(out, '\n');
}

char *sd_github_src_file(const struct sd_srcloc *s, const char *cwd)
{
	char *abs;

	if (!s || !s->file)
		return NULL;
	if (s->file[0] == '/' || !s->dir)
		abs = xstrdup(s->file);
	else
		abs = xasprintf("%s/%s", s->dir, s->file);
	size_t n = cwd ? strlen(cwd) : 0;
	while (n > 1 && cwd[n - 1] == '/')
		n--;
	if (n && abs[0] == '/' && !strncmp(abs, cwd, n) && (abs[n] == '/' || n == 1)) {
		char *rel = xstrdup(abs + n + (n > 1));
		free(abs);
		return rel;
	}
	return abs;
}

/* "Original:   EVENT [src]" */
static void side_line(struct sb *out, const char *label, const struct sd_cmp_event *c)
{
	sb_adds(out, label);
	if (c)
		sd_report_event_line(out, c);
	else
		sb_adds(out, "(none)");
	sb_addc(out, '\n');
}

/* One divergence: an annotation on each side's source line, or one without a file. */
static void div_annotations(struct sb *out, const struct sd_div *d, const char *prefix,
			    const char *cwd)
{
	struct sb msg = SB_INIT, title = SB_INIT;
	struct sd_diffdesc dd = { .field = -1, .byte = -1, .arg = -1 };
	bool any = false;

	if (d->kind == SD_DIV_CHANGED && d->ev[0] && d->ev[1])
		sd_describe(d->ev[0], d->ev[1], &dd);
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA)
		sb_addf(&msg, "Process %s only in the %s\n", d->label,
			d->kind == SD_DIV_PROC_MISSING ? "original" : "transpiled program");
	side_line(&msg, "Original:   ", d->ev[0]);
	side_line(&msg, "Transpiled: ", d->ev[1]);
	sb_addf(&msg, "^ %s", dd.text ? dd.text : d->kind == SD_DIV_MISSING ? "only in the original" :
		d->kind == SD_DIV_EXTRA ? "only in the transpiled program" : "differs");
	if (d->count > 1)
		sb_addf(&msg, " (%zu calls)", d->count);
	for (int i = 0; i < 2; i++) {
		char *file = d->ev[i] ? sd_github_src_file(&d->ev[i]->ev.src, cwd) : NULL;
		if (!file)
			continue;
		sb_reset(&title);
		sb_addf(&title, "%s%ssysdiff: mismatch at %s syscall #%llu", prefix ? prefix : "",
			prefix ? ": " : "", i ? "transpiled" : "original",
			(unsigned long long)d->ev[i]->num);
		sd_github_annotation(out, "error", file, d->ev[i]->ev.src.line, sb_str(&title),
				     sb_str(&msg));
		free(file);
		any = true;
	}
	if (!any) {
		sb_addf(&title, "%s%ssysdiff: mismatch at syscall #%llu", prefix ? prefix : "",
			prefix ? ": " : "", (unsigned long long)(d->num[0] ? d->num[0] : d->num[1]));
		sd_github_annotation(out, "error", NULL, 0, sb_str(&title), sb_str(&msg));
	}
	sd_diffdesc_clear(&dd);
	sb_free(&msg);
	sb_free(&title);
}

void sd_report_github(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o)
{
	char cwd[PATH_MAX];
	const char *wd = getcwd(cwd, sizeof cwd) ? cwd : NULL;

	for (size_t i = 0; i < r->nreported; i++)
		div_annotations(out, &r->divs[i], o->title, wd);
	if (r->ndivs > r->nreported) {
		struct sb m = SB_INIT;
		sb_addf(&m, "%llu more mismatches not shown (--max-mismatches)",
			(unsigned long long)(r->ndivs - r->nreported));
		sd_github_annotation(out, "warning", NULL, 0, o->title, sb_str(&m));
		sb_free(&m);
	}
	if (o->no_summary)
		return;
	sd_report_summary_line(out, r);
	sb_addc(out, '\n');
}
