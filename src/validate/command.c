/* command.c - how validate turns --original/--transpiled (a file) or
 * --original-cmd/--transpiled-cmd (a command line) into the argv it runs and the path
 * it executes, resolving the launchers (env, pyenv shims) itself so that their work
 * stays out of the traces; and whether a run failed because the dynamic loader could
 * not find a library (see command.h, docs/validate.md "The programs"). */
#define _GNU_SOURCE
#include "validate/validate.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "tracer/tracer.h"
#include "util/path.h"
#include "util/util.h"

/* ---- string vectors ---- */

struct strv {
	char **v;
	size_t n;
};

static void push(struct strv *s, const char *x)
{
	sd_strv_push(&s->v, &s->n, x);
}

static void push_all(struct strv *s, char *const *xs)
{
	for (size_t i = 0; xs && xs[i]; i++)
		push(s, xs[i]);
}

/* ---- the runs' environment ---- */

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* NAME as execvp would find it in the runs (their PATH; their cwd is the workdir, for
 * empty and relative entries and a NAME with a slash).  0 and *out, or an errno. */
static int path_search(const struct sd_cmd_ctx *cx, const char *name, char **out)
{
	return sd_resolve_command_in(name, env_get(cx->envp, "PATH"), cx->workdir, out);
}

/* ---- what a program file is ---- */

/* The first bytes of path (up to size-1, NUL-terminated): their count, or -1 (errno). */
static ssize_t read_head(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
	int err = errno;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	errno = err;
	return n;
}

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#define NATIVE_NAME "x86-64"
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#define NATIVE_NAME "aarch64"
#else
#error "validate knows the ELF machine of x86-64 and aarch64 only"
#endif

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "32-bit x86";
	case EM_X86_64: return "x86-64";
	case EM_ARM: return "32-bit ARM";
	case EM_AARCH64: return "aarch64";
	case EM_RISCV: return "RISC-V";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return NULL;
	}
}

/* An ELF header (h, n bytes): NULL when this machine's kernel and tracer can run it,
 * else why not (into buf). */
static const char *elf_problem(const unsigned char *h, ssize_t n, char *buf, size_t size)
{
	if (n < (ssize_t)sizeof(Elf64_Ehdr) || h[EI_DATA] != ELFDATA2LSB) {
		snprintf(buf, size, "exec format error (a truncated or big-endian ELF file)");
		return buf;
	}
	unsigned machine = h[18] | (unsigned)h[19] << 8, type = h[16] | (unsigned)h[17] << 8;
	if (h[EI_CLASS] != ELFCLASS64 || machine != NATIVE_MACHINE) {
		const char *name = machine_name(machine);
		if (name && machine != NATIVE_MACHINE)
			snprintf(buf, size, "exec format error (an ELF executable for %s, not %s)",
				 name, NATIVE_NAME);
		else if (name)
			snprintf(buf, size, "exec format error (a 32-bit ELF executable)");
		else
			snprintf(buf, size, "exec format error (an ELF executable for machine %u, not %s)",
				 machine, NATIVE_NAME);
		return buf;
	}
	if (type != ET_EXEC && type != ET_DYN) {
		snprintf(buf, size, "exec format error (an ELF %s, not an executable)",
			 type == ET_REL ? "object file" : type == ET_CORE ? "core dump" : "file");
		return buf;
	}
	return NULL;
}

/* A #! line (head holds the file's first bytes) split the kernel's way: the
 * interpreter, then the rest of the line as one optional argument (*arg, or NULL).
 * false when there is no #! line or it names nothing. */
static bool parse_shebang(char *head, char **interp, char **arg)
{
	if (head[0] != '#' || head[1] != '!')
		return false;
	char *p = head + 2, *nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	p += strspn(p, " \t");
	size_t len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		p[--len] = '\0';
	if (!*p)
		return false;
	*interp = p;
	*arg = NULL;
	char *sp = p + strcspn(p, " \t");
	if (*sp) {
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		*arg = *sp ? sp : NULL;
	}
	return true;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ---- env -S ---- */

/* One backslash escape of env -S at *s (after the backslash), into w.  1 when it
 * ends the word (\_ outside quotes), 2 when it ends everything (\c), 0 otherwise,
 * -1 when env would refuse it. */
static int env_escape(const char **s, struct sb *w, bool quoted)
{
	char c = *(*s)++;

	switch (c) {
	case '\\': case '"': case '\'': case '#': case '$': sb_addc(w, c); return 0;
	case 'f': sb_addc(w, '\f'); return 0;
	case 'n': sb_addc(w, '\n'); return 0;
	case 'r': sb_addc(w, '\r'); return 0;
	case 't': sb_addc(w, '\t'); return 0;
	case 'v': sb_addc(w, '\v'); return 0;
	case '_': if (quoted) { sb_addc(w, ' '); return 0; } return 1;
	case 'c': return 2;
	default: return -1;
	}
}

/* ${NAME} at *s (after the '$') from the runs' environment into w.  0, or -1. */
static int env_var(const struct sd_cmd_ctx *cx, const char **s, struct sb *w)
{
	const char *end = **s == '{' ? strchr(*s, '}') : NULL;

	if (!end || end == *s + 1)
		return -1;
	char *name = xstrndup(*s + 1, (size_t)(end - *s - 1));
	const char *val = env_get(cx->envp, name);
	free(name);
	if (val)
		sb_adds(w, val);
	*s = end + 1;
	return 0;
}

/* The argument of env -S split into words the way GNU env does: blanks separate,
 * quotes, backslash escapes, ${NAME}, '#' at a word's start begins a comment.
 * 0, or -1 (*why). */
static int env_split(const struct sd_cmd_ctx *cx, const char *s, struct strv *out, char **why)
{
	struct sb w = SB_INIT;
	bool in_word = false;
	char quote = 0;
	const char *all = s;

	while (*s) {
		char c = *s++;
		int e = 0;
		if (!quote && strchr(" \t\n\v\f\r", c)) {
			e = 1;
		} else if (!quote && c == '#' && !in_word) {
			break;
		} else if (c == quote) {
			quote = 0;
		} else if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			in_word = true;
		} else if (c == '\\' && (quote != '\'' || *s == '\\' || *s == '\'')) {
			e = env_escape(&s, &w, quote != 0);
			in_word = in_word || e == 0;
		} else if (c == '$' && quote != '\'') {
			in_word = true;
			e = env_var(cx, &s, &w) < 0 ? -1 : 0;
		} else {
			in_word = true;
			sb_addc(&w, c);
		}
		if (e < 0 || (quote && !*s)) {
			*why = xasprintf("env -S: cannot split '%s' (an unsupported escape or "
					 "variable, or a quote left open)", all);
			sb_free(&w);
			return -1;
		}
		if (e > 0 && in_word) {
			push(out, sb_str(&w));
			sb_reset(&w);
			in_word = false;
		}
		if (e == 2)
			break;
	}
	if (in_word)
		push(out, sb_str(&w));
	sb_free(&w);
	return 0;
}

/* The command `#!ENV ARG` runs: env's options applied (-S splits; those that would
 * change the environment of one side are refused), then NAME ARGS... into cmd.
 * SD_CMD_OK, or a status and *why. */
static enum sd_cmd_status env_command(const struct sd_cmd_ctx *cx, const char *arg,
				      struct strv *cmd, char **why)
{
	struct strv w = { NULL, 0 };
	enum sd_cmd_status st = SD_CMD_OK;
	size_t i = 0;

	if (arg)
		push(&w, arg);
	while (i < w.n && w.v[i][0] == '-' && st == SD_CMD_OK) {
		const char *o = w.v[i], *val = NULL;
		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strncmp(o, "-S", 2))
			val = o + 2;
		else if (!strncmp(o, "--split-string=", 15))
			val = o + 15;
		if (!val) {
			int len = o[1] == '-' ? (int)strcspn(o, "= \t") : 2;
			*why = xasprintf("env option '%.*s' in the #! line is not supported (validate "
					 "runs the interpreter itself, both sides with one environment)",
					 len, o);
			st = SD_CMD_UNSUPPORTED;
			break;
		}
		struct strv split = { NULL, 0 };
		if (env_split(cx, val, &split, why) < 0) {
			st = SD_CMD_UNSUPPORTED;
			break;
		}
		/* the words take the place of the -S argument; options may follow */
		struct strv nw = { NULL, 0 };
		for (size_t k = 0; k < w.n; k++)
			if (k == i)
				push_all(&nw, split.v);
			else
				push(&nw, w.v[k]);
		sd_strv_free(split.v);
		sd_strv_free(w.v);
		w = nw;
	}
	if (st == SD_CMD_OK && i < w.n && strchr(w.v[i], '=')) {
		*why = xasprintf("env assignment '%s' in the #! line is not supported (both sides "
				 "run with one environment; use --env)", w.v[i]);
		st = SD_CMD_UNSUPPORTED;
	} else if (st == SD_CMD_OK && i >= w.n) {
		*why = xstrdup("the #! line runs env without a program");
		st = SD_CMD_CANNOT_RUN;
	}
	for (; st == SD_CMD_OK && i < w.n; i++)
		push(cmd, w.v[i]);
	sd_strv_free(w.v);
	return st;
}

/* ---- pyenv ---- */

/* Is path a pyenv shim (a script in a "shims" directory that runs `pyenv exec`)?  Then,
 * unless they are NULL, *pyenv: the pyenv it runs, *root: its PYENV_ROOT (either may be
 * NULL: unknown). */
static bool pyenv_shim(const char *path, char **pyenv, char **root)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), head[4096];

	if (pyenv)
		*pyenv = NULL;
	if (root)
		*root = NULL;
	if (slash)
		*slash = '\0';   /* dir: the shim's directory */
	if (!slash || strcmp(base_name(dir), "shims") ||
	    read_head(path, head, sizeof head) < 2 || head[0] != '#' || head[1] != '!' ||
	    !strstr(head, "pyenv") || !strstr(head, " exec ")) {
		free(dir);
		return false;
	}
	if (!pyenv || !root) {
		free(dir);
		return true;
	}
	/* exec "/root/.pyenv/libexec/pyenv" exec "$program" "$@" */
	const char *q = strstr(head, "exec \""), *e = q ? strchr(q + 6, '"') : NULL;
	if (e && !strncmp(e, "\" exec ", 7))
		*pyenv = xstrndup(q + 6, (size_t)(e - q - 6));
	q = strstr(head, "PYENV_ROOT=\"");
	e = q ? strchr(q + 12, '"') : NULL;
	if (e)
		*root = xstrndup(q + 12, (size_t)(e - q - 12));
	else if ((slash = strrchr(dir, '/')))  /* <root>/shims */
		*root = xstrndup(dir, (size_t)(slash - dir));
	free(dir);
	return true;
}

/* The output of `pyenv which name` run with envp from workdir (stdout and stderr
 * together), its exit status in *status.  NULL when it could not be run (*why). */
static char *run_pyenv_which(const char *pyenv, const char *name, char **envp,
			     const char *workdir, int *status, char **why)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		*why = xasprintf("pyenv: %s", strerror(errno));
		return NULL;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0 ||
		    chdir(workdir) < 0)
			_exit(126);
		char *argv[] = { (char *)"pyenv", (char *)"which", (char *)name, NULL };
		execve(pyenv, argv, envp);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		*why = xasprintf("pyenv: %s", strerror(errno));
		return NULL;
	}
	struct sb out = SB_INIT;
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	char buf[4096];
	ssize_t n = 1;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = t0; n > 0 && t.tv_sec - t0.tv_sec < 30; clock_gettime(CLOCK_MONOTONIC, &t)) {
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		ssize_t r = read(p[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		n = r;
		if (n > 0 && out.len < 65536)
			sb_add(&out, buf, (size_t)n);
	}
	if (n > 0)   /* 30 s without an answer */
		kill(pid, SIGKILL);
	close(p[0]);
	sd_waitpid(pid, status, 0);
	if (n > 0)
		*status = -1;
	return sb_detach(&out);
}

/* What `pyenv which name` said (out, its wait status; -1: no answer): the path of the
 * interpreter, or NULL and *why (pyenv's first line). */
static char *pyenv_answer(const char *out, int status, const char *name, char **why)
{
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		const char *end = out + strlen(out), *start;
		while (end > out && end[-1] == '\n')
			end--;
		for (start = end; start > out && start[-1] != '\n'; start--)
			;
		char *path = xstrndup(start, (size_t)(end - start));
		if (path[0] == '/' && sd_exec_error(path) == 0)
			return path;
		free(path);
	}
	int l = (int)strcspn(out, "\n");
	if (status < 0)
		*why = xasprintf("pyenv which %s: no answer in 30 s", name);
	else if (l)
		*why = xasprintf("%.*s", l, out);
	else
		*why = xasprintf("pyenv which %s: failed", name);
	return NULL;
}

/* The interpreter the pyenv shim `shim` runs for name: `pyenv which name` with the
 * runs' environment from the workdir, asked once per validation.  NULL and *why when
 * pyenv has none. */
static char *pyenv_which(struct sd_cmd_ctx *cx, const char *shim, const char *name, char **why)
{
	char *pyenv, *root;

	pyenv_shim(shim, &pyenv, &root);
	if (!root && env_get(cx->envp, "PYENV_ROOT"))
		root = xstrdup(env_get(cx->envp, "PYENV_ROOT"));
	for (int k = 0; !pyenv && root && k < 2; k++) {
		char *c = xasprintf("%s/%s/pyenv", root, k ? "libexec" : "bin");
		if (access(c, X_OK) == 0)
			pyenv = c;
		else
			free(c);
	}
	if (!pyenv) {
		*why = xasprintf("%s: a pyenv shim, and no pyenv found to ask which %s it runs",
				 shim, name);
		free(root);
		return NULL;
	}
	char *key = xasprintf("%s\n%s\n%s", pyenv, root ? root : "", name), *found = NULL;
	for (size_t i = 0; i + 1 < cx->npyenv_memo && !found; i += 2)
		if (!strcmp(cx->pyenv_memo[i], key))
			found = xstrdup(cx->pyenv_memo[i + 1]);
	if (!found) {
		/* the shim exports its PYENV_ROOT (the runs' HOME is the workdir) */
		struct strv env = { NULL, 0 };
		for (size_t i = 0; cx->envp && cx->envp[i]; i++)
			if (strncmp(cx->envp[i], "PYENV_ROOT=", 11))
				push(&env, cx->envp[i]);
		if (root) {
			char *kv = xasprintf("PYENV_ROOT=%s", root);
			push(&env, kv);
			free(kv);
		}
		int status = 0;
		char *out = run_pyenv_which(pyenv, name, env.v, cx->workdir, &status, why);
		sd_strv_free(env.v);
		found = out ? pyenv_answer(out, status, name, why) : NULL;
		free(out);
		if (found) {
			cx->pyenv_memo = xrealloc(cx->pyenv_memo,
						  (cx->npyenv_memo + 2) * sizeof *cx->pyenv_memo);
			cx->pyenv_memo[cx->npyenv_memo++] = xstrdup(key);
			cx->pyenv_memo[cx->npyenv_memo++] = xstrdup(found);
		}
	}
	free(key);
	free(pyenv);
	free(root);
	return found;
}

/* ---- launchers ---- */

static void prefix_why(char **why, const char *prefix)
{
	char *w = xasprintf("%s: %s", prefix, *why);

	free(*why);
	*why = w;
}

/* The program NAME a launcher runs (env's NAME, a shim, the python3 of a .py file):
 * searched on the runs' PATH and run with argv[0] NAME, as env does; a pyenv shim is
 * replaced by the interpreter `pyenv exec` would run, with its path as argv[0] (as
 * pyenv exec gives it).  SD_CMD_OK with *argv0 and *exec, or SD_CMD_CANNOT_RUN. */
static enum sd_cmd_status launch_target(struct sd_cmd_ctx *cx, const char *name, char **argv0,
					char **exec, char **why)
{
	char *path;
	int err = path_search(cx, name, &path);

	if (err) {
		/* #!/usr/bin/env python3 -u: env looks for "python3 -u" */
		const char *hint = strpbrk(name, " \t") ? " (env gets the rest of a #! line as one "
							   "word: use env -S)" : "";
		*why = err == ENOENT && !strchr(name, '/') ?
		       xasprintf("%s: not found on PATH%s", name, hint) :
		       xasprintf("%s: %s%s", name, strerror(err), hint);
		return SD_CMD_CANNOT_RUN;
	}
	if (pyenv_shim(path, NULL, NULL)) {
		char *real = pyenv_which(cx, path, base_name(path), why);
		free(path);
		if (!real)
			return SD_CMD_CANNOT_RUN;
		*argv0 = xstrdup(real);
		*exec = real;
		return SD_CMD_OK;
	}
	*argv0 = xstrdup(name);
	*exec = path;
	return SD_CMD_OK;
}

/* The script abs (typed: as the user wrote it) whose #! line names interp and arg,
 * followed by rest.  env and pyenv shims are resolved here; another interpreter is
 * left to the kernel (the script is executed), or run on the script when the script
 * is not executable. */
static enum sd_cmd_status script(struct sd_cmd_ctx *cx, const char *typed, const char *abs,
				 const char *interp, const char *arg, char **rest,
				 struct strv *argv, char **exec, char **why)
{
	char *ip = sd_path_absolute(cx->workdir, interp);
	int err = sd_exec_error(ip);
	enum sd_cmd_status st = SD_CMD_OK;

	if (err) {
		*why = xasprintf("%s: interpreter %s: %s", typed, interp, strerror(err));
		free(ip);
		return SD_CMD_CANNOT_RUN;
	}
	bool shim = pyenv_shim(ip, NULL, NULL);
	if (shim || !strcmp(base_name(ip), "env")) {
		struct strv cmd = { NULL, 0 };
		char *argv0 = NULL;
		if (shim) {
			push(&cmd, ip);
			if (arg)
				push(&cmd, arg);
		} else {
			st = env_command(cx, arg, &cmd, why);
		}
		if (st == SD_CMD_OK)
			st = launch_target(cx, cmd.v[0], &argv0, exec, why);
		if (st == SD_CMD_OK) {
			push(argv, argv0);
			push_all(argv, cmd.v + 1);
			push(argv, abs);
		} else {
			char *pre = xasprintf("%s: #!%s%s%s", typed, interp, arg ? " " : "",
					      arg ? arg : "");
			prefix_why(why, pre);
			free(pre);
		}
		free(argv0);
		sd_strv_free(cmd.v);
	} else if (access(abs, X_OK) == 0) {
		push(argv, typed);        /* the kernel runs interp on it */
		*exec = xstrdup(abs);
	} else {
		push(argv, interp);
		if (arg)
			push(argv, arg);
		push(argv, abs);
		*exec = xstrdup(ip);
	}
	free(ip);
	if (st == SD_CMD_OK)
		push_all(argv, rest);
	return st;
}

/* The program file abs (typed: as the user wrote it, its argv[0]) followed by rest:
 * a pyenv shim, a #! script, an ELF executable for this machine, a .py file. */
static enum sd_cmd_status program_file(struct sd_cmd_ctx *cx, const char *typed, const char *abs,
				       char **rest, struct strv *argv, char **exec, char **why)
{
	char head[256], *interp, *arg, bad[160];
	ssize_t n = read_head(abs, head, sizeof head);
	int read_err = errno;
	bool x = access(abs, X_OK) == 0;
	size_t len = strlen(abs);
	enum sd_cmd_status st = SD_CMD_OK;

	bool shim = pyenv_shim(abs, NULL, NULL);
	if (n >= 0 && !shim && parse_shebang(head, &interp, &arg))
		return script(cx, typed, abs, interp, arg, rest, argv, exec, why);
	bool elf = n >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG);
	if (shim || (n >= 0 && !elf && len > 3 && !strcmp(abs + len - 3, ".py"))) {
		/* a shim: what `pyenv exec` runs; a .py file without #!: python3 */
		char *argv0 = NULL;
		st = launch_target(cx, shim ? abs : "python3", &argv0, exec, why);
		if (st != SD_CMD_OK) {
			prefix_why(why, typed);
			return st;
		}
		push(argv, argv0);
		if (!shim)
			push(argv, abs);
		push_all(argv, rest);
		free(argv0);
		return SD_CMD_OK;
	}
	if (n < 0 && x) {
		/* executable, not readable: only the kernel can tell */
	} else if (n < 0) {
		*why = xasprintf("%s: %s", typed, strerror(read_err));
		return SD_CMD_CANNOT_RUN;
	} else if (elf) {
		const char *e = elf_problem((const unsigned char *)head, n, bad, sizeof bad);
		if (e || !x) {
			*why = xasprintf("%s: %s", typed, e ? e : "not executable");
			return SD_CMD_CANNOT_RUN;
		}
	} else {
		*why = xasprintf("%s: %s", typed, !x ? "not executable" :
				 !n ? "exec format error (an empty file)" :
				 "exec format error (neither an ELF executable nor a #! script)");
		return SD_CMD_CANNOT_RUN;
	}
	push(argv, typed);
	push_all(argv, rest);
	*exec = xstrdup(abs);
	return SD_CMD_OK;
}

/* ---- resolution ---- */

/* The words of CMD (split like a shell would, without command substitution) or PROG
 * alone, and where the program file is: *abs, or NULL for a bare name of a command
 * line (searched on the runs' PATH later).  SD_CMD_OK, or a status and *why. */
static enum sd_cmd_status locate(const char *prog, const char *cmd, struct strv *words,
				 char **abs, char **why)
{
	char cwd[PATH_MAX];
	struct stat st;

	*abs = NULL;
	if (cmd) {
		wordexp_t we;
		int rc = wordexp(cmd, &we, WRDE_NOCMD);
		if (rc != 0 || we.we_wordc == 0) {
			*why = xasprintf("cannot split the command line '%s'", cmd);
			if (rc == 0)
				wordfree(&we);
			return SD_CMD_USAGE;
		}
		for (size_t i = 0; i < we.we_wordc; i++)
			push(words, we.we_wordv[i]);
		wordfree(&we);
		if (!strchr(words->v[0], '/'))
			return SD_CMD_OK;
	} else {
		push(words, prog);
	}
	const char *w = words->v[0];
	if (!*w) {
		*why = xstrdup("an empty program path");
		return SD_CMD_USAGE;
	}
	*abs = sd_path_absolute(getcwd(cwd, sizeof cwd), w);
	if (!*abs) {
		*why = xasprintf("%s: cannot tell where it is (the current directory: %s)", w,
				 strerror(errno));
		return SD_CMD_USAGE;
	}
	if (stat(*abs, &st) < 0) {
		bool typo = errno == ENOENT || errno == ENOTDIR;
		char *onpath = NULL;
		*why = xasprintf("%s: %s", w, typo ? "no such file" : strerror(errno));
		if (typo && !cmd && !strchr(w, '/') && sd_resolve_command(w, &onpath) == 0) {
			char *h = xasprintf("%s: no such file (%s is a command on PATH: use "
					    "--original-cmd or --transpiled-cmd)", w, onpath);
			free(*why);
			*why = h;
		}
		free(onpath);
		return typo ? SD_CMD_USAGE : SD_CMD_CANNOT_RUN;
	}
	if (S_ISDIR(st.st_mode)) {
		*why = xasprintf("%s: is a directory", w);
		return SD_CMD_USAGE;
	}
	return SD_CMD_OK;
}

enum sd_cmd_status sd_command_check(const char *prog, const char *cmd, char **why)
{
	struct strv words = { NULL, 0 };
	char *abs = NULL;
	enum sd_cmd_status st = locate(prog, cmd, &words, &abs, why);

	sd_strv_free(words.v);
	free(abs);
	if (st == SD_CMD_USAGE)
		return st;
	if (st != SD_CMD_OK) {    /* not a usage error: sd_command_resolve tells */
		free(*why);
		*why = NULL;
	}
	return SD_CMD_OK;
}

enum sd_cmd_status sd_command_resolve(struct sd_cmd_ctx *cx, const char *prog, const char *cmd,
				      char **args, char ***argv, char **exec_path, char **why)
{
	struct strv words = { NULL, 0 }, rest = { NULL, 0 }, out = { NULL, 0 };
	char *abs = NULL;
	enum sd_cmd_status st = locate(prog, cmd, &words, &abs, why);

	*argv = NULL;
	*exec_path = NULL;
	if (st == SD_CMD_OK && !abs) {
		int err = path_search(cx, words.v[0], &abs);
		if (err) {
			*why = xasprintf("%s: %s", words.v[0],
					 err == ENOENT ? "not found on PATH" : strerror(err));
			st = SD_CMD_CANNOT_RUN;
		}
	}
	if (st == SD_CMD_OK) {
		push_all(&rest, words.v + 1);
		push_all(&rest, args);
		st = program_file(cx, words.v[0], abs, rest.v, &out, exec_path, why);
	}
	if (st == SD_CMD_OK) {
		*argv = out.v;
	} else {
		sd_strv_free(out.v);
		free(*exec_path);
		*exec_path = NULL;
	}
	sd_strv_free(words.v);
	sd_strv_free(rest.v);
	free(abs);
	return st;
}

void sd_cmd_ctx_free(struct sd_cmd_ctx *cx)
{
	for (size_t i = 0; i < cx->npyenv_memo; i++)
		free(cx->pyenv_memo[i]);
	free(cx->pyenv_memo);
	cx->pyenv_memo = NULL;
	cx->npyenv_memo = 0;
}

/* ---- after the runs ---- */

char *sd_missing_library(int status, const char *err, size_t len)
{
	static const char pre[] = "error while loading shared libraries: ";
	static const char post[] = ": cannot open shared object file";

	if (status != 127 || !err)
		return NULL;
	const char *nl = memchr(err, '\n', len);
	size_t line = nl ? (size_t)(nl - err) : len;
	const char *p = memmem(err, line, pre, sizeof pre - 1);
	if (!p)
		return NULL;
	p += sizeof pre - 1;
	const char *q = memmem(p, line - (size_t)(p - err), post, sizeof post - 1);
	return q && q > p ? xstrndup(p, (size_t)(q - p)) : NULL;
}

int sd_check_loaded(struct sd_validation *v)
{
	for (int i = 0; i < 2; i++) {
		const struct sd_run_result *r = &v->run[i];
		if (r->timed_out || r->stopped || r->status != 127 || r->err_fd < 0)
			continue;
		size_t len = 0;
		char *err = sd_read_fd(r->err_fd, 4096, &len, NULL);
		char *lib = sd_missing_library(r->status, err, len);
		free(err);
		if (!lib)
			continue;
		if (i == 0)
			sd_validation_fail(v, SD_VERDICT_SKIPPED, "the original cannot be run: "
					   "missing shared library %s", lib);
		else
			sd_validation_fail(v, SD_VERDICT_ERROR, "the transpiled program cannot be "
					   "run: missing shared library %s", lib);
		free(lib);
		return -1;
	}
	return 0;
}
