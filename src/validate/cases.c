/* cases.c - `validate --cases FILE`: every case of a manifest, -j at a time.
 *
 * The manifest (docs/validate.md):
 *   {"cases": [{"name": "empty-input", "args": ["-n"], "stdin": "in/empty.txt",
 *               "env": {"K": "V"}, "workdir": "fixtures/one"}, ...]}
 * Paths in it are relative to the manifest's directory.  Each case runs in a worker
 * process of its own, which leaves its reports and results in files of a scratch
 * directory and exits with its verdict; the parent prints a progress line per case on
 * a terminal ("[3/20] empty-input ... equivalent (0.4 s)"), then builds the report of
 * all cases from those files (the reports, then a summary; JUnit through report.c). */
#define _GNU_SOURCE
#include "validate/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

struct vcase {
	char *name;
	char **args;
	char *stdin_path;        /* NULL: /dev/null */
	char **envs;             /* K=V */
	size_t nenvs;
	char *workdir;
	/* results, from the worker */
	pid_t pid;
	int slot;                /* which of the -j places (and CPU) it runs in */
	int res_fd;              /* the worker's results (a memory file), until read */
	char *res[4];            /* its results, as result_exts */
	enum sd_verdict verdict; /* error until its worker says otherwise */
	double seconds;
	bool done;
};

static char *join_dir(const char *dir, const char *p)
{
	return p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", dir, p);
}

static int load_manifest(const char *path, struct vcase **out, size_t *n, char **err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	char *copy = xstrdup(path), *dir = xstrdup(dirname(copy));

	free(copy);
	*out = NULL;
	*n = 0;
	if (!root) {
		*err = xasprintf("%s:%d: invalid JSON: %s", path, je.line, je.text);
		free(dir);
		return -1;
	}
	json_t *cases = json_is_object(root) ? json_object_get(root, "cases") : root;
	if (!json_is_array(cases) || !json_array_size(cases)) {
		*err = xasprintf("%s: expected {\"cases\": [...]} with at least one case", path);
		goto bad;
	}
	size_t nc = json_array_size(cases);
	struct vcase *v = xcalloc(nc, sizeof *v);
	*out = v;
	for (size_t i = 0; i < nc; i++) {
		json_t *c = json_array_get(cases, i), *x;
		struct vcase *k = &v[i];
		*n = i + 1;
		if (!json_is_object(c)) {
			*err = xasprintf("%s: case %zu is not an object", path, i + 1);
			goto bad;
		}
		x = json_object_get(c, "name");
		k->name = json_is_string(x) ? xstrdup(json_string_value(x)) : xasprintf("case-%zu", i + 1);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v[j].name, k->name)) {
				*err = xasprintf("%s: two cases are named '%s'", path, k->name);
				goto bad;
			}
		x = json_object_get(c, "args");
		size_t na = json_is_array(x) ? json_array_size(x) : 0;
		if (x && !json_is_array(x)) {
			*err = xasprintf("%s: case '%s': \"args\" must be an array of strings", path, k->name);
			goto bad;
		}
		k->args = xcalloc(na + 1, sizeof *k->args);
		for (size_t j = 0; j < na; j++) {
			json_t *a = json_array_get(x, j);
			if (!json_is_string(a)) {
				*err = xasprintf("%s: case '%s': \"args\" must be an array of strings",
						 path, k->name);
				goto bad;
			}
			k->args[j] = xstrdup(json_string_value(a));
		}
		x = json_object_get(c, "stdin");
		if (json_is_string(x))
			k->stdin_path = join_dir(dir, json_string_value(x));
		else if (x && !json_is_null(x)) {
			*err = xasprintf("%s: case '%s': \"stdin\" must be a file name", path, k->name);
			goto bad;
		}
		x = json_object_get(c, "env");
		if (x && !json_is_object(x)) {
			*err = xasprintf("%s: case '%s': \"env\" must be an object", path, k->name);
			goto bad;
		}
		const char *key;
		json_t *val;
		json_object_foreach(x, key, val) {
			if (!json_is_string(val) || !*key || strchr(key, '=')) {
				*err = xasprintf("%s: case '%s': env '%s' must be a string", path, k->name, key);
				goto bad;
			}
			k->envs = xrealloc(k->envs, (k->nenvs + 1) * sizeof *k->envs);
			k->envs[k->nenvs++] = xasprintf("%s=%s", key, json_string_value(val));
		}
		x = json_object_get(c, "workdir");
		if (json_is_string(x))
			k->workdir = join_dir(dir, json_string_value(x));
		else if (x) {
			*err = xasprintf("%s: case '%s': \"workdir\" must be a directory name", path, k->name);
			goto bad;
		}
		k->verdict = SD_VERDICT_ERROR;
	}
	json_decref(root);
	free(dir);
	return 0;
bad:
	json_decref(root);
	free(dir);
	return -1;
}

static void free_cases(struct vcase *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sd_strv_free(v[i].args);
		free(v[i].stdin_path);
		for (size_t j = 0; j < v[i].nenvs; j++)
			free(v[i].envs[j]);
		free(v[i].envs);
		free(v[i].workdir);
		free(v[i].name);
		for (size_t e = 0; e < 4; e++)
			free(v[i].res[e]);
		if (v[i].res_fd > 0)
			close(v[i].res_fd);
	}
	free(v);
}

/* A worker hands its results over in a memory file the parent made before the fork:
 * for each result "EXT LENGTH\n" and the bytes.  Nothing has a name on disk, so a
 * killed sysdiff leaves nothing behind. */
static const char *const result_exts[] = { "text", "json", "error", "time" };

static void write_result(const struct vcase *k, const char *ext, const struct sb *sb)
{
	dprintf(k->res_fd, "%s %zu\n", ext, sb->len);
	sd_write_full(k->res_fd, sb_str(sb), sb->len);
}

/* The parent, once the worker ended: its results into k->res. */
static void load_results(struct vcase *k)
{
	size_t len;
	char *all = k->res_fd > 0 ? sd_read_fd(k->res_fd, 256u << 20, &len, NULL) : NULL;

	for (size_t off = 0; all && off < len;) {
		char ext[16];
		size_t n;
		int used;
		if (sscanf(all + off, "%15s %zu\n%n", ext, &n, &used) != 2 || n > len - off - used)
			break;
		off += (size_t)used;
		for (size_t e = 0; e < 4; e++)
			if (!strcmp(ext, result_exts[e]) && !k->res[e])
				k->res[e] = xstrndup(all + off, n);
		off += n;
	}
	free(all);
	if (k->res_fd > 0)
		close(k->res_fd);
	k->res_fd = -1;
}

/* A result (malloc'd), or NULL when the worker left none. */
static char *read_result(const struct vcase *k, const char *ext)
{
	for (size_t e = 0; e < 4; e++)
		if (!strcmp(ext, result_exts[e]))
			return k->res[e] ? xstrdup(k->res[e]) : NULL;
	return NULL;
}

/* A case's stdin: a copy in memory, as a single validation keeps its own (the programs
 * see the same name either way).  The fd, or -1 with errno. */
static int stdin_copy(const char *path)
{
	int in = open(path, O_RDONLY | O_CLOEXEC), fd = -1;

	if (in >= 0 && (fd = memfd_create("stdin", MFD_CLOEXEC)) >= 0 && sd_copy_fd(in, fd) < 0) {
		int e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	if (in >= 0) {
		int e = errno;
		close(in);
		errno = e;
	}
	return fd;
}

/* The worker's validation of case k: resolved, run and judged, or v->error. */
static void worker_validate(const struct sd_validate_cfg *cfg, const struct vcase *k,
			    const char *default_wd, struct sd_validation *v)
{
	char wd[PATH_MAX], *why = NULL;

	if (!realpath(k->workdir ? k->workdir : default_wd, wd)) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "workdir %s: %s",
				   k->workdir ? k->workdir : default_wd, strerror(errno));
		return;
	}
	if (k->stdin_path && (v->stdin_fd = stdin_copy(k->stdin_path)) < 0) {
		sd_validation_fail(v, SD_VERDICT_ERROR, "stdin %s: %s", k->stdin_path, strerror(errno));
		return;
	}
	char **envs = xcalloc(cfg->nenvs + k->nenvs + 1, sizeof *envs);
	for (size_t i = 0; i < cfg->nenvs; i++)
		envs[i] = cfg->envs[i];
	for (size_t i = 0; i < k->nenvs; i++)
		envs[cfg->nenvs + i] = k->envs[i];
	v->workdir = xstrdup(wd);
	v->env = sd_validate_env(wd, envs, cfg->nenvs + k->nenvs);
	free(envs);
	/* the commands, as the runs will see them (their PATH, their starting directory) */
	struct sd_cmd_ctx cx = { .envp = v->env, .workdir = wd };
	enum sd_cmd_status st = sd_command_resolve(&cx, cfg->orig, cfg->origcmd, k->args,
						   &v->argv[0], &v->exec[0], &why);
	if (st == SD_CMD_CANNOT_RUN)
		sd_validation_fail(v, SD_VERDICT_SKIPPED, "skipped: the original cannot be run: %s", why);
	else if (st != SD_CMD_OK)
		sd_validation_fail(v, SD_VERDICT_ERROR, "the original cannot be validated: %s", why);
	else if (sd_command_resolve(&cx, cfg->new, cfg->newcmd, k->args, &v->argv[1], &v->exec[1],
				    &why) != SD_CMD_OK)
		sd_validation_fail(v, SD_VERDICT_ERROR, "the transpiled program cannot be run: %s", why);
	free(why);
	sd_cmd_ctx_free(&cx);
	if (v->error)
		return;
	sd_validate_one(v);
}

/* The worker: one validation, its reports and results into files (the parent reads
 * them), exit with the verdict. */
static void worker(const struct sd_validate_cfg *cfg, struct vcase *k, const char *default_wd)
{
	struct sd_validation v = { .cfg = cfg, .name = xstrdup(k->name), .stdin_fd = -1 };
	struct sd_report_opts ro = { .verbose = cfg->verbose };
	struct sb text = SB_INIT, json = SB_INIT, err = SB_INIT, t = SB_INIT;

	worker_validate(cfg, k, default_wd, &v);
	if (!v.error) {
		sd_validate_render(&text, &v, "text", &ro);
		sd_validate_render(&json, &v, "json", &ro);
	} else {
		sb_addf(&text, "error: %s\n", v.error);
		sb_adds(&json, "{\"case\":");
		sd_report_json_string(&json, v.name);
		sb_adds(&json, ",\"verdict\":\"error\",\"error\":");
		sd_report_json_string(&json, v.error);
		sb_adds(&json, "}\n");
		sb_adds(&err, v.error);
	}
	sb_addf(&t, "%.3f\n", v.run[0].seconds + v.run[1].seconds);
	write_result(k, "text", &text);
	write_result(k, "json", &json);
	if (v.error)
		write_result(k, "error", &err);
	write_result(k, "time", &t);
	_exit((int)v.verdict);
}

/* The verdict a worker's wait status carries: anything else is an error. */
static enum sd_verdict worker_verdict(int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st) > SD_VERDICT_ERROR)
		return SD_VERDICT_ERROR;
	return (enum sd_verdict)WEXITSTATUS(st);
}

static const char *verdict_name(enum sd_verdict v)
{
	return v == SD_VERDICT_EQUIVALENT ? "equivalent" : v == SD_VERDICT_DIFFERENT ? "NOT equivalent"
	     : v == SD_VERDICT_SKIPPED ? "skipped" : "error";
}

/* ---- running the cases ---- */

struct case_run {
	const struct sd_validate_cfg *cfg;
	struct vcase *v;
	size_t n, next, running, finished;
	int jobs;
	const char *wd;          /* the default starting directory */
	bool tty;                /* progress lines on stderr */
};

/* The lowest of the -j places that no running case holds. */
static int free_slot(const struct case_run *r)
{
	int slot = 0;

	for (bool taken = true; taken; slot++) {
		taken = false;
		for (size_t j = 0; j < r->n; j++)
			if (r->v[j].pid > 0 && !r->v[j].done && r->v[j].slot == slot)
				taken = true;
		if (!taken)
			break;
	}
	return slot;
}

/* Fork the worker of case k (an error when fork fails). */
static void start_case(struct case_run *r, struct vcase *k)
{
	fflush(NULL);
	k->slot = free_slot(r);
	k->res_fd = memfd_create("case", MFD_CLOEXEC);
	k->pid = k->res_fd < 0 ? -1 : fork();
	if (k->pid == 0) {
		/* the tracer runs on the CPU it starts on: spread the workers */
		cpu_set_t cpus;
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		CPU_ZERO(&cpus);
		if (ncpu > 1) {
			CPU_SET(k->slot % ncpu, &cpus);
			sched_setaffinity(0, sizeof cpus, &cpus);
		}
		worker(r->cfg, k, r->wd);
	}
	if (k->pid < 0) {
		k->verdict = SD_VERDICT_ERROR;
		k->done = true;
		r->finished++;
		return;
	}
	r->running++;
}

/* Worker pid ended with wait status st. */
static void case_ended(struct case_run *r, pid_t pid, int st)
{
	for (size_t i = 0; i < r->n; i++) {
		struct vcase *k = &r->v[i];
		if (k->pid != pid || k->done)
			continue;
		k->done = true;
		k->verdict = worker_verdict(st);
		load_results(k);
		char *t = read_result(k, "time");
		k->seconds = t ? atof(t) : 0;
		free(t);
		r->finished++;
		r->running--;
		if (r->tty)
			fprintf(stderr, "[%zu/%zu] %s ... %s (%.1f s)\n", r->finished, r->n, k->name,
				verdict_name(k->verdict), k->seconds);
	}
}

/* Every case, -j at a time, until all ended (or an interruption stopped the rest). */
static void run_cases(struct case_run *r)
{
	while (r->finished < r->n) {
		while (!sd_validate_interrupted && r->running < (size_t)r->jobs && r->next < r->n)
			start_case(r, &r->v[r->next++]);
		if (!r->running)
			break;
		int st;
		pid_t pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR) {
				for (size_t i = 0; i < r->n; i++)
					if (r->v[i].pid > 0 && !r->v[i].done)
						kill(r->v[i].pid, SIGTERM);
				continue;
			}
			break;
		}
		case_ended(r, pid, st);
	}
}

/* ---- the report ---- */

/* The JSON of every case and the counts. */
static void json_cases(struct sb *out, const struct vcase *v, size_t n, const size_t count[4])
{
	sb_adds(out, "{\"cases\":[");
	for (size_t i = 0; i < n; i++) {
		char *body = read_result(&v[i], "json");
		size_t l = body ? strlen(body) : 0;
		while (l && body[l - 1] == '\n')
			body[--l] = '\0';
		sb_addf(out, "%s%s", i ? "," : "", l ? body : "null");
		free(body);
	}
	sb_addf(out, "],\"equivalent\":%zu,\"not_equivalent\":%zu,\"skipped\":%zu,\"errors\":%zu}\n",
		count[SD_VERDICT_EQUIVALENT], count[SD_VERDICT_DIFFERENT], count[SD_VERDICT_SKIPPED],
		count[SD_VERDICT_ERROR]);
}

/* JUnit: one test case per case that ran (report.c). */
static void junit_cases(struct sb *out, const struct vcase *v, size_t n)
{
	struct sd_case_report *c = xcalloc(n, sizeof *c);
	char **text = xcalloc(n, sizeof *text), **error = xcalloc(n, sizeof *error);

	for (size_t i = 0; i < n; i++) {
		text[i] = read_result(&v[i], "text");     /* NULL: never ran */
		error[i] = read_result(&v[i], "error");
		c[i] = (struct sd_case_report){ .name = v[i].name, .verdict = v[i].verdict,
			.seconds = v[i].seconds, .error = error[i], .text = text[i] };
	}
	sd_validate_junit_cases(out, c, n);
	for (size_t i = 0; i < n; i++) {
		free(text[i]);
		free(error[i]);
	}
	free(text);
	free(error);
	free(c);
}

/* Text: the report of every case that is not equivalent (all with -v), a summary. */
static void text_cases(struct sb *out, const struct vcase *v, size_t n, const size_t count[4],
		       bool verbose)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].verdict == SD_VERDICT_EQUIVALENT && !verbose)
			continue;
		char *body = read_result(&v[i], "text");
		sb_addf(out, "=== case %s: %s\n%s\n", v[i].name, verdict_name(v[i].verdict),
			body ? body : "");
		free(body);
	}
	sb_addf(out, "%zu cases: %zu equivalent, %zu not equivalent, %zu skipped, %zu errors\n",
		n, count[SD_VERDICT_EQUIVALENT], count[SD_VERDICT_DIFFERENT],
		count[SD_VERDICT_SKIPPED], count[SD_VERDICT_ERROR]);
}

/* The report in cfg->format.  The exit status. */
static int report_cases(const struct sd_validate_cfg *cfg, struct vcase *v, size_t n,
			struct sb *out)
{
	size_t count[4] = { 0 };

	for (size_t i = 0; i < n; i++)
		count[v[i].verdict]++;
	if (!strcmp(cfg->format, "json"))
		json_cases(out, v, n, count);
	else if (!strcmp(cfg->format, "junit"))
		junit_cases(out, v, n);
	else
		text_cases(out, v, n, count, cfg->verbose);
	if (sd_validate_interrupted)
		return 128 + sd_validate_interrupted;
	if (count[SD_VERDICT_ERROR])
		return SD_EXIT_ERROR;
	if (count[SD_VERDICT_DIFFERENT] || (count[SD_VERDICT_SKIPPED] && cfg->fail_on_skip))
		return SD_EXIT_DIFFERENT;
	return SD_EXIT_EQUIVALENT;
}

int sd_validate_cases(const struct sd_validate_cfg *cfg, const char *manifest,
		      const char *workdir, int jobs, struct sb *out)
{
	struct case_run r = { .cfg = cfg, .jobs = jobs, .tty = isatty(STDERR_FILENO) };
	char *err = NULL, wd[PATH_MAX];

	if (load_manifest(manifest, &r.v, &r.n, &err) < 0) {
		sd_error("%s", err);
		free(err);
		free_cases(r.v, r.n);
		return SD_EXIT_ERROR;
	}
	if (!realpath(workdir ? workdir : ".", wd)) {
		sd_error("--workdir %s: %s", workdir ? workdir : ".", strerror(errno));
		free_cases(r.v, r.n);
		return SD_EXIT_ERROR;
	}
	r.wd = wd;
	run_cases(&r);
	int rc = report_cases(cfg, r.v, r.n, out);
	free_cases(r.v, r.n);
	return rc;
}
