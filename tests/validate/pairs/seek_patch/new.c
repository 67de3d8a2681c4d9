/* set_version: patch the version field of a database file in place.  The file starts
 * with a 12-byte header: magic "SDB1", version (u32 little-endian), record count (u32 LE).
 * Translation of orig.py -- BUGGY: seeks to the offset of the count field instead of
 * the version field, so the record count is overwritten and the version is unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct header {
	char magic[4];
	uint32_t version; /* little-endian on disk; this is an x86_64 tool */
	uint32_t count;
};

int main(int argc, char **argv)
{
	struct header h;
	uint32_t v;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: set_version FILE VERSION\n");
		return 2;
	}
	v = (uint32_t)strtoul(argv[2], NULL, 10);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "set_version: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (read(fd, &h, sizeof h) != (ssize_t)sizeof h || memcmp(h.magic, "SDB1", 4)) {
		fprintf(stderr, "set_version: %s: not an SDB1 file\n", argv[1]);
		return 1;
	}
	/* BUG: offsetof(struct header, version) was meant */
	if (lseek(fd, offsetof(struct header, count), SEEK_SET) < 0 || write(fd, &v, sizeof v) != sizeof v) {
		fprintf(stderr, "set_version: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	printf("%s: version %u -> %u (%u records)\n", argv[1], h.version, v, h.count);
	return 0;
}
