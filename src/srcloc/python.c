/* python.c - Python source lines: the frames of a CPython 3.11-3.14 interpreter, read
 * out of the stopped process.
 *
 * The chain is the one CPython's own remote-debugging code and py-spy follow:
 * _PyRuntime -> interpreters -> thread states (the one whose native_thread_id is the
 * stopped thread) -> its current _PyInterpreterFrame -> previous... -> each frame's code
 * object (file name, qualified name, location table) and its instruction pointer, which
 * the location table turns into a line.  Where each field lives comes from tables
 * generated from the internal headers (3.11, 3.12: pylayout_gen.h) or from the
 * _Py_DebugOffsets table the interpreter carries at the start of _PyRuntime (3.13, 3.14).
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
#include "srcloc/srcloc_int.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "srcloc/pyoffsets.h"
#include "util/util.h"

#define MAX_DEPTH 1024          /* Python frames walked */
#define MAX_THREADS 4096        /* thread states searched */
#define MAX_INTERPS 64
#define MAX_STR 4096            /* code points of a file or function name */
#define MAX_LINETABLE (512u << 10)
#define MAX_BLOCK 4096          /* bytes of one struct read at once */
#define CODE_CACHE 1024         /* code objects remembered per process (direct-mapped) */
#define BATCH 16                /* frames whose code headers are read together */
#define WPAGES 16               /* pages of frames one walk keeps */
#define WFETCH 4                /* pages fetched at a time (a frame's and those below it) */
#define HINTS 16                /* threads whose last walk is remembered (by tid) */
#define HINT_TS 8               /* thread states from the list head a hint may pass */
#define WALK_BUDGET (16u << 20) /* bytes of new code objects one walk may read */
#define CACHE_BUDGET (64u << 20) /* bytes of location tables the cache may hold */

static const struct pylayout generated[] = {
#include "srcloc/pylayout_gen.h"
};

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

/* Where the last walk of a thread went: the next one reads all of it in one batch and
 * checks every link again (the list from its head, ids, frame and code pointers);
 * whatever no longer matches is read link by link as without a hint. */
struct pyhint {
	pid_t tid;
	uint64_t native;             /* the id the thread state carries */
	uint64_t interp;
	int nts;                     /* ts[0] is the list head, ts[nts-1] the thread's */
	uint64_t ts[HINT_TS];
	uint64_t cframe;             /* 3.11/3.12: tstate->cframe */
	uint64_t frame, code;        /* the current frame and its code object */
};

struct sd_pyrt {
	struct pylayout L;
	unsigned long version;       /* PY_VERSION_HEX */
	uint64_t runtime;            /* &_PyRuntime in the tracee */
	uint64_t code_type;          /* &PyCode_Type, 0 until known */
	char *module;                /* the ELF holding the interpreter */
	char *stdlib;                /* "<prefix>/lib/python3.X/" or NULL */
	char stdpat[24];             /* "/lib/python3.X/": a stdlib (or venv) anywhere */
	pid_t pid;
	sd_py_read_fn read;
	void *rctx;
	bool foreign_ns;             /* the tracee has a pid namespace of its own */
	bool verified;               /* a thread state pointed back to its interpreter */
	char *broken;                /* a layout check failed: no lines from here on */
	bool seen_user;              /* some walk met a frame of user code */
	char *main_file, *main_dir;  /* the __main__ script and its directory */
	char *script;                /* the script the command line names (resolved), or NULL */
	bool script_done;            /* ... read and closed: the main module runs next */
	bool last_bare;              /* the last call located had no Python frame at all */
	pid_t fork_tid;              /* a forked copy: the forking thread's id (its state's) */
	struct pycode *codes;        /* CODE_CACHE slots */
	unsigned walk;               /* walks so far (code slots in use by this one stay) */
	struct pycode *spill;        /* entries for this walk only, when its slots are taken */
	size_t walk_bytes;           /* bytes of new code objects read by this walk */
	size_t cached_bytes;         /* location tables held by the cache */
	unsigned long reads;
	struct pyhint hints[HINTS];
	uint64_t pg_base[WPAGES];    /* pages read by this walk (frames sit together) */
	int npg;
	unsigned char *pg;           /* WPAGES * 4096 */
	unsigned char *hdrs;         /* BATCH code headers */
};

/* ---- bounded reads ---- */

static bool ptr_ok(uint64_t p, size_t align)
{
	return p >= 4096 && p < 0x800000000000ull && !(p & (align - 1));
}

static bool rd(struct sd_pyrt *rt, uint64_t addr, void *buf, size_t n)
{
	if (!n || n > MAX_LINETABLE + 64 || addr < 4096 || addr + n < addr ||
	    addr + n > 0x800000000000ull)
		return false;
	rt->reads++;
	return rt->read(rt->rctx, addr, buf, n);
}

static bool pid_read(void *ctx, uint64_t addr, void *buf, size_t n);

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
	if (rt->read != pid_read) {
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

static uint64_t u64_at(const unsigned char *b, uint32_t off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
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

static bool pid_read(void *ctx, uint64_t addr, void *buf, size_t n)
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
	if (rt->read == pid_read) {
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

int sd_py_locate(struct sd_pyrt *rt, pid_t tid, bool main_thread, bool stack,
		 struct sd_srcloc *loc)
{
	const struct pylayout *L = &rt->L;
	loc->lang = xstrdup("python");
	loc->module = rt->module ? xstrdup(rt->module) : NULL;
	if (rt->broken) {
		where(loc, rt->broken);
		return -1;
	}
	uint64_t interp = 0, fin = 0, frame = 0;
	struct pyhint *h = &rt->hints[(unsigned)tid % HINTS];
	unsigned char fb[MAX_BLOCK], hdr[MAX_BLOCK];
	bool have_fb = false, have_hdr = false, have_rt = false;
	int found = -2;
	if (h->tid == tid && h->nts > 0)
		found = fast_top(rt, h, &interp, &fin, &frame, fb, hdr, &have_rt, &have_fb, &have_hdr);
	if (!have_rt && (!read_u64(rt, rt->runtime + L->rt_interp_head, &interp) ||
			 !read_u64(rt, rt->runtime + L->rt_finalizing, &fin))) {
		where(loc, "cannot read the interpreter's runtime state");
		return -1;
	}
	if (found == -2) {
		h->tid = 0;
		found = interp ? find_tstate(rt, interp, tid, &frame, h) : 0;
		if (found == 1)
			h->tid = tid;
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

	/* Walk the frames, innermost first: the innermost (inner), the innermost of user
	 * code (chosen), and to the bottom while the main script is not known yet. */
	struct pyframe *all = stack ? xcalloc(MAX_DEPTH, sizeof *all) : NULL;
	struct pyframe inner = { 0 }, chosen = { 0 }, pseudo = { 0 };
	int last_kind = -1;
	const struct pycode *outer_user = NULL;
	int n = 0;
	if (++rt->walk == 0)
		rt->walk = 1;
	rt->walk_bytes = 0;
	bool need_main = !rt->main_file, bad = false, done = false;
	rt->npg = 0;
	if (!rt->hdrs)
		rt->hdrs = xmalloc((size_t)BATCH * MAX_BLOCK);
	struct rawfr { uint64_t code, instr; } raw[BATCH];
	int depth = 0;
	/* Frames come in batches: up to BATCH frames (their blocks from a few pages), then
	 * their code objects' headers in one read; stop at the user's frame when that is
	 * all that is needed. */
	while (frame && !done && !bad && depth < MAX_DEPTH) {
		int nr = 0, want = n == 0 ? 1 : BATCH;   /* the innermost is often the one */
		while (frame && nr < want && depth < MAX_DEPTH) {
			if (!(depth == 0 && have_fb) && !frame_read(rt, frame, fb, L->fr_size)) {
				bad = true;
				break;
			}
			uint64_t code = u64_at(fb, L->fr_code), instr = u64_at(fb, L->fr_instr);
			unsigned owner = fb[L->fr_owner];
			uint64_t prev = u64_at(fb, L->fr_previous);
			if (L->minor >= 14)
				code &= ~(uint64_t)3;     /* _PyStackRef: tag bits */
			if (depth == 0 && h->tid == tid) {
				h->frame = frame;
				h->code = code;
			}
			depth++;
			if (L->minor >= 12 && owner >= 3 && owner <= 4) {
				frame = prev;             /* an entry/shim frame of the C stack */
				continue;
			}
			if (owner > 2) {
				bad = true;
				break;
			}
			frame = prev;
			if (!code)                        /* a frame being cleared */
				continue;
			raw[nr++] = (struct rawfr){ code, instr };
		}
		/* the headers: the first frame's may be in hand already */
		uint64_t addr[BATCH];
		size_t len[BATCH];
		unsigned char *buf[BATCH];
		bool pre = n == 0 && have_hdr && nr > 0 && raw[0].code == h->code;
		int from = pre ? 1 : 0;
		bool batch = true;
		for (int i = from; i < nr; i++) {
			addr[i - from] = raw[i].code;
			len[i - from] = L->co_size;
			buf[i - from] = rt->hdrs + (size_t)i * MAX_BLOCK;
			batch &= ptr_ok(raw[i].code, 8);
		}
		batch = batch && nr > from && rd_many(rt, nr - from, addr, len, buf);
		for (int i = 0; i < nr; i++) {
			const unsigned char *hp = i == 0 && pre ? hdr
						  : batch ? rt->hdrs + (size_t)i * MAX_BLOCK : NULL;
			struct pycode *c = code_get(rt, raw[i].code, hp);
			if (!c) {                            /* never skip a frame we cannot read */
				bad = true;
				break;
			}
			/* byte offset of the instruction; -2: the frame has not started (3.11/3.12
			 * point one unit before the first instruction); -1: nowhere in the code */
			uint64_t start = raw[i].code + L->co_code_adaptive, instr = raw[i].instr;
			long off = instr + 2 == start ? -2
				   : instr >= start && instr - start < (uint64_t)MAX_LINETABLE * 16
					   ? (long)(instr - start) : -1;
			struct pyframe f = { c, off == -1 ? 0 : sd_py_line(c->lt, c->ltlen, c->firstlineno,
									    off < 0 ? -1 : off / 2),
					     instr, off };
			if (!inner.code)
				inner = f;
			if (c->kind == K_USER) {
				if (!chosen.code)
					chosen = pseudo.code ? pseudo : f;
				outer_user = c;
			} else if (c->kind == K_PSEUDO && !chosen.code && !pseudo.code) {
				pseudo = f;
			}
			last_kind = c->kind;
			if (all)
				all[n] = f;
			n++;
			if (chosen.code && !all && !need_main) {
				done = true;
				break;
			}
		}
	}
	/* code run from text at the bottom of the stack (python -c) is the user's */
	if (!chosen.code && pseudo.code && !bad && !frame && last_kind == K_PSEUDO) {
		chosen = pseudo;
		if (!strcmp(pseudo.code->qualname, "<module>"))
			outer_user = pseudo.code;
	}
	rt->last_bare = !inner.code && !bad;
	if (need_main && outer_user && !bad && !frame && !strcmp(outer_user->qualname, "<module>"))
		set_main(rt, outer_user->file);
	if (rt->main_dir)
		loc->dir = xstrdup(rt->main_dir);

	if (inner.code && inner.code != chosen.code) {
		loc->inner_file = rel_to(inner.code->file, rt->main_dir);
		loc->inner_line = inner.line;
		loc->inner_func = xstrdup(inner.code->qualname);
	}
	if (chosen.code) {
		rt->seen_user = true;
		loc->file = rel_to(chosen.code->file, rt->main_dir);
		loc->func = xstrdup(chosen.code->qualname);
		loc->line = chosen.line;
		if (!chosen.line)
			where(loc, "the code object has no line for the instruction");
		if (inner.code->kind == K_IMPORT)
			loc->phase = xstrdup("import");
	} else if (bad) {
		where(loc, "the frame chain is unreadable");
	} else if (frame) {
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
	} else if (inner.code && inner.code->kind == K_IMPORT) {
		loc->phase = xstrdup("import");
		where(loc, "an import with no frame of user code on the stack");
	} else {
		loc->phase = xstrdup("runtime");
		where(loc, inner.code ? "no Python frame of user code on this thread"
			   : found ? "no Python frame on this thread"
				   : "the thread has no Python thread state");
	}

	if (all && n > 0) {
		/* text code is the user's below an outer user frame, or when it is all
		 * there is to the bottom (as for the chosen frame) */
		int outer = -1, pseudo_from = n;
		for (int i = 0; i < n; i++)
			if (all[i].code->kind == K_USER)
				outer = i;
		while (!bad && !frame && pseudo_from > 0 && all[pseudo_from - 1].code->kind == K_PSEUDO)
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
	free(all);
	free_spill(rt);
	return chosen.code ? 1 : 0;
}

/* ---- layouts ---- */

/* Read the table at the start of _PyRuntime; check cookie, version and flavour, and
 * that every offset lies inside its struct and a bounded read. */
static bool layout_from_debug(struct sd_pyrt *rt, int minor, char **why)
{
	const struct dbgpos *P = minor == 13 ? &dbg313 : &dbg314;
	unsigned char t[1024];
	if (!rd(rt, rt->runtime, t, P->size)) {
		*why = xstrdup("cannot read _Py_DebugOffsets");
		return false;
	}
	if (memcmp(t, "xdebugpy", 8)) {
		*why = xstrdup("_PyRuntime does not start with the _Py_DebugOffsets cookie");
		return false;
	}
	uint64_t ver = u64_at(t, 8), ft = u64_at(t, 16);
	if (((ver >> 24) & 0xff) != 3 || (int)((ver >> 16) & 0xff) != minor) {
		*why = xasprintf("_Py_DebugOffsets says version %#" PRIx64 ", not 3.%d", ver, minor);
		return false;
	}
	if (ft) {
		*why = xasprintf("CPython 3.%d free-threaded builds are not supported", minor);
		return false;
	}
	rt->version = (unsigned long)ver;
	struct pylayout *L = &rt->L;
#define G(field) u64_at(t, P->field)
	/* every offset and size first: no sum below can wrap */
	const uint32_t *pos = (const uint32_t *)P;
	for (size_t i = 1; i < sizeof *P / sizeof *pos; i++)
		if (u64_at(t, pos[i]) >= (1u << 20)) {
			*why = xasprintf("CPython 3.%d's _Py_DebugOffsets holds implausible offsets",
					 minor);
			return false;
		}
	uint64_t ts_size = G(ts_size), fr_size = G(fr_size), co_size = G(co_size);
	*L = (struct pylayout){ .minor = minor,
		.rt_interp_head = (uint32_t)G(rt_interp_head), .rt_finalizing = (uint32_t)G(rt_finalizing),
		.is_next = (uint32_t)G(is_next), .is_threads_head = (uint32_t)G(is_threads_head),
		.ts_size = (uint32_t)ts_size, .ts_next = (uint32_t)G(ts_next),
		.ts_interp = (uint32_t)G(ts_interp), .ts_native_id = (uint32_t)G(ts_native_id),
		.ts_current_frame = (uint32_t)G(ts_current_frame),
		.fr_size = (uint32_t)fr_size, .fr_code = (uint32_t)G(fr_executable),
		.fr_previous = (uint32_t)G(fr_previous), .fr_instr = (uint32_t)G(fr_instr),
		.fr_owner = (uint32_t)G(fr_owner),
		.co_size = (uint32_t)G(co_code_adaptive), .co_filename = (uint32_t)G(co_filename),
		.co_name = (uint32_t)G(co_name), .co_qualname = (uint32_t)G(co_qualname),
		.co_linetable = (uint32_t)G(co_linetable), .co_firstlineno = (uint32_t)G(co_firstlineno),
		.co_code_adaptive = (uint32_t)G(co_code_adaptive),
		.ob_type = (uint32_t)G(ob_type), .tp_name = (uint32_t)G(tp_name),
		.bytes_size = (uint32_t)G(bytes_size), .bytes_sval = (uint32_t)G(bytes_sval),
		.str_state = (uint32_t)G(str_state), .str_length = (uint32_t)G(str_length),
		.str_ascii_size = (uint32_t)G(str_ascii_size),
		/* not in the table: PyCompactUnicodeObject adds utf8_length and utf8 */
		.str_compact_size = (uint32_t)G(str_ascii_size) + 16 };
	uint64_t rt_hi = G(rt_interp_head) > G(rt_finalizing) ? G(rt_interp_head) : G(rt_finalizing);
	bool ok = ts_size <= MAX_BLOCK && fr_size <= MAX_BLOCK && co_size <= MAX_BLOCK &&
		  rt_hi < (1u << 20) && G(is_next) < (1u << 20) && G(is_threads_head) < (1u << 20) &&
		  G(ts_next) + 8 <= ts_size && G(ts_interp) + 8 <= ts_size &&
		  G(ts_native_id) + 8 <= ts_size && G(ts_current_frame) + 8 <= ts_size &&
		  G(fr_previous) + 8 <= fr_size && G(fr_executable) + 8 <= fr_size &&
		  G(fr_instr) + 8 <= fr_size && G(fr_owner) + 1 <= fr_size &&
		  G(co_code_adaptive) <= co_size && G(co_code_adaptive) <= MAX_BLOCK &&
		  /* the header read is co_code_adaptive bytes long */
		  G(co_filename) + 8 <= G(co_code_adaptive) && G(co_qualname) + 8 <= G(co_code_adaptive) &&
		  G(co_linetable) + 8 <= G(co_code_adaptive) &&
		  G(co_firstlineno) + 4 <= G(co_code_adaptive) && G(ob_type) + 8 <= G(co_code_adaptive) &&
		  G(tp_name) < 512 && G(bytes_size) < 64 && G(bytes_sval) < 64 &&
		  G(str_state) + 4 <= G(str_ascii_size) && G(str_length) + 8 <= G(str_ascii_size) &&
		  G(str_ascii_size) + 16 <= 128;
#undef G
	if (!ok) {
		*why = xasprintf("CPython 3.%d's _Py_DebugOffsets holds implausible offsets", minor);
		return false;
	}
	return true;
}

/* Fuzzing and tests: a runtime over arbitrary memory.  Also what sd_py_attach uses. */
struct sd_pyrt *sd_py_new(unsigned long version, uint64_t runtime, uint64_t code_type,
			  sd_py_read_fn read, void *ctx, char **why)
{
	int major = (int)((version >> 24) & 0xff), minor = (int)((version >> 16) & 0xff);
	struct sd_pyrt *rt = xcalloc(1, sizeof *rt);
	rt->version = version;
	rt->runtime = runtime;
	rt->code_type = code_type;
	snprintf(rt->stdpat, sizeof rt->stdpat, "/lib/python3.%d/", (int)((version >> 16) & 0xff));
	rt->read = read;
	rt->rctx = ctx;
	*why = NULL;
	if (major != 3 || minor < 11 || minor > 14) {
		*why = xasprintf("CPython %d.%d is not supported for Python source lines "
				 "(3.11 to 3.14 are)", major, minor);
	} else if (minor >= 13) {
		layout_from_debug(rt, minor, why);
	} else {
		for (size_t i = 0; i < sizeof generated / sizeof *generated; i++)
			if (generated[i].minor == minor)
				rt->L = generated[i];
		if (!rt->L.minor)
			*why = xasprintf("no layout table for CPython 3.%d", minor);
	}
	if (!*why && !ptr_ok(runtime, 8))
		*why = xstrdup("_PyRuntime is at an impossible address");
	if (*why) {
		sd_py_free(rt);
		return NULL;
	}
	return rt;
}

void sd_py_free(struct sd_pyrt *rt)
{
	if (!rt)
		return;
	if (rt->codes)
		for (int i = 0; i < CODE_CACHE; i++)
			code_clear(&rt->codes[i]);
	free(rt->codes);
	free(rt->pg);
	free(rt->hdrs);
	free_spill(rt);
	free(rt->module);
	free(rt->stdlib);
	free(rt->broken);
	free(rt->main_file);
	free(rt->main_dir);
	free(rt->script);
	free(rt);
}

const char *sd_py_broken(const struct sd_pyrt *rt)
{
	return rt->broken;
}

unsigned long sd_py_reads(const struct sd_pyrt *rt)
{
	return rt->reads;
}

/* ---- finding the interpreter in an ELF file ---- */

/* Is this file name one of CPython's (python3.11, libpython3.12.so.1.0)?  Its version
 * from the name, when the name has one. */
static bool python_name(const char *path, int *major, int *minor)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!strncmp(b, "lib", 3))
		b += 3;
	if (strncmp(b, "python", 6))
		return false;
	*major = *minor = -1;
	if (sscanf(b + 6, "%d.%d", major, minor) < 2)
		*major = *minor = -1;
	return true;
}

static bool sect_read(Elf *e, uint64_t vaddr, void *buf, size_t n)
{
	Elf_Scn *s = NULL;
	GElf_Shdr sh;
	while ((s = elf_nextscn(e, s))) {
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_PROGBITS || !sh.sh_addr)
			continue;
		if (vaddr >= sh.sh_addr && vaddr + n <= sh.sh_addr + sh.sh_size) {
			Elf_Data *d = elf_getdata(s, NULL);
			if (!d || !d->d_buf || vaddr - sh.sh_addr + n > d->d_size)
				return false;
			memcpy(buf, (char *)d->d_buf + (vaddr - sh.sh_addr), n);
			return true;
		}
	}
	return false;
}

/* Look in the ELF file open on fd for _PyRuntime (symbol, else the .PyRuntime section),
 * PyCode_Type and the version. */
int sd_py_probe_elf(int fd, const char *name, struct sd_pyelf *out)
{
	memset(out, 0, sizeof *out);
	int nmaj, nmin;
	python_name(name, &nmaj, &nmin);
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!e || !gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64) {
		if (e)
			elf_end(e);
		return -1;
	}
	out->exec = eh.e_type == ET_EXEC;
	size_t nph;
	if (elf_getphdrnum(e, &nph) == 0)
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
				uint64_t al = ph.p_align > 1 ? ph.p_align : 1;
				out->load_vaddr = ph.p_vaddr & ~(al - 1);
				break;
			}
		}
	size_t shstr;
	Elf_Scn *s = NULL;
	while ((s = elf_nextscn(e, s))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *nm;
			if (gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag == DT_NEEDED &&
			    (nm = elf_strptr(e, sh.sh_link, dyn.d_un.d_val)) &&
			    !strncmp(nm, "libpython", 9))
				out->needs_libpython = true;
		}
	}
	s = NULL;
	uint64_t sect = 0, ver_addr = 0;
	if (elf_getshdrstrndx(e, &shstr) == 0)
		while ((s = elf_nextscn(e, s))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(s, &sh))
				continue;
			const char *sn = elf_strptr(e, shstr, sh.sh_name);
			if (sn && !strcmp(sn, ".PyRuntime") && sh.sh_addr)
				sect = sh.sh_addr;
			if (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB)
				continue;
			Elf_Data *d = elf_getdata(s, NULL);
			size_t ns = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			for (size_t i = 0; i < ns; i++) {
				GElf_Sym sym;
				if (!gelf_getsym(d, (int)i, &sym) || !sym.st_value ||
				    sym.st_shndx == SHN_UNDEF)
					continue;
				const char *nm = elf_strptr(e, sh.sh_link, sym.st_name);
				if (!nm || (nm[0] != '_' && nm[0] != 'P'))
					continue;
				if (!strcmp(nm, "_PyRuntime"))
					out->runtime = sym.st_value;
				else if (!strcmp(nm, "PyCode_Type"))
					out->code_type = sym.st_value;
				else if (!strcmp(nm, "Py_Version"))
					ver_addr = sym.st_value;
			}
		}
	if (!out->runtime)
		out->runtime = sect;
	s = NULL;
	while (out->runtime && (s = elf_nextscn(e, s))) {
		GElf_Shdr sh;
		if (gelf_getshdr(s, &sh) && sh.sh_type == SHT_PROGBITS && sh.sh_addr &&
		    out->runtime >= sh.sh_addr && out->runtime < sh.sh_addr + sh.sh_size)
			out->runtime_off = sh.sh_offset + (out->runtime - sh.sh_addr);
	}
	uint64_t v = 0;
	unsigned char head[24];
	if (ver_addr && sect_read(e, ver_addr, &v, sizeof v) && (v >> 24) == 3) {
		out->version = (unsigned long)v;
	} else if (out->runtime && sect_read(e, out->runtime, head, sizeof head) &&
		   !memcmp(head, "xdebugpy", 8)) {
		memcpy(&v, head + 8, sizeof v);
		out->version = (unsigned long)v;
	} else if (nmaj >= 0) {
		out->version = ((unsigned long)nmaj << 24) | ((unsigned long)nmin << 16);
	}
	out->is_python = out->runtime || ver_addr || nmaj >= 0;
	elf_end(e);
	return 0;
}

/* The stdlib directory of an interpreter whose ELF file is path: <prefix>/lib/python3.X/
 * for <prefix>/bin/python3.X and <prefix>/lib/libpython3.X.so. */
static char *stdlib_of(const char *path, unsigned long version)
{
	char *d = xstrdup(path), *s = strrchr(d, '/');
	char *out = NULL;
	int minor = (int)((version >> 16) & 0xff);
	if (s) {
		*s = '\0';
		s = strrchr(d, '/');
		if (s && !strcmp(s, "/bin")) {
			*s = '\0';
			out = xasprintf("%s/lib/python3.%d/", d, minor);
		} else if (s && (!strcmp(s, "/lib") || !strcmp(s, "/lib64"))) {
			out = xasprintf("%s/python3.%d/", d, minor);
		}
	}
	free(d);
	return out;
}

static bool foreign_pidns(pid_t pid)
{
	char p[64];
	struct stat a, b;
	snprintf(p, sizeof p, "/proc/%d/ns/pid", (int)pid);
	return stat("/proc/self/ns/pid", &a) == 0 && stat(p, &b) == 0 &&
	       (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/* The script a python command line runs (python [options] script [args]), made absolute
 * against the process's directory and resolved; NULL for -c, -m and the REPL. */
static char *script_of(pid_t pid)
{
	char path[64], buf[8192];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	const char *script = NULL;
	for (const char *a = buf + strlen(buf) + 1; a < buf + n; a += strlen(a) + 1) {
		if (a[0] != '-' || !a[1]) {
			script = a[0] == '-' ? NULL : a;   /* "-": stdin */
			break;
		}
		if (!strcmp(a, "--"))
			continue;
		/* -c and -m end the options and name no file; -W, -X and
		 * --check-hash-based-pycs take an argument (separate unless attached) */
		if (a[1] != '-' && (strchr(a, 'c') || strchr(a, 'm')))
			return NULL;
		if (!strcmp(a, "-W") || !strcmp(a, "-X") || !strcmp(a, "--check-hash-based-pycs")) {
			if (a + strlen(a) + 1 >= buf + n)
				break;            /* the argument is missing (or cut off) */
			a += strlen(a) + 1;
		}
	}
	if (!script || !script[0])
		return NULL;
	char cwd[PATH_MAX] = "", joined[2 * PATH_MAX], real[PATH_MAX];
	snprintf(path, sizeof path, "/proc/%d/cwd", (int)pid);
	ssize_t k = readlink(path, cwd, sizeof cwd - 1);
	if (script[0] != '/' && k <= 0)
		return NULL;
	if (k > 0)
		cwd[k] = '\0';
	snprintf(joined, sizeof joined, "%s%s%s", script[0] == '/' ? "" : cwd,
		 script[0] == '/' ? "" : "/", script);
	return xstrdup(realpath(joined, real) ? real : joined);
}

struct sd_pyrt *sd_py_attach(pid_t pid, const char *path, uint64_t map_start,
			     const struct sd_pyelf *pe, char **why)
{
	uint64_t bias = pe->exec ? 0 : map_start - pe->load_vaddr;
	*why = NULL;
	if (!pe->runtime) {
		*why = xasprintf("%s: no _PyRuntime symbol or .PyRuntime section", path);
		return NULL;
	}
	if (!pe->version) {
		*why = xasprintf("%s: cannot tell the CPython version", path);
		return NULL;
	}
	char *err = NULL;
	struct sd_pyrt *rt = sd_py_new(pe->version, pe->runtime + bias,
				       pe->code_type ? pe->code_type + bias : 0, pid_read,
				       (void *)(intptr_t)pid, &err);
	if (!rt) {
		*why = xasprintf("%s: %s", path, err);
		free(err);
		return NULL;
	}
	rt->pid = pid;
	rt->module = xstrdup(path);
	rt->stdlib = stdlib_of(path, pe->version);
	rt->foreign_ns = foreign_pidns(pid);
	rt->script = script_of(pid);
	return rt;
}

static pid_t ns_tid(pid_t tid);

struct sd_pyrt *sd_py_fork(const struct sd_pyrt *rt, pid_t pid, pid_t parent_tid)
{
	struct sd_pyrt *c = xcalloc(1, sizeof *c);
	*c = *rt;
	c->codes = NULL;
	c->spill = NULL;
	c->pg = c->hdrs = NULL;
	c->npg = 0;
	c->pid = pid;
	c->rctx = (void *)(intptr_t)pid;
	c->module = rt->module ? xstrdup(rt->module) : NULL;
	c->stdlib = rt->stdlib ? xstrdup(rt->stdlib) : NULL;
	c->broken = rt->broken ? xstrdup(rt->broken) : NULL;
	c->main_file = rt->main_file ? xstrdup(rt->main_file) : NULL;
	c->main_dir = rt->main_dir ? xstrdup(rt->main_dir) : NULL;
	c->script = rt->script ? xstrdup(rt->script) : NULL;
	c->fork_tid = rt->foreign_ns ? ns_tid(parent_tid) : parent_tid;
	return c;
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

/* The thread's id in the tracee's own pid namespace (the last NSpid field). */
static pid_t ns_tid(pid_t tid)
{
	char p[64], *text = NULL;
	snprintf(p, sizeof p, "/proc/%d/status", (int)tid);
	FILE *f = fopen(p, "re");
	size_t cap = 0;
	pid_t out = 0;
	if (!f)
		return 0;
	while (getline(&text, &cap, f) > 0)
		if (!strncmp(text, "NSpid:", 6)) {
			char *last = strrchr(text, '\t');
			out = last ? (pid_t)atoi(last + 1) : 0;
			break;
		}
	free(text);
	fclose(f);
	return out;
}

int sd_py_locate_tid(struct sd_pyrt *rt, pid_t tid, bool stack, struct sd_srcloc *loc)
{
	bool main_thread = tid == rt->pid;
	if (rt->foreign_ns) {
		pid_t t = ns_tid(tid);
		if (t <= 0) {
			loc->lang = xstrdup("python");
			loc->why = xstrdup("cannot translate the thread id into the tracee's pid namespace");
			return -1;
		}
		tid = t;
	}
	return sd_py_locate(rt, tid, main_thread, stack, loc);
}

/* ---- per trace: ELF files probed, warnings given ---- */

/* One list holds both: ELF files probed (by inode), and warnings given (to say each
 * once), which have warned set and nothing else. */
struct pyprobe {
	struct pyprobe *next;
	dev_t dev;
	ino_t ino;
	struct sd_pyelf pe;
	char *warned;
};

bool sd_py_warn_once(struct sd_srcctx *c, const char *msg)
{
	for (struct pyprobe *p = c->pyprobes; p; p = p->next)
		if (p->warned && !strcmp(p->warned, msg))
			return false;
	struct pyprobe *p = xcalloc(1, sizeof *p);
	p->warned = xstrdup(msg);
	p->next = c->pyprobes;
	c->pyprobes = p;
	return true;
}

void sd_py_probes_free(struct sd_srcctx *c)
{
	while (c->pyprobes) {
		struct pyprobe *p = c->pyprobes;
		c->pyprobes = p->next;
		free(p->warned);
		free(p);
	}
}

/* Is the file's byte off mapped at addr yet?  (The loader first maps a library whole
 * from offset 0, then its segments over it.) */
static bool data_mapped(pid_t pid, uint64_t addr, ino_t ino, uint64_t off)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	bool ok = false;
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof line, f)) {
		uint64_t s, e, o, in;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %" SCNu64, &s, &e, &o,
			   &in) == 4 && addr >= s && addr < e)
			ok = in == (uint64_t)ino && o + (addr - s) == off;
		if (!strchr(line, '\n'))     /* a name longer than the buffer: skip its rest */
			for (int ch; (ch = fgetc(f)) != EOF && ch != '\n';)
				;
	}
	fclose(f);
	return ok;
}

struct sd_pyrt *sd_py_find(struct sd_srcctx *c, pid_t pid, const struct modent *mods,
			   size_t n, char **why, bool *later)
{
	*why = NULL;
	*later = false;
	for (size_t i = 0; i < n; i++) {
		const struct modent *m = &mods[i];
		int maj, min;
		if (!python_name(m->path, &maj, &min))
			continue;
		struct pyprobe *p = c->pyprobes;
		while (p && (p->warned || p->dev != m->dev || p->ino != m->ino))
			p = p->next;
		if (!p) {
			int fd = sd_open_mapped(pid, m->path, m->dev, m->ino, m->start, m->first_end);
			if (fd < 0)
				continue;  /* replaced on disk: a file not the one mapped */
			p = xcalloc(1, sizeof *p);
			p->dev = m->dev;
			p->ino = m->ino;
			if (sd_py_probe_elf(fd, m->path, &p->pe) < 0)
				memset(&p->pe, 0, sizeof p->pe);
			close(fd);
			p->next = c->pyprobes;
			c->pyprobes = p;
		}
		if (!p->pe.is_python)
			continue;
		if (!p->pe.runtime && p->pe.needs_libpython)
			continue;  /* python3.X linked against libpython: the runtime is there */
		if (p->pe.runtime && p->pe.runtime_off &&
		    !data_mapped(pid, p->pe.runtime + (p->pe.exec ? 0 : m->start - p->pe.load_vaddr),
				 m->ino, p->pe.runtime_off)) {
			*later = true;
			continue;
		}
		char *err = NULL;
		struct sd_pyrt *rt = sd_py_attach(pid, m->path, m->start, &p->pe, &err);
		if (rt) {
			free(*why);
			*why = NULL;
			return rt;
		}
		if (!*why)
			*why = err;
		else
			free(err);
	}
	return NULL;
}
