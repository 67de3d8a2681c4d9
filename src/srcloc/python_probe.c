/* python_probe.c - Python source lines: finding a CPython 3.11-3.14 interpreter and
 * what the frame reader (python.c) needs to know of it.
 *
 * Each ELF file of a traced process named like CPython is opened once per trace (by
 * inode) and searched for _PyRuntime (symbol, else the .PyRuntime section), PyCode_Type
 * and the version (Py_Version, the _Py_DebugOffsets cookie, the file name).  Once the
 * loader has mapped the file's data, the runtime is attached: its layout comes from the
 * tables generated from the internal headers (3.11, 3.12: pylayout_gen.h) or from the
 * _Py_DebugOffsets table at the start of _PyRuntime (3.13, 3.14), whose every offset is
 * checked against its struct and a bounded read; then what the process says of itself
 * (stdlib directory, pid namespace, the script its command line names).  A forked child
 * gets a copy of its parent's runtime. */
#define _GNU_SOURCE
#include "srcloc/python_int.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "util/util.h"

static const struct pylayout generated[] = {
#include "srcloc/pylayout_gen.h"
};

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
	sd_py_walk_free(rt);
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

/* The first PT_LOAD's address, aligned down. */
static void probe_load(Elf *e, struct sd_pyelf *out)
{
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
}

/* Does a DT_NEEDED entry name libpython? */
static void probe_needed(Elf *e, struct sd_pyelf *out)
{
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
}

/* _PyRuntime, PyCode_Type and Py_Version (*ver_addr) in one symbol table. */
static void probe_symtab(Elf *e, Elf_Scn *s, const GElf_Shdr *sh, struct sd_pyelf *out,
			 uint64_t *ver_addr)
{
	Elf_Data *d = elf_getdata(s, NULL);
	size_t ns = d && sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (size_t i = 0; i < ns; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym) || !sym.st_value || sym.st_shndx == SHN_UNDEF)
			continue;
		const char *nm = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!nm || (nm[0] != '_' && nm[0] != 'P'))
			continue;
		if (!strcmp(nm, "_PyRuntime"))
			out->runtime = sym.st_value;
		else if (!strcmp(nm, "PyCode_Type"))
			out->code_type = sym.st_value;
		else if (!strcmp(nm, "Py_Version"))
			*ver_addr = sym.st_value;
	}
}

/* The symbols of every symbol table, the .PyRuntime section when there is no
 * _PyRuntime symbol, and its offset in the file.  Py_Version's address, or 0. */
static uint64_t probe_runtime(Elf *e, struct sd_pyelf *out)
{
	size_t shstr;
	Elf_Scn *s = NULL;
	uint64_t sect = 0, ver_addr = 0;
	if (elf_getshdrstrndx(e, &shstr) == 0)
		while ((s = elf_nextscn(e, s))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(s, &sh))
				continue;
			const char *sn = elf_strptr(e, shstr, sh.sh_name);
			if (sn && !strcmp(sn, ".PyRuntime") && sh.sh_addr)
				sect = sh.sh_addr;
			if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB)
				probe_symtab(e, s, &sh, out, &ver_addr);
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
	return ver_addr;
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
	probe_load(e, out);
	probe_needed(e, out);
	uint64_t ver_addr = probe_runtime(e, out);
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

/* ---- the runtime of a process ---- */

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

/* A name under /dev or /proc (/dev/stdin, /proc/self/fd/N: links that resolve in the
 * tracer to its own fds, not the process's). */
static bool magic_name(const char *path)
{
	return !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

/* The script a python command line runs (python [options] script [args]), made absolute
 * against the process's directory and resolved; NULL for -c, -m and the REPL.  *magic:
 * it was named under /dev or /proc (magic_name). */
static char *script_of(pid_t pid, bool *magic)
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
	*magic = magic_name(joined);
	return xstrdup(realpath(joined, real) ? real : joined);
}

/* Does CPython run the file at path (as script_of resolved it) itself, reading and
 * closing it before the first line runs, and will its close name it as path
 * (sd_py_closing)?  A file the tracer and process pid see at the same path (the same
 * root; not under /dev or /proc), neither a directory nor a zip archive (an
 * end-of-central-directory record in its last 64 KiB), which CPython runs through
 * runpy, reading it from Python code. */
static bool plain_script(pid_t pid, const char *path)
{
	enum { TAIL = 65536 + 22 };
	char link[64], root[8];
	snprintf(link, sizeof link, "/proc/%d/root", (int)pid);
	ssize_t k = readlink(link, root, sizeof root);
	if (k != 1 || root[0] != '/' || path[0] != '/' || magic_name(path))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	bool plain = false;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		size_t n = st.st_size < TAIL ? (size_t)st.st_size : TAIL;
		char *tail = xmalloc(n ? n : 1);
		plain = pread(fd, tail, n, st.st_size - (off_t)n) == (ssize_t)n &&
			!memmem(tail, n, "PK\005\006", 4);
		free(tail);
	}
	close(fd);
	return plain;
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
				       pe->code_type ? pe->code_type + bias : 0, sd_py_pid_read,
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
	bool magic = false;
	rt->script = script_of(pid, &magic);
	rt->script_plain = rt->script && !magic && plain_script(pid, rt->script);
	return rt;
}

/* The thread's id in the tracee's own pid namespace (the last NSpid field). */
static pid_t ns_tid(pid_t tid)
{
	long v;
	return sd_procfs_status_last(tid, "NSpid", &v) == 0 ? (pid_t)v : 0;
}

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
	c->script_plain = false;   /* its parent, not it, closes the script: walk its calls */
	c->fork_tid = rt->foreign_ns ? ns_tid(parent_tid) : parent_tid;
	return c;
}

bool sd_py_startup(const struct sd_pyrt *rt, pid_t tid, struct sd_srcloc *loc)
{
	if (tid != rt->pid || rt->broken || rt->seen_user || !rt->script_plain || rt->script_done)
		return false;
	if (!loc)
		return true;
	loc->lang = xstrdup("python");
	loc->module = rt->module ? xstrdup(rt->module) : NULL;
	loc->phase = xstrdup("startup");
	loc->why = xstrdup("interpreter start-up: the main script is not read yet");
	return true;
}

int sd_py_locate_tid(struct sd_pyrt *rt, pid_t tid, bool stack, bool user_only,
		     struct sd_srcloc *loc)
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
	return user_only && !stack ? sd_py_locate_user(rt, tid, main_thread, loc)
				   : sd_py_locate(rt, tid, main_thread, stack, loc);
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
	struct sd_procfs_maps it;
	struct sd_procfs_map m;
	bool ok = false;
	if (sd_procfs_maps_open(&it, pid, SIZE_MAX) < 0)
		return false;
	while (!ok && sd_procfs_maps_next(&it, &m))
		if (addr >= m.start && addr < m.end)
			ok = m.ino == ino && m.offset + (addr - m.start) == off;
	sd_procfs_maps_close(&it);
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
			int fd = sd_procfs_open_mapped(pid, m->path, m->dev, m->ino, m->start,
						       m->first_end);
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
