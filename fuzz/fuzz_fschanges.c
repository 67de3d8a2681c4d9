/* fuzz_fschanges.c - libFuzzer target for the file form of a change list
 * (sd_fschanges_load).
 *
 * Any bytes must load or be refused with EINVAL, never crash, leak or hang.  A list
 * that loads is saved and loaded again: the second list must equal the first and save
 * to the same bytes (the form is lossless and canonical).  It is also compared with
 * itself (no difference) and with an empty list (validate's text of it). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sandbox/fschanges.h"
#include "validate/state.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_fschanges: %s\n", #c); abort(); } } while (0)

static int memfd_with(const void *p, size_t n)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	CHECK(fd >= 0);
	CHECK(n == 0 || write(fd, p, n) == (ssize_t)n);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* The bytes in fd, malloc'd. */
static char *contents(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)end + 1);

	CHECK(end >= 0 && buf);
	CHECK(pread(fd, buf, (size_t)end, 0) == end);
	*n = (size_t)end;
	return buf;
}

static void same_entry(const struct sd_fsentry *a, const struct sd_fsentry *b)
{
	CHECK(a->type == b->type && a->mode == b->mode && a->uid == b->uid && a->gid == b->gid);
	CHECK(a->size == b->size && a->hash == b->hash && a->rdev == b->rdev);
	CHECK(a->mtime_ns == b->mtime_ns && a->atime_ns == b->atime_ns);
	CHECK(!a->target == !b->target && (!a->target || !strcmp(a->target, b->target)));
	CHECK(a->ndata == b->ndata && !a->data == !b->data);
	CHECK(!a->ndata || !memcmp(a->data, b->data, a->ndata));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_fschanges a, b, empty = { 0 };
	int fd = memfd_with(data, size);
	int rc = sd_fschanges_load(&a, fd);

	close(fd);
	if (rc < 0) {
		CHECK(errno == EINVAL && a.n == 0 && !a.c && !a.error);
		return 0;
	}
	fd = memfd_with("", 0);
	CHECK(sd_fschanges_save(&a, fd) == 0);
	size_t n1, n2;
	char *t1 = contents(fd, &n1);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(sd_fschanges_load(&b, fd) == 0);
	close(fd);
	CHECK(a.n == b.n && a.dropped == b.dropped);
	CHECK(!a.error == !b.error && (!a.error || !strcmp(a.error, b.error)));
	for (size_t i = 0; i < a.n; i++) {
		CHECK(!strcmp(a.c[i].path, b.c[i].path));
		CHECK(a.c[i].mtime == b.c[i].mtime && a.c[i].atime == b.c[i].atime);
		same_entry(&a.c[i].before, &b.c[i].before);
		same_entry(&a.c[i].after, &b.c[i].after);
	}
	fd = memfd_with("", 0);
	CHECK(sd_fschanges_save(&b, fd) == 0);
	char *t2 = contents(fd, &n2);
	close(fd);
	CHECK(n1 == n2 && !memcmp(t1, t2, n1));

	char *text;
	CHECK(sd_state_compare(&a, &b, NULL, &text) == 0);
	free(text);
	sd_state_compare(&a, &empty, NULL, &text);
	free(text);
	sd_state_compare(&empty, &a, NULL, &text);
	free(text);
	free(t1);
	free(t2);
	sd_fschanges_free(&a);
	sd_fschanges_free(&b);
	return 0;
}
