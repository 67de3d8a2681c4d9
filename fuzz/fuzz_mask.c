/* fuzz_mask: validate's masks over arbitrary program output.  The input is split at
 * its first two NUL bytes into a, a2 and b: the mask is learned from a and a2 (two runs
 * of an original), then a is compared with itself (must agree, nothing forgiven when
 * a == a2) and with b.  Nothing may crash, hang or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate/mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *z1 = memchr(p, 0, size);
	const char *a = p, *a2, *b;
	size_t na, na2, nb;

	if (!z1)
		return 0;
	na = (size_t)(z1 - a);
	a2 = z1 + 1;
	const char *z2 = memchr(a2, 0, (size_t)(end - a2));
	if (!z2)
		return 0;
	na2 = (size_t)(z2 - a2);
	b = z2 + 1;
	nb = (size_t)(end - b);
	if (na > 4096 || na2 > 4096 || nb > 4096)
		return 0;
	for (int names = 0; names < 2; names++) {
		struct sd_mask m;
		struct sb ma = SB_INIT, mb = SB_INIT;
		size_t n;
		if (names)
			sd_mask_learn_names(&m, a, na, a2, na2, "fuzz");
		else
			sd_mask_learn(&m, a, na, a2, na2, "fuzz", NULL);
		if (!sd_mask_compare(&m, a, na, a, na, &ma, &mb, &n))
			abort();   /* the original agrees with itself */
		if (na == na2 && !memcmp(a, a2, na) && (m.nvar || n))
			abort();   /* nothing varies between identical runs */
		sb_free(&ma);
		sb_free(&mb);
		sd_mask_compare(&m, a, na, b, nb, &ma, &mb, &n);
		sb_free(&ma);
		sb_free(&mb);
		sd_mask_free(&m);
	}
	return 0;
}
