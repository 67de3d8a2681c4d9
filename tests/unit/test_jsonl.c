/* test_jsonl.c - the JSON Lines writer and reader: lossless round trips of every
 * field and event kind (plain, gzip and zstd), whole-line output, what version 2 leaves
 * out and the reader defaults, version 1 traces, compressed traces cut short, write
 * errors, and the reader's error messages. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <jansson.h>

#include "arch/syscalls.h"
#include "format/jsonl_int.h"
#include "format/reader.h"
#include "format/writers.h"
#include "util/util.h"

/* ---- helpers ---- */

static char *read_fd_all(int fd, size_t *len)
{
	struct sb sb = SB_INIT;
	char buf[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sb_add(&sb, buf, n);
	*len = sb.len;
	return sb_detach(&sb);
}

static struct sd_trace_info std_info(char **argv)
{
	return (struct sd_trace_info){
		.version = 2, .tool = "sysdiff 0.1.0", .arch = "x86_64", .argv = argv,
		.cwd = "/home/u/p", .pid = 4100, .start_real_ns = 1700000000123456789ull,
		.max_bytes = 4096,
	};
}

/* Write info, events and (if te) the trailer, compressed with c; return the file's bytes. */
static char *write_trace_z(const struct sd_trace_info *ti, const struct sd_event *evs, int n,
			   const struct sd_trace_end *te, size_t *len, enum sd_compress c)
{
	int fd = memfd_create("jsonl", 0);
	assert_true(fd >= 0);
	struct sd_sink *s = sd_sink_jsonl_new_compressed(fd, c);
	assert_non_null(s);
	s->begin(s, ti);
	for (int i = 0; i < n; i++)
		s->event(s, &evs[i]);
	if (te)
		assert_int_equal(s->end(s, te), 0);
	s->destroy(s);
	char *data = read_fd_all(fd, len);
	close(fd);
	return data;
}

static char *write_trace(const struct sd_trace_info *ti, const struct sd_event *evs, int n,
			 const struct sd_trace_end *te, size_t *len)
{
	return write_trace_z(ti, evs, n, te, len, SD_COMPRESS_NONE);
}

static void assert_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_arg_eq(const struct sd_arg *a, const struct sd_arg *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->at_exit, b->at_exit);
	assert_true(a->raw == b->raw);
	assert_str_eq(a->text, b->text);
	assert_str_eq(a->ref, b->ref);
	assert_str_eq(a->str, b->str);
	assert_str_eq(a->abs, b->abs);
	assert_true(a->buf.len == b->buf.len);
	assert_true(a->buf.hash == b->buf.hash);
	assert_int_equal(a->buf.kept, b->buf.kept);
	assert_int_equal(a->buf.hash_valid, b->buf.hash_valid);
	assert_int_equal(!a->buf.data, !b->buf.data);
	if (a->buf.kept)
		assert_memory_equal(a->buf.data, b->buf.data, a->buf.kept);
	assert_int_equal(a->nstrv, b->nstrv);
	assert_int_equal(!a->strv, !b->strv);
	for (int i = 0; i < a->nstrv; i++)
		assert_string_equal(a->strv[i], b->strv[i]);
	assert_int_equal(a->strv_more, b->strv_more);
}

static void assert_event_eq(const struct sd_event *a, const struct sd_event *b)
{
	assert_true(a->seq == b->seq);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->kind, b->kind);
	assert_true(a->t_ns == b->t_ns);
	assert_true(a->dur_ns == b->dur_ns);
	assert_int_equal(a->nr, b->nr);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->nargs, b->nargs);
	for (int i = 0; i < a->nargs; i++)
		assert_arg_eq(&a->args[i], &b->args[i]);
	assert_int_equal(a->finished, b->finished);
	assert_true(a->ret == b->ret);
	assert_int_equal(a->ret_fmt, b->ret_fmt);
	assert_str_eq(a->ret_ref, b->ret_ref);
	assert_str_eq(a->ret_text, b->ret_text);
	assert_int_equal(a->interrupted, b->interrupted);
	assert_true(a->restart_of == b->restart_of);
	assert_int_equal(a->sig, b->sig);
	assert_str_eq(a->siginfo, b->siginfo);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->core, b->core);
	assert_int_equal(a->old_tid, b->old_tid);
	assert_str_eq(a->src.file, b->src.file);
	assert_int_equal(a->src.line, b->src.line);
	assert_str_eq(a->src.func, b->src.func);
}

static void assert_info_eq(const struct sd_trace_info *a, const struct sd_trace_info *b)
{
	assert_int_equal(a->version, b->version);
	assert_str_eq(a->tool, b->tool);
	assert_str_eq(a->arch, b->arch);
	assert_str_eq(a->cwd, b->cwd);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->attached, b->attached);
	assert_true(a->start_real_ns == b->start_real_ns);
	assert_int_equal(a->max_bytes, b->max_bytes);
	assert_int_equal(!a->argv, !b->argv);
	for (int i = 0; a->argv && a->argv[i]; i++)
		assert_str_eq(a->argv[i], b->argv[i]);
	if (a->argv) {
		int n = 0;
		while (a->argv[n])
			n++;
		assert_null(b->argv[n]);
	}
}

/* Write compressed with c, read back from memory (plain only) and from a file, compare
 * everything. */
static void roundtrip_z(const struct sd_trace_info *ti, const struct sd_event *evs, int n,
			const struct sd_trace_end *te, enum sd_compress c)
{
	size_t len;
	char *data = write_trace_z(ti, evs, n, te, &len, c);
	char path[] = "/tmp/test_jsonl_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);

	for (int pass = c == SD_COMPRESS_NONE ? 0 : 1; pass < 2; pass++) {
		char *err = NULL;
		struct sd_reader *r = pass ? sd_reader_open(path, &err)
					   : sd_reader_open_mem(data, len, "mem", &err);
		if (!r)
			fail_msg("open: %s\n%s", err, data);
		assert_info_eq(ti, sd_reader_info(r));
		for (int i = 0; i < n; i++) {
			struct sd_event ev;
			int rc = sd_reader_next(r, &ev, &err);
			if (rc != 1)
				fail_msg("event %d: rc %d: %s\n%s", i, rc, err ? err : "", data);
			assert_event_eq(&evs[i], &ev);
			sd_event_clear(&ev);
		}
		struct sd_event ev;
		assert_int_equal(sd_reader_next(r, &ev, &err), 0);
		const struct sd_trace_end *e = sd_reader_end(r);
		if (te) {
			assert_non_null(e);
			assert_int_equal(e->complete, te->complete);
			assert_true(e->events == te->events);
			assert_int_equal(e->exit_status, te->exit_status);
			assert_str_eq(e->reason, te->reason);
			assert_int_equal(e->nunrecorded, te->nunrecorded);
			for (size_t k = 0; k < te->nunrecorded; k++) {
				assert_string_equal(e->unrecorded[k].name, te->unrecorded[k].name);
				assert_true(e->unrecorded[k].n == te->unrecorded[k].n);
			}
		} else {
			assert_null(e);
		}
		sd_reader_close(r);
	}
	unlink(path);
	free(data);
}

static void roundtrip(const struct sd_trace_info *ti, const struct sd_event *evs, int n,
		      const struct sd_trace_end *te)
{
	roundtrip_z(ti, evs, n, te, SD_COMPRESS_NONE);
	roundtrip_z(ti, evs, n, te, SD_COMPRESS_GZIP);
	roundtrip_z(ti, evs, n, te, SD_COMPRESS_ZSTD);
}

static struct sd_event syscall_ev(uint64_t seq, const char *name, int nr, int64_t ret)
{
	struct sd_event ev;
	sd_event_init(&ev);
	ev.seq = seq;
	ev.pid = ev.tid = 4100;
	ev.kind = SD_EV_SYSCALL;
	ev.t_ns = 1234000 + seq * 1000;
	ev.dur_ns = 4000;
	snprintf(ev.name, sizeof ev.name, "%s", name);
	ev.nr = nr;
	ev.finished = true;
	ev.ret = ret;
	return ev;
}

static struct sd_arg buf_arg(int64_t addr, const void *data, uint32_t kept, uint64_t len)
{
	return (struct sd_arg){ .type = SD_ARG_BUF, .raw = addr, .buf = {
		.len = len, .hash = 0x5b6f0c1d9a0e7f21ull, .kept = kept, .hash_valid = true,
		.data = (unsigned char *)data } };
}

static const struct sd_trace_end end_ok = { .complete = true, .events = 1, .exit_status = 0 };

/* ---- round trips ---- */

static void test_roundtrip_openat(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info((char *[]){ "sh", "-c", "echo hi > out.txt", NULL });
	struct sd_event ev = syscall_ev(12, "openat", 257, 3);
	ev.nargs = 4;
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = -100, .text = "AT_FDCWD" };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 0x7ffd0000a000, .str = "out.txt",
				      .abs = "/home/u/p/out.txt" };
	ev.args[2] = (struct sd_arg){ .type = SD_ARG_FLAGS, .raw = 577,
				      .text = "O_WRONLY|O_CREAT|O_TRUNC" };
	ev.args[3] = (struct sd_arg){ .type = SD_ARG_MODE, .raw = 0644, .text = "0644" };
	ev.ret_fmt = SD_RET_FD;
	ev.ret_ref = "/home/u/p/out.txt";
	ev.src = (struct sd_srcloc){ .file = "main.c", .line = 42, .func = "main" };
	roundtrip(&ti, &ev, 1, &end_ok);
}

static void test_roundtrip_every_arg_type(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info(NULL);
	struct sd_event evs[3];
	evs[0] = syscall_ev(1, "fake", 999, -2);
	evs[0].nargs = 6;
	evs[0].args[0] = (struct sd_arg){ .type = SD_ARG_INT, .raw = INT64_MIN };
	evs[0].args[1] = (struct sd_arg){ .type = SD_ARG_UINT, .raw = (int64_t)UINT64_MAX };
	evs[0].args[2] = (struct sd_arg){ .type = SD_ARG_HEX, .raw = INT64_MAX, .text = "0x1 /* x */" };
	evs[0].args[3] = (struct sd_arg){ .type = SD_ARG_PTR, .raw = 0 };
	evs[0].args[4] = (struct sd_arg){ .type = SD_ARG_STRUCT, .raw = 0x1000, .at_exit = true,
					  .text = "{st_mode=S_IFREG|0644, st_size=14, ...}" };
	evs[0].args[5] = (struct sd_arg){ .type = SD_ARG_SIGNAL, .raw = 15, .text = "SIGTERM" };
	evs[1] = syscall_ev(2, "fcntl", 72, 0x8002);
	evs[1].nargs = 2;
	evs[1].args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = 3, .ref = "pipe:[123]" };
	evs[1].args[1] = (struct sd_arg){ .type = SD_ARG_FLAGS, .raw = 3, .text = "F_GETFL" };
	evs[1].ret_fmt = SD_RET_HEX;
	evs[1].ret_text = "flags O_RDWR|O_LARGEFILE";
	evs[2] = syscall_ev(3, "umask", 95, 022);
	evs[2].nargs = 1;
	evs[2].args[0] = (struct sd_arg){ .type = SD_ARG_MODE, .raw = 077 };
	evs[2].ret_fmt = SD_RET_OCT;
	/* fields outside their usual type must survive too */
	evs[2].args[0].str = "odd";
	evs[2].args[0].ref = "ref";
	struct sd_count unrec[] = { { "clock_gettime", 228 }, { "newfstatat", UINT32_MAX + 7ull } };
	struct sd_trace_end te = { .complete = false, .reason = "interrupted by SIGINT",
				   .events = 3, .exit_status = 130, .unrecorded = unrec, .nunrecorded = 2 };
	roundtrip(&ti, evs, 3, &te);
}

static void test_roundtrip_buffers(void **state)
{
	(void)state;
	static const unsigned char bin[] = { 0, 1, 2, 0xff, 0xfe, '\n', 0x80, 0 };
	static const char ctl[] = "q\"b\\s/\x01\x1f\x7f\t\r\n\b\f h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	struct sd_trace_info ti = std_info((char *[]){ "cat", NULL });
	struct sd_event evs[2];
	evs[0] = syscall_ev(1, "read", 0, 8);
	evs[0].nargs = 3;
	evs[0].args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = 0 };
	evs[0].args[1] = buf_arg(0x5000, bin, sizeof bin, sizeof bin);
	evs[0].args[1].at_exit = true;
	evs[0].args[2] = (struct sd_arg){ .type = SD_ARG_UINT, .raw = 4096 };
	evs[1] = syscall_ev(2, "writev", 20, 100000);
	evs[1].nargs = 5;
	evs[1].args[0] = buf_arg(0x6000, ctl, sizeof ctl - 1, 100000);   /* kept < len */
	evs[1].args[1] = buf_arg(0x7000, "", 0, 0);                      /* empty, data set */
	evs[1].args[2] = buf_arg(0x8000, NULL, 0, 50);                   /* nothing kept */
	evs[1].args[2].buf.hash_valid = false;
	evs[1].args[3] = buf_arg(0x9000, "ab\0cd", 5, (uint64_t)INT64_MAX + 7);
	evs[1].args[3].buf.hash = 0;
	evs[1].args[4] = (struct sd_arg){ .type = SD_ARG_INT, .raw = 5,
					  .buf = { .len = 3, .hash = 0, .hash_valid = true } };
	roundtrip(&ti, evs, 2, &end_ok);

	/* the wire form: binary as data_hex, text as an escaped JSON string */
	size_t len;
	char *data = write_trace(&ti, evs, 2, &end_ok, &len);
	assert_non_null(strstr(data, "\"data_hex\":\"000102fffe0a8000\""));
	assert_non_null(strstr(data, "\"data\":\"q\\\"b\\\\s/\\u0001\\u001f\\u007f\\t\\r\\n\\b\\f h\xc3\xa9"));
	assert_non_null(strstr(data, "\"hash\":\"5b6f0c1d9a0e7f21\""));
	assert_non_null(strstr(data, "\"hash_valid\":false"));
	assert_non_null(strstr(data, "\"data\":\"ab\\u0000cd\""));
	assert_non_null(strstr(data, "\"len\":-9223372036854775802"));
	free(data);
}

static void test_roundtrip_paths_and_strv(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info((char *[]){ "x\xff\xfey", "", "\xc3\xa9t\xc3\xa9", NULL });
	ti.attached = true;
	ti.cwd = "/t\xe9mp";
	ti.tool = "sysdiff \"q\"";
	struct sd_event evs[2];
	evs[0] = syscall_ev(5, "execve", 59, 0);
	evs[0].nargs = 3;
	evs[0].args[0] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 0x1000, .str = "./\xff\xfe",
					  .abs = "/home/\xc0\xaf/\xff\xfe" };
	evs[0].args[1] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0x2000, .nstrv = 3,
					  .strv = (char *[]){ "ls", "\x80", "a\"b\n" } };
	evs[0].args[2] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0x3000, .nstrv = 1,
					  .strv = (char *[]){ "A=1" }, .strv_more = true };
	evs[1] = syscall_ev(6, "execve", 59, -14);
	evs[1].nargs = 3;
	evs[1].args[0] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 0xdead };   /* unreadable */
	evs[1].args[1] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0x2000, .nstrv = 0,
					  .strv = (char *[]){ NULL } };       /* empty, not NULL */
	evs[1].args[2] = (struct sd_arg){ .type = SD_ARG_STRV, .raw = 0 };  /* NULL */
	roundtrip(&ti, evs, 2, &end_ok);

	size_t len;
	char *data = write_trace(&ti, evs, 2, &end_ok, &len);
	assert_non_null(strstr(data, "\"argv\":[{\"hex\":\"78fffe79\"},\"\",\"\xc3\xa9t\xc3\xa9\"]"));
	assert_non_null(strstr(data, "{\"type\":\"path\",\"raw_hex\":\"2e2ffffe\",\"addr\":4096,"
				     "\"abs_hex\":\"2f686f6d652fc0af2ffffe\"}"));
	assert_non_null(strstr(data, "\"strv\":[\"ls\",{\"hex\":\"80\"},\"a\\\"b\\n\"]"));
	assert_non_null(strstr(data, "\"strv_more\":true"));
	assert_non_null(strstr(data, "\"ret\":-14,\"err\":\"EFAULT\""));
	assert_non_null(strstr(data, "\"cwd_hex\":\"2f74e96d70\""));
	free(data);
}

static void test_roundtrip_unfinished_restart(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info(NULL);
	struct sd_event evs[3];
	evs[0] = syscall_ev(7, "nanosleep", 35, -512);
	evs[0].interrupted = true;
	evs[0].nargs = 2;
	evs[0].args[0] = (struct sd_arg){ .type = SD_ARG_STRUCT, .raw = 0x10, .text = "{tv_sec=5, tv_nsec=0}" };
	evs[0].args[1] = (struct sd_arg){ .type = SD_ARG_PTR, .raw = 0, .at_exit = true };
	evs[1] = syscall_ev(9, "nanosleep", 219, 0);
	evs[1].restart_of = 7;
	evs[2] = syscall_ev(10, "exit_group", 231, 0);
	evs[2].finished = false;
	evs[2].dur_ns = 0;
	evs[2].nargs = 1;
	evs[2].args[0] = (struct sd_arg){ .type = SD_ARG_INT, .raw = 3 };
	roundtrip(&ti, evs, 3, &end_ok);

	size_t len;
	char *data = write_trace(&ti, evs, 3, &end_ok, &len);
	assert_non_null(strstr(data, "\"ret\":-512,\"err\":\"ERESTARTSYS\",\"interrupted\":true"));
	assert_non_null(strstr(data, "\"restart_of\":7"));
	assert_non_null(strstr(data, "\"ret\":null,\"unfinished\":true"));
	free(data);
}

static void test_roundtrip_kinds(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info((char *[]){ "a", NULL });
	struct sd_event evs[7];
	for (int i = 0; i < 7; i++) {
		sd_event_init(&evs[i]);
		evs[i].seq = 20 + i;
		evs[i].pid = 4100;
		evs[i].tid = 4101 + i;
		evs[i].t_ns = 999999999 + i;
	}
	evs[0].kind = SD_EV_SIGNAL;
	evs[0].sig = 17;
	evs[0].siginfo = "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4200, si_status=0}";
	evs[1].kind = SD_EV_STOP;
	evs[1].sig = 19;
	evs[2].kind = SD_EV_EXIT;
	evs[2].status = 3;
	evs[3].kind = SD_EV_KILLED;
	evs[3].sig = 11;
	evs[3].core = true;
	evs[4].kind = SD_EV_SUPERSEDED;
	evs[4].old_tid = 4102;
	evs[5].kind = SD_EV_DETACHED;
	evs[6].kind = SD_EV_KILLED;   /* odd values outside the kind's usual fields */
	evs[6].sig = 64;
	evs[6].dur_ns = 5;
	evs[6].status = -1;
	evs[6].nr = 3;
	evs[6].src.func = "f";
	roundtrip(&ti, evs, 7, &end_ok);

	size_t len;
	char *data = write_trace(&ti, evs, 4, &end_ok, &len);
	assert_non_null(strstr(data, "\"type\":\"signal\",\"sig\":\"SIGCHLD\",\"signo\":17,\"siginfo\":"));
	assert_non_null(strstr(data, "\"type\":\"stop\",\"sig\":\"SIGSTOP\",\"signo\":19}"));
	assert_non_null(strstr(data, "\"type\":\"exit\",\"status\":3}"));
	assert_non_null(strstr(data, "\"type\":\"killed\",\"sig\":\"SIGSEGV\",\"signo\":11,\"core\":true}"));
	free(data);
}

/* t and dur are decimal seconds; they must come back exact to the ns. */
static void test_roundtrip_times(void **state)
{
	(void)state;
	static const uint64_t fixed[] = {
		0, 1, 999999999, 1000000000, 1000000001, 4194303999999999ull,
		4194304000000000ull, 4194304000000001ull, 86400000000123ull, UINT64_MAX,
	};
	enum { N = 2000 };
	struct sd_trace_info ti = std_info(NULL);
	struct sd_event *evs = calloc(N, sizeof *evs);
	uint64_t x = 88172645463325252ull;

	ti.start_real_ns = 1767225599999999999ull;
	for (int i = 0; i < N; i++) {
		evs[i] = syscall_ev(i + 1, "getpid", 39, 4100);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (i < (int)(sizeof fixed / sizeof *fixed)) {
			evs[i].t_ns = fixed[i];
			evs[i].dur_ns = fixed[sizeof fixed / sizeof *fixed - 1 - i];
		} else {
			/* random values below and above 2^22 s */
			evs[i].t_ns = x % (i % 2 ? 4194304000000000ull : 18000000000000000000ull);
			evs[i].dur_ns = x % (1ull << (i % 64));
		}
	}
	roundtrip(&ti, evs, N, NULL);
	free(evs);
}

/* ---- the writer's output ---- */

static void test_header_and_trailer_text(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info((char *[]){ "sh", NULL });
	struct sd_trace_end te = { .complete = false, .events = 41, .exit_status = 0,
				   .reason = "tracer failed" };
	size_t len;
	char *data = write_trace(&ti, NULL, 0, &te, &len);
	assert_string_equal(data,
		"{\"sysdiff_trace\":2,\"tool\":\"sysdiff 0.1.0\",\"arch\":\"x86_64\",\"argv\":[\"sh\"],"
		"\"cwd\":\"/home/u/p\",\"pid\":4100,\"attached\":false,\"start\":1700000000.123456,"
		"\"start_ns\":\"1700000000123456789\",\"max_bytes\":4096}\n"
		"{\"end\":true,\"complete\":false,\"events\":41,\"exit_status\":0,"
		"\"reason\":\"tracer failed\"}\n");
	free(data);
	/* calls left unrecorded (validate's quick start-up): counted by name */
	struct sd_count unrec[] = { { "read", 30 }, { "rt_sigaction", 65 } };
	te = (struct sd_trace_end){ .complete = true, .events = 2, .unrecorded = unrec, .nunrecorded = 2 };
	data = write_trace(&ti, NULL, 0, &te, &len);
	assert_non_null(strstr(data, "\n{\"end\":true,\"complete\":true,\"events\":2,\"exit_status\":0,"
			       "\"unrecorded\":{\"read\":30,\"rt_sigaction\":65}}\n"));
	free(data);
}

static void test_event_line_text(void **state)
{
	(void)state;
	struct sd_event ev = syscall_ev(12, "openat", 257, -2);
	ev.t_ns = 1234567;
	ev.dur_ns = 4000;
	ev.nargs = 2;
	ev.args[0] = (struct sd_arg){ .type = SD_ARG_FD, .raw = -100, .text = "AT_FDCWD" };
	ev.args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 1, .str = "a\tb", .abs = "/a\tb" };
	struct sd_trace_info ti = std_info(NULL);
	size_t len;
	char *data = write_trace(&ti, &ev, 1, NULL, &len);
	const char *line = strchr(data, '\n') + 1;
	/* "nr" 257 is openat's: left out */
	assert_string_equal(line,
		"{\"seq\":12,\"pid\":4100,\"tid\":4100,\"t\":0.001234567,\"dur\":0.000004000,"
		"\"type\":\"syscall\",\"name\":\"openat\",\"args\":["
		"{\"type\":\"fd\",\"raw\":-100,\"text\":\"AT_FDCWD\"},"
		"{\"type\":\"path\",\"raw\":\"a\\tb\",\"addr\":1,\"abs\":\"/a\\tb\"}],"
		"\"ret\":-2,\"err\":\"ENOENT\"}\n");
	/* every line is valid JSON for other tools too */
	json_error_t je;
	json_t *j = json_loads(line, 0, &je);
	assert_non_null(j);
	json_decref(j);
	free(data);

	/* standing alone (reports), an event keeps every field, as in version 1 */
	struct sb sb = SB_INIT;
	sd_jsonl_format_event(&sb, &ev);
	assert_non_null(strstr(sb.buf, "\"name\":\"openat\",\"nr\":257,"));
	sb_free(&sb);
}

/* Output is written in whole lines only: after any event() the file ends
 * with '\n', and a big trace reaches the fd before end(). */
static void test_whole_lines(void **state)
{
	(void)state;
	int fd = memfd_create("jsonl", 0);
	struct sd_sink *s = sd_sink_jsonl_new(fd);
	struct sd_trace_info ti = std_info(NULL);
	char big[3000];
	memset(big, 'x', sizeof big);
	s->begin(s, &ti);
	off_t first_size = lseek(fd, 0, SEEK_END);
	assert_true(first_size > 0);   /* the header is written at once */
	bool flushed = false;
	for (int i = 0; i < 200; i++) {
		struct sd_event ev = syscall_ev(i + 1, "write", 1, sizeof big);
		ev.nargs = 1;
		ev.args[0] = buf_arg(0x1000, big, sizeof big, sizeof big);
		s->event(s, &ev);
		off_t size = lseek(fd, 0, SEEK_END);
		char c;
		assert_int_equal(pread(fd, &c, 1, size - 1), 1);
		assert_int_equal(c, '\n');
		flushed |= size > first_size;
	}
	assert_true(flushed);
	struct sd_trace_end te = { .complete = true, .events = 200 };
	assert_int_equal(s->end(s, &te), 0);
	s->destroy(s);
	size_t len;
	char *data = read_fd_all(fd, &len);
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(data, len, "big", &err);
	struct sd_event ev;
	int n = 0;
	while (sd_reader_next(r, &ev, &err) == 1) {
		n++;
		sd_event_clear(&ev);
	}
	assert_int_equal(n, 200);
	assert_non_null(sd_reader_end(r));
	sd_reader_close(r);
	free(data);
	close(fd);
}

static void test_write_error(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	struct sd_sink *s = sd_sink_jsonl_new(fd);
	struct sd_trace_info ti = std_info(NULL);
	struct sd_trace_end te = { .complete = true };
	s->begin(s, &ti);
	errno = ECHILD;   /* what the tracer's last wait4 leaves behind */
	assert_int_equal(s->end(s, &te), -1);
	assert_int_equal(errno, ENOSPC);
	s->destroy(s);
	for (int c = SD_COMPRESS_GZIP; c <= SD_COMPRESS_ZSTD; c++) {
		s = sd_sink_jsonl_new_compressed(fd, c);
		s->begin(s, &ti);
		errno = ECHILD;
		assert_int_equal(s->end(s, &te), -1);
		assert_int_equal(errno, ENOSPC);
		s->destroy(s);
	}
	close(fd);
}

/* ---- the reader: truncation and errors ---- */

#define HDR "{\"sysdiff_trace\":1,\"tool\":\"t\",\"arch\":\"x86_64\",\"argv\":[\"a\"],\"pid\":1," \
	    "\"attached\":false,\"start\":1.5,\"max_bytes\":64}\n"
#define EV1 "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0.5,\"type\":\"syscall\",\"name\":\"getpid\"," \
	    "\"nr\":39,\"args\":[],\"ret\":1}\n"
#define END "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0}\n"
#define HDR2 "{\"sysdiff_trace\":2,\"pid\":1,\"start\":1.5,\"start_ns\":\"1500000001\"}\n"

/* Read all of text; return the first error message (malloc'd), or NULL. */
static char *read_error(const char *text)
{
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(text, strlen(text), "t.jsonl", &err);
	struct sd_event ev;
	int rc;

	if (!r)
		return err;
	while ((rc = sd_reader_next(r, &ev, &err)) == 1)
		sd_event_clear(&ev);
	if (rc == 0)
		err = NULL;
	else {  /* errors are sticky */
		char *again = NULL;
		assert_int_equal(sd_reader_next(r, &ev, &again), -1);
		assert_string_equal(again, err);
		free(again);
	}
	sd_reader_close(r);
	return err;
}

static void expect_error(const char *text, const char *msg)
{
	char *err = read_error(text);
	if (!err != !msg || (err && strcmp(err, msg)))
		fail_msg("expected: %s\n     got: %s\ninput:\n%.300s", msg, err ? err : "(no error)", text);
	free(err);
}

static void test_reader_minimal(void **state)
{
	(void)state;
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(HDR EV1 END, strlen(HDR EV1 END), "m", &err);
	assert_non_null(r);
	const struct sd_trace_info *ti = sd_reader_info(r);
	assert_int_equal(ti->version, 1);
	assert_true(ti->start_real_ns == 1500000000);
	assert_null(ti->cwd);
	struct sd_event ev;
	assert_int_equal(sd_reader_next(r, &ev, &err), 1);
	assert_true(ev.t_ns == 500000000);
	assert_true(ev.dur_ns == 0);
	assert_string_equal(ev.name, "getpid");
	assert_true(ev.finished);
	sd_event_clear(&ev);
	assert_int_equal(sd_reader_next(r, &ev, &err), 0);
	assert_non_null(sd_reader_end(r));
	assert_int_equal(sd_reader_next(r, &ev, &err), 0);
	sd_reader_close(r);

	/* unknown keys are ignored; the last line may lack its newline */
	expect_error("{\"sysdiff_trace\":1,\"new\":[1,{}],\"pid\":1,\"start\":0}\n"
		     "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"exit\",\"status\":0,\"x\":{}}\n"
		     "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0}", NULL);
}

static void test_reader_truncated(void **state)
{
	(void)state;
	static const char *const cases[] = {
		HDR EV1 "{\"seq\":2,\"pid\":1,\"tid\":1,\"t\":0.5,\"type\":\"sysc",
		HDR EV1 "{\"end\":true,\"complete\":tr",
		HDR EV1,
		HDR EV1 "{",
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *err = NULL;
		struct sd_reader *r = sd_reader_open_mem(cases[i], strlen(cases[i]), "t", &err);
		assert_non_null(r);
		struct sd_event ev;
		assert_int_equal(sd_reader_next(r, &ev, &err), 1);
		sd_event_clear(&ev);
		assert_int_equal(sd_reader_next(r, &ev, &err), 0);
		assert_null(sd_reader_end(r));
		sd_reader_close(r);
	}
	/* an invalid line that does end with a newline is an error, not truncation */
	expect_error(HDR EV1 "{\"seq\":2,\n", "t.jsonl:3: invalid JSON at column 9: "
		     "string or '}' expected near end of file");
}

static void test_reader_errors(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "", "t.jsonl:1: empty file (not a sysdiff trace)" },
		{ "execve(\"/bin/ls\") = 0\n", "t.jsonl:1: not a sysdiff trace" },
		{ "[1]\n", "t.jsonl:1: not a sysdiff trace" },
		{ "{\"pid\":1}\n", "t.jsonl:1: not a sysdiff trace" },
		{ "{\"sysdiff_trace\":\"1\"}\n", "t.jsonl:1: not a sysdiff trace" },
		{ "{\"sysdiff_trace\":1,\"pid\":1,\"start\":0", "t.jsonl:1: truncated trace header" },
		{ "{\"sysdiff_trace\":3,\"pid\":1}\n",
		  "t.jsonl:1: unsupported version 3 (this sysdiff reads versions 1 to 2)" },
		{ "{\"sysdiff_trace\":0,\"pid\":1}\n",
		  "t.jsonl:1: unsupported version 0 (this sysdiff reads versions 1 to 2)" },
		{ "{\"sysdiff_trace\":2,\"pid\":1,\"start\":0,\"start_ns\":\"12a\"}\n",
		  "t.jsonl:1: field 'start_ns' must be a string of digits" },
		{ "{\"sysdiff_trace\":2,\"pid\":1,\"start\":0,\"start_ns\":\"\"}\n",
		  "t.jsonl:1: field 'start_ns' must be a string of 1 to 20 digits" },
		{ "{\"sysdiff_trace\":2,\"pid\":1,\"start\":0,\"start_ns\":\"18446744073709551616\"}\n",
		  "t.jsonl:1: field 'start_ns' out of range" },
		{ "{\"sysdiff_trace\":2,\"pid\":1,\"start\":0,\"start_ns\":1.5}\n",
		  "t.jsonl:1: field 'start_ns' must be an integer" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\","
		  "\"args\":[],\"ret\":0}\n", "t.jsonl:2: missing field 'nr'" },
		{ HDR2 "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\","
		  "\"args\":[{\"type\":\"path\",\"raw\":\"a\",\"abs\":null,\"abs_hex\":\"61\"}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: both 'abs' and 'abs_hex' present" },
		{ HDR2 "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\","
		  "\"args\":[{\"type\":\"fd\",\"raw\":1,\"abs\":null}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: field 'abs' must be a string" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":1,"
		  "\"args\":[{\"type\":\"path\",\"raw\":\"a\",\"abs\":null}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: field 'abs' must be a string" },
		{ "{\"sysdiff_trace\":1,\"start\":0}\n", "t.jsonl:1: missing field 'pid'" },
		{ "{\"sysdiff_trace\":1,\"pid\":1}\n", "t.jsonl:1: missing field 'start'" },
		{ "{\"sysdiff_trace\":1,\"pid\":-1,\"start\":0}\n",
		  "t.jsonl:1: field 'pid' out of range: -1" },
		{ "{\"sysdiff_trace\":1,\"pid\":1,\"start\":0,\"argv\":[1]}\n",
		  "t.jsonl:1: 'argv' entries must be strings or {\"hex\":...} objects" },
		{ "{\"sysdiff_trace\":1,\"pid\":1,\"start\":0,\"cwd\":\"a\\u0000b\"}\n",
		  "t.jsonl:1: NUL byte in 'cwd'" },
		{ "{\"sysdiff_trace\":1,\"pid\":1,\"start\":0,\"cwd_hex\":\"2f00\"}\n",
		  "t.jsonl:1: NUL byte in 'cwd_hex'" },
		{ "{\"sysdiff_trace\":1,\"pid\":1,\"start\":0,\"cwd\":\"/\",\"cwd_hex\":\"2f\"}\n",
		  "t.jsonl:1: both 'cwd' and 'cwd_hex' present" },
		{ "{\"sysdiff_trace\":1,\"pid\":1,\"pid\":2,\"start\":0}\n",
		  "t.jsonl:1: not a sysdiff trace" },
		{ HDR "{\"pid\":1}\n", "t.jsonl:2: missing field 'seq'" },
		{ HDR "\n", "t.jsonl:2: empty line" },
		{ HDR "{\"seq\":1.5}\n", "t.jsonl:2: field 'seq' must be an integer" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":\"0\"}\n", "t.jsonl:2: field 't' must be a number" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":-1}\n", "t.jsonl:2: field 't' out of range" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":1e300}\n", "t.jsonl:2: field 't' out of range" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"bogus\"}\n",
		  "t.jsonl:2: unknown event type 'bogus'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"nr\":0,\"args\":[],\"ret\":0}\n",
		  "t.jsonl:2: missing field 'name'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\","
		  "\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"nr\":0,\"args\":[],\"ret\":0}\n",
		  "t.jsonl:2: bad syscall name length 32" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{},{},{},{},{},{},{}],\"ret\":0}\n",
		  "t.jsonl:2: 'args' has more than 6 entries" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[],\"ret\":\"0\"}\n", "t.jsonl:2: field 'ret' must be an integer or null" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[]}\n", "t.jsonl:2: missing field 'ret'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"buf\",\"raw\":0,\"len\":1,\"hash\":\"0000000000000000\","
		  "\"data_hex\":\"zz\"}],\"ret\":0}\n", "t.jsonl:2: args[0]: bad hex in 'data_hex'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"int\",\"raw\":0},{\"type\":\"buf\",\"raw\":0,\"len\":1,"
		  "\"hash\":\"0000000000000000\",\"data_hex\":\"abc\"}],\"ret\":0}\n",
		  "t.jsonl:2: args[1]: bad hex in 'data_hex'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"buf\",\"raw\":0,\"len\":1,\"hash\":\"00\"}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: field 'hash' must be 16 hex digits" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"buf\",\"raw\":0,\"len\":1,\"hash\":\"000000000000000g\"}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: bad hex in 'hash'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"buf\",\"raw\":0,\"len\":1,\"hash\":\"0000000000000000\","
		  "\"data\":\"ab\"}],\"ret\":0}\n", "t.jsonl:2: args[0]: 'data' is longer than 'len'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"buf\",\"raw\":0}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: missing field 'len'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"socket\",\"raw\":0}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: unknown argument type 'socket'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"path\",\"raw\":5}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: field 'raw' must be a string" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[{\"type\":\"strv\",\"raw\":0,\"strv\":[\"a\",{\"hex\":\"0\"}]}],\"ret\":0}\n",
		  "t.jsonl:2: args[0]: bad hex in 'strv'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[3],\"ret\":0}\n", "t.jsonl:2: args[0]: must be an object" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[],\"ret\":null,\"unfinished\":true,\"restart_of\":1}\n",
		  "t.jsonl:2: 'restart_of' must name an earlier seq" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\",\"name\":\"x\",\"nr\":0,"
		  "\"args\":[],\"ret\":0,\"ret_fmt\":\"bin\"}\n", "t.jsonl:2: unknown ret_fmt 'bin'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"signal\"}\n",
		  "t.jsonl:2: missing field 'signo'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"signal\",\"signo\":999}\n",
		  "t.jsonl:2: field 'signo' out of range: 999" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"exit\"}\n",
		  "t.jsonl:2: missing field 'status'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"superseded\"}\n",
		  "t.jsonl:2: missing field 'old_tid'" },
		{ HDR "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"exit\",\"status\":0,\"src\":[]}\n",
		  "t.jsonl:2: field 'src' must be an object" },
		{ HDR EV1 EV1, "t.jsonl:3: seq 1 does not follow 1" },
		{ HDR EV1 "{\"end\":1}\n", "t.jsonl:3: field 'end' must be true" },
		{ HDR EV1 "{\"end\":true,\"complete\":true}\n", "t.jsonl:3: missing field 'events'" },
		{ HDR EV1 "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0,"
		  "\"unrecorded\":[]}\n", "t.jsonl:3: field 'unrecorded' must be an object of counts" },
		{ HDR EV1 "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0,"
		  "\"unrecorded\":{\"read\":-1}}\n",
		  "t.jsonl:3: field 'unrecorded': the count of 'read' must be a non-negative integer" },
		{ HDR EV1 "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0,"
		  "\"unrecorded\":{\"read\":\"1\"}}\n",
		  "t.jsonl:3: field 'unrecorded': the count of 'read' must be a non-negative integer" },
		{ HDR EV1 "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0,"
		  "\"unrecorded\":{\"\":1}}\n",
		  "t.jsonl:3: field 'unrecorded': a name must be 1 to 31 bytes" },
		{ HDR EV1 "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0,"
		  "\"unrecorded\":{\"a\\u0000b\":1}}\n",
		  "t.jsonl:3: invalid JSON at column 79: NUL byte in object key not supported near '\"a\\u0000b\"'" },
		{ HDR EV1 "{\"end\":true,\"complete\":true,\"events\":1,\"exit_status\":0,"
		  "\"unrecorded\":{\"abcdefghijklmnopqrstuvwxyz0123456\":1}}\n",
		  "t.jsonl:3: field 'unrecorded': a name must be 1 to 31 bytes" },
		{ HDR EV1 END EV1, "t.jsonl:4: data after the trailer" },
		{ HDR EV1 END "\n", "t.jsonl:4: data after the trailer" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		expect_error(cases[i][0], cases[i][1]);
}

static void test_reader_line_too_long(void **state)
{
	(void)state;
	size_t n = strlen(HDR) + (64u << 20) + 2;   /* line 2: one byte too many */
	char *text = malloc(n + 1);
	size_t h = strlen(HDR);
	memcpy(text, HDR, h);
	memset(text + h, ' ', n - h);
	text[n - 1] = '\n';
	text[n] = 0;
	expect_error(text, "t.jsonl:2: line too long (more than 67108864 bytes)");
	free(text);
}

static void test_reader_open_errors(void **state)
{
	(void)state;
	char *err = NULL;
	assert_null(sd_reader_open("/nonexistent/x.jsonl", &err));
	assert_string_equal(err, "/nonexistent/x.jsonl: No such file or directory");
	free(err);
}

static void test_reader_stdin(void **state)
{
	(void)state;
	char path[] = "/tmp/test_jsonl_XXXXXX";
	int fd = mkstemp(path);
	assert_int_equal(write(fd, HDR EV1 "{\"seq\":5,", strlen(HDR EV1) + 9), (ssize_t)strlen(HDR EV1) + 9);
	lseek(fd, 0, SEEK_SET);
	int saved = dup(0);
	dup2(fd, 0);
	char *err = NULL;
	struct sd_reader *r = sd_reader_open("-", &err);
	assert_non_null(r);
	struct sd_event ev;
	assert_int_equal(sd_reader_next(r, &ev, &err), 1);
	assert_int_equal(ev.nr, 39);
	sd_event_clear(&ev);
	assert_int_equal(sd_reader_next(r, &ev, &err), 0);
	assert_null(sd_reader_end(r));
	sd_reader_close(r);
	assert_true(fcntl(0, F_GETFD) >= 0);   /* stdin is not closed */
	dup2(saved, 0);
	close(saved);
	close(fd);
	unlink(path);
}

/* ---- version 2: what it leaves out, and version 1 next to it ---- */

/* Read text (a whole trace) and return its first event (the caller clears it). */
static struct sd_event first_event(const char *text)
{
	char *err = NULL;
	struct sd_reader *r = sd_reader_open_mem(text, strlen(text), "v", &err);
	struct sd_event ev;

	if (!r)
		fail_msg("%s", err);
	if (sd_reader_next(r, &ev, &err) != 1)
		fail_msg("%s", err ? err : "no event");
	sd_reader_close(r);
	return ev;
}

static void test_version2_left_out(void **state)
{
	(void)state;
	struct sd_trace_info ti = std_info(NULL);
	struct sd_event evs[3];
	evs[0] = syscall_ev(1, "openat", 257, 3);
	evs[0].nargs = 2;
	evs[0].args[0] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 7, .str = "/etc/passwd",
					  .abs = "/etc/passwd" };
	evs[0].args[1] = (struct sd_arg){ .type = SD_ARG_PATH, .raw = 8, .str = "rel" };
	evs[1] = syscall_ev(2, "nosuchcall", -1, 0);     /* an unknown name keeps nr -1 */
	evs[2] = syscall_ev(3, "exit_group", 60, 0);     /* not exit_group's number: kept */
	evs[2].finished = false;
	evs[2].dur_ns = 0;
	size_t len;
	char *data = write_trace(&ti, evs, 3, NULL, &len);
	assert_non_null(strstr(data, "\"name\":\"openat\",\"args\":[{\"type\":\"path\","
				     "\"raw\":\"/etc/passwd\",\"addr\":7},{\"type\":\"path\",\"raw\":\"rel\","
				     "\"addr\":8,\"abs\":null}]"));
	assert_non_null(strstr(data, "\"name\":\"nosuchcall\",\"args\":[]"));
	assert_non_null(strstr(data, "\"t\":0.001237000,\"type\":\"syscall\",\"name\":\"exit_group\",\"nr\":60,"));
	free(data);
	roundtrip(&ti, evs, 3, NULL);

	/* every syscall of the table is known by its name, and only by it */
	for (int nr = 0; nr < SD_NR_MAX; nr++) {
		const char *name = sd_syscall_name(nr);
		if (name) {
			assert_int_equal(sd_jsonl_default_nr(name), nr);
			assert_true(sd_jsonl_nr_is_default(name, nr));
			assert_false(sd_jsonl_nr_is_default(name, nr + 1));
		}
	}
	assert_int_equal(sd_jsonl_default_nr("nosuchcall"), -1);
	assert_int_equal(sd_jsonl_default_nr(""), -1);
}

static void test_version1_and_2_read(void **state)
{
	(void)state;
	/* version 1: "nr" given, a path without "abs" has none, start_ns an integer */
	struct sd_event ev = first_event(
		"{\"sysdiff_trace\":1,\"pid\":1,\"start\":1.5,\"start_ns\":1500000000123456789}\n"
		"{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":4194304.5,\"t_ns\":4194304500000001,"
		"\"type\":\"syscall\",\"name\":\"openat\",\"nr\":257,"
		"\"args\":[{\"type\":\"path\",\"raw\":\"/x\",\"addr\":1}],\"ret\":3}\n");
	assert_int_equal(ev.nr, 257);
	assert_null(ev.args[0].abs);
	assert_true(ev.t_ns == 4194304500000001ull);
	sd_event_clear(&ev);
	/* version 2: "nr" from the name, "abs" from "raw" unless null, *_ns as strings */
	ev = first_event(
		"{\"sysdiff_trace\":2,\"pid\":1,\"start\":1.5,\"start_ns\":\"18446744073709551615\"}\n"
		"{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":4194304.5,\"t_ns\":\"4194304500000001\","
		"\"dur\":0,\"dur_ns\":\"7\",\"type\":\"syscall\",\"name\":\"openat\","
		"\"args\":[{\"type\":\"path\",\"raw\":\"/x\",\"addr\":1},{\"type\":\"path\",\"raw\":\"y\","
		"\"abs\":null},{\"type\":\"path\",\"raw_hex\":\"ff\"},{\"type\":\"path\"},"
		"{\"type\":\"fd\",\"raw\":3}],\"ret\":3}\n");
	assert_int_equal(ev.nr, 257);
	assert_string_equal(ev.args[0].abs, "/x");
	assert_null(ev.args[1].abs);
	assert_string_equal(ev.args[2].abs, "\xff");
	assert_null(ev.args[3].abs);
	assert_null(ev.args[4].abs);
	assert_true(ev.t_ns == 4194304500000001ull && ev.dur_ns == 7);
	sd_event_clear(&ev);
	ev = first_event("{\"sysdiff_trace\":2,\"pid\":1,\"start\":0}\n"
			 "{\"seq\":1,\"pid\":1,\"tid\":1,\"t\":0,\"type\":\"syscall\","
			 "\"name\":\"fancy\",\"args\":[],\"ret\":0}\n");
	assert_int_equal(ev.nr, -1);
	sd_event_clear(&ev);
	/* the header's start_ns in both forms, exact */
	static const char *const hdrs[] = {
		"{\"sysdiff_trace\":1,\"pid\":1,\"start\":1.5,\"start_ns\":1767225599999999999}\n",
		"{\"sysdiff_trace\":2,\"pid\":1,\"start\":1.5,\"start_ns\":\"1767225599999999999\"}\n",
	};
	for (int i = 0; i < 2; i++) {
		char *err = NULL;
		struct sd_reader *r = sd_reader_open_mem(hdrs[i], strlen(hdrs[i]), "h", &err);
		assert_non_null(r);
		assert_true(sd_reader_info(r)->start_real_ns == 1767225599999999999ull);
		assert_int_equal(sd_reader_info(r)->version, i + 1);
		sd_reader_close(r);
	}
}

/* A compressed trace cut anywhere reads as a prefix of its events, without an error. */
static void test_compressed_cut(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct sd_trace_info ti = std_info(NULL);
	struct sd_event *evs = calloc(N, sizeof *evs);
	char buf[64];
	for (int i = 0; i < N; i++) {
		evs[i] = syscall_ev(i + 1, "write", 1, 40);
		evs[i].nargs = 1;
		snprintf(buf, sizeof buf, "line %d of the trace, with some text....", i);
		evs[i].args[0] = buf_arg(0x1000 + i, xstrdup(buf), 40, 40);
	}
	for (int c = SD_COMPRESS_GZIP; c <= SD_COMPRESS_ZSTD; c++) {
		size_t len;
		char *data = write_trace_z(&ti, evs, N, &end_ok, &len, c);
		char path[] = "/tmp/test_jsonl_cut_XXXXXX";
		int fd = mkstemp(path);
		int last = -1;
		for (size_t cut = 20, step; ; cut = cut + step < len ? cut + step : len) {
			step = cut < 2000 ? 97 : 1501;
			assert_int_equal(ftruncate(fd, 0), 0);
			assert_int_equal(pwrite(fd, data, cut, 0), (ssize_t)cut);
			char *err = NULL;
			struct sd_reader *r = sd_reader_open(path, &err);
			if (!r) {   /* cut inside the header's batch */
				assert_true(cut < 200);
				free(err);
				continue;
			}
			struct sd_event ev;
			int n = 0, rc;
			while ((rc = sd_reader_next(r, &ev, &err)) == 1) {
				assert_true(ev.seq == evs[n].seq);
				assert_memory_equal(ev.args[0].buf.data, evs[n].args[0].buf.data, 40);
				n++;
				sd_event_clear(&ev);
			}
			if (rc < 0)
				fail_msg("cut at %zu of %zu: %s", cut, len, err);
			assert_true(n >= last);   /* a longer prefix never reads fewer events */
			last = n;
			sd_reader_close(r);
			if (cut == len)
				break;
		}
		assert_int_equal(last, N);
		close(fd);
		unlink(path);
		free(data);
	}
	for (int i = 0; i < N; i++)
		free(evs[i].args[0].buf.data);
	free(evs);
}

static void test_compress_for_path(void **state)
{
	(void)state;
	assert_int_equal(sd_compress_for_path("t.jsonl.gz"), SD_COMPRESS_GZIP);
	assert_int_equal(sd_compress_for_path("t.gz"), SD_COMPRESS_GZIP);
	assert_int_equal(sd_compress_for_path("t.jsonl.zst"), SD_COMPRESS_ZSTD);
	assert_int_equal(sd_compress_for_path("t.jsonl"), SD_COMPRESS_NONE);
	assert_int_equal(sd_compress_for_path("gz"), SD_COMPRESS_NONE);
	assert_int_equal(sd_compress_for_path(NULL), SD_COMPRESS_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_openat),
		cmocka_unit_test(test_roundtrip_every_arg_type),
		cmocka_unit_test(test_roundtrip_buffers),
		cmocka_unit_test(test_roundtrip_paths_and_strv),
		cmocka_unit_test(test_roundtrip_unfinished_restart),
		cmocka_unit_test(test_roundtrip_kinds),
		cmocka_unit_test(test_roundtrip_times),
		cmocka_unit_test(test_header_and_trailer_text),
		cmocka_unit_test(test_event_line_text),
		cmocka_unit_test(test_whole_lines),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_reader_minimal),
		cmocka_unit_test(test_reader_truncated),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_line_too_long),
		cmocka_unit_test(test_reader_open_errors),
		cmocka_unit_test(test_reader_stdin),
		cmocka_unit_test(test_version2_left_out),
		cmocka_unit_test(test_version1_and_2_read),
		cmocka_unit_test(test_compressed_cut),
		cmocka_unit_test(test_compress_for_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
