/* validate.h - run an original and its rewrite the same way and judge them.
 *
 * One validation: resolve both commands, run both sides at once, each traced in a
 * sandbox of its own (run.h), compare the traces at the chosen level (compare.h), what
 * each changed in the file system (state.h), their stdout, stderr and exit status,
 * into a verdict.  Cases (a manifest of inputs) run several validations in
 * parallel.  Reports: text, JSON and JUnit of one validation, JUnit of many cases. */
#ifndef SD_VALIDATE_H
#define SD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include "compare/compare.h"
#include "report/report.h"
#include "validate/command.h"
#include "validate/run.h"
#include "validate/state.h"

struct sd_validate_cfg {
	const char *orig, *new;          /* --original / --transpiled files */
	const char *origcmd, *newcmd;    /* --original-cmd / --transpiled-cmd */
	char **envs;                     /* --env K=V */
	size_t nenvs;
	double timeout;
	int max_procs;
	uint64_t max_output;             /* --max-output: bytes of output per run */
	const char *level_name;          /* "semantic" or "strict" */
	const char *format;              /* text, json, junit */
	const char *out_path;
	const char *keep_traces;
	const char *color;
	bool verbose, fail_on_skip;
	struct sd_cmp_opts cmp;          /* filled by sd_validate_setup_compare */
	struct sd_sandbox_plan plan;     /* what the sandboxes do with each mount */
};

/* What a validation concluded.  The values are also the exit statuses of the
 * --cases workers (cases.c). */
enum sd_verdict {
	SD_VERDICT_EQUIVALENT,           /* traces, end state, output and status agree */
	SD_VERDICT_DIFFERENT,            /* something differs, or a run hit a limit */
	SD_VERDICT_SKIPPED,              /* the original cannot be run (error says why) */
	SD_VERDICT_ERROR,                /* the validation could not be done (error says why) */
};

struct sd_validation {
	const struct sd_validate_cfg *cfg;
	char *name;                      /* case name, or NULL */
	char **argv[2];
	char *exec[2];
	char **env;
	char *workdir;
	int stdin_fd;                    /* a file both runs read as stdin (afresh), -1: none */
	struct sd_run_result run[2];
	struct sd_cmp_result cmp;
	bool have_cmp;
	size_t nstate;
	char *state_text;
	bool out_differs[2];             /* stdout, stderr */
	char *out_diff[2];
	bool status_differs;
	enum sd_verdict verdict;         /* meaningful once judged, or with error set */
	char *error;                     /* why it was skipped or could not be done */
};

/* Compare options for cfg's level (noise set, semantic folding, runtime profiles). */
void sd_validate_setup_compare(struct sd_validate_cfg *cfg);

/* Commands (PROG, CMD, the runs' argv and exec path): validate/command.h. */
void sd_strv_free(char **v);

/* The environment both runs get: ours, the pinned set (docs/validate.md), extra K=V. */
char **sd_validate_env(const char *workdir, char **extra, size_t nextra);

/* Remove a directory tree (tests). */
void sd_rm_tree(const char *dir);

/* Run both sides (v->argv, exec, env, workdir, stdin_fd set) and judge them: 0 and
 * v->verdict equivalent or different, or -1 with v->verdict error, or skipped when the
 * original could not be loaded (sd_check_loaded), and v->error. */
int sd_validate_one(struct sd_validation *v);
/* v->verdict = verdict (skipped or error) and v->error = the message. */
void sd_validation_fail(struct sd_validation *v, enum sd_verdict verdict, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sd_validation_free(struct sd_validation *v);

/* The names of the programs' stdin, stdout and stderr in the traces (memory files). */
extern const char *const sd_validate_streams[];

/* Stop runs in progress (from a signal handler: the flag is checked between steps). */
extern volatile int sd_validate_interrupted;

/* Reports of validations (validate/report.c).  render: text or json of a judged
 * validation; junit: the same as a JUnit document with one test case. */
void sd_validate_render(struct sb *out, const struct sd_validation *v, const char *format,
			const struct sd_report_opts *ro);
void sd_validate_junit(struct sb *out, const struct sd_validation *v,
		       const struct sd_report_opts *ro);

/* One case of a manifest as its report shows it. */
struct sd_case_report {
	const char *name;
	enum sd_verdict verdict;
	double seconds;                  /* both runs */
	const char *error;               /* skipped or error: why */
	const char *text;                /* the text report without colors (the failure's
					    body); NULL: the case never ran (not listed) */
};
/* JUnit of a manifest's cases: one test suite, a test case per case that ran. */
void sd_validate_junit_cases(struct sb *out, const struct sd_case_report *c, size_t n);

/* --cases FILE (validate/cases.c): run every case and put the report in cfg->format
 * into out; returns the exit status of the whole run.  out stays empty when no case
 * could start (the error is printed). */
int sd_validate_cases(const struct sd_validate_cfg *cfg, const char *manifest,
		      const char *workdir, int jobs, struct sb *out);

#endif
