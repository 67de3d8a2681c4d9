/* path.c - lexical path arithmetic (no file system access). */
#define _GNU_SOURCE
#include <string.h>
#include "util/path.h"
#include "util/util.h"

/* Append the components of p to out (which holds a normalized absolute path
 * without trailing slash, "" meaning "/"): skip "" and ".", ".." drops one. */
static void add_components(char *out, size_t *len, const char *p)
{
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (*len > 0 && out[*len - 1] != '/')
				(*len)--;
			if (*len > 0)
				(*len)--;          /* the '/' itself */
		} else if (n && !(n == 1 && p[0] == '.')) {
			out[(*len)++] = '/';
			memcpy(out + *len, p, n);
			*len += n;
		}
		p = *e ? e + 1 : e;
	}
}

char *sd_path_absolute(const char *base, const char *path)
{
	size_t len = 0;
	char *out;

	if (!path)
		return NULL;
	if (path[0] != '/' && (!base || base[0] != '/'))
		return NULL;
	out = xmalloc(strlen(path) + (base ? strlen(base) : 0) + 3);
	if (path[0] != '/')
		add_components(out, &len, base);
	add_components(out, &len, path);
	if (!len)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}
