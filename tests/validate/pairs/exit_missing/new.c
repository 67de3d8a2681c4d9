/* showfiles: print each named file under a "==> NAME <==" header; a file that cannot
 * be read is reported on stderr and the others are still shown.
 * Translation of orig.py -- BUGGY: always exits 0, even when a file was missing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char buf[4096];
	size_t n;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			fprintf(stderr, "showfiles: %s: %s\n", argv[i], strerror(errno));
			continue; /* BUG: the failure is not remembered for the exit status */
		}
		if (i > 1)
			putchar('\n');
		printf("==> %s <==\n", argv[i]);
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
	}
	return 0;
}
