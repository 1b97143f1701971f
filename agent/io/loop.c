// SPDX-License-Identifier: GPL-2.0-only
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum source_kind {
	SOURCE_IO,
	SOURCE_TIMER,
	SOURCE_SIGNAL,
	SOURCE_DEFER
};

struct loop_source {
	enum source_kind kind;
	int fd;
	bool owns_fd;
	union {
		loop_io_fn io;
		loop_timer_fn timer;
		loop_signal_fn signal;
		loop_defer_fn defer;
	} fn;
	void *data;
	sigset_t mask; /* SOURCE_SIGNAL: restored on removal */
	bool enabled;  /* SOURCE_DEFER */
	bool removed;  /* freed after the current batch of events */
	struct loop_source *next;
};

struct loop {
	int epoll_fd;
	bool exiting;
	int status;
	unsigned int n_deferred; /* enabled SOURCE_DEFER: poll, do not sleep */
	struct loop_source *sources;
};

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		int err = errno;

		free(loop);
		errno = err;
		return NULL;
	}
	return loop;
}

static void source_free(struct loop_source *s)
{
	if (s->kind == SOURCE_SIGNAL)
		sigprocmask(SIG_UNBLOCK, &s->mask, NULL);
	if (s->owns_fd)
		close(s->fd);
	free(s);
}

void loop_free(struct loop *loop)
{
	struct loop_source *s, *next;

	if (!loop)
		return;
	for (s = loop->sources; s; s = next) {
		next = s->next;
		source_free(s);
	}
	close(loop->epoll_fd);
	free(loop);
}

static int loop_attach(struct loop *loop, struct loop_source *s, uint32_t events,
		       struct loop_source **ret)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		int err = -errno;

		source_free(s);
		return err;
	}
	s->next = loop->sources;
	loop->sources = s;
	if (ret)
		*ret = s;
	return 0;
}

int loop_add_io(struct loop *loop, int fd, uint32_t events, loop_io_fn fn, void *data,
		struct loop_source **ret)
{
	struct loop_source *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->kind = SOURCE_IO;
	s->fd = fd;
	s->fn.io = fn;
	s->data = data;
	return loop_attach(loop, s, events, ret);
}

int loop_io_set_events(struct loop *loop, struct loop_source *source, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = source };

	if (!source || source->kind != SOURCE_IO || source->removed)
		return -EINVAL;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, source->fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_add_timer(struct loop *loop, uint64_t interval_ns, loop_timer_fn fn, void *data,
		   struct loop_source **ret)
{
	struct itimerspec its = {
		.it_interval = { interval_ns / 1000000000, interval_ns % 1000000000 },
		.it_value = { interval_ns / 1000000000, interval_ns % 1000000000 },
	};
	struct loop_source *s;
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->kind = SOURCE_TIMER;
	s->fd = fd;
	s->owns_fd = true;
	s->fn.timer = fn;
	s->data = data;
	return loop_attach(loop, s, EPOLLIN, ret);
}

int loop_add_alarm(struct loop *loop, loop_timer_fn fn, void *data, struct loop_source **ret)
{
	struct loop_source *s;
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->kind = SOURCE_TIMER;
	s->fd = fd;
	s->owns_fd = true;
	s->fn.timer = fn;
	s->data = data;
	return loop_attach(loop, s, EPOLLIN, ret);
}

int loop_alarm_set(struct loop_source *alarm, uint64_t when_ns)
{
	struct itimerspec its = { 0 };

	/* an absolute time of 0 would disarm: the past is "now" */
	if (when_ns) {
		its.it_value.tv_sec = when_ns / 1000000000;
		its.it_value.tv_nsec = when_ns % 1000000000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(alarm->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	return 0;
}

int loop_add_signals(struct loop *loop, const int *signals, int count, loop_signal_fn fn,
		     void *data, struct loop_source **ret)
{
	struct loop_source *s = calloc(1, sizeof(*s));
	int i;

	if (!s)
		return -ENOMEM;
	s->kind = SOURCE_SIGNAL;
	s->fn.signal = fn;
	s->data = data;
	sigemptyset(&s->mask);
	for (i = 0; i < count; i++)
		sigaddset(&s->mask, signals[i]);
	/* Blocked first, so a signal arriving now waits in the signalfd. */
	if (sigprocmask(SIG_BLOCK, &s->mask, NULL) < 0) {
		free(s);
		return -errno;
	}
	s->fd = signalfd(-1, &s->mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0) {
		int err = -errno;

		sigprocmask(SIG_UNBLOCK, &s->mask, NULL);
		free(s);
		return err;
	}
	s->owns_fd = true;
	return loop_attach(loop, s, EPOLLIN, ret);
}

/* No file descriptor: the loop itself calls it while it is enabled. */
int loop_add_defer(struct loop *loop, loop_defer_fn fn, void *data, struct loop_source **ret)
{
	struct loop_source *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->kind = SOURCE_DEFER;
	s->fd = -1;
	s->fn.defer = fn;
	s->data = data;
	s->next = loop->sources;
	loop->sources = s;
	if (ret)
		*ret = s;
	return 0;
}

int loop_defer_enable(struct loop *loop, struct loop_source *source, bool enabled)
{
	if (!source || source->kind != SOURCE_DEFER || source->removed)
		return -EINVAL;
	if (source->enabled != enabled)
		loop->n_deferred += enabled ? 1 : -1;
	source->enabled = enabled;
	return 0;
}

/*
 * A handler may remove a source whose event is still pending in the batch
 * being dispatched, so removal only marks it; loop_sweep() frees it after.
 */
void loop_remove(struct loop *loop, struct loop_source *source)
{
	if (!source || source->removed)
		return;
	if (source->kind == SOURCE_DEFER)
		loop_defer_enable(loop, source, false);
	source->removed = true;
	if (source->fd >= 0)
		epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, source->fd, NULL);
}

static void loop_sweep(struct loop *loop)
{
	struct loop_source **p = &loop->sources, *s;

	while ((s = *p)) {
		if (s->removed) {
			*p = s->next;
			source_free(s);
		} else {
			p = &s->next;
		}
	}
}

static int source_dispatch(struct loop *loop, struct loop_source *s, uint32_t events)
{
	struct signalfd_siginfo si;
	uint64_t expirations;

	if (s->removed)
		return 0;
	switch (s->kind) {
	case SOURCE_IO:
		return s->fn.io(loop, s->fd, events, s->data);
	case SOURCE_TIMER:
		if (read(s->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
			return errno == EAGAIN ? 0 : -errno;
		return s->fn.timer(loop, s->data);
	case SOURCE_SIGNAL:
		while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
			int r = s->fn.signal(loop, si.ssi_signo, s->data);

			if (r < 0)
				return r;
		}
		return 0;
	case SOURCE_DEFER:
		return 0;
	}
	return 0;
}

/*
 * Once per iteration, after its events: a timer that came due meanwhile was
 * in those events, so it never waits for more than one slice.
 */
static int run_deferred(struct loop *loop)
{
	struct loop_source *s;
	int r;

	/* a source added by one of these is at the head: its turn is the next iteration */
	for (s = loop->sources; s && !loop->exiting; s = s->next) {
		if (s->kind != SOURCE_DEFER || !s->enabled || s->removed)
			continue;
		r = s->fn.defer(loop, s->data);
		if (r < 0)
			return r;
	}
	return 0;
}

int loop_run(struct loop *loop)
{
	struct epoll_event events[16];
	int i, n, r;

	loop->exiting = false;
	while (!loop->exiting) {
		n = epoll_wait(loop->epoll_fd, events, 16, loop->n_deferred ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !loop->exiting; i++) {
			r = source_dispatch(loop, events[i].data.ptr, events[i].events);
			if (r < 0)
				return r;
		}
		r = run_deferred(loop);
		if (r < 0)
			return r;
		loop_sweep(loop);
	}
	return loop->status;
}

void loop_exit(struct loop *loop, int status)
{
	loop->exiting = true;
	loop->status = status;
}
