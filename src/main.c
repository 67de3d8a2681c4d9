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
	"\n"
	"Run 'sysdiff <command> --help' for the options of a command; 'man sysdiff' for all.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return SD_EXIT_TOOL;
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
	sd_error("unknown command '%s' (see 'sysdiff --help')", cmd);
	return SD_EXIT_TOOL;
}
