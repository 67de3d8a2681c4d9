/* diff.h - shortest edit script between two sequences of 64-bit keys (Myers O(ND), linear space).
 *
 * The algorithm is E. W. Myers, "An O(ND) Difference Algorithm and Its Variations"
 * (Algorithmica 1, 1986), with the linear-space refinement: find the middle snake of an
 * optimal path by searching forward from the top-left corner and backward from the
 * bottom-right corner at once, then solve the two halves.  The halves are kept on an
 * explicit work stack (no recursion), so the depth of the input never reaches the C stack.
 *
 * A common prefix and suffix are trimmed first (and again from every piece).
 *
 * Cost limit.  One middle-snake search for a piece of edit cost C stops after
 * D = ceil(C/2) steps in each direction and costs O((N+M)·D) time at worst.  Searches
 * stop after ceil(max_cost/2) steps instead, and then:
 *   1. If it is the first search (the whole problem), keys that occur in only one of the
 *      two sequences are set aside and the search starts again.  Such elements can never
 *      be matched, so this changes no longest common subsequence and the script stays
 *      minimal; two unrelated traces (few keys in common) shrink to almost nothing.
 *   2. Otherwise (or if it is still too expensive) the furthest-reaching points of the
 *      forward and the backward search (by x+y) are taken as approximate cut points:
 *      the parts before the forward point and after the backward point each cost at
 *      most ceil(max_cost/2) and are solved exactly, and the part between them (when the
 *      points are in order; else the search that advanced more gives a single cut) is
 *      searched again.  *exact is set to false: the script is valid, maybe not minimal.
 * So any pair whose edit cost (after step 1) is at most max_cost gets a minimal script,
 * and the worst case is O((N+M)·max_cost): a cut-off search of D steps does O(D²) work
 * plus snake extensions bounded by how far it got, cuts off at least D elements, and
 * the pieces it cuts off (cost <= D) are then solved in O(piece·D).
 *
 * Default (max_cost = 0): SD_DIFF_DEFAULT_MAX_COST = 8192, i.e. 4096 steps each way per
 * search, the same order as GNU diff's lower bound for its "too expensive" heuristic.
 * It is fixed rather than growing with N+M (e.g. with sqrt(N+M)) so that the worst case
 * stays linear in the input size.  Measured on a 2-vCPU VM, -O2: two traces of 1,000,000
 * keys differing in 100 places, 4-5 ms; two unrelated sequences of 1,000,000 distinct keys,
 * 0.15 s (step 1); the worst case, two unrelated random sequences of 1,000,000 keys over
 * 4 or 1000 distinct values, 15-18 s (GNU diff 3.8 takes 23-29 s on the same sequences as
 * lines).  Two runs of related programs differ in far fewer than 8192 events, and where
 * they differ in more, an approximate alignment reads as well; a caller wanting a faster
 * worst case passes a smaller max_cost (1024: 2.7 s for the worst case above).
 *
 * Space, besides the output: two arrays of ceil(max_cost/2)*2+3 integers (capped by
 * N+M) for the searches, the work stack (three entries per level of exact splitting, a
 * logarithmic depth, plus one per cut), and in step 1 a hash set of one sequence's keys
 * and the shortened copies with their index maps: O(N+M) in all.
 */
#ifndef SD_DIFF_H
#define SD_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SD_DIFF_DEFAULT_MAX_COST 8192

enum sd_diff_kind { SD_DIFF_EQ, SD_DIFF_DEL, SD_DIFF_INS };

/* A run: EQ a[a..a+len) == b[b..b+len); DEL a[a..a+len) only in A (b = position in B where
 * it would be); INS b[b..b+len) only in B (a = position in A).  len >= 1. */
struct sd_diff_op {
	enum sd_diff_kind kind;
	size_t a, b, len;
};

struct sd_diff_opts {
	size_t max_cost;     /* edit cost up to which the script is exact; 0 = the default */
};

/* The ops (malloc'd, never NULL, caller frees) in order, covering both sequences: each
 * op starts where the previous one ended in A and in B (so a/b of every op are the
 * cursors into A and B), adjacent ops are of different kinds, and at one position a DEL
 * comes before an INS.  *nops is set.  *exact = false when the cost limit forced the
 * heuristic (a valid but maybe non-minimal script).  o may be NULL (defaults). */
struct sd_diff_op *sd_diff(const uint64_t *a, size_t n, const uint64_t *b, size_t m,
                           const struct sd_diff_opts *o, size_t *nops, bool *exact);

#endif
