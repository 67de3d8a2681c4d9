/* fuzz_zlines.c - libFuzzer target for compressed trace input and output.
 *
 * The input is read as a file by the line reader (util/lines.h), which recognises gzip
 * and zstd by their first bytes: any bytes must give lines or a clean error.  Then the
 * input, taken as a text, is written through the trace writer's compressor (gzip and
 * zstd, a flush point every few lines as the writer makes them) and read back: the
 * lines must come back byte for byte, and the compressed file cut at any point must
 * read as a prefix of them (at most one partial line more), never as an error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/writers.h"
#include "format/zout_int.h"
#include "util/lines.h"
#include "util/util.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "zlines: %s\n", #c); abort(); } } while (0)

/* All of fd's bytes through the line reader, lines joined with '\n' (a last line without
 * one stays so).  0 read to the end, -1 an error. */
static int read_all(int fd, struct sb *out)
{
	char path[64], *err = NULL, *line;
	size_t n;
	bool nl;
	int rc;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct sd_lines *l = sd_lines_open(path, &err);
	if (!l) {
		free(err);
		return -1;
	}
	while ((rc = sd_lines_next(l, &line, &n, &nl, &err)) == 1) {
		sb_add(out, line, n);
		if (nl)
			sb_addc(out, '\n');
	}
	free(err);
	sd_lines_close(l);
	return rc;
}

static int memfd_with(const void *p, size_t n)
{
	int fd = memfd_create("zlines", 0);

	CHECK(fd >= 0);
	CHECK(write(fd, p, n) == (ssize_t)n);
	return fd;
}

/* text compressed with kind, flushed after every few of its lines; cut at cut. */
static void roundtrip(const char *text, size_t n, enum sd_compress kind, size_t cut_seed)
{
	int fd = memfd_create("z", 0);
	struct sd_zout *z = sd_zout_new(fd, kind, cut_seed & 1);   /* both ways */
	size_t at = 0, lines = 0;

	CHECK(z);
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n' && ++lines % 3 == 0) {
			CHECK(sd_zout_write(z, text + at, i + 1 - at, false) == 0);
			at = i + 1;
		}
	}
	CHECK(sd_zout_write(z, text + at, n - at, true) == 0);
	sd_zout_free(z);

	off_t len = lseek(fd, 0, SEEK_END);
	char *comp = malloc(len ? len : 1);
	CHECK(pread(fd, comp, len, 0) == len);
	close(fd);
	struct sb back = SB_INIT;
	int cfd = memfd_with(comp, len);
	CHECK(read_all(cfd, &back) == 0);
	close(cfd);
	CHECK(back.len == n && !memcmp(back.buf, text, n));
	sb_free(&back);

	size_t cut = len ? cut_seed % (size_t)len : 0;
	cfd = memfd_with(comp, cut);
	if (read_all(cfd, &back) == 0 && back.len) {
		/* a prefix of the text, except that a partial last line gains no '\n' */
		size_t whole = back.len;
		while (whole && back.buf[whole - 1] != '\n')
			whole--;
		CHECK(whole <= n && !memcmp(back.buf, text, whole));
		CHECK(back.len <= n && !memcmp(back.buf, text, back.len));
	}
	close(cfd);
	sb_free(&back);
	free(comp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb lines = SB_INIT;
	int fd = memfd_with(data, size);

	read_all(fd, &lines);
	close(fd);
	sb_free(&lines);
	if (size < 2 || size > 1 << 16 || memchr(data, 0, size))
		return 0;
	/* as a text of whole lines */
	size_t seed = data[0] | (size_t)data[1] << 8;
	struct sb text = SB_INIT;
	sb_add(&text, data + 2, size - 2);
	if (!text.len || text.buf[text.len - 1] != '\n')
		sb_addc(&text, '\n');
	roundtrip(text.buf, text.len, SD_COMPRESS_GZIP, seed);
	roundtrip(text.buf, text.len, SD_COMPRESS_ZSTD, seed * 7);
	sb_free(&text);
	return 0;
}
