/* command.h - how validate turns --original/--transpiled (a file) or
 * --original-cmd/--transpiled-cmd (a command line) into the argv it runs and the
 * absolute path it executes, and what it says when a program cannot run.
 *
 * The program keeps the argv[0] the user typed (a multicall binary behind a symlink
 * sees its own name); the path executed is made absolute lexically (the runs start in
 * --workdir).  Launchers are resolved here, not traced: `#!/usr/bin/env [-S] NAME`
 * runs NAME from the runs' PATH directly, a pyenv shim is replaced by the interpreter
 * `pyenv which` names.  docs/validate.md ("The programs") has the whole table. */
#ifndef SD_VALIDATE_COMMAND_H
#define SD_VALIDATE_COMMAND_H

#include <stddef.h>

struct sd_validation;

enum sd_cmd_status {
	SD_CMD_OK,
	SD_CMD_USAGE,        /* the user's mistake: no such file, a directory, a command
				line that does not split (exit 2) */
	SD_CMD_CANNOT_RUN,   /* it exists but cannot run here: its interpreter is missing,
				exec format error, not executable, not found on PATH */
	SD_CMD_UNSUPPORTED,  /* it could run, but not the way validate runs it (an env
				option in its #! line that changes one side's environment) */
};

/* What the resolution of one validation's commands knows and remembers. */
struct sd_cmd_ctx {
	char **envp;             /* the runs' environment (sd_validate_env): PATH, pyenv's */
	const char *workdir;     /* the runs' starting directory: relative PATH entries,
				    relative #! interpreters, pyenv's local version */
	char **pyenv_memo;       /* "pyenv\nroot\nname" and the answer, in pairs: pyenv
				    is asked once per validation */
	size_t npyenv_memo;
};

/* Resolve PROG (a file) or CMD (a command line) followed by args.  SD_CMD_OK with
 * *argv and *exec_path (absolute), or another status with *why (malloc'd: "PATH:
 * reason").  Relative paths the user typed are relative to validate's own cwd. */
enum sd_cmd_status sd_command_resolve(struct sd_cmd_ctx *cx, const char *prog, const char *cmd,
				      char **args, char ***argv, char **exec_path, char **why);
/* Only the usage checks of sd_command_resolve (no such file, a directory, a command line
 * that does not split): SD_CMD_OK or SD_CMD_USAGE (*why). */
enum sd_cmd_status sd_command_check(const char *prog, const char *cmd, char **why);
void sd_cmd_ctx_free(struct sd_cmd_ctx *cx);

/* The shared library the dynamic loader could not find when a run ended with status
 * 127 and stderr (its first line) "PROG: error while loading shared libraries: NAME:
 * cannot open shared object file...": NAME, malloc'd; NULL otherwise. */
char *sd_missing_library(int status, const char *err, size_t len);
/* After both runs (v->run): 0, or -1 when a side's program could not be loaded:
 * v->verdict skipped (the original) or error (the transpiled), v->error names the
 * library. */
int sd_check_loaded(struct sd_validation *v);

#endif
