/* proc.c - tracee table and per-process caches (see proc.h). */
#define _GNU_SOURCE
#include "tracer/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "srcloc/srcloc.h"
#include "util/util.h"

#define NBUCKETS 1024
#define FD_CACHE_MAX 65536

static struct sd_tracee *buckets[NBUCKETS];
static int ntracees;

static unsigned bucket(pid_t tid)
{
	return (unsigned)tid % NBUCKETS;
}

struct sd_tracee *sd_tracee_find(pid_t tid)
{
	for (struct sd_tracee *t = buckets[bucket(tid)]; t; t = t->hnext)
		if (t->tid == tid)
			return t;
	return NULL;
}

static pid_t read_tgid(pid_t tid)
{
	long tgid;
	if (sd_procfs_status_long(tid, "Tgid", &tgid) < 0 || tgid <= 0 || tgid > INT_MAX)
		return tid;
	return (pid_t)tgid;
}

static struct sd_proc *proc_of_group(pid_t tgid)
{
	for (int i = 0; i < NBUCKETS; i++)
		for (struct sd_tracee *t = buckets[i]; t; t = t->hnext)
			if (t->proc->tgid == tgid)
				return t->proc;
	return NULL;
}

static void link_tracee(struct sd_tracee *t)
{
	unsigned b = bucket(t->tid);
	t->hnext = buckets[b];
	buckets[b] = t;
}

static void unlink_tracee(struct sd_tracee *t)
{
	for (struct sd_tracee **pp = &buckets[bucket(t->tid)]; *pp; pp = &(*pp)->hnext)
		if (*pp == t) {
			*pp = t->hnext;
			return;
		}
}

struct sd_tracee *sd_tracee_new(pid_t tid, pid_t tgid)
{
	struct sd_tracee *t = xcalloc(1, sizeof *t);
	if (!tgid)
		tgid = read_tgid(tid);
	t->tid = tid;
	t->proc = proc_of_group(tgid);
	if (!t->proc) {
		t->proc = xcalloc(1, sizeof *t->proc);
		t->proc->tgid = tgid;
	}
	t->proc->refs++;
	link_tracee(t);
	ntracees++;
	return t;
}

static void proc_unref(struct sd_proc *p)
{
	if (--p->refs > 0)
		return;
	sd_proc_fd_reset(p);
	free(p->fds);
	free(p->cwd);
	sd_src_proc_free(p->src);
	free(p);
}

void sd_tracee_free(struct sd_tracee *t)
{
	unlink_tracee(t);
	ntracees--;
	proc_unref(t->proc);
	sd_event_clear(&t->ev);
	sd_event_clear(&t->pend_ev);
	free(t);
}

void sd_tracee_rekey(struct sd_tracee *t, pid_t newtid)
{
	unlink_tracee(t);
	t->tid = newtid;
	link_tracee(t);
}

int sd_tracee_count(void)
{
	return ntracees;
}

void sd_tracee_each(void (*fn)(struct sd_tracee *, void *), void *arg)
{
	for (int i = 0; i < NBUCKETS; i++) {
		struct sd_tracee *t = buckets[i], *next;
		for (; t; t = next) {
			next = t->hnext;
			fn(t, arg);
		}
	}
}

void sd_proc_fd_set(struct sd_proc *p, int fd, const char *desc)
{
	if (fd < 0 || fd >= FD_CACHE_MAX || p->no_cache)
		return;
	if (fd >= p->nfds) {
		int n = p->nfds ? p->nfds : 64;
		while (n <= fd)
			n *= 2;
		p->fds = xrealloc(p->fds, n * sizeof *p->fds);
		memset(p->fds + p->nfds, 0, (n - p->nfds) * sizeof *p->fds);
		p->nfds = n;
	}
	free(p->fds[fd]);
	p->fds[fd] = desc ? xstrdup(desc) : NULL;
}

const char *sd_proc_fd_get(struct sd_proc *p, int fd)
{
	return fd >= 0 && fd < p->nfds ? p->fds[fd] : NULL;
}

void sd_proc_fd_drop(struct sd_proc *p, int lo, int hi)
{
	if (lo < 0)
		lo = 0;
	for (int fd = lo; fd <= hi && fd < p->nfds; fd++) {
		free(p->fds[fd]);
		p->fds[fd] = NULL;
	}
}

void sd_proc_fd_reset(struct sd_proc *p)
{
	sd_proc_fd_drop(p, 0, p->nfds - 1);
}

void sd_proc_cwd_set(struct sd_proc *p, const char *cwd)
{
	free(p->cwd);
	p->cwd = cwd && !p->no_cache ? xstrdup(cwd) : NULL;
}

/* The request failed somewhere: copy the readable prefix page by page. */
static ssize_t mem_read_pages(pid_t tid, uint64_t addr, void *dst, size_t len)
{
	size_t done = 0;
	while (done < len) {
		size_t chunk = 4096 - ((addr + done) & 4095);
		if (chunk > len - done)
			chunk = len - done;
		struct iovec l = { (char *)dst + done, chunk };
		struct iovec r = { (void *)(uintptr_t)(addr + done), chunk };
		ssize_t n = process_vm_readv(tid, &l, 1, &r, 1, 0);
		if (n <= 0)
			break;
		done += n;
		if ((size_t)n < chunk)
			break;
	}
	return done ? (ssize_t)done : -1;
}

static int open_mem(pid_t tid, int mode)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/mem", tid);
	return open(path, mode | O_CLOEXEC);
}

ssize_t sd_mem_read(pid_t tid, uint64_t addr, void *dst, size_t len)
{
	static int use_procmem;
	if (!len)
		return 0;
	if (!use_procmem) {
		struct iovec l = { dst, len }, r = { (void *)(uintptr_t)addr, len };
		ssize_t n = process_vm_readv(tid, &l, 1, &r, 1, 0);
		if (n < 0 && errno == EFAULT)
			return mem_read_pages(tid, addr, dst, len);
		if (n >= 0 || (errno != ENOSYS && errno != EPERM))
			return n;
		use_procmem = 1;
	}
	int fd = open_mem(tid, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, dst, len, (off_t)addr);
	close(fd);
	return n;
}

int sd_mem_write_user(pid_t tid, uint64_t addr, const void *src, size_t len)
{
	struct iovec l = { (void *)src, len }, r = { (void *)(uintptr_t)addr, len };
	return process_vm_writev(tid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

int sd_mem_write(pid_t tid, uint64_t addr, const void *src, size_t len)
{
	if (sd_mem_write_user(tid, addr, src, len) == 0)
		return 0;
	/* /proc/PID/mem also writes where process_vm_writev may not (read-only pages) */
	int fd = open_mem(tid, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pwrite(fd, src, len, (off_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}
