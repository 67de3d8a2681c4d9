/* report.c - text, JSON, JUnit, HTML and GitHub reports of validations, and JUnit and
 * HTML of a manifest's cases. */
#define _GNU_SOURCE
#include "validate/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare/describe.h"
#include "report/github.h"
#include "report/html.h"
#include "util/util.h"

/* ---- reports ---- */

/* -v: what both runs were given the same, and what still varied and was forgiven. */
static void pinned(struct sb *out, const struct sd_validation *v)
{
	const struct sd_virt_opts *w = &v->cfg->virt;
	time_t t = (time_t)(w->clock_ns / 1000000000);
	struct tm tm;
	char when[32] = "?";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!w->on)
		sb_adds(out, "pinned: pids, hostname (--host-clock: the host's clock, entropy and "
			"address layout)\n");
	else
		sb_addf(out, "pinned: the clock (starting %s, moving by what the programs wait "
			"for), entropy (seed %llu), pids, hostname, no address randomization\n",
			when, (unsigned long long)w->seed);
	if (!v->calib.runs) {
		sb_adds(out, "calibration: off (--calibrate 0)\n");
		return;
	}
	sb_addf(out, "calibration: %d more run%s of the original; %zu token%s and %zu name%s "
		"of the rewrite forgiven where the original's runs differ\n", v->calib.runs,
		v->calib.runs == 1 ? "" : "s", v->nmasked, v->nmasked == 1 ? "" : "s",
		v->calib.nnames, v->calib.nnames == 1 ? "" : "s");
	if (v->calib.listing.len)
		sb_addf(out, "what varies between runs of the original (first run vs another):\n%s",
			sb_str(&v->calib.listing));
}

/* "7 and 7 events compared (...), 0 mismatches; end state same, ...: equivalent" */
static void summary_line(struct sb *out, const struct sd_validation *v)
{
	sd_report_counts(out, &v->cmp);
	sb_addf(out, "; end state %s, stdout %s, stderr %s, exit status %d and %d: %s",
		v->nstate ? "differs" : "same", v->out_differs[0] ? "differs" : "same",
		v->out_differs[1] ? "differs" : "same", v->run[0].status, v->run[1].status,
		v->verdict == SD_VERDICT_EQUIVALENT ? "equivalent" : "not equivalent");
	if (v->nmasked || v->calib.nnames)
		sb_addf(out, " (%zu varying token%s and %zu temporary name%s forgiven)", v->nmasked,
			v->nmasked == 1 ? "" : "s", v->calib.nnames, v->calib.nnames == 1 ? "" : "s");
}

static void text_report(struct sb *out, const struct sd_validation *v, const struct sd_report_opts *ro)
{
	struct sd_report_opts o = *ro;
	const char *bold = o.color ? "\033[1m" : "", *off = o.color ? "\033[0m" : "";
	bool eq = v->verdict == SD_VERDICT_EQUIVALENT;

	o.no_summary = true;
	if (o.verbose) {
		for (int i = 0; i < 2; i++) {
			sb_addf(out, "%s:", i ? "Transpiled" : "Original");
			for (size_t k = 0; v->argv[i][k]; k++)
				sb_addf(out, " %s", v->argv[i][k]);
			sb_addf(out, "\n  isolation: %s; %.2f s (sandbox set-up %.1f ms)\n",
				v->run[i].isolation ? v->run[i].isolation : "?", v->run[i].seconds,
				v->run[i].setup_seconds * 1e3);
		}
		sb_addf(out, "Level: %s\n", v->cfg->level_name);
		struct sb plan = SB_INIT;
		sd_sandbox_describe(&v->cfg->plan, &plan);
		sb_addf(out, "%s", plan.buf ? plan.buf : "");
		sb_free(&plan);
		pinned(out, v);
		sb_addc(out, '\n');
	}
	if (v->calib.unstable)
		sb_addf(out, "%sThe original is not deterministic here:%s %s (found by running it %d "
			"more time%s with another seed and clock; --calibrate)\n\n", bold, off,
			v->calib.unstable, v->calib.runs, v->calib.runs == 1 ? "" : "s");
	for (int i = 0; i < 2; i++)
		if (v->run[i].timed_out)
			sb_addf(out, "%sThe %s timed out after %g s%s (the whole process tree was killed)\n\n",
				bold, i ? "transpiled program" : "original", v->cfg->timeout, off);
	for (int i = 0; i < 2; i++)
		if (v->run[i].output_limit)
			sb_addf(out, "%sThe %s was stopped after writing more than %llu MiB%s (output and "
				"trace; --max-output)\n\n", bold, i ? "transpiled program" : "original",
				(unsigned long long)(v->cfg->max_output >> 20), off);
	for (int i = 0; i < 2; i++)
		if (v->run[i].layers_full)
			sb_addf(out, "%sThe %s filled what a run may write to files%s (%llu MiB; "
				"--max-output): its writes failed with ENOSPC\n\n", bold,
				i ? "transpiled program" : "original", off,
				(unsigned long long)(v->cfg->max_output >> 20));
	for (int i = 0; i < 2; i++)
		if (v->run[i].proc_limit)
			sb_addf(out, "%sThe %s reached the process limit (%d)%s\n\n", bold,
				i ? "transpiled program" : "original", v->cfg->max_procs, off);
	if (!v->cmp.equivalent || o.verbose) {
		size_t before = out->len;
		sd_report_text(out, &v->cmp, &o);
		if (out->len > before && out->buf[out->len - 1] != '\n')
			sb_addc(out, '\n');
	}
	if (v->nstate)
		sb_addf(out, "%sEnd state differs:%s\n%s\n", bold, off,
			v->state_text);
	if (v->status_differs)
		sb_addf(out, "%sExit status differs:%s %d vs %d\n\n", bold, off, v->run[0].status,
			v->run[1].status);
	for (int k = 0; k < 2; k++)
		if (v->out_differs[k])
			sb_addf(out, "%s%s differs:%s\n%s\n", bold, k ? "Stderr" : "Stdout", off,
				v->out_diff[k]);
	sb_addf(out, "%s", o.color ? (eq ? "\033[32m" : "\033[31m") : "");
	summary_line(out, v);
	sb_addf(out, "%s\n", off);
}

static void jstr(struct sb *out, const char *s)
{
	sd_report_json_string(out, s);
}

static void jstrv(struct sb *out, char *const *v)
{
	sb_addc(out, '[');
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			sb_addc(out, ',');
		jstr(out, v[i]);
	}
	sb_addc(out, ']');
}

/* A syscall set as a JSON array of names, in number order. */
static void jsysset(struct sb *out, const struct sd_sysset *s)
{
	sb_addc(out, '[');
	for (int nr = 0, n = 0; nr < SD_NR_MAX; nr++) {
		const char *name = sd_syscall_name(nr);
		if (!name || !sd_sysset_has(s, nr))
			continue;
		if (n++)
			sb_addc(out, ',');
		jstr(out, name);
	}
	sb_addc(out, ']');
}

/* What the user said varies or is not compared (--mask, --mask-path, --map-path, and the
 * syscalls --ignore added to the level's noise set or --keep took out of it), as the
 * comparison applied them (a manifest case's own included). */
static void user_options(struct sb *out, const struct sd_validate_cfg *cfg)
{
	struct sd_sysset noise, added = cfg->cmp.ignore, kept;

	sd_cmp_default_noise(&noise);
	kept = noise;
	sd_sysset_subtract(&added, &noise);
	sd_sysset_subtract(&kept, &cfg->cmp.ignore);
	sb_adds(out, ",\"options\":{\"mask\":");
	jstrv(out, cfg->masks);
	sb_adds(out, ",\"mask_path\":");
	jstrv(out, cfg->mask_paths);
	sb_adds(out, ",\"map_path\":[");
	for (size_t i = 0; i < cfg->cmp.nmaps; i++) {
		sb_adds(out, i ? ",{\"from\":" : "{\"from\":");
		jstr(out, cfg->cmp.maps[i].from);
		sb_adds(out, ",\"to\":");
		jstr(out, cfg->cmp.maps[i].to);
		sb_addc(out, '}');
	}
	sb_adds(out, "],\"ignore\":");
	jsysset(out, &added);
	sb_adds(out, ",\"keep\":");
	jsysset(out, &kept);
	sb_addc(out, '}');
}

static void json_report(struct sb *out, const struct sd_validation *v, const struct sd_report_opts *ro)
{
	struct sb cmp = SB_INIT;
	bool eq = v->verdict == SD_VERDICT_EQUIVALENT;

	sd_report_json(&cmp, &v->cmp, ro);
	while (cmp.len && cmp.buf[cmp.len - 1] == '\n')
		cmp.len--;
	sb_addf(out, "{\"verdict\":\"%s\",\"equivalent\":%s,\"level\":\"%s\",",
		eq ? "equivalent" : "not equivalent", eq ? "true" : "false",
		v->cfg->level_name);
	if (v->name) {
		sb_adds(out, "\"case\":");
		jstr(out, v->name);
		sb_addc(out, ',');
	}
	sb_adds(out, "\"runs\":[");
	for (int i = 0; i < 2; i++) {
		const struct sd_run_result *r = &v->run[i];
		sb_addf(out, "%s{\"side\":\"%s\",\"argv\":", i ? "," : "", i ? "transpiled" : "original");
		jstrv(out, v->argv[i]);
		sb_addf(out, ",\"exit_status\":%d,\"timed_out\":%s,\"process_limit\":%s,"
			"\"output_limit\":%s,\"files_limit\":%s,\"seconds\":%.3f,"
			"\"setup_seconds\":%.4f,\"isolation\":",
			r->status, r->timed_out ? "true" : "false", r->proc_limit ? "true" : "false",
			r->output_limit ? "true" : "false", r->layers_full ? "true" : "false", r->seconds,
			r->setup_seconds);
		jstr(out, r->isolation);
		sb_addc(out, '}');
	}
	if (v->cfg->virt.on)
		sb_addf(out, "],\"pinned\":{\"clock_ns\":\"%lld\",\"seed\":%llu}",
			(long long)v->cfg->virt.clock_ns, (unsigned long long)v->cfg->virt.seed);
	else
		sb_adds(out, "],\"pinned\":null");
	user_options(out, v->cfg);
	sb_addf(out, ",\"calibration\":{\"runs\":%d,\"masked_tokens\":%zu,\"names\":%zu,"
		"\"unstable\":", v->calib.runs, v->nmasked, v->calib.nnames);
	if (v->calib.unstable)
		jstr(out, v->calib.unstable);
	else
		sb_adds(out, "null");
	sb_adds(out, ",\"varies\":");
	jstr(out, sb_str(&v->calib.listing));
	sb_adds(out, "},\"trace\":");
	sb_add(out, cmp.buf, cmp.len);
	sb_addf(out, ",\"end_state\":{\"same\":%s,\"differences\":", v->nstate ? "false" : "true");
	jstr(out, v->state_text ? v->state_text : "");
	sb_addf(out, "},\"stdout\":{\"same\":%s,\"diff\":", v->out_differs[0] ? "false" : "true");
	jstr(out, v->out_diff[0] ? v->out_diff[0] : "");
	sb_addf(out, "},\"stderr\":{\"same\":%s,\"diff\":", v->out_differs[1] ? "false" : "true");
	jstr(out, v->out_diff[1] ? v->out_diff[1] : "");
	sb_adds(out, "}}\n");
	sb_free(&cmp);
}

/* ---- the first difference, in one line ---- */

static void first_line(struct sb *out, const char *what, const char *text)
{
	size_t n = text ? strcspn(text, "\n") : 0;

	sb_adds(out, what);
	if (n) {
		sb_adds(out, ": ");
		sb_add(out, text, n);
	}
}

char *sd_validate_first_mismatch(const struct sd_validation *v)
{
	struct sb out = SB_INIT;
	const struct sd_cmp_result *r = &v->cmp;

	for (int i = 0; i < 2 && !out.len; i++)
		if (v->run[i].timed_out || v->run[i].output_limit || v->run[i].layers_full)
			sb_addf(&out, "the %s %s", i ? "transpiled program" : "original",
				v->run[i].timed_out ? "timed out" : "hit --max-output");
	if (!out.len && v->have_cmp && r->nreported) {
		const struct sd_div *d = &r->divs[0];
		const struct sd_cmp_event *c = d->ev[0] ? d->ev[0] : d->ev[1];
		struct sd_diffdesc dd = { .field = -1, .byte = -1, .arg = -1 };
		if (d->kind == SD_DIV_CHANGED && d->ev[0] && d->ev[1])
			sd_describe(d->ev[0], d->ev[1], &dd);
		sb_addf(&out, "%ssyscall #%llu", d->num[0] ? "" : "transpiled ",
			(unsigned long long)(d->num[0] ? d->num[0] : d->num[1]));
		if (c && c->ev.kind == SD_EV_SYSCALL)
			sb_addf(&out, " %s", c->ev.name);
		sb_addf(&out, ": %s", dd.text ? dd.text : sd_div_kind_name(d->kind));
		sd_diffdesc_clear(&dd);
	} else if (!out.len && v->nstate) {
		first_line(&out, "end state", v->state_text);
	} else if (!out.len && v->status_differs) {
		sb_addf(&out, "exit status %d vs %d", v->run[0].status, v->run[1].status);
	} else if (!out.len && (v->out_differs[0] || v->out_differs[1])) {
		sb_adds(&out, v->out_differs[0] ? "stdout differs" : "stderr differs");
	}
	return sb_detach(&out);
}

/* ---- HTML ---- */

static void html_runs(struct sb *out, const struct sd_validation *v)
{
	sb_adds(out, "<table class=\"t\"><tr><th></th><th>command</th><th>exit status</th>"
		"<th>seconds</th><th>notes</th></tr>\n");
	for (int i = 0; i < 2; i++) {
		const struct sd_run_result *r = &v->run[i];
		sb_addf(out, "<tr><th>%s</th><td><code>", i ? "transpiled" : "original");
		for (size_t k = 0; v->argv[i] && v->argv[i][k]; k++) {
			sb_adds(out, k ? " " : "");
			sd_html_escs(out, v->argv[i][k]);
		}
		sb_addf(out, "</code></td><td class=\"num\">%d</td><td class=\"num\">%.3f</td><td>",
			r->status, r->seconds);
		if (r->timed_out)
			sb_addf(out, "timed out after %g s; ", v->cfg->timeout);
		if (r->output_limit)
			sb_adds(out, "stopped: more output than --max-output; ");
		if (r->layers_full)
			sb_adds(out, "filled what it may write to files; ");
		if (r->proc_limit)
			sb_adds(out, "reached the process limit; ");
		sd_html_escs(out, r->isolation);
		sb_adds(out, "</td></tr>\n");
	}
	sb_addf(out, "</table>\n<p>Level: %s.</p>\n", v->cfg->level_name);
}

void sd_validate_html_body(struct sb *out, const struct sd_validation *v,
			   const struct sd_report_opts *ro, const char *idp)
{
	char id[256];

	idp = idp ? idp : "";
	snprintf(id, sizeof id, "%sruns", idp);
	sd_html_section(out, id, "Runs");
	html_runs(out, v);
	sd_html_trace(out, &v->cmp, ro, idp);
	snprintf(id, sizeof id, "%send-state", idp);
	sd_html_pre(out, id, "End state (files changed)", v->nstate ? v->state_text : NULL);
	snprintf(id, sizeof id, "%sexit-status", idp);
	sd_html_section(out, id, "Exit status");
	sb_addf(out, "<p%s>%d and %d%s</p>\n", v->status_differs ? "" : " class=\"same\"",
		v->run[0].status, v->run[1].status, v->status_differs ? ": differs" : ": same");
	snprintf(id, sizeof id, "%sstdout", idp);
	sd_html_udiff(out, id, "Stdout", v->out_differs[0] ? v->out_diff[0] : NULL);
	snprintf(id, sizeof id, "%sstderr", idp);
	sd_html_udiff(out, id, "Stderr", v->out_differs[1] ? v->out_diff[1] : NULL);
}

static void html_report(struct sb *out, const struct sd_validation *v, const struct sd_report_opts *ro)
{
	struct sb title = SB_INIT, sum = SB_INIT;

	sb_addf(&title, "sysdiff validate: %s vs %s", v->argv[0][0], v->argv[1][0]);
	summary_line(&sum, v);
	sd_html_begin(out, sb_str(&title));
	sd_html_header(out, sb_str(&title), v->verdict == SD_VERDICT_EQUIVALENT,
		       sd_verdict_name(v->verdict, false), sb_str(&sum));
	sd_validate_html_body(out, v, ro, NULL);
	sd_html_end(out);
	sb_free(&title);
	sb_free(&sum);
}

/* ---- GitHub annotations ---- */

static void github_note(struct sb *out, const char *prefix, const char *what, const char *msg)
{
	struct sb t = SB_INIT;

	sb_addf(&t, "%s%ssysdiff: %s", prefix ? prefix : "", prefix ? ": " : "", what);
	sd_github_annotation(out, "error", NULL, 0, sb_str(&t), msg);
	sb_free(&t);
}

static void github_report(struct sb *out, const struct sd_validation *v, const struct sd_report_opts *ro)
{
	struct sd_report_opts o = *ro;
	char buf[160];

	o.no_summary = true;
	for (int i = 0; i < 2; i++)
		if (v->run[i].timed_out || v->run[i].output_limit || v->run[i].layers_full) {
			snprintf(buf, sizeof buf, "the %s was cut short", i ? "transpiled program" : "original");
			github_note(out, ro->title, buf, v->run[i].timed_out ? "timed out" :
				    "more output or files than --max-output");
		}
	sd_report_github(out, &v->cmp, &o);
	if (v->nstate)
		github_note(out, ro->title, "end state differs", v->state_text);
	if (v->status_differs) {
		snprintf(buf, sizeof buf, "%d vs %d", v->run[0].status, v->run[1].status);
		github_note(out, ro->title, "exit status differs", buf);
	}
	for (int k = 0; k < 2; k++)
		if (v->out_differs[k])
			github_note(out, ro->title, k ? "stderr differs" : "stdout differs", v->out_diff[k]);
	summary_line(out, v);
	sb_addc(out, '\n');
}

void sd_validate_render(struct sb *out, const struct sd_validation *v, const char *format,
			const struct sd_report_opts *ro)
{
	if (!strcmp(format, "json"))
		json_report(out, v, ro);
	else if (!strcmp(format, "html"))
		html_report(out, v, ro);
	else if (!strcmp(format, "github"))
		github_report(out, v, ro);
	else
		text_report(out, v, ro);
}

/* ---- JUnit ---- */

/* One <testcase>: an <error> when skipped or not done, a <failure> with the text
 * report when the programs differ. */
static void junit_testcase(struct sb *out, const struct sd_case_report *c)
{
	sb_adds(out, "    <testcase classname=\"sysdiff.validate\" name=\"");
	sd_report_xml_string(out, c->name);
	sb_addf(out, "\" time=\"%.3f\">\n", c->seconds);
	if (c->verdict == SD_VERDICT_SKIPPED || c->verdict == SD_VERDICT_ERROR) {
		sb_adds(out, "      <error message=\"");
		sd_report_xml_string(out, c->error ? c->error : "");
		sb_adds(out, "\"/>\n");
	} else if (c->verdict == SD_VERDICT_DIFFERENT) {
		sb_adds(out, "      <failure type=\"not equivalent\" message=\"not equivalent\">");
		sd_report_xml_string(out, c->text);
		sb_adds(out, "</failure>\n");
	}
	sb_adds(out, "    </testcase>\n");
}

static const char junit_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
static const char junit_tail[] = "  </testsuite>\n</testsuites>\n";

void sd_validate_junit(struct sb *out, const struct sd_validation *v,
		       const struct sd_report_opts *ro)
{
	struct sd_report_opts plain = *ro;
	struct sb body = SB_INIT;
	struct sd_case_report c = {
		.name = v->name ? v->name : v->cfg->orig ? v->cfg->orig : v->cfg->origcmd,
		.verdict = v->verdict, .seconds = v->run[0].seconds + v->run[1].seconds,
		.error = v->error,
	};
	int fail = v->verdict == SD_VERDICT_DIFFERENT, err = v->error != NULL;

	plain.color = false;
	if (fail)
		sd_validate_render(&body, v, "text", &plain);
	c.text = sb_str(&body);
	sb_addf(out, "%s<testsuites name=\"sysdiff\" tests=\"1\" failures=\"%d\" errors=\"%d\" "
		"time=\"%.3f\">\n  <testsuite name=\"sysdiff validate\" tests=\"1\" failures=\"%d\" "
		"errors=\"%d\" skipped=\"0\" time=\"%.3f\">\n", junit_head, fail, err, c.seconds,
		fail, err, c.seconds);
	junit_testcase(out, &c);
	sb_adds(out, junit_tail);
	sb_free(&body);
}

void sd_validate_junit_cases(struct sb *out, const struct sd_case_report *c, size_t n,
			     const struct sd_cases_opts *o)
{
	size_t fail = 0, errs = 0;

	for (size_t i = 0; i < n; i++) {
		fail += c[i].verdict == SD_VERDICT_DIFFERENT;
		errs += c[i].verdict == SD_VERDICT_ERROR;
	}
	sb_addf(out, "%s<testsuites name=\"sysdiff\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n"
		"  <testsuite name=\"sysdiff validate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
		junit_head, n, fail, errs, n, fail, errs);
	if (o && o->nshards)   /* which slice: sysdiff merge puts the slices back in order */
		sb_addf(out, "    <properties>\n      <property name=\"sysdiff.shard\" value=\"%d/%d\"/>\n"
			"      <property name=\"sysdiff.cases\" value=\"%zu\"/>\n    </properties>\n",
			o->shard, o->nshards, o->total);
	for (size_t i = 0; i < n; i++)
		if (c[i].text)
			junit_testcase(out, &c[i]);
	sb_adds(out, junit_tail);
}

/* ---- HTML of a manifest's cases ---- */

static const char *verdict_class(enum sd_verdict v)
{
	return v == SD_VERDICT_EQUIVALENT ? "ok" : v == SD_VERDICT_DIFFERENT ? "bad" :
	       v == SD_VERDICT_SKIPPED ? "skip" : "err";
}

static void case_counts(struct sb *out, const struct sd_case_report *c, size_t n, size_t count[4])
{
	for (size_t i = 0; i < n; i++)
		count[c[i].verdict]++;
	sb_addf(out, "%zu cases: %zu equivalent, %zu not equivalent, %zu skipped, %zu errors", n,
		count[SD_VERDICT_EQUIVALENT], count[SD_VERDICT_DIFFERENT], count[SD_VERDICT_SKIPPED],
		count[SD_VERDICT_ERROR]);
}

static void case_link(struct sb *out, const struct sd_case_report *c, size_t i)
{
	if (c->href)
		sd_html_escs(out, c->href);
	else
		sb_addf(out, "#case-%zu", i + 1);
}

/* The index: one row per case, linking to its report. */
static void html_index(struct sb *out, const struct sd_case_report *c, size_t n)
{
	sd_html_section(out, "cases", "Cases");
	sb_adds(out, "<table class=\"t\"><tr><th>#</th><th>case</th><th>verdict</th><th>seconds</th>"
		"<th>first mismatch</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		sb_addf(out, "<tr><td class=\"num\">%zu</td><td><a href=\"", i + 1);
		case_link(out, &c[i], i);
		sb_adds(out, "\">");
		sd_html_escs(out, c[i].name);
		sb_addf(out, "</a></td><td><span class=\"vd %s\">%s</span></td><td class=\"num\">%.3f"
			"</td><td><code>", verdict_class(c[i].verdict),
			c[i].text ? sd_verdict_name(c[i].verdict, false) : "did not run", c[i].seconds);
		sd_html_escs(out, c[i].error ? c[i].error : c[i].first);
		sb_adds(out, "</code></td></tr>\n");
	}
	sb_adds(out, "</table>\n");
}

/* A case's own report: its sections, or why it has none. */
static void case_body(struct sb *out, const struct sd_case_report *c)
{
	if (c->html && *c->html) {
		sb_adds(out, c->html);
	} else {
		sb_adds(out, "<p>");
		sd_html_escs(out, c->error ? c->error : c->text ? "no report" : "the case did not run");
		sb_adds(out, "</p>\n");
	}
}

void sd_validate_html_cases(struct sb *out, const struct sd_case_report *c, size_t n)
{
	struct sb sum = SB_INIT;
	size_t count[4] = { 0 };

	case_counts(&sum, c, n, count);
	bool ok = !count[SD_VERDICT_DIFFERENT] && !count[SD_VERDICT_ERROR];
	sd_html_begin(out, "sysdiff validate: cases");
	sd_html_header(out, "sysdiff validate: cases", ok, ok ? "equivalent" :
		       count[SD_VERDICT_ERROR] ? "errors" : "not equivalent", sb_str(&sum));
	html_index(out, c, n);
	for (size_t i = 0; i < n; i++) {
		if (c[i].href)
			continue;
		sb_addf(out, "<section id=\"case-%zu\">\n<h2>Case ", i + 1);
		sd_html_escs(out, c[i].name);
		sb_addf(out, " <span class=\"vd %s\">%s</span></h2>\n", verdict_class(c[i].verdict),
			c[i].text ? sd_verdict_name(c[i].verdict, false) : "did not run");
		bool open = c[i].verdict != SD_VERDICT_EQUIVALENT;
		sb_addf(out, "<details class=\"f\"%s><summary>the case's report</summary>\n",
			open ? " open" : "");
		case_body(out, &c[i]);
		sb_adds(out, "</details>\n<p><a href=\"#cases\">&uarr; all cases</a></p>\n</section>\n");
	}
	sd_html_end(out);
	sb_free(&sum);
}

void sd_validate_html_case_page(struct sb *out, const struct sd_case_report *c, const char *index)
{
	struct sb title = SB_INIT;

	sb_addf(&title, "sysdiff validate: case %s", c->name);
	sd_html_begin(out, sb_str(&title));
	sd_html_header(out, sb_str(&title), c->verdict == SD_VERDICT_EQUIVALENT,
		       c->text ? sd_verdict_name(c->verdict, false) : "did not run",
		       c->error ? c->error : c->first ? c->first : "");
	sb_adds(out, "<p><a href=\"");
	sd_html_escs(out, index);
	sb_adds(out, "\">&uarr; all cases</a></p>\n");
	case_body(out, c);
	sd_html_end(out);
	sb_free(&title);
}

/* Each case without href gets its own page in dir, linked from the index. */
int sd_validate_html_pages(struct sd_case_report *c, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		struct sb name = SB_INIT, page = SB_INIT;
		sb_addf(&name, "%03zu-", c[i].index + 1);
		for (const char *p = c[i].name; *p && name.len < 80; p++)
			sb_addc(&name, strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789._-", *p) ? *p : '_');
		sb_adds(&name, ".html");
		sd_validate_html_case_page(&page, &c[i], "index.html");
		char *path = xasprintf("%s/%s", dir, name.buf);
		int rc = sd_write_whole(path, page.buf, page.len);
		free(path);
		sb_free(&page);
		if (rc < 0) {
			sb_free(&name);
			return -1;
		}
		c[i].href = sb_detach(&name);   /* the caller frees it (sd_validate_html_pages_free) */
	}
	return 0;
}

void sd_validate_html_pages_free(struct sd_case_report *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)c[i].href);
		c[i].href = NULL;
	}
}

/* ---- reports of many cases ---- */

static void json_cases(struct sb *out, const struct sd_case_report *c, size_t n,
		       const struct sd_cases_opts *o)
{
	size_t count[4] = { 0 };

	sb_adds(out, "{\"cases\":[");
	for (size_t i = 0; i < n; i++) {
		const char *body = c[i].json;
		size_t l = body ? strlen(body) : 0;
		while (l && body[l - 1] == '\n')
			l--;
		if (l && body[l - 1] == '}')
			l--;   /* the object, open: the fields above come first */
		count[c[i].verdict]++;
		sb_addf(out, "%s{\"index\":%zu,\"seconds\":%.3f,\"first_mismatch\":", i ? "," : "",
			c[i].index + 1, c[i].seconds);
		sd_report_json_string(out, c[i].first ? c[i].first : "");
		sb_adds(out, ",\"text\":");
		sd_report_json_string(out, c[i].text);
		if (body && body[0] == '{' && l > 1) {
			sb_addc(out, ',');
			sb_add(out, body + 1, l - 1);
			sb_adds(out, "}");
		} else {   /* never ran, or known only from a JUnit report (merge) */
			sb_adds(out, ",\"case\":");
			sd_report_json_string(out, c[i].name);
			sb_addf(out, ",\"verdict\":\"%s\"", c[i].text ? sd_verdict_name(c[i].verdict, false) :
				"error");
			if (c[i].error || !c[i].text) {
				sb_adds(out, ",\"error\":");
				sd_report_json_string(out, c[i].error ? c[i].error : "the case did not run");
			}
			sb_addc(out, '}');
		}
	}
	sb_addf(out, "],\"equivalent\":%zu,\"not_equivalent\":%zu,\"skipped\":%zu,\"errors\":%zu",
		count[SD_VERDICT_EQUIVALENT], count[SD_VERDICT_DIFFERENT], count[SD_VERDICT_SKIPPED],
		count[SD_VERDICT_ERROR]);
	if (o->nshards)
		sb_addf(out, ",\"shard\":{\"index\":%d,\"count\":%d,\"cases\":%zu}", o->shard,
			o->nshards, o->total);
	sb_adds(out, "}\n");
}

static void text_cases(struct sb *out, const struct sd_case_report *c, size_t n,
		       const struct sd_cases_opts *o)
{
	size_t count[4] = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (c[i].verdict == SD_VERDICT_EQUIVALENT && !o->verbose)
			continue;
		sb_addf(out, "=== case %s: %s\n%s\n", c[i].name, sd_verdict_name(c[i].verdict, true),
			c[i].text ? c[i].text : "");
	}
	case_counts(out, c, n, count);
	sb_addc(out, '\n');
}

/* GitHub: each case's annotations (a case that could not run: one of its own), then the
 * summary as plain text. */
static void github_cases(struct sb *out, const struct sd_case_report *c, size_t n)
{
	size_t count[4] = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (c[i].github) {
			/* its own summary line (plain text) is left out: the cases' one follows */
			const char *g = c[i].github, *last = g;
			for (const char *p = g; *p; p++)
				if (p[0] == '\n' && p[1])
					last = p + 1;
			sb_add(out, g, strncmp(last, "::", 2) ? (size_t)(last - g) : strlen(g));
		} else if (c[i].verdict != SD_VERDICT_EQUIVALENT) {
			/* no annotations of its own (a case that could not run, or one merged
			 * from a report without them): one for the case */
			struct sb t = SB_INIT;
			sb_addf(&t, "%s: sysdiff: %s", c[i].name, sd_verdict_name(c[i].verdict, false));
			sd_github_annotation(out, c[i].verdict == SD_VERDICT_SKIPPED ? "warning" : "error",
					     NULL, 0, sb_str(&t),
					     c[i].verdict == SD_VERDICT_DIFFERENT ? "not equivalent" :
					     c[i].error ? c[i].error : "the case did not run");
			sb_free(&t);
		}
	}
	case_counts(out, c, n, count);
	sb_addc(out, '\n');
}

void sd_validate_cases_render(struct sb *out, const char *format, const struct sd_case_report *c,
			      size_t n, const struct sd_cases_opts *o)
{
	if (!strcmp(format, "json"))
		json_cases(out, c, n, o);
	else if (!strcmp(format, "junit"))
		sd_validate_junit_cases(out, c, n, o);
	else if (!strcmp(format, "html"))
		sd_validate_html_cases(out, c, n);
	else if (!strcmp(format, "github"))
		github_cases(out, c, n);
	else
		text_cases(out, c, n, o);
}

int sd_validate_cases_exit(const struct sd_case_report *c, size_t n, bool fail_on_skip)
{
	size_t count[4] = { 0 };

	for (size_t i = 0; i < n; i++)
		count[c[i].verdict]++;
	if (count[SD_VERDICT_ERROR])
		return SD_EXIT_ERROR;
	if (count[SD_VERDICT_DIFFERENT] || (count[SD_VERDICT_SKIPPED] && fail_on_skip))
		return SD_EXIT_DIFFERENT;
	return SD_EXIT_EQUIVALENT;
}
