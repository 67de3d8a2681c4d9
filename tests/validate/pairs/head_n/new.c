/* head_n: print the first N lines (default 10) of a file: head_n [-n N] FILE.
 * Correct translation of orig.py. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long n = 10;
	int i = 1;
	FILE *f;
	int c;

	if (argc - i >= 2 && !strcmp(argv[i], "-n")) {
		char *end;
		n = strtol(argv[i + 1], &end, 10);
		if (!*argv[i + 1] || *end) {
			fprintf(stderr, "head_n: invalid number of lines: '%s'\n", argv[i + 1]);
			return 2;
		}
		i += 2;
	}
	if (argc - i != 1) {
		fprintf(stderr, "usage: head_n [-n N] FILE\n");
		return 2;
	}
	f = fopen(argv[i], "rb");
	if (!f) {
		fprintf(stderr, "head_n: cannot open '%s': %s\n", argv[i], strerror(errno));
		return 1;
	}
	for (long lines = 0; lines < n && (c = getc(f)) != EOF;) {
		putchar(c);
		if (c == '\n')
			lines++;
	}
	fclose(f);
	return 0;
}
