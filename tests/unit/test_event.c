/* Unit tests for the event model helpers: deep copy and restart folding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event/event.h"
#include "event/restart.h"

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

/* What the restart folder emitted, in order. */
struct folded {
	struct sd_event ev[16];
	uint64_t tag[16];
	enum sd_settle how[16];
	size_t n;
};

static void collect(void *priv, struct sd_event *ev, uint64_t tag, enum sd_settle how)
{
	struct folded *f = priv;

	assert_true(f->n < 16);
	f->ev[f->n] = *ev;
	sd_event_init(ev);
	f->tag[f->n] = tag;
	f->how[f->n++] = how;
}

/* Feed evs[0..n) (tagged with their index) through a restart folder. */
static void fold(struct folded *out, struct sd_event *evs, size_t n)
{
	struct sd_refold *f = sd_refold_new(collect, out);

	out->n = 0;
	for (size_t i = 0; i < n; i++)
		sd_refold_feed(f, &evs[i], i);
	sd_refold_flush(f);
	sd_refold_free(f);
}

static void folded_free(struct folded *out)
{
	for (size_t i = 0; i < out->n; i++)
		sd_event_clear(&out->ev[i]);
}

static void test_fold_restarted_call(void **state)
{
	(void)state;
	struct sd_event evs[6];
	struct folded out;
	evs[0] = sc(1, 100, "read", -512);
	evs[0].interrupted = true;
	evs[1] = sc(2, 101, "write", 5);             /* another thread in between */
	evs[2] = other(3, 100, SD_EV_SIGNAL);
	evs[3] = sc(4, 100, "rt_sigreturn", -512);
	evs[4] = sc(5, 100, "read", 1);
	evs[4].restart_of = 1;
	evs[5] = other(6, 100, SD_EV_EXIT);
	fold(&out, evs, 6);
	assert_int_equal(out.n, 5);
	assert_int_equal(out.ev[0].seq, 2);          /* the other thread was not held back */
	assert_int_equal(out.ev[1].seq, 3);          /* the thread's own events kept their order */
	assert_int_equal(out.ev[3].seq, 5);
	assert_string_equal(out.ev[3].name, "read");
	assert_int_equal(out.ev[3].ret, 1);
	assert_int_equal(out.ev[3].t_ns, 1000);       /* began with the interrupted call */
	assert_int_equal(out.ev[3].dur_ns, 5000 + 10 - 1000);
	assert_int_equal(out.tag[3], 4);             /* the continuation's own tag */
	assert_int_equal(out.how[3], SD_SETTLE_NONE);
	assert_int_equal(out.ev[4].kind, SD_EV_EXIT);
	folded_free(&out);
}

static void test_fold_eintr_and_death(void **state)
{
	(void)state;
	struct sd_event evs[7];
	struct folded out;
	evs[0] = sc(1, 100, "read", -512);            /* handler without SA_RESTART */
	evs[0].interrupted = true;
	evs[1] = other(2, 100, SD_EV_SIGNAL);
	evs[2] = sc(3, 100, "rt_sigreturn", -4);
	evs[3] = sc(4, 100, "write", 3);               /* the program goes on: it saw EINTR */
	evs[4] = sc(5, 100, "nanosleep", -516);        /* then killed while sleeping */
	evs[4].interrupted = true;
	evs[5] = other(6, 101, SD_EV_EXIT);            /* other thread: not the next of 100 */
	evs[6] = other(7, 100, SD_EV_KILLED);
	fold(&out, evs, 7);
	assert_int_equal(out.n, 7);
	assert_int_equal(out.ev[0].seq, 1);
	assert_false(out.ev[0].interrupted);
	assert_int_equal(out.ev[0].ret, -EINTR);
	assert_true(out.ev[0].finished);
	assert_int_equal(out.how[0], SD_SETTLE_EINTR);
	assert_int_equal(out.ev[3].seq, 4);
	assert_int_equal(out.ev[4].seq, 6);            /* emitted while nanosleep waited */
	assert_int_equal(out.ev[5].seq, 5);
	assert_false(out.ev[5].interrupted);
	assert_false(out.ev[5].finished);              /* it never returned */
	assert_int_equal(out.how[5], SD_SETTLE_UNFINISHED);
	assert_int_equal(out.tag[5], 4);
	assert_int_equal(out.ev[6].kind, SD_EV_KILLED);
	folded_free(&out);
}

static void test_fold_end_of_input(void **state)
{
	(void)state;
	/* a trace that ends while a call waits: the program saw EINTR */
	struct sd_event evs[2];
	struct folded out;
	evs[0] = sc(1, 100, "pause", -514);
	evs[0].interrupted = true;
	evs[1] = other(2, 100, SD_EV_SIGNAL);
	fold(&out, evs, 2);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.ev[0].ret, -EINTR);
	assert_int_equal(out.how[0], SD_SETTLE_EINTR);
	assert_int_equal(out.ev[1].kind, SD_EV_SIGNAL);
	folded_free(&out);
}

static void test_fold_chain(void **state)
{
	(void)state;
	/* interrupted twice before it completes: one logical call remains */
	struct sd_event evs[5];
	struct folded out;
	evs[0] = sc(1, 100, "clock_nanosleep", -516);
	evs[0].interrupted = true;
	evs[1] = other(2, 100, SD_EV_SIGNAL);
	evs[2] = sc(3, 100, "clock_nanosleep", -516);
	evs[2].interrupted = true;
	evs[2].restart_of = 1;
	evs[3] = other(4, 100, SD_EV_SIGNAL);
	evs[4] = sc(5, 100, "clock_nanosleep", 0);
	evs[4].restart_of = 3;
	fold(&out, evs, 5);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.ev[0].kind, SD_EV_SIGNAL);
	assert_int_equal(out.ev[1].kind, SD_EV_SIGNAL);
	assert_int_equal(out.ev[2].seq, 5);
	assert_int_equal(out.ev[2].ret, 0);
	assert_false(out.ev[2].interrupted);
	assert_int_equal(out.ev[2].t_ns, 1000);        /* the first attempt's start */
	assert_int_equal(out.ev[2].dur_ns, 5000 + 10 - 1000);
	folded_free(&out);
}

static void test_fold_free_unflushed(void **state)
{
	(void)state;
	/* an input that ends in an error: what waits is dropped, not leaked */
	struct sd_event evs[2];
	struct folded out = { .n = 0 };
	evs[0] = sc(1, 100, "read", -512);
	evs[0].interrupted = true;
	evs[1] = other(2, 100, SD_EV_SIGNAL);
	struct sd_refold *f = sd_refold_new(collect, &out);
	sd_refold_feed(f, &evs[0], 0);
	sd_refold_feed(f, &evs[1], 1);
	sd_refold_free(f);
	assert_int_equal(out.n, 0);
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
		cmocka_unit_test(test_fold_end_of_input),
		cmocka_unit_test(test_fold_chain),
		cmocka_unit_test(test_fold_free_unflushed),
		cmocka_unit_test(test_arg_copy),
		cmocka_unit_test(test_event_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
