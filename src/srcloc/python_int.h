/* python_int.h - what the two halves of the Python frame reader share (not for other
 * files): the runtime object (struct sd_pyrt), the bounded memory reads, and the calls
 * between probing (python_probe.c: finding the interpreter in an ELF file, its version
 * and layout, attaching to a process) and frame reading (python.c: thread states,
 * frames, code objects, location tables). */
#ifndef SD_PYTHON_INT_H
#define SD_PYTHON_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include "srcloc/pyoffsets.h"
#include "srcloc/srcloc_int.h"

#define MAX_LINETABLE (512u << 10)
#define MAX_BLOCK 4096          /* bytes of one struct read at once */
#define WPAGES 16               /* pages of frames one walk keeps */
#define HINTS 16                /* threads whose last walk is remembered (by tid) */
#define HINT_TS 8               /* thread states from the list head a hint may pass */

struct pycode;                   /* a code object as read (python.c) */

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
	bool script_plain;           /* ... is a file CPython reads and closes itself before
					running it (not a directory nor a zip: runpy) */
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

static inline bool ptr_ok(uint64_t p, size_t align)
{
	return p >= 4096 && p < 0x800000000000ull && !(p & (align - 1));
}

static inline bool rd(struct sd_pyrt *rt, uint64_t addr, void *buf, size_t n)
{
	if (!n || n > MAX_LINETABLE + 64 || addr < 4096 || addr + n < addr ||
	    addr + n > 0x800000000000ull)
		return false;
	rt->reads++;
	return rt->read(rt->rctx, addr, buf, n);
}

static inline uint64_t u64_at(const unsigned char *b, uint32_t off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}


/* python_probe.c: what an ELF file says about the CPython in it */
struct sd_pyelf {
	bool is_python;             /* named like CPython, or has its symbols */
	bool exec;                  /* ET_EXEC: no load bias */
	bool needs_libpython;       /* DT_NEEDED names libpython: the runtime is there */
	uint64_t load_vaddr;        /* first PT_LOAD, aligned down */
	uint64_t runtime;           /* _PyRuntime (symbol, else the .PyRuntime section), or 0 */
	uint64_t runtime_off;       /* its offset in the file (0: in no section with bytes) */
	uint64_t code_type;         /* PyCode_Type, or 0 */
	unsigned long version;      /* PY_VERSION_HEX (Py_Version, the debug cookie or the
	                               file name), or 0 */
};
int sd_py_probe_elf(int fd, const char *name, struct sd_pyelf *out);
/* The runtime of process pid, whose file path (probed into pe) is mapped from map_start
 * (file offset 0).  NULL and *why when it cannot be used. */
struct sd_pyrt *sd_py_attach(pid_t pid, const char *path, uint64_t map_start,
			     const struct sd_pyelf *pe, char **why);

/* python.c: the reader of a traced process (ctx: its pid), one process_vm_readv; the
 * frame reader batches its own reads when rt->read is this one. */
bool sd_py_pid_read(void *ctx, uint64_t addr, void *buf, size_t n);
/* python.c: free what the walks keep (the code cache, pages, headers) */
void sd_py_walk_free(struct sd_pyrt *rt);

#endif
