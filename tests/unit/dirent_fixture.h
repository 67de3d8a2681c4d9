/* dirent_fixture.h - for unit tests that build directory listings by hand: one
 * linux_dirent64 record (d_ino, d_off, d_reclen, d_type DT_REG, the name, padding of
 * byte pad up to 8-byte alignment) written at p; its length. */
#ifndef SD_TEST_DIRENT_FIXTURE_H
#define SD_TEST_DIRENT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t dirent64(unsigned char *p, uint64_t ino, const char *name, unsigned char pad)
{
	size_t nl = strlen(name) + 1, reclen = (19 + nl + 7) & ~(size_t)7;
	memset(p, pad, reclen);
	memcpy(p, &ino, 8);
	memcpy(p + 8, &ino, 8);   /* d_off: a cookie */
	p[16] = (unsigned char)reclen;
	p[17] = 0;
	p[18] = 8;                /* DT_REG */
	memcpy(p + 19, name, nl);
	return reclen;
}

#endif
