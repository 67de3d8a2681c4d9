/* wc_lines: print the number of lines of each file named on the command line,
 * then a total when there is more than one (like `wc -l`).
 * Translation of orig.py -- BUGGY: counts lines as "separators + 1", so a file that
 * ends with a newline is counted one line too many. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static long count_lines(const char *name)
{
	FILE *f = fopen(name, "rb");
	long n = 1; /* BUG: the first line is counted before seeing its newline */
	int c;

	if (!f) {
		fprintf(stderr, "wc_lines: %s: %s\n", name, strerror(errno));
		exit(1);
	}
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: wc_lines FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		long n = count_lines(argv[i]);
		total += n;
		printf("%ld %s\n", n, argv[i]);
	}
	if (argc > 2)
		printf("%ld total\n", total);
	return 0;
}
