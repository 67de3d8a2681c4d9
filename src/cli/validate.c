/* validate.c - `sysdiff validate`: run an original and its rewrite the same way, each
 * isolated and traced, and judge whether they behave the same: the syscall traces
 * (compare), the directory each left behind, their stdout, stderr and exit status.
 * Exit 0 equivalent (or skipped: the original cannot run), 1 not, 2 usage/tool error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "cli/cli.h"
#include "util/util.h"
#include "validate/validate.h"

static const char validate_usage[] =
	"usage: sysdiff validate [--trace-syscalls] --original ORIG --transpiled NEW\n"
	"                        [options] [-- ARGS...]\n"
	"\n"
	"Runs ORIG and NEW with the same ARGS, stdin, environment and starting directory,\n"
	"each traced and isolated, and compares what they did.\n"
	"\n"
	"  --original PROG        an executable, a script with a shebang, or a .py file\n"
	"  --transpiled PROG      the rewrite (same forms)\n"
	"  --original-cmd CMD     a whole command line instead (also --transpiled-cmd)\n"
	"  --strict               compare the syscall sequence as compare does\n"
	"  --level LEVEL          semantic (default) or strict\n"
	"  --format FMT           text (default), json, junit, html (one self-contained page)\n"
	"                         or github (annotations);  -o FILE: write it there\n"
	"  -v, --verbose          aligned traces, what the filters dropped, how runs were isolated\n"
	"  --keep-traces DIR      keep both traces (original.jsonl, transpiled.jsonl) in DIR\n"
	"  --timeout SECONDS      per run (default 60); the run is killed and reported\n"
	"  --env K=V              set a variable for both runs (repeatable)\n"
	"  --workdir DIR          starting directory (default: the current one)\n"
	"  --fail-on-skip         exit 1 instead of 0 when the original cannot run\n"
	"  --max-procs N          processes per run at once (default 256)\n"
	"  --max-output MIB       output, trace and files written per run before it is\n"
	"                         stopped (default 512)\n"
	"  --net MODE             none (default: a private network, loopback only) or host\n"
	"  --clock TIME           the clock both runs start at (ISO-8601 or @SECONDS;\n"
	"                         default: now)\n"
	"  --seed N               the entropy both runs draw from (default 1)\n"
	"  --host-clock           the host's clock, entropy and address layout instead\n"
	"  --calibrate N          extra runs of the original that show what still varies\n"
	"                         between its runs, forgiven by shape (default 1; 0: off)\n"
	"  --mask REGEX           spans of output and files not compared (repeatable)\n"
	"  --mask-path GLOB       paths whose end state is not compared (repeatable)\n"
	"  --ignore SPEC, --keep SPEC, --map-path FROM=TO   as for compare\n"
	"  --allow-write PATH     let writes to the mount at PATH through (a network or FUSE\n"
	"                         mount, which cannot be overlaid; repeatable)\n"
	"  --max-mismatches N     divergences shown (default 10)\n"
	"  --color WHEN           auto, always or never\n"
	"  --cases FILE           run every case of a JSON manifest;  -j N  in parallel\n"
	"  --quiet                no progress line per finished case\n"
	"  --shard K/N            run the K-th of N slices of the manifest (join the results\n"
	"                         with 'sysdiff merge')\n"
	"  --durations FILE       balance the slices by the case times of a previous JSON report\n"
	"\n"
	"Exit status: 0 equivalent (or skipped), 1 not equivalent, 2 usage or tool error.\n";

enum { OPT_ORIG = 256, OPT_NEW, OPT_ORIGCMD, OPT_NEWCMD, OPT_STRICT, OPT_LEVEL, OPT_FORMAT,
       OPT_KEEP, OPT_TIMEOUT, OPT_ENV, OPT_WORKDIR, OPT_FAILSKIP, OPT_MAXPROCS, OPT_MAXMIS,
       OPT_COLOR, OPT_CASES, OPT_TRACE, OPT_MAXOUT, OPT_NET, OPT_ALLOW, OPT_CLOCK, OPT_SEED, OPT_HOSTCLOCK, OPT_CALIB, OPT_MASK,
       OPT_MASKPATH, OPT_IGNORE, OPT_KEEPSYS, OPT_MAP,
       OPT_QUIET, OPT_SHARD, OPT_DURATIONS };

#define die2(...) sd_die_code(SD_EXIT_ERROR, __VA_ARGS__)

struct validate_args {
	struct sd_validate_cfg cfg;
	struct sd_sysset ign, keep;       /* --ignore, --keep: applied to the level's set */
	struct sd_path_map *maps;         /* --map-path */
	size_t nmaps, nmasks, nmask_paths;
	struct sd_sandbox_opts sandbox;   /* --net, --allow-write */
	char **allow;
	size_t nallow;
	const char *workdir;     /* --workdir, or NULL: the current directory */
	const char *cases;       /* --cases FILE */
	long jobs;               /* -j */
	char **args;             /* ARGS after the options, for both programs */
};

static void on_signal(int sig)
{
	sd_validate_interrupted = sig;
}

/* ---- options ---- */

/* --clock: an ISO-8601 date or date and time (UTC unless an offset is given), or
 * @SECONDS since the epoch.  0, or -1 when it does not parse. */
static int parse_clock(const char *s, int64_t *ns)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof tm);
	if (s[0] == '@') {
		errno = 0;
		long long v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end)
			return -1;
		*ns = v * 1000000000ll;
		return 0;
	}
	if (!(end = strptime(s, "%Y-%m-%d", &tm)))
		return -1;
	if (*end == 'T' || *end == ' ') {
		if (!(end = strptime(end + 1, "%H:%M:%S", &tm)))
			return -1;
	}
	long off = 0;
	if (*end == 'Z') {
		end++;
	} else if (*end == '+' || *end == '-') {
		int h, m;
		if (sscanf(end + 1, "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59)
			return -1;
		off = (*end == '-' ? -1 : 1) * (h * 3600 + m * 60);
		end += 6;
	}
	if (*end)
		return -1;
	*ns = ((int64_t)timegm(&tm) - off) * 1000000000ll;
	return 0;
}

/* --shard K/N: 1 <= K <= N. */
static void parse_shard(struct sd_validate_cfg *cfg, const char *s)
{
	char *end;
	long k, n;

	errno = 0;
	k = strtol(s, &end, 10);
	if (!errno && end != s && *end == '/') {
		const char *p = end + 1;
		n = strtol(p, &end, 10);
		if (!errno && end != p && !*end && k >= 1 && n >= 1 && k <= n && n <= 100000) {
			cfg->shard = (int)k;
			cfg->nshards = (int)n;
			return;
		}
	}
	die2("invalid --shard '%s' (expected K/N with 1 <= K <= N, as 2/4)", s);
}

/* One option (getopt's c, optarg) into a. */
static void set_option(int c, struct validate_args *a, char **argv)
{
	struct sd_validate_cfg *cfg = &a->cfg;

	switch (c) {
	case OPT_TRACE: break;
	case OPT_ORIG: cfg->orig = optarg; break;
	case OPT_NEW: cfg->new = optarg; break;
	case OPT_ORIGCMD: cfg->origcmd = optarg; break;
	case OPT_NEWCMD: cfg->newcmd = optarg; break;
	case OPT_STRICT: cfg->level_name = "strict"; break;
	case OPT_LEVEL:
		if (strcmp(optarg, "strict") && strcmp(optarg, "semantic"))
			die2("invalid --level '%s' (expected semantic or strict)", optarg);
		cfg->level_name = !strcmp(optarg, "strict") ? "strict" : "semantic";
		break;
	case OPT_FORMAT: cfg->format = optarg; break;
	case 'o': cfg->out_path = optarg; break;
	case 'v': cfg->verbose = true; break;
	case OPT_KEEP: cfg->keep_traces = optarg; break;
	case OPT_TIMEOUT: cfg->timeout = (double)cli_num("--timeout", optarg, 1, 86400, SD_EXIT_ERROR); break;
	case OPT_ENV:
		if (!strchr(optarg, '=') || optarg[0] == '=')
			die2("invalid --env '%s' (expected NAME=VALUE)", optarg);
		cfg->envs = xrealloc(cfg->envs, (cfg->nenvs + 1) * sizeof *cfg->envs);
		cfg->envs[cfg->nenvs++] = optarg;
		break;
	case OPT_WORKDIR: a->workdir = optarg; break;
	case OPT_FAILSKIP: cfg->fail_on_skip = true; break;
	case OPT_MAXPROCS: cfg->max_procs = (int)cli_num("--max-procs", optarg, 1, 100000, SD_EXIT_ERROR); break;
	case OPT_MAXOUT:
		cfg->max_output = (uint64_t)cli_num("--max-output", optarg, 1, 1 << 20, SD_EXIT_ERROR) << 20;
		break;
	case OPT_MAXMIS:
		cfg->cmp.max_report = (size_t)cli_num("--max-mismatches", optarg, 0, 100000, SD_EXIT_ERROR);
		break;
	case OPT_COLOR:
		if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
			die2("invalid --color '%s' (expected auto, always or never)", optarg);
		cfg->color = optarg;
		break;
	case OPT_CASES: a->cases = optarg; break;
	case OPT_QUIET: cfg->quiet = true; break;
	case OPT_SHARD: parse_shard(cfg, optarg); break;
	case OPT_DURATIONS: cfg->durations = optarg; break;
	case OPT_CLOCK:
		if (parse_clock(optarg, &cfg->virt.clock_ns) < 0)
			die2("invalid --clock '%s' (expected 2026-01-31, 2026-01-31T12:00:00Z, "
			     "2026-01-31T12:00:00+01:00 or @SECONDS)", optarg);
		break;
	case OPT_CALIB:
		cfg->calibrate = (int)cli_num("--calibrate", optarg, 0, SD_CALIBRATE_MAX, SD_EXIT_ERROR);
		break;
	case OPT_MASK:
		if (!sd_mask_regex_ok(optarg))
			die2("invalid --mask '%s' (expected a POSIX extended regular expression)", optarg);
		sd_strv_push(&cfg->masks, &a->nmasks, optarg);
		break;
	case OPT_MASKPATH:
		if (optarg[0] != '/')
			die2("invalid --mask-path '%s' (expected an absolute glob, e.g. /tmp/cache-*)", optarg);
		sd_strv_push(&cfg->mask_paths, &a->nmask_paths, optarg);
		break;
	case OPT_IGNORE: cli_sysset_arg(&a->ign, "--ignore", optarg); break;
	case OPT_KEEPSYS: cli_sysset_arg(&a->keep, "--keep", optarg); break;
	case OPT_MAP: cli_map_path(&a->maps, &a->nmaps, optarg); break;
	case OPT_HOSTCLOCK: cfg->virt.on = false; break;
	case OPT_SEED:
		cfg->virt.seed = (uint64_t)cli_num("--seed", optarg, 0, LONG_MAX, SD_EXIT_ERROR);
		break;
	case OPT_NET:
		if (strcmp(optarg, "none") && strcmp(optarg, "host"))
			die2("invalid --net '%s' (expected none or host)", optarg);
		a->sandbox.net_host = !strcmp(optarg, "host");
		break;
	case OPT_ALLOW:
		if (optarg[0] != '/')
			die2("--allow-write %s: give the mount point's absolute path", optarg);
		sd_strv_push(&a->allow, &a->nallow, optarg);
		a->sandbox.allow_write = a->allow;
		break;
	case 'j': a->jobs = cli_num("-j", optarg, 1, 256, SD_EXIT_ERROR); break;
	case 'h': fputs(validate_usage, stdout); exit(0);
	default:
		if (optopt == 'o' || optopt == 'j')
			die2("option -%c needs an argument (see 'sysdiff validate --help')", optopt);
		if (optopt && optopt < 256)
			die2("unknown option -%c (see 'sysdiff validate --help')", optopt);
		die2("unknown option or missing argument '%s' (see 'sysdiff validate --help')",
		     argv[optind - 1]);
	}
}

/* The options, checked (usage errors exit 2), into a; a->cfg gets its defaults first. */
static void parse_args(int argc, char **argv, struct validate_args *a)
{
	static const struct option longopts[] = {
		{ "trace-syscalls", no_argument, NULL, OPT_TRACE },
		{ "original", required_argument, NULL, OPT_ORIG },
		{ "transpiled", required_argument, NULL, OPT_NEW },
		{ "original-cmd", required_argument, NULL, OPT_ORIGCMD },
		{ "transpiled-cmd", required_argument, NULL, OPT_NEWCMD },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keep-traces", required_argument, NULL, OPT_KEEP },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "workdir", required_argument, NULL, OPT_WORKDIR },
		{ "fail-on-skip", no_argument, NULL, OPT_FAILSKIP },
		{ "max-procs", required_argument, NULL, OPT_MAXPROCS },
		{ "max-output", required_argument, NULL, OPT_MAXOUT },
		{ "max-mismatches", required_argument, NULL, OPT_MAXMIS },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "cases", required_argument, NULL, OPT_CASES },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "durations", required_argument, NULL, OPT_DURATIONS },
		{ "net", required_argument, NULL, OPT_NET },
		{ "clock", required_argument, NULL, OPT_CLOCK },
		{ "calibrate", required_argument, NULL, OPT_CALIB },
		{ "mask", required_argument, NULL, OPT_MASK },
		{ "mask-path", required_argument, NULL, OPT_MASKPATH },
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "keep", required_argument, NULL, OPT_KEEPSYS },
		{ "map-path", required_argument, NULL, OPT_MAP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "host-clock", no_argument, NULL, OPT_HOSTCLOCK },
		{ "allow-write", required_argument, NULL, OPT_ALLOW },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sd_validate_cfg *cfg = &a->cfg;
	int c;

	*cfg = (struct sd_validate_cfg){ .timeout = 60, .max_procs = 256,
					 .max_output = 512ull << 20, .level_name = "semantic",
					 .format = "text", .color = "auto" };
	cfg->cmp.max_report = 10;
	cfg->cmp.context = 3;
	/* both runs see the clock start now (to the second) and the same entropy; one more
	 * run of the original shows what still varies */
	cfg->virt = (struct sd_virt_opts){ .on = true, .clock_ns = (int64_t)time(NULL) * 1000000000ll,
					   .seed = 1 };
	cfg->calibrate = 1;
	a->jobs = sysconf(_SC_NPROCESSORS_ONLN);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:vhj:", longopts, NULL)) != -1)
		set_option(c, a, argv);
	a->args = argv + optind;
	if (strcmp(cfg->format, "text") && strcmp(cfg->format, "json") && strcmp(cfg->format, "junit") &&
	    strcmp(cfg->format, "html") && strcmp(cfg->format, "github"))
		die2("unknown --format '%s' (expected text, json, junit, html or github)", cfg->format);
	cfg->stacks = !strcmp(cfg->format, "html");   /* the page shows both call stacks */
	if ((cfg->nshards || cfg->durations) && !a->cases)
		die2("%s needs --cases FILE", cfg->nshards ? "--shard" : "--durations");
	if (!cfg->orig == !cfg->origcmd)
		die2(cfg->orig ? "give --original or --original-cmd, not both"
			       : "missing --original PROG (see 'sysdiff validate --help')");
	if (!cfg->new == !cfg->newcmd)
		die2(cfg->new ? "give --transpiled or --transpiled-cmd, not both"
			      : "missing --transpiled PROG (see 'sysdiff validate --help')");
	if (cfg->keep_traces) {
		struct stat st;
		if (sd_mkdir_p(cfg->keep_traces) < 0)
			die2("--keep-traces %s: %s", cfg->keep_traces, strerror(errno));
		if (stat(cfg->keep_traces, &st) < 0 || !S_ISDIR(st.st_mode))
			die2("--keep-traces %s: not a directory", cfg->keep_traces);
	}
}

/* ---- the command ---- */

/* stdin for both runs: a copy of ours in memory, read once; -1 (/dev/null) for a
 * terminal or none. */
static int stdin_copy(void)
{
	if (isatty(STDIN_FILENO) || fcntl(STDIN_FILENO, F_GETFD) < 0)
		return -1;
	int fd = sd_validate_stdin(STDIN_FILENO);
	if (fd < 0)
		die2("cannot keep a copy of stdin: %s", strerror(errno));
	return fd;
}

/* The starting directory: --workdir (or the current one) as a real path, not "/". */
static void start_dir(const char *workdir, char wd[PATH_MAX])
{
	struct stat st;

	if (!realpath(workdir ? workdir : ".", wd))
		die2("--workdir %s: %s", workdir ? workdir : ".", strerror(errno));
	if (stat(wd, &st) < 0 || !S_ISDIR(st.st_mode))
		die2("--workdir %s: not a directory", wd);
}

/* --original/--transpiled (or -cmd) that do not exist, are directories or do not
 * split: a usage error, one line naming the option. */
static void check_programs(const struct sd_validate_cfg *cfg)
{
	const char *opt[2] = { cfg->orig ? "--original" : "--original-cmd",
			       cfg->new ? "--transpiled" : "--transpiled-cmd" };
	char *why = NULL;

	for (int i = 0; i < 2; i++)
		if (sd_command_check(i ? cfg->new : cfg->orig, i ? cfg->newcmd : cfg->origcmd,
				     &why) != SD_CMD_OK)
			die2("%s: %s", opt[i], why);
}

/* Resolve both programs for runs from v->workdir with v->env (docs/validate.md, "The
 * programs"); 0, or -1 with v->verdict skipped (the original cannot run here) or error
 * (printed). */
static int resolve_both(struct sd_validation *v, char **args)
{
	const struct sd_validate_cfg *cfg = v->cfg;
	struct sd_cmd_ctx cx = { .envp = v->env, .workdir = v->workdir };
	char *why = NULL;
	int rc = 0;

	enum sd_cmd_status st = sd_command_resolve(&cx, cfg->orig, cfg->origcmd, args, &v->argv[0],
						   &v->exec[0], &why);
	if (st == SD_CMD_CANNOT_RUN) {
		sd_warn("validation skipped: the original cannot be run: %s", why);
		sd_validation_fail(v, SD_VERDICT_SKIPPED, "the original cannot be run: %s", why);
		rc = -1;
	} else if (st != SD_CMD_OK) {
		sd_error("the original cannot be validated: %s", why);
		sd_validation_fail(v, SD_VERDICT_ERROR, "the original cannot be validated: %s", why);
		rc = -1;
	}
	if (!rc && sd_command_resolve(&cx, cfg->new, cfg->newcmd, args, &v->argv[1], &v->exec[1],
				      &why) != SD_CMD_OK) {
		sd_error("the transpiled program cannot be run: %s", why);
		sd_validation_fail(v, SD_VERDICT_ERROR, "the transpiled program cannot be run: %s", why);
		rc = -1;
	}
	free(why);
	sd_cmd_ctx_free(&cx);
	return rc;
}

/* Both runs, stdin copied once for both. */
static void run_validation(struct sd_validation *v)
{
	v->stdin_fd = stdin_copy();
	if (sd_validate_one(v) < 0 && v->verdict == SD_VERDICT_SKIPPED)
		sd_warn("validation skipped: %s", v->error);   /* the original could not load */
	else if (v->error)
		sd_error("%s", v->error);
}

/* The report of a judged validation in cfg->format, to -o FILE or stdout. */
static void write_report(const struct sd_validation *v)
{
	const struct sd_validate_cfg *cfg = v->cfg;
	struct sd_report_opts ro = { .verbose = cfg->verbose,
				     .seconds = v->run[0].seconds + v->run[1].seconds };
	struct sb sb = SB_INIT;

	ro.color = cli_color(cfg->color, cfg->out_path);
	ro.width = sd_report_width(cfg->out_path ? -1 : STDOUT_FILENO);
	if (!strcmp(cfg->format, "junit"))
		sd_validate_junit(&sb, v, &ro);
	else
		sd_validate_render(&sb, v, cfg->format, &ro);
	cli_write_report(cfg->out_path, &sb, SD_EXIT_ERROR);
	sb_free(&sb);
}

/* One validation: its report, and the exit status (128+N when signal N stopped the runs). */
static int validate_single(const struct validate_args *a)
{
	struct sd_validation v = { .cfg = &a->cfg, .stdin_fd = -1 };
	char wd[PATH_MAX];
	int rc;

	start_dir(a->workdir, wd);
	v.workdir = xstrdup(wd);   /* the runs' starting directory and environment */
	v.env = sd_validate_env(wd, a->cfg.envs, a->cfg.nenvs);
	bool ran = resolve_both(&v, a->args) == 0;
	if (ran) {
		run_validation(&v);
		if (v.verdict == SD_VERDICT_EQUIVALENT || v.verdict == SD_VERDICT_DIFFERENT)
			write_report(&v);
	}
	switch (v.verdict) {
	case SD_VERDICT_EQUIVALENT: rc = SD_EXIT_EQUIVALENT; break;
	case SD_VERDICT_DIFFERENT: rc = SD_EXIT_DIFFERENT; break;
	case SD_VERDICT_SKIPPED:
		rc = a->cfg.fail_on_skip ? SD_EXIT_DIFFERENT : SD_EXIT_EQUIVALENT;
		break;
	default:
		rc = ran && sd_validate_interrupted ? 128 + sd_validate_interrupted : SD_EXIT_ERROR;
		break;
	}
	sd_validation_free(&v);
	return rc;
}

/* --cases FILE: the report of all cases, written once complete. */
static int validate_cases(const struct validate_args *a)
{
	struct sb sb = SB_INIT;
	int rc = sd_validate_cases(&a->cfg, a->cases, a->workdir, (int)a->jobs, &sb);
	char *index = NULL;

	if (!strcmp(a->cfg.format, "html") && sd_validate_html_dir(a->cfg.out_path))
		index = xasprintf("%s/index.html", a->cfg.out_path);   /* the cases' pages: next to it */
	if (sb.len)
		cli_write_report(index ? index : a->cfg.out_path, &sb, SD_EXIT_ERROR);
	free(index);
	sb_free(&sb);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	struct validate_args a = { .workdir = NULL };
	int rc;

	parse_args(argc, argv, &a);
	check_programs(&a.cfg);
	sd_validate_setup_compare(&a.cfg);
	sd_sysset_union(&a.cfg.cmp.ignore, &a.ign);        /* --ignore, --keep */
	sd_sysset_subtract(&a.cfg.cmp.ignore, &a.keep);
	a.cfg.cmp.maps = a.maps;
	a.cfg.cmp.nmaps = a.nmaps;
	char *err = NULL;
	if (sd_sandbox_plan(&a.sandbox, &a.cfg.plan, &err) < 0)
		die2("%s", err);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = a.cases ? validate_cases(&a) : validate_single(&a);
	sd_sandbox_plan_free(&a.cfg.plan);
	free(a.cfg.envs);
	sd_strv_free(a.allow);
	for (size_t i = 0; i < a.nmaps; i++)
		free((char *)a.maps[i].from);
	free(a.maps);
	sd_strv_free(a.cfg.masks);
	sd_strv_free(a.cfg.mask_paths);
	return rc;
}
