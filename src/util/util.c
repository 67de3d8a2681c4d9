/* util.c - see util.h */
#define _GNU_SOURCE
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

const char *sd_progname = "sysdiff";

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char msg[4096];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "%s: %s%s\n", sd_progname, prefix, msg);
}

void sd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void sd_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void sd_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	exit(SD_EXIT_TOOL);
}

void sd_die_code(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	exit(code);
}

static void *oom(void)
{
	fprintf(stderr, "%s: out of memory\n", sd_progname);
	exit(SD_EXIT_TOOL);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : oom();
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	return p ? p : oom();
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = 0;
	return p;
}

void *xmemdup(const void *p, size_t n)
{
	void *q = xmalloc(n);
	if (n)
		memcpy(q, p, n);
	return q;
}

void sd_strv_push(char ***v, size_t *n, const char *s)
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

char *xasprintf(const char *fmt, ...)
{
	struct sb sb = SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sb_detach(&sb);
}

void sb_grow(struct sb *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct sb *sb, const void *p, size_t n)
{
	sb_grow(sb, n);
	if (n)
		memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
}

void sb_addc(struct sb *sb, char c)
{
	sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = 0;
}

void sb_adds(struct sb *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_vaddf(struct sb *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	sb_grow(sb, 64);
	int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sb->cap - sb->len) {
		sb_grow(sb, n);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, cp);
	}
	va_end(cp);
	sb->len += n;
}

void sb_addf(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct sb *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = 0;
}

char *sb_detach(struct sb *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_free(struct sb *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

pid_t sd_waitpid(pid_t pid, int *status, int flags)
{
	pid_t r;
	while ((r = waitpid(pid, status, flags)) < 0 && errno == EINTR)
		;
	return r;
}

uint64_t sd_now_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

uint64_t sd_now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static const struct {
	int code;
	const char *name, *msg;
} restart_codes[] = {
	{ 512, "ERESTARTSYS", "To be restarted if SA_RESTART is set" },
	{ 513, "ERESTARTNOINTR", "To be restarted" },
	{ 514, "ERESTARTNOHAND", "To be restarted if no handler" },
	{ 515, "ENOIOCTLCMD", "No ioctl command" },
	{ 516, "ERESTART_RESTARTBLOCK", "Interrupted by signal" },
};

const char *sd_errno_name(int err)
{
	static __thread char buf[16];
	for (size_t i = 0; i < sizeof restart_codes / sizeof *restart_codes; i++)
		if (restart_codes[i].code == err)
			return restart_codes[i].name;
	const char *n = err > 0 && err < 512 ? strerrorname_np(err) : NULL;
	if (n)
		return n;
	snprintf(buf, sizeof buf, "E%d", err);
	return buf;
}

const char *sd_errno_msg(int err)
{
	for (size_t i = 0; i < sizeof restart_codes / sizeof *restart_codes; i++)
		if (restart_codes[i].code == err)
			return restart_codes[i].msg;
	const char *d = err > 0 && err < 512 ? strerrordesc_np(err) : NULL;
	return d ? d : "Unknown error";
}

int sd_errno_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof restart_codes / sizeof *restart_codes; i++)
		if (!strcmp(restart_codes[i].name, name))
			return restart_codes[i].code;
	for (int e = 1; e < 512; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, name))
			return e;
	}
	if (name[0] == 'E' && name[1] >= '0' && name[1] <= '9')
		return atoi(name + 1);
	return -1;
}

const char *sd_signal_name(int sig)
{
	static __thread char buf[16];
	const char *a = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
	if (a) {
		snprintf(buf, sizeof buf, "SIG%s", a);
		return buf;
	}
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, sizeof buf, sig == SIGRTMIN ? "SIGRTMIN" : "SIGRT_%d", sig - SIGRTMIN);
	else
		snprintf(buf, sizeof buf, "SIG%d", sig);
	return buf;
}

int sd_signo_from_name(const char *name)
{
	if (*name >= '0' && *name <= '9') {
		int n = atoi(name);
		return n > 0 && n < 65 ? n : -1;
	}
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (int s = 1; s < SIGRTMIN; s++) {
		const char *a = sigabbrev_np(s);
		if (a && !strcmp(a, name))
			return s;
	}
	return -1;
}

bool sd_utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned min;
		if ((c & 0xe0) == 0xc0) {
			need = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, min = 0x10000, c &= 0x07;
		} else
			return false;
		if (i + need >= n)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* Write all of buf, retrying on EINTR, short writes and EAGAIN.  0 or -1. */
int sd_copy_fd(int in, int out)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (sd_write_full(out, buf, (size_t)n) < 0)
			return -1;
	}
}

char *sd_read_fd(int fd, size_t max, size_t *len, bool *cut)
{
	struct sb sb = SB_INIT;
	char buf[65536];
	bool more = false;
	off_t off = 0;
	bool stream = false;   /* a pipe or a tty: no offsets, read as it comes */

	for (;;) {
		ssize_t n = stream ? read(fd, buf, sizeof buf) : pread(fd, buf, sizeof buf, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ESPIPE && !stream) {
			stream = true;
			continue;
		}
		if (n <= 0)
			break;
		off += n;
		size_t room = max - sb.len;
		if ((size_t)n > room) {
			sb_add(&sb, buf, room);
			more = true;
			break;
		}
		sb_add(&sb, buf, (size_t)n);
	}
	if (len)
		*len = sb.len;
	if (cut)
		*cut = more;
	return sb_detach(&sb);
}

char *sd_read_file(const char *path, size_t max, size_t *len, bool *cut)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (len)
		*len = 0;
	if (cut)
		*cut = false;
	if (fd < 0)
		return NULL;
	char *text = sd_read_fd(fd, max, len, cut);
	close(fd);
	return text;
}

int sd_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int sd_write_whole(const char *path, const void *buf, size_t len)
{
	struct stat st;

	if (!path)
		return sd_write_full(STDOUT_FILENO, buf, len);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		int rc = sd_write_full(fd, buf, len);
		close(fd);
		return rc;
	}
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	if (sd_write_full(fd, buf, len) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	return 0;
}
