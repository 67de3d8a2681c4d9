/* mkproject: create a project skeleton NAME/{src/lib,docs} with a README and a main
 * file, remove the scratch directory NAME/tmp made while working, then print the tree.
 * Correct translation of orig.py. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "mkproject: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* like os.makedirs(path): create the missing parents, fail if path exists */
static void makedirs(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	snprintf(buf, sizeof buf, "%s", path);
	char *slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (stat(buf, &st) < 0)
			makedirs(buf);
	}
	if (mkdir(path, 0777) < 0)
		die(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die(path);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tree(const char *path, const char *prefix)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		die(path);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (size_t i = 0; i < n; i++) {
		char full[PATH_MAX], sub[256];
		struct stat st;
		snprintf(full, sizeof full, "%s/%s", path, names[i]);
		if (stat(full, &st) < 0)
			die(full);
		if (S_ISDIR(st.st_mode)) {
			printf("%s%s/\n", prefix, names[i]);
			snprintf(sub, sizeof sub, "%s  ", prefix);
			tree(full, sub);
		} else {
			printf("%s%s (%lld bytes)\n", prefix, names[i], (long long)st.st_size);
		}
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	char p[PATH_MAX], text[512];
	const char *name;

	if (argc != 2) {
		fprintf(stderr, "usage: mkproject NAME\n");
		return 2;
	}
	name = argv[1];
	snprintf(p, sizeof p, "%s/src/lib", name);
	makedirs(p);
	snprintf(p, sizeof p, "%s/docs", name);
	makedirs(p);
	snprintf(p, sizeof p, "%s/tmp", name);
	if (mkdir(p, 0777) < 0)
		die(p);
	snprintf(p, sizeof p, "%s/README", name);
	snprintf(text, sizeof text, "# %s\n\nA new project.\n", name);
	write_file(p, text);
	snprintf(p, sizeof p, "%s/src/main.txt", name);
	snprintf(text, sizeof text, "entry point of %s\n", name);
	write_file(p, text);
	snprintf(p, sizeof p, "%s/tmp", name);
	if (rmdir(p) < 0)
		die(p);
	printf("%s/\n", name);
	tree(name, "  ");
	return 0;
}
