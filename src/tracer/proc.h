/* proc.h - the tracer's table of tracees (threads) and their shared process state:
 * fd -> description cache and working directory.  Internal to src/tracer/. */
#ifndef SD_PROC_H
#define SD_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "event/event.h"

/* State shared by the threads of one process. */
struct sd_proc {
	int refs;
	pid_t tgid;
	char **fds;        /* cached readlink of /proc/PID/fd/N, index N < nfds */
	int nfds;
	char *cwd;         /* cached cwd, NULL = unknown */
	bool no_cache;     /* fd table or fs shared with another process: never cache */
	uint64_t gen;      /* name generation the cached names belong to */
	struct sd_srcproc *src;  /* source lines: this process's modules (srcloc.h) */
	/* clockstub.h: the clock stub's data in the process (0: none), whether it answers,
	 * its counts already taken; an exec's real vDSO and auxv slot, for the stub */
	uint64_t stub;
	bool stub_on;
	bool stub_wanted;
	uint64_t stub_seen[3];
	int64_t stub_elapsed, stub_reads;   /* the clock as the stub had it at the last look */
	uint64_t vdso, vdso_slot;
	/* loop.c: its seccomp filter lets an interpreter's start-up probe unseen (tracer.h,
	 * loose_startup) until the tracer adds the whole one; at the exit of its exec, when
	 * the new image is not an interpreter's */
	bool loose;
	bool loose_ends_at_exec;
};

struct sd_tracee {
	pid_t tid;
	struct sd_proc *proc;
	struct sd_tracee *hnext;    /* hash chain */
	bool hidden;                /* launcher code before the first execve: not reported */
	bool first_exec;            /* the pending execve is the launcher's */
	bool in_syscall;            /* between entry and exit of a syscall */
	bool recording;             /* ev holds a traced syscall in progress */
	bool seccomp_mode;          /* resume with PTRACE_CONT outside syscalls */
	bool runtime_call;          /* the call in progress is an interpreter's start-up or
				       import machinery, which validate drops (tracer.h,
				       quick_startup): its exit buffers are hashed, not kept */
	bool gone;                  /* exit reported; waiting for reap */
	struct sd_event ev;         /* syscall in progress */
	uint64_t t_enter;           /* monotonic ns at entry */
	uint64_t entry_raw[6];      /* argument registers at entry */
	int cur_nr;                 /* number of the syscall in progress */
	/* restart linking: the last call of this thread that returned ERESTART* */
	uint64_t pend_seq;
	int pend_nr;
	uint64_t pend_raw[6];
	bool pend_after_sigreturn;
	struct sd_event pend_ev;    /* copy of its entry part, for restart_syscall */
	/* virt.c: what the call in progress needs at its exit */
	uint64_t virt_addr;         /* an argument rewritten at entry, put back at exit */
	unsigned char virt_saved[16];
	uint8_t virt_len;
	int64_t virt_deadline;      /* its absolute deadline, virtual, on virt_clock */
	int64_t virt_clock;
	uint64_t virt_rel;          /* a relative sleep's timespec */
	int64_t virt_timeout;       /* a timeout's value at entry, ns */
	uint64_t answer_addr;       /* a clock answer written there (the decoder reads it */
	uint8_t answer_len;         /* from answer, not from the tracee again) */
	unsigned char answer[16];
	char fdbuf[4352];           /* scratch for fd_ref / cwd answers */
};

struct sd_tracee *sd_tracee_find(pid_t tid);
/* Create a tracee for tid (tgid read from /proc when 0); threads share sd_proc. */
struct sd_tracee *sd_tracee_new(pid_t tid, pid_t tgid);
void sd_tracee_free(struct sd_tracee *t);
/* Move tracee t to a new tid (non-leader execve takes over the leader's tid). */
void sd_tracee_rekey(struct sd_tracee *t, pid_t newtid);
int sd_tracee_count(void);
/* Call fn for every tracee (fn may not free tracees other than the one passed). */
void sd_tracee_each(void (*fn)(struct sd_tracee *, void *), void *arg);

void sd_proc_fd_set(struct sd_proc *p, int fd, const char *desc);
const char *sd_proc_fd_get(struct sd_proc *p, int fd);
void sd_proc_fd_drop(struct sd_proc *p, int lo, int hi);
void sd_proc_fd_reset(struct sd_proc *p);
void sd_proc_cwd_set(struct sd_proc *p, const char *cwd);

/* Read tracee memory (process_vm_readv, falling back to /proc/PID/mem). */
ssize_t sd_mem_read(pid_t tid, uint64_t addr, void *dst, size_t len);
/* Write len bytes at addr of tid: 0, or -1 when not all of them could be written. */
int sd_mem_write(pid_t tid, uint64_t addr, const void *src, size_t len);
/* The same as the kernel writes for the program: never through a page it may not write
 * (process_vm_writev only). */
int sd_mem_write_user(pid_t tid, uint64_t addr, const void *src, size_t len);

#endif
