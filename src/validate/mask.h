/* mask.h - what still varies between two runs of the original, found by comparing them,
 * and the comparison of the original with the rewrite that forgives exactly that.
 *
 * Text is cut into tokens: a run of letters and digits, or one other byte.  Two runs of
 * the original are aligned token by token (Myers on token hashes); a token that differs
 * between them where the runs agree around it is variable, and its shape is what both
 * values share: a character class (decimal digits < hexadecimal < letters and digits)
 * and the range of lengths seen.  Comparing the original with the rewrite, an aligned
 * pair of tokens counts as equal when the original's token is variable and the
 * rewrite's has its shape; everything else must match byte for byte.  So a timestamp,
 * a random hex token or a pid is forgiven where the original's own runs disagree, and a
 * token of 15 digits where the original writes 16, a wrong date format or a wrong
 * total next to a timestamp are not.  Where the original's runs differ by more than
 * tokens of one shape (lines in another order, a different number of tokens), the
 * stream is not deterministic: masking would be guessing, so that is reported. */
#ifndef SD_MASK_H
#define SD_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/util.h"

/* The variable tokens of one stream of the original. */
struct sd_mask {
	struct sd_mask_tok *tok;     /* the original's tokens (first run), with their shapes */
	size_t ntok;
	size_t nvar;                 /* how many are variable */
	bool structural;             /* the runs differ by more than tokens of one shape */
	char *name;                  /* the stream, for messages */
	char *why;                   /* structural: where (malloc'd) */
	char *const *regexes;        /* --mask: spans masked on both sides (not owned) */
	bool names;                  /* names, not text: '_' is part of a word */
	struct sb listing;           /* each variable token with both runs' values (for -v) */
};

/* Learn the mask of a stream from two runs of the original (a, b).  name names the stream
 * in messages ("stdout", "/tmp/report.txt").  Extra regular expressions (--mask; POSIX
 * extended, may be NULL-ended empty) mark matching spans of a as variable as well. */
void sd_mask_learn(struct sd_mask *m, const char *a, size_t na, const char *b, size_t nb,
		   const char *name, char *const *regexes);

/* The same for the last component of a path: '_' (tempfile's alphabet) is part of a
 * word there. */
void sd_mask_learn_names(struct sd_mask *m, const char *a, size_t na, const char *b, size_t nb,
			 const char *name);

/* Compare the original's stream a (the run the mask was learned from) with the rewrite's
 * b.  Returns true when they agree after masking; *ma and *mb get copies of both with
 * every forgiven token replaced by its shape ("<dec:10>", "<hex:32>"), for a diff of
 * what remains; *nmasked counts the forgiven tokens. */
bool sd_mask_compare(const struct sd_mask *m, const char *a, size_t na, const char *b,
		     size_t nb, struct sb *ma, struct sb *mb, size_t *nmasked);

/* Another pair of runs of the same original (learned from the same first run): what
 * varies there varies too. */
void sd_mask_merge(struct sd_mask *into, const struct sd_mask *from);

void sd_mask_free(struct sd_mask *m);

/* Is re a --mask the masks can use (a POSIX extended regular expression)? */
bool sd_mask_regex_ok(const char *re);

#endif
