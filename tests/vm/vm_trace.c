// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event pipeline against the real kernel: vigild --trace --json watches
 * connections made directly and through IPVS to lab destinations that are
 * live, silent (replies blackholed) and refusing (server stopped).
 */
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "vmtest.h"

#define VIP_LIVE       "10.96.0.1:80"
#define VIP_SILENT     "10.96.0.2:80"
#define VIP_REFUSE     "10.96.0.3:80"
#define VIP6_LIVE      "[fd00:96::1]:80"
#define VIP_UDP        "10.96.0.1:53"
#define VIP6_UDP       "[fd00:96::1]:53"
#define VIP_UDP_REFUSE "10.96.0.3:53"
#define VIP_STALL      "10.96.0.4:80"

#define REAL_LIVE   "10.100.1.2:8080"
#define REAL6_LIVE  "[fd00:100:1::2]:8080"
#define REAL_SILENT "10.100.2.2:8080"
#define REAL_REFUSE "10.100.3.2:8080"
#define REAL_STALL  "10.100.4.2:8080" /* live, until stalled_connection_retransmits silences it */

#define MAX_FLOW_EVENTS 64

static void lab_up(void)
{
	const char *lab = vt_lab();

	vt_must("%s clean", lab);
	vt_must("%s dest d-live --v4 10.100.1.2 --v6 fd00:100:1::2 --port 8080", lab);
	vt_must("%s dest d-silent --v4 10.100.2.2 --port 8080 && %s silent d-silent", lab, lab);
	vt_must("%s dest d-refuse --v4 10.100.3.2 --port 8080 && %s refuse d-refuse", lab, lab);
	vt_must("%s dest d-stall --v4 10.100.4.2 --port 8080", lab);
	/* local clients reach a VIP through a route; IPVS takes it from there */
	vt_must("ip link add vip0 type dummy && ip link set vip0 up");
	vt_must("ip route add 10.96.0.0/24 dev vip0 && ip -6 route add fd00:96::/64 dev vip0");
	vt_must("ipvsadm -C");
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", VIP_LIVE, VIP_LIVE,
		REAL_LIVE);
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", VIP_SILENT, VIP_SILENT,
		REAL_SILENT);
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", VIP_REFUSE, VIP_REFUSE,
		REAL_REFUSE);
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", VIP_STALL, VIP_STALL,
		REAL_STALL);
	vt_must("ipvsadm -A -t %s -s rr && ipvsadm -a -t %s -r %s -m", VIP6_LIVE, VIP6_LIVE,
		REAL6_LIVE);
	vt_must("ipvsadm -A -u %s -s rr && ipvsadm -a -u %s -r %s -m", VIP_UDP, VIP_UDP, REAL_LIVE);
	vt_must("ipvsadm -A -u %s -s rr && ipvsadm -a -u %s -r %s -m", VIP6_UDP, VIP6_UDP,
		REAL6_LIVE);
}

static void lab_down(void)
{
	vt_sh("ipvsadm -C; ip link del vip0 2>/dev/null; %s clean", vt_lab());
}

struct flow_wait {
	const char *protocol;
	unsigned int port;
	const char *kind;
	const char *state; /* NULL: any */
};

static bool flow_has(const struct vt_tracer *t, void *arg)
{
	const struct flow_wait *w = arg;
	json_object *evs[MAX_FLOW_EVENTS];
	size_t i, n = vt_events_of(t, w->protocol, w->port, evs, MAX_FLOW_EVENTS);

	for (i = 0; i < n; i++) {
		const char *kind = vt_str(evs[i], "kind"), *state = vt_str(evs[i], "state");

		if (!strcmp(kind, w->kind) && (!w->state || (state && !strcmp(state, w->state))))
			return true;
	}
	return false;
}

/* Waits for the flow's closing event, then stops the tracer. */
static void stop_after_close(struct vt_tracer *t, unsigned int port)
{
	struct flow_wait w = { "tcp", port, "state", "CLOSE" };

	ck_assert_msg(vt_tracer_wait(t, flow_has, &w, 20000), "no CLOSE event for port %u", port);
	ck_assert_int_eq(vt_tracer_stop(t), 0);
	ck_assert_msg(t->done, "no final counters in vigild's log:\n%s", t->log);
	ck_assert_uint_eq(t->drops, 0);
	ck_assert_uint_eq(t->missed, 0);
	ck_assert_uint_eq(t->bad_records, 0);
}

static size_t flow_events(struct vt_tracer *t, unsigned int port, json_object **evs)
{
	size_t n = vt_events_of(t, "tcp", port, evs, MAX_FLOW_EVENTS);

	fprintf(stderr, "events of client port %u:\n", port);
	vt_dump(evs, n);
	return n;
}

static const char *kind_of(json_object *e)
{
	return vt_str(e, "kind");
}

static bool is_state(json_object *e, const char *old_state, const char *state)
{
	return !strcmp(kind_of(e), "state") && !strcmp(vt_str(e, "old_state"), old_state) &&
	       !strcmp(vt_str(e, "state"), state);
}

static size_t find(json_object **evs, size_t n, const char *kind, size_t from)
{
	size_t i;

	for (i = from; i < n; i++)
		if (!strcmp(kind_of(evs[i]), kind))
			return i;
	return n;
}

/* connect first, with the source port; the IPVS pick next; all later ones name real */
static void assert_ipvs_flow(json_object **evs, size_t n, const char *vip, const char *real)
{
	size_t i, pick;

	ck_assert_uint_ge(n, 3);
	ck_assert_str_eq(kind_of(evs[0]), "connect");
	ck_assert_str_eq(vt_str(evs[0], "virtual"), vip);
	ck_assert_ptr_null(vt_str(evs[0], "real"));
	pick = find(evs, n, "ipvs-pick", 0);
	ck_assert_msg(pick == 1, "the IPVS pick is not the second event");
	for (i = pick; i < n; i++) {
		ck_assert_str_eq(vt_str(evs[i], "virtual"), vip);
		ck_assert_msg(vt_str(evs[i], "real") && !strcmp(vt_str(evs[i], "real"), real),
			      "event %zu does not name real destination %s", i, real);
	}
}

START_TEST(direct_connection_has_no_real_destination)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct vt_tracer t;
	struct vt_conn c;
	size_t i, n;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_connect(REAL_LIVE, 5000, &c), 0);
	ck_assert_msg(c.err == 0, "direct connect failed: %s", strerror(c.err));
	stop_after_close(&t, c.local_port);

	n = flow_events(&t, c.local_port, evs);
	ck_assert_uint_ge(n, 3);
	ck_assert_str_eq(kind_of(evs[0]), "connect");
	ck_assert(is_state(evs[1], "SYN_SENT", "ESTABLISHED"));
	ck_assert_str_eq(vt_str(evs[n - 1], "state"), "CLOSE");
	for (i = 0; i < n; i++) {
		ck_assert_str_ne(kind_of(evs[i]), "ipvs-pick");
		ck_assert_str_eq(vt_str(evs[i], "virtual"), REAL_LIVE);
		ck_assert_ptr_null(vt_str(evs[i], "real"));
	}
	vt_tracer_free(&t);
}
END_TEST

static void accepted_through(const char *vip, const char *real)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct vt_tracer t;
	struct vt_conn c;
	size_t n;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_connect(vip, 5000, &c), 0);
	ck_assert_msg(c.err == 0, "connect to %s failed: %s", vip, strerror(c.err));
	ck_assert_uint_ne(c.local_port, 0);
	stop_after_close(&t, c.local_port);

	n = flow_events(&t, c.local_port, evs);
	assert_ipvs_flow(evs, n, vip, real);
	ck_assert(is_state(evs[2], "SYN_SENT", "ESTABLISHED"));
	ck_assert_str_eq(vt_str(evs[n - 1], "state"), "CLOSE");
	vt_tracer_free(&t);
}

START_TEST(ipvs_accepted)
{
	accepted_through(VIP_LIVE, REAL_LIVE);
}
END_TEST

START_TEST(ipvs_accepted_ipv6)
{
	accepted_through(VIP6_LIVE, REAL6_LIVE);
}
END_TEST

START_TEST(ipvs_silent_destination_retransmits)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct vt_tracer t;
	struct vt_conn c;
	double first_retrans, gave_up;
	size_t n, r, i;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	/* the client gives up after 3.5 s: SYN retransmits are due at 1 s and 3 s */
	ck_assert_int_eq(vt_connect(VIP_SILENT, 3500, &c), 0);
	ck_assert_int_eq(c.err, ETIMEDOUT);
	stop_after_close(&t, c.local_port);

	n = flow_events(&t, c.local_port, evs);
	assert_ipvs_flow(evs, n, VIP_SILENT, REAL_SILENT);
	r = find(evs, n, "retrans", 0);
	ck_assert_msg(r < n, "no connect-retransmit event");
	for (i = r; i < n - 1; i++)
		ck_assert_str_eq(kind_of(evs[i]), "retrans");
	ck_assert_uint_ge(n - 1 - r, 2); /* at 1 s and at 3 s */
	ck_assert_str_eq(vt_str(evs[r], "state"), "SYN_SENT");
	ck_assert(is_state(evs[n - 1], "SYN_SENT", "CLOSE"));

	first_retrans = (vt_mono(evs[r]) - vt_mono(evs[0])) / 1e9;
	gave_up = (vt_mono(evs[n - 1]) - vt_mono(evs[0])) / 1e9;
	fprintf(stderr, "first retransmit %.3f s after the SYN; client gave up after %.3f s\n",
		first_retrans, gave_up);
	/* the kernel's initial RTO is 1 s; TCG timing is loose, hence the range */
	ck_assert_double_ge(first_retrans, 0.9);
	ck_assert_double_le(first_retrans, 1.6);
	ck_assert_double_ge(gave_up - first_retrans, 1.5);
	vt_tracer_free(&t);
}
END_TEST

START_TEST(ipvs_refused_destination_resets)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct vt_tracer t;
	struct vt_conn c;
	size_t n, r;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_connect(VIP_REFUSE, 5000, &c), 0);
	ck_assert_int_eq(c.err, ECONNREFUSED);
	stop_after_close(&t, c.local_port);

	n = flow_events(&t, c.local_port, evs);
	assert_ipvs_flow(evs, n, VIP_REFUSE, REAL_REFUSE);
	r = find(evs, n, "reset", 0);
	ck_assert_msg(r < n, "no reset-received event");
	ck_assert_str_eq(vt_str(evs[r], "state"), "SYN_SENT");
	ck_assert(is_state(evs[n - 1], "SYN_SENT", "CLOSE"));
	ck_assert_uint_eq(find(evs, n, "retrans", 0), n);
	vt_tracer_free(&t);
}
END_TEST

/*
 * An established connection whose destination goes silent with data in
 * flight: its retransmission timeouts double from 200 ms on, and only the
 * first is reported, in the socket's state, naming the real destination.
 */
START_TEST(stalled_connection_retransmits_once)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct sockaddr_storage sa;
	struct linger lg = { 1, 0 };
	struct vt_tracer t;
	socklen_t len;
	unsigned int port;
	char buf[16];
	size_t n, r, i, retrans = 0;
	uint64_t silent_ns;
	int fd;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_sockaddr(VIP_STALL, &sa, &len), 0);
	fd = socket(sa.ss_family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, len), 0);
	port = vt_local_port(fd);
	/* an answered request: the destination was live, nothing in flight */
	ck_assert_int_eq(send(fd, "ping\n", 5, 0), 5);
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), 5);

	vt_must("%s silent d-stall", vt_lab());
	silent_ns = vt_now_ns();
	ck_assert_int_eq(send(fd, "stall\n", 6, 0), 6);
	/* timeouts at about 0.2, 0.6, 1.4 and 3 s: room for three after the first */
	{
		struct flow_wait w = { "tcp", port, "retrans", "ESTABLISHED" };

		ck_assert_msg(vt_tracer_wait(&t, flow_has, &w, 10000),
			      "no retransmit event for client port %u", port);
	}
	usleep(3500 * 1000);
	/* SO_LINGER 0: close() resets, and the flow ends now, not after tcp_retries2 */
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(fd);
	stop_after_close(&t, port);
	vt_must("%s live d-stall", vt_lab());

	n = flow_events(&t, port, evs);
	assert_ipvs_flow(evs, n, VIP_STALL, REAL_STALL);
	ck_assert(is_state(evs[2], "SYN_SENT", "ESTABLISHED"));
	r = find(evs, n, "retrans", 0);
	ck_assert_msg(r < n, "no retransmit event");
	for (i = r; i < n; i++)
		retrans += !strcmp(kind_of(evs[i]), "retrans");
	ck_assert_uint_eq(retrans, 1);
	ck_assert_str_eq(vt_str(evs[r], "state"), "ESTABLISHED");
	ck_assert_str_eq(vt_str(evs[r], "real"), REAL_STALL);
	fprintf(stderr, "first retransmission timeout %.3f s after the destination went silent\n",
		((double)vt_mono(evs[r]) - (double)silent_ns) / 1e9);
	ck_assert_uint_gt(vt_mono(evs[r]), silent_ns);
	ck_assert_str_eq(vt_str(evs[n - 1], "state"), "CLOSE");
	vt_tracer_free(&t);
}
END_TEST

START_TEST(udp_ipvs_pick)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct flow_wait w = { "udp", 0, "ipvs-pick", NULL };
	struct vt_tracer t;
	struct vt_conn c;
	size_t n;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_udp_exchange(VIP_UDP, 5000, &c), 0);
	ck_assert_msg(c.err == 0, "UDP exchange through %s failed: %s", VIP_UDP, strerror(c.err));
	w.port = c.local_port;
	ck_assert(vt_tracer_wait(&t, flow_has, &w, 10000));
	ck_assert_int_eq(vt_tracer_stop(&t), 0);
	n = vt_events_of(&t, "udp", c.local_port, evs, MAX_FLOW_EVENTS);
	vt_dump(evs, n);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(kind_of(evs[0]), "ipvs-pick");
	ck_assert_str_eq(vt_str(evs[0], "virtual"), VIP_UDP);
	ck_assert_str_eq(vt_str(evs[0], "real"), REAL_LIVE);
	vt_tracer_free(&t);
}
END_TEST

/*
 * Three requests and their replies on one UDP socket through VIP: the pick
 * starts the first request, a udp-send each later one, a udp-reply ends
 * each; all with the flow IPVS saw and its real destination.
 */
static void udp_requests_traced(const char *vip, const char *real, bool connected)
{
	static const char *const want[] = { "ipvs-pick", "udp-reply", "udp-send",
					    "udp-reply", "udp-send",  "udp-reply" };
	json_object *evs[MAX_FLOW_EVENTS];
	struct flow_wait w = { "udp", 0, "udp-reply", NULL };
	struct vt_tracer t;
	struct vt_conn c;
	size_t n, i;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_udp_requests(vip, 3, connected, 5000, &c), 0);
	ck_assert_msg(c.err == 0, "UDP requests through %s failed: %s", vip, strerror(c.err));
	w.port = c.local_port;
	vt_tracer_wait(&t, flow_has, &w, 10000);
	usleep(300 * 1000); /* the drain interval: the rest of the flow's events */
	ck_assert_int_eq(vt_tracer_stop(&t), 0);
	ck_assert_uint_eq(t.missed, 0);
	ck_assert_uint_eq(t.bad_records, 0);
	n = vt_events_of(&t, "udp", c.local_port, evs, MAX_FLOW_EVENTS);
	vt_dump(evs, n);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(kind_of(evs[i]), want[i]);
		ck_assert_str_eq(vt_str(evs[i], "virtual"), vip);
		ck_assert_str_eq(vt_str(evs[i], "real"), real);
	}
	vt_tracer_free(&t);
}

START_TEST(udp_connected_requests_and_replies)
{
	udp_requests_traced(VIP_UDP, REAL_LIVE, true);
}
END_TEST

START_TEST(udp_unconnected_requests_and_replies)
{
	udp_requests_traced(VIP_UDP, REAL_LIVE, false);
}
END_TEST

START_TEST(udp_ipv6_requests_and_replies)
{
	udp_requests_traced(VIP6_UDP, REAL6_LIVE, true);
	udp_requests_traced(VIP6_UDP, REAL6_LIVE, false);
}
END_TEST

START_TEST(udp_refused_destination_reports_error)
{
	json_object *evs[MAX_FLOW_EVENTS];
	struct flow_wait w = { "udp", 0, "sock-error", NULL };
	struct vt_tracer t;
	struct vt_conn c;
	size_t n, i;

	/* the refusing dest has no server: its datagrams draw ICMP port unreachable */
	vt_must("ipvsadm -A -u %s -s rr && ipvsadm -a -u %s -r %s -m", VIP_UDP_REFUSE,
		VIP_UDP_REFUSE, REAL_REFUSE);
	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_udp_exchange(VIP_UDP_REFUSE, 5000, &c), 0);
	ck_assert_msg(c.err == ECONNREFUSED, "UDP exchange through %s: %s", VIP_UDP_REFUSE,
		      strerror(c.err));
	w.port = c.local_port;
	ck_assert_msg(vt_tracer_wait(&t, flow_has, &w, 10000), "no sock-error event for port %u",
		      c.local_port);
	ck_assert_int_eq(vt_tracer_stop(&t), 0);
	ck_assert_uint_eq(t.missed, 0);
	ck_assert_uint_eq(t.bad_records, 0);
	n = vt_events_of(&t, "udp", c.local_port, evs, MAX_FLOW_EVENTS);
	vt_dump(evs, n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(kind_of(evs[0]), "ipvs-pick");
	ck_assert_str_eq(kind_of(evs[1]), "sock-error");
	ck_assert_str_eq(vt_str(evs[1], "error"), "ECONNREFUSED");
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(vt_str(evs[i], "virtual"), VIP_UDP_REFUSE);
		ck_assert_str_eq(vt_str(evs[i], "real"), REAL_REFUSE);
	}
	vt_tracer_free(&t);
	vt_must("ipvsadm -D -u %s", VIP_UDP_REFUSE);
}
END_TEST

#define STORM 2000

enum {
	SEEN_CONNECT = 1,
	SEEN_PICK = 2,
	SEEN_ESTABLISHED = 4,
	SEEN_CLOSE = 8,
	SEEN_ALL = 15
};

struct storm_check {
	uint8_t seen[65536];
	size_t scanned;
	unsigned int closed;
};

/* Accumulates, per client port, which of the four expected events arrived. */
static bool storm_closed(const struct vt_tracer *t, void *arg)
{
	struct storm_check *sc = arg;

	for (; sc->scanned < t->n_events; sc->scanned++) {
		json_object *e = t->events[sc->scanned];
		const char *client = vt_str(e, "client"), *real = vt_str(e, "real");
		const char *kind = kind_of(e), *state = vt_str(e, "state");
		unsigned int port = atoi(strrchr(client, ':') + 1);

		if (strcmp(vt_str(e, "virtual"), VIP_LIVE) || strcmp(vt_str(e, "protocol"), "tcp"))
			continue;
		if (!strcmp(kind, "connect"))
			sc->seen[port] |= SEEN_CONNECT;
		else if (!strcmp(kind, "ipvs-pick") && real && !strcmp(real, REAL_LIVE))
			sc->seen[port] |= SEEN_PICK;
		else if (is_state(e, "SYN_SENT", "ESTABLISHED") && real && !strcmp(real, REAL_LIVE))
			sc->seen[port] |= SEEN_ESTABLISHED;
		else if (!strcmp(kind, "state") && !strcmp(state, "CLOSE") && real &&
			 !strcmp(real, REAL_LIVE)) {
			sc->seen[port] |= SEEN_CLOSE;
			sc->closed++;
		}
	}
	return sc->closed >= STORM;
}

START_TEST(storm_every_event_accounted_for)
{
	struct storm_check *sc = calloc(1, sizeof(*sc));
	struct vt_tracer t;
	struct vt_storm s;
	json_object *evs[MAX_FLOW_EVENTS];
	unsigned int i, complete = 0;
	bool closed;

	ck_assert_int_eq(vt_tracer_start(&t), 0);
	ck_assert_int_eq(vt_storm(VIP_LIVE, STORM, 16, &s), 0);
	fprintf(stderr, "storm: %u connected, %u failed in %.2f s\n", s.ok, s.failed, s.seconds);
	ck_assert_uint_eq(s.ok, STORM);
	closed = vt_tracer_wait(&t, storm_closed, sc, 60000);
	if (!closed) {
		fprintf(stderr, "only %u of %u flows closed; sockets now:\n", sc->closed, STORM);
		vt_sh(
		    "awk 'NR > 1 {print $4}' /proc/net/tcp | sort | uniq -c; "
		    "nstat -az | grep -E 'Overflow|Drop|Abort|OFO|Retrans' | grep -v ' 0 '; "
		    "ip netns exec d-live nstat -az | grep -E 'Overflow|Drop|Abort' | grep -v ' 0 "
		    "'; "
		    "ip netns exec d-live awk 'NR > 1 {print $4}' /proc/net/tcp | sort | uniq -c; "
		    "ipvsadm -Lnc | awk '{print $3}' | sort | uniq -c");
	} else {
		/* closed flows leave nothing behind in the correlation map */
		vt_must("test \"$(bpftool map dump name flows | grep -c '\"key\"')\" = 0");
	}
	ck_assert_int_eq(vt_tracer_stop(&t), 0);
	storm_closed(&t, sc);

	for (i = 0; i < s.ok; i++) {
		if (sc->seen[s.ports[i]] == SEEN_ALL)
			complete++;
		else if (i - complete < 5)
			flow_events(&t, s.ports[i], evs);
	}
	fprintf(stderr, "storm: %zu events parsed, vigild: %s", t.n_events,
		strstr(t.log, "trace done") ?: "no counters\n");
	fprintf(stderr, "storm: %u flows complete\n", complete);
	ck_assert_uint_eq(complete, STORM);
	ck_assert(closed);
	ck_assert(t.done);
	ck_assert_uint_eq(t.drops, 0);
	ck_assert_uint_eq(t.missed, 0);
	ck_assert_uint_eq(t.flow_errors, 0);
	ck_assert_uint_eq(t.total, t.consumed);
	ck_assert_uint_eq(t.consumed, t.n_events);
	vt_storm_free(&s);
	vt_tracer_free(&t);
	free(sc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_trace");
	TCase *tc = tcase_create("trace");

	tcase_add_unchecked_fixture(tc, lab_up, lab_down);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, direct_connection_has_no_real_destination);
	tcase_add_test(tc, ipvs_accepted);
	tcase_add_test(tc, ipvs_silent_destination_retransmits);
	tcase_add_test(tc, ipvs_refused_destination_resets);
	tcase_add_test(tc, ipvs_accepted_ipv6);
	tcase_add_test(tc, stalled_connection_retransmits_once);
	tcase_add_test(tc, udp_ipvs_pick);
	tcase_add_test(tc, udp_connected_requests_and_replies);
	tcase_add_test(tc, udp_unconnected_requests_and_replies);
	tcase_add_test(tc, udp_ipv6_requests_and_replies);
	tcase_add_test(tc, udp_refused_destination_reports_error);
	tcase_add_test(tc, storm_every_event_accounted_for);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
