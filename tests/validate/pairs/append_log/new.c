/* logmsg: append "[LEVEL] MESSAGE" to app.log, then say how many lines the log holds.
 * Translation of orig.py -- BUGGY: opens app.log with "w" instead of "a", so the
 * log is truncated and only the new line survives. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	FILE *f;
	int c, n = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: logmsg LEVEL MESSAGE\n");
		return 2;
	}
	f = fopen("app.log", "w"); /* BUG: should be "a" */
	if (!f) {
		fprintf(stderr, "logmsg: app.log: %s\n", strerror(errno));
		return 1;
	}
	fputc('[', f);
	for (const char *p = argv[1]; *p; p++)
		fputc(toupper((unsigned char)*p), f);
	fprintf(f, "] %s\n", argv[2]);
	fclose(f);

	f = fopen("app.log", "r");
	if (!f) {
		fprintf(stderr, "logmsg: app.log: %s\n", strerror(errno));
		return 1;
	}
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	printf("app.log: %d lines\n", n);
	return 0;
}
