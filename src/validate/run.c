/* run.c - one isolated, traced run (see run.h). */
#define _GNU_SOURCE
#include "validate/run.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer/tracer.h"
#include "format/writers.h"
#include "util/util.h"
#include "validate/state.h"

extern char **environ;

/* ---- the runner (child) ---- */

static FILE *info;   /* runner.log: "key value" lines for the parent */

__attribute__((format(printf, 1, 2), noreturn))
static void runner_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error ", info);
	vfprintf(info, fmt, ap);
	fputc('\n', info);
	va_end(ap);
	fclose(info);
	_exit(SD_EXIT_TOOL);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = sd_write_full(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* Become root of a new user namespace (for users without CAP_SYS_ADMIN). */
static int enter_userns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char m[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	write_file("/proc/self/setgroups", "deny");
	snprintf(m, sizeof m, "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", m) < 0)
		return -1;
	snprintf(m, sizeof m, "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", m);
}

static bool opt_safe(const char *p)
{
	return !strpbrk(p, ",:\\");
}

/* ---- copying a tree (when overlayfs is refused) ---- */

static const char *copy_src, *copy_dst;
static int copy_err;

static int copy_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	char *dst = xasprintf("%s%s", copy_dst, path + strlen(copy_src));
	int rc = 0;

	if (flag == FTW_D) {
		if (mkdir(dst, sb->st_mode & 07777) < 0 && errno != EEXIST)
			rc = -1;
	} else if (flag == FTW_SL) {
		char t[4096];
		ssize_t n = readlink(path, t, sizeof t - 1);
		if (n < 0 || (t[n] = '\0', symlink(t, dst) < 0))
			rc = -1;
	} else if (flag == FTW_F && S_ISREG(sb->st_mode)) {
		int in = open(path, O_RDONLY | O_CLOEXEC);
		int out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					     sb->st_mode & 07777);
		if (in < 0 || out < 0 || sd_copy_fd(in, out) < 0)
			rc = -1;
		if (in >= 0)
			close(in);
		if (out >= 0 && close(out) < 0)
			rc = -1;
	} else if (flag == FTW_DNR || flag == FTW_NS) {
		rc = -1;
	}
	if (rc == 0 && flag != FTW_SL) {
		if (chmod(dst, sb->st_mode & 07777) < 0)
			rc = -1;
		if (lchown(dst, sb->st_uid, sb->st_gid) < 0 && errno != EPERM && errno != EINVAL)
			rc = -1;
	}
	if (rc < 0 && !copy_err)
		copy_err = errno ? errno : EIO;
	free(dst);
	return rc < 0 ? 1 : 0;
}

static int copy_tree(const char *src, const char *dst)
{
	copy_src = src;
	copy_dst = dst;
	copy_err = 0;
	if (nftw(src, copy_one, 64, FTW_PHYS) != 0 || copy_err) {
		errno = copy_err ? copy_err : errno;
		return -1;
	}
	return 0;
}

/* Make the starting directory private to this run, at its own path. */
static const char *isolate(const struct sd_run_spec *s)
{
	if (unshare(CLONE_NEWNS) < 0 && enter_userns() < 0)
		runner_fail("cannot create a private mount namespace (needs root or user "
			    "namespaces): %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		runner_fail("cannot make mounts private: %s", strerror(errno));
	char *upper = xasprintf("%s/upper-%s", s->tmp, s->label);
	char *work = xasprintf("%s/work-%s", s->tmp, s->label);
	const char *how = NULL;
	if (opt_safe(s->workdir) && opt_safe(upper) && opt_safe(work) &&
	    mkdir(upper, 0755) == 0 && mkdir(work, 0755) == 0) {
		char *o = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", s->workdir, upper, work);
		if (mount("overlay", s->workdir, "overlay", 0, o) == 0)
			how = "overlayfs over the starting directory";
		free(o);
	}
	if (!how) {
		int ov = errno;
		char *copy = xasprintf("%s/copy-%s", s->tmp, s->label);
		if (copy_tree(s->workdir, copy) < 0)
			runner_fail("cannot copy the starting directory %s (overlayfs refused: %s): %s",
				    s->workdir, strerror(ov), strerror(errno));
		if (mount(copy, s->workdir, NULL, MS_BIND | MS_REC, NULL) < 0)
			runner_fail("cannot bind-mount a copy over %s: %s", s->workdir, strerror(errno));
		how = "a copy of the starting directory bind-mounted at its path (overlayfs refused)";
		free(copy);
	}
	free(upper);
	free(work);
	if (mount(s->side_dir, s->io_dir, NULL, MS_BIND, NULL) < 0)
		runner_fail("cannot bind-mount %s: %s", s->side_dir, strerror(errno));
	return how;
}

static void redirect(int fd, const char *path, int flags)
{
	int f = open(path, flags | O_CLOEXEC, 0644);
	if (f < 0)
		runner_fail("cannot open %s: %s", path, strerror(errno));
	if (dup2(f, fd) < 0)
		runner_fail("dup2: %s", strerror(errno));
	close(f);
}

static void runner(const struct sd_run_spec *s, int sync_rd, int logfd)
{
	char c;

	info = fdopen(logfd, "w");
	if (!info)
		_exit(SD_EXIT_TOOL);
	setvbuf(info, NULL, _IOLBF, 0);
	stderr = info;   /* sysdiff's own messages; the command's stderr is a file */
	while (read(sync_rd, &c, 1) < 0 && errno == EINTR)
		;
	close(sync_rd);
	setsid();        /* no controlling terminal: the command cannot read it */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);

	const char *how = isolate(s);
	fprintf(info, "isolation %s\n", how);
	if (chdir(s->workdir) < 0)
		runner_fail("cannot enter %s: %s", s->workdir, strerror(errno));
	char *p_out = xasprintf("%s/%s", s->io_dir, SD_RUN_STDOUT);
	char *p_err = xasprintf("%s/%s", s->io_dir, SD_RUN_STDERR);
	char *p_trace = xasprintf("%s/%s", s->io_dir, SD_RUN_TRACE);
	char *p_state = xasprintf("%s/%s", s->io_dir, SD_RUN_STATE);
	redirect(0, s->stdin_path, O_RDONLY);
	redirect(1, p_out, O_WRONLY | O_CREAT | O_TRUNC);
	redirect(2, p_err, O_WRONLY | O_CREAT | O_TRUNC);
	for (int fd = 0; fd < 3; fd++)
		fcntl(fd, F_SETFD, 0);
	if (s->max_procs > 0) {
		struct rlimit rl = { (rlim_t)s->max_procs, (rlim_t)s->max_procs };
		setrlimit(RLIMIT_NPROC, &rl);   /* for users; root is bound by the cgroup */
	}
	int tfd = open(p_trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (tfd < 0)
		runner_fail("cannot write %s: %s", p_trace, strerror(errno));

	struct sd_tracer_opts o;
	memset(&o, 0, sizeof o);
	sd_sysset_fill(&o.traced);
	o.pin_cpu = true;
	o.dopts.max_bytes = s->max_bytes;
	o.dopts.max_strv = 4096;
	o.dopts.paths_abs = true;
	o.source = true;   /* source lines where debug info exists (docs/source.md) */
	o.argv = s->argv;
	o.exec_path = s->exec_path;
	struct sd_sink *sink = sd_sink_jsonl_new(tfd);
	o.sinks = &sink;
	o.nsinks = 1;
	environ = s->envp;
	struct sd_trace_end end;
	int code = sd_tracer_run(&o, &end);
	if (sink->end(sink, &end) < 0)
		runner_fail("cannot write %s: %s", p_trace, strerror(errno));
	sink->destroy(sink);
	close(tfd);
	fprintf(info, "status %d\n", code);
	fprintf(info, "complete %d\n", end.complete);
	if (end.reason)
		fprintf(info, "reason %s\n", end.reason);

	struct sd_state st;
	sd_state_take(s->workdir, &st);
	if (sd_state_save(&st, p_state) < 0)
		runner_fail("cannot write %s: %s", p_state, strerror(errno));
	sd_state_free(&st);
	fclose(info);
	_exit(0);
}

/* ---- process limit: a pids cgroup ---- */

static char *cgroup_make(pid_t pid, int max)
{
	static const char *const roots[] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified",
					     "/sys/fs/cgroup" };
	char v[32];

	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		char *probe = xasprintf("%s/pids.max", roots[i]);
		char *ctl = xasprintf("%s/cgroup.controllers", roots[i]);
		bool v1 = access(probe, F_OK) != 0 && i == 0 && access(roots[i], W_OK) == 0;
		bool ok = v1 || access(ctl, F_OK) == 0;
		free(probe);
		free(ctl);
		if (!ok)
			continue;
		char *dir = xasprintf("%s/sysdiff-%d", roots[i], (int)pid);
		char *f_max = xasprintf("%s/pids.max", dir), *f_procs = xasprintf("%s/cgroup.procs", dir);
		snprintf(v, sizeof v, "%d", max);
		bool done = mkdir(dir, 0755) == 0;
		if (done && write_file(f_max, v) < 0)
			done = false;
		snprintf(v, sizeof v, "%d", (int)pid);
		if (done && write_file(f_procs, v) < 0)
			done = false;
		free(f_max);
		free(f_procs);
		if (done)
			return dir;
		rmdir(dir);
		free(dir);
	}
	return NULL;
}

/* Kill whatever is left in the cgroup, remove it; tell whether the limit was hit. */
static bool cgroup_end(char *dir)
{
	bool hit = false;
	char *f_procs = xasprintf("%s/cgroup.procs", dir), *f_ev = xasprintf("%s/pids.events", dir);

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
	FILE *f = fopen(f_ev, "re");
	long long count;
	if (f && fscanf(f, "max %lld", &count) == 1)
		hit = count > 0;
	if (f)
		fclose(f);
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
	free(f_procs);
	free(f_ev);
	free(dir);
	return hit;
}

/* ---- the parent ---- */

/* Bytes the run has written to its side directory's output files so far. */
static uint64_t output_size(const char *dir)
{
	static const char *const names[] = { SD_RUN_STDOUT, SD_RUN_STDERR, SD_RUN_TRACE };
	uint64_t total = 0;

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		if (stat(p, &st) == 0)
			total += (uint64_t)st.st_size;
		free(p);
	}
	return total;
}

struct watch {
	volatile int *stop;
	const char *dir;        /* output files to watch, or NULL */
	uint64_t max;
};

static int wait_timeout(pid_t pid, double seconds, const struct watch *wt)
{
	volatile int *stop = wt ? wt->stop : NULL;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return -1;
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	uint64_t end = sd_now_mono_ns() + (uint64_t)(seconds * 1e9);
	int rc = 1;
	for (;;) {
		uint64_t now = sd_now_mono_ns();
		if (seconds > 0 && now >= end) {
			rc = 0;
			break;
		}
		if (stop && *stop) {
			rc = 2;
			break;
		}
		if (wt && wt->dir && wt->max && output_size(wt->dir) > wt->max) {
			rc = 3;
			break;
		}
		int ms = seconds > 0 ? (int)((end - now) / 1000000 + 1) : 200;
		if (ms > 200)
			ms = 200;   /* look at *stop now and then */
		int n = poll(&p, 1, ms);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
	}
	close(pfd);
	return rc;   /* 1 exited, 0 timed out, 2 stopped, 3 output limit */
}

static void read_log(const char *path, struct sd_run_result *r)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (!strncmp(line, "isolation ", 10)) {
			free(r->isolation);
			r->isolation = xstrdup(line + 10);
		} else if (!strncmp(line, "status ", 7)) {
			r->status = atoi(line + 7);
		} else if (!strncmp(line, "error ", 6)) {
			if (!r->error)
				r->error = xstrdup(line + 6);
		} else if (!strncmp(line, "sysdiff: ", 9) && !r->error) {
			r->error = xstrdup(line + 9);   /* a message of the tracer */
		}
	}
	free(line);
	fclose(f);
}

int sd_run(const struct sd_run_spec *s, struct sd_run_result *r)
{
	int sync[2];
	char *logp = xasprintf("%s/runner.log", s->side_dir);
	uint64_t t0 = sd_now_mono_ns();

	memset(r, 0, sizeof *r);
	r->status = -1;
	int logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0 || pipe2(sync, O_CLOEXEC) < 0) {
		r->error = xasprintf("cannot prepare the %s run: %s", s->label, strerror(errno));
		free(logp);
		if (logfd >= 0)
			close(logfd);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		r->error = xasprintf("fork: %s", strerror(errno));
		close(sync[0]);
		close(sync[1]);
		close(logfd);
		free(logp);
		return -1;
	}
	if (pid == 0) {
		close(sync[1]);
		runner(s, sync[0], logfd);
	}
	close(sync[0]);
	close(logfd);
	char *cg = s->max_procs > 0 ? cgroup_make(pid, s->max_procs) : NULL;
	if (write(sync[1], "g", 1) < 0)
		kill(pid, SIGKILL);
	close(sync[1]);

	struct watch wt = { s->stop, s->side_dir, s->max_output };
	int w = wait_timeout(pid, s->timeout, &wt);
	if (w == 0 || w == 2 || w == 3) {
		r->timed_out = w == 0;
		r->stopped = w == 2;
		r->output_limit = w == 3;
		kill(pid, SIGTERM);    /* the tracer kills the command and closes the trace */
		if (wait_timeout(pid, 10, NULL) != 1)
			kill(-pid, SIGKILL);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (cg)
		r->proc_limit = cgroup_end(cg);
	kill(-pid, SIGKILL);           /* anything left in the runner's session */
	r->seconds = (double)(sd_now_mono_ns() - t0) / 1e9;
	read_log(logp, r);
	free(logp);
	if (WIFEXITED(st) && WEXITSTATUS(st) == SD_EXIT_TOOL) {
		if (!r->error)
			r->error = xasprintf("the %s run failed", s->label);
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(r->error);
		r->error = xasprintf("the %s run ended abnormally (%s)", s->label,
				     WIFSIGNALED(st) ? sd_signal_name(WTERMSIG(st)) : "exit");
		return -1;
	}
	if (r->status == SD_EXIT_TOOL || r->status == SD_EXIT_NOEXEC || r->status == SD_EXIT_NOTFOUND) {
		if (r->error)
			r->tool_failed = true;
	}
	return 0;
}

void sd_run_result_free(struct sd_run_result *r)
{
	free(r->error);
	free(r->isolation);
	memset(r, 0, sizeof *r);
}
