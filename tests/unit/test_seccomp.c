/* test_seccomp.c - the generated seccomp filter, run both in a small classic-BPF
 * interpreter (every number, several arches) and for real in a forked child. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tracer/seccomp.h"

#define BAD 0xdeadbeefu         /* the interpreter's verdict on an invalid program */

struct vm {
	uint32_t a, x, mem[BPF_MEMWORDS];
	unsigned mem_set;       /* bit i: mem[i] was stored before */
};

static uint32_t load_abs(const struct seccomp_data *d, uint32_t k)
{
	uint32_t v;

	if (k % 4 || k + 4 > sizeof(*d))
		return BAD;
	memcpy(&v, (const char *)d + k, 4);
	return v;
}

/* Returns the new pc, or -1 for an invalid instruction. */
static long step_alu(struct vm *vm, const struct sock_filter *f)
{
	uint32_t v = BPF_SRC(f->code) == BPF_X ? vm->x : f->k;

	switch (BPF_OP(f->code)) {
	case BPF_AND: vm->a &= v; return 0;
	case BPF_OR:  vm->a |= v; return 0;
	case BPF_LSH: if (v >= 32) return -1; vm->a <<= v; return 0;
	case BPF_RSH: if (v >= 32) return -1; vm->a >>= v; return 0;
	case BPF_ADD: vm->a += v; return 0;
	case BPF_SUB: vm->a -= v; return 0;
	}
	return -1;
}

static long step_jmp(const struct vm *vm, const struct sock_filter *f)
{
	uint32_t k = f->k;
	bool cond;

	if (BPF_SRC(f->code) != BPF_K)
		return -1;
	switch (BPF_OP(f->code)) {
	case BPF_JA:   return k;
	case BPF_JEQ:  cond = vm->a == k; break;
	case BPF_JGT:  cond = vm->a > k; break;
	case BPF_JGE:  cond = vm->a >= k; break;
	case BPF_JSET: cond = (vm->a & k) != 0; break;
	default:       return -1;
	}
	return cond ? f->jt : f->jf;
}

/* Runs prog on d: the returned action, or BAD. */
static uint32_t run(const struct sock_fprog *prog, const struct seccomp_data *d)
{
	struct vm vm = { 0 };

	for (unsigned pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		long skip = 0;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if ((vm.a = load_abs(d, f->k)) == BAD)
				return BAD;
			break;
		case BPF_LD | BPF_IMM:  vm.a = f->k; break;
		case BPF_LD | BPF_MEM:
			if (f->k >= BPF_MEMWORDS || !(vm.mem_set >> f->k & 1))
				return BAD;
			vm.a = vm.mem[f->k];
			break;
		case BPF_ST:
			if (f->k >= BPF_MEMWORDS)
				return BAD;
			vm.mem[f->k] = vm.a;
			vm.mem_set |= 1u << f->k;
			break;
		case BPF_MISC | BPF_TAX: vm.x = vm.a; break;
		case BPF_MISC | BPF_TXA: vm.a = vm.x; break;
		case BPF_RET | BPF_K:   return f->k;
		default:
			if (BPF_CLASS(f->code) == BPF_ALU)
				skip = step_alu(&vm, f);
			else if (BPF_CLASS(f->code) == BPF_JMP)
				skip = step_jmp(&vm, f);
			else
				skip = -1;
			if (skip < 0)
				return BAD;
		}
		pc += skip;
	}
	return BAD;     /* fell off the end */
}

static uint32_t verdict(const struct sock_fprog *prog, uint32_t arch, uint32_t nr)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch, .instruction_pointer = 0x1234 };

	return run(prog, &d);
}

/* Checks every number and some odd ones under several arches; returns prog->len. */
static int check_set(const struct sd_sysset *set)
{
	static const uint32_t odd[] = {
		SD_NR_MAX, SD_NR_MAX + 1, 1000, 0x3fffffff, 0x40000000, 0x40000000 | 1,
		0x40000000 | 59, 0x40000200, 0x7fffffff, 0x80000000, 0xffffffff,
	};
	static const uint32_t arches[] = { AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0 };
	struct sock_fprog prog;
	int len;

	assert_int_equal(sd_seccomp_build(set, &prog), 0);
	assert_true(prog.len > 0 && prog.len <= BPF_MAXINSNS);
	for (uint32_t nr = 0; nr < SD_NR_MAX; nr++) {
		uint32_t want = sd_sysset_has(set, nr) ? SECCOMP_RET_TRACE : SECCOMP_RET_ALLOW;

		if (verdict(&prog, AUDIT_ARCH_X86_64, nr) != want)
			fail_msg("nr %u: got %#x, want %#x", nr,
				 verdict(&prog, AUDIT_ARCH_X86_64, nr), want);
		for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
			assert_int_equal(verdict(&prog, arches[i], nr), SECCOMP_RET_TRACE);
	}
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		assert_int_equal(verdict(&prog, AUDIT_ARCH_X86_64, odd[i]), SECCOMP_RET_TRACE);
	len = prog.len;
	free(prog.filter);
	return len;
}

static struct sd_sysset parse(const char *spec)
{
	struct sd_sysset s;
	char err[128];

	if (sd_sysset_parse(&s, spec, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static void test_simple_sets(void **state)
{
	static const char *const specs[] = {
		"none", "all", "getppid", "read", "0", "511", "0,511", "1,2,3",
		"%file", "%desc", "%network", "%process", "%memory", "!%file",
		"!getppid", "!read", "!511", "/^[a-m]", "31,32,63,64,95,96",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct sd_sysset s = parse(specs[i]);

		check_set(&s);
	}
}

static void test_word_edges(void **state)
{
	struct sd_sysset s;

	(void)state;
	for (int lo = 0; lo < SD_NR_MAX; lo += 31) {
		sd_sysset_clear(&s);
		for (int nr = lo; nr < lo + 40 && nr < SD_NR_MAX; nr++)
			sd_sysset_add(&s, nr);
		check_set(&s);
		for (int w = 0; w < SD_NR_MAX / 32; w += 3)     /* whole 32-bit words */
			for (int nr = w * 32; nr < w * 32 + 32; nr++)
				sd_sysset_add(&s, nr);
		check_set(&s);
	}
}

static void test_patterns_stay_short(void **state)
{
	struct sd_sysset s;

	(void)state;
	sd_sysset_clear(&s);
	for (int nr = 0; nr < SD_NR_MAX; nr += 2)
		sd_sysset_add(&s, nr);
	assert_true(check_set(&s) < 70);        /* the bitmap, not 256 compares */
	sd_sysset_clear(&s);
	for (int nr = 1; nr < SD_NR_MAX; nr += 3)
		sd_sysset_add(&s, nr);
	assert_true(check_set(&s) < 70);
	s = parse("getppid");
	assert_true(check_set(&s) <= 10);
}

static void test_random_sets(void **state)
{
	struct sd_sysset s;

	(void)state;
	srand(12345);
	for (int round = 0; round < 300; round++) {
		int density = 1 + rand() % 64;

		sd_sysset_clear(&s);
		for (int nr = 0; nr < SD_NR_MAX; nr++)
			if (rand() % 64 < density)
				sd_sysset_add(&s, nr);
		check_set(&s);
	}
}

/* Child: the filter traces `set`; with no tracer those calls fail with ENOSYS.
 * Exit codes: 0 ok, 1 build, 2 install, 3 traced call ran, 4 untraced call failed. */
static int child(const struct sd_sysset *set, int untraced_nr, int traced_nr)
{
	struct sock_fprog prog;

	if (sd_seccomp_build(set, &prog))
		return 1;
	if (sd_seccomp_install(&prog))
		return 2;
	errno = 0;
	if (syscall(traced_nr) != -1 || errno != ENOSYS)
		return 3;
	if (syscall(untraced_nr) <= 0)
		return 4;
	return 0;
}

static void run_child(const struct sd_sysset *set, int untraced_nr, int traced_nr)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(set, untraced_nr, traced_nr));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("child exited with %d", WEXITSTATUS(status));
}

static void test_real_filter(void **state)
{
	struct sd_sysset s;
	struct sock_fprog prog;

	(void)state;
	/* a short compare-based program */
	s = parse("getppid");
	run_child(&s, SYS_getpid, SYS_getppid);

	/* a bitmap program, with partial and whole words: getuid, every other number
	 * of 100..199 and 448..511 (clear of what a sanitizer runtime may call) */
	sd_sysset_clear(&s);
	sd_sysset_add(&s, SYS_getuid);
	for (int nr = 100; nr < 200; nr += 2)
		sd_sysset_add(&s, nr);
	for (int nr = 448; nr < SD_NR_MAX; nr++)
		sd_sysset_add(&s, nr);
	assert_int_equal(sd_seccomp_build(&s, &prog), 0);
	assert_true(prog.len < 40);
	free(prog.filter);
	run_child(&s, SYS_getpid, SYS_getuid);
	run_child(&s, SYS_getpid, SYS_getppid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_sets),
		cmocka_unit_test(test_word_edges),
		cmocka_unit_test(test_patterns_stay_short),
		cmocka_unit_test(test_random_sets),
		cmocka_unit_test(test_real_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
