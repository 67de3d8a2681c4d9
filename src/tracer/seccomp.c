/* seccomp.c - a classic-BPF seccomp filter that sends only the traced syscalls to the
 * tracer (SECCOMP_RET_TRACE) and lets the others run (SECCOMP_RET_ALLOW).
 *
 * Two encodings of the set are generated and the shorter one is kept:
 *   ranges: one or two compares per run of consecutive traced numbers;
 *   bitmap: one compare of nr/32 per 32-bit word holding traced numbers, then a
 *           JSET of that word against 1 << (nr % 32), kept in scratch slot M[0].
 * Jumps only go forward, to the next instruction or to the two final returns. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/seccomp.h"
#include "util/util.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define OFF_NR   offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)

/* Jump targets other than a relative offset: the final return instructions. */
enum { TO_ALLOW = -1, TO_TRACE = -2 };

struct insn {
	struct sock_filter f;
	int jt, jf;     /* >= 0: relative offset; else TO_ALLOW or TO_TRACE */
};

struct prog {
	struct insn *insn;
	int len;
	bool overflow;
};

/* Room for the longest program plus the two returns. */
#define PROG_CAP (BPF_MAXINSNS + 2)

static void emit(struct prog *p, unsigned short code, unsigned k, int jt, int jf)
{
	if (p->len >= PROG_CAP) {
		p->overflow = true;
		return;
	}
	p->insn[p->len++] = (struct insn){ { code, 0, 0, k }, jt, jf };
}

static void emit_stmt(struct prog *p, unsigned short code, unsigned k)
{
	emit(p, code, k, 0, 0);
}

/* Wrong arch, x32 and out-of-table numbers all trace.  Leaves nr in A. */
static void emit_prelude(struct prog *p)
{
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, OFF_ARCH);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, TO_TRACE);
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, OFF_NR);
	emit(p, BPF_JMP | BPF_JSET | BPF_K, __X32_SYSCALL_BIT, TO_TRACE, 0);
	emit(p, BPF_JMP | BPF_JGE | BPF_K, SD_NR_MAX, TO_TRACE, 0);
}

/* Emit the compares for traced numbers lo..hi, nr being in A and known to be
 * above every earlier range. */
static void emit_range(struct prog *p, int lo, int hi)
{
	unsigned short jgt = BPF_JMP | BPF_JGT | BPF_K, jge = BPF_JMP | BPF_JGE | BPF_K;

	if (hi == SD_NR_MAX - 1) {
		emit(p, jge, lo, TO_TRACE, TO_ALLOW);
	} else if (lo == hi) {
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, lo, TO_TRACE, 0);
	} else if (lo == 0) {
		emit(p, jgt, hi, 0, TO_TRACE);
	} else {
		emit(p, jgt, hi, 1, 0);
		emit(p, jge, lo, TO_TRACE, TO_ALLOW);
	}
}

static void emit_ranges(struct prog *p, const struct sd_sysset *set)
{
	emit_prelude(p);
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		int lo = nr;

		if (!sd_sysset_has(set, nr))
			continue;
		while (nr + 1 < SD_NR_MAX && sd_sysset_has(set, nr + 1))
			nr++;
		emit_range(p, lo, nr);
	}
}

static uint32_t word32(const struct sd_sysset *set, int w)
{
	return (uint32_t)(set->bits[w / 2] >> (w % 2 * 32));
}

static void emit_bitmap(struct prog *p, const struct sd_sysset *set)
{
	emit_prelude(p);
	/* M[0] = 1 << (nr & 31); A = nr >> 5 */
	emit_stmt(p, BPF_ALU | BPF_AND | BPF_K, 31);
	emit_stmt(p, BPF_MISC | BPF_TAX, 0);
	emit_stmt(p, BPF_LD | BPF_IMM, 1);
	emit_stmt(p, BPF_ALU | BPF_LSH | BPF_X, 0);
	emit_stmt(p, BPF_ST, 0);
	emit_stmt(p, BPF_LD | BPF_W | BPF_ABS, OFF_NR);
	emit_stmt(p, BPF_ALU | BPF_RSH | BPF_K, 5);
	for (int w = 0; w < SD_NR_MAX / 32; w++) {
		uint32_t bits = word32(set, w);

		if (bits == UINT32_MAX) {
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, w, TO_TRACE, 0);
		} else if (bits) {
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, w, 0, 2);
			emit_stmt(p, BPF_LD | BPF_MEM, 0);
			emit(p, BPF_JMP | BPF_JSET | BPF_K, bits, TO_TRACE, TO_ALLOW);
		}
	}
}

/* Resolve a jump to an offset from the instruction after i; -1 if too far. */
static int resolve(int target, int i, int allow_at)
{
	int off = target;

	if (target == TO_ALLOW)
		off = allow_at - (i + 1);
	else if (target == TO_TRACE)
		off = allow_at + 1 - (i + 1);
	return off <= 255 ? off : -1;
}

/* Append the two returns, resolve the jumps; 0 or -1 if the program is unusable. */
static int finish(struct prog *p)
{
	int allow_at = p->len;

	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	emit_stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	if (p->overflow || p->len > BPF_MAXINSNS)
		return -1;
	for (int i = 0; i < allow_at; i++) {
		int jt, jf;

		if (BPF_CLASS(p->insn[i].f.code) != BPF_JMP)
			continue;
		jt = resolve(p->insn[i].jt, i, allow_at);
		jf = resolve(p->insn[i].jf, i, allow_at);
		if (jt < 0 || jf < 0)
			return -1;
		p->insn[i].f.jt = jt;
		p->insn[i].f.jf = jf;
	}
	return 0;
}

static void copy_out(const struct prog *p, struct sock_fprog *out)
{
	out->len = p->len;
	out->filter = xcalloc(p->len, sizeof(*out->filter));
	for (int i = 0; i < p->len; i++)
		out->filter[i] = p->insn[i].f;
}

int sd_seccomp_build(const struct sd_sysset *traced, struct sock_fprog *prog)
{
	/* not zeroed: emit writes each instruction whole, and only the pages a program
	 * of a few hundred instructions uses are touched (the tracer builds one per run) */
	struct prog ranges = { xmalloc(PROG_CAP * sizeof(struct insn)), 0, false };
	struct prog bitmap = { xmalloc(PROG_CAP * sizeof(struct insn)), 0, false };
	const struct prog *best = NULL;

	emit_ranges(&ranges, traced);
	emit_bitmap(&bitmap, traced);
	if (!finish(&ranges))
		best = &ranges;
	if (!finish(&bitmap) && (!best || bitmap.len < best->len))
		best = &bitmap;
	if (best)
		copy_out(best, prog);
	free(ranges.insn);
	free(bitmap.insn);
	return best ? 0 : -1;
}

/* The prefix of the loose program: on x86_64, an open that only reads, a TCGETS,
 * FIOCLEX or FIONCLEX ioctl and an F_GETFD, F_GETFL or F_SETFD fcntl are allowed;
 * anything else goes on to the program after it (gen instructions further).  The same
 * tests as loop.c's opens_to_read and keeps_nothing make in C: change them together. */
enum { OFF_ARG1 = offsetof(struct seccomp_data, args) + 8,
       OFF_ARG2 = offsetof(struct seccomp_data, args) + 16 };

static int loose_prefix(struct sock_filter *f)
{
	/* the open flags that may write, create or truncate (O_TMPFILE by its own bit) */
	const unsigned writes = O_ACCMODE | O_CREAT | O_TRUNC | (O_TMPFILE & ~O_DIRECTORY);
	enum { OPENAT = 7, OPEN = 9, FLAGS = 10, IOCTL = 12, FCNTL = 16, ALLOW = 20, GEN = 21 };
#define J(at, code, k, t, e) f[at] = (struct sock_filter)BPF_JUMP(code, k, (t) - (at) - 1, (e) - (at) - 1)
#define S(at, code, k) f[at] = (struct sock_filter)BPF_STMT(code, k)
	S(0, BPF_LD | BPF_W | BPF_ABS, OFF_ARCH);
	J(1, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 2, GEN);
	S(2, BPF_LD | BPF_W | BPF_ABS, OFF_NR);
	J(3, BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, OPENAT, 4);
	J(4, BPF_JMP | BPF_JEQ | BPF_K, __NR_open, OPEN, 5);
	J(5, BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, IOCTL, 6);
	J(6, BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, FCNTL, GEN);
	S(OPENAT, BPF_LD | BPF_W | BPF_ABS, OFF_ARG2);
	S(OPENAT + 1, BPF_JMP | BPF_JA, FLAGS - (OPENAT + 1) - 1);
	S(OPEN, BPF_LD | BPF_W | BPF_ABS, OFF_ARG1);
	S(FLAGS, BPF_ALU | BPF_AND | BPF_K, writes);
	J(FLAGS + 1, BPF_JMP | BPF_JEQ | BPF_K, 0, ALLOW, GEN);
	S(IOCTL, BPF_LD | BPF_W | BPF_ABS, OFF_ARG1);
	J(IOCTL + 1, BPF_JMP | BPF_JEQ | BPF_K, TCGETS, ALLOW, IOCTL + 2);
	J(IOCTL + 2, BPF_JMP | BPF_JEQ | BPF_K, FIOCLEX, ALLOW, IOCTL + 3);
	J(IOCTL + 3, BPF_JMP | BPF_JEQ | BPF_K, FIONCLEX, ALLOW, GEN);
	S(FCNTL, BPF_LD | BPF_W | BPF_ABS, OFF_ARG1);
	J(FCNTL + 1, BPF_JMP | BPF_JEQ | BPF_K, F_GETFD, ALLOW, FCNTL + 2);
	J(FCNTL + 2, BPF_JMP | BPF_JEQ | BPF_K, F_GETFL, ALLOW, FCNTL + 3);
	J(FCNTL + 3, BPF_JMP | BPF_JEQ | BPF_K, F_SETFD, ALLOW, GEN);
	S(ALLOW, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef J
#undef S
	return GEN;
}

int sd_seccomp_build_loose(const struct sd_sysset *traced, const struct sd_sysset *plain,
			   struct sock_fprog *prog)
{
	struct sd_sysset rest = *traced;
	struct sock_fprog gen;
	struct sock_filter pre[32];

	sd_sysset_subtract(&rest, plain);
	if (sd_seccomp_build(&rest, &gen) < 0)
		return -1;
	int n = loose_prefix(pre);
	if (n + gen.len > BPF_MAXINSNS) {
		free(gen.filter);
		return -1;
	}
	prog->len = (unsigned short)(n + gen.len);
	prog->filter = xcalloc(prog->len, sizeof *prog->filter);
	memcpy(prog->filter, pre, (size_t)n * sizeof *pre);
	memcpy(prog->filter + n, gen.filter, gen.len * sizeof *gen.filter);
	free(gen.filter);
	return 0;
}

/* Async-signal-safe: only system calls, no allocation. */
int sd_seccomp_install(const struct sock_fprog *prog)
{
	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) < 0)
		return -errno;
	return 0;
}
