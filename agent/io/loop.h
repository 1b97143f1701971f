/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one epoll loop vigild hangs off: file descriptors, periodic timers
 * (timerfd), signals (signalfd) and deferred work. Handlers must not block. A
 * handler that returns a negative errno stops the loop with that status.
 */
#ifndef VIGIL_AGENT_LOOP_H
#define VIGIL_AGENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_source;

typedef int (*loop_io_fn)(struct loop *loop, int fd, uint32_t events, void *data);
typedef int (*loop_timer_fn)(struct loop *loop, void *data);
typedef int (*loop_signal_fn)(struct loop *loop, int signo, void *data);
typedef int (*loop_defer_fn)(struct loop *loop, void *data);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

int loop_add_io(struct loop *loop, int fd, uint32_t events, loop_io_fn fn, void *data,
		struct loop_source **ret);
/* Changes the events an I/O source waits for (EPOLLOUT only while output is queued). */
int loop_io_set_events(struct loop *loop, struct loop_source *source, uint32_t events);
/* Fires every interval_ns, the first time interval_ns from now. */
int loop_add_timer(struct loop *loop, uint64_t interval_ns, loop_timer_fn fn, void *data,
		   struct loop_source **ret);
/*
 * A one-shot timer, disarmed until loop_alarm_set(). For deadlines that move:
 * the next syn_timeout, the next policy transition, a probe's timeout.
 */
int loop_add_alarm(struct loop *loop, loop_timer_fn fn, void *data, struct loop_source **ret);
/* Fires at when_ns (CLOCK_MONOTONIC, absolute; in the past: at once); 0 disarms. */
int loop_alarm_set(struct loop_source *alarm, uint64_t when_ns);
/* Blocks the signals and delivers them through the loop. */
int loop_add_signals(struct loop *loop, const int *signals, int count, loop_signal_fn fn,
		     void *data, struct loop_source **ret);
/*
 * Work done in slices (the control socket's queued requests): while enabled,
 * FN runs once per iteration, after that iteration's events, and the loop
 * polls instead of sleeping. So a timer that came due during one slice runs
 * before the next. Starts disabled.
 */
int loop_add_defer(struct loop *loop, loop_defer_fn fn, void *data, struct loop_source **ret);
int loop_defer_enable(struct loop *loop, struct loop_source *source, bool enabled);
void loop_remove(struct loop *loop, struct loop_source *source);

/* Runs until loop_exit() or a handler fails; returns the exit status. */
int loop_run(struct loop *loop);
void loop_exit(struct loop *loop, int status);

#endif
