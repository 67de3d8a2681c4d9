/* vdso.c - the clock stub: a vDSO of sysdiff's own that validate maps into a CPython
 * run for its start-up, so the ~230 clock reads CPython makes before it runs the
 * script are answered in the process, as the tracer would answer them (vclock.h),
 * without a stop each (src/tracer/clockstub.c says when).  Not part of libsysdiff: the
 * Makefile links it alone as a shared object with no relocations (the loader does not
 * relocate a vDSO) and embeds its bytes.  While the tracer has it off, or for what it
 * does not answer, each function makes the system call, as glibc does with no vDSO. */
#include "tracer/vclock.h"

#define HIDDEN __attribute__((visibility("hidden")))
#define EXPORT __attribute__((visibility("default")))   /* what the loader looks up */

HIDDEN volatile struct sd_stub_data sd_stub_data = { .magic = SD_STUB_MAGIC };

struct ts_ { long sec, nsec; };
struct tv_ { long sec, usec; };

static long sys2(long nr, long a, long b)
{
	long r;
	__asm__ volatile ("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

/* Now on clk for a read of the runtime's, and the clock moves for the next one. */
static int64_t runtime_read(int64_t clk)
{
	volatile struct sd_stub_data *d = &sd_stub_data;
	int64_t ns = sd_vclock_now(clk, d->real0, d->elapsed, d->reads);

	d->reads++;
	return ns;
}

EXPORT int __vdso_clock_gettime(long clk, struct ts_ *ts)
{
	if (!sd_stub_data.on || !ts || !sd_vclock_sure((uint64_t)clk))
		return (int)sys2(228 /* clock_gettime */, clk, (long)ts);
	int64_t ns = runtime_read(clk);
	if (ns < 0)
		ns = 0;
	ts->sec = (long)(ns / SD_VCLOCK_NSEC);
	ts->nsec = (long)(ns % SD_VCLOCK_NSEC);
	sd_stub_data.n_clock_gettime++;
	return 0;
}

EXPORT int __vdso_gettimeofday(struct tv_ *tv, void *tz)
{
	if (!sd_stub_data.on || !tv || tz)
		return (int)sys2(96 /* gettimeofday */, (long)tv, (long)tz);
	int64_t ns = runtime_read(SD_CLK_REALTIME);
	tv->sec = (long)(ns / SD_VCLOCK_NSEC);
	tv->usec = (long)(ns % SD_VCLOCK_NSEC / 1000);
	sd_stub_data.n_gettimeofday++;
	return 0;
}

EXPORT long __vdso_time(long *t)
{
	if (!sd_stub_data.on || t)   /* a pointer: the call, which may fail with EFAULT */
		return sys2(201 /* time */, (long)t, 0);
	sd_stub_data.n_time++;
	return (long)(runtime_read(SD_CLK_REALTIME) / SD_VCLOCK_NSEC);
}
