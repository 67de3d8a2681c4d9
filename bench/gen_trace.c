/* gen_trace.c - write a synthetic sysdiff JSON Lines trace (docs/trace-format.md) for
 * benchmarking `sysdiff compare`.
 *
 *   gen_trace [-n EVENTS] [--seed S] [--mutate K] [-o FILE]
 *
 *   -n EVENTS    events in the trace (default 1000000), header and trailer not counted
 *   --seed S     seed of the content (default 1): the same seed gives the same trace
 *   --mutate K   the same trace with K changes at scattered places (default 0), in turn:
 *                the bytes of a write changed (one byte, so its hash too), a call
 *                inserted, a call deleted, a return value changed (a close fails with EIO
 *                or an open with EACCES).  The changes come from their own generator, so
 *                everything else is byte for byte the trace without --mutate.
 *   -o FILE      output file (default standard output)
 *
 * The trace is one process (pid 4242) doing what a build tool does: open, fstat, read
 * and close source files (the same file gives the same bytes every time), create and
 * write output files, print progress lines, fail to open missing files, map memory.
 * Buffers are short (up to a few hundred bytes) and carry their XXH64 hash like a real
 * trace.  Base events have even seq numbers (2, 4, 6, ...; gaps are allowed, as in a
 * filtered trace) so that an inserted call can take the odd number before its successor
 * and every other line stays the same: GNU diff then sees only the changed lines.
 *
 * Build: cc -O2 -o gen_trace bench/gen_trace.c -lxxhash
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define PID 4242
#define NFILES 400

/* ---- PRNG (splitmix64) ------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

/* ---- events ----------------------------------------------------------------------- */

enum kind { EXECVE, OPENAT, FSTAT, READ, WRITE, LSEEK, CLOSE, GETPID, MMAP, MUNMAP, BRK,
	    ACCESS, EXIT_GROUP, EXIT };

struct ev {
	enum kind kind;
	int fd;
	char path[128];              /* openat/access: the path; fd calls: what fd refers to */
	bool creat;                  /* openat: O_WRONLY|O_CREAT|O_TRUNC, mode 0644 */
	long long ret;
	const char *err;             /* errno name when ret < 0 */
	unsigned char data[512];
	size_t len, count;           /* buffer bytes, requested count (read) */
	uint64_t addr;               /* buffer / mapping address */
};

static const char *const dirs[] = { "src", "include", "lib", "tests", "docs" };
static const char *const words[] = {
	"static", "int", "return", "struct", "const", "char", "void", "size_t", "if", "else",
	"for", "while", "buffer", "count", "index", "value", "result", "error", "node", "list",
	"open", "read", "write", "close", "flags", "mode", "path", "name", "len", "data",
};

static void file_path(char *buf, size_t size, unsigned f)
{
	snprintf(buf, size, "/home/u/proj/%s/file%03u.%s", dirs[f % 5], f,
		 f % 5 == 1 ? "h" : f % 5 == 4 ? "md" : "c");
}

/* Text of the given length made of words and newlines (no quotes or backslashes). */
static void text(struct rng *r, unsigned char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		const char *w = words[below(r, sizeof words / sizeof *words)];
		for (; *w && i < len; w++)
			buf[i++] = (unsigned char)*w;
		if (i < len)
			buf[i++] = below(r, 6) ? ' ' : '\n';
	}
}

/* The bytes of source file f (the same every time it is read), 40..400 bytes. */
static size_t file_content(uint64_t seed, unsigned f, unsigned char *buf)
{
	struct rng r = { seed * 1000003 + f };
	size_t len = 40 + below(&r, 361);
	if (f % 37 == 0) {                        /* a few binary files: data_hex */
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)next(&r);
		return len;
	}
	text(&r, buf, len);
	return len;
}

/* The generator: the events of a build-like program, one session at a time. */
struct gen {
	struct rng r;
	uint64_t seed;
	struct ev q[16];                          /* the current session */
	int nq, iq;
	uint64_t brk;
	unsigned outs;
};

static struct ev *add(struct gen *g, enum kind kind)
{
	struct ev *e = &g->q[g->nq++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->addr = UINT64_C(0x7ffd3a200000) + 16 * below(&g->r, 4096);
	return e;
}

static void plan_session(struct gen *g)
{
	unsigned what = below(&g->r, 100);
	struct ev *e;
	g->nq = g->iq = 0;
	if (what < 45) {                          /* read a source file */
		unsigned f = below(&g->r, NFILES);
		char path[128];
		file_path(path, sizeof path, f);
		e = add(g, OPENAT);
		snprintf(e->path, sizeof e->path, "%s", path);
		e->ret = 3;
		unsigned char content[512];
		size_t size = file_content(g->seed, f, content);
		e = add(g, FSTAT);
		e->fd = 3;
		snprintf(e->path, sizeof e->path, "%s", path);
		e->len = size;
		size_t chunk = below(&g->r, 2) ? 4096 : 128, off = 0;
		while (off < size && g->nq < 12) {
			e = add(g, READ);
			e->fd = 3;
			snprintf(e->path, sizeof e->path, "%s", path);
			e->count = chunk;
			e->len = size - off < chunk ? size - off : chunk;
			memcpy(e->data, content + off, e->len);
			e->ret = (long long)e->len;
			off += e->len;
		}
		e = add(g, READ);                     /* end of file */
		e->fd = 3;
		snprintf(e->path, sizeof e->path, "%s", path);
		e->count = chunk;
		if (below(&g->r, 4) == 0) {
			e = add(g, LSEEK);
			e->fd = 3;
			snprintf(e->path, sizeof e->path, "%s", path);
		}
		e = add(g, CLOSE);
		e->fd = 3;
		snprintf(e->path, sizeof e->path, "%s", path);
	} else if (what < 70) {                   /* write an output file */
		char path[128];
		snprintf(path, sizeof path, "/home/u/proj/build/out%05u.o", g->outs++ % 20000);
		e = add(g, OPENAT);
		snprintf(e->path, sizeof e->path, "%s", path);
		e->creat = true;
		e->ret = 4;
		unsigned n = 1 + below(&g->r, 5);
		for (unsigned i = 0; i < n; i++) {
			e = add(g, WRITE);
			e->fd = 4;
			snprintf(e->path, sizeof e->path, "%s", path);
			e->len = 16 + below(&g->r, 200);
			text(&g->r, e->data, e->len);
			e->ret = (long long)e->len;
		}
		e = add(g, CLOSE);
		e->fd = 4;
		snprintf(e->path, sizeof e->path, "%s", path);
	} else if (what < 82) {                   /* a progress line */
		e = add(g, WRITE);
		e->fd = 1;
		snprintf(e->path, sizeof e->path, "/dev/pts/0");
		unsigned f = below(&g->r, NFILES);
		e->len = (size_t)snprintf((char *)e->data, sizeof e->data, "  CC      file%03u.c\n", f);
		e->ret = (long long)e->len;
	} else if (what < 88) {                   /* a missing file */
		unsigned f = NFILES + below(&g->r, 50);
		e = add(g, below(&g->r, 2) ? OPENAT : ACCESS);
		file_path(e->path, sizeof e->path, f);
		e->ret = -2;
		e->err = "ENOENT";
	} else if (what < 95) {                   /* memory */
		if (below(&g->r, 3) == 0) {
			e = add(g, BRK);
			g->brk += 0x21000;
			e->addr = g->brk;
			e->ret = (long long)g->brk;
		} else {
			uint64_t addr = UINT64_C(0x7f3c5a000000) + 0x1000 * (uint64_t)below(&g->r, 65536);
			size_t len = 0x1000 * (1 + below(&g->r, 64));
			e = add(g, MMAP);
			e->len = len;
			e->ret = (long long)addr;
			e = add(g, MUNMAP);
			e->addr = addr;
			e->len = len;
		}
	} else {
		e = add(g, GETPID);
		e->ret = PID;
	}
}

static struct ev *gen_next(struct gen *g)
{
	if (g->iq == g->nq)
		plan_session(g);
	return &g->q[g->iq++];
}

/* ---- JSON output ------------------------------------------------------------------ */

static FILE *out;

static void put_str(const char *key, const unsigned char *s, size_t len)
{
	bool utf8 = true;
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 0x80)
			utf8 = false;                     /* the generated text is ASCII */
	if (!utf8) {
		fprintf(out, ",\"%s_hex\":\"", key);
		for (size_t i = 0; i < len; i++)
			fprintf(out, "%02x", s[i]);
		fputc('"', out);
		return;
	}
	fprintf(out, ",\"%s\":\"", key);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void fd_arg(const struct ev *e)
{
	fprintf(out, "{\"type\":\"fd\",\"raw\":%d,\"ref\":\"%s\"}", e->fd, e->path);
}

static void buf_arg(const struct ev *e, bool at_exit)
{
	fprintf(out, "{\"type\":\"buf\",\"raw\":%" PRIu64 ",\"len\":%zu,\"hash\":\"%016llx\"",
		e->addr, e->len, (unsigned long long)XXH64(e->data, e->len, 0));
	if (e->len)
		put_str("data", e->data, e->len);
	fputs(at_exit ? ",\"at_exit\":true}" : "}", out);
}

static void print_ev(const struct ev *e, uint64_t seq, uint64_t t_ns, uint64_t dur_ns)
{
	static const char *const names[] = { "execve", "openat", "newfstatat", "read", "write",
		"lseek", "close", "getpid", "mmap", "munmap", "brk", "access", "exit_group" };
	static const int nrs[] = { 59, 257, 262, 0, 1, 8, 3, 39, 9, 11, 12, 21, 231 };

	fprintf(out, "{\"seq\":%" PRIu64 ",\"pid\":%d,\"tid\":%d,\"t\":%" PRIu64 ".%09" PRIu64,
		seq, PID, PID, t_ns / 1000000000, t_ns % 1000000000);
	if (e->kind == EXIT) {
		fprintf(out, ",\"type\":\"exit\",\"status\":0}\n");
		return;
	}
	fprintf(out, ",\"dur\":%" PRIu64 ".%09" PRIu64 ",\"type\":\"syscall\",\"name\":\"%s\","
		"\"nr\":%d,\"args\":[", dur_ns / 1000000000, dur_ns % 1000000000,
		names[e->kind], nrs[e->kind]);
	switch (e->kind) {
	case EXECVE:
		fputs("{\"type\":\"path\",\"raw\":\"/usr/bin/bench-build\",\"addr\":94251830040352,"
		      "\"abs\":\"/usr/bin/bench-build\"},{\"type\":\"strv\",\"raw\":140729654386400,"
		      "\"strv\":[\"bench-build\",\"-j1\"]},{\"type\":\"strv\",\"raw\":140729654386424,"
		      "\"strv\":[\"HOME=/home/u\",\"PATH=/usr/bin:/bin\",\"LANG=C.UTF-8\"]}", out);
		break;
	case OPENAT:
		fprintf(out, "{\"type\":\"fd\",\"raw\":-100,\"text\":\"AT_FDCWD\"},{\"type\":\"path\","
			"\"raw\":\"%s\",\"addr\":%" PRIu64 ",\"abs\":\"%s\"},", e->path, e->addr, e->path);
		if (e->creat)
			fputs("{\"type\":\"flags\",\"raw\":524865,\"text\":\"O_WRONLY|O_CREAT|O_TRUNC|"
			      "O_CLOEXEC\"},{\"type\":\"mode\",\"raw\":420,\"text\":\"0644\"}", out);
		else
			fputs("{\"type\":\"flags\",\"raw\":524288,\"text\":\"O_RDONLY|O_CLOEXEC\"},"
			      "{\"type\":\"mode\",\"raw\":0}", out);
		break;
	case ACCESS:
		fprintf(out, "{\"type\":\"path\",\"raw\":\"%s\",\"addr\":%" PRIu64 ",\"abs\":\"%s\"},"
			"{\"type\":\"flags\",\"raw\":4,\"text\":\"R_OK\"}", e->path, e->addr, e->path);
		break;
	case FSTAT:
		fd_arg(e);
		fprintf(out, ",{\"type\":\"path\",\"raw\":\"\",\"addr\":94251830041123,\"abs\":\"%s\"},"
			"{\"type\":\"struct\",\"raw\":%" PRIu64 ",\"text\":\"{st_mode=S_IFREG|0644, "
			"st_size=%zu, ...}\",\"at_exit\":true},{\"type\":\"flags\",\"raw\":4096,"
			"\"text\":\"AT_EMPTY_PATH\"}", e->path, e->addr, e->len);
		break;
	case READ:
		fd_arg(e);
		fputc(',', out);
		buf_arg(e, true);
		fprintf(out, ",{\"type\":\"uint\",\"raw\":%zu}", e->count);
		break;
	case WRITE:
		fd_arg(e);
		fputc(',', out);
		buf_arg(e, false);
		fprintf(out, ",{\"type\":\"uint\",\"raw\":%zu}", e->len);
		break;
	case LSEEK:
		fd_arg(e);
		fputs(",{\"type\":\"int\",\"raw\":0},{\"type\":\"flags\",\"raw\":0,\"text\":\"SEEK_SET\"}", out);
		break;
	case CLOSE:
		fd_arg(e);
		break;
	case GETPID:
		break;
	case MMAP:
		fprintf(out, "{\"type\":\"ptr\",\"raw\":0},{\"type\":\"uint\",\"raw\":%zu},{\"type\":"
			"\"flags\",\"raw\":3,\"text\":\"PROT_READ|PROT_WRITE\"},{\"type\":\"flags\","
			"\"raw\":34,\"text\":\"MAP_PRIVATE|MAP_ANONYMOUS\"},{\"type\":\"fd\",\"raw\":-1},"
			"{\"type\":\"hex\",\"raw\":0}", e->len);
		break;
	case MUNMAP:
		fprintf(out, "{\"type\":\"ptr\",\"raw\":%" PRIu64 "},{\"type\":\"uint\",\"raw\":%zu}",
			e->addr, e->len);
		break;
	case BRK:
		fprintf(out, "{\"type\":\"ptr\",\"raw\":%" PRIu64 "}", e->addr);
		break;
	case EXIT_GROUP:
		fputs("{\"type\":\"int\",\"raw\":0}", out);
		break;
	case EXIT:
		break;
	}
	fputc(']', out);
	if (e->kind == EXIT_GROUP)
		fputs(",\"ret\":null,\"unfinished\":true}\n", out);
	else if (e->err)
		fprintf(out, ",\"ret\":%lld,\"err\":\"%s\"}\n", e->ret, e->err);
	else if (e->kind == OPENAT)
		fprintf(out, ",\"ret\":%lld,\"ret_fmt\":\"fd\",\"ret_ref\":\"%s\"}\n", e->ret, e->path);
	else if (e->kind == MMAP || e->kind == BRK)
		fprintf(out, ",\"ret\":%lld,\"ret_fmt\":\"hex\"}\n", e->ret);
	else
		fprintf(out, ",\"ret\":%lld}\n", e->ret);
}

/* ---- mutations -------------------------------------------------------------------- */

enum mkind { M_BYTES, M_INSERT, M_DELETE, M_RET };

struct mutation {
	uint64_t at;                 /* event index (1-based) from which it applies */
	enum mkind kind;
};

/* Change e if the mutation applies to it; false: wait for a later event. */
static bool mutate(struct rng *mr, enum mkind kind, struct ev *e)
{
	if (kind == M_BYTES) {
		if (e->kind != WRITE || e->len == 0)
			return false;
		size_t i = below(mr, (unsigned)e->len);
		e->data[i] = e->data[i] == 'X' ? 'Y' : 'X';
		return true;
	}
	if (e->kind == CLOSE) {
		e->ret = -5;
		e->err = "EIO";
		return true;
	}
	if (e->kind == OPENAT && e->ret >= 0) {
		e->ret = -13;
		e->err = "EACCES";
		return true;
	}
	return false;
}

static void usage(void)
{
	fputs("usage: gen_trace [-n EVENTS] [--seed S] [--mutate K] [-o FILE]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t nev = 1000000, seed = 1, nmut = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-n"))
			nev = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mutate"))
			nmut = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-o"))
			path = argv[++i];
		else
			usage();
	}
	if (nev < 10 || nmut > (nev - 6) / 8) {
		fputs("gen_trace: need at least 10 events and 8 per change\n", stderr);
		return 2;
	}
	out = path ? fopen(path, "w") : stdout;
	if (!out) {
		perror(path);
		return 1;
	}
	static char obuf[1 << 20];
	setvbuf(out, obuf, _IOFBF, sizeof obuf);

	/* The changes: one in each of nmut equal stretches of events 4..nev-3. */
	struct mutation *mut = calloc(nmut ? nmut : 1, sizeof *mut);
	struct rng mr = { seed ^ UINT64_C(0x5eed0f0c4a4e6e5) };
	uint64_t span = nev - 6;
	for (uint64_t k = 0; k < nmut; k++) {
		uint64_t lo = 4 + span * k / nmut, hi = 4 + span * (k + 1) / nmut;
		mut[k].at = lo + next(&mr) % (hi - lo);
		mut[k].kind = (enum mkind)(k % 4);
	}

	fprintf(out, "{\"sysdiff_trace\":1,\"tool\":\"sysdiff 0.1.0\",\"arch\":\"x86_64\","
		"\"argv\":[\"bench-build\",\"-j1\"],\"cwd\":\"/home/u/proj\",\"pid\":%d,"
		"\"attached\":false,\"start\":1700000000.000000,\"start_ns\":1700000000000000000,"
		"\"max_bytes\":4096}\n", PID);

	struct gen g = { { seed }, seed, { { 0 } }, 0, 0, UINT64_C(0x55d4c6e3a000), 0 };
	uint64_t t = 500000, written = 0, done = 0, counts[4] = { 0 }, mk = 0;
	for (uint64_t i = 1; i <= nev; i++) {
		struct ev ev;
		if (i == 1) {
			memset(&ev, 0, sizeof ev);
			ev.kind = EXECVE;
		} else if (i == nev - 1) {
			memset(&ev, 0, sizeof ev);
			ev.kind = EXIT_GROUP;
		} else if (i == nev) {
			memset(&ev, 0, sizeof ev);
			ev.kind = EXIT;
		} else {
			ev = *gen_next(&g);
		}
		uint64_t dur = 1000 + next(&g.r) % 40000;
		bool drop = false;
		/* apply the changes due here (a change that needs a write or a close waits) */
		while (mk < nmut && mut[mk].at <= i) {
			enum mkind kind = mut[mk].kind;
			if (kind == M_INSERT) {
				struct ev ins;
				memset(&ins, 0, sizeof ins);
				ins.kind = WRITE;
				ins.fd = 2;
				snprintf(ins.path, sizeof ins.path, "/dev/pts/0");
				ins.addr = UINT64_C(0x7ffd3a1ff000);
				ins.len = (size_t)snprintf((char *)ins.data, sizeof ins.data,
					"warning: retrying step %u\n", below(&mr, 1000));
				ins.ret = (long long)ins.len;
				print_ev(&ins, 2 * i - 1, t - 700, 600);
				written++;
			} else if (kind == M_DELETE) {
				if (drop)
					break;            /* one deletion per event */
				drop = true;
			} else if (drop || !mutate(&mr, kind, &ev)) {
				break;
			}
			counts[kind]++;
			done++;
			mk++;
		}
		if (!drop) {
			print_ev(&ev, 2 * i, t, ev.kind == EXIT_GROUP ? 0 : dur);
			written++;
		}
		t += dur + 500 + next(&g.r) % 20000;
	}
	fprintf(out, "{\"end\":true,\"complete\":true,\"events\":%" PRIu64 ",\"exit_status\":0}\n",
		written);
	if (fflush(out) || (path && fclose(out))) {
		perror(path ? path : "stdout");
		return 1;
	}
	if (nmut) {
		fprintf(stderr, "gen_trace: %" PRIu64 " changes: %" PRIu64 " write bytes, %" PRIu64
			" inserted, %" PRIu64 " deleted, %" PRIu64 " return values\n",
			done, counts[M_BYTES], counts[M_INSERT], counts[M_DELETE], counts[M_RET]);
		if (done < nmut) {
			fprintf(stderr, "gen_trace: %" PRIu64 " changes found no event to apply to\n",
				nmut - done);
			return 1;
		}
	}
	free(mut);
	return 0;
}
