/* compare.c - sd_compare(): decide whether two traces behave the same, phase by phase
 * (docs/ARCHITECTURE.md, "Compare"; the rules are in docs/compare.md).  The phases
 * live in their own files: stream.c reads a trace into per-thread records, filter.c and
 * transfer.c decide what is compared and fold it, align.c pairs, aligns and shows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "compare/compare_int.h"

const char sd_cmp_noise_spec[] =
	"brk,mmap,munmap,mprotect,mremap,madvise,futex,sched_yield,rt_sigaction,"
	"rt_sigprocmask,rt_sigreturn,sigaltstack,clock_gettime,clock_getres,gettimeofday,"
	"time,set_tid_address,set_robust_list,rseq,arch_prctl,prlimit64,getrandom";

void sd_cmp_default_noise(struct sd_sysset *s)
{
	char err[128];

	sd_sysset_clear(s);
	if (sd_sysset_parse(s, sd_cmp_noise_spec, err, sizeof err) < 0)
		sd_die("internal error: noise set: %s", err);
}

struct job {
	struct side *s;
	int pass;
	const char *cwd;
	char *err;
	int rc;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	struct side *s = j->s;

	if (j->pass == 0 && s->pass0_skip) {
		j->rc = 0;
		return NULL;
	}
	j->rc = side_pass(s, j->pass, j->cwd, &j->err);
	if (j->rc == 0 && j->pass == 1)
		side_after_pass1(s);
	return NULL;
}

/* Run a pass over both traces, the second in a thread of its own (they share nothing
 * but read-only tables).  On failure *err names the first trace that failed. */
static int both_passes(struct side sd[2], int pass, const char *const cwd[2], char **err)
{
	struct job j[2] = { { &sd[0], pass, cwd[0], NULL, 0 }, { &sd[1], pass, cwd[1], NULL, 0 } };
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, job_run, &j[1]) == 0;

	job_run(&j[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		job_run(&j[1]);
	int bad = j[0].rc < 0 ? 0 : j[1].rc < 0 ? 1 : -1;
	if (bad >= 0) {
		*err = j[bad].err;
		j[bad].err = NULL;
	}
	free(j[0].err);
	free(j[1].err);
	return bad >= 0 ? -1 : 0;
}

static char *spool_stdin(char **err)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0) {
		char tmpl[] = "/tmp/sysdiff-stdin-XXXXXX";
		fd = mkstemp(tmpl);
		if (fd >= 0)
			unlink(tmpl);
	}
	if (fd < 0) {
		*err = xasprintf("<stdin>: cannot keep a copy in /tmp: %s", strerror(errno));
		return NULL;
	}
	if (sd_copy_fd(0, fd) < 0) {
		*err = xasprintf("<stdin>: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	return xasprintf("/proc/self/fd/%d", fd);   /* fd stays open for both passes */
}

/* One comparison in progress. */
struct cmp {
	struct side sd[2];
	const struct sd_cmp_opts *o;
	struct sd_cmp_result *res;
	char *spooled;                 /* a copy of stdin, when a trace is read from it */
	char *jcwd[2];                 /* the other trace's start directory */
	const char *cwd[2];            /* start directory assumed for each strace log */
	enum sd_input_format fmt[2];
	struct aligned al;
	struct sd_path_map *maps[2];   /* each side's path maps: both traces', then its own */
	uint32_t *want[2];             /* records to fetch */
	size_t nwant[2];
};

/* Phase 0: the sides, and a trace on stdin kept in a file (it is read twice). */
static int cmp_open(struct cmp *c, const char *const path[2], char **err)
{
	if (!strcmp(path[0], "-") && !strcmp(path[1], "-")) {
		*err = xstrdup("only one of the two traces can be read from stdin");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		struct side *s = &c->sd[i];
		s->path = path[i];
		s->out = &c->res->side[i];
		s->o = c->o;
		s->root = -1;
		s->out->name = xstrdup(c->o->names[i] ? c->o->names[i] :
				       !strcmp(path[i], "-") ? "<stdin>" : path[i]);
		if (!strcmp(path[i], "-")) {
			if (!(c->spooled = spool_stdin(err)))
				return -1;
			s->path = c->spooled;
		}
	}
	return 0;
}

/* Phase 1: each input's format; strace logs get a pre-scan (pass 0) for how many bytes
 * of a buffer they show and whether they name fds, which decides how both traces are
 * normalized.  Logs do not record their start directory: assume the other trace's
 * unless told. */
static int learn_formats(struct cmp *c, char **err)
{
	struct side *sd = c->sd;
	uint32_t maxb[2] = { 0, 0 }, limit = 0, dlimit = 0;
	bool by_number = false, by_count = false;

	for (int i = 0; i < 2; i++) {
		c->cwd[i] = c->o->strace_cwd;
		if (side_open(&sd[i], NULL, err) < 0)
			return -1;
		c->fmt[i] = sd_input_format(sd[i].in);
		const struct sd_trace_info *ti = sd_input_info(sd[i].in);
		if (c->fmt[i] == SD_FMT_JSONL) {
			maxb[i] = ti->max_bytes;
			if (ti->cwd)
				c->jcwd[!i] = xstrdup(ti->cwd);
		}
		sd_input_close(sd[i].in);
		sd[i].in = NULL;
	}
	for (int i = 0; i < 2; i++) {
		if (!c->o->strace_cwd)
			c->cwd[i] = c->jcwd[i];
		sd[i].pass0_skip = c->fmt[i] != SD_FMT_STRACE;
	}
	if ((c->fmt[0] == SD_FMT_STRACE || c->fmt[1] == SD_FMT_STRACE) &&
	    both_passes(sd, 0, c->cwd, err) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (c->fmt[i] != SD_FMT_STRACE)
			continue;
		side_reset(&sd[i]);
		if (!sd[i].any_ref)
			by_number = true;
		if (sd[i].dirents_counted)
			by_count = true;
		c->res->side[i].content_limit = sd[i].cut_min;
		if (sd[i].cut_min && (!limit || sd[i].cut_min < limit))
			limit = sd[i].cut_min;
	}
	if (limit)
		for (int i = 0; i < 2; i++)
			if (c->fmt[i] == SD_FMT_JSONL && maxb[i] && maxb[i] < limit)
				limit = maxb[i];
	c->res->content_limit = limit;
	/* directory listings: only the entries within the bytes every sysdiff trace kept */
	for (int i = 0; i < 2; i++)
		if (c->fmt[i] == SD_FMT_JSONL && maxb[i] && (!dlimit || maxb[i] < dlimit))
			dlimit = maxb[i];
	for (int i = 0; i < 2; i++) {
		/* both traces' maps, then this one's own */
		size_t n = c->o->nmaps + c->o->nside_maps[i];
		c->maps[i] = xcalloc(n + 1, sizeof *c->maps[i]);
		for (size_t k = 0; k < c->o->nmaps; k++)
			c->maps[i][k] = c->o->maps[k];
		for (size_t k = 0; k < c->o->nside_maps[i]; k++)
			c->maps[i][c->o->nmaps + k] = c->o->side_maps[i][k];
		sd[i].nopts = (struct sd_norm_opts){ .maps = c->maps[i], .nmaps = n,
			.ignore_cloexec = c->o->ignore_cloexec, .content_limit = limit,
			.fds_by_number = by_number, .dirents_limit = dlimit,
			.dirents_by_count = by_count };
	}
	return 0;
}

/* Pass 2: fetch the chosen events from each trace. */
static int fetch_events(struct cmp *c, char **err)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &c->sd[i];
		s->want = c->want[i];
		s->nwant = c->nwant[i];
		s->got = xcalloc(s->nwant + 1, sizeof *s->got);
		s->ngot = 0;
		if (side_fetch(s, c->cwd[i], err) < 0)
			return -1;
	}
	return 0;
}

static void free_got(struct side *s)
{
	if (!s->got)
		return;
	for (size_t j = 0; j < s->ngot; j++) {
		sd_event_clear(&s->got[j].ev);
		for (int f = 0; f < SD_NF; f++)
			free(s->got[j].pid_label[f]);
	}
	free(s->got);
	s->got = NULL;
}

static void cmp_free(struct cmp *c)
{
	free(c->jcwd[0]);
	free(c->jcwd[1]);
	free(c->maps[0]);
	free(c->maps[1]);
	aligned_free(&c->al);
	for (int i = 0; i < 2; i++) {
		free(c->want[i]);
		free_got(&c->sd[i]);
		side_free(&c->sd[i]);
	}
	if (c->spooled) {
		close(atoi(c->spooled + strlen("/proc/self/fd/")));
		free(c->spooled);
	}
}

int sd_compare(const char *const path[2], const struct sd_cmp_opts *o,
	       struct sd_cmp_result *res, char **err)
{
	struct cmp c = { .o = o, .res = res };
	int ctx = o->context < 1 ? 1 : o->context;
	int rc = -1;

	memset(res, 0, sizeof *res);
	res->exact = true;
	res->semantic = o->semantic;
	json_object_seed(0);   /* before threads: jansson seeds its hash on first use */
	if (cmp_open(&c, path, err) < 0 || learn_formats(&c, err) < 0)
		goto out;
	if (both_passes(c.sd, 1, c.cwd, err) < 0)      /* pass 1, both traces at once */
		goto out;
	pair_streams(c.sd, &c.al);
	align_streams(c.sd, &c.al, o, res);
	choose_events(c.sd, &c.al, res->nreported, ctx, c.want, c.nwant);
	if (fetch_events(&c, err) < 0)
		goto out;
	for (int i = 0; i < 2; i++)
		if (explain_fetch(&c.sd[i], i, res, err) < 0)
			goto out;
	build_view(c.sd, &c.al, ctx, res);
	for (int i = 0; i < 2; i++) {   /* the result owns the fetched events */
		res->priv_events[i] = c.sd[i].got;
		res->priv_nevents[i] = c.sd[i].ngot;
		c.sd[i].got = NULL;
	}
	rc = 0;
out:
	cmp_free(&c);
	if (rc < 0)
		sd_cmp_result_free(res);
	return rc;
}

void sd_cmp_result_free(struct sd_cmp_result *res)
{
	for (size_t k = 0; k < res->nreported && res->divs; k++) {
		free(res->divs[k].rows);
		free((char *)res->divs[k].label);
	}
	free(res->divs);
	for (int i = 0; i < 2; i++) {
		struct sd_cmp_side *s = &res->side[i];
		free(s->name);
		if (s->argv)
			for (size_t j = 0; s->argv[j]; j++)
				free(s->argv[j]);
		free(s->argv);
		free(s->incomplete_reason);
		free(s->drops);
		for (size_t j = 0; j < res->priv_nevents[i]; j++) {
			sd_event_clear(&res->priv_events[i][j].ev);
			for (int f = 0; f < SD_NF; f++)
				free(res->priv_events[i][j].pid_label[f]);
		}
		free(res->priv_events[i]);
	}
	for (size_t j = 0; j < res->nexplain; j++)
		sd_event_clear(&res->explain[j].ev.ev);
	free(res->explain);
	memset(res, 0, sizeof *res);
}
