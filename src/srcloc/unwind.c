/* unwind.c - the calling thread's stack at a syscall entry, and the frame of the
 * user's code in it.
 *
 * Each traced process has one libdwfl session (Dwfl): its modules are the ELF files
 * of /proc/PID/maps, re-read after exec and after a mapping of code changes, and its
 * thread state comes from our own callbacks: registers by PTRACE_GETREGS (the thread
 * is in a syscall-entry stop), stack memory by process_vm_readv in bounded page-sized
 * chunks, cached for the one unwind.  libdwfl then unwinds with CFI (.eh_frame, or
 * .debug_frame from the debug file), so frame pointers are not needed.
 *
 * Each ELF file is opened only if it is still the file that is mapped (same inode);
 * otherwise the mapped one is opened through /proc/PID/map_files, and if that is not
 * possible the module has no file and its frames no names (never a wrong line).
 * Separate debug files are found by build-id and by .gnu_debuglink, in /usr/lib/debug
 * and the directories given, and must match the build-id or CRC. */
#define _GNU_SOURCE
#include "srcloc/srcloc_int.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>
#include <zlib.h>

#include "procfs/procfs.h"
#include "util/util.h"

#define MAX_FRAMES 128          /* frames unwound per syscall */
#define CHUNK 4096              /* bytes of stack read at a time */
#define NCHUNKS 4
#define MAX_CHUNK_READS 64      /* stack reads per unwind: at most 256 KiB */
#define MAX_MAPS_BYTES (32u << 20)
#define MAX_MODULES 16384
#define MAX_VDSO (1u << 20)

struct chunk {
	uint64_t base;
	uint32_t len;
	unsigned char buf[CHUNK];
};

struct sd_srcproc {
	pid_t tgid;
	Dwfl *dwfl;
	bool dirty;                 /* maps may have changed: re-read before unwinding */
	bool no_user;               /* only system modules are mapped */
	struct srcmod *mods;        /* every srcmod of this Dwfl (userdata), freed with it */
	struct modent *cur;         /* the modules reported */
	size_t ncur;
	char *err;                  /* the process cannot be unwound: why */
	pid_t tid;                  /* the thread being unwound */
	struct chunk chunks[NCHUNKS];
	int nchunks, next_chunk, reads;
	uint64_t missed[8];         /* pages of code with no module (JIT...): no re-read */
	int nmissed;
	struct sd_pyrt *py;         /* a CPython runtime: its frames give the lines */
	char *py_why;               /* a CPython that cannot be read: why */
	bool py_later;              /* a CPython whose data is not mapped yet */
	struct sd_srcctx *c;
};

static char *debug_path_global;  /* libdwfl keeps a pointer to the callbacks */

/* ---- small helpers ---- */

static void modents_free(struct modent *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

/* Parse /proc/PID/maps into modules: consecutive mappings of one file starting at
 * file offset 0 (anonymous mappings such as .bss may sit between them).  Only files
 * with an executable mapping, and the vdso, count. */
static int read_maps(pid_t pid, struct modent **out, size_t *nout)
{
	struct sd_procfs_maps it;
	struct sd_procfs_map e;
	if (sd_procfs_maps_open(&it, pid, MAX_MAPS_BYTES) < 0)
		return -1;
	struct modent *m = NULL;
	size_t n = 0, cap = 0;
	struct modent *open_m = NULL;
	while (sd_procfs_maps_next(&it, &e)) {
		const char *name = e.path;
		bool exec = e.perms[2] == 'x';
		if (name[0] != '/' && strcmp(name, "[vdso]")) {
			if (name[0])
				open_m = NULL;      /* [heap], [stack]...: ends a module */
			continue;           /* anonymous: may be a module's .bss */
		}
		if (open_m && open_m->dev == e.dev && open_m->ino == e.ino && e.offset != 0 &&
		    !strcmp(open_m->path, name)) {
			open_m->end = e.end;
			open_m->exec |= exec;
			continue;
		}
		open_m = NULL;
		if (e.offset != 0 && name[0] == '/')
			continue;   /* a file mapped at an offset (data): not a module */
		if (n == MAX_MODULES)
			break;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			m = xrealloc(m, cap * sizeof *m);
		}
		m[n] = (struct modent){ .start = e.start, .end = e.end, .first_end = e.end,
					.dev = e.dev, .ino = e.ino, .path = xstrdup(name),
					.exec = exec };
		open_m = &m[n++];
	}
	sd_procfs_maps_close(&it);
	/* keep the modules with code */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (m[i].exec)
			m[k++] = m[i];
		else
			free(m[i].path);
	}
	*out = m;
	*nout = k;
	return 0;
}

static bool same_modents(const struct modent *a, size_t na, const struct modent *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].dev != b[i].dev ||
		    a[i].ino != b[i].ino || strcmp(a[i].path, b[i].path))
			return false;
	return true;
}

/* ---- modules: finding their files ---- */

static struct sd_image *identify(struct sd_srcctx *c, pid_t pid, const struct modent *e)
{
	if (!strcmp(e->path, "[vdso]"))
		return sd_image_get(c, e->path, 0, 0, NULL);
	/* System files are only symbolized for --stack, and opened only when still the
	 * mapped inode (sd_procfs_open_mapped): the inode from the maps is identity
	 * enough. */
	if (sd_src_system_module(e->path))
		return sd_image_get(c, e->path, e->dev, e->ino, NULL);
	char mf[96];
	struct stat st;
	snprintf(mf, sizeof mf, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, e->start,
		 e->first_end);
	if (sd_procfs_is_mapped(mf, e->dev, e->ino, &st) ||
	    sd_procfs_is_mapped(e->path, e->dev, e->ino, &st))
		return sd_image_get(c, e->path, e->dev, e->ino, &st);
	/* The file at the path is another one now and the mapped one cannot be reached. */
	struct sd_image *img = sd_image_get(c, e->path, e->dev, e->ino, NULL);
	if (!img->why)
		img->why = xasprintf("%s was replaced on disk", e->path);
	return img;
}

static int cb_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		       char **file_name, Elf **elfp)
{
	(void)mod, (void)modname, (void)base;
	struct srcmod *sm = *userdata;
	*elfp = NULL;
	if (!sm)
		return -1;
	if (sm->img->vdso) {
		size_t n = sm->end - sm->start;
		if (n > MAX_VDSO)
			return -1;
		char *buf = xmalloc(n);
		struct iovec l = { buf, n }, r = { (void *)(uintptr_t)sm->start, n };
		if (process_vm_readv(sm->pid, &l, 1, &r, 1, 0) != (ssize_t)n) {
			free(buf);
			return -1;
		}
		*elfp = elf_memory(buf, n);
		if (!*elfp) {
			free(buf);
			return -1;
		}
		free(sm->mem);
		sm->mem = buf;
		return -1;
	}
	if (sm->img->why)
		return -1;
	int fd = sd_procfs_open_mapped(sm->pid, sm->path, sm->dev, sm->ino, sm->start,
				       sm->first_end);
	if (fd < 0) {
		sm->img->why = xasprintf("%s was replaced on disk", sm->path);
		return -1;
	}
	*elfp = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!*elfp) {
		close(fd);
		return -1;
	}
	*file_name = xstrdup(sm->path);
	return fd;
}

/* ---- separate debug files ---- */

static bool same_build_id(Dwfl_Module *mod, Elf *elf)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	const void *other;
	ssize_t m = dwelf_elf_gnu_build_id(elf, &other);
	return n > 0 && m == n && !memcmp(bits, other, (size_t)n);
}

static bool crc_matches(int fd, GElf_Word want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	ssize_t n;
	off_t off = 0;
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	return n == 0 && (GElf_Word)crc == want;
}

/* A candidate debug file: it must be another file than the main one, an ELF file, and
 * match the module's build-id (or the debuglink CRC when there is no build-id). */
static int try_debug_file(Dwfl_Module *mod, const char *cand, const char *main_file,
			  GElf_Word crc, char **out_name)
{
	struct stat a, b;
	if (stat(cand, &a) < 0 || !S_ISREG(a.st_mode))
		return -1;
	if (main_file && stat(main_file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return -1;
	int fd = open(cand, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool ok = false;
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		const unsigned char *bits;
		GElf_Addr vaddr;
		if (dwfl_module_build_id(mod, &bits, &vaddr) > 0)
			ok = same_build_id(mod, elf);
		else
			ok = crc_matches(fd, crc);
	}
	if (elf)
		elf_end(elf);
	if (!ok) {
		close(fd);
		return -1;
	}
	*out_name = xstrdup(cand);
	return fd;
}

static int cb_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			     GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	/* A system file's frames are never shown without --stack, and its .eh_frame is
	 * all the unwinding needs: its separate debug file (libc6-dbg's, some MiB of
	 * compressed DWARF, inflated once per traced process) is not loaded. */
	const struct srcmod *sm = *userdata;
	if (sm && sm->img->system && !sm->img->names)
		return -1;
	/* By build-id in the debug directories: .build-id/xx/yyyy.debug */
	int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name,
					      debuglink_file, debuglink_crc, debuginfo_file_name);
	if (fd >= 0 || !debuglink_file || !file_name || file_name[0] != '/' ||
	    strchr(debuglink_file, '/'))
		return fd;
	/* By .gnu_debuglink: next to the file, in .debug/, under each debug directory. */
	const char *slash = strrchr(file_name, '/');
	char *dir = xstrndup(file_name, (size_t)(slash - file_name));
	char *cands[3];
	int nc = 0;
	cands[nc++] = xasprintf("%s/%s", dir, debuglink_file);
	cands[nc++] = xasprintf("%s/.debug/%s", dir, debuglink_file);
	for (int i = 0; i < nc && fd < 0; i++)
		fd = try_debug_file(mod, cands[i], file_name, debuglink_crc, debuginfo_file_name);
	for (int i = 0; i < nc; i++)
		free(cands[i]);
	const char *p = debug_path_global;
	while (fd < 0 && p && *p) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && p[0] == '/') {
			char *cand = xasprintf("%.*s%s/%s", (int)n, p, dir, debuglink_file);
			fd = try_debug_file(mod, cand, file_name, debuglink_crc, debuginfo_file_name);
			free(cand);
		}
		p = e ? e + 1 : NULL;
	}
	free(dir);
	return fd;
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = cb_find_elf,
	.find_debuginfo = cb_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debug_path_global,
};

/* ---- thread state ---- */

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl, (void)arg, (void)thread_argp;
	return 0;   /* threads are asked for by tid only */
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl, (void)tid;
	*thread_argp = arg;
	return true;
}

static bool read_chunk(struct sd_srcproc *p, uint64_t addr, struct chunk *ch)
{
	if (p->reads >= MAX_CHUNK_READS)
		return false;
	p->reads++;
	uint64_t base = addr & ~(uint64_t)63;
	/* Page-sized pieces: a read that runs into an unmapped page keeps what came before. */
	struct iovec l[2], r[2];
	size_t n = 0, want = CHUNK;
	uint64_t page_end = (base | 4095) + 1;
	size_t first = (size_t)(page_end - base) < want ? (size_t)(page_end - base) : want;
	l[n] = (struct iovec){ ch->buf, first };
	r[n++] = (struct iovec){ (void *)(uintptr_t)base, first };
	if (first < want) {
		l[n] = (struct iovec){ ch->buf + first, want - first };
		r[n++] = (struct iovec){ (void *)(uintptr_t)(base + first), want - first };
	}
	ssize_t got = process_vm_readv(p->tid, l, n, r, n, 0);
	if (got < 8)
		return false;
	ch->base = base;
	ch->len = (uint32_t)got;
	return true;
}

static bool stack_byte_range(struct sd_srcproc *p, uint64_t addr, unsigned char *dst, size_t n)
{
	while (n) {
		struct chunk *hit = NULL;
		for (int i = 0; i < p->nchunks; i++) {
			struct chunk *ch = &p->chunks[i];
			if (addr >= ch->base && addr - ch->base < ch->len) {
				hit = ch;
				break;
			}
		}
		if (!hit) {
			hit = &p->chunks[p->next_chunk];
			if (!read_chunk(p, addr, hit))
				return false;
			p->next_chunk = (p->next_chunk + 1) % NCHUNKS;
			if (p->nchunks < NCHUNKS)
				p->nchunks++;
		}
		size_t avail = hit->len - (size_t)(addr - hit->base);
		size_t k = avail < n ? avail : n;
		memcpy(dst, hit->buf + (addr - hit->base), k);
		dst += k;
		addr += k;
		n -= k;
	}
	return true;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	uint64_t v;
	if (!stack_byte_range(arg, addr, (unsigned char *)&v, sizeof v))
		return false;
	*result = v;
	return true;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct sd_srcproc *p = arg;
	struct user_regs_struct r;
	if (ptrace(PTRACE_GETREGS, p->tid, 0L, &r) < 0)
		return false;
	/* DWARF register numbers of x86_64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
	Dwarf_Word regs[17] = {
		r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip,
	};
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

/* A minimal x86_64 ELF header: tells libdwfl the architecture without opening any of
 * the process's files. */
static Elf *arch_elf(void)
{
	static Elf *elf;
	static unsigned char hdr[64];
	if (elf)
		return elf;
	memcpy(hdr, "\177ELF\2\1\1", 7);
	hdr[16] = 2;            /* e_type ET_EXEC */
	hdr[18] = 62;           /* e_machine EM_X86_64 */
	hdr[20] = 1;            /* e_version */
	hdr[52] = 64;           /* e_ehsize */
	elf = elf_memory((char *)hdr, sizeof hdr);
	return elf;
}

/* ---- the process's module list ---- */

static void drop_dwfl(struct sd_srcproc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	for (struct srcmod *m = p->mods, *next; m; m = next) {
		next = m->next;
		free(m->path);
		free(m->mem);
		free(m);
	}
	p->mods = NULL;
	modents_free(p->cur, p->ncur);
	p->cur = NULL;
	p->ncur = 0;
}

/* Report the modules; false when a module's identity changed under the same name and
 * place (a new Dwfl is needed). */
static bool report(struct sd_srcproc *p, const struct modent *m, size_t n)
{
	bool ok = true;
	p->no_user = true;
	dwfl_report_begin(p->dwfl);
	for (size_t i = 0; i < n; i++) {
		Dwfl_Module *mod = dwfl_report_module(p->dwfl, m[i].path, m[i].start, m[i].end);
		if (!mod)
			continue;
		void **ud = NULL;
		dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
		struct srcmod *sm = ud ? *ud : NULL;
		struct sd_image *img = identify(p->c, p->tgid, &m[i]);
		if (sm && sm->img != img)
			ok = false;
		if (!sm && ud) {
			sm = xcalloc(1, sizeof *sm);
			sm->start = m[i].start;
			sm->end = m[i].end;
			sm->first_end = m[i].first_end;
			sm->dev = m[i].dev;
			sm->ino = m[i].ino;
			sm->path = xstrdup(m[i].path);
			sm->pid = p->tgid;
			sm->img = img;
			sm->next = p->mods;
			p->mods = sm;
			*ud = sm;
		}
		if (!img->system)
			p->no_user = false;
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
	return ok;
}

static bool new_dwfl(struct sd_srcproc *p, struct modent *m, size_t n)
{
	drop_dwfl(p);
	p->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!p->dwfl) {
		free(p->err);
		p->err = xasprintf("cannot start libdwfl: %s", dwfl_errmsg(-1));
		modents_free(m, n);
		return false;
	}
	report(p, m, n);
	if (!dwfl_attach_state(p->dwfl, arch_elf(), p->tgid, &thread_callbacks, p)) {
		free(p->err);
		p->err = xasprintf("cannot unwind: %s", dwfl_errmsg(-1));
		drop_dwfl(p);
		modents_free(m, n);
		return false;
	}
	p->cur = m;
	p->ncur = n;
	return true;
}

/* Make the module list current.  *changed: it was (re)read and differs. */
static bool ensure(struct sd_srcproc *p, bool *changed)
{
	*changed = false;
	if (p->dwfl && !p->dirty)
		return true;
	struct modent *m;
	size_t n;
	if (read_maps(p->tgid, &m, &n) < 0) {
		free(p->err);
		p->err = xasprintf("cannot read /proc/%d/maps: %s", (int)p->tgid, strerror(errno));
		return false;
	}
	p->dirty = false;
	if (p->dwfl && same_modents(p->cur, p->ncur, m, n)) {
		modents_free(m, n);
		return true;
	}
	*changed = true;
	p->nmissed = 0;
	if (!p->dwfl)
		return new_dwfl(p, m, n);
	if (!report(p, m, n))
		return new_dwfl(p, m, n);
	modents_free(p->cur, p->ncur);
	p->cur = m;
	p->ncur = n;
	return true;
}

struct sd_srcproc *sd_src_proc_new(struct sd_srcctx *c, pid_t tgid)
{
	struct sd_srcproc *p = xcalloc(1, sizeof *p);
	p->c = c;
	p->tgid = tgid;
	return p;
}

struct sd_srcproc *sd_src_proc_fork(struct sd_srcctx *c, struct sd_srcproc *parent,
				    struct sd_srcproc *child, pid_t child_tgid, pid_t parent_tid)
{
	if (!parent->py)
		return child;
	if (!child)
		child = sd_src_proc_new(c, child_tgid);
	if (!child->py) {
		child->py = sd_py_fork(parent->py, child_tgid, parent_tid);
		child->py_later = false;
	}
	return child;
}

void sd_src_proc_free(struct sd_srcproc *p)
{
	if (!p)
		return;
	drop_dwfl(p);
	free(p->err);
	sd_py_free(p->py);
	free(p->py_why);
	free(p);
}

void sd_src_proc_exec(struct sd_srcproc *p)
{
	if (!p)
		return;
	drop_dwfl(p);
	free(p->err);
	p->err = NULL;
	sd_py_free(p->py);
	p->py = NULL;
	free(p->py_why);
	p->py_why = NULL;
	p->py_later = false;
	p->dirty = false;
	p->nmissed = 0;
}

bool sd_src_watches(int nr)
{
	return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mremap || nr == SYS_mprotect;
}

static bool touches_modules(const struct sd_srcproc *p, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
	for (size_t i = 0; i < p->ncur; i++)
		if (addr < p->cur[i].end && p->cur[i].start < end)
			return true;
	return false;
}

void sd_src_proc_remapped(struct sd_srcproc *p)
{
	if (p)
		p->dirty = true;
}

void sd_src_proc_syscall_done(struct sd_srcproc *p, int nr, const uint64_t args[6], int64_t ret)
{
	if (!p || !p->dwfl || (ret < 0 && ret >= -4095))
		return;
	switch (nr) {
	case SYS_mmap:
		if (args[2] & PROT_EXEC)
			p->dirty = true;
		break;
	case SYS_mprotect:
		if ((args[2] & PROT_EXEC) || touches_modules(p, args[0], args[1]))
			p->dirty = true;
		break;
	case SYS_munmap:
	case SYS_mremap:
		if (touches_modules(p, args[0], args[1]))
			p->dirty = true;
		break;
	}
}

/* ---- the walk ---- */

struct walk {
	struct sd_srcctx *c;
	struct sd_srcproc *p;
	bool stack;
	int n;                      /* frames seen */
	bool chosen;                /* loc holds the chosen frame's location */
	struct sd_srcloc *loc;
	bool miss;                  /* a pc no module holds */
	uint64_t miss_pc;
	const char *stop_mod;       /* the last frame's module, for messages */
	struct sd_srcframe *frames;
	int nframes, capframes;
};

static struct sd_srcframe *add_frame(struct walk *w)
{
	if (w->nframes == w->capframes) {
		w->capframes = w->capframes ? 2 * w->capframes : 16;
		w->frames = xrealloc(w->frames, w->capframes * sizeof *w->frames);
	}
	struct sd_srcframe *f = &w->frames[w->nframes++];
	memset(f, 0, sizeof *f);
	return f;
}

static void record_frames(struct walk *w, Dwfl_Module *mod, struct sd_image *img,
			  const struct symres *r, uint64_t pc)
{
	Dwarf_Addr bias = 0;
	bool have_elf = mod && dwfl_module_getelf(mod, &bias);
	int n = r ? r->n : 1;
	for (int i = 0; i < n; i++) {
		struct sd_srcframe *f = add_frame(w);
		f->pc = pc;
		f->off = have_elf ? pc - bias : 0;
		f->module = img ? xstrdup(img->path) : NULL;
		if (r) {
			const struct vframe *v = &r->v[i];
			f->func = v->func ? xstrdup(v->func) : NULL;
			char *root = NULL;
			f->file = v->file ? sd_src_shorten(v->file, v->dir, &root) : NULL;
			free(root);
			f->line = v->file ? v->line : 0;
			f->user = v->user;
			f->inlined = i < n - 1;
		}
	}
}

static void apply_maps(struct sd_srcctx *c, const struct vframe *v, struct sd_srcloc *loc);

/* The innermost frame of user code: its location, copied (the cache may be dropped
 * while the walk goes on). */
static void choose(struct walk *w, const struct symres *r, int i, const struct sd_image *img)
{
	const struct vframe *v = &r->v[i];
	struct sd_srcloc *loc = w->loc;
	w->chosen = true;
	loc->module = xstrdup(img->path);
	loc->func = v->func ? xstrdup(v->func) : NULL;
	if (v->file && v->line > 0) {
		loc->file = sd_src_shorten(v->file, v->dir, &loc->dir);
		loc->line = v->line;
		apply_maps(w->c, v, loc);
	} else {
		loc->why = xstrdup(r->why ? r->why : "no line information");
	}
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation = false;
	if (!dwfl_frame_pc(state, &pc, &activation) || w->n >= MAX_FRAMES)
		return DWARF_CB_ABORT;
	w->n++;
	if (!pc)
		return DWARF_CB_ABORT;
	Dwarf_Addr adj = activation ? pc : pc - 1;
	Dwfl_Module *mod = dwfl_addrmodule(w->p->dwfl, adj);
	void **ud = NULL;
	if (mod)
		dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	struct srcmod *sm = ud ? *ud : NULL;
	if (!sm) {
		w->miss = true;
		w->miss_pc = pc;
		w->stop_mod = NULL;
		if (w->stack)
			record_frames(w, NULL, NULL, NULL, pc);
		return DWARF_CB_OK;
	}
	w->stop_mod = sm->img->path;
	const struct symres *r = NULL;
	if (!sm->img->system || w->stack)
		r = sd_symbolize(sm->img, mod, adj);
	if (r && !w->chosen && !sm->img->system) {
		for (int i = 0; i < r->n; i++)
			if (r->v[i].user) {
				choose(w, r, i, sm->img);
				break;
			}
	}
	if (w->stack)
		record_frames(w, mod, sm->img, r, pc);
	return w->chosen && !w->stack ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static void walk_reset(struct walk *w)
{
	for (int i = 0; i < w->nframes; i++) {
		free(w->frames[i].module);
		free(w->frames[i].func);
		free(w->frames[i].file);
	}
	w->nframes = 0;
	w->n = 0;
	w->chosen = false;
	sd_srcloc_clear(w->loc);
	w->miss = false;
	w->stop_mod = NULL;
}

static int unwind(struct sd_srcproc *p, pid_t tid, struct walk *w)
{
	p->tid = tid;
	p->nchunks = p->next_chunk = p->reads = 0;
	return dwfl_getthread_frames(p->dwfl, tid, frame_cb, w);
}

/* Has a pc in this page been missed since the modules were last re-read? */
static bool missed_before(struct sd_srcproc *p, uint64_t pc)
{
	uint64_t page = pc >> 12;
	int n = p->nmissed < 8 ? p->nmissed : 8;
	for (int i = 0; i < n; i++)
		if (p->missed[i] == page)
			return true;
	p->missed[p->nmissed++ % 8] = page;
	return false;
}

static void apply_maps(struct sd_srcctx *c, const struct vframe *v, struct sd_srcloc *loc)
{
	struct sd_srcmap_hit hit;
	for (int i = 0; i < c->nmaps; i++) {
		if (!sd_srcmap_lookup(c->maps[i], v->file, v->line, v->func, &hit))
			continue;
		loc->gen_file = loc->file;
		loc->gen_line = loc->line;
		loc->gen_func = loc->func;
		loc->file = xstrdup(hit.file);
		loc->line = hit.line;
		loc->func = hit.func ? xstrdup(hit.func) : NULL;
		return;
	}
}

/* The module list changed: is CPython among the modules now? */
static void look_for_python(struct sd_srcctx *c, struct sd_srcproc *p)
{
	char *why = NULL;
	p->py = sd_py_find(c, p->tgid, p->cur, p->ncur, &why, &p->py_later);
	if (why) {
		if (sd_py_warn_once(c, why))
			sd_warn("%s; no Python source lines", why);
		free(p->py_why);
		p->py_why = why;
	}
}

static void locate_python(struct sd_srcctx *c, struct sd_srcproc *p, pid_t tid, bool user_only,
			  struct sd_srcloc *loc)
{
	bool was_broken = sd_py_broken(p->py) != NULL;
	sd_py_locate_tid(p->py, tid, c->o.stack, user_only, loc);
	const char *b = sd_py_broken(p->py);
	if (b && !was_broken && sd_py_warn_once(c, b))
		sd_warn("%s; no Python source lines", b);
}

void sd_src_closing(struct sd_srcproc *p, pid_t tid, const char *ref)
{
	if (p && p->py)
		sd_py_closing(p->py, tid, ref);
}

bool sd_src_may_close_script(struct sd_srcproc *p, pid_t tid, const char *ref)
{
	return !p || !p->py || sd_py_may_close_script(p->py, tid, ref);
}

bool sd_src_startup(struct sd_srcproc *p, pid_t tid, struct sd_srcloc *loc)
{
	if (loc)
		sd_srcloc_clear(loc);
	return p && p->py && sd_py_startup(p->py, tid, loc);
}

bool sd_src_interpreter(struct sd_srcctx *c, struct sd_srcproc *p)
{
	bool changed;
	if (p && !p->py && ensure(p, &changed) && (changed || p->py_later) && !p->py_why)
		look_for_python(c, p);
	return p && p->py;
}

void sd_src_locate(struct sd_srcctx *c, struct sd_srcproc *p, pid_t tid, bool user_only,
		   struct sd_srcloc *loc)
{
	sd_srcloc_clear(loc);
	if (p->py) {
		locate_python(c, p, tid, user_only, loc);
		return;
	}
	bool changed;
	if (!ensure(p, &changed)) {
		loc->why = xstrdup(p->err ? p->err : "cannot unwind");
		return;
	}
	if ((changed || p->py_later) && !p->py_why)
		look_for_python(c, p);
	if (p->py) {
		locate_python(c, p, tid, user_only, loc);
		return;
	}
	if (p->py_why) {
		/* its C frames are the interpreter's, not the user's lines */
		loc->why = xstrdup(p->py_why);
		return;
	}
	if (p->no_user && !c->o.stack) {
		loc->why = xstrdup("no user code in the process (only system files are mapped)");
		return;
	}
	struct walk w = { .c = c, .p = p, .stack = c->o.stack, .loc = loc };
	int rc = unwind(p, tid, &w);
	if (!w.chosen && w.miss && !missed_before(p, w.miss_pc)) {
		/* Code no module holds: the mappings may have changed unseen. */
		p->dirty = true;
		if (ensure(p, &changed) && changed) {
			walk_reset(&w);
			rc = unwind(p, tid, &w);
		}
	}
	if (w.chosen) {
		/* filled by choose() */
	} else if (rc < 0 && w.n <= 1) {
		loc->why = xasprintf("cannot unwind the stack: %s", dwfl_errmsg(-1));
	} else if (w.n >= MAX_FRAMES) {
		loc->why = xasprintf("no frame of user code in the innermost %d", MAX_FRAMES);
	} else if (rc < 0 && w.stop_mod && !sd_src_system_module(w.stop_mod)) {
		loc->why = xasprintf("no frame of user code on the stack (unwinding stopped in %s: %s)",
				     w.stop_mod, dwfl_errmsg(-1));
	} else {
		loc->why = xstrdup("no frame of user code on the stack");
	}
	if (w.nframes) {
		loc->frames = w.frames;
		loc->nframes = w.nframes;
	} else {
		free(w.frames);
	}
}

/* ---- the context ---- */

struct sd_srcctx *sd_src_new(const struct sd_srcloc_opts *o, char **err)
{
	struct sd_srcctx *c = xcalloc(1, sizeof *c);
	c->o = *o;
	if (o->nmaps > 0)
		c->maps = xcalloc((size_t)o->nmaps, sizeof *c->maps);
	for (int i = 0; i < o->nmaps; i++) {
		c->maps[i] = sd_srcmap_load(o->maps[i], err);
		if (!c->maps[i]) {
			sd_src_free(c);
			return NULL;
		}
		c->nmaps++;
	}
	/* '-': no CRC checks by libdwfl (ours are done in cb_find_debuginfo). */
	c->debug_path = xasprintf("-:.debug:/usr/lib/debug%s%s", o->debug_dirs ? ":" : "",
				  o->debug_dirs ? o->debug_dirs : "");
	free(debug_path_global);
	debug_path_global = xstrdup(c->debug_path);
	elf_version(EV_CURRENT);
	return c;
}

void sd_src_free(struct sd_srcctx *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nmaps; i++)
		sd_srcmap_free(c->maps[i]);
	free(c->maps);
	free(c->debug_path);
	sd_images_free(c);
	sd_py_probes_free(c);
	free(c);
}
