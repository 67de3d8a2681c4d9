/* test_syscalls.c - the x86_64 syscall table: names, numbers, nargs, classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/syscalls.h"

/* Both generated tables, read directly, to check that they agree row by row. */
static const char *const names_rows[SD_NR_MAX] = {
#define SD_SYSCALL(nr, sym) [nr] = #sym,
#include "arch/syscall_names.h"
#undef SD_SYSCALL
};

static const char *const class_rows[SD_NR_MAX] = {
#define SD_SYSCLASS(nr, sym, n, fl) [nr] = #sym,
#include "arch/syscall_classes.h"
#undef SD_SYSCLASS
};

static void test_round_trip(void **state)
{
	int known = 0;

	(void)state;
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		const char *name = sd_syscall_name(nr);

		if (!name)
			continue;
		known++;
		assert_int_equal(sd_syscall_nr(name), nr);
	}
	assert_true(known > 380);
}

static void test_known_numbers(void **state)
{
	(void)state;
	assert_int_equal(sd_syscall_nr("read"), 0);
	assert_int_equal(sd_syscall_nr("openat"), 257);
	assert_int_equal(sd_syscall_nr("execve"), 59);
	assert_int_equal(sd_syscall_nr("exit_group"), 231);
	assert_int_equal(sd_syscall_nr("_sysctl"), 156);
	assert_int_equal(sd_syscall_nr("clone3"), 435);
	assert_int_equal(sd_syscall_nr("set_mempolicy_home_node"), 450);
	/* the ones newer than the 6.1 header, from syscall_extra.txt */
	assert_int_equal(sd_syscall_nr("uretprobe"), 335);
	assert_int_equal(sd_syscall_nr("uprobe"), 336);
	assert_int_equal(sd_syscall_nr("cachestat"), 451);
	assert_int_equal(sd_syscall_nr("map_shadow_stack"), 453);
	assert_int_equal(sd_syscall_nr("futex_wait"), 455);
	assert_int_equal(sd_syscall_nr("mseal"), 462);
	assert_int_equal(sd_syscall_nr("open_tree_attr"), 467);
	assert_int_equal(sd_syscall_nr("file_getattr"), 468);
	assert_int_equal(sd_syscall_nr("file_setattr"), 469);
	assert_int_equal(sd_syscall_max(), 470);
}

static void test_unknown(void **state)
{
	(void)state;
	assert_int_equal(sd_syscall_nr("opn"), -1);
	assert_int_equal(sd_syscall_nr(""), -1);
	assert_int_equal(sd_syscall_nr(NULL), -1);
	assert_int_equal(sd_syscall_nr("OPEN"), -1);
	assert_null(sd_syscall_name(-1));
	assert_null(sd_syscall_name(400));      /* the reserved 387..423 gap */
	assert_null(sd_syscall_name(470));
	assert_null(sd_syscall_name(SD_NR_MAX));
	assert_null(sd_syscall_name(0x40000000));
	assert_int_equal(sd_syscall_nargs(400), 6);
	assert_int_equal(sd_syscall_nargs(-5), 6);
	assert_int_equal(sd_syscall_nargs(100000), 6);
	assert_int_equal(sd_syscall_flags(400), 0);
	assert_int_equal(sd_syscall_flags(-1), 0);
}

static void expect(const char *name, int nargs, unsigned flags)
{
	int nr = sd_syscall_nr(name);

	assert_true(nr >= 0);
	assert_int_equal(sd_syscall_nargs(nr), nargs);
	assert_int_equal(sd_syscall_flags(nr), flags);
}

static void test_classes(void **state)
{
	(void)state;
	expect("openat", 4, SD_TD | SD_TF);
	expect("read", 3, SD_TD);
	expect("getppid", 0, SD_PU);
	expect("getuid", 0, SD_TC | SD_PU);
	expect("futex", 6, 0);
	expect("execve", 3, SD_TF | SD_TP);
	expect("execveat", 5, SD_TD | SD_TF | SD_TP);
	expect("kill", 2, SD_TS | SD_TP);
	expect("exit_group", 1, SD_TP);
	expect("mmap", 6, SD_TD | SD_TM);
	expect("socket", 3, SD_TN);
	expect("semop", 3, SD_TI);
	expect("clock_gettime", 2, SD_TCL);
	expect("stat", 2, SD_TF | SD_TST | SD_TSTA);
	expect("lstat", 2, SD_TF | SD_TLST | SD_TSTA);
	expect("fstat", 2, SD_TD | SD_TFST | SD_TSTA);
	expect("newfstatat", 4, SD_TD | SD_TF | SD_TFST | SD_TSTA);
	expect("statx", 5, SD_TD | SD_TF | SD_TFST | SD_TSTA);
	expect("statfs", 2, SD_TF | SD_TSF | SD_TSFA);
	expect("fstatfs", 2, SD_TD | SD_TFSF | SD_TSFA);
	expect("ustat", 2, SD_TSFA);
	expect("file_setattr", 5, SD_TD | SD_TF);
}

/* Every syscall has a classes row (fails when syscall_classes.txt misses one). */
static void test_every_syscall_has_classes(void **state)
{
	(void)state;
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		if (!names_rows[nr] && !class_rows[nr])
			continue;
		if (!names_rows[nr] || !class_rows[nr] || strcmp(names_rows[nr], class_rows[nr]))
			fail_msg("syscall %d: name '%s' but classes row '%s'", nr,
				 names_rows[nr] ? names_rows[nr] : "(none)",
				 class_rows[nr] ? class_rows[nr] : "(none)");
	}
}

/* Consistency rules between the classes. */
static void test_class_rules(void **state)
{
	(void)state;
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		unsigned f = sd_syscall_flags(nr);
		int n = sd_syscall_nargs(nr);

		assert_in_range(n, 0, 6);
		if (f & SD_PU)
			assert_int_equal(n, 0);
		if (f & (SD_TST | SD_TLST | SD_TFST))
			assert_true(f & SD_TSTA);
		if (f & (SD_TSF | SD_TFSF))
			assert_true(f & SD_TSFA);
	}
}

static unsigned flag_of(const char *word)
{
	static const char *const names[] = {
		"TF", "TD", "TN", "TP", "TM", "TS", "TI", "TC", "TCL",
		"TST", "TLST", "TFST", "TSTA", "TSF", "TFSF", "TSFA", "PU",
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], word))
			return 1u << i;     /* the SD_* flags follow this order */
	fail_msg("unknown class word '%s'", word);
	return 0;
}

static unsigned parse_flags(char *text)
{
	unsigned flags = 0;

	if (!strcmp(text, "-"))
		return 0;
	for (char *w = strtok(text, "|"); w; w = strtok(NULL, "|"))
		flags |= flag_of(w);
	return flags;
}

/* The compiled table matches the hand-kept syscall_classes.txt (catches a header
 * not regenerated after editing the text).  Skipped outside the source tree. */
static void test_classes_txt_is_current(void **state)
{
	FILE *f = fopen("src/arch/syscall_classes.txt", "r");
	char line[256], name[128], flags[128];
	int nargs, rows = 0, known = 0;

	(void)state;
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		int nr;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%127s %d %127s", name, &nargs, flags), 3);
		nr = sd_syscall_nr(name);
		if (nr < 0)
			fail_msg("syscall_classes.txt names unknown syscall '%s'", name);
		if (sd_syscall_nargs(nr) != nargs || sd_syscall_flags(nr) != parse_flags(flags))
			fail_msg("%s: syscall_classes.h is stale, run scripts/gen-syscalls.sh", name);
		rows++;
	}
	fclose(f);
	for (int nr = 0; nr < SD_NR_MAX; nr++)
		known += sd_syscall_name(nr) != NULL;
	assert_int_equal(rows, known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_known_numbers),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_every_syscall_has_classes),
		cmocka_unit_test(test_class_rules),
		cmocka_unit_test(test_classes_txt_is_current),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
