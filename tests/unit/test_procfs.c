/* test_procfs.c - src/procfs: /proc/PID/maps and /proc/PID/status of this process and
 * of a child (stopped, then a zombie), the same parsers over malformed text, and
 * opening a mapped file as it is mapped (also once deleted). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "util/util.h"

/* ---- maps ---- */

/* The line of pid's maps holding addr (its path copied into path). */
static bool map_of(pid_t pid, uint64_t addr, struct sd_procfs_map *out, char *path, size_t n)
{
	struct sd_procfs_maps it;
	struct sd_procfs_map m;
	bool found = false;
	assert_int_equal(sd_procfs_maps_open(&it, pid, SIZE_MAX), 0);
	while (!found && sd_procfs_maps_next(&it, &m))
		if (addr >= m.start && addr < m.end) {
			*out = m;
			snprintf(path, n, "%s", m.path);
			found = true;
		}
	sd_procfs_maps_close(&it);
	out->path = path;
	return found;
}

static void check_maps_of(pid_t pid, const void *code, const void *anon)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;
	struct sd_procfs_map m;
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(k > 0);
	exe[k] = '\0';
	assert_int_equal(stat(exe, &st), 0);
	/* the code of this test: its executable, by path and inode */
	assert_true(map_of(pid, (uint64_t)(uintptr_t)code, &m, path, sizeof path));
	assert_string_equal(m.path, exe);
	assert_int_equal(m.perms[0], 'r');
	assert_int_equal(m.perms[2], 'x');
	assert_int_equal(strlen(m.perms), 4);
	assert_true(m.ino == st.st_ino && m.dev == st.st_dev);
	assert_false(m.deleted);
	assert_true(m.start < m.end && !(m.start & 4095) && !(m.end & 4095));
	/* an anonymous page: no file */
	assert_true(map_of(pid, (uint64_t)(uintptr_t)anon, &m, path, sizeof path));
	assert_string_equal(m.path, "");
	assert_int_equal(m.ino, 0);
	assert_int_equal(m.perms[0], 'r');
	assert_int_equal(m.perms[1], 'w');
	/* the stack */
	int local;
	assert_true(map_of(pid, (uint64_t)(uintptr_t)&local, &m, path, sizeof path));
	assert_string_equal(m.path, "[stack]");
}

static void test_maps_self(void **state)
{
	(void)state;
	void *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	check_maps_of(getpid(), (const void *)check_maps_of, anon);
	/* lines come in address order, and the vdso is among them */
	struct sd_procfs_maps it;
	struct sd_procfs_map m;
	uint64_t last = 0;
	int n = 0, vdso = 0;
	assert_int_equal(sd_procfs_maps_open(&it, getpid(), SIZE_MAX), 0);
	while (sd_procfs_maps_next(&it, &m)) {
		assert_true(m.start >= last);
		last = m.end;
		vdso += !strcmp(m.path, "[vdso]");
		n++;
	}
	sd_procfs_maps_close(&it);
	assert_true(n > 5);
	assert_int_equal(vdso, 1);
	/* cut to a few bytes: no line is whole, none is made up */
	assert_int_equal(sd_procfs_maps_open(&it, getpid(), 10), 0);
	assert_false(sd_procfs_maps_next(&it, &m));
	sd_procfs_maps_close(&it);
	munmap(anon, 4096);
}

/* A child that stops itself (the memory it has is a copy of ours: the same
 * mappings), read by pid; then a zombie, then gone. */
static void test_maps_status_child(void **state)
{
	(void)state;
	void *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	check_maps_of(pid, (const void *)check_maps_of, anon);
	char buf[64];
	long v;
	assert_int_equal(sd_procfs_status_field(pid, "State", buf, sizeof buf), 0);
	assert_string_equal(buf, "T (stopped)");
	assert_int_equal(sd_procfs_status_long(pid, "Tgid", &v), 0);
	assert_int_equal(v, pid);
	assert_int_equal(sd_procfs_status_long(pid, "PPid", &v), 0);
	assert_int_equal(v, getpid());
	assert_int_equal(sd_procfs_status_long(pid, "TracerPid", &v), 0);
	assert_int_equal(v, 0);
	/* a zombie: State Z, no mappings */
	kill(pid, SIGCONT);
	siginfo_t si;
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(sd_procfs_status_field(pid, "State", buf, 2), 0);
	assert_string_equal(buf, "Z");
	struct sd_procfs_maps it;
	struct sd_procfs_map m;
	assert_int_equal(sd_procfs_maps_open(&it, pid, SIZE_MAX), 0);
	assert_false(sd_procfs_maps_next(&it, &m));
	sd_procfs_maps_close(&it);
	/* gone */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(sd_procfs_status_field(pid, "State", buf, sizeof buf), -1);
	assert_int_equal(sd_procfs_status_long(pid, "Tgid", &v), -1);
	errno = 0;
	assert_int_equal(sd_procfs_maps_open(&it, pid, SIZE_MAX), -1);
	assert_int_equal(errno, ENOENT);
	munmap(anon, 4096);
}

static void expect_map(struct sd_procfs_maps *it, uint64_t start, uint64_t end,
		       const char *perms, uint64_t off, dev_t dev, ino_t ino, const char *path,
		       bool deleted)
{
	struct sd_procfs_map m;
	assert_true(sd_procfs_maps_next(it, &m));
	assert_true(m.start == start && m.end == end && m.offset == off);
	assert_string_equal(m.perms, perms);
	assert_true(m.dev == dev && m.ino == ino);
	assert_string_equal(m.path, path);
	assert_int_equal(m.deleted, deleted);
}

static void test_maps_text(void **state)
{
	(void)state;
	static const char text[] =
		"00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon\n"
		"\n"
		"garbage\n"
		"00651000-00652000 r--p\n"                                  /* cut short */
		"00652000-00655000 rw-p 00052000 08:02 173521\n"           /* no path */
		"zz-00655000 rw-p 00000000 00:00 0\n"                      /* bad start */
		"00655000 rw-p 00000000 00:00 0\n"                         /* no end */
		"00655000-0065g000 rw-p 00000000 00:00 0 [heap]\n"         /* bad end */
		"00655000-00656000 rw-p 0000000 08:02 zz /x\n"             /* bad inode */
		"00656000-00657000 rw-p 00000000 fd:1f 12 /a b/c d (deleted)\n"
		"00657000-00658000 rw-p 00000000 00:00 0   [heap] (deleted)\n"
		"00658000-00659000 rw-p 00000000 00:00 0   (deleted)\n"
		"7fff0000-7fff1000 r-xp 00000000 00:00 0                  [vdso]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]";
	struct sd_procfs_maps it;
	sd_procfs_maps_text(&it, text, sizeof text - 1);
	expect_map(&it, 0x400000, 0x452000, "r-xp", 0, makedev(8, 2), 173521,
		   "/usr/bin/dbus-daemon", false);
	expect_map(&it, 0x652000, 0x655000, "rw-p", 0x52000, makedev(8, 2), 173521, "", false);
	expect_map(&it, 0x656000, 0x657000, "rw-p", 0, makedev(0xfd, 0x1f), 12, "/a b/c d", true);
	/* only files are said to be deleted */
	expect_map(&it, 0x657000, 0x658000, "rw-p", 0, 0, 0, "[heap] (deleted)", false);
	expect_map(&it, 0x658000, 0x659000, "rw-p", 0, 0, 0, "(deleted)", false);
	expect_map(&it, 0x7fff0000, 0x7fff1000, "r-xp", 0, 0, 0, "[vdso]", false);
	expect_map(&it, 0xffffffffff600000ull, 0xffffffffff601000ull, "--xp", 0, 0, 0,
		   "[vsyscall]", false);
	struct sd_procfs_map m;
	assert_false(sd_procfs_maps_next(&it, &m));
	assert_false(sd_procfs_maps_next(&it, &m));
	sd_procfs_maps_close(&it);

	/* a NUL ends the text; len cuts it; nothing at all */
	static const char nul[] = "1000-2000 r--p 00000000 00:00 0 /a\0"
				  "3000-4000 r--p 00000000 00:00 0 /b\n";
	sd_procfs_maps_text(&it, nul, sizeof nul - 1);
	expect_map(&it, 0x1000, 0x2000, "r--p", 0, 0, 0, "/a", false);
	assert_false(sd_procfs_maps_next(&it, &m));
	sd_procfs_maps_close(&it);
	sd_procfs_maps_text(&it, "1000-2000 r--p 00000000 00:00 0 /abc", 34);
	expect_map(&it, 0x1000, 0x2000, "r--p", 0, 0, 0, "/a", false);
	sd_procfs_maps_close(&it);
	sd_procfs_maps_text(&it, "", 0);
	assert_false(sd_procfs_maps_next(&it, &m));
	sd_procfs_maps_close(&it);
	sd_procfs_maps_close(&it);   /* twice is fine */
}

/* ---- status ---- */

static void test_status_self(void **state)
{
	(void)state;
	char buf[256];
	long v;
	assert_int_equal(sd_procfs_status_field(getpid(), "State", buf, sizeof buf), 0);
	assert_string_equal(buf, "R (running)");
	assert_int_equal(sd_procfs_status_long(getpid(), "Tgid", &v), 0);
	assert_int_equal(v, getpid());
	assert_int_equal(sd_procfs_status_long(getpid(), "Pid", &v), 0);
	assert_int_equal(v, getpid());
	assert_int_equal(sd_procfs_status_long(getpid(), "TracerPid", &v), 0);
	assert_true(v >= 0);
	/* NSpid (Linux 4.1+): the last is the id in our own namespace */
	if (sd_procfs_status_field(getpid(), "NSpid", buf, sizeof buf) == 0) {
		assert_int_equal(sd_procfs_status_last(getpid(), "NSpid", &v), 0);
		assert_int_equal(v, getpid());
	}
	assert_int_equal(sd_procfs_status_field(getpid(), "NoSuchField", buf, sizeof buf), -1);
	assert_int_equal(sd_procfs_status_long(getpid(), "Name", &v), -1);   /* not a number */
	assert_int_equal(sd_procfs_status_field(getpid(), "Name", buf, sizeof buf), 0);
	assert_string_equal(buf, "test_procfs");
	/* "Sta" is not "State" */
	assert_int_equal(sd_procfs_status_field(getpid(), "Sta", buf, sizeof buf), -1);
	assert_int_equal(sd_procfs_status_field(0, "State", buf, sizeof buf), -1);
}

static void test_status_text(void **state)
{
	(void)state;
	static const char text[] =
		"Name:\tpython3\n"
		"State:\tS (sleeping)\n"
		"Tgidx:\t99\n"
		"Tgid:\t 1234\n"
		"Groups:\t \n"
		"NSpid:\t1234\t56\t7\n"
		"NStgid:\t1234\n"
		"Bad:\t12abc\n"
		"Neg:\t-3\n"
		"Trail:\t5\t\n"
		" Indented:\t1\n"
		"Last:\t42";
	char buf[16];
	long v;
	assert_int_equal(sd_procfs_status_text_field(text, "State", buf, sizeof buf), 0);
	assert_string_equal(buf, "S (sleeping)");
	assert_int_equal(sd_procfs_status_text_field(text, "State", buf, 4), 0);
	assert_string_equal(buf, "S (");
	assert_int_equal(sd_procfs_status_text_field(text, "State", buf, 1), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sd_procfs_status_text_long(text, "Tgid", false, &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(sd_procfs_status_text_field(text, "Groups", buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sd_procfs_status_text_long(text, "Groups", false, &v), -1);
	assert_int_equal(sd_procfs_status_text_long(text, "Groups", true, &v), -1);
	assert_int_equal(sd_procfs_status_text_long(text, "NSpid", false, &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(sd_procfs_status_text_long(text, "NSpid", true, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(sd_procfs_status_text_long(text, "NStgid", true, &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(sd_procfs_status_text_long(text, "Bad", false, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(sd_procfs_status_text_long(text, "Neg", false, &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(sd_procfs_status_text_long(text, "Trail", true, &v), -1);
	assert_int_equal(sd_procfs_status_text_long(text, "Trail", false, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(sd_procfs_status_text_long(text, "Indented", false, &v), -1);
	assert_int_equal(sd_procfs_status_text_long(text, "Last", true, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(sd_procfs_status_text_long(text, "Name", false, &v), -1);
	assert_int_equal(sd_procfs_status_text_long(text, "", false, &v), -1);
	assert_int_equal(sd_procfs_status_text_field("", "State", buf, sizeof buf), -1);
	/* an empty value never reads into the next line */
	assert_int_equal(sd_procfs_status_text_long("A:\n5\n", "A", false, &v), -1);
	assert_int_equal(sd_procfs_status_text_long("A:\t\n5\n", "A", true, &v), -1);
}

/* ---- the mapped file ---- */

static void test_open_mapped(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-procfs-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sd_write_full(fd, "mapped!", 7), 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(p != MAP_FAILED);
	close(fd);
	uint64_t a = (uint64_t)(uintptr_t)p;
	struct sd_procfs_map m;
	char mpath[PATH_MAX + 64];
	assert_true(map_of(getpid(), a, &m, mpath, sizeof mpath));
	assert_string_equal(m.path, path);
	assert_true(m.ino == st.st_ino);

	int got = sd_procfs_open_mapped(getpid(), path, st.st_dev, st.st_ino, a, a + 4096);
	assert_true(got >= 0);
	char b[8] = "";
	assert_int_equal(pread(got, b, 7, 0), 7);
	assert_memory_equal(b, "mapped!", 7);
	close(got);
	/* another inode at the path: not that file */
	assert_int_equal(sd_procfs_open_mapped(getpid(), path, st.st_dev, st.st_ino + 1, a,
					       a + 4096), -1);
	/* deleted: the maps say so, and only map_files still reaches it (as root) */
	assert_int_equal(unlink(path), 0);
	assert_true(map_of(getpid(), a, &m, mpath, sizeof mpath));
	assert_true(m.deleted);
	assert_string_equal(m.path, path);
	got = sd_procfs_open_mapped(getpid(), path, st.st_dev, st.st_ino, a, a + 4096);
	if (geteuid() == 0) {
		assert_true(got >= 0);
		assert_int_equal(pread(got, b, 7, 0), 7);
		assert_memory_equal(b, "mapped!", 7);
		close(got);
	}
	/* a range that is not a mapping */
	assert_int_equal(sd_procfs_open_mapped(getpid(), path, st.st_dev, st.st_ino, a,
					       a + 8192), -1);
	munmap(p, 4096);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_self),
		cmocka_unit_test(test_maps_status_child),
		cmocka_unit_test(test_maps_text),
		cmocka_unit_test(test_status_self),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_open_mapped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
