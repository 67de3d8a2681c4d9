/* filter.c - which events of a trace are compared: not the noise set, --ignore, the
 * runtime profiles' own start-up and shutdown, the semantic level's probes; what is
 * dropped is counted by rule for the report. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "compare/compare_int.h"

/* A drop by a named rule (a syscall, signal or event kind, a profile, a probe). */
void count_rule_n(struct side *s, const char *rule, uint32_t n)
{
	if (s->pass != 1 || !n)
		return;
	s->out->filtered += n;
	for (size_t i = 0; i < s->ndrop_other; i++)
		if (!strcmp(s->drop_other[i].name, rule)) {
			s->drop_other[i].n += n;
			return;
		}
	struct sd_cmp_drop d = { .n = n };
	snprintf(d.name, sizeof d.name, "%s", rule);
	PUSH(s->drop_other, s->ndrop_other, s->capdrop_other, d);
}

void count_rule(struct side *s, const char *rule)
{
	count_rule_n(s, rule, 1);
}

static void count_drop(struct side *s, const struct sd_event *ev, int nr)
{
	if (s->pass != 1)
		return;
	if (ev->kind == SD_EV_SYSCALL && nr >= 0 && nr < SD_NR_MAX) {
		s->out->filtered++;
		s->drop_nr[nr]++;   /* by number: no name lookup on the hot path */
		return;
	}
	count_rule(s, ev->kind == SD_EV_SYSCALL ? ev->name :
		      ev->kind == SD_EV_SIGNAL ? sd_signal_name(ev->sig) : sd_ev_kind_name(ev->kind));
}

bool is_exec(const struct sd_event *ev)
{
	return !strcmp(ev->name, "execve") || !strcmp(ev->name, "execveat");
}

bool is_file_ref(const struct side *s, const char *ref)
{
	if (!ref || ref[0] != '/' || !strncmp(ref, "/dev/", 5))
		return false;
	for (size_t i = 0; s->o->content_paths && s->o->content_paths[i]; i++) {
		const char *cd = s->o->content_paths[i];
		size_t n = strlen(cd);
		if (!strncmp(ref, cd, n) && (ref[n] == '/' || ref[n] == '\0'))
			return false;
	}
	return true;
}

/* Semantic level: is ev a probe, an observation, or an effect judged elsewhere (the
 * end state)?  Counts it when it is. */
static bool sem_dropped(struct side *s, const struct sd_event *ev, int e, struct sd_sem *sem,
			struct sd_sem_ctx *ctx)
{
	sd_sem_classify(ev, sem);
	/* a seek is seen outside only on a file others share (stdin); elsewhere
	 * it shows in where later writes land, that is, in the end state */
	if (sem->action == SD_SEM_CLASS && !strcmp(sem->cls, "seek") && ev->nargs > 0 &&
	    is_file_ref(s, ev->args[0].ref)) {
		sem->action = SD_SEM_PROBE;
		sem->cls = "lseek";
		sem->rule = "probe";
	}
	effect_refine(s, e, ev, sem, ctx);
	if (sem->action != SD_SEM_PROBE)
		return false;
	if (sem->rule && strcmp(sem->rule, "probe")) {
		count_rule(s, sem->rule);
	} else {
		char r[48];
		snprintf(r, sizeof r, "probe: %s", sem->cls ? sem->cls : ev->name);
		count_rule(s, r);
	}
	return true;
}

/* Calls the trace counts without events (its trailer's "unrecorded": calls of an
 * interpreter's start-up that keep nothing), each dropped by the rule that drops such a
 * call when it is recorded: the noise set by name, else the runtime profile's start-up.
 * They count among the events read, as they did when they were recorded. */
void count_unrecorded(struct side *s, const struct sd_count *c, size_t n)
{
	for (size_t i = 0; i < n && s->pass == 1; i++) {
		int nr = sd_syscall_nr(c[i].name);
		s->unrecorded += c[i].n;
		if (nr >= 0 && nr < SD_NR_MAX && sd_sysset_has(&s->o->ignore, nr)) {
			s->out->filtered += c[i].n;
			s->drop_nr[nr] += c[i].n;
			continue;
		}
		struct sd_event ev;
		sd_event_init(&ev);
		ev.kind = SD_EV_SYSCALL;
		ev.nr = nr;
		snprintf(ev.name, sizeof ev.name, "%s", c[i].name);
		ev.src.lang = xstrdup("python");
		ev.src.phase = xstrdup("startup");
		const char *rule = "runtime: interpreter start-up (unrecorded)";
		if (s->o->profiles && s->prof)
			sd_profiles_match(s->prof, &ev, &rule);
		count_rule_n(s, rule, (uint32_t)(c[i].n > UINT32_MAX ? UINT32_MAX : c[i].n));
		sd_event_clear(&ev);
	}
}

bool keep_event(struct side *s, const struct sd_event *ev, int e, struct sd_sem *sem,
		struct sd_sem_ctx *ctx)
{
	int nr = -1;

	*sem = (struct sd_sem){ SD_SEM_KEEP, NULL, NULL };
	*ctx = (struct sd_sem_ctx){ .umask = -1 };
	switch (ev->kind) {
	case SD_EV_SYSCALL:
		nr = ev->nr >= 0 && ev->nr < SD_NR_MAX ? ev->nr : sd_syscall_nr(ev->name);
		if (!s->root_exec_seen && e == s->root && is_exec(ev)) {
			s->root_exec_seen = true;
			if (s->pass == 1 && !s->out->argv && ev->nargs > 1 && ev->args[1].strv) {
				const struct sd_arg *a = &ev->args[1];
				s->out->argv = xcalloc((size_t)a->nstrv + 1, sizeof *s->out->argv);
				for (int i = 0; i < a->nstrv; i++)
					s->out->argv[i] = xstrdup(a->strv[i] ? a->strv[i] : "");
			}
			if (s->o->profiles && !s->prof)
				s->prof = sd_profiles_for(ev);
			if (!s->o->root_exec) {
				count_drop(s, ev, -1);
				return false;
			}
		}
		if (nr >= 0 && nr < SD_NR_MAX && sd_sysset_has(&s->o->ignore, nr)) {
			count_drop(s, ev, nr);
			return false;
		}
		if (s->o->profiles) {
			const char *rule;
			if (!s->prof)
				s->prof = sd_profiles_for(NULL);
			if (sd_profiles_match(s->prof, ev, &rule)) {
				count_rule(s, rule);
				return false;
			}
		}
		return !s->o->semantic || !sem_dropped(s, ev, e, sem, ctx);
	case SD_EV_SIGNAL:
		if (ev->sig == SIGCHLD && !s->o->keep_sigchld) {
			count_drop(s, ev, -1);
			return false;
		}
		return true;
	case SD_EV_SUPERSEDED:
	case SD_EV_DETACHED:
		count_drop(s, ev, -1);
		return false;
	case SD_EV_EXIT:
		if (s->o->semantic && s->ents[e].is_thread) {
			count_rule(s, "thread: its calls are its process's");
			return false;
		}
		return true;
	default:
		return true;
	}
}
