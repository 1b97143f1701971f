// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event-json.h"

static struct vigil_event sample(unsigned int kind)
{
	struct vigil_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 1000;
	e.kind = kind;
	e.flow.family = VIGIL_AF_INET;
	e.flow.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.100.1.1", &e.flow.caddr.v4);
	inet_pton(AF_INET, "10.96.0.10", &e.flow.vaddr.v4);
	e.flow.cport = 43210;
	e.flow.vport = 80;
	return e;
}

static void set_real(struct vigil_event *e, const char *addr, unsigned int port)
{
	e->real.family = VIGIL_AF_INET;
	inet_pton(AF_INET, addr, &e->real.addr.v4);
	e->real.port = port;
}

START_TEST(decode_accepts_a_valid_record)
{
	struct vigil_event in = sample(VIGIL_EV_STATE), out;

	ck_assert_int_eq(event_decode(&in, sizeof(in), &out), 0);
	ck_assert_mem_eq(&in, &out, sizeof(in));
}
END_TEST

START_TEST(decode_rejects_bad_records)
{
	struct vigil_event e = sample(VIGIL_EV_STATE), out;

	ck_assert_int_eq(event_decode(&e, sizeof(e) - 1, &out), -EINVAL);
	ck_assert_int_eq(event_decode(&e, sizeof(e) + 8, &out), -EINVAL);
	e.kind = 0;
	ck_assert_int_eq(event_decode(&e, sizeof(e), &out), -EINVAL);
	e.kind = VIGIL_EV_KIND_MAX + 1;
	ck_assert_int_eq(event_decode(&e, sizeof(e), &out), -EINVAL);
	e.kind = VIGIL_EV_SOCK_ERROR;
	ck_assert_int_eq(event_decode(&e, sizeof(e), &out), 0);
	e = sample(VIGIL_EV_STATE);
	e.flow.family = 1;
	ck_assert_int_eq(event_decode(&e, sizeof(e), &out), -EINVAL);
	e = sample(VIGIL_EV_STATE);
	e.real.family = 3;
	ck_assert_int_eq(event_decode(&e, sizeof(e), &out), -EINVAL);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(event_kind_name(VIGIL_EV_CONNECT), "connect");
	ck_assert_str_eq(event_kind_name(VIGIL_EV_IPVS_PICK), "ipvs-pick");
	ck_assert_str_eq(event_kind_name(VIGIL_EV_SOCK_ERROR), "sock-error");
	ck_assert_str_eq(event_kind_name(99), "unknown");
	ck_assert_str_eq(tcp_state_name(1), "ESTABLISHED");
	ck_assert_str_eq(tcp_state_name(2), "SYN_SENT");
	ck_assert_str_eq(tcp_state_name(7), "CLOSE");
	ck_assert_str_eq(tcp_state_name(12), "NEW_SYN_RECV");
	ck_assert_str_eq(tcp_state_name(0), "UNKNOWN");
	ck_assert_str_eq(tcp_state_name(200), "UNKNOWN");
}
END_TEST

START_TEST(address_formatting)
{
	union vigil_addr a;
	char buf[ADDR_PORT_STRLEN];

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "192.168.1.10", &a.v4);
	ck_assert_str_eq(addr_port_format(VIGIL_AF_INET, &a, 8443, buf, sizeof(buf)),
			 "192.168.1.10:8443");
	inet_pton(AF_INET6, "fd00::10", a.v6);
	ck_assert_str_eq(addr_port_format(VIGIL_AF_INET6, &a, 443, buf, sizeof(buf)),
			 "[fd00::10]:443");
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", a.v6);
	ck_assert_str_eq(addr_port_format(VIGIL_AF_INET6, &a, 65535, buf, sizeof(buf)),
			 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	ck_assert_str_eq(addr_port_format(0, &a, 0, buf, sizeof(buf)), "-");
}
END_TEST

START_TEST(wall_time_conversion)
{
	struct timespec ts = event_wall_time(1500000000ull, 1700000000000000000ll);

	ck_assert_int_eq(ts.tv_sec, 1700000001);
	ck_assert_int_eq(ts.tv_nsec, 500000000);
}
END_TEST

START_TEST(text_lines)
{
	struct timespec wall = { .tv_sec = 0, .tv_nsec = 123456789 };
	struct vigil_event e = sample(VIGIL_EV_STATE);
	char line[256];

	setenv("TZ", "UTC", 1);
	set_real(&e, "10.100.1.2", 8080);
	e.old_state = 2;
	e.state = 1;
	event_format_text(&e, &wall, line, sizeof(line));
	ck_assert_str_eq(line, "00:00:00.123456 state     tcp 10.100.1.1:43210 -> 10.96.0.10:80 "
			       "real 10.100.1.2:8080 SYN_SENT -> ESTABLISHED");

	e = sample(VIGIL_EV_CONNECT);
	e.state = 2;
	event_format_text(&e, &wall, line, sizeof(line));
	ck_assert_str_eq(line,
			 "00:00:00.123456 connect   tcp 10.100.1.1:43210 -> 10.96.0.10:80 real -");

	e = sample(VIGIL_EV_RETRANS);
	set_real(&e, "10.100.2.2", 8080);
	e.state = 2;
	event_format_text(&e, &wall, line, sizeof(line));
	ck_assert_str_eq(line, "00:00:00.123456 retrans   tcp 10.100.1.1:43210 -> 10.96.0.10:80 "
			       "real 10.100.2.2:8080 in SYN_SENT");

	e = sample(VIGIL_EV_SOCK_ERROR);
	e.flow.protocol = IPPROTO_UDP;
	e.flow.vport = 53;
	set_real(&e, "10.100.3.2", 8080);
	e.state = 1;
	e.error = ECONNREFUSED;
	event_format_text(&e, &wall, line, sizeof(line));
	ck_assert_str_eq(line, "00:00:00.123456 sock-error udp 10.100.1.1:43210 -> 10.96.0.10:53 "
			       "real 10.100.3.2:8080 error ECONNREFUSED");
	e.error = 250;
	event_format_text(&e, &wall, line, sizeof(line));
	ck_assert_str_eq(line, "00:00:00.123456 sock-error udp 10.100.1.1:43210 -> 10.96.0.10:53 "
			       "real 10.100.3.2:8080 error errno 250");
}
END_TEST

static const char *json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

START_TEST(json_objects)
{
	struct timespec wall = { .tv_sec = 1700000000, .tv_nsec = 5000 };
	struct vigil_event e = sample(VIGIL_EV_IPVS_PICK);
	struct json_object *obj, *v;

	set_real(&e, "10.100.1.2", 8080);
	obj = event_to_json(&e, &wall);
	ck_assert_ptr_nonnull(obj);
	ck_assert_str_eq(json_str(obj, "time"), "2023-11-14T22:13:20.000005Z");
	ck_assert_str_eq(json_str(obj, "kind"), "ipvs-pick");
	ck_assert_str_eq(json_str(obj, "protocol"), "tcp");
	ck_assert_str_eq(json_str(obj, "client"), "10.100.1.1:43210");
	ck_assert_str_eq(json_str(obj, "virtual"), "10.96.0.10:80");
	ck_assert_str_eq(json_str(obj, "real"), "10.100.1.2:8080");
	ck_assert(!json_object_object_get_ex(obj, "state", NULL));
	ck_assert(json_object_object_get_ex(obj, "mono_ns", &v));
	ck_assert_uint_eq(json_object_get_uint64(v), 1000);
	json_object_put(obj);

	e = sample(VIGIL_EV_RESET);
	e.state = 2;
	obj = event_to_json(&e, &wall);
	ck_assert_ptr_nonnull(obj);
	/* an unknown real destination is an explicit null */
	ck_assert(json_object_object_get_ex(obj, "real", &v));
	ck_assert_ptr_null(v);
	ck_assert_str_eq(json_str(obj, "state"), "SYN_SENT");
	ck_assert(!json_object_object_get_ex(obj, "error", NULL));
	json_object_put(obj);

	e = sample(VIGIL_EV_SOCK_ERROR);
	e.flow.protocol = IPPROTO_UDP;
	set_real(&e, "10.100.3.2", 8080);
	e.state = 1;
	e.error = ECONNREFUSED;
	obj = event_to_json(&e, &wall);
	ck_assert_ptr_nonnull(obj);
	ck_assert_str_eq(json_str(obj, "kind"), "sock-error");
	ck_assert_str_eq(json_str(obj, "protocol"), "udp");
	ck_assert_str_eq(json_str(obj, "real"), "10.100.3.2:8080");
	ck_assert_str_eq(json_str(obj, "error"), "ECONNREFUSED");
	ck_assert(!json_object_object_get_ex(obj, "state", NULL));
	json_object_put(obj);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("event");

	tcase_add_test(tc, decode_accepts_a_valid_record);
	tcase_add_test(tc, decode_rejects_bad_records);
	tcase_add_test(tc, names);
	tcase_add_test(tc, address_formatting);
	tcase_add_test(tc, wall_time_conversion);
	tcase_add_test(tc, text_lines);
	tcase_add_test(tc, json_objects);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
