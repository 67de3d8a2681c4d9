/* validate.h - run an original and its rewrite the same way and judge them.
 *
 * One validation: resolve both commands, run both sides at once, each traced in a
 * sandbox of its own (run.h), compare the traces at the chosen level (compare.h), what
 * each changed in the file system (state.h), their stdout, stderr and exit status,
 * into a verdict.  Cases (a manifest of inputs) run several validations in
 * parallel.  Reports: text, JSON, JUnit, HTML and GitHub annotations of one validation,
 * JUnit and HTML of many cases. */
#ifndef SD_VALIDATE_H
#define SD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include "compare/compare.h"
#include "report/report.h"
#include "validate/command.h"
#include "validate/calibrate.h"
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
	const char *format;              /* text, json, junit, html, github */
	const char *out_path;
	const char *keep_traces;
	const char *color;
	bool verbose, fail_on_skip;
	bool quiet;                      /* --quiet: no progress lines (--cases) */
	bool stacks;                     /* record every frame of each call (the HTML shows
					    both call stacks) */
	int shard, nshards;              /* --shard K/N: run the K-th (1-based) of N slices */
	const char *durations;           /* --durations FILE: a previous run's JSON */
	struct sd_cmp_opts cmp;          /* filled by sd_validate_setup_compare */
	struct sd_sandbox_plan plan;     /* what the sandboxes do with each mount */
	struct sd_virt_opts virt;        /* the clock and entropy both runs see (--clock,
					    --seed), address randomization off */
	int calibrate;                   /* extra runs of the original (--calibrate N) */
	char **masks;                    /* --mask REGEX: spans of output and files masked */
	char **mask_paths;               /* --mask-path GLOB: paths whose end state is not
					    compared (NULL-terminated) */
};

#define SD_CALIBRATE_MAX 4

/* What a validation concluded.  The values are also the exit statuses of the
 * --cases workers (cases.c). */
enum sd_verdict {
	SD_VERDICT_EQUIVALENT,           /* traces, end state, output and status agree */
	SD_VERDICT_DIFFERENT,            /* something differs, or a run hit a limit */
	SD_VERDICT_SKIPPED,              /* the original cannot be run (error says why) */
	SD_VERDICT_ERROR,                /* the validation could not be done (error says why) */
};

/* "equivalent", "not equivalent", "skipped", "error"; loud: "NOT equivalent" (case lists). */
const char *sd_verdict_name(enum sd_verdict v, bool loud);

struct sd_validation {
	const struct sd_validate_cfg *cfg;
	char *name;                      /* case name, or NULL */
	char **argv[2];
	char *exec[2];
	char **env;
	char *workdir;
	int stdin_fd;                    /* a file both runs read as stdin (afresh), -1: none */
	struct sd_run_result run[2 + SD_CALIBRATE_MAX];   /* original, rewrite, extra runs */
	struct sd_calib calib;           /* what varies between the original's runs */
	struct sd_cmp_result cmp;
	bool have_cmp;
	size_t nstate;
	char *state_text;
	char **diff_paths;               /* the paths whose end state differs (absolute)... */
	size_t *diff_at;                 /* ...and where their header line in state_text ends */
	size_t ndiff;
	bool out_differs[2];             /* stdout, stderr */
	bool out_masked[2];              /* tokens of them were forgiven (calibration) */
	size_t nmasked;                  /* tokens forgiven in all */
	char *out_diff[2];
	bool status_differs;
	enum sd_verdict verdict;         /* meaningful once judged, or with error set */
	char *error;                     /* why it was skipped or could not be done */
};

/* Compare options for cfg's level (noise set, semantic folding, runtime profiles). */
void sd_validate_setup_compare(struct sd_validate_cfg *cfg);

/* Commands (PROG, CMD, the runs' argv and exec path): validate/command.h. */

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
/* The stdin both runs read afresh: a copy of what fd in gives, in memory ("stdin",
 * the first of those names).  The fd, or -1 with errno. */
int sd_validate_stdin(int in);

/* Stop runs in progress (from a signal handler: the flag is checked between steps). */
extern volatile int sd_validate_interrupted;

/* Reports of validations (validate/report.c).  render: text, json, html (a whole
 * page) or github (annotations, ro->title starting their titles) of a judged
 * validation; junit: the same as a JUnit document with one test case. */
void sd_validate_render(struct sb *out, const struct sd_validation *v, const char *format,
			const struct sd_report_opts *ro);
/* The HTML sections of a judged validation (no page around them); idp (or NULL) starts
 * their anchors' ids. */
void sd_validate_html_body(struct sb *out, const struct sd_validation *v,
			   const struct sd_report_opts *ro, const char *idp);
/* The first difference in one line ("syscall #5 write: missing ','", "end state:
 * report.txt: mode 0644 vs 0600", "stdout differs"); "" when there is none. malloc'd. */
char *sd_validate_first_mismatch(const struct sd_validation *v);
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
	const char *first;               /* its first mismatch in one line, or NULL */
	const char *html;                /* its HTML sections (sd_validate_html_body), or NULL */
	const char *href;                /* HTML: its own page, linked from the index; NULL:
					    its sections follow the index in the same page */
	const char *json;                /* its JSON object (report.c's), or NULL */
	const char *github;              /* its GitHub annotations, or NULL */
	size_t index;                    /* its place in the manifest (0-based) */
};

/* How a manifest's cases are reported. */
struct sd_cases_opts {
	bool verbose;                    /* text: the report of every case, not only those
					    that differ */
	int shard, nshards;              /* a slice of the manifest (--shard K/N), 0: all */
	size_t total;                    /* the cases of the whole manifest */
};
/* The report of n cases in format (text, json, junit, html or github). */
void sd_validate_cases_render(struct sb *out, const char *format, const struct sd_case_report *c,
			      size_t n, const struct sd_cases_opts *o);
/* Its exit status: 2 when a case is an error, 1 when one differs (or was skipped with
 * fail_on_skip), else 0. */
int sd_validate_cases_exit(const struct sd_case_report *c, size_t n, bool fail_on_skip);
/* HTML, -o DIR: a page per case in dir ("003-NAME.html"), its href set (freed by
 * sd_validate_html_pages_free).  0, or -1 with errno. */
int sd_validate_html_pages(struct sd_case_report *c, size_t n, const char *dir);
void sd_validate_html_pages_free(struct sd_case_report *c, size_t n);
/* JUnit of a manifest's cases: one test suite, a test case per case that ran. */
void sd_validate_junit_cases(struct sb *out, const struct sd_case_report *c, size_t n,
			     const struct sd_cases_opts *o);
/* HTML of a manifest's cases: an index (one row per case: verdict, time, first
 * mismatch) and, for the cases without href, their reports after it, as anchors. */
void sd_validate_html_cases(struct sb *out, const struct sd_case_report *c, size_t n);
/* The page of one case (its href), linking back to index. */
void sd_validate_html_case_page(struct sb *out, const struct sd_case_report *c, const char *index);

/* --cases FILE (validate/cases.c): run every case and put the report in cfg->format
 * into out; returns the exit status of the whole run.  out stays empty when no case
 * could start (the error is printed). */
int sd_validate_cases(const struct sd_validate_cfg *cfg, const char *manifest,
		      const char *workdir, int jobs, struct sb *out);
/* --format html -o PATH with --cases: PATH names a directory (one that exists, or any
 * PATH ending in '/'): index.html and one page per case go there. */
bool sd_validate_html_dir(const char *out_path);
/* mkdir -p: 0, or -1 with errno. */
int sd_mkdir_p(const char *path);

#endif
