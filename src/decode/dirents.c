/* dirents.c - the records of a getdents/getdents64 buffer (see decode.h). */
#include <string.h>

#include "decode/decode.h"

/* linux_dirent64: ino 8, off 8, reclen 2, type 1, name NUL-terminated, padding to 8.
 * linux_dirent: ino 8, off 8, reclen 2, name NUL-terminated, padding, type in the
 * record's last byte (fs/readdir.c). */
bool sd_dirent_next(const unsigned char *buf, size_t n, bool v64, size_t *pos, struct sd_dirent *e)
{
	size_t head = v64 ? 19 : 18;

	if (!buf || *pos + head > n)
		return false;
	const unsigned char *r = buf + *pos;
	size_t reclen = (size_t)r[16] | (size_t)r[17] << 8;
	if (reclen < head + (v64 ? 0 : 1) || *pos + reclen > n)
		return false;
	size_t max = reclen - head - (v64 ? 0 : 1);
	e->name = (const char *)r + head;
	e->len = strnlen(e->name, max);
	e->type = v64 ? r[18] : r[reclen - 1];
	*pos += reclen;
	return true;
}

int sd_dirent_call(const char *name)
{
	if (strncmp(name, "getdents", 8))
		return -1;
	return !name[8] ? 0 : !strcmp(name + 8, "64") ? 1 : -1;
}

const char *sd_dirent_type_name(unsigned char type)
{
	static const char *const names[] = { "DT_UNKNOWN", "DT_FIFO", "DT_CHR", NULL, "DT_DIR",
		NULL, "DT_BLK", NULL, "DT_REG", NULL, "DT_LNK", NULL, "DT_SOCK", NULL, "DT_WHT" };

	return type < sizeof names / sizeof *names ? names[type] : NULL;
}
