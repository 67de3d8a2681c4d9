/* text.c - strace-compatible text output.
 *
 * One formatter renders a syscall as a head (name and the arguments known at
 * entry) and a tail (the remaining arguments, ")" and the return value); a
 * complete line is head + tail.  The sink prints the head at enter() and keeps
 * the line open; if another line must be printed first, the open line is closed
 * with " <unfinished ...>" and the tail is printed later after
 * "<... NAME resumed>", exactly like strace -f. */
#include "format/writers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode/decode.h"

#define FLUSH_AT (64 * 1024)


/* ---- formatting ---- */

static void add_ptr(struct sb *sb, int64_t raw)
{
	if (raw)
		sb_addf(sb, "0x%llx", (unsigned long long)raw);
	else
		sb_add(sb, "NULL", 4);
}

static void add_octal(struct sb *sb, unsigned c, bool full)
{
	char o[4];
	int n = 0;

	o[n++] = '\\';
	if (full || c >> 6)
		o[n++] = '0' + (c >> 6);
	if (full || c >> 3)
		o[n++] = '0' + ((c >> 3) & 7);
	o[n++] = '0' + (c & 7);
	sb_add(sb, o, n);
}

/* The bytes s[0..n) with strace's escapes; quotes: add the surrounding '"'. */
static void add_escaped(struct sb *sb, const void *p, size_t n, bool quotes)
{
	const unsigned char *s = p;

	if (quotes)
		sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		const char *e = NULL;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\v': e = "\\v"; break;
		case '\f': e = "\\f"; break;
		}
		if (e)
			sb_add(sb, e, 2);
		else if (c >= 0x20 && c < 0x7f)
			sb_addc(sb, c);
		else
			add_octal(sb, c, i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7');
	}
	if (quotes)
		sb_addc(sb, '"');
}

/* At most max bytes of s (all if max < 0), then "..." when the value had more. */
static void add_quoted(struct sb *sb, const void *s, size_t n, uint64_t total, int max)
{
	size_t show = max < 0 || n <= (size_t)max ? n : (size_t)max;

	add_escaped(sb, s, show, true);
	if (total > show)
		sb_add(sb, "...", 3);
}

static void add_strv(struct sb *sb, const struct sd_arg *a, bool envp,
		     const struct sd_text_opts *o)
{
	if (envp && !o->verbose) {
		add_ptr(sb, a->raw);
		sb_addf(sb, " /* %d%s var%s */", a->nstrv, a->strv_more ? "+" : "",
			a->nstrv == 1 && !a->strv_more ? "" : "s");
		return;
	}
	sb_addc(sb, '[');
	for (int i = 0; i < a->nstrv; i++) {
		size_t n = strlen(a->strv[i]);
		if (i)
			sb_add(sb, ", ", 2);
		add_quoted(sb, a->strv[i], n, n, o->strsize);
	}
	if (a->strv_more)
		sb_adds(sb, a->nstrv ? ", ..." : "...");
	sb_addc(sb, ']');
}

static void add_fd(struct sb *sb, const char *ref, int64_t fd, const struct sd_text_opts *o)
{
	sb_addf(sb, "%d", (int)fd);   /* fds are C ints, whatever the register held */
	if (o->show_fds && ref) {
		sb_addc(sb, '<');
		add_escaped(sb, ref, strlen(ref), false);
		sb_addc(sb, '>');
	}
}

static void add_buf(struct sb *sb, const struct sd_arg *a, const struct sd_text_opts *o)
{
	if (a->buf.data)
		add_quoted(sb, a->buf.data, a->buf.kept, a->buf.len, o->strsize);
	else
		add_ptr(sb, a->raw);
}

/* A directory listing (getdents/getdents64's buffer) as strace -v shows it, without
 * the inode numbers and offsets: [{d_type=DT_DIR, d_name="."}, ...] /\* 12 entries *\/.
 * The first few entries; the count is of the whole entries within the bytes kept. */
static void add_dirents(struct sb *sb, const struct sd_arg *a, bool v64)
{
	enum { SHOWN = 4 };
	size_t pos = 0, n = 0;
	struct sd_dirent e;

	sb_addc(sb, '[');
	for (; sd_dirent_next(a->buf.data, a->buf.kept, v64, &pos, &e); n++) {
		if (n == SHOWN)
			sb_adds(sb, ", ...");
		if (n >= SHOWN)
			continue;
		const char *t = sd_dirent_type_name(e.type);
		if (n)
			sb_adds(sb, ", ");
		if (t)
			sb_addf(sb, "{d_type=%s, d_name=", t);
		else
			sb_addf(sb, "{d_type=%u, d_name=", e.type);
		add_escaped(sb, e.name, e.len, true);
		sb_addc(sb, '}');
	}
	sb_addf(sb, "] /* %zu entr%s%s */", n, n == 1 ? "y" : "ies",
		a->buf.kept < a->buf.len ? " shown" : "");
}

/* envp: this STRV argument follows another one (execve's third argument). */
static void add_arg(struct sb *sb, const struct sd_arg *a, bool envp,
		    const struct sd_text_opts *o)
{
	unsigned long long u = (uint64_t)a->raw;

	if (a->text && a->type != SD_ARG_PATH && a->type != SD_ARG_BUF &&
	    a->type != SD_ARG_STRV) {
		sb_adds(sb, a->text);
		return;
	}
	switch (a->type) {
	case SD_ARG_UINT: sb_addf(sb, "%llu", u); break;
	case SD_ARG_HEX: sb_addf(sb, "%#llx", u); break;
	case SD_ARG_FLAGS: sb_addf(sb, "%#llx", u); break;
	case SD_ARG_MODE: sb_addf(sb, "%#llo", u); break;
	case SD_ARG_FD: add_fd(sb, a->ref, a->raw, o); break;
	case SD_ARG_BUF: add_buf(sb, a, o); break;
	case SD_ARG_PTR:
	case SD_ARG_STRUCT: add_ptr(sb, a->raw); break;
	case SD_ARG_PATH:
		if (a->str)
			add_escaped(sb, a->str, strlen(a->str), true);
		else
			add_ptr(sb, a->raw);
		break;
	case SD_ARG_STRV:
		if (a->strv)
			add_strv(sb, a, envp, o);
		else
			add_ptr(sb, a->raw);
		break;
	default: sb_addf(sb, "%lld", (long long)a->raw); break;
	}
}

/* Arguments shown.  A trailing mode that the decoder left without text is one the
 * kernel ignores (open without O_CREAT): strace does not show it, neither do we. */
static int nargs_of(const struct sd_event *ev)
{
	int n = ev->nargs < 0 ? 0 : ev->nargs > SD_MAX_ARGS ? SD_MAX_ARGS : ev->nargs;
	if (n && ev->args[n - 1].type == SD_ARG_MODE && !ev->args[n - 1].text)
		n--;
	return n;
}

/* Arguments [from, to), each followed by ", " when another one follows. */
static void add_args(struct sb *sb, const struct sd_event *ev, int from, int to,
		     const struct sd_text_opts *o, long *cols)
{
	int n = nargs_of(ev);
	bool envp = false;

	for (int i = 0; i < to && i < n; i++) {
		bool strv = ev->args[i].type == SD_ARG_STRV;
		if (i >= from) {
			if (cols)
				cols[i] = (long)sb->len;
			if (i == 1 && ev->args[i].type == SD_ARG_BUF && ev->args[i].buf.data &&
			    sd_dirent_call(ev->name) >= 0)
				add_dirents(sb, &ev->args[i], sd_dirent_call(ev->name) == 1);
			else
				add_arg(sb, &ev->args[i], envp && strv, o);
			if (i + 1 < n)
				sb_add(sb, ", ", 2);
		}
		envp |= strv;
	}
}

static bool is_restart(const struct sd_event *ev)
{
	return sd_ret_is_error(ev->ret) && (ev->interrupted || (ev->ret <= -512 && ev->ret >= -516));
}

static void add_ret(struct sb *sb, const struct sd_event *ev, const struct sd_text_opts *o)
{
	unsigned long long u = (uint64_t)ev->ret;
	int err = (int)-ev->ret;

	if (!ev->finished) {
		sb_add(sb, " = ?", 4);
		return;
	}
	if (is_restart(ev)) {
		sb_addf(sb, " = ? %s (%s)", sd_errno_name(err), sd_errno_msg(err));
	} else if (sd_ret_is_error(ev->ret)) {
		sb_addf(sb, " = -1 %s (%s)", sd_errno_name(err), sd_errno_msg(err));
	} else {
		switch (ev->ret_fmt) {
		case SD_RET_HEX: sb_addf(sb, " = %#llx", u); break;
		case SD_RET_OCT: sb_addf(sb, " = %#llo", u); break;
		case SD_RET_FD: sb_add(sb, " = ", 3); add_fd(sb, ev->ret_ref, ev->ret, o); break;
		default: sb_addf(sb, " = %lld", (long long)ev->ret); break;
		}
		if (ev->ret_text)
			sb_addf(sb, " (%s)", ev->ret_text);
	}
	if (o->durations)
		sb_addf(sb, " <%llu.%06llu>", (unsigned long long)(ev->dur_ns / 1000000000u),
			(unsigned long long)(ev->dur_ns % 1000000000u / 1000));
}

/* Where the entry part of a line ends: before the first exit-time argument. */
static int entry_split(const struct sd_event *ev)
{
	int n = nargs_of(ev), i = 0;

	while (i < n && !ev->args[i].at_exit)
		i++;
	return i;
}

static void add_head(struct sb *sb, const struct sd_event *ev, int split,
		     const struct sd_text_opts *o)
{
	sb_add(sb, ev->name, strnlen(ev->name, sizeof ev->name));
	sb_addc(sb, '(');
	add_args(sb, ev, 0, split, o, NULL);
}

static void add_tail(struct sb *sb, const struct sd_event *ev, int split,
		     const struct sd_text_opts *o)
{
	add_args(sb, ev, split, SD_MAX_ARGS, o, NULL);
	sb_addc(sb, ')');
	add_ret(sb, ev, o);
}

/* "--- SIGCHLD {...} ---", "+++ exited with 0 +++"... */
static void add_other(struct sb *sb, const struct sd_event *ev)
{
	const char *sig = sd_signal_name(ev->sig);

	switch (ev->kind) {
	case SD_EV_SIGNAL:
		sb_addf(sb, "--- %s%s%s ---", sig, ev->siginfo ? " " : "",
			ev->siginfo ? ev->siginfo : "");
		break;
	case SD_EV_STOP: sb_addf(sb, "--- stopped by %s ---", sig); break;
	case SD_EV_EXIT: sb_addf(sb, "+++ exited with %d +++", ev->status); break;
	case SD_EV_KILLED:
		sb_addf(sb, "+++ killed by %s%s +++", sig, ev->core ? " (core dumped)" : "");
		break;
	case SD_EV_SUPERSEDED:
		sb_addf(sb, "+++ superseded by execve in pid %d +++", (int)ev->old_tid);
		break;
	case SD_EV_DETACHED: sb_adds(sb, "+++ detached +++"); break;
	default: sb_addf(sb, "+++ %s +++", sd_ev_kind_name(ev->kind)); break;
	}
}

void sd_text_format_event(struct sb *out, const struct sd_event *ev, const struct sd_text_opts *opts)
{
	static const struct sd_text_opts defaults = { .strsize = 32 };
	const struct sd_text_opts *o = opts ? opts : &defaults;

	if (ev->kind != SD_EV_SYSCALL) {
		add_other(out, ev);
		return;
	}
	add_head(out, ev, SD_MAX_ARGS, o);
	add_tail(out, ev, SD_MAX_ARGS, o);
}

void sd_text_format_event_cols(struct sb *out, const struct sd_event *ev,
			       const struct sd_text_opts *opts, long cols[SD_MAX_ARGS + 1])
{
	static const struct sd_text_opts defaults = { .strsize = 32 };
	const struct sd_text_opts *o = opts ? opts : &defaults;

	for (int i = 0; i <= SD_MAX_ARGS; i++)
		cols[i] = -1;
	if (ev->kind != SD_EV_SYSCALL) {
		add_other(out, ev);
		return;
	}
	sb_add(out, ev->name, strnlen(ev->name, sizeof ev->name));
	sb_addc(out, '(');
	add_args(out, ev, 0, SD_MAX_ARGS, o, cols);
	sb_addc(out, ')');
	cols[SD_MAX_ARGS] = (long)out->len;
	add_ret(out, ev, o);
}

size_t sd_text_escaped_width(const void *p, size_t n)
{
	struct sb sb = { 0 };

	add_escaped(&sb, p, n, false);
	size_t w = sb.len;
	sb_free(&sb);
	return w;
}

/* ---- the sink ---- */

struct pending {        /* a syscall whose head was printed, waiting for event() */
	pid_t tid;
	int split;
	char name[32];
};

struct text_sink {
	struct sd_sink base;
	int fd;
	bool line_buffered;
	int err;                /* errno of the first failed write, 0: none */
	struct sd_text_opts opts;
	struct sb out;
	uint64_t start_real_ns;
	pid_t first_tid;
	bool multi;             /* more than one tid seen: "[pid N] " prefixes */
	pid_t open_tid;         /* tid of the line printed without its newline, or 0 */
	struct pending *pend;
	size_t npend, cappend;
	time_t ts_sec;          /* -tt: cached "HH:MM:SS" of ts_sec */
	char ts_buf[16];
};

static void flush(struct text_sink *s)
{
	if (!s->err && s->out.len && sd_write_full(s->fd, s->out.buf, s->out.len) < 0)
		s->err = errno ? errno : EIO;
	sb_reset(&s->out);
}

static void maybe_flush(struct text_sink *s)
{
	if (s->line_buffered || s->out.len > FLUSH_AT)
		flush(s);
}

static struct pending *pending_find(struct text_sink *s, pid_t tid)
{
	for (size_t i = 0; i < s->npend; i++)
		if (s->pend[i].tid == tid)
			return &s->pend[i];
	return NULL;
}

static void pending_drop(struct text_sink *s, pid_t tid)
{
	struct pending *p = pending_find(s, tid);

	if (p)
		*p = s->pend[--s->npend];
}

static void pending_add(struct text_sink *s, const struct sd_event *ev, int split)
{
	pid_t tid = ev->tid;
	struct pending *p = pending_find(s, tid);

	if (!p) {
		if (s->npend == s->cappend) {
			s->cappend = s->cappend ? 2 * s->cappend : 16;
			s->pend = xrealloc(s->pend, s->cappend * sizeof *s->pend);
		}
		p = &s->pend[s->npend++];
	}
	p->tid = tid;
	p->split = split;
	memcpy(p->name, ev->name, sizeof p->name);
}

static void note_tid(struct text_sink *s, pid_t tid)
{
	if (!s->first_tid)
		s->first_tid = tid;
	else if (tid != s->first_tid)
		s->multi = true;
}

/* Close the open line, if any, as "<unfinished ...>". */
static void close_open(struct text_sink *s)
{
	if (!s->open_tid)
		return;
	sb_adds(&s->out, " <unfinished ...>\n");
	s->open_tid = 0;
}

static void add_timestamp(struct text_sink *s, uint64_t t_ns)
{
	uint64_t ns = s->start_real_ns + t_ns;
	time_t sec = (time_t)(ns / 1000000000u);

	if (sec != s->ts_sec || !s->ts_buf[0]) {
		struct tm tm;
		localtime_r(&sec, &tm);
		strftime(s->ts_buf, sizeof s->ts_buf, "%H:%M:%S", &tm);
		s->ts_sec = sec;
	}
	if (s->opts.timestamps >= 2)
		sb_addf(&s->out, "%s.%06u ", s->ts_buf, (unsigned)(ns % 1000000000u / 1000));
	else
		sb_addf(&s->out, "%s ", s->ts_buf);
}

static void line_start(struct text_sink *s, pid_t tid, uint64_t t_ns)
{
	if (s->multi)
		sb_addf(&s->out, "[pid %d] ", (int)tid);
	if (s->opts.timestamps)
		add_timestamp(s, t_ns);
}

static void text_begin(struct sd_sink *base, const struct sd_trace_info *ti)
{
	struct text_sink *s = (struct text_sink *)base;

	s->start_real_ns = ti->start_real_ns;
}

static void text_enter(struct sd_sink *base, const struct sd_event *ev)
{
	struct text_sink *s = (struct text_sink *)base;
	int split = entry_split(ev);

	note_tid(s, ev->tid);
	close_open(s);
	line_start(s, ev->tid, ev->t_ns);
	add_head(&s->out, ev, split, &s->opts);
	s->open_tid = ev->tid;
	pending_add(s, ev, split);
	maybe_flush(s);
}

/* " [file:line]" after a call whose source line is known (--source); " [in func]"
 * when only the function is; -v adds the generated location a source map translated
 * and why a location is missing. */
static void add_src(struct sb *sb, const struct sd_srcloc *src, bool verbose)
{
	if (src->file) {
		sb_addf(sb, " [%s", src->file);
		if (src->line)
			sb_addf(sb, ":%d", src->line);
		else if (src->phase && !strcmp(src->phase, "exit"))
			sb_adds(sb, ":<exit>");
		sb_addc(sb, ']');
	} else if (src->func) {
		sb_addf(sb, " [in %s]", src->func);
	}
	if (!verbose)
		return;
	if (src->gen_file) {
		sb_addf(sb, " (generated: %s", src->gen_file);
		if (src->gen_line)
			sb_addf(sb, ":%d", src->gen_line);
		if (src->gen_func)
			sb_addf(sb, " in %s", src->gen_func);
		sb_addc(sb, ')');
	}
	if (src->inner_file) {
		sb_addf(sb, " (in %s", src->inner_file);
		if (src->inner_line)
			sb_addf(sb, ":%d", src->inner_line);
		if (src->inner_func)
			sb_addf(sb, " %s", src->inner_func);
		sb_addc(sb, ')');
	}
	if (src->why)
		sb_addf(sb, " (no source line: %s)", src->why);
}

/* --stack: one line per frame, innermost first, below the call. */
static void add_stack(struct sb *sb, const struct sd_srcloc *src)
{
	for (int i = 0; i < src->nframes; i++) {
		const struct sd_srcframe *f = &src->frames[i];
		sb_addf(sb, " > %s", f->func ? f->func : "??");
		if (f->file) {
			sb_addf(sb, " at %s", f->file);
			if (f->line)
				sb_addf(sb, ":%d", f->line);
		}
		if (f->inlined)
			sb_adds(sb, " (inlined)");
		if (f->module)
			sb_addf(sb, " (%s+0x%" PRIx64 ")", f->module, f->off);
		else
			sb_addf(sb, " (0x%" PRIx64 ")", f->pc);
		sb_addc(sb, '\n');
	}
}

static void print_syscall(struct text_sink *s, const struct sd_event *ev)
{
	struct pending *p = pending_find(s, ev->tid);

	if (p && strncmp(p->name, ev->name, sizeof p->name))
		p = NULL;       /* not the call that was entered: leave that pending */
	int split = p ? p->split : SD_MAX_ARGS;

	if (p && s->open_tid == ev->tid) {
		s->open_tid = 0;       /* continue the open line */
	} else if (p) {
		close_open(s);
		line_start(s, ev->tid, ev->t_ns + ev->dur_ns);
		sb_addf(&s->out, "<... %.*s resumed>", (int)sizeof ev->name, ev->name);
	} else {
		close_open(s);
		line_start(s, ev->tid, ev->t_ns);
		add_head(&s->out, ev, split, &s->opts);
	}
	add_tail(&s->out, ev, split, &s->opts);
	add_src(&s->out, &ev->src, s->opts.verbose);
	sb_addc(&s->out, '\n');
	add_stack(&s->out, &ev->src);
	if (p)
		pending_drop(s, ev->tid);
}

/* Signals, exits...  A thread that is gone takes its pending syscall along;
 * after a non-leader execve, its pending execve continues as the leader's. */
static void print_other(struct text_sink *s, const struct sd_event *ev)
{
	bool superseded = ev->kind == SD_EV_SUPERSEDED;
	pid_t tid = superseded ? ev->pid : ev->tid;

	close_open(s);
	if (superseded)
		note_tid(s, ev->old_tid);
	line_start(s, tid, ev->t_ns);
	add_other(&s->out, ev);
	sb_addc(&s->out, '\n');
	if (ev->kind == SD_EV_SIGNAL || ev->kind == SD_EV_STOP)
		return;
	pending_drop(s, tid);
	if (superseded) {
		struct pending *p = pending_find(s, ev->old_tid);
		if (p)
			p->tid = ev->pid;
	}
}

static void text_event(struct sd_sink *base, const struct sd_event *ev)
{
	struct text_sink *s = (struct text_sink *)base;

	note_tid(s, ev->tid);
	if (ev->kind == SD_EV_SYSCALL)
		print_syscall(s, ev);
	else
		print_other(s, ev);
	maybe_flush(s);
}

static int text_end(struct sd_sink *base, const struct sd_trace_end *te)
{
	struct text_sink *s = (struct text_sink *)base;

	(void)te;
	close_open(s);
	flush(s);
	if (s->err) {
		errno = s->err;   /* the first failure's, not what came after */
		return -1;
	}
	return 0;
}

static void text_destroy(struct sd_sink *base)
{
	struct text_sink *s = (struct text_sink *)base;

	if (!s)
		return;
	flush(s);
	sb_free(&s->out);
	free(s->pend);
	free(s);
}

struct sd_sink *sd_sink_text_new(int fd, const struct sd_text_opts *opts)
{
	struct text_sink *s = xcalloc(1, sizeof *s);

	s->base.begin = text_begin;
	s->base.enter = text_enter;
	s->base.event = text_event;
	s->base.end = text_end;
	s->base.destroy = text_destroy;
	s->fd = fd;
	s->line_buffered = isatty(fd);
	s->opts = opts ? *opts : (struct sd_text_opts){ .strsize = 32 };
	return &s->base;
}
