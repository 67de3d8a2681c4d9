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
#include <unistd.h>
#include <wordexp.h>

#include "cli/cli.h"
#include "util/util.h"
#include "validate/validate.h"

#define EXIT_SAME 0
#define EXIT_DIFFERENT 1
#define EXIT_ERROR 2

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
	"  --format FMT           text (default), json or junit;  -o FILE: write it there\n"
	"  -v, --verbose          aligned traces, what the filters dropped, how runs were isolated\n"
	"  --keep-traces DIR      keep both traces (original.jsonl, transpiled.jsonl) in DIR\n"
	"  --timeout SECONDS      per run (default 60); the run is killed and reported\n"
	"  --env K=V              set a variable for both runs (repeatable)\n"
	"  --workdir DIR          starting directory (default: the current one)\n"
	"  --fail-on-skip         exit 1 instead of 0 when the original cannot run\n"
	"  --max-procs N          processes per run at once (default 256)\n"
	"  --max-output MIB       output and trace per run before it is stopped (default 512)\n"
	"  --max-mismatches N     divergences shown (default 10)\n"
	"  --color WHEN           auto, always or never\n"
	"  --cases FILE           run every case of a JSON manifest;  -j N  in parallel\n"
	"\n"
	"Exit status: 0 equivalent (or skipped), 1 not equivalent, 2 usage or tool error.\n";

enum { OPT_ORIG = 256, OPT_NEW, OPT_ORIGCMD, OPT_NEWCMD, OPT_STRICT, OPT_LEVEL, OPT_FORMAT,
       OPT_KEEP, OPT_TIMEOUT, OPT_ENV, OPT_WORKDIR, OPT_FAILSKIP, OPT_MAXPROCS, OPT_MAXMIS,
       OPT_COLOR, OPT_CASES, OPT_TRACE, OPT_MAXOUT };

#define die2(...) sd_die_code(EXIT_ERROR, __VA_ARGS__)

static void on_signal(int sig)
{
	sd_validate_interrupted = sig;
}

/* ---- the command ---- */

/* stdin for both runs: a copy of ours, read once; /dev/null for a terminal or none. */
static char *stdin_copy(const char *dir)
{
	if (isatty(STDIN_FILENO) || fcntl(STDIN_FILENO, F_GETFD) < 0)
		return xstrdup("/dev/null");
	char *p = xasprintf("%s/stdin", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die2("cannot keep a copy of stdin in %s: %s", p, strerror(errno));
	if (sd_copy_fd(STDIN_FILENO, fd) < 0)
		die2("cannot copy stdin: %s", strerror(errno));
	close(fd);
	return p;
}

int cmd_validate(int argc, char **argv)
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
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sd_validate_cfg cfg = { .timeout = 60, .max_procs = 256, .max_output = 512ull << 20,
				       .level_name = "semantic",
				       .format = "text", .color = "auto" };
	const char *orig = NULL, *new = NULL, *origcmd = NULL, *newcmd = NULL, *workdir = NULL;
	const char *cases = NULL;
	char **envs = NULL;
	size_t nenvs = 0;
	bool fail_on_skip = false, verbose = false;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	cfg.cmp.max_report = 10;
	cfg.cmp.context = 3;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:vhj:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TRACE: break;
		case OPT_ORIG: orig = optarg; break;
		case OPT_NEW: new = optarg; break;
		case OPT_ORIGCMD: origcmd = optarg; break;
		case OPT_NEWCMD: newcmd = optarg; break;
		case OPT_STRICT: cfg.level_name = "strict"; break;
		case OPT_LEVEL:
			if (strcmp(optarg, "strict") && strcmp(optarg, "semantic"))
				die2("invalid --level '%s' (expected semantic or strict)", optarg);
			cfg.level_name = !strcmp(optarg, "strict") ? "strict" : "semantic";
			break;
		case OPT_FORMAT: cfg.format = optarg; break;
		case 'o': cfg.out_path = optarg; break;
		case 'v': verbose = true; break;
		case OPT_KEEP: cfg.keep_traces = optarg; break;
		case OPT_TIMEOUT: cfg.timeout = (double)cli_num("--timeout", optarg, 1, 86400, EXIT_ERROR); break;
		case OPT_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				die2("invalid --env '%s' (expected NAME=VALUE)", optarg);
			envs = xrealloc(envs, (nenvs + 1) * sizeof *envs);
			envs[nenvs++] = optarg;
			break;
		case OPT_WORKDIR: workdir = optarg; break;
		case OPT_FAILSKIP: fail_on_skip = true; break;
		case OPT_MAXPROCS: cfg.max_procs = (int)cli_num("--max-procs", optarg, 1, 100000, EXIT_ERROR); break;
		case OPT_MAXOUT:
			cfg.max_output = (uint64_t)cli_num("--max-output", optarg, 1, 1 << 20, EXIT_ERROR) << 20;
			break;
		case OPT_MAXMIS:
			cfg.cmp.max_report = (size_t)cli_num("--max-mismatches", optarg, 0, 100000, EXIT_ERROR);
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
				die2("invalid --color '%s' (expected auto, always or never)", optarg);
			cfg.color = optarg;
			break;
		case OPT_CASES: cases = optarg; break;
		case 'j': jobs = cli_num("-j", optarg, 1, 256, EXIT_ERROR); break;
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
	if (strcmp(cfg.format, "text") && strcmp(cfg.format, "json") && strcmp(cfg.format, "junit"))
		die2("unknown --format '%s' (expected text, json or junit)", cfg.format);
	if (!orig == !origcmd)
		die2(orig ? "give --original or --original-cmd, not both"
			  : "missing --original PROG (see 'sysdiff validate --help')");
	if (!new == !newcmd)
		die2(new ? "give --transpiled or --transpiled-cmd, not both"
			 : "missing --transpiled PROG (see 'sysdiff validate --help')");
	if (cfg.keep_traces) {
		struct stat st;
		if (stat(cfg.keep_traces, &st) < 0 || !S_ISDIR(st.st_mode))
			die2("--keep-traces %s: not a directory", cfg.keep_traces);
	}
	cfg.verbose = verbose;
	cfg.orig = orig;
	cfg.new = new;
	cfg.origcmd = origcmd;
	cfg.newcmd = newcmd;
	cfg.envs = envs;
	cfg.nenvs = nenvs;
	cfg.fail_on_skip = fail_on_skip;
	sd_validate_setup_compare(&cfg);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (cases)
		return sd_validate_cases(&cfg, cases, workdir, (int)jobs);

	char wd[PATH_MAX];
	if (!realpath(workdir ? workdir : ".", wd))
		die2("--workdir %s: %s", workdir ? workdir : ".", strerror(errno));
	struct stat st;
	if (stat(wd, &st) < 0 || !S_ISDIR(st.st_mode))
		die2("--workdir %s: not a directory", wd);
	if (!strcmp(wd, "/"))
		die2("the starting directory cannot be / (use --workdir DIR)");

	struct sd_validation v = { .cfg = &cfg };
	char *why = NULL;
	char **args = argv + optind;
	v.argv[0] = sd_prog_argv(orig, origcmd, args, &v.exec[0], &why);
	if (!v.argv[0]) {
		sd_warn("validation skipped: the original cannot be run: %s", why);
		free(why);
		free(envs);
		return fail_on_skip ? EXIT_DIFFERENT : EXIT_SAME;
	}
	v.argv[1] = sd_prog_argv(new, newcmd, args, &v.exec[1], &why);
	if (!v.argv[1]) {
		sd_error("the transpiled program cannot be run: %s", why);
		free(why);
		sd_validation_free(&v);
		free(envs);
		return EXIT_ERROR;
	}
	v.workdir = xstrdup(wd);
	v.env = sd_validate_env(wd, envs, nenvs);
	char *sdir = sd_scratch_dir(wd, &why);
	if (!sdir)
		die2("%s", why);
	v.stdin_path = stdin_copy(sdir);
	int rc = sd_validate_one(&v);
	if (strcmp(v.stdin_path, "/dev/null"))
		unlink(v.stdin_path);
	rmdir(sdir);
	free(sdir);
	if (rc < 0) {
		sd_error("%s", v.error);
		sd_validation_free(&v);
		free(envs);
		return sd_validate_interrupted ? 128 + sd_validate_interrupted : EXIT_ERROR;
	}
	struct sd_report_opts ro = { .verbose = verbose, .seconds = v.run[0].seconds + v.run[1].seconds };
	ro.color = cli_color(cfg.color, cfg.out_path);
	struct sb sb = SB_INIT;
	if (!strcmp(cfg.format, "junit")) {
		struct sd_validation *one = &v;
		sd_validate_junit(&sb, &one, 1, &ro);
	} else {
		sd_validate_render(&sb, &v, cfg.format, &ro);
	}
	cli_write_report(cfg.out_path, &sb, EXIT_ERROR);
	sb_free(&sb);
	rc = v.equivalent ? EXIT_SAME : EXIT_DIFFERENT;
	sd_validation_free(&v);
	free(envs);
	return rc;
}
