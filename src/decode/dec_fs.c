/* dec_fs.c - structures and hooks of file syscalls: stat, statx, open_how,
 * fd pairs, offsets, fcntl and ioctl, and the fd/cwd bookkeeping calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/close_range.h>
#include <linux/fs.h>
#include "decode/decode_int.h"

struct k_stat {                     /* x86_64 struct stat */
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	uint64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};

static void add_dev(struct sb *sb, const char *name, uint64_t dev)
{
	unsigned maj = (unsigned)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
	unsigned min = (unsigned)(((dev >> 12) & 0xffffff00) | (dev & 0xff));

	sb_addf(sb, "%s=makedev(%#x, %#x)", name, maj, min);
}

/* strace's abbreviated form: "{st_mode=S_IFREG|0644, st_size=3040, ...}" */
char *s_stat(struct dctx *c, int i)
{
	struct k_stat st;
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), &st, sizeof st))
		return NULL;
	sb_adds(&sb, "{st_mode=");
	fmt_mode(&sb, st.mode, true);
	if (S_ISCHR(st.mode) || S_ISBLK(st.mode))
		add_dev(&sb, ", st_rdev", st.rdev);
	else
		sb_addf(&sb, ", st_size=%lld", (long long)st.size);
	sb_adds(&sb, ", ...}");
	return sb_detach(&sb);
}

char *s_statx(struct dctx *c, int i)
{
	struct statx st;
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), &st, sizeof st))
		return NULL;
	sb_adds(&sb, "{stx_mask=");
	xlat_add(&sb, &xt_statx_mask, st.stx_mask);
	sb_adds(&sb, ", stx_attributes=");
	xlat_add(&sb, &xt_statx_attr, st.stx_attributes);
	sb_adds(&sb, ", stx_mode=");
	fmt_mode(&sb, st.stx_mode, true);
	if (S_ISCHR(st.stx_mode) || S_ISBLK(st.stx_mode))
		sb_addf(&sb, ", stx_rdev_major=%u, stx_rdev_minor=%u",
			st.stx_rdev_major, st.stx_rdev_minor);
	else
		sb_addf(&sb, ", stx_size=%llu", (unsigned long long)st.stx_size);
	sb_adds(&sb, ", ...}");
	return sb_detach(&sb);
}

/* openat2's struct open_how, size in the next argument */
char *s_open_how(struct dctx *c, int i)
{
	uint64_t how[3] = { 0 };
	uint64_t size = arg_or0(c, spec_p(c, i));
	struct sb sb = SB_INIT;

	if (size < sizeof how || !mem_get(c, ARG(c, i), how, sizeof how))
		return NULL;
	sb_adds(&sb, "{flags=");
	fmt_open_flags(&sb, how[0]);
	sb_adds(&sb, ", mode=");
	fmt_mode(&sb, how[1], false);
	sb_adds(&sb, ", resolve=");
	xlat_add(&sb, &xt_resolve, how[2]);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

/* pipe/socketpair: "[3, 4]"; both fds are new, ref = "ref3, ref4" */
char *s_fds2(struct dctx *c, int i)
{
	int fd[2];
	char *r0, *r1;
	struct sd_arg *a = &c->ev->args[i];

	if (!mem_get(c, ARG(c, i), fd, sizeof fd))
		return NULL;
	r0 = ref_dup(c, fd[0], true);
	r1 = ref_dup(c, fd[1], true);
	free(a->ref);
	a->ref = xasprintf("%s, %s", r0 ? r0 : "?", r1 ? r1 : "?");
	free(r0);
	free(r1);
	return xasprintf("[%d, %d]", fd[0], fd[1]);
}

char *s_int(struct dctx *c, int i)
{
	int v;

	return mem_get(c, ARG(c, i), &v, sizeof v) ? xasprintf("[%d]", v) : NULL;
}

char *s_uint(struct dctx *c, int i)
{
	unsigned v;

	return mem_get(c, ARG(c, i), &v, sizeof v) ? xasprintf("[%u]", v) : NULL;
}

char *s_loff(struct dctx *c, int i)
{
	int64_t v;

	return mem_get(c, ARG(c, i), &v, sizeof v) ? xasprintf("[%lld]", (long long)v) : NULL;
}

/* ---- fd and cwd bookkeeping --------------------------------------------- */

static void mode_if_creat(struct dctx *c, int flags_arg, int mode_arg)
{
	uint64_t fl = ARG(c, flags_arg);

	/* without O_CREAT or O_TMPFILE the mode register is garbage: raw only */
	if (!(fl & O_CREAT) && (fl & O_TMPFILE) != O_TMPFILE)
		arg_set_text(&c->ev->args[mode_arg], NULL);
}

void h_open_entry(struct dctx *c)
{
	mode_if_creat(c, 1, 2);
}

void h_openat_entry(struct dctx *c)
{
	mode_if_creat(c, 2, 3);
}

bool sd_decode_fds_released(const struct sd_event *ev, int64_t ret, int *lo, int *hi)
{
	int64_t raw[3] = { 0 };

	for (int i = 0; i < ev->nargs && i < 3; i++)
		raw[i] = ev->args[i].raw;
	if (!strcmp(ev->name, "close")) {
		/* Linux releases the fd even when close reports EINTR or EIO */
		int fd = (int)raw[0];
		if (fd < 0 || ret == -EBADF || (ret != 0 && !sd_ret_is_error(ret)))
			return false;
		*lo = *hi = fd;
		return true;
	}
	if (!strcmp(ev->name, "close_range")) {
		uint64_t l = (uint32_t)raw[0], h = (uint32_t)raw[1];
		if (ret != 0 || ((uint64_t)raw[2] & CLOSE_RANGE_CLOEXEC))
			return false;
		if (h > INT_MAX)
			h = INT_MAX;
		if (l > h)
			return false;
		*lo = (int)l, *hi = (int)h;
		return true;
	}
	return false;
}

/* close and close_range: the fds released, by sd_decode_fds_released. */
void h_close_exit(struct dctx *c)
{
	int lo, hi;

	if (c->env->fd_closed && sd_decode_fds_released(c->ev, c->ret, &lo, &hi))
		c->env->fd_closed(c->env->priv, lo, hi);
}

void h_chdir_exit(struct dctx *c)
{
	if (c->ret == 0 && c->env->cwd_changed)
		c->env->cwd_changed(c->env->priv);
}
