/* validate.c - one validation: both commands resolved, both runs, all comparisons
 * (see validate.h). */
#define _GNU_SOURCE
#include "validate/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wordexp.h>

#include "report/udiff.h"
#include "tracer/tracer.h"
#include "util/util.h"

volatile int sd_validate_interrupted;

/* ---- commands ---- */

static bool is_pyenv_shim(const char *p)
{
	return strstr(p, "/shims/") != NULL;
}

/* The python3 that runs .py files: the first on PATH, unless that is a pyenv shim
 * (a shell script that would show up in the trace), then /usr/bin/python3. */
static char *find_python(void)
{
	char *p = NULL;

	if (sd_resolve_command("python3", &p) == 0 && !is_pyenv_shim(p))
		return p;
	free(p);
	if (access("/usr/bin/python3", X_OK) == 0)
		return xstrdup("/usr/bin/python3");
	return NULL;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

void sd_strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* CMD split like a shell would, without command substitution.  0, or -1 (*why). */
static int cmd_argv(const char *cmd, char ***v, size_t *n, char **why)
{
	wordexp_t we;
	int rc = wordexp(cmd, &we, WRDE_NOCMD | WRDE_SHOWERR);

	if (rc != 0 || we.we_wordc == 0) {
		*why = xasprintf("cannot split the command line '%s'", cmd);
		if (rc == 0)
			wordfree(&we);
		return -1;
	}
	for (size_t i = 0; i < we.we_wordc; i++)
		strv_push(v, n, we.we_wordv[i]);
	wordfree(&we);
	return 0;
}

/* The file PROG: run itself, by the interpreter of its #! line when it is a script
 * that is not executable, or by python3 when it is a .py file without #!.  0, or -1
 * (*why). */
static int file_argv(const char *prog, char ***v, size_t *n, char **why)
{
	char real[PATH_MAX];
	struct stat st;

	if (stat(prog, &st) < 0) {
		*why = xasprintf("%s: %s", prog, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*why = xasprintf("%s: is a directory", prog);
		return -1;
	}
	if (!realpath(prog, real)) {
		*why = xasprintf("%s: %s", prog, strerror(errno));
		return -1;
	}
	char head[256] = "";
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	ssize_t hn = fd >= 0 ? read(fd, head, sizeof head - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (hn < 0) {
		*why = xasprintf("%s: %s", prog, strerror(errno));
		return -1;
	}
	head[hn] = '\0';
	bool shebang = hn > 2 && head[0] == '#' && head[1] == '!';
	size_t len = strlen(real);
	bool py = len > 3 && !strcmp(real + len - 3, ".py");
	if (shebang && access(real, X_OK) != 0) {
		/* a script that is not executable: its interpreter runs it */
		char *nl = strchr(head, '\n');
		if (nl)
			*nl = '\0';
		char *p = head + 2, *save = NULL;
		for (char *t = strtok_r(p, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
			strv_push(v, n, t);
		if (!*n) {
			*why = xasprintf("%s: empty #! line", prog);
			return -1;
		}
		strv_push(v, n, real);
	} else if (!shebang && py) {
		char *python = find_python();
		if (!python) {
			*why = xasprintf("%s: python3 is not installed", prog);
			return -1;
		}
		strv_push(v, n, python);
		strv_push(v, n, real);
		free(python);
	} else {
		strv_push(v, n, real);
	}
	return 0;
}

/* An interpreter named by the #! line of the script exec_path must exist too.  0, or
 * -1 (*why, naming prog). */
static int check_interpreter(const char *prog, const char *exec_path, char **why)
{
	char head[256] = "";
	int fd = open(exec_path, O_RDONLY | O_CLOEXEC);
	ssize_t hn = fd >= 0 ? read(fd, head, sizeof head - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (hn > 2 && head[0] == '#' && head[1] == '!') {
		head[hn] = '\0';
		char *p = head + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, " \t\n")] = '\0';
		if (*p && access(p, X_OK) != 0) {
			*why = xasprintf("%s: interpreter %s: %s", prog, p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Build the argv to run PROG (a file) or CMD (a command line).  Returns NULL and
 * *why when it cannot be run. */
char **sd_prog_argv(const char *prog, const char *cmd, char **args, char **exec_path, char **why)
{
	char **v = NULL;
	size_t n = 0;

	*exec_path = NULL;
	*why = NULL;
	if ((cmd ? cmd_argv(cmd, &v, &n, why) : file_argv(prog, &v, &n, why)) < 0) {
		sd_strv_free(v);
		return NULL;
	}
	for (size_t i = 0; args && args[i]; i++)
		strv_push(&v, &n, args[i]);
	int err = sd_resolve_command(v[0], exec_path);
	if (err) {
		*why = xasprintf("%s: %s", v[0], err == ENOENT ? "not found" : strerror(err));
		sd_strv_free(v);
		return NULL;
	}
	if (!cmd && !strcmp(v[0], *exec_path) && check_interpreter(prog, *exec_path, why) < 0) {
		free(*exec_path);
		*exec_path = NULL;
		sd_strv_free(v);
		return NULL;
	}
	return v;
}

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
		strv_push(env, n, kv);
		free(kv);
	}
}

char **sd_validate_env(const char *workdir, char **extra, size_t nextra)
{
	char **env = NULL;
	size_t n = 0;

	for (size_t i = 0; environ[i]; i++)
		strv_push(&env, &n, environ[i]);
	if (!env)
		strv_push(&env, &n, "PATH=/usr/local/bin:/usr/bin:/bin");
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

static bool inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0' || !strcmp(dir, "/"));
}

/* A scratch directory outside workdir (the runs' writes there must stay visible). */
char *sd_scratch_dir(const char *workdir, char **why)
{
	const char *bases[] = { getenv("TMPDIR"), "/tmp", "/var/tmp", "/dev/shm" };

	for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
		char real[PATH_MAX];
		if (!bases[i] || !*bases[i] || !realpath(bases[i], real) || inside(real, workdir))
			continue;
		char *t = xasprintf("%s/sysdiff-validate-XXXXXX", real);
		if (mkdtemp(t))
			return t;
		free(t);
	}
	*why = xasprintf("no temporary directory outside %s (set TMPDIR)", workdir);
	return NULL;
}

/* ---- one validation ---- */

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;

	if (in >= 0)
		out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out >= 0) {
		rc = sd_copy_fd(in, out);
		if (close(out) < 0)
			rc = -1;
	}
	if (in >= 0)
		close(in);
	return rc;
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

/* Both runs, one after the other, each side's files in side[i].  0 or -1 (v->error). */
static int run_both(struct sd_validation *v, const char *io, char *const side[2])
{
	const struct sd_validate_cfg *c = v->cfg;

	for (int i = 0; i < 2 && !sd_validate_interrupted; i++) {
		struct sd_run_spec s = {
			.label = i ? "transpiled" : "original", .argv = v->argv[i],
			.exec_path = v->exec[i], .workdir = v->workdir, .envp = v->env,
			.stdin_path = v->stdin_path, .io_dir = io, .side_dir = side[i],
			.tmp = v->tmp, .timeout = c->timeout, .max_procs = c->max_procs,
			.max_bytes = 65536, .stop = &sd_validate_interrupted,
			.max_output = c->max_output,
		};
		if (sd_run(&s, &v->run[i]) < 0) {
			sd_validation_fail(v, SD_VERDICT_ERROR, "%s",
					   v->run[i].error ? v->run[i].error : "run failed");
			return -1;
		}
	}
	if (sd_validate_interrupted) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "interrupted by %s",
				   sd_signal_name(sd_validate_interrupted));
		return -1;
	}
	return 0;
}

/* --keep-traces DIR: both traces copied there (a failure is only a warning). */
static void keep_traces(const struct sd_validation *v, char *const paths[2])
{
	for (int i = 0; i < 2; i++) {
		char *to = xasprintf("%s/%s%s.jsonl", v->cfg->keep_traces, v->name ? v->name : "",
				     v->name ? (i ? "-transpiled" : "-original") :
					       (i ? "transpiled" : "original"));
		if (copy_file(paths[i], to) < 0)
			sd_warn("cannot keep the trace in %s: %s", to, strerror(errno));
		free(to);
	}
}

/* The traces, compared at the configured level into v->cmp.  0 or -1 (v->error). */
static int compare_traces(struct sd_validation *v, char *const side[2], const char *io)
{
	struct sd_cmp_opts co = v->cfg->cmp;
	const char *content[] = { io, v->stdin_path, NULL };
	char *paths[2], *err = NULL;
	int rc = 0;

	for (int i = 0; i < 2; i++)
		paths[i] = xasprintf("%s/%s", side[i], SD_RUN_TRACE);
	if (v->cfg->keep_traces)
		keep_traces(v, paths);
	co.content_paths = content;
	co.state_root = v->workdir;
	co.names[0] = v->argv[0][0];
	co.names[1] = v->argv[1][0];
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

/* The directories the runs left, against the one they started from. */
static void compare_states(struct sd_validation *v, char *const side[2])
{
	for (int i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", side[i], SD_RUN_STATE);
		if (sd_state_load(&v->after[i], p) < 0)
			v->after[i].missing = true;
		free(p);
	}
	v->nstate = sd_state_compare(&v->before, &v->after[0], &v->after[1], &v->state_text);
}

/* stdout and stderr of both runs, byte for byte, with a unified diff where they differ. */
static void compare_outputs(struct sd_validation *v, char *const side[2])
{
	for (int k = 0; k < 2; k++) {
		const char *name = k ? SD_RUN_STDERR : SD_RUN_STDOUT;
		size_t la, lb;
		bool ca, cb;
		char *pa = xasprintf("%s/%s", side[0], name), *pb = xasprintf("%s/%s", side[1], name);
		char *a = sd_read_file(pa, 16u << 20, &la, &ca), *b = sd_read_file(pb, 16u << 20, &lb, &cb);
		if (!a)                 /* a run that left no file: it wrote nothing */
			a = xstrdup("");
		if (!b)
			b = xstrdup("");
		struct sb d = SB_INIT;
		if (la != lb || memcmp(a, b, la)) {
			char *lA = xasprintf("original %s", name), *lB = xasprintf("transpiled %s", name);
			if (!sd_unified_diff(&d, a, la, b, lb, lA, lB))
				sb_addf(&d, "(%s differs beyond the first 16 MiB)\n", name);
			free(lA);
			free(lB);
			v->out_differs[k] = true;
		}
		v->out_diff[k] = sb_detach(&d);
		free(a);
		free(b);
		free(pa);
		free(pb);
	}
}

/* Equivalent only when everything agrees and neither run was cut short. */
static enum sd_verdict judge(const struct sd_validation *v)
{
	bool same = v->cmp.equivalent && !v->nstate && !v->out_differs[0] && !v->out_differs[1] &&
		    !v->status_differs && !v->run[0].timed_out && !v->run[1].timed_out &&
		    !v->run[0].output_limit && !v->run[1].output_limit;
	return same ? SD_VERDICT_EQUIVALENT : SD_VERDICT_DIFFERENT;
}

/* Run both sides and judge them (see validate.h). */
int sd_validate_one(struct sd_validation *v)
{
	char *why = NULL;
	int rc = -1;

	v->tmp = sd_scratch_dir(v->workdir, &why);
	if (!v->tmp) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "%s", why);
		free(why);
		return -1;
	}
	char *io = xasprintf("%s/io", v->tmp);
	char *side[2] = { xasprintf("%s/original", v->tmp), xasprintf("%s/transpiled", v->tmp) };
	if (mkdir(io, 0755) < 0 || mkdir(side[0], 0755) < 0 || mkdir(side[1], 0755) < 0) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "cannot prepare %s: %s", v->tmp, strerror(errno));
		goto out;
	}
	sd_state_take(v->workdir, &v->before);
	if (v->before.missing || v->before.error) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "cannot read the starting directory: %s",
				   v->before.error ? v->before.error : v->workdir);
		goto out;
	}
	if (run_both(v, io, side) < 0 || compare_traces(v, side, io) < 0)
		goto out;
	compare_states(v, side);
	compare_outputs(v, side);
	v->status_differs = v->run[0].status != v->run[1].status;
	v->verdict = judge(v);
	rc = 0;
out:
	sd_rm_tree(v->tmp);
	free(io);
	free(side[0]);
	free(side[1]);
	return rc;
}

void sd_validation_free(struct sd_validation *v)
{
	for (int i = 0; i < 2; i++) {
		sd_strv_free(v->argv[i]);
		free(v->exec[i]);
		sd_run_result_free(&v->run[i]);
		sd_state_free(&v->after[i]);
		free(v->out_diff[i]);
	}
	sd_state_free(&v->before);
	if (v->have_cmp)
		sd_cmp_result_free(&v->cmp);
	sd_strv_free(v->env);
	free(v->state_text);
	free(v->error);
	free(v->tmp);
	free(v->workdir);
	free(v->name);
	free(v->stdin_path);
}


/* ---- levels ---- */

void sd_validate_setup_compare(struct sd_validate_cfg *cfg)
{
	struct sd_cmp_opts *o = &cfg->cmp;

	sd_cmp_default_noise(&o->ignore);
	o->semantic = !strcmp(cfg->level_name, "semantic");
	o->profiles = true;
}
