/* test_diff.c - the sequence diff: hand cases, a property test against a naive LCS
 * dynamic program, the cost-limit heuristic, and a million-element input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compare/diff.h"

/* ---- helpers ---------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)                /* splitmix64 */
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* Check that ops form a valid script for a/b (cursors, coverage, equality, merging,
 * DEL before INS) and return its cost, the number of deleted plus inserted elements. */
static size_t check_script(const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                           const struct sd_diff_op *ops, size_t nops)
{
	size_t ca = 0, cb = 0, cost = 0;
	for (size_t i = 0; i < nops; i++) {
		const struct sd_diff_op *op = &ops[i];
		assert_true(op->len > 0);
		assert_int_equal(op->a, ca);
		assert_int_equal(op->b, cb);
		if (i > 0) {
			assert_int_not_equal(op->kind, ops[i - 1].kind);
			/* at one position a deletion comes first */
			assert_false(op->kind == SD_DIFF_DEL && ops[i - 1].kind == SD_DIFF_INS);
		}
		switch (op->kind) {
		case SD_DIFF_EQ:
			assert_true(ca + op->len <= n && cb + op->len <= m);
			for (size_t j = 0; j < op->len; j++)
				assert_true(a[ca + j] == b[cb + j]);
			ca += op->len;
			cb += op->len;
			break;
		case SD_DIFF_DEL:
			assert_true(ca + op->len <= n);
			ca += op->len;
			cost += op->len;
			break;
		case SD_DIFF_INS:
			assert_true(cb + op->len <= m);
			cb += op->len;
			cost += op->len;
			break;
		default:
			fail_msg("bad op kind %d", (int)op->kind);
		}
	}
	assert_int_equal(ca, n);
	assert_int_equal(cb, m);
	return cost;
}

/* Rebuild A and B from the script: A from EQ+DEL runs, B from EQ+INS runs (the keys of
 * an EQ run are taken from A, of an INS run from B). */
static void check_rebuild(const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                          const struct sd_diff_op *ops, size_t nops)
{
	uint64_t *ra = malloc((n + 1) * sizeof *ra), *rb = malloc((m + 1) * sizeof *rb);
	size_t la = 0, lb = 0;
	for (size_t i = 0; i < nops; i++) {
		const struct sd_diff_op *op = &ops[i];
		for (size_t j = 0; j < op->len; j++) {
			if (op->kind != SD_DIFF_INS)
				ra[la++] = a[op->a + j];
			if (op->kind == SD_DIFF_EQ)
				rb[lb++] = a[op->a + j];
			else if (op->kind == SD_DIFF_INS)
				rb[lb++] = b[op->b + j];
		}
	}
	assert_int_equal(la, n);
	assert_int_equal(lb, m);
	assert_true(n == 0 || memcmp(ra, a, n * sizeof *a) == 0);
	assert_true(m == 0 || memcmp(rb, b, m * sizeof *b) == 0);
	free(ra);
	free(rb);
}

static size_t lcs_naive(const uint64_t *a, size_t n, const uint64_t *b, size_t m)
{
	size_t *row = calloc(m + 1, sizeof *row);
	for (size_t i = 1; i <= n; i++) {
		size_t diag = 0;                   /* L[i-1][j-1] */
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			if (a[i - 1] == b[j - 1])
				row[j] = diag + 1;
			else if (row[j - 1] > row[j])
				row[j] = row[j - 1];
			diag = up;
		}
	}
	size_t r = row[m];
	free(row);
	return r;
}

/* Diff, check validity, return the cost; *exact_out gets the flag. */
static size_t run(const uint64_t *a, size_t n, const uint64_t *b, size_t m, size_t max_cost,
                  bool *exact_out)
{
	struct sd_diff_opts o = { max_cost };
	size_t nops = 12345;
	bool exact = false;
	struct sd_diff_op *ops = sd_diff(a, n, b, m, &o, &nops, &exact);
	assert_non_null(ops);
	size_t cost = check_script(a, n, b, m, ops, nops);
	check_rebuild(a, n, b, m, ops, nops);
	free(ops);
	if (exact_out)
		*exact_out = exact;
	return cost;
}

/* Ops of a diff as a compact string: "=3 -1 +2" (EQ 3, DEL 1, INS 2). */
static char *ops_str(const uint64_t *a, size_t n, const uint64_t *b, size_t m)
{
	size_t nops;
	bool exact;
	struct sd_diff_op *ops = sd_diff(a, n, b, m, NULL, &nops, &exact);
	assert_true(exact);
	check_script(a, n, b, m, ops, nops);
	static char buf[256];
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < nops; i++) {
		char c = ops[i].kind == SD_DIFF_EQ ? '=' : ops[i].kind == SD_DIFF_DEL ? '-' : '+';
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%c%zu", i ? " " : "", c, ops[i].len);
	}
	free(ops);
	return buf;
}

#define SEQ(...) ((const uint64_t[]){ __VA_ARGS__ })
#define LEN(...) (sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))
#define DIFF(A, B) ops_str(SEQ A, LEN A, SEQ B, LEN B)

/* ---- hand cases ------------------------------------------------------------------- */

static void test_empty(void **state)
{
	(void)state;
	size_t nops = 99;
	bool exact = false;
	struct sd_diff_op *ops = sd_diff(NULL, 0, NULL, 0, NULL, &nops, &exact);
	assert_non_null(ops);
	assert_int_equal(nops, 0);
	assert_true(exact);
	free(ops);

	uint64_t one = 7;
	ops = sd_diff(NULL, 0, &one, 1, NULL, &nops, &exact);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].kind, SD_DIFF_INS);
	assert_int_equal(ops[0].a, 0);
	assert_int_equal(ops[0].b, 0);
	assert_int_equal(ops[0].len, 1);
	free(ops);

	ops = sd_diff(&one, 1, NULL, 0, NULL, &nops, &exact);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].kind, SD_DIFF_DEL);
	assert_int_equal(ops[0].len, 1);
	free(ops);

	/* exact may be NULL */
	ops = sd_diff(&one, 1, &one, 1, NULL, &nops, NULL);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].kind, SD_DIFF_EQ);
	free(ops);
}

static void test_hand(void **state)
{
	(void)state;
	assert_string_equal(DIFF((1, 2, 3, 4), (1, 2, 3, 4)), "=4");
	assert_string_equal(DIFF((1, 2, 3), (9, 1, 2, 3)), "+1 =3");
	assert_string_equal(DIFF((1, 2, 3), (1, 9, 2, 3)), "=1 +1 =2");
	assert_string_equal(DIFF((1, 2, 3), (1, 2, 3, 9)), "=3 +1");
	assert_string_equal(DIFF((1, 2, 3), (2, 3)), "-1 =2");
	assert_string_equal(DIFF((1, 2, 3), (1, 3)), "=1 -1 =1");
	assert_string_equal(DIFF((1, 2, 3), (1, 2)), "=2 -1");
	/* a substitution: the deletion comes before the insertion */
	assert_string_equal(DIFF((1, 2, 3), (1, 9, 3)), "=1 -1 +1 =1");
	assert_string_equal(DIFF((1, 2, 3, 4, 5), (1, 8, 9, 4, 5)), "=1 -2 +2 =2");
	assert_string_equal(DIFF((1), (2)), "-1 +1");
	assert_string_equal(DIFF((1, 2, 3), (4, 5, 6, 7)), "-3 +4");
	/* a swapped pair costs 2: one element moves */
	const char *s = DIFF((1, 2, 3, 4), (1, 3, 2, 4));
	assert_true(strcmp(s, "=1 -1 =1 +1 =1") == 0 || strcmp(s, "=1 +1 =1 -1 =1") == 0);

	/* positions of a substitution in the middle */
	size_t nops;
	bool exact;
	const uint64_t a[] = { 1, 2, 3, 4 }, b[] = { 1, 9, 9, 4 };
	struct sd_diff_op *ops = sd_diff(a, 4, b, 4, NULL, &nops, &exact);
	assert_int_equal(nops, 4);
	assert_int_equal(ops[1].kind, SD_DIFF_DEL);
	assert_int_equal(ops[1].a, 1);
	assert_int_equal(ops[1].b, 1);
	assert_int_equal(ops[1].len, 2);
	assert_int_equal(ops[2].kind, SD_DIFF_INS);
	assert_int_equal(ops[2].a, 3);
	assert_int_equal(ops[2].b, 1);
	assert_int_equal(ops[2].len, 2);
	assert_int_equal(ops[3].a, 3);
	assert_int_equal(ops[3].b, 3);
	free(ops);

	/* key 0 and the largest key are keys like any other */
	s = DIFF((0, UINT64_MAX, 0), (UINT64_MAX, 0, 0));
	assert_true(strcmp(s, "-1 =2 +1") == 0 || strcmp(s, "+1 =1 -1 =1") == 0);
	assert_string_equal(DIFF((0, 0, 5), (0, 5)), "=1 -1 =1");
}

/* ---- property test against the LCS dynamic program -------------------------------- */

static void fill(uint64_t *v, size_t n, size_t alpha)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rnd_below(alpha);
}

/* B is either independent of A or an edited copy of A (closer pairs, longer snakes). */
static size_t make_pair(uint64_t *a, uint64_t *b, size_t maxlen, size_t alpha, size_t *m)
{
	size_t n = rnd_below(maxlen + 1);
	fill(a, n, alpha);
	if (rnd() & 1) {
		*m = rnd_below(maxlen + 1);
		fill(b, *m, alpha);
		return n;
	}
	size_t j = 0;
	for (size_t i = 0; i < n && j < maxlen; i++) {
		unsigned r = (unsigned)rnd_below(10);
		if (r == 0)
			continue;                              /* delete */
		if (r == 1 && j < maxlen)
			b[j++] = rnd_below(alpha + 2);         /* insert, maybe a key A lacks */
		if (j < maxlen)
			b[j++] = r == 2 ? rnd_below(alpha + 2) : a[i];
	}
	*m = j;
	return n;
}

static void test_random_vs_lcs(void **state)
{
	(void)state;
	uint64_t a[60], b[60];
	size_t cases = 0;
	rng_state = 42;
	for (int iter = 0; iter < 20000; iter++) {
		size_t alpha = 1 + (size_t)iter % 5;
		size_t m, n = make_pair(a, b, 60, alpha, &m);
		size_t want = n + m - 2 * lcs_naive(a, n, b, m);
		bool exact;
		size_t cost = run(a, n, b, m, 0, &exact);
		assert_true(exact);                     /* 120 elements never reach the limit */
		if (cost != want)
			fail_msg("iter %d: cost %zu, minimal %zu", iter, cost, want);
		/* a limit just at the cost keeps it exact (the one-sided-key pass runs too) */
		if (want) {
			cost = run(a, n, b, m, want, &exact);
			assert_true(exact);
			assert_int_equal(cost, want);
		}
		cases++;
	}
	assert_int_equal(cases, 20000);
}

/* Larger alphabets: many keys are on one side only and get set aside first. */
static void test_random_one_sided_keys(void **state)
{
	(void)state;
	uint64_t a[60], b[60];
	rng_state = 7;
	for (int iter = 0; iter < 5000; iter++) {
		size_t alpha = 5 + (size_t)iter % 40;
		size_t m, n = make_pair(a, b, 60, alpha, &m);
		size_t want = n + m - 2 * lcs_naive(a, n, b, m);
		bool exact;
		size_t cost = run(a, n, b, m, 1 + (size_t)iter % 8, &exact);
		if (exact)
			assert_int_equal(cost, want);
		else
			assert_true(cost >= want);
	}
}

/* ---- the cost limit ---------------------------------------------------------------- */

static void test_tiny_limit(void **state)
{
	(void)state;
	uint64_t a[200], b[200];
	size_t inexact = 0, total = 0;
	rng_state = 1234;
	for (int iter = 0; iter < 3000; iter++) {
		size_t alpha = 1 + (size_t)iter % 5;
		size_t m, n = make_pair(a, b, 200, alpha, &m);
		size_t want = n + m - 2 * lcs_naive(a, n, b, m);
		size_t limit = 1 + (size_t)iter % 3;
		bool exact;
		size_t cost = run(a, n, b, m, limit, &exact);
		assert_true(cost >= want);
		if (exact)
			assert_int_equal(cost, want);
		if (want > limit) {
			total++;
			inexact += !exact;
		}
	}
	/* above the limit the heuristic is what usually answers */
	assert_true(inexact > total / 2);

	/* a pair that cannot be done within cost 2: exact == false, still valid */
	const uint64_t x[] = { 1, 2, 1, 2, 1, 2, 1, 2 }, y[] = { 2, 1, 2, 2, 1, 1, 2, 1 };
	bool exact = true;
	size_t cost = run(x, 8, y, 8, 2, &exact);
	assert_false(exact);
	assert_true(cost >= 8 + 8 - 2 * lcs_naive(x, 8, y, 8));
}

/* Two unrelated sequences over two keys: far beyond the limit, finishes, valid. */
static void test_limit_large(void **state)
{
	(void)state;
	size_t n = 20000, m = 25000;
	uint64_t *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
	rng_state = 99;
	fill(a, n, 2);
	fill(b, m, 2);
	bool exact = true;
	size_t cost = run(a, n, b, m, 64, &exact);
	assert_false(exact);
	assert_true(cost >= m - n && cost <= n + m);
	free(a);
	free(b);
}

/* Keys found on one side only are set aside when the limit is reached: 1000 shared keys
 * (two of them dropped from B) among 3000 keys only A has and 3000 only B has cost 6002,
 * far above a limit of 64, yet the script is minimal and exact. */
static void test_one_sided_keys_exact(void **state)
{
	(void)state;
	uint64_t *a = malloc(4000 * sizeof *a), *b = malloc(4000 * sizeof *b);
	size_t n = 0, m = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		a[n++] = i;
		if (i != 300 && i != 700)
			b[m++] = i;
		for (uint64_t j = 0; j < 3; j++) {
			a[n++] = 1000000 + 3 * i + j;
			b[m++] = 2000000 + 3 * i + j;
		}
	}
	assert_int_equal(n, 4000);
	assert_int_equal(m, 3998);
	bool exact = false;
	assert_int_equal(run(a, n, b, m, 64, &exact), 6002);
	assert_true(exact);
	free(a);
	free(b);
}

/* ---- scale ------------------------------------------------------------------------- */

/* 1,000,000 distinct keys; B has 50 of them replaced, 25 deleted and 25 new keys inserted,
 * at scattered places: the minimal cost is 2*50 + 25 + 25 = 150. */
static void test_million_unique(void **state)
{
	(void)state;
	const size_t n = 1000000;
	uint64_t *a = malloc(n * sizeof *a), *b = malloc((n + 100) * sizeof *b);
	rng_state = 2024;
	for (size_t i = 0; i < n; i++)
		a[i] = rnd();
	unsigned char *what = calloc(n, 1);     /* 1 replace, 2 delete, 3 insert before */
	for (int c = 0; c < 100; c++) {
		size_t i;
		do
			i = 1 + rnd_below(n - 2);
		while (what[i] || what[i - 1] || what[i + 1]);
		what[i] = (unsigned char)(c < 50 ? 1 : c < 75 ? 2 : 3);
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (what[i] == 3)
			b[m++] = rnd();
		if (what[i] == 1)
			b[m++] = rnd();
		else if (what[i] != 2)
			b[m++] = a[i];
	}
	assert_int_equal(m, n);
	bool exact = false;
	assert_int_equal(run(a, n, b, m, 0, &exact), 150);
	assert_true(exact);
	free(what);
	free(a);
	free(b);
}

/* The same shape over a small alphabet (trace events repeat): 100 changes, cost at most
 * 200, exact, valid. */
static void test_million_repetitive(void **state)
{
	(void)state;
	const size_t n = 1000000;
	uint64_t *a = malloc(n * sizeof *a), *b = malloc((n + 100) * sizeof *b);
	rng_state = 77;
	fill(a, n, 50);
	size_t m = 0, next = n / 101;
	int changes = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == next && changes < 100) {
			switch (changes++ % 4) {
			case 0: b[m++] = 1000 + rnd_below(5); break;       /* replace */
			case 1: break;                                     /* delete */
			case 2: b[m++] = rnd_below(50); b[m++] = a[i]; break; /* insert */
			default: b[m++] = a[i] + 1; break;                 /* replace */
			}
			next += n / 101;
			continue;
		}
		b[m++] = a[i];
	}
	bool exact = false;
	size_t cost = run(a, n, b, m, 0, &exact);
	assert_true(exact);
	assert_true(cost >= 1 && cost <= 150);   /* 50 replacements, 25 deletions, 25 insertions */
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_hand),
		cmocka_unit_test(test_random_vs_lcs),
		cmocka_unit_test(test_random_one_sided_keys),
		cmocka_unit_test(test_tiny_limit),
		cmocka_unit_test(test_limit_large),
		cmocka_unit_test(test_one_sided_keys_exact),
		cmocka_unit_test(test_million_unique),
		cmocka_unit_test(test_million_repetitive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
