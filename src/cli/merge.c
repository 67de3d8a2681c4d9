/* merge.c - `sysdiff merge FILE...`: join the reports of `validate --cases --shard K/N`
 * runs (JSON, or JUnit) into one report of the whole manifest, in text, JSON, JUnit,
 * HTML or GitHub annotations, with the verdicts and exit status an unsharded run gives.
 * Exit 0 equivalent, 1 not, 2 usage or input error (a shard missing or given twice, a
 * case in two shards, a file that is not such a report). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/github.h"
#include "report/html.h"
#include "util/util.h"
#include "validate/validate.h"

static const char merge_usage[] =
	"usage: sysdiff merge [options] FILE...\n"
	"\n"
	"Joins the reports of 'sysdiff validate --cases M --shard K/N' runs (--format json,\n"
	"or junit) into one report of the whole manifest, in manifest order.\n"
	"\n"
	"  --format FMT      text (default), json, junit, html or github\n"
	"  -o FILE           write the report to FILE (html: a directory gets index.html and\n"
	"                    a page per case)\n"
	"  -v, --verbose     text: the report of every case, not only those that differ\n"
	"  --fail-on-skip    exit 1 when a case was skipped\n"
	"\n"
	"Exit status: 0 equivalent, 1 not equivalent, 2 usage or input error.\n";

#define die2(...) sd_die_code(SD_EXIT_ERROR, __VA_ARGS__)

/* One case read from a shard's report. */
struct mcase {
	struct sd_case_report r;
	long index;              /* 1-based place in the manifest, 0: unknown */
	int shard;               /* the shard it came from (ordering) */
	size_t seq;              /* the order it was read in */
	json_t *obj;             /* JSON input: the case's object (owned by the root) */
	char *owned[6];          /* strings this case owns */
};

struct merge {
	struct mcase *c;
	size_t n, cap;
	json_t **roots;          /* JSON inputs, kept while the cases point into them */
	size_t nroots;
	int nshards;             /* from the inputs' shard records, 0: none */
	size_t nplain;           /* inputs without one */
	size_t total;
	char *seen;              /* which shards were given */
	const char *format;
};

static enum sd_verdict verdict_of(const char *s)
{
	return !s ? SD_VERDICT_ERROR : !strcmp(s, "equivalent") ? SD_VERDICT_EQUIVALENT :
	       !strcmp(s, "not equivalent") ? SD_VERDICT_DIFFERENT :
	       !strcmp(s, "skipped") ? SD_VERDICT_SKIPPED : SD_VERDICT_ERROR;
}

static struct mcase *new_case(struct merge *m)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->c = xrealloc(m->c, m->cap * sizeof *m->c);
	}
	memset(&m->c[m->n], 0, sizeof *m->c);
	m->c[m->n].seq = m->n;
	return &m->c[m->n++];
}

/* A shard record "K of N, of a manifest of total cases": checked against the others. */
static void note_shard(struct merge *m, const char *file, int k, int n, size_t total)
{
	if (n < 1 || k < 1 || k > n)
		die2("%s: invalid shard %d/%d", file, k, n);
	if (!m->nshards) {
		m->nshards = n;
		m->total = total;
		m->seen = xcalloc((size_t)n + 1, 1);
	} else if (n != m->nshards || total != m->total) {
		die2("%s: shard %d/%d of %zu cases does not belong with shards of %d (%zu cases)",
		     file, k, n, total, m->nshards, m->total);
	}
	if (m->seen[k])
		die2("%s: shard %d/%d given twice", file, k, n);
	m->seen[k] = 1;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The case's JSON without the fields the report adds again (report.c, json_cases). */
static char *case_body(json_t *c)
{
	json_t *copy = json_copy(c);
	static const char *const added[] = { "index", "seconds", "first_mismatch", "text", NULL };

	for (size_t i = 0; added[i]; i++)
		json_object_del(copy, added[i]);
	char *s = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(copy);
	return s;
}

static void read_json(struct merge *m, const char *file, const char *data, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je), *cases, *c, *sh;
	size_t i;

	if (!root || !json_is_array(cases = json_object_get(root, "cases")))
		die2("%s: %s", file, root ? "not a report of 'validate --cases --format json'" : je.text);
	m->roots = xrealloc(m->roots, (m->nroots + 1) * sizeof *m->roots);
	m->roots[m->nroots++] = root;
	if (json_is_object(sh = json_object_get(root, "shard")))
		note_shard(m, file, (int)json_integer_value(json_object_get(sh, "index")),
			   (int)json_integer_value(json_object_get(sh, "count")),
			   (size_t)json_integer_value(json_object_get(sh, "cases")));
	else
		m->nplain++;
	json_array_foreach(cases, i, c) {
		struct mcase *k = new_case(m);
		if (!json_is_object(c) || !jstr(c, "case") || !jstr(c, "verdict"))
			die2("%s: not a report of 'validate --cases --format json' (case %zu)", file,
			     i + 1);
		k->obj = c;
		k->shard = sh ? (int)json_integer_value(json_object_get(sh, "index")) : 0;
		k->index = (long)json_integer_value(json_object_get(c, "index"));
		k->r.name = jstr(c, "case");
		k->r.verdict = verdict_of(jstr(c, "verdict"));
		k->r.seconds = json_number_value(json_object_get(c, "seconds"));
		k->r.error = jstr(c, "error");
		k->r.first = jstr(c, "first_mismatch");
		k->r.text = jstr(c, "text") ? jstr(c, "text") : "";
		k->r.json = k->owned[0] = case_body(c);
	}
}

/* ---- JUnit ---- */

/* XML character data or an attribute value, unescaped (malloc'd). */
static char *xml_text(const char *p, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	struct sb out = SB_INIT;

	for (size_t i = 0; i < n; i++) {
		size_t e = 0;
		if (p[i] == '&')
			for (; e < sizeof ents / sizeof *ents; e++)
				if (!strncmp(p + i, ents[e].ent, strlen(ents[e].ent)))
					break;
		if (p[i] == '&' && e < sizeof ents / sizeof *ents) {
			sb_addc(&out, ents[e].c);
			i += strlen(ents[e].ent) - 1;
		} else if (p[i] == '&' && p[i + 1] == '#') {
			long c = p[i + 2] == 'x' ? strtol(p + i + 3, NULL, 16) : strtol(p + i + 2, NULL, 10);
			const char *semi = memchr(p + i, ';', n - i);
			sb_addc(&out, c > 0 && c < 128 ? (char)c : '?');
			i = semi ? (size_t)(semi - p) : i;
		} else {
			sb_addc(&out, p[i]);
		}
	}
	return sb_detach(&out);
}

/* The value of attribute name in the tag starting at tag (malloc'd), or NULL. */
static char *xml_attr(const char *tag, const char *name)
{
	const char *end = strchr(tag, '>');
	size_t nl = strlen(name);

	for (const char *p = tag + 1; end && p < end; p++) {
		if ((p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') && !strncmp(p, name, nl) &&
		    p[nl] == '=' && p[nl + 1] == '"') {
			const char *v = p + nl + 2, *q = strchr(v, '"');
			return q ? xml_text(v, (size_t)(q - v)) : NULL;
		}
	}
	return NULL;
}

/* One <testcase ...> ... (up to its end) into k. */
static void junit_case(struct mcase *k, const char *tc)
{
	const char *gt = strchr(tc, '>'), *end = gt && gt[-1] != '/' ? strstr(gt, "</testcase>") : gt;
	const char *f = gt ? strstr(gt, "<failure") : NULL, *e = gt ? strstr(gt, "<error") : NULL;
	char *t = xml_attr(tc, "time");

	k->r.name = k->owned[0] = xml_attr(tc, "name");
	k->r.seconds = t ? atof(t) : 0;
	free(t);
	k->r.verdict = SD_VERDICT_EQUIVALENT;
	k->r.text = "";
	if (f && end && f < end) {
		const char *body = strchr(f, '>'), *close = body ? strstr(body, "</failure>") : NULL;
		k->r.verdict = SD_VERDICT_DIFFERENT;
		if (close)
			k->r.text = k->owned[1] = xml_text(body + 1, (size_t)(close - body - 1));
	} else if (e && end && e < end) {
		k->r.error = k->owned[2] = xml_attr(e, "message");
		k->r.verdict = k->r.error && !strncmp(k->r.error, "skipped:", 8) ?
			       SD_VERDICT_SKIPPED : SD_VERDICT_ERROR;
		k->r.text = k->owned[3] = xasprintf("error: %s\n", k->r.error ? k->r.error : "");
	}
}

static void read_junit(struct merge *m, const char *file, const char *data)
{
	const char *suite = strstr(data, "<testsuite ");
	int shard = 0;

	if (!suite || !strstr(data, "<testsuites"))
		die2("%s: not a JUnit report of 'validate --cases --format junit'", file);
	const char *prop = strstr(suite, "name=\"sysdiff.shard\"");
	if (prop) {
		char *v = xml_attr(prop - 1, "value");
		const char *pc = strstr(suite, "name=\"sysdiff.cases\"");
		char *tot = pc ? xml_attr(pc - 1, "value") : NULL;
		int k = 0, n = 0;
		if (!v || sscanf(v, "%d/%d", &k, &n) != 2)
			die2("%s: invalid sysdiff.shard property", file);
		note_shard(m, file, k, n, tot ? (size_t)atol(tot) : 0);
		shard = k;
		free(v);
		free(tot);
	} else {
		m->nplain++;
	}
	for (const char *tc = strstr(suite, "<testcase "); tc; tc = strstr(tc + 1, "<testcase ")) {
		struct mcase *k = new_case(m);
		junit_case(k, tc);
		if (!k->r.name)
			die2("%s: a test case without a name", file);
		k->shard = shard;
	}
}

/* ---- HTML and GitHub annotations from a case's JSON ---- */

/* An event's src object as a location (strings borrowed from the JSON). */
static void src_of(json_t *src, struct sd_srcloc *s, struct sd_srcframe **frames)
{
	json_t *fr = json_object_get(src, "stack"), *f;
	size_t i;

	memset(s, 0, sizeof *s);
	*frames = NULL;
	if (!json_is_object(src))
		return;
	s->file = (char *)jstr(src, "file");
	s->line = (int)json_integer_value(json_object_get(src, "line"));
	s->func = (char *)jstr(src, "func");
	s->dir = (char *)jstr(src, "dir");
	s->module = (char *)jstr(src, "module");
	s->why = (char *)jstr(src, "why");
	s->phase = (char *)jstr(src, "phase");
	if (!json_is_array(fr) || !json_array_size(fr))
		return;
	*frames = xcalloc(json_array_size(fr), sizeof **frames);
	json_array_foreach(fr, i, f) {
		struct sd_srcframe *o = &(*frames)[i];
		o->func = (char *)jstr(f, "func");
		o->file = (char *)jstr(f, "file");
		o->module = (char *)jstr(f, "module");
		o->line = (int)json_integer_value(json_object_get(f, "line"));
		o->off = (uint64_t)json_integer_value(json_object_get(f, "off"));
		o->inlined = json_is_true(json_object_get(f, "inline"));
		o->user = json_is_true(json_object_get(f, "user"));
	}
	s->frames = *frames;
	s->nframes = (int)json_array_size(fr);
}

/* A side of a divergence: its text without the " [file:line]" the JSON text ends with. */
static char *side_text(json_t *side)
{
	const char *t = jstr(side, "text");
	json_t *src = json_object_get(json_object_get(side, "event"), "src");
	size_t n = t ? strlen(t) : 0;

	if (t && json_is_object(src) && n && t[n - 1] == ']') {
		const char *b = strrchr(t, '[');
		if (b && b > t && b[-1] == ' ')
			n = (size_t)(b - t - 1);
	}
	return t ? xstrndup(t, n) : NULL;
}

/* The token around the first byte where a and b differ: c[i].mark_*, caret. */
static void mark_first_difference(struct sd_html_cell c[2])
{
	const char *a = c[0].text, *b = c[1].text;
	size_t p = 0;

	if (!a || !b)
		return;
	while (a[p] && a[p] == b[p])
		p++;
	for (int i = 0; i < 2; i++) {
		const char *t = c[i].text;
		size_t len = strlen(t), lo = p < len ? p : len, hi = lo;
		while (lo > 0 && t[lo - 1] != '(' && !(lo > 1 && t[lo - 2] == ',' && t[lo - 1] == ' ') &&
		       t[lo - 1] != '=')
			lo--;
		while (hi < len && t[hi] != ')' && !(t[hi] == ',' && t[hi + 1] == ' '))
			hi++;
		c[i].mark_lo = (long)lo;
		c[i].mark_hi = (long)hi;
		c[i].caret = p < len ? (long)p : -1;
		c[i].caret_w = 1;
	}
}

static void json_row(struct sb *out, json_t *d, const char *id)
{
	static const char *const sides[2] = { "original", "transpiled" };
	const char *kind = jstr(d, "kind");
	enum sd_row_kind rk = !kind || !strcmp(kind, "changed") ? SD_ROW_CHANGED :
			      strstr(kind, "missing") ? SD_ROW_MISSING : SD_ROW_EXTRA;
	struct sd_html_cell c[2];
	struct sd_srcloc src[2];
	struct sd_srcframe *frames[2];
	char *text[2];

	for (int i = 0; i < 2; i++) {
		json_t *side = json_object_get(d, sides[i]);
		c[i] = (struct sd_html_cell){ .mark_lo = -1, .mark_hi = -1, .caret = -1 };
		text[i] = json_is_object(side) ? side_text(side) : NULL;
		src_of(json_object_get(json_object_get(side, "event"), "src"), &src[i], &frames[i]);
		c[i].num = text[i] ? (uint64_t)json_integer_value(json_object_get(side, "number")) : 0;
		c[i].text = text[i];
		c[i].src = &src[i];
	}
	if (rk == SD_ROW_CHANGED)
		mark_first_difference(c);
	sd_html_row(out, rk, c, jstr(json_object_get(d, "difference"), "description"), id);
	for (int i = 0; i < 2; i++) {
		free(text[i]);
		free(frames[i]);
	}
}

static void json_runs(struct sb *out, json_t *runs)
{
	json_t *r, *a;
	size_t i, k;

	sb_adds(out, "<table class=\"t\"><tr><th></th><th>command</th><th>exit status</th>"
		"<th>seconds</th><th>isolation</th></tr>\n");
	json_array_foreach(runs, i, r) {
		sb_adds(out, "<tr><th>");
		sd_html_escs(out, jstr(r, "side"));
		sb_adds(out, "</th><td><code>");
		json_array_foreach(json_object_get(r, "argv"), k, a) {
			sb_adds(out, k ? " " : "");
			sd_html_escs(out, json_string_value(a));
		}
		sb_addf(out, "</code></td><td class=\"num\">%lld</td><td class=\"num\">%.3f</td><td>",
			(long long)json_integer_value(json_object_get(r, "exit_status")),
			json_number_value(json_object_get(r, "seconds")));
		sd_html_escs(out, jstr(r, "isolation"));
		sb_adds(out, "</td></tr>\n");
	}
	sb_adds(out, "</table>\n");
}

/* The trace's mismatches: the list, and each divergence's two calls (the JSON report
 * holds no context rows). */
static void json_trace(struct sb *out, json_t *trace, const char *idp)
{
	json_t *divs = json_object_get(trace, "divergences"), *d;
	long long more = json_integer_value(json_object_get(trace, "more"));
	char id[160];
	size_t i;

	snprintf(id, sizeof id, "%smismatches", idp);
	sd_html_section(out, id, "Trace mismatches");
	if (!json_array_size(divs)) {
		sb_adds(out, "<p class=\"same\">None: every compared call matches.</p>\n");
		return;
	}
	sb_adds(out, "<p>");
	sd_html_escs(out, jstr(trace, "summary"));
	sb_adds(out, "</p>\n");
	sd_html_rows_begin(out, "original", "transpiled");
	json_array_foreach(divs, i, d) {
		snprintf(id, sizeof id, "%sd%zu", idp, i + 1);
		json_row(out, d, id);
	}
	if (more > 0) {
		char t[96];
		snprintf(t, sizeof t, "%lld more mismatches not shown (--max-mismatches)", more);
		sd_html_gap(out, t);
	}
	sd_html_rows_end(out);
}

static const char *json_diff(json_t *c, const char *key, const char *field)
{
	json_t *o = json_object_get(c, key);

	return json_is_true(json_object_get(o, "same")) ? NULL : jstr(o, field);
}

/* A case's HTML sections from its JSON (malloc'd), or NULL when it has no report. */
static char *json_case_html(json_t *c, size_t index)
{
	struct sb out = SB_INIT;
	json_t *runs = json_object_get(c, "runs");
	char idp[32], id[64];

	if (!json_is_array(runs) || json_array_size(runs) != 2)
		return NULL;
	snprintf(idp, sizeof idp, "c%zu-", index + 1);
	snprintf(id, sizeof id, "%sruns", idp);
	sd_html_section(&out, id, "Runs");
	json_runs(&out, runs);
	json_trace(&out, json_object_get(c, "trace"), idp);
	snprintf(id, sizeof id, "%send-state", idp);
	sd_html_pre(&out, id, "End state (files changed)", json_diff(c, "end_state", "differences"));
	long long s0 = json_integer_value(json_object_get(json_array_get(runs, 0), "exit_status"));
	long long s1 = json_integer_value(json_object_get(json_array_get(runs, 1), "exit_status"));
	snprintf(id, sizeof id, "%sexit-status", idp);
	sd_html_section(&out, id, "Exit status");
	sb_addf(&out, "<p%s>%lld and %lld: %s</p>\n", s0 == s1 ? " class=\"same\"" : "", s0, s1,
		s0 == s1 ? "same" : "differs");
	snprintf(id, sizeof id, "%sstdout", idp);
	sd_html_udiff(&out, id, "Stdout", json_diff(c, "stdout", "diff"));
	snprintf(id, sizeof id, "%sstderr", idp);
	sd_html_udiff(&out, id, "Stderr", json_diff(c, "stderr", "diff"));
	return sb_detach(&out);
}

/* A case's GitHub annotations from its JSON (malloc'd): one per mismatch on each side's
 * source line, then what else differs, as validate --format github gives them. */
static char *json_case_github(json_t *c, const char *name, const char *cwd)
{
	struct sb out = SB_INIT, title = SB_INIT, msg = SB_INIT;
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(c, "trace"), "divergences"), i, d) {
		bool any = false;
		sb_reset(&msg);
		sb_addf(&msg, "Original:   %s\nTranspiled: %s\n^ %s",
			jstr(json_object_get(d, "original"), "text") ?: "(none)",
			jstr(json_object_get(d, "transpiled"), "text") ?: "(none)",
			jstr(json_object_get(d, "difference"), "description") ?: "differs");
		for (int k = 0; k < 2; k++) {
			json_t *side = json_object_get(d, k ? "transpiled" : "original");
			struct sd_srcloc s;
			struct sd_srcframe *fr;
			src_of(json_object_get(json_object_get(side, "event"), "src"), &s, &fr);
			char *file = sd_github_src_file(&s, cwd);
			free(fr);
			if (!file)
				continue;
			sb_reset(&title);
			sb_addf(&title, "%s: sysdiff: mismatch at %s syscall #%lld", name,
				k ? "transpiled" : "original",
				(long long)json_integer_value(json_object_get(side, "number")));
			sd_github_annotation(&out, "error", file, s.line, sb_str(&title), sb_str(&msg));
			free(file);
			any = true;
		}
		if (!any) {
			sb_reset(&title);
			sb_addf(&title, "%s: sysdiff: mismatch at syscall #%lld", name,
				(long long)json_integer_value(json_object_get(d, "number")));
			sd_github_annotation(&out, "error", NULL, 0, sb_str(&title), sb_str(&msg));
		}
	}
	static const char *const other[][3] = { { "end_state", "differences", "end state differs" },
		{ "", "", "exit status differs" }, { "stdout", "diff", "stdout differs" },
		{ "stderr", "diff", "stderr differs" } };
	json_t *runs = json_object_get(c, "runs");
	char st[64];
	snprintf(st, sizeof st, "%lld vs %lld",
		 (long long)json_integer_value(json_object_get(json_array_get(runs, 0), "exit_status")),
		 (long long)json_integer_value(json_object_get(json_array_get(runs, 1), "exit_status")));
	for (size_t k = 0; k < 4; k++) {
		const char *t = k == 1 ? st : json_diff(c, other[k][0], other[k][1]);
		if (k == 1 && json_equal(json_object_get(json_array_get(runs, 0), "exit_status"),
					 json_object_get(json_array_get(runs, 1), "exit_status")))
			continue;
		if (!t || !*t)
			continue;
		sb_reset(&title);
		sb_addf(&title, "%s: sysdiff: %s", name, other[k][2]);
		sd_github_annotation(&out, "error", NULL, 0, sb_str(&title), t);
	}
	sb_free(&title);
	sb_free(&msg);
	return sb_detach(&out);
}

/* ---- the command ---- */

static int by_place(const void *x, const void *y)
{
	const struct mcase *a = x, *b = y;

	if (a->index > 0 && b->index > 0 && a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->shard != b->shard)
		return a->shard < b->shard ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Every shard there once, every case once; the cases in manifest order. */
static void check_and_order(struct merge *m)
{
	if (m->nshards && m->nplain)
		die2("cannot merge the reports of shards with reports of whole runs");
	for (int k = 1; k <= m->nshards; k++)
		if (!m->seen[k])
			die2("shard %d/%d is missing", k, m->nshards);
	if (m->nshards && m->total && m->n != m->total)
		die2("the shards hold %zu cases, their manifest %zu", m->n, m->total);
	qsort(m->c, m->n, sizeof *m->c, by_place);
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = i + 1; j < m->n; j++)
			if (!strcmp(m->c[i].r.name, m->c[j].r.name))
				die2("case '%s' is in two reports", m->c[i].r.name);
}

static void read_input(struct merge *m, const char *file)
{
	size_t len;
	char *data = sd_read_file(file, SIZE_MAX, &len, NULL);
	const char *p = data;

	if (!data)
		die2("%s: %s", file, strerror(errno));
	while (p < data + len && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	if (*p == '{')
		read_json(m, file, data, len);
	else if (*p == '<')
		read_junit(m, file, data);
	else
		die2("%s: neither a JSON nor a JUnit report", file);
	free(data);
}

/* What the chosen format needs that the inputs do not hold as such. */
static void derive(struct merge *m)
{
	char cwd[4096];
	const char *wd = getcwd(cwd, sizeof cwd) ? cwd : NULL;

	for (size_t i = 0; i < m->n; i++) {
		struct mcase *k = &m->c[i];
		k->r.index = i;
		if (!strcmp(m->format, "html") && k->obj)
			k->r.html = k->owned[4] = json_case_html(k->obj, i);
		else if (!strcmp(m->format, "github") && k->obj && k->r.verdict == SD_VERDICT_DIFFERENT)
			k->r.github = k->owned[5] = json_case_github(k->obj, k->r.name, wd);
	}
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' }, { "fail-on-skip", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct merge m = { .format = "text" };
	struct sd_cases_opts o = { 0 };
	const char *out_path = NULL;
	bool fail_on_skip = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': m.format = optarg; break;
		case 'o': out_path = optarg; break;
		case 'v': o.verbose = true; break;
		case 's': fail_on_skip = true; break;
		case 'h': fputs(merge_usage, stdout); return 0;
		default: die2("unknown option or missing argument '%s' (see 'sysdiff merge --help')",
			      argv[optind - 1]);
		}
	}
	if (strcmp(m.format, "text") && strcmp(m.format, "json") && strcmp(m.format, "junit") &&
	    strcmp(m.format, "html") && strcmp(m.format, "github"))
		die2("unknown --format '%s' (expected text, json, junit, html or github)", m.format);
	if (optind >= argc)
		die2("expected the reports to merge: FILE... (see 'sysdiff merge --help')");
	for (int i = optind; i < argc; i++)
		read_input(&m, argv[i]);
	check_and_order(&m);
	derive(&m);
	struct sd_case_report *r = xcalloc(m.n + 1, sizeof *r);
	for (size_t i = 0; i < m.n; i++)
		r[i] = m.c[i].r;
	o.total = m.n;
	struct sb sb = SB_INIT;
	char *index = NULL;
	if (!strcmp(m.format, "html") && sd_validate_html_dir(out_path)) {
		if (sd_mkdir_p(out_path) < 0 || sd_validate_html_pages(r, m.n, out_path) < 0)
			die2("cannot write the report to '%s': %s", out_path, strerror(errno));
		index = xasprintf("%s/index.html", out_path);
	}
	sd_validate_cases_render(&sb, m.format, r, m.n, &o);
	cli_write_report(index ? index : out_path, &sb, SD_EXIT_ERROR);
	int rc = sd_validate_cases_exit(r, m.n, fail_on_skip);
	if (index)
		sd_validate_html_pages_free(r, m.n);
	free(index);
	sb_free(&sb);
	free(r);
	for (size_t i = 0; i < m.n; i++)
		for (size_t k = 0; k < 6; k++)
			free(m.c[i].owned[k]);
	for (size_t i = 0; i < m.nroots; i++)
		json_decref(m.roots[i]);
	free(m.roots);
	free(m.c);
	free(m.seen);
	return rc;
}
