/* zflush.c - what the trace writer's flush interval costs: compress a JSON Lines trace
 * the way sysdiff trace -o FILE.zst / FILE.gz does (zstd level 1 with a checksum, gzip
 * level 1), in batches of whole lines each ending with a flush point (ZSTD_e_flush,
 * Z_SYNC_FLUSH), for 64 KiB batches (sysdiff's), 1 MiB batches and no flush at all, and
 * print bytes per event and compression time (bench/README.md).
 *
 *   zflush TRACE.jsonl
 *
 * Build: cc -O2 -o zflush bench/zflush.c -lz -lzstd
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#define OUT (1 << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The end of the batch from p: at least iv bytes, up to the end of a line (iv 0: all). */
static size_t batch_end(const char *d, size_t n, size_t p, size_t iv)
{
	size_t q = !iv || iv > n - p ? n : p + iv;

	while (q < n && d[q - 1] != '\n')
		q++;
	return q;
}

static size_t zstd_size(const char *d, size_t n, size_t iv, char *out)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t total = 0;

	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	for (size_t p = 0; p < n;) {
		size_t q = batch_end(d, n, p, iv), left;
		ZSTD_EndDirective e = q == n ? ZSTD_e_end : iv ? ZSTD_e_flush : ZSTD_e_continue;
		ZSTD_inBuffer in = { d + p, q - p, 0 };
		do {
			ZSTD_outBuffer o = { out, OUT, 0 };
			left = ZSTD_compressStream2(c, &o, &in, e);
			total += o.pos;
		} while (e == ZSTD_e_continue ? in.pos < in.size : left != 0);
		p = q;
	}
	ZSTD_freeCCtx(c);
	return total;
}

static size_t gzip_size(const char *d, size_t n, size_t iv, char *out)
{
	z_stream z;
	size_t total = 0;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	for (size_t p = 0; p < n;) {
		size_t q = batch_end(d, n, p, iv);
		int flush = q == n ? Z_FINISH : iv ? Z_SYNC_FLUSH : Z_NO_FLUSH, rc;
		z.next_in = (Bytef *)d + p;
		z.avail_in = (uInt)(q - p);
		do {
			z.next_out = (Bytef *)out;
			z.avail_out = OUT;
			rc = deflate(&z, flush);
			total += OUT - z.avail_out;
		} while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
		p = q;
	}
	deflateEnd(&z);
	return total;
}

int main(int argc, char **argv)
{
	FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
	if (!f) {
		fprintf(stderr, "usage: zflush TRACE.jsonl\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size_t n = (size_t)ftell(f), events = 0;
	rewind(f);
	char *d = malloc(n), *out = malloc(OUT);
	if (fread(d, 1, n, f) != n)
		return 1;
	for (size_t i = 0; i < n; i++)
		events += d[i] == '\n';
	events = events > 2 ? events - 2 : 1;
	static const size_t ivs[] = { 64 << 10, 1 << 20, 0 };
	printf("%zu bytes, %zu events, %.1f bytes/event raw\n\n", n, events, (double)n / events);
	printf("| codec | flush | bytes/event | compression time |\n| --- | --- | --- | --- |\n");
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 3; i++) {
			double t0 = now();
			size_t size = k ? gzip_size(d, n, ivs[i], out) : zstd_size(d, n, ivs[i], out);
			double t = now() - t0;
			printf("| %s | %s | %.1f | %.3f s (%.0f ns/event) |\n", k ? "gzip -1" : "zstd -1",
			       ivs[i] == 0 ? "at the end only" : ivs[i] == 65536 ? "every 64 KiB" : "every 1 MiB",
			       (double)size / events, t, t * 1e9 / events);
		}
	}
	free(d);
	free(out);
	fclose(f);
	return 0;
}
