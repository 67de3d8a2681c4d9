/* dec_misc.c - time values, limits, poll and epoll arrays, uname/sysinfo, and
 * the hooks of futex, prctl and arch_prctl. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <asm/prctl.h>
#include "decode/decode_int.h"

static void add_ts(struct sb *sb, const int64_t ts[2])
{
	sb_addf(sb, "{tv_sec=%lld, tv_nsec=%lld}", (long long)ts[0], (long long)ts[1]);
}

char *s_timespec(struct dctx *c, int i)
{
	int64_t ts[2];
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), ts, sizeof ts))
		return NULL;
	add_ts(&sb, ts);
	return sb_detach(&sb);
}

/* utimensat's times[2], with UTIME_NOW / UTIME_OMIT */
char *s_timespec2(struct dctx *c, int i)
{
	int64_t ts[2][2];
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), ts, sizeof ts))
		return NULL;
	sb_addc(&sb, '[');
	for (int k = 0; k < 2; k++) {
		if (k)
			sb_adds(&sb, ", ");
		if (ts[k][1] == (1 << 30) - 1 || ts[k][1] == (1 << 30) - 2)
			sb_addf(&sb, "{tv_sec=%lld, tv_nsec=%s}", (long long)ts[k][0],
				ts[k][1] == (1 << 30) - 1 ? "UTIME_NOW" : "UTIME_OMIT");
		else
			add_ts(&sb, ts[k]);
	}
	sb_addc(&sb, ']');
	return sb_detach(&sb);
}

char *s_timeval(struct dctx *c, int i)
{
	int64_t tv[2];

	if (!mem_get(c, ARG(c, i), tv, sizeof tv))
		return NULL;
	return xasprintf("{tv_sec=%lld, tv_usec=%lld}", (long long)tv[0], (long long)tv[1]);
}

char *s_timezone(struct dctx *c, int i)
{
	int tz[2];

	if (!mem_get(c, ARG(c, i), tz, sizeof tz))
		return NULL;
	return xasprintf("{tz_minuteswest=%d, tz_dsttime=%d}", tz[0], tz[1]);
}

char *s_time(struct dctx *c, int i)
{
	int64_t t;

	return mem_get(c, ARG(c, i), &t, sizeof t) ? xasprintf("[%lld]", (long long)t) : NULL;
}

char *s_itimerspec(struct dctx *c, int i)
{
	int64_t it[4];
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), it, sizeof it))
		return NULL;
	sb_adds(&sb, "{it_interval=");
	add_ts(&sb, it);
	sb_adds(&sb, ", it_value=");
	add_ts(&sb, it + 2);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

static void add_rlim(struct sb *sb, uint64_t v)
{
	if (v == UINT64_MAX)
		sb_adds(sb, "RLIM64_INFINITY");
	else if (v && v % 1024 == 0)
		sb_addf(sb, "%llu*1024", (unsigned long long)(v / 1024));
	else
		sb_addf(sb, "%llu", (unsigned long long)v);
}

char *s_rlimit(struct dctx *c, int i)
{
	uint64_t r[2];
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), r, sizeof r))
		return NULL;
	sb_adds(&sb, "{rlim_cur=");
	add_rlim(&sb, r[0]);
	sb_adds(&sb, ", rlim_max=");
	add_rlim(&sb, r[1]);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

char *s_utsname(struct dctx *c, int i)
{
	char u[2][65];
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), u, sizeof u))
		return NULL;
	sb_adds(&sb, "{sysname=");
	sb_add_quoted(&sb, u[0], strnlen(u[0], sizeof u[0]));
	sb_adds(&sb, ", nodename=");
	sb_add_quoted(&sb, u[1], strnlen(u[1], sizeof u[1]));
	sb_adds(&sb, ", ...}");
	return sb_detach(&sb);
}

char *s_sysinfo(struct dctx *c, int i)
{
	int64_t uptime;

	if (!mem_get(c, ARG(c, i), &uptime, sizeof uptime))
		return NULL;
	return xasprintf("{uptime=%lld, ...}", (long long)uptime);
}

char *s_rusage(struct dctx *c, int i)
{
	int64_t tv[4];

	if (!mem_get(c, ARG(c, i), tv, sizeof tv))
		return NULL;
	return xasprintf("{ru_utime={tv_sec=%lld, tv_usec=%lld}, ru_stime={tv_sec=%lld, "
			 "tv_usec=%lld}, ...}", (long long)tv[0], (long long)tv[1],
			 (long long)tv[2], (long long)tv[3]);
}

char *s_statfs(struct dctx *c, int i)
{
	int64_t f[9];   /* f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree.. */

	if (!mem_get(c, ARG(c, i), f, sizeof f))
		return NULL;
	return xasprintf("{f_type=%#llx, f_bsize=%lld, f_blocks=%lld, f_bfree=%lld, "
			 "f_bavail=%lld, f_files=%lld, f_ffree=%lld, ...}",
			 (unsigned long long)f[0], (long long)f[1], (long long)f[2],
			 (long long)f[3], (long long)f[4], (long long)f[5], (long long)f[6]);
}

/* ---- poll and epoll ----------------------------------------------------- */

struct k_pollfd {
	int32_t fd;
	int16_t events, revents;
};

/* "[{fd=3, events=POLLIN}, ...]", or with revents only (at exit, non-zero ones) */
static char *fmt_pollfds(struct dctx *c, uint64_t addr, uint64_t nfds, bool revents)
{
	struct k_pollfd p[DEC_ARRAY_MAX];
	size_t n = nfds > DEC_ARRAY_MAX ? DEC_ARRAY_MAX : (size_t)nfds;
	struct sb sb = SB_INIT;
	bool first = true;

	if (n && !mem_get(c, addr, p, n * sizeof *p))
		return NULL;
	sb_addc(&sb, '[');
	for (size_t k = 0; k < n; k++) {
		if (revents && !p[k].revents)
			continue;
		sb_addf(&sb, "%s{fd=%d, %s=", first ? "" : ", ", p[k].fd,
			revents ? "revents" : "events");
		xlat_add(&sb, &xt_poll, (uint16_t)(revents ? p[k].revents : p[k].events));
		sb_addc(&sb, '}');
		first = false;
	}
	if (nfds > n)
		sb_adds(&sb, first ? "..." : ", ...");
	sb_addc(&sb, ']');
	return sb_detach(&sb);
}

char *s_pollfds(struct dctx *c, int i)
{
	return fmt_pollfds(c, ARG(c, i), (uint32_t)arg_or0(c, spec_p(c, i)), false);
}

/* poll/ppoll: the revents go to ret_text, as strace's "= 1 ([{fd=3, revents=POLLIN}])" */
void h_poll_exit(struct dctx *c)
{
	if (!ok_ret(c) || c->ret <= 0 || !ARG(c, 0))
		return;
	c->ev->ret_text = fmt_pollfds(c, ARG(c, 0), (uint32_t)ARG(c, 1), true);
}

struct __attribute__((packed)) k_epoll_event {
	uint32_t events;
	uint64_t data;
};

static void add_epoll_event(struct sb *sb, const struct k_epoll_event *e)
{
	sb_adds(sb, "{events=");
	xlat_add(sb, &xt_epoll_ev, e->events);
	sb_addf(sb, ", data={u32=%u, u64=%llu}}", (uint32_t)e->data,
		(unsigned long long)e->data);
}

char *s_epoll_event(struct dctx *c, int i)
{
	struct k_epoll_event e;
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), &e, sizeof e))
		return NULL;
	add_epoll_event(&sb, &e);
	return sb_detach(&sb);
}

/* epoll_wait's out array: ret entries */
char *s_epoll_events(struct dctx *c, int i)
{
	struct k_epoll_event e[DEC_ARRAY_MAX];
	uint64_t cnt = c->ret > 0 ? (uint64_t)c->ret : 0;
	size_t n = cnt > DEC_ARRAY_MAX ? DEC_ARRAY_MAX : (size_t)cnt;
	struct sb sb = SB_INIT;

	if (n && !mem_get(c, ARG(c, i), e, n * sizeof *e))
		return NULL;
	sb_addc(&sb, '[');
	for (size_t k = 0; k < n; k++) {
		if (k)
			sb_adds(&sb, ", ");
		add_epoll_event(&sb, &e[k]);
	}
	if (cnt > n)
		sb_adds(&sb, ", ...");
	sb_addc(&sb, ']');
	return sb_detach(&sb);
}

/* ---- futex, prctl, arch_prctl -------------------------------------------- */

void h_futex_entry(struct dctx *c)
{
	uint32_t op = (uint32_t)ARG(c, 1), cmd = op & FUTEX_CMD_MASK;
	struct sd_arg *a = &c->ev->args[1];
	struct sb sb = SB_INIT;

	a->type = SD_ARG_FLAGS;
	a->raw = op;
	xlat_add(&sb, &xt_futex_op, cmd);
	if (op & FUTEX_PRIVATE_FLAG)
		sb_adds(&sb, "_PRIVATE");
	if (op & FUTEX_CLOCK_REALTIME)
		sb_adds(&sb, "|FUTEX_CLOCK_REALTIME");
	arg_set_text(a, sb_detach(&sb));
	if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	    cmd == FUTEX_WAIT_REQUEUE_PI || cmd == 13 /* FUTEX_LOCK_PI2 */)
		arg_set_struct(c, 3, s_timespec, false);
	if (cmd == FUTEX_WAIT)
		c->ev->nargs = 4;
	else if (cmd == FUTEX_WAKE)
		c->ev->nargs = 3;
}

void h_prctl_entry(struct dctx *c)
{
	int op = IARG(c, 0);

	if (op == PR_SET_NAME) {
		struct sd_arg *a = &c->ev->args[1];
		bool trunc;
		a->type = SD_ARG_PATH;
		a->str = a->raw ? mem_str(c, ARG(c, 1), 16, &trunc) : NULL;
		c->ev->nargs = 2;
	} else if (op == PR_SET_PDEATHSIG) {
		struct sb sb = SB_INIT;
		c->ev->args[1].type = SD_ARG_SIGNAL;
		fmt_signal(&sb, IARG(c, 1));
		arg_set_text(&c->ev->args[1], sb_detach(&sb));
		c->ev->nargs = 2;
	}
}

static char *s_ulong(struct dctx *c, int i)
{
	uint64_t v;

	return mem_get(c, ARG(c, i), &v, sizeof v) ? xasprintf("[%#llx]", (unsigned long long)v)
						    : NULL;
}

/* ARCH_GET_FS/GS store the base at the address in the second argument. */
static bool arch_get(int code)
{
	return code == ARCH_GET_FS || code == ARCH_GET_GS;
}

void h_arch_prctl_entry(struct dctx *c)
{
	if (arch_get(IARG(c, 0)))
		arg_set_struct(c, 1, s_ulong, true);
}

void h_arch_prctl_exit(struct dctx *c)
{
	if (arch_get(IARG(c, 0)) && ok_ret(c))
		arg_fill_struct(c, 1, s_ulong);
}
