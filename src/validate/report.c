/* report.c - text, JSON and JUnit reports of validations, and JUnit of a manifest's cases. */
#define _GNU_SOURCE
#include "validate/validate.h"

#include <stdio.h>
#include <string.h>

#include "util/util.h"

/* ---- reports ---- */

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
		sb_addf(out, "%s\n", plan.buf ? plan.buf : "");
		sb_free(&plan);
	}
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
	sd_report_counts(out, &v->cmp);
	sb_addf(out, "; end state %s, stdout %s, stderr %s, exit status %d and %d: %s%s\n",
		v->nstate ? "differs" : "same", v->out_differs[0] ? "differs" : "same",
		v->out_differs[1] ? "differs" : "same", v->run[0].status, v->run[1].status,
		eq ? "equivalent" : "not equivalent", off);
}

static void jstr(struct sb *out, const char *s)
{
	sd_report_json_string(out, s);
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
		sb_addf(out, "%s{\"side\":\"%s\",\"argv\":[", i ? "," : "", i ? "transpiled" : "original");
		for (size_t k = 0; v->argv[i][k]; k++) {
			if (k)
				sb_addc(out, ',');
			jstr(out, v->argv[i][k]);
		}
		sb_addf(out, "],\"exit_status\":%d,\"timed_out\":%s,\"process_limit\":%s,"
			"\"output_limit\":%s,\"files_limit\":%s,\"seconds\":%.3f,"
			"\"setup_seconds\":%.4f,\"isolation\":",
			r->status, r->timed_out ? "true" : "false", r->proc_limit ? "true" : "false",
			r->output_limit ? "true" : "false", r->layers_full ? "true" : "false", r->seconds,
			r->setup_seconds);
		jstr(out, r->isolation);
		sb_addc(out, '}');
	}
	sb_adds(out, "],\"trace\":");
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

void sd_validate_render(struct sb *out, const struct sd_validation *v, const char *format,
			const struct sd_report_opts *ro)
{
	if (!strcmp(format, "json"))
		json_report(out, v, ro);
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

void sd_validate_junit_cases(struct sb *out, const struct sd_case_report *c, size_t n)
{
	size_t fail = 0, errs = 0;

	for (size_t i = 0; i < n; i++) {
		fail += c[i].verdict == SD_VERDICT_DIFFERENT;
		errs += c[i].verdict == SD_VERDICT_ERROR;
	}
	sb_addf(out, "%s<testsuites name=\"sysdiff\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n"
		"  <testsuite name=\"sysdiff validate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
		junit_head, n, fail, errs, n, fail, errs);
	for (size_t i = 0; i < n; i++)
		if (c[i].text)
			junit_testcase(out, &c[i]);
	sb_adds(out, junit_tail);
}
