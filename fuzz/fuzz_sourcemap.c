/* fuzz_sourcemap.c - libFuzzer target for the untrusted text of source correlation:
 * transpiler source maps (--source-map) and symbol names to demangle (they come from
 * the traced program's files).  Any bytes must parse or fail with a one-line message
 * naming the file, and lookups in whatever parsed must stay consistent: a hit names
 * the map's source file and a line >= 1, without crashing, leaking or hanging. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcloc/srcloc.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_sourcemap: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct sd_srcmap *m = sd_srcmap_parse((const char *)data, size, "fuzz.map.json", &err);
	if (!m) {
		CHECK(err && strstr(err, "fuzz.map.json") && !strchr(err, '\n'));
		free(err);
	} else {
		static const char *const paths[] = {
			"main.rs", "src/main.rs", "/p/src/main.rs", "/main.rs", "a.rs", "", "/", "x/y",
		};
		for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
			for (int line = -1; line < 70; line += 7) {
				struct sd_srcmap_hit h;
				if (sd_srcmap_lookup(m, paths[i], line, i % 2 ? "app::main" : NULL, &h))
					CHECK(h.file && h.file[0] && h.line >= 1 && line >= 1);
			}
		sd_srcmap_free(m);
	}
	/* the same bytes as a symbol name */
	char *name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = 0;
	char *d = sd_demangle(name);
	if (d)
		CHECK(strlen(d) < 8192);
	free(d);
	free(name);
	return 0;
}
