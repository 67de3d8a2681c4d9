/* fuzz_sysset.c - libFuzzer target for the -e trace=SPEC parser: any bytes must
 * either parse or fail with a message, without crashing, leaking or hanging. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/sysset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	char err[128];
	struct sd_sysset set;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (sd_sysset_parse(&set, spec, err, sizeof(err)) == 0) {
		if (sd_sysset_has(&set, -1) || sd_sysset_has(&set, SD_NR_MAX))
			abort();
	} else if (!memchr(err, '\0', sizeof(err)) || !err[0]) {
		abort();        /* every failure leaves a message */
	}
	free(spec);
	return 0;
}
