/* run.c - runs of commands, each traced in a sandbox of its own, side by side (see
 * run.h).
 *
 * sysdiff (the caller) makes each run's files (memory files for stdout, stderr, the
 * set-up log and the change list; an unnamed file for the trace) and a pids cgroup per
 * run, starts a sandbox per run (its init joins the cgroup itself, see cgroup_make) and
 * lets them go, then watches all of them: a timeout, an
 * output limit or a stop request sends SIGTERM to the sandbox's init, which passes it
 * to the tracer (it kills the command and closes the trace), and SIGKILL follows if that
 * takes more than 10 s.  In the sandbox, pid 2 sets up the command's fds and runs the
 * tracer; the init hands the change list back through its file. */
#define _GNU_SOURCE
#include "validate/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format/writers.h"
#include "tracer/tracer.h"
#include "util/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* One run in progress. */
struct run {
	const struct sd_run_spec *s;
	struct sd_run_result *r;
	int log_fd, state_fd, stdin_fd;   /* and r->out_fd, err_fd, trace_fd */
	struct sd_sandbox_start sb;
	int pidfd;
	int handed[2];             /* a pipe: the init writes a byte once it has handed over */
	char *cg;                  /* its pids cgroup */
	uint64_t t0, t1, term_at;  /* start, end; when SIGTERM was sent (0: not yet) */
	bool done;
	bool handed_over;          /* done by the byte: the init may still be tearing down */
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = sd_write_full(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* ---- in the sandbox ---- */

__attribute__((format(printf, 2, 3)))
static void run_log(const struct run *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdprintf(x->log_fd, fmt, ap);
	va_end(ap);
}

static int put_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

/* pid 2: the command's stdin, stdout and stderr, then the tracer. */
static int runner(void *arg)
{
	struct run *x = arg;
	const struct sd_run_spec *s = x->s;
	int in = x->stdin_fd >= 0 ? x->stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (in < 0 || put_fd(in, 0) < 0 || put_fd(x->r->out_fd, 1) < 0 || put_fd(x->r->err_fd, 2) < 0) {
		run_log(x, "error cannot set up the command's stdin, stdout and stderr: %s\n", strerror(errno));
		return SD_EXIT_TOOL;
	}
	/* the command gets 0, 1 and 2 only; sysdiff's own messages go to the log */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	FILE *log = fdopen(dup(x->log_fd), "w");
	if (log) {
		setvbuf(log, NULL, _IOLBF, 0);
		stderr = log;
	}
	setsid();   /* no controlling terminal */
	if (s->max_procs > 0) {
		struct rlimit rl = { (rlim_t)s->max_procs, (rlim_t)s->max_procs };
		setrlimit(RLIMIT_NPROC, &rl);   /* for users; root is bound by the cgroup */
	}
	if (s->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(s->cpu, &set);
		sched_setaffinity(0, sizeof set, &set);
	}
	struct sd_tracer_opts o;
	memset(&o, 0, sizeof o);
	sd_sysset_fill(&o.traced);
	if (s->paths_only) {
		struct sd_sysset none;
		sd_tracer_stateless(&none);
		sd_sysset_subtract(&o.traced, &none);
		o.paths_only = true;
	}
	o.pin_cpu = true;
	o.use_seccomp = true;   /* every call stops at its seccomp stop, where a pinned clock
				   read is answered: one stop instead of two */
	o.dopts.max_bytes = s->max_bytes;
	o.dopts.max_strv = 4096;
	o.dopts.paths_abs = true;
	o.source = true;   /* source lines where debug info exists (docs/source.md) */
	o.source_stack = s->stack;
	if (s->unlocated)
		o.unlocated = *s->unlocated;
	if (s->counted)
		o.counted = *s->counted;
	o.quick_startup = s->quick_startup;
	o.clock_stub = true;
	o.loose_startup = s->paths_only;   /* its start-up's probes need no stop */
	o.virt = s->virt;
	o.argv = s->argv;
	o.exec_path = s->exec_path;
	struct sd_sink *sink = sd_sink_jsonl_new(x->r->trace_fd);
	o.sinks = &sink;
	o.nsinks = 1;
	environ = s->envp;
	struct sd_trace_end end;
	int code = sd_tracer_run(&o, &end);
	if (sink->end(sink, &end) < 0) {
		run_log(x, "error cannot write the trace: %s\n", strerror(errno));
		code = SD_EXIT_TOOL;
	}
	sink->destroy(sink);
	run_log(x, "status %d\ncomplete %d\n", code, end.complete);
	if (end.reason)
		run_log(x, "reason %s\n", end.reason);
	sd_trace_end_clear(&end);
	return code;
}

/* The init, once everything in the sandbox has ended: the change list. */
static void handover(void *arg, int status, const struct sd_fschanges *c, bool full)
{
	struct run *x = arg;

	(void)status;
	if (full)
		run_log(x, "full 1\n");
	if (sd_fschanges_save(c, x->state_fd) < 0) {
		run_log(x, "error cannot hand over the changes: %s\n", strerror(errno));
		return;
	}
	run_log(x, "changes %zu\n", c->n);
	/* everything of the run is in the memory files: the caller need not wait for the
	 * namespaces' teardown (mounts, layers, the network) */
	if (write(x->handed[1], "h", 1) < 0)
		run_log(x, "nohandover %d\n", errno);
}

/* ---- files ---- */

static int memfile(const char *name)
{
	return memfd_create(name, MFD_CLOEXEC);
}

/* The trace: an unnamed file in $TMPDIR or /tmp (it can be large), else in memory. */
static int trace_file(void)
{
	const char *dirs[] = { getenv("TMPDIR"), "/tmp", "/var/tmp" };

	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		int fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
	}
	return memfile("trace");
}

static int open_files(struct run *x, char **why)
{
	struct sd_run_result *r = x->r;

	r->out_fd = memfile("stdout");
	r->err_fd = memfile("stderr");
	r->trace_fd = trace_file();
	x->log_fd = memfile("log");
	x->state_fd = memfile("changes");
	x->stdin_fd = -1;
	if (x->s->stdin_fd >= 0) {   /* a description of its own: the offset is the run's */
		char p[64];
		snprintf(p, sizeof p, "/proc/self/fd/%d", x->s->stdin_fd);
		x->stdin_fd = open(p, O_RDONLY | O_CLOEXEC);
	}
	if (r->out_fd < 0 || r->err_fd < 0 || r->trace_fd < 0 || x->log_fd < 0 || x->state_fd < 0 ||
	    (x->s->stdin_fd >= 0 && x->stdin_fd < 0)) {
		*why = xasprintf("cannot prepare the %s run: %s", x->s->label, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- process limit: a pids cgroup ---- */

/* Cgroups of runs whose sysdiff was killed (SIGKILL leaves them): the sandbox died with
 * it, so they are empty; remove them. */
static void cgroup_sweep(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		int pid, k, got;
		char end;
		/* sysdiff-PID (its sandbox's init) or sysdiff-PID-K (the PID that made it) */
		got = sscanf(de->d_name, "sysdiff-%d-%d%c", &pid, &k, &end);
		if (got != 2 && (got != 1 || sscanf(de->d_name, "sysdiff-%d%c", &pid, &end) != 1))
			continue;
		if (pid <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;   /* its sandbox is still there */
		char *dir = xasprintf("%s/%s", root, de->d_name);
		rmdir(dir);
		free(dir);
	}
	if (d)
		closedir(d);
}

/* A pids cgroup of at most max processes, before the sandbox starts: its directory, and
 * in *join_fd its "tasks" file (cgroup v1) for the sandbox's init to join itself (see
 * sd_sandbox_job.join_fd), or -1 (cgroup v2: cgroup_add after the start). */
static char *cgroup_make(int max, int *join_fd)
{
	static const char *const roots[] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified",
					     "/sys/fs/cgroup" };
	static unsigned made;
	char v[32];

	*join_fd = -1;
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		char *probe = xasprintf("%s/pids.max", roots[i]);
		char *ctl = xasprintf("%s/cgroup.controllers", roots[i]);
		bool v1 = access(probe, F_OK) != 0 && i == 0 && access(roots[i], W_OK) == 0;
		bool ok = v1 || access(ctl, F_OK) == 0;
		free(probe);
		free(ctl);
		if (!ok)
			continue;
		cgroup_sweep(roots[i]);
		char *dir = xasprintf("%s/sysdiff-%d-%u", roots[i], (int)getpid(), made++);
		char *f_max = xasprintf("%s/pids.max", dir), *f_tasks = xasprintf("%s/tasks", dir);
		snprintf(v, sizeof v, "%d", max);
		bool done = mkdir(dir, 0755) == 0;
		if (done && write_file(f_max, v) < 0)
			done = false;
		if (done && access(f_tasks, F_OK) == 0 &&
		    (*join_fd = open(f_tasks, O_WRONLY | O_CLOEXEC)) < 0)
			done = false;
		free(f_max);
		free(f_tasks);
		if (done)
			return dir;
		rmdir(dir);
		free(dir);
	}
	return NULL;
}

/* Put the sandbox's init in the cgroup (cgroup v2).  0 or -1. */
static int cgroup_add(const char *dir, pid_t pid)
{
	char v[32], *f_procs = xasprintf("%s/cgroup.procs", dir);

	snprintf(v, sizeof v, "%d", (int)pid);
	int rc = write_file(f_procs, v);
	free(f_procs);
	return rc;
}

/* Whether the cgroup's process limit was hit. */
static bool cgroup_hit(const char *dir)
{
	char *f_ev = xasprintf("%s/pids.events", dir);
	FILE *f = fopen(f_ev, "re");
	long long count;
	bool hit = f && fscanf(f, "max %lld", &count) == 1 && count > 0;

	if (f)
		fclose(f);
	free(f_ev);
	return hit;
}

/* Kill whatever is left in the cgroup, remove it; tell whether the limit was hit. */
static bool cgroup_end(char *dir)
{
	char *f_procs = xasprintf("%s/cgroup.procs", dir);

	for (int round = 0; round < 200; round++) {
		FILE *f = fopen(f_procs, "re");
		int pid, n = 0;
		while (f && fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			n++;
		}
		if (f)
			fclose(f);
		if (!n)
			break;
		usleep(10000);
	}
	bool hit = cgroup_hit(dir);
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
	free(f_procs);
	free(dir);
	return hit;
}

/* ---- watching ---- */

static uint64_t fd_size(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t output_size(const struct run *x)
{
	return fd_size(x->r->out_fd) + fd_size(x->r->err_fd) + fd_size(x->r->trace_fd);
}

/* Ask run x to end (SIGTERM to its init: the tracer kills the command). */
static void end_run(struct run *x)
{
	if (!x->term_at) {
		x->term_at = sd_now_mono_ns();
		kill(x->sb.pid, SIGTERM);
	}
}

/* One look at run x: limits and timeouts.  How long until the next look is needed, ms. */
static int check_run(struct run *x, uint64_t now)
{
	const struct sd_run_spec *s = x->s;

	if (x->term_at) {
		if (now - x->term_at > 10000000000ull)
			kill(x->sb.pid, SIGKILL);
		return 200;
	}
	if (s->stop && *s->stop) {
		x->r->stopped = true;
		end_run(x);
	} else if (s->max_output && output_size(x) > s->max_output) {
		x->r->output_limit = true;
		end_run(x);
	} else if (s->timeout > 0 && now - x->t0 >= (uint64_t)(s->timeout * 1e9)) {
		x->r->timed_out = true;
		end_run(x);
	}
	if (s->timeout > 0 && !x->term_at) {
		uint64_t left = x->t0 + (uint64_t)(s->timeout * 1e9) - now;
		if (left / 1000000 < 200)
			return (int)(left / 1000000) + 1;
	}
	return 200;   /* look at the limits and the stop flag now and then */
}

static void wait_all(struct run *x, size_t n)
{
	struct pollfd p[16];
	size_t left = n;

	while (left) {
		uint64_t now = sd_now_mono_ns();
		int ms = 200;
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (x[i].done)
				continue;
			int m = check_run(&x[i], now);
			if (m < ms)
				ms = m;
			p[k++] = (struct pollfd){ .fd = x[i].pidfd, .events = POLLIN };
			p[k++] = (struct pollfd){ .fd = x[i].handed[0], .events = POLLIN };
		}
		int rc = poll(p, k, ms);
		if (rc < 0 && errno != EINTR)
			break;
		for (size_t i = 0, j = 0; i < n; i++) {
			if (x[i].done)
				continue;
			bool ended = p[j].revents, handed = p[j + 1].revents;
			j += 2;
			if (ended || handed) {
				x[i].handed_over = !ended;
				x[i].done = true;
				x[i].t1 = sd_now_mono_ns();
				left--;
			}
		}
	}
}

/* ---- after ---- */

static void read_log(struct run *x)
{
	struct sd_run_result *r = x->r;
	size_t len;
	char *text = sd_read_fd(x->log_fd, 1u << 20, &len, NULL);

	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "status ", 7))
			r->status = atoi(line + 7);
		else if (!strncmp(line, "setup ", 6))
			r->setup_seconds = (double)atoll(line + 6) / 1e9;
		else if (!strcmp(line, "full 1"))
			r->layers_full = true;
		else if (!strncmp(line, "error ", 6) && !r->error)
			r->error = xstrdup(line + 6);
		else if (!strncmp(line, "sysdiff: ", 9) && !r->error)
			r->error = xstrdup(line + 9);   /* a message of the tracer */
	}
	free(text);
}

/* The run has ended: collect what it left.  0, or -1 (r->error). */
static int finish(struct run *x)
{
	struct sd_run_result *r = x->r;
	int st = 0;

	if (x->handed_over) {   /* reaped later (sd_run_result_free) */
		r->proc_limit = x->cg && cgroup_hit(x->cg);
		r->reap_pid = x->sb.pid;
		r->reap_cgroup = x->cg;
	} else {
		sd_waitpid(x->sb.pid, &st, 0);
		if (x->cg)
			r->proc_limit = cgroup_end(x->cg);
	}
	x->cg = NULL;
	r->seconds = (double)((x->t1 ? x->t1 : sd_now_mono_ns()) - x->t0) / 1e9;
	read_log(x);
	if (sd_fschanges_load(&r->changes, x->state_fd) == 0)
		r->have_changes = true;
	for (int fd, i = 0; i < 3; i++)
		if ((fd = i == 0 ? r->out_fd : i == 1 ? r->err_fd : r->trace_fd) >= 0)
			lseek(fd, 0, SEEK_SET);
	if (r->status < 0 && !r->timed_out && !r->stopped && !r->output_limit) {
		/* the tracer never finished: the sandbox or the runner failed */
		if (!r->error)
			r->error = xasprintf("the %s run failed (%s)", x->s->label,
					     WIFSIGNALED(st) ? sd_signal_name(WTERMSIG(st)) : "no status");
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == SD_EXIT_TOOL && !r->have_changes) {
		if (!r->error)
			r->error = xasprintf("the %s run failed", x->s->label);
		return -1;
	}
	if (!r->have_changes && !r->timed_out && !r->stopped && !r->output_limit) {
		free(r->error);
		r->error = xasprintf("the %s run's sandbox ended abnormally (%s)", x->s->label,
				     WIFSIGNALED(st) ? sd_signal_name(WTERMSIG(st)) : "no change list");
		return -1;
	}
	if (r->status == SD_EXIT_TOOL || r->status == SD_EXIT_NOEXEC || r->status == SD_EXIT_NOTFOUND)
		r->tool_failed = r->error != NULL;
	return 0;
}

static void close_run(struct run *x)
{
	int *fds[] = { &x->log_fd, &x->state_fd, &x->stdin_fd, &x->sb.go_fd, &x->pidfd,
		       &x->handed[0], &x->handed[1] };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* Start run x (stopped until go). */
static int start(struct run *x)
{
	const struct sd_run_spec *s = x->s;
	char *why = NULL;

	x->log_fd = x->state_fd = x->stdin_fd = x->pidfd = x->sb.go_fd = -1;
	x->handed[0] = x->handed[1] = -1;
	x->sb.pid = -1;
	x->r->status = -1;
	x->r->out_fd = x->r->err_fd = x->r->trace_fd = -1;
	if (open_files(x, &why) < 0)
		goto fail;
	if (pipe2(x->handed, O_CLOEXEC) < 0) {
		why = xasprintf("cannot prepare the %s run: pipe: %s", s->label, strerror(errno));
		goto fail;
	}
	int join_fd = -1;
	x->cg = s->max_procs > 0 ? cgroup_make(s->max_procs, &join_fd) : NULL;
	struct sd_sandbox_job j = { runner, handover, x, s->workdir, x->log_fd, s->max_output,
				    join_fd };
	int started = sd_sandbox_start(s->plan, &j, &x->sb, &why);
	if (join_fd >= 0)
		close(join_fd);
	if (started < 0)
		goto fail;
	x->pidfd = (int)syscall(SYS_pidfd_open, x->sb.pid, 0);
	if (x->pidfd < 0) {
		why = xasprintf("pidfd_open: %s", strerror(errno));
		kill(x->sb.pid, SIGKILL);
		waitpid(x->sb.pid, NULL, 0);
		x->sb.pid = -1;
		goto fail;
	}
	if (x->cg && join_fd < 0 && cgroup_add(x->cg, x->sb.pid) < 0) {
		cgroup_end(x->cg);
		x->cg = NULL;
	}
	x->r->isolation = sd_sandbox_summary(s->plan);
	return 0;
fail:
	if (x->cg)
		cgroup_end(x->cg);
	x->cg = NULL;
	x->r->error = why;
	close_run(x);
	return -1;
}

int sd_run_all(const struct sd_run_spec *s, struct sd_run_result *r, size_t n)
{
	struct run x[8];
	int rc = 0;

	if (n > sizeof x / sizeof *x)
		n = sizeof x / sizeof *x;
	memset(x, 0, sizeof x);
	memset(r, 0, n * sizeof *r);
	/* A run in a private network is let go as soon as its sandbox is made: if a later
	 * one cannot be, it is killed, and all it did stays in its sandbox.  With the
	 * host's network it could have reached past it: none goes before all are made. */
	bool at_once = n && !s[0].plan->net_host;
	for (size_t i = 0; i < n; i++) {
		x[i].s = &s[i];
		x[i].r = &r[i];
		if (start(&x[i]) < 0) {
			for (size_t k = 0; k < i; k++) {   /* the ones started: killed */
				kill(x[k].sb.pid, SIGKILL);
				waitpid(x[k].sb.pid, NULL, 0);
				if (x[k].cg)
					cgroup_end(x[k].cg);
				close_run(&x[k]);
			}
			return -1;
		}
		if (at_once) {
			x[i].t0 = sd_now_mono_ns();
			sd_sandbox_go(&x[i].sb);
		}
	}
	for (size_t i = 0; i < n && !at_once; i++) {
		x[i].t0 = sd_now_mono_ns();
		sd_sandbox_go(&x[i].sb);
	}
	wait_all(x, n);
	for (size_t i = 0; i < n; i++) {
		if (!x[i].done)
			kill(x[i].sb.pid, SIGKILL);
		if (finish(&x[i]) < 0)
			rc = -1;
		close_run(&x[i]);
	}
	return rc;
}

void sd_run_result_free(struct sd_run_result *r)
{
	if (r->reap_pid > 0)   /* handed over before its teardown ended */
		sd_waitpid(r->reap_pid, NULL, 0);
	if (r->reap_cgroup)
		cgroup_end(r->reap_cgroup);
	free(r->error);
	free(r->isolation);
	for (int fd, i = 0; i < 3; i++)
		if ((fd = i == 0 ? r->out_fd : i == 1 ? r->err_fd : r->trace_fd) > 0)
			close(fd);
	if (r->have_changes)
		sd_fschanges_free(&r->changes);
	memset(r, 0, sizeof *r);
	r->out_fd = r->err_fd = r->trace_fd = -1;
}
