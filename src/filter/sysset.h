/* sysset.h - sets of syscalls and the -e trace=SPEC expression language (strace's):
 *   SPEC := [!]ITEM[,ITEM...]      ! negates the whole set
 *   ITEM := name | number | %class | /regex/ | ?name (no error when unknown) | all | none
 * Classes: %file %desc %network (%net) %process %memory %signal %ipc %creds %clock
 * %stat %lstat %fstat %%stat %statfs %fstatfs %%statfs %pure. */
#ifndef SD_SYSSET_H
#define SD_SYSSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/syscalls.h"

struct sd_sysset {
	uint64_t bits[SD_NR_MAX / 64];
};

void sd_sysset_clear(struct sd_sysset *s);
void sd_sysset_fill(struct sd_sysset *s);        /* every number 0..SD_NR_MAX-1 */
void sd_sysset_add(struct sd_sysset *s, int nr);
void sd_sysset_del(struct sd_sysset *s, int nr);
bool sd_sysset_has(const struct sd_sysset *s, int nr);
bool sd_sysset_is_full(const struct sd_sysset *s);
void sd_sysset_union(struct sd_sysset *s, const struct sd_sysset *add);      /* s |= add */
void sd_sysset_subtract(struct sd_sysset *s, const struct sd_sysset *del);   /* s &= ~del */
void sd_sysset_intersect(struct sd_sysset *s, const struct sd_sysset *with); /* s &= with */

/* Parse SPEC (without the "trace=" prefix) into *out.  Returns 0, or -1 with a one-line
 * message in err naming the offending token ("unknown syscall 'opn'"). */
int sd_sysset_parse(struct sd_sysset *out, const char *spec, char *err, size_t errlen);

#endif
