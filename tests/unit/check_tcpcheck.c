// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "tcpcheck.h"

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

/* A TCP listener on 127.0.0.1; its port in *port. */
static int listener(unsigned int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static struct config_addr loopback(unsigned int port)
{
	struct config_addr a = { .family = AF_INET, .port = port };

	a.addr[0] = 127;
	a.addr[3] = 1;
	return a;
}

static int stop(struct loop *loop, void *data)
{
	loop_exit(loop, 0);
	return 0;
}

/* Runs the loop until the checker has nothing in flight (or 5 s). */
static void run(struct loop *loop, struct tcpcheck *p)
{
	struct loop_source *tick;

	ck_assert_int_eq(loop_add_timer(loop, 10000000ull, stop, NULL, &tick), 0);
	for (int i = 0; i < 500 && tcpcheck_busy(p); i++)
		loop_run(loop);
	loop_remove(loop, tick);
}

START_TEST(a_listening_destination_passes)
{
	struct loop *loop = loop_new();
	struct result r = { 0 };
	struct tcpcheck *p = tcpcheck_new(loop, done, &r);
	unsigned int port;
	int fd = listener(&port);
	struct config_addr a = loopback(port);

	ck_assert_int_eq(tcpcheck_start(p, 7, &a, 2000000000ull), 0);
	ck_assert_int_eq(tcpcheck_start(p, 7, &a, 2000000000ull), -EBUSY);
	ck_assert_uint_eq(tcpcheck_busy(p), 1);
	run(loop, p);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.token, 7);
	ck_assert(r.passed);
	ck_assert_int_eq(r.err, 0);
	tcpcheck_free(p);
	loop_free(loop);
	close(fd);
}
END_TEST

START_TEST(a_closed_port_fails_with_its_reason)
{
	struct loop *loop = loop_new();
	struct result r = { 0 };
	struct tcpcheck *p = tcpcheck_new(loop, done, &r);
	unsigned int port;
	int fd = listener(&port);
	struct config_addr a = loopback(port);

	close(fd); /* nobody listens there now */
	ck_assert_int_eq(tcpcheck_start(p, 1, &a, 2000000000ull), 0);
	run(loop, p);
	ck_assert_int_eq(r.calls, 1);
	ck_assert(!r.passed);
	ck_assert_int_eq(r.err, ECONNREFUSED);
	tcpcheck_free(p);
	loop_free(loop);
}
END_TEST

START_TEST(cancelled_probes_call_nobody)
{
	struct loop *loop = loop_new();
	struct result r = { 0 };
	struct tcpcheck *p = tcpcheck_new(loop, done, &r);
	unsigned int port;
	int fd = listener(&port);
	struct config_addr a = loopback(port);

	ck_assert_int_eq(tcpcheck_start(p, 1, &a, 2000000000ull), 0);
	ck_assert_int_eq(tcpcheck_start(p, 2, &a, 2000000000ull), 0);
	tcpcheck_free(p);
	ck_assert_int_eq(r.calls, 0);
	loop_free(loop);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcpcheck");
	TCase *tc = tcase_create("tcpcheck");

	tcase_add_test(tc, a_listening_destination_passes);
	tcase_add_test(tc, a_closed_port_fails_with_its_reason);
	tcase_add_test(tc, cancelled_probes_call_nobody);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
