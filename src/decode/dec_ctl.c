/* dec_ctl.c - fcntl and ioctl: what the third argument is depends on the
 * command, looked up in a table of (command, how, decoder). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <linux/fs.h>
#include "decode/decode_int.h"

enum how {
	HOW_NONE,    /* the command takes no argument */
	HOW_INT,     /* an int value */
	HOW_HEX,     /* a value best in hex */
	HOW_FD,      /* an fd */
	HOW_SIG,     /* a signal number */
	HOW_OFLAGS,  /* open(2) flags */
	HOW_FLAGS,   /* flags/enum of table x */
	HOW_IN,      /* pointer to a struct read at entry */
	HOW_OUT,     /* pointer to a struct written by the kernel */
};

struct ctl {
	uint32_t cmd;
	uint8_t how;
	sdec_fn fn;
	const struct xtab *x;
};

struct k_flock {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid;
};

static const struct xlat lock_type_e[] = { XE(F_RDLCK), XE(F_WRLCK), XE(F_UNLCK) };
static XTAB(lock_type, XK_ENUM, NULL);
static const struct xlat flush_e[] = { XE(TCIFLUSH), XE(TCOFLUSH), XE(TCIOFLUSH) };
static XTAB(flush, XK_ENUM, NULL);
static const struct xlat xonc_e[] = { XE(TCOOFF), XE(TCOON), XE(TCIOFF), XE(TCION) };
static XTAB(xonc, XK_ENUM, NULL);

static char *s_flock(struct dctx *c, int i)
{
	struct k_flock fl;
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), &fl, sizeof fl))
		return NULL;
	sb_adds(&sb, "{l_type=");
	xlat_add(&sb, &lock_type, (uint64_t)fl.type);
	sb_adds(&sb, ", l_whence=");
	xlat_add(&sb, &xt_seek, (uint64_t)fl.whence);
	sb_addf(&sb, ", l_start=%lld, l_len=%lld", (long long)fl.start, (long long)fl.len);
	if (c->exiting)
		sb_addf(&sb, ", l_pid=%d", fl.pid);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

static char *s_termios(struct dctx *c, int i)
{
	uint32_t t[4];       /* c_iflag, c_oflag, c_cflag, c_lflag of the kernel's termios */

	if (!mem_get(c, ARG(c, i), t, sizeof t))
		return NULL;
	return xasprintf("{c_iflag=%#x, c_oflag=%#x, c_cflag=%#x, c_lflag=%#x, ...}",
			 t[0], t[1], t[2], t[3]);
}

static char *s_winsize(struct dctx *c, int i)
{
	uint16_t w[4];

	if (!mem_get(c, ARG(c, i), w, sizeof w))
		return NULL;
	return xasprintf("{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}",
			 w[0], w[1], w[2], w[3]);
}

static char *s_clone_range(struct dctx *c, int i)
{
	int64_t r[4];

	if (!mem_get(c, ARG(c, i), r, sizeof r))
		return NULL;
	return xasprintf("{src_fd=%lld, src_offset=%llu, src_length=%llu, dest_offset=%llu}",
			 (long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2],
			 (unsigned long long)r[3]);
}

#define C(c, h)        { .cmd = c, .how = h }
#define CS(c, h, f)    { .cmd = c, .how = h, .fn = f }
#define CX(c, t)       { .cmd = c, .how = HOW_FLAGS, .x = &t }

static const struct ctl fcntl_cmds[] = {
	C(F_DUPFD, HOW_INT), C(F_DUPFD_CLOEXEC, HOW_INT), C(F_GETFD, HOW_NONE),
	CX(F_SETFD, xt_fd_flags), C(F_GETFL, HOW_NONE), C(F_SETFL, HOW_OFLAGS),
	CS(F_GETLK, HOW_IN, s_flock), CS(F_SETLK, HOW_IN, s_flock),
	CS(F_SETLKW, HOW_IN, s_flock), CS(F_OFD_GETLK, HOW_IN, s_flock),
	CS(F_OFD_SETLK, HOW_IN, s_flock), CS(F_OFD_SETLKW, HOW_IN, s_flock),
	C(F_GETOWN, HOW_NONE), C(F_SETOWN, HOW_INT), C(F_GETSIG, HOW_NONE),
	C(F_SETSIG, HOW_SIG), C(F_GETLEASE, HOW_NONE), CX(F_SETLEASE, lock_type),
	C(F_NOTIFY, HOW_HEX), C(F_GETPIPE_SZ, HOW_NONE), C(F_SETPIPE_SZ, HOW_INT),
	C(F_GET_SEALS, HOW_NONE), C(F_ADD_SEALS, HOW_HEX),
};

static const struct ctl ioctl_cmds[] = {
	CS(TCGETS, HOW_OUT, s_termios), CS(TCSETS, HOW_IN, s_termios),
	CS(TCSETSW, HOW_IN, s_termios), CS(TCSETSF, HOW_IN, s_termios),
	CS(TIOCGWINSZ, HOW_OUT, s_winsize), CS(TIOCSWINSZ, HOW_IN, s_winsize),
	CS(FIONREAD, HOW_OUT, s_int), CS(TIOCOUTQ, HOW_OUT, s_int),
	CS(TIOCGPGRP, HOW_OUT, s_int), CS(TIOCGSID, HOW_OUT, s_int),
	CS(TIOCGPTN, HOW_OUT, s_uint), CS(TIOCSPGRP, HOW_IN, s_int),
	CS(FIONBIO, HOW_IN, s_int), CS(FIOASYNC, HOW_IN, s_int),
	CS(TIOCSPTLCK, HOW_IN, s_int), C(FIOCLEX, HOW_NONE), C(FIONCLEX, HOW_NONE),
	C(TIOCNOTTY, HOW_NONE), C(TIOCEXCL, HOW_NONE), C(TIOCNXCL, HOW_NONE),
	C(TIOCSCTTY, HOW_INT), CX(TCFLSH, flush), CX(TCXONC, xonc), C(TCSBRK, HOW_INT),
	C(FICLONE, HOW_FD), CS(FICLONERANGE, HOW_IN, s_clone_range),
	CS(FS_IOC_GETFLAGS, HOW_OUT, s_int), CS(FS_IOC_SETFLAGS, HOW_IN, s_int),
};

static const struct ctl *ctl_find(const struct ctl *t, size_t n, uint32_t cmd)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].cmd == cmd)
			return &t[i];
	return NULL;
}

/* Retype argument 2 for command entry e at syscall entry. */
static void ctl_entry(struct dctx *c, const struct ctl *e)
{
	struct sd_arg *a = &c->ev->args[2];
	struct sb sb = SB_INIT;

	if (!e)
		return;
	switch (e->how) {
	case HOW_NONE:
		sd_arg_clear(a);
		c->ev->nargs = 2;
		break;
	case HOW_INT:
		a->type = SD_ARG_INT;
		a->raw = (int)a->raw;
		break;
	case HOW_FD:
		arg_set_fd(c, 2);
		break;
	case HOW_SIG:
		a->type = SD_ARG_SIGNAL;
		a->raw = (int)a->raw;
		fmt_signal(&sb, (int)a->raw);
		arg_set_text(a, sb_detach(&sb));
		break;
	case HOW_OFLAGS:
		a->type = SD_ARG_FLAGS;
		a->raw = (uint32_t)a->raw;
		fmt_open_flags(&sb, (uint64_t)a->raw);
		arg_set_text(a, sb_detach(&sb));
		break;
	case HOW_FLAGS:
		arg_set_flags(c, 2, e->x, (uint32_t)a->raw);
		break;
	case HOW_IN:
	case HOW_OUT:
		arg_set_struct(c, 2, e->fn, e->how == HOW_OUT);
		break;
	default:
		break;
	}
}

static void ctl_exit(struct dctx *c, const struct ctl *e)
{
	if (e && e->how == HOW_OUT && ok_ret(c))
		arg_fill_struct(c, 2, e->fn);
}

#define NELEM(a) (sizeof(a) / sizeof *(a))

void h_fcntl_entry(struct dctx *c)
{
	ctl_entry(c, ctl_find(fcntl_cmds, NELEM(fcntl_cmds), (uint32_t)ARG(c, 1)));
}

void h_fcntl_exit(struct dctx *c)
{
	uint32_t cmd = (uint32_t)ARG(c, 1);
	struct sb sb = SB_INIT;

	if (!ok_ret(c))
		return;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK)
		arg_fill_struct(c, 2, s_flock);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		c->ev->ret_fmt = SD_RET_FD;
		c->ev->ret_ref = ref_dup(c, (int)c->ret, true);
	} else if (cmd == F_GETFL) {
		fmt_open_flags(&sb, (uint64_t)c->ret);
		c->ev->ret_text = sb_detach(&sb);
	} else if (cmd == F_GETFD) {
		c->ev->ret_text = xlat_fmt(&xt_fd_flags, (uint64_t)c->ret);
	}
}

void h_ioctl_entry(struct dctx *c)
{
	ctl_entry(c, ctl_find(ioctl_cmds, NELEM(ioctl_cmds), (uint32_t)ARG(c, 1)));
}

void h_ioctl_exit(struct dctx *c)
{
	ctl_exit(c, ctl_find(ioctl_cmds, NELEM(ioctl_cmds), (uint32_t)ARG(c, 1)));
}
