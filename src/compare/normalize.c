/* normalize.c - per-field comparison keys of an event (see normalize.h). */
#include "compare/normalize.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arch/syscalls.h"
#include "decode/decode.h"
#include "util/util.h"

/* Seeds keep fields of different types from colliding by accident. */
enum { K_NAME = 1, K_INT, K_FD, K_FDNUM, K_PATH, K_BUF, K_FLAGS, K_MODE, K_STRUCT,
       K_STRV, K_SIG, K_RET, K_ERR, K_UNFIN, K_KIND, K_PID };

struct inode_slot { uint64_t h; uint32_t ord; };
struct memo { uint64_t in, out; };
struct dirfds { bool known; int8_t d[SD_MAX_ARGS]; };   /* of one syscall's path arguments */

#define FLAG_MEMO 1024            /* flag texts keyed before (a power of 2) */

struct sd_norm {
	struct sd_norm_opts o;
	sd_pid_key_fn pid_key;
	void *priv;
	struct inode_slot *tab;      /* "pipe:[123]" -> order of first appearance */
	size_t cap, used;
	uint32_t next_ord;
	struct memo *flag_memo;      /* (name, argument, text) -> key; allocated on use */
	struct dirfds *dirfds;       /* by syscall number; allocated on use */
};

uint64_t sd_norm_hash(const void *p, size_t n, uint64_t seed)
{
	return XXH64(p, n, seed);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return XXH64(&v, sizeof v, h);
}

static uint64_t nz(uint64_t k)   /* 0 means "not compared" */
{
	return k ? k : 1;
}

struct sd_norm *sd_norm_new(const struct sd_norm_opts *o, sd_pid_key_fn pid_key, void *priv)
{
	struct sd_norm *n = xcalloc(1, sizeof *n);

	n->o = *o;
	n->pid_key = pid_key;
	n->priv = priv;
	return n;
}

void sd_norm_free(struct sd_norm *n)
{
	if (!n)
		return;
	free(n->tab);
	free(n->flag_memo);
	free(n->dirfds);
	free(n);
}

/* ---- helpers ---- */

char *sd_norm_map_path(const struct sd_norm_opts *o, const char *s)
{
	for (size_t i = 0; i < o->nmaps; i++) {
		const char *f = o->maps[i].from;
		size_t fl = strlen(f);
		while (fl > 1 && f[fl - 1] == '/')
			fl--;
		if (fl && !strncmp(s, f, fl) && (s[fl] == '/' || s[fl] == '\0' || f[fl - 1] == '/'))
			return xasprintf("%s%s", o->maps[i].to, s + fl);
	}
	return xstrdup(s);
}

static uint64_t str_key(const char *s, uint64_t seed)
{
	return nz(XXH64(s, strlen(s), seed));
}

/* The key of a flag set: its bits and the hash of its unknown names (0: none). */
static uint64_t flags_of(uint64_t bits, uint64_t unknown)
{
	return nz(mix(mix(K_FLAGS, bits), unknown));
}

/* Flags compare by what they set, not by their text: strace and sysdiff print the same
 * bits in other orders and some under other names (STATX_BASIC_STATS is eleven bits,
 * AT_STATX_SYNC_AS_STAT and O_RDONLY are 0).  Every part the decoder's tables know
 * (sd_decode_const: names of argument i of syscall name, numbers) gives its bits; the
 * names no table knows are kept as a set.  So "0", no flags at all, and names that are
 * all 0 are one key.  --ignore-cloexec drops the *_CLOEXEC names first. */
static uint64_t flags_text_key(const struct sd_norm_opts *o, const char *name, int i,
			       const char *text)
{
	uint64_t bits = 0, unknown = 0, v;
	char part[128];

	for (const char *p = text; *p;) {
		const char *e = p;
		int depth = 0;
		/* '|' inside parentheses is not between parts: _IOC(_IOC_READ|_IOC_WRITE, ...) */
		for (; *e && (depth || *e != '|'); e++) {
			if (*e == '(' || *e == '[' || *e == '{')
				depth++;
			else if ((*e == ')' || *e == ']' || *e == '}') && depth)
				depth--;
		}
		const char *s = p, *t = e;
		p = *e ? e + 1 : e;
		while (s < t && *s == ' ')
			s++;
		while (t > s && t[-1] == ' ')
			t--;
		size_t len = (size_t)(t - s);
		if (!len || (o->ignore_cloexec && len >= 8 && !memcmp(t - 8, "_CLOEXEC", 8)))
			continue;
		if (len < sizeof part) {
			memcpy(part, s, len);
			part[len] = '\0';
			if (sd_decode_const(name, i, part, &v)) {
				bits |= v;
				continue;
			}
		}
		unknown += XXH64(s, len, K_FLAGS);   /* a sum: the order does not count */
	}
	return flags_of(bits, unknown);
}

/* flags_text_key, remembered: a trace repeats the same few flag texts. */
static uint64_t flags_key(struct sd_norm *n, const struct sd_event *ev, int i)
{
	const struct sd_arg *a = &ev->args[i];

	if (!a->text)
		return flags_of((uint64_t)a->raw, 0);
	uint64_t seed = mix(XXH64(ev->name, strnlen(ev->name, sizeof ev->name), K_FLAGS), (uint64_t)i);
	uint64_t h = XXH64(a->text, strlen(a->text), seed) | 1;
	if (!n->flag_memo)
		n->flag_memo = xcalloc(FLAG_MEMO, sizeof *n->flag_memo);
	struct memo *m = &n->flag_memo[h & (FLAG_MEMO - 1)];
	if (m->in != h) {
		m->in = h;
		m->out = flags_text_key(&n->o, ev->name, i, a->text);
	}
	return m->out;
}

static uint64_t path_key(struct sd_norm *n, const char *s)
{
	char *m = sd_norm_map_path(&n->o, s);
	uint64_t k = str_key(m, K_PATH);
	free(m);
	return k;
}

/* "pipe:[123]" -> order of first appearance of that object in this trace, so the
 * same pipe compares equal across runs whatever its inode number. */
static uint32_t inode_ord(struct sd_norm *n, uint64_t h)
{
	if (n->used * 2 >= n->cap) {
		size_t oc = n->cap;
		struct inode_slot *old = n->tab;
		n->cap = oc ? 2 * oc : 64;
		n->tab = xcalloc(n->cap, sizeof *n->tab);
		n->used = 0;
		for (size_t i = 0; i < oc; i++)
			if (old[i].h) {
				size_t j = old[i].h & (n->cap - 1);
				while (n->tab[j].h)
					j = (j + 1) & (n->cap - 1);
				n->tab[j] = old[i];
				n->used++;
			}
		free(old);
	}
	size_t j = h & (n->cap - 1);
	while (n->tab[j].h && n->tab[j].h != h)
		j = (j + 1) & (n->cap - 1);
	if (!n->tab[j].h) {
		n->tab[j].h = h;
		n->tab[j].ord = ++n->next_ord;
		n->used++;
	}
	return n->tab[j].ord;
}

static uint64_t ref_key(struct sd_norm *n, const char *ref)
{
	const char *br = strstr(ref, ":[");
	size_t len = strlen(ref);

	if (ref[0] != '/' && br && len && ref[len - 1] == ']' &&
	    strspn(br + 2, "0123456789") == len - (size_t)(br + 2 - ref) - 1) {
		uint64_t h = nz(XXH64(ref, len, K_FD));
		char *t = xasprintf("%.*s:#%u", (int)(br - ref), ref, inode_ord(n, h));
		uint64_t k = str_key(t, K_FD);
		free(t);
		return k;
	}
	return ref[0] == '/' ? path_key(n, ref) : str_key(ref, K_FD);
}

/* A path relative to a directory fd other than AT_FDCWD (openat(5, "sub", ...)) when fds
 * compare by number: a trace that does not say what fds refer to (strace without -y)
 * cannot make it absolute, so both sides compare it as written, the fd by its number. */
static bool dirfd_relative(struct sd_norm *n, const struct sd_event *ev, int i)
{
	const struct sd_arg *a = &ev->args[i];

	if (!n->o.fds_by_number || !a->str || a->str[0] == '/')
		return false;
	int nr = sd_syscall_nr(ev->name);
	if (nr < 0 || nr >= SD_NR_MAX)
		return false;
	if (!n->dirfds)
		n->dirfds = xcalloc(SD_NR_MAX, sizeof *n->dirfds);
	struct dirfds *t = &n->dirfds[nr];
	if (!t->known) {
		struct sd_call_shape sh;
		int na = sd_decode_shape(ev->name, NULL, true, 0, &sh);
		for (int k = 0; k < SD_MAX_ARGS; k++)
			t->d[k] = k < na && sh.a[k].type == SD_ARG_PATH ? sh.a[k].dirfd : -1;
		t->known = true;
	}
	int d = t->d[i];
	if (d < 0 || d >= ev->nargs)
		return false;
	const struct sd_arg *f = &ev->args[d];
	return (int)f->raw != -100 && !(f->text && !strcmp(f->text, "AT_FDCWD"));
}

static uint64_t fd_key(struct sd_norm *n, const struct sd_arg *a)
{
	if (a->text)   /* AT_FDCWD */
		return str_key(a->text, K_FD);
	if (!n->o.fds_by_number && a->ref)
		return ref_key(n, a->ref);
	return nz(mix(K_FDNUM, (uint64_t)(int)a->raw));
}

/* Directory entries: the names and types listed, in order.  Inode numbers, d_off
 * cookies and the padding bytes between records (not initialized by the kernel)
 * are not behaviour.  Only whole records within the bytes kept (and within
 * dirents_limit, the most a sysdiff trace on the other side kept) are seen.  Set
 * *count to the number of records seen. */
static uint64_t dirents_names(const struct sd_norm_opts *o, const struct sd_buf *b, bool v64,
			      uint64_t *count)
{
	uint64_t k = mix(K_BUF + 100, b->len);
	size_t pos = 0, end = b->kept;

	if (o->dirents_limit && end > o->dirents_limit)
		end = o->dirents_limit;
	*count = 0;
	for (struct sd_dirent e; sd_dirent_next(b->data, end, v64, &pos, &e); (*count)++)
		k = mix(XXH64(e.name, e.len, k), e.type);
	return nz(k);
}

/* "12 entries": the count an strace log shows without -v (the buffer's bytes are not
 * in the log). */
static bool dirents_shown_count(const struct sd_arg *a, uint64_t *count)
{
	char *e;

	if (a->buf.data || !a->text || !(a->text[0] >= '0' && a->text[0] <= '9'))
		return false;
	*count = strtoull(a->text, &e, 10);
	return !strncmp(e, " entr", 5);
}

bool sd_norm_dirents_counted(const struct sd_event *ev)
{
	uint64_t n;

	return ev->kind == SD_EV_SYSCALL && ev->nargs > 1 && ev->args[1].type == SD_ARG_BUF &&
	       sd_dirent_call(ev->name) >= 0 &&
	       dirents_shown_count(&ev->args[1], &n);
}

/* A getdents buffer: the entries listed (dirents_names), or, when a trace on either side
 * shows only how many (dirents_by_count), their number; the byte count when even that
 * is beyond what a sysdiff trace kept. */
static uint64_t dirents_key(const struct sd_norm_opts *o, const struct sd_arg *a, bool v64)
{
	const struct sd_buf *b = &a->buf;
	uint64_t count, k = dirents_names(o, b, v64, &count);

	if (!o->dirents_by_count)
		return k;
	k = mix(K_BUF + 101, b->len);
	if (o->dirents_limit && b->len > o->dirents_limit)
		return nz(k);
	if (!b->data)
		dirents_shown_count(a, &count);
	return nz(mix(k, count));
}

static uint64_t buf_key(struct sd_norm *n, const struct sd_event *ev, const struct sd_arg *a)
{
	const struct sd_buf *b = &a->buf;
	uint64_t k = mix(K_BUF, b->len);

	if (!strcmp(ev->name, "getrandom"))    /* random by definition: length only */
		return nz(k);
	int dirents = sd_dirent_call(ev->name);
	if (dirents >= 0)
		return dirents_key(&n->o, a, dirents);
	if (!n->o.content_limit) {
		if (b->hash_valid)
			return nz(mix(k, b->hash));
		/* content unknown (unreadable memory): compare what was kept */
		return nz(mix(k, XXH64(b->data ? b->data : (const void *)"", b->kept, 7)));
	}
	uint64_t m = b->len < n->o.content_limit ? b->len : n->o.content_limit;
	if (m > b->kept)
		m = b->kept;
	return nz(mix(k, XXH64(b->data ? b->data : (const void *)"", m, 9)));
}

static uint64_t strv_key(struct sd_norm *n, const struct sd_arg *a)
{
	uint64_t k = mix(K_STRV, (uint64_t)a->nstrv);

	for (int i = 0; i < a->nstrv; i++) {
		const char *s = a->strv[i] ? a->strv[i] : "";
		k = mix(k, s[0] == '/' ? path_key(n, s) : str_key(s, K_STRV));
	}
	return nz(mix(k, a->strv_more));
}

/* ---- which fields ---- */

struct pidrow { const char *name; unsigned fields; };
#define F_ARG(i) (1u << ((i) + 1))
#define F_RET (1u << SD_NF_RET)
static const struct pidrow pid_rows[] = {
	{ "clone", F_RET }, { "clone3", F_RET }, { "fork", F_RET }, { "vfork", F_RET },
	{ "wait4", F_ARG(0) | F_RET }, { "waitid", F_ARG(1) },
	{ "kill", F_ARG(0) }, { "tkill", F_ARG(0) }, { "tgkill", F_ARG(0) | F_ARG(1) },
	{ "rt_sigqueueinfo", F_ARG(0) }, { "rt_tgsigqueueinfo", F_ARG(0) | F_ARG(1) },
	{ "getpid", F_RET }, { "gettid", F_RET }, { "getppid", F_RET }, { "getpgrp", F_RET },
	{ "getpgid", F_ARG(0) | F_RET }, { "setpgid", F_ARG(0) | F_ARG(1) },
	{ "getsid", F_ARG(0) | F_RET }, { "setsid", F_RET }, { "set_tid_address", F_RET },
	{ "sched_setaffinity", F_ARG(0) }, { "sched_getaffinity", F_ARG(0) },
	{ "sched_setscheduler", F_ARG(0) }, { "sched_getscheduler", F_ARG(0) },
	{ "sched_setparam", F_ARG(0) }, { "sched_getparam", F_ARG(0) },
	{ "prlimit64", F_ARG(0) }, { "pidfd_open", F_ARG(0) }, { "ptrace", F_ARG(1) },
	{ "process_vm_readv", F_ARG(0) }, { "process_vm_writev", F_ARG(0) },
	{ "kcmp", F_ARG(0) | F_ARG(1) }, { "get_robust_list", F_ARG(0) },
};

/* pid_rows by syscall number, built once (every event asks) */
static unsigned pid_by_nr[SD_NR_MAX];
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void pid_index(void)
{
	for (size_t i = 0; i < sizeof pid_rows / sizeof *pid_rows; i++) {
		int nr = sd_syscall_nr(pid_rows[i].name);
		if (nr >= 0 && nr < SD_NR_MAX)
			pid_by_nr[nr] = pid_rows[i].fields;
	}
}

unsigned sd_norm_pid_fields(const char *name)
{
	int nr = sd_syscall_nr(name);

	pthread_once(&pid_once, pid_index);
	if (nr >= 0 && nr < SD_NR_MAX)
		return pid_by_nr[nr];
	for (size_t i = 0; i < sizeof pid_rows / sizeof *pid_rows; i++)   /* not x86_64's */
		if (!strcmp(pid_rows[i].name, name))
			return pid_rows[i].fields;
	return 0;
}

bool sd_norm_is_spawn(const char *name)
{
	return !strcmp(name, "clone") || !strcmp(name, "clone3") || !strcmp(name, "fork") ||
	       !strcmp(name, "vfork");
}

/* Results that are addresses or times, not behaviour. */
static bool ret_ignored(const char *name)
{
	static const char *const names[] = { "mmap", "mremap", "brk", "shmat", "time",
		"times", "getrandom" /* length is in the buffer */ };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* Structures compared by their text: the ones naming peers, not times or addresses. */
static bool struct_compared(const struct sd_event *ev, int i)
{
	static const char *const names[] = { "connect", "bind", "sendto", "openat2" };
	if (ev->args[i].at_exit)
		return false;
	for (size_t k = 0; k < sizeof names / sizeof *names; k++)
		if (!strcmp(names[k], ev->name))
			return true;
	return false;
}

/* envp of execve/execveat */
static bool is_envp(const struct sd_event *ev, int i)
{
	return (i == 2 && !strcmp(ev->name, "execve")) || (i == 3 && !strcmp(ev->name, "execveat"));
}

static uint64_t pid_field(struct sd_norm *n, int64_t v)
{
	if (v == 0 || v == -1)
		return mix(K_PID, (uint64_t)v);
	return n->pid_key ? nz(mix(K_PID, n->pid_key(n->priv, v))) : nz(mix(K_PID, 2));
}

static uint64_t arg_key(struct sd_norm *n, const struct sd_event *ev, int i, bool pid)
{
	const struct sd_arg *a = &ev->args[i];

	if (pid)
		return pid_field(n, (int)a->raw);
	switch (a->type) {
	case SD_ARG_INT:
	case SD_ARG_UINT:
	case SD_ARG_HEX:
		return a->text ? str_key(a->text, K_INT) : nz(mix(K_INT, (uint64_t)a->raw));
	case SD_ARG_FD:
		return fd_key(n, a);
	case SD_ARG_PATH:
		/* "" with AT_EMPTY_PATH names the dirfd's file, which its own field compares */
		if (a->str && !a->str[0])
			return str_key("", K_PATH);
		if (a->abs && !dirfd_relative(n, ev, i))
			return path_key(n, a->abs);
		return a->str ? path_key(n, a->str) : nz(mix(K_PATH, a->raw == 0));
	case SD_ARG_BUF:
		return buf_key(n, ev, a);
	case SD_ARG_FLAGS:
		return flags_key(n, ev, i);
	case SD_ARG_MODE:
		return nz(mix(K_MODE, (uint64_t)a->raw));
	case SD_ARG_SIGNAL:
		return nz(mix(K_SIG, (uint64_t)a->raw));
	case SD_ARG_STRV:
		return is_envp(ev, i) ? 0 : strv_key(n, a);
	case SD_ARG_STRUCT:
		return struct_compared(ev, i) && a->text ? str_key(a->text, K_STRUCT) : 0;
	case SD_ARG_PTR:
	default:
		return 0;
	}
}

static uint64_t ret_key(struct sd_norm *n, const struct sd_event *ev, bool pid)
{
	if (!ev->finished)
		return K_UNFIN;
	if (sd_ret_is_error(ev->ret))
		return nz(mix(K_ERR, (uint64_t)-ev->ret));
	if (ret_ignored(ev->name))
		return 0;
	/* wait4(-1 or a group): which child is reaped first is up to the scheduler; each
	 * child's own exit status is compared in its own stream */
	if (pid && !strcmp(ev->name, "wait4") && ev->nargs > 0 && (int)ev->args[0].raw <= 0 &&
	    ev->ret > 0)
		return nz(mix(K_PID, 3));
	if (pid)
		return pid_field(n, ev->ret);
	if (ev->ret_fmt == SD_RET_FD && !n->o.fds_by_number && ev->ret_ref)
		return ref_key(n, ev->ret_ref);
	return nz(mix(K_RET, (uint64_t)ev->ret));
}

uint64_t sd_norm_event(struct sd_norm *n, const struct sd_event *ev, uint64_t f[SD_NF])
{
	memset(f, 0, SD_NF * sizeof *f);
	f[0] = nz(mix(K_KIND, ev->kind));
	switch (ev->kind) {
	case SD_EV_SYSCALL: {
		unsigned pf = sd_norm_pid_fields(ev->name);
		int na = ev->nargs < 0 ? 0 : ev->nargs > SD_MAX_ARGS ? SD_MAX_ARGS : ev->nargs;
		f[0] = nz(XXH64(ev->name, strnlen(ev->name, sizeof ev->name), K_NAME));
		for (int i = 0; i < na; i++)
			f[i + 1] = arg_key(n, ev, i, pf & F_ARG(i));
		f[SD_NF_RET] = ret_key(n, ev, pf & F_RET);
		break;
	}
	case SD_EV_EXIT:
		f[SD_NF_RET] = nz(mix(K_RET, (uint64_t)ev->status));
		break;
	case SD_EV_KILLED:
		f[SD_NF_RET] = nz(mix(mix(K_SIG, (uint64_t)ev->sig), ev->core));
		break;
	case SD_EV_SIGNAL:
	case SD_EV_STOP:
		f[SD_NF_RET] = nz(mix(K_SIG, (uint64_t)ev->sig));
		break;
	default:
		break;
	}
	return nz(XXH64(f, SD_NF * sizeof *f, 0));
}

uint32_t sd_norm_shape(const struct sd_event *ev)
{
	if (ev->kind == SD_EV_KILLED)   /* pairs with an exit: "killed vs exited" */
		return (uint32_t)SD_EV_EXIT + 1;
	if (ev->kind != SD_EV_SYSCALL)
		return (uint32_t)ev->kind + 1;
	return (uint32_t)XXH64(ev->name, strnlen(ev->name, sizeof ev->name), K_NAME) | 0x80000000u;
}

uint64_t sd_norm_path_key(struct sd_norm *n, const char *path)
{
	return path_key(n, path);
}

uint64_t sd_norm_ref_key(struct sd_norm *n, const char *ref)
{
	return ref_key(n, ref);
}

uint64_t sd_norm_arg_key(struct sd_norm *n, const struct sd_event *ev, int i)
{
	unsigned pf = sd_norm_pid_fields(ev->name);
	return i >= 0 && i < ev->nargs && i < SD_MAX_ARGS ? arg_key(n, ev, i, pf & F_ARG(i)) : 0;
}

uint64_t sd_norm_str_key(const char *s, uint64_t seed)
{
	return str_key(s, seed);
}
