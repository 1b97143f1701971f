// SPDX-License-Identifier: GPL-2.0-only
#include "format.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/* ipvsadm's widths: the service column, the destination address column */
#define SVC_WIDTH  33
#define DEST_WIDTH 28

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_str(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : dflt;
}

static uint64_t get_u64(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_uint64(v) : 0;
}

static bool get_bool(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

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

/* How addresses are written: as they are, or through the caller's resolver. */
struct names {
	format_name_fn fn;
	void *data;
};

static const char *named(const struct names *nm, const char *addr_port, const char *protocol,
			 char *buf, size_t size)
{
	return nm->fn && nm->fn(addr_port, protocol, buf, size, nm->data) == 0 ? buf : addr_port;
}

/* "TCP  10.96.0.1:80" or "FWM  256", as ipvsadm names a service. */
static void service_name(struct json_object *svc, const struct names *nm, char *buf, size_t size)
{
	char name[256];
	const char *proto = get_str(svc, "protocol", "?");
	char upper[16];
	size_t i;

	if (get(svc, "fwmark")) {
		snprintf(buf, size, "FWM  %" PRIu64 "%s", get_u64(svc, "fwmark"),
			 !strcmp(get_str(svc, "family", ""), "inet6") ? " IPv6" : "");
		return;
	}
	for (i = 0; proto[i] && i < sizeof(upper) - 1; i++)
		upper[i] = toupper((unsigned char)proto[i]);
	upper[i] = '\0';
	snprintf(buf, size, "%s  %s", upper,
		 named(nm, get_str(svc, "vip", "?"), proto, name, sizeof(name)));
}

/* ipvsadm's flags after the scheduler. */
static void service_flags(FILE *out, struct json_object *svc)
{
	bool v6 = !strcmp(get_str(svc, "family", ""), "inet6");

	if (get(svc, "persistent")) {
		uint64_t mask = get_u64(svc, "netmask");

		fprintf(out, " persistent %" PRIu64, get_u64(svc, "persistent"));
		if (v6 && mask != 128)
			fprintf(out, " mask %" PRIu64, mask);
		else if (!v6 && mask != 0xffffffffull)
			fprintf(out, " mask %u.%u.%u.%u", (unsigned int)(mask >> 24) & 0xff,
				(unsigned int)(mask >> 16) & 0xff, (unsigned int)(mask >> 8) & 0xff,
				(unsigned int)mask & 0xff);
		if (get(svc, "pe"))
			fprintf(out, " pe %s", get_str(svc, "pe", ""));
	}
	if (get_bool(svc, "ops"))
		fprintf(out, " ops");
}

static const char *forward_name(const char *fwd)
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

static void print_title(FILE *out, struct json_object *list, enum format_view view)
{
	struct json_object *ipvs = get(list, "ipvs");

	if (ipvs)
		fprintf(out, "IP Virtual Server version %s (size=%" PRIu64 ")\n",
			get_str(ipvs, "version", "?"), get_u64(ipvs, "size"));
	if (view == FORMAT_VIEW_DEFAULT) {
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
static void print_counters(FILE *out, struct json_object *stats, enum format_view view)
{
	static const char *const totals[] = { "conns", "inpkts", "outpkts", "inbytes", "outbytes" };
	static const char *const rates[] = { "cps", "inpps", "outpps", "inbps", "outbps" };
	char num[32];
	size_t i;

	for (i = 0; i < 5; i++) {
		if (!stats) {
			fprintf(out, "%9s", "-");
			continue;
		}
		format_count(num, sizeof(num),
			     get_u64(stats, view == FORMAT_VIEW_STATS ? totals[i] : rates[i]));
		fputs(num, out);
	}
}

static void print_dest(FILE *out, struct json_object *d, const char *protocol,
		       const struct names *nm, enum format_view view)
{
	bool in_kernel = get_bool(d, "in_kernel"), managed = get_bool(d, "managed");
	char name[256];
	const char *addr = named(nm, get_str(d, "address", "?"), protocol, name, sizeof(name));
	char weight[16] = "-", active[16] = "-", inactive[16] = "-";
	char cfgw[16] = "-", effw[16] = "-", score[16] = "-", quar[16] = "-";
	struct json_object *v;

	if (view != FORMAT_VIEW_DEFAULT) {
		fprintf(out, "  -> %-*s", DEST_WIDTH, addr);
		print_counters(out, in_kernel ? get(d, "stats") : NULL, view);
		if (managed)
			fprintf(out, " %s", get_str(d, "state", "?"));
		fputc('\n', out);
		return;
	}
	if (in_kernel) {
		snprintf(weight, sizeof(weight), "%" PRIu64, get_u64(d, "weight"));
		snprintf(active, sizeof(active), "%" PRIu64, get_u64(d, "active_conns"));
		snprintf(inactive, sizeof(inactive), "%" PRIu64, get_u64(d, "inactive_conns"));
	}
	if (managed) {
		snprintf(cfgw, sizeof(cfgw), "%" PRIu64, get_u64(d, "configured_weight"));
		v = get(d, "effective_weight");
		if (v)
			snprintf(effw, sizeof(effw), "%" PRIu64, json_object_get_uint64(v));
		v = get(d, "score");
		if (v)
			snprintf(score, sizeof(score), "%.2f", json_object_get_double(v));
		snprintf(quar, sizeof(quar), "%" PRIu64, get_u64(d, "quarantines"));
	}
	fprintf(out, "  -> %-*s %-7s %-6s %-10s %-10s %-11s %-6s %-6s %-5s %s\n", DEST_WIDTH, addr,
		in_kernel ? forward_name(get_str(d, "forward", "?")) : "-", weight, active,
		inactive, managed ? get_str(d, "state", "?") : "-", cfgw, effw, score, quar);
}

/* KNOWN: the list has the kernel's side, so a service missing from it is missing. */
static void print_service(FILE *out, struct json_object *svc, const struct names *nm,
			  enum format_view view, bool known)
{
	struct json_object *dests = get(svc, "destinations");
	bool in_kernel = get_bool(svc, "in_kernel");
	const char *name = get_str(svc, "name", NULL);
	char svc_name[320];
	size_t i, n;

	service_name(svc, nm, svc_name, sizeof(svc_name));
	if (view == FORMAT_VIEW_DEFAULT) {
		fprintf(out, "%s %s", svc_name, get_str(svc, "scheduler", "?"));
		service_flags(out, svc);
	} else {
		fprintf(out, "%-*s", SVC_WIDTH, svc_name);
		print_counters(out, in_kernel ? get(svc, "stats") : NULL, view);
	}
	/* vigil's own: its name, and whether the kernel has it yet */
	if (name)
		fprintf(out, " (%s%s%s)", name, in_kernel || !known ? "" : ", not in IPVS",
			get(svc, "enforce") && !get_bool(svc, "enforce")
			    ? ", dry run: quarantines not enforced"
			    : "");
	fputc('\n', out);
	n = dests ? json_object_array_length(dests) : 0;
	for (i = 0; i < n; i++)
		print_dest(out, json_object_array_get_idx(dests, i),
			   get_str(svc, "protocol", "tcp"), nm, view);
}

int format_list(FILE *out, struct json_object *list, enum format_view view)
{
	return format_list_named(out, list, view, NULL, NULL);
}

int format_list_named(FILE *out, struct json_object *list, enum format_view view,
		      format_name_fn name, void *data)
{
	struct json_object *svcs = get(list, "services");
	struct names nm = { name, data };
	size_t i, n;

	if (!svcs || !json_object_is_type(svcs, json_type_array))
		return -EINVAL;
	print_title(out, list, view);
	n = json_object_array_length(svcs);
	for (i = 0; i < n; i++)
		print_service(out, json_object_array_get_idx(svcs, i), &nm, view,
			      get_bool(list, "kernel"));
	return 0;
}

/* The longest dotted key under O. */
static size_t flat_width(struct json_object *o, size_t prefix_len)
{
	size_t width = 0;

	json_object_object_foreach (o, key, v) {
		size_t len = prefix_len + (prefix_len ? 1 : 0) + strlen(key), w;

		w = v && json_object_is_type(v, json_type_object) ? flat_width(v, len) : len;
		if (w > width)
			width = w;
	}
	return width;
}

/* Nested objects as dotted keys: probes.ringbuf_drops: 0 */
static void print_flat(FILE *out, struct json_object *o, const char *prefix, int width)
{
	json_object_object_foreach (o, key, v) {
		char name[128];

		if (!prefix && !strcmp(key, "ok"))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
			 key);
		if (v && json_object_is_type(v, json_type_object)) {
			print_flat(out, v, name, width);
			continue;
		}
		fprintf(out, "%s:%*s %s\n", name,
			(int)(strlen(name) < (size_t)width ? width - strlen(name) : 0), "",
			v ? json_object_get_string(v) : "-");
	}
}

int format_status(FILE *out, struct json_object *status)
{
	size_t width;

	if (!status || !json_object_is_type(status, json_type_object))
		return -EINVAL;
	/* one column for the values, however long the keys (degraded.*) */
	width = flat_width(status, 0);
	print_flat(out, status, NULL, width < 31 ? 31 : (int)width);
	return 0;
}

int format_event(FILE *out, struct json_object *e)
{
	const char *kind = get_str(e, "event", NULL);
	static const char *const skip[] = { "event", "time" };

	if (!kind)
		return -EINVAL;
	/* the time and what it is first, the rest as key=value like vigild's log */
	fprintf(out, "%s %s", get_str(e, "time", "-"), kind);
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
