/* syscalls.h - the x86_64 syscall table: names (generated from the kernel's uapi
 * unistd_64.h by scripts/gen-syscalls.sh), argument counts and strace-style classes. */
#ifndef SD_SYSCALLS_H
#define SD_SYSCALLS_H

#include <stdbool.h>

#define SD_NR_MAX 512   /* one past the highest syscall number we know or may see */

/* Class flags (strace's -e trace=%class). */
enum {
	SD_TF   = 1 << 0,   /* %file: takes a file name */
	SD_TD   = 1 << 1,   /* %desc: takes or returns a file descriptor */
	SD_TN   = 1 << 2,   /* %network */
	SD_TP   = 1 << 3,   /* %process */
	SD_TM   = 1 << 4,   /* %memory */
	SD_TS   = 1 << 5,   /* %signal */
	SD_TI   = 1 << 6,   /* %ipc */
	SD_TC   = 1 << 7,   /* %creds */
	SD_TCL  = 1 << 8,   /* %clock */
	SD_TST  = 1 << 9,   /* %stat */
	SD_TLST = 1 << 10,  /* %lstat */
	SD_TFST = 1 << 11,  /* %fstat */
	SD_TSTA = 1 << 12,  /* %%stat: any stat variant */
	SD_TSF  = 1 << 13,  /* %statfs */
	SD_TFSF = 1 << 14,  /* %fstatfs */
	SD_TSFA = 1 << 15,  /* %%statfs */
	SD_PU   = 1 << 16,  /* %pure: no args, never fails */
};

const char *sd_syscall_name(int nr);    /* NULL if nr is not a known syscall */
int sd_syscall_nr(const char *name);    /* -1 if unknown */
int sd_syscall_nargs(int nr);           /* 6 when unknown */
unsigned sd_syscall_flags(int nr);      /* class flags, 0 if none / unknown */
int sd_syscall_max(void);               /* highest known number + 1 */

#endif
