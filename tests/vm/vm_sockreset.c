// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resets of stalled sockets against the real kernel: the probes, loaded in
 * this process, and sockreset.c driven directly, with each mechanism the
 * kernel has. Through VIPs with the real IPVS (one destination each, so
 * that the destination of every socket is known):
 *
 *   a. TCP to d1, which goes silent with data unacknowledged: reset;
 *   b. TCP to d1, idle: left alone, then reset once it sends;
 *   c. TCP to d2, silent and stalled too, but not a target: untouched;
 *   d. connected UDP to d1, its request unanswered: reset.
 */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kernelhz.h"
#include "probes.h"
#include "sockreset.h"
#include "vmtest.h"

#define VIP_A     "10.96.0.1" /* TCP :80 -> d1 */
#define VIP_B     "10.96.0.2" /* TCP :80 -> d2 */
#define VIP_U     "10.96.0.3" /* UDP :8080 -> d1 */
#define REAL_D1   "10.100.1.2"
#define REAL_D2   "10.100.2.2"
#define PORT_TCP  80
#define PORT_UDP  8080
#define PORT_REAL 8080

/* Past the first retransmission timeout (200 ms at least, RTT ~0 here) with margin. */
#define STALL_MS 700

#define MAX_RESULTS 16

/* Loaded once for every test: a load takes seconds under TCG. */
static struct probes *probes;

static struct probes *open_probes(void);

static void lab_up(void)
{
	const char *lab = vt_lab();

	vt_must("%s clean", lab);
	vt_must("%s dest d1 --v4 " REAL_D1 " --port 8080 >/dev/null 2>&1", lab);
	vt_must("%s dest d2 --v4 " REAL_D2 " --port 8080 >/dev/null 2>&1", lab);
	vt_must("ip link add vip0 type dummy && ip link set vip0 up");
	vt_must("ip route add 10.96.0.0/24 dev vip0");
	vt_must("ipvsadm -C");
	vt_must("ipvsadm -A -t " VIP_A ":80 -s rr && ipvsadm -a -t " VIP_A ":80 -r " REAL_D1
		":8080 -m");
	vt_must("ipvsadm -A -t " VIP_B ":80 -s rr && ipvsadm -a -t " VIP_B ":80 -r " REAL_D2
		":8080 -m");
	vt_must("ipvsadm -A -u " VIP_U ":8080 -s rr && ipvsadm -a -u " VIP_U ":8080 -r " REAL_D1
		":8080 -m");
	probes = open_probes();
}

static void lab_down(void)
{
	probes_free(probes);
	vt_sh("ipvsadm -C; ip link del vip0 2>/dev/null; %s clean", vt_lab());
}

static int drop_event(const struct vigil_event *e, void *data)
{
	return 0;
}

static union vigil_addr addr_of(const char *a)
{
	union vigil_addr v;

	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(inet_pton(AF_INET, a, &v.v4), 1);
	return v;
}

static struct vigil_vip vip_of(const char *a, uint16_t port, uint8_t protocol)
{
	struct vigil_vip v;

	memset(&v, 0, sizeof(v));
	v.addr = addr_of(a);
	v.port = port;
	v.family = VIGIL_AF_INET;
	v.protocol = protocol;
	return v;
}

static struct vigil_real real_of(const char *a)
{
	struct vigil_real r;

	memset(&r, 0, sizeof(r));
	r.addr = addr_of(a);
	r.port = PORT_REAL;
	r.family = VIGIL_AF_INET;
	return r;
}

static struct probes *open_probes(void)
{
	struct probes_opts opts = { 0 };
	struct probes *p = NULL;
	struct vigil_vip v;

	ck_assert_int_eq(probes_open(&opts, drop_event, NULL, &p, NULL), 0);
	v = vip_of(VIP_A, PORT_TCP, IPPROTO_TCP);
	ck_assert_int_eq(probes_vip_add(p, &v), 0);
	v = vip_of(VIP_B, PORT_TCP, IPPROTO_TCP);
	ck_assert_int_eq(probes_vip_add(p, &v), 0);
	v = vip_of(VIP_U, PORT_UDP, IPPROTO_UDP);
	ck_assert_int_eq(probes_vip_add(p, &v), 0);
	return p;
}

static unsigned int kernel_hz(void)
{
	struct utsname u;
	unsigned int hz = 0;
	char source[256];

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_msg(kernelhz_read(KERNELHZ_BOOT_DIR, KERNELHZ_MODULES_DIR, KERNELHZ_PROC_CONFIG,
				    u.release, &hz, source, sizeof(source)) == 0,
		      "kernel HZ: %s", source);
	return hz;
}

/* Whether the running kernel is 6.5 or later, which has bpf_sock_destroy(). */
static bool kernel_has_sock_destroy(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &major, &minor), 2);
	return major > 6 || (major == 6 && minor >= 5);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A socket of TYPE connected to ADDR:PORT, with I/O timeouts of 2 s. */
static int connected(int type, const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "connect %s:%u: %s",
		      addr, port, strerror(errno));
	return fd;
}

/* One echo round trip on FD (labsrv echoes): the flow is known and acknowledged. */
static void echo(int fd)
{
	char buf[64];
	size_t got = 0;

	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(send(fd, buf, sizeof(buf), 0), sizeof(buf));
	while (got < sizeof(buf)) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - got, 0);

		ck_assert_msg(n > 0, "echo: %s", n < 0 ? strerror(errno) : "closed");
		got += n;
	}
}

static void request(int fd)
{
	char buf[64];

	memset(buf, 'y', sizeof(buf));
	ck_assert_int_eq(send(fd, buf, sizeof(buf), 0), sizeof(buf));
}

/* The errno of the socket's next receive, 0 if none is pending (EAGAIN: untouched). */
static int next_recv_error(int fd)
{
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN ? 0 : errno;
	return n == 0 ? EPIPE : 0;
}

static unsigned int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return ti.tcpi_state;
}

static void close_now(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	/* an RST, not a FIN that a silent peer would keep retransmitting */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

struct results {
	struct sockreset_result r[MAX_RESULTS];
	size_t n;
};

static void on_result(const struct sockreset_result *r, void *data)
{
	struct results *rs = data;
	char c[INET_ADDRSTRLEN], v[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->flow.caddr.v4, c, sizeof(c));
	inet_ntop(AF_INET, &r->flow.vaddr.v4, v, sizeof(v));
	inet_ntop(AF_INET, &r->real.addr.v4, d, sizeof(d));
	fprintf(stderr, "reset %s %s:%u vip=%s:%u real=%s:%u stalled_ms=%llu error=%d\n",
		r->flow.protocol == IPPROTO_TCP ? "tcp" : "udp", c, r->flow.cport, v, r->flow.vport,
		d, r->real.port, (unsigned long long)(r->stalled_ns / 1000000), r->error);
	ck_assert_uint_lt(rs->n, MAX_RESULTS);
	rs->r[rs->n++] = *r;
}

/* The result for the socket of local port PORT, asserting who it was to. */
static const struct sockreset_result *result_of(const struct results *rs, unsigned int port,
						uint8_t protocol, const char *vip, uint16_t vport,
						const char *real)
{
	struct vigil_real want = real_of(real);
	union vigil_addr v = addr_of(vip);
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct sockreset_result *r = &rs->r[i];

		if (r->flow.cport != port || r->flow.protocol != protocol)
			continue;
		ck_assert_int_eq(r->flow.family, VIGIL_AF_INET);
		ck_assert_uint_eq(r->flow.vaddr.v4, v.v4);
		ck_assert_uint_eq(r->flow.vport, vport);
		ck_assert_uint_eq(r->real.addr.v4, want.addr.v4);
		ck_assert_uint_eq(r->real.port, want.port);
		return r;
	}
	return NULL;
}

/*
 * Stalled since a time between FROM and UNTIL (the socket's last ACK, or its
 * request), swept between SWEEP and now: within a jiffy (at HZ 100) of that.
 */
struct span {
	uint64_t from, until;
};

static void assert_stalled(const struct sockreset_result *r, struct span since, uint64_t sweep)
{
	const uint64_t jiffy = 10000000;

	ck_assert_uint_ge(r->stalled_ns + jiffy, sweep - since.until);
	ck_assert_uint_le(r->stalled_ns, vt_now_ns() - since.from + jiffy);
}

/* The time around a call. */
#define TIMED(span, call)                                                                          \
	do {                                                                                       \
		(span).from = vt_now_ns();                                                         \
		call;                                                                              \
		(span).until = vt_now_ns();                                                        \
	} while (0)

static void set_targets(struct sockreset *sr)
{
	struct sockreset_target t[] = {
		{ .real = real_of(REAL_D1), .protocol = IPPROTO_TCP },
		{ .real = real_of(REAL_D1), .protocol = IPPROTO_UDP },
	};

	ck_assert_int_eq(sockreset_set_targets(sr, t, 2), 0);
}

/* The scene with mechanism M (NULL: the best one), asserting that M is the one in use. */
static void scene(struct probes *p, const char *force, enum sockreset_mechanism want)
{
	struct results rs = { .n = 0 };
	const struct sockreset_result *r;
	struct sockreset *sr;
	int a, b, c, d, n;
	unsigned int a_port, b_port, d_port;
	struct span a_acked, b_acked, d_asked;
	uint64_t sweep_ns;

	vt_must("%s live d1 && %s live d2", vt_lab(), vt_lab());
	sr = sockreset_new(p, kernel_hz(), force);
	ck_assert_ptr_nonnull(sr);
	fprintf(stderr, "mechanism %s (asked: %s); why not better: \"%s\"\n",
		sockreset_mechanism_name(sockreset_mechanism(sr)), force ? force : "best",
		sockreset_why(sr));
	ck_assert_str_eq(sockreset_mechanism_name(sockreset_mechanism(sr)),
			 sockreset_mechanism_name(want));

	a = connected(SOCK_STREAM, VIP_A, PORT_TCP);
	b = connected(SOCK_STREAM, VIP_A, PORT_TCP);
	c = connected(SOCK_STREAM, VIP_B, PORT_TCP);
	d = connected(SOCK_DGRAM, VIP_U, PORT_UDP);
	TIMED(a_acked, echo(a)); /* their last ACKs */
	TIMED(b_acked, echo(b));
	echo(c);
	echo(d);
	/* before the resets: a UDP socket reset is disconnected, and loses its port */
	a_port = vt_local_port(a);
	b_port = vt_local_port(b);
	d_port = vt_local_port(d);

	vt_must("%s silent d1 && %s silent d2", vt_lab(), vt_lab());
	request(a);
	request(c);
	TIMED(d_asked, request(d));
	sleep_ms(STALL_MS);

	/* no targets yet: nothing is touched */
	ck_assert_int_eq(sockreset_sweep(sr, on_result, &rs), 0);
	ck_assert_uint_eq(rs.n, 0);

	set_targets(sr);
	sweep_ns = vt_now_ns();
	n = sockreset_sweep(sr, on_result, &rs);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(rs.n, 2);
	r = result_of(&rs, a_port, IPPROTO_TCP, VIP_A, PORT_TCP, REAL_D1);
	ck_assert_msg(r, "the stalled TCP socket was not reset");
	ck_assert_int_eq(r->error, 0);
	assert_stalled(r, a_acked, sweep_ns);
	r = result_of(&rs, d_port, IPPROTO_UDP, VIP_U, PORT_UDP, REAL_D1);
	ck_assert_msg(r, "the stalled UDP socket was not reset");
	ck_assert_int_eq(r->error, 0);
	assert_stalled(r, d_asked, sweep_ns);

	/* the application hears it at once */
	ck_assert_int_eq(next_recv_error(a), ECONNABORTED);
	ck_assert_int_eq(next_recv_error(d), ECONNABORTED);
	/* the idle one to the same destination and the stalled one to another are untouched */
	ck_assert_int_eq(next_recv_error(b), 0);
	ck_assert_int_eq(tcp_state(b), TCP_ESTABLISHED);
	ck_assert_int_eq(next_recv_error(c), 0);
	ck_assert_int_eq(tcp_state(c), TCP_ESTABLISHED);

	/* the idle one sends, stalls, and is reset then */
	rs.n = 0;
	request(b);
	sleep_ms(STALL_MS);
	sweep_ns = vt_now_ns();
	n = sockreset_sweep(sr, on_result, &rs);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(rs.n, 1);
	r = result_of(&rs, b_port, IPPROTO_TCP, VIP_A, PORT_TCP, REAL_D1);
	ck_assert_msg(r, "the idle TCP socket was not reset once it stalled");
	ck_assert_int_eq(r->error, 0);
	assert_stalled(r, b_acked, sweep_ns); /* its last ACK: the echo before the silence */
	ck_assert_int_eq(next_recv_error(b), ECONNABORTED);
	ck_assert_int_eq(next_recv_error(c), 0);
	ck_assert_int_eq(tcp_state(c), TCP_ESTABLISHED);

	/* nothing left to reset; without targets nothing is looked at */
	rs.n = 0;
	ck_assert_int_eq(sockreset_sweep(sr, on_result, &rs), 0);
	ck_assert_int_eq(sockreset_set_targets(sr, NULL, 0), 0);
	ck_assert_int_eq(sockreset_sweep(sr, on_result, &rs), 0);
	ck_assert_uint_eq(rs.n, 0);

	close_now(a);
	close_now(b);
	close_now(c);
	close(d);
	sockreset_free(sr);
}

START_TEST(best_mechanism)
{
	scene(probes, NULL,
	      kernel_has_sock_destroy() ? SOCKRESET_BPF_DESTROY : SOCKRESET_INET_DIAG);
}
END_TEST

START_TEST(inet_diag_everywhere)
{
	if (!kernel_has_sock_destroy())
		return; /* best_mechanism was this one */
	scene(probes, "inet_diag", SOCKRESET_INET_DIAG);
}
END_TEST

/* Asked for where the kernel lacks it: none, and why. */
START_TEST(forced_mechanisms)
{
	struct probes *p = probes;
	struct sockreset *sr;

	sr = sockreset_new(p, 0, "bpf_sock_destroy");
	ck_assert_ptr_nonnull(sr);
	fprintf(stderr, "bpf_sock_destroy asked for: %s; why: \"%s\"\n",
		sockreset_mechanism_name(sockreset_mechanism(sr)), sockreset_why(sr));
	if (kernel_has_sock_destroy()) {
		ck_assert_int_eq(sockreset_mechanism(sr), SOCKRESET_BPF_DESTROY);
		ck_assert_str_eq(sockreset_why(sr), "");
	} else {
		ck_assert_int_eq(sockreset_mechanism(sr), SOCKRESET_NONE);
		ck_assert_ptr_nonnull(strstr(sockreset_why(sr), "bpf_sock_destroy"));
	}
	sockreset_free(sr);
	sr = sockreset_new(p, 0, "none");
	ck_assert_int_eq(sockreset_mechanism(sr), SOCKRESET_NONE);
	ck_assert_int_eq(sockreset_sweep(sr, NULL, NULL), 0);
	sockreset_free(sr);
	sr = sockreset_new(NULL, 0, NULL);
	ck_assert_int_eq(sockreset_mechanism(sr), SOCKRESET_NONE);
	fprintf(stderr, "without probes: \"%s\"\n", sockreset_why(sr));
	sockreset_free(sr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_sockreset");
	TCase *tc = tcase_create("sockreset");

	tcase_add_unchecked_fixture(tc, lab_up, lab_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, forced_mechanisms);
	tcase_add_test(tc, best_mechanism);
	tcase_add_test(tc, inet_diag_everywhere);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
