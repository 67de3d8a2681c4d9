/* trace.c - `sysdiff trace`: parse options, check everything that can be checked before
 * the command starts, set up the sinks and run the tracer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "format/writers.h"
#include "srcloc/srcloc.h"
#include "tracer/tracer.h"
#include "util/util.h"

static const char trace_usage[] =
	"usage: sysdiff trace [options] [--] COMMAND [ARGS...]\n"
	"       sysdiff trace [options] -p PID\n"
	"\n"
	"  -o FILE            write the trace to FILE (default: stderr); FILE.gz and\n"
	"                     FILE.zst: JSON Lines compressed with gzip or zstd\n"
	"  --format FMT       text (strace-like, default) or jsonl (default when FILE ends\n"
	"                     in .jsonl, .gz or .zst)\n"
	"  --record-env       keep the environment's values in execve calls (default: each\n"
	"                     NAME=VALUE recorded as NAME=<xxh64:HASH of VALUE>)\n"
	"  -f, -ff            accepted for strace users: children are always followed, into\n"
	"                     one trace (-ff -o FILE, a file per process, is refused)\n"
	"  -e trace=SPEC      report only these syscalls: names, %class, /regex/, !negation\n"
	"                     (others do not stop the command: seccomp-bpf)\n"
	"  -s N               buffer bytes shown in text output (default 32)\n"
	"  -c                 print a summary table (calls, errors, time) instead of the trace\n"
	"  -T                 show syscall durations\n"
	"  -t, -tt            show wall-clock time of day (-tt: with microseconds)\n"
	"  -y                 show what fds refer to;  -v  unabbreviated argv/envp\n"
	"  -p PID             attach to a running process (and all its threads)\n"
	"  --max-bytes N      buffer bytes kept per argument in the trace (default 4096)\n"
	"  --no-seccomp       stop at every syscall even when filtering\n"
	"  --no-pin           do not run tracer and command on one CPU\n"
	"  --source           record the user's file:line of each reported syscall\n"
	"                     (the innermost frame of the program's own code)\n"
	"  --stack            record every frame of the caller's stack too (implies --source)\n"
	"  --source-map FILE  a transpiler source map: generated lines become original\n"
	"                     file:line (repeatable; implies --source)\n"
	"  --debug-dir DIR    also look for separate debug files in DIR (repeatable)\n"
	"\n"
	"Exit status: the command's own (128+N if killed by signal N); 2 usage error (the\n"
	"command does not run); 125 sysdiff error (unwritable -o, no such pid, ptrace\n"
	"refused), 126 command not executable, 127 command not found.\n";

enum { OPT_FORMAT = 256, OPT_MAXBYTES, OPT_NOSECCOMP, OPT_NOPIN, OPT_TRACE, OPT_SOURCE,
       OPT_STACK, OPT_SOURCEMAP, OPT_DEBUGDIR, OPT_RECORDENV };

/* A usage error: one line, exit 2 (the command does not run). */
#define usage_die(...) sd_die_code(SD_EXIT_USAGE, __VA_ARGS__)

struct trace_args {
	const char *out_path;
	const char *format;
	const char *spec;
	int strsize;
	bool summary, durations, show_fds, verbose, record_env;
	int tcount, fcount;
	long pid;
	long max_bytes;
	bool no_seccomp, no_pin;
	bool source, stack;
	char **maps;
	int nmaps;
	char *debug_dirs;
};

/* -e trace=SPEC or -e SPEC; other strace qualifiers are not supported. */
static const char *parse_e(const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return arg;
	size_t n = eq - arg;
	if ((n == 5 && !strncmp(arg, "trace", 5)) || (n == 1 && arg[0] == 't'))
		return eq + 1;
	usage_die("unsupported -e qualifier '%.*s' (only trace=SPEC is supported)", (int)n, arg);
}

static int parse_args(int argc, char **argv, struct trace_args *a)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "string-limit", required_argument, NULL, 's' },
		{ "summary-only", no_argument, NULL, 'c' },
		{ "attach", required_argument, NULL, 'p' },
		{ "max-bytes", required_argument, NULL, OPT_MAXBYTES },
		{ "no-seccomp", no_argument, NULL, OPT_NOSECCOMP },
		{ "no-pin", no_argument, NULL, OPT_NOPIN },
		{ "source", no_argument, NULL, OPT_SOURCE },
		{ "stack", no_argument, NULL, OPT_STACK },
		{ "source-map", required_argument, NULL, OPT_SOURCEMAP },
		{ "debug-dir", required_argument, NULL, OPT_DEBUGDIR },
		{ "record-env", no_argument, NULL, OPT_RECORDENV },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:e:s:cTtyvfp:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': a->out_path = optarg; break;
		case OPT_FORMAT: a->format = optarg; break;
		case 'e': a->spec = parse_e(optarg); break;
		case OPT_TRACE: a->spec = optarg; break;
		case 's': a->strsize = cli_num("-s", optarg, 0, INT_MAX, SD_EXIT_USAGE); break;
		case 'c': a->summary = true; break;
		case 'T': a->durations = true; break;
		case 't': a->tcount++; break;
		case 'y': a->show_fds = true; break;
		case 'v': a->verbose = true; break;
		case 'f': a->fcount++; break;   /* strace's -f: always so */
		case OPT_RECORDENV: a->record_env = true; break;
		case 'p': a->pid = cli_num("-p", optarg, 1, INT_MAX, SD_EXIT_USAGE); break;
		case OPT_MAXBYTES: a->max_bytes = cli_num("--max-bytes", optarg, 0, 1 << 30, SD_EXIT_USAGE); break;
		case OPT_NOSECCOMP: a->no_seccomp = true; break;
		case OPT_NOPIN: a->no_pin = true; break;
		case OPT_SOURCE: a->source = true; break;
		case OPT_STACK: a->source = a->stack = true; break;
		case OPT_SOURCEMAP:
			a->source = true;
			a->maps = xrealloc(a->maps, (a->nmaps + 1) * sizeof *a->maps);
			a->maps[a->nmaps++] = optarg;
			break;
		case OPT_DEBUGDIR: {
			if (optarg[0] != '/' || strchr(optarg, ':'))
				usage_die("--debug-dir needs an absolute directory without ':' ('%s')", optarg);
			char *d = a->debug_dirs ? xasprintf("%s:%s", a->debug_dirs, optarg)
						: xstrdup(optarg);
			free(a->debug_dirs);
			a->debug_dirs = d;
			break;
		}
		case 'h': fputs(trace_usage, stdout); exit(0);
		default:
			if (optopt && optopt < 256 && strchr("oesp", optopt))
				usage_die("option -%c needs an argument (see 'sysdiff trace --help')", optopt);
			if (optopt && optopt < 256)
				usage_die("unknown option -%c (see 'sysdiff trace --help')", optopt);
			if (optopt)   /* a long option without its argument */
				usage_die("option '%s' needs an argument (see 'sysdiff trace --help')",
					  argv[optind - 1]);
			usage_die("unknown option '%s' (see 'sysdiff trace --help')", argv[optind - 1]);
		}
	}
	return optind;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* -ff: strace writes each process to FILE.PID; a sysdiff trace holds every process. */
static void check_ff(const struct trace_args *a)
{
	if (a->fcount > 1 && a->out_path)
		usage_die("-ff -o FILE (one file per process) is not supported: the trace holds "
			  "every process, each event names its pid (-f is implied)");
}

/* FILE.gz / FILE.zst are compressed JSON Lines, nothing else. */
static enum sd_compress check_compress(const struct trace_args *a, const char *fmt)
{
	enum sd_compress c = sd_compress_for_path(a->out_path);

	if (c != SD_COMPRESS_NONE && (a->summary || strcmp(fmt, "jsonl")))
		usage_die("'%s': compressed output (.gz, .zst) is written in --format jsonl only",
			  a->out_path);
	return c;
}

static int open_output(const char *path)
{
	if (!path)
		return STDERR_FILENO;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		sd_die("cannot write trace to '%s': %s", path, strerror(errno));
	return fd;
}

static void check_pid(long pid)
{
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		sd_die("cannot trace process %ld: no such process", pid);
	if (pid == getpid())
		sd_die("cannot trace process %ld: it is sysdiff itself", pid);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args a = { .strsize = 32, .max_bytes = 4096 };
	int first = parse_args(argc, argv, &a);
	char **cmd = argv + first;
	bool have_cmd = first < argc;
	if (have_cmd == (a.pid != 0))
		usage_die(have_cmd ? "give either a command or -p PID, not both"
				   : "no command to trace (usage: sysdiff trace [options] -- COMMAND...)");
	const char *fmt = a.format;
	if (!fmt)
		fmt = a.out_path && (ends_with(a.out_path, ".jsonl") ||
				     sd_compress_for_path(a.out_path)) ? "jsonl" : "text";
	if (strcmp(fmt, "text") && strcmp(fmt, "jsonl"))
		usage_die("unknown --format '%s' (expected text or jsonl)", fmt);
	check_ff(&a);
	enum sd_compress zc = check_compress(&a, fmt);

	struct sd_tracer_opts o;
	memset(&o, 0, sizeof o);
	sd_sysset_fill(&o.traced);
	if (a.spec) {
		char err[256];
		if (sd_sysset_parse(&o.traced, a.spec, err, sizeof err) < 0)
			usage_die("invalid -e trace=%s: %s", a.spec, err);
	}
	o.use_seccomp = have_cmd && !a.no_seccomp && !sd_sysset_is_full(&o.traced);
	o.pin_cpu = !a.no_pin;
	o.dopts.max_bytes = (uint32_t)a.max_bytes;
	o.dopts.max_strv = 4096;
	o.dopts.paths_abs = true;
	o.dopts.env_values = a.record_env;
	o.source = a.source;
	o.source_stack = a.stack;
	o.source_maps = a.maps;
	o.nsource_maps = a.nmaps;
	o.debug_dirs = a.debug_dirs;
	for (int i = 0; i < a.nmaps; i++) {
		/* Check the maps before the command starts: one line naming the file. */
		char *err = NULL;
		struct sd_srcmap *m = sd_srcmap_load(a.maps[i], &err);
		if (!m)
			sd_die("%s", err);
		sd_srcmap_free(m);
	}

	char *exec_path = NULL;
	if (have_cmd) {
		int err = sd_resolve_command(cmd[0], &exec_path);
		if (err == ENOENT)
			sd_die_code(SD_EXIT_NOTFOUND, "command not found: %s", cmd[0]);
		if (err)
			sd_die_code(SD_EXIT_NOEXEC, "cannot execute '%s': %s", cmd[0], strerror(err));
		o.argv = cmd;
		o.exec_path = exec_path;
	} else {
		check_pid(a.pid);
		o.attach_pid = (pid_t)a.pid;
	}

	int fd = open_output(a.out_path);
	struct sd_text_opts topts = {
		.strsize = a.strsize, .timestamps = a.tcount > 2 ? 2 : a.tcount,
		.durations = a.durations, .show_fds = a.show_fds, .verbose = a.verbose,
	};
	struct sd_sink *sink = a.summary ? sd_sink_summary_new(fd)
			     : !strcmp(fmt, "jsonl") ? sd_sink_jsonl_new_compressed(fd, zc)
						     : sd_sink_text_new(fd, &topts);
	if (!sink)
		sd_die("cannot start the compressor for '%s': out of memory", a.out_path);
	o.sinks = &sink;
	o.nsinks = 1;

	struct sd_trace_end end;
	int code = sd_tracer_run(&o, &end);
	if (code == SD_EXIT_TOOL && !end.complete && !end.events) {
		/* Nothing was traced: leave no file that looks like a trace. */
		if (a.out_path)
			unlink(a.out_path);
	} else if (sink->end(sink, &end) < 0) {
		sd_error("error writing trace to '%s': %s", a.out_path ? a.out_path : "stderr",
			 strerror(errno));
		code = SD_EXIT_TOOL;
	}
	sink->destroy(sink);
	if (fd != STDERR_FILENO)
		close(fd);
	sd_trace_end_clear(&end);
	free(exec_path);
	free(a.maps);
	free(a.debug_dirs);
	return code;
}
