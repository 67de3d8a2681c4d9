/* json.c - the compare result as one JSON object (documented in docs/compare.md). */
#include "report/report.h"

#include <string.h>

#include "compare/describe.h"
#include "format/writers.h"

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD so the output always parses. */
static void jstr(struct sb *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	if (!s) {
		sb_adds(out, "null");
		return;
	}
	sb_addc(out, '"');
	while (*p) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			sb_addc(out, '\\');
			sb_addc(out, (char)c);
			p++;
		} else if (c == '\n') {
			sb_adds(out, "\\n");
			p++;
		} else if (c == '\t') {
			sb_adds(out, "\\t");
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			sb_addf(out, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			sb_addc(out, (char)c);
			p++;
		} else {
			size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (n > 1 && strnlen((const char *)p, n) == n && sd_utf8_valid(p, n)) {
				sb_add(out, p, n);
				p += n;
			} else {
				sb_adds(out, "\\ufffd");
				p++;
			}
		}
	}
	sb_addc(out, '"');
}

void sd_report_json_string(struct sb *out, const char *s)
{
	jstr(out, s);
}

static void side_obj(struct sb *out, const struct sd_cmp_side *s)
{
	sb_adds(out, "{\"name\":");
	jstr(out, s->name);
	sb_addf(out, ",\"format\":\"%s\",\"compressed\":%s,", sd_input_format_name(s->fmt),
		s->compression ? "true" : "false");
	if (s->compression)
		sb_addf(out, "\"compression\":\"%s\",", s->compression);
	sb_adds(out, "\"argv\":");
	if (s->argv) {
		sb_addc(out, '[');
		for (size_t i = 0; s->argv[i]; i++) {
			if (i)
				sb_addc(out, ',');
			jstr(out, s->argv[i]);
		}
		sb_addc(out, ']');
	} else {
		sb_adds(out, "null");
	}
	sb_addf(out, ",\"complete\":%s,\"incomplete_reason\":", s->complete ? "true" : "false");
	jstr(out, s->incomplete_reason);
	if (s->has_status)
		sb_addf(out, ",\"exit_status\":%d", s->exit_status);
	else
		sb_adds(out, ",\"exit_status\":null");
	sb_addf(out, ",\"events\":%llu,\"compared\":%llu,\"filtered\":%llu,\"folded\":%llu,"
		"\"streams\":%zu,\"filtered_by_name\":{", (unsigned long long)s->events,
		(unsigned long long)s->compared, (unsigned long long)s->filtered,
		(unsigned long long)s->folded, s->streams);
	for (size_t i = 0; i < s->ndrops; i++) {
		if (i)
			sb_addc(out, ',');
		jstr(out, s->drops[i].name);
		sb_addf(out, ":%llu", (unsigned long long)s->drops[i].n);
	}
	sb_adds(out, "}}");
}

static void event_obj(struct sb *out, const struct sd_cmp_event *c)
{
	struct sb t = SB_INIT;

	if (!c) {
		sb_adds(out, "null");
		return;
	}
	sd_report_event_line(&t, c);
	sb_addf(out, "{\"number\":%llu,\"text\":", (unsigned long long)c->num);
	jstr(out, sb_str(&t));
	sb_adds(out, ",\"event\":");
	sd_jsonl_format_event(out, &c->ev);
	sb_addc(out, '}');
	sb_free(&t);
}

static void field_name(struct sb *out, int field)
{
	if (field == 0)
		sb_adds(out, "\"name\"");
	else if (field == SD_NF_RET)
		sb_adds(out, "\"result\"");
	else
		sb_addf(out, "\"arg%d\"", field - 1);
}

static void div_obj(struct sb *out, const struct sd_div *d)
{
	sb_addf(out, "{\"kind\":\"%s\",\"process\":", sd_div_kind_name(d->kind));
	jstr(out, d->label);
	sb_addf(out, ",\"number\":%llu,\"number_transpiled\":%llu,\"original\":",
		(unsigned long long)(d->num[0] ? d->num[0] : d->num[1]), (unsigned long long)d->num[1]);
	event_obj(out, d->ev[0]);
	sb_adds(out, ",\"transpiled\":");
	event_obj(out, d->ev[1]);
	sb_adds(out, ",\"difference\":");
	if (d->kind == SD_DIV_CHANGED && d->ev[0] && d->ev[1]) {
		struct sd_diffdesc dd;
		sd_describe(d->ev[0], d->ev[1], &dd);
		sb_adds(out, "{\"field\":");
		field_name(out, dd.field <= 0 || dd.field == SD_NF_RET ? (dd.field < 0 ? 0 : dd.field) :
				dd.arg >= 0 ? dd.arg + 1 : 0);
		if (dd.byte >= 0)
			sb_addf(out, ",\"byte\":%ld", dd.byte);
		sb_adds(out, ",\"description\":");
		jstr(out, dd.text ? dd.text : "differs");
		sb_addc(out, '}');
		sd_diffdesc_clear(&dd);
	} else {
		sb_adds(out, "{\"description\":");
		jstr(out, d->kind == SD_DIV_MISSING ? "only in the original" :
			  d->kind == SD_DIV_EXTRA ? "only in the transpiled program" :
			  d->kind == SD_DIV_PROC_MISSING ? "process only in the original" :
							   "process only in the transpiled program");
		sb_addc(out, '}');
	}
	if (d->moved)
		sb_addf(out, ",\"moved_to\":%llu", (unsigned long long)d->moved);
	if (d->kind == SD_DIV_PROC_MISSING || d->kind == SD_DIV_PROC_EXTRA)
		sb_addf(out, ",\"stream_events\":%llu",
			(unsigned long long)d->stream_events[d->kind == SD_DIV_PROC_EXTRA]);
	sb_addc(out, '}');
}

void sd_report_json(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o)
{
	struct sb sum = SB_INIT;

	(void)o;
	sd_report_summary_line(&sum, r);
	sb_addf(out, "{\"verdict\":\"%s\",\"equivalent\":%s,\"level\":\"%s\",\"mismatches\":%llu,"
		"\"matched\":%llu,\"exact_alignment\":%s,\"content_limit\":%u,",
		r->equivalent ? "equivalent" : "not equivalent", r->equivalent ? "true" : "false",
		r->semantic ? "semantic" : "strict", (unsigned long long)r->ndivs,
		(unsigned long long)r->matched, r->exact ? "true" : "false", r->content_limit);
	if (r->semantic)
		sb_addf(out, "\"reordered\":%llu,\"order_kept\":%llu,",
			(unsigned long long)r->reordered, (unsigned long long)r->order_kept);
	sb_adds(out, "\"summary\":");
	jstr(out, sb_str(&sum));
	sb_adds(out, ",\"original\":");
	side_obj(out, &r->side[0]);
	sb_adds(out, ",\"transpiled\":");
	side_obj(out, &r->side[1]);
	sb_adds(out, ",\"divergences\":[");
	for (size_t i = 0; i < r->nreported; i++) {
		if (i)
			sb_addc(out, ',');
		div_obj(out, &r->divs[i]);
	}
	sb_addf(out, "],\"more\":%llu}\n", (unsigned long long)(r->ndivs - r->nreported));
	sb_free(&sum);
}
