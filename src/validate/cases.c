/* cases.c - `validate --cases FILE`: every case of a manifest, -j at a time.
 *
 * The manifest (docs/validate.md):
 *   {"cases": [{"name": "empty-input", "args": ["-n"], "stdin": "in/empty.txt",
 *               "env": {"K": "V"}, "workdir": "fixtures/one", "mask": ["id=[0-9]+"],
 *               "mask_path": ["/tmp/cache-*"], "ignore": "getpid", "keep": "mmap"}, ...]}
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

#define NRES 7           /* results a worker hands over (result_exts) */

struct vcase {
	char *name;
	char **args;
	char *stdin_path;        /* NULL: /dev/null */
	char **envs;             /* K=V */
	size_t nenvs;
	char *workdir;
	char **masks, **mask_paths;  /* added to --mask, --mask-path (NULL-terminated) */
	struct sd_sysset ignore, keep;   /* added to --ignore, --keep */
	/* results, from the worker */
	pid_t pid;
	int slot;                /* which of the -j places (and CPU) it runs in */
	int res_fd;              /* the worker's results (a memory file), until read */
	size_t index;            /* its place in the manifest (0-based) */
	char *res[NRES];         /* its results, as result_exts */
	enum sd_verdict verdict; /* error until its worker says otherwise */
	double seconds;
	bool done;
};

static char *join_dir(const char *dir, const char *p)
{
	return p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", dir, p);
}

/* "case 'NAME'" or "case N" for messages. */
static char *case_label(json_t *c, size_t i)
{
	json_t *x = json_is_object(c) ? json_object_get(c, "name") : NULL;

	return json_is_string(x) ? xasprintf("case '%s'", json_string_value(x)) :
				   xasprintf("case %zu", i + 1);
}

static const char *const case_keys[] = { "name", "args", "stdin", "env", "workdir", "mask",
	"mask_path", "ignore", "keep", NULL };

/* "mask" (POSIX extended regexes) or "mask_path" (absolute globs): an array of strings
 * into *out (NULL-terminated), or why not. */
static const char *string_list(json_t *x, bool regexes, char ***out)
{
	size_t n = json_is_array(x) ? json_array_size(x) : 0;

	if (!x)
		return NULL;
	if (!json_is_array(x))
		return "must be an array of strings";
	*out = xcalloc(n + 1, sizeof **out);
	for (size_t j = 0; j < n; j++) {
		json_t *a = json_array_get(x, j);
		if (!json_is_string(a))
			return "must be an array of strings";
		const char *s = json_string_value(a);
		if (regexes && !sd_mask_regex_ok(s))
			return "holds an invalid POSIX extended regular expression";
		if (!regexes && s[0] != '/')
			return "holds a glob that is not absolute";
		(*out)[j] = xstrdup(s);
	}
	return NULL;
}

/* "ignore", "keep": a syscall set in trace -e syntax. */
static const char *sysset_of(json_t *x, struct sd_sysset *out, char *err, size_t errsz)
{
	sd_sysset_clear(out);
	if (!x)
		return NULL;
	if (!json_is_string(x))
		return "must be a string (trace -e syntax)";
	if (sd_sysset_parse(out, json_string_value(x), err, errsz) < 0)
		return err;
	return NULL;
}

/* Case i of the manifest (an object) into k: each key known and of its type, the stdin
 * file there.  0, or -1 with *err naming the case and the key. */
static int load_case(json_t *c, size_t i, const char *path, const char *dir, struct vcase *k,
		     char **err)
{
	char *who = case_label(c, i);
	const char *key, *why = NULL, *bad = NULL;
	json_t *x;

	json_object_foreach(c, key, x) {
		size_t j = 0;
		while (case_keys[j] && strcmp(case_keys[j], key))
			j++;
		if (!case_keys[j]) {
			*err = xasprintf("%s: %s: unknown key \"%s\" (expected name, args, stdin, env, "
					 "workdir, mask, mask_path, ignore, keep)", path, who, key);
			free(who);
			return -1;
		}
	}
	x = json_object_get(c, "name");
	if (x && !json_is_string(x))
		bad = "name", why = "must be a string";
	k->name = json_is_string(x) ? xstrdup(json_string_value(x)) : xasprintf("case-%zu", i + 1);
	x = json_object_get(c, "args");
	k->args = xcalloc((json_is_array(x) ? json_array_size(x) : 0) + 1, sizeof *k->args);
	if (x && !json_is_array(x))
		bad = "args", why = "must be an array of strings";
	for (size_t j = 0; json_is_array(x) && j < json_array_size(x) && !bad; j++) {
		json_t *a = json_array_get(x, j);
		if (!json_is_string(a))
			bad = "args", why = "must be an array of strings";
		else
			k->args[j] = xstrdup(json_string_value(a));
	}
	x = json_object_get(c, "stdin");
	if (json_is_string(x))
		k->stdin_path = join_dir(dir, json_string_value(x));
	else if (x && !json_is_null(x) && !bad)
		bad = "stdin", why = "must be a file name";
	if (k->stdin_path && !bad && access(k->stdin_path, R_OK) < 0)
		bad = "stdin", why = strerror(errno);
	x = json_object_get(c, "env");
	if (x && !json_is_object(x) && !bad)
		bad = "env", why = "must be an object of strings";
	json_t *val;
	json_object_foreach(x, key, val) {
		if (bad)
			break;
		if (!json_is_string(val) || !*key || strchr(key, '=')) {
			*err = xasprintf("%s: %s: \"env\": '%s' must be a string", path, who, key);
			free(who);
			return -1;
		}
		k->envs = xrealloc(k->envs, (k->nenvs + 1) * sizeof *k->envs);
		k->envs[k->nenvs++] = xasprintf("%s=%s", key, json_string_value(val));
	}
	x = json_object_get(c, "workdir");
	if (json_is_string(x))
		k->workdir = join_dir(dir, json_string_value(x));
	else if (x && !bad)
		bad = "workdir", why = "must be a directory name";
	char serr[256];
	const char *w;
	if (!bad && (w = string_list(json_object_get(c, "mask"), true, &k->masks)))
		bad = "mask", why = w;
	if (!bad && (w = string_list(json_object_get(c, "mask_path"), false, &k->mask_paths)))
		bad = "mask_path", why = w;
	if (!bad && (w = sysset_of(json_object_get(c, "ignore"), &k->ignore, serr, sizeof serr)))
		bad = "ignore", why = w;
	if (!bad && (w = sysset_of(json_object_get(c, "keep"), &k->keep, serr, sizeof serr)))
		bad = "keep", why = w;
	if (bad) {
		*err = xasprintf("%s: %s: \"%s\": %s%s%s", path, who, bad, why,
				 !strcmp(bad, "stdin") && k->stdin_path ? ": " : "",
				 !strcmp(bad, "stdin") && k->stdin_path ? k->stdin_path : "");
		free(who);
		return -1;
	}
	free(who);
	k->verdict = SD_VERDICT_ERROR;
	return 0;
}

/* The manifest at path: every case checked (docs/validate.md).  0, or -1 with *err. */
static int load_manifest(const char *path, struct vcase **out, size_t *n, char **err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	char *copy = xstrdup(path), *dir = xstrdup(dirname(copy));
	int rc = -1;

	free(copy);
	*out = NULL;
	*n = 0;
	if (!root) {
		*err = xasprintf("%s:%d: invalid JSON: %s", path, je.line, je.text);
		free(dir);
		return -1;
	}
	json_t *cases = json_is_object(root) ? json_object_get(root, "cases") : root;
	const char *key;
	json_t *x;
	if (json_is_object(root))
		json_object_foreach(root, key, x)
			if (strcmp(key, "cases")) {
				*err = xasprintf("%s: unknown key \"%s\" (expected \"cases\")", path, key);
				goto out;
			}
	if (!json_is_array(cases) || !json_array_size(cases)) {
		*err = xasprintf("%s: expected {\"cases\": [...]} with at least one case", path);
		goto out;
	}
	size_t nc = json_array_size(cases);
	struct vcase *v = xcalloc(nc, sizeof *v);
	*out = v;
	for (size_t i = 0; i < nc; i++) {
		json_t *c = json_array_get(cases, i);
		*n = i + 1;
		if (!json_is_object(c)) {
			*err = xasprintf("%s: case %zu is not an object", path, i + 1);
			goto out;
		}
		v[i].index = i;
		if (load_case(c, i, path, dir, &v[i], err) < 0)
			goto out;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v[j].name, v[i].name)) {
				*err = xasprintf("%s: two cases are named '%s'", path, v[i].name);
				goto out;
			}
	}
	rc = 0;
out:
	json_decref(root);
	free(dir);
	return rc;
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
		sd_strv_free(v[i].masks);
		sd_strv_free(v[i].mask_paths);
		free(v[i].name);
		for (size_t e = 0; e < NRES; e++)
			free(v[i].res[e]);
		if (v[i].res_fd > 0)
			close(v[i].res_fd);
	}
	free(v);
}

/* A worker hands its results over in a memory file the parent made before the fork:
 * for each result "EXT LENGTH\n" and the bytes.  Nothing has a name on disk, so a
 * killed sysdiff leaves nothing behind. */
static const char *const result_exts[NRES] = { "text", "json", "error", "time", "first", "html",
					       "github" };

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
		for (size_t e = 0; e < NRES; e++)
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
	for (size_t e = 0; e < NRES; e++)
		if (!strcmp(ext, result_exts[e]))
			return k->res[e] ? xstrdup(k->res[e]) : NULL;
	return NULL;
}

/* A case's stdin: a copy in memory, as a single validation keeps its own (the programs
 * see the same name either way).  The fd, or -1 with errno. */
static int stdin_copy(const char *path)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return -1;
	int fd = sd_validate_stdin(in), e = errno;
	close(in);
	errno = e;
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

/* The reports of a judged validation the parent may need: text, JSON, the first
 * mismatch, and HTML or GitHub annotations when that is the format asked for. */
static void worker_reports(const struct sd_validate_cfg *cfg, const struct vcase *k,
			   const struct sd_validation *v)
{
	struct sd_report_opts ro = { .verbose = cfg->verbose };
	struct sb text = SB_INIT, json = SB_INIT, extra = SB_INIT, first = SB_INIT;
	char idp[32];

	sd_validate_render(&text, v, "text", &ro);
	sd_validate_render(&json, v, "json", &ro);
	write_result(k, "text", &text);
	write_result(k, "json", &json);
	char *f = sd_validate_first_mismatch(v);
	sb_adds(&first, f);
	free(f);
	write_result(k, "first", &first);
	if (!strcmp(cfg->format, "html")) {
		snprintf(idp, sizeof idp, "c%zu-", k->index + 1);
		sd_validate_html_body(&extra, v, &ro, idp);
		write_result(k, "html", &extra);
	} else if (!strcmp(cfg->format, "github")) {
		ro.title = k->name;
		sd_validate_render(&extra, v, "github", &ro);
		write_result(k, "github", &extra);
	}
	sb_free(&text);
	sb_free(&json);
	sb_free(&extra);
	sb_free(&first);
}

/* Both lists, NULL-terminated (the strings are not copied). */
static char **strv_join(char **a, char **b)
{
	size_t na = 0, nb = 0;

	while (a && a[na])
		na++;
	while (b && b[nb])
		nb++;
	char **v = xcalloc(na + nb + 1, sizeof *v);
	if (na)
		memcpy(v, a, na * sizeof *v);
	if (nb)
		memcpy(v + na, b, nb * sizeof *v);
	return v;
}

/* The worker: one validation, its reports and results into its memory file (the
 * parent reads them), exit with the verdict. */
static void worker(const struct sd_validate_cfg *shared, struct vcase *k, const char *default_wd)
{
	/* the case's own masks and syscall sets on top of the command line's */
	struct sd_validate_cfg c = *shared, *cfg = &c;
	c.masks = strv_join(shared->masks, k->masks);
	c.mask_paths = strv_join(shared->mask_paths, k->mask_paths);
	sd_sysset_union(&c.cmp.ignore, &k->ignore);
	sd_sysset_subtract(&c.cmp.ignore, &k->keep);
	struct sd_validation v = { .cfg = cfg, .name = xstrdup(k->name), .stdin_fd = -1 };
	struct sb text = SB_INIT, json = SB_INIT, err = SB_INIT, t = SB_INIT;

	worker_validate(cfg, k, default_wd, &v);
	if (!v.error) {
		worker_reports(cfg, k, &v);
	} else {
		sb_addf(&text, "error: %s\n", v.error);
		sb_adds(&json, "{\"case\":");
		sd_report_json_string(&json, v.name);
		sb_addf(&json, ",\"verdict\":\"%s\",\"error\":",
			v.verdict == SD_VERDICT_SKIPPED ? "skipped" : "error");
		sd_report_json_string(&json, v.error);
		sb_adds(&json, "}\n");
		sb_adds(&err, v.error);
		write_result(k, "text", &text);
		write_result(k, "json", &json);
		write_result(k, "error", &err);
	}
	sb_addf(&t, "%.3f\n", v.run[0].seconds + v.run[1].seconds);
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

/* ---- running the cases ---- */

struct case_run {
	const struct sd_validate_cfg *cfg;
	struct vcase *v;         /* the cases to run (the shard's, with --shard) */
	size_t n, next, running, finished;
	int jobs;
	const char *wd;          /* the default starting directory */
	bool progress;           /* a line per finished case on stderr */
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
		if (r->progress)
			fprintf(stderr, "[%zu/%zu] %s ... %s (%.1f s)\n", r->finished, r->n, k->name,
				sd_verdict_name(k->verdict, true), k->seconds);
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

/* ---- shards ---- */

/* The case times of a previous run's JSON report (--durations): v[i] gets its time in
 * w[i], or the mean of the known ones when the report has no such case.  0, or -1. */
static int load_durations(const char *path, const struct vcase *v, size_t n, double *w)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *cases, *c;
	size_t idx, known = 0;
	double sum = 0;

	if (!root || !json_is_array(cases = json_object_get(root, "cases"))) {
		sd_error("--durations %s: %s", path, root ? "expected {\"cases\": [...]} (validate "
			 "--cases --format json)" : je.text);
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		w[i] = -1;
	json_array_foreach(cases, idx, c) {
		const char *name = json_string_value(json_object_get(c, "case"));
		json_t *t = json_object_get(c, "seconds");
		for (size_t i = 0; name && json_is_number(t) && i < n; i++)
			if (w[i] < 0 && !strcmp(v[i].name, name)) {
				w[i] = json_number_value(t) > 0 ? json_number_value(t) : 0;
				sum += w[i];
				known++;
			}
	}
	json_decref(root);
	for (size_t i = 0; i < n; i++)
		if (w[i] < 0)
			w[i] = known ? sum / (double)known : 1;
	return 0;
}

/* The slices when no slice may weigh more than t: how many. */
static int slices_needed(const double *w, size_t n, double t)
{
	int parts = 1;
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (sum > 0 && sum + w[i] > t) {
			parts++;
			sum = 0;
		}
		sum += w[i];
	}
	return parts;
}

/* Shard k (1-based) of nshards: cases [*lo, *hi) of the manifest.  The slices are runs
 * of consecutive cases whose heaviest is as light as can be (a binary search on that
 * weight), each slice taking cases while it stays under it and leaves one case for
 * each slice after it; the same on every machine for the same manifest and weights. */
static void shard_bounds(const double *w, size_t n, int k, int nshards, size_t *lo, size_t *hi)
{
	double low = 0, high = 0, t;
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		low = w[i] > low ? w[i] : low;
		high += w[i];
	}
	for (int it = 0; it < 60 && high - low > 1e-9 * (high + 1); it++) {
		t = (low + high) / 2;
		if (slices_needed(w, n, t) <= nshards)
			high = t;
		else
			low = t;
	}
	t = high;
	*lo = *hi = n;
	for (int j = 0; j < nshards; j++) {
		size_t start = pos;
		double sum = 0;
		while (pos < n && (j == nshards - 1 || pos == start ||
				   (sum + w[pos] <= t && n - pos - 1 >= (size_t)(nshards - j - 1)))) {
			sum += w[pos];
			pos++;
		}
		if (j == k - 1) {
			*lo = start;
			*hi = pos;
		}
	}
}

/* ---- the report ---- */

/* Each case as report.c takes it. */
static struct sd_case_report *case_reports(const struct vcase *v, size_t n)
{
	struct sd_case_report *c = xcalloc(n + 1, sizeof *c);

	for (size_t i = 0; i < n; i++)
		c[i] = (struct sd_case_report){ .name = v[i].name, .verdict = v[i].verdict,
			.seconds = v[i].seconds, .index = v[i].index,
			.error = v[i].res[2], .text = v[i].res[0], .json = v[i].res[1],
			.first = v[i].res[4], .html = v[i].res[5], .github = v[i].res[6] };
	return c;
}

/* The report in cfg->format (HTML into pages of a directory, -o DIR).  The exit status. */
static int report_cases(const struct sd_validate_cfg *cfg, const struct case_run *r,
			size_t total, struct sb *out)
{
	struct sd_case_report *c = case_reports(r->v, r->n);
	struct sd_cases_opts o = { .verbose = cfg->verbose, .shard = cfg->shard,
				   .nshards = cfg->nshards, .total = total };
	int rc = sd_validate_cases_exit(c, r->n, cfg->fail_on_skip);
	bool pages = !strcmp(cfg->format, "html") && sd_validate_html_dir(cfg->out_path);

	if (pages && (sd_mkdir_p(cfg->out_path) < 0 ||
		      sd_validate_html_pages(c, r->n, cfg->out_path) < 0)) {
		sd_error("cannot write the report to '%s': %s", cfg->out_path, strerror(errno));
		rc = SD_EXIT_ERROR;
	} else {
		sd_validate_cases_render(out, cfg->format, c, r->n, &o);
	}
	if (pages)
		sd_validate_html_pages_free(c, r->n);
	free(c);
	if (sd_validate_interrupted)
		return 128 + sd_validate_interrupted;
	return rc;
}

bool sd_validate_html_dir(const char *out_path)
{
	struct stat st;
	size_t n = out_path ? strlen(out_path) : 0;

	return n && (out_path[n - 1] == '/' || (stat(out_path, &st) == 0 && S_ISDIR(st.st_mode)));
}

int sd_mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

/* --shard K/N: the slice of r's cases to run (r->v, r->n); 0, or -1 (printed). */
static int take_shard(const struct sd_validate_cfg *cfg, struct case_run *r)
{
	double *w = xcalloc(r->n + 1, sizeof *w);
	size_t lo, hi;

	for (size_t i = 0; i < r->n; i++)
		w[i] = 1;
	if (cfg->durations && load_durations(cfg->durations, r->v, r->n, w) < 0) {
		free(w);
		return -1;
	}
	shard_bounds(w, r->n, cfg->shard, cfg->nshards, &lo, &hi);
	free(w);
	r->v += lo;
	r->n = hi - lo;
	return 0;
}

int sd_validate_cases(const struct sd_validate_cfg *cfg, const char *manifest,
		      const char *workdir, int jobs, struct sb *out)
{
	struct case_run r = { .cfg = cfg, .jobs = jobs, .progress = !cfg->quiet };
	struct vcase *all = NULL;
	size_t total = 0;
	char *err = NULL, wd[PATH_MAX];
	int rc = SD_EXIT_ERROR;

	if (load_manifest(manifest, &all, &total, &err) < 0) {
		sd_error("%s", err);
		free(err);
		goto out;
	}
	if (!realpath(workdir ? workdir : ".", wd)) {
		sd_error("--workdir %s: %s", workdir ? workdir : ".", strerror(errno));
		goto out;
	}
	r.v = all;
	r.n = total;
	if (cfg->nshards && take_shard(cfg, &r) < 0)
		goto out;
	r.wd = wd;
	run_cases(&r);
	rc = report_cases(cfg, &r, total, out);
out:
	free_cases(all, total);
	return rc;
}
