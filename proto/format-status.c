// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigilctl status in words: one line per part of the agent, its numbers in
 * a sentence, what is degraded with what vigild does instead. A key this
 * vigilctl does not know (a newer vigild's) is still shown, as key: value,
 * so that nothing the agent says is lost on the way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "format-internal.h"
#include "format.h"

/* The label column: "Control socket:" and "  connection events:" fit. */
#define LABEL_WIDTH 22

static void line(FILE *out, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "LABEL:   text", or a continuation of the line before when LABEL is NULL. */
static void line(FILE *out, const char *label, const char *fmt, ...)
{
	char name[64];
	va_list ap;

	snprintf(name, sizeof(name), "%s%s", label ? label : "", label ? ":" : "");
	fprintf(out, "%-*s", LABEL_WIDTH, name);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static const char *str(struct json_object *o, const char *key)
{
	return format_get_str(o, key, "-");
}

static uint64_t num(struct json_object *o, const char *key)
{
	return format_get_u64(o, key);
}

/* "s" when N is not 1. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* 3725 -> "1h 2m 5s" */
static void duration(uint64_t s, char *buf, size_t size)
{
	static const struct {
		uint64_t secs;
		const char *unit;
	} units[] = { { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" } };
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && len < size; i++) {
		if (s < units[i].secs && !(units[i].secs == 1 && !len))
			continue;
		len += snprintf(buf + len, size - len, "%s%" PRIu64 "%s", len ? " " : "",
				s / units[i].secs, units[i].unit);
		s %= units[i].secs;
	}
}

/* Whether KEY is one of KNOWN (a NULL-terminated list). */
static bool known(const char *const *keys, const char *key)
{
	for (; *keys; keys++)
		if (!strcmp(*keys, key))
			return true;
	return false;
}

/* O's keys not in KNOWN, as "PREFIX.key: value" lines, nested objects flattened. */
static void rest(FILE *out, struct json_object *o, const char *prefix, const char *const *keys)
{
	static const char *const none[] = { NULL };

	if (!o || !json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach (o, key, v) {
		char name[128];

		if (known(keys, key))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
			 key);
		if (v && json_object_is_type(v, json_type_object))
			rest(out, v, name, none);
		else
			line(out, name, "%s", v ? json_object_get_string(v) : "-");
	}
}

static void agent(FILE *out, struct json_object *st)
{
	char up[64];

	duration(num(st, "uptime_s"), up, sizeof(up));
	line(out, "Agent", "vigild %s, up %s (since %s)", str(st, "version"), up,
	     str(st, "started"));
	line(out, "Kernel", "%s %s, IPVS %s", str(st, "kernel"), str(st, "machine"),
	     format_get(st, "ipvs_version") ? str(st, "ipvs_version") : "not loaded");
	line(out, "Config", "%s", str(st, "config"));
	line(out, "Metrics", "%s",
	     format_get(st, "metrics") ? str(st, "metrics") : "off (or could not be bound)");
}

static void control(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "clients", "followers", NULL };
	struct json_object *c = format_get(st, "control");
	uint64_t clients = num(c, "clients"), followers = num(c, "followers");

	line(out, "Control socket", "%s (%" PRIu64 " client%s, %" PRIu64 " following events)",
	     str(st, "socket"), clients, plural(clients), followers);
	rest(out, c, "control", keys);
}

static void services(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "services",
					    "owned",
					    "unclaimed",
					    "destinations",
					    "healthy",
					    "quarantined",
					    "probation",
					    "ramping",
					    "manual",
					    "fwmark",
					    "fwmark_shared_destinations",
					    NULL };
	struct json_object *s = format_get(st, "services");
	uint64_t n = num(s, "services"), d = num(s, "destinations");

	if (num(s, "unclaimed"))
		line(out, "Services",
		     "%" PRIu64 " configured, %" PRIu64 " owned in IPVS, %" PRIu64
		     " not created (their claim could not be written to the state file)",
		     n, num(s, "owned"), num(s, "unclaimed"));
	else
		line(out, "Services", "%" PRIu64 " configured, %" PRIu64 " owned in IPVS", n,
		     num(s, "owned"));
	line(out, "Destinations",
	     "%" PRIu64 ": %" PRIu64 " healthy, %" PRIu64 " quarantined (%" PRIu64
	     " by hand), %" PRIu64 " in probation, %" PRIu64 " ramping up",
	     d, num(s, "healthy"), num(s, "quarantined"), num(s, "manual"), num(s, "probation"),
	     num(s, "ramping"));
	/* what the probes cannot see of a fwmark service, only when there is one */
	if (num(s, "fwmark"))
		line(out, "Fwmark services",
		     "%" PRIu64 ", watched from IPVS's pick on, without a SYN RTO; %" PRIu64
		     " destination%s shared by two of them (judged in the first only)",
		     num(s, "fwmark"), num(s, "fwmark_shared_destinations"),
		     plural(num(s, "fwmark_shared_destinations")));
	rest(out, s, "services", keys);
}

/* One capability of degraded: its state and why, how it is attached, what instead. */
static void capability(FILE *out, const char *name, struct json_object *c)
{
	static const char *const keys[] = { "works",  "state",     "attached", "verified",
					    "silent", "fell_back", "missing",  "unused_because",
					    "why",    "instead",   NULL };
	const char *state = str(c, "state");
	const char *because = format_get_str(c, "unused_because", format_get_str(c, "why", NULL));
	const char *how = format_get_str(c, "attached", NULL);
	const char *seen = !format_get(c, "verified")       ? ""
			   : format_get_bool(c, "verified") ? ", seen working"
							    : ", not seen working yet";
	char label[64];
	size_t i;

	snprintf(label, sizeof(label), "  %s", name);
	for (i = 2; label[i]; i++)
		if (label[i] == '_')
			label[i] = ' ';
	/* "attached: kprobe/tcp_connect" says it all on one line */
	if (how && !because && !strcmp(state, "attached")) {
		line(out, label, "attached: %s%s", how, seen);
	} else {
		line(out, label, "%s%s%s", state, because ? ": " : "", because ? because : "");
		if (how)
			line(out, NULL, "attached: %s%s", how, seen);
	}
	if (format_get(c, "silent"))
		line(out, NULL, "silent: %s", str(c, "silent"));
	if (format_get(c, "fell_back"))
		line(out, NULL, "fell back: %s", str(c, "fell_back"));
	if (format_get(c, "missing"))
		line(out, NULL, "missing: %s", str(c, "missing"));
	if (format_get(c, "instead"))
		line(out, NULL, "instead: %s", str(c, "instead"));
	snprintf(label, sizeof(label), "degraded.%s", name);
	rest(out, c, label, keys);
}

static void degraded(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "active", NULL };
	struct json_object *d = format_get(st, "degraded");

	if (!d)
		return;
	line(out, "Degraded", "%s",
	     format_get_bool(d, "active") ? "yes: something is missing or silent" : "no");
	json_object_object_foreach (d, key, v) {
		if (!known(keys, key) && v && json_object_is_type(v, json_type_object))
			capability(out, key, v);
	}
}

static void probes(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "watching",    "attached",      "sockops",
					    "events",      "ringbuf_drops", "resyncs",
					    "flow_errors", "flows_missing", "health_errors",
					    "missed",      "bad_records",   NULL };
	struct json_object *p = format_get(st, "probes");

	if (!format_get_bool(p, "watching")) {
		line(out, "Probes", "not watching connections");
	} else {
		line(out, "Probes", "watching: %s; sockops %s", str(p, "attached"),
		     format_get_bool(p, "sockops") ? "attached" : "not attached");
		if (format_get(p, "events"))
			line(out, NULL,
			     "%" PRIu64 " events, %" PRIu64 " lost to a full ring buffer, %" PRIu64
			     " resyncs, %" PRIu64 " missed, %" PRIu64 " malformed",
			     num(p, "events"), num(p, "ringbuf_drops"), num(p, "resyncs"),
			     num(p, "missed"), num(p, "bad_records"));
		if (format_get(p, "flow_errors"))
			line(out, NULL,
			     "errors: %" PRIu64 " flow, %" PRIu64 " flows missing, %" PRIu64
			     " health",
			     num(p, "flow_errors"), num(p, "flows_missing"),
			     num(p, "health_errors"));
	}
	rest(out, p, "probes", keys);
}

static void detection(FILE *out, struct json_object *st)
{
	static const char *const keys[] = {
		"evidence",           "decisions",           "attempts", "rtt_dests",
		"attempts_forgotten", "rtt_dests_forgotten", NULL
	};
	struct json_object *d = format_get(st, "detection");
	uint64_t decisions = num(d, "decisions");

	line(out, "Detection", "%" PRIu64 " evidence, %" PRIu64 " decision%s", num(d, "evidence"),
	     decisions, plural(decisions));
	if (format_get(d, "attempts"))
		line(out, NULL,
		     "tracking %" PRIu64 " connection attempts (%" PRIu64 " forgotten) and the "
		     "RTTs of %" PRIu64 " destinations (%" PRIu64 " forgotten)",
		     num(d, "attempts"), num(d, "attempts_forgotten"), num(d, "rtt_dests"),
		     num(d, "rtt_dests_forgotten"));
	rest(out, d, "detection", keys);
}

static void syn_rto(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "in_force",   "why",        "hz", "hz_from",
					    "hz_unknown", "service_ms", NULL };
	struct json_object *s = format_get(st, "syn_rto"), *per = format_get(s, "service_ms");

	if (format_get_bool(s, "in_force"))
		line(out, "SYN RTO", "in force, HZ %" PRIu64 " (from %s)", num(s, "hz"),
		     str(s, "hz_from"));
	else
		line(out, "SYN RTO", "not in force: %s%s%s%s", str(s, "why"),
		     format_get(s, "hz_unknown") ? " (" : "",
		     format_get(s, "hz_unknown") ? str(s, "hz_unknown") : "",
		     format_get(s, "hz_unknown") ? ")" : "");
	if (per && json_object_is_type(per, json_type_object)) {
		json_object_object_foreach (per, name, v) {
			uint64_t ms = v ? json_object_get_uint64(v) : 0;

			if (ms)
				line(out, NULL, "%s: %" PRIu64 " ms", name, ms);
			else
				line(out, NULL, "%s: the kernel's own", name);
		}
	}
	rest(out, s, "syn_rto", keys);
}

static void last_reconcile(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "time",   "why",           "duration_ms", "ops",
					    "failed", "skipped_since", NULL };
	struct json_object *r = format_get(st, "last_reconcile");
	uint64_t ops = num(r, "ops"), skipped = num(r, "skipped_since");

	if (format_get(r, "time"))
		line(out, "Last reconcile",
		     "%s (%s): %" PRIu64 " change%s in %s ms, %" PRIu64 " failed; %" PRIu64
		     " pass%s skipped since",
		     str(r, "time"), str(r, "why"), ops, plural(ops), str(r, "duration_ms"),
		     num(r, "failed"), skipped, skipped == 1 ? "" : "es");
	else
		line(out, "Last reconcile", "none yet; %" PRIu64 " pass%s skipped", skipped,
		     skipped == 1 ? "" : "es");
	rest(out, r, "last_reconcile", keys);
}

static void resets(FILE *out, struct json_object *st)
{
	static const char *const keys[] = { "mechanism", "why",     "count", "failed",
					    "sweeps",    "targets", NULL };
	struct json_object *r = format_get(st, "resets");
	uint64_t count = num(r, "count"), targets = num(r, "targets");

	if (!r)
		return;
	if (!strcmp(str(r, "mechanism"), "none"))
		line(out, "Stalled sockets", "not reset: %s", str(r, "why"));
	else
		line(out, "Stalled sockets", "reset with %s%s%s%s", str(r, "mechanism"),
		     format_get(r, "why") ? " (" : "", format_get(r, "why") ? str(r, "why") : "",
		     format_get(r, "why") ? ")" : "");
	line(out, NULL,
	     "%" PRIu64 " socket%s reset, %" PRIu64 " failed, in %" PRIu64 " sweeps; %" PRIu64
	     " destination%s targeted now",
	     count, plural(count), num(r, "failed"), num(r, "sweeps"), targets, plural(targets));
	rest(out, r, "resets", keys);
}

int format_status(FILE *out, struct json_object *status)
{
	static const char *const keys[] = {
		"ok",       "version", "kernel",    "machine",  "config",
		"socket",   "metrics", "started",   "uptime_s", "ipvs_version",
		"degraded", "probes",  "detection", "syn_rto",  "last_reconcile",
		"services", "resets",  "control",   NULL,
	};

	if (!status || !json_object_is_type(status, json_type_object))
		return -EINVAL;
	agent(out, status);
	control(out, status);
	services(out, status);
	degraded(out, status);
	probes(out, status);
	detection(out, status);
	syn_rto(out, status);
	last_reconcile(out, status);
	resets(out, status);
	/* what a newer vigild says that this vigilctl has no words for */
	rest(out, status, NULL, keys);
	return 0;
}
