/* save_settings: write KEY=VALUE arguments, sorted by key, to settings.conf and
 * report how many were saved.
 * Translation of orig.py -- BUGGY: creates settings.conf with mode 0600 instead
 * of 0644 (other users can no longer read it). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kv {
	const char *key;
	size_t keylen;
	const char *value;
};

static int cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

int main(int argc, char **argv)
{
	struct kv *kv = calloc(argc, sizeof *kv);
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i]) {
			fprintf(stderr, "save_settings: bad setting '%s' (want KEY=VALUE)\n", argv[i]);
			return 2;
		}
		size_t klen = eq - argv[i], j;
		for (j = 0; j < n; j++) /* a later KEY= replaces an earlier one */
			if (kv[j].keylen == klen && !memcmp(kv[j].key, argv[i], klen))
				break;
		kv[j].key = argv[i];
		kv[j].keylen = klen;
		kv[j].value = eq + 1;
		if (j == n)
			n++;
	}
	qsort(kv, n, sizeof *kv, cmp);

	int fd = open("settings.conf", O_WRONLY | O_CREAT | O_TRUNC, 0600); /* BUG: 0644 */
	if (fd < 0) {
		perror("save_settings: settings.conf");
		return 1;
	}
	FILE *f = fdopen(fd, "w");
	fputs("# written by save_settings\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%.*s=%s\n", (int)kv[i].keylen, kv[i].key, kv[i].value);
	if (fclose(f) != 0) {
		perror("save_settings: settings.conf");
		return 1;
	}
	printf("saved %zu settings to settings.conf\n", n);
	return 0;
}
