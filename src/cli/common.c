/* common.c - what the subcommands' option handling shares (see cli.h). */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare/normalize.h"
#include "filter/sysset.h"
#include "util/util.h"

long cli_num(const char *opt, const char *s, long min, long max, int code)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		sd_die_code(code, "invalid %s '%s' (expected a number from %ld to %ld)", opt, s, min, max);
	return v;
}

bool cli_color(const char *when, const char *out_path)
{
	if (!strcmp(when, "always"))
		return true;
	if (strcmp(when, "auto"))
		return false;
	const char *term = getenv("TERM");
	return !out_path && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term &&
	       strcmp(term, "dumb");
}

void cli_write_report(const char *path, const struct sb *sb, int code)
{
	if (sd_write_whole(path, sb_str(sb), sb->len) < 0)
		sd_die_code(code, "cannot write the report to '%s': %s", path ? path : "stdout",
			    strerror(errno));
}

void cli_map_path(struct sd_path_map **maps, size_t *n, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || arg[0] != '/')
		sd_die_code(SD_EXIT_ERROR, "invalid --map-path '%s' (expected /FROM=TO)", arg);
	*maps = xrealloc(*maps, (*n + 1) * sizeof **maps);
	(*maps)[*n].from = xstrndup(arg, (size_t)(eq - arg));
	(*maps)[*n].to = eq + 1;
	(*n)++;
}

void cli_sysset_arg(struct sd_sysset *into, const char *opt, const char *spec)
{
	struct sd_sysset s;
	char err[256];

	if (sd_sysset_parse(&s, spec, err, sizeof err) < 0)
		sd_die_code(SD_EXIT_ERROR, "invalid %s '%s': %s", opt, spec, err);
	sd_sysset_union(into, &s);
}
