/* Unit tests for validate's masks: what varies between two runs of the original is
 * learned token by token, forgiven in the rewrite by shape, and nothing else is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "validate/mask.h"

/* Learn from a and a2, compare a with b: whether they agree; *n forgiven tokens;
 * *shown the rewrite's side as compared. */
static bool check(const char *a, const char *a2, const char *b, size_t *n, char **shown)
{
	struct sd_mask m;
	struct sb ma = SB_INIT, mb = SB_INIT;

	sd_mask_learn(&m, a, strlen(a), a2, strlen(a2), "stdout", NULL);
	assert_false(m.structural);
	bool same = sd_mask_compare(&m, a, strlen(a), b, strlen(b), &ma, &mb, n);
	if (shown)
		*shown = sb_detach(&mb);
	sb_free(&ma);
	sb_free(&mb);
	sd_mask_free(&m);
	return same;
}

static void test_timestamps_and_tokens(void **state)
{
	(void)state;
	size_t n;
	char *shown;
	const char *a = "t=1796542018.123456\nid=abcd1234\ntotal=5\n";
	const char *a2 = "t=1796545618.000917\nid=ff001122\ntotal=5\n";
	assert_true(check(a, a2, "t=1700000000.765432\nid=0123beef\ntotal=5\n", &n, &shown));
	assert_int_equal(n, 3);
	assert_string_equal(shown, "t=<dec:10>.<dec:6>\nid=<hex:8>\ntotal=5\n");
	free(shown);
	/* a hex token one character short is not the same shape */
	assert_false(check(a, a2, "t=1700000000.765432\nid=0123bee\ntotal=5\n", &n, NULL));
	/* a wrong total next to a timestamp is still a difference */
	assert_false(check(a, a2, "t=1700000000.765432\nid=0123beef\ntotal=6\n", &n, NULL));
	/* so is a wrong date format where the original prints a number */
	assert_false(check(a, a2, "t=2026-12-06T07:26\nid=0123beef\ntotal=5\n", &n, NULL));
	/* a smaller number has fewer digits: fine */
	assert_true(check("n=4096\n", "n=8192\n", "n=512\n", &n, NULL));
	/* letters where the original has digits only: not the same shape */
	assert_false(check("n=4096\n", "n=8192\n", "n=5x2\n", &n, NULL));
}

static void test_shuffle(void **state)
{
	(void)state;
	size_t n;
	/* another order of the same list, position by position */
	assert_true(check("[2, 7, 8, 5]\n", "[7, 2, 5, 8]\n", "[8, 5, 2, 7]\n", &n, NULL));
	assert_int_equal(n, 4);
	/* a list whose elements mostly vary is an order: those that happened to come out
	 * the same in both runs (3 first, 1 last) vary too */
	assert_true(check("shuffled 3 8 4 7 5 9 2 6 0 1\n", "shuffled 3 5 0 4 9 2 6 7 8 1\n",
			  "shuffled 9 0 1 2 3 4 5 6 7 8\n", &n, NULL));
	assert_int_equal(n, 10);
	/* but not the number that follows it */
	assert_false(check("shuffled 3 8 4 7 5\ntotal 27\n", "shuffled 3 5 4 7 8\ntotal 27\n",
			   "shuffled 9 8 4 3 7\ntotal 28\n", &n, NULL));
	/* one element more is not */
	assert_false(check("[2, 7, 8, 5]\n", "[7, 2, 5, 8]\n", "[8, 5, 2, 7, 1]\n", &n, NULL));
}

static void test_fixed_output(void **state)
{
	(void)state;
	size_t n;
	/* nothing varies: every byte must match */
	assert_true(check("Hello, World!\n", "Hello, World!\n", "Hello, World!\n", &n, NULL));
	assert_int_equal(n, 0);
	assert_false(check("Hello, World!\n", "Hello, World!\n", "Hello World!\n", &n, NULL));
}

static void test_structural(void **state)
{
	(void)state;
	struct sd_mask m;
	const char *a = "a\nb\n", *a2 = "a\nb\nc\nd\n";
	sd_mask_learn(&m, a, strlen(a), a2, strlen(a2), "stdout", NULL);
	assert_true(m.structural);
	assert_non_null(m.why);
	assert_non_null(strstr(m.why, "stdout"));
	sd_mask_free(&m);
}

static void test_user_regex(void **state)
{
	(void)state;
	struct sd_mask m;
	struct sb ma = SB_INIT, mb = SB_INIT;
	size_t n;
	char *re[] = { "run [a-z]+", NULL };
	const char *a = "run alpha ok\n", *b = "run omega ok\n";
	sd_mask_learn(&m, a, strlen(a), a, strlen(a), "stdout", re);
	assert_true(sd_mask_compare(&m, a, strlen(a), b, strlen(b), &ma, &mb, &n));
	assert_string_equal(sb_str(&mb), "<masked> ok\n");
	sb_free(&ma);
	sb_free(&mb);
	sd_mask_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps_and_tokens),
		cmocka_unit_test(test_shuffle),
		cmocka_unit_test(test_fixed_output),
		cmocka_unit_test(test_structural),
		cmocka_unit_test(test_user_regex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
