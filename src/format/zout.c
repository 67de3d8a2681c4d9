/* zout.c - compressed output for the trace writer: a gzip (zlib) or zstd (libzstd)
 * stream over an fd, fed whole lines.
 *
 * Each batch is compressed and ends with a flush point (Z_SYNC_FLUSH, ZSTD_e_flush),
 * so everything handed over so far decodes from the file alone: a tracer killed
 * between two batches leaves a stream cut after whole lines, which the reader
 * (util/lines.c) decodes up to the cut.  The writer hands over 64 KiB of lines at a
 * time, which costs under 1% of size and about 10% of compression time (zstd level 1,
 * see bench/README.md).
 *
 * The tracer runs on one CPU with its tracees (it pins itself), so compressing there
 * would add to every traced syscall.  A threaded stream compresses and writes on a
 * thread of its own instead, started before the tracer pins itself and so free to run
 * on another CPU: the tracer only copies each batch over (double buffering).  That
 * thread blocks every signal, so SIGINT and the others still reach the tracer's
 * thread. */
#define _GNU_SOURCE
#include "format/zout_int.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "util/util.h"

#define OUTBUF (64 * 1024)
#define GZIP_LEVEL 1            /* fastest: 229 MB/s, 52 bytes per event of find /usr */
#define ZSTD_LEVEL 1            /* 600 MB/s, 39 bytes per event of find /usr */

struct sd_zout {
	int fd;
	enum sd_compress kind;
	z_stream zs;
	ZSTD_CCtx *zc;
	unsigned char out[OUTBUF];
	/* threaded: the batch handed over (pending until the thread takes it), the one it
	 * works on, and its first write error */
	bool threaded, pending, pending_end, quit, done;
	int err;
	int avoid_cpu;              /* the CPU the last batch came from (-1: unknown) */
	bool moved;
	struct sb batch, work;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static int compress_write(struct sd_zout *z, const void *p, size_t n, bool end);

/* Leave the CPU the tracer runs on (it pins itself there with its tracees, and a thread
 * it wakes tends to run beside it), once, when another one is allowed. */
static void move_away(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || sched_getaffinity(0, sizeof set, &set) < 0 || !CPU_ISSET(cpu, &set) ||
	    CPU_COUNT(&set) < 2)
		return;
	CPU_CLR(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

static void *worker(void *arg)
{
	struct sd_zout *z = arg;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		while (!z->pending && !z->quit)
			pthread_cond_wait(&z->cv, &z->mu);
		if (!z->pending)
			break;
		struct sb t = z->work;
		z->work = z->batch;
		z->batch = t;
		bool end = z->pending_end, failed = z->err != 0;
		int cpu = z->avoid_cpu;
		z->pending = false;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		if (!z->moved && cpu >= 0 && cpu == sched_getcpu()) {
			move_away(cpu);
			z->moved = true;
		}
		int rc = failed ? 0 : compress_write(z, z->work.buf, z->work.len, end);
		int e = errno;
		pthread_mutex_lock(&z->mu);
		if (rc < 0 && !z->err)
			z->err = e ? e : EIO;
		sb_reset(&z->work);
		if (end) {
			z->done = true;
			pthread_cond_broadcast(&z->cv);
			break;
		}
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* Start the thread with every signal blocked (it inherits the caller's CPUs). */
static void start_thread(struct sd_zout *z)
{
	sigset_t all, old;

	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	z->threaded = pthread_create(&z->thread, NULL, worker, z) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!z->threaded) {   /* then in the caller's thread */
		pthread_cond_destroy(&z->cv);
		pthread_mutex_destroy(&z->mu);
	}
}

struct sd_zout *sd_zout_new(int fd, enum sd_compress kind, bool threaded)
{
	struct sd_zout *z = xcalloc(1, sizeof *z);

	z->fd = fd;
	z->kind = kind;
	bool ok = kind == SD_COMPRESS_GZIP
		? deflateInit2(&z->zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK
		: kind == SD_COMPRESS_ZSTD && (z->zc = ZSTD_createCCtx()) &&
		  !ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL)) &&
		  !ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1));
	if (!ok) {
		ZSTD_freeCCtx(z->zc);
		free(z);
		return NULL;
	}
	if (threaded)
		start_thread(z);
	return z;
}

static int gz_write(struct sd_zout *z, const void *p, size_t n, bool end)
{
	z_stream *s = &z->zs;
	int rc;

	s->next_in = (Bytef *)p;
	s->avail_in = (uInt)n;
	do {
		s->next_out = z->out;
		s->avail_out = OUTBUF;
		rc = deflate(s, end ? Z_FINISH : Z_SYNC_FLUSH);
		if (rc == Z_STREAM_ERROR) {
			errno = EINVAL;
			return -1;
		}
		if (sd_write_full(z->fd, z->out, OUTBUF - s->avail_out) < 0)
			return -1;
	} while (s->avail_out == 0 || (end && rc != Z_STREAM_END));
	return 0;
}

static int zstd_write(struct sd_zout *z, const void *p, size_t n, bool end)
{
	ZSTD_inBuffer in = { p, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { z->out, OUTBUF, 0 };
		left = ZSTD_compressStream2(z->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_flush);
		if (ZSTD_isError(left)) {
			errno = ENOMEM;   /* the only error a valid stream can meet */
			return -1;
		}
		if (sd_write_full(z->fd, z->out, out.pos) < 0)
			return -1;
	} while (left);
	return 0;
}

static int compress_write(struct sd_zout *z, const void *p, size_t n, bool end)
{
	/* deflate takes at most 4 GiB at a time; the writer gives 64 KiB */
	if (n > UINT32_MAX) {
		errno = EFBIG;
		return -1;
	}
	return z->kind == SD_COMPRESS_GZIP ? gz_write(z, p, n, end) : zstd_write(z, p, n, end);
}

int sd_zout_write(struct sd_zout *z, const void *p, size_t n, bool end)
{
	if (!z->threaded)
		return compress_write(z, p, n, end);
	pthread_mutex_lock(&z->mu);
	while (z->pending)
		pthread_cond_wait(&z->cv, &z->mu);
	sb_reset(&z->batch);
	sb_add(&z->batch, p, n);
	z->avoid_cpu = sched_getcpu();
	z->pending = true;
	z->pending_end = end;
	pthread_cond_broadcast(&z->cv);
	while (end && !z->done)
		pthread_cond_wait(&z->cv, &z->mu);
	int err = z->err;
	pthread_mutex_unlock(&z->mu);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

void sd_zout_free(struct sd_zout *z)
{
	if (!z)
		return;
	if (z->threaded) {
		pthread_mutex_lock(&z->mu);
		z->quit = true;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		pthread_join(z->thread, NULL);
		pthread_cond_destroy(&z->cv);
		pthread_mutex_destroy(&z->mu);
	}
	sb_free(&z->batch);
	sb_free(&z->work);
	if (z->kind == SD_COMPRESS_GZIP)
		deflateEnd(&z->zs);
	ZSTD_freeCCtx(z->zc);
	free(z);
}
