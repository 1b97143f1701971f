// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Fixtures live next to this file, in UNIT_DIR (not __FILE__: builds map it to a relative path). */
static const char *source_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", UNIT_DIR, rel);
	return buf;
}

static struct config *parse_ok_at(int line, const char *text)
{
	struct config_error err;
	struct config *c = NULL;
	char msg[1024] = "";
	int r;

	r = config_parse(text, strlen(text), "test.yaml", &c, &err);
	if (r < 0)
		config_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(r == 0, "%d: config_parse() = %d: %s", line, r, msg);
	ck_assert_ptr_nonnull(c);
	return c;
}
#define parse_ok(text) parse_ok_at(__LINE__, text)

static void expect_error_at(int line, const char *text, unsigned int eline, unsigned int ecol,
			    const char *needle)
{
	struct config_error err;
	struct config *c = (struct config *)1;
	char msg[1024];
	int r;

	r = config_parse(text, strlen(text), "test.yaml", &c, &err);
	config_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(r == -EINVAL, "%d: config_parse() = %d, expected -EINVAL (%s)", line, r, msg);
	ck_assert_msg(c == NULL, "%d: *ret not NULL on failure", line);
	ck_assert_str_eq(err.file, "test.yaml");
	ck_assert_msg(err.line == eline && err.column == ecol,
		      "%d: error at %u:%u, expected %u:%u: %s", line, err.line, err.column, eline,
		      ecol, msg);
	ck_assert_msg(strstr(err.message, needle), "%d: \"%s\" not in \"%s\"", line, needle,
		      err.message);
	ck_assert_msg(err.message[0] < 'A' || err.message[0] > 'Z',
		      "%d: message starts with a capital: %s", line, err.message);
}
#define expect_error(text, l, c, needle) expect_error_at(__LINE__, text, l, c, needle)

static void addr_is(const struct config_addr *a, int family, const char *host, unsigned int port)
{
	uint8_t want[16] = { 0 };

	ck_assert_int_eq(a->family, family);
	ck_assert_int_eq(inet_pton(family, host, want), 1);
	ck_assert_mem_eq(a->addr, want, sizeof(want));
	ck_assert_uint_eq(a->port, port);
}

static void policy_eq(const struct config_policy *a, const struct config_policy *b)
{
	ck_assert_str_eq(a->scheduler, b->scheduler);
	ck_assert_int_eq(a->forwarding, b->forwarding);
	ck_assert_uint_eq(a->weight, b->weight);
	ck_assert_uint_eq(a->persistence_ms, b->persistence_ms);
	ck_assert_int_eq(a->quarantine.action, b->quarantine.action);
	ck_assert_uint_eq(a->quarantine.base_ms, b->quarantine.base_ms);
	ck_assert_uint_eq(a->quarantine.max_ms, b->quarantine.max_ms);
	ck_assert_double_eq(a->quarantine.multiplier, b->quarantine.multiplier);
	ck_assert_double_eq(a->quarantine.jitter, b->quarantine.jitter);
	ck_assert_uint_eq(a->quarantine.max_ejected_percent, b->quarantine.max_ejected_percent);
	ck_assert_uint_eq(a->quarantine.syn_timeout_min_ms, b->quarantine.syn_timeout_min_ms);
	ck_assert_uint_eq(a->quarantine.syn_timeout_max_ms, b->quarantine.syn_timeout_max_ms);
	ck_assert_uint_eq(a->quarantine.syn_timeout_rtt_factor,
			  b->quarantine.syn_timeout_rtt_factor);
	ck_assert_int_eq(a->quarantine.syn_rto, b->quarantine.syn_rto);
	ck_assert_uint_eq(a->quarantine.syn_rto_min_ms, b->quarantine.syn_rto_min_ms);
	ck_assert_uint_eq(a->quarantine.syn_rto_max_ms, b->quarantine.syn_rto_max_ms);
	ck_assert_uint_eq(a->quarantine.failures, b->quarantine.failures);
	ck_assert_uint_eq(a->quarantine.window_ms, b->quarantine.window_ms);
	ck_assert_int_eq(a->quarantine.enforce, b->quarantine.enforce);
	ck_assert_uint_eq(a->quarantine.confirm_tries, b->quarantine.confirm_tries);
	ck_assert_uint_eq(a->quarantine.outlier_percent, b->quarantine.outlier_percent);
	ck_assert_uint_eq(a->quarantine.outlier_min_attempts, b->quarantine.outlier_min_attempts);
	ck_assert_int_eq(a->quarantine.reset_established, b->quarantine.reset_established);
	ck_assert_int_eq(a->probation.probe, b->probation.probe);
	ck_assert_str_eq(a->probation.dns_name, b->probation.dns_name);
	ck_assert_uint_eq(a->probation.udp_payload_len, b->probation.udp_payload_len);
	ck_assert_mem_eq(a->probation.udp_payload, b->probation.udp_payload,
			 a->probation.udp_payload_len);
	ck_assert_uint_eq(a->probation.interval_ms, b->probation.interval_ms);
	ck_assert_uint_eq(a->probation.timeout_ms, b->probation.timeout_ms);
	ck_assert_uint_eq(a->probation.successes, b->probation.successes);
	ck_assert_uint_eq(a->probation.warmup_ms, b->probation.warmup_ms);
	ck_assert_int_eq(a->health.enabled, b->health.enabled);
	ck_assert_uint_eq(a->health.interval_ms, b->health.interval_ms);
	ck_assert_double_eq(a->health.min_change, b->health.min_change);
	ck_assert_uint_eq(a->health.max_changes_per_minute, b->health.max_changes_per_minute);
	ck_assert_uint_eq(a->fallback.interval_ms, b->fallback.interval_ms);
	ck_assert_uint_eq(a->fallback.timeout_ms, b->fallback.timeout_ms);
	ck_assert_int_eq(a->udp.expect_reply, b->udp.expect_reply);
	ck_assert_uint_eq(a->udp.reply_timeout_min_ms, b->udp.reply_timeout_min_ms);
	ck_assert_uint_eq(a->udp.reply_timeout_max_ms, b->udp.reply_timeout_max_ms);
}

static void agent_eq(const struct config_agent *a, const struct config_agent *b)
{
	ck_assert_str_eq(a->interface, b->interface);
	ck_assert_str_eq(a->state_dir, b->state_dir);
	ck_assert_str_eq(a->control_socket, b->control_socket);
	ck_assert_str_eq(a->control_group, b->control_group);
	ck_assert_uint_eq(a->reconcile_interval_ms, b->reconcile_interval_ms);
	ck_assert_int_eq(a->sysctls, b->sysctls);
	ck_assert_uint_eq(a->max_flows, b->max_flows);
	ck_assert_uint_eq(a->ringbuf_size, b->ringbuf_size);
	ck_assert_mem_eq(&a->metrics, &b->metrics, sizeof(a->metrics));
}

/* The minimal config of DESIGN.md, byte for byte. */
static const char minimal[] = "services:\n"
			      "  - name: api\n"
			      "    vip: 10.96.0.10:443          # IPv6 as \"[fd00::10]:443\"\n"
			      "    protocol: tcp                # tcp | udp\n"
			      "    scheduler: wrr               # any IPVS scheduler\n"
			      "    destinations:\n"
			      "      - 192.168.1.10:8443\n"
			      "      - { address: 192.168.1.11:8443, weight: 200 }\n";

START_TEST(minimal_config)
{
	struct config *c = parse_ok(minimal);
	const struct config_service *s;
	struct config_policy want;
	struct config_agent agent;

	ck_assert_str_eq(c->source, "test.yaml");
	ck_assert_uint_eq(c->n_services, 1);
	s = &c->services[0];
	ck_assert_str_eq(s->name, "api");
	ck_assert_uint_eq(s->protocol, IPPROTO_TCP);
	addr_is(&s->vip, AF_INET, "10.96.0.10", 443);
	ck_assert_uint_eq(s->n_dests, 2);
	addr_is(&s->dests[0].addr, AF_INET, "192.168.1.10", 8443);
	ck_assert_uint_eq(s->dests[0].weight, 100);
	addr_is(&s->dests[1].addr, AF_INET, "192.168.1.11", 8443);
	ck_assert_uint_eq(s->dests[1].weight, 200);

	/* positions for the agent's later messages */
	ck_assert_uint_eq(s->mark.line, 2);
	ck_assert_uint_eq(s->mark.column, 5);
	ck_assert_uint_eq(s->name_mark.line, 2);
	ck_assert_uint_eq(s->name_mark.column, 11);
	ck_assert_uint_eq(s->vip_mark.line, 3);
	ck_assert_uint_eq(s->vip_mark.column, 10);
	ck_assert_uint_eq(s->dests[0].mark.line, 7);
	ck_assert_uint_eq(s->dests[0].mark.column, 9);
	ck_assert_uint_eq(s->dests[1].mark.line, 8);
	ck_assert_uint_eq(s->dests[1].mark.column, 9);

	/* everything else is the built-in default, probe and action resolved for TCP */
	config_defaults(&want);
	policy_eq(&c->defaults, &want);
	want.probation.probe = CONFIG_PROBE_TCP;
	want.quarantine.action = CONFIG_QUARANTINE_WEIGHT0;
	policy_eq(&s->policy, &want);
	config_agent_defaults(&agent);
	agent_eq(&c->agent, &agent);

	ck_assert_ptr_eq(config_find_service(c, "api"), s);
	ck_assert_ptr_null(config_find_service(c, "ap"));
	config_free(c);
}
END_TEST

START_TEST(builtin_defaults)
{
	struct config_policy p;
	struct config_agent a;

	config_defaults(&p);
	ck_assert_str_eq(p.scheduler, "wrr");
	ck_assert_int_eq(p.forwarding, CONFIG_FORWARD_MASQ);
	ck_assert_uint_eq(p.weight, 100);
	ck_assert_uint_eq(p.persistence_ms, 0);
	ck_assert_int_eq(p.quarantine.action, CONFIG_QUARANTINE_AUTO);
	ck_assert_uint_eq(p.quarantine.base_ms, 10000);
	ck_assert_double_eq(p.quarantine.multiplier, 2.0);
	ck_assert_uint_eq(p.quarantine.max_ms, 300000);
	ck_assert_double_eq(p.quarantine.jitter, 0.1);
	ck_assert_uint_eq(p.quarantine.max_ejected_percent, 50);
	ck_assert_uint_eq(p.quarantine.syn_timeout_min_ms, 200);
	ck_assert_uint_eq(p.quarantine.syn_timeout_max_ms, 900);
	ck_assert_uint_eq(p.quarantine.syn_timeout_rtt_factor, 4);
	ck_assert_int_eq(p.quarantine.syn_rto, CONFIG_SYN_RTO_AUTO);
	ck_assert_uint_eq(p.quarantine.syn_rto_min_ms, 300);
	ck_assert_uint_eq(p.quarantine.syn_rto_max_ms, 1000);
	ck_assert_uint_eq(p.quarantine.failures, 1);
	ck_assert_uint_eq(p.quarantine.window_ms, 10000);
	ck_assert_int_eq(p.quarantine.reset_established, CONFIG_RESET_STALLED);
	ck_assert_int_eq(p.probation.probe, CONFIG_PROBE_AUTO);
	ck_assert_str_eq(p.probation.dns_name, ".");
	ck_assert_uint_eq(p.probation.udp_payload_len, 0);
	ck_assert(p.udp.expect_reply);
	ck_assert_uint_eq(p.udp.reply_timeout_min_ms, 200);
	ck_assert_uint_eq(p.udp.reply_timeout_max_ms, 500);
	ck_assert_uint_eq(p.probation.interval_ms, 1000);
	ck_assert_uint_eq(p.probation.timeout_ms, 1000);
	ck_assert_uint_eq(p.probation.successes, 1);
	ck_assert_uint_eq(p.probation.warmup_ms, 30000);
	ck_assert(p.health.enabled);
	ck_assert_uint_eq(p.health.interval_ms, 5000);
	ck_assert_double_eq(p.health.min_change, 0.1);
	ck_assert_uint_eq(p.health.max_changes_per_minute, 6);
	ck_assert_uint_eq(p.fallback.interval_ms, 2000);
	ck_assert_uint_eq(p.fallback.timeout_ms, 1000);

	config_agent_defaults(&a);
	ck_assert_str_eq(a.interface, "vigil0");
	ck_assert_str_eq(a.state_dir, "/var/lib/vigil");
	ck_assert_str_eq(a.control_socket, "/run/vigil/vigil.sock");
	ck_assert_str_eq(a.control_group, "vigil");
	ck_assert_uint_eq(a.reconcile_interval_ms, 10000);
	ck_assert(a.sysctls);
	ck_assert_uint_eq(a.max_flows, 65536);
	ck_assert_uint_eq(a.ringbuf_size, 4u << 20);
	ck_assert_uint_eq(a.metrics.family, 0);
}
END_TEST

START_TEST(ipv6_service)
{
	struct config *c = parse_ok("services:\n"
				    "  - name: api6\n"
				    "    vip: \"[fd00::10]:443\"\n"
				    "    destinations:\n"
				    "      - \"[fd00::1]:8443\"\n"
				    "      - { address: \"[fd00::2]:8443\", weight: 7 }\n"
				    "      - \"[::ffff:10.0.0.1]:8443\"\n");
	const struct config_service *s = &c->services[0];
	char buf[64];

	addr_is(&s->vip, AF_INET6, "fd00::10", 443);
	ck_assert_uint_eq(s->n_dests, 3);
	addr_is(&s->dests[0].addr, AF_INET6, "fd00::1", 8443);
	ck_assert_uint_eq(s->dests[0].weight, 100);
	addr_is(&s->dests[1].addr, AF_INET6, "fd00::2", 8443);
	ck_assert_uint_eq(s->dests[1].weight, 7);
	addr_is(&s->dests[2].addr, AF_INET6, "::ffff:10.0.0.1", 8443);
	ck_assert_int_eq(config_addr_format(&s->vip, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "[fd00::10]:443");
	config_free(c);
}
END_TEST

START_TEST(defaults_and_partial_overrides)
{
	struct config *c =
	    parse_ok("defaults:\n"
		     "  scheduler: lc\n"
		     "  forwarding: route\n"
		     "  weight: 10\n"
		     "  persistence: 5m\n"
		     "  quarantine:\n"
		     "    action: remove\n"
		     "    base: 20s\n"
		     "    max: 10m\n"
		     "    jitter: 0.2\n"
		     "  probation:\n"
		     "    probe: none\n"
		     "  health:\n"
		     "    enabled: no\n"
		     "  fallback:\n"
		     "    interval: 5s\n"
		     "services:\n"
		     "  - name: a\n"
		     "    vip: 10.0.0.1:80\n"
		     "    destinations: [10.1.0.1:80]\n"
		     "  - name: b\n"
		     "    destinations: [10.1.0.2:80, {address: 10.1.0.3:80, weight: 30}]\n"
		     "    vip: 10.0.0.2:80\n"
		     "    weight: 20\n"
		     "    scheduler: mh\n"
		     "    forwarding: tunnel\n"
		     "    persistence: 0\n"
		     "    quarantine: {base: 5s}\n"
		     "    probation: {probe: tcp, warmup: 0s}\n"
		     "    health: {interval: 2s}\n"
		     "    fallback: {timeout: 3s}\n");
	const struct config_service *a = &c->services[0], *b = &c->services[1];

	/* `defaults:` as written: probe none, everything unset stays built in */
	ck_assert_str_eq(c->defaults.scheduler, "lc");
	ck_assert_int_eq(c->defaults.probation.probe, CONFIG_PROBE_NONE);
	ck_assert_double_eq(c->defaults.quarantine.multiplier, 2.0);

	ck_assert_str_eq(a->policy.scheduler, "lc");
	ck_assert_int_eq(a->policy.forwarding, CONFIG_FORWARD_ROUTE);
	ck_assert_uint_eq(a->policy.weight, 10);
	ck_assert_uint_eq(a->dests[0].weight, 10);
	ck_assert_uint_eq(a->policy.persistence_ms, 300000);
	ck_assert_int_eq(a->policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	ck_assert_uint_eq(a->policy.quarantine.base_ms, 20000);
	ck_assert_uint_eq(a->policy.quarantine.max_ms, 600000);
	ck_assert_double_eq(a->policy.quarantine.jitter, 0.2);
	ck_assert_int_eq(a->policy.probation.probe, CONFIG_PROBE_NONE);
	ck_assert(!a->policy.health.enabled);

	/* b overrides some keys; its weight applies although destinations come first */
	ck_assert_str_eq(b->policy.scheduler, "mh");
	ck_assert_int_eq(b->policy.forwarding, CONFIG_FORWARD_TUNNEL);
	ck_assert_uint_eq(b->policy.weight, 20);
	ck_assert_uint_eq(b->dests[0].weight, 20);
	ck_assert_uint_eq(b->dests[1].weight, 30);
	ck_assert_uint_eq(b->policy.persistence_ms, 0);
	ck_assert_uint_eq(b->policy.quarantine.base_ms, 5000);
	ck_assert_uint_eq(b->policy.quarantine.max_ms, 600000); /* from defaults */
	ck_assert_double_eq(b->policy.quarantine.jitter, 0.2);  /* from defaults */
	ck_assert_int_eq(b->policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	ck_assert_int_eq(b->policy.probation.probe, CONFIG_PROBE_TCP);
	ck_assert_uint_eq(b->policy.probation.warmup_ms, 0);
	ck_assert_uint_eq(b->policy.probation.interval_ms, 1000); /* built in */
	ck_assert_uint_eq(b->policy.health.interval_ms, 2000);
	ck_assert(!b->policy.health.enabled);
	ck_assert_uint_eq(a->policy.fallback.interval_ms, 5000);
	ck_assert_uint_eq(a->policy.fallback.timeout_ms, 1000);
	ck_assert_uint_eq(b->policy.fallback.interval_ms, 5000); /* from defaults */
	ck_assert_uint_eq(b->policy.fallback.timeout_ms, 3000);
	config_free(c);
}
END_TEST

START_TEST(probe_default_follows_protocol)
{
	struct config *c = parse_ok("services:\n"
				    "  - name: web\n"
				    "    vip: 10.0.0.1:53\n"
				    "    destinations: [10.1.0.1:53]\n"
				    "  - name: dns\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.1:53\n"
				    "    destinations: [10.1.0.1:53]\n"
				    "  - name: dns-tcp-probe\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.2:53\n"
				    "    probation: {probe: tcp}\n"
				    "    destinations: [10.1.0.1:53]\n"
				    "  - name: syslog\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.3:514\n"
				    "    destinations: [10.1.0.1:514]\n"
				    "  - name: dns-kept\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.4:53\n"
				    "    quarantine: {action: weight0}\n"
				    "    destinations: [10.1.0.1:53]\n");
	const struct config_service *s = c->services;

	/* the same VIP with another protocol is another service */
	ck_assert_int_eq(c->defaults.probation.probe, CONFIG_PROBE_AUTO);
	ck_assert_int_eq(c->defaults.quarantine.action, CONFIG_QUARANTINE_AUTO);
	ck_assert_uint_eq(s[0].protocol, IPPROTO_TCP);
	ck_assert_int_eq(s[0].policy.probation.probe, CONFIG_PROBE_TCP);
	ck_assert_int_eq(s[0].policy.quarantine.action, CONFIG_QUARANTINE_WEIGHT0);
	/* UDP on port 53 speaks DNS; weight 0 would not move its clients */
	ck_assert_uint_eq(s[1].protocol, IPPROTO_UDP);
	ck_assert_int_eq(s[1].policy.probation.probe, CONFIG_PROBE_DNS);
	ck_assert_int_eq(s[1].policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	ck_assert_int_eq(s[2].policy.probation.probe, CONFIG_PROBE_TCP);
	ck_assert_int_eq(s[2].policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	/* other UDP services: no probe unless told how */
	ck_assert_int_eq(s[3].policy.probation.probe, CONFIG_PROBE_NONE);
	ck_assert_int_eq(s[3].policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	/* an explicit action stays */
	ck_assert_int_eq(s[4].policy.probation.probe, CONFIG_PROBE_DNS);
	ck_assert_int_eq(s[4].policy.quarantine.action, CONFIG_QUARANTINE_WEIGHT0);
	config_free(c);
}
END_TEST

/* The keys of UDP services: their values, inheritance and edges. */
START_TEST(udp_keys)
{
	struct config *c = parse_ok("defaults:\n"
				    "  udp: {reply_timeout_min: 10ms, reply_timeout_max: 999ms}\n"
				    "  probation: {dns_name: example.com.}\n"
				    "services:\n"
				    "  - name: web\n" /* the defaults' udp block is for UDP only */
				    "    vip: 10.0.0.1:80\n"
				    "    destinations: [10.1.0.1:80]\n"
				    "  - name: dns\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.1:53\n"
				    "    quarantine: {action: auto}\n"
				    "    udp: {expect_reply: false, reply_timeout_max: 300ms}\n"
				    "    probation: {probe: dns, dns_name: .}\n"
				    "    destinations: [10.1.0.1:53]\n"
				    "  - name: game\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.1:7777\n"
				    "    probation: {probe: udp, udp_payload: \"ping\\r\\n\"}\n"
				    "    destinations: [10.1.0.1:7777]\n"
				    "  - name: ntp\n"
				    "    protocol: udp\n"
				    "    vip: 10.0.0.1:123\n"
				    "    probation: {probe: udp, udp_payload: \"\"}\n"
				    "    destinations: [10.1.0.1:123]\n");
	const struct config_service *s = c->services;

	ck_assert_uint_eq(c->defaults.udp.reply_timeout_min_ms, 10);
	ck_assert_uint_eq(c->defaults.udp.reply_timeout_max_ms, 999);
	ck_assert_str_eq(c->defaults.probation.dns_name, "example.com.");
	ck_assert_uint_eq(s[0].policy.udp.reply_timeout_max_ms, 999);
	ck_assert(!s[1].policy.udp.expect_reply);
	ck_assert_uint_eq(s[1].policy.udp.reply_timeout_min_ms, 10); /* from defaults */
	ck_assert_uint_eq(s[1].policy.udp.reply_timeout_max_ms, 300);
	ck_assert_int_eq(s[1].policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	ck_assert_int_eq(s[1].policy.probation.probe, CONFIG_PROBE_DNS);
	ck_assert_str_eq(s[1].policy.probation.dns_name, ".");
	ck_assert_int_eq(s[2].policy.probation.probe, CONFIG_PROBE_UDP);
	ck_assert_str_eq(s[2].policy.probation.dns_name, "example.com.");
	ck_assert_uint_eq(s[2].policy.probation.udp_payload_len, 6);
	ck_assert_mem_eq(s[2].policy.probation.udp_payload, "ping\r\n", 6);
	ck_assert_uint_eq(s[3].policy.probation.udp_payload_len, 0);
	config_free(c);
}
END_TEST

/* A name or payload at its limit is accepted, one byte over is refused. */
START_TEST(udp_key_limits)
{
	char label[70], name[300], payload[600], text[1200];
	struct config *c;

	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(text, sizeof(text), "defaults: {probation: {dns_name: %s.com}}\nservices: []\n",
		 label);
	expect_error(text, 1, 34, "(a label of 64 characters, at most 63)");
	label[63] = '\0';
	snprintf(text, sizeof(text), "defaults: {probation: {dns_name: %s.com}}\nservices: []\n",
		 label);
	c = parse_ok(text);
	config_free(c);

	/* 3 labels of 63 and one of 61: 253 characters, 254 with the final dot */
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label, label);
	ck_assert_uint_eq(strlen(name), 253);
	snprintf(text, sizeof(text), "defaults: {probation: {dns_name: %s.}}\nservices: []\n",
		 name);
	c = parse_ok(text);
	ck_assert_uint_eq(strlen(c->defaults.probation.dns_name), 254);
	ck_assert_mem_eq(c->defaults.probation.dns_name, name, 253);
	config_free(c);
	snprintf(text, sizeof(text), "defaults: {probation: {dns_name: %s.%s}}\nservices: []\n",
		 "x", name);
	expect_error(text, 1, 34, "probation.dns_name is too long (255 characters, at most 253)");

	memset(payload, 'p', 513);
	payload[512] = '\0';
	snprintf(text, sizeof(text), "defaults: {probation: {udp_payload: %s}}\nservices: []\n",
		 payload);
	c = parse_ok(text);
	ck_assert_uint_eq(c->defaults.probation.udp_payload_len, 512);
	config_free(c);
	payload[512] = 'p';
	payload[513] = '\0';
	snprintf(text, sizeof(text), "defaults: {probation: {udp_payload: %s}}\nservices: []\n",
		 payload);
	expect_error(text, 1, 37, "probation.udp_payload is too long (513 bytes, at most 512)");
}
END_TEST

START_TEST(agent_section)
{
	struct config *c = parse_ok("agent:\n"
				    "  interface: lb-0.x\n"
				    "  state_dir: /srv/vigil\n"
				    "  control_socket: /tmp/v.sock\n"
				    "  control_group: adm\n"
				    "  reconcile_interval: 1500ms\n"
				    "  sysctls: off\n"
				    "  max_flows: 1024\n"
				    "  ringbuf_size: 65536\n"
				    "  metrics: \"[::1]:9712\"\n"
				    "services: []\n");

	ck_assert_str_eq(c->agent.interface, "lb-0.x");
	ck_assert_str_eq(c->agent.state_dir, "/srv/vigil");
	ck_assert_str_eq(c->agent.control_socket, "/tmp/v.sock");
	ck_assert_str_eq(c->agent.control_group, "adm");
	ck_assert_uint_eq(c->agent.reconcile_interval_ms, 1500);
	ck_assert(!c->agent.sysctls);
	ck_assert_uint_eq(c->agent.max_flows, 1024);
	ck_assert_uint_eq(c->agent.ringbuf_size, 65536);
	addr_is(&c->agent.metrics, AF_INET6, "::1", 9712);
	/* services: [], the agent manages nothing */
	ck_assert_uint_eq(c->n_services, 0);
	ck_assert_ptr_null(c->services);
	config_free(c);

	c = parse_ok("agent: {metrics: 0.0.0.0:9712, ringbuf_size: 256MiB, max_flows: 4194304}\n"
		     "services: []\n");
	addr_is(&c->agent.metrics, AF_INET, "0.0.0.0", 9712);
	ck_assert_uint_eq(c->agent.ringbuf_size, 256u << 20);
	ck_assert_uint_eq(c->agent.max_flows, 4194304);
	ck_assert_uint_eq(c->n_services, 0);
	config_free(c);
}
END_TEST

/* Values at the edges of their ranges, and YAML spellings, are accepted. */
START_TEST(accepted_edges)
{
	struct config *c = parse_ok(
	    "defaults:\n"
	    "  weight: \"0\"\n" /* quoting does not change how a value reads */
	    "  persistence: 31d\n"
	    "  quarantine:\n"
	    "    multiplier: 10.0\n"
	    "    jitter: 50%\n"
	    "    max_ejected_percent: 0\n"
	    "    syn_timeout_min: 999ms\n"
	    "    syn_timeout_max: 999ms\n"
	    "    syn_timeout_rtt_factor: 100\n"
	    "    syn_rto: off\n"
	    "    syn_rto_min: 1s\n"
	    "    syn_rto_max: 1s\n"
	    "    failures: 1000\n"
	    "    base: 1h\n"
	    "    max: 1d\n"
	    "    window: 1s\n"
	    "    reset_established: none\n"
	    "  probation: {successes: 100, interval: 100ms, timeout: 1m, warmup: 1h}\n"
	    "  health: {enabled: Yes, min_change: 1, max_changes_per_minute: 60}\n"
	    "services:\n"
	    "  - name: abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.\n"
	    "    vip: \"[fd00::10]:65535\"\n"
	    "    forwarding: tunnel\n"
	    "    destinations:\n"
	    "      - 10.0.0.1:1\n" /* another family: fine with tunnel */
	    "      - {weight: 65535, address: \"[fd00::1]:1\"}\n"
	    "  - name: _-.\n"
	    "    vip: 10.0.0.1:1\n"
	    "    quarantine: {syn_rto: auto, syn_rto_min: 100ms, syn_rto_max: 100ms,\n"
	    "                 reset_established: stalled}\n"
	    "    destinations: [10.0.0.1:1]\n"); /* the same real server in another service */
	const struct config_service *s = &c->services[0];

	ck_assert_uint_eq(c->defaults.weight, 0);
	ck_assert_uint_eq(c->defaults.persistence_ms, 31ull * 86400 * 1000);
	ck_assert_double_eq(c->defaults.quarantine.multiplier, 10.0);
	ck_assert_double_eq(c->defaults.quarantine.jitter, 0.5);
	ck_assert_uint_eq(c->defaults.quarantine.syn_timeout_max_ms, 999);
	ck_assert_int_eq(c->defaults.quarantine.syn_rto, CONFIG_SYN_RTO_OFF);
	ck_assert_uint_eq(c->defaults.quarantine.syn_rto_min_ms, 1000);
	ck_assert_int_eq(c->services[1].policy.quarantine.syn_rto, CONFIG_SYN_RTO_AUTO);
	ck_assert_uint_eq(c->services[1].policy.quarantine.syn_rto_max_ms, 100);
	ck_assert_int_eq(c->defaults.quarantine.reset_established, CONFIG_RESET_NONE);
	ck_assert_int_eq(s->policy.quarantine.reset_established, CONFIG_RESET_NONE);
	ck_assert_int_eq(c->services[1].policy.quarantine.reset_established, CONFIG_RESET_STALLED);
	ck_assert_uint_eq(c->defaults.quarantine.max_ms, 86400000);
	ck_assert(c->defaults.health.enabled);
	ck_assert_double_eq(c->defaults.health.min_change, 1.0);
	ck_assert_uint_eq(strlen(s->name), 63);
	ck_assert_uint_eq(s->dests[0].weight, 0);
	ck_assert_uint_eq(s->dests[1].weight, 65535);
	ck_assert_uint_eq(s->vip.port, 65535);
	config_free(c);
}
END_TEST

/* Compound and fractional durations, and percentages with or without their sign. */
START_TEST(written_forms)
{
	struct config *c =
	    parse_ok("defaults:\n"
		     "  persistence: 1h30m\n"
		     "  quarantine:\n"
		     "    base: 1m30s\n"
		     "    max: 1.5h\n"
		     "    syn_timeout_min: 0.25s\n"
		     "    syn_timeout_max: 0.9\n" /* a number alone: seconds */
		     "    window: 2m0.5s\n"
		     "    jitter: 0.1\n"
		     "    max_ejected_percent: 50%\n"
		     "    outlier_percent: \"25%\"\n"
		     "  probation: {interval: 1.5s, warmup: 1m500ms}\n"
		     "  health: {min_change: 5%}\n"
		     "services:\n"
		     "  - name: a\n"
		     "    vip: \"[fd00::10]:443\"\n"
		     "    quarantine: {max_ejected_percent: 100, outlier_percent: 0%}\n"
		     "    destinations: [\"[fd00::1]:443\"]\n");
	const struct config_quarantine *q = &c->defaults.quarantine;

	ck_assert_uint_eq(c->defaults.persistence_ms, 5400000);
	ck_assert_uint_eq(q->base_ms, 90000);
	ck_assert_uint_eq(q->max_ms, 5400000);
	ck_assert_uint_eq(q->syn_timeout_min_ms, 250);
	ck_assert_uint_eq(q->syn_timeout_max_ms, 900);
	ck_assert_uint_eq(q->window_ms, 120500);
	ck_assert_double_eq(q->jitter, 0.1);
	ck_assert_uint_eq(q->max_ejected_percent, 50);
	ck_assert_uint_eq(q->outlier_percent, 25);
	ck_assert_uint_eq(c->defaults.probation.interval_ms, 1500);
	ck_assert_uint_eq(c->defaults.probation.warmup_ms, 60500);
	ck_assert_double_eq(c->defaults.health.min_change, 0.05);
	ck_assert_uint_eq(c->services[0].policy.quarantine.max_ejected_percent, 100);
	ck_assert_uint_eq(c->services[0].policy.quarantine.outlier_percent, 0);
	ck_assert_uint_eq(c->services[0].policy.quarantine.base_ms, 90000); /* inherited */
	config_free(c);
}
END_TEST

/* The hint about unquoted IPv6 comes only when the line has one outside quotes and comments. */
START_TEST(ipv6_hint_only_when_it_fits)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "services:\n  - name: a\n    vip: \"[fd00::1]:80\" x: 1\n",
		  "syntax error: did not find expected key (while parsing a block mapping at "
		  "2:5)" },
		{ "services:\n  - name: a\n    vip: '[fd00::1]:80' x: 1\n",
		  "syntax error: did not find expected key (while parsing a block mapping at "
		  "2:5)" },
		{ "a: [1, 2]: 3  # [fd00::1]:80\n",
		  "syntax error: mapping values are not allowed in this context" },
		{ "a: [1:2]: 3\n", "syntax error: mapping values are not allowed in this context" },
		{ "a: [ab:cd:ef]: 3\n", /* hex and colons, but not an IPv6 address */
		  "syntax error: mapping values are not allowed in this context" },
		{ "a: [fd00::1]: 3 [fd00::2]:80\n",
		  "syntax error: mapping values are not allowed in this context (an IPv6 address "
		  "with a port must be quoted: \"[fd00::1]:PORT\")" },
	};
	struct config_error err;
	struct config *c;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(
		    config_parse(cases[i].text, strlen(cases[i].text), "test.yaml", &c, &err),
		    -EINVAL);
		ck_assert_str_eq(err.message, cases[i].message);
	}
}
END_TEST

START_TEST(duration_syntax)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} good[] = {
		{ "0", 0 },
		{ "10", 10000 },
		{ "500ms", 500 },
		{ "0ms", 0 },
		{ "10s", 10000 },
		{ "5m", 300000 },
		{ "1h", 3600000 },
		{ "1d", 86400000 },
		{ "1000ms", 1000 },
		{ "31d", 2678400000 },
		/* compound: units from largest to smallest, each at most once */
		{ "1m30s", 90000 },
		{ "1h30m", 5400000 },
		{ "1d12h", 129600000 },
		{ "1s500ms", 1500 },
		{ "1d1h1m1s1ms", 90061001 },
		{ "0m30s", 30000 },
		{ "90s", 90000 }, /* no carry needed */
		/* fractional, as long as the whole is a number of milliseconds */
		{ "1.5s", 1500 },
		{ "0.25s", 250 },
		{ "1.5m", 90000 },
		{ "2m0.5s", 120500 },
		{ "0.001s", 1 },
		{ "1.250s", 1250 },
		{ "0.5d", 43200000 },
		{ "0.000390625d", 33750 }, /* ten decimals, exact in a day */
		{ "1.00000000000000000000s", 1000 },
		{ "0.0s", 0 },
		/* a number alone is seconds, decimals included */
		{ "1.5", 1500 },
		{ "0.1", 100 },
		/* the largest: 2^64 - 1 ms, written three ways */
		{ "18446744073709551615ms", UINT64_MAX },
		{ "18446744073709551.615s", UINT64_MAX },
		{ "213503982334d14h25m51.615s", UINT64_MAX },
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "expected a duration such as 500ms, 10s, 1.5m, 1h30m or 1d" },
		{ "s", "expected a duration such as" },
		{ "ms", "expected a duration such as" },
		{ "d", "expected a duration such as" },
		{ "-1s", "expected a duration such as" },
		{ "+1s", "expected a duration such as" },
		{ "10 s", "expected a duration such as" },
		{ " 10s", "expected a duration such as" },
		{ "10s ", "expected a duration such as" },
		{ "1m 30s", "expected a duration such as" },
		{ ".5s", "expected a duration such as" },
		{ "1.s", "expected a duration such as" },
		{ "1.5.5s", "expected a duration such as" },
		{ "1,5s", "expected a duration such as" },
		{ "010s", "a number cannot have a leading zero" },
		{ "1h05m", "a number cannot have a leading zero" },
		{ "10x", "unknown unit \"x\" (expected d, h, m, s or ms)" },
		{ "10S", "unknown unit \"S\"" },
		{ "10sec", "unknown unit \"sec\"" },
		{ "10mss", "unknown unit \"mss\"" },
		{ "1e3", "unknown unit \"e\"" },
		{ "0x10", "unknown unit \"x\"" },
		{ "1m30", "\"30\" has no unit (d, h, m, s or ms; only a number on its own means "
			  "seconds)" },
		{ "10ms5", "\"5\" has no unit" },
		{ "30s1m", "units go from largest to smallest, each at most once: d, h, m, s, ms" },
		{ "1s1s", "units go from largest to smallest, each at most once" },
		{ "1ms1s", "units go from largest to smallest" },
		{ "1h1d", "units go from largest to smallest" },
		{ "1.0005s", "finer than a millisecond" },
		{ "1.5ms", "finer than a millisecond" },
		{ "0.0001", "finer than a millisecond" },
		{ "1m0.0005s", "finer than a millisecond" },
		{ "0.00000000001d", "finer than a millisecond" },
		{ "18446744073709551615.5ms", "finer than a millisecond" },
	};
	char why[128];
	uint64_t ms;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(config_duration_parse(good[i].text, &ms) == 0, "%s", good[i].text);
		ck_assert_msg(ms == good[i].ms, "%s: %llu, expected %llu", good[i].text,
			      (unsigned long long)ms, (unsigned long long)good[i].ms);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		ck_assert_msg(config_duration_parse(bad[i].text, &ms) == -EINVAL, "\"%s\"",
			      bad[i].text);
		ck_assert_int_eq(config_duration_parse_why(bad[i].text, &ms, why, sizeof(why)),
				 -EINVAL);
		ck_assert_msg(strstr(why, bad[i].why), "\"%s\": \"%s\" not in \"%s\"", bad[i].text,
			      bad[i].why, why);
	}
	/* too large for 64 bits of milliseconds: -ERANGE, in any part or in the sum */
	ck_assert_int_eq(config_duration_parse("18446744073709551615", &ms), -ERANGE);
	ck_assert_int_eq(config_duration_parse("18446744073709551616ms", &ms), -ERANGE);
	ck_assert_int_eq(config_duration_parse("213503982335d", &ms), -ERANGE);
	ck_assert_int_eq(config_duration_parse("18446744073709551.616s", &ms), -ERANGE);
	ck_assert_int_eq(config_duration_parse("213503982334d15h", &ms), -ERANGE);
	ck_assert_int_eq(config_duration_parse("213503982334d14h25m51s616ms", &ms), -ERANGE);
	ck_assert_int_eq(config_duration_parse_why("99999999999999999999s", &ms, why, sizeof(why)),
			 -ERANGE);
}
END_TEST

/* Compound, largest unit first, seconds with decimals; and it reads back. */
START_TEST(duration_format)
{
	static const struct {
		uint64_t ms;
		const char *text;
	} cases[] = {
		{ 0, "0s" },
		{ 1, "1ms" },
		{ 500, "500ms" },
		{ 999, "999ms" },
		{ 1000, "1s" },
		{ 1500, "1.5s" },
		{ 1250, "1.25s" },
		{ 1001, "1.001s" },
		{ 59999, "59.999s" },
		{ 60000, "1m" },
		{ 60500, "1m500ms" },
		{ 90000, "1m30s" },
		{ 90500, "1m30.5s" },
		{ 300000, "5m" },
		{ 3600000, "1h" },
		{ 5400000, "1h30m" },
		{ 7200000, "2h" },
		{ 86400000, "1d" },
		{ 90061001, "1d1h1m1.001s" },
		{ 2678400000, "31d" },
		{ UINT64_MAX, "213503982334d14h25m51.615s" },
	};
	static const uint64_t round_trip[] = {
		7, 10, 100, 1010, 12345, 61000, 3599999, 3600001, 86399999, 86400001, 123456789012,
	};
	char buf[64];
	uint64_t ms;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(config_duration_format(cases[i].ms, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, cases[i].text);
		ck_assert_int_eq(config_duration_parse(buf, &ms), 0);
		ck_assert_uint_eq(ms, cases[i].ms);
	}
	for (size_t i = 0; i < ARRAY_SIZE(round_trip); i++) {
		ck_assert_int_eq(config_duration_format(round_trip[i], buf, sizeof(buf)), 0);
		ck_assert_msg(config_duration_parse(buf, &ms) == 0 && ms == round_trip[i],
			      "%llu -> %s", (unsigned long long)round_trip[i], buf);
	}
	ck_assert_int_eq(config_duration_format(86400000, buf, 2), -ENOSPC);
	ck_assert_int_eq(config_duration_format(90000, buf, 4), -ENOSPC);
	ck_assert_uint_lt(strlen(buf), 4); /* still a string */
	ck_assert_int_eq(config_duration_format(90000, buf, 6), 0);
	ck_assert_str_eq(buf, "1m30s");
}
END_TEST

START_TEST(size_syntax)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} good[] = {
		{ "0", 0 },           { "65536", 65536 },   { "64KiB", 65536 },
		{ "4MiB", 4u << 20 }, { "1GiB", 1u << 30 },
	};
	static const char *const bad[] = { "",     "4MB",    "4M",    "4mib", "4 MiB", "-1",
					   "0x10", "1.5MiB", "04MiB", "MiB",  "4KiBs" };
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(config_size_parse(good[i].text, &v) == 0, "%s", good[i].text);
		ck_assert_uint_eq(v, good[i].bytes);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(config_size_parse(bad[i], &v) == -EINVAL, "\"%s\"", bad[i]);
	ck_assert_int_eq(config_size_parse("17179869184GiB", &v), -ERANGE);
}
END_TEST

START_TEST(percent_syntax)
{
	static const struct {
		const char *text;
		double v;
	} good[] = {
		{ "10%", 0.1 }, { "0.1", 0.1 },    { "12.5%", 0.125 }, { "0", 0 },
		{ "0%", 0 },    { "100%", 1.0 },   { "1", 1.0 },       { "0.05", 0.05 },
		{ "50%", 0.5 }, { "0.5%", 0.005 }, { "150%", 1.5 },
	};
	static const char *const bad[] = { "",    "%",    "10%%", ".1",
					   "1.",  "1e-1", "-10%", "10 %",
					   "0x1", "ten%", "01%",  "1.2.3",
					   "%10", "0.1.", "10%5", "1234567890123456%" };
	double v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(config_fraction_parse(good[i].text, &v) == 0, "%s", good[i].text);
		ck_assert_double_eq(v, good[i].v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(config_fraction_parse(bad[i], &v) == -EINVAL, "\"%s\"", bad[i]);
}
END_TEST

START_TEST(address_syntax)
{
	static const struct {
		const char *text;
		int family;
		const char *host;
		unsigned int port;
	} good[] = {
		{ "10.0.0.1:80", AF_INET, "10.0.0.1", 80 },
		{ "255.255.255.255:65535", AF_INET, "255.255.255.255", 65535 },
		{ "[fd00::1]:1", AF_INET6, "fd00::1", 1 },
		{ "[::1]:443", AF_INET6, "::1", 443 },
		{ "[2001:db8:0:0:0:0:0:1]:443", AF_INET6, "2001:db8::1", 443 },
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "10.0.0.1", "missing port (expected 10.0.0.1:PORT)" },
		{ "10.0.0.1:", "bad port \"\"" },
		{ "10.0.0.1:0", "port \"0\" is out of range 1..65535" },
		{ "10.0.0.1:65536", "port \"65536\" is out of range 1..65535" },
		{ "10.0.0.1:99999999999999999999999", "out of range 1..65535" },
		{ "10.0.0.1:http", "bad port \"http\"" },
		{ "10.0.0.1:-1", "bad port" },
		{ "10.0.0.1:080", "bad port" },
		{ "10.0.0.1:80 ", "bad port" },
		{ "010.0.0.1:80", "is not an IPv4 address" },
		{ "10.0.0:80", "is not an IPv4 address" },
		{ "10.0.0.256:80", "is not an IPv4 address" },
		{ "example.com:80", "host names are not resolved" },
		{ ":80", "is not an IPv4 address" },
		{ "", "expected address:port" },
		{ "fd00::10:443", "an IPv6 address needs brackets: [fd00::10]:443" },
		{ "fd00::10", "needs brackets and a port: [fd00::10]:PORT" },
		{ "::1", "needs brackets and a port: [::1]:PORT" },
		{ "[fd00::10]", "missing port (expected [fd00::10]:PORT)" },
		{ "[fd00::10]443", "expected ':' and a port after [fd00::10]" },
		{ "[fd00::10]:", "bad port" },
		{ "[fd00::10:443", "missing ']'" },
		{ "[10.0.0.1]:80", "bad IPv6 address" },
		{ "[fd00::1%eth0]:80", "bad IPv6 address" },
		{ "[fd00::zz]:80", "bad IPv6 address" },
		{ "a:b:c", "expected address:port" },
	};
	struct config_addr a;
	char why[160], buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(config_addr_parse(good[i].text, &a, why, sizeof(why)) == 0, "%s: %s",
			      good[i].text, why);
		addr_is(&a, good[i].family, good[i].host, good[i].port);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(config_addr_parse(bad[i].text, &a, why, sizeof(why)) == -EINVAL,
			      "\"%s\"", bad[i].text);
		ck_assert_msg(strstr(why, bad[i].why), "\"%s\": \"%s\" not in \"%s\"", bad[i].text,
			      bad[i].why, why);
	}
	/* the reason is optional */
	ck_assert_int_eq(config_addr_parse("x", &a, NULL, 0), -EINVAL);

	ck_assert_int_eq(config_addr_parse("[2001:db8:0:0:0:0:0:1]:443", &a, NULL, 0), 0);
	ck_assert_int_eq(config_addr_format(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "[2001:db8::1]:443");
	ck_assert_int_eq(config_addr_format(&a, buf, 8), -ENOSPC);
	a.family = 0;
	ck_assert_int_eq(config_addr_format(&a, buf, sizeof(buf)), -EAFNOSUPPORT);
}
END_TEST

START_TEST(scalar_spellings)
{
	/* booleans: YAML 1.1's words, but not y/n or numbers */
	static const char *const truthy[] = { "true", "True", "TRUE", "yes", "Yes", "on", "ON" };
	static const char *const falsy[] = { "false", "False", "no", "NO", "off", "Off" };
	char text[128];

	for (size_t i = 0; i < ARRAY_SIZE(truthy) + ARRAY_SIZE(falsy); i++) {
		bool want = i < ARRAY_SIZE(truthy);
		const char *w = want ? truthy[i] : falsy[i - ARRAY_SIZE(truthy)];
		struct config *c;

		snprintf(text, sizeof(text), "agent: {sysctls: %s}\nservices: []\n", w);
		c = parse_ok(text);
		ck_assert_msg(c->agent.sysctls == want, "%s", w);
		config_free(c);
	}
	expect_error("agent: {sysctls: y}\n", 1, 18,
		     "bad agent.sysctls \"y\" (expected true or false)");
	expect_error("agent: {sysctls: 1}\n", 1, 18, "expected true or false");
	expect_error("agent: {sysctls: \"\"}\n", 1, 18, "expected true or false");
}
END_TEST

struct rejection {
	const char *text;
	unsigned int line, column;
	const char *message; /* a part of it */
};

/* A valid service up to its vip: lines 1-3; the value of vip is at 3:10. */
#define HEAD   "services:\n  - name: api\n    vip: 10.96.0.10:443\n"
/* Line 4: '[' at column 19, the first item at 20. */
#define DESTS  "    destinations: [192.168.1.10:8443]\n"
#define VIP(v) "services:\n  - name: api\n    vip: " v "\n" DESTS
/* A fwmark service up to its mark, whose value is at 3:13; DESTS follows. */
#define FWM(m) "services:\n  - name: m\n    fwmark: " m "\n"

static const struct rejection rejections[] = {
	/* unknown keys, everywhere */
	{ "services: []\nservise: []\n", 2, 1,
	  "unknown key \"servise\" in the top level (expected agent, defaults, include, "
	  "services)" },
	{ "agent:\n  interfase: x\n", 2, 3,
	  "unknown key \"interfase\" in agent (expected interface, state_dir, control_socket, "
	  "control_group, reconcile_interval, sysctls, max_flows, ringbuf_size, metrics)" },
	{ "defaults:\n  wieght: 1\n", 2, 3,
	  "unknown key \"wieght\" in defaults (expected scheduler, forwarding, weight, "
	  "persistence, quarantine, probation, udp, health, fallback)" },
	{ HEAD "    destination: [1.1.1.1:1]\n", 4, 5,
	  "unknown key \"destination\" in service (expected name, vip, fwmark, family, protocol, "
	  "ops, "
	  "destinations, "
	  "scheduler, forwarding, weight, persistence, quarantine, probation, udp, health, "
	  "fallback)" },
	{ HEAD "    quarantine: {bsae: 1s}\n" DESTS, 4, 18,
	  "unknown key \"bsae\" in quarantine (expected action, base, multiplier, max, jitter, "
	  "max_ejected_percent, syn_timeout_min, syn_timeout_max, syn_timeout_rtt_factor, "
	  "syn_rto, syn_rto_min, syn_rto_max, failures, window, enforce, confirm_tries, "
	  "outlier_percent, outlier_min_attempts, reset_established)" },
	{ "defaults:\n  probation:\n    prob: tcp\n", 3, 5,
	  "unknown key \"prob\" in probation (expected probe, dns_name, udp_payload, interval, "
	  "timeout, successes, warmup)" },
	{ "defaults: {udp: {expect: true}}\n", 1, 18,
	  "unknown key \"expect\" in udp (expected expect_reply, reply_timeout_min, "
	  "reply_timeout_max)" },
	{ "defaults:\n  health: {enable: true}\n", 2, 12,
	  "unknown key \"enable\" in health (expected enabled, interval, min_change, "
	  "max_changes_per_minute)" },
	{ HEAD "    destinations:\n      - address: 192.168.1.11:8443\n        wieght: 200\n", 6, 9,
	  "unknown key \"wieght\" in destination (expected address, weight)" },
	{ "Services: []\n", 1, 1, "unknown key \"Services\"" },
	{ "\"a\\x1bb\": 1\n", 1, 1, "unknown key \"a\\x1bb\"" }, /* escaped for terminals */

	/* duplicate keys */
	{ HEAD "    vip: 10.96.0.11:443\n" DESTS, 4, 5,
	  "duplicate key \"vip\" in service (first at 3:5)" },
	{ "services: []\nservices: []\n", 2, 1, "duplicate key \"services\" in the top level" },
	{ "defaults: {quarantine: {base: 1s, base: 2s}}\n", 1, 35,
	  "duplicate key \"base\" in quarantine (first at 1:25)" },

	/* wrong types */
	{ "services: {api: 1}\n", 1, 11, "services must be a list, got a mapping" },
	{ "services: api\n", 1, 11, "services must be a list, got \"api\"" },
	{ "services:\n  - api\n", 2, 5,
	  "a service must be a mapping with name, vip and destinations, got \"api\"" },
	{ "services:\n  - [api]\n", 2, 5, "a service must be a mapping" },
	{ "services:\n  -\n", 2, 4,
	  "a service must be a mapping with name, vip and destinations, got nothing" },
	{ "agent: [1, 2]\n", 1, 8, "agent must be a mapping, got a list" },
	{ "defaults: 1\n", 1, 11, "defaults must be a mapping, got \"1\"" },
	{ HEAD "    quarantine: [base, 1s]\n" DESTS, 4, 17,
	  "quarantine must be a mapping, got a list" },
	{ HEAD "    quarantine: 5s\n" DESTS, 4, 17, "quarantine must be a mapping, got \"5s\"" },
	{ HEAD "    destinations: {address: 1.1.1.1:1}\n", 4, 19,
	  "destinations must be a list, got a mapping" },
	{ HEAD "    destinations: 1.1.1.1:1\n", 4, 19,
	  "destinations must be a list, got \"1.1.1.1:1\"" },
	{ HEAD "    destinations: [[1.1.1.1:1]]\n", 4, 20,
	  "a destination must be address:port or a mapping with address and weight, got a list" },
	{ HEAD "    weight: [1]\n" DESTS, 4, 13, "weight must be an integer, got a list" },
	{ "services:\n  - name: [a]\n", 2, 11, "name must be a string, got a list" },
	{ VIP("{a: 1}"), 3, 10, "vip must be address:port, got a mapping" },
	{ "defaults: {persistence: {a: 1}}\n", 1, 25,
	  "persistence must be a duration, got a mapping" },
	{ "? [a]\n: 1\n", 1, 3, "keys in the top level must be strings, got a list" },
	{ "agent: {? {a: 1} : 1}\n", 1, 11, "keys in agent must be strings, got a mapping" },

	/* null is never a value */
	{ HEAD "    weight:\n" DESTS, 4, 5, "missing value for weight" },
	{ HEAD "    weight: ~\n" DESTS, 4, 5, "missing value for weight" },
	{ "services:\n", 1, 1, "missing value for services (write [] for none)" },
	{ "services: null\n", 1, 1, "missing value for services" },
	{ HEAD "    destinations:\n", 4, 5, "missing value for destinations of service api" },
	{ "agent:\n", 1, 1, "missing value for agent" },
	{ "agent: {metrics: }\n", 1, 9, "missing value for agent.metrics" },
	{ "defaults: {quarantine: {base: null}}\n", 1, 25, "missing value for quarantine.base" },
	{ HEAD "    destinations:\n      -\n", 5, 8, "empty destination in service api" },

	/* required keys; services above all, which a file cut short may have lost */
	{ "agent: {sysctls: true}\n", 1, 1,
	  "no \"services\" key: a config must list its services; write \"services: []\" to "
	  "remove them all" },
	{ "# vigil\n\ndefaults: {weight: 5}\n", 3, 1, "no \"services\" key" },
	{ "{agent: {sysctls: true}}\n", 1, 1, "no \"services\" key" },
	{ "agent:\n  state_dir: /var/lib/vigil\n  reconcile_interval: 1", 1, 1,
	  "no \"services\" key" },
	{ HEAD, 2, 5, "missing key \"destinations\" in service" },
	{ "services:\n  - name: api\n" DESTS, 2, 5, "missing key \"vip\" in service" },
	{ "services:\n  - vip: 10.0.0.1:80\n    destinations: [1.1.1.1:1]\n", 2, 5,
	  "missing key \"name\" in service" },
	{ HEAD "    destinations: [{weight: 5}]\n", 4, 20,
	  "missing key \"address\" in destination" },

	/* bad addresses */
	{ VIP("10.96.0.300:443"), 3, 10,
	  "bad vip \"10.96.0.300:443\": \"10.96.0.300\" is not an IPv4 address or a bracketed IPv6 "
	  "address (host names are not resolved)" },
	{ VIP("localhost:443"), 3, 10, "host names are not resolved" },
	{ VIP("10.96.0.10"), 3, 10,
	  "bad vip \"10.96.0.10\": missing port (expected 10.96.0.10:PORT)" },
	{ VIP("0.0.0.0:443"), 3, 10, "the unspecified address cannot be used here" },
	{ VIP("\"[::]:443\""), 3, 10, "the unspecified address cannot be used here" },
	{ VIP("\"[fd00::10]443\""), 3, 10, "expected ':' and a port after [fd00::10]" },
	{ VIP("\"[fd00::zz]:443\""), 3, 10, "bad IPv6 address in \"[fd00::zz]:443\"" },
	{ VIP("\"[fd00::10:443\""), 3, 10, "missing ']'" },
	{ HEAD "    destinations: [192.168.1.10]\n", 4, 20,
	  "bad destination \"192.168.1.10\": missing port" },
	{ HEAD "    destinations: [{address: 192.168.1:80}]\n", 4, 30,
	  "bad address \"192.168.1:80\": \"192.168.1\" is not an IPv4 address" },
	{ HEAD "    destinations: [0.0.0.0:80]\n", 4, 20, "the unspecified address" },

	/* bad ports */
	{ VIP("10.96.0.10:0"), 3, 10,
	  "bad vip \"10.96.0.10:0\": port \"0\" is out of range 1..65535" },
	{ VIP("10.96.0.10:65536"), 3, 10, "port \"65536\" is out of range 1..65535" },
	{ VIP("10.96.0.10:http"), 3, 10, "bad port \"http\" (expected 1..65535)" },
	{ VIP("\"10.96.0.10:\""), 3, 10, "bad port \"\"" },
	{ VIP("10.96.0.10:0443"), 3, 10, "bad port \"0443\"" },
	{ VIP("\"[fd00::10]:0\""), 3, 10, "port \"0\" is out of range" },
	{ HEAD "    destinations: [192.168.1.10:0]\n", 4, 20,
	  "port \"0\" is out of range 1..65535" },
	{ HEAD "    destinations: [{address: \"[fd00::1]:65536\"}]\n", 4, 30,
	  "port \"65536\" is out of range" },

	/* IPv6 needs brackets */
	{ VIP("fd00::10:443"), 3, 10,
	  "bad vip \"fd00::10:443\": an IPv6 address needs brackets: [fd00::10]:443 (and quotes: "
	  "YAML reads a bare [...] as a list)" },
	{ VIP("\"fd00::10:443\""), 3, 10, /* quoted already: brackets are all it lacks */
	  "bad vip \"fd00::10:443\": an IPv6 address needs brackets: [fd00::10]:443" },
	{ "agent: {metrics: \"::1:9100\"}\n", 1, 18,
	  "bad agent.metrics \"::1:9100\": an IPv6 address needs brackets: [::1]:9100 (or \"\" for "
	  "off)" },
	{ "agent:\n  metrics: ::1:9100\n", 2, 12,
	  "bad agent.metrics \"::1:9100\": an IPv6 address needs brackets: [::1]:9100 (and quotes: "
	  "YAML reads a bare [...] as a list) (or \"\" for off)" },
	{ VIP("fd00::10"), 3, 10,
	  "an IPv6 address needs brackets and a port: [fd00::10]:PORT (and quotes: YAML reads a "
	  "bare [...] as a list)" },
	{ HEAD "    destinations: [\"fd00::1:8443\"]\n", 4, 20,
	  "an IPv6 address needs brackets: [fd00::1]:8443" },
	/* unquoted, YAML itself reads [fd00::10] as a list: a hint says to quote it */
	{ VIP("[fd00::10]:443"), 3, 20,
	  "syntax error: did not find expected key (while parsing a block mapping at 2:5) (an "
	  "IPv6 address with a port must be quoted: \"[fd00::10]:443\")" },
	{ VIP("[2001:db8::1]:80   # the new VIP"), 3, 23,
	  "(an IPv6 address with a port must be quoted: \"[2001:db8::1]:80\")" },
	{ VIP("[::1]:443"), 3, 11,
	  "syntax error: did not find expected node content (while parsing a flow node at 3:11) "
	  "(an IPv6 address with a port must be quoted: \"[::1]:443\")" },
	{ VIP("[::ffff:10.0.0.1]:443"), 3, 11, "must be quoted: \"[::ffff:10.0.0.1]:443\")" },
	{ VIP("[fd00::10]:"), 3, 20,
	  "syntax error: mapping values are not allowed in this context (an IPv6 address with a "
	  "port must be quoted: \"[fd00::10]:PORT\")" },
	{ HEAD "    destinations:\n      - [fd00::1]:80\n", 5, 18,
	  "syntax error: did not find expected '-' indicator (while parsing a block collection at "
	  "5:7) (an IPv6 address with a port must be quoted: \"[fd00::1]:80\")" },
	{ HEAD "    destinations:\n      - {address: [fd00::1]:80, weight: 3}\n", 5, 28,
	  "syntax error: did not find expected ',' or '}' (while parsing a flow mapping at 5:9) "
	  "(an "
	  "IPv6 address with a port must be quoted: \"[fd00::1]:80\")" },
	{ "services: [{name: a, vip: [fd00::1]:80, destinations: [\"[fd00::2]:80\"]}]\n", 1, 36,
	  "must be quoted: \"[fd00::1]:80\")" },
	{ "agent:\n  metrics: [::]:9100\nservices: []\n", 2, 13,
	  "(an IPv6 address with a port must be quoted: \"[::]:9100\")" },
	/* in a flow list, YAML reads it as a mapping from a list to the port */
	{ HEAD "    destinations: [10.0.0.1:80, [fd00::1]:80]\n", 4, 33,
	  "a destination must be address:port or a mapping with address and weight, got a list "
	  "(an IPv6 address with a port must be quoted: \"[fd00::1]:80\")" },
	/* and without a port, as a list */
	{ VIP("[fd00::10]"), 3, 10,
	  "vip must be address:port, got a list (an IPv6 address with a port must be quoted: "
	  "\"[fd00::10]:PORT\")" },
	{ HEAD "    destinations: [[fd00::1]]\n", 4, 20,
	  "got a list (an IPv6 address with a port must be quoted: \"[fd00::1]:PORT\")" },
	{ "agent: {metrics: [\"::1\"]}\n", 1, 18,
	  "agent.metrics must be address:port, got a list (an IPv6 address with a port must be "
	  "quoted: \"[::1]:PORT\")" },

	/* duplicate services: same protocol, address and port */
	{ "services:\n"
	  "  - name: a\n"
	  "    vip: 10.0.0.1:80\n"
	  "    destinations: [1.1.1.1:1]\n"
	  "  - name: b\n"
	  "    vip: 10.0.0.1:80\n"
	  "    destinations: [1.1.1.1:1]\n",
	  6, 10, "duplicate service tcp 10.0.0.1:80: also defined at 3:10" },
	{ "services:\n"
	  "  - {name: a, protocol: udp, vip: \"[fd00::10]:53\", destinations: [\"[fd00::1]:53\"]}\n"
	  "  - {name: b, protocol: udp, vip: \"[fd00:0::0:10]:53\", destinations: "
	  "[\"[fd00::1]:53\"]}\n"
	  "  - {name: c, protocol: udp, vip: \"[fd00::10]:53\", destinations: "
	  "[\"[fd00::1]:53\"]}\n",
	  3, 35, "duplicate service udp [fd00::10]:53: also defined at 2:35" },

	/* duplicate names */
	{ "services:\n"
	  "  - name: a\n"
	  "    vip: 10.0.0.1:80\n"
	  "    destinations: [1.1.1.1:1]\n"
	  "  - name: a\n"
	  "    vip: 10.0.0.2:80\n"
	  "    destinations: [1.1.1.1:1]\n",
	  5, 11, "duplicate service name \"a\": also defined at 2:11" },

	/* duplicate destinations within a service */
	{ HEAD "    destinations:\n"
	       "      - 1.1.1.1:80\n"
	       "      - 1.1.1.2:80\n"
	       "      - {address: 1.1.1.1:80, weight: 5}\n",
	  7, 9, "duplicate destination 1.1.1.1:80 in service api: also listed at 5:9" },
	{ HEAD "    forwarding: tunnel\n"
	       "    destinations: [\"[fd00::1]:80\", \"[fd00:0::1]:80\"]\n",
	  5, 36, "duplicate destination [fd00::1]:80 in service api: also listed at 5:20" },

	/* address families */
	{ HEAD "    destinations: [192.168.1.10:80, \"[fd00::1]:80\"]\n", 4, 37,
	  "destination [fd00::1]:80 is IPv6 but vip 10.96.0.10:443 of service api is IPv4 "
	  "(mixing families needs forwarding: tunnel)" },
	{ "defaults: {forwarding: route}\n"
	  "services:\n"
	  "  - name: api\n"
	  "    vip: \"[fd00::10]:443\"\n"
	  "    destinations: [192.168.1.10:80]\n",
	  5, 20, "destination 192.168.1.10:80 is IPv4 but vip [fd00::10]:443" },

	/* names */
	{ HEAD "    scheduler: wrrr\n" DESTS, 4, 16,
	  "unknown scheduler \"wrrr\" (expected rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, "
	  "fo, "
	  "ovf, mh, twos)" },
	{ "defaults: {scheduler: WRR}\n", 1, 23, "unknown scheduler \"WRR\"" },
	{ "defaults: {forwarding: nat}\n", 1, 24,
	  "unknown forwarding \"nat\" (expected masq, route, tunnel)" },
	{ HEAD "    protocol: sctp\n" DESTS, 4, 15,
	  "unknown protocol \"sctp\" (expected tcp, udp)" },
	{ "defaults: {quarantine: {action: drop}}\n", 1, 33,
	  "unknown quarantine.action \"drop\" (expected weight0, remove, auto)" },
	{ "defaults: {probation: {probe: http}}\n", 1, 31,
	  "unknown probation.probe \"http\" (expected auto, none, tcp, dns, udp)" },

	/* UDP services: what a TCP service cannot take, where it wrote it */
	{ HEAD "    udp: {expect_reply: true}\n" DESTS, 4, 5,
	  "udp in TCP service api: udp settings are for services with protocol: udp" },
	{ HEAD "    probation: {probe: dns}\n" DESTS, 4, 17,
	  "probation.probe dns in TCP service api: dns and udp probes are for services with "
	  "protocol: udp" },
	{ HEAD "    probation:\n      interval: 2s\n      probe: udp\n" DESTS, 6, 7,
	  "probation.probe udp in TCP service api: dns and udp probes" },
	{ "defaults: {probation: {probe: dns}}\n" HEAD DESTS, 3, 5,
	  "service api is TCP and cannot take probation.probe dns from defaults (dns and udp "
	  "probes are for protocol: udp); set probation.probe in the service" },
	{ "defaults: {udp: {expect_reply: maybe}}\n", 1, 32,
	  "bad udp.expect_reply \"maybe\" (expected true or false)" },
	{ "defaults: {udp: {reply_timeout_min: 0ms}}\n", 1, 37,
	  "udp.reply_timeout_min \"0ms\" is out of range 10ms..999ms (it must end before a "
	  "resolver's first retry, 1s after the query)" },
	{ "defaults: {udp: {reply_timeout_max: 1s}}\n", 1, 37,
	  "udp.reply_timeout_max \"1s\" is out of range 10ms..999ms" },
	{ "defaults: {udp: {reply_timeout_min: 300ms, reply_timeout_max: 250ms}}\n", 1, 63,
	  "udp.reply_timeout_max 250ms is less than reply_timeout_min 300ms" },
	{ "defaults: {udp: {reply_timeout_min: 600ms}}\n", 1, 37,
	  "udp.reply_timeout_min 600ms is more than reply_timeout_max 500ms" },
	{ "defaults: {udp: 1s}\n", 1, 17, "udp must be a mapping, got \"1s\"" },
	{ "defaults: {probation: {dns_name: \"\"}}\n", 1, 34,
	  "bad probation.dns_name \"\" (expected a domain name such as example.com, or \".\" "
	  "for the root)" },
	{ "defaults: {probation: {dns_name: a..b}}\n", 1, 34,
	  "bad probation.dns_name \"a..b\" (empty label)" },
	{ "defaults: {probation: {dns_name: .example.com}}\n", 1, 34,
	  "bad probation.dns_name \".example.com\" (empty label)" },
	{ "defaults: {probation: {dns_name: ..}}\n", 1, 34, "(empty label)" },
	{ "defaults: {probation: {dns_name: \"ex ample.com\"}}\n", 1, 34,
	  "bad probation.dns_name \"ex ample.com\" (a domain name has letters, digits, '-', '_' "
	  "and dots)" },
	{ "defaults: {probation: {dns_name: [a]}}\n", 1, 34,
	  "probation.dns_name must be a domain name, got a list" },
	{ "defaults: {probation: {udp_payload: {a: 1}}}\n", 1, 37,
	  "probation.udp_payload must be a string, got a mapping" },

	/* weights */
	{ HEAD "    destinations: [{address: 1.1.1.1:1, weight: 65536}]\n", 4, 49,
	  "weight \"65536\" is out of range 0..65535" },
	{ "defaults:\n  weight: -1\n", 2, 11, "bad weight \"-1\" (expected an integer 0..65535)" },
	{ HEAD "    weight: 70000\n" DESTS, 4, 13, "weight \"70000\" is out of range 0..65535" },
	{ HEAD "    weight: 1.5\n" DESTS, 4, 13, "bad weight \"1.5\"" },
	{ HEAD "    weight: 99999999999999999999999\n" DESTS, 4, 13, "is out of range 0..65535" },

	/* service names */
	{ "services:\n  - name: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl\n",
	  2, 11, "is too long (64 characters, at most 63)" },
	{ "services:\n  - name: \"\"\n", 2, 11,
	  "bad name \"\" (expected 1..63 characters of A-Z a-z 0-9 . _ -)" },
	{ "services:\n  - name: a/b\n", 2, 11, "bad name \"a/b\"" },
	{ "services:\n  - name: \"a b\"\n", 2, 11, "bad name \"a b\"" },
	{ "services:\n  - name: \"caf\xc3\xa9\"\n", 2, 11, "bad name" },

	/* agent limits */
	{ "agent: {interface: abcdefghijklmnop}\n", 1, 20,
	  "bad agent.interface \"abcdefghijklmnop\" (an interface name has 1..15 characters)" },
	{ "agent: {interface: \"\"}\n", 1, 20, "an interface name has 1..15 characters" },
	{ "agent: {interface: \"eth 0\"}\n", 1, 20, "cannot contain '/', ':' or whitespace" },
	{ "agent: {interface: a/b}\n", 1, 20, "cannot contain '/', ':' or whitespace" },
	{ "agent: {interface: \"a:b\"}\n", 1, 20, "cannot contain '/', ':' or whitespace" },
	{ "agent: {interface: ..}\n", 1, 20, "not a valid interface name" },
	{ "agent: {state_dir: var/lib/vigil}\n", 1, 20,
	  "agent.state_dir \"var/lib/vigil\" must be an absolute path" },
	{ "agent: {control_socket: /run/"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaa}\n",
	  1, 25, "agent.control_socket is too long (108 bytes, at most 107)" },
	{ "agent: {reconcile_interval: 0s}\n", 1, 29,
	  "agent.reconcile_interval \"0s\" is out of range 1s..1h" },
	{ "agent: {reconcile_interval: 2h}\n", 1, 29, "is out of range 1s..1h" },
	{ "agent: {reconcile_interval: 999ms}\n", 1, 29, "is out of range 1s..1h" },
	{ "agent: {reconcile_interval: 10 s}\n", 1, 29,
	  "bad agent.reconcile_interval \"10 s\" (expected a duration such as 500ms, 10s, 1.5m, "
	  "1h30m or 1d)" },
	{ "agent: {reconcile_interval: 30s1m}\n", 1, 29,
	  "bad agent.reconcile_interval \"30s1m\" (units go from largest to smallest, each at "
	  "most once: d, h, m, s, ms)" },
	{ "agent: {reconcile_interval: 1s1s}\n", 1, 29,
	  "bad agent.reconcile_interval \"1s1s\" (units go from largest to smallest" },
	{ "agent: {reconcile_interval: 1.0005s}\n", 1, 29,
	  "bad agent.reconcile_interval \"1.0005s\" (finer than a millisecond)" },
	{ "agent: {reconcile_interval: 1m30}\n", 1, 29,
	  "bad agent.reconcile_interval \"1m30\" (\"30\" has no unit (d, h, m, s or ms; only a "
	  "number on its own means seconds))" },
	{ "agent: {reconcile_interval: 10sec}\n", 1, 29,
	  "bad agent.reconcile_interval \"10sec\" (unknown unit \"sec\" (expected d, h, m, s or "
	  "ms))" },
	{ "agent: {reconcile_interval: 1h05m}\n", 1, 29,
	  "bad agent.reconcile_interval \"1h05m\" (a number cannot have a leading zero)" },
	{ "agent: {reconcile_interval: 0.5s}\n", 1, 29,
	  "agent.reconcile_interval \"0.5s\" is out of range 1s..1h" },
	{ "agent: {reconcile_interval: 1h0.001s}\n", 1, 29,
	  "agent.reconcile_interval \"1h0.001s\" is out of range 1s..1h" },
	{ "agent: {reconcile_interval: 99999999999999999999d}\n", 1, 29, "is out of range 1s..1h" },
	{ "agent: {max_flows: 1023}\n", 1, 20,
	  "agent.max_flows \"1023\" is out of range 1024..4194304" },
	{ "agent: {max_flows: 4194305}\n", 1, 20, "is out of range 1024..4194304" },
	{ "agent: {ringbuf_size: 3MiB}\n", 1, 23,
	  "agent.ringbuf_size \"3MiB\" is not a power of two" },
	{ "agent: {ringbuf_size: 100000}\n", 1, 23, "is not a power of two" },
	{ "agent: {ringbuf_size: 32KiB}\n", 1, 23,
	  "agent.ringbuf_size \"32KiB\" is out of range 64KiB..256MiB" },
	{ "agent: {ringbuf_size: 512MiB}\n", 1, 23, "is out of range 64KiB..256MiB" },
	{ "agent: {ringbuf_size: 4MB}\n", 1, 23, "bad agent.ringbuf_size \"4MB\"" },
	{ "agent: {metrics: localhost:9712}\n", 1, 18,
	  "bad agent.metrics \"localhost:9712\": \"localhost\" is not an IPv4 address" },
	{ "agent: {metrics: 9712}\n", 1, 18, "(or \"\" for off)" },
	{ "agent: {metrics: \"127.0.0.1\"}\n", 1, 18, "missing port" },

	/* policy limits */
	{ "defaults: {persistence: 32d}\n", 1, 25,
	  "persistence \"32d\" is out of range 0s..31d (IPVS keeps it in whole seconds)" },
	{ "defaults: {persistence: 1500ms}\n", 1, 25,
	  "persistence \"1500ms\" is not a whole number of seconds" },
	{ "defaults: {persistence: 1m30.5s}\n", 1, 25,
	  "persistence \"1m30.5s\" is not a whole number of seconds" },
	{ "defaults: {persistence: 1.5}\n", 1, 25,
	  "persistence \"1.5\" is not a whole number of seconds" },
	{ "defaults: {persistence: 31d1s}\n", 1, 25,
	  "persistence \"31d1s\" is out of range 0s..31d" },
	{ "defaults: {quarantine: {multiplier: 0.5}}\n", 1, 37,
	  "quarantine.multiplier \"0.5\" is out of range 1.0..10.0" },
	{ "defaults: {quarantine: {multiplier: 10.01}}\n", 1, 37, "is out of range 1.0..10.0" },
	{ "defaults: {quarantine: {multiplier: 2x}}\n", 1, 37,
	  "bad quarantine.multiplier \"2x\" (expected a number such as 2.0)" },
	{ "defaults: {quarantine: {jitter: 60%}}\n", 1, 33,
	  "quarantine.jitter \"60%\" is out of range 0%..50%" },
	{ "defaults: {quarantine: {jitter: 0.6}}\n", 1, 33, "is out of range 0%..50%" },
	{ "defaults: {quarantine: {jitter: 10}}\n", 1, 33,
	  "quarantine.jitter \"10\" is out of range 0%..50% (a percentage needs a % sign: 10%)" },
	{ "defaults: {quarantine: {jitter: -1%}}\n", 1, 33,
	  "bad quarantine.jitter \"-1%\" (expected a percentage such as 10% or a fraction such as "
	  "0.1)" },
	{ "defaults: {quarantine: {max_ejected_percent: 101}}\n", 1, 46,
	  "quarantine.max_ejected_percent \"101\" is out of range 0%..100%" },
	{ "defaults: {quarantine: {max_ejected_percent: 101%}}\n", 1, 46,
	  "quarantine.max_ejected_percent \"101%\" is out of range 0%..100%" },
	{ "defaults: {quarantine: {max_ejected_percent: 99999999999999999999999%}}\n", 1, 46,
	  "is out of range 0%..100%" },
	{ "defaults: {quarantine: {max_ejected_percent: 12.5%}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"12.5%\" (expected a whole percentage 0%..100% "
	  "such as 50% or 50)" },
	{ "defaults: {quarantine: {max_ejected_percent: 0.5}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"0.5\" (expected a whole percentage" },
	{ "defaults: {quarantine: {max_ejected_percent: -1%}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"-1%\"" },
	{ "defaults: {quarantine: {max_ejected_percent: \"50 %\"}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"50 %\"" },
	{ "defaults: {quarantine: {max_ejected_percent: 50%%}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"50%%\"" },
	{ "defaults: {quarantine: {max_ejected_percent: \"%\"}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"%\"" },
	{ "defaults: {quarantine: {max_ejected_percent: 050%}}\n", 1, 46,
	  "bad quarantine.max_ejected_percent \"050%\"" },
	{ "defaults: {quarantine: {outlier_percent: half}}\n", 1, 42,
	  "bad quarantine.outlier_percent \"half\" (expected a whole percentage 0%..100% such as "
	  "50% or 50)" },
	{ "defaults: {quarantine: {outlier_percent: 200%}}\n", 1, 42,
	  "quarantine.outlier_percent \"200%\" is out of range 0%..100%" },
	{ "defaults: {quarantine: {outlier_percent: [30%]}}\n", 1, 42,
	  "quarantine.outlier_percent must be a percentage, got a list" },
	{ "defaults: {quarantine: {syn_timeout_max: 1s}}\n", 1, 42,
	  "quarantine.syn_timeout_max \"1s\" is out of range 10ms..999ms (it must end before the "
	  "client's first SYN retransmit" },
	{ "defaults: {quarantine: {syn_timeout_min: 5ms}}\n", 1, 42,
	  "is out of range 10ms..999ms" },
	{ "defaults:\n  quarantine: {syn_timeout_min: 800ms, syn_timeout_max: 500ms}\n", 2, 57,
	  "quarantine.syn_timeout_max 500ms is less than syn_timeout_min 800ms" },
	{ "defaults:\n  quarantine: {syn_timeout_min: 950ms}\n", 2, 33,
	  "quarantine.syn_timeout_min 950ms is more than syn_timeout_max 900ms" },
	{ "defaults: {quarantine: {syn_rto_max: 2s}}\n", 1, 38,
	  "quarantine.syn_rto_max \"2s\" is out of range 100ms..1s" },
	{ "defaults: {quarantine: {syn_rto_min: 50ms}}\n", 1, 38,
	  "quarantine.syn_rto_min \"50ms\" is out of range 100ms..1s" },
	{ "defaults: {quarantine: {syn_rto: on}}\n", 1, 34, "quarantine.syn_rto" },
	{ "defaults: {quarantine: {reset_established: all}}\n", 1, 44,
	  "unknown quarantine.reset_established \"all\" (expected stalled, none)" },
	{ HEAD "    quarantine: {reset_established: [stalled]}\n" DESTS, 4, 37,
	  "quarantine.reset_established" },
	{ "defaults:\n  quarantine: {syn_rto_min: 800ms, syn_rto_max: 500ms}\n", 2, 49,
	  "quarantine.syn_rto_max 500ms is less than syn_rto_min 800ms" },
	{ HEAD "    quarantine: {syn_rto_max: 200ms}\n" DESTS, 4, 31,
	  "quarantine.syn_rto_max 200ms is less than syn_rto_min 300ms" },
	{ "defaults: {fallback: {interval: 50ms}}\n", 1, 33,
	  "fallback.interval \"50ms\" is out of range 100ms..1h" },
	{ "defaults: {fallback: {timeout: 2m}}\n", 1, 32,
	  "fallback.timeout \"2m\" is out of range 10ms..1m" },
	{ "defaults:\n  fallback: {interval: 500ms}\n", 2, 24,
	  "fallback.interval 500ms is less than timeout 1s" },
	{ HEAD "    fallback: {timeout: 5s}\n" DESTS, 4, 25,
	  "fallback.timeout 5s is more than interval 2s" },
	{ HEAD "    quarantine: {max: 5s}\n" DESTS, 4, 23,
	  "quarantine.max 5s is less than base 10s" },
	{ HEAD "    quarantine: {base: 10m}\n" DESTS, 4, 24,
	  "quarantine.base 10m is more than max 5m" },
	{ "defaults: {quarantine: {base: 0s}}\n", 1, 31,
	  "quarantine.base \"0s\" is out of range 1s..1h" },
	{ "defaults: {quarantine: {max: 2d}}\n", 1, 30,
	  "quarantine.max \"2d\" is out of range 1s..1d" },
	{ "defaults: {quarantine: {syn_timeout_rtt_factor: 0}}\n", 1, 49,
	  "is out of range 1..100" },
	{ "defaults: {quarantine: {syn_timeout_rtt_factor: 101}}\n", 1, 49,
	  "is out of range 1..100" },
	{ "defaults: {quarantine: {failures: 0}}\n", 1, 35,
	  "quarantine.failures \"0\" is out of range 1..1000" },
	{ "defaults: {quarantine: {failures: 1001}}\n", 1, 35, "is out of range 1..1000" },
	{ "defaults: {quarantine: {window: 500ms}}\n", 1, 33, "is out of range 1s..1h" },
	{ "defaults: {probation: {successes: 0}}\n", 1, 35,
	  "probation.successes \"0\" is out of range 1..100" },
	{ "defaults: {probation: {successes: 101}}\n", 1, 35, "is out of range 1..100" },
	{ "defaults: {probation: {interval: 50ms}}\n", 1, 34, "is out of range 100ms..1h" },
	{ "defaults: {probation: {timeout: 2m}}\n", 1, 33, "is out of range 10ms..1m" },
	{ "defaults: {probation: {warmup: 61m}}\n", 1, 32, "is out of range 0s..1h" },
	{ "defaults: {health: {interval: 10ms}}\n", 1, 31, "is out of range 100ms..1h" },
	{ "defaults: {health: {min_change: 101%}}\n", 1, 33,
	  "health.min_change \"101%\" is out of range 0%..100%" },
	{ "defaults: {health: {max_changes_per_minute: 0}}\n", 1, 45, "is out of range 1..60" },
	{ "defaults: {health: {max_changes_per_minute: 61}}\n", 1, 45, "is out of range 1..60" },

	/* counts */
	{ HEAD "    destinations: []\n", 4, 19,
	  "service api has no destinations (at least 1 is needed)" },

	/* the YAML itself */
	{ "", 1, 1, "config is empty (expected a mapping with a services key)" },
	{ "# nothing here\n\n", 1, 1, "config is empty" },
	{ "---\n", 2, 1, "config is empty" },
	{ "- services\n", 1, 1, "the top level must be a mapping, got a list" },
	{ "hello\n", 1, 1, "the top level must be a mapping, got \"hello\"" },
	{ "agent:\n\tsysctls: true\n", 2, 1,
	  "syntax error: found character that cannot start any token" },
	{ "services:\n  - name: api\n   vip: 1\n", 3, 4,
	  "syntax error: did not find expected '-' indicator (while parsing a block collection at "
	  "2:3)" },
	{ "agent: {sysctls: true\n", 2, 1,
	  "syntax error: did not find expected ',' or '}' (while parsing a flow mapping at 1:8)" },
	{ "agent: \"open\n", 2, 1, "syntax error: found unexpected end of stream" },
	{ "a: \x01\n", 1, 4, "syntax error: control characters are not allowed (#x1)" },
	{ "a: b\nc: \xc3(\n", 2, 5, "syntax error: invalid trailing UTF-8 octet" },
	{ "services: []\n---\nservices: []\n", 2, 1,
	  "only one YAML document is allowed in a config" },
	{ "defaults: &d {weight: 1}\n", 1, 11, "anchors and aliases are not supported" },
	{ "a: 1\nb: *a\n", 2, 4, "anchors and aliases are not supported" },
	{ "defaults: {weight: !!str 5}\n", 1, 20, "tags are not supported" },
	{ "services:\n  - name: \"a\\0b\"\n", 2, 11, "strings must not contain NUL characters" },
	{ "a: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]\n", 1, 19,
	  "nesting is too deep (at most 16 levels)" },

	/* fwmark services: a mark instead of a vip, never both */
	{ HEAD "    fwmark: 10\n" DESTS, 4, 5,
	  "service api has both vip and fwmark: a service is reached at a vip (with its "
	  "protocol) or by a firewall mark, not both" },
	{ "services:\n  - name: api\n" DESTS, 2, 5,
	  "missing key \"vip\" in service api (or \"fwmark\" for a service of firewall-marked "
	  "packets)" },
	{ HEAD "    family: inet\n" DESTS, 4, 5,
	  "family in service api: a vip's family is its address's; family is for fwmark "
	  "services" },
	{ FWM("0") DESTS, 3, 13, "fwmark \"0\" is out of range 1..4294967295" },
	{ FWM("4294967296") DESTS, 3, 13, "fwmark \"4294967296\" is out of range 1..4294967295" },
	{ FWM("0x10") DESTS, 3, 13, "bad fwmark \"0x10\" (expected an integer 1..4294967295)" },
	{ FWM("10") "    family: ipv4\n" DESTS, 4, 13,
	  "unknown family \"ipv4\" (expected inet, inet6)" },
	{ FWM("10") "    family:\n" DESTS, 4, 5, "missing value for family" },
	{ FWM("10") "    forwarding: tunnel\n    destinations: [10.0.0.1:80, \"[fd00::1]:80\"]\n",
	  3, 5,
	  "fwmark service m has both IPv4 and IPv6 destinations: say which family its packets "
	  "are with family: inet or inet6" },
	{ FWM("10") "    family: inet6\n" DESTS, 5, 20,
	  "destination 192.168.1.10:8443 is IPv4 but fwmark service m is IPv6 (mixing families "
	  "needs forwarding: tunnel)" },
	{ "services:\n  - {name: a, fwmark: 7, destinations: [10.0.0.1:80]}\n"
	  "  - {name: b, fwmark: 7, destinations: [10.0.0.2:80]}\n",
	  3, 23, "duplicate service fwmark 7: also defined at 2:23 (service a)" },
	{ "services:\n  - {name: a, fwmark: 7, family: inet6, destinations: [\"[fd00::1]:80\"]}\n"
	  "  - {name: b, fwmark: 7, destinations: [\"[fd00::2]:80\"]}\n",
	  3, 23, "duplicate service fwmark 7 inet6: also defined at 2:23 (service a)" },

	/* ops: one-packet scheduling, UDP only */
	{ HEAD "    ops: true\n" DESTS, 4, 10,
	  "ops in TCP service api: one-packet scheduling is for UDP services (protocol: udp)" },
	{ FWM("10") "    ops: yes\n" DESTS, 4, 10, "ops in TCP service m" },
	{ HEAD "    protocol: udp\n    ops: 1\n" DESTS, 5, 10,
	  "bad ops \"1\" (expected true or false)" },
	{ "defaults: {ops: true}\nservices: []\n", 1, 12, "unknown key \"ops\" in defaults" },

	/* include: patterns only in the main file */
	{ "include: {a: b}\nservices: []\n", 1, 10,
	  "include must list file names or patterns, got a mapping" },
	{ "include: [\"\"]\nservices: []\n", 1, 11, "empty include pattern" },
	{ "include: [[a]]\nservices: []\n", 1, 11,
	  "include must list file names or patterns, got a list" },
	{ "include:\nservices: []\n", 1, 1,
	  "missing value for include (a pattern or a list of them)" },
	{ "include: [conf.d/*.yaml]\nservices: []\n", 1, 11,
	  "include in a config given as text: only a config file includes others" },
};

START_TEST(rejected)
{
	const struct rejection *t = &rejections[_i];

	expect_error_at(_i, t->text, t->line, t->column, t->message);
}
END_TEST

START_TEST(aliases_are_refused)
{
	/* an alias that libyaml resolves: refused at the anchor, before any expansion */
	expect_error("defaults: &d {weight: 1}\nx: *d\n", 1, 11,
		     "anchors and aliases are not supported (shared settings belong in defaults)");
	expect_error("services:\n  - &s {name: a}\n  - *s\n", 2, 5, "anchors and aliases");
}
END_TEST

START_TEST(error_message_names_the_file)
{
	char path[1024], want[1200], msg[1024];
	struct config_error err;
	struct config *c;

	source_path(path, sizeof(path), "config/unknown-key.yaml");
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(config_error_format(&err, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want),
		 "%s:7:12: unknown key \"wieght\" in destination (expected address, weight)", path);
	ck_assert_str_eq(msg, want);
	/* a bad value of a service's key: its file, line and column */
	source_path(path, sizeof(path), "config/bad-reset-established.yaml");
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_int_eq(config_error_format(&err, msg, sizeof(msg)), 0);
	snprintf(
	    want, sizeof(want),
	    "%s:6:26: unknown quarantine.reset_established \"always\" (expected stalled, none)",
	    path);
	ck_assert_str_eq(msg, want);
	source_path(path, sizeof(path), "config/unknown-key.yaml");
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	/* truncated output is still a string */
	ck_assert_int_eq(config_error_format(&err, msg, 10), -ENOSPC);
	ck_assert_uint_eq(strlen(msg), 9);
}
END_TEST

START_TEST(fixture_files)
{
	char path[1024];
	struct config_error err;
	struct config *c;

	source_path(path, sizeof(path), "config/minimal.yaml");
	ck_assert_int_eq(config_load(path, &c, &err), 0);
	ck_assert_str_eq(c->source, path);
	ck_assert_uint_eq(c->n_services, 1);
	ck_assert_uint_eq(c->services[0].dests[1].weight, 200);
	config_free(c);

	source_path(path, sizeof(path), "config/ipv6.yaml");
	ck_assert_int_eq(config_load(path, &c, NULL), 0); /* ret_err is optional */
	addr_is(&c->services[0].vip, AF_INET6, "fd00::10", 443);
	addr_is(&c->services[0].dests[1].addr, AF_INET6, "fd00::2", 8443);
	ck_assert_uint_eq(c->services[0].dests[1].weight, 7);
	config_free(c);
}
END_TEST

/* The example documents every key with its default: parsed, it must give the defaults. */
START_TEST(example_holds_the_defaults)
{
	char path[1024], msg[1024];
	struct config_error err;
	struct config_policy want;
	struct config_agent agent;
	const struct config_service *s;
	struct config *c;
	int r;

	source_path(path, sizeof(path), "../../config/vigil.yaml.example");
	r = config_load(path, &c, &err);
	config_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(r == 0, "%s", msg);
	config_defaults(&want);
	policy_eq(&c->defaults, &want);
	config_agent_defaults(&agent);
	agent_eq(&c->agent, &agent);
	ck_assert_uint_eq(c->n_services, 2);
	s = config_find_service(c, "dns6");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->protocol, IPPROTO_UDP);
	ck_assert_int_eq(s->policy.probation.probe, CONFIG_PROBE_DNS);
	ck_assert_int_eq(s->policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	ck_assert_uint_eq(s->policy.quarantine.base_ms, 5000);
	ck_assert_uint_eq(s->policy.quarantine.max_ms, 300000);
	ck_assert_uint_eq(s->dests[0].weight, 50);
	ck_assert_uint_eq(s->dests[1].weight, 100);
	config_free(c);
}
END_TEST

START_TEST(missing_file)
{
	const char *path = "/nonexistent/vigil/vigil.yaml";
	struct config_error err;
	struct config *c = (struct config *)1;
	char msg[1024];

	ck_assert_int_eq(config_load(path, &c, &err), -ENOENT);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_int_eq(config_error_format(&err, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "/nonexistent/vigil/vigil.yaml: cannot open config: No such file or "
			      "directory");

	ck_assert_int_eq(config_load("/", &c, &err), -EISDIR);
	ck_assert_str_eq(err.message, "cannot read config: not a regular file (a directory)");
}
END_TEST

/* --check's one line, both ways: the count when valid, the position when not. */
START_TEST(check_says_valid_or_why)
{
	char path[1024], msg[1024], want[1100];

	source_path(path, sizeof(path), "../../config/vigil.yaml.example");
	ck_assert_int_eq(config_check(path, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s: valid, 2 services", path);
	ck_assert_str_eq(msg, want);

	ck_assert_int_eq(config_check("/nonexistent/vigil/vigil.yaml", msg, sizeof(msg)), -ENOENT);
	ck_assert_str_eq(msg, "/nonexistent/vigil/vigil.yaml: cannot open config: No such file or "
			      "directory");
}
END_TEST

/* A FIFO blocked open() until a writer came: vigild's loop, --check and vigilctl with it. */
START_TEST(only_regular_files)
{
	char dir[] = "/tmp/check_config.XXXXXX", path[64], msg[1024], want[1100];
	struct config_error err;
	struct config *c = (struct config *)1;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vigil.yaml", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(config_error_format(&err, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s: cannot read config: not a regular file (a FIFO)", path);
	ck_assert_str_eq(msg, want);
	unlink(path);
	rmdir(dir);

	/* a device has no end: refused too */
	ck_assert_int_eq(config_load("/dev/zero", &c, &err), -EINVAL);
	ck_assert_str_eq(err.message,
			 "cannot read config: not a regular file (a character device)");
}
END_TEST

START_TEST(file_too_large)
{
	char path[] = "/tmp/check_config.XXXXXX";
	struct config_error err;
	struct config *c;
	size_t big = CONFIG_MAX_FILE_SIZE + 1;
	char *text;
	int fd;

	/* in memory: refused before libyaml sees a byte */
	text = malloc(big);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', big);
	ck_assert_int_eq(config_parse(text, big, "big.yaml", &c, &err), -EFBIG);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.message, "config is too large (16777217 bytes, at most 16777216)");
	free(text);

	/* on disk: a sparse file, refused by size */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)big), 0);
	close(fd);
	ck_assert_int_eq(config_load(path, &c, &err), -EFBIG);
	ck_assert_str_eq(err.file, path);
	ck_assert_ptr_nonnull(strstr(err.message, "config is too large"));
	unlink(path);
}
END_TEST

START_TEST(long_strings_are_refused)
{
	size_t n = CONFIG_MAX_STRING + 1;
	char *text = malloc(n + 32);

	ck_assert_ptr_nonnull(text);
	strcpy(text, "services:\n  - name: ");
	memset(text + strlen(text), 'a', n);
	strcpy(text + 20 + n, "\n");
	expect_error(text, 2, 11, "string is too long (4097 bytes, at most 4096)");
	free(text);
}
END_TEST

START_TEST(too_many_nodes)
{
	/* [1,1,1,...]: two bytes a node, well under the file size limit */
	size_t n = CONFIG_MAX_NODES + 10, len = 0;
	char *text = malloc(2 * n + 16), msg[64];

	ck_assert_ptr_nonnull(text);
	len += (size_t)sprintf(text, "a: [");
	for (size_t i = 0; i < n; i++) {
		text[len++] = '1';
		text[len++] = ',';
	}
	text[len++] = ']';
	text[len] = '\0';
	/* root mapping, key "a" and the list are the first 3 nodes */
	snprintf(msg, sizeof(msg), "too many YAML nodes (at most %u)", CONFIG_MAX_NODES);
	expect_error(text, 1, 5 + 2 * (CONFIG_MAX_NODES - 3), msg);
	free(text);
}
END_TEST

/* A growable text for generated configs. */
struct text {
	char *buf;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if ((size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap ? 2 * t->cap : 4096;
		t->buf = realloc(t->buf, t->cap);
		ck_assert_ptr_nonnull(t->buf);
	}
	t->len += (size_t)n;
}

static char *services(unsigned int n)
{
	struct text t = { 0 };

	text_add(&t, "services:\n");
	for (unsigned int i = 0; i < n; i++)
		text_add(&t,
			 "  - {name: s%u, vip: 10.%u.%u.%u:80, destinations: [192.168.0.1:80]}\n",
			 i, i >> 16, (i >> 8) & 0xff, i & 0xff);
	return t.buf;
}

START_TEST(service_limit)
{
	char *text = services(CONFIG_MAX_SERVICES);
	struct config *c = parse_ok(text);
	const struct config_service *last;

	ck_assert_uint_eq(c->n_services, CONFIG_MAX_SERVICES);
	last = config_find_service(c, "s4095");
	ck_assert_ptr_eq(last, &c->services[CONFIG_MAX_SERVICES - 1]);
	addr_is(&last->vip, AF_INET, "10.0.15.255", 80);
	ck_assert_uint_eq(last->mark.line, CONFIG_MAX_SERVICES + 1);
	config_free(c);
	free(text);

	text = services(CONFIG_MAX_SERVICES + 1);
	expect_error(text, CONFIG_MAX_SERVICES + 2, 5, "too many services (at most 4096)");
	free(text);
}
END_TEST

static char *destinations(unsigned int n)
{
	struct text t = { 0 };

	text_add(&t, HEAD "    destinations:\n");
	for (unsigned int i = 0; i < n; i++)
		text_add(&t, "      - 192.168.%u.%u:80\n", i >> 8, i & 0xff);
	return t.buf;
}

START_TEST(destination_limit)
{
	char *text = destinations(CONFIG_MAX_DESTINATIONS);
	struct config *c = parse_ok(text);

	ck_assert_uint_eq(c->services[0].n_dests, CONFIG_MAX_DESTINATIONS);
	addr_is(&c->services[0].dests[999].addr, AF_INET, "192.168.3.231", 80);
	config_free(c);
	free(text);

	text = destinations(CONFIG_MAX_DESTINATIONS + 1);
	expect_error(text, 5 + CONFIG_MAX_DESTINATIONS, 9,
		     "too many destinations in service api (at most 1000)");
	free(text);
}
END_TEST

/* Validation stands alone: it judges a model however it was made, and changes nothing. */
START_TEST(validate_is_separate)
{
	struct config *c =
	    parse_ok("services:\n"
		     "  - {name: a, vip: 10.0.0.1:80, destinations: [1.1.1.1:1]}\n"
		     "  - {name: b, vip: 10.0.0.2:80, destinations: [1.1.1.1:1, 1.1.1.2:1]}\n");
	struct config_error err;
	struct config_addr saved;

	ck_assert_int_eq(config_validate(c, &err), 0);
	saved = c->services[1].vip;
	c->services[1].vip = c->services[0].vip;
	ck_assert_int_eq(config_validate(c, &err), -EINVAL);
	ck_assert_str_eq(err.file, "test.yaml");
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, 20);
	ck_assert_str_eq(err.message,
			 "duplicate service tcp 10.0.0.1:80: also defined at 2:20 (service a)");
	ck_assert_int_eq(config_validate(c, NULL), -EINVAL);
	c->services[1].vip = saved;

	c->services[1].dests[1].addr = c->services[1].dests[0].addr;
	ck_assert_int_eq(config_validate(c, &err), -EINVAL);
	ck_assert_str_eq(err.message,
			 "duplicate destination 1.1.1.1:1 in service b: also listed at 3:48");
	c->services[1].n_dests = 0;
	ck_assert_int_eq(config_validate(c, &err), -EINVAL);
	ck_assert_str_eq(err.message, "service b has 0 destinations (expected 1..1000)");
	c->services[1].n_dests = 2;
	c->services[1].protocol = 132;
	ck_assert_int_eq(config_validate(c, &err), -EINVAL);
	ck_assert_str_eq(err.message, "service b has an unknown protocol 132");
	config_free(c);
	config_free(NULL);
}
END_TEST

START_TEST(names_of_values)
{
	ck_assert_str_eq(config_protocol_name(IPPROTO_TCP), "tcp");
	ck_assert_str_eq(config_protocol_name(IPPROTO_UDP), "udp");
	ck_assert_str_eq(config_protocol_name(0), "unknown");
	ck_assert_str_eq(config_forwarding_name(CONFIG_FORWARD_MASQ), "masq");
	ck_assert_str_eq(config_forwarding_name(CONFIG_FORWARD_ROUTE), "route");
	ck_assert_str_eq(config_forwarding_name(CONFIG_FORWARD_TUNNEL), "tunnel");
	ck_assert_str_eq(config_quarantine_action_name(CONFIG_QUARANTINE_WEIGHT0), "weight0");
	ck_assert_str_eq(config_quarantine_action_name(CONFIG_QUARANTINE_REMOVE), "remove");
	ck_assert_str_eq(config_probe_name(CONFIG_PROBE_AUTO), "auto");
	ck_assert_str_eq(config_probe_name(CONFIG_PROBE_NONE), "none");
	ck_assert_str_eq(config_probe_name(CONFIG_PROBE_TCP), "tcp");
	ck_assert_str_eq(config_reset_established_name(CONFIG_RESET_STALLED), "stalled");
	ck_assert_str_eq(config_reset_established_name(CONFIG_RESET_NONE), "none");
	ck_assert_str_eq(config_reset_established_name((enum config_reset_established) - 1),
			 "unknown");
}
END_TEST

/* A fwmark service: no address, its family from its destinations or from family. */
START_TEST(fwmark_services)
{
	struct config *c = parse_ok("services:\n"
				    "  - name: web\n"
				    "    fwmark: 10\n"
				    "    persistence: 300s\n"
				    "    destinations: [192.168.1.10:80, 192.168.1.11:80]\n"
				    "  - name: web6\n"
				    "    fwmark: 10\n"
				    "    destinations: [\"[fd00::10]:80\"]\n"
				    "  - name: tun\n"
				    "    fwmark: 4294967295\n"
				    "    family: inet6\n"
				    "    forwarding: tunnel\n"
				    "    destinations: [10.0.0.1:80, \"[fd00::1]:80\"]\n"
				    "  - name: dns\n"
				    "    fwmark: 53\n"
				    "    protocol: udp\n"
				    "    ops: true\n"
				    "    destinations: [10.0.0.53:53]\n"
				    "  - name: same-addr\n"
				    "    vip: 10.96.0.10:80\n"
				    "    destinations: [192.168.1.10:80]\n");
	const struct config_service *s = &c->services[0];
	static const uint8_t zero[16];
	char buf[64];

	ck_assert_uint_eq(c->n_services, 5);
	ck_assert_uint_eq(s->fwmark, 10);
	ck_assert_uint_eq(s->vip.family, AF_INET);
	ck_assert_uint_eq(s->vip.port, 0);
	ck_assert_mem_eq(s->vip.addr, zero, sizeof(zero));
	ck_assert_uint_eq(s->protocol, IPPROTO_TCP);
	ck_assert(!s->ops);
	ck_assert_uint_eq(s->vip_mark.line, 3);
	ck_assert_uint_eq(s->vip_mark.column, 13);
	ck_assert_int_eq(s->policy.probation.probe, CONFIG_PROBE_TCP);
	ck_assert_int_eq(s->policy.quarantine.action, CONFIG_QUARANTINE_WEIGHT0);
	ck_assert_int_eq(config_service_describe(s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "fwmark 10");
	/* the same mark in the other family is another IPVS service */
	ck_assert_uint_eq(c->services[1].vip.family, AF_INET6);
	ck_assert_int_eq(config_service_describe(&c->services[1], buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "fwmark 10 inet6");
	ck_assert_uint_eq(c->services[2].fwmark, UINT32_MAX);
	ck_assert_uint_eq(c->services[2].vip.family, AF_INET6);
	/* UDP: ops, and no port to guess a DNS probe from */
	s = &c->services[3];
	ck_assert_uint_eq(s->protocol, IPPROTO_UDP);
	ck_assert(s->ops);
	ck_assert_int_eq(s->policy.probation.probe, CONFIG_PROBE_NONE);
	ck_assert_int_eq(s->policy.quarantine.action, CONFIG_QUARANTINE_REMOVE);
	ck_assert_uint_eq(c->services[4].fwmark, 0);
	ck_assert_int_eq(config_service_describe(&c->services[4], buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "tcp 10.96.0.10:80");
	config_free(c);

	/* ops: false is fine anywhere, ops on a UDP vip too */
	c = parse_ok(HEAD "    ops: false\n" DESTS
			  "  - {name: u, vip: 10.96.0.10:53, protocol: udp, ops: on,"
			  " destinations: [10.0.0.1:53]}\n");
	ck_assert(!c->services[0].ops);
	ck_assert(c->services[1].ops);
	config_free(c);
	ck_assert_str_eq(config_family_name(AF_INET), "inet");
	ck_assert_str_eq(config_family_name(AF_INET6), "inet6");
}
END_TEST

/* A scratch directory for the include tests, and files in it. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void load_fails(const char *path, const char *want_file, unsigned int line,
		       unsigned int column, const char *needle)
{
	struct config_error err;
	struct config *c = (struct config *)1;
	char msg[1024];

	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_ptr_null(c);
	config_error_format(&err, msg, sizeof(msg));
	ck_assert_str_eq(err.file, want_file);
	ck_assert_msg(err.line == line && err.column == column, "at %u:%u, expected %u:%u: %s",
		      err.line, err.column, line, column, msg);
	ck_assert_msg(strstr(err.message, needle), "\"%s\" not in \"%s\"", needle, msg);
}

#define SVC(name, vip) "  - {name: " name ", vip: \"" vip "\", destinations: [10.0.0.1:80]}\n"

START_TEST(included_files)
{
	char dir[] = "/tmp/check_config.XXXXXX", main[64], sub[64], a[96], b[96], msg[1024],
	     want[1100];
	struct config_error err;
	struct config *c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(main, sizeof(main), "%s/vigil.yaml", dir);
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	snprintf(a, sizeof(a), "%s/a.yaml", sub);
	snprintf(b, sizeof(b), "%s/b.yaml", sub);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	/* relative to the main file; the main file's defaults apply to every file's services */
	write_file(dir, "vigil.yaml",
		   "defaults: {scheduler: rr}\n"
		   "include: [conf.d/*.yaml, \"conf.d/*.yaml\", /nonexistent/vigil/*.yaml, "
		   "\"*.yaml\"]\n"
		   "services:\n" SVC("main", "10.96.0.1:80"));
	write_file(sub, "b.yaml", "services:\n" SVC("bee", "10.96.0.3:80"));
	write_file(sub, "a.yaml",
		   "services:\n" SVC("ay", "10.96.0.2:80") "  - {name: mark, fwmark: 5, "
							   "destinations: [10.0.0.1:80]}\n");
	write_file(sub, "notes.txt", "not yaml: [\n");
	ck_assert_int_eq(config_load(main, &c, &err), 0);
	/* the main file's own, then a.yaml, then b.yaml; each file read once, itself not again */
	ck_assert_uint_eq(c->n_services, 4);
	ck_assert_str_eq(c->services[0].name, "main");
	ck_assert_str_eq(c->services[1].name, "ay");
	ck_assert_str_eq(c->services[2].name, "mark");
	ck_assert_str_eq(c->services[3].name, "bee");
	ck_assert_str_eq(c->services[3].policy.scheduler, "rr");
	ck_assert_uint_eq(c->n_files, 2);
	ck_assert_str_eq(config_service_file(c, &c->services[0]), main);
	ck_assert_str_eq(config_service_file(c, &c->services[2]), a);
	ck_assert_str_eq(config_service_file(c, &c->services[3]), b);
	ck_assert_uint_eq(c->services[3].mark.line, 2);
	config_free(c);
	ck_assert_int_eq(config_check(main, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s: valid, 4 services (with 2 included files)", main);
	ck_assert_str_eq(msg, want);

	/* an error inside an included file is that file's, and rejects the whole set */
	write_file(sub, "b.yaml",
		   "services:\n  - name: bee\n    vip: 10.96.0.3:80\n"
		   "    destinations: [10.0.0.1:80]\n    wieght: 1\n");
	load_fails(main, b, 5, 5, "unknown key \"wieght\" in service");
	write_file(sub, "b.yaml", "services:\n  - name: bee\n    vip: [fd00::1]:80\n");
	load_fails(main, b, 3, 19, "an IPv6 address with a port must be quoted");
	/* duplicates across files: at the second, naming the first with its file */
	write_file(sub, "b.yaml", "services:\n" SVC("ay", "10.96.0.9:80"));
	snprintf(want, sizeof(want), "duplicate service name \"ay\": also defined at %s:2:12", a);
	load_fails(main, b, 2, 12, want);
	write_file(sub, "b.yaml", "services:\n" SVC("bee", "10.96.0.1:80"));
	snprintf(want, sizeof(want),
		 "duplicate service tcp 10.96.0.1:80: also defined at %s:4:23 (service main)",
		 main);
	load_fails(main, b, 2, 22, want);
	write_file(sub, "b.yaml",
		   "services:\n  - {name: bee, fwmark: 5, destinations: [1.1.1.1:1]}\n");
	snprintf(want, sizeof(want),
		 "duplicate service fwmark 5: also defined at %s:3:26 (service mark)", a);
	load_fails(main, b, 2, 25, want);
	/* services only */
	write_file(sub, "b.yaml", "services: []\ndefaults: {weight: 1}\n");
	snprintf(want, sizeof(want),
		 "defaults in an included file: included files hold services only; defaults "
		 "belongs in the main config %s",
		 main);
	load_fails(main, b, 2, 1, want);
	write_file(sub, "b.yaml", "include: [x.yaml]\nservices: []\n");
	load_fails(main, b, 1, 1, "include in an included file");
	write_file(sub, "b.yaml", "servises: []\n");
	load_fails(main, b, 1, 1,
		   "unknown key \"servises\" in an included file (expected services)");
	write_file(sub, "b.yaml", "# all moved away\n");
	load_fails(main, b, 1, 1, "included file is empty");
	write_file(sub, "b.yaml", "{}\n");
	load_fails(main, b, 1, 1, "no \"services\" key: an included file must list its services");
	write_file(sub, "b.yaml", "services: []\n");
	ck_assert_int_eq(config_load(main, &c, &err), 0);
	ck_assert_uint_eq(c->n_services, 3);
	config_free(c);
	/* a plain name must be there; an empty list includes nothing */
	write_file(dir, "vigil.yaml",
		   "include: [conf.d/b.yaml, /nonexistent/vigil/extra.yaml]\nservices: []\n");
	load_fails(main, main, 1, 26,
		   "include \"/nonexistent/vigil/extra.yaml\": no such file (a pattern with * ? or "
		   "[ may match nothing; a plain name must exist)");
	c = parse_ok("include: []\nservices: []\n");
	ck_assert_uint_eq(c->n_files, 0);
	config_free(c);
	write_file(dir, "vigil.yaml", "include: conf.d/*.yaml\nservices: []\n");
	/* a directory the pattern matches is no config */
	ck_assert_int_eq(unlink(b), 0);
	ck_assert_int_eq(mkdir(b, 0700), 0);
	ck_assert_int_eq(config_load(main, &c, &err), -EISDIR);
	ck_assert_str_eq(err.file, b);
	ck_assert_str_eq(err.message, "cannot read config: not a regular file (a directory)");
	remove_tree(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_set_timeout(tc, 120); /* the limit tests parse 10000 services, maybe under valgrind */
	tcase_add_test(tc, minimal_config);
	tcase_add_test(tc, builtin_defaults);
	tcase_add_test(tc, ipv6_service);
	tcase_add_test(tc, defaults_and_partial_overrides);
	tcase_add_test(tc, probe_default_follows_protocol);
	tcase_add_test(tc, udp_keys);
	tcase_add_test(tc, udp_key_limits);
	tcase_add_test(tc, agent_section);
	tcase_add_test(tc, accepted_edges);
	tcase_add_test(tc, written_forms);
	tcase_add_test(tc, ipv6_hint_only_when_it_fits);
	tcase_add_test(tc, duration_syntax);
	tcase_add_test(tc, duration_format);
	tcase_add_test(tc, size_syntax);
	tcase_add_test(tc, percent_syntax);
	tcase_add_test(tc, address_syntax);
	tcase_add_test(tc, scalar_spellings);
	tcase_add_loop_test(tc, rejected, 0, ARRAY_SIZE(rejections));
	tcase_add_test(tc, aliases_are_refused);
	tcase_add_test(tc, error_message_names_the_file);
	tcase_add_test(tc, fixture_files);
	tcase_add_test(tc, example_holds_the_defaults);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, check_says_valid_or_why);
	tcase_add_test(tc, file_too_large);
	tcase_add_test(tc, long_strings_are_refused);
	tcase_add_test(tc, too_many_nodes);
	tcase_add_test(tc, service_limit);
	tcase_add_test(tc, destination_limit);
	tcase_add_test(tc, validate_is_separate);
	tcase_add_test(tc, names_of_values);
	tcase_add_test(tc, fwmark_services);
	tcase_add_test(tc, included_files);
	suite_add_tcase(s, tc);

	/* what used to hang should fail in seconds, not after the limit tests' timeout */
	tc = tcase_create("files");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, only_regular_files);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
