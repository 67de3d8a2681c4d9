/* cases.c - `validate --cases FILE`: every case of a manifest, -j at a time.
 *
 * The manifest (docs/validate.md):
 *   {"cases": [{"name": "empty-input", "args": ["-n"], "stdin": "in/empty.txt",
 *               "env": {"K": "V"}, "workdir": "fixtures/one"}, ...]}
 * Paths in it are relative to the manifest's directory.  Each case runs in a worker
 * process of its own; the parent prints a progress line per case on a terminal
 * ("[3/20] empty-input ... equivalent (0.4 s)"), then the reports, then a summary. */
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
	char *out;               /* worker's output file prefix */
	int verdict;             /* 0 equivalent, 1 not, 2 error, -1 not run */
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
		k->verdict = -1;
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
		free(v[i].out);
	}
	free(v);
}

static void write_file(const char *path, const struct sb *sb)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		sd_write_full(fd, sb_str(sb), sb->len);
		close(fd);
	}
}

/* The worker: one validation, its reports into files, exit with the verdict. */
static void worker(const struct sd_validate_cfg *cfg, struct vcase *k, const char *default_wd)
{
	struct sd_validation v = { .cfg = cfg, .name = xstrdup(k->name) };
	char wd[PATH_MAX], *why = NULL;
	struct sd_report_opts ro = { .verbose = cfg->verbose };
	struct sb text = SB_INIT, json = SB_INIT, junit = SB_INIT;
	char *p;

	if (!realpath(k->workdir ? k->workdir : default_wd, wd)) {
		v.error = xasprintf("workdir %s: %s", k->workdir ? k->workdir : default_wd, strerror(errno));
		goto report;
	}
	if (k->stdin_path && access(k->stdin_path, R_OK) < 0) {
		v.error = xasprintf("stdin %s: %s", k->stdin_path, strerror(errno));
		goto report;
	}
	v.argv[0] = sd_prog_argv(cfg->orig, cfg->origcmd, k->args, &v.exec[0], &why);
	if (!v.argv[0]) {
		v.error = xasprintf("skipped: the original cannot be run: %s", why);
		free(why);
		goto report;
	}
	v.argv[1] = sd_prog_argv(cfg->new, cfg->newcmd, k->args, &v.exec[1], &why);
	if (!v.argv[1]) {
		v.error = xasprintf("the transpiled program cannot be run: %s", why);
		free(why);
		goto report;
	}
	char **envs = xcalloc(cfg->nenvs + k->nenvs + 1, sizeof *envs);
	for (size_t i = 0; i < cfg->nenvs; i++)
		envs[i] = cfg->envs[i];
	for (size_t i = 0; i < k->nenvs; i++)
		envs[cfg->nenvs + i] = k->envs[i];
	v.workdir = xstrdup(wd);
	v.env = sd_validate_env(wd, envs, cfg->nenvs + k->nenvs);
	free(envs);
	v.stdin_path = xstrdup(k->stdin_path ? k->stdin_path : "/dev/null");
	sd_validate_one(&v);
report:
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
	}
	struct sd_validation *one = &v;
	sd_validate_junit(&junit, &one, 1, &ro);
	p = xasprintf("%s.text", k->out);
	write_file(p, &text);
	free(p);
	p = xasprintf("%s.json", k->out);
	write_file(p, &json);
	free(p);
	p = xasprintf("%s.xml", k->out);
	write_file(p, &junit);
	free(p);
	p = xasprintf("%s.time", k->out);
	struct sb t = SB_INIT;
	sb_addf(&t, "%.3f\n", v.run[0].seconds + v.run[1].seconds);
	write_file(p, &t);
	sb_free(&t);
	free(p);
	int code = v.error ? (!strncmp(v.error, "skipped", 7) ? 3 : 2) : v.equivalent ? 0 : 1;
	_exit(code);
}

static const char *verdict_name(int v)
{
	return v == 0 ? "equivalent" : v == 1 ? "NOT equivalent" : v == 3 ? "skipped" : "error";
}

int sd_validate_cases(const struct sd_validate_cfg *cfg, const char *manifest,
		      const char *workdir, int jobs)
{
	struct vcase *v;
	size_t n, next = 0, running = 0, finished = 0;
	char *err = NULL, *why = NULL, wd[PATH_MAX];
	bool tty = isatty(STDERR_FILENO);

	if (load_manifest(manifest, &v, &n, &err) < 0) {
		sd_error("%s", err);
		free(err);
		free_cases(v, n);
		return 2;
	}
	if (!realpath(workdir ? workdir : ".", wd)) {
		sd_error("--workdir %s: %s", workdir ? workdir : ".", strerror(errno));
		free_cases(v, n);
		return 2;
	}
	char *dir = sd_scratch_dir(wd, &why);
	if (!dir) {
		sd_error("%s", why);
		free(why);
		free_cases(v, n);
		return 2;
	}
	for (size_t i = 0; i < n; i++)
		v[i].out = xasprintf("%s/case-%zu", dir, i);
	while (finished < n) {
		while (!sd_validate_interrupted && running < (size_t)jobs && next < n) {
			struct vcase *k = &v[next++];
			fflush(NULL);
			int slot = 0;
			for (bool taken = true; taken; slot++) {
				taken = false;
				for (size_t j = 0; j < n; j++)
					if (v[j].pid > 0 && !v[j].done && v[j].slot == slot)
						taken = true;
				if (!taken)
					break;
			}
			k->slot = slot;
			k->pid = fork();
			if (k->pid == 0) {
				/* the tracer runs on the CPU it starts on: spread the workers */
				cpu_set_t cpus;
				long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
				CPU_ZERO(&cpus);
				if (ncpu > 1) {
					CPU_SET(slot % ncpu, &cpus);
					sched_setaffinity(0, sizeof cpus, &cpus);
				}
				worker(cfg, k, wd);
			}
			if (k->pid < 0) {
				k->verdict = 2;
				k->done = true;
				finished++;
				continue;
			}
			running++;
		}
		if (!running)
			break;
		int st;
		pid_t pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR) {
				for (size_t i = 0; i < n; i++)
					if (v[i].pid > 0 && !v[i].done)
						kill(v[i].pid, SIGTERM);
				continue;
			}
			break;
		}
		for (size_t i = 0; i < n; i++) {
			struct vcase *k = &v[i];
			if (k->pid != pid || k->done)
				continue;
			k->done = true;
			k->verdict = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
			char *tp = xasprintf("%s.time", k->out), *t = sd_read_file(tp, SIZE_MAX, NULL, NULL);
			k->seconds = t ? atof(t) : 0;
			free(t);
			free(tp);
			finished++;
			running--;
			if (tty)
				fprintf(stderr, "[%zu/%zu] %s ... %s (%.1f s)\n", finished, n, k->name,
					verdict_name(k->verdict), k->seconds);
		}
	}

	/* the reports, in manifest order */
	struct sb out = SB_INIT;
	size_t neq = 0, ndiff = 0, nerr = 0, nskip = 0;
	bool json = !strcmp(cfg->format, "json"), junit = !strcmp(cfg->format, "junit");
	if (json)
		sb_adds(&out, "{\"cases\":[");
	if (junit) {
		size_t fail = 0, errs = 0;
		for (size_t i = 0; i < n; i++) {
			fail += v[i].verdict == 1;
			errs += v[i].verdict == 2 || v[i].verdict < 0;
		}
		sb_addf(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sysdiff\" "
			"tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n  <testsuite name=\"sysdiff "
			"validate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", n, fail, errs, n,
			fail, errs);
	}
	for (size_t i = 0; i < n; i++) {
		struct vcase *k = &v[i];
		neq += k->verdict == 0;
		ndiff += k->verdict == 1;
		nskip += k->verdict == 3;
		nerr += k->verdict == 2 || k->verdict < 0;
		char *p = xasprintf("%s.%s", k->out, json ? "json" : junit ? "xml" : "text");
		char *body = k->verdict < 0 ? NULL : sd_read_file(p, SIZE_MAX, NULL, NULL);
		if (!body)
			body = xstrdup("");
		if (json) {
			size_t l = strlen(body);
			while (l && body[l - 1] == '\n')
				body[--l] = '\0';
			sb_addf(&out, "%s%s", i ? "," : "", *body ? body : "null");
		} else if (junit) {
			/* keep the <testcase> element of the worker's document */
			char *a = strstr(body, "    <testcase"), *b = a ? strstr(a, "    </testcase>") : NULL;
			if (a && b)
				sb_add(&out, a, (size_t)(b - a) + strlen("    </testcase>\n"));
		} else if (k->verdict != 0 || cfg->verbose) {
			sb_addf(&out, "=== case %s: %s\n%s\n", k->name, verdict_name(k->verdict), body);
		}
		free(body);
		free(p);
		const char *ext[] = { "text", "json", "xml", "time" };
		for (size_t e = 0; e < 4; e++) {
			char *f = xasprintf("%s.%s", k->out, ext[e]);
			unlink(f);
			free(f);
		}
	}
	if (json)
		sb_addf(&out, "],\"equivalent\":%zu,\"not_equivalent\":%zu,\"skipped\":%zu,\"errors\":%zu}\n",
			neq, ndiff, nskip, nerr);
	else if (junit)
		sb_adds(&out, "  </testsuite>\n</testsuites>\n");
	else
		sb_addf(&out, "%zu cases: %zu equivalent, %zu not equivalent, %zu skipped, %zu errors\n",
			n, neq, ndiff, nskip, nerr);
	int fd = STDOUT_FILENO;
	if (cfg->out_path) {
		fd = open(cfg->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			sd_error("cannot write the report to '%s': %s", cfg->out_path, strerror(errno));
			fd = STDOUT_FILENO;
		}
	}
	sd_write_full(fd, sb_str(&out), out.len);
	if (fd != STDOUT_FILENO)
		close(fd);
	sb_free(&out);
	rmdir(dir);
	free(dir);
	free_cases(v, n);
	if (sd_validate_interrupted)
		return 128 + sd_validate_interrupted;
	if (nerr)
		return 2;
	if (ndiff || (nskip && cfg->fail_on_skip))
		return 1;
	return 0;
}
