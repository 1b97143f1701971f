// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "filter.h"
#include "render.h"

#include "fixture_render.h"

static char why[256];

START_TEST(addresses_as_ipvsadm_takes_them)
{
	static const struct {
		const char *text;
		int family;
		uint16_t port;
	} good[] = {
		{ "10.0.0.1:80", AF_INET, 80 }, { "10.0.0.1", AF_INET, 0 },
		{ "10.0.0.1:0", AF_INET, 0 },   { "[fd00::1]:443", AF_INET6, 443 },
		{ "[fd00::1]", AF_INET6, 0 },   { "fd00::1", AF_INET6, 0 },
		{ "::1", AF_INET6, 0 },         { "10.0.0.1:65535", AF_INET, 65535 },
	};
	static const char *const bad[] = {
		"",
		"web",
		"10.0.0.1:",
		"10.0.0.1:65536",
		"10.0.0.1:http",
		"[fd00::1",
		"[fd00::1]x",
		"10.0.0.300",
		"1:2:3:zz",
		"10.0.0.1:-1",
		"[10.0.0.1]:80",
	};
	struct config_addr a;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(filter_addr_parse(good[i].text, &a, why, sizeof(why)) == 0, "%s: %s",
			      good[i].text, why);
		ck_assert_int_eq(a.family, good[i].family);
		ck_assert_uint_eq(a.port, good[i].port);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(filter_addr_parse(bad[i], &a, why, sizeof(why)) == -EINVAL,
			      "%s parsed", bad[i]);
}
END_TEST

/* The list reply of ipvsadm_table(): one of each kind of service. */
static struct json_object *list(void)
{
	struct json_object *o = render_list(false, NULL, 0, ipvsadm_table(), NULL, NULL);

	ck_assert_ptr_nonnull(o);
	return o;
}

/* How many services of the list F picks, and the reason when none. */
static size_t picks(struct filter *f)
{
	struct json_object *o = list();
	size_t n;

	why[0] = '\0';
	n = filter_list(o, f, why, sizeof(why));
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "services")), n);
	json_object_put(o);
	return n;
}

START_TEST(vip_filters)
{
	struct filter f;

	ck_assert_int_eq(filter_vip(&f, "-t", "192.168.0.1:80", IPPROTO_TCP, why, sizeof(why)), 0);
	ck_assert_uint_eq(picks(&f), 1);
	/* the same address written otherwise */
	ck_assert_int_eq(filter_vip(&f, "-t", "[fd00:0::10]:443", IPPROTO_TCP, why, sizeof(why)),
			 0);
	ck_assert_uint_eq(picks(&f), 1);
	ck_assert_int_eq(filter_vip(&f, "-u", "192.168.0.1:80", IPPROTO_UDP, why, sizeof(why)), 0);
	ck_assert_uint_eq(picks(&f), 0);
	ck_assert_str_eq(why, "no service matches -u 192.168.0.1:80 (a tcp service has that VIP)");
	ck_assert_int_eq(filter_vip(&f, "-t", "192.168.0.1", IPPROTO_TCP, why, sizeof(why)), 0);
	ck_assert_uint_eq(picks(&f), 0);
	ck_assert_str_eq(why, "no service matches -t 192.168.0.1");
	ck_assert_int_eq(
	    filter_vip(&f, "--sctp-service", "10.0.0.9:9", IPPROTO_SCTP, why, sizeof(why)), 0);
	ck_assert_uint_eq(picks(&f), 1);
}
END_TEST

START_TEST(fwmark_filters)
{
	struct filter f;

	ck_assert_int_eq(filter_fwmark(&f, "-f", "256", why, sizeof(why)), 0);
	ck_assert_uint_eq(picks(&f), 1);
	f.ipv6 = true;
	ck_assert_uint_eq(picks(&f), 0);
	ck_assert_str_eq(
	    why, "no service matches -f 256 -6 (an IPv4 service has that fwmark: leave out -6)");
	ck_assert_int_eq(filter_fwmark(&f, "-f", "3000000000", why, sizeof(why)), 0);
	ck_assert_uint_eq(picks(&f), 0);
	ck_assert_str_eq(why, "no service matches -f 3000000000 (an IPv6 service has that fwmark: "
			      "add -6)");
	f.ipv6 = true;
	ck_assert_uint_eq(picks(&f), 1);
	ck_assert_int_eq(filter_fwmark(&f, "-f", "x1", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(filter_fwmark(&f, "-f", "+1", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(filter_fwmark(&f, "-f", "1 ", why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(name_filters)
{
	struct json_object *svc = json_tokener_parse(
	    "{\"name\":\"web\",\"family\":\"inet\",\"protocol\":\"tcp\",\"vip\":\"10.96.0.1:80\"}");
	struct filter f;

	filter_name(&f, "web");
	ck_assert(filter_match(&f, svc));
	filter_name(&f, "10.96.0.1:80");
	ck_assert(filter_match(&f, svc));
	filter_name(&f, "tcp/10.96.0.1:80");
	ck_assert(filter_match(&f, svc));
	filter_name(&f, "udp/10.96.0.1:80");
	ck_assert(!filter_match(&f, svc));
	filter_name(&f, "10.96.0.1");
	ck_assert(!filter_match(&f, svc));
	filter_name(&f, "api");
	ck_assert(!filter_match(&f, svc));
	json_object_put(svc);
	/* the kernel's services have no name, only their VIP */
	filter_name(&f, "udp/10.0.0.1:53");
	ck_assert_uint_eq(picks(&f), 1);
	filter_name(&f, "web");
	ck_assert_uint_eq(picks(&f), 0);
	ck_assert_str_eq(why, "no service web: neither a service's name nor its VIP");
	f.kind = FILTER_NONE;
	ck_assert_uint_eq(picks(&f), 8);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("pick");

	tcase_add_test(tc, addresses_as_ipvsadm_takes_them);
	tcase_add_test(tc, vip_filters);
	tcase_add_test(tc, fwmark_filters);
	tcase_add_test(tc, name_filters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(filter_suite(), CK_NORMAL);
}
