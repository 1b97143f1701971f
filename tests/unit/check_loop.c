// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct counts {
	int reads, ticks, signals;
	struct loop_source *victim;
};

static int on_read(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct counts *c = data;
	char buf[16];

	ck_assert(events & EPOLLIN);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
	c->reads++;
	loop_exit(loop, 7);
	return 0;
}

START_TEST(io_source_and_exit_status)
{
	struct loop *loop = loop_new();
	struct counts c = { 0 };
	int p[2];

	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(loop_add_io(loop, p[0], EPOLLIN, on_read, &c, NULL), 0);
	ck_assert_int_eq(write(p[1], "abc", 3), 3);
	ck_assert_int_eq(loop_run(loop), 7);
	ck_assert_int_eq(c.reads, 1);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

static int on_tick(struct loop *loop, void *data)
{
	struct counts *c = data;

	if (++c->ticks == 3)
		loop_exit(loop, 0);
	return 0;
}

START_TEST(periodic_timer)
{
	struct loop *loop = loop_new();
	struct counts c = { 0 };
	struct timespec t0, t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(loop_add_timer(loop, 20000000ull, on_tick, &c, NULL), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_eq(c.ticks, 3);
	ck_assert_int_ge(ms, 55);
	loop_free(loop);
}
END_TEST

static int on_signal(struct loop *loop, int signo, void *data)
{
	struct counts *c = data;

	ck_assert_int_eq(signo, SIGUSR1);
	c->signals++;
	loop_exit(loop, 0);
	return 0;
}

START_TEST(signals_arrive_through_the_loop)
{
	static const int sigs[] = { SIGUSR1 };
	struct loop *loop = loop_new();
	struct counts c = { 0 };
	sigset_t blocked;

	ck_assert_int_eq(loop_add_signals(loop, sigs, 1, on_signal, &c, NULL), 0);
	/* raised before the loop runs: must wait, blocked, in the signalfd */
	raise(SIGUSR1);
	ck_assert_int_eq(loop_run(loop), 0);
	ck_assert_int_eq(c.signals, 1);
	loop_free(loop);
	/* freeing the source unblocks the signal again */
	sigprocmask(SIG_BLOCK, NULL, &blocked);
	ck_assert(!sigismember(&blocked, SIGUSR1));
}
END_TEST

struct pair {
	int fds[2]; /* read ends, in the order of src */
	struct loop_source *src[2];
	int reads;
};

static int on_read_remove_other(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct pair *pr = data;
	int other = fd == pr->fds[0] ? 1 : 0;
	char byte;

	ck_assert_int_eq(read(fd, &byte, 1), 1); /* one byte: the next waits for a new batch */
	/* the other source may have an event pending in this very batch */
	if (pr->src[other]) {
		loop_remove(loop, pr->src[other]);
		pr->src[other] = NULL;
	}
	if (++pr->reads == 2)
		loop_exit(loop, 0);
	return 0;
}

START_TEST(removal_inside_a_handler_is_safe)
{
	struct loop *loop = loop_new();
	struct pair pr = { 0 };
	int p[2], q[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	pr.fds[0] = p[0];
	pr.fds[1] = q[0];
	ck_assert_int_eq(loop_add_io(loop, p[0], EPOLLIN, on_read_remove_other, &pr, &pr.src[0]),
			 0);
	ck_assert_int_eq(loop_add_io(loop, q[0], EPOLLIN, on_read_remove_other, &pr, &pr.src[1]),
			 0);
	/* both ready in one batch: whichever runs first removes the other */
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(write(q[1], "y", 1), 1);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(write(q[1], "y", 1), 1);
	ck_assert_int_eq(loop_run(loop), 0);
	ck_assert_int_eq(pr.reads, 2);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}
END_TEST

static int on_read_fail(struct loop *loop, int fd, uint32_t events, void *data)
{
	return -EIO;
}

START_TEST(a_failing_handler_stops_the_loop)
{
	struct loop *loop = loop_new();
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(loop_add_io(loop, p[0], EPOLLIN, on_read_fail, NULL, NULL), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(loop_run(loop), -EIO);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(bad_fd_is_reported)
{
	struct loop *loop = loop_new();

	ck_assert_int_eq(loop_add_io(loop, 12345, EPOLLIN, on_read_fail, NULL, NULL), -EBADF);
	loop_free(loop);
	loop_free(NULL);
}
END_TEST

static int on_alarm(struct loop *loop, void *data)
{
	struct counts *c = data;

	c->ticks++;
	loop_exit(loop, 0);
	return 0;
}

START_TEST(alarm_fires_once_at_its_time_and_can_move)
{
	struct loop *loop = loop_new();
	struct loop_source *alarm;
	struct counts c = { 0 };
	struct timespec now;
	uint64_t t0, t1;

	ck_assert_int_eq(loop_add_alarm(loop, on_alarm, &c, &alarm), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	t0 = now.tv_sec * 1000000000ull + now.tv_nsec;
	/* set far away, then moved closer: only the last setting counts */
	ck_assert_int_eq(loop_alarm_set(alarm, t0 + 60000000000ull), 0);
	ck_assert_int_eq(loop_alarm_set(alarm, t0 + 30000000ull), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	t1 = now.tv_sec * 1000000000ull + now.tv_nsec;
	ck_assert_int_eq(c.ticks, 1);
	ck_assert_uint_ge(t1 - t0, 30000000ull);
	ck_assert_uint_lt(t1 - t0, 5000000000ull);
	/* a time in the past fires at once */
	ck_assert_int_eq(loop_alarm_set(alarm, 1), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	ck_assert_int_eq(c.ticks, 2);
	/* disarmed: nothing fires */
	ck_assert_int_eq(loop_alarm_set(alarm, 0), 0);
	loop_free(loop);
}
END_TEST

struct slices {
	struct loop_source *defer, *alarm;
	uint64_t due_ns;
	int slices, left;
	int slices_while_due; /* slices begun after the alarm was due, before it ran */
	int worst_while_due;
	int fired;
};

static uint64_t mono_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000000000ull + now.tv_nsec;
}

/* A slice of 1 ms of work. */
static int on_slice(struct loop *loop, void *data)
{
	struct slices *s = data;
	uint64_t t0 = mono_ns();

	if (s->due_ns && t0 >= s->due_ns)
		s->slices_while_due++;
	while (mono_ns() - t0 < 1000000)
		;
	s->slices++;
	if (--s->left == 0)
		ck_assert_int_eq(loop_defer_enable(loop, s->defer, false), 0);
	return 0;
}

static int on_slice_alarm(struct loop *loop, void *data)
{
	struct slices *s = data;

	s->fired++;
	if (s->slices_while_due > s->worst_while_due)
		s->worst_while_due = s->slices_while_due;
	s->slices_while_due = 0;
	if (!s->left) {
		loop_exit(loop, 0);
		return 0;
	}
	s->due_ns = mono_ns() + 5000000;
	return loop_alarm_set(s->alarm, s->due_ns);
}

/* Work in slices leaves the loop between them: an alarm due waits for at most one. */
START_TEST(deferred_work_runs_in_slices_with_timers_between)
{
	struct loop *loop = loop_new();
	struct slices s = { .left = 100 };

	ck_assert_int_eq(loop_add_defer(loop, on_slice, &s, &s.defer), 0);
	ck_assert_int_eq(loop_add_alarm(loop, on_slice_alarm, &s, &s.alarm), 0);
	ck_assert_int_eq(loop_defer_enable(loop, s.defer, true), 0);
	s.due_ns = mono_ns() + 5000000;
	ck_assert_int_eq(loop_alarm_set(s.alarm, s.due_ns), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	ck_assert_int_eq(s.slices, 100);
	/* 100 ms of slices, an alarm every 5 ms: it ran in between, not after */
	ck_assert_int_ge(s.fired, 5);
	ck_assert_int_le(s.worst_while_due, 1);
	/* disabled, it no longer runs; removed, it cannot be enabled */
	ck_assert_int_eq(loop_defer_enable(loop, s.alarm, true), -EINVAL);
	loop_remove(loop, s.defer);
	ck_assert_int_eq(loop_defer_enable(loop, s.defer, true), -EINVAL);
	loop_free(loop);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, io_source_and_exit_status);
	tcase_add_test(tc, periodic_timer);
	tcase_add_test(tc, signals_arrive_through_the_loop);
	tcase_add_test(tc, removal_inside_a_handler_is_safe);
	tcase_add_test(tc, a_failing_handler_stops_the_loop);
	tcase_add_test(tc, bad_fd_is_reported);
	tcase_add_test(tc, alarm_fires_once_at_its_time_and_can_move);
	tcase_add_test(tc, deferred_work_runs_in_slices_with_timers_between);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
