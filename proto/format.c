// SPDX-License-Identifier: GPL-2.0-only
#include "format.h"
#include "format-internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/* ipvsadm's widths: the service column, the destination address column */
#define SVC_WIDTH  33
#define DEST_WIDTH 28

struct json_object *format_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *format_get_str(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = format_get(o, key);

	return v ? json_object_get_string(v) : dflt;
}

uint64_t format_get_u64(struct json_object *o, const char *key)
{
	struct json_object *v = format_get(o, key);

	return v ? json_object_get_uint64(v) : 0;
}

bool format_get_bool(struct json_object *o, const char *key)
{
	struct json_object *v = format_get(o, key);

	return v && json_object_get_boolean(v);
}

void format_count(char *buf, size_t size, uint64_t n)
{
	/* up to 8 digits as they are; beyond, scaled so the column keeps its width */
	static const struct {
		uint64_t below, unit;
		char suffix;
	} scales[] = {
		{ 1000000000ull, 1000ull, 'K' },
		{ 100000000000ull, 1000000ull, 'M' },
		{ 100000000000000ull, 1000000000ull, 'G' },
	};
	size_t i;

	if (n < 100000000ull) {
		snprintf(buf, size, "%9" PRIu64, n);
		return;
	}
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		if (n < scales[i].below) {
			snprintf(buf, size, "%8" PRIu64 "%c", n / scales[i].unit, scales[i].suffix);
			return;
		}
	}
	snprintf(buf, size, "%8" PRIu64 "T", n / (uint64_t)1000000000000ull);
}

void format_count_exact(char *buf, size_t size, uint64_t n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);

	/* a space before it always, so that two columns never touch */
	snprintf(buf, size, "%*s", len <= 8 ? 9 : len + 1, digits);
}

void format_print_count(FILE *out, uint64_t n, bool exact)
{
	char buf[32];

	if (exact)
		format_count_exact(buf, sizeof(buf), n);
	else
		format_count(buf, sizeof(buf), n);
	fputs(buf, out);
}

const char *format_named(const struct format_options *o, const char *addr_port,
			 const char *protocol, char *buf, size_t size)
{
	return o->name && o->name(addr_port, protocol, buf, size, o->name_data) == 0 ? buf
										     : addr_port;
}

void format_service_name(struct json_object *svc, const struct format_options *o, bool ipvsadm,
			 char *buf, size_t size)
{
	char name[256];
	const char *proto = format_get_str(svc, "protocol", "?");
	const char *v6 = !strcmp(format_get_str(svc, "family", ""), "inet6") ? " IPv6" : "";
	uint32_t mark = (uint32_t)format_get_u64(svc, "fwmark");
	char upper[16];
	size_t i;

	/*
	 * ipvsadm 1.31, that of Debian 11 to 13, prints the mark signed: one
	 * past 2^31 is negative (fixed upstream after 1.31, e61c8cd).
	 */
	if (format_get(svc, "fwmark")) {
		if (ipvsadm)
			snprintf(buf, size, "FWM  %d%s", (int32_t)mark, v6);
		else
			snprintf(buf, size, "FWM  %" PRIu32 "%s", mark, v6);
		return;
	}
	for (i = 0; proto[i] && i < sizeof(upper) - 1; i++)
		upper[i] = toupper((unsigned char)proto[i]);
	upper[i] = '\0';
	snprintf(buf, size, "%-4s %s", upper,
		 format_named(o, format_get_str(svc, "vip", "?"), proto, name, sizeof(name)));
}

/* The flags ipvsadm names under SCHEDULER: sh-* under sh, mh-* under mh, flag-* otherwise. */
static bool ipvsadm_names(const char *scheduler, const char *flag)
{
	size_t len = strlen(scheduler);

	if (!strcmp(scheduler, "sh") || !strcmp(scheduler, "mh"))
		return !strncmp(flag, scheduler, len) && flag[len] == '-';
	return !strncmp(flag, "flag-", 5);
}

static void sched_flags(FILE *out, struct json_object *svc, bool ipvsadm)
{
	struct json_object *flags = format_get(svc, "sched_flags");
	const char *scheduler = format_get_str(svc, "scheduler", "");
	const char *sep = "";
	size_t i, n;

	if (!flags || !json_object_is_type(flags, json_type_array))
		return;
	/* ipvsadm writes the parentheses for any flag set, even one it has no name for */
	fputs(" (", out);
	n = json_object_array_length(flags);
	for (i = 0; i < n; i++) {
		const char *flag = json_object_get_string(json_object_array_get_idx(flags, i));

		if (ipvsadm && !ipvsadm_names(scheduler, flag))
			continue;
		fprintf(out, "%s%s", sep, flag);
		sep = ",";
	}
	fputc(')', out);
}

void format_service_flags(FILE *out, struct json_object *svc, bool ipvsadm)
{
	bool v6 = !strcmp(format_get_str(svc, "family", ""), "inet6");

	sched_flags(out, svc, ipvsadm);
	if (format_get(svc, "persistent")) {
		uint64_t mask = format_get_u64(svc, "netmask");

		fprintf(out, " persistent %" PRIu64, format_get_u64(svc, "persistent"));
		if (v6 && mask != 128)
			fprintf(out, " mask %" PRIu64, mask);
		else if (!v6 && mask != 0xffffffffull)
			fprintf(out, " mask %u.%u.%u.%u", (unsigned int)(mask >> 24) & 0xff,
				(unsigned int)(mask >> 16) & 0xff, (unsigned int)(mask >> 8) & 0xff,
				(unsigned int)mask & 0xff);
		if (format_get(svc, "pe"))
			fprintf(out, " pe %s", format_get_str(svc, "pe", ""));
	}
	if (format_get_bool(svc, "ops"))
		fprintf(out, " ops");
}

const char *format_forward_name(const char *fwd)
{
	static const char *const names[][2] = {
		{ "masq", "Masq" },   { "local", "Local" },   { "tunnel", "Tunnel" },
		{ "route", "Route" }, { "bypass", "Bypass" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(fwd, names[i][0]))
			return names[i][1];
	return fwd;
}

/* Whether VIEW shows counters; ipvsadm's other views are not vigil's table's: the default */
static bool counters(enum format_view view)
{
	return view == FORMAT_VIEW_STATS || view == FORMAT_VIEW_RATE;
}

static void print_title(FILE *out, struct json_object *list, enum format_view view)
{
	struct json_object *ipvs = format_get(list, "ipvs");

	if (format_get(ipvs, "version"))
		fprintf(out, "IP Virtual Server version %s (size=%" PRIu64 ")\n",
			format_get_str(ipvs, "version", "?"), format_get_u64(ipvs, "size"));
	if (!counters(view)) {
		fprintf(out, "Prot LocalAddress:Port Scheduler Flags\n");
		fprintf(out, "  -> %-*s %-7s %-6s %-10s %-10s %-11s %-6s %-6s %-5s %s\n",
			DEST_WIDTH, "RemoteAddress:Port", "Forward", "Weight", "ActiveConn",
			"InActConn", "State", "CfgW", "EffW", "Score", "Quar");
		return;
	}
	fprintf(out, "%-*s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", SVC_WIDTH,
		"Prot LocalAddress:Port", view == FORMAT_VIEW_STATS ? "Conns" : "CPS",
		view == FORMAT_VIEW_STATS ? "InPkts" : "InPPS",
		view == FORMAT_VIEW_STATS ? "OutPkts" : "OutPPS",
		view == FORMAT_VIEW_STATS ? "InBytes" : "InBPS",
		view == FORMAT_VIEW_STATS ? "OutBytes" : "OutBPS");
}

/* The five counters of a stats object, for --stats or --rate. */
static void print_counters(FILE *out, struct json_object *stats, const struct format_options *o)
{
	static const char *const totals[] = { "conns", "inpkts", "outpkts", "inbytes", "outbytes" };
	static const char *const rates[] = { "cps", "inpps", "outpps", "inbps", "outbps" };
	size_t i;

	for (i = 0; i < 5; i++) {
		if (!stats)
			fprintf(out, "%9s", "-");
		else
			format_print_count(out,
					   format_get_u64(stats, o->view == FORMAT_VIEW_STATS
								     ? totals[i]
								     : rates[i]),
					   o->exact);
	}
}

static void print_dest(FILE *out, struct json_object *d, const char *protocol,
		       const struct format_options *o)
{
	bool in_kernel = format_get_bool(d, "in_kernel"), managed = format_get_bool(d, "managed");
	char name[256];
	const char *addr =
	    format_named(o, format_get_str(d, "address", "?"), protocol, name, sizeof(name));
	char weight[16] = "-", active[16] = "-", inactive[16] = "-";
	char cfgw[16] = "-", effw[16] = "-", score[16] = "-", quar[16] = "-";
	struct json_object *v;

	if (counters(o->view)) {
		fprintf(out, "  -> %-*s", DEST_WIDTH, addr);
		print_counters(out, in_kernel ? format_get(d, "stats") : NULL, o);
		if (managed)
			fprintf(out, " %s", format_get_str(d, "state", "?"));
		fputc('\n', out);
		return;
	}
	if (in_kernel) {
		snprintf(weight, sizeof(weight), "%" PRIu64, format_get_u64(d, "weight"));
		snprintf(active, sizeof(active), "%" PRIu64, format_get_u64(d, "active_conns"));
		snprintf(inactive, sizeof(inactive), "%" PRIu64,
			 format_get_u64(d, "inactive_conns"));
	}
	if (managed) {
		snprintf(cfgw, sizeof(cfgw), "%" PRIu64, format_get_u64(d, "configured_weight"));
		v = format_get(d, "effective_weight");
		if (v)
			snprintf(effw, sizeof(effw), "%" PRIu64, json_object_get_uint64(v));
		v = format_get(d, "score");
		if (v)
			snprintf(score, sizeof(score), "%.2f", json_object_get_double(v));
		snprintf(quar, sizeof(quar), "%" PRIu64, format_get_u64(d, "quarantines"));
	}
	fprintf(out, "  -> %-*s %-7s %-6s %-10s %-10s %-11s %-6s %-6s %-5s %s\n", DEST_WIDTH, addr,
		in_kernel ? format_forward_name(format_get_str(d, "forward", "?")) : "-", weight,
		active, inactive, managed ? format_get_str(d, "state", "?") : "-", cfgw, effw,
		score, quar);
}

/* KNOWN: the list has the kernel's side, so a service missing from it is missing. */
static void print_service(FILE *out, struct json_object *svc, const struct format_options *o,
			  bool known)
{
	struct json_object *dests = format_get(svc, "destinations");
	bool in_kernel = format_get_bool(svc, "in_kernel");
	const char *name = format_get_str(svc, "name", NULL);
	char svc_name[320];
	size_t i, n;

	format_service_name(svc, o, false, svc_name, sizeof(svc_name));
	if (counters(o->view)) {
		fprintf(out, "%-*s", SVC_WIDTH, svc_name);
		print_counters(out, in_kernel ? format_get(svc, "stats") : NULL, o);
	} else {
		fprintf(out, "%s %s", svc_name, format_get_str(svc, "scheduler", "?"));
		format_service_flags(out, svc, false);
	}
	/* vigil's own: its name, and whether the kernel has it yet */
	if (name)
		fprintf(out, " (%s%s%s)", name, in_kernel || !known ? "" : ", not in IPVS",
			format_get(svc, "enforce") && !format_get_bool(svc, "enforce")
			    ? ", dry run: quarantines not enforced"
			    : "");
	fputc('\n', out);
	n = dests ? json_object_array_length(dests) : 0;
	for (i = 0; i < n; i++)
		print_dest(out, json_object_array_get_idx(dests, i),
			   format_get_str(svc, "protocol", ""), o);
}

int format_list(FILE *out, struct json_object *list, enum format_view view)
{
	struct format_options o = { .view = view };

	return format_list_with(out, list, &o);
}

int format_list_named(FILE *out, struct json_object *list, enum format_view view,
		      format_name_fn name, void *data)
{
	struct format_options o = { .view = view, .name = name, .name_data = data };

	return format_list_with(out, list, &o);
}

int format_list_with(FILE *out, struct json_object *list, const struct format_options *o)
{
	struct json_object *svcs = format_get(list, "services");
	size_t i, n;

	if (!svcs || !json_object_is_type(svcs, json_type_array))
		return -EINVAL;
	print_title(out, list, o->view);
	n = json_object_array_length(svcs);
	for (i = 0; i < n; i++)
		print_service(out, json_object_array_get_idx(svcs, i), o,
			      format_get_bool(list, "kernel"));
	return 0;
}

int format_timeout(FILE *out, struct json_object *list)
{
	struct json_object *t = format_get(format_get(list, "ipvs"), "timeout");

	if (!t)
		return -ENODATA;
	fprintf(out, "Timeout (tcp tcpfin udp): %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		format_get_u64(t, "tcp"), format_get_u64(t, "tcp_fin"), format_get_u64(t, "udp"));
	return 0;
}

int format_event(FILE *out, struct json_object *e)
{
	const char *kind = format_get_str(e, "event", NULL);
	static const char *const skip[] = { "event", "time" };

	if (!kind)
		return -EINVAL;
	/* the time and what it is first, the rest as key=value like vigild's log */
	fprintf(out, "%s %s", format_get_str(e, "time", "-"), kind);
	json_object_object_foreach (e, key, v) {
		size_t i;
		bool skipped = false;

		for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			skipped = skipped || !strcmp(key, skip[i]);
		if (!skipped)
			fprintf(out, " %s=%s", key, v ? json_object_get_string(v) : "-");
	}
	fputc('\n', out);
	return 0;
}
