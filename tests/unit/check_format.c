// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_golden.h"
#include "check_main.h"
#include "filter.h"
#include "format.h"
#include "order.h"
#include "render.h"

#include "fixture_render.h"

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

/* A status of keys this vigilctl has no words for (a newer vigild's) still shows them. */
START_TEST(status_keeps_what_it_does_not_know)
{
	struct json_object *st = json_tokener_parse(
	    "{\"ok\":true,\"version\":\"0.1.0\",\"uptime_s\":90061,\"probes\":{\"watching\":true,"
	    "\"attached\":\"fentry/tcp_connect\",\"sockops\":true,\"events\":10,"
	    "\"ringbuf_drops\":2,\"future\":7},\"novelty\":{\"a\":1}}");
	char *text;

	CAPTURE(text, format_status(out, st));
	ck_assert_ptr_nonnull(strstr(text, "Agent:                vigild 0.1.0, up 1d 1h 1m 1s"));
	ck_assert_ptr_nonnull(strstr(text, "Probes:               watching: fentry/tcp_connect; "
					   "sockops attached\n"
					   "                      10 events, 2 lost to a full ring "
					   "buffer"));
	ck_assert_ptr_nonnull(strstr(text, "probes.future:        7\n"));
	ck_assert_ptr_nonnull(strstr(text, "novelty.a:            1\n"));
	/* no raw dotted key for what it knows */
	ck_assert_ptr_null(strstr(text, "probes.watching"));
	free(text);
	json_object_put(st);
	CAPTURE(text, ck_assert_int_eq(format_status(out, NULL), -EINVAL));
	free(text);
}
END_TEST

static struct json_object *golden_json(const char *name)
{
	char path[512];
	struct json_object *o;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	o = json_object_from_file(path);
	ck_assert_msg(o != NULL, "cannot parse %s", path);
	return o;
}

/* vigild's status (check_render_state's goldens) as vigilctl prints it */
START_TEST(status_in_words)
{
	static const char *const names[][2] = {
		{ "status-degraded.json", "status-degraded.txt" },
		{ "status-watching.json", "status-watching.txt" },
	};
	struct json_object *o;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		o = golden_json(names[i][0]);
		CAPTURE(text, format_status(out, o));
		check_golden(names[i][1], text);
		free(text);
		json_object_put(o);
	}
}
END_TEST

/* The list reply of ipvsadm_table() as vigilctl, without vigild, makes it. */
static struct json_object *ipvsadm_list(void)
{
	struct ipvs_info info = { .version = 0x010206, .conn_tab_size = 4096 };
	struct ipvs_timeouts timeouts = { .tcp = 900, .tcp_fin = 120, .udp = 300 };
	struct json_object *o = render_list(false, NULL, 0, ipvsadm_table(), &info, &timeouts);
	char *text;

	ck_assert_ptr_nonnull(o);
	/* kept for review, and as what a cross-check against ipvsadm itself reads */
	text = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	strcat(text = realloc(text, strlen(text) + 2), "\n");
	check_golden("ipvsadm-list.json", text);
	free(text);
	return o;
}

/*
 * ipvsadm -Ln, --stats, --rate, --exact, --nosort, --thresholds,
 * --persistent-conn and --tun-info, byte for byte
 */
START_TEST(ipvsadm_layout)
{
	static const struct {
		struct format_options o;
		const char *golden;
	} cases[] = {
		{ { .view = FORMAT_VIEW_DEFAULT }, "ipvsadm.txt" },
		{ { .view = FORMAT_VIEW_STATS }, "ipvsadm-stats.txt" },
		{ { .view = FORMAT_VIEW_RATE }, "ipvsadm-rate.txt" },
		{ { .view = FORMAT_VIEW_STATS, .exact = true }, "ipvsadm-stats-exact.txt" },
		{ { .view = FORMAT_VIEW_RATE, .exact = true }, "ipvsadm-rate-exact.txt" },
		{ { .view = FORMAT_VIEW_DEFAULT, .nosort = true }, "ipvsadm-nosort.txt" },
		{ { .view = FORMAT_VIEW_THRESHOLDS }, "ipvsadm-thresholds.txt" },
		{ { .view = FORMAT_VIEW_PERSISTENT }, "ipvsadm-persistent-conn.txt" },
		{ { .view = FORMAT_VIEW_TUNNEL }, "ipvsadm-tun-info.txt" },
	};
	struct json_object *o = ipvsadm_list();
	char *text;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = 0;

		CAPTURE(text, r = format_ipvsadm(out, o, &cases[i].o));
		ck_assert_int_eq(r, 0);
		check_golden(cases[i].golden, text);
		free(text);
	}
	json_object_put(o);
}
END_TEST

/* What ipvsadm does differently from the plain, in the lines where it shows. */
START_TEST(ipvsadm_quirks)
{
	struct format_options o = { .view = FORMAT_VIEW_DEFAULT };
	struct json_object *list = ipvsadm_list();
	char *text;

	CAPTURE(text, format_ipvsadm(out, list, &o));
	ck_assert_ptr_nonnull(strstr(text, "IP Virtual Server version 1.2.6 (size=4096)\n"
					   "Prot LocalAddress:Port Scheduler Flags\n"
					   "  -> RemoteAddress:Port           Forward Weight "
					   "ActiveConn InActConn\n"));
	/* its columns padded to the end of the line */
	ck_assert_ptr_nonnull(strstr(text, "  -> 192.168.10.1:80              Masq    100    5 "
					   "         12        \n"));
	ck_assert_ptr_nonnull(strstr(text, "SCTP 10.0.0.9:9 rr\n"));
	ck_assert_ptr_nonnull(strstr(text, "FWM  -1294967296 IPv6 rr persistent 60\n"));
	ck_assert_ptr_nonnull(strstr(text, "TCP  [fd00::10]:443 mh (mh-fallback,mh-port) "
					   "persistent 3600 mask 64 pe sip\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "TCP  100.64.0.10:443 sh (sh-port) persistent 300 mask 255.255.255.0\n"));
	ck_assert_ptr_nonnull(strstr(text, "UDP  10.0.0.1:53 rr ops\n"));
	/*
	 * ipvsadm's signed differences: a mark past 2^31 before no mark, and
	 * 192.168.10.1 before 10.0.0.2 (the goldens are what ipvsadm 1.31's own
	 * list_all() prints of this table, checked with its code)
	 */
	ck_assert(strstr(text, "FWM  -1294967296") < strstr(text, "TCP  10.0.0.1:80"));
	ck_assert(strstr(text, "-> 192.168.10.1:80") < strstr(text, "-> 10.0.0.2:8080"));
	free(text);

	/* vigil's table of the same keeps the mark unsigned */
	CAPTURE(text, format_list(out, list, FORMAT_VIEW_DEFAULT));
	ck_assert_ptr_nonnull(strstr(text, "FWM  3000000000 IPv6 rr persistent 60\n"));
	free(text);

	/* one service, as ipvsadm -L -t: no version line */
	o.one_service = true;
	ck_assert_uint_eq(
	    filter_list(list, &(struct filter){ .kind = FILTER_NAME, .text = "udp/10.0.0.1:53" },
			NULL, 0),
	    1);
	CAPTURE(text, format_ipvsadm(out, list, &o));
	ck_assert_str_eq(text, "Prot LocalAddress:Port Scheduler Flags\n"
			       "  -> RemoteAddress:Port           Forward Weight ActiveConn "
			       "InActConn\n"
			       "UDP  10.0.0.1:53 rr ops\n"
			       "  -> 10.1.0.1:53                  Masq    1      0          0 "
			       "        \n"
			       "  -> 10.1.0.2:53                  Masq    1      0          0 "
			       "        \n");
	free(text);
	json_object_put(list);
}
END_TEST

/*
 * --thresholds, --persistent-conn and --tun-info of one service, each line
 * as ipvsadm 1.31's print_title() and print_service_entry() write it: a
 * threshold at its widest, a GUE tunnel with a checksum, each tunnel type
 * and flag ipvsadm names, and what it has no name for.
 */
#define TUNNELS                                                                                    \
	"{\"ok\":true,\"kernel\":true,\"services\":[{\"family\":\"inet\",\"protocol\":\"tcp\","    \
	"\"vip\":\"10.0.0.1:80\",\"scheduler\":\"wlc\",\"in_kernel\":true,\"destinations\":["      \
	"{\"address\":\"10.0.0.2:80\",\"in_kernel\":true,\"forward\":\"masq\",\"weight\":1,"       \
	"\"u_threshold\":4294967295,\"l_threshold\":750,\"active_conns\":3,"                       \
	"\"inactive_conns\":12,\"persist_conns\":4294967295},"                                     \
	"{\"address\":\"10.0.0.3:80\",\"in_kernel\":true,\"forward\":\"tunnel\",\"weight\":2,"     \
	"\"tunnel\":{\"type\":\"gue\",\"port\":6080,\"flags\":[\"csum\"]}},"                       \
	"{\"address\":\"10.0.0.4:80\",\"in_kernel\":true,\"forward\":\"tunnel\",\"weight\":3,"     \
	"\"tunnel\":{\"type\":\"gue\",\"port\":65535,\"flags\":[\"remcsum\"]}},"                   \
	"{\"address\":\"10.0.0.5:80\",\"in_kernel\":true,\"forward\":\"tunnel\",\"weight\":4,"     \
	"\"tunnel\":{\"type\":\"gre\",\"port\":0,\"flags\":[]}},"                                  \
	"{\"address\":\"10.0.0.6:80\",\"in_kernel\":true,\"forward\":\"tunnel\",\"weight\":5,"     \
	"\"tunnel\":{\"type\":\"ipip\",\"port\":0,\"flags\":[]}},"                                 \
	"{\"address\":\"10.0.0.7:80\",\"in_kernel\":true,\"forward\":\"tunnel\",\"weight\":6,"     \
	"\"tunnel\":{\"type\":\"gue\",\"port\":6081,\"flags\":[\"csum\",\"remcsum\"]}},"           \
	"{\"address\":\"10.0.0.8:80\",\"in_kernel\":true,\"forward\":\"tunnel\",\"weight\":7,"     \
	"\"tunnel\":{\"type\":\"?\",\"port\":0,\"flags\":[]}}]}]}"

START_TEST(ipvsadm_thresholds_persistence_and_tunnels)
{
	struct json_object *list = json_tokener_parse(TUNNELS);
	struct format_options o = { .one_service = true };
	char *text;

	ck_assert_ptr_nonnull(list);
	o.view = FORMAT_VIEW_THRESHOLDS;
	CAPTURE(text, ck_assert_int_eq(format_ipvsadm(out, list, &o), 0));
	ck_assert_str_eq(
	    text,
	    "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
	    "  -> RemoteAddress:Port\n"
	    "TCP  10.0.0.1:80 wlc\n"
	    "  -> 10.0.0.2:80                  4294967295 750        3          12        \n"
	    "  -> 10.0.0.3:80                  0          0          0          0         \n"
	    "  -> 10.0.0.4:80                  0          0          0          0         \n"
	    "  -> 10.0.0.5:80                  0          0          0          0         \n"
	    "  -> 10.0.0.6:80                  0          0          0          0         \n"
	    "  -> 10.0.0.7:80                  0          0          0          0         \n"
	    "  -> 10.0.0.8:80                  0          0          0          0         \n");
	free(text);
	o.view = FORMAT_VIEW_PERSISTENT;
	CAPTURE(text, ck_assert_int_eq(format_ipvsadm(out, list, &o), 0));
	ck_assert_str_eq(
	    text,
	    "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n"
	    "  -> RemoteAddress:Port\n"
	    "TCP  10.0.0.1:80 wlc\n"
	    "  -> 10.0.0.2:80                  1         4294967295  3          12        \n"
	    "  -> 10.0.0.3:80                  2         0           0          0         \n"
	    "  -> 10.0.0.4:80                  3         0           0          0         \n"
	    "  -> 10.0.0.5:80                  4         0           0          0         \n"
	    "  -> 10.0.0.6:80                  5         0           0          0         \n"
	    "  -> 10.0.0.7:80                  6         0           0          0         \n"
	    "  -> 10.0.0.8:80                  7         0           0          0         \n");
	free(text);
	o.view = FORMAT_VIEW_TUNNEL;
	CAPTURE(text, ck_assert_int_eq(format_ipvsadm(out, list, &o), 0));
	ck_assert_str_eq(
	    text,
	    "Prot LocalAddress:Port Scheduler Flags\n"
	    "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
	    "TCP  10.0.0.1:80 wlc\n"
	    "  -> 10.0.0.2:80                  Masq    n/a           1      3          12        \n"
	    "  -> 10.0.0.3:80                  Tunnel  gue:6080:+c   2      0          0         \n"
	    "  -> 10.0.0.4:80                  Tunnel  gue:65535:r+c 3      0          0         \n"
	    "  -> 10.0.0.5:80                  Tunnel  gre:-c        4      0          0         \n"
	    "  -> 10.0.0.6:80                  Tunnel  ipip          5      0          0         \n"
	    /* both flags: ipvsadm reads past its names; a type it does not know: n/a */
	    "  -> 10.0.0.7:80                  Tunnel  gue:6081:?    6      0          0         \n"
	    "  -> 10.0.0.8:80                  Tunnel  n/a           7      0          0         "
	    "\n");
	free(text);
	json_object_put(list);
}
END_TEST

/* Names as ipvsadm cuts them: an IPv4 service at 33 characters, a destination at 28. */
static int long_names(const char *addr_port, const char *protocol, char *buf, size_t size,
		      void *data)
{
	(void)protocol;
	(void)data;
	if (addr_port[0] == '[')
		return snprintf(buf, size, "[a-very-long-ipv6-host-name.example.org]:https") < 0;
	return snprintf(buf, size, "a-very-long-host-name.example.org:http") < 0;
}

START_TEST(ipvsadm_cuts_long_ipv4_names)
{
	struct format_options o = { .view = FORMAT_VIEW_DEFAULT, .name = long_names };
	struct json_object *list = ipvsadm_list();
	char *text;

	CAPTURE(text, format_ipvsadm(out, list, &o));
	ck_assert_ptr_nonnull(strstr(text, "\nTCP  a-very-long-host-name.exampl wlc\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n  -> a-very-long-host-name.exampl Route   1 "));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nTCP  [a-very-long-ipv6-host-name.example.org]:https mh "));
	ck_assert_ptr_nonnull(
	    strstr(text, "\n  -> [a-very-long-ipv6-host-name.example.org]:https Masq    2 "));
	free(text);
	json_object_put(list);
}
END_TEST

/* vigil's services and the kernel's alone: what the kernel lacks is not ipvsadm's to show. */
START_TEST(ipvsadm_shows_the_kernel_alone)
{
	struct format_options o = { .view = FORMAT_VIEW_DEFAULT };
	struct json_object *list = golden_list();
	char *text;

	CAPTURE(text, format_ipvsadm(out, list, &o));
	ck_assert_ptr_null(strstr(text, "fd00::53"));
	ck_assert_ptr_null(strstr(text, "10.100.2.2"));
	ck_assert_ptr_null(strstr(text, "web"));
	ck_assert_ptr_nonnull(strstr(text, "TCP  10.96.0.1:80 wrr\n"
					   "  -> 10.100.1.2:8080              Masq    100    3 "
					   "         7         \n"));
	ck_assert_ptr_nonnull(strstr(text, "FWM  256 sh (sh-fallback,sh-port)\n"));
	free(text);
	/* no table: ipvsadm would have failed */
	json_object_object_add(list, "kernel", json_object_new_boolean(false));
	CAPTURE(text, ck_assert_int_eq(format_ipvsadm(out, list, &o), -ENODATA));
	free(text);
	json_object_put(list);
}
END_TEST

START_TEST(exact_counts)
{
	static const struct {
		uint64_t n;
		const char *text;
	} cases[] = {
		{ 0, "        0" },
		{ 99999999, " 99999999" },
		{ 100000000, " 100000000" },
		{ 18446744073709551615ull, " 18446744073709551615" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		format_count_exact(buf, sizeof(buf), cases[i].n);
		ck_assert_str_eq(buf, cases[i].text);
	}
}
END_TEST

/* --sort in vigil's table; --exact in its counters */
START_TEST(list_sorted_and_exact)
{
	struct format_options o = { .view = FORMAT_VIEW_STATS, .exact = true };
	struct json_object *list = golden_list();
	char *text;

	ck_assert_int_eq(order_list(list, ORDER_SORTED), 0);
	CAPTURE(text, format_list(out, list, FORMAT_VIEW_DEFAULT));
	check_golden("list-sorted.txt", text);
	free(text);
	CAPTURE(text, format_list_with(out, list, &o));
	ck_assert_ptr_nonnull(
	    strstr(text, "  -> 10.100.1.2:8080              123456790 123456791 "));
	free(text);
	json_object_put(list);
}
END_TEST

START_TEST(timeouts_as_ipvsadm)
{
	struct json_object *list = ipvsadm_list();
	char *text;

	CAPTURE(text, format_timeout(out, list));
	ck_assert_str_eq(text, "Timeout (tcp tcpfin udp): 900 120 300\n");
	free(text);
	json_object_put(list);
	list = golden_list();
	json_object_object_del(list, "ipvs");
	CAPTURE(text, ck_assert_int_eq(format_timeout(out, list), -ENODATA));
	free(text);
	json_object_put(list);
}
END_TEST

/*
 * list -c: connections to golden/list.json's services, as the kernel prints
 * them: web's to a healthy, a quarantined and an unmanaged destination,
 * dns's over IPv6, the foreign TCP service's, the fwmark service's template
 * (its mark, 256, as the address) and a connection its mark sent to its
 * destination, and one of no service.
 */
#define CONNS                                                                                      \
	"Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"        \
	"TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED     898\n"                      \
	"TCP 0A000005 B170 0A600001 0050 0A640302 1F90 SYN_RECV         58\n"                      \
	"TCP 0A000006 B172 0A600001 0050 0A640909 1F90 TIME_WAIT       119\n"                      \
	"UDP fd00:0000:0000:0000:0000:0000:0000:0005 C350 "                                        \
	"fd00:0000:0000:0000:0000:0000:0000:0053 "                                                 \
	"0035 fd00:0000:0000:0000:0000:0000:0001:0002 0035 UDP             298\n"                  \
	"TCP 0A000005 9C40 0A000009 01BB C0A80701 01BB FIN_WAIT         60\n"                      \
	"IP  0A000005 0000 00000100 0000 0AFF0005 0000 NONE            358\n"                      \
	"TCP 0A000005 9C42 0A010101 0019 0AFF0005 0019 ESTABLISHED     900\n"                      \
	"TCP 0A000007 9C44 0A050505 0050 0A050506 0050 ESTABLISHED   10000\n"

struct conns_out {
	FILE *out;
	struct json_object *list;
	const struct format_options *o;
	const struct filter *f; /* NULL: every connection */
	bool json;
};

/* What vigilctl list -c does with each connection. */
static int conn_out(const struct conntable_conn *c, void *data)
{
	struct conns_out *w = data;
	struct json_object *svc = format_conn_service(w->list, c), *o;

	if (w->f && !(svc && filter_match(w->f, svc)))
		return 0;
	if (!w->json) {
		format_conn(w->out, c, svc, w->o);
		return 0;
	}
	o = format_conn_json(c, svc);
	ck_assert_ptr_nonnull(o);
	fprintf(w->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

/* CONNS as list -c prints them with O (and F, JSON); a string to free. */
static char *conns_text(const struct format_options *o, const struct filter *f, bool json)
{
	struct json_object *list = golden_list();
	struct conns_out w = { .list = list, .o = o, .f = f, .json = json };
	char why[256], *text;

	CAPTURE(text, {
		w.out = out;
		if (!json)
			format_conn_title(out, o);
		ck_assert_int_eq(
		    conntable_parse(CONNS, strlen(CONNS), conn_out, &w, why, sizeof(why)), 0);
	});
	json_object_put(list);
	return text;
}

/* ipvsadm -Lcn's bytes; the golden is what ipvsadm 1.31's print_conn() makes of CONNS. */
START_TEST(connections_as_ipvsadm)
{
	struct format_options o = { .ipvsadm = true };
	char *text = conns_text(&o, NULL, false);

	check_golden("conntable-ipvsadm.txt", text);
	free(text);
}
END_TEST

/*
 * ipvsadm -Lcn --persistent-conn: a persistence engine's name and data in
 * two more columns, where the kernel gave both (print_conn()'s n == 11);
 * the title's widths for them are not the lines'.
 */
START_TEST(connections_with_persistence_data)
{
	static const char conns[] =
	    "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
	    "UDP 0A000005 13C4 0A000009 13C4 0A640102 13C4 UDP             298 sip 3a4b5c@host\n"
	    "UDP 0A000006 13C4 0A000009 13C4 0A640102 13C4 UDP              58 sip\n"
	    "TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED     898\n";
	struct format_options o = { .ipvsadm = true, .view = FORMAT_VIEW_PERSISTENT };
	struct conns_out w = { .list = golden_list(), .o = &o };
	char why[256], *text;

	CAPTURE(text, {
		w.out = out;
		format_conn_title(out, &o);
		ck_assert_int_eq(
		    conntable_parse(conns, strlen(conns), conn_out, &w, why, sizeof(why)), 0);
	});
	ck_assert_str_eq(
	    text, "IPVS connection entries\n"
		  "pro expire state       source             virtual            destination        "
		  "pe name          pe_data\n"
		  "UDP 04:58  UDP         10.0.0.5:5060      10.0.0.9:5060      10.100.1.2:5060  "
		  "sip                3a4b5c@host\n"
		  "UDP 00:58  UDP         10.0.0.6:5060      10.0.0.9:5060      10.100.1.2:5060\n"
		  "TCP 14:58  ESTABLISHED 10.0.0.5:45422     10.96.0.1:80       10.100.1.2:8080\n");
	free(text);
	json_object_put(w.list);
}
END_TEST

/* The same columns, and the state vigild gives each connection's destination. */
START_TEST(connections_with_vigils_state)
{
	struct format_options o = { 0 };
	char *text = conns_text(&o, NULL, false);

	check_golden("conntable.txt", text);
	ck_assert_ptr_nonnull(strstr(text, "pro expire state       source             virtual      "
					   "      destination        vigil\n"));
	ck_assert_ptr_nonnull(strstr(text, " 10.100.1.2:8080    healthy\n"));
	ck_assert_ptr_nonnull(strstr(text, " 10.100.3.2:8080    quarantined\n"));
	/* not vigil's: a destination it does not manage, a service it does not keep */
	ck_assert_ptr_nonnull(strstr(text, " 10.100.9.9:8080    -\n"));
	ck_assert_ptr_nonnull(strstr(text, " 192.168.7.1:443    -\n"));
	free(text);
}
END_TEST

/* Each connection's service, and the filters of list -c that pick by it. */
START_TEST(connections_of_a_service)
{
	static const struct {
		const char *option, *text;
		size_t lines;
	} cases[] = {
		{ "-t", "10.96.0.1:80", 3 }, { "web", NULL, 3 }, { "-u", "[fd00::53]:53", 1 },
		{ "dns", NULL, 1 },          { "-f", "256", 2 }, { "-t", "10.0.0.9:443", 1 },
		{ "-u", "10.96.0.1:80", 0 }, { "-f", "257", 0 },
	};
	struct format_options o = { .ipvsadm = true };
	struct filter f;
	char why[256], *text, *p;
	size_t i, lines;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].text)
			filter_name(&f, cases[i].option);
		else if (!strcmp(cases[i].option, "-f"))
			ck_assert_int_eq(filter_fwmark(&f, "-f", cases[i].text, why, sizeof(why)),
					 0);
		else
			ck_assert_int_eq(
			    filter_vip(&f, cases[i].option, cases[i].text,
				       cases[i].option[1] == 't' ? IPPROTO_TCP : IPPROTO_UDP, why,
				       sizeof(why)),
			    0);
		text = conns_text(&o, &f, false);
		for (lines = 0, p = text; (p = strchr(p, '\n')); p++)
			lines++;
		/* the title's two lines, as ipvsadm prints them for an empty table */
		ck_assert_msg(lines == 2 + cases[i].lines, "%s %s: %zu lines:\n%s", cases[i].option,
			      cases[i].text ? cases[i].text : "", lines - 2, text);
		free(text);
	}
	/* the fwmark service's: its template by the mark, a connection by its destination */
	ck_assert_int_eq(filter_fwmark(&f, "-f", "256", why, sizeof(why)), 0);
	text = conns_text(&o, &f, false);
	ck_assert_ptr_nonnull(
	    strstr(text, "\nIP  05:58  NONE        10.0.0.5:0         0.0.1.0:0  "));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nTCP 15:00  ESTABLISHED 10.0.0.5:40002     10.1.1.1:25"));
	free(text);
}
END_TEST

/* Hosts and ports by name (ipvsadm -Lc without -n): IPv6 in brackets, cut at 59. */
static int conn_names(const char *addr_port, const char *protocol, char *buf, size_t size,
		      void *data)
{
	int *calls = data;

	(*calls)++;
	if (!strcmp(addr_port, "10.100.1.2:8080"))
		return snprintf(buf, size, "web1.lab:%s",
				!strcmp(protocol, "tcp") ? "http-alt" : "?") < 0;
	if (!strcmp(addr_port, "[fd00::53]:53"))
		return snprintf(buf, size, "[dns.lab]:%s",
				!strcmp(protocol, "udp") ? "domain" : "?") < 0;
	if (!strcmp(addr_port, "10.5.5.6:80"))
		return snprintf(buf, size,
				"a-destination-with-a-name-longer-than-ipvsadm-keeps."
				"example.org:http") < 0;
	/* the template's protocol has no port names */
	if (!strcmp(addr_port, "10.255.0.5:0"))
		return snprintf(buf, size, "fwm.lab:%s", protocol[0] ? "?" : "0") < 0;
	return -1;
}

START_TEST(connections_by_name)
{
	int calls = 0;
	struct format_options o = { .ipvsadm = true, .name = conn_names, .name_data = &calls };
	char *text = conns_text(&o, NULL, false);

	ck_assert_ptr_nonnull(strstr(text, " 10.96.0.1:80       web1.lab:http-alt\n"));
	ck_assert_ptr_nonnull(strstr(text, " [dns.lab]:domain   [fd00::1:2]:53\n"));
	ck_assert_ptr_nonnull(strstr(text, " fwm.lab:0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, " a-destination-with-a-name-longer-than-ipvsadm-keeps.example\n"));
	ck_assert_int_eq(calls, 8 * 3);
	free(text);
	/* vigil's own view names them too, in full */
	o.ipvsadm = false;
	text = conns_text(&o, NULL, false);
	ck_assert_ptr_nonnull(strstr(
	    text, " a-destination-with-a-name-longer-than-ipvsadm-keeps.example.org:http -\n"));
	ck_assert_ptr_nonnull(strstr(text, " web1.lab:http-alt  healthy\n"));
	free(text);
}
END_TEST

START_TEST(connections_as_json)
{
	struct format_options o = { 0 };
	char *text = conns_text(&o, NULL, true);

	ck_assert_ptr_nonnull(strstr(
	    text,
	    "{\"protocol\":\"TCP\",\"client\":\"10.0.0.5:45424\",\"virtual\":\"10.96.0.1:80\","
	    "\"destination\":\"10.100.3.2:8080\",\"state\":\"SYN_RECV\",\"expires\":58,"
	    "\"service\":\"web\",\"dest_state\":\"quarantined\"}\n"));
	ck_assert_ptr_nonnull(strstr(
	    text,
	    "{\"protocol\":\"UDP\",\"client\":\"[fd00::5]:50000\",\"virtual\":\"[fd00::53]:53\","
	    "\"destination\":\"[fd00::1:2]:53\",\"state\":\"UDP\",\"expires\":298,"
	    "\"service\":\"dns\",\"dest_state\":\"healthy\"}\n"));
	ck_assert_ptr_nonnull(strstr(
	    text,
	    "{\"protocol\":\"IP\",\"fwmark\":256,\"client\":\"10.0.0.5:0\",\"virtual\":"
	    "\"0.0.1.0:0\",\"destination\":\"10.255.0.5:0\",\"state\":\"NONE\",\"expires\":358,"
	    "\"service\":null,\"dest_state\":null}\n"));
	free(text);
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
	tcase_add_test(tc, status_keeps_what_it_does_not_know);
	tcase_add_test(tc, status_in_words);
	tcase_add_test(tc, exact_counts);
	tcase_add_test(tc, list_sorted_and_exact);
	tcase_add_test(tc, timeouts_as_ipvsadm);
	suite_add_tcase(s, tc);
	tc = tcase_create("ipvsadm");
	tcase_add_test(tc, ipvsadm_layout);
	tcase_add_test(tc, ipvsadm_quirks);
	tcase_add_test(tc, ipvsadm_thresholds_persistence_and_tunnels);
	tcase_add_test(tc, ipvsadm_cuts_long_ipv4_names);
	tcase_add_test(tc, ipvsadm_shows_the_kernel_alone);
	suite_add_tcase(s, tc);
	tc = tcase_create("connections");
	tcase_add_test(tc, connections_as_ipvsadm);
	tcase_add_test(tc, connections_with_persistence_data);
	tcase_add_test(tc, connections_with_vigils_state);
	tcase_add_test(tc, connections_of_a_service);
	tcase_add_test(tc, connections_by_name);
	tcase_add_test(tc, connections_as_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(format_suite(), CK_NORMAL);
}
