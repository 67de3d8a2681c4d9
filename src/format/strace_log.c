/* strace_log.c - the strace log importer (see strace_log.h): the line scanner and the
 * API.
 *
 * A line is "[PID ][TIME ][[ADDR] ]BODY[ <DURATION>]", PID also as "[pid PID] ".  BODY
 * is a syscall "name(args) = ret", its first half "name(args <unfinished ...>", its
 * second half "<... name resumed>args) = ret", a signal "--- SIGX {...} ---", a group
 * stop "--- stopped by SIGX ---" or a process event "+++ exited with N +++".  Halves are
 * joined per tid here; the arguments are split by a lexer that knows strace's quoting,
 * brackets, comments and fd annotations (strace_lex.c), then typed by the decode schema
 * (sd_decode_shape) in the call parser (strace_call.c), so each comes out as the live
 * tracer types it.  The processes and threads the log shows, and the events ready to be
 * returned, are in strace_proc.c.  Everything is linear in the input: no value from the
 * log sizes a loop or a buffer. */
#define _GNU_SOURCE
#include "format/strace_log.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/syscalls.h"
#include "format/strace_int.h"
#include "util/util.h"

/* ---- lines ---------------------------------------------------------------- */

struct line {
	pid_t tid;
	bool has_tid;
	uint64_t t_ns;
	bool has_dur;
	uint64_t dur_ns;
	const char *b, *e;      /* the body */
};

/* Timestamp of a line (-t, -tt, -ttt or -r) to ns since the first one. */
static uint64_t line_time(struct sd_strace *s, uint64_t v, bool tod)
{
	uint64_t abs;

	if (tod) {
		const uint64_t day = 86400ULL * 1000000000ULL;
		if (s->tod_seen && v + day / 2 < s->prev_tod)
			s->day_off += day;          /* past midnight */
		s->tod_seen = true;
		s->prev_tod = v;
		abs = v + s->day_off;
	} else if (s->relative || (!s->have_t0 && v < 1000000ULL * 1000000000ULL)) {
		s->relative = true;             /* -r: since the previous line */
		abs = s->last_abs + v;
	} else {
		abs = v;
	}
	if (!s->have_t0) {
		s->have_t0 = true;
		s->t0 = abs;
		if (!tod && !s->relative)
			s->info.start_real_ns = abs;
	}
	s->last_abs = abs;
	return abs >= s->t0 ? abs - s->t0 : 0;
}

/* The pid of a line: "1234  " (-f -o) or "[pid  1234] ".  Returns where the rest
 * starts (p when there is none), NULL on error. */
static const char *line_pid(const char *p, const char *end, struct line *l,
			    const char **why)
{
	if (starts(p, end, "[pid ")) {
		const char *q = p + 5;
		int64_t v;
		while (q < end && is_sp(*q))
			q++;
		const char *d = q;
		while (q < end && isdigit((unsigned char)*q))
			q++;
		if (q >= end || *q != ']' || !parse_num(d, (size_t)(q - d), &v) || v <= 0 ||
		    v > INT32_MAX) {
			*why = "bad pid";
			return NULL;
		}
		l->tid = (pid_t)v;
		l->has_tid = true;
		p = q + 1;
	} else if (p < end && isdigit((unsigned char)*p)) {
		const char *q = p;
		int64_t v;
		while (q < end && isdigit((unsigned char)*q))
			q++;
		if (q < end && is_sp(*q)) {
			if (q - p > 10 || !parse_num(p, (size_t)(q - p), &v) || v <= 0 || v > INT32_MAX) {
				*why = "bad pid";
				return NULL;
			}
			l->tid = (pid_t)v;
			l->has_tid = true;
			p = q;
		}
	}
	return p;
}

/* The timestamp of a line, if any: "12:34:56", "12:34:56.123456", "1700000000.123456",
 * "0.000123" (-r).  Returns where the rest starts, NULL on error. */
static const char *line_stamp(struct sd_strace *s, const char *p, const char *end,
			      struct line *l, const char **why)
{
	if (p < end && isdigit((unsigned char)*p)) {
		const char *q = p;
		uint64_t v;
		while (q < end && !is_sp(*q))
			q++;
		bool tod = memchr(p, ':', (size_t)(q - p)) != NULL;
		if (!parse_secs(p, q, tod, &v)) {
			*why = "bad timestamp";
			return NULL;
		}
		l->t_ns = line_time(s, v, tod);
		p = q;
		while (p < end && is_sp(*p))
			p++;
	}
	return p;
}

/* -T: " <0.000123>" at the end of the body [p, end): returns where the body ends. */
static const char *line_dur(const char *p, const char *end, struct line *l)
{
	if (end > p && end[-1] == '>') {
		const char *q = end - 1;
		while (q > p && (isdigit((unsigned char)q[-1]) || q[-1] == '.'))
			q--;
		if (q > p + 1 && q[-1] == '<' && is_sp(q[-2]) && q < end - 1 &&
		    parse_secs(q, end - 1, false, &l->dur_ns)) {
			l->has_dur = true;
			end = q - 1;
			while (end > p && is_sp(end[-1]))
				end--;
		}
	}
	return end;
}

/* Split a line into its pid, timestamp, body and duration (-T). */
static int split_line(struct sd_strace *s, const char *p, const char *end, struct line *l,
		      const char **why)
{
	memset(l, 0, sizeof *l);
	while (end > p && (end[-1] == '\r' || is_sp(end[-1])))
		end--;
	while (p < end && is_sp(*p))
		p++;
	if (!(p = line_pid(p, end, l, why)))
		return -1;
	while (p < end && is_sp(*p))
		p++;
	if (!(p = line_stamp(s, p, end, l, why)))
		return -1;
	/* -i "[00007f0123456789] ", -n "[ 59] " */
	while (p < end && *p == '[') {
		const char *q = p + 1;
		while (q < end && (isxdigit((unsigned char)*q) || *q == ' '))
			q++;
		if (q == p + 1 || q >= end || *q != ']')
			break;
		p = q + 1;
		while (p < end && is_sp(*p))
			p++;
	}
	l->b = p;
	l->e = line_dur(p, end, l);
	return 0;
}

static struct thr *line_thread(struct sd_strace *s, const struct line *l)
{
	pid_t tid = l->has_tid ? l->tid : s->any_pid ? s->last_tid : 0;

	if (l->has_tid) {
		s->any_pid = true;
		s->last_tid = tid;
	}
	if (!s->info.pid && !s->have_root)
		s->info.pid = tid;
	return thr_get(s, tid);
}

/* ---- calls and their halves ---------------------------------------------- */

/* The pending first half of t never completes (death, detach, end of log). */
static void flush_pending(struct sd_strace *s, struct thr *t)
{
	const char *why;
	struct pend *p = &t->pend;

	if (!p->on)
		return;
	char name[NAME_MAX_LEN + 1];
	memcpy(name, p->name, sizeof name);
	sb_adds(&p->text, ") = ?");
	struct sb text = p->text;
	uint64_t t_ns = p->t_ns;
	p->text = (struct sb)SB_INIT;
	pend_clear(p);
	if (complete(s, t, name, text.buf, text.len, t_ns, 0, false, &why) < 0) {
		/* the first half did not parse: keep what is known */
		struct sd_event ev;
		event_base(&ev, t, SD_EV_SYSCALL, t_ns);
		snprintf(ev.name, sizeof ev.name, "%s", name);
		ev.nr = sd_syscall_nr(name);
		q_push(s, &ev);
	}
	sb_free(&text);
}

/* Start a pending first half on t. */
static void pend_start(struct sd_strace *s, struct thr *t, const char *name, const char *p,
		       size_t n, uint64_t t_ns, unsigned long lineno)
{
	flush_pending(s, t);
	struct pend *pd = &t->pend;
	pd->on = true;
	snprintf(pd->name, sizeof pd->name, "%s", name);
	sb_add(&pd->text, p, n);
	pd->t_ns = t_ns;
	pd->lineno = lineno;
	pd->gen = ++s->gen;
	if (is_clone(name)) {
		pd->clone = true;
		pd->thread = clone_thread(name, p, n);
		if (s->ncs == s->cscap) {
			s->cscap = s->cscap ? 2 * s->cscap : 16;
			s->cstack = xrealloc(s->cstack, s->cscap * sizeof *s->cstack);
		}
		s->cstack[s->ncs++] = (struct cref){ t->tid, pd->gen };
	}
}

static void detach(struct sd_strace *s, struct thr *t, uint64_t t_ns)
{
	struct sd_event ev;

	flush_pending(s, t);
	event_base(&ev, t, SD_EV_DETACHED, t_ns);
	q_push(s, &ev);
	thr_drop(s, t);
}

#define UNFINISHED " <unfinished ...>"
#define DETACHED   " <detached ...>"

/* "name(args) = ret", "name(args <unfinished ...>", "name(args <detached ...>" */
static int do_syscall(struct sd_strace *s, const struct line *l, unsigned long lineno,
		      const char **why)
{
	const char *p = l->b, *e = l->e, *q = p;
	char name[NAME_MAX_LEN + 1];

	while (q < e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (q == p || q >= e || *q != '(') {
		*why = "not a syscall, signal or exit line";
		return -1;
	}
	if (q - p > NAME_MAX_LEN) {
		*why = "syscall name too long";
		return -1;
	}
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	p = q + 1;
	struct thr *t = line_thread(s, l);
	if (ends(p, e, UNFINISHED) || ends(p, e, DETACHED)) {
		bool det = ends(p, e, DETACHED);
		pend_start(s, t, name, p, (size_t)(e - p) - strlen(det ? DETACHED : UNFINISHED),
			   l->t_ns, lineno);
		if (det)
			detach(s, t, l->t_ns);
		return 0;
	}
	/* without -f: "name(args <unfinished ...>) = ?" on one line */
	const char *u = memmem(p, (size_t)(e - p), UNFINISHED ")", strlen(UNFINISHED) + 1);
	sb_reset(&s->joined);
	if (u) {
		sb_add(&s->joined, p, (size_t)(u - p));
		sb_add(&s->joined, u + strlen(UNFINISHED), (size_t)(e - u - strlen(UNFINISHED)));
	} else {
		sb_add(&s->joined, p, (size_t)(e - p));
	}
	flush_pending(s, t);
	return complete(s, t, name, sb_str(&s->joined), s->joined.len, l->t_ns, l->dur_ns,
			false, why);
}

/* "<... name resumed>rest" */
static int do_resumed(struct sd_strace *s, const struct line *l, const char **why)
{
	const char *p = l->b + 5, *e = l->e, *q = p;
	char name[NAME_MAX_LEN + 1];

	while (q < e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (q == p || q - p > NAME_MAX_LEN || !starts(q, e, " resumed>")) {
		*why = "bad '<... resumed>'";
		return -1;
	}
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	p = q + 9;
	struct thr *t = line_thread(s, l);
	struct pend *pd = &t->pend;
	bool joined = pd->on && !strcmp(pd->name, name);
	if (!joined)
		flush_pending(s, t);
	if (ends(p, e, UNFINISHED) || ends(p, e, DETACHED)) {
		bool det = ends(p, e, DETACHED);
		size_t n = (size_t)(e - p) - strlen(det ? DETACHED : UNFINISHED);
		if (joined)
			sb_add(&pd->text, p, n);
		else
			pend_start(s, t, name, p, n, l->t_ns, 0);
		if (det)
			detach(s, t, l->t_ns);
		return 0;
	}
	if (!joined)   /* its first half is not in the log (attached mid-call) */
		return complete(s, t, name, p, (size_t)(e - p), l->t_ns, l->dur_ns, true, why);
	sb_reset(&s->joined);
	sb_add(&s->joined, pd->text.buf, pd->text.len);
	sb_add(&s->joined, p, (size_t)(e - p));
	uint64_t t0 = pd->t_ns;
	pend_clear(pd);
	return complete(s, t, name, sb_str(&s->joined), s->joined.len, t0, l->dur_ns, false, why);
}

/* ---- signals and process events ------------------------------------------ */

/* "--- SIGCHLD {...} ---", "--- stopped by SIGSTOP ---" */
static int do_signal(struct sd_strace *s, const struct line *l, const char **why)
{
	const char *p = l->b + 4, *e = l->e - 4;
	struct sd_event ev;
	bool stop = starts(p, e, "stopped by ");

	if (stop)
		p += 11;
	const char *q = p;
	while (q < e && !is_sp(*q))
		q++;
	int sig = signal_value((struct span){ p, (size_t)(q - p) });
	if (sig < 0) {
		*why = "unknown signal";
		return -1;
	}
	struct thr *t = line_thread(s, l);
	event_base(&ev, t, stop ? SD_EV_STOP : SD_EV_SIGNAL, l->t_ns);
	ev.sig = sig;
	struct span info = trim(q, e);
	if (!stop && info.n && info.p[0] == '{')
		ev.siginfo = span_dup(info);
	q_push(s, &ev);
	return 0;
}

/* "+++ exited with 0 +++", "+++ killed by SIGKILL (core dumped) +++",
 * "+++ superseded by execve in pid N +++", "+++ detached +++" */
static int do_process(struct sd_strace *s, const struct line *l, const char **why)
{
	const char *p = l->b + 4, *e = l->e - 4;
	struct sd_event ev;
	int64_t v;

	struct thr *t = line_thread(s, l);
	s->any_exit_line = true;
	if (starts(p, e, "exited with ")) {
		struct span n = trim(p + 12, e);
		if (!parse_num(n.p, n.n, &v) || v < 0 || v > 255) {
			*why = "bad exit status";
			return -1;
		}
		flush_pending(s, t);
		event_base(&ev, t, SD_EV_EXIT, l->t_ns);
		ev.status = (int)v;
	} else if (starts(p, e, "killed by ")) {
		struct span r = trim(p + 10, e);
		bool core = ends(r.p, r.p + r.n, " (core dumped)");
		if (core)
			r.n -= 14;
		int sig = signal_value(trim(r.p, r.p + r.n));
		if (sig <= 0) {
			*why = "unknown signal";
			return -1;
		}
		flush_pending(s, t);
		event_base(&ev, t, SD_EV_KILLED, l->t_ns);
		ev.sig = sig;
		ev.core = core;
	} else if (starts(p, e, "superseded by ")) {
		struct span n = trim(p + 14, e);
		if (starts(n.p, n.p + n.n, "execve in pid "))
			n = trim(n.p + 14, n.p + n.n);
		else if (starts(n.p, n.p + n.n, "process "))
			n = trim(n.p + 8, n.p + n.n);
		if (!parse_num(n.p, n.n, &v) || v <= 0 || v > INT32_MAX) {
			*why = "bad pid";
			return -1;
		}
		/* the execing thread takes over the leader's tid */
		flush_pending(s, t);
		struct thr *o = (pid_t)v != t->tid ? thr_find(s, (pid_t)v) : NULL;
		if (o) {
			pid_t tid = t->tid;
			thr_drop(s, t);
			thr_unlink(s, o);
			o->tid = tid;
			thr_link(s, o);
			t = o;
		}
		rst_clear(&t->rst);
		event_base(&ev, t, SD_EV_SUPERSEDED, l->t_ns);
		ev.old_tid = (pid_t)v;
		q_push(s, &ev);
		return 0;
	} else if (span_is(trim(p, e), "detached")) {
		flush_pending(s, t);
		event_base(&ev, t, SD_EV_DETACHED, l->t_ns);
	} else {
		*why = "unknown process event";
		return -1;
	}
	if (ev.kind != SD_EV_DETACHED && t->tid == s->root && !s->root_done) {
		s->root_done = true;
		s->root_status = ev.kind == SD_EV_EXIT ? ev.status : 128 + ev.sig;
	}
	q_push(s, &ev);
	thr_drop(s, t);
	return 0;
}

/* ---- one line ------------------------------------------------------------- */

/* One line: 1 = it was part of the log, 0 = blank, -1 = *why. */
static int do_line(struct sd_strace *s, const char *line, size_t len, unsigned long lineno,
		   const char **why)
{
	struct line l;

	if (split_line(s, line, line + len, &l, why) < 0)
		return -1;
	if (l.b == l.e)
		return l.has_tid ? 1 : 0;
	if (starts(l.b, l.e, "--- ") && ends(l.b, l.e, " ---") && l.e - l.b >= 8)
		return do_signal(s, &l, why) < 0 ? -1 : 1;
	if (starts(l.b, l.e, "+++ ") && ends(l.b, l.e, " +++") && l.e - l.b >= 8)
		return do_process(s, &l, why) < 0 ? -1 : 1;
	if (starts(l.b, l.e, "<... "))
		return do_resumed(s, &l, why) < 0 ? -1 : 1;
	if (starts(l.b, l.e, "strace: ") || starts(l.b, l.e, "[ Process ") ||
	    starts(l.b, l.e, "| ") || starts(l.b, l.e, "> "))
		return 1;   /* messages, -e read/write dumps, -k stack frames */
	if (starts(l.b, l.e, "% time")) {
		s->eof = true;     /* -C: the summary table follows the events */
		return 1;
	}
	return do_syscall(s, &l, lineno, why) < 0 ? -1 : 1;
}

/* ---- end of input --------------------------------------------------------- */

static int pend_cmp(const void *a, const void *b)
{
	const struct thr *x = *(struct thr *const *)a, *y = *(struct thr *const *)b;

	return x->pend.gen < y->pend.gen ? -1 : x->pend.gen > y->pend.gen;
}

static void finish(struct sd_strace *s)
{
	struct thr **v = xcalloc(s->nthr ? s->nthr : 1, sizeof *v);
	size_t n = 0;

	for (size_t i = 0; i < s->tabsize; i++)
		for (struct thr *t = s->tab[i]; t; t = t->next)
			if (t->pend.on && n < s->nthr)
				v[n++] = t;
	if (n > 1)
		qsort(v, n, sizeof *v, pend_cmp);
	for (size_t i = 0; i < n; i++)
		flush_pending(s, v[i]);
	free(v);
	s->eof = true;
}

static void set_end(struct sd_strace *s)
{
	if (!s->root_done && s->root_exit_group && !s->any_exit_line) {
		s->root_done = true;        /* strace -qq: no exit lines at all */
		s->root_status = s->root_exit_arg;
	}
	s->have_end = true;
	s->end.complete = s->root_done && !s->partial;
	s->end.exit_status = s->root_done ? s->root_status : 0;
	s->end.events = s->returned;
	if (s->partial)
		s->end.reason = xstrdup("the strace log ends with a partial line");
	else if (!s->root_done)
		s->end.reason = xstrdup("the strace log ends before the traced command exited");
}

/* Read and process the next line.  1 = a line, 0 = end of input, -1 = error (s->errmsg) */
static int read_one(struct sd_strace *s, bool first, bool *blank)
{
	char *line, *lerr = NULL;
	size_t len;
	bool nl;
	const char *why = NULL;

	*blank = false;
	int rc = sd_lines_next(s->in, &line, &len, &nl, &lerr);
	if (rc < 0) {
		s->errmsg = lerr;
		return -1;
	}
	if (rc == 0)
		return 0;
	if (!nl) {        /* strace was killed mid-line: never trust a partial line */
		struct span t = trim(line, line + len);
		if (t.n)
			s->partial = true;
		return 0;
	}
	unsigned long ln = sd_lines_lineno(s->in);
	rc = do_line(s, line, len, ln, &why);
	if (rc < 0) {
		s->errmsg = xasprintf("%s:%lu: %s: %s", sd_lines_name(s->in), ln,
				      first ? "not an strace log" : "cannot parse strace line", why);
		return -1;
	}
	*blank = rc == 0;
	return 1;
}

/* ---- API ------------------------------------------------------------------ */

bool sd_strace_sniff(const char *head, size_t n)
{
	const char *p = head, *end = head + n;

	while (p < end && (*p == '\n' || *p == '\r' || is_sp(*p)))
		p++;
	const char *e = memchr(p, '\n', (size_t)(end - p));
	if (!e)
		e = end;
	if (p == e || *p == '{')
		return false;
	/* a throwaway importer state for the prefix */
	struct sd_strace tmp;
	struct line l;
	const char *why;
	memset(&tmp, 0, sizeof tmp);
	if (split_line(&tmp, p, e, &l, &why) < 0 || l.b == l.e)
		return false;
	if (starts(l.b, l.e, "--- ") || starts(l.b, l.e, "+++ ") || starts(l.b, l.e, "<... ") ||
	    starts(l.b, l.e, "strace: ") || starts(l.b, l.e, "[ Process "))
		return true;
	const char *q = l.b;
	while (q < l.e && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	return q > l.b && q - l.b <= NAME_MAX_LEN && q < l.e && *q == '(' &&
	       !isdigit((unsigned char)*l.b);
}

struct sd_strace *sd_strace_open(struct sd_lines *in, const struct sd_strace_opts *opts,
				 char **err)
{
	struct sd_strace *s = xcalloc(1, sizeof *s);
	bool blank;
	int rc;

	s->in = in;
	s->cwd0 = opts && opts->cwd ? xstrdup(opts->cwd) : NULL;
	s->info.version = SD_TRACE_VERSION;
	s->info.tool = xstrdup("strace");
	s->info.arch = xstrdup("x86_64");
	s->info.cwd = s->cwd0 ? xstrdup(s->cwd0) : NULL;
	/* the first line that is not blank must parse */
	while ((rc = read_one(s, true, &blank)) == 1 && blank && !s->eof)
		;
	if (rc < 0) {
		if (err)
			*err = s->errmsg;
		else
			free(s->errmsg);
		s->errmsg = NULL;
		sd_strace_close(s);
		return NULL;
	}
	if (rc == 0)
		finish(s);
	/* argv (set by complete() from a leading execve); otherwise attached */
	s->info.attached = s->info.argv == NULL;
	if (s->info.attached) {
		for (size_t i = 0; i < s->tabsize; i++)
			for (struct thr *t = s->tab[i]; t; t = t->next)
				if (t->pend.on && !strcmp(t->pend.name, "execve"))
					s->info.attached = false;
	}
	return s;
}

const struct sd_trace_info *sd_strace_info(const struct sd_strace *s)
{
	return &s->info;
}

int sd_strace_next(struct sd_strace *s, struct sd_event *ev, char **err)
{
	bool blank;

	sd_event_init(ev);
	for (;;) {
		if (s->qhead < s->qlen) {
			*ev = s->q[s->qhead++];
			sd_event_init(&s->q[s->qhead - 1]);
			s->returned++;
			return 1;
		}
		if (s->failed) {
			if (err)
				*err = xstrdup(s->errmsg);
			return -1;
		}
		if (s->have_end)
			return 0;
		if (s->eof) {
			if (!s->have_end) {
				finish(s);
				if (s->qhead < s->qlen)
					continue;
				set_end(s);
			}
			return 0;
		}
		int rc = read_one(s, false, &blank);
		if (rc < 0) {
			s->failed = true;
			continue;
		}
		if (rc == 0)
			finish(s);
	}
}

const struct sd_trace_end *sd_strace_end(const struct sd_strace *s)
{
	return s->have_end ? &s->end : NULL;
}

void sd_strace_close(struct sd_strace *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->tabsize; i++)
		for (struct thr *t = s->tab[i], *n; t; t = n) {
			n = t->next;
			thr_free(t);
		}
	free(s->tab);
	free(s->cstack);
	for (size_t i = s->qhead; i < s->qlen; i++)
		sd_event_clear(&s->q[i]);
	free(s->q);
	sb_free(&s->joined);
	sd_trace_info_clear(&s->info);
	sd_trace_end_clear(&s->end);
	free(s->errmsg);
	free(s->cwd0);
	sd_lines_close(s->in);
	free(s);
}
