/* The tracer's quick start-up (validate): the calls of CPython's start-up that keep
 * nothing run unrecorded and are counted in the trailer; the rest, and every call of the
 * script, are recorded as in a trace that walks every stack. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arch/syscalls.h"
#include "compare/compare.h"
#include "format/reader.h"
#include "format/writers.h"
#include "tracer/tracer.h"
#include "util/util.h"
#include "trace_fixture.h"

#define PYTHON "/usr/bin/python3.11"

/* What one trace of the script showed. */
struct seen {
	uint64_t startup[SD_NR_MAX];     /* recorded calls of start-up, by number */
	uint64_t unrecorded[SD_NR_MAX];  /* the trailer's counts */
	int user_stat;                   /* stats of "marker" located in the script */
	char *user_clock;                /* what the script's clock read returned */
	char *user_read_ref;             /* the file the script's first read read */
	struct sb paths;                 /* every path named, in order, one per line */
	struct sb paths_after;           /* and those named after start-up */
	uint64_t events;
	uint64_t recorded[SD_NR_MAX];    /* every recorded call, by number */
};

static bool trace_loose;   /* and loose_startup (with paths_only) */

/* One trace of s.py in dir: quick_startup, the clock stub, paths_only, and the noise
 * left unlocated and only counted as validate leaves it (else every call is located
 * and recorded). */
static void trace_script_with(const char *dir, bool quick, bool stub, bool paths_only,
			      bool noise, struct seen *s)
{
	char cwd[PATH_MAX];
	char *argv[] = { PYTHON, "s.py", NULL };
	struct sd_tracer_opts o;
	struct sd_trace_end end;
	int fd = memfd_create("trace", MFD_CLOEXEC);

	memset(s, 0, sizeof *s);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	memset(&o, 0, sizeof o);
	o.argv = argv;
	o.exec_path = PYTHON;
	sd_sysset_fill(&o.traced);
	o.dopts.max_bytes = 4096;
	o.dopts.paths_abs = true;
	o.use_seccomp = true;
	o.source = true;
	o.quick_startup = quick;
	o.clock_stub = stub;
	o.paths_only = paths_only;
	o.loose_startup = trace_loose;
	if (noise) {
		sd_cmp_default_noise(&o.unlocated);
		o.counted = o.unlocated;
	}
	if (paths_only) {
		struct sd_sysset none;
		sd_tracer_stateless(&none);
		sd_sysset_subtract(&o.traced, &none);
	}
	o.virt = (struct sd_virt_opts){ .on = true, .clock_ns = 1700000000000000000ll, .seed = 1 };
	struct sd_sink *sink = sd_sink_jsonl_new(fd);
	o.sinks = &sink;
	o.nsinks = 1;
	int out = dup(1), nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fflush(NULL);
	dup2(nul, 1);
	int rc = sd_tracer_run(&o, &end);
	dup2(out, 1);
	close(out);
	close(nul);
	assert_int_equal(rc, 0);
	assert_int_equal(sink->end(sink, &end), 0);
	sink->destroy(sink);
	sd_trace_end_clear(&end);
	assert_int_equal(chdir(cwd), 0);

	struct sd_reader *r = trace_fixture_read(fd, "trace");
	char *err = NULL;
	assert_non_null(r);
	struct sd_event ev;
	while (sd_reader_next(r, &ev, &err) > 0) {
		bool startup = ev.src.phase && !strcmp(ev.src.phase, "startup");
		if (ev.kind == SD_EV_SYSCALL && startup && ev.nr >= 0 && ev.nr < SD_NR_MAX)
			s->startup[ev.nr]++;
		if (ev.kind == SD_EV_SYSCALL && ev.nr >= 0 && ev.nr < SD_NR_MAX)
			s->recorded[ev.nr]++;
		s->events++;
		for (int i = 0; i < ev.nargs && i < SD_MAX_ARGS; i++)
			if (ev.args[i].type == SD_ARG_PATH && ev.args[i].abs) {
				sb_addf(&s->paths, "%s\n", ev.args[i].abs);
				if (!startup)
					sb_addf(&s->paths_after, "%s\n", ev.args[i].abs);
			}
		bool in_script = ev.src.file && !strcmp(ev.src.file, "s.py") && ev.src.line;
		if (in_script && !strcmp(ev.name, "newfstatat") && ev.nargs > 1 && ev.args[1].str &&
		    !strcmp(ev.args[1].str, "marker"))
			s->user_stat++;
		if (in_script && !strcmp(ev.name, "read") && ev.nargs > 0 && ev.args[0].ref &&
		    !s->user_read_ref)
			s->user_read_ref = xstrdup(ev.args[0].ref);
		if (in_script && !strcmp(ev.name, "clock_gettime") && ev.nargs > 1 && ev.args[1].text) {
			free(s->user_clock);   /* the last one */
			s->user_clock = xstrdup(ev.args[1].text);
		}
		sd_event_clear(&ev);
	}
	assert_null(err);
	const struct sd_trace_end *te = sd_reader_end(r);
	assert_non_null(te);
	assert_true(te->complete);
	for (size_t i = 0; i < te->nunrecorded; i++) {
		int nr = sd_syscall_nr(te->unrecorded[i].name);
		assert_true(nr >= 0 && nr < SD_NR_MAX);
		s->unrecorded[nr] = te->unrecorded[i].n;
	}
	sd_reader_close(r);
}

static void trace_script(const char *dir, bool quick, struct seen *s)
{
	trace_script_with(dir, quick, true, false, false, s);
}

static void seen_free(struct seen *s)
{
	free(s->user_clock);
	free(s->user_read_ref);
	sb_free(&s->paths);
	sb_free(&s->paths_after);
}

/* A fresh directory made from tmpl, for a script of PYTHON (skipped without it). */
static void script_dir(char *tmpl)
{
	if (access(PYTHON, X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(tmpl));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_startup_unrecorded(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-startup-XXXXXX";
	script_dir(dir);
	char *script = xasprintf("%s/s.py", dir), *marker = xasprintf("%s/marker", dir);
	FILE *f = fopen(script, "w");
	assert_non_null(f);
	fputs("import os, time\nos.stat('marker')\nprint(time.monotonic())\n", f);
	fclose(f);
	f = fopen(marker, "w");
	assert_non_null(f);
	fclose(f);

	struct seen quick, full;
	trace_script(dir, true, &quick);
	trace_script(dir, false, &full);

	/* the probes and clock reads of start-up ran unrecorded, counted */
	int nstat = sd_syscall_nr("newfstatat"), nclock = sd_syscall_nr("clock_gettime");
	int nread = sd_syscall_nr("read"), nopen = sd_syscall_nr("openat");
	int nclose = sd_syscall_nr("close"), nmmap = sd_syscall_nr("mmap");
	assert_true(quick.unrecorded[nstat] > 10);
	assert_true(quick.unrecorded[nclock] > 10);
	assert_true(quick.unrecorded[nread] > 0);
	assert_int_equal(quick.startup[nstat], 0);
	assert_int_equal(quick.startup[nread], 0);
	/* so did its opens that only read (their fds named from /proc when a later call
	 * needs it) and its closes, their names dropped at entry, but a close that may be
	 * the script's (an open that may write is recorded: test_startup_clock_stub) */
	assert_true(quick.unrecorded[nopen] > 5);
	assert_int_equal(quick.startup[nopen], 0);
	assert_true(quick.unrecorded[nclose] > 5);
	assert_true(quick.unrecorded[nmmap] > 0);   /* the maps are read again */
	/* with every stack walked nothing is left unrecorded, and start-up made the same
	 * calls: recorded there, recorded or counted here */
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		assert_int_equal(full.unrecorded[nr], 0);
		assert_int_equal(full.startup[nr], quick.startup[nr] + quick.unrecorded[nr]);
	}
	/* the script's own calls are the same, and its clock read sees the same time */
	assert_int_equal(quick.user_stat, 1);
	assert_int_equal(full.user_stat, 1);
	assert_non_null(quick.user_clock);
	assert_non_null(full.user_clock);
	assert_string_equal(quick.user_clock, full.user_clock);
	seen_free(&quick);
	seen_free(&full);
	remove_tree(dir);
	free(script);
	free(marker);
}

static char *slurp(const char *path)
{
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	char *text = sd_read_fd(fd, 1 << 20, &len, NULL);
	close(fd);
	assert_non_null(text);
	return text;
}

static char *slurp_and_remove(const char *path)
{
	char *text = slurp(path);
	unlink(path);
	return text;
}

/* PYTHONPATH set to dir for the traces that follow; what it was, for restore_pythonpath. */
static char *set_pythonpath(const char *dir)
{
	char *old = getenv("PYTHONPATH") ? xstrdup(getenv("PYTHONPATH")) : NULL;
	setenv("PYTHONPATH", dir, 1);
	return old;
}

static void restore_pythonpath(char *old)
{
	if (old)
		setenv("PYTHONPATH", old, 1);
	else
		unsetenv("PYTHONPATH");
	free(old);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* The clock stub (src/tracer/clockstub.h) answers CPython's start-up as the tracer does
 * at a stop: a sitecustomize reading every clock, gettimeofday and time, and then the
 * script, write the same times with the stub and without; the trailer counts the same
 * reads, and start-up records the same calls. */
static void test_startup_clock_stub(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-stub-XXXXXX";
	script_dir(dir);
	static const char reads[] =
		"import ctypes, time\n"
		"libc = ctypes.CDLL(None)\n"
		"libc.getauxval.restype = ctypes.c_ulong\n"
		"class TV(ctypes.Structure):\n"
		"    _fields_ = [('s', ctypes.c_long), ('us', ctypes.c_long)]\n"
		"def show(who):\n"
		"    tv = TV()\n"
		"    libc.gettimeofday(ctypes.byref(tv), None)\n"
		"    with open('clocks', 'a') as f:\n"
		"        print(who, [time.clock_gettime_ns(c) for c in (0, 1, 2, 3, 4, 5, 6, 7, 11)],\n"
		"              time.time_ns(), time.perf_counter_ns(), tv.s, tv.us, libc.time(None),\n"
		"              file=f)\n";
	char *site = xasprintf("%s/site", dir);
	assert_int_equal(mkdir(site, 0755), 0);
	char *text = xasprintf("%sshow('start-up')\n"
			       "open('vdso', 'w').write(str(libc.getauxval(33) != 0))\n"
			       "import builtins\nbuiltins.kept = open('marker')\n", reads);
	write_file(site, "sitecustomize.py", text);
	free(text);
	text = xasprintf("%sshow('script')\nkept.read()\n", reads);
	write_file(dir, "s.py", text);
	free(text);
	write_file(dir, "marker", "kept open since start-up\n");
	char *old = set_pythonpath(site);

	struct seen with, without;
	char *clocks = xasprintf("%s/clocks", dir), *vdso = xasprintf("%s/vdso", dir);
	trace_script_with(dir, true, true, false, false, &with);
	char *with_clocks = slurp_and_remove(clocks), *with_vdso = slurp_and_remove(vdso);
	trace_script_with(dir, true, false, false, false, &without);
	char *without_clocks = slurp_and_remove(clocks), *without_vdso = slurp_and_remove(vdso);
	restore_pythonpath(old);

	assert_string_equal(with_vdso, "True");      /* the stub was there */
	assert_string_equal(without_vdso, "False");
	assert_non_null(strstr(with_clocks, "start-up ["));
	assert_non_null(strstr(with_clocks, "script ["));
	assert_string_equal(with_clocks, without_clocks);
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		assert_int_equal(with.unrecorded[nr], without.unrecorded[nr]);
		assert_int_equal(with.startup[nr], without.startup[nr]);
	}
	assert_true(with.unrecorded[sd_syscall_nr("clock_gettime")] > 20);
	/* start-up's opens that write (clocks, vdso) are recorded; the one that only
	 * reads is not, and the script's read of its fd names the file all the same */
	assert_true(with.startup[sd_syscall_nr("openat")] >= 2);
	assert_non_null(with.user_read_ref);
	assert_non_null(without.user_read_ref);
	assert_string_equal(with.user_read_ref, without.user_read_ref);
	assert_string_equal(with.user_read_ref + strlen(with.user_read_ref) - 7, "/marker");
	assert_true(with.unrecorded[sd_syscall_nr("gettimeofday")] >= 1);
	assert_true(with.unrecorded[sd_syscall_nr("time")] >= 1);
	seen_free(&with);
	seen_free(&without);
	free(with_clocks);
	free(without_clocks);
	free(with_vdso);
	free(without_vdso);
	free(clocks);
	free(vdso);
	remove_tree(dir);
	free(site);
}

extern const size_t sd_vdso_data_off;   /* where the stub's data lies in its image */

/* The program can write over the stub's data: what no run of the stub leaves is not
 * believed; the stub goes off, the trace goes on and ends complete. */
static void test_startup_clock_stub_scribbled(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-scribble-XXXXXX";
	script_dir(dir);
	char *site = xasprintf("%s/site", dir), *text;
	assert_int_equal(mkdir(site, 0755), 0);
	/* on, real0, elapsed, reads, then the three counts */
	text = xasprintf("import ctypes, time\n"
			 "libc = ctypes.CDLL(None)\n"
			 "libc.getauxval.restype = ctypes.c_ulong\n"
			 "base = libc.getauxval(33)\n"
			 "time.monotonic()\n"
			 "if base:\n"
			 "    data = (ctypes.c_int64 * 8).from_address(base + %zu)\n"
			 "    data[4] = -5; data[5] = 1 << 62\n"
			 "open('seen', 'w').write(str(base != 0) + ' ' + str(time.monotonic() > 0))\n",
			 sd_vdso_data_off);
	write_file(site, "sitecustomize.py", text);
	free(text);
	write_file(dir, "s.py", "import time\nprint(time.monotonic())\n");
	write_file(dir, "marker", "");
	char *old = set_pythonpath(site);
	struct seen s;
	trace_script_with(dir, true, true, false, false, &s);   /* asserts it ends complete */
	restore_pythonpath(old);
	char *seen = xasprintf("%s/seen", dir);
	char *got = slurp_and_remove(seen);
	assert_string_equal(got, "True True");
	assert_true(s.unrecorded[sd_syscall_nr("clock_gettime")] < 1000000);
	assert_non_null(s.user_clock);   /* the script's read, answered by the tracer */
	seen_free(&s);
	free(got);
	free(seen);
	remove_tree(dir);
	free(site);
}

/* A trace read only for its paths (validate's calibration runs, paths_only) names the
 * same paths in the same order as a whole one, and the script does the same; the calls
 * that need no stop are not in it, and what names no path and keeps nothing is only
 * counted. */
static void test_paths_only(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-paths-XXXXXX";
	script_dir(dir);
	write_file(dir, "marker", "");
	write_file(dir, "s.py", "import os, time, signal\n"
		   "os.stat('marker')\n"
		   "signal.signal(signal.SIGUSR1, signal.SIG_IGN)\n"
		   "os.makedirs('a/b', exist_ok=True)\n"
		   "with open('a/b/out', 'w') as f:\n"
		   "    f.write(str(time.monotonic()) + os.readlink('/proc/self/cwd'))\n"
		   "os.rename('a/b/out', 'a/moved')\n"
		   "with open('a/moved') as f:\n"
		   "    f.seek(3)\n"
		   "    print(f.read(), os.listdir('a'), os.getpid() > 0)\n");
	struct seen whole, paths;
	trace_script_with(dir, true, true, false, true, &whole);
	char *moved = xasprintf("%s/a/moved", dir);
	char *whole_out = slurp(moved);
	char *a = xasprintf("%s/a", dir);
	remove_tree(a);   /* the script makes it again */
	trace_script_with(dir, true, true, true, true, &paths);
	char *paths_out = slurp(moved);

	assert_string_equal(whole_out, paths_out);   /* the same clock, the same cwd */
	assert_true(whole.paths.len > 0);
	assert_string_equal(sb_str(&whole.paths), sb_str(&paths.paths));
	assert_non_null(strstr(sb_str(&paths.paths), "/a/moved\n"));
	int n_sigaction = sd_syscall_nr("rt_sigaction"), n_lseek = sd_syscall_nr("lseek");
	int n_read = sd_syscall_nr("read"), n_mmap = sd_syscall_nr("mmap");
	assert_true(whole.unrecorded[n_sigaction] > 0);   /* the script's own, counted */
	assert_int_equal(paths.recorded[n_sigaction] + paths.unrecorded[n_sigaction], 0);
	assert_true(whole.recorded[n_lseek] > 0);
	assert_int_equal(paths.recorded[n_lseek] + paths.unrecorded[n_lseek], 0);
	assert_true(paths.recorded[n_read] < whole.recorded[n_read]);
	assert_true(paths.unrecorded[n_read] > whole.unrecorded[n_read]);
	assert_true(paths.unrecorded[n_mmap] >= whole.unrecorded[n_mmap]);
	assert_true(paths.events < whole.events);
	seen_free(&whole);
	seen_free(&paths);
	free(whole_out);
	free(paths_out);
	remove_tree(dir);
	free(moved);
	free(a);
}

/* The noise the comparison drops by name (validate's counted set) is counted, not
 * recorded, wherever the tracer keeps nothing of it, and the counts are what a trace
 * recording everything shows; the script's output is the same. */
static void test_counted_noise(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-noise-XXXXXX";
	script_dir(dir);
	/* after start-up: a large buffer (mmap, munmap), a signal disposition */
	write_file(dir, "s.py", "import signal\nb = bytearray(1 << 24)\ndel b\n"
		   "signal.signal(signal.SIGUSR1, signal.SIG_IGN)\nprint('done')\n");
	struct seen counted, full;
	trace_script_with(dir, true, true, false, true, &counted);
	trace_script_with(dir, false, true, false, false, &full);
	static const char *const names[] = { "mmap", "munmap", "rt_sigaction", "brk", "mprotect" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		int nr = sd_syscall_nr(names[i]);
		assert_int_equal(counted.recorded[nr], 0);
		assert_int_equal(full.unrecorded[nr], 0);
		assert_int_equal(counted.unrecorded[nr], full.recorded[nr]);
	}
	int n_munmap = sd_syscall_nr("munmap"), n_futex = sd_syscall_nr("futex");
	assert_true(counted.unrecorded[n_munmap] > 0);   /* the script's buffer, after start-up */
	/* what the tracer needs is still recorded: clock reads of the script, futexes */
	assert_int_equal(counted.unrecorded[n_futex], 0);
	seen_free(&counted);
	seen_free(&full);
	remove_tree(dir);
}

/* A calibration run's start-up under the loose filter (tracer.h, loose_startup): its
 * probes are not seen, and the whole filter goes in where they would matter: a file
 * stamped in start-up (its later stats are answered, so recorded), a fork in start-up
 * (the child's calls are not start-up's), and start-up's end (the script's calls).
 * What is named after start-up, and what the script writes, are the same as without. */
static void test_loose_startup(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-loose-XXXXXX";
	script_dir(dir);
	char *site = xasprintf("%s/site", dir);
	assert_int_equal(mkdir(site, 0755), 0);
	write_file(dir, "marker", "");
	write_file(dir, "childmark", "");
	write_file(site, "sitecustomize.py",
		   "import os\n"
		   "if os.environ.get('SD_TEST_FORK'):\n"
		   "    pid = os.fork()\n"
		   "    if pid == 0:\n"
		   "        os.stat('childmark')\n"
		   "        os._exit(0)\n"
		   "    os.waitpid(pid, 0)\n"
		   "if os.environ.get('SD_TEST_STAMP'):\n"
		   "    open('stamp', 'w').close()\n"
		   "    os.stat('marker')\n");
	write_file(dir, "s.py", "import os, time\n"
		   "os.stat('marker')\n"
		   "with open('out', 'w') as f:\n"
		   "    f.write(str(time.monotonic()) + str(os.path.exists('stamp')))\n");
	char *old = set_pythonpath(site);
	char *out = xasprintf("%s/out", dir);
	int n_stat = sd_syscall_nr("newfstatat");
	for (int round = 0; round < 3; round++) {
		unsetenv("SD_TEST_FORK");
		unsetenv("SD_TEST_STAMP");
		if (round == 1)
			setenv("SD_TEST_STAMP", "1", 1);
		if (round == 2)
			setenv("SD_TEST_FORK", "1", 1);
		struct seen strict, loose;
		char *stamp = xasprintf("%s/stamp", dir);
		unlink(stamp);
		trace_loose = false;
		trace_script_with(dir, true, true, true, true, &strict);
		char *strict_out = slurp_and_remove(out);
		unlink(stamp);
		trace_loose = true;
		trace_script_with(dir, true, true, true, true, &loose);
		trace_loose = false;
		char *loose_out = slurp_and_remove(out);
		free(stamp);
		assert_string_equal(strict_out, loose_out);
		assert_true(strict.paths_after.len > 0);
		assert_string_equal(sb_str(&strict.paths_after), sb_str(&loose.paths_after));
		assert_non_null(strstr(sb_str(&loose.paths_after), "/marker\n"));
		/* start-up's stats: counted at a stop each, or not seen at all */
		assert_true(strict.unrecorded[n_stat] > 10);
		assert_true(loose.unrecorded[n_stat] < strict.unrecorded[n_stat] / 2);
		if (round == 1) {   /* stamped in start-up: its stat after is recorded */
			assert_true(strict.startup[n_stat] > 0);
			assert_int_equal(loose.startup[n_stat], strict.startup[n_stat]);
		}
		if (round == 2)     /* the child's stat, made under the whole filter */
			assert_non_null(strstr(sb_str(&loose.paths_after), "/childmark\n"));
		seen_free(&strict);
		seen_free(&loose);
		free(strict_out);
		free(loose_out);
	}
	unsetenv("SD_TEST_FORK");
	unsetenv("SD_TEST_STAMP");
	restore_pythonpath(old);
	remove_tree(dir);
	free(site);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_unrecorded),
		cmocka_unit_test(test_startup_clock_stub),
		cmocka_unit_test(test_startup_clock_stub_scribbled),
		cmocka_unit_test(test_paths_only),
		cmocka_unit_test(test_counted_noise),
		cmocka_unit_test(test_loose_startup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
