/* python.c - Python source lines: the frames of a CPython 3.11-3.14 interpreter, read
 * out of the stopped process.
 *
 * The chain is the one CPython's own remote-debugging code and py-spy follow:
 * _PyRuntime -> interpreters -> thread states (the one whose native_thread_id is the
 * stopped thread) -> its current _PyInterpreterFrame -> previous... -> each frame's code
 * object (file name, qualified name, location table) and its instruction pointer, which
 * the location table turns into a line.  Where each field lives is the runtime's layout
 * (python_probe.c finds the interpreter and its layout: tables generated from the
 * internal headers for 3.11 and 3.12, the _Py_DebugOffsets table for 3.13 and 3.14).
 * Version semantics the tables cannot express (the _PyCFrame hop of 3.11/3.12, tagged
 * f_executable and the renumbered frame owners of 3.14) are handled here by minor version.
 *
 * The tracee's memory is untrusted: every read is bounded and goes through one reader,
 * pointers are checked before use, walks have depth limits, strings and location tables
 * length limits, and every code object is type-checked.  A check that fails gives no
 * line and a reason, never a wrong line.  Code objects are cached by address (and checked
 * against their header at each use); each thread's last path is read back in one batch
 * and checked link by link, so a steady-state call costs one process_vm_readv. */
#define _GNU_SOURCE
#include "srcloc/python_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "util/util.h"

#define MAX_DEPTH 1024          /* Python frames walked */
#define MAX_THREADS 4096        /* thread states searched */
#define MAX_INTERPS 64
#define MAX_STR 4096            /* code points of a file or function name */
#define CODE_CACHE 1024         /* code objects remembered per process (direct-mapped) */
#define BATCH 16                /* frames whose code headers are read together */
#define WFETCH 4                /* pages fetched at a time (a frame's and those below it) */
#define WALK_BUDGET (16u << 20) /* bytes of new code objects one walk may read */
#define CACHE_BUDGET (64u << 20) /* bytes of location tables the cache may hold */

/* What a code object's file makes it: the user's code, a library's (stdlib, frozen,
 * third-party packages), import machinery, or a pseudo-file ("<string>", "<stdin>"):
 * code given as text, the user's when the user's code (or nothing) runs it, else not
 * (site runs the .pth files' lines at start-up). */
enum { K_USER, K_LIB, K_IMPORT, K_PSEUDO };

struct pycode {
	uint64_t addr;               /* 0: empty slot */
	uint64_t filename_p, qualname_p, linetable_p;
	int32_t firstlineno;
	char *file;                  /* co_filename ("/a/./b" made "/a/b") */
	char *qualname;
	unsigned char *lt;           /* co_linetable */
	size_t ltlen;
	int kind;
	unsigned walk;               /* the walk that last used it */
	struct pycode *next;         /* spilled: the walk's other extra entries */
};

/* ---- bounded reads ---- */

/* Several independent reads; one process_vm_readv for a traced process. */
static bool rd_many(struct sd_pyrt *rt, int n, const uint64_t *addr, const size_t *len,
		    unsigned char *const *buf)
{
	struct iovec local[16], remote[16];
	size_t total = 0;
	if (n > 16)
		return false;
	for (int i = 0; i < n; i++) {
		if (!len[i] || len[i] > MAX_BLOCK || addr[i] < 4096 || addr[i] + len[i] < addr[i] ||
		    addr[i] + len[i] > 0x800000000000ull)
			return false;
		local[i] = (struct iovec){ buf[i], len[i] };
		remote[i] = (struct iovec){ (void *)(uintptr_t)addr[i], len[i] };
		total += len[i];
	}
	if (rt->read != sd_py_pid_read) {
		for (int i = 0; i < n; i++)
			if (!rd(rt, addr[i], buf[i], len[i]))
				return false;
		return true;
	}
	rt->reads++;
	pid_t pid = (pid_t)(intptr_t)rt->rctx;
	return process_vm_readv(pid, local, (unsigned long)n, remote, (unsigned long)n, 0) ==
	       (ssize_t)total;
}

static int32_t i32_at(const unsigned char *b, uint32_t off)
{
	int32_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

static bool read_u64(struct sd_pyrt *rt, uint64_t addr, uint64_t *v)
{
	return ptr_ok(addr, 8) && rd(rt, addr, v, sizeof *v);
}

bool sd_py_pid_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
	pid_t pid = (pid_t)(intptr_t)ctx;
	struct iovec local = { buf, n }, remote = { (void *)(uintptr_t)addr, n };
	ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	return got == (ssize_t)n;
}

/* ---- strings, bytes, location tables ---- */

static void put_utf8(char **o, uint32_t c)
{
	unsigned char *p = (unsigned char *)*o;
	if (c >= 0xd800 && c < 0xe000)
		c = '?';
	if (c < 0x80) {
		*p++ = (unsigned char)c;
	} else if (c < 0x800) {
		*p++ = (unsigned char)(0xc0 | c >> 6);
		*p++ = (unsigned char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*p++ = (unsigned char)(0xe0 | c >> 12);
		*p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (unsigned char)(0x80 | (c & 0x3f));
	} else if (c < 0x110000) {
		*p++ = (unsigned char)(0xf0 | c >> 18);
		*p++ = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		*p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		*p++ = '?';
	}
	*o = (char *)p;
}

/* A str object as UTF-8 (malloc'd), or NULL when it is not a readable compact str. */
static char *read_str(struct sd_pyrt *rt, uint64_t addr)
{
	const struct pylayout *L = &rt->L;
	unsigned char h[128];
	if (!ptr_ok(addr, 8) || L->str_compact_size > sizeof h || !rd(rt, addr, h, L->str_compact_size))
		return NULL;
	int64_t len = (int64_t)u64_at(h, L->str_length);
	uint32_t state;
	memcpy(&state, h + L->str_state, sizeof state);
	unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	if (len < 0 || len > MAX_STR || !compact || (kind != 1 && kind != 2 && kind != 4) ||
	    (ascii && kind != 1))
		return NULL;
	size_t nb = (size_t)len * kind;
	unsigned char *raw = xmalloc(nb + 1);
	uint64_t data = addr + (ascii ? L->str_ascii_size : L->str_compact_size);
	if (nb && !rd(rt, data, raw, nb)) {
		free(raw);
		return NULL;
	}
	char *out = xmalloc((size_t)len * 4 + 1), *o = out;
	for (int64_t i = 0; i < len; i++) {
		uint32_t c;
		if (kind == 1) {
			c = raw[i];
		} else if (kind == 2) {
			uint16_t u;
			memcpy(&u, raw + 2 * i, 2);
			c = u;
		} else {
			memcpy(&c, raw + 4 * i, 4);
		}
		if (!c)
			c = '?';
		if (ascii && c >= 0x80)
			c = '?';
		put_utf8(&o, c);
	}
	*o = '\0';
	free(raw);
	return out;
}

static unsigned char *read_bytes(struct sd_pyrt *rt, uint64_t addr, size_t *n)
{
	const struct pylayout *L = &rt->L;
	uint64_t size;
	if (!ptr_ok(addr, 8) || !rd(rt, addr + L->bytes_size, &size, sizeof size) ||
	    size > MAX_LINETABLE)
		return NULL;
	unsigned char *b = xmalloc(size ? size : 1);
	if (size && !rd(rt, addr + L->bytes_sval, b, size)) {
		free(b);
		return NULL;
	}
	*n = size;
	return b;
}

static bool varint(const unsigned char *t, size_t n, size_t *i, unsigned *v)
{
	unsigned r = 0, shift = 0;
	for (;;) {
		if (*i >= n || shift > 28)
			return false;
		unsigned char b = t[(*i)++];
		r |= (unsigned)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	*v = r;
	return true;
}

static bool svarint(const unsigned char *t, size_t n, size_t *i, int *v)
{
	unsigned u;
	if (!varint(t, n, i, &u))
		return false;
	*v = (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
	return true;
}

int sd_py_line(const unsigned char *t, size_t n, int firstlineno, long lasti)
{
	if (lasti < 0)
		return firstlineno > 0 ? firstlineno : 0;
	long addr = 0;
	int64_t line = firstlineno;
	size_t i = 0;
	while (i < n) {
		unsigned char first = t[i++];
		if (!(first & 0x80))
			return 0;            /* not at an entry start: corrupt */
		int code = (first >> 3) & 15, len = (first & 7) + 1, delta = 0;
		bool noline = false;
		unsigned u;
		switch (code) {
		case 15:
			noline = true;
			break;
		case 14:
			if (!svarint(t, n, &i, &delta) || !varint(t, n, &i, &u) || !varint(t, n, &i, &u) ||
			    !varint(t, n, &i, &u))
				return 0;
			break;
		case 13:
			if (!svarint(t, n, &i, &delta))
				return 0;
			break;
		case 10: case 11: case 12:
			delta = code - 10;
			if (i + 2 > n)
				return 0;
			i += 2;
			break;
		default:                      /* 0-9: short form */
			if (i + 1 > n)
				return 0;
			i += 1;
			break;
		}
		if (delta < -(1 << 24) || delta > (1 << 24))
			return 0;
		line += delta;
		if (line < INT32_MIN || line > INT32_MAX)
			return 0;
		if (lasti >= addr && lasti < addr + len)
			return noline || line <= 0 ? 0 : (int)line;
		addr += len;
	}
	return 0;
}

/* ---- code objects ---- */

static void code_clear(struct pycode *c)
{
	free(c->file);
	free(c->qualname);
	free(c->lt);
	memset(c, 0, sizeof *c);
}

/* "/a/./b" -> "/a/b" (how CPython names a script run as ./b). */
static void tidy_path(char *s)
{
	char *p;
	while ((p = strstr(s, "/./")))
		memmove(p, p + 2, strlen(p + 2) + 1);
}

static int kind_of(const struct sd_pyrt *rt, const char *file)
{
	if (!strncmp(file, "<frozen importlib.", 18) || !strcmp(file, "<frozen zipimport>"))
		return K_IMPORT;
	if (!strncmp(file, "<frozen ", 8) || !strcmp(file, "<shim>"))
		return K_LIB;
	if (rt->stdlib && !strncmp(file, rt->stdlib, strlen(rt->stdlib)))
		return K_LIB;
	/* the interpreter may run from elsewhere than its prefix (a copy, PYTHONHOME) */
	if (strstr(file, rt->stdpat) || (strstr(file, "/lib64/python3.") &&
					  strstr(file, rt->stdpat + 4)))
		return K_LIB;
	if (strstr(file, "/site-packages/") || strstr(file, "/dist-packages/"))
		return K_LIB;
	return file[0] == '<' ? K_PSEUDO : K_USER;
}

/* Is addr a code object?  By PyCode_Type's address, or once by the type's name. */
static bool is_code(struct sd_pyrt *rt, const unsigned char *hdr)
{
	uint64_t type = u64_at(hdr, rt->L.ob_type);
	if (rt->code_type)
		return type == rt->code_type;
	uint64_t name_p;
	char name[8];
	if (!read_u64(rt, type + rt->L.tp_name, &name_p) || !ptr_ok(name_p, 1) ||
	    !rd(rt, name_p, name, 5) || memcmp(name, "code", 5))
		return false;
	rt->code_type = type;
	return true;
}

/* The code object at addr, from the cache when its header still matches. */
static struct pycode *code_get(struct sd_pyrt *rt, uint64_t addr, const unsigned char *pre)
{
	const struct pylayout *L = &rt->L;
	unsigned char buf[MAX_BLOCK];
	const unsigned char *hdr = pre ? pre : buf;
	if (!ptr_ok(addr, 8) || (!pre && !rd(rt, addr, buf, L->co_size)) || !is_code(rt, hdr))
		return NULL;
	uint64_t fn = u64_at(hdr, L->co_filename), qn = u64_at(hdr, L->co_qualname);
	uint64_t lt = u64_at(hdr, L->co_linetable);
	int32_t first = i32_at(hdr, L->co_firstlineno);
	if (!rt->codes)
		rt->codes = xcalloc(CODE_CACHE, sizeof *rt->codes);
	/* Up to 8 slots from the hashed one: the same object, else one this walk does not
	 * use (its frames point at theirs). */
	struct pycode *c = NULL;
	for (unsigned k = 0; k < 8; k++) {
		struct pycode *s = &rt->codes[((addr >> 4) + k) % CODE_CACHE];
		if (s->addr == addr) {
			if (s->filename_p == fn && s->qualname_p == qn && s->linetable_p == lt &&
			    s->firstlineno == first) {
				s->walk = rt->walk;
				return s;
			}
			if (s->walk != rt->walk) {
				c = s;
				break;
			}
		} else if (!c && s->walk != rt->walk) {
			c = s;
		}
	}
	char *file = read_str(rt, fn), *qual = read_str(rt, qn);
	size_t n = 0;
	unsigned char *table = NULL;
	if (file && qual && rt->walk_bytes < WALK_BUDGET)
		table = read_bytes(rt, lt, &n);
	if (!table) {
		free(file);
		free(qual);
		return NULL;
	}
	size_t bytes = n + strlen(file) + strlen(qual);
	rt->walk_bytes += bytes;
	if (c && rt->cached_bytes - (c->addr ? c->ltlen : 0) + bytes > CACHE_BUDGET)
		c = NULL;            /* hostile sizes: keep it for this walk only */
	if (!c) {                    /* (also when every slot holds one of this walk's frames) */
		c = xcalloc(1, sizeof *c);
		c->next = rt->spill;
		rt->spill = c;
	} else {
		if (c->addr)
			rt->cached_bytes -= c->ltlen;
		rt->cached_bytes += n;
	}
	struct pycode *keep = c->next;
	code_clear(c);
	tidy_path(file);
	*c = (struct pycode){ .addr = addr, .filename_p = fn, .qualname_p = qn, .linetable_p = lt,
			      .firstlineno = first, .file = file, .qualname = qual, .lt = table,
			      .ltlen = n, .kind = kind_of(rt, file), .walk = rt->walk, .next = keep };
	return c;
}

static void free_spill(struct sd_pyrt *rt)
{
	while (rt->spill) {
		struct pycode *c = rt->spill;
		rt->spill = c->next;
		code_clear(c);
		free(c);
	}
}

/* ---- thread states ---- */

/* Bytes of a thread state to read: up to the last field used. */
static uint32_t ts_block(const struct pylayout *L)
{
	uint32_t m = L->ts_next;
	if (L->ts_interp > m) m = L->ts_interp;
	if (L->ts_native_id > m) m = L->ts_native_id;
	if (L->ts_cframe > m) m = L->ts_cframe;
	if (L->ts_current_frame > m) m = L->ts_current_frame;
	return m + 8;
}

/* The thread's current frame (0: none), from its thread state block. */
static bool ts_frame(struct sd_pyrt *rt, const unsigned char *ts, uint64_t *frame)
{
	const struct pylayout *L = &rt->L;
	if (L->minor >= 13) {
		*frame = u64_at(ts, L->ts_current_frame);
		return true;
	}
	uint64_t cf = u64_at(ts, L->ts_cframe);
	if (!cf) {
		*frame = 0;
		return true;
	}
	return read_u64(rt, cf + L->cf_current_frame, frame);
}

/* Find the thread state of native thread id tid by walking every interpreter's threads,
 * preferring one that has a frame (3.11 creates a new thread's state in its parent, with
 * the parent's id, before the thread runs).  Nothing is cached: a thread state freed
 * before its thread ends still holds the thread's id, and its memory may be reused. */
static int find_tstate(struct sd_pyrt *rt, uint64_t interp0, pid_t tid, uint64_t *frame,
		       struct pyhint *h)
{
	const struct pylayout *L = &rt->L;
	uint32_t blk = ts_block(L);
	unsigned char ts[MAX_BLOCK];
	uint64_t best = 0, best_frame = 0, best_cf = 0;
	int nth = 0, best_at = -1;
	h->nts = 0;
	uint64_t interp = interp0;
	for (int ni = 0; interp && ni < MAX_INTERPS; ni++) {
		uint64_t t;
		if (!read_u64(rt, interp + L->is_threads_head, &t))
			return -1;
		bool first = true;
		while (t && nth++ < MAX_THREADS) {
			if (!ptr_ok(t, 8) || !rd(rt, t, ts, blk))
				return -1;
			if (u64_at(ts, L->ts_interp) != interp) {
				if (first && !rt->verified) {
					free(rt->broken);
					rt->broken = xasprintf("a thread state of CPython %d.%d does not point "
							       "back to its interpreter: its layout is not the "
							       "one expected", 3, L->minor);
				}
				return -1;
			}
			rt->verified = true;
			first = false;
			if (ni == 0 && nth <= HINT_TS)
				h->ts[nth - 1] = t;
			if (u64_at(ts, L->ts_native_id) == (uint64_t)tid) {
				uint64_t f;
				if (ts_frame(rt, ts, &f) && (f || !best)) {
					best = t;
					best_frame = f;
					best_cf = L->minor <= 12 ? u64_at(ts, L->ts_cframe) : 0;
					best_at = ni == 0 && nth <= HINT_TS ? nth : -1;
					if (f)
						goto found;
				}
			}
			t = u64_at(ts, L->ts_next);
		}
		if (!read_u64(rt, interp + L->is_next, &interp))
			break;
	}
	if (!best && rt->fork_tid && tid != rt->fork_tid)
		return find_tstate(rt, interp0, rt->fork_tid, frame, h);
	if (!best)
		return 0;
found:
	*frame = best_frame;
	/* a hint only when the thread's state is among the first of the first list */
	h->nts = best_at;
	h->native = (uint64_t)tid;
	h->interp = interp0;
	h->cframe = best_cf;
	return 1;
}

/* ---- frames, read a few pages at a time ---- */

static const unsigned char *page_of(struct sd_pyrt *rt, uint64_t base)
{
	for (int i = 0; i < rt->npg; i++)
		if (rt->pg_base[i] == base)
			return rt->pg + (size_t)i * 4096;
	return NULL;
}

/* Read the page at base and up to WFETCH-1 below it (callers' frames are below on the
 * data stack), in one process_vm_readv; pages past an unreadable one are not kept. */
static void fetch_pages(struct sd_pyrt *rt, uint64_t base)
{
	if (!rt->pg)
		rt->pg = xmalloc((size_t)WPAGES * 4096);
	if (rt->npg + WFETCH > WPAGES)
		rt->npg = 0;
	struct iovec local[WFETCH], remote[WFETCH];
	int k = 0;
	for (uint64_t b = base; k < WFETCH && b >= 4096; b -= 4096) {
		if (k && page_of(rt, b))
			break;
		local[k] = (struct iovec){ rt->pg + (size_t)(rt->npg + k) * 4096, 4096 };
		remote[k] = (struct iovec){ (void *)(uintptr_t)b, 4096 };
		k++;
	}
	int got = 0;
	if (rt->read == sd_py_pid_read) {
		rt->reads++;
		ssize_t r = process_vm_readv((pid_t)(intptr_t)rt->rctx, local, (unsigned long)k, remote,
					     (unsigned long)k, 0);
		got = r > 0 ? (int)(r / 4096) : 0;
	} else {
		while (got < k && rd(rt, (uint64_t)(uintptr_t)remote[got].iov_base,
				     local[got].iov_base, 4096))
			got++;
	}
	for (int i = 0; i < got; i++)
		rt->pg_base[rt->npg + i] = base - (uint64_t)i * 4096;
	rt->npg += got;
}

/* A frame's bytes: from this walk's pages, else a direct read. */
static bool frame_read(struct sd_pyrt *rt, uint64_t addr, unsigned char *dst, size_t n)
{
	if (!ptr_ok(addr, 8) || addr + n < addr || addr + n > 0x800000000000ull)
		return false;
	uint64_t first = addr & ~4095ull, last = (addr + n - 1) & ~4095ull;
	for (int pass = 0; pass < 2; pass++) {
		const unsigned char *a = page_of(rt, first), *b = page_of(rt, last);
		if (a && b) {
			size_t in_a = first == last ? n : (size_t)(first + 4096 - addr);
			memcpy(dst, a + (addr - first), in_a);
			if (in_a < n)
				memcpy(dst + in_a, b, n - in_a);
			return true;
		}
		if (pass == 0) {
			if (!b)
				fetch_pages(rt, last);
			if (!page_of(rt, first))
				fetch_pages(rt, first);
		}
	}
	return rd(rt, addr, dst, n);
}

/* ---- the walk ---- */

struct pyframe {
	struct pycode *code;
	int line;
	uint64_t instr;
	long off;
};

static char *rel_to(const char *file, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;
	if (n && !strncmp(file, dir, n) && file[n] == '/' && file[n + 1])
		return xstrdup(file + n + 1);
	if (n == 1 && dir[0] == '/' && file[0] == '/' && file[1])
		return xstrdup(file + 1);
	return xstrdup(file);
}

static void set_main(struct sd_pyrt *rt, const char *file)
{
	rt->main_file = xstrdup(file);
	const char *slash = file[0] == '/' ? strrchr(file, '/') : NULL;
	rt->main_dir = slash ? (slash == file ? xstrdup("/") : xstrndup(file, (size_t)(slash - file)))
			     : NULL;
}

static void where(struct sd_srcloc *loc, const char *why)
{
	free(loc->why);
	loc->why = xstrdup(why);
}

/* Read the thread's last path in one batch: the runtime's two fields, the list head,
 * the thread states up to the thread's, its _PyCFrame (3.11/3.12), the frame and the
 * code object's header it last had.  Returns 1 when the list still leads to the
 * thread (*frame is then its current frame; *have_fb and *have_hdr say whether fb and
 * hdr hold that frame and its code), -2 when the thread must be searched for
 * (*have_rt: the runtime fields were read all the same). */
static int fast_top(struct sd_pyrt *rt, struct pyhint *h, uint64_t *interp, uint64_t *fin,
		    uint64_t *frame, unsigned char *fb, unsigned char *hdr, bool *have_rt,
		    bool *have_fb, bool *have_hdr)
{
	const struct pylayout *L = &rt->L;
	uint32_t blk = ts_block(L);
	uint32_t lo = L->rt_interp_head < L->rt_finalizing ? L->rt_interp_head : L->rt_finalizing;
	uint32_t hi = (L->rt_interp_head > L->rt_finalizing ? L->rt_interp_head : L->rt_finalizing) + 8;
	unsigned char rtb[MAX_BLOCK], head[8], cfb[8], tsb[HINT_TS][MAX_BLOCK];
	uint64_t addr[16];
	size_t len[16];
	unsigned char *buf[16];
	int n = 0;
	if (hi - lo > MAX_BLOCK)
		return -2;
	addr[n] = rt->runtime + lo, len[n] = hi - lo, buf[n++] = rtb;
	addr[n] = h->interp + L->is_threads_head, len[n] = 8, buf[n++] = head;
	for (int i = 0; i < h->nts; i++)
		addr[n] = h->ts[i], len[n] = blk, buf[n++] = tsb[i];
	int at_cf = -1, at_fr = -1, at_co = -1;
	if (L->minor <= 12 && h->cframe)
		at_cf = n, addr[n] = h->cframe + L->cf_current_frame, len[n] = 8, buf[n++] = cfb;
	if (h->frame)
		at_fr = n, addr[n] = h->frame, len[n] = L->fr_size, buf[n++] = fb;
	if (h->code)
		at_co = n, addr[n] = h->code, len[n] = L->co_size, buf[n++] = hdr;
	/* the frame or code may be gone: then without them */
	if (!rd_many(rt, n, addr, len, buf) && (n = at_fr >= 0 ? at_fr : at_co >= 0 ? at_co : n,
						 at_fr = at_co = -1, !rd_many(rt, n, addr, len, buf)))
		return -2;
	*interp = u64_at(rtb, L->rt_interp_head - lo);
	*fin = u64_at(rtb, L->rt_finalizing - lo);
	*have_rt = true;
	if (*interp != h->interp || u64_at(head, 0) != h->ts[0])
		return -2;
	for (int i = 0; i < h->nts; i++) {
		const unsigned char *t = tsb[i];
		bool last = i == h->nts - 1;
		if (u64_at(t, L->ts_interp) != h->interp ||
		    (u64_at(t, L->ts_native_id) == h->native) != last ||
		    (!last && u64_at(t, L->ts_next) != h->ts[i + 1]))
			return -2;
	}
	const unsigned char *t = tsb[h->nts - 1];
	if (L->minor >= 13) {
		*frame = u64_at(t, L->ts_current_frame);
	} else if (u64_at(t, L->ts_cframe) == h->cframe && at_cf >= 0) {
		*frame = u64_at(cfb, 0);
	} else {
		h->cframe = u64_at(t, L->ts_cframe);
		if (!ts_frame(rt, t, frame))
			return -2;
	}
	if (!*frame)
		return -2;   /* a state without a frame: another may have one (3.11) */
	*have_fb = at_fr >= 0 && *frame == h->frame;
	if (*have_fb) {
		uint64_t code = u64_at(fb, L->fr_code);
		if (L->minor >= 14)
			code &= ~(uint64_t)3;
		*have_hdr = at_co >= 0 && code == h->code;
	}
	return 1;
}

/* What a walk needs and has found so far. */
struct pywalk {
	pid_t tid;
	struct pyhint *h;            /* the thread's hint */
	uint64_t frame;              /* the next frame to read; 0: the bottom was reached */
	unsigned char *fb, *hdr;     /* a frame's block, a code header (MAX_BLOCK each) */
	bool have_fb, have_hdr;      /* fb and hdr hold the first frame and its code */
	int depth;                   /* frames read */
	int n;                       /* frames of code taken */
	struct pyframe *all;         /* every frame (stack), or NULL */
	struct pyframe inner;        /* the innermost */
	struct pyframe chosen;       /* the innermost of user code */
	struct pyframe pseudo;       /* the innermost of code from text, before chosen */
	int last_kind;
	const struct pycode *outer_user;
	bool need_main, bad, done;
	bool user_only;              /* whether the user made the call is all that is asked */
	bool in_import;              /* ... and the innermost frame said no: import machinery */
};

struct rawfr {
	uint64_t code, instr;
};

/* The runtime's fields and the thread's current frame (w->frame), through the thread's
 * hint when it still holds.  1: the thread has a thread state, 0: none, -1: unreadable
 * (loc says why). */
static int find_top(struct sd_pyrt *rt, struct pywalk *w, uint64_t *interp, uint64_t *fin,
		    struct sd_srcloc *loc)
{
	const struct pylayout *L = &rt->L;
	struct pyhint *h = w->h;
	bool have_rt = false;
	int found = -2;
	if (h->tid == w->tid && h->nts > 0)
		found = fast_top(rt, h, interp, fin, &w->frame, w->fb, w->hdr, &have_rt,
				 &w->have_fb, &w->have_hdr);
	if (!have_rt && (!read_u64(rt, rt->runtime + L->rt_interp_head, interp) ||
			 !read_u64(rt, rt->runtime + L->rt_finalizing, fin))) {
		where(loc, "cannot read the interpreter's runtime state");
		return -1;
	}
	if (found == -2) {
		h->tid = 0;
		found = *interp ? find_tstate(rt, *interp, w->tid, &w->frame, h) : 0;
		if (found == 1)
			h->tid = w->tid;
		h->frame = h->code = 0;
	}
	if (rt->broken) {               /* the thread list just failed the layout check */
		where(loc, rt->broken);
		return -1;
	}
	if (found < 0) {
		where(loc, "the interpreter's thread list is unreadable");
		return -1;
	}
	return found;
}

/* Up to want frames from w->frame outwards: their code objects and instruction
 * pointers into raw (C-stack entry frames and frames being cleared are skipped). */
static int raw_frames(struct sd_pyrt *rt, struct pywalk *w, struct rawfr *raw, int want)
{
	const struct pylayout *L = &rt->L;
	int nr = 0;
	while (w->frame && nr < want && w->depth < MAX_DEPTH) {
		bool in_hand = w->depth == 0 && w->have_fb;
		if (!in_hand && !frame_read(rt, w->frame, w->fb, L->fr_size)) {
			w->bad = true;
			break;
		}
		uint64_t code = u64_at(w->fb, L->fr_code), instr = u64_at(w->fb, L->fr_instr);
		unsigned owner = w->fb[L->fr_owner];
		uint64_t prev = u64_at(w->fb, L->fr_previous);
		if (L->minor >= 14)
			code &= ~(uint64_t)3;     /* _PyStackRef: tag bits */
		if (w->depth == 0 && w->h->tid == w->tid) {
			w->h->frame = w->frame;
			w->h->code = code;
		}
		w->depth++;
		if (L->minor >= 12 && owner >= 3 && owner <= 4) {
			w->frame = prev;          /* an entry/shim frame of the C stack */
			continue;
		}
		if (owner > 2) {
			w->bad = true;
			break;
		}
		w->frame = prev;
		if (!code)                        /* a frame being cleared */
			continue;
		raw[nr++] = (struct rawfr){ code, instr };
	}
	return nr;
}

/* One frame of code c: its line, and what it makes of the walk's findings. */
static void take_frame(struct sd_pyrt *rt, struct pywalk *w, struct pycode *c,
		       const struct rawfr *r)
{
	/* byte offset of the instruction; -2: the frame has not started (3.11/3.12 point
	 * one unit before the first instruction); -1: nowhere in the code */
	uint64_t start = r->code + rt->L.co_code_adaptive, instr = r->instr;
	long off = instr + 2 == start ? -2
		   : instr >= start && instr - start < (uint64_t)MAX_LINETABLE * 16
			   ? (long)(instr - start) : -1;
	struct pyframe f = { c, off == -1 ? 0 : sd_py_line(c->lt, c->ltlen, c->firstlineno,
							    off < 0 ? -1 : off / 2),
			     instr, off };
	if (!w->inner.code)
		w->inner = f;
	if (c->kind == K_USER) {
		if (!w->chosen.code)
			w->chosen = w->pseudo.code ? w->pseudo : f;
		w->outer_user = c;
	} else if (c->kind == K_PSEUDO && !w->chosen.code && !w->pseudo.code) {
		w->pseudo = f;
	}
	w->last_kind = c->kind;
	if (w->all)
		w->all[w->n] = f;
	w->n++;
}

/* The code objects of nr raw frames: their headers in one read (the first frame's may
 * be in hand already), then each from the cache or read. */
static void take_frames(struct sd_pyrt *rt, struct pywalk *w, const struct rawfr *raw, int nr)
{
	uint64_t addr[BATCH];
	size_t len[BATCH];
	unsigned char *buf[BATCH];
	bool pre = w->n == 0 && w->have_hdr && nr > 0 && raw[0].code == w->h->code;
	int from = pre ? 1 : 0;
	bool batch = true;
	for (int i = from; i < nr; i++) {
		addr[i - from] = raw[i].code;
		len[i - from] = rt->L.co_size;
		buf[i - from] = rt->hdrs + (size_t)i * MAX_BLOCK;
		batch &= ptr_ok(raw[i].code, 8);
	}
	batch = batch && nr > from && rd_many(rt, nr - from, addr, len, buf);
	for (int i = 0; i < nr; i++) {
		const unsigned char *hp = i == 0 && pre ? w->hdr
					  : batch ? rt->hdrs + (size_t)i * MAX_BLOCK : NULL;
		struct pycode *c = code_get(rt, raw[i].code, hp);
		if (!c) {                            /* never skip a frame we cannot read */
			w->bad = true;
			break;
		}
		take_frame(rt, w, c, &raw[i]);
		if (w->chosen.code && !w->all && !w->need_main) {
			w->done = true;
			break;
		}
		/* a call whose innermost frame is the import machinery is never the user's
		 * (its phase is import, or exit): the frames below do not change that */
		if (w->user_only && w->n == 1 && c->kind == K_IMPORT) {
			w->in_import = w->done = true;
			break;
		}
	}
}

/* Walk the frames, innermost first: the innermost (inner), the innermost of user code
 * (chosen), and to the bottom while the main script is not known yet.  Frames come in
 * batches: up to BATCH frames (their blocks from a few pages), then their code objects'
 * headers in one read; stop at the user's frame when that is all that is needed. */
static void walk_frames(struct sd_pyrt *rt, struct pywalk *w, bool stack)
{
	w->all = stack ? xcalloc(MAX_DEPTH, sizeof *w->all) : NULL;
	w->last_kind = -1;
	if (++rt->walk == 0)
		rt->walk = 1;
	rt->walk_bytes = 0;
	w->need_main = !rt->main_file;
	rt->npg = 0;
	if (!rt->hdrs)
		rt->hdrs = xmalloc((size_t)BATCH * MAX_BLOCK);
	struct rawfr raw[BATCH];
	while (w->frame && !w->done && !w->bad && w->depth < MAX_DEPTH) {
		int want = w->n == 0 ? 1 : BATCH;   /* the innermost is often the one */
		int nr = raw_frames(rt, w, raw, want);
		take_frames(rt, w, raw, nr);
	}
	/* code run from text at the bottom of the stack (python -c) is the user's */
	if (!w->chosen.code && w->pseudo.code && !w->bad && !w->frame && w->last_kind == K_PSEUDO) {
		w->chosen = w->pseudo;
		if (!strcmp(w->pseudo.code->qualname, "<module>"))
			w->outer_user = w->pseudo.code;
	}
	rt->last_bare = !w->inner.code && !w->bad;
	if (w->need_main && w->outer_user && !w->bad && !w->frame &&
	    !strcmp(w->outer_user->qualname, "<module>"))
		set_main(rt, w->outer_user->file);
}

/* No frame of user code: the phase (start-up, import, exit, runtime) and why. */
static void no_user_frame(struct sd_pyrt *rt, const struct pywalk *w, int found,
			  bool main_thread, uint64_t interp, uint64_t fin, struct sd_srcloc *loc)
{
	if (w->bad) {
		where(loc, "the frame chain is unreadable");
	} else if (w->frame) {
		loc->phase = xstrdup("runtime");
		where(loc, "no frame of user code in the innermost 1024 Python frames");
	} else if (fin || (main_thread && (rt->seen_user || rt->script_done))) {
		/* After the main module: the flush of its buffered output, atexit, finalization */
		loc->phase = xstrdup("exit");
		if (rt->main_file)
			loc->file = rel_to(rt->main_file, rt->main_dir);
		where(loc, "the interpreter's exit, after the main module (buffered output is "
			   "flushed here)");
	} else if (!rt->seen_user) {
		loc->phase = xstrdup("startup");
		where(loc, !interp ? "interpreter start-up: not initialized yet"
				   : "interpreter start-up: no frame of user code yet");
	} else if (w->inner.code && w->inner.code->kind == K_IMPORT) {
		loc->phase = xstrdup("import");
		where(loc, "an import with no frame of user code on the stack");
	} else {
		loc->phase = xstrdup("runtime");
		where(loc, w->inner.code ? "no Python frame of user code on this thread"
			   : found ? "no Python frame on this thread"
				   : "the thread has no Python thread state");
	}
}

/* The location: the chosen frame, the innermost when it is another, else the phase. */
static void put_location(struct sd_pyrt *rt, const struct pywalk *w, int found,
			 bool main_thread, uint64_t interp, uint64_t fin, struct sd_srcloc *loc)
{
	if (rt->main_dir)
		loc->dir = xstrdup(rt->main_dir);
	if (w->inner.code && w->inner.code != w->chosen.code) {
		loc->inner_file = rel_to(w->inner.code->file, rt->main_dir);
		loc->inner_line = w->inner.line;
		loc->inner_func = xstrdup(w->inner.code->qualname);
	}
	if (w->chosen.code) {
		rt->seen_user = true;
		loc->file = rel_to(w->chosen.code->file, rt->main_dir);
		loc->func = xstrdup(w->chosen.code->qualname);
		loc->line = w->chosen.line;
		if (!w->chosen.line)
			where(loc, "the code object has no line for the instruction");
		if (w->inner.code->kind == K_IMPORT)
			loc->phase = xstrdup("import");
	} else {
		no_user_frame(rt, w, found, main_thread, interp, fin, loc);
	}
}

/* --stack: every frame walked, innermost first. */
static void put_stack(const struct sd_pyrt *rt, const struct pywalk *w, struct sd_srcloc *loc)
{
	/* text code is the user's below an outer user frame, or when it is all there is
	 * to the bottom (as for the chosen frame) */
	int n = w->n, outer = -1, pseudo_from = n;
	const struct pyframe *all = w->all;
	for (int i = 0; i < n; i++)
		if (all[i].code->kind == K_USER)
			outer = i;
	while (!w->bad && !w->frame && pseudo_from > 0 &&
	       all[pseudo_from - 1].code->kind == K_PSEUDO)
		pseudo_from--;
	loc->frames = xcalloc((size_t)n, sizeof *loc->frames);
	loc->nframes = n;
	for (int i = 0; i < n; i++) {
		struct sd_srcframe *o = &loc->frames[i];
		o->py = true;
		o->pc = all[i].instr;
		o->off = all[i].off > 0 ? (uint64_t)all[i].off : 0;
		o->func = xstrdup(all[i].code->qualname);
		o->file = rel_to(all[i].code->file, rt->main_dir);
		o->line = all[i].line;
		o->user = all[i].code->kind == K_USER ||
			  (all[i].code->kind == K_PSEUDO && (i < outer || i >= pseudo_from));
	}
}

static int locate(struct sd_pyrt *rt, pid_t tid, bool main_thread, bool stack, bool user_only,
		  struct sd_srcloc *loc)
{
	loc->lang = xstrdup("python");
	loc->module = rt->module ? xstrdup(rt->module) : NULL;
	if (rt->broken) {
		where(loc, rt->broken);
		return -1;
	}
	unsigned char fb[MAX_BLOCK], hdr[MAX_BLOCK];
	struct pywalk w = { .tid = tid, .h = &rt->hints[(unsigned)tid % HINTS], .fb = fb,
			    .hdr = hdr, .user_only = user_only };
	uint64_t interp = 0, fin = 0;
	int found = find_top(rt, &w, &interp, &fin, loc);
	if (found < 0)
		return -1;
	walk_frames(rt, &w, stack);
	if (w.in_import) {
		loc->phase = xstrdup("import");
		where(loc, "the import machinery (the frames below it were not read)");
		free_spill(rt);
		return 0;
	}
	put_location(rt, &w, found, main_thread, interp, fin, loc);
	if (w.all && w.n > 0)
		put_stack(rt, &w, loc);
	free(w.all);
	free_spill(rt);
	return w.chosen.code ? 1 : 0;
}

int sd_py_locate(struct sd_pyrt *rt, pid_t tid, bool main_thread, bool stack,
		 struct sd_srcloc *loc)
{
	return locate(rt, tid, main_thread, stack, false, loc);
}

int sd_py_locate_user(struct sd_pyrt *rt, pid_t tid, bool main_thread, struct sd_srcloc *loc)
{
	return locate(rt, tid, main_thread, false, true, loc);
}

bool sd_py_may_close_script(const struct sd_pyrt *rt, pid_t tid, const char *ref)
{
	return tid == rt->pid && rt->script && (!ref || !strcmp(ref, rt->script));
}

void sd_py_closing(struct sd_pyrt *rt, pid_t tid, const char *ref)
{
	/* the main thread, with no Python frame: CPython's C code reading the script */
	if (tid == rt->pid && rt->last_bare && !rt->seen_user && rt->script &&
	    !strcmp(ref, rt->script)) {
		rt->script_done = true;
		if (!rt->main_file)
			set_main(rt, rt->script);
	}
}

void sd_py_walk_free(struct sd_pyrt *rt)
{
	if (rt->codes)
		for (int i = 0; i < CODE_CACHE; i++)
			code_clear(&rt->codes[i]);
	free(rt->codes);
	free(rt->pg);
	free(rt->hdrs);
	free_spill(rt);
}
