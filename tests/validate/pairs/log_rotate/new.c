/* rotate: rotate LOG keeping KEEP old copies: LOG.KEEP is deleted, LOG.i is renamed
 * LOG.i+1, LOG becomes LOG.1 and a new empty LOG is created.  Each step is printed.
 * Correct translation of orig.py (access() where Python stats). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "rotate: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	char src[4096], dst[4096];
	const char *log;
	int keep;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: rotate LOG KEEP\n");
		return 2;
	}
	log = argv[1];
	keep = atoi(argv[2]);
	snprintf(src, sizeof src, "%s.%d", log, keep);
	if (access(src, F_OK) == 0) {
		if (unlink(src) < 0)
			die(src);
		printf("removed %s\n", src);
	}
	for (int i = keep - 1; i > 0; i--) {
		snprintf(src, sizeof src, "%s.%d", log, i);
		if (access(src, F_OK) == 0) {
			snprintf(dst, sizeof dst, "%s.%d", log, i + 1);
			if (rename(src, dst) < 0)
				die(src);
			printf("%s -> %s\n", src, dst);
		}
	}
	if (access(log, F_OK) == 0) {
		snprintf(dst, sizeof dst, "%s.1", log);
		if (rename(log, dst) < 0)
			die(log);
		printf("%s -> %s\n", log, dst);
	}
	f = fopen(log, "w");
	if (!f)
		die(log);
	fclose(f);
	printf("created %s\n", log);
	return 0;
}
