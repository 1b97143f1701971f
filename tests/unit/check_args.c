// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "check_main.h"

static char err[256];

/* Parses a NULL-terminated argv after "vigilctl"; the result of args_parse. */
#define PARSE(ret, ...)                                                                            \
	({                                                                                         \
		char *argv_[] = { "vigilctl", __VA_ARGS__, NULL };                                 \
		args_parse(sizeof(argv_) / sizeof(argv_[0]) - 1, argv_, (ret), err, sizeof(err));  \
	})

START_TEST(list_options)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "list"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert_str_eq(a.socket, "/run/vigil/vigil.sock");
	ck_assert_int_eq(a.view, FORMAT_VIEW_DEFAULT);
	ck_assert(!a.json && !a.numeric);
	/* ipvsadm habits: -n anywhere, options before the command */
	ck_assert_int_eq(PARSE(&a, "-n", "list", "--stats", "--json"), 0);
	ck_assert(a.numeric && a.json);
	ck_assert_int_eq(a.view, FORMAT_VIEW_STATS);
	ck_assert_int_eq(PARSE(&a, "list", "--rate"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_RATE);
	ck_assert_int_eq(PARSE(&a, "list", "--stats", "--rate"), -EINVAL);
	ck_assert_str_eq(err, "--stats and --rate do not go together");
	/* ipvsadm shows the first; so does --ipvsadm */
	ck_assert_int_eq(PARSE(&a, "list", "--ipvsadm", "--rate", "--stats"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_STATS);
}
END_TEST

START_TEST(socket_option)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "-s", "/tmp/v.sock", "status"), 0);
	ck_assert_str_eq(a.socket, "/tmp/v.sock");
	ck_assert_int_eq(a.command, ARGS_STATUS);
	ck_assert_int_eq(PARSE(&a, "status", "--socket=/tmp/w.sock", "--json"), 0);
	ck_assert_str_eq(a.socket, "/tmp/w.sock");
	ck_assert(a.json);
	ck_assert_int_eq(PARSE(&a, "status", "--socket", "/tmp/x.sock"), 0);
	ck_assert_str_eq(a.socket, "/tmp/x.sock");
	ck_assert_int_eq(PARSE(&a, "status", "-s"), -EINVAL);
	ck_assert_str_eq(err, "-s needs a PATH");
	ck_assert_int_eq(PARSE(&a, "status", "--sockets=/x"), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--sockets=/x'");
}
END_TEST

START_TEST(events_follow)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "events"), 0);
	ck_assert(!a.follow);
	ck_assert_int_eq(PARSE(&a, "events", "-f", "--json"), 0);
	ck_assert(a.follow && a.json);
	ck_assert_int_eq(PARSE(&a, "events", "--follow"), 0);
	ck_assert(a.follow);
	ck_assert_int_eq(PARSE(&a, "list", "--follow"), -EINVAL);
	ck_assert_str_eq(err, "--follow does not go with list");
}
END_TEST

START_TEST(quarantine_and_release)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80"), 0);
	ck_assert_int_eq(a.command, ARGS_QUARANTINE);
	ck_assert_str_eq(a.service, "web");
	ck_assert_str_eq(a.dest, "10.0.0.1:80");
	ck_assert_ptr_null(a.for_text);
	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80", "--for", "5m"), 0);
	ck_assert_str_eq(a.for_text, "5m");
	ck_assert_uint_eq(a.for_ms, 300000);
	ck_assert_int_eq(PARSE(&a, "quarantine", "--for=90s", "web", "[fd00::1]:80"), 0);
	ck_assert_uint_eq(a.for_ms, 90000);
	ck_assert_str_eq(a.dest, "[fd00::1]:80");
	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80", "--for", "soon"), -EINVAL);
	ck_assert_str_eq(err, "--for soon: not a duration (e.g. 30s, 5m, 1h)");
	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80", "--for"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "quarantine", "web"), -EINVAL);
	ck_assert_str_eq(err, "quarantine needs more arguments; usage: vigilctl quarantine "
			      "SERVICE DEST [--for DURATION]");
	ck_assert_int_eq(PARSE(&a, "release", "web", "10.0.0.1:80"), 0);
	ck_assert_int_eq(a.command, ARGS_RELEASE);
	ck_assert_int_eq(PARSE(&a, "release", "web", "10.0.0.1:80", "--for", "1m"), -EINVAL);
	ck_assert_str_eq(err, "--for does not go with release");
	ck_assert_int_eq(PARSE(&a, "release", "web", "10.0.0.1:80", "extra"), -EINVAL);
	ck_assert_str_eq(err, "release takes fewer arguments; usage: vigilctl release SERVICE "
			      "DEST");
}
END_TEST

START_TEST(check_reload_help_version)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "check", "/etc/vigil/vigil.yaml"), 0);
	ck_assert_int_eq(a.command, ARGS_CHECK);
	ck_assert_str_eq(a.file, "/etc/vigil/vigil.yaml");
	ck_assert_int_eq(PARSE(&a, "check"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "reload"), 0);
	ck_assert_int_eq(a.command, ARGS_RELOAD);
	ck_assert_int_eq(PARSE(&a, "reload", "--json"), -EINVAL);
	ck_assert_str_eq(err, "--json does not go with reload");
	ck_assert_int_eq(PARSE(&a, "--help"), 0);
	ck_assert_int_eq(a.command, ARGS_HELP);
	ck_assert_int_eq(PARSE(&a, "list", "-h"), 0);
	ck_assert_int_eq(a.command, ARGS_HELP);
	ck_assert_int_eq(PARSE(&a, "-V"), 0);
	ck_assert_int_eq(a.command, ARGS_VERSION);
}
END_TEST

/* complete: for the shell's completion, from the agent or --config's file. */
START_TEST(complete_words)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "complete", "services"), 0);
	ck_assert_int_eq(a.command, ARGS_COMPLETE);
	ck_assert_int_eq(a.complete.what, COMPLETE_SERVICES);
	ck_assert_str_eq(a.config, "/etc/vigil/vigil.yaml");
	ck_assert_str_eq(a.socket, "/run/vigil/vigil.sock");
	ck_assert_int_eq(
	    PARSE(&a, "-s", "/tmp/v.sock", "complete", "dests", "web", "--config", "/tmp/v.yaml"),
	    0);
	ck_assert_int_eq(a.complete.what, COMPLETE_DESTS);
	ck_assert_str_eq(a.complete.service, "web");
	ck_assert_str_eq(a.socket, "/tmp/v.sock");
	ck_assert_str_eq(a.config, "/tmp/v.yaml");
	/* a service called "-x" (names may begin with a dash) after -- */
	ck_assert_int_eq(PARSE(&a, "complete", "dests", "--", "-x"), 0);
	ck_assert_str_eq(a.complete.service, "-x");
	ck_assert_int_eq(PARSE(&a, "complete", "vips", "udp"), 0);
	ck_assert_int_eq(a.complete.what, COMPLETE_VIPS);
	ck_assert_int_eq(a.complete.protocol, IPPROTO_UDP);

	ck_assert_int_eq(PARSE(&a, "complete"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "complete", "vips"), -EINVAL);
	ck_assert_str_eq(err, "complete vips needs tcp, udp or sctp");
	ck_assert_int_eq(PARSE(&a, "complete", "services", "--json"), -EINVAL);
	ck_assert_str_eq(err, "--json does not go with complete");
	ck_assert_int_eq(PARSE(&a, "status", "--config", "/tmp/v.yaml"), -EINVAL);
	ck_assert_str_eq(err, "--config does not go with status");
}
END_TEST

/* Short options bundle as ipvsadm's do; the last of a bundle may take the rest as its value. */
START_TEST(bundled_short_options)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "list", "-nj"), 0);
	ck_assert(a.numeric && a.json);
	/* ipvsadm's -Ln: -L is the list command */
	ck_assert_int_eq(PARSE(&a, "-Ln"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert(a.numeric);
	ck_assert_int_eq(PARSE(&a, "-lnj", "--stats"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert(a.numeric && a.json);
	ck_assert_int_eq(a.view, FORMAT_VIEW_STATS);
	ck_assert_int_eq(PARSE(&a, "-L", "list", "-n"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert_int_eq(a.filter.kind, FILTER_NONE);
	/* a value: the rest of the bundle, or the next argument */
	ck_assert_int_eq(PARSE(&a, "-Lnt10.0.0.1:80"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_VIP);
	ck_assert_str_eq(a.filter.text, "10.0.0.1:80");
	ck_assert_int_eq(PARSE(&a, "-ns", "/tmp/v.sock", "list"), 0);
	ck_assert_str_eq(a.socket, "/tmp/v.sock");
	ck_assert(a.numeric);
	ck_assert_int_eq(PARSE(&a, "-s/tmp/w.sock", "status", "-j"), 0);
	ck_assert_str_eq(a.socket, "/tmp/w.sock");
	ck_assert_int_eq(PARSE(&a, "events", "-fj"), 0);
	ck_assert(a.follow && a.json);
	ck_assert_int_eq(PARSE(&a, "list", "-nx"), -EINVAL);
	ck_assert_str_eq(err, "unknown option '-x' in '-nx'");
	ck_assert_int_eq(PARSE(&a, "list", "-nt"), -EINVAL);
	ck_assert_str_eq(err, "-t needs a VIP:PORT");
	ck_assert_int_eq(PARSE(&a, "status", "-jn"), -EINVAL);
	ck_assert_str_eq(err, "-n does not go with status");
	/* -L makes list of any other word: a service may be called "status" */
	ck_assert_int_eq(PARSE(&a, "-L", "status"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert_int_eq(a.filter.kind, FILTER_NAME);
	ck_assert_str_eq(a.filter.text, "status");
	ck_assert_int_eq(PARSE(&a, "--json=yes", "list"), -EINVAL);
	ck_assert_str_eq(err, "--json takes no value");
}
END_TEST

/* One service at a time, as ipvsadm picks it, or by vigil's name. */
START_TEST(list_filters)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "list", "-t", "10.96.0.10:443"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_VIP);
	ck_assert_int_eq(a.filter.protocol, IPPROTO_TCP);
	ck_assert_uint_eq(a.filter.vip.port, 443);
	ck_assert_int_eq(PARSE(&a, "list", "--udp-service=[fd00::53]:53"), 0);
	ck_assert_int_eq(a.filter.protocol, IPPROTO_UDP);
	ck_assert_int_eq(a.filter.vip.family, AF_INET6);
	ck_assert_int_eq(PARSE(&a, "list", "--sctp-service", "10.0.0.9"), 0);
	ck_assert_int_eq(a.filter.protocol, IPPROTO_SCTP);
	ck_assert_uint_eq(a.filter.vip.port, 0);
	ck_assert_int_eq(PARSE(&a, "list", "-t", "vip.example.org:443"), -EINVAL);
	ck_assert_str_eq(err, "-t vip.example.org:443: not an IPv4 or IPv6 address (host names are "
			      "not resolved)");
	ck_assert_int_eq(PARSE(&a, "list", "-u", "10.0.0.1:dns"), -EINVAL);
	ck_assert_str_eq(err, "-u 10.0.0.1:dns: the port is not a number from 0 to 65535");
	/* -f: list's fwmark, IPv4 unless -6, as ipvsadm's */
	ck_assert_int_eq(PARSE(&a, "list", "-f", "256"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_FWMARK);
	ck_assert_uint_eq(a.filter.fwmark, 256);
	ck_assert(!a.filter.ipv6);
	ck_assert_int_eq(PARSE(&a, "-f", "7", "list", "-6"), 0);
	ck_assert(a.filter.ipv6);
	ck_assert_int_eq(PARSE(&a, "list", "-f7"), 0);
	ck_assert_uint_eq(a.filter.fwmark, 7);
	ck_assert_int_eq(PARSE(&a, "list", "--fwmark-service", "4294967295"), 0);
	ck_assert_uint_eq(a.filter.fwmark, 4294967295u);
	ck_assert_int_eq(PARSE(&a, "list", "-f", "4294967296"), -EINVAL);
	ck_assert_str_eq(err, "-f 4294967296: not a fwmark (a number from 1 to 4294967295)");
	ck_assert_int_eq(PARSE(&a, "list", "-f", "0"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "list", "-f"), -EINVAL);
	ck_assert_str_eq(err, "-f needs a FWMARK with list (a number from 1 to 4294967295)");
	ck_assert_int_eq(PARSE(&a, "list", "-f", "web"), -EINVAL);
	ck_assert_str_eq(err, "-f needs a FWMARK with list (a number from 1 to 4294967295)");
	ck_assert_int_eq(PARSE(&a, "list", "-6"), -EINVAL);
	ck_assert_str_eq(err, "-6 goes with -f FWMARK");
	/* a name, or a VIP as quarantine takes it */
	ck_assert_int_eq(PARSE(&a, "list", "web"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_NAME);
	ck_assert_str_eq(a.filter.text, "web");
	ck_assert_int_eq(PARSE(&a, "list", "web", "api"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "list", "web", "-t", "10.0.0.1:80"), -EINVAL);
	ck_assert_str_eq(err, "web and -t do not go together: one service at a time");
	ck_assert_int_eq(PARSE(&a, "list", "-t", "10.0.0.1:80", "-f", "1"), -EINVAL);
	ck_assert_str_eq(err, "-t and -f do not go together: one service at a time");
	ck_assert_int_eq(PARSE(&a, "list"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_NONE);
}
END_TEST

/* events take the service of -t, -u or a name; -f stays its follow */
START_TEST(events_filters)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "events", "web", "-f"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_NAME);
	ck_assert(a.follow);
	ck_assert_int_eq(PARSE(&a, "events", "-ft", "10.96.0.10:443"), 0);
	ck_assert(a.follow);
	ck_assert_int_eq(a.filter.kind, FILTER_VIP);
	ck_assert_int_eq(PARSE(&a, "events", "-f", "7"), -EINVAL);
	ck_assert_str_eq(err, "-f does not go with events");
	ck_assert_int_eq(PARSE(&a, "status", "web"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "status", "-t", "10.0.0.1:80"), -EINVAL);
	ck_assert_str_eq(err, "-t does not go with status");
}
END_TEST

/* ipvsadm's --exact, --sort, --timeout; vigil's --ipvsadm and --nosort */
START_TEST(ipvsadm_options)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "-Ln", "--stats", "--exact", "--sort"), 0);
	ck_assert(a.exact && a.sort && !a.ipvsadm);
	ck_assert_int_eq(PARSE(&a, "-Ln", "--ipvsadm", "--nosort", "--rate"), 0);
	ck_assert(a.ipvsadm && a.nosort);
	ck_assert_int_eq(a.view, FORMAT_VIEW_RATE);
	ck_assert_int_eq(PARSE(&a, "list", "--nosort"), -EINVAL);
	ck_assert_str_eq(err, "--nosort goes with --ipvsadm (without it, list keeps vigil's order "
			      "unless --sort)");
	ck_assert_int_eq(PARSE(&a, "list", "--ipvsadm", "--sort", "--nosort"), -EINVAL);
	ck_assert_str_eq(err, "--sort and --nosort do not go together");
	ck_assert_int_eq(PARSE(&a, "list", "--ipvsadm", "-j"), -EINVAL);
	ck_assert_str_eq(err, "--ipvsadm and -j do not go together");
	ck_assert_int_eq(PARSE(&a, "-L", "--timeout"), 0);
	ck_assert(a.timeout);
	ck_assert_int_eq(PARSE(&a, "list", "--timeout", "--json"), 0);
	ck_assert_int_eq(PARSE(&a, "list", "--timeout", "--stats"), -EINVAL);
	ck_assert_str_eq(err, "--timeout does not go with --stats");
	ck_assert_int_eq(PARSE(&a, "list", "--timeout", "web"), -EINVAL);
	ck_assert_str_eq(err, "--timeout does not go with a service to list");
	ck_assert_int_eq(PARSE(&a, "status", "--exact"), -EINVAL);
	ck_assert_str_eq(err, "--exact does not go with status");
}
END_TEST

/*
 * ipvsadm's --thresholds, --persistent-conn and --tun-info: with --ipvsadm
 * alone, any of them together with --stats and --rate as ipvsadm takes them
 * (the first of that order shows), refused where ipvsadm refuses them.
 */
START_TEST(ipvsadm_views)
{
	static const struct {
		char *option; /* argv's, as PARSE takes it */
		enum format_view view;
	} alone[] = {
		{ "--thresholds", FORMAT_VIEW_THRESHOLDS },
		{ "--persistent-conn", FORMAT_VIEW_PERSISTENT },
		{ "--tun-info", FORMAT_VIEW_TUNNEL },
	};
	struct args a;
	size_t i;

	for (i = 0; i < sizeof(alone) / sizeof(alone[0]); i++) {
		ck_assert_int_eq(PARSE(&a, "-Ln", "--ipvsadm", alone[i].option), 0);
		ck_assert(a.ipvsadm && a.numeric);
		ck_assert_int_eq(a.view, alone[i].view);
		ck_assert_int_eq(PARSE(&a, "list", alone[i].option, "--ipvsadm", "--nosort", "-t",
				       "10.0.0.1:80"),
				 0);
		ck_assert(a.nosort);
		ck_assert_int_eq(a.view, alone[i].view);
		ck_assert_int_eq(a.filter.kind, FILTER_VIP);
		/* ipvsadm -L takes --exact with any view, and ignores it but with counters */
		ck_assert_int_eq(PARSE(&a, "-L", "--ipvsadm", "--exact", alone[i].option), 0);
		ck_assert(a.exact);
	}
	/* as ipvsadm's print_title(): --stats, --rate, --thresholds, --persistent-conn, --tun-info
	 */
	ck_assert_int_eq(PARSE(&a, "-Ln", "--ipvsadm", "--tun-info", "--persistent-conn"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_PERSISTENT);
	ck_assert_int_eq(PARSE(&a, "-Ln", "--ipvsadm", "--tun-info", "--thresholds"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_THRESHOLDS);
	ck_assert_int_eq(PARSE(&a, "-Ln", "--ipvsadm", "--thresholds", "--rate"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_RATE);
	ck_assert_int_eq(PARSE(&a, "-Ln", "--ipvsadm", "--rate", "--stats"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_STATS);
	/* vigil's own list has none of their columns */
	ck_assert_int_eq(PARSE(&a, "-Ln", "--thresholds"), -EINVAL);
	ck_assert_str_eq(err, "--thresholds goes with --ipvsadm: vigil's list has no such column; "
			      "--json has u_threshold and l_threshold");
	ck_assert_int_eq(PARSE(&a, "-Ln", "--persistent-conn", "--json"), -EINVAL);
	ck_assert_str_eq(err, "--persistent-conn goes with --ipvsadm: vigil's list has no such "
			      "column; --json has persist_conns (list -c: pe and pe_data)");
	ck_assert_int_eq(PARSE(&a, "list", "--tun-info", "--stats"), -EINVAL);
	ck_assert_str_eq(err, "--tun-info goes with --ipvsadm: vigil's list has no such column; "
			      "--json has tunnel");
	ck_assert_int_eq(PARSE(&a, "list", "--ipvsadm", "--tun-info", "-j"), -EINVAL);
	ck_assert_str_eq(err, "--ipvsadm and -j do not go together");
	/* ipvsadm -Lc takes --persistent-conn alone: its persistence engines' columns */
	ck_assert_int_eq(PARSE(&a, "-Lcn", "--ipvsadm", "--persistent-conn"), 0);
	ck_assert(a.connections && a.ipvsadm);
	ck_assert_int_eq(a.view, FORMAT_VIEW_PERSISTENT);
	ck_assert_int_eq(PARSE(&a, "-Lc", "--persistent-conn"), -EINVAL);
	ck_assert_str_eq(err, "--persistent-conn goes with --ipvsadm: vigil's list has no such "
			      "column; --json has persist_conns (list -c: pe and pe_data)");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--ipvsadm", "--thresholds"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --thresholds");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--ipvsadm", "--tun-info"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --tun-info");
	/* nor ipvsadm -L --timeout */
	ck_assert_int_eq(PARSE(&a, "-L", "--timeout", "--thresholds"), -EINVAL);
	ck_assert_str_eq(err, "--timeout does not go with --thresholds");
	ck_assert_int_eq(PARSE(&a, "-L", "--timeout", "--ipvsadm", "--persistent-conn"), -EINVAL);
	ck_assert_str_eq(err, "--timeout does not go with --persistent-conn");
	ck_assert_int_eq(PARSE(&a, "-L", "--timeout", "--tun-info"), -EINVAL);
	ck_assert_str_eq(err, "--timeout does not go with --tun-info");
	/* list's alone, and long only, as ipvsadm has them */
	ck_assert_int_eq(PARSE(&a, "status", "--thresholds"), -EINVAL);
	ck_assert_str_eq(err, "--thresholds does not go with status");
	ck_assert_int_eq(PARSE(&a, "-L", "--thresholds=1"), -EINVAL);
	ck_assert_str_eq(err, "--thresholds takes no value");
	ck_assert_int_eq(PARSE(&a, "-L", "--tun"), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--tun'");
}
END_TEST

/* list -c: ipvsadm's -Lc, bundled or not, with the filters and --ipvsadm; no counters, no order */
START_TEST(connection_table)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "list", "-c"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert(a.connections && !a.numeric && !a.ipvsadm);
	ck_assert_int_eq(PARSE(&a, "list"), 0);
	ck_assert(!a.connections);
	ck_assert_int_eq(PARSE(&a, "-Lc"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert(a.connections);
	ck_assert_int_eq(PARSE(&a, "-Lcn", "--ipvsadm"), 0);
	ck_assert(a.connections && a.numeric && a.ipvsadm);
	ck_assert_int_eq(PARSE(&a, "-lnc"), 0);
	ck_assert(a.connections && a.numeric);
	ck_assert_int_eq(PARSE(&a, "--connection", "list", "-j"), 0);
	ck_assert(a.connections && a.json);
	ck_assert_int_eq(PARSE(&a, "-L", "--connection", "-n"), 0);
	ck_assert(a.connections && a.numeric);
	/* one service's connections: -t, -u, --sctp-service, -f or a name */
	ck_assert_int_eq(PARSE(&a, "-Lcnt10.96.0.10:80"), 0);
	ck_assert(a.connections && a.numeric);
	ck_assert_int_eq(a.filter.kind, FILTER_VIP);
	ck_assert_str_eq(a.filter.text, "10.96.0.10:80");
	ck_assert_int_eq(PARSE(&a, "-Lc", "web"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_NAME);
	ck_assert_int_eq(PARSE(&a, "-Lc", "-f", "7", "-6"), 0);
	ck_assert_int_eq(a.filter.kind, FILTER_FWMARK);
	ck_assert(a.filter.ipv6);
	ck_assert_int_eq(PARSE(&a, "list", "-c", "--sctp-service", "10.0.0.9:9"), 0);
	ck_assert_int_eq(a.filter.protocol, IPPROTO_SCTP);
	/* what does not go with it */
	ck_assert_int_eq(PARSE(&a, "-Lc", "--stats"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --stats");
	ck_assert_int_eq(PARSE(&a, "list", "--connection", "--rate"), -EINVAL);
	ck_assert_str_eq(err, "--connection does not go with --rate");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--exact"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --exact");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--sort"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --sort");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--ipvsadm", "--nosort"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --nosort");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--timeout"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with --timeout");
	ck_assert_int_eq(PARSE(&a, "-Lc", "--ipvsadm", "-j"), -EINVAL);
	ck_assert_str_eq(err, "--ipvsadm and -j do not go together");
	ck_assert_int_eq(PARSE(&a, "-Lc", "-6"), -EINVAL);
	ck_assert_str_eq(err, "-6 goes with -f FWMARK");
	ck_assert_int_eq(PARSE(&a, "status", "-c"), -EINVAL);
	ck_assert_str_eq(err, "-c does not go with status");
	ck_assert_int_eq(PARSE(&a, "events", "--connection"), -EINVAL);
	ck_assert_str_eq(err, "--connection does not go with events");
	ck_assert_int_eq(PARSE(&a, "-c"), -EINVAL);
	ck_assert_str_eq(err, "no command given");
}
END_TEST

START_TEST(usage_errors)
{
	struct args a;
	char *none[] = { "vigilctl", NULL };

	ck_assert_int_eq(args_parse(1, none, &a, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "no command given");
	ck_assert_int_eq(PARSE(&a, "lst"), -EINVAL);
	ck_assert_str_eq(err, "unknown command 'lst'");
	ck_assert_int_eq(PARSE(&a, "list", "--frobnicate"), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--frobnicate'");
	/* after --, a dash is an argument: a service may be called "-x" */
	ck_assert_int_eq(PARSE(&a, "release", "--", "-x", "10.0.0.1:80"), 0);
	ck_assert_str_eq(a.service, "-x");
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, list_options);
	tcase_add_test(tc, socket_option);
	tcase_add_test(tc, events_follow);
	tcase_add_test(tc, quarantine_and_release);
	tcase_add_test(tc, check_reload_help_version);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, bundled_short_options);
	tcase_add_test(tc, list_filters);
	tcase_add_test(tc, events_filters);
	tcase_add_test(tc, ipvsadm_options);
	tcase_add_test(tc, ipvsadm_views);
	tcase_add_test(tc, connection_table);
	tcase_add_test(tc, complete_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(args_suite(), CK_NORMAL);
}
