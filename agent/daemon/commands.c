// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the control socket's requests do (the protocol is in
 * proto/control.md): list, status and events for anyone who can connect
 * (the socket's mode decides who can), quarantine, release and reload for
 * root only, checked against the peer's SO_PEERCRED uid.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "agent-internal.h"
#include "agent.h"
#include "clock.h"
#include "commands.h"
#include "degrade.h"
#include "watch.h"
#include "log.h"
#include "render-state.h"

/* The longest operator quarantine: beyond it, release is the tool. */
#define MAX_QUARANTINE_MS (365ull * 24 * 3600 * 1000)

static void reply(struct control_client *c, struct json_object *o)
{
	if (!o) {
		control_send_error(c, "out of memory");
		return;
	}
	control_send(c, o);
	json_object_put(o);
}

static const char *get_string(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void do_list(struct agent *a, struct control_client *c, struct json_object *req)
{
	struct ipvs_table *kernel = NULL;
	struct ipvs_timeouts timeouts;
	struct ipvs_info info;
	bool have_info, have_timeouts;
	struct json_object *o;
	int r;

	/* one dump, as a reconcile pass makes: a few ms, not worth a thread */
	have_info = ipvs_info(a->apply.ipvs, &info) == 0;
	/* for vigilctl list --timeout: the group may not ask the kernel itself */
	have_timeouts = ipvs_timeout_get(a->apply.ipvs, &timeouts) == 0;
	r = ipvs_dump(a->apply.ipvs, &kernel);
	if (r)
		log_warning("list: cannot read the IPVS table: %s", strerror(-r));
	o = render_list_runtime(a->rt, kernel, r, have_info ? &info : NULL,
				have_timeouts ? &timeouts : NULL, clock_now_ns());
	reply(c, o);
	ipvs_table_free(kernel);
}

static void do_status(struct agent *a, struct control_client *c, struct json_object *req)
{
	struct render_status st = {
		.version = VIGIL_VERSION,
		.config_path = a->config_path,
		.control_path = a->control ? control_path(a->control) : "",
		.started_real_ns = a->started_real_ns,
		.uptime_ns = clock_now_ns() - a->started_ns,
		.watching = a->probes != NULL,
		.evidence = a->dispatch.evidence_count,
		.decisions = a->dispatch.decision_count,
		.reconcile_real_ns = a->apply.stats.real_ns,
		.reconcile_why = a->apply.stats.why,
		.reconcile_ms = a->apply.stats.ms,
		.reconcile_ops = a->apply.stats.ops,
		.reconcile_failed = a->apply.stats.failed,
		.reconcile_skipped = a->apply.stats.skipped,
		.owned = a->apply.state.n_owned,
		.unclaimed = a->apply.unclaimed,
		.clients = control_n_clients(a->control),
		.subscribers = control_n_subscribers(a->control),
		.rt = a->rt,
	};
	char metrics[ADDR_PORT_STRLEN];
	struct degraded degraded;
	struct ipvs_info info;
	struct utsname uts;

	/* what is served, which after a failed reload is not what the config says */
	if (a->metrics &&
	    config_addr_format(metrics_address(a->metrics), metrics, sizeof(metrics)) >= 0)
		st.metrics = metrics;
	if (uname(&uts) == 0) {
		st.kernel = uts.release;
		st.machine = uts.machine;
	}
	if (ipvs_info(a->apply.ipvs, &info) == 0)
		st.ipvs_version = info.version;
	degrade_current(a, &degraded);
	st.degraded = &degraded;
	st.fallback_ms = a->fallback_ms;
	st.fallback_dests = a->fallback_dests;
	st.fallback_udp = a->fallback_udp;
	if (a->probes) {
		st.attached = probes_attached(a->probes);
		st.sockops = probes_sockops_attached(a->probes);
		st.have_counters = watch_get_counters(a, &st.counters) == 0;
	}
	if (a->detector) {
		st.have_detector = true;
		detector_get_stats(a->detector, &st.detector);
	}
	st.syn_rto = a->probes && !a->syn_rto_why;
	st.syn_rto_why = a->probes ? a->syn_rto_why : "connections are not watched";
	st.hz = a->hz;
	st.hz_source = a->hz_source[0] ? a->hz_source : NULL;
	if (a->resets.sr) {
		st.reset_mechanism = sockreset_mechanism_name(sockreset_mechanism(a->resets.sr));
		st.reset_why = sockreset_why(a->resets.sr);
	}
	st.resets = a->resets.count;
	st.resets_failed = a->resets.failed;
	st.reset_sweeps = a->resets.sweeps;
	st.reset_targets = a->resets.n_targets;
	reply(c, render_status(&st));
}

static void do_events(struct agent *a, struct control_client *c, struct json_object *req)
{
	struct json_object *o, *v;
	bool follow = false;

	if (json_object_object_get_ex(req, "follow", &v))
		follow = json_object_get_boolean(v);
	/* the ring's oldest is the slot written next */
	o = render_events(a->recent, COMMANDS_RECENT, a->recent_next, follow);
	/* a client told of a failure (out of memory) follows nothing */
	if (o && follow)
		control_subscribe(c);
	reply(c, o);
}

/* The fwmark service of "fwmark/10" (IPv4 or IPv6, whichever vigild has), or NULL. */
static struct runtime_service *find_fwmark(struct agent *a, const char *text, char *why,
					   size_t why_size)
{
	struct runtime_service *found = NULL;
	unsigned long mark;
	char *end;
	size_t i;

	errno = 0;
	mark = strtoul(text + strlen("fwmark/"), &end, 10);
	if (errno || *end || end == text + strlen("fwmark/") || !mark || mark > UINT32_MAX) {
		snprintf(why, why_size, "no service %s: a firewall mark is 1..4294967295", text);
		return NULL;
	}
	for (i = 0; i < a->rt->n_services; i++) {
		struct runtime_service *s = &a->rt->services[i];

		if (s->key.fwmark != mark)
			continue;
		if (found) {
			snprintf(why, why_size,
				 "service %s is ambiguous: IPv4 and IPv6 both have it; name the "
				 "service",
				 text);
			return NULL;
		}
		found = s;
	}
	if (!found)
		snprintf(why, why_size, "no service %s: vigild has no service of that mark", text);
	return found;
}

/*
 * The service by name, by VIP ("10.96.0.10:443", "tcp/10.96.0.10:443") or
 * by firewall mark ("fwmark/10").
 */
static struct runtime_service *find_service(struct agent *a, const char *text, char *why,
					    size_t why_size)
{
	struct runtime_service *found = NULL;
	struct config_addr vip;
	const char *addr = text;
	int protocol = 0;
	size_t i;

	for (i = 0; i < a->rt->n_services; i++)
		if (!strcmp(a->rt->services[i].cs->name, text))
			return &a->rt->services[i];
	if (!strncmp(text, "fwmark/", strlen("fwmark/")))
		return find_fwmark(a, text, why, why_size);
	if (!strncmp(text, "tcp/", 4) || !strncmp(text, "udp/", 4)) {
		protocol = text[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		addr = text + 4;
	}
	if (config_addr_parse(addr, &vip, NULL, 0) == 0) {
		for (i = 0; i < a->rt->n_services; i++) {
			struct runtime_service *s = &a->rt->services[i];

			if (s->cs->fwmark || memcmp(&s->cs->vip, &vip, sizeof(vip)) ||
			    (protocol && s->cs->protocol != protocol))
				continue;
			if (found) {
				snprintf(why, why_size,
					 "service %s is ambiguous: both tcp and udp; say tcp/%s or "
					 "udp/%s",
					 text, addr, addr);
				return NULL;
			}
			found = s;
		}
	}
	if (!found)
		snprintf(why, why_size,
			 "no service %s: neither a service name nor a VIP vigild has", text);
	return found;
}

/* The request's service and destination, or an error reply (and -1). */
static ssize_t find_target(struct agent *a, struct control_client *c, struct json_object *req,
			   struct runtime_service **ret)
{
	const char *svc = get_string(req, "service"), *dest = get_string(req, "dest");
	struct config_addr addr;
	char why[256];
	ssize_t j;

	if (!svc || !dest) {
		control_send_error(c, "malformed request: \"service\" and \"dest\" strings needed");
		return -1;
	}
	*ret = find_service(a, svc, why, sizeof(why));
	if (!*ret) {
		control_send_error(c, "%s", why);
		return -1;
	}
	if (config_addr_parse(dest, &addr, why, sizeof(why)) < 0) {
		control_send_error(c, "bad destination %s: %s", dest,
				   why[0] ? why : "not an address:port");
		return -1;
	}
	j = runtime_dest_index(*ret, &addr);
	if (j < 0)
		control_send_error(c, "service %s has no destination %s", (*ret)->cs->name, dest);
	return j;
}

/* A duration: a string as in the config ("5m"), or a number of seconds. */
static int get_duration(struct json_object *req, uint64_t *ret_ms, char *why, size_t why_size)
{
	struct json_object *v;
	int r;

	*ret_ms = 0;
	if (!json_object_object_get_ex(req, "for", &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t sec = json_object_get_int64(v);

		if (sec < 0 || (uint64_t)sec > MAX_QUARANTINE_MS / 1000)
			goto range;
		*ret_ms = sec * 1000;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, why_size, "\"for\" is not a duration");
		return -EINVAL;
	}
	r = config_duration_parse(json_object_get_string(v), ret_ms);
	if (r == -EINVAL) {
		snprintf(why, why_size, "bad duration \"%s\" (e.g. 30s, 5m, 1h)",
			 json_object_get_string(v));
		return r;
	}
	if (r || *ret_ms > MAX_QUARANTINE_MS)
		goto range;
	return 0;
range:
	snprintf(why, why_size, "duration out of range (at most 365d)");
	return -ERANGE;
}

static void do_quarantine(struct agent *a, struct control_client *c, struct json_object *req)
{
	struct runtime_service *s;
	struct policy_decision d;
	uint64_t for_ms;
	char why[256];
	ssize_t j;

	j = find_target(a, c, req, &s);
	if (j < 0)
		return;
	if (get_duration(req, &for_ms, why, sizeof(why)) < 0) {
		control_send_error(c, "%s", why);
		return;
	}
	if (policy_quarantine(&s->policy, j, clock_now_ns(), for_ms * 1000000ull, &d) != 1) {
		control_send_error(c, "cannot quarantine %s of service %s", get_string(req, "dest"),
				   s->cs->name);
		return;
	}
	log_notice("request command=quarantine service=%s real=%s uid=%u pid=%d", s->cs->name,
		   get_string(req, "dest"), (unsigned int)control_client_uid(c),
		   (int)control_client_pid(c));
	dispatch_decide(&a->dispatch, s, &d, NULL, 0, clock_now_ns());
	watch_rearm(a);
	reply(c, render_target(s, j, true, clock_now_ns()));
}

static void do_release(struct agent *a, struct control_client *c, struct json_object *req)
{
	struct runtime_service *s;
	struct policy_decision d;
	ssize_t j;
	int r;

	j = find_target(a, c, req, &s);
	if (j < 0)
		return;
	r = policy_release(&s->policy, j, clock_now_ns(), &d);
	if (r < 0) {
		control_send_error(c, "cannot release %s of service %s: %s",
				   get_string(req, "dest"), s->cs->name, strerror(-r));
		return;
	}
	if (r == 1) {
		log_notice("request command=release service=%s real=%s uid=%u pid=%d", s->cs->name,
			   get_string(req, "dest"), (unsigned int)control_client_uid(c),
			   (int)control_client_pid(c));
		dispatch_decide(&a->dispatch, s, &d, NULL, 0, clock_now_ns());
		watch_rearm(a);
	}
	reply(c, render_target(s, j, r == 1, clock_now_ns()));
}

static void do_reload(struct agent *a, struct control_client *c, struct json_object *req)
{
	char why[1024] = "";

	log_info("request command=reload uid=%u pid=%d", (unsigned int)control_client_uid(c),
		 (int)control_client_pid(c));
	if (agent_reload(a, why, sizeof(why)) < 0) {
		control_send_error(c, "reload rejected, the running configuration stays: %s", why);
		return;
	}
	reply(c, render_reload(a->config_path, a->rt->n_services));
}

static const struct command {
	const char *name;
	bool root; /* changes something */
	void (*fn)(struct agent *a, struct control_client *c, struct json_object *req);
} commands[] = {
	{ "list", false, do_list },      { "status", false, do_status },
	{ "events", false, do_events },  { "quarantine", true, do_quarantine },
	{ "release", true, do_release }, { "reload", true, do_reload },
};

static void on_request(struct control_client *c, struct json_object *req, void *data)
{
	const char *name = get_string(req, "command");
	struct agent *a = data;
	size_t i;

	if (!name) {
		control_send_error(c, "malformed request: no \"command\" string");
		return;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name))
			continue;
		if (commands[i].root && control_client_uid(c) != 0) {
			control_send_error(c, "%s is for root only (the client runs as uid %u)",
					   name, (unsigned int)control_client_uid(c));
			return;
		}
		commands[i].fn(a, c, req);
		return;
	}
	control_send_error(c,
			   "unknown command \"%s\" (expected list, status, events, quarantine, "
			   "release or reload)",
			   name);
}

static void publish(struct agent *a, struct json_object *e)
{
	if (!e) {
		log_error("cannot tell the control socket an event: %s", strerror(ENOMEM));
		return;
	}
	json_object_put(a->recent[a->recent_next]);
	a->recent[a->recent_next] = e;
	a->recent_next = (a->recent_next + 1) % COMMANDS_RECENT;
	control_publish(a->control, e);
}

void commands_evidence(void *data, const struct runtime_service *s, const struct evidence *ev)
{
	struct agent *a = data;

	publish(a, render_evidence(ev, s->cs->name, clock_mono_to_real_ns(), clock_now_ns()));
}

void commands_decision(void *data, const struct runtime_service *s, const struct policy_decision *d,
		       const struct evidence *cause)
{
	struct agent *a = data;

	publish(a, render_decision(d, s->cs->name, &s->cs->dests[d->dest].addr, cause,
				   clock_mono_to_real_ns()));
}

void commands_reset(void *data, const struct runtime_service *s, const struct sockreset_result *r,
		    const char *mechanism)
{
	struct agent *a = data;

	publish(a, render_reset(&r->flow, &r->real, r->stalled_ns, r->error, s->cs->name, mechanism,
				clock_now_ns(), clock_mono_to_real_ns()));
}

/* The control group's id; (gid_t)-1, said once, when the system has no such group. */
static gid_t control_gid(const char *group)
{
	struct group *g;

	errno = 0;
	g = getgrnam(group);
	if (g)
		return g->gr_gid;
	log_warning("control group %s: %s; only root may use the control socket", group,
		    errno ? strerror(errno) : "no such group");
	return (gid_t)-1;
}

int commands_start(struct agent *a)
{
	const char *path = a->config->agent.control_socket;
	gid_t gid = control_gid(a->config->agent.control_group);
	int r = control_open(a->loop, path, gid, on_request, a, &a->control);

	if (r == -EADDRINUSE) {
		log_error("another vigild answers on the control socket %s: one agent per host",
			  path);
		return r;
	}
	/* vigild still keeps IPVS right without it: say so and go on */
	if (r) {
		log_error("cannot open the control socket %s: %s (vigilctl cannot reach vigild)",
			  path, strerror(-r));
		a->control = NULL;
		return 0;
	}
	log_info("control socket=%s group=%s", path,
		 gid == (gid_t)-1 ? "root" : a->config->agent.control_group);
	return 0;
}

void commands_stop(struct agent *a)
{
	size_t i;

	control_close(a->control);
	a->control = NULL;
	for (i = 0; i < COMMANDS_RECENT; i++) {
		json_object_put(a->recent[i]);
		a->recent[i] = NULL;
	}
}
