/* dec_proc.c - processes and signals: clone flags and clone_args, wait status,
 * sigaction, sigsets, sigaltstack, siginfo. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "decode/decode_int.h"

/* clone flags with the exit signal in the low byte: "CLONE_VM|...|SIGCHLD" */
static void add_clone_flags(struct sb *sb, uint64_t flags)
{
	uint64_t rest = flags & ~0xffULL;
	int sig = (int)(flags & 0xff);

	if (rest || !sig)
		xlat_add(sb, &xt_clone, rest);
	if (sig)
		sb_addf(sb, "%s%s", rest ? "|" : "", sd_signal_name(sig));
}

void h_clone_entry(struct dctx *c)
{
	struct sd_arg *a = &c->ev->args[0];
	struct sb sb = SB_INIT;

	add_clone_flags(&sb, (uint64_t)a->raw);
	arg_set_text(a, sb_detach(&sb));
}

char *s_clone_args(struct dctx *c, int i)
{
	uint64_t ca[11] = { 0 };    /* struct clone_args, up to cgroup */
	uint64_t size = arg_or0(c, spec_p(c, i));
	struct sb sb = SB_INIT;

	if (size < 64)              /* CLONE_ARGS_SIZE_VER0 */
		return NULL;
	if (size > sizeof ca)
		size = sizeof ca;
	if (!mem_get(c, ARG(c, i), ca, (size_t)size))
		return NULL;
	sb_adds(&sb, "{flags=");
	xlat_add(&sb, &xt_clone, ca[0]);
	if (ca[1])
		sb_addf(&sb, ", pidfd=%#llx", (unsigned long long)ca[1]);
	if (ca[2])
		sb_addf(&sb, ", child_tid=%#llx", (unsigned long long)ca[2]);
	if (ca[3])
		sb_addf(&sb, ", parent_tid=%#llx", (unsigned long long)ca[3]);
	sb_adds(&sb, ", exit_signal=");
	if (ca[4] && ca[4] < 128)
		fmt_signal(&sb, (int)ca[4]);
	else
		sb_addf(&sb, "%llu", (unsigned long long)ca[4]);
	sb_addf(&sb, ", stack=%#llx, stack_size=%#llx", (unsigned long long)ca[5],
		(unsigned long long)ca[6]);
	if (ca[7])
		sb_addf(&sb, ", tls=%#llx", (unsigned long long)ca[7]);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

/* "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]" */
char *s_wstatus(struct dctx *c, int i)
{
	int s;
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), &s, sizeof s))
		return NULL;
	sb_adds(&sb, "[{");
	if (WIFEXITED(s))
		sb_addf(&sb, "WIFEXITED(s) && WEXITSTATUS(s) == %d", WEXITSTATUS(s));
	else if (WIFSIGNALED(s))
		sb_addf(&sb, "WIFSIGNALED(s) && WTERMSIG(s) == %s%s", sd_signal_name(WTERMSIG(s)),
			WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
	else if (WIFSTOPPED(s))
		sb_addf(&sb, "WIFSTOPPED(s) && WSTOPSIG(s) == %s", sd_signal_name(WSTOPSIG(s)));
	else if (WIFCONTINUED(s))
		sb_adds(&sb, "WIFCONTINUED(s)");
	else
		sb_addf(&sb, "%#x", (unsigned)s);
	sb_addc(&sb, '}');
	if (WIFSTOPPED(s) && (s >> 16))
		sb_addf(&sb, " | %#x", (unsigned)s & ~0xffffu);
	sb_addc(&sb, ']');
	return sb_detach(&sb);
}

char *s_siginfo(struct dctx *c, int i)
{
	unsigned char si[128];

	if (!mem_get(c, ARG(c, i), si, sizeof si))
		return NULL;
	return sd_decode_siginfo(si, sizeof si);
}

/* The sigset argument's size is in argument p (rt_sigprocmask's sigsetsize). */
char *s_sigset(struct dctx *c, int i)
{
	uint64_t set = 0, size = arg_or0(c, spec_p(c, i));
	struct sb sb = SB_INIT;

	if (size > sizeof set)
		size = sizeof set;
	if (size && !mem_get(c, ARG(c, i), &set, (size_t)size))
		return NULL;
	fmt_sigset(&sb, &set, (size_t)size);
	return sb_detach(&sb);
}

static void add_handler(struct sb *sb, uint64_t h)
{
	if (h == 0)
		sb_adds(sb, "SIG_DFL");
	else if (h == 1)
		sb_adds(sb, "SIG_IGN");
	else if (h == UINT64_MAX)
		sb_adds(sb, "SIG_ERR");
	else
		sb_addf(sb, "%#llx", (unsigned long long)h);
}

/* the kernel's struct sigaction: handler, flags, restorer, mask */
char *s_sigaction(struct dctx *c, int i)
{
	uint64_t sa[4];
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), sa, sizeof sa))
		return NULL;
	sb_adds(&sb, "{sa_handler=");
	add_handler(&sb, sa[0]);
	sb_adds(&sb, ", sa_mask=");
	fmt_sigset(&sb, &sa[3], sizeof sa[3]);
	sb_adds(&sb, ", sa_flags=");
	xlat_add(&sb, &xt_sa_flags, sa[1]);
	if (sa[1] & 0x04000000)
		sb_addf(&sb, ", sa_restorer=%#llx", (unsigned long long)sa[2]);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

char *s_stack(struct dctx *c, int i)
{
	uint64_t ss[3];   /* ss_sp, ss_flags (int + padding), ss_size */
	struct sb sb = SB_INIT;

	if (!mem_get(c, ARG(c, i), ss, sizeof ss))
		return NULL;
	sb_addf(&sb, "{ss_sp=%#llx, ss_flags=", (unsigned long long)ss[0]);
	xlat_add(&sb, &xt_ss_flags, (uint32_t)ss[1]);
	sb_addf(&sb, ", ss_size=%llu}", (unsigned long long)ss[2]);
	return sb_detach(&sb);
}
