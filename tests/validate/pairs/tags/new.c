/* tags: print the distinct #tags found in a notes file, sorted, one per line.
 * Translation of orig.py -- BUGGY: joins the tags with "\n" but forgets the final
 * newline that the Python version appends after the join. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAGS 1024

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tagchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int main(int argc, char **argv)
{
	char *tags[MAX_TAGS];
	size_t ntags = 0, len = 0, cap = 4096;
	char *text;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: tags FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "tags: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	text = malloc(cap + 1);
	for (size_t n; (n = fread(text + len, 1, cap - len, f)) > 0;) {
		len += n;
		if (len == cap)
			text = realloc(text, (cap *= 2) + 1);
	}
	fclose(f);
	text[len] = '\0';

	for (size_t i = 0; i < len; i++) {
		if (text[i] != '#' || !tagchar((unsigned char)text[i + 1]))
			continue;
		size_t j = i + 1;
		while (j < len && tagchar((unsigned char)text[j]))
			j++;
		char *t = strndup(text + i, j - i);
		int dup = 0;
		for (size_t k = 0; k < ntags; k++)
			if (!strcmp(tags[k], t))
				dup = 1;
		if (dup || ntags == MAX_TAGS)
			free(t);
		else
			tags[ntags++] = t;
		i = j - 1;
	}
	qsort(tags, ntags, sizeof tags[0], cmp);
	for (size_t k = 0; k < ntags; k++)
		printf(k ? "\n%s" : "%s", tags[k]); /* BUG: no newline after the last tag */
	return 0;
}
