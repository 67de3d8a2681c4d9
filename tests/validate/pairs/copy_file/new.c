/* cp_mode: copy SRC to DST with its permission bits.
 * Correct translation of orig.py: where Python's shutil.copy uses sendfile(2), this
 * copies with a read/write loop, then chmods DST like shutil.copymode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *name)
{
	fprintf(stderr, "cp_mode: %s: %s\n", name, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char buf[4096];
	struct stat st;
	ssize_t n;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: cp_mode SRC DST\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0)
		return fail(argv[1]);
	if (fstat(in, &st) < 0)
		return fail(argv[1]);
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0)
		return fail(argv[2]);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return fail(argv[2]);
	if (n < 0)
		return fail(argv[1]);
	close(in);
	close(out);
	if (chmod(argv[2], st.st_mode & 07777) < 0)
		return fail(argv[2]);
	if (stat(argv[2], &st) < 0)
		return fail(argv[2]);
	printf("copied %s -> %s (%lld bytes, mode %04o)\n", argv[1], argv[2],
	       (long long)st.st_size, (unsigned)(st.st_mode & 07777));
	return 0;
}
