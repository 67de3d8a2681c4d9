/* virt.c - the deterministic clock, entropy and address space of a traced command (see
 * virt.h). */
#define _GNU_SOURCE
#include "tracer/virt.h"

#include <elf.h>
#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "tracer/vclock.h"
#include "util/util.h"

#define STEP_NS SD_VCLOCK_STEP_NS
#define NSEC SD_VCLOCK_NSEC
#define MAX_KEYS 256

struct key {               /* one entropy stream: draws of n bytes with flags */
	bool user;
	uint32_t n, flags;
	uint64_t count;
};

static struct {
	bool on;
	int64_t real0;         /* CLOCK_REALTIME at the start, virtual */
	int64_t elapsed;       /* virtual time since the start, as the user's code sees it */
	int64_t runtime_reads; /* reads outside the user's code since its last read */
	int64_t started_real;  /* the real CLOCK_REALTIME at the start: files stamped after */
	uint64_t seed;
	struct key keys[MAX_KEYS];
	int nkeys;
} V;

void sd_virt_init(const struct sd_virt_opts *o)
{
	memset(&V, 0, sizeof V);
	V.on = o && o->on;
	if (!V.on)
		return;
	V.real0 = o->clock_ns;
	V.seed = o->seed;
	V.started_real = (int64_t)sd_now_real_ns();
}

bool sd_virt_on(void)
{
	return V.on;
}

bool sd_virt_needs_source(int nr)
{
	return V.on && (nr == SYS_clock_gettime || nr == SYS_gettimeofday || nr == SYS_time ||
			nr == SYS_getrandom);
}

/* ---- tracee memory and registers ---- */

static int mem_read(pid_t tid, uint64_t addr, void *dst, size_t len)
{
	return sd_mem_read(tid, addr, dst, len) == (ssize_t)len ? 0 : -1;
}

static void set_rax(pid_t tid, int64_t v)
{
	ptrace(PTRACE_POKEUSER, tid, (void *)offsetof(struct user_regs_struct, rax), (void *)v);
}

/* ---- entropy ---- */

static struct key *key_of(bool user, uint32_t n, uint32_t flags)
{
	for (int i = 0; i < V.nkeys; i++)
		if (V.keys[i].user == user && V.keys[i].n == n && V.keys[i].flags == flags)
			return &V.keys[i];
	if (V.nkeys == MAX_KEYS)   /* a program of a thousand sizes: they share a stream */
		return &V.keys[MAX_KEYS - 1];
	struct key *k = &V.keys[V.nkeys++];
	*k = (struct key){ user, n, flags, 0 };
	return k;
}

/* The next draw of len bytes (the call asked for n) into out. */
static void draw(bool user, uint32_t n, uint32_t flags, unsigned char *out, size_t len)
{
	struct key *k = key_of(user, n, flags);
	uint64_t in[5] = { V.seed, user, n, flags, k->count++ };

	for (size_t off = 0, block = 0; off < len; off += 8, block++) {
		uint64_t h = XXH64(in, sizeof in, block);
		memcpy(out + off, &h, len - off < 8 ? len - off : 8);
	}
}

/* Fill the tracee's buffer [addr, addr+len) with a draw (chunks of 64 KiB). */
static void fill(pid_t tid, uint64_t addr, size_t len, bool user, uint32_t n, uint32_t flags)
{
	unsigned char buf[65536];

	if (len <= sizeof buf) {
		draw(user, n, flags, buf, len);
		sd_mem_write(tid, addr, buf, len);
		return;
	}
	for (size_t off = 0; off < len; off += sizeof buf) {   /* one draw per chunk */
		size_t m = len - off < sizeof buf ? len - off : sizeof buf;
		draw(user, n, flags, buf, m);
		sd_mem_write(tid, addr + off, buf, m);
	}
}

/* ---- the clock ---- */

/* Virtual now on clock clk, ns. */
static int64_t vnow(int64_t clk, bool user)
{
	return sd_vclock_now(clk, V.real0, V.elapsed, user ? 0 : V.runtime_reads);
}

void sd_virt_clock(int64_t *real0, int64_t *elapsed, int64_t *runtime_reads)
{
	*real0 = V.real0;
	*elapsed = V.elapsed;
	*runtime_reads = V.runtime_reads;
}

void sd_virt_set_runtime_reads(int64_t n)
{
	V.runtime_reads = n;
}

/* The clock moves after a read (clock_answer says what the read saw). */
static void advance(bool user)
{
	if (user) {
		V.elapsed += STEP_NS;
		V.runtime_reads = 0;
	} else {
		V.runtime_reads++;
	}
}

static int64_t real_now(int64_t clk)
{
	return (int64_t)(sd_vclock_is_real(clk) ? sd_now_real_ns() : sd_now_mono_ns());
}

/* The program waited d ns (a sleep or a timeout that expired). */
static void waited(int64_t d)
{
	if (d > 0) {
		V.elapsed += d;
		V.runtime_reads = 0;
	}
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC + ts->tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	if (ns < 0)
		ns = 0;
	return (struct timespec){ (time_t)(ns / NSEC), (long)(ns % NSEC) };
}

/* ---- absolute deadlines (entry: virtual to real; exit: back) ---- */

/* The timespec at addr holds an absolute virtual deadline on clock clk: make it real
 * for the kernel, keeping the program's value to put back at exit. */
static void deadline_to_real(struct sd_tracee *t, uint64_t addr, int64_t clk)
{
	struct timespec ts;

	if (!addr || mem_read(t->tid, addr, &ts, sizeof ts) < 0)
		return;
	int64_t left = ts_ns(&ts) - vnow(clk, true);
	struct timespec real = ns_ts(real_now(clk) + (left > 0 ? left : 0));
	if (sd_mem_write(t->tid, addr, &real, sizeof real) < 0)
		return;
	t->virt_addr = addr;
	memcpy(t->virt_saved, &ts, sizeof ts);
	t->virt_len = sizeof ts;
	t->virt_deadline = ts_ns(&ts);
	t->virt_clock = clk;
}

static void restore(struct sd_tracee *t)
{
	if (t->virt_len)
		sd_mem_write(t->tid, t->virt_addr, t->virt_saved, t->virt_len);
	t->virt_len = 0;
}

static bool futex_abs(uint64_t op, int64_t *clk)
{
	int cmd = (int)(op & FUTEX_CMD_MASK);

	*clk = op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2)
		*clk = CLOCK_REALTIME;
	return cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 ||
	       cmd == FUTEX_WAIT_REQUEUE_PI;
}

void sd_virt_entry(struct sd_tracee *t, int nr, const uint64_t a[6])
{
	int64_t clk;

	t->virt_len = 0;
	t->virt_rel = 0;
	t->answer_len = 0;
	if (!V.on)
		return;
	switch (nr) {
	case SYS_clock_nanosleep:
		if (a[1] & TIMER_ABSTIME)
			deadline_to_real(t, a[2], (int64_t)a[0]);
		else if (a[2])
			t->virt_rel = a[2];   /* read at exit: the program may reuse it */
		break;
	case SYS_futex:
		if (futex_abs(a[1], &clk))
			deadline_to_real(t, a[3], clk);
		break;
	case SYS_timerfd_settime:
		if (a[1] & 1 /* TFD_TIMER_ABSTIME */)
			deadline_to_real(t, a[2] + sizeof(struct timespec), CLOCK_MONOTONIC);
		break;
	case SYS_mq_timedsend:
	case SYS_mq_timedreceive:
		deadline_to_real(t, a[4], CLOCK_REALTIME);
		break;
	}
	if (nr == SYS_nanosleep)
		t->virt_rel = a[0];
	/* the timeouts the kernel counts down: their value at entry */
	struct timespec ts;
	struct timeval tv;
	t->virt_timeout = 0;
	if ((nr == SYS_ppoll || nr == SYS_pselect6) && a[nr == SYS_ppoll ? 2 : 4] &&
	    mem_read(t->tid, a[nr == SYS_ppoll ? 2 : 4], &ts, sizeof ts) == 0)
		t->virt_timeout = ts_ns(&ts);
	else if (nr == SYS_select && a[4] && mem_read(t->tid, a[4], &tv, sizeof tv) == 0)
		t->virt_timeout = (int64_t)tv.tv_sec * NSEC + tv.tv_usec * 1000;
}

/* ---- at exit ---- */

/* A clock answer of len bytes written at addr: kept for the decoder (env_read_mem). */
static void answered(struct sd_tracee *t, uint64_t addr, const void *b, size_t len)
{
	if (len > sizeof t->answer)
		return;
	memcpy(t->answer, b, len);
	t->answer_addr = addr;
	t->answer_len = (uint8_t)len;
}

/* What clock read nr (clock_gettime, gettimeofday or time) answers now, before the
 * clock moves: *len bytes (0: none) for the program's memory at *addr, and the return
 * value. */
static void clock_answer(int nr, const uint64_t a[6], bool user, unsigned char out[16],
			 size_t *len, uint64_t *addr, int64_t *rval)
{
	*rval = 0;
	if (nr == SYS_clock_gettime) {
		struct timespec ts = ns_ts(vnow((int64_t)a[0], user));
		memcpy(out, &ts, *len = sizeof ts);
		*addr = a[1];
	} else if (nr == SYS_gettimeofday) {
		int64_t ns = vnow(CLOCK_REALTIME, user);
		struct timeval tv = { (time_t)(ns / NSEC), (suseconds_t)(ns % NSEC / 1000) };
		memcpy(out, &tv, *len = sizeof tv);
		*addr = a[0];
	} else {
		time_t s = (time_t)(vnow(CLOCK_REALTIME, user) / NSEC);
		memcpy(out, &s, *len = a[0] ? sizeof s : 0);
		*addr = a[0];
		*rval = s;
	}
}

static void answer_clock(struct sd_tracee *t, int nr, const uint64_t a[6], int64_t *rval, bool user)
{
	unsigned char b[16];
	size_t len;
	uint64_t addr;
	int64_t r;

	if (!((nr == SYS_clock_gettime && *rval == 0 && a[1]) ||
	      (nr == SYS_gettimeofday && *rval == 0 && a[0]) ||
	      (nr == SYS_time && !sd_ret_is_error(*rval))))
		return;
	clock_answer(nr, a, user, b, &len, &addr, &r);
	advance(user);
	if (len && sd_mem_write(t->tid, addr, b, len) == 0)
		answered(t, addr, b, len);
	if (nr == SYS_time) {
		*rval = r;
		set_rax(t->tid, r);
	}
}

bool sd_virt_answer_entry(struct sd_tracee *t, int nr, const uint64_t a[6], bool user,
			  int64_t *rval)
{
	unsigned char b[16];
	size_t len;
	uint64_t addr;

	if (!V.on || !((nr == SYS_clock_gettime && a[1] && sd_vclock_sure(a[0])) ||
		       (nr == SYS_gettimeofday && a[0] && !a[1]) || nr == SYS_time))
		return false;
	clock_answer(nr, a, user, b, &len, &addr, rval);
	if (len && sd_mem_write_user(t->tid, addr, b, len) < 0)
		return false;
	if (len)
		answered(t, addr, b, len);
	advance(user);
	return true;
}

/* A wait that ended: the virtual time it took. */
static void account_wait(struct sd_tracee *t, int nr, const uint64_t a[6], int64_t rval)
{
	struct timespec ts;

	if (t->virt_len) {   /* an absolute deadline: reached when it timed out */
		if (rval == 0 || rval == -ETIMEDOUT)
			waited(t->virt_deadline - vnow(t->virt_clock, true));
		restore(t);
		return;
	}
	if ((nr == SYS_nanosleep || nr == SYS_clock_nanosleep) && rval == 0 && t->virt_rel &&
	    mem_read(t->tid, t->virt_rel, &ts, sizeof ts) == 0)
		waited(ts_ns(&ts));
	if (rval != 0)
		return;   /* something happened before the timeout: no virtual time passed */
	if (nr == SYS_poll || nr == SYS_epoll_wait || nr == SYS_epoll_pwait)
		waited((int64_t)(int)a[nr == SYS_poll ? 2 : 3] * 1000000);
	else if (nr == SYS_select || nr == SYS_ppoll || nr == SYS_pselect6)
		waited(t->virt_timeout);
}

/* stat results: times the kernel stamped during the run read as the virtual now.  The
 * n times lie 16 bytes apart from offs[0] (seconds, then nanoseconds: a long in struct
 * stat, a u32 and padding in struct statx): read in one piece, written back in one
 * piece only when one changed (a stat of a file older than the run costs one read). */
static void answer_stat(struct sd_tracee *t, uint64_t addr, const size_t *offs, size_t n,
			bool statx, bool user)
{
	unsigned char b[4 * 16];
	size_t len = (offs[n - 1] - offs[0]) + 16;
	bool changed = false;
	struct timespec now = ns_ts(vnow(CLOCK_REALTIME, user));
	int64_t s = now.tv_sec, l = now.tv_nsec;
	uint32_t ns = (uint32_t)now.tv_nsec;

	if (len > sizeof b || mem_read(t->tid, addr + offs[0], b, len) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = b + (offs[i] - offs[0]);
		int64_t sec;
		uint32_t nsec;
		memcpy(&sec, p, sizeof sec);
		memcpy(&nsec, p + 8, sizeof nsec);
		if (sec * NSEC + nsec < V.started_real - NSEC)
			continue;   /* older than the run: the world both runs started from */
		memcpy(p, &s, sizeof s);
		if (statx)
			memcpy(p + 8, &ns, sizeof ns);
		else
			memcpy(p + 8, &l, sizeof l);
		changed = true;
	}
	if (changed)
		sd_mem_write(t->tid, addr + offs[0], b, len);
}

bool sd_virt_entropy_dev(const char *path)
{
	return path && (!strcmp(path, "/dev/urandom") || !strcmp(path, "/dev/random"));
}

static bool is_random_dev(const struct sd_tracee *t)
{
	const struct sd_arg *fd = &t->ev.args[0];
	return t->ev.nargs > 0 && fd->type == SD_ARG_FD && sd_virt_entropy_dev(fd->ref);
}

bool sd_virt_answers_stat(int nr)
{
	return nr == SYS_stat || nr == SYS_lstat || nr == SYS_fstat || nr == SYS_newfstatat ||
	       nr == SYS_statx;
}

int64_t sd_virt_exit(struct sd_tracee *t, int nr, const uint64_t a[6], int64_t rval, bool user)
{
	static const size_t stat_offs[] = { 72, 88, 104 };        /* st_atim, st_mtim, st_ctim */
	static const size_t statx_offs[] = { 64, 80, 96, 112 };  /* atime, btime, ctime, mtime */

	if (!V.on)
		return rval;
	switch (nr) {
	case SYS_clock_gettime:
	case SYS_gettimeofday:
	case SYS_time:
		answer_clock(t, nr, a, &rval, user);
		break;
	case SYS_getrandom:
		if (rval > 0)
			fill(t->tid, a[0], (size_t)rval, user, (uint32_t)a[1], (uint32_t)a[2]);
		break;
	case SYS_read:
	case SYS_pread64:
		if (rval > 0 && is_random_dev(t))
			fill(t->tid, a[1], (size_t)rval, user, (uint32_t)a[2], 0);
		break;
	default:
		if (!sd_virt_answers_stat(nr))
			account_wait(t, nr, a, rval);
		else if (rval == 0 && nr == SYS_statx)
			answer_stat(t, a[4], statx_offs, 4, true, user);
		else if (rval == 0)
			answer_stat(t, a[nr == SYS_newfstatat ? 2 : 1], stat_offs, 3, false, user);
		break;
	}
	t->virt_len = 0;
	return rval;
}

/* ---- exec: the auxiliary vector ---- */

/* The words at the top of a new image's stack, read in one piece (argc, argv[], envp[]
 * and the auxv usually fit); a word past them is read alone. */
struct stack_top {
	uint64_t base;
	size_t len;
	uint64_t w[1024];
};

static int top_read(pid_t tid, const struct stack_top *st, uint64_t addr, void *dst, size_t len)
{
	if (addr >= st->base && addr - st->base + len <= st->len) {
		memcpy(dst, (const char *)st->w + (addr - st->base), len);
		return 0;
	}
	return mem_read(tid, addr, dst, len);
}

void sd_virt_exec(pid_t tid, uint64_t *vdso, uint64_t *vdso_slot)
{
	struct user_regs_struct regs;
	static struct stack_top st;
	uint64_t sp, w, argc;

	*vdso = *vdso_slot = 0;
	if (!V.on || ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return;
	sp = regs.rsp;
	ssize_t n = sd_mem_read(tid, sp, st.w, sizeof st.w);
	st.base = sp;
	st.len = n > 0 ? (size_t)n : 0;
	if (top_read(tid, &st, sp, &argc, sizeof argc) < 0 || argc > 1u << 20)
		return;
	sp += (argc + 2) * 8;   /* argc, argv[], NULL */
	for (int i = 0; i < 1 << 16; i++, sp += 8)   /* envp[], NULL */
		if (top_read(tid, &st, sp, &w, sizeof w) < 0 || !w)
			break;
	sp += 8;
	for (int i = 0; i < 64; i++, sp += 16) {   /* auxv pairs to AT_NULL */
		uint64_t av[2];
		if (top_read(tid, &st, sp, av, sizeof av) < 0 || av[0] == AT_NULL)
			break;
		if (av[0] == AT_SYSINFO_EHDR) {
			uint64_t ignore = AT_IGNORE;
			if (sd_mem_write(tid, sp, &ignore, sizeof ignore) == 0) {
				*vdso = av[1];
				*vdso_slot = sp;
			}
		} else if (av[0] == AT_RANDOM && av[1]) {
			fill(tid, av[1], 16, false, 16, 0x7fffffffu /* the auxv's own stream */);
		}
	}
}
