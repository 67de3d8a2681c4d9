/* srcloc_int.h - internals shared by the files of src/srcloc/ (not for other modules). */
#ifndef SD_SRCLOC_INT_H
#define SD_SRCLOC_INT_H

#include <elfutils/libdwfl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include "srcloc/srcloc.h"

/* One ELF file as mapped by some process: its identity (the mapped inode and what
 * stat says of it, so a file replaced on disk is a different image) and the caches
 * that do not depend on the process: symbolized addresses and per-CU indexes. */
struct sd_image {
	struct sd_image *next;      /* hash chain */
	char *path;                 /* as /proc/PID/maps names it ("[vdso]") */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	bool system;                /* libc, loader, runtime: never the user's frame */
	bool names;                 /* every frame named (--stack); else runtime code and a
				       system file's separate debug info are left alone */
	bool vdso;
	char *why;                  /* set when the file cannot be used (replaced...) */
	int dwarf_state;            /* 0 unknown, 1 has usable DWARF, 2 none, 3 corrupt */
	char *dwarf_err;            /* 3: the error */
	struct symtab *syms;        /* address -> symbolization cache */
	struct symres *nofile;      /* the result when the file cannot be opened */
	struct cuidx **cus;         /* per-CU indexes, built on first use */
	size_t ncus, capcus;
};

struct modent {                 /* one module as /proc/PID/maps shows it (unwind.c) */
	uint64_t start, end, first_end;   /* start: the mapping of file offset 0 */
	dev_t dev;
	ino_t ino;
	char *path;
	bool exec;
};

/* A frame as symbolization sees it: one pc may give several (inlined calls). */
struct vframe {
	char *func;                 /* qualified, demangled */
	char *file;                 /* absolute path of the source file, or NULL */
	char *dir;                  /* compilation directory, or NULL */
	int line;
	bool user;                  /* user code (a candidate for the location) */
};

struct symres {
	int n;                      /* vframes, innermost first */
	struct vframe *v;
	char *why;                  /* why no line (no debug info, corrupt...) */
};

/* Per mapped module: what /proc/PID/maps said (the Dwfl_Module's userdata). */
struct srcmod {
	struct srcmod *next;        /* all of the process's, for freeing */
	uint64_t start, end;        /* the module's span */
	uint64_t first_end;         /* end of its first mapping (for map_files) */
	dev_t dev;
	ino_t ino;
	char *path;
	bool exec;                  /* some mapping is executable */
	pid_t pid;
	struct sd_image *img;
	void *mem;                  /* [vdso]: its bytes, for elf_memory */
	bool reported;
};

struct sd_srcctx {
	struct sd_srcloc_opts o;
	struct sd_srcmap **maps;
	int nmaps;
	char *debug_path;           /* libdwfl debuginfo_path */
	Dwfl_Callbacks cb;
	struct sd_image **images;   /* hash by inode */
	size_t nimages;
	struct pyprobe *pyprobes;   /* ELF files looked at for CPython (python_probe.c) */
};

/* symbolize.c */
struct sd_image *sd_image_get(struct sd_srcctx *c, const char *path, dev_t dev, ino_t ino,
			      const struct stat *st);
void sd_images_free(struct sd_srcctx *c);
/* Symbolize address adj (already minus one for return addresses) of module mod, whose
 * image is img.  Cached per (image, ELF address); the result stays owned by img.  Unless
 * img->names, code of the toolchain's runtime is only marked as not the user's. */
const struct symres *sd_symbolize(struct sd_image *img, Dwfl_Module *mod, Dwarf_Addr adj);

/* python_probe.c (sd_py_closing: python.c): the Python runtime as unwind.c uses it;
 * python_int.h has what the two Python files share. */
/* The CPython runtime among the modules of process pid: each file named like CPython is
 * looked at once per trace (by inode) and the first whose _PyRuntime is usable wins.
 * NULL when there is none; *why (malloc'd) when a CPython was found but cannot be used
 * (the caller warns once; sd_py_warn_once says whether this message is new); *later
 * when its data is not mapped yet (the loader is still at work): ask again. */
struct sd_pyrt *sd_py_find(struct sd_srcctx *c, pid_t pid, const struct modent *mods,
			   size_t n, char **why, bool *later);
bool sd_py_warn_once(struct sd_srcctx *c, const char *msg);
void sd_py_probes_free(struct sd_srcctx *c);
void sd_py_closing(struct sd_pyrt *rt, pid_t tid, const char *ref);
/* The runtime as process pid, forked by thread parent_tid of rt's, sees it. */
struct sd_pyrt *sd_py_fork(const struct sd_pyrt *rt, pid_t pid, pid_t parent_tid);
/* Thread tid is in the interpreter's start-up: its main thread, before it closed its main
 * script (one whose close is told by name: script_plain), no user frame met yet.  Then
 * loc says so (the start-up phase), without reading the stack. */
bool sd_py_startup(const struct sd_pyrt *rt, pid_t tid, struct sd_srcloc *loc);
bool sd_py_may_close_script(const struct sd_pyrt *rt, pid_t tid, const char *ref);
/* sd_py_locate (sd_py_locate_user when user_only) for the tracer's thread id
 * (translated through NSpid when the process has a pid namespace of its own). */
int sd_py_locate_tid(struct sd_pyrt *rt, pid_t tid, bool stack, bool user_only,
		     struct sd_srcloc *loc);

#endif
