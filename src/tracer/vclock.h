/* vclock.h - the pinned clock's arithmetic, said once for the tracer (virt.c) and for
 * the clock stub it maps into CPython's start-up (stub/vdso.c, clockstub.h), which must
 * answer exactly as the tracer would.  Header-only: the stub links nothing.
 *
 * The clock starts at real0 (CLOCK_REALTIME) and MONO_BASE (the monotonic clocks);
 * elapsed is the virtual time the user's code has seen pass; each read the runtime
 * makes (no user frame) sees one step more than the last, without moving elapsed. */
#ifndef SD_VCLOCK_H
#define SD_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define SD_VCLOCK_STEP_NS 1000                         /* a read moves the clock by 1 µs */
#define SD_VCLOCK_MONO_BASE_NS (1000ll * 1000000000)   /* CLOCK_MONOTONIC starts at 1000 s */
#define SD_VCLOCK_NSEC 1000000000ll

/* Clock ids (linux/time.h), without the headers the stub cannot take. */
enum {
	SD_CLK_REALTIME = 0, SD_CLK_MONOTONIC = 1, SD_CLK_MONOTONIC_RAW = 4,
	SD_CLK_REALTIME_COARSE = 5, SD_CLK_MONOTONIC_COARSE = 6, SD_CLK_BOOTTIME = 7,
	SD_CLK_REALTIME_ALARM = 8, SD_CLK_BOOTTIME_ALARM = 9, SD_CLK_TAI = 11,
};

static inline bool sd_vclock_is_mono(int64_t clk)
{
	return clk == SD_CLK_MONOTONIC || clk == SD_CLK_MONOTONIC_RAW ||
	       clk == SD_CLK_MONOTONIC_COARSE || clk == SD_CLK_BOOTTIME || clk == SD_CLK_BOOTTIME_ALARM;
}

static inline bool sd_vclock_is_real(int64_t clk)
{
	return clk == SD_CLK_REALTIME || clk == SD_CLK_REALTIME_COARSE || clk == SD_CLK_TAI ||
	       clk == SD_CLK_REALTIME_ALARM;
}

/* Clocks every kernel reads (the alarm clocks need an RTC; dynamic ids are fds): a read
 * of them with memory to write surely succeeds, so it can be answered without the call. */
static inline bool sd_vclock_sure(uint64_t clk)
{
	return clk <= SD_CLK_BOOTTIME || clk == SD_CLK_TAI;
}

/* Virtual now on clock clk, ns: elapsed plus, for a runtime read, its reads so far. */
static inline int64_t sd_vclock_now(int64_t clk, int64_t real0, int64_t elapsed, int64_t reads)
{
	int64_t e = elapsed + reads * SD_VCLOCK_STEP_NS;

	return sd_vclock_is_real(clk) ? real0 + e : sd_vclock_is_mono(clk) ? SD_VCLOCK_MONO_BASE_NS + e
									  : e;   /* CPU clocks */
}

/* The state the stub shares with the tracer, at sd_vdso_data_off in its image. */
#define SD_STUB_MAGIC 0x6275747366696473ull   /* "sdifstub" */
struct sd_stub_data {
	uint64_t magic;
	uint64_t on;              /* 1: answer the clock reads; 0: make the calls */
	int64_t real0, elapsed;   /* the clock, as the tracer has it */
	int64_t reads;            /* the runtime's reads so far (the tracer's count at "on") */
	uint64_t n_clock_gettime, n_gettimeofday, n_time;   /* reads answered, by call */
};

#endif
