/* calibrate.h - what still varies between runs of the original, measured: validate runs
 * the original once more (or N times: --calibrate N) with another seed and clock start,
 * and learns from the differences what the comparison with the rewrite must forgive.
 *
 *  - stdout, stderr and the contents of files both runs changed: variable tokens by
 *    shape (mask.h);
 *  - names: a path one run used and the other did not, in the same directory with a
 *    last component of the same shape (a temporary file), becomes a placeholder, $TMP1,
 *    $TMP2... in the order the original first named them; the rewrite's names that fit
 *    the same directories and shapes get the same placeholders in its own order, so a
 *    name is the same placeholder in every call that names it, on both sides;
 *  - anything else that differs between the original's runs (its exit status, a path
 *    of no shape the other run has, output that differs by more than tokens) means the
 *    original is not deterministic there: that is said, not guessed at.
 * Everything masked is listed for -v with both runs' values. */
#ifndef SD_CALIBRATE_H
#define SD_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include "compare/normalize.h"
#include "sandbox/fschanges.h"
#include "validate/mask.h"

struct sd_file_mask {
	char *path;                 /* through the original's placeholders */
	struct sd_mask m;
};

struct sd_calib {
	int runs;                   /* extra runs of the original (0: off) */
	bool learned;               /* the masks below are set (runs, or --mask alone) */
	struct sd_mask std[2];      /* stdout, stderr */
	struct sd_path_map *maps[3];    /* name -> placeholder: of the original, the rewrite,
					   the original's extra run */
	size_t nmaps[3];
	struct sd_file_mask *files; /* contents of files the original writes differently */
	size_t nfiles;
	char *unstable;             /* the original is not deterministic here: why */
	struct sb listing;          /* -v: what was masked, with both runs' values */
	size_t nnames;              /* names given placeholders */
};

struct sd_validation;

/* Learn from v->run[0] and v->run[2..2+runs) (the original's runs) what varies, and
 * find the rewrite's (v->run[1]) names for the original's variable ones. */
void sd_calibrate(struct sd_validation *v, int runs, char *const *regexes, struct sd_calib *c);
void sd_calib_free(struct sd_calib *c);

/* The mask of the original's file at path (through its placeholders), or NULL. */
const struct sd_mask *sd_calib_file(const struct sd_calib *c, const char *path);

/* A path through the placeholders of side (0 original, 1 rewrite, 2 extra run). */
char *sd_calib_name(const struct sd_calib *c, int side, const char *path);

#endif
