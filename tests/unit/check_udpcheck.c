// SPDX-License-Identifier: GPL-2.0-only
/* udpcheck against UDP sockets on the loopback: one that answers, one that does not, none. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "dnsmsg.h"
#include "udpcheck.h"

#define SECONDS(n) ((n)*1000000000ull)

struct result {
	int calls;
	uint64_t token;
	bool passed;
	int err;
};

static void done(void *data, uint64_t token, bool passed, int err)
{
	struct result *r = data;

	r->calls++;
	r->token = token;
	r->passed = passed;
	r->err = err;
}

/* How a test server answers each datagram. */
enum answer {
	ECHO,        /* the datagram back: a DNS query is no response */
	DNS_REFUSED, /* a DNS response with the query's ID, RCODE REFUSED */
	WRONG_ID,    /* a DNS response to another ID, then the right one */
};

struct server {
	int fd;
	enum answer answer;
	int seen;
	struct loop_source *io;
};

static int on_datagram(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct server *s = data;
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	uint8_t buf[600];
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

	if (n < 0)
		return 0;
	s->seen++;
	if (s->answer != ECHO && n >= DNSMSG_HEADER_SIZE) {
		buf[2] |= 0x80; /* QR */
		buf[3] = 5;     /* REFUSED */
		if (s->answer == WRONG_ID) {
			buf[0] ^= 0xff;
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
			buf[0] ^= 0xff;
		}
	}
	sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	return 0;
}

/* A UDP socket on 127.0.0.1 (::1 for AF_INET6); its address in *a. */
static int bound(int family, struct config_addr *a)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len =
	    family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd); /* no IPv6 on this host */
		return -1;
	}
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (family == AF_INET) {
		a->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		memcpy(a->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else {
		a->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		memcpy(a->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
	return fd;
}

/* Whether ::1 can be bound here (not in every container). */
static bool has_ipv6(void)
{
	struct config_addr a;
	int fd = bound(AF_INET6, &a);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int stop(struct loop *loop, void *data)
{
	loop_exit(loop, 0);
	return 0;
}

/* Runs the loop until the checker has nothing in flight (or 5 s). */
static void run(struct loop *loop, struct udpcheck *p)
{
	struct loop_source *tick;

	ck_assert_int_eq(loop_add_timer(loop, 10000000ull, stop, NULL, &tick), 0);
	for (int i = 0; i < 500 && udpcheck_busy(p); i++)
		loop_run(loop);
	loop_remove(loop, tick);
}

static struct config_probation probe_of(enum config_probe kind)
{
	struct config_probation pr;
	struct config_policy defaults;

	config_defaults(&defaults);
	pr = defaults.probation;
	pr.probe = kind;
	return pr;
}

/* One probe of a server that answers as told: the result. */
static struct result probe_server(int family, enum config_probe kind, enum answer answer,
				  uint64_t timeout_ns)
{
	struct loop *loop = loop_new();
	struct result r = { 0 };
	struct udpcheck *p = udpcheck_new(loop, done, &r);
	struct config_probation pr = probe_of(kind);
	struct server s = { .answer = answer };
	struct config_addr a;

	memcpy(pr.udp_payload, "ping\n", 5);
	pr.udp_payload_len = 5;
	s.fd = bound(family, &a);
	ck_assert_int_ge(s.fd, 0);
	ck_assert_int_eq(loop_add_io(loop, s.fd, EPOLLIN, on_datagram, &s, &s.io), 0);
	ck_assert_int_eq(udpcheck_start(p, 9, &a, &pr, timeout_ns), 0);
	ck_assert_uint_eq(udpcheck_busy(p), 1);
	run(loop, p);
	ck_assert_int_eq(s.seen, 1);
	udpcheck_free(p);
	loop_remove(loop, s.io);
	loop_free(loop);
	close(s.fd);
	return r;
}

START_TEST(an_answering_server_passes)
{
	struct result r = probe_server(AF_INET, CONFIG_PROBE_UDP, ECHO, SECONDS(2));

	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.token, 9);
	ck_assert(r.passed);
	ck_assert_int_eq(r.err, 0);
}
END_TEST

/* REFUSED proves a live resolver as well as an answer would. */
START_TEST(a_dns_response_passes_whatever_its_rcode)
{
	struct result r = probe_server(AF_INET, CONFIG_PROBE_DNS, DNS_REFUSED, SECONDS(2));

	ck_assert_int_eq(r.calls, 1);
	ck_assert(r.passed);
	r = probe_server(AF_INET, CONFIG_PROBE_DNS, WRONG_ID, SECONDS(2));
	ck_assert_int_eq(r.calls, 1);
	ck_assert(r.passed);
	if (has_ipv6()) {
		r = probe_server(AF_INET6, CONFIG_PROBE_DNS, DNS_REFUSED, SECONDS(2));
		ck_assert_int_eq(r.calls, 1);
		ck_assert(r.passed);
	}
}
END_TEST

/* A datagram that is no DNS response (its own query echoed) is not an answer. */
START_TEST(a_dns_probe_wants_a_response)
{
	struct result r = probe_server(AF_INET, CONFIG_PROBE_DNS, ECHO, 200000000ull);

	ck_assert_int_eq(r.calls, 1);
	ck_assert(!r.passed);
	ck_assert_int_eq(r.err, ETIMEDOUT);
}
END_TEST

START_TEST(a_silent_server_times_out)
{
	struct loop *loop = loop_new();
	struct result r = { 0 };
	struct udpcheck *p = udpcheck_new(loop, done, &r);
	struct config_probation pr = probe_of(CONFIG_PROBE_DNS);
	struct config_addr a;
	int fd = bound(AF_INET, &a); /* bound, never read */

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(udpcheck_start(p, 3, &a, &pr, 100000000ull), 0);
	run(loop, p);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.token, 3);
	ck_assert(!r.passed);
	ck_assert_int_eq(r.err, ETIMEDOUT);
	udpcheck_free(p);
	loop_free(loop);
	close(fd);
}
END_TEST

/* The ICMP port unreachable of a closed port fails the probe at once, IPv4 and IPv6. */
START_TEST(a_closed_port_is_refused)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < 2; i++) {
		struct loop *loop = loop_new();
		struct result r = { 0 };
		struct udpcheck *p = udpcheck_new(loop, done, &r);
		struct config_probation pr = probe_of(CONFIG_PROBE_UDP);
		struct config_addr a;
		int fd;

		if (families[i] == AF_INET6 && !has_ipv6()) {
			udpcheck_free(p);
			loop_free(loop);
			continue;
		}
		fd = bound(families[i], &a);
		ck_assert_int_ge(fd, 0);
		close(fd); /* nobody listens there now */
		ck_assert_int_eq(udpcheck_start(p, 1, &a, &pr, SECONDS(2)), 0);
		run(loop, p);
		ck_assert_int_eq(r.calls, 1);
		ck_assert(!r.passed);
		ck_assert_int_eq(r.err, ECONNREFUSED);
		udpcheck_free(p);
		loop_free(loop);
	}
}
END_TEST

START_TEST(what_cannot_start)
{
	struct loop *loop = loop_new();
	struct result r = { 0 };
	struct udpcheck *p = udpcheck_new(loop, done, &r);
	struct config_probation pr = probe_of(CONFIG_PROBE_TCP);
	struct config_addr a;
	int fd = bound(AF_INET, &a);

	ck_assert_int_eq(udpcheck_start(p, 1, &a, &pr, SECONDS(2)), -EINVAL);
	pr.probe = CONFIG_PROBE_DNS;
	snprintf(pr.dns_name, sizeof(pr.dns_name), "a..b");
	ck_assert_int_eq(udpcheck_start(p, 1, &a, &pr, SECONDS(2)), -EINVAL);
	snprintf(pr.dns_name, sizeof(pr.dns_name), "example.com");
	ck_assert_int_eq(udpcheck_start(p, 1, &a, &pr, SECONDS(2)), 0);
	ck_assert_int_eq(udpcheck_start(p, 1, &a, &pr, SECONDS(2)), -EBUSY);
	ck_assert_int_eq(udpcheck_start(p, 2, &a, &pr, SECONDS(2)), 0);
	ck_assert_uint_eq(udpcheck_busy(p), 2);
	/* cancelled: nobody is called */
	udpcheck_free(p);
	ck_assert_int_eq(r.calls, 0);
	loop_free(loop);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("udpcheck");
	TCase *tc = tcase_create("udpcheck");

	tcase_add_test(tc, an_answering_server_passes);
	tcase_add_test(tc, a_dns_response_passes_whatever_its_rcode);
	tcase_add_test(tc, a_dns_probe_wants_a_response);
	tcase_add_test(tc, a_silent_server_times_out);
	tcase_add_test(tc, a_closed_port_is_refused);
	tcase_add_test(tc, what_cannot_start);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
