/* decode.c - the schema-driven decoder: sd_decode_entry and sd_decode_exit walk
 * the syscall's schema row (schema.c), decode each argument by its kind, then run
 * the row's hooks for what depends on other arguments or the return value. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/syscalls.h"
#include "decode/decode_int.h"
#include "util/path.h"

/* ---- argument helpers --------------------------------------------------- */

void arg_set_text(struct sd_arg *a, char *text)
{
	free(a->text);
	a->text = text;
}

char *ref_dup(struct dctx *c, int fd, bool fresh)
{
	const char *r = c->env->fd_ref ? c->env->fd_ref(c->env->priv, fd, fresh) : NULL;

	return r ? xstrdup(r) : NULL;
}

void arg_set_flags(struct dctx *c, int i, const struct xtab *t, uint64_t v)
{
	struct sd_arg *a = &c->ev->args[i];

	a->type = SD_ARG_FLAGS;
	a->raw = (int64_t)v;
	arg_set_text(a, xlat_fmt(t, v));
}

void arg_set_fd(struct dctx *c, int i)
{
	struct sd_arg *a = &c->ev->args[i];

	a->type = SD_ARG_FD;
	a->raw = (int)a->raw;
	free(a->ref);
	a->ref = NULL;
	if (a->raw == -100)
		arg_set_text(a, xstrdup("AT_FDCWD"));
	else if (a->raw >= 0)
		a->ref = ref_dup(c, (int)a->raw, false);
}

/* Fill the text of struct argument i now: "NULL", the decoded struct, or the
 * address when it cannot be read. */
void arg_fill_struct(struct dctx *c, int i, sdec_fn fn)
{
	struct sd_arg *a = &c->ev->args[i];
	char *t = NULL;

	a->type = SD_ARG_STRUCT;
	if (a->raw)
		t = fn(c, i);
	if (!t)
		t = a->raw ? xasprintf("%#llx", (unsigned long long)a->raw) : xstrdup("NULL");
	arg_set_text(a, t);
}

/* Make argument i a struct: decoded now, or marked for decoding at exit. */
void arg_set_struct(struct dctx *c, int i, sdec_fn fn, bool at_exit)
{
	struct sd_arg *a = &c->ev->args[i];

	a->type = SD_ARG_STRUCT;
	a->at_exit = at_exit;
	if (!at_exit)
		arg_fill_struct(c, i, fn);
}

/* ---- schema lookup ------------------------------------------------------ */

extern const struct drow dec_rows[];
extern const size_t dec_nrows;

static const struct drow *by_nr[SD_NR_MAX];
static pthread_once_t by_nr_once = PTHREAD_ONCE_INIT;

static void by_nr_init(void)
{
	for (size_t i = 0; i < dec_nrows; i++) {
		int nr = sd_syscall_nr(dec_rows[i].name);
		if (nr >= 0 && nr < SD_NR_MAX)
			by_nr[nr] = &dec_rows[i];
	}
}

static const struct drow *row_for(int nr)
{
	pthread_once(&by_nr_once, by_nr_init);
	return nr >= 0 && nr < SD_NR_MAX ? by_nr[nr] : NULL;
}

const struct drow *dec_row_find(const char *name)
{
	for (size_t i = 0; i < dec_nrows; i++)
		if (!strcmp(dec_rows[i].name, name))
			return &dec_rows[i];
	return NULL;
}

static int row_nargs(const struct drow *r)
{
	int n = 0;

	for (int i = 0; i < SD_MAX_ARGS; i++)
		if (r->a[i].kind != DK_NONE)
			n = i + 1;
	return n;
}

/* ---- generic argument decoding ------------------------------------------ */

static void dec_str(struct dctx *c, int i)
{
	struct sd_arg *a = &c->ev->args[i];
	bool trunc;

	a->type = SD_ARG_PATH;
	if (!a->raw) {
		arg_set_text(a, xstrdup("NULL"));
		return;
	}
	a->str = mem_str(c, ARG(c, i), DEC_PATH_MAX, &trunc);
	if (!a->str)
		arg_set_text(a, xasprintf("%#llx", (unsigned long long)a->raw));
	else if (trunc)
		arg_set_text(a, xstrdup("..."));
}

static void dec_mode(struct sd_arg *a, bool with_type)
{
	struct sb sb = SB_INIT;

	a->type = SD_ARG_MODE;
	a->raw = (uint32_t)a->raw;
	fmt_mode(&sb, (uint64_t)a->raw, with_type);
	arg_set_text(a, sb_detach(&sb));
}

static uint64_t in_len(struct dctx *c, int lenarg)
{
	uint64_t n = lenarg >= 0 && lenarg < SD_MAX_ARGS ? arg_or0(c, lenarg) : 0;

	return n > DEC_MAX_RW ? DEC_MAX_RW : n;
}

/* Kinds that need nothing but the register. */
static bool dec_simple(struct sd_arg *a, const struct dspec *s)
{
	switch (s->kind) {
	case DK_INT:    a->type = SD_ARG_INT; a->raw = (int)a->raw; return true;
	case DK_LONG:   a->type = SD_ARG_INT; return true;
	case DK_UINT:   a->type = SD_ARG_UINT; return true;
	case DK_UINT32: a->type = SD_ARG_UINT; a->raw = (uint32_t)a->raw; return true;
	case DK_HEX:    a->type = SD_ARG_HEX; return true;
	case DK_PTR:    a->type = SD_ARG_PTR; return true;
	case DK_MODE:   dec_mode(a, false); return true;
	case DK_FMODE:  dec_mode(a, true); return true;
	default:        return false;
	}
}

/* Kinds shown symbolically from the register alone. */
static bool dec_symbolic(struct dctx *c, int i, const struct dspec *s)
{
	struct sd_arg *a = &c->ev->args[i];
	struct sb sb = SB_INIT;

	switch (s->kind) {
	case DK_FLAGS:
		/* 32-bit: an enum is an int (negative clock ids), a bit set unsigned */
		arg_set_flags(c, i, s->x, s->x->kind == XK_ENUM ? (uint64_t)(int64_t)(int)a->raw
								: (uint32_t)a->raw);
		return true;
	case DK_FLAGS64:
		arg_set_flags(c, i, s->x, (uint64_t)a->raw);
		return true;
	case DK_OFLAGS:
		a->type = SD_ARG_FLAGS;
		a->raw = (uint32_t)a->raw;
		fmt_open_flags(&sb, (uint64_t)a->raw);
		break;
	case DK_SIG:
		a->type = SD_ARG_SIGNAL;
		a->raw = (int)a->raw;
		fmt_signal(&sb, (int)a->raw);
		break;
	default:
		return false;
	}
	arg_set_text(a, sb_detach(&sb));
	return true;
}

/* Kinds that read the tracee's memory at entry, or wait for the exit. */
static void dec_entry_mem(struct dctx *c, int i, const struct dspec *s)
{
	struct sd_arg *a = &c->ev->args[i];

	switch (s->kind) {
	case DK_INBUF:
		a->type = SD_ARG_BUF;
		mem_buf(c, &a->buf, ARG(c, i), in_len(c, s->p));
		break;
	case DK_INIOV:
		a->type = SD_ARG_BUF;
		mem_iov(c, &a->buf, ARG(c, i), (uint32_t)arg_or0(c, s->p), UINT64_MAX);
		break;
	case DK_OUTBUF:
	case DK_OUTIOV:
		a->type = SD_ARG_BUF;
		a->at_exit = true;
		break;
	case DK_OUTPATH:
		a->type = SD_ARG_PATH;
		a->at_exit = true;
		break;
	case DK_STRV:
		mem_strv(c, a, ARG(c, i));
		if (s->p == 1 && !c->opts->env_values)
			strv_hash_values(a);
		break;
	case DK_SIN:
	case DK_SINOUT:
		arg_set_struct(c, i, s->fn, false);
		break;
	case DK_SOUT:
		arg_set_struct(c, i, s->fn, true);
		break;
	default:
		a->type = SD_ARG_HEX;
		break;
	}
}

static void dec_entry_arg(struct dctx *c, int i, const struct dspec *s)
{
	if (dec_simple(&c->ev->args[i], s) || dec_symbolic(c, i, s))
		return;
	switch (s->kind) {
	case DK_FD:
	case DK_DIRFD:
		arg_set_fd(c, i);
		break;
	case DK_PATH:
		dec_path(c, i, -1, -1);
		break;
	case DK_ATPATH:
		dec_path(c, i, s->p, s->q);
		break;
	case DK_STR:
		dec_str(c, i);
		break;
	default:
		dec_entry_mem(c, i, s);
		break;
	}
}

void sd_decode_entry(const struct sd_decode_env *env, const struct sd_decode_opts *opts,
		     struct sd_event *ev, int nr, const uint64_t raw[6])
{
	struct dctx c = { .env = env, .opts = opts, .ev = ev };
	const char *name = sd_syscall_name(nr);

	c.row = row_for(nr);
	ev->kind = SD_EV_SYSCALL;
	ev->nr = nr;
	if (name)
		snprintf(ev->name, sizeof ev->name, "%s", name);
	else
		snprintf(ev->name, sizeof ev->name, "syscall_%#x", (unsigned)nr);
	ev->nargs = c.row ? row_nargs(c.row) : sd_syscall_nargs(nr);
	if (ev->nargs < 0 || ev->nargs > SD_MAX_ARGS)
		ev->nargs = SD_MAX_ARGS;
	for (int i = 0; i < SD_MAX_ARGS; i++) {
		sd_arg_clear(&ev->args[i]);
		if (i < ev->nargs)
			ev->args[i].raw = (int64_t)raw[i];
	}
	for (int i = 0; i < ev->nargs; i++) {
		if (c.row)
			dec_entry_arg(&c, i, &c.row->a[i]);
		else
			ev->args[i].type = SD_ARG_HEX;
	}
	if (c.row && c.row->entry)
		c.row->entry(&c);
	for (int i = ev->nargs; i < SD_MAX_ARGS; i++)
		sd_arg_clear(&ev->args[i]);
}

/* ---- exit --------------------------------------------------------------- */

static void dec_outpath(struct dctx *c, int i)
{
	struct sd_arg *a = &c->ev->args[i];
	uint64_t n = (uint64_t)c->ret;
	bool trunc;

	if (!ok_ret(c) || !a->raw)
		return;
	a->str = mem_str(c, ARG(c, i), n < DEC_PATH_MAX ? n : DEC_PATH_MAX, &trunc);
	if (a->str && a->str[0] == '/')
		a->abs = sd_path_absolute(NULL, a->str);
}

/* An in-buffer moved fewer bytes than asked: keep only those that were sent. */
static void dec_in_partial(struct dctx *c, int i, const struct dspec *s)
{
	struct sd_arg *a = &c->ev->args[i];

	if (!s->q || !ok_ret(c) || (uint64_t)c->ret >= a->buf.len)
		return;
	if (s->kind == DK_INBUF)
		mem_buf(c, &a->buf, ARG(c, i), (uint64_t)c->ret);
	else
		mem_iov(c, &a->buf, ARG(c, i), (uint32_t)ARG(c, s->p), (uint64_t)c->ret);
}

/* An in/out struct after a successful call: "[0] => [4096]" when it changed. */
static void dec_inout(struct dctx *c, int i, sdec_fn fn)
{
	struct sd_arg *a = &c->ev->args[i];
	char *now;

	if (!ok_ret(c) || !a->raw || !(now = fn(c, i)))
		return;
	if (a->text && strcmp(a->text, now))
		arg_set_text(a, xasprintf("%s => %s", a->text, now));
	else
		arg_set_text(a, xstrdup(now));
	free(now);
}

static void dec_exit_arg(struct dctx *c, int i, const struct dspec *s)
{
	struct sd_arg *a = &c->ev->args[i];
	uint64_t n = ok_ret(c) && c->ret > 0 ? (uint64_t)c->ret : 0;

	switch (s->kind) {
	case DK_OUTBUF:
		mem_buf(c, &a->buf, ARG(c, i), n);
		break;
	case DK_OUTIOV:
		mem_iov(c, &a->buf, ARG(c, i), (uint32_t)ARG(c, s->p), n);
		break;
	case DK_INBUF:
	case DK_INIOV:
		dec_in_partial(c, i, s);
		break;
	case DK_OUTPATH:
		dec_outpath(c, i);
		break;
	case DK_SOUT:
		if (ok_ret(c))
			arg_fill_struct(c, i, s->fn);
		break;
	case DK_SINOUT:
		dec_inout(c, i, s->fn);
		break;
	default:
		break;
	}
}

static void dec_ret(struct dctx *c)
{
	struct sd_event *ev = c->ev;
	int fmt = c->row ? c->row->ret : RF_DEC;

	ev->ret_fmt = fmt == RF_HEX ? SD_RET_HEX : fmt == RF_OCT ? SD_RET_OCT :
		      fmt == RF_FD ? SD_RET_FD : SD_RET_DEC;
	if (fmt == RF_FD && ok_ret(c) && c->ret <= INT32_MAX)
		ev->ret_ref = ref_dup(c, (int)c->ret, true);
}

void sd_decode_exit(const struct sd_decode_env *env, const struct sd_decode_opts *opts,
		    struct sd_event *ev, int64_t ret)
{
	struct dctx c = { .env = env, .opts = opts, .ev = ev, .exiting = true, .ret = ret };

	c.row = row_for(ev->nr);
	ev->ret = ret;
	ev->finished = true;
	ev->interrupted = ret >= -516 && ret <= -512;
	free(ev->ret_ref);
	free(ev->ret_text);
	ev->ret_ref = ev->ret_text = NULL;
	dec_ret(&c);
	if (!c.row)
		return;
	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS; i++)
		dec_exit_arg(&c, i, &c.row->a[i]);
	if (c.row->exit)
		c.row->exit(&c);
}
