/* table: print N rows "index square-in-hex bar" (about 70 bytes each) on stdout and a
 * one-line summary on stderr.  Correct translation of orig.py (stdio writes 4096-byte
 * blocks where Python writes 8192-byte ones). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	unsigned long long total = 0;
	static const char hashes[] = "########################################";

	for (long i = 1; i <= n; i++) {
		int b = (int)(i % 41);
		printf("%05ld %08llx |%-40.*s|\n", i, (unsigned long long)(i * i), b, hashes);
		total += (unsigned long long)(i * i);
	}
	fprintf(stderr, "%ld rows, sum of squares %llu\n", n, total);
	return 0;
}
