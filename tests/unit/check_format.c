// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_golden.h"
#include "check_main.h"
#include "format.h"

/*
 * golden/list.json is what check_render makes vigild answer for its
 * fixture; the .txt files are vigilctl's tables of it.
 * VIGIL_UPDATE_GOLDEN=1 rewrites them (review the diff).
 */

/* What FN printed, as a string to free. */
#define CAPTURE(var, call)                                                                         \
	do {                                                                                       \
		size_t size_;                                                                      \
		FILE *out = open_memstream(&(var), &size_);                                        \
		ck_assert_ptr_nonnull(out);                                                        \
		call;                                                                              \
		fclose(out);                                                                       \
	} while (0)

static struct json_object *golden_list(void)
{
	char path[512];
	struct json_object *o;

	snprintf(path, sizeof(path), "%s/list.json", GOLDEN_DIR);
	o = json_object_from_file(path);
	ck_assert_msg(o != NULL, "cannot parse %s", path);
	return o;
}

START_TEST(list_in_ipvsadm_layout)
{
	static const struct {
		enum format_view view;
		const char *golden;
	} views[] = {
		{ FORMAT_VIEW_DEFAULT, "list.txt" },
		{ FORMAT_VIEW_STATS, "list-stats.txt" },
		{ FORMAT_VIEW_RATE, "list-rate.txt" },
	};
	struct json_object *o = golden_list();
	char *text;
	size_t i;

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		int r = 0;

		CAPTURE(text, r = format_list(out, o, views[i].view));
		ck_assert_int_eq(r, 0);
		check_golden(views[i].golden, text);
		free(text);
	}
	json_object_put(o);
}
END_TEST

/* A service on quarantine.enforce false says so on its line, and only it. */
START_TEST(dry_run_service_is_marked)
{
	struct json_object *o = golden_list(), *svcs, *first;
	char *text, *line_end;

	ck_assert(json_object_object_get_ex(o, "services", &svcs));
	first = json_object_array_get_idx(svcs, 0);
	json_object_object_add(first, "enforce", json_object_new_boolean(false));
	CAPTURE(text, format_list(out, o, FORMAT_VIEW_DEFAULT));
	ck_assert_ptr_nonnull(strstr(text, ", dry run: quarantines not enforced)"));
	/* once: the other services enforce */
	line_end = strstr(text, "dry run");
	ck_assert_ptr_null(strstr(line_end + 1, "dry run"));
	free(text);
	json_object_put(o);
}
END_TEST

/* ipvsadm's own header lines, character for character */
/* A resolver that knows one host and one port. */
static int fake_names(const char *addr_port, const char *protocol, char *buf, size_t size,
		      void *data)
{
	(*(int *)data)++;
	if (!strcmp(addr_port, "10.100.1.2:8080") && !strcmp(protocol, "tcp"))
		return snprintf(buf, size, "web1.lab:http-alt") < 0 ? -EINVAL : 0;
	if (!strcmp(addr_port, "10.96.0.1:80"))
		return snprintf(buf, size, "vip.lab:http") < 0 ? -EINVAL : 0;
	return -ENOENT;
}

START_TEST(names_without_numeric)
{
	struct json_object *o = golden_list();
	char *text;
	int calls = 0;

	CAPTURE(text, format_list_named(out, o, FORMAT_VIEW_DEFAULT, fake_names, &calls));
	ck_assert_ptr_nonnull(strstr(text, "TCP  vip.lab:http wrr (web)\n"));
	ck_assert_ptr_nonnull(strstr(text, "  -> web1.lab:http-alt            Masq    100 "));
	/* what the resolver does not name stays as it is */
	ck_assert_ptr_nonnull(strstr(text, "  -> 10.100.2.2:8080 "));
	ck_assert_ptr_nonnull(strstr(text, "[fd00::53]:53"));
	ck_assert_int_gt(calls, 5);
	free(text);
	json_object_put(o);
}
END_TEST

START_TEST(ipvsadm_headers_kept)
{
	struct json_object *o = golden_list();
	char *text;

	CAPTURE(text, format_list(out, o, FORMAT_VIEW_DEFAULT));
	ck_assert_ptr_nonnull(strstr(text, "IP Virtual Server version 1.2.1 (size=4096)\n"
					   "Prot LocalAddress:Port Scheduler Flags\n"
					   "  -> RemoteAddress:Port           Forward Weight "
					   "ActiveConn InActConn "));
	free(text);
	CAPTURE(text, format_list(out, o, FORMAT_VIEW_STATS));
	ck_assert_ptr_nonnull(strstr(text, "Prot LocalAddress:Port               Conns   InPkts  "
					   "OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n"));
	free(text);
	json_object_put(o);
}
END_TEST

START_TEST(kernel_only_list_without_header)
{
	struct json_object *o = json_tokener_parse(
	    "{\"ok\":true,\"agent\":false,\"services\":[{\"managed\":false,\"family\":\"inet6\","
	    "\"fwmark\":7,\"scheduler\":\"rr\",\"in_kernel\":true,\"persistent\":60,"
	    "\"netmask\":64,\"destinations\":[]}]}");
	char *text;

	CAPTURE(text, format_list(out, o, FORMAT_VIEW_DEFAULT));
	ck_assert_str_eq(text,
			 "Prot LocalAddress:Port Scheduler Flags\n"
			 "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn  "
			 "State       CfgW   EffW   Score Quar\n"
			 "FWM  7 IPv6 rr persistent 60 mask 64\n");
	free(text);
	json_object_put(o);
	o = json_tokener_parse("{\"ok\":true}");
	CAPTURE(text, ck_assert_int_eq(format_list(out, o, FORMAT_VIEW_DEFAULT), -EINVAL));
	free(text);
	json_object_put(o);
}
END_TEST

/* ipvsadm's names and flags: "FWM  10", "ops" after the scheduler and its persistence */
START_TEST(fwmark_and_ops_as_ipvsadm_shows_them)
{
	struct json_object *o = json_tokener_parse(
	    "{\"ok\":true,\"agent\":true,\"services\":["
	    "{\"name\":\"web\",\"managed\":true,\"enforce\":true,\"family\":\"inet\","
	    "\"fwmark\":10,\"scheduler\":\"rr\",\"in_kernel\":true,\"destinations\":[]},"
	    "{\"name\":\"dns\",\"managed\":true,\"enforce\":true,\"family\":\"inet\","
	    "\"protocol\":\"udp\",\"vip\":\"10.96.0.53:53\",\"scheduler\":\"rr\","
	    "\"persistent\":60,\"netmask\":4294967295,\"ops\":true,\"in_kernel\":true,"
	    "\"destinations\":[]}]}");
	char *text;

	CAPTURE(text, format_list(out, o, FORMAT_VIEW_DEFAULT));
	ck_assert_msg(strstr(text, "\nFWM  10 rr (web)\n"), "%s", text);
	ck_assert_msg(strstr(text, "\nUDP  10.96.0.53:53 rr persistent 60 ops (dns)\n"), "%s",
		      text);
	free(text);
	json_object_put(o);
}
END_TEST

START_TEST(counts_keep_their_width)
{
	static const struct {
		uint64_t n;
		const char *text;
	} cases[] = {
		{ 0, "        0" },
		{ 99999999, " 99999999" },
		{ 100000000, "  100000K" },
		{ 999999999, "  999999K" },
		{ 1000000000, "    1000M" },
		{ 99999999999ull, "   99999M" },
		{ 100000000000ull, "     100G" },
		{ 100000000000000ull, "     100T" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		format_count(buf, sizeof(buf), cases[i].n);
		ck_assert_str_eq(buf, cases[i].text);
	}
}
END_TEST

START_TEST(events_on_one_line)
{
	struct json_object *e = json_tokener_parse(
	    "{\"event\":\"decision\",\"time\":\"2026-01-01T00:00:00.000Z\","
	    "\"action\":\"quarantine\",\"service\":\"web\",\"real\":\"10.100.3.2:8080\","
	    "\"from\":\"healthy\",\"to\":\"quarantined\",\"for_ms\":null,"
	    "\"client\":\"10.1.1.1:40000\"}");
	char *text;

	CAPTURE(text, format_event(out, e));
	ck_assert_str_eq(text, "2026-01-01T00:00:00.000Z decision action=quarantine service=web "
			       "real=10.100.3.2:8080 from=healthy to=quarantined for_ms=- "
			       "client=10.1.1.1:40000\n");
	free(text);
	json_object_put(e);
}
END_TEST

START_TEST(status_as_dotted_keys)
{
	struct json_object *st =
	    json_tokener_parse("{\"ok\":true,\"version\":\"0.1.0\",\"probes\":{\"watching\":true,"
			       "\"ringbuf_drops\":2}}");
	char *text;

	CAPTURE(text, format_status(out, st));
	ck_assert_str_eq(text, "version:                         0.1.0\n"
			       "probes.watching:                 true\n"
			       "probes.ringbuf_drops:            2\n");
	free(text);
	json_object_put(st);
}
END_TEST

/* vigild's status of a degraded kernel (check_render's golden) as vigilctl prints it */
START_TEST(degraded_status_as_text)
{
	char path[512], *text;
	struct json_object *o;

	snprintf(path, sizeof(path), "%s/status-degraded.json", GOLDEN_DIR);
	o = json_object_from_file(path);
	ck_assert_msg(o != NULL, "cannot parse %s", path);
	CAPTURE(text, format_status(out, o));
	check_golden("status-degraded.txt", text);
	ck_assert_ptr_nonnull(strstr(text, "degraded.real_destination.missing:"));
	free(text);
	json_object_put(o);
}
END_TEST

static Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, list_in_ipvsadm_layout);
	tcase_add_test(tc, dry_run_service_is_marked);
	tcase_add_test(tc, ipvsadm_headers_kept);
	tcase_add_test(tc, names_without_numeric);
	tcase_add_test(tc, kernel_only_list_without_header);
	tcase_add_test(tc, fwmark_and_ops_as_ipvsadm_shows_them);
	tcase_add_test(tc, counts_keep_their_width);
	tcase_add_test(tc, events_on_one_line);
	tcase_add_test(tc, status_as_dotted_keys);
	tcase_add_test(tc, degraded_status_as_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(format_suite(), CK_NORMAL);
}
