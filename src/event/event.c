/* event.c - lifetime helpers for the event model (see event.h). */
#include "event/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sd_event_init(struct sd_event *ev)
{
	memset(ev, 0, sizeof *ev);
}

/* What a owns, freed (a is left as it was). */
static void arg_free(struct sd_arg *a)
{
	if (!a->text && !a->ref && !a->str && !a->abs && !a->buf.data && !a->strv)
		return;   /* most arguments own nothing: a number, a flag */
	free(a->text);
	free(a->ref);
	free(a->str);
	free(a->abs);
	free(a->buf.data);
	for (int i = 0; i < a->nstrv; i++)
		free(a->strv[i]);
	free(a->strv);
}

void sd_arg_clear(struct sd_arg *a)
{
	arg_free(a);
	memset(a, 0, sizeof *a);
}

/* What s owns, freed (s is left as it was). */
static void srcloc_free(struct sd_srcloc *s)
{
	free(s->file);
	free(s->func);
	free(s->dir);
	free(s->module);
	free(s->gen_file);
	free(s->gen_func);
	free(s->why);
	free(s->lang);
	free(s->phase);
	free(s->inner_file);
	free(s->inner_func);
	for (int i = 0; i < s->nframes; i++) {
		free(s->frames[i].module);
		free(s->frames[i].func);
		free(s->frames[i].file);
	}
	free(s->frames);
}

void sd_srcloc_clear(struct sd_srcloc *s)
{
	srcloc_free(s);
	memset(s, 0, sizeof *s);
}

void sd_event_clear(struct sd_event *ev)
{
	for (int i = 0; i < SD_MAX_ARGS; i++)
		arg_free(&ev->args[i]);
	free(ev->ret_ref);
	free(ev->ret_text);
	free(ev->siginfo);
	srcloc_free(&ev->src);
	sd_event_init(ev);   /* one memset for all of it */
}

void sd_trace_info_clear(struct sd_trace_info *ti)
{
	free(ti->tool);
	free(ti->arch);
	if (ti->argv)
		for (char **a = ti->argv; *a; a++)
			free(*a);
	free(ti->argv);
	free(ti->cwd);
	memset(ti, 0, sizeof *ti);
}

void sd_trace_end_clear(struct sd_trace_end *te)
{
	free(te->reason);
	free(te->unrecorded);
	memset(te, 0, sizeof *te);
}

static const char *const arg_type_names[SD_ARG__COUNT] = {
	[SD_ARG_INT] = "int",       [SD_ARG_UINT] = "uint",   [SD_ARG_HEX] = "hex",
	[SD_ARG_FD] = "fd",         [SD_ARG_PATH] = "path",   [SD_ARG_BUF] = "buf",
	[SD_ARG_FLAGS] = "flags",   [SD_ARG_MODE] = "mode",   [SD_ARG_PTR] = "ptr",
	[SD_ARG_STRUCT] = "struct", [SD_ARG_STRV] = "strv",   [SD_ARG_SIGNAL] = "signal",
};

static const char *const kind_names[SD_EV__COUNT] = {
	[SD_EV_SYSCALL] = "syscall", [SD_EV_SIGNAL] = "signal",   [SD_EV_STOP] = "stop",
	[SD_EV_EXIT] = "exit",       [SD_EV_KILLED] = "killed",   [SD_EV_SUPERSEDED] = "superseded",
	[SD_EV_DETACHED] = "detached",
};

const char *sd_arg_type_name(enum sd_arg_type t)
{
	return (unsigned)t < SD_ARG__COUNT ? arg_type_names[t] : "?";
}

int sd_arg_type_from_name(const char *name)
{
	for (int i = 0; i < SD_ARG__COUNT; i++)
		if (!strcmp(arg_type_names[i], name))
			return i;
	return -1;
}

const char *sd_ev_kind_name(enum sd_ev_kind k)
{
	return (unsigned)k < SD_EV__COUNT ? kind_names[k] : "?";
}

int sd_ev_kind_from_name(const char *name)
{
	for (int i = 0; i < SD_EV__COUNT; i++)
		if (!strcmp(kind_names[i], name))
			return i;
	return -1;
}

static char *dupnull(const char *s)
{
	return s ? strdup(s) : NULL;
}

void sd_arg_copy(struct sd_arg *dst, const struct sd_arg *src)
{
	*dst = *src;
	dst->text = dupnull(src->text);
	dst->ref = dupnull(src->ref);
	dst->str = dupnull(src->str);
	dst->abs = dupnull(src->abs);
	dst->buf.data = NULL;
	if (src->buf.data && src->buf.kept) {
		dst->buf.data = malloc(src->buf.kept);
		if (dst->buf.data)
			memcpy(dst->buf.data, src->buf.data, src->buf.kept);
		else
			dst->buf.kept = 0;
	}
	dst->strv = NULL;
	dst->nstrv = 0;
	if (src->nstrv > 0) {
		dst->strv = calloc(src->nstrv, sizeof *dst->strv);
		if (dst->strv) {
			for (int i = 0; i < src->nstrv; i++)
				dst->strv[i] = dupnull(src->strv[i]);
			dst->nstrv = src->nstrv;
		}
	}
}

static void srcloc_copy(struct sd_srcloc *d, const struct sd_srcloc *s)
{
	*d = *s;
	d->file = dupnull(s->file);
	d->func = dupnull(s->func);
	d->dir = dupnull(s->dir);
	d->module = dupnull(s->module);
	d->gen_file = dupnull(s->gen_file);
	d->gen_func = dupnull(s->gen_func);
	d->lang = dupnull(s->lang);
	d->inner_file = dupnull(s->inner_file);
	d->inner_func = dupnull(s->inner_func);
	d->phase = dupnull(s->phase);
	d->why = dupnull(s->why);
	d->frames = NULL;
	d->nframes = 0;
	if (s->nframes > 0 && s->frames) {
		d->frames = calloc((size_t)s->nframes, sizeof *d->frames);
		if (!d->frames)
			return;
		for (int i = 0; i < s->nframes; i++) {
			d->frames[i] = s->frames[i];
			d->frames[i].module = dupnull(s->frames[i].module);
			d->frames[i].func = dupnull(s->frames[i].func);
			d->frames[i].file = dupnull(s->frames[i].file);
		}
		d->nframes = s->nframes;
	}
}

void sd_event_copy(struct sd_event *dst, const struct sd_event *src)
{
	*dst = *src;
	for (int i = 0; i < SD_MAX_ARGS; i++)
		sd_arg_copy(&dst->args[i], &src->args[i]);
	dst->ret_ref = dupnull(src->ret_ref);
	dst->ret_text = dupnull(src->ret_text);
	dst->siginfo = dupnull(src->siginfo);
	srcloc_copy(&dst->src, &src->src);
}
