/* fuzz_compare.c - libFuzzer target for the whole comparison.
 *
 * The input is two traces separated by a line "=====": each is a sysdiff trace or an
 * strace log (whatever the readers accept).  sd_compare() must give a verdict or a
 * clean error, and every report format must render, without a crash, a leak or
 * undefined behaviour, whatever events the readers let through: odd process trees,
 * a child before its clone, restarts without their call, pid fields naming nobody.
 * Bits of the input's size switch on validate's semantic level and runtime profiles. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compare/compare.h"
#include "report/report.h"

static int memfile(const uint8_t *p, size_t n, char *path, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (n && write(fd, p, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n=====\n";
	const uint8_t *cut = memmem(data, size, sep, sizeof sep - 1);
	size_t na = cut ? (size_t)(cut - data) + 1 : size;
	const uint8_t *b = cut ? cut + sizeof sep - 1 : data;
	size_t nb = cut ? size - (size_t)(b - data) : size;
	char pa[64], pb[64];
	int fa = memfile(data, na, pa, sizeof pa), fb = memfile(b, nb, pb, sizeof pb);

	if (fa >= 0 && fb >= 0) {
		struct sd_cmp_opts o = { .max_report = 4, .context = 2 };
		struct sd_cmp_result r;
		const char *paths[2] = { pa, pb };
		char *err = NULL;
		sd_cmp_default_noise(&o.ignore);
		o.ignore_cloexec = size & 1;
		o.semantic = size & 4;   /* validate's level and profiles too */
		o.profiles = size & 8;
		static const char *const content[] = { "/tmp/io", NULL };
		o.content_paths = content;
		o.state_root = (size & 16) ? "/tmp" : NULL;
		if (sd_compare(paths, &o, &r, &err) == 0) {
			struct sd_report_opts ro = { .verbose = true, .color = size & 2 };
			struct sb sb = SB_INIT;
			sd_report_text(&sb, &r, &ro);
			sd_report_json(&sb, &r, &ro);
			sd_report_junit(&sb, &r, &ro);
			sb_free(&sb);
			sd_cmp_result_free(&r);
		} else {
			free(err);
		}
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return 0;
}
