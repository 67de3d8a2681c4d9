/* main.c - subcommand dispatch, nothing else. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/util.h"

static const char usage[] =
	"usage: sysdiff <command> [options]\n"
	"\n"
	"commands:\n"
	"  trace     trace a command (or -p PID) and write its syscall trace\n"
	"  compare   compare two traces: equivalent (exit 0) or where they differ (exit 1)\n"
	"  validate  run an original and its rewrite the same way and judge them\n"
	"  merge     join the reports of validate --cases --shard K/N runs into one\n"
	"\n"
	"Run 'sysdiff <command> --help' for the options of a command; 'man sysdiff' for all.\n"
	"\n"
	"exit status:\n"
	"  0    compare, validate: equivalent (validate: also skipped, the original cannot run)\n"
	"  1    compare, validate: not equivalent\n"
	"  2    a usage error, in every command (unknown command or option, missing argument,\n"
	"       bad value); compare, validate: an input or tool error\n"
	"  125  trace: sysdiff's own failure (unwritable -o, no such pid, ptrace refused)\n"
	"  126  trace: the command cannot be executed;  127: it was not found\n"
	"  trace otherwise exits with the command's own status (128+N: killed by signal N).\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return SD_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("sysdiff %s\n", SD_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "trace"))
		return cmd_trace(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return cmd_merge(argc - 1, argv + 1);
	sd_error("unknown command '%s' (see 'sysdiff --help')", cmd);
	return SD_EXIT_USAGE;
}
