/* caps.c - the capabilities a sandboxed command must not have (see sandbox_int.h).
 *
 * As root the sandbox is the new namespaces only: root there is root on the real
 * machine.  Before the job runs, the capabilities that reach past the namespaces are
 * dropped from the bounding set (and the inheritable and ambient sets are emptied), so
 * nothing the job executes has them: mounting and remounting (SYS_ADMIN), opening
 * files by handle outside its root (DAC_READ_SEARCH), devices (MKNOD, SYS_RAWIO),
 * modules, the clock, rebooting, process accounting to a real file, security modules,
 * BPF and perf, and SYS_PTRACE.  The job itself (the tracer) keeps them in its permitted
 * set: a command with fewer capabilities than its tracer cannot attach to it.  What a
 * root program does to its own files (CHOWN, DAC_OVERRIDE, FOWNER, SETUID...) is left
 * as it is. */
#define _GNU_SOURCE
#include "sandbox/sandbox_int.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const int dropped[] = {
	CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH, CAP_MKNOD, CAP_SYS_RAWIO, CAP_SYS_MODULE,
	CAP_SYS_TIME, CAP_SYS_BOOT, CAP_SYS_PACCT, CAP_SYS_PTRACE, CAP_MAC_ADMIN,
	CAP_MAC_OVERRIDE, CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL,
	CAP_AUDIT_READ, CAP_LINUX_IMMUTABLE, CAP_NET_ADMIN, CAP_SYS_TTY_CONFIG, CAP_LEASE,
	CAP_BPF, CAP_PERFMON, CAP_CHECKPOINT_RESTORE,
};

int sd_drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	for (size_t i = 0; i < sizeof dropped / sizeof *dropped; i++)
		if (prctl(PR_CAPBSET_DROP, dropped[i], 0, 0, 0) < 0 && errno != EINVAL)
			return -1;   /* EINVAL: a capability this kernel does not have */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].inheritable = d[1].inheritable = 0;
	return syscall(SYS_capset, &h, d) < 0 ? -1 : 0;
}
