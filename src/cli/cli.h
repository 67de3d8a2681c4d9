/* cli.h - one entry function per subcommand (argv[0] is the subcommand name). */
#ifndef SD_CLI_H
#define SD_CLI_H

int cmd_trace(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif
