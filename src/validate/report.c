/* report.c - text, JSON and JUnit reports of validations. */
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

	o.no_summary = true;
	if (o.verbose) {
		for (int i = 0; i < 2; i++) {
			sb_addf(out, "%s:", i ? "Transpiled" : "Original");
			for (size_t k = 0; v->argv[i][k]; k++)
				sb_addf(out, " %s", v->argv[i][k]);
			sb_addf(out, "\n  isolation: %s; %.2f s\n",
				v->run[i].isolation ? v->run[i].isolation : "?", v->run[i].seconds);
		}
		sb_addf(out, "Level: %s\n\n", v->cfg->level_name);
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
		sb_addf(out, "%sEnd state of the starting directory differs:%s\n%s\n", bold, off,
			v->state_text);
	if (v->status_differs)
		sb_addf(out, "%sExit status differs:%s %d vs %d\n\n", bold, off, v->run[0].status,
			v->run[1].status);
	for (int k = 0; k < 2; k++)
		if (v->out_differs[k])
			sb_addf(out, "%s%s differs:%s\n%s\n", bold, k ? "Stderr" : "Stdout", off,
				v->out_diff[k]);
	sb_addf(out, "%s", o.color ? (v->equivalent ? "\033[32m" : "\033[31m") : "");
	sd_report_counts(out, &v->cmp);
	sb_addf(out, "; end state %s, stdout %s, stderr %s, exit status %d and %d: %s%s\n",
		v->nstate ? "differs" : "same", v->out_differs[0] ? "differs" : "same",
		v->out_differs[1] ? "differs" : "same", v->run[0].status, v->run[1].status,
		v->equivalent ? "equivalent" : "not equivalent", off);
}

static void jstr(struct sb *out, const char *s)
{
	sd_report_json_string(out, s);
}

static void json_report(struct sb *out, const struct sd_validation *v, const struct sd_report_opts *ro)
{
	struct sb cmp = SB_INIT;

	sd_report_json(&cmp, &v->cmp, ro);
	while (cmp.len && cmp.buf[cmp.len - 1] == '\n')
		cmp.len--;
	sb_addf(out, "{\"verdict\":\"%s\",\"equivalent\":%s,\"level\":\"%s\",",
		v->equivalent ? "equivalent" : "not equivalent", v->equivalent ? "true" : "false",
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
			"\"output_limit\":%s,\"seconds\":%.3f,\"isolation\":", r->status,
			r->timed_out ? "true" : "false", r->proc_limit ? "true" : "false",
			r->output_limit ? "true" : "false", r->seconds);
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


/* JUnit: one test case per validation. */
void sd_validate_junit(struct sb *out, struct sd_validation *const *v, size_t n,
		       const struct sd_report_opts *ro)
{
	struct sd_report_opts plain = *ro;
	size_t fail = 0, err = 0;
	double total = 0;

	plain.color = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i]->error)
			err++;
		else if (!v[i]->equivalent)
			fail++;
		total += v[i]->run[0].seconds + v[i]->run[1].seconds;
	}
	sb_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"sysdiff\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n"
		"  <testsuite name=\"sysdiff validate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		"skipped=\"0\" time=\"%.3f\">\n", n, fail, err, total, n, fail, err, total);
	for (size_t i = 0; i < n; i++) {
		const struct sd_validation *x = v[i];
		struct sb body = SB_INIT;
		sb_adds(out, "    <testcase classname=\"sysdiff.validate\" name=\"");
		if (x->name)
			sd_report_xml_string(out, x->name);
		else
			sd_report_xml_string(out, x->cfg->orig ? x->cfg->orig : x->cfg->origcmd);
		sb_addf(out, "\" time=\"%.3f\">\n", x->run[0].seconds + x->run[1].seconds);
		if (x->error) {
			sb_adds(out, "      <error message=\"");
			sd_report_xml_string(out, x->error);
			sb_adds(out, "\"/>\n");
		} else if (!x->equivalent) {
			sd_validate_render(&body, x, "text", &plain);
			sb_adds(out, "      <failure type=\"not equivalent\" message=\"not equivalent\">");
			sd_report_xml_string(out, sb_str(&body));
			sb_adds(out, "</failure>\n");
		}
		sb_adds(out, "    </testcase>\n");
		sb_free(&body);
	}
	sb_adds(out, "  </testsuite>\n</testsuites>\n");
}
