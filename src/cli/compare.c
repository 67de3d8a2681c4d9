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
#include "report/github.h"
#include "report/html.h"
#include "report/report.h"
#include "util/util.h"

static const char compare_usage[] =
	"usage: sysdiff compare [options] ORIGINAL_TRACE REWRITE_TRACE\n"
	"\n"
	"Traces are sysdiff JSONL files or strace -f -o logs (-tt, -T, -y, -s accepted),\n"
	"optionally gzip- or zstd-compressed; '-' reads one of them from stdin.\n"
	"\n"
	"  --format FMT          text (default), json, junit, html (one self-contained page)\n"
	"                        or github (annotations on the source lines)\n"
	"  -o FILE               write the report to FILE (default: stdout)\n"
	"  --color WHEN          auto (default: on a terminal), always or never\n"
	"  -v, --verbose         aligned side-by-side view and what the filters dropped\n"
	"  --level LEVEL         strict (default: every call not noise, in order) or semantic\n"
	"                        (what each program did to which object, as validate compares;\n"
	"                        docs/validate.md)\n"
	"  --semantic            the same as --level semantic\n"
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
       OPT_SIGCHLD, OPT_ROOTEXEC, OPT_STRACECWD, OPT_CONTEXT, OPT_NONOISE, OPT_LEVEL,
       OPT_SEMANTIC };

#define die2(...) sd_die_code(SD_EXIT_ERROR, __VA_ARGS__)

struct compare_args {
	struct sd_cmp_opts o;            /* ignore set, maps filled after the options */
	struct sd_sysset ign, keep;      /* --ignore, --keep */
	struct sd_path_map *maps;        /* --map-path */
	size_t nmaps;
	const char *format, *out_path, *color;
	bool verbose, noise;
	const char *paths[2];            /* the two traces */
};

/* One option (getopt's c, optarg) into a. */
static void set_option(int c, struct compare_args *a, char **argv)
{
	switch (c) {
	case OPT_FORMAT: a->format = optarg; break;
	case 'o': a->out_path = optarg; break;
	case OPT_COLOR: a->color = optarg ? optarg : "always"; break;
	case 'v': a->verbose = true; break;
	case OPT_MAXMIS: a->o.max_report = (size_t)cli_num("--max-mismatches", optarg, 0, 1000000, SD_EXIT_ERROR); break;
	case OPT_IGNORE: cli_sysset_arg(&a->ign, "--ignore", optarg); break;
	case OPT_KEEP: cli_sysset_arg(&a->keep, "--keep", optarg); break;
	case OPT_NONOISE: a->noise = false; break;
	case OPT_MAP: cli_map_path(&a->maps, &a->nmaps, optarg); break;
	case OPT_CLOEXEC: a->o.ignore_cloexec = true; break;
	case OPT_SIGCHLD: a->o.keep_sigchld = true; break;
	case OPT_ROOTEXEC: a->o.root_exec = true; break;
	case OPT_STRACECWD:
		if (optarg[0] != '/')
			die2("invalid --strace-cwd '%s' (expected an absolute directory)", optarg);
		a->o.strace_cwd = optarg;
		break;
	case OPT_CONTEXT: a->o.context = (int)cli_num("--context", optarg, 1, 1000, SD_EXIT_ERROR); break;
	case OPT_LEVEL:
		if (strcmp(optarg, "strict") && strcmp(optarg, "semantic"))
			die2("invalid --level '%s' (expected strict or semantic)", optarg);
		a->o.semantic = !strcmp(optarg, "semantic");
		break;
	case OPT_SEMANTIC: a->o.semantic = true; break;
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

/* The options and the two traces, checked (usage errors exit 2), into a. */
static void parse_args(int argc, char **argv, struct compare_args *a)
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
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "semantic", no_argument, NULL, OPT_SEMANTIC },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->o = (struct sd_cmp_opts){ .max_report = 10, .context = 3 };
	sd_sysset_clear(&a->ign);
	sd_sysset_clear(&a->keep);
	a->format = "text";
	a->color = "auto";
	a->noise = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:vh", longopts, NULL)) != -1)
		set_option(c, a, argv);
	if (strcmp(a->format, "text") && strcmp(a->format, "json") && strcmp(a->format, "junit") &&
	    strcmp(a->format, "html") && strcmp(a->format, "github"))
		die2("unknown --format '%s' (expected text, json, junit, html or github)", a->format);
	if (strcmp(a->color, "auto") && strcmp(a->color, "always") && strcmp(a->color, "never"))
		die2("invalid --color '%s' (expected auto, always or never)", a->color);
	if (argc - optind != 2)
		die2("expected two traces: ORIGINAL_TRACE REWRITE_TRACE (see 'sysdiff compare --help')");
	a->paths[0] = argv[optind];
	a->paths[1] = argv[optind + 1];
}

/* The noise set (or none), then --ignore added and --keep taken out; the path maps. */
static void setup_opts(struct compare_args *a)
{
	struct sd_cmp_opts *o = &a->o;

	if (a->noise)
		sd_cmp_default_noise(&o->ignore);
	else
		sd_sysset_clear(&o->ignore);
	sd_sysset_union(&o->ignore, &a->ign);
	sd_sysset_subtract(&o->ignore, &a->keep);
	o->maps = a->maps;
	o->nmaps = a->nmaps;
	/* the semantic level as validate has it, less what only validate knows (the end
	 * state, the real file system before the runs): files' contents are then compared
	 * through the data written to them */
	o->profiles = o->semantic;
}

/* The report of res in a->format, to -o FILE or stdout. */
static void write_report(const struct compare_args *a, const struct sd_cmp_result *res,
			 double seconds)
{
	struct sd_report_opts ro = { .verbose = a->verbose, .seconds = seconds };
	struct sb sb = SB_INIT;

	ro.color = cli_color(a->color, a->out_path);
	ro.width = sd_report_width(a->out_path ? -1 : STDOUT_FILENO);
	if (!strcmp(a->format, "json"))
		sd_report_json(&sb, res, &ro);
	else if (!strcmp(a->format, "junit"))
		sd_report_junit(&sb, res, &ro);
	else if (!strcmp(a->format, "html"))
		sd_report_html(&sb, res, &ro);
	else if (!strcmp(a->format, "github"))
		sd_report_github(&sb, res, &ro);
	else
		sd_report_text(&sb, res, &ro);
	cli_write_report(a->out_path, &sb, SD_EXIT_ERROR);
	sb_free(&sb);
}

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { .maps = NULL };
	struct sd_cmp_result res;
	char *err = NULL;
	int rc = SD_EXIT_ERROR;

	parse_args(argc, argv, &a);
	setup_opts(&a);
	uint64_t t0 = sd_now_mono_ns();
	if (sd_compare(a.paths, &a.o, &res, &err) < 0) {
		sd_error("%s", err);
		free(err);
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (!res.side[i].complete)
			sd_warn("%s is incomplete (%s); compared what it holds", res.side[i].name,
				res.side[i].incomplete_reason ? res.side[i].incomplete_reason : "?");
	if (!res.exact)
		sd_warn("the traces differ in too many places for an exact alignment; "
			"divergences after the first may be approximate");
	write_report(&a, &res, (double)(sd_now_mono_ns() - t0) / 1e9);
	rc = res.equivalent ? SD_EXIT_EQUIVALENT : SD_EXIT_DIFFERENT;
	sd_cmp_result_free(&res);
out:
	for (size_t i = 0; i < a.nmaps; i++)
		free((char *)a.maps[i].from);
	free(a.maps);
	return rc;
}
