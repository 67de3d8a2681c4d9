/* sourcemap.c - transpiler source maps (version 1): a generated Rust location back to
 * the original Python or C file and line.  The input is untrusted (it is fuzzed):
 * every value is type- and range-checked, errors are one line naming the file. */
#define _GNU_SOURCE
#include "srcloc/srcloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "util/util.h"

#define MAP_MAX_BYTES (64u << 20)
#define MAP_MAX_ENTRIES (1 << 20)

struct mapping {
	int gen_line;
	int orig_line;
	char *gen_func;
	char *orig_func;
	char *context;
	size_t order;           /* position in the file: the first of equal lines wins */
};

struct fmap {
	char *gen;
	char *orig;
};

struct sd_srcmap {
	char *language;
	char *source_file;
	char *generated_file;
	struct mapping *m;      /* sorted by gen_line, then order */
	size_t n;
	struct fmap *f;         /* function_map */
	size_t nf;
};

void sd_srcmap_free(struct sd_srcmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->m[i].gen_func);
		free(m->m[i].orig_func);
		free(m->m[i].context);
	}
	for (size_t i = 0; i < m->nf; i++) {
		free(m->f[i].gen);
		free(m->f[i].orig);
	}
	free(m->m);
	free(m->f);
	free(m->language);
	free(m->source_file);
	free(m->generated_file);
	free(m);
}

/* Messages are one line: control characters (from the file's own text) become '?'. */
static char *one_line(char *msg)
{
	for (unsigned char *p = (unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return msg;
}

__attribute__((format(printf, 3, 4)))
static void fail(char **err, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	*err = one_line(xasprintf("source map '%s': %s", name, msg));
}

/* An optional string member: 0 absent, 1 copied, -1 wrong type. */
static int opt_str(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (memchr(s, 0, n))
		return -1;
	*out = xstrdup(s);
	return 1;
}

static int line_of(json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return -1;
	json_int_t x = json_integer_value(v);
	if (x < 1 || x > INT_MAX)
		return -1;
	*out = (int)x;
	return 0;
}

static int cmp_mapping(const void *a, const void *b)
{
	const struct mapping *x = a, *y = b;
	if (x->gen_line != y->gen_line)
		return x->gen_line < y->gen_line ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int parse_mappings(struct sd_srcmap *m, json_t *arr, const char *name, char **err)
{
	size_t n = json_array_size(arr);
	if (n > MAP_MAX_ENTRIES) {
		fail(err, name, "too many mappings (%zu)", n);
		return -1;
	}
	m->m = n ? xcalloc(n, sizeof *m->m) : NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		struct mapping *p = &m->m[m->n];
		if (!json_is_object(e)) {
			fail(err, name, "mappings[%zu] is not an object", i);
			return -1;
		}
		m->n++;
		p->order = i;
		if (line_of(e, "rust_line", &p->gen_line) < 0) {
			fail(err, name, "mappings[%zu]: 'rust_line' must be a line number", i);
			return -1;
		}
		if (line_of(e, "python_line", &p->orig_line) < 0) {
			fail(err, name, "mappings[%zu]: 'python_line' must be a line number", i);
			return -1;
		}
		if (opt_str(e, "rust_function", &p->gen_func) < 0 ||
		    opt_str(e, "python_function", &p->orig_func) < 0 ||
		    opt_str(e, "python_context", &p->context) < 0) {
			fail(err, name, "mappings[%zu]: function names and context must be strings", i);
			return -1;
		}
	}
	if (m->n)
		qsort(m->m, m->n, sizeof *m->m, cmp_mapping);
	return 0;
}

static int parse_function_map(struct sd_srcmap *m, json_t *o, const char *name, char **err)
{
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		fail(err, name, "'function_map' must be an object");
		return -1;
	}
	size_t n = json_object_size(o);
	if (n > MAP_MAX_ENTRIES) {
		fail(err, name, "too many function_map entries (%zu)", n);
		return -1;
	}
	m->f = n ? xcalloc(n, sizeof *m->f) : NULL;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (!json_is_string(v) || memchr(json_string_value(v), 0, json_string_length(v))) {
			fail(err, name, "function_map['%.200s'] must be a string", key);
			return -1;
		}
		if (m->nf == n)
			break;
		m->f[m->nf].gen = xstrdup(key);
		m->f[m->nf].orig = xstrdup(json_string_value(v));
		m->nf++;
	}
	return 0;
}

static int required_str(json_t *top, const char *key, char **out, const char *name, char **err)
{
	json_t *v = json_object_get(top, key);
	if (!v) {
		fail(err, name, "missing '%s'", key);
		return -1;
	}
	if (opt_str(top, key, out) <= 0 || !**out) {
		fail(err, name, "'%s' must be a non-empty string", key);
		return -1;
	}
	return 0;
}

struct sd_srcmap *sd_srcmap_parse(const char *text, size_t len, const char *name, char **err)
{
	json_error_t je;
	json_t *top = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!top) {
		char where[64];
		snprintf(where, sizeof where, "line %d, column %d", je.line, je.column);
		*err = one_line(xasprintf("source map '%s': not valid JSON (%s: %s)", name, where, je.text));
		return NULL;
	}
	struct sd_srcmap *m = xcalloc(1, sizeof *m);
	if (!json_is_object(top)) {
		fail(err, name, "not a JSON object");
		goto bad;
	}
	json_t *ver = json_object_get(top, "version");
	if (!json_is_integer(ver)) {
		fail(err, name, "no 'version' number: not a transpiler source map");
		goto bad;
	}
	if (json_integer_value(ver) != 1) {
		fail(err, name, "unsupported version %lld (sysdiff reads version 1)",
		     (long long)json_integer_value(ver));
		goto bad;
	}
	if (required_str(top, "source_file", &m->source_file, name, err) < 0 ||
	    required_str(top, "generated_file", &m->generated_file, name, err) < 0)
		goto bad;
	if (opt_str(top, "source_language", &m->language) < 0) {
		fail(err, name, "'source_language' must be a string");
		goto bad;
	}
	json_t *maps = json_object_get(top, "mappings");
	if (!json_is_array(maps)) {
		fail(err, name, "'mappings' must be an array");
		goto bad;
	}
	if (parse_mappings(m, maps, name, err) < 0 ||
	    parse_function_map(m, json_object_get(top, "function_map"), name, err) < 0)
		goto bad;
	json_decref(top);
	return m;
bad:
	json_decref(top);
	sd_srcmap_free(m);
	return NULL;
}

struct sd_srcmap *sd_srcmap_load(const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = one_line(xasprintf("source map '%s': %s", path, strerror(errno)));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err = one_line(xasprintf("source map '%s': not a regular file", path));
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > MAP_MAX_BYTES) {
		*err = one_line(xasprintf("source map '%s': too large (%lld bytes, at most %u)", path,
					  (long long)st.st_size, MAP_MAX_BYTES));
		close(fd);
		return NULL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = xmalloc(n + 1);
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	struct sd_srcmap *m = sd_srcmap_parse(buf, got, path, err);
	free(buf);
	return m;
}

/* Does the debug info's path name the map's generated file?  Equal, or (for a
 * relative generated_file) a trailing run of whole path components. */
static bool path_matches(const char *path, const char *gen)
{
	while (gen[0] == '.' && gen[1] == '/')
		gen += 2;
	if (!strcmp(path, gen))
		return true;
	if (gen[0] == '/')
		return false;
	size_t n = strlen(path), g = strlen(gen);
	return g && n > g && path[n - g - 1] == '/' && !strcmp(path + n - g, gen);
}

static const char *function_map_get(const struct sd_srcmap *m, const char *func)
{
	if (!func)
		return NULL;
	const char *last = func;
	for (const char *p = func; (p = strstr(p, "::")); p += 2)
		last = p + 2;
	for (size_t i = 0; i < m->nf; i++)
		if (!strcmp(m->f[i].gen, func))
			return m->f[i].orig;
	for (size_t i = 0; i < m->nf; i++)
		if (!strcmp(m->f[i].gen, last))
			return m->f[i].orig;
	return NULL;
}

bool sd_srcmap_lookup(const struct sd_srcmap *m, const char *path, int line,
		      const char *func, struct sd_srcmap_hit *hit)
{
	if (!m || !path || line < 1 || !path_matches(path, m->generated_file))
		return false;
	/* The last mapping with gen_line <= line; the first in file order among equals. */
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->m[mid].gen_line <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	const struct mapping *e = &m->m[lo - 1];
	while (e > m->m && e[-1].gen_line == e->gen_line)
		e--;
	memset(hit, 0, sizeof *hit);
	hit->file = m->source_file;
	hit->line = e->orig_line;
	hit->func = e->orig_func && *e->orig_func ? e->orig_func : function_map_get(m, func);
	hit->context = e->context;
	hit->language = m->language;
	return true;
}
