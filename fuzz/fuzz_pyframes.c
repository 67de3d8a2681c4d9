/* fuzz_pyframes.c - libFuzzer target for the Python frame reader (src/srcloc/python.c):
 * the memory of a traced CPython process is untrusted.  Whatever it holds, reading the
 * interpreter's frames must not crash, leak, hang or read outside what the read
 * callback gives, and what comes back must be consistent: a line only with a frame of
 * user code, at most 1024 frames, a runtime whose layout check failed stays broken.
 *
 * Input: a 24-byte header, then a memory image mapped at BASE in the fake tracee.
 *   0      minor version: 11 + byte % 4
 *   1      flags: 1 the main thread, 2 keep the stack, 4 PyCode_Type's address is known
 *          (else the type is checked by name)
 *   2-3    the version's low 16 bits (PY_VERSION_HEX = 0x03MM0000 | these)
 *   4-7    the thread's native id
 *   8-11   _PyRuntime's offset from BASE
 *   12-15  PyCode_Type's offset from BASE
 *   16-19  firstlineno for sd_py_line, which reads the image itself as a location table
 *   20-21  ... from this offset into the image
 *   22-23  ... at these code units (and the 7 after it, and -1)
 * All little-endian.  The seeds in fuzz/corpus/fuzz_pyframes are the synthetic
 * interpreters of tests/unit/test_pyframes.c, written by
 *   SD_PYFRAMES_SEEDS=fuzz/corpus/fuzz_pyframes build/tests/test_pyframes */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcloc/srcloc.h"
#include "event/event.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_pyframes: %s\n", #c); abort(); } } while (0)

#define BASE 0x10000000ull
#define HDR 24

struct mem {
	const uint8_t *p;
	size_t n;
};

static bool mem_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	const struct mem *m = ctx;
	if (addr < BASE || n > m->n || addr - BASE > m->n - n)
		return false;
	memcpy(buf, m->p + (addr - BASE), n);
	return true;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool has_nl(const char *s)
{
	return s && strchr(s, '\n');
}

static void check_loc(const struct sd_srcloc *loc, int r, bool stack)
{
	CHECK(r >= -1 && r <= 1);
	CHECK(loc->lang && !strcmp(loc->lang, "python"));
	CHECK(loc->line >= 0);
	CHECK(loc->nframes >= 0 && loc->nframes <= 1024);
	CHECK(stack || loc->nframes == 0);
	CHECK((loc->nframes == 0) == (loc->frames == NULL));
	if (r == 1) {
		CHECK(loc->file && loc->func);
		CHECK(loc->line > 0 || loc->why);
		CHECK(!loc->phase || !strcmp(loc->phase, "import"));
	} else {
		CHECK(loc->line == 0 && !loc->func && loc->why);
	}
	if (r == -1)
		CHECK(loc->nframes == 0 && !loc->file && !loc->phase);
	if (loc->phase)
		CHECK(!strcmp(loc->phase, "startup") || !strcmp(loc->phase, "import") ||
		      !strcmp(loc->phase, "exit") || !strcmp(loc->phase, "runtime"));
	CHECK(!has_nl(loc->why));
	bool user = false;
	for (int i = 0; i < loc->nframes; i++) {
		const struct sd_srcframe *f = &loc->frames[i];
		CHECK(f->py && f->func && f->file && f->line >= 0 && !f->module);
		CHECK(strlen(f->func) <= 4 * 4096 && strlen(f->file) <= 4 * 4096);
		user |= f->user;
	}
	/* a line of user code comes with a frame of it on the stack (or code run from text) */
	if (r == 1 && loc->nframes && !user)
		CHECK(loc->file[0] == '<');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR)
		return 0;
	int minor = 11 + data[0] % 4;
	uint8_t flags = data[1];
	unsigned long version = 0x03000000ul | (unsigned long)minor << 16 | le16(data + 2);
	uint32_t tid = le32(data + 4);
	uint64_t runtime = BASE + le32(data + 8);
	uint64_t code_type = flags & 4 ? BASE + le32(data + 12) : 0;
	int first = (int)le32(data + 16);
	struct mem m = { data + HDR, size - HDR };

	char *why = NULL;
	struct sd_pyrt *rt = sd_py_new(version, runtime, code_type, mem_read, &m, &why);
	if (!rt) {
		CHECK(why && why[0] && !has_nl(why));
		free(why);
	} else {
		CHECK(!why);
		bool main_thread = flags & 1, keep = flags & 2;
		/* twice as asked (the second from the code cache), once the other way, once for
		 * another thread, once asking only whether the user made the call */
		for (int round = 0; round < 5; round++) {
			struct sd_srcloc loc = { 0 };
			bool stack = round == 2 ? !keep : round == 4 ? false : keep;
			bool was_broken = sd_py_broken(rt) != NULL;
			pid_t t = (pid_t)(round == 3 ? tid + 1 : tid);
			int r = round == 4 ? sd_py_locate_user(rt, t, main_thread, &loc)
					   : sd_py_locate(rt, t, main_thread, stack, &loc);
			check_loc(&loc, r, stack);
			if (was_broken)
				CHECK(r == -1 && sd_py_broken(rt));
			if (sd_py_broken(rt))
				CHECK(r == -1 && loc.why && !strcmp(loc.why, sd_py_broken(rt)));
			sd_srcloc_clear(&loc);
		}
		sd_py_free(rt);
	}

	/* the image as a location table */
	size_t off = le16(data + 20) % (m.n + 1), n = m.n - off;
	long lasti = le16(data + 22);
	const uint8_t *t = m.p + off;
	CHECK(sd_py_line(t, n, first, -1) == (first > 0 ? first : 0));
	for (long u = lasti; u < lasti + 8; u++)
		CHECK(sd_py_line(t, n, first, u) >= 0);
	return 0;
}
