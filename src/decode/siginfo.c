/* siginfo.c - siginfo_t as strace shows it:
 * "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=0, si_status=0, ...}" */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include "decode/decode_int.h"

static const struct xlat si_codes_e[] = {
	XE(SI_USER), XE(SI_KERNEL), XE(SI_QUEUE), XE(SI_TIMER), XE(SI_MESGQ),
	XE(SI_ASYNCIO), XE(SI_SIGIO), XE(SI_TKILL), { -7, "SI_DETHREAD" }, XE(SI_ASYNCNL),
};
static XTAB(si_codes, XK_ENUM, NULL);

/* Codes > 0 that are specific to one signal: names indexed by code - 1. */
struct sigcodes {
	int sig;
	const char *const *names;
	int n;
};

static const char *const chld[] = {
	"CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED",
};
static const char *const segv[] = {
	"SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR", "SEGV_ACCADI",
	"SEGV_ADIDERR", "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR", "SEGV_CPERR",
};
static const char *const bus[] = {
	"BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO",
};
static const char *const ill[] = {
	"ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG",
	"ILL_COPROC", "ILL_BADSTK", "ILL_BADIADDR",
};
static const char *const fpe[] = {
	"FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES",
	"FPE_FLTINV", "FPE_FLTSUB", "FPE_FLTUNK", "FPE_CONDTRAP",
};
static const char *const trap[] = {
	"TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT", "TRAP_UNK", "TRAP_PERF",
};
static const char *const poll_[] = {
	"POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP",
};
static const char *const sys[] = { "SYS_SECCOMP", "SYS_USER_DISPATCH" };

#define SC(s, a) { s, a, (int)(sizeof a / sizeof *a) }
static const struct sigcodes sigcodes[] = {
	SC(SIGCHLD, chld), SC(SIGSEGV, segv), SC(SIGBUS, bus), SC(SIGILL, ill),
	SC(SIGFPE, fpe), SC(SIGTRAP, trap), SC(SIGIO, poll_), SC(SIGSYS, sys),
};

static const char *code_name(int sig, int code)
{
	if (code <= 0 || code == SI_KERNEL)
		return xlat_name(&si_codes, (uint64_t)(int64_t)code);
	for (size_t k = 0; k < sizeof sigcodes / sizeof *sigcodes; k++)
		if (sigcodes[k].sig == sig && code <= sigcodes[k].n)
			return sigcodes[k].names[code - 1];
	return NULL;
}

static void add_addr(struct sb *sb, const char *name, const void *p)
{
	if (p)
		sb_addf(sb, ", %s=%p", name, p);
	else
		sb_addf(sb, ", %s=NULL", name);
}

static void add_value(struct sb *sb, const siginfo_t *si)
{
	sb_addf(sb, ", si_int=%d, si_ptr=%p", si->si_value.sival_int, si->si_value.sival_ptr);
}

static void add_chld(struct sb *sb, const siginfo_t *si)
{
	sb_addf(sb, ", si_pid=%d, si_uid=%u, si_status=", si->si_pid, si->si_uid);
	if (si->si_code == CLD_EXITED)
		sb_addf(sb, "%d", si->si_status);
	else
		fmt_signal(sb, si->si_status);
	sb_addf(sb, ", si_utime=%lld, si_stime=%lld", (long long)si->si_utime,
		(long long)si->si_stime);
}

/* The fields that go with a code greater than zero (sent by the kernel). */
static void add_kernel_fields(struct sb *sb, const siginfo_t *si)
{
	switch (si->si_signo) {
	case SIGCHLD:
		add_chld(sb, si);
		break;
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP:
		add_addr(sb, "si_addr", si->si_addr);
		break;
	case SIGIO:
		sb_addf(sb, ", si_band=%ld, si_fd=%d", si->si_band, si->si_fd);
		break;
	case SIGSYS:
		add_addr(sb, "si_call_addr", si->si_call_addr);
		sb_addf(sb, ", si_syscall=%d, si_arch=%#x", si->si_syscall, si->si_arch);
		break;
	default:
		break;
	}
}

static void add_fields(struct sb *sb, const siginfo_t *si)
{
	switch (si->si_code) {
	case SI_USER: case SI_TKILL:
		sb_addf(sb, ", si_pid=%d, si_uid=%u", si->si_pid, si->si_uid);
		break;
	case SI_QUEUE: case SI_MESGQ:
		sb_addf(sb, ", si_pid=%d, si_uid=%u", si->si_pid, si->si_uid);
		add_value(sb, si);
		break;
	case SI_TIMER:
		sb_addf(sb, ", si_timerid=%#x, si_overrun=%d", si->si_timerid, si->si_overrun);
		add_value(sb, si);
		break;
	case SI_KERNEL:
		if (si->si_signo == SIGSEGV || si->si_signo == SIGBUS)
			add_addr(sb, "si_addr", si->si_addr);
		break;
	default:
		if (si->si_code > 0)
			add_kernel_fields(sb, si);
		break;
	}
}

char *sd_decode_siginfo(const void *siginfo, size_t len)
{
	siginfo_t si;
	struct sb sb = SB_INIT;
	const char *cn;

	memset(&si, 0, sizeof si);
	if (siginfo && len)
		memcpy(&si, siginfo, len < sizeof si ? len : sizeof si);
	sb_adds(&sb, "{si_signo=");
	fmt_signal(&sb, si.si_signo);
	cn = code_name(si.si_signo, si.si_code);
	if (cn)
		sb_addf(&sb, ", si_code=%s", cn);
	else
		sb_addf(&sb, ", si_code=%d", si.si_code);
	if (si.si_errno)
		sb_addf(&sb, ", si_errno=%s", sd_errno_name(si.si_errno));
	add_fields(&sb, &si);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}
