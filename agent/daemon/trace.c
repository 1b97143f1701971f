// SPDX-License-Identifier: GPL-2.0-only
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "event-json.h"
#include "probes.h"

struct tracer {
	bool json, quiet;
	int64_t mono_to_real_ns;
	uint64_t consumed;
	uint64_t drops_reported;
	struct probes *probes;
};

static int64_t mono_to_real_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

static int print_event(const struct vigil_event *e, void *data)
{
	struct tracer *t = data;
	struct timespec wall = event_wall_time(e->ts_ns, t->mono_to_real_ns);
	struct json_object *obj;
	char line[512];

	t->consumed++;
	if (t->quiet)
		return 0;
	if (!t->json) {
		event_format_text(e, &wall, line, sizeof(line));
		puts(line);
		return 0;
	}
	obj = event_to_json(e, &wall);
	if (!obj)
		return -errno;
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return 0;
}

static int on_events(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct tracer *t = data;
	int r = probes_consume(t->probes);

	fflush(stdout); /* once per batch: a reader sees events as they come */
	return r < 0 ? r : 0;
}

static int drain(struct loop *loop, void *data)
{
	struct tracer *t = data;

	return on_events(loop, probes_fd(t->probes), EPOLLIN, t);
}

static int check_drops(struct loop *loop, void *data)
{
	struct tracer *t = data;
	uint64_t c[VIGIL_CTR_MAX];

	if (probes_counters(t->probes, c) == 0 && c[VIGIL_CTR_RINGBUF_DROPS] > t->drops_reported) {
		log_warning("ring buffer full: %" PRIu64 " events lost so far",
			    c[VIGIL_CTR_RINGBUF_DROPS]);
		t->drops_reported = c[VIGIL_CTR_RINGBUF_DROPS];
	}
	return 0;
}

static int on_signal(struct loop *loop, int signo, void *data)
{
	loop_exit(loop, 0);
	return 0;
}

static uint32_t own_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

int trace_run(const struct trace_opts *opts)
{
	static const int signals[] = { SIGINT, SIGTERM };
	struct tracer t = { .json = opts->json,
			    .quiet = opts->quiet,
			    .mono_to_real_ns = mono_to_real_offset() };
	struct probes_opts popts = { .trace_all = true, .netns_ino = own_netns_ino() };
	uint64_t c[VIGIL_CTR_MAX] = { 0 };
	struct degraded degraded;
	char why[2048];
	struct loop *loop;
	int r;

	loop = loop_new();
	if (!loop)
		return -errno;
	r = loop_add_signals(loop, signals, 2, on_signal, &t, NULL);
	if (r < 0)
		goto out;
	r = probes_open(&popts, print_event, &t, &t.probes, &degraded);
	if (r < 0) {
		degraded_summary(&degraded, false, 0, 0, 0, why, sizeof(why));
		log_error("cannot trace: %s", why);
		goto out;
	}
	r = loop_add_io(loop, probes_fd(t.probes), EPOLLIN, on_events, &t, NULL);
	if (r == 0)
		r = loop_add_timer(loop, PROBES_DRAIN_INTERVAL_MS * 1000000ull, drain, &t, NULL);
	if (r == 0)
		r = loop_add_timer(loop, 1000000000ull, check_drops, &t, NULL);
	if (r < 0) {
		log_error("cannot watch the ring buffer: %s", strerror(-r));
		goto out;
	}
	log_info("attached programs=\"%s\"", probes_attached(t.probes));
	log_info("tracing (Ctrl-C to stop)");

	r = loop_run(loop);
	if (r < 0)
		log_error("event loop failed: %s", strerror(-r));
	/* what the programs wrote before the signal still counts */
	probes_consume(t.probes);
	fflush(stdout);
	probes_counters(t.probes, c);
	log_info("trace done events=%" PRIu64 " consumed=%" PRIu64 " ringbuf_drops=%" PRIu64
		 " flow_errors=%" PRIu64 " bad_records=%" PRIu64 " missed=%" PRIu64,
		 c[VIGIL_CTR_EVENTS], t.consumed, c[VIGIL_CTR_RINGBUF_DROPS],
		 c[VIGIL_CTR_FLOW_ERRORS], probes_bad_records(t.probes), probes_missed(t.probes));
out:
	probes_free(t.probes);
	loop_free(loop);
	return r;
}
