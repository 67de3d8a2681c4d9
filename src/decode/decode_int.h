/* decode_int.h - internals shared by the files of src/decode/: the schema row
 * format, the decoding context, tracee memory readers and flag tables. */
#ifndef SD_DECODE_INT_H
#define SD_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode/decode.h"
#include "util/util.h"

#define DEC_PATH_MAX     4096          /* PATH_MAX including the NUL */
#define DEC_IOV_MAX      1024          /* UIO_MAXIOV */
#define DEC_CHUNK        (64 * 1024)   /* bytes read from the tracee at a time */
#define DEC_STRV_BYTES   (1024 * 1024) /* total string bytes kept per argv/envp */
#define DEC_MAX_RW       0x7ffff000ULL /* MAX_RW_COUNT: most bytes one read/write moves */
#define DEC_ARRAY_MAX    64            /* elements shown of pollfd/epoll/... arrays */
#define DEC_PAGE         4096ULL

/* ---- flag and constant tables -------------------------------------------- */

struct xlat {
	uint64_t val;
	const char *name;
};

enum xkind {
	XK_BITS,     /* a set of bits (multi-bit masks matched whole, in table order) */
	XK_ENUM,     /* one of the values, unknown ones in decimal */
	XK_ENUMX,    /* one of the values, unknown ones in hex */
};

struct xtab {
	const struct xlat *e;
	unsigned n;
	enum xkind kind;
	const char *zero;    /* XK_BITS: text for 0 (NULL: "0") */
};

#define XE(c) { (uint64_t)(c), #c }
#define XTAB(name, kind, zero) \
	const struct xtab name = { name##_e, sizeof name##_e / sizeof *name##_e, kind, zero }

void xlat_add(struct sb *sb, const struct xtab *t, uint64_t v);
char *xlat_fmt(const struct xtab *t, uint64_t v);
const char *xlat_name(const struct xtab *t, uint64_t v);   /* exact value or NULL */
void fmt_mode(struct sb *sb, uint64_t mode, bool with_type);
void fmt_open_flags(struct sb *sb, uint64_t flags);
extern const struct xtab xt_oflag;   /* open flags without the access mode */
void fmt_sigset(struct sb *sb, const void *set, size_t bytes);
void fmt_signal(struct sb *sb, int sig);

extern const struct xtab xt_at_flags, xt_access_mode, xt_seek, xt_rename, xt_fcntl_cmd,
	xt_fd_flags, xt_ioctl, xt_statx_mask, xt_prot, xt_map, xt_madv, xt_mremap,
	xt_msync, xt_clone, xt_wait_opts, xt_sig_how, xt_sa_flags, xt_clock, xt_timer_flags,
	xt_grnd, xt_poll, xt_epoll_ctl, xt_epoll_ev, xt_efd, xt_af, xt_sock_type,
	xt_sock_flags, xt_msg, xt_shut, xt_sol, xt_so, xt_tcp, xt_ipproto, xt_arch_prctl,
	xt_futex_op, xt_rlimit, xt_close_range, xt_resolve, xt_ss_flags, xt_mfd,
	xt_prctl, xt_idtype, xt_splice, xt_rwf, xt_at_flags_stat, xt_flock, xt_tfd,
	xt_fallocate, xt_inotify_init, xt_sig_num, xt_statx_attr, xt_umount, xt_mount,
	xt_epoll_create, xt_sfd, xt_fadv;

/* ---- decoding context --------------------------------------------------- */

struct drow;

struct dctx {
	const struct sd_decode_env *env;
	const struct sd_decode_opts *opts;
	struct sd_event *ev;
	const struct drow *row;
	bool exiting;
	int64_t ret;
};

static inline uint64_t ARG(const struct dctx *c, int i) { return (uint64_t)c->ev->args[i].raw; }
static inline int IARG(const struct dctx *c, int i) { return (int)c->ev->args[i].raw; }
static inline bool ok_ret(const struct dctx *c) { return c->exiting && !sd_ret_is_error(c->ret); }

/* A struct decoder: decode the struct at args[i].raw (known non-NULL) and return
 * malloc'd text, or NULL when the memory could not be read. */
typedef char *(*sdec_fn)(struct dctx *c, int i);

/* Argument kinds of the schema. */
enum dk {
	DK_NONE,     /* not an argument of this syscall */
	DK_INT,      /* int (32-bit, sign-extended) */
	DK_LONG,     /* long / loff_t */
	DK_UINT,     /* size_t, unsigned long */
	DK_UINT32,   /* unsigned int */
	DK_HEX,      /* shown in hex */
	DK_PTR,      /* an address */
	DK_FD,       /* file descriptor */
	DK_DIRFD,    /* fd or AT_FDCWD */
	DK_PATH,     /* path relative to the cwd */
	DK_ATPATH,   /* path relative to dirfd args[p]; args[q] flags may hold AT_EMPTY_PATH */
	DK_FLAGS,    /* 32-bit flags/constant with table x */
	DK_FLAGS64,  /* 64-bit flags with table x */
	DK_OFLAGS,   /* open(2) flags */
	DK_MODE,     /* permission bits */
	DK_FMODE,    /* file type and permission bits (mknod) */
	DK_STR,      /* a string that is not resolved as a path (symlink target, name) */
	DK_OUTPATH,  /* a path the kernel writes (getcwd), at exit */
	DK_SIG,      /* signal number */
	DK_INBUF,    /* bytes read at entry, length args[p] */
	DK_OUTBUF,   /* bytes written by the kernel, length = return value */
	DK_INIOV,    /* iovec array, count args[p], bytes read at entry */
	DK_OUTIOV,   /* iovec array, count args[p], bytes returned at exit */
	DK_STRV,     /* NULL-terminated string array; p = 1: an environment (envp) */
	DK_SIN,      /* struct read at entry with fn */
	DK_SOUT,     /* struct written by the kernel, read at exit (success only) with fn */
	DK_SINOUT,   /* struct read at entry and again at exit: "[128] => [16]" */
};

struct dspec {
	uint8_t kind;
	int8_t p, q;
	const struct xtab *x;
	sdec_fn fn;
};

enum rf { RF_DEC, RF_HEX, RF_FD, RF_OCT };

struct drow {
	const char *name;
	uint8_t ret;
	struct dspec a[SD_MAX_ARGS];
	void (*entry)(struct dctx *c);   /* after the generic entry decoding */
	void (*exit)(struct dctx *c);    /* after the generic exit decoding */
};

const struct drow *dec_row_find(const char *name);

/* The p parameter of argument i's schema entry (a length or count argument). */
static inline int spec_p(const struct dctx *c, int i)
{
	int p = c->row ? c->row->a[i].p : -1;

	return p >= 0 && p < SD_MAX_ARGS ? p : -1;
}

/* Value of argument p (0 when p < 0). */
static inline uint64_t arg_or0(const struct dctx *c, int p)
{
	return p >= 0 ? (uint64_t)c->ev->args[p].raw : 0;
}

/* ---- argument helpers (decode.c) ----------------------------------------- */

void arg_set_text(struct sd_arg *a, char *text);     /* takes ownership */
void arg_set_flags(struct dctx *c, int i, const struct xtab *t, uint64_t v);
void arg_set_struct(struct dctx *c, int i, sdec_fn fn, bool at_exit);
void arg_set_fd(struct dctx *c, int i);
void arg_fill_struct(struct dctx *c, int i, sdec_fn fn);
char *ref_dup(struct dctx *c, int fd, bool fresh);

/* ---- tracee memory (mem.c) ---------------------------------------------- */

size_t mem_read(struct dctx *c, uint64_t addr, void *dst, size_t len);
bool mem_get(struct dctx *c, uint64_t addr, void *dst, size_t len);
char *mem_str(struct dctx *c, uint64_t addr, size_t max, bool *trunc);

/* Streaming accumulator for a struct sd_buf. */
struct bufacc {
	struct sd_buf *b;
	void *st;            /* XXH64_state_t */
	uint32_t max;
	bool ok;
	unsigned char *chunk;
};
void acc_begin(struct bufacc *a, struct sd_buf *b, uint32_t max, uint64_t len);
uint64_t acc_read(struct dctx *c, struct bufacc *a, uint64_t addr, uint64_t len);
void acc_end(struct bufacc *a);
void mem_buf(struct dctx *c, struct sd_buf *b, uint64_t addr, uint64_t len);
void mem_iov(struct dctx *c, struct sd_buf *b, uint64_t iov, uint64_t cnt, uint64_t limit);
void mem_strv(struct dctx *c, struct sd_arg *a, uint64_t addr);
void strv_hash_values(struct sd_arg *a);
void sb_add_quoted(struct sb *sb, const char *s, size_t n);

/* ---- path resolution (path.c) ------------------------------------------- */

void dec_path(struct dctx *c, int i, int dirfd_arg, int flags_arg);

/* ---- struct decoders ---------------------------------------------------- */

/* fs */
char *s_stat(struct dctx *c, int i);
char *s_statx(struct dctx *c, int i);
char *s_open_how(struct dctx *c, int i);
char *s_fds2(struct dctx *c, int i);
char *s_int(struct dctx *c, int i);
char *s_uint(struct dctx *c, int i);
char *s_loff(struct dctx *c, int i);
char *s_timespec(struct dctx *c, int i);
char *s_timespec2(struct dctx *c, int i);
char *s_timeval(struct dctx *c, int i);
char *s_timezone(struct dctx *c, int i);
char *s_time(struct dctx *c, int i);
char *s_itimerspec(struct dctx *c, int i);
char *s_rlimit(struct dctx *c, int i);
char *s_utsname(struct dctx *c, int i);
char *s_pollfds(struct dctx *c, int i);
char *s_epoll_event(struct dctx *c, int i);
char *s_epoll_events(struct dctx *c, int i);
char *s_sysinfo(struct dctx *c, int i);
char *s_rusage(struct dctx *c, int i);
char *s_statfs(struct dctx *c, int i);
/* net */
char *s_sockaddr_in(struct dctx *c, int i);
char *s_sockaddr_out(struct dctx *c, int i);
char *s_socklen(struct dctx *c, int i);
char *s_sockopt_in(struct dctx *c, int i);
char *s_sockopt_out(struct dctx *c, int i);
void fmt_sockaddr(struct sb *sb, const void *sa, size_t len);
/* process / signals */
char *s_wstatus(struct dctx *c, int i);
char *s_siginfo(struct dctx *c, int i);
char *s_sigaction(struct dctx *c, int i);
char *s_sigset(struct dctx *c, int i);
char *s_stack(struct dctx *c, int i);
char *s_clone_args(struct dctx *c, int i);

/* ---- per-syscall hooks -------------------------------------------------- */

void h_open_entry(struct dctx *c);
void h_openat_entry(struct dctx *c);
void h_close_exit(struct dctx *c);
void h_chdir_exit(struct dctx *c);
void h_fcntl_entry(struct dctx *c);
void h_fcntl_exit(struct dctx *c);
void h_ioctl_entry(struct dctx *c);
void h_ioctl_exit(struct dctx *c);
void h_msg_entry(struct dctx *c);
void h_msg_exit(struct dctx *c);
void h_sockopt_entry(struct dctx *c);
void h_socket_entry(struct dctx *c);
void h_clone_entry(struct dctx *c);
void h_clone3_entry(struct dctx *c);
void h_poll_exit(struct dctx *c);
void h_futex_entry(struct dctx *c);
void h_arch_prctl_entry(struct dctx *c);
void h_arch_prctl_exit(struct dctx *c);
void h_prctl_entry(struct dctx *c);

#endif
