/* validate.c - one validation: both runs, all comparisons (see validate.h); the
 * commands are resolved in command.c. */
#define _GNU_SOURCE
#include "validate/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"
#include "report/udiff.h"
#include "util/util.h"

volatile int sd_validate_interrupted;

/* ---- environment ---- */

extern char **environ;

static const char *const pinned[][2] = {
	{ "LANG", "C.UTF-8" }, { "LC_ALL", "C.UTF-8" }, { "TZ", "UTC" },
	{ "PYTHONHASHSEED", "0" }, { "PYTHONDONTWRITEBYTECODE", "1" },
	{ "PYTHONUNBUFFERED", NULL }, { "PYTHONSTARTUP", NULL }, { "PYTHONPATH", NULL },
	{ "PYTHONHOME", NULL }, { "PYTHONWARNINGS", NULL }, { "RUST_BACKTRACE", NULL },
	{ "LD_PRELOAD", NULL }, { "LD_LIBRARY_PATH", NULL }, { "TERM", "dumb" },
	{ "COLUMNS", NULL }, { "LINES", NULL },
};

static void env_set(char ***env, size_t *n, const char *k, const char *v)
{
	size_t kl = strlen(k);
	for (size_t i = 0; i < *n; i++)
		if (!strncmp((*env)[i], k, kl) && (*env)[i][kl] == '=') {
			free((*env)[i]);
			if (v) {
				(*env)[i] = xasprintf("%s=%s", k, v);
			} else {
				(*env)[i] = (*env)[--*n];
				(*env)[*n] = NULL;
			}
			return;
		}
	if (v) {
		char *kv = xasprintf("%s=%s", k, v);
		sd_strv_push(env, n, kv);
		free(kv);
	}
}

char **sd_validate_env(const char *workdir, char **extra, size_t nextra)
{
	char **env = NULL;
	size_t n = 0;

	for (size_t i = 0; environ[i]; i++)
		sd_strv_push(&env, &n, environ[i]);
	if (!env)
		sd_strv_push(&env, &n, "PATH=/usr/local/bin:/usr/bin:/bin");
	for (size_t i = 0; i < sizeof pinned / sizeof *pinned; i++)
		env_set(&env, &n, pinned[i][0], pinned[i][1]);
	env_set(&env, &n, "HOME", workdir);
	env_set(&env, &n, "PWD", workdir);
	for (size_t i = 0; i < nextra; i++) {
		char *k = xstrdup(extra[i]), *eq = strchr(k, '=');
		*eq = '\0';
		env_set(&env, &n, k, eq + 1);
		free(k);
	}
	return env;
}

/* ---- scratch directory ---- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void sd_rm_tree(const char *dir)
{
	nftw(dir, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

/* ---- one validation ---- */

const char *sd_verdict_name(enum sd_verdict v, bool loud)
{
	return v == SD_VERDICT_EQUIVALENT ? "equivalent" : v == SD_VERDICT_DIFFERENT ?
	       (loud ? "NOT equivalent" : "not equivalent") : v == SD_VERDICT_SKIPPED ? "skipped" : "error";
}

void sd_validation_fail(struct sd_validation *v, enum sd_verdict verdict, const char *fmt, ...)
{
	struct sb sb = SB_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(v->error);
	v->error = sb_detach(&sb);
	v->verdict = verdict;
}

/* Which of ncpu CPUs run i goes on (0 the original, 1 the rewrite, 2... calibration
 * runs of the original): one each while there are CPUs enough; beyond, a calibration
 * run shares the rewrite's CPU before the original's (with 2 CPUs: the original alone,
 * the rewrite and the calibration run together), since a rewrite usually takes less
 * time than its original and two runs of the original on one CPU take twice as long. */
static int run_cpu(int i, int ncpu)
{
	return i < ncpu ? i : (i - 1) % ncpu;
}

static int run_both(struct sd_validation *v)
{
	const struct sd_validate_cfg *c = v->cfg;
	int n = 2 + c->calibrate;
	struct sd_run_spec s[2 + SD_CALIBRATE_MAX];
	cpu_set_t cpus;
	int cpu[CPU_SETSIZE], ncpu = 0;
	struct sd_sysset unlocated;

	/* the noise the comparison drops by name is never shown with a source line: not
	 * looked up (mmap, rt_sigaction..., each a walk of a Python run's frames), unless
	 * the traces are kept or every frame was asked for; the pinned clocks are, their
	 * answers depend on it (the tracer keeps them).  Nor is an interpreter's start-up,
	 * which the comparison drops whatever its frames (quick_startup).  Nor are those
	 * calls recorded, when the tracer keeps nothing of them: only counted (counted). */
	sd_cmp_default_noise(&unlocated);
	sd_sysset_intersect(&unlocated, &c->cmp.ignore);
	bool complete = c->keep_traces || c->stacks;
	if (complete)
		sd_sysset_clear(&unlocated);

	/* side by side: the runs spread over the CPUs there are */
	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) >= 2)
		for (int k = 0; k < CPU_SETSIZE; k++)
			if (CPU_ISSET(k, &cpus))
				cpu[ncpu++] = k;
	for (int i = 0; i < n; i++) {
		int side = i == 1;   /* 0, 2, 3...: the original */
		s[i] = (struct sd_run_spec){
			.label = side ? "transpiled" : i ? "original (calibration)" : "original",
			.argv = v->argv[side], .exec_path = v->exec[side], .workdir = v->workdir,
			.envp = v->env, .stdin_fd = v->stdin_fd, .plan = &c->plan,
			.cpu = ncpu ? cpu[run_cpu(i, ncpu)] : -1,
			.timeout = c->timeout, .max_procs = c->max_procs, .max_bytes = 65536,
			.stack = c->stacks, .unlocated = &unlocated, .counted = &unlocated,
			.quick_startup = !complete,
			.stop = &sd_validate_interrupted, .max_output = c->max_output,
			.virt = c->virt,
		};
		if (i >= 2) {   /* another world: another seed, another day and microsecond */
			s[i].paths_only = !complete;   /* calibrate reads its paths, outputs, files */
			s[i].virt.seed += (uint64_t)i - 1;
			s[i].virt.clock_ns += (int64_t)(i - 1) * (86400 * 1000000000ll + 123457000);
		}
	}
	if (sd_run_all(s, v->run, (size_t)n) < 0) {
		int i = 0;
		while (i < n - 1 && !v->run[i].error)
			i++;
		sd_validation_fail(v, SD_VERDICT_ERROR, "%s", v->run[i].error ? v->run[i].error : "run failed");
		return -1;
	}
	if (sd_validate_interrupted) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "interrupted by %s",
				   sd_signal_name(sd_validate_interrupted));
		return -1;
	}
	sd_calibrate(v, c->calibrate, c->masks, &v->calib);   /* nothing to learn: a no-op */
	return 0;
}

/* --keep-traces DIR: both traces copied there (a failure is only a warning). */
static void keep_traces(const struct sd_validation *v)
{
	for (int i = 0; i < 2; i++) {
		char *to = xasprintf("%s/%s%s.jsonl", v->cfg->keep_traces, v->name ? v->name : "",
				     v->name ? (i ? "-transpiled" : "-original") :
					       (i ? "transpiled" : "original"));
		int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int rc = out < 0 || lseek(v->run[i].trace_fd, 0, SEEK_SET) < 0 ||
			 sd_copy_fd(v->run[i].trace_fd, out) < 0 ? -1 : 0;
		if (out >= 0 && close(out) < 0)
			rc = -1;
		if (rc < 0)
			sd_warn("cannot keep the trace in %s: %s", to, strerror(errno));
		free(to);
	}
}

static int cmp_change(const void *x, const void *y)
{
	return strcmp(((const struct sd_fschange *)x)->path, ((const struct sd_fschange *)y)->path);
}

/* What the programs' stdin, stdout and stderr are (memory files): their content is
 * compared as such, not through the end state. */
const char *const sd_validate_streams[] = {
	"/memfd:stdin (deleted)", "/memfd:stdout (deleted)", "/memfd:stderr (deleted)", NULL,
};

int sd_validate_stdin(int in)
{
	int fd = memfd_create("stdin", MFD_CLOEXEC);

	if (fd >= 0 && sd_copy_fd(in, fd) < 0) {
		int e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	return fd;
}

/* The traces, compared at the configured level into v->cmp.  0 or -1 (v->error). */
static int compare_traces(struct sd_validation *v)
{
	struct sd_cmp_opts co = v->cfg->cmp;
	char *paths[2], *err = NULL;
	const char *decided[4 + 1] = { NULL };
	size_t nd = 0;
	int rc = 0;

	if (v->cfg->keep_traces)
		keep_traces(v);
	for (int i = 0; i < 2; i++)
		paths[i] = xasprintf("/proc/self/fd/%d", v->run[i].trace_fd);
	/* output that agrees once what varies in the original is forgiven was compared
	 * here (compare_outputs): the traces need not compare its bytes */
	for (int k = 0; k < 2; k++)
		if (v->out_masked[k] && !v->out_differs[k])
			decided[nd++] = sd_validate_streams[k + 1];
	co.decided_paths = nd ? decided : NULL;
	co.explain_paths = v->ndiff ? (const char *const *)v->diff_paths : NULL;
	co.content_paths = sd_validate_streams;
	co.state_root = "/";   /* every file's end state is compared */
	co.names[0] = v->argv[0][0];
	co.names[1] = v->argv[1][0];
	for (int i = 0; i < 2; i++) {
		co.side_maps[i] = v->calib.maps[i];
		co.nside_maps[i] = v->calib.nmaps[i];
	}
	if (sd_compare((const char *const *)paths, &co, &v->cmp, &err) < 0) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "comparing the traces: %s", err);
		free(err);
		rc = -1;
	} else {
		v->have_cmp = true;
	}
	free(paths[0]);
	free(paths[1]);
	return rc;
}

/* A change list with side's temporary names replaced by their placeholders: the
 * entries are the list's own (only the paths are new). */
static void name_changes(const struct sd_fschanges *in, const struct sd_calib *c, int side,
			 struct sd_fschanges *out)
{
	*out = *in;
	out->c = xmalloc((in->n + 1) * sizeof *out->c);
	for (size_t i = 0; i < in->n; i++) {
		out->c[i] = in->c[i];
		out->c[i].path = sd_calib_name(c, side, in->c[i].path);
	}
	qsort(out->c, out->n, sizeof *out->c, cmp_change);
}

static void free_named(struct sd_fschanges *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->c[i].path);
	free(l->c);
}

/* A file both runs changed, whose contents differ: the same once what varies between
 * the original's runs is forgiven?  (All of both must have been kept.) */
static bool forgive_file(void *priv, const char *path, const struct sd_fsentry *x,
			 const struct sd_fsentry *y)
{
	struct sd_validation *v = priv;
	const struct sd_mask *m = sd_calib_file(&v->calib, path);
	struct sb ma = SB_INIT, mb = SB_INIT;
	size_t n;

	if (!m || !x->data || !y->data || x->ndata != x->size || y->ndata != y->size)
		return false;
	bool same = sd_mask_compare(m, (const char *)x->data, x->ndata, (const char *)y->data,
				    y->ndata, &ma, &mb, &n);
	sb_free(&ma);
	sb_free(&mb);
	v->nmasked += same ? n : 0;
	return same;
}

/* What the runs changed in the file system, anywhere. */
static void state_differs(void *priv, const char *path, size_t at)
{
	struct sd_validation *v = priv;

	v->diff_paths = xrealloc(v->diff_paths, (v->ndiff + 2) * sizeof *v->diff_paths);
	v->diff_at = xrealloc(v->diff_at, (v->ndiff + 1) * sizeof *v->diff_at);
	v->diff_paths[v->ndiff] = xstrdup(path);
	v->diff_at[v->ndiff++] = at;
	v->diff_paths[v->ndiff] = NULL;
}

/* Under each path of the end-state text, the calls of each run that changed it (the
 * trace comparison fetched them): "  original:   openat(...) = 3 [append.py:4]". */
static void explain_state(struct sd_validation *v)
{
	struct sb out = SB_INIT;
	const char *t = v->state_text;
	size_t done = 0, tl = t ? strlen(t) : 0;

	if (!v->have_cmp || !v->cmp.nexplain || !t)
		return;
	/* the blocks come in the order state.c reported them, each header at its offset */
	for (size_t i = 0; i < v->ndiff; i++) {
		size_t at = v->diff_at[i];
		if (at < done || at > tl)
			continue;
		sb_add(&out, t + done, at - done);
		done = at;
		for (int side = 0; side < 2; side++)
			for (size_t k = 0; k < v->cmp.nexplain; k++) {
				const struct sd_cmp_explain *x = &v->cmp.explain[k];
				if (x->side != side || strcmp(x->path, v->diff_paths[i]))
					continue;
				sb_adds(&out, side ? "  transpiled: " : "  original:   ");
				sd_report_event_line(&out, &x->ev);
				sb_addc(&out, '\n');
			}
	}
	sb_add(&out, t + done, tl - done);
	free(v->state_text);
	v->state_text = sb_detach(&out);
}

static void compare_states(struct sd_validation *v)
{
	static const struct sd_fschanges none;
	const struct sd_fschanges *a = v->run[0].have_changes ? &v->run[0].changes : &none;
	const struct sd_fschanges *b = v->run[1].have_changes ? &v->run[1].changes : &none;
	struct sd_fschanges na, nb;
	struct sd_state_opts o = { .workdir = v->workdir, .skip_globs = v->cfg->mask_paths,
				   .forgive = forgive_file, .priv = v, .on_diff = state_differs };

	name_changes(a, &v->calib, 0, &na);
	name_changes(b, &v->calib, 1, &nb);
	v->nstate = sd_state_compare_opts(&na, &nb, &o, &v->state_text);
	free_named(&na);
	free_named(&nb);
}

/* stdout and stderr of both runs, byte for byte but for what varies between runs of the
 * original, with a unified diff where they differ. */
static void compare_outputs(struct sd_validation *v)
{
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "stderr" : "stdout";
		size_t la, lb, n = 0;
		int fa = k ? v->run[0].err_fd : v->run[0].out_fd, fb = k ? v->run[1].err_fd : v->run[1].out_fd;
		char *a = sd_read_fd(fa, 16u << 20, &la, NULL), *b = sd_read_fd(fb, 16u << 20, &lb, NULL);
		struct sb d = SB_INIT, ma = SB_INIT, mb = SB_INIT;
		bool same = la == lb && !memcmp(a, b, la);
		if (!same && v->calib.learned && !v->calib.std[k].structural) {
			same = sd_mask_compare(&v->calib.std[k], a, la, b, lb, &ma, &mb, &n);
			v->out_masked[k] = n > 0 || same;   /* decided here, not in the traces */
			v->nmasked += same ? n : 0;
			if (!same) {   /* what remains, the forgiven tokens shown as their shapes */
				free(a);
				free(b);
				la = ma.len;
				lb = mb.len;
				a = sb_detach(&ma);
				b = sb_detach(&mb);
			}
		}
		if (!same) {
			char *lA = xasprintf("original %s", name), *lB = xasprintf("transpiled %s", name);
			if (!sd_unified_diff(&d, a, la, b, lb, lA, lB))
				sb_addf(&d, "(%s differs beyond the first 16 MiB)\n", name);
			free(lA);
			free(lB);
			v->out_differs[k] = true;
		}
		v->out_diff[k] = sb_detach(&d);
		sb_free(&ma);
		sb_free(&mb);
		free(a);
		free(b);
	}
}

/* Equivalent only when everything agrees, neither run was cut short, and the original
 * behaves the same from run to run. */
static enum sd_verdict judge(const struct sd_validation *v)
{
	bool same = v->cmp.equivalent && !v->nstate && !v->out_differs[0] && !v->out_differs[1] &&
		    !v->status_differs && !v->calib.unstable;
	for (int i = 0; i < 2; i++)
		same = same && !v->run[i].timed_out && !v->run[i].output_limit && !v->run[i].layers_full;
	return same ? SD_VERDICT_EQUIVALENT : SD_VERDICT_DIFFERENT;
}

/* Run both sides and judge them (see validate.h). */
int sd_validate_one(struct sd_validation *v)
{
	if (run_both(v) < 0 || sd_check_loaded(v) < 0)
		return -1;
	compare_outputs(v);
	compare_states(v);
	if (compare_traces(v) < 0)
		return -1;
	explain_state(v);
	v->status_differs = v->run[0].status != v->run[1].status;
	v->verdict = judge(v);
	return 0;
}

void sd_validation_free(struct sd_validation *v)
{
	for (int i = 0; i < 2; i++) {
		sd_strv_free(v->argv[i]);
		free(v->exec[i]);
		free(v->out_diff[i]);
	}
	for (int i = 0; i < 2 + SD_CALIBRATE_MAX; i++)
		sd_run_result_free(&v->run[i]);
	sd_calib_free(&v->calib);
	if (v->have_cmp)
		sd_cmp_result_free(&v->cmp);
	sd_strv_free(v->env);
	free(v->state_text);
	for (size_t i = 0; i < v->ndiff; i++)
		free(v->diff_paths[i]);
	free(v->diff_paths);
	free(v->diff_at);
	free(v->error);
	free(v->workdir);
	free(v->name);
	if (v->stdin_fd > 0)
		close(v->stdin_fd);
}


/* ---- levels ---- */

void sd_validate_setup_compare(struct sd_validate_cfg *cfg)
{
	struct sd_cmp_opts *o = &cfg->cmp;
	mode_t m = umask(022);

	umask(m);   /* what both runs inherit */
	sd_cmp_default_noise(&o->ignore);
	o->semantic = !strcmp(cfg->level_name, "semantic");
	o->profiles = true;
	o->umask_known = true;
	o->umask = (int)m;
}
