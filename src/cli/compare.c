/* compare.c - `sysdiff compare ORIGINAL REWRITE`: read two traces, say whether they
 * behave the same, and show where they do not.  Exit 0 equivalent, 1 not, 2 error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "compare/compare.h"
#include "report/report.h"
#include "util/util.h"

#define EXIT_SAME 0
#define EXIT_DIFFERENT 1
#define EXIT_ERROR 2

static const char compare_usage[] =
	"usage: sysdiff compare [options] ORIGINAL_TRACE REWRITE_TRACE\n"
	"\n"
	"Traces are sysdiff JSONL files or strace -f -o logs (-tt, -T, -y, -s accepted),\n"
	"optionally gzip-compressed; '-' reads one of them from stdin.\n"
	"\n"
	"  --format FMT          text (default), json or junit\n"
	"  -o FILE               write the report to FILE (default: stdout)\n"
	"  --color WHEN          auto (default: on a terminal), always or never\n"
	"  -v, --verbose         aligned side-by-side view and what the filters dropped\n"
	"  --max-mismatches N    divergences shown in full (default 10)\n"
	"  --ignore SPEC         also ignore these syscalls (trace -e syntax: names, %class,\n"
	"                        /regex/)\n"
	"  --keep SPEC           compare these even if they are noise (e.g. --keep mmap)\n"
	"  --no-noise-filter     compare every syscall (no default noise set)\n"
	"  --map-path FROM=TO    rewrite path prefix FROM to TO in both traces (repeatable)\n"
	"  --ignore-cloexec      ignore O_CLOEXEC and other *_CLOEXEC flags\n"
	"  --keep-sigchld        compare SIGCHLD deliveries (asynchronous; off by default)\n"
	"  --root-exec           compare the traced command's own first execve too\n"
	"  --strace-cwd DIR      start directory of strace logs (default: the other trace's)\n"
	"  --context N           aligned rows shown around a divergence with -v (default 3)\n"
	"\n"
	"Exit status: 0 equivalent, 1 not equivalent, 2 usage or input error.\n";

enum { OPT_FORMAT = 256, OPT_COLOR, OPT_MAXMIS, OPT_IGNORE, OPT_KEEP, OPT_MAP, OPT_CLOEXEC,
       OPT_SIGCHLD, OPT_ROOTEXEC, OPT_STRACECWD, OPT_CONTEXT, OPT_NONOISE };

#define die2(...) sd_die_code(EXIT_ERROR, __VA_ARGS__)

/* Add the syscalls of SPEC to *into (the option may be given more than once). */
static void sysset_arg(struct sd_sysset *into, const char *opt, const char *spec)
{
	struct sd_sysset s;
	char err[256];

	if (sd_sysset_parse(&s, spec, err, sizeof err) < 0)
		die2("invalid %s '%s': %s", opt, spec, err);
	for (int nr = 0; nr < SD_NR_MAX; nr++)
		if (sd_sysset_has(&s, nr))
			sd_sysset_add(into, nr);
}

int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "colour", optional_argument, NULL, OPT_COLOR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-mismatches", required_argument, NULL, OPT_MAXMIS },
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "no-noise-filter", no_argument, NULL, OPT_NONOISE },
		{ "map-path", required_argument, NULL, OPT_MAP },
		{ "ignore-cloexec", no_argument, NULL, OPT_CLOEXEC },
		{ "keep-sigchld", no_argument, NULL, OPT_SIGCHLD },
		{ "root-exec", no_argument, NULL, OPT_ROOTEXEC },
		{ "strace-cwd", required_argument, NULL, OPT_STRACECWD },
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sd_cmp_opts o = { .max_report = 10, .context = 3 };
	struct sd_sysset ign, keep;
	struct sd_path_map *maps = NULL;
	size_t nmaps = 0;
	const char *format = "text", *out_path = NULL, *color = "auto";
	bool verbose = false, noise = true;
	int c;

	sd_sysset_clear(&ign);
	sd_sysset_clear(&keep);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT: format = optarg; break;
		case 'o': out_path = optarg; break;
		case OPT_COLOR: color = optarg ? optarg : "always"; break;
		case 'v': verbose = true; break;
		case OPT_MAXMIS: o.max_report = (size_t)cli_num("--max-mismatches", optarg, 0, 1000000, EXIT_ERROR); break;
		case OPT_IGNORE: sysset_arg(&ign, "--ignore", optarg); break;
		case OPT_KEEP: sysset_arg(&keep, "--keep", optarg); break;
		case OPT_NONOISE: noise = false; break;
		case OPT_MAP: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || optarg[0] != '/')
				die2("invalid --map-path '%s' (expected /FROM=TO)", optarg);
			maps = xrealloc(maps, (nmaps + 1) * sizeof *maps);
			maps[nmaps].from = xstrndup(optarg, (size_t)(eq - optarg));
			maps[nmaps].to = eq + 1;
			nmaps++;
			break;
		}
		case OPT_CLOEXEC: o.ignore_cloexec = true; break;
		case OPT_SIGCHLD: o.keep_sigchld = true; break;
		case OPT_ROOTEXEC: o.root_exec = true; break;
		case OPT_STRACECWD:
			if (optarg[0] != '/')
				die2("invalid --strace-cwd '%s' (expected an absolute directory)", optarg);
			o.strace_cwd = optarg;
			break;
		case OPT_CONTEXT: o.context = (int)cli_num("--context", optarg, 1, 1000, EXIT_ERROR); break;
		case 'h': fputs(compare_usage, stdout); exit(0);
		default:
			if (optopt == 'o')
				die2("option -o needs an argument (see 'sysdiff compare --help')");
			if (optopt && optopt < 256)
				die2("unknown option -%c (see 'sysdiff compare --help')", optopt);
			die2("unknown option or missing argument '%s' (see 'sysdiff compare --help')",
			     argv[optind - 1]);
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "junit"))
		die2("unknown --format '%s' (expected text, json or junit)", format);
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
		die2("invalid --color '%s' (expected auto, always or never)", color);
	if (argc - optind != 2)
		die2("expected two traces: ORIGINAL_TRACE REWRITE_TRACE (see 'sysdiff compare --help')");

	if (noise)
		sd_cmp_default_noise(&o.ignore);
	else
		sd_sysset_clear(&o.ignore);
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		if (sd_sysset_has(&ign, nr))
			sd_sysset_add(&o.ignore, nr);
		if (sd_sysset_has(&keep, nr))
			sd_sysset_del(&o.ignore, nr);
	}
	o.maps = maps;
	o.nmaps = nmaps;

	const char *paths[2] = { argv[optind], argv[optind + 1] };
	struct sd_cmp_result res;
	char *err = NULL;
	uint64_t t0 = sd_now_mono_ns();
	if (sd_compare(paths, &o, &res, &err) < 0) {
		sd_error("%s", err);
		free(err);
		for (size_t i = 0; i < nmaps; i++)
			free((char *)maps[i].from);
		free(maps);
		return EXIT_ERROR;
	}
	for (int i = 0; i < 2; i++)
		if (!res.side[i].complete)
			sd_warn("%s is incomplete (%s); compared what it holds", res.side[i].name,
				res.side[i].incomplete_reason ? res.side[i].incomplete_reason : "?");
	if (!res.exact)
		sd_warn("the traces differ in too many places for an exact alignment; "
			"divergences after the first may be approximate");

	struct sd_report_opts ro = {
		.verbose = verbose,
		.seconds = (double)(sd_now_mono_ns() - t0) / 1e9,
	};
	ro.color = cli_color(color, out_path);
	struct sb sb = SB_INIT;
	if (!strcmp(format, "json"))
		sd_report_json(&sb, &res, &ro);
	else if (!strcmp(format, "junit"))
		sd_report_junit(&sb, &res, &ro);
	else
		sd_report_text(&sb, &res, &ro);
	cli_write_report(out_path, &sb, EXIT_ERROR);
	sb_free(&sb);
	int rc = res.equivalent ? EXIT_SAME : EXIT_DIFFERENT;
	sd_cmp_result_free(&res);
	for (size_t i = 0; i < nmaps; i++)
		free((char *)maps[i].from);
	free(maps);
	return rc;
}
