/* findword: print the lines of FILE containing WORD as "LINENO:LINE"; when there is
 * none, say so on stderr and exit 1 (like grep -n).  Correct translation of orig.py. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0, found = 0;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: findword WORD FILE\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f) {
		fprintf(stderr, "findword: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strstr(line, argv[1])) {
			printf("%ld:%s\n", lineno, line);
			found++;
		}
	}
	fclose(f);
	free(line);
	if (!found) {
		fprintf(stderr, "findword: no line of %s contains '%s'\n", argv[2], argv[1]);
		return 1;
	}
	return 0;
}
