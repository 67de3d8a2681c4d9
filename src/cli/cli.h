/* cli.h - one entry function per subcommand (argv[0] is the subcommand name). */
#ifndef SD_CLI_H
#define SD_CLI_H

#include <stdbool.h>
#include "util/util.h"

int cmd_trace(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* Shared by the subcommands (common.c).  code: the exit status of a usage error. */
long cli_num(const char *opt, const char *s, long min, long max, int code);
bool cli_color(const char *when, const char *out_path);   /* --color=auto|always|never */
void cli_write_report(const char *path, const struct sb *sb, int code);  /* NULL: stdout */
struct sd_sysset;
/* --ignore/--keep SPEC: its syscalls added to *into (given more than once, they add up);
 * a usage error naming opt otherwise. */
void cli_sysset_arg(struct sd_sysset *into, const char *opt, const char *spec);
struct sd_path_map;
/* --map-path /FROM=TO appended to *maps (TO points into arg); a usage error otherwise. */
void cli_map_path(struct sd_path_map **maps, size_t *n, const char *arg);

#endif
