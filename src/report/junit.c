/* junit.c - JUnit XML: one test case for the comparison, failed when the programs
 * differ, with the text report as the failure's body, so CI shows the mismatch. */
#include "report/report.h"

#include <string.h>

/* XML text: escape markup, drop what XML 1.0 cannot carry (control bytes, bad UTF-8). */
void sd_report_markup(struct sb *out, const char *s, size_t n, bool apos, bool cr,
		      const char *bad)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned char c = *p;
		size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (c == '&')
			sb_adds(out, "&amp;");
		else if (c == '<')
			sb_adds(out, "&lt;");
		else if (c == '>')
			sb_adds(out, "&gt;");
		else if (c == '"')
			sb_adds(out, "&quot;");
		else if (c == '\'' && apos)
			sb_adds(out, "&#39;");
		else if ((c < 0x20 && c != '\n' && c != '\t' && (c != '\r' || !cr)) || c == 0x7f)
			sb_adds(out, bad);
		else if (c < 0x80)
			sb_addc(out, (char)c);
		else if (k > 1 && (size_t)(end - p) >= k && sd_utf8_valid(p, k)) {
			sb_add(out, p, k);
			p += k;
			continue;
		} else
			sb_adds(out, bad);
		p++;
	}
}

void sd_report_xml_string(struct sb *out, const char *s)
{
	sd_report_markup(out, s, strlen(s), false, true, "?");
}

void sd_report_junit(struct sb *out, const struct sd_cmp_result *r, const struct sd_report_opts *o)
{
	struct sb title = SB_INIT, body = SB_INIT, sum = SB_INIT;
	struct sd_report_opts plain = *o;

	plain.color = false;
	if (o->title)
		sb_adds(&title, o->title);
	else
		sb_addf(&title, "%s vs %s", r->side[0].name, r->side[1].name);
	sd_report_summary_line(&sum, r);
	int fail = !r->equivalent;
	sb_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"sysdiff\" tests=\"1\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n"
		"  <testsuite name=\"sysdiff compare\" tests=\"1\" failures=\"%d\" errors=\"0\" "
		"skipped=\"0\" time=\"%.3f\">\n"
		"    <testcase classname=\"sysdiff.compare\" name=\"", fail, o->seconds, fail, o->seconds);
	sd_report_xml_string(out, sb_str(&title));
	sb_addf(out, "\" time=\"%.3f\">\n", o->seconds);
	if (fail) {
		sd_report_text(&body, r, &plain);
		sb_adds(out, "      <failure type=\"not equivalent\" message=\"");
		if (r->nreported && r->divs[0].num[0])
			sb_addf(out, "first mismatch at syscall #%llu; ",
				(unsigned long long)r->divs[0].num[0]);
		sd_report_xml_string(out, sb_str(&sum));
		sb_adds(out, "\">");
		sd_report_xml_string(out, sb_str(&body));
		sb_adds(out, "</failure>\n");
	} else {
		sb_adds(out, "      <system-out>");
		sd_report_xml_string(out, sb_str(&sum));
		sb_adds(out, "</system-out>\n");
	}
	sb_adds(out, "    </testcase>\n  </testsuite>\n</testsuites>\n");
	sb_free(&title);
	sb_free(&body);
	sb_free(&sum);
}
