/* sumnums: add up the integers of a file, one per line; blank lines are skipped, other
 * lines that are not integers get a warning.  Prints the sum on stdout.
 * Translation of orig.py -- BUGGY: the warnings go to stdout (printf) instead of stderr. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[1024];
	long long total = 0;
	int count = 0, lineno = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: sumnums FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "sumnums: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof line, f)) {
		char *s = line, *e, *end;
		lineno++;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (*end || errno) {
			printf("warning: line %d: not a number: '%s'\n", lineno, s); /* BUG: stdout */
			continue;
		}
		total += v;
		count++;
	}
	fclose(f);
	printf("sum of %d numbers: %lld\n", count, total);
	return 0;
}
