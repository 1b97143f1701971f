// SPDX-License-Identifier: GPL-2.0-only
/*
 * What vigild tells systemd, read from a notification socket of the test's
 * own, as systemd reads it; and nothing at all without NOTIFY_SOCKET.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_main.h"
#include "sdnotify.h"

static char dir[] = "/tmp/check-sdnotify-XXXXXX";
static char path[64];
static int fd = -1;

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", path, 1);
}

static void teardown(void)
{
	close(fd);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check-sdnotify-XXXXXX");
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram, as text. */
static const char *received(void)
{
	static char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return buf;
}

START_TEST(ready_status_and_the_watchdog_reach_the_socket)
{
	ck_assert_int_eq(sdnotify_ready("no services configured"), 0);
	ck_assert_str_eq(received(), "READY=1\nSTATUS=no services configured");
	ck_assert_int_eq(sdnotify_status("1 service, 2 of 2 destinations in rotation"), 0);
	ck_assert_str_eq(received(), "STATUS=1 service, 2 of 2 destinations in rotation");
	ck_assert_int_eq(sdnotify_watchdog(), 0);
	ck_assert_str_eq(received(), "WATCHDOG=1");
	ck_assert_int_eq(sdnotify_reloading(), 0);
	ck_assert_ptr_nonnull(strstr(received(), "RELOADING=1\nMONOTONIC_USEC="));
	ck_assert_int_eq(sdnotify_stopping(), 0);
	ck_assert_str_eq(received(), "STOPPING=1");
}
END_TEST

START_TEST(the_watchdog_is_fed_at_half_its_interval)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "30000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(sdnotify_watchdog_interval_ns(), 15000000000ull);
	/* meant for another process (a parent's, inherited): not ours to feed */
	setenv("WATCHDOG_PID", "1", 1);
	ck_assert_uint_eq(sdnotify_watchdog_interval_ns(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	ck_assert_uint_eq(sdnotify_watchdog_interval_ns(), 0);
}
END_TEST

START_TEST(without_systemd_nothing_is_sent_and_nothing_fails)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(sdnotify_ready("x"), 0);
	ck_assert_int_eq(sdnotify_status("x"), 0);
	ck_assert_int_eq(sdnotify_watchdog(), 0);
	ck_assert_int_eq(sdnotify_reloading(), 0);
	ck_assert_int_eq(sdnotify_stopping(), 0);
	ck_assert_uint_eq(sdnotify_watchdog_interval_ns(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdnotify");
	TCase *tc = tcase_create("sdnotify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_status_and_the_watchdog_reach_the_socket);
	tcase_add_test(tc, the_watchdog_is_fed_at_half_its_interval);
	tcase_add_test(tc, without_systemd_nothing_is_sent_and_nothing_fails);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
