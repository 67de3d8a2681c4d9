/* filter.c - which events of a trace are compared: not the noise set, --ignore, the
 * runtime profiles' own start-up and shutdown, the semantic level's probes; what is
 * dropped is counted by rule for the report. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "compare/compare_int.h"

/* A drop by a named rule (a syscall, signal or event kind, a profile, a probe). */
static void count_rule(struct side *s, const char *rule)
{
	if (s->pass != 1)
		return;
	s->out->filtered++;
	for (size_t i = 0; i < s->ndrop_other; i++)
		if (!strcmp(s->drop_other[i].name, rule)) {
			s->drop_other[i].n++;
			return;
		}
	struct sd_cmp_drop d = { .n = 1 };
	snprintf(d.name, sizeof d.name, "%s", rule);
	PUSH(s->drop_other, s->ndrop_other, s->capdrop_other, d);
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

/* Does ev's file (first path argument, or first fd's target) lie in the state root? */
static bool under_root(const struct side *s, const struct sd_event *ev)
{
	const char *root = s->o->state_root, *p = NULL;
	size_t n = strlen(root);

	for (int i = 0; i < ev->nargs && i < SD_MAX_ARGS && !p; i++) {
		const struct sd_arg *a = &ev->args[i];
		if (a->type == SD_ARG_PATH)
			p = a->abs;
		else if (a->type == SD_ARG_FD && a->ref)
			p = a->ref;
	}
	if (n == 1 && root[0] == '/')
		return p && p[0] == '/';   /* validate: the end state of every path is compared */
	return p && !strncmp(p, root, n) && (p[n] == '/' || p[n] == '\0');
}

/* Semantic level: is ev a probe (read-only, or judged by the end state instead)?
 * Counts it when it is. */
static bool sem_dropped(struct side *s, const struct sd_event *ev)
{
	struct sd_sem sem;

	sd_sem_classify(ev, &sem);
	/* a seek is seen outside only on a file others share (stdin); elsewhere
	 * it shows in where later writes land, that is, in the end state */
	if (sem.action == SD_SEM_CLASS && !strcmp(sem.cls, "seek") && ev->nargs > 0 &&
	    is_file_ref(s, ev->args[0].ref)) {
		sem.action = SD_SEM_PROBE;
		sem.cls = "lseek";
	}
	if (sem.action == SD_SEM_CLASS && s->o->state_root &&
	    (!strcmp(sem.cls, "chmod") || !strcmp(sem.cls, "chown") ||
	     !strcmp(sem.cls, "utime")) && under_root(s, ev)) {
		sem.action = SD_SEM_PROBE;
		sem.cls = "end state: metadata";
	}
	if (sem.action != SD_SEM_PROBE)
		return false;
	char r[48];
	snprintf(r, sizeof r, "probe: %s", sem.cls ? sem.cls : ev->name);
	count_rule(s, r);
	return true;
}

/* Is this event compared?  Counts what is not.  e: its entity. */
bool keep_event(struct side *s, const struct sd_event *ev, int e)
{
	int nr = -1;

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
		return !s->o->semantic || !sem_dropped(s, ev);
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
	default:
		return true;
	}
}
