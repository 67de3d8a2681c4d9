/* lines.c - buffered line input from a file, stdin or a memory copy; gzip (zlib) and
 * zstd (libzstd) input is recognised by its first bytes and decompressed on the fly.
 *
 * A compressed stream cut short (a tracer killed while it wrote) reads as the bytes
 * decoded up to the cut: the last line then usually lacks its '\n', which the trace
 * readers treat as a partial line.  Corrupt compressed data is an error. */
#include "util/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/util.h"

#define CHUNK (64u << 10)
#define RAWCAP (4 * CHUNK)      /* compressed input buffered */

enum codec { C_MEM, C_PLAIN, C_GZIP, C_ZSTD };

struct sd_lines {
	char *name;
	enum codec codec;
	int fd;                 /* -1: memory */
	char *buf;              /* buf[pos..len) is unread input; buf[len] is room for NUL */
	size_t pos, len, cap, scan;
	bool eof;
	unsigned long lineno;
	unsigned long long base;   /* input offset of buf[0] */
	unsigned long long last;   /* offset of the last line returned */
	/* compressed input: raw[rpos..rlen) not yet decoded */
	unsigned char *raw;
	size_t rpos, rlen;
	bool raw_eof;
	bool in_frame;          /* inside a gzip member or zstd frame */
	z_stream zs;
	ZSTD_DStream *zd;
};

static struct sd_lines *lines_new(const char *name)
{
	struct sd_lines *l = xcalloc(1, sizeof *l);

	l->name = xstrdup(name);
	l->fd = -1;
	return l;
}

struct sd_lines *sd_lines_open(const char *path, char **err)
{
	return sd_lines_open_as(path, NULL, err);
}

/* read(2) without EINTR: bytes read, 0 at end, -1 error. */
static ssize_t read_some(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The codec of data starting with p[0..n); all: that is the whole input, so a file that
 * is the start of a magic number is a compressed stream cut short (nothing in it). */
static enum codec sniff(const unsigned char *p, size_t n, bool all)
{
	static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return C_GZIP;
	if (all && n == 1 && p[0] == 0x1f)
		return C_GZIP;
	if (all && n >= 1 && n < 4 && !memcmp(p, zmagic, n))
		return C_ZSTD;
	if (n >= 4) {
		uint32_t m = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
		if (m == ZSTD_MAGICNUMBER || (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START)
			return C_ZSTD;
	}
	return C_PLAIN;
}

/* Read the first bytes (up to 4, more if they come) and pick the codec.  0, or -1. */
static int start(struct sd_lines *l, char **err)
{
	unsigned char *p = xmalloc(RAWCAP);
	size_t n = 0;
	bool all = false;

	while (n < 4) {
		ssize_t r = read_some(l->fd, p + n, RAWCAP - 1 - n);
		if (r < 0) {
			*err = xasprintf("%s: %s", l->name, strerror(errno));
			free(p);
			return -1;
		}
		if (r == 0) {
			all = true;
			break;
		}
		n += (size_t)r;
	}
	l->codec = sniff(p, n, all);
	if (l->codec == C_PLAIN) {      /* the bytes read are the first input */
		l->buf = (char *)p;
		l->len = n;
		l->cap = RAWCAP;
		l->eof = all;
		return 0;
	}
	l->raw = p;
	l->rlen = n;
	l->buf = xmalloc(4 * CHUNK);
	l->cap = 4 * CHUNK;
	if (l->codec == C_GZIP && inflateInit2(&l->zs, 15 + 16) != Z_OK)
		l->codec = C_PLAIN;
	if (l->codec == C_ZSTD && !(l->zd = ZSTD_createDStream()))
		l->codec = C_PLAIN;
	if (l->codec == C_PLAIN) {
		*err = xasprintf("%s: cannot open: out of memory", l->name);
		return -1;
	}
	return 0;
}

struct sd_lines *sd_lines_open_as(const char *path, const char *name, char **err)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);

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
	l->fd = fd;
	if (start(l, err) < 0) {
		sd_lines_close(l);
		return NULL;
	}
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

/* More compressed input after raw[rpos..rlen) (moved to the front).  0 ok (raw_eof set
 * at the end of the input), -1 error. */
static int read_raw(struct sd_lines *l, char **err)
{
	if (l->rpos) {
		memmove(l->raw, l->raw + l->rpos, l->rlen - l->rpos);
		l->rlen -= l->rpos;
		l->rpos = 0;
	}
	ssize_t r = read_some(l->fd, l->raw + l->rlen, RAWCAP - l->rlen);
	if (r < 0) {
		*err = xasprintf("%s:%lu: %s", l->name, l->lineno + 1, strerror(errno));
		return -1;
	}
	l->rlen += (size_t)r;
	l->raw_eof = r == 0;
	return 0;
}

/* Decode gzip members into dst[0..room): bytes produced (0 and l->eof at the end of the
 * input, or of a member cut short), or -1.  Data after a member that does not start
 * another one is ignored, as gzip(1) does. */
static ssize_t gz_decode(struct sd_lines *l, char *dst, size_t room, char **err)
{
	z_stream *z = &l->zs;

	z->next_out = (Bytef *)dst;
	z->avail_out = (uInt)room;
	for (;;) {
		if ((l->rpos == l->rlen || (!l->in_frame && l->rlen - l->rpos < 2)) &&
		    !l->raw_eof && read_raw(l, err) < 0)
			return -1;
		size_t have = l->rlen - l->rpos;
		if (!l->in_frame) {
			if (have < 2 && !l->raw_eof)
				continue;
			if (have < 2 || l->raw[l->rpos] != 0x1f || l->raw[l->rpos + 1] != 0x8b) {
				l->eof = true;
				break;
			}
		}
		z->next_in = l->raw + l->rpos;
		z->avail_in = (uInt)have;
		l->in_frame = true;
		int rc = inflate(z, Z_NO_FLUSH);
		l->rpos = l->rlen - z->avail_in;
		if (rc == Z_STREAM_END) {
			inflateReset(z);
			l->in_frame = false;
		} else if (rc == Z_BUF_ERROR && l->raw_eof && l->rpos == l->rlen) {
			l->eof = true;   /* cut short: what was decoded is the input */
			break;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			*err = xasprintf("%s:%lu: corrupt gzip data", l->name, l->lineno + 1);
			return -1;
		}
		if (z->avail_out < room)
			break;
	}
	return (ssize_t)(room - z->avail_out);
}

/* The same for zstd frames (skippable frames are skipped by libzstd). */
static ssize_t zstd_decode(struct sd_lines *l, char *dst, size_t room, char **err)
{
	ZSTD_outBuffer out = { dst, room, 0 };

	for (;;) {
		if (l->rpos == l->rlen && !l->raw_eof && read_raw(l, err) < 0)
			return -1;
		ZSTD_inBuffer in = { l->raw + l->rpos, l->rlen - l->rpos, 0 };
		size_t rc = ZSTD_decompressStream(l->zd, &out, &in);
		if (ZSTD_isError(rc)) {
			*err = xasprintf("%s:%lu: corrupt zstd data (%s)", l->name, l->lineno + 1,
					 ZSTD_getErrorName(rc));
			return -1;
		}
		l->rpos += in.pos;
		if (in.pos || out.pos)
			l->in_frame = rc != 0;
		if (out.pos)
			break;
		if (l->rpos == l->rlen && l->raw_eof) {
			l->eof = true;   /* the end, or a frame cut short: its prefix */
			break;
		}
		if (!in.pos && l->rpos < l->rlen) {
			*err = xasprintf("%s:%lu: corrupt zstd data", l->name, l->lineno + 1);
			return -1;
		}
	}
	return (ssize_t)out.pos;
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
	char *dst = l->buf + l->len;
	size_t room = l->cap - l->len - 1;
	ssize_t n;
	if (l->codec == C_GZIP) {
		n = gz_decode(l, dst, room, err);
	} else if (l->codec == C_ZSTD) {
		n = zstd_decode(l, dst, room, err);
	} else {
		n = read_some(l->fd, dst, room);
		if (n < 0)
			*err = xasprintf("%s:%lu: %s", l->name, l->lineno + 1, strerror(errno));
		l->eof = n == 0;
	}
	if (n < 0)
		return -1;
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

const char *sd_lines_compression(const struct sd_lines *l)
{
	return l->codec == C_GZIP ? "gzip" : l->codec == C_ZSTD ? "zstd" : NULL;
}

void sd_lines_close(struct sd_lines *l)
{
	if (!l)
		return;
	if (l->codec == C_GZIP)
		inflateEnd(&l->zs);
	ZSTD_freeDStream(l->zd);
	if (l->fd >= 0)
		close(l->fd);
	free(l->raw);
	free(l->buf);
	free(l->name);
	free(l);
}
