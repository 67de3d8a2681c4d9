/* Unit tests for the event model helpers: deep copy and restart folding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event/event.h"

static struct sd_event sc(uint64_t seq, pid_t tid, const char *name, int64_t ret)
{
	struct sd_event ev;
	sd_event_init(&ev);
	ev.seq = seq;
	ev.pid = 100;
	ev.tid = tid;
	ev.kind = SD_EV_SYSCALL;
	strcpy(ev.name, name);
	ev.ret = ret;
	ev.finished = true;
	ev.t_ns = seq * 1000;
	ev.dur_ns = 10;
	ev.nargs = 1;
	ev.args[0].type = SD_ARG_PATH;
	ev.args[0].str = strdup("in.txt");
	return ev;
}

static struct sd_event other(uint64_t seq, pid_t tid, enum sd_ev_kind kind)
{
	struct sd_event ev;
	sd_event_init(&ev);
	ev.seq = seq;
	ev.pid = 100;
	ev.tid = tid;
	ev.kind = kind;
	return ev;
}

static void test_fold_restarted_call(void **state)
{
	(void)state;
	struct sd_event evs[6];
	evs[0] = sc(1, 100, "read", -512);
	evs[0].interrupted = true;
	evs[1] = sc(2, 101, "write", 5);             /* another thread in between */
	evs[2] = other(3, 100, SD_EV_SIGNAL);
	evs[3] = sc(4, 100, "rt_sigreturn", -512);
	evs[4] = sc(5, 100, "read", 1);
	evs[4].restart_of = 1;
	evs[5] = other(6, 100, SD_EV_EXIT);
	size_t n = sd_events_fold_restarts(evs, 6);
	assert_int_equal(n, 5);
	assert_int_equal(evs[0].seq, 2);
	assert_int_equal(evs[3].seq, 5);
	assert_string_equal(evs[3].name, "read");
	assert_int_equal(evs[3].ret, 1);
	assert_int_equal(evs[3].t_ns, 1000);           /* began with the interrupted call */
	assert_int_equal(evs[3].dur_ns, 5000 + 10 - 1000);
	assert_null(evs[5].args[0].str);               /* the slot past n is empty */
	for (size_t i = 0; i < 6; i++)
		sd_event_clear(&evs[i]);
}

static void test_fold_eintr_and_death(void **state)
{
	(void)state;
	struct sd_event evs[6];
	evs[0] = sc(1, 100, "read", -512);            /* handler without SA_RESTART */
	evs[0].interrupted = true;
	evs[1] = other(2, 100, SD_EV_SIGNAL);
	evs[2] = sc(3, 100, "write", 3);
	evs[3] = sc(4, 100, "nanosleep", -516);        /* then killed while sleeping */
	evs[3].interrupted = true;
	evs[4] = other(5, 101, SD_EV_EXIT);            /* other thread: not the next of 100 */
	evs[5] = other(6, 100, SD_EV_KILLED);
	size_t n = sd_events_fold_restarts(evs, 6);
	assert_int_equal(n, 6);
	assert_false(evs[0].interrupted);
	assert_int_equal(evs[0].ret, -EINTR);
	assert_true(evs[0].finished);
	assert_false(evs[3].interrupted);
	assert_false(evs[3].finished);
	for (size_t i = 0; i < n; i++)
		sd_event_clear(&evs[i]);
}

static void test_fold_chain(void **state)
{
	(void)state;
	/* interrupted twice before it completes: one logical call remains */
	struct sd_event evs[3];
	evs[0] = sc(1, 100, "clock_nanosleep", -516);
	evs[0].interrupted = true;
	evs[1] = sc(2, 100, "clock_nanosleep", -516);
	evs[1].interrupted = true;
	evs[1].restart_of = 1;
	evs[2] = sc(3, 100, "clock_nanosleep", 0);
	evs[2].restart_of = 2;
	size_t n = sd_events_fold_restarts(evs, 3);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0].seq, 3);
	assert_int_equal(evs[0].ret, 0);
	assert_int_equal(evs[0].t_ns, 1000);
	for (size_t i = 0; i < 3; i++)
		sd_event_clear(&evs[i]);
}

static void test_arg_copy(void **state)
{
	(void)state;
	struct sd_arg a = { .type = SD_ARG_BUF, .raw = 42, .text = strdup("t") };
	a.buf.len = 3;
	a.buf.kept = 3;
	a.buf.data = malloc(3);
	memcpy(a.buf.data, "a\0b", 3);
	a.strv = calloc(2, sizeof *a.strv);
	a.strv[0] = strdup("x");
	a.strv[1] = strdup("y");
	a.nstrv = 2;
	struct sd_arg b;
	sd_arg_copy(&b, &a);
	sd_arg_clear(&a);
	assert_int_equal(b.raw, 42);
	assert_string_equal(b.text, "t");
	assert_memory_equal(b.buf.data, "a\0b", 3);
	assert_string_equal(b.strv[1], "y");
	sd_arg_clear(&b);
}

/* The copy owns every string: clearing the original leaves it whole (source location
 * and its frames included), and clearing both frees each once (ASan checks). */
static void test_event_copy(void **state)
{
	(void)state;
	struct sd_event a = sc(1, 100, "write", 3), b;
	a.ret_ref = strdup("/dev/null");
	a.src.file = strdup("main.c");
	a.src.line = 12;
	a.src.func = strdup("main");
	a.src.dir = strdup("/src");
	a.src.module = strdup("/bin/app");
	a.src.gen_file = strdup("main.rs");
	a.src.gen_line = 18;
	a.src.why = strdup("why");
	a.src.lang = strdup("python");
	a.src.phase = strdup("exit");
	a.src.inner_file = strdup("<frozen os>");
	a.src.inner_line = 225;
	a.src.inner_func = strdup("makedirs");
	a.src.nframes = 2;
	a.src.frames = calloc(2, sizeof *a.src.frames);
	a.src.frames[0].func = strdup("write");
	a.src.frames[1].file = strdup("main.c");
	a.src.frames[1].line = 12;
	sd_event_copy(&b, &a);
	sd_event_clear(&a);
	assert_string_equal(b.args[0].str, "in.txt");
	assert_string_equal(b.ret_ref, "/dev/null");
	assert_string_equal(b.src.file, "main.c");
	assert_string_equal(b.src.module, "/bin/app");
	assert_string_equal(b.src.gen_file, "main.rs");
	assert_string_equal(b.src.lang, "python");
	assert_string_equal(b.src.phase, "exit");
	assert_string_equal(b.src.inner_file, "<frozen os>");
	assert_int_equal(b.src.inner_line, 225);
	assert_string_equal(b.src.inner_func, "makedirs");
	assert_int_equal(b.src.nframes, 2);
	assert_string_equal(b.src.frames[0].func, "write");
	assert_string_equal(b.src.frames[1].file, "main.c");
	assert_int_equal(b.src.frames[1].line, 12);
	sd_event_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_restarted_call),
		cmocka_unit_test(test_fold_eintr_and_death),
		cmocka_unit_test(test_fold_chain),
		cmocka_unit_test(test_arg_copy),
		cmocka_unit_test(test_event_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
