/* schema_query.c - what importers of other tools' logs (strace) need from the decode
 * schema: how the live decoder types each argument of a syscall (sd_decode_shape), and
 * the numeric value of the symbolic constants it and strace print (sd_decode_const). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "arch/syscalls.h"
#include "decode/decode_int.h"

extern const struct drow dec_rows[];
extern const size_t dec_nrows;

static const struct drow *rows_by_nr[SD_NR_MAX];
static pthread_once_t rows_once = PTHREAD_ONCE_INIT;

static void rows_init(void)
{
	for (size_t i = 0; i < dec_nrows; i++) {
		int nr = sd_syscall_nr(dec_rows[i].name);
		if (nr >= 0 && nr < SD_NR_MAX)
			rows_by_nr[nr] = &dec_rows[i];
	}
}

static const struct drow *row_of(int nr)
{
	pthread_once(&rows_once, rows_init);
	return nr >= 0 && nr < SD_NR_MAX ? rows_by_nr[nr] : NULL;
}

/* ---- shapes --------------------------------------------------------------- */

static void shape_from_spec(struct sd_arg_shape *s, const struct dspec *d)
{
	s->dirfd = s->atflags = s->count = -1;
	switch (d->kind) {
	case DK_PATH:
		s->resolve = true;
		break;
	case DK_ATPATH:
		s->resolve = true;
		s->dirfd = d->p;
		s->atflags = d->q;
		break;
	case DK_INBUF:
		s->count = d->p;
		s->upto_ret = d->q != 0;
		break;
	case DK_INIOV:
		s->count = d->p;
		s->iov = true;
		s->upto_ret = d->q != 0;
		break;
	case DK_OUTIOV:
		s->count = d->p;
		s->iov = true;
		break;
	default:
		break;
	}
	if (s->dirfd >= SD_MAX_ARGS || s->dirfd < -1)
		s->dirfd = -1;
	if (s->atflags >= SD_MAX_ARGS || s->atflags < -1)
		s->atflags = -1;
	if (s->count >= SD_MAX_ARGS || s->count < -1)
		s->count = -1;
}

int sd_decode_shape(const char *name, const int64_t raw[SD_MAX_ARGS], bool finished,
		    int64_t ret, struct sd_call_shape *out)
{
	/* The decoder itself, against a tracee whose memory and fds cannot be read: the
	 * types, counts and hooks are exactly the live tracer's. */
	static const struct sd_decode_env env;
	static const struct sd_decode_opts opts = { .max_bytes = 0, .max_strv = 0 };
	uint64_t regs[6];
	struct sd_event ev;
	int nr = sd_syscall_nr(name);

	memset(out, 0, sizeof *out);
	out->nr = nr;
	if (nr < 0)
		return -1;
	const struct drow *row = row_of(nr);
	for (int i = 0; i < 6; i++)
		regs[i] = raw ? (uint64_t)raw[i] : 0;
	sd_event_init(&ev);
	sd_decode_entry(&env, &opts, &ev, nr, regs);
	if (finished)   /* an unfinished call keeps SD_RET_DEC, as the tracer emits it */
		sd_decode_exit(&env, &opts, &ev, ret);
	out->nargs = ev.nargs;
	out->schema = row != NULL;
	out->ret = ev.ret_fmt;
	for (int i = 0; i < ev.nargs && i < SD_MAX_ARGS; i++) {
		struct sd_arg_shape *s = &out->a[i];
		static const struct dspec none = { .kind = DK_NONE };
		shape_from_spec(s, row ? &row->a[i] : &none);
		s->type = ev.args[i].type;
		s->at_exit = ev.args[i].at_exit;
		if (s->type != SD_ARG_PATH)
			s->resolve = false;
		if (row && (row->entry == h_msg_entry) && i == 1 && s->type == SD_ARG_BUF) {
			s->msghdr = true;
			s->upto_ret = !strcmp(name, "sendmsg");
		}
	}
	sd_event_clear(&ev);
	return out->nargs;
}

/* ---- constants ---------------------------------------------------------- */

/* Tables every name may come from, and constants no decoder table holds. */
static const struct xtab *const all_tabs[] = {
	&xt_at_flags, &xt_access_mode, &xt_seek, &xt_rename, &xt_fcntl_cmd, &xt_fd_flags,
	&xt_ioctl, &xt_statx_mask, &xt_prot, &xt_map, &xt_madv, &xt_mremap, &xt_msync,
	&xt_clone, &xt_wait_opts, &xt_sig_how, &xt_sa_flags, &xt_clock, &xt_timer_flags,
	&xt_grnd, &xt_poll, &xt_epoll_ctl, &xt_epoll_ev, &xt_efd, &xt_af, &xt_sock_type,
	&xt_sock_flags, &xt_msg, &xt_shut, &xt_sol, &xt_so, &xt_tcp, &xt_ipproto,
	&xt_arch_prctl, &xt_futex_op, &xt_rlimit, &xt_close_range, &xt_resolve, &xt_ss_flags,
	&xt_mfd, &xt_prctl, &xt_idtype, &xt_splice, &xt_rwf, &xt_at_flags_stat, &xt_flock,
	&xt_tfd, &xt_fallocate, &xt_inotify_init, &xt_sig_num, &xt_statx_attr, &xt_umount,
	&xt_mount, &xt_epoll_create, &xt_sfd, &xt_fadv, &xt_oflag,
};

static const struct xlat extra_e[] = {
	XE(O_RDONLY), XE(O_WRONLY), XE(O_RDWR), XE(O_ACCMODE),
	{ (uint64_t)(int64_t)AT_FDCWD, "AT_FDCWD" },
	XE(S_IFREG), XE(S_IFDIR), XE(S_IFLNK), XE(S_IFCHR), XE(S_IFBLK), XE(S_IFIFO),
	XE(S_IFSOCK), XE(S_ISUID), XE(S_ISGID), XE(S_ISVTX),
	XE(FUTEX_PRIVATE_FLAG), XE(FUTEX_CLOCK_REALTIME), { 0xffffffffu, "FUTEX_BITSET_MATCH_ANY" },
	XE(F_RDLCK), XE(F_WRLCK), XE(F_UNLCK), XE(FD_CLOEXEC),
	{ 0, "F_OK" }, { 0, "PROT_NONE" }, { 0, "AT_STATX_SYNC_AS_STAT" }, { 0, "SIG_DFL" }, { 1, "SIG_IGN" },
};

struct cname {
	const char *name;
	uint64_t val;
};

static struct cname *cnames;
static size_t ncnames;
static pthread_once_t cnames_once = PTHREAD_ONCE_INIT;

static int cname_cmp(const void *a, const void *b)
{
	const struct cname *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* equal names: keep table order (the first table wins) */
	return c ? c : x < y ? -1 : x > y;
}

static void cnames_add(size_t *cap, const char *name, uint64_t val)
{
	if (ncnames == *cap) {
		*cap = *cap ? 2 * *cap : 512;
		cnames = xrealloc(cnames, *cap * sizeof *cnames);
	}
	cnames[ncnames].name = name;
	cnames[ncnames++].val = val;
}

static void cnames_init(void)
{
	size_t cap = 0;

	for (size_t t = 0; t < sizeof all_tabs / sizeof *all_tabs; t++)
		for (unsigned i = 0; i < all_tabs[t]->n; i++)
			cnames_add(&cap, all_tabs[t]->e[i].name, all_tabs[t]->e[i].val);
	for (size_t i = 0; i < sizeof extra_e / sizeof *extra_e; i++)
		cnames_add(&cap, extra_e[i].name, extra_e[i].val);
	qsort(cnames, ncnames, sizeof *cnames, cname_cmp);
}

static bool global_name(const char *name, uint64_t *val)
{
	size_t lo = 0, hi;

	pthread_once(&cnames_once, cnames_init);
	hi = ncnames;
	while (lo < hi) {           /* the first entry not below name */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(cnames[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ncnames && !strcmp(cnames[lo].name, name)) {
		*val = cnames[lo].val;
		return true;
	}
	return false;
}

static bool table_name(const struct xtab *t, const char *name, uint64_t *val)
{
	if (!t)
		return false;
	if (t->zero && !strcmp(t->zero, name)) {
		*val = 0;
		return true;
	}
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name)) {
			*val = t->e[i].val;
			return true;
		}
	return false;
}

/* "SIGTERM", "SIGRTMIN", "SIGRT_3" (strace counts real-time signals from 32). */
static bool signal_name(const char *name, uint64_t *val)
{
	int s;

	if (strncmp(name, "SIG", 3))
		return false;
	if (!strcmp(name, "SIGRTMIN")) {
		*val = 32;
		return true;
	}
	if (!strncmp(name, "SIGRT_", 6) && isdigit((unsigned char)name[6])) {
		char *end;
		unsigned long n = strtoul(name + 6, &end, 10);
		if (*end || n > 32)
			return false;
		*val = 32 + n;
		return true;
	}
	s = sd_signo_from_name(name);
	if (s <= 0)
		return false;
	*val = (uint64_t)s;
	return true;
}

/* A number as C writes it: 0x1f, 0644, 12, -1. */
static bool parse_num(const char *s, uint64_t *val)
{
	char *end;
	bool neg = *s == '-';
	const char *p = neg ? s + 1 : s;

	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 0);
	if (*end || errno)
		return false;
	*val = neg ? (uint64_t)0 - v : v;
	return true;
}

/* The table of argument i of a syscall, where the decoder uses one. */
static const struct xtab *arg_table(const char *name, const struct drow *row, int i,
				    const struct xtab **second)
{
	*second = NULL;
	if (!strcmp(name, "clone") && i == 0)
		return &xt_clone;
	if ((!strcmp(name, "socket") || !strcmp(name, "socketpair")) && i == 1) {
		*second = &xt_sock_flags;
		return &xt_sock_type;
	}
	if (!row || i < 0 || i >= SD_MAX_ARGS)
		return NULL;
	switch (row->a[i].kind) {
	case DK_FLAGS:
	case DK_FLAGS64:
		return row->a[i].x;
	case DK_OFLAGS:
		return &xt_oflag;
	default:
		return NULL;
	}
}

static bool one_part(const char *name, const char *part, const struct xtab *t,
		     const struct xtab *t2, uint64_t *val)
{
	size_t n = strlen(part);

	if (parse_num(part, val) || table_name(t, part, val) || table_name(t2, part, val))
		return true;
	if (!strcmp(name, "futex") && n > 8 && !strcmp(part + n - 8, "_PRIVATE")) {
		char base[64];
		if (n - 8 >= sizeof base)
			return false;
		memcpy(base, part, n - 8);
		base[n - 8] = '\0';
		if (!table_name(&xt_futex_op, base, val))
			return false;
		*val |= FUTEX_PRIVATE_FLAG;
		return true;
	}
	return global_name(part, val) || signal_name(part, val);
}

bool sd_decode_const(const char *name, int i, const char *text, uint64_t *val)
{
	const struct xtab *t, *t2;
	const struct drow *row = row_of(sd_syscall_nr(name));
	uint64_t v = 0;
	char part[128];

	if (!text || !*text)
		return false;
	t = arg_table(name, row, i, &t2);
	for (const char *p = text;;) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		uint64_t x;
		while (n && *p == ' ')
			p++, n--;
		while (n && p[n - 1] == ' ')
			n--;
		if (!n || n >= sizeof part)
			return false;
		memcpy(part, p, n);
		part[n] = '\0';
		if (!one_part(name, part, t, t2, &x))
			return false;
		v |= x;
		if (!e)
			break;
		p = e + 1;
	}
	*val = v;
	return true;
}
