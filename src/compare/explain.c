/* explain.c - the calls behind a difference found elsewhere: for each path whose end
 * state differs between the runs (validate's end-state comparison), the first calls of
 * each trace that did something to it (created, truncated, wrote, renamed onto it,
 * removed it, changed its mode or times), so that the report can tie the difference to
 * the calls and their source lines even where the semantic level leaves the content and
 * metadata to the end state.  Pass 1 notes where those calls are; after the comparison
 * they are read back from their lines (sysdiff traces; strace logs are not revisited). */
#include <stdlib.h>
#include <string.h>
#include "compare/compare_int.h"

#define EXPLAIN_PER_PATH 3   /* calls kept per path and trace */

/* The path of the object a call changed (its second path for what rename and link
 * make), NULL when it changes no file or failed. */
static const char *changed_path(const struct sd_event *ev, bool *second)
{
	struct sd_sem sem;
	static const char *const classes[] = { "open", "truncate", "unlink", "rmdir", "rename",
		"link", "symlink", "mkdir", "mknod", "chmod", "chown", "utime", "xattr", "acl" };

	*second = false;
	if (ev->kind != SD_EV_SYSCALL || !ev->finished || sd_ret_is_error(ev->ret))
		return NULL;
	sd_sem_classify(ev, &sem);
	if (sem.action == SD_SEM_WRITE && ev->ret > 0) {
		/* write(fd, ...), sendfile(out, in, ...); copy_file_range and splice write to
		 * their third argument */
		int out = !strcmp(ev->name, "copy_file_range") || !strcmp(ev->name, "splice") ? 2 : 0;
		return out < ev->nargs && ev->args[out].type == SD_ARG_FD ? ev->args[out].ref : NULL;
	}
	if (sem.action != SD_SEM_CLASS)
		return NULL;   /* (and a transfer of nothing) */
	for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
		if (!strcmp(sem.cls, classes[i])) {
			*second = !strcmp(sem.cls, "rename") || !strcmp(sem.cls, "link");
			return sd_sem_path(ev, *second);
		}
	return NULL;
}

static uint64_t path_hash(const char *p)
{
	return XXH64(p, strlen(p), 59) | 1;
}

void explain_note(struct side *s, const struct sd_event *ev, uint64_t off)
{
	const char *const *paths = s->o->explain_paths;
	bool second;

	if (s->pass != 1 || !paths || !paths[0])
		return;
	if (!s->xmap.cap)   /* path -> its index + 1 */
		for (size_t i = 0; paths[i]; i++)
			kmap_put(&s->xmap, path_hash(paths[i]), i + 1);
	const char *p = changed_path(ev, &second);
	uint64_t i = p ? kmap_get(&s->xmap, path_hash(p)) : 0;
	if (!i || strcmp(paths[i - 1], p))
		return;
	size_t n = 0;
	for (size_t k = 0; k < s->nxnotes; k++)
		n += s->xnotes[k].path == i - 1;
	if (n >= EXPLAIN_PER_PATH)
		return;
	struct xnote x = { (uint32_t)(i - 1), off & OFF_MASK };
	PUSH(s->xnotes, s->nxnotes, s->capxnotes, x);
}

int explain_fetch(struct side *s, int side, struct sd_cmp_result *res, char **err)
{
	if (!s->nxnotes || s->out->fmt != SD_FMT_JSONL)
		return 0;
	if (side_open(s, NULL, err) < 0)
		return -1;
	for (size_t k = 0; k < s->nxnotes; k++) {
		struct sd_cmp_explain x = { .path = s->o->explain_paths[s->xnotes[k].path],
					    .side = side };
		sd_event_init(&x.ev.ev);
		if (sd_input_next_at(s->in, s->xnotes[k].off, &x.ev.ev, err) < 0) {
			sd_input_close(s->in);
			s->in = NULL;
			return -1;
		}
		x.ev.num = 0;
		x.ev.umask = -1;
		PUSH(res->explain, res->nexplain, res->capexplain, x);
	}
	sd_input_close(s->in);
	s->in = NULL;
	return 0;
}
