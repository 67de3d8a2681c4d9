/* clockstub.c - the clock stub mapped into a CPython start-up (see clockstub.h). */
#define _GNU_SOURCE
#include "tracer/clockstub.h"

#include <elf.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "tracer/inject.h"
#include "tracer/vclock.h"

/* The stub's shared object (generated from stub/vdso.c by scripts/vdso-image.sh). */
extern const unsigned char sd_vdso_image[];
extern const size_t sd_vdso_image_len, sd_vdso_data_off;

/* Where the stub goes: far from the loader's and the heap's addresses (the address space
 * is not randomized), so that nothing else in the process moves. */
#define STUB_HINT 0x7e0000000000ull
/* More reads between two looks than a run makes (a start-up makes ~230 in all). */
#define MAX_STEP (1ull << 32)

/* The image's extent in memory (its PT_LOAD segments from address 0), or 0 when it is
 * not what the build should have made. */
static size_t image_span(void)
{
	const Elf64_Ehdr *eh = (const void *)sd_vdso_image;
	size_t end = 0;

	if (sd_vdso_image_len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > sd_vdso_image_len)
		return 0;
	const Elf64_Phdr *ph = (const void *)(sd_vdso_image + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_offset + ph[i].p_filesz > sd_vdso_image_len)
				return 0;
			if (ph[i].p_vaddr + ph[i].p_memsz > end)
				end = ph[i].p_vaddr + ph[i].p_memsz;
		}
	if (sd_vdso_data_off + sizeof(struct sd_stub_data) > end)
		return 0;
	return (end + 4095) & ~(size_t)4095;
}

static int copy_image(pid_t tid, uint64_t base)
{
	const Elf64_Ehdr *eh = (const void *)sd_vdso_image;
	const Elf64_Phdr *ph = (const void *)(sd_vdso_image + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD &&
		    sd_mem_write_user(tid, base + ph[i].p_vaddr, sd_vdso_image + ph[i].p_offset,
				      ph[i].p_filesz) < 0)
			return -1;
	return 0;
}

bool sd_stub_wanted(const char *exe)
{
	const char *base = exe ? strrchr(exe, '/') : NULL;
	return exe && !strncmp(base ? base + 1 : exe, "python", 6);
}

int sd_stub_install(struct sd_tracee *t, uint64_t vdso, uint64_t auxv_slot, int *status)
{
	struct user_regs_struct regs;
	size_t span = image_span();
	uint64_t insn = sd_inject_find_syscall(t->tid, vdso);
	uint64_t a[6] = { STUB_HINT, span, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0 };
	int64_t addr = -1;

	*status = 0;
	if (!span || !insn || !auxv_slot || ptrace(PTRACE_GETREGS, t->tid, 0L, &regs) < 0)
		return -1;
	/* the new image starts as it would have, the mapping made */
	if (sd_inject_call(t->tid, &regs, false, insn, SYS_mmap, a, &addr, status) < 0 ||
	    addr < 0 || addr > (int64_t)1 << 47)
		return -1;
	uint64_t av[2] = { AT_SYSINFO_EHDR, (uint64_t)addr };
	if (copy_image(t->tid, (uint64_t)addr) < 0 || sd_mem_write(t->tid, auxv_slot, av, sizeof av) < 0)
		return -1;   /* an unnamed mapping is left: nothing uses it */
	t->proc->stub = (uint64_t)addr + sd_vdso_data_off;
	t->proc->stub_on = false;
	memset(t->proc->stub_seen, 0, sizeof t->proc->stub_seen);
	return 0;
}

void sd_stub_on(struct sd_tracee *t, int64_t real0, int64_t elapsed, int64_t reads)
{
	struct sd_stub_data d;

	if (!t->proc->stub || t->proc->stub_on)
		return;
	d.on = 1;
	d.real0 = real0;
	d.elapsed = elapsed;
	d.reads = reads;
	/* on, real0, elapsed and reads in one write (the process is stopped) */
	if (sd_mem_write_user(t->tid, t->proc->stub + offsetof(struct sd_stub_data, on), &d.on,
			      offsetof(struct sd_stub_data, n_clock_gettime) -
			      offsetof(struct sd_stub_data, on)) == 0) {
		t->proc->stub_on = true;
		t->proc->stub_elapsed = elapsed;
		t->proc->stub_reads = reads;
	}
}

/* The stub answers no more. */
static void stub_off(struct sd_tracee *t)
{
	uint64_t zero = 0;

	sd_mem_write_user(t->tid, t->proc->stub + offsetof(struct sd_stub_data, on), &zero, sizeof zero);
	t->proc->stub_on = false;
}

int sd_stub_pull(struct sd_tracee *t, bool off, int64_t *reads, uint64_t counts[3])
{
	struct sd_stub_data d;
	struct sd_proc *p = t->proc;

	if (!p->stub || !p->stub_on)
		return 0;
	if (sd_mem_read(t->tid, p->stub, &d, sizeof d) != (ssize_t)sizeof d || d.magic != SD_STUB_MAGIC) {
		p->stub_on = false;
		return -1;
	}
	/* the program can write there: what no run of the stub leaves (a count going back
	 * or jumping, reads apart from the counts) is not believed, and the stub is off */
	uint64_t n[3] = { d.n_clock_gettime, d.n_gettimeofday, d.n_time }, total = 0;
	bool sane = d.reads >= p->stub_reads;
	for (int i = 0; i < 3 && sane; i++) {
		sane = n[i] >= p->stub_seen[i] && n[i] - p->stub_seen[i] <= MAX_STEP;
		total += n[i] - p->stub_seen[i];
	}
	if (!sane || (uint64_t)(d.reads - p->stub_reads) != total) {
		stub_off(t);
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		counts[i] += n[i] - p->stub_seen[i];
		p->stub_seen[i] = n[i];
	}
	*reads = d.reads;
	p->stub_reads = d.reads;
	if (off)
		stub_off(t);
	return 0;
}

void sd_stub_push(struct sd_tracee *t, int64_t elapsed, int64_t reads)
{
	struct sd_proc *p = t->proc;
	int64_t v[2] = { elapsed, reads };

	if (p->stub && p->stub_on && (elapsed != p->stub_elapsed || reads != p->stub_reads) &&
	    sd_mem_write_user(t->tid, p->stub + offsetof(struct sd_stub_data, elapsed), v,
			      sizeof v) == 0) {
		p->stub_elapsed = elapsed;
		p->stub_reads = reads;
	}
}
