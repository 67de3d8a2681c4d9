/* Unit tests for src/util (string buffer, names, UTF-8) and the tracer's tracee table. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tracer/proc.h"
#include "util/util.h"

static void test_sb(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	assert_string_equal(sb_str(&sb), "");
	sb_adds(&sb, "open");
	sb_addc(&sb, '(');
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	assert_int_equal(sb.len, strlen(sb.buf));
	assert_true(!strncmp(sb.buf, "open(0,1,2,", 11));
	assert_true(!strcmp(sb.buf + sb.len - 4, "999,"));
	sb_add(&sb, "\0x", 2);
	assert_int_equal(sb.buf[sb.len - 2], 0);
	char *s = sb_detach(&sb);
	assert_null(sb.buf);
	free(s);
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_string_equal(sd_errno_name(ENOENT), "ENOENT");
	assert_string_equal(sd_errno_msg(ENOENT), "No such file or directory");
	assert_string_equal(sd_errno_name(512), "ERESTARTSYS");
	assert_string_equal(sd_errno_msg(512), "To be restarted if SA_RESTART is set");
	assert_string_equal(sd_errno_name(516), "ERESTART_RESTARTBLOCK");
	assert_string_equal(sd_errno_name(4000), "E4000");
	assert_int_equal(sd_errno_from_name("EACCES"), EACCES);
	assert_int_equal(sd_errno_from_name("ERESTARTNOHAND"), 514);
	assert_int_equal(sd_errno_from_name("E4000"), 4000);
	assert_int_equal(sd_errno_from_name("ENOTANERRNO"), -1);
}

static void test_signal_names(void **state)
{
	(void)state;
	assert_string_equal(sd_signal_name(SIGSEGV), "SIGSEGV");
	assert_string_equal(sd_signal_name(SIGCHLD), "SIGCHLD");
	assert_string_equal(sd_signal_name(SIGRTMIN), "SIGRTMIN");
	assert_string_equal(sd_signal_name(SIGRTMIN + 3), "SIGRT_3");
	assert_int_equal(sd_signo_from_name("SIGTERM"), SIGTERM);
	assert_int_equal(sd_signo_from_name("KILL"), SIGKILL);
	assert_int_equal(sd_signo_from_name("15"), 15);
	assert_int_equal(sd_signo_from_name("SIGNOPE"), -1);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(sd_utf8_valid("plain", 5));
	assert_true(sd_utf8_valid("caf\xc3\xa9", 5));
	assert_true(sd_utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(sd_utf8_valid("\xff", 1));
	assert_false(sd_utf8_valid("caf\xc3", 4));          /* truncated sequence */
	assert_false(sd_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	assert_false(sd_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(sd_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_true(sd_utf8_valid("a\0b", 3));
}

static void test_tracee_table(void **state)
{
	(void)state;
	struct sd_tracee *a = sd_tracee_new(424242, 424242);
	struct sd_tracee *b = sd_tracee_new(424243, 424242); /* a thread: shares the proc */
	struct sd_tracee *c = sd_tracee_new(424250, 424250); /* another process */
	assert_ptr_equal(a->proc, b->proc);
	assert_ptr_not_equal(a->proc, c->proc);
	assert_ptr_equal(sd_tracee_find(424243), b);
	sd_tracee_rekey(b, 424244);
	assert_null(sd_tracee_find(424243));
	assert_ptr_equal(sd_tracee_find(424244), b);
	assert_int_equal(sd_tracee_count(), 3);
	sd_tracee_free(a);
	assert_int_equal(b->proc->tgid, 424242);   /* still held by the thread */
	sd_tracee_free(b);
	sd_tracee_free(c);
	assert_int_equal(sd_tracee_count(), 0);
}

static void test_fd_cache(void **state)
{
	(void)state;
	struct sd_tracee *a = sd_tracee_new(424242, 424242);
	struct sd_tracee *b = sd_tracee_new(424243, 424242);
	sd_proc_fd_set(a->proc, 3, "/etc/passwd");
	sd_proc_fd_set(a->proc, 1000, "pipe:[1]");
	assert_string_equal(sd_proc_fd_get(b->proc, 3), "/etc/passwd");
	sd_proc_fd_drop(b->proc, 0, 999);
	assert_null(sd_proc_fd_get(a->proc, 3));
	assert_string_equal(sd_proc_fd_get(a->proc, 1000), "pipe:[1]");
	sd_proc_cwd_set(a->proc, "/tmp");
	assert_string_equal(b->proc->cwd, "/tmp");
	a->proc->no_cache = true;           /* shared with another process: nothing kept */
	sd_proc_fd_set(a->proc, 4, "/x");
	assert_null(sd_proc_fd_get(a->proc, 4));
	sd_tracee_free(a);
	sd_tracee_free(b);
}

static void test_mem_read_self(void **state)
{
	(void)state;
	static const char msg[] = "read me through process_vm_readv";
	char buf[sizeof msg];
	assert_int_equal(sd_mem_read(getpid(), (uintptr_t)msg, buf, sizeof msg), sizeof msg);
	assert_string_equal(buf, msg);
	assert_int_equal(sd_mem_read(getpid(), 0, buf, 8), -1);
}

/* sd_read_file: whole, cut at max, missing; sd_copy_fd: 200 KiB through a pipe. */
static void test_read_copy_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/sd-util-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/f", dir), *copy = xasprintf("%s/g", dir);
	size_t big = 200 * 1024, len = 0;
	char *data = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(sd_write_full(fd, data, big), 0);
	close(fd);

	bool cut = true;
	char *all = sd_read_file(path, SIZE_MAX, &len, &cut);
	assert_int_equal(len, big);
	assert_false(cut);
	assert_memory_equal(all, data, big);
	assert_int_equal(all[big], '\0');
	free(all);
	char *head = sd_read_file(path, 70000, &len, &cut);
	assert_int_equal(len, 70000);
	assert_true(cut);
	assert_memory_equal(head, data, 70000);
	free(head);
	errno = 0;
	assert_null(sd_read_file("/nonexistent/sd-util", SIZE_MAX, &len, &cut));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(len, 0);
	assert_false(cut);

	int in = open(path, O_RDONLY | O_CLOEXEC);
	int out = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(sd_copy_fd(in, out), 0);
	close(in);
	close(out);
	char *back = sd_read_file(copy, SIZE_MAX, &len, NULL);
	assert_int_equal(len, big);
	assert_memory_equal(back, data, big);
	free(back);
	assert_int_equal(sd_copy_fd(-1, 1), -1);

	unlink(path);
	unlink(copy);
	rmdir(dir);
	free(path);
	free(copy);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sb),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_tracee_table),
		cmocka_unit_test(test_fd_cache),
		cmocka_unit_test(test_mem_read_self),
		cmocka_unit_test(test_read_copy_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
