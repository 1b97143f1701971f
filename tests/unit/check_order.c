// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "order.h"
#include "render.h"

#include "fixture_render.h"

/* The key of each of N entries, joined: "vip" or "fwmark" of services, "address" of dests. */
static char *keys(struct json_object **e, size_t n)
{
	static char buf[1024];
	struct json_object *v;
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(e[i], "vip", &v) &&
		    !json_object_object_get_ex(e[i], "fwmark", &v))
			ck_assert(json_object_object_get_ex(e[i], "address", &v));
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "",
				json_object_get_string(v));
	}
	return buf;
}

static char *services_in(struct json_object *list, enum order_how how)
{
	struct json_object **e;
	char *text;
	size_t n;

	ck_assert_int_eq(order_services(json_object_object_get(list, "services"), how, &e, &n), 0);
	text = keys(e, n);
	free(e);
	return text;
}

START_TEST(services_sorted_and_as_the_kernel_has_them)
{
	struct json_object *o = render_list(false, NULL, 0, ipvsadm_table(), NULL, NULL);

	/* no mark first; IPv4 first; tcp, udp, sctp; then address and port */
	ck_assert_str_eq(services_in(o, ORDER_SORTED),
			 "10.0.0.1:80 100.64.0.10:443 192.168.0.1:80 10.0.0.1:53 10.0.0.9:9 "
			 "[fd00::10]:443 256 3000000000");
	ck_assert_str_eq(services_in(o, ORDER_KERNEL),
			 "192.168.0.1:80 10.0.0.1:53 [fd00::10]:443 100.64.0.10:443 256 "
			 "3000000000 10.0.0.9:9 10.0.0.1:80");
	/* ipvsadm's (its own code prints the same, see check_format's goldens) */
	ck_assert_str_eq(services_in(o, ORDER_IPVSADM),
			 "3000000000 10.0.0.1:80 100.64.0.10:443 192.168.0.1:80 10.0.0.1:53 "
			 "10.0.0.9:9 [fd00::10]:443 256");
	json_object_put(o);
}
END_TEST

/* ipvsadm sees the kernel's alone; --sort shows vigil's too. */
START_TEST(what_the_kernel_lacks)
{
	struct json_object *o = render_list(false, NULL, 0, kernel_table(), NULL, NULL);
	struct json_object *svcs = json_object_object_get(o, "services"), *extra, **e;
	size_t n;

	extra = json_tokener_parse("{\"managed\":true,\"family\":\"inet\",\"protocol\":\"tcp\","
				   "\"vip\":\"1.1.1.1:1\",\"in_kernel\":false}");
	json_object_array_add(svcs, extra);
	ck_assert_str_eq(services_in(o, ORDER_IPVSADM), "10.0.0.9:443 10.96.0.1:80 256");
	ck_assert_str_eq(services_in(o, ORDER_SORTED), "1.1.1.1:1 10.0.0.9:443 10.96.0.1:80 256");
	ck_assert_int_eq(
	    order_dests(json_object_object_get(json_object_array_get_idx(svcs, 0), "destinations"),
			ORDER_IPVSADM, &e, &n),
	    0);
	ck_assert_str_eq(keys(e, n), "10.100.1.2:8080 10.100.3.2:8080 10.100.9.9:8080");
	free(e);
	ck_assert_int_eq(order_services(NULL, ORDER_SORTED, &e, &n), -EINVAL);
	json_object_put(o);
}
END_TEST

START_TEST(list_ordered_in_place)
{
	struct json_object *o = render_list(false, NULL, 0, ipvsadm_table(), NULL, NULL);
	struct json_object *svcs, *dests;
	struct json_object *e[4];
	size_t i;

	ck_assert_int_eq(order_list(o, ORDER_SORTED), 0);
	svcs = json_object_object_get(o, "services");
	ck_assert_int_eq(json_object_array_length(svcs), 8);
	ck_assert_str_eq(json_object_get_string(
			     json_object_object_get(json_object_array_get_idx(svcs, 0), "vip")),
			 "10.0.0.1:80");
	dests = json_object_object_get(json_object_array_get_idx(svcs, 2), "destinations");
	for (i = 0; i < 4; i++)
		e[i] = json_object_array_get_idx(dests, i);
	ck_assert_str_eq(keys(e, 4), "10.0.0.2:8080 10.0.0.3:80 100.64.0.2:80 192.168.10.1:80");
	json_object_put(o);
}
END_TEST

static Suite *order_suite(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("order");

	tcase_add_test(tc, services_sorted_and_as_the_kernel_has_them);
	tcase_add_test(tc, what_the_kernel_lacks);
	tcase_add_test(tc, list_ordered_in_place);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(order_suite(), CK_NORMAL);
}
