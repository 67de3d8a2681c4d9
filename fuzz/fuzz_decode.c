/* fuzz_decode.c - libFuzzer target for the syscall decoder.  The input picks the
 * syscall, its six argument registers, the return value and options; what is left
 * is the tracee's memory, mapped at a fake address.  Entry and exit decoding must
 * neither crash nor loop nor allocate without bound, whatever the memory holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arch/syscalls.h"
#include "decode/decode.h"
#include "util/path.h"
#include "event/event.h"

#define BASE 0x10000ULL

struct mem {
	const uint8_t *p;
	size_t n;
	uint64_t base;
};

static ssize_t fz_read(void *priv, uint64_t addr, void *dst, size_t len)
{
	struct mem *m = priv;

	if (addr < m->base || addr - m->base >= m->n)
		return -1;
	size_t off = (size_t)(addr - m->base), k = m->n - off < len ? m->n - off : len;
	memcpy(dst, m->p + off, k);
	return (ssize_t)k;
}

static const char *fz_ref(void *priv, int fd, bool fresh)
{
	(void)priv;
	(void)fresh;
	switch ((unsigned)fd % 4) {
	case 0: return NULL;
	case 1: return "/dir/sub";
	case 2: return "pipe:[12]";
	default: return "/";
	}
}

static void fz_closed(void *priv, int lo, int hi)
{
	(void)priv;
	if (lo > hi)
		abort();
}

static const char *fz_cwd(void *priv)
{
	(void)priv;
	return "/fuzz/cwd";
}

static void fz_cwd_changed(void *priv)
{
	(void)priv;
}

static uint64_t take(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t k = *n < 8 ? *n : 8;

	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

/* Make a register value: small ints, pointers into the memory, or anything. */
static uint64_t shape(uint64_t v, size_t memlen)
{
	switch (v & 3) {
	case 0: return (v >> 2) & 0xffff;
	case 1: return BASE + (v >> 2) % (memlen + 64);
	case 2: return (uint64_t)-(int64_t)((v >> 2) & 0xfff);
	default: return v;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	uint64_t sel, raw[6], rv, ov;
	struct mem m;
	struct sd_event ev;

	if (size < 8 * 9)
		return 0;
	sel = take(&p, &n);
	ov = take(&p, &n);
	for (int i = 0; i < 6; i++)
		raw[i] = take(&p, &n);
	rv = take(&p, &n);
	m = (struct mem){ p, n, BASE + (sel >> 32 & 0xfff) };
	for (int i = 0; i < 6; i++)
		raw[i] = shape(raw[i], n) + (raw[i] & 1 ? m.base - BASE : 0);

	struct sd_decode_env env = {
		.priv = &m, .read_mem = fz_read, .fd_ref = fz_ref, .fd_closed = fz_closed,
		.cwd = (ov & 0x10000) ? NULL : fz_cwd, .cwd_changed = fz_cwd_changed,
	};
	struct sd_decode_opts opts = {
		.max_bytes = (uint32_t)(ov & 0xff), .max_strv = (uint32_t)(ov >> 8 & 0x1f),
		.paths_abs = !(ov & 0x20000),
	};
	int nr = (int)(sel % (SD_NR_MAX + 8)) - 4;
	int64_t ret = (rv & 3) == 0 ? (int64_t)((rv >> 2) % (n + 16)) :
		      (rv & 3) == 1 ? -(int64_t)((rv >> 2) % 600) : (int64_t)rv;

	sd_event_init(&ev);
	sd_decode_entry(&env, &opts, &ev, nr, raw);
	if (!(ov & 0x40000))
		sd_decode_exit(&env, &opts, &ev, ret);
	sd_event_clear(&ev);

	free(sd_decode_siginfo(p, n));
	if (n) {
		char *s = strndup((const char *)p, n);
		char *abs = sd_path_absolute(ov & 0x80000 ? NULL : "/base/dir", s);
		if (abs && abs[0] != '/')
			abort();
		free(abs);
		free(s);
	}
	return 0;
}
