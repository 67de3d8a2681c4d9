/* lines.c - buffered line input over zlib's gzFile (which reads uncompressed
 * input transparently) or over a memory copy. */
#include "util/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/util.h"

#define CHUNK (64u << 10)

struct sd_lines {
	char *name;
	gzFile gz;              /* NULL: memory */
	char *buf;              /* buf[pos..len) is unread input; buf[len] is room for NUL */
	size_t pos, len, cap, scan;
	bool eof;
	bool compressed;
	unsigned long lineno;
	unsigned long long base;   /* input offset of buf[0] */
	unsigned long long last;   /* offset of the last line returned */
};

static struct sd_lines *lines_new(const char *name)
{
	struct sd_lines *l = xcalloc(1, sizeof *l);

	l->name = xstrdup(name);
	return l;
}

struct sd_lines *sd_lines_open(const char *path, char **err)
{
	return sd_lines_open_as(path, NULL, err);
}

struct sd_lines *sd_lines_open_as(const char *path, const char *name, char **err)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	unsigned char magic[2];

	if (fd < 0) {
		*err = xasprintf("%s: %s", name ? name : path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		*err = xasprintf("%s: %s", name ? name : path, strerror(EISDIR));
		return NULL;
	}
	struct sd_lines *l = lines_new(name ? name : is_stdin ? "<stdin>" : path);
	/* gzdopen reads plain files as they are; learn which it is for messages. */
	if (!is_stdin && pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		l->compressed = true;
	l->gz = gzdopen(fd, "rb");
	if (!l->gz) {
		close(fd);
		*err = xasprintf("%s: cannot open: out of memory", l->name);
		sd_lines_close(l);
		return NULL;
	}
	gzbuffer(l->gz, 128u << 10);
	return l;
}

struct sd_lines *sd_lines_open_mem(const void *data, size_t len, const char *name)
{
	struct sd_lines *l = lines_new(name ? name : "<memory>");

	l->buf = xmalloc(len + 1);
	if (len)
		memcpy(l->buf, data, len);
	l->len = len;
	l->cap = len + 1;
	l->eof = true;
	return l;
}

/* Read more input.  0 ok (maybe eof), -1 error (*err set). */
static int fill(struct sd_lines *l, char **err)
{
	if (l->pos) {
		l->base += l->pos;
		memmove(l->buf, l->buf + l->pos, l->len - l->pos);
		l->len -= l->pos;
		l->scan -= l->pos;
		l->pos = 0;
	}
	if (l->cap - l->len < CHUNK + 1) {
		l->cap = l->cap ? 2 * l->cap : 4 * CHUNK;
		l->buf = xrealloc(l->buf, l->cap);
	}
	int n = gzread(l->gz, l->buf + l->len, (unsigned)(l->cap - l->len - 1));
	if (n < 0) {
		int zerr;
		const char *m = gzerror(l->gz, &zerr);
		*err = xasprintf("%s:%lu: %s", l->name, l->lineno + 1,
				 zerr == Z_ERRNO ? strerror(errno) :
				 zerr == Z_DATA_ERROR ? "corrupt gzip data" : m);
		return -1;
	}
	if (n == 0) {
		/* gzread returns 0 both at end and for a truncated gzip stream. */
		int zerr;
		gzerror(l->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			*err = xasprintf("%s:%lu: truncated gzip data", l->name, l->lineno + 1);
			return -1;
		}
		l->eof = true;
	}
	l->len += (size_t)n;
	return 0;
}

int sd_lines_next(struct sd_lines *l, char **line, size_t *len, bool *nl, char **err)
{
	for (;;) {
		char *start = l->buf + l->pos;
		char *e = l->len > l->scan ? memchr(l->buf + l->scan, '\n', l->len - l->scan) : NULL;
		size_t avail = l->len - l->pos;

		if (e || (l->eof && avail)) {
			size_t n = e ? (size_t)(e - start) : avail;
			l->lineno++;
			if (n > SD_LINE_MAX) {
				*err = xasprintf("%s:%lu: line too long (more than %u bytes)",
						 l->name, l->lineno, SD_LINE_MAX);
				return -1;
			}
			start[n] = '\0';   /* the '\n', or the spare byte after the data */
			l->last = l->base + l->pos;
			*line = start;
			*len = n;
			*nl = e != NULL;
			l->pos += n + (e != NULL);
			l->scan = l->pos;
			return 1;
		}
		if (l->eof)
			return 0;
		l->scan = l->len;
		if (avail > SD_LINE_MAX) {
			*err = xasprintf("%s:%lu: line too long (more than %u bytes)",
					 l->name, l->lineno + 1, SD_LINE_MAX);
			return -1;
		}
		if (fill(l, err) < 0)
			return -1;
	}
}

size_t sd_lines_peek(struct sd_lines *l, char *dst, size_t max)
{
	char *err = NULL;

	while (l->len - l->pos < max && !l->eof) {
		size_t had = l->len;
		if (fill(l, &err) < 0) {
			free(err);   /* the error comes again from sd_lines_next */
			break;
		}
		if (l->len == had && !l->eof)
			break;
	}
	size_t n = l->len - l->pos < max ? l->len - l->pos : max;
	memcpy(dst, l->buf + l->pos, n);
	return n;
}

unsigned long sd_lines_lineno(const struct sd_lines *l) { return l->lineno; }
unsigned long long sd_lines_offset(const struct sd_lines *l) { return l->last; }
const char *sd_lines_name(const struct sd_lines *l) { return l->name; }
bool sd_lines_compressed(const struct sd_lines *l) { return l->compressed; }

void sd_lines_close(struct sd_lines *l)
{
	if (!l)
		return;
	if (l->gz)
		gzclose(l->gz);
	free(l->buf);
	free(l->name);
	free(l);
}
