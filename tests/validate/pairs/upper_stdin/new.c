/* upper: copy stdin to stdout with ASCII letters upper-cased; report the byte count
 * on stderr.  Correct translation of orig.py (reads and writes in 4096-byte blocks). */
#include <stdio.h>

int main(void)
{
	char buf[4096];
	size_t n, total = 0;

	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] = (char)(buf[i] - 'a' + 'A');
		fwrite(buf, 1, n, stdout);
		total += n;
	}
	fflush(stdout);
	fprintf(stderr, "upper: %zu bytes\n", total);
	return 0;
}
