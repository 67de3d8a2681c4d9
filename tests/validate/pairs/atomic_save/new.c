/* set_state: set KEY to VALUE in state.txt (lines "key=value").
 * Translation of orig.py -- BUGGY: rewrites state.txt in place (no temporary file,
 * no fsync, no rename), so a crash while writing leaves a truncated state file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *lines[256];
	char buf[4096];
	size_t n = 0, klen;
	int found = 0;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: set_state KEY VALUE\n");
		return 2;
	}
	klen = strlen(argv[1]);
	f = fopen("state.txt", "r");
	if (!f) {
		fprintf(stderr, "set_state: state.txt: %s\n", strerror(errno));
		return 1;
	}
	while (n < 255 && fgets(buf, sizeof buf, f)) {
		if (!strncmp(buf, argv[1], klen) && (buf[klen] == '=' || buf[klen] == '\n' || !buf[klen])) {
			snprintf(buf, sizeof buf, "%s=%s\n", argv[1], argv[2]);
			found = 1;
		}
		lines[n++] = strdup(buf);
	}
	fclose(f);
	if (!found) {
		snprintf(buf, sizeof buf, "%s=%s\n", argv[1], argv[2]);
		lines[n++] = strdup(buf);
	}

	f = fopen("state.txt", "w"); /* BUG: should write state.txt.tmp, fsync, rename */
	if (!f) {
		fprintf(stderr, "set_state: state.txt: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		fputs(lines[i], f);
	fclose(f);
	printf("%s=%s (%s)\n", argv[1], argv[2], found ? "updated" : "added");
	return 0;
}
