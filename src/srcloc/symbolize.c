/* symbolize.c - an address in a module to function, file and line, with the calls
 * inlined at it, and whether each is the user's own code.
 *
 * Results are cached per image (one ELF file as mapped, identified by its inode and
 * stat data, shared by every process that maps it) and ELF address, so a syscall made
 * again from the same place costs one hash lookup.  Function names come from the
 * debug info (qualified with their namespaces, classes and enclosing functions, the
 * way Rust and C++ programmers read them) or, without it, from the symbol table,
 * demangled.  A line is only ever taken from the line table of the code at that
 * address: without debug info, or when it cannot be read, there is no line. */
#define _GNU_SOURCE
#include "srcloc/srcloc_int.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/path.h"
#include "util/util.h"

#define IMG_BUCKETS 256
#define MAX_INLINE 32           /* inlined calls followed at one pc */
#define MAX_DEPTH 48            /* DIE nesting followed when indexing a CU */
#define MAX_SYMS_PER_IMAGE (1u << 20)

/* ---- what is the user's code ---- */

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

bool sd_src_system_module(const char *path)
{
	static const char *const dirs[] = {
		"/lib/", "/lib32/", "/lib64/", "/libx32/", "/usr/lib/", "/usr/lib32/",
		"/usr/lib64/", "/usr/libx32/", "/usr/libexec/", "/usr/bin/", "/usr/sbin/",
		"/bin/", "/sbin/", "/usr/games/", "/snap/", "/nix/store/", "/gnu/store/",
	};
	static const char *const libs[] = {
		"ld-linux", "ld64.so", "libc.so", "libc-", "libm.so", "libm-", "libpthread",
		"libdl.", "libdl-", "librt.", "librt-", "libresolv", "libutil.", "libstdc++",
		"libgcc_s", "libc++", "libunwind", "libstd-", "libasan", "libubsan", "liblsan",
		"libtsan", "libgfortran", "libgomp", "libatomic",
	};
	if (!path || path[0] == '[')
		return true;        /* [vdso], [vsyscall] */
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (has_prefix(path, dirs[i]))
			return true;
	if (strstr(path, "/.rustup/toolchains/") || strstr(path, "/lib/rustlib/"))
		return true;
	const char *b = base_name(path);
	for (size_t i = 0; i < sizeof libs / sizeof *libs; i++)
		if (has_prefix(b, libs[i]))
			return true;
	return false;
}

bool sd_src_runtime_file(const char *path)
{
	static const char *const prefixes[] = {
		"/rustc/", "/rust/deps/", "/usr/include/", "/usr/lib/", "/usr/src/",
		"/usr/share/", "/usr/local/include/c++/",
	};
	static const char *const parts[] = {
		"/.cargo/registry/", "/.cargo/git/", "/.rustup/toolchains/", "/lib/rustlib/src/",
	};
	if (!path)
		return false;
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (has_prefix(path, prefixes[i]))
			return true;
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		if (strstr(path, parts[i]))
			return true;
	return false;
}

char *sd_src_relative(const char *path, const char *dir)
{
	if (!path)
		return NULL;
	if (dir && dir[0] == '/') {
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		if (!strncmp(path, dir, n) && path[n] == '/' && path[n + 1])
			return xstrdup(path + n + 1);
	}
	return xstrdup(path);
}

static int components(const char *dir, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (dir[i] == '/' && i + 1 < n && dir[i + 1] != '/')
			k++;
	return k;
}

char *sd_src_shorten(const char *path, const char *dir, char **root)
{
	*root = NULL;
	if (!path)
		return NULL;
	if (dir && dir[0] == '/' && path[0] == '/') {
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		/* the compilation directory, or up to two directories above it (a build
		 * directory inside the project) that still name something (two components) */
		for (int up = 0; up < 3; up++) {
			if (up && components(dir, n) < 2)
				break;
			if (n > 1 && !strncmp(path, dir, n) && path[n] == '/' && path[n + 1]) {
				*root = xstrndup(dir, n);
				return xstrdup(path + n + 1);
			}
			while (n > 1 && dir[n - 1] != '/')
				n--;
			while (n > 1 && dir[n - 1] == '/')
				n--;
		}
	}
	*root = dir ? xstrdup(dir) : NULL;
	return xstrdup(path);
}

/* Names and paths from debug info are shown and stored: damaged DWARF can give any
 * bytes, so only printable UTF-8 of a sensible length is believed. */
static bool sane(const char *s)
{
	size_t n = s ? strnlen(s, 4097) : 0;
	if (!n || n > 4096 || !sd_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static char *sane_dup(const char *s)
{
	return sane(s) ? xstrdup(s) : NULL;
}

/* A source path, absolute and normalized: the line table's "../src/a.c" or
 * "/p/build/../src/a.c" (names relative to the compilation directory dir) becomes
 * "/p/src/a.c". */
static char *path_dup(const char *s, const char *dir)
{
	if (!sane(s))
		return NULL;
	char *n = sd_path_absolute(dir && dir[0] == '/' ? dir : NULL, s);
	return n ? n : xstrdup(s);
}

/* ---- images ---- */

struct symslot {
	uint64_t key;           /* ELF address + 1; 0 = empty */
	struct symres *r;
};

struct symtab {
	struct symslot *s;
	size_t cap, n;
};

struct fnrange {
	Dwarf_Addr lo, hi;
	Dwarf_Off die;
};

struct nameent {
	Dwarf_Off die;
	uint32_t prefix;        /* index into prefixes; 0 = none */
};

/* What one compilation unit offers, collected in one pass over its DIEs: the address
 * ranges of its concrete functions and, for every function DIE (definitions,
 * declarations, abstract instances), the scope it is declared in. */
struct cuidx {
	Dwarf_Off off;
	bool runtime;           /* toolchain or runtime source (Rust std, libstdc++...) */
	char *dir;              /* DW_AT_comp_dir */
	struct fnrange *fn;
	size_t nfn, capfn;
	struct nameent *names;
	size_t nnames, capnames;
	char **prefixes;
	size_t nprefixes, capprefixes;
	char *line_err;         /* the line table cannot be read: why (first error) */
};

static void symres_free(struct symres *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++) {
		free(r->v[i].func);
		free(r->v[i].file);
		free(r->v[i].dir);
	}
	free(r->v);
	free(r->why);
	free(r);
}

static void symtab_clear(struct symtab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		symres_free(t->s[i].r);
	free(t->s);
	t->s = NULL;
	t->cap = t->n = 0;
}

static void cuidx_free(struct cuidx *x)
{
	if (!x)
		return;
	free(x->dir);
	free(x->line_err);
	free(x->fn);
	free(x->names);
	for (size_t i = 0; i < x->nprefixes; i++)
		free(x->prefixes[i]);
	free(x->prefixes);
	free(x);
}

static void image_free(struct sd_image *img)
{
	symtab_clear(img->syms);
	free(img->syms);
	symres_free(img->nofile);
	for (size_t i = 0; i < img->ncus; i++)
		cuidx_free(img->cus[i]);
	free(img->cus);
	free(img->path);
	free(img->why);
	free(img->dwarf_err);
	free(img);
}

void sd_images_free(struct sd_srcctx *c)
{
	if (!c->images)
		return;
	for (size_t i = 0; i < IMG_BUCKETS; i++) {
		struct sd_image *img = c->images[i], *next;
		for (; img; img = next) {
			next = img->next;
			image_free(img);
		}
	}
	free(c->images);
	c->images = NULL;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

struct sd_image *sd_image_get(struct sd_srcctx *c, const char *path, dev_t dev, ino_t ino,
			      const struct stat *st)
{
	if (!c->images)
		c->images = xcalloc(IMG_BUCKETS, sizeof *c->images);
	size_t b = (size_t)((uint64_t)ino * 31 + (uint64_t)dev) % IMG_BUCKETS;
	off_t size = st ? st->st_size : 0;
	struct timespec zero = { 0, 0 };
	const struct timespec *mt = st ? &st->st_mtim : &zero, *ct = st ? &st->st_ctim : &zero;
	for (struct sd_image *img = c->images[b]; img; img = img->next)
		if (img->dev == dev && img->ino == ino && img->size == size &&
		    same_time(&img->mtime, mt) && same_time(&img->ctime, ct) &&
		    !strcmp(img->path, path))
			return img;
	struct sd_image *img = xcalloc(1, sizeof *img);
	img->path = xstrdup(path);
	img->dev = dev;
	img->ino = ino;
	img->size = size;
	img->mtime = *mt;
	img->ctime = *ct;
	img->vdso = !strcmp(path, "[vdso]");
	img->system = sd_src_system_module(path);
	img->names = c->o.stack;
	img->next = c->images[b];
	c->images[b] = img;
	c->nimages++;
	return img;
}

/* ---- the address cache ---- */

static struct symres *symtab_get(struct symtab *t, uint64_t addr)
{
	if (!t || !t->cap)
		return NULL;
	uint64_t key = addr + 1;
	size_t mask = t->cap - 1, i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & mask;
	for (; t->s[i].key; i = (i + 1) & mask)
		if (t->s[i].key == key)
			return t->s[i].r;
	return NULL;
}

static void symtab_put(struct symtab *t, uint64_t addr, struct symres *r)
{
	if (t->n >= MAX_SYMS_PER_IMAGE)
		symtab_clear(t);        /* bounded memory: start over */
	if ((t->n + 1) * 2 > t->cap) {
		struct symtab old = *t;
		t->cap = old.cap ? old.cap * 2 : 64;
		t->s = xcalloc(t->cap, sizeof *t->s);
		t->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.s[i].key) {
				size_t mask = t->cap - 1;
				size_t j = (size_t)(old.s[i].key * 0x9E3779B97F4A7C15ull >> 20) & mask;
				while (t->s[j].key)
					j = (j + 1) & mask;
				t->s[j] = old.s[i];
				t->n++;
			}
		free(old.s);
	}
	uint64_t key = addr + 1;
	size_t mask = t->cap - 1, i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & mask;
	while (t->s[i].key)
		i = (i + 1) & mask;
	t->s[i].key = key;
	t->s[i].r = r;
	t->n++;
}

/* ---- per-CU index ---- */

static uint32_t add_prefix(struct cuidx *x, uint32_t parent, const char *name)
{
	if (x->nprefixes == x->capprefixes) {
		x->capprefixes = x->capprefixes ? 2 * x->capprefixes : 16;
		x->prefixes = xrealloc(x->prefixes, x->capprefixes * sizeof *x->prefixes);
	}
	if (!x->nprefixes) {
		x->prefixes[0] = NULL;  /* index 0: no prefix */
		x->nprefixes = 1;
	}
	const char *p = x->prefixes[parent];
	x->prefixes[x->nprefixes] = p ? xasprintf("%s::%s", p, name) : xstrdup(name);
	return (uint32_t)x->nprefixes++;
}

static void add_name(struct cuidx *x, Dwarf_Off die, uint32_t prefix)
{
	if (x->nnames == x->capnames) {
		x->capnames = x->capnames ? 2 * x->capnames : 64;
		x->names = xrealloc(x->names, x->capnames * sizeof *x->names);
	}
	x->names[x->nnames++] = (struct nameent){ die, prefix };
}

static void add_ranges(struct cuidx *x, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	int guard = 0;
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0 && guard++ < 4096) {
		if (hi <= lo)
			continue;
		if (x->nfn == x->capfn) {
			x->capfn = x->capfn ? 2 * x->capfn : 64;
			x->fn = xrealloc(x->fn, x->capfn * sizeof *x->fn);
		}
		x->fn[x->nfn++] = (struct fnrange){ lo, hi, dwarf_dieoffset(die) };
	}
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool flag = false;
	return dwarf_attr(die, DW_AT_declaration, &a) && dwarf_formflag(&a, &flag) == 0 && flag;
}

/* The plain name of a DIE, following abstract_origin and specification. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
}

/* in_function: parent is a function (or a block in one): an unnamed class there is a
 * C++ lambda's closure type. */
static void index_children(struct cuidx *x, Dwarf_Die *parent, uint32_t prefix, int depth,
			   bool in_function)
{
	Dwarf_Die child;
	if (depth > MAX_DEPTH || dwarf_child(parent, &child) != 0)
		return;
	do {
		const char *name;
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			add_name(x, dwarf_dieoffset(&child), prefix);
			if (!is_declaration(&child))
				add_ranges(x, &child);
			name = die_name(&child);
			/* Nested types and functions (C++ lambdas, Rust closures' scopes) are
			 * named after the function. */
			index_children(x, &child, name ? add_prefix(x, prefix, name) : prefix, depth + 1,
				       true);
			break;
		case DW_TAG_namespace:
			name = dwarf_diename(&child);
			index_children(x, &child, add_prefix(x, prefix, name ? name : "(anonymous namespace)"),
				       depth + 1, false);
			break;
		case DW_TAG_module:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_interface_type:
		case DW_TAG_enumeration_type:
			name = dwarf_diename(&child);
			if (!name)
				name = in_function ? "{lambda}" : "{unnamed}";
			if (dwarf_haschildren(&child) > 0)
				index_children(x, &child, add_prefix(x, prefix, name), depth + 1, false);
			break;
		case DW_TAG_lexical_block:
			index_children(x, &child, prefix, depth + 1, in_function);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static int cmp_fn(const void *a, const void *b)
{
	const struct fnrange *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int cmp_name(const void *a, const void *b)
{
	const struct nameent *x = a, *y = b;
	return x->die < y->die ? -1 : x->die > y->die;
}

static const char *cu_dir(Dwarf_Die *cu)
{
	Dwarf_Attribute a;
	return dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
}

/* Toolchain or runtime code: its CU's main file is (Rust std, core, alloc and their
 * vendored crates; code from system directories). */
static bool cu_is_runtime(Dwarf_Die *cu)
{
	const char *name = dwarf_diename(cu), *dir = cu_dir(cu);
	if (!name)
		return false;
	if (name[0] == '/')
		return sd_src_runtime_file(name);
	if (dir) {
		char *full = xasprintf("%s/%s", dir, name);
		bool r = sd_src_runtime_file(full);
		free(full);
		return r;
	}
	return false;
}

static struct cuidx *cu_index(struct sd_image *img, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	for (size_t i = 0; i < img->ncus; i++)
		if (img->cus[i]->off == off)
			return img->cus[i];
	struct cuidx *x = xcalloc(1, sizeof *x);
	x->off = off;
	x->runtime = cu_is_runtime(cu);
	const char *dir = cu_dir(cu);
	x->dir = dir ? xstrdup(dir) : NULL;
	index_children(x, cu, 0, 0, false);
	if (x->nfn)
		qsort(x->fn, x->nfn, sizeof *x->fn, cmp_fn);
	if (x->nnames)
		qsort(x->names, x->nnames, sizeof *x->names, cmp_name);
	if (img->ncus == img->capcus) {
		img->capcus = img->capcus ? 2 * img->capcus : 8;
		img->cus = xrealloc(img->cus, img->capcus * sizeof *img->cus);
	}
	img->cus[img->ncus++] = x;
	return x;
}

/* The innermost concrete function whose ranges hold pc. */
static bool find_function(struct cuidx *x, Dwarf_Addr pc, Dwarf_Off *die)
{
	size_t lo = 0, hi = x->nfn;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->fn[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = false;
	Dwarf_Addr best = 0;
	/* Ranges may nest (nested functions): look back a little for the smallest. */
	for (size_t i = lo, seen = 0; i-- > 0 && seen < 64; seen++) {
		const struct fnrange *f = &x->fn[i];
		if (pc < f->hi && (!found || f->hi - f->lo < best)) {
			found = true;
			best = f->hi - f->lo;
			*die = f->die;
		}
	}
	return found;
}

static const char *scope_of(struct cuidx *x, Dwarf_Off die)
{
	struct nameent key = { die, 0 };
	struct nameent *e = x->nnames ? bsearch(&key, x->names, x->nnames, sizeof key, cmp_name)
				      : NULL;
	return e && e->prefix < x->nprefixes ? x->prefixes[e->prefix] : NULL;
}

/* The qualified, readable name of a function DIE (concrete, inlined or abstract). */
static char *function_name(struct sd_image *img, Dwarf_Die *die)
{
	Dwarf_Die d = *die, ref;
	Dwarf_Attribute a;
	const char *name = NULL, *linkage = NULL;
	for (int hops = 0; hops < 8; hops++) {
		if (!name)
			name = dwarf_formstring(dwarf_attr(&d, DW_AT_name, &a));
		if (!linkage)
			linkage = dwarf_formstring(dwarf_attr(&d, DW_AT_linkage_name, &a));
		if (!(dwarf_attr(&d, DW_AT_abstract_origin, &a) || dwarf_attr(&d, DW_AT_specification, &a)))
			break;
		if (!dwarf_formref_die(&a, &ref))
			break;
		d = ref;
	}
	if (!name)
		return linkage ? sd_demangle(linkage) : NULL;
	Dwarf_Die cu;
	const char *scope = NULL;
	if (dwarf_diecu(&d, &cu, NULL, NULL))
		scope = scope_of(cu_index(img, &cu), dwarf_dieoffset(&d));
	if (scope && strstr(scope, "{lambda}") && linkage) {
		/* A C++ lambda, which the demangler names with its parameters. */
		char *dm = sd_demangle(linkage);
		if (dm)
			return dm;
	}
	return scope ? xasprintf("%s::%s", scope, name) : xstrdup(name);
}

/* The chain of inlined calls (outermost first) at pc inside concrete function fn. */
static int inline_chain(Dwarf_Die *fn, Dwarf_Addr pc, Dwarf_Die *out, int max)
{
	int n = 0;
	Dwarf_Die cur = *fn, child;
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		bool down = false;
		if (dwarf_child(&cur, &child) != 0)
			break;
		do {
			int tag = dwarf_tag(&child);
			if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_lexical_block &&
			    tag != DW_TAG_try_block && tag != DW_TAG_catch_block)
				continue;
			if (dwarf_haspc(&child, pc) <= 0)
				continue;
			if (tag == DW_TAG_inlined_subroutine) {
				if (n == max)
					return n;
				out[n++] = child;
			}
			cur = child;
			down = true;
			break;
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!down)
			break;
	}
	return n;
}

static char *call_file(Dwarf_Die *cu, Dwarf_Die *inl, const char *dir, int *line)
{
	Dwarf_Attribute a;
	Dwarf_Word idx, ln;
	Dwarf_Files *files;
	size_t nfiles;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &a), &ln) == 0 && ln <= INT32_MAX)
		*line = (int)ln;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &idx) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles) {
		*line = 0;
		return NULL;
	}
	char *f = path_dup(dwarf_filesrc(files, idx, NULL, NULL), dir);
	if (!f)
		*line = 0;
	return f;
}

static char *symtab_name(Dwfl_Module *mod, Dwarf_Addr adj)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *n = dwfl_module_addrinfo(mod, adj, &off, &sym, NULL, NULL, NULL);
	if (!sane(n))
		return NULL;
	char *d = sd_demangle(n);
	return d ? d : xstrdup(n);
}

static struct symres *new_res(int n)
{
	struct symres *r = xcalloc(1, sizeof *r);
	r->n = n;
	r->v = xcalloc(n ? n : 1, sizeof *r->v);
	return r;
}

/* pc is in CU cu (DWARF addresses): function, inlined calls, lines.  Without names
 * (img->names), code of a runtime CU is only marked as not the user's: indexing the CU
 * (Rust's std is one CU of some 10^5 DIEs, 30 ms) tells nothing more, since nothing of
 * the user's is inlined into precompiled runtime code. */
static struct symres *symbolize_cu(struct sd_image *img, Dwfl_Module *mod, Dwarf_Die *cu,
				   Dwarf_Addr pc, Dwarf_Addr adj)
{
	if (!img->names && cu_is_runtime(cu)) {
		struct symres *r = new_res(1);
		r->v[0].user = false;
		return r;
	}
	struct cuidx *x = cu_index(img, cu);
	Dwarf_Die fn, chain[MAX_INLINE];
	Dwarf_Off fnoff = 0;
	int ninl = 0;
	bool have_fn = find_function(x, pc, &fnoff) && dwarf_offdie(dwarf_cu_getdwarf(cu->cu), fnoff, &fn);
	if (have_fn)
		ninl = inline_chain(&fn, pc, chain, MAX_INLINE);
	struct symres *r = new_res(ninl + 1);
	/* v[0] is the innermost: the line table's location at pc. */
	Dwarf_Lines *lines;
	size_t nlines;
	bool table_ok = !x->line_err && dwarf_getsrclines(cu, &lines, &nlines) == 0;
	if (!table_ok && !x->line_err)
		x->line_err = xstrdup(dwarf_errmsg(-1));
	const char *table_err = x->line_err;
	Dwarf_Line *l = table_ok ? dwarf_getsrc_die(cu, pc) : NULL;
	int lineno = 0;
	const char *file = NULL;
	if (l && dwarf_lineno(l, &lineno) == 0 && lineno > 0)
		file = dwarf_linesrc(l, NULL, NULL);
	if (file && !sane(file)) {
		table_ok = false;
		table_err = "a file name that is not text";
		file = NULL;
	}
	if (!file)
		lineno = 0;
	r->v[0].file = file ? path_dup(file, x->dir) : NULL;
	r->v[0].line = lineno;
	for (int i = 0; i <= ninl; i++) {
		struct vframe *v = &r->v[i];
		/* v[i] runs the function chain[ninl - 1 - i] (or fn for the last one). */
		Dwarf_Die *f = i < ninl ? &chain[ninl - 1 - i] : have_fn ? &fn : NULL;
		v->func = f ? function_name(img, f) : NULL;
		if (v->func && !sane(v->func)) {
			free(v->func);
			v->func = NULL;
		}
		if (!v->func)
			v->func = symtab_name(mod, adj);
		if (i > 0)  /* called from: the call site of the next inner inlined call */
			v->file = call_file(cu, &chain[ninl - i], x->dir, &v->line);
		v->dir = sane_dup(x->dir);
		v->user = !img->system && !x->runtime && !sd_src_runtime_file(v->file);
		/* Code without a line in a readable line table is the compiler's (Rust's
		 * generated C main, thunks): not the user's. */
		if (!v->line && table_ok)
			v->user = false;
	}
	if (!table_ok)
		r->why = xasprintf("cannot read the line table of %s: %s", img->path, table_err);
	else if (!lineno)
		r->why = xasprintf("no line information for %s+0x%" PRIx64, img->path, (uint64_t)adj);
	return r;
}

/* Look for the CU of pc by walking the unit list: 1 found, 0 none, -1 the debug info
 * cannot be read (*err). */
static int find_cu_slow(Dwfl_Module *mod, Dwarf_Addr adj, Dwarf_Die *out, Dwarf_Addr *bias,
			const char **err)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr b = 0;
	int guard = 0;
	(void)dwfl_errno();
	while ((cu = dwfl_module_nextcu(mod, cu, &b)) && guard++ < 1000000) {
		if (dwarf_haspc(cu, adj - b) > 0) {
			*out = *cu;
			*bias = b;
			return 1;
		}
	}
	int e = dwfl_errno();
	if (e) {
		*err = dwfl_errmsg(e);
		return -1;
	}
	return 0;
}

/* Is the module's debug info readable at all?  Not when no unit's DIE can be read. */
static bool dwarf_readable(Dwfl_Module *mod, const char **err)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr b = 0;
	int ok = 0, guard = 0;
	(void)dwfl_errno();
	while ((cu = dwfl_module_nextcu(mod, cu, &b)) && guard++ < 1000000) {
		int tag = dwarf_tag(cu);
		if (tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit ||
		    tag == DW_TAG_skeleton_unit || tag == DW_TAG_type_unit)
			ok++;
	}
	int e = dwfl_errno();
	*err = e ? dwfl_errmsg(e) : "no compilation unit can be read";
	return ok > 0 && !e;
}

static bool runtime_symbol(const char *name)
{
	return name && (has_prefix(name, "__") || has_prefix(name, "_IO_") ||
			has_prefix(name, "_dl_") || has_prefix(name, "_nl_") || !strcmp(name, "_start"));
}

static struct symres *symbolize_uncached(struct sd_image *img, Dwfl_Module *mod, Dwarf_Addr adj)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, adj, &bias), slow;
	/* libdwfl's lookup lets a CU cover the gap up to the next one (a _start between
	 * main and the other functions): only a CU that really holds pc counts. */
	if (cu && dwarf_haspc(cu, adj - bias) <= 0)
		cu = NULL;
	if (cu) {
		img->dwarf_state = 1;
		return symbolize_cu(img, mod, cu, adj - bias, adj);
	}
	const char *err = NULL;
	if (!img->dwarf_state) {
		Dwarf_Addr b;
		img->dwarf_state = dwfl_module_getdwarf(mod, &b) ? 1 : 2;
		if (img->dwarf_state == 1 && !dwarf_readable(mod, &err)) {
			img->dwarf_state = 3;
			img->dwarf_err = xstrdup(err);
		}
	}
	int found = img->dwarf_state == 1 ? find_cu_slow(mod, adj, &slow, &bias, &err) : 0;
	if (found > 0)
		return symbolize_cu(img, mod, &slow, adj - bias, adj);
	if (found < 0 && !img->dwarf_err) {
		img->dwarf_state = 3;
		img->dwarf_err = xstrdup(err);
	}
	struct symres *r = new_res(1);
	r->v[0].func = symtab_name(mod, adj);
	switch (img->dwarf_state) {
	case 1:     /* debug info, but none for this code: statically linked runtime */
		r->v[0].user = false;
		break;
	case 3:
		r->v[0].user = !img->system;
		r->why = xasprintf("cannot read the debug info of %s: %s", img->path, img->dwarf_err);
		break;
	default:
		r->v[0].user = !img->system && !runtime_symbol(r->v[0].func);
		r->why = xasprintf("no debug info for %s", img->path);
		break;
	}
	return r;
}

const struct symres *sd_symbolize(struct sd_image *img, Dwfl_Module *mod, Dwarf_Addr adj)
{
	Dwarf_Addr mbias = 0;
	if (!dwfl_module_getelf(mod, &mbias)) {
		/* No ELF file for it (replaced on disk, unreadable): nothing but the fact. */
		if (!img->nofile) {
			img->nofile = new_res(1);
			img->nofile->v[0].user = !img->system;
			img->nofile->why = xstrdup(img->why ? img->why : dwfl_errmsg(-1));
		}
		return img->nofile;
	}
	uint64_t key = adj - mbias;
	if (!img->syms)
		img->syms = xcalloc(1, sizeof *img->syms);
	struct symres *r = symtab_get(img->syms, key);
	if (r)
		return r;
	r = symbolize_uncached(img, mod, adj);
	symtab_put(img->syms, key, r);
	return r;
}
