/* path.c - path arguments: read the string, resolve it against the cwd or a
 * dirfd, and normalize it lexically. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "decode/decode_int.h"
#include "util/path.h"

/* Decode the path argument i.  dirfd_arg: index of the dirfd argument, or -1 for
 * the cwd; flags_arg: index of an AT_* flags argument (AT_EMPTY_PATH), or -1. */
void dec_path(struct dctx *c, int i, int dirfd_arg, int flags_arg)
{
	struct sd_arg *a = &c->ev->args[i];
	const char *base = NULL;
	bool trunc, dirfd_cwd = true;
	uint64_t addr = ARG(c, i);

	a->type = SD_ARG_PATH;
	if (!addr) {
		arg_set_text(a, xstrdup("NULL"));
		return;
	}
	a->str = mem_str(c, addr, DEC_PATH_MAX, &trunc);
	if (!a->str) {
		arg_set_text(a, xasprintf("%#llx", (unsigned long long)addr));
		return;
	}
	if (trunc) {
		arg_set_text(a, xstrdup("..."));
		return;
	}
	if (!c->opts->paths_abs)
		return;
	if (dirfd_arg >= 0 && IARG(c, dirfd_arg) != AT_FDCWD) {
		base = c->ev->args[dirfd_arg].ref;
		dirfd_cwd = false;
	} else if (c->env->cwd) {
		base = c->env->cwd(c->env->priv);
	}
	if (!a->str[0]) {
		/* "" is ENOENT unless AT_EMPTY_PATH: then it names the dirfd itself */
		if (flags_arg >= 0 && (ARG(c, flags_arg) & AT_EMPTY_PATH) && base)
			a->abs = dirfd_cwd ? sd_path_absolute(base, ".") : xstrdup(base);
		return;
	}
	a->abs = sd_path_absolute(base, a->str);
}
