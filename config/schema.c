// SPDX-License-Identifier: GPL-2.0-only
/*
 * The schema: one table per mapping of the config, each key with its type,
 * range and place in the model; and the walk that applies a YAML tree to the
 * model. Every value is checked here, where its node (and so its line and
 * column) is at hand; relations between objects are config_validate()'s.
 *
 * Within one mapping, keys are applied in file order, so the first error
 * reported is the first one in the file, with two exceptions that need the
 * rest of their mapping first: `services` (after `defaults`) and a service's
 * `destinations` (after the service's `weight`).
 */
#include "internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SECOND 1000ull
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
#define KiB    (1ull << 10)
#define MiB    (1ull << 20)

enum kind {
	K_SECTION,  /* a nested mapping with a table of its own */
	K_DEFERRED, /* applied by the caller once the whole mapping is read */
	K_UINT,
	K_DURATION,
	K_SIZE,
	K_FRACTION, /* "10%" or 0.1, stored as a fraction */
	K_PERCENT,  /* "50%" or 50, a whole percentage: the *_percent keys */
	K_DECIMAL,
	K_BOOL,
	K_ENUM, /* stored as the index of the word */
	K_SCHEDULER,
	K_IFNAME,
	K_PATH,
	K_LISTEN,
	K_NAME,
	K_ADDR,
	K_PROTOCOL,
	K_DNS_NAME, /* a domain name in text: labels of 1..63, 253 in all */
	K_PAYLOAD,  /* bytes up to .size, their count stored at .aux as a uint32_t */
};

#define F_REQUIRED      (1u << 0)
#define F_WHOLE_SECONDS (1u << 1) /* IPVS keeps persistence timeouts in seconds */
#define F_POWER_OF_TWO  (1u << 2) /* BPF ring buffers must be */

struct table;

struct field {
	const char *key;
	enum kind kind;
	unsigned int flags;
	size_t offset, size;
	uint64_t min, max;        /* K_UINT, K_PERCENT, K_DURATION (ms), K_SIZE (bytes) */
	double fmin, fmax;        /* K_FRACTION, K_DECIMAL */
	const char *const *words; /* K_ENUM, K_SCHEDULER; NULL entries are skipped */
	unsigned int n_words;
	const struct table *section; /* K_SECTION */
	const char *hint;            /* appended to a range error: why the range is what it is */
	size_t aux;                  /* K_PAYLOAD: offset of its length */
};

#define MAX_FIELDS 24

/* The nodes of the keys a mapping had, by field index; NULL if absent. */
struct found {
	const struct config_node *key[MAX_FIELDS];
	const struct config_node *val[MAX_FIELDS];
};

struct table {
	const char *what;   /* "unknown key ... in quarantine" */
	const char *prefix; /* of labels in value errors: "quarantine.base" */
	const struct field *fields;
	unsigned int n_fields;
	int (*check)(struct config_ctx *ctx, const struct config_node *map, void *obj,
		     const struct found *found);
};

#define TABLE(name, what_, prefix_, fields_, check_)                                               \
	_Static_assert(ARRAY_SIZE(fields_) <= MAX_FIELDS, "raise MAX_FIELDS");                     \
	static const struct table name = { .what = what_,                                          \
					   .prefix = prefix_,                                      \
					   .fields = fields_,                                      \
					   .n_fields = ARRAY_SIZE(fields_),                        \
					   .check = check_ }

/*
 * Values are stored through casts at these offsets; _Generic refuses to
 * compile a field whose member does not have the type its kind stores.
 */
// clang-format off
#define AT(type, member, ctype)                                                                    \
	.offset = _Generic(((type *)0)->member, ctype: offsetof(type, member)),                    \
	.size = sizeof(((type *)0)->member)
// clang-format on
#define AT_STRING(type, member)                                                                    \
	.offset = _Generic(&((type *)0)->member[0], char *: offsetof(type, member)),             \
	.size = sizeof(((type *)0)->member)
#define WORDS(w) .words = w, .n_words = ARRAY_SIZE(w)

static const char *const scheduler_words[] = {
	"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
	"sh", "sed", "nq", "fo",  "ovf",  "mh",    "twos",
};
static const char *const forwarding_words[] = {
	[CONFIG_FORWARD_MASQ] = "masq",
	[CONFIG_FORWARD_ROUTE] = "route",
	[CONFIG_FORWARD_TUNNEL] = "tunnel",
};
static const char *const action_words[] = {
	[CONFIG_QUARANTINE_WEIGHT0] = "weight0",
	[CONFIG_QUARANTINE_REMOVE] = "remove",
	[CONFIG_QUARANTINE_AUTO] = "auto",
};
static const char *const probe_words[] = {
	[CONFIG_PROBE_AUTO] = "auto", [CONFIG_PROBE_NONE] = "none", [CONFIG_PROBE_TCP] = "tcp",
	[CONFIG_PROBE_DNS] = "dns",   [CONFIG_PROBE_UDP] = "udp",
};

enum {
	Q_ACTION,
	Q_BASE,
	Q_MULTIPLIER,
	Q_MAX,
	Q_JITTER,
	Q_MAX_EJECTED,
	Q_SYN_MIN,
	Q_SYN_MAX,
	Q_SYN_FACTOR,
	Q_SYN_RTO,
	Q_RTO_MIN,
	Q_RTO_MAX,
	Q_FAILURES,
	Q_WINDOW,
	Q_ENFORCE,
	Q_CONFIRM_TRIES,
	Q_OUTLIER_PERCENT,
	Q_OUTLIER_MIN_ATTEMPTS,
	Q_RESET_ESTABLISHED,
};

#define SYN_HINT "it must end before the client's first SYN retransmit, 1s after the SYN"
static const char *const syn_rto_words[] = {
	[CONFIG_SYN_RTO_AUTO] = "auto",
	[CONFIG_SYN_RTO_OFF] = "off",
};

static const char *const reset_established_words[] = {
	[CONFIG_RESET_STALLED] = "stalled",
	[CONFIG_RESET_NONE] = "none",
};

static const struct field quarantine_fields[] = {
	[Q_ACTION] = { "action", K_ENUM,
		       AT(struct config_quarantine, action, enum config_quarantine_action),
		       WORDS(action_words) },
	[Q_BASE] = { "base", K_DURATION, AT(struct config_quarantine, base_ms, uint64_t),
		     .min = SECOND, .max = HOUR },
	[Q_MULTIPLIER] = { "multiplier", K_DECIMAL,
			   AT(struct config_quarantine, multiplier, double), .fmin = 1.0,
			   .fmax = 10.0 },
	[Q_MAX] = { "max", K_DURATION, AT(struct config_quarantine, max_ms, uint64_t),
		    .min = SECOND, .max = DAY },
	[Q_JITTER] = { "jitter", K_FRACTION, AT(struct config_quarantine, jitter, double),
		       .fmin = 0.0, .fmax = 0.5 },
	[Q_MAX_EJECTED] = { "max_ejected_percent", K_PERCENT,
			    AT(struct config_quarantine, max_ejected_percent, uint32_t), .min = 0,
			    .max = 100 },
	[Q_SYN_MIN] = { "syn_timeout_min", K_DURATION,
			AT(struct config_quarantine, syn_timeout_min_ms, uint64_t), .min = 10,
			.max = 999, .hint = SYN_HINT },
	[Q_SYN_MAX] = { "syn_timeout_max", K_DURATION,
			AT(struct config_quarantine, syn_timeout_max_ms, uint64_t), .min = 10,
			.max = 999, .hint = SYN_HINT },
	[Q_SYN_FACTOR] = { "syn_timeout_rtt_factor", K_UINT,
			   AT(struct config_quarantine, syn_timeout_rtt_factor, uint32_t), .min = 1,
			   .max = 100 },
	[Q_SYN_RTO] = { "syn_rto", K_ENUM,
			AT(struct config_quarantine, syn_rto, enum config_syn_rto),
			WORDS(syn_rto_words) },
	/* longer than the kernel's 1s would only make failover slower */
	[Q_RTO_MIN] = { "syn_rto_min", K_DURATION,
			AT(struct config_quarantine, syn_rto_min_ms, uint64_t), .min = 100,
			.max = SECOND },
	[Q_RTO_MAX] = { "syn_rto_max", K_DURATION,
			AT(struct config_quarantine, syn_rto_max_ms, uint64_t), .min = 100,
			.max = SECOND },
	[Q_FAILURES] = { "failures", K_UINT, AT(struct config_quarantine, failures, uint32_t),
			 .min = 1, .max = 1000 },
	[Q_WINDOW] = { "window", K_DURATION, AT(struct config_quarantine, window_ms, uint64_t),
		       .min = SECOND, .max = HOUR },
	[Q_ENFORCE] = { "enforce", K_BOOL, AT(struct config_quarantine, enforce, bool) },
	[Q_CONFIRM_TRIES] = { "confirm_tries", K_UINT,
			      AT(struct config_quarantine, confirm_tries, uint32_t), .min = 0,
			      .max = 10 },
	[Q_OUTLIER_PERCENT] = { "outlier_percent", K_PERCENT,
				AT(struct config_quarantine, outlier_percent, uint32_t), .min = 0,
				.max = 100 },
	[Q_OUTLIER_MIN_ATTEMPTS] = { "outlier_min_attempts", K_UINT,
				     AT(struct config_quarantine, outlier_min_attempts, uint32_t),
				     .min = 1, .max = 100000 },
	[Q_RESET_ESTABLISHED] = { "reset_established", K_ENUM,
				  AT(struct config_quarantine, reset_established,
				     enum config_reset_established),
				  WORDS(reset_established_words) },
};

static int quarantine_check(struct config_ctx *ctx, const struct config_node *map, void *obj,
			    const struct found *found);
TABLE(quarantine_table, "quarantine", "quarantine.", quarantine_fields, quarantine_check);

static const struct field probation_fields[] = {
	{ "probe", K_ENUM, AT(struct config_probation, probe, enum config_probe),
	  WORDS(probe_words) },
	{ "dns_name", K_DNS_NAME, AT_STRING(struct config_probation, dns_name) },
	{ "udp_payload", K_PAYLOAD,
	  .offset = _Generic(&((struct config_probation *)0)->udp_payload[0],
			     uint8_t *: offsetof(struct config_probation, udp_payload)),
	  .size = sizeof(((struct config_probation *)0)->udp_payload),
	  .aux = _Generic(((struct config_probation *)0)->udp_payload_len,
			  uint32_t: offsetof(struct config_probation, udp_payload_len)) },
	{ "interval", K_DURATION, AT(struct config_probation, interval_ms, uint64_t), .min = 100,
	  .max = HOUR },
	{ "timeout", K_DURATION, AT(struct config_probation, timeout_ms, uint64_t), .min = 10,
	  .max = MINUTE },
	{ "successes", K_UINT, AT(struct config_probation, successes, uint32_t), .min = 1,
	  .max = 100 },
	{ "warmup", K_DURATION, AT(struct config_probation, warmup_ms, uint64_t), .min = 0,
	  .max = HOUR },
};
TABLE(probation_table, "probation", "probation.", probation_fields, NULL);

static const struct field health_fields[] = {
	{ "enabled", K_BOOL, AT(struct config_health, enabled, bool) },
	{ "interval", K_DURATION, AT(struct config_health, interval_ms, uint64_t), .min = 100,
	  .max = HOUR },
	{ "min_change", K_FRACTION, AT(struct config_health, min_change, double), .fmin = 0.0,
	  .fmax = 1.0 },
	{ "max_changes_per_minute", K_UINT,
	  AT(struct config_health, max_changes_per_minute, uint32_t), .min = 1, .max = 60 },
};
TABLE(health_table, "health", "health.", health_fields, NULL);

enum {
	U_EXPECT_REPLY,
	U_REPLY_MIN,
	U_REPLY_MAX,
};

#define REPLY_HINT "it must end before a resolver's first retry, 1s after the query"

static const struct field udp_fields[] = {
	[U_EXPECT_REPLY] = { "expect_reply", K_BOOL, AT(struct config_udp, expect_reply, bool) },
	[U_REPLY_MIN] = { "reply_timeout_min", K_DURATION,
			  AT(struct config_udp, reply_timeout_min_ms, uint64_t), .min = 10,
			  .max = 999, .hint = REPLY_HINT },
	[U_REPLY_MAX] = { "reply_timeout_max", K_DURATION,
			  AT(struct config_udp, reply_timeout_max_ms, uint64_t), .min = 10,
			  .max = 999, .hint = REPLY_HINT },
};

static int udp_check(struct config_ctx *ctx, const struct config_node *map, void *obj,
		     const struct found *found);
TABLE(udp_table, "udp", "udp.", udp_fields, udp_check);

enum {
	FB_INTERVAL,
	FB_TIMEOUT,
};

static const struct field fallback_fields[] = {
	[FB_INTERVAL] = { "interval", K_DURATION, AT(struct config_fallback, interval_ms, uint64_t),
			  .min = 100, .max = HOUR },
	[FB_TIMEOUT] = { "timeout", K_DURATION, AT(struct config_fallback, timeout_ms, uint64_t),
			 .min = 10, .max = MINUTE },
};

static int fallback_check(struct config_ctx *ctx, const struct config_node *map, void *obj,
			  const struct found *found);
TABLE(fallback_table, "fallback", "fallback.", fallback_fields, fallback_check);

/*
 * The keys of `defaults:`, which a service may also set; PATH leads to a
 * struct config_policy. Kept out of clang-format, which mangles a macro of
 * initialisers.
 */
// clang-format off
#define POLICY_FIELDS(type, path)                                                                  \
	{ "scheduler", K_SCHEDULER, AT_STRING(type, path scheduler), WORDS(scheduler_words) },     \
	{ "forwarding", K_ENUM, AT(type, path forwarding, enum config_forwarding),                 \
	  WORDS(forwarding_words) },                                                               \
	{ "weight", K_UINT, AT(type, path weight, uint32_t), .min = 0, .max = 65535 },             \
	{ "persistence", K_DURATION, AT(type, path persistence_ms, uint64_t), .min = 0,            \
	  .max = 31 * DAY, .flags = F_WHOLE_SECONDS,                                               \
	  .hint = "IPVS keeps it in whole seconds" },                                           \
	{ "quarantine", K_SECTION, AT(type, path quarantine, struct config_quarantine),            \
	  .section = &quarantine_table },                                                          \
	{ "probation", K_SECTION, AT(type, path probation, struct config_probation),               \
	  .section = &probation_table },                                                           \
	{ "udp", K_SECTION, AT(type, path udp, struct config_udp), .section = &udp_table },        \
	{ "health", K_SECTION, AT(type, path health, struct config_health),                        \
	  .section = &health_table },                                                              \
	{ "fallback", K_SECTION, AT(type, path fallback, struct config_fallback),                  \
	  .section = &fallback_table }
// clang-format on

static const struct field policy_fields[] = {
	POLICY_FIELDS(struct config_policy, ),
};
TABLE(policy_table, "defaults", "", policy_fields, NULL);

enum {
	S_NAME,
	S_VIP,
	S_FWMARK,
	S_FAMILY,
	S_PROTOCOL,
	S_OPS,
	S_DESTINATIONS
};

/* `vip` or `fwmark`, one of the two: service_key() checks, knowing which were there. */
static const struct field service_fields[] = {
	[S_NAME] = { "name", K_NAME, AT_STRING(struct config_service, name), .flags = F_REQUIRED },
	[S_VIP] = { "vip", K_ADDR, AT(struct config_service, vip, struct config_addr) },
	/* the kernel's fwmark is a u32, and 0 means "no mark" */
	[S_FWMARK] = { "fwmark", K_UINT, AT(struct config_service, fwmark, uint32_t), .min = 1,
		       .max = UINT32_MAX },
	[S_FAMILY] = { "family", K_DEFERRED },
	[S_PROTOCOL] = { "protocol", K_PROTOCOL, AT(struct config_service, protocol, uint8_t) },
	[S_OPS] = { "ops", K_BOOL, AT(struct config_service, ops, bool) },
	[S_DESTINATIONS] = { "destinations", K_DEFERRED, .flags = F_REQUIRED },
	POLICY_FIELDS(struct config_service, policy.),
};
TABLE(service_table, "service", "", service_fields, NULL);

static const struct field dest_fields[] = {
	{ "address", K_ADDR, AT(struct config_dest, addr, struct config_addr),
	  .flags = F_REQUIRED },
	{ "weight", K_UINT, AT(struct config_dest, weight, uint32_t), .min = 0, .max = 65535 },
};
TABLE(dest_table, "destination", "", dest_fields, NULL);

static const struct field agent_fields[] = {
	{ "interface", K_IFNAME, AT_STRING(struct config_agent, interface) },
	{ "state_dir", K_PATH, AT_STRING(struct config_agent, state_dir) },
	{ "control_socket", K_PATH, AT_STRING(struct config_agent, control_socket) },
	{ "control_group", K_NAME, AT_STRING(struct config_agent, control_group) },
	{ "reconcile_interval", K_DURATION,
	  AT(struct config_agent, reconcile_interval_ms, uint64_t), .min = SECOND, .max = HOUR },
	{ "sysctls", K_BOOL, AT(struct config_agent, sysctls, bool) },
	{ "max_flows", K_UINT, AT(struct config_agent, max_flows, uint32_t), .min = 1024,
	  .max = 4194304 },
	{ "ringbuf_size", K_SIZE, AT(struct config_agent, ringbuf_size, uint64_t), .min = 64 * KiB,
	  .max = 256 * MiB, .flags = F_POWER_OF_TWO },
	{ "metrics", K_LISTEN, AT(struct config_agent, metrics, struct config_addr) },
};
TABLE(agent_table, "agent", "agent.", agent_fields, NULL);

enum {
	R_AGENT,
	R_DEFAULTS,
	R_INCLUDE,
	R_SERVICES
};

static const struct field root_fields[] = {
	[R_AGENT] = { "agent", K_SECTION, AT(struct config, agent, struct config_agent),
		      .section = &agent_table },
	[R_DEFAULTS] = { "defaults", K_SECTION, AT(struct config, defaults, struct config_policy),
			 .section = &policy_table },
	[R_INCLUDE] = { .key = "include", .kind = K_DEFERRED },
	[R_SERVICES] = { .key = "services", .kind = K_DEFERRED },
};
TABLE(root_table, "the top level", "", root_fields, NULL);

/* An included file holds services only: settings that apply to all belong in one place. */
static const struct field included_fields[] = {
	{ .key = "services", .kind = K_DEFERRED },
};
TABLE(included_table, "an included file", "", included_fields, NULL);

static int fail_at(struct config_ctx *ctx, const struct config_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct config_ctx *ctx, const struct config_node *n, const char *fmt, ...)
{
	char message[sizeof(ctx->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return config_fail(ctx, -EINVAL, n->line, n->column, "%s", message);
}

/* "a list", "a mapping" or the quoted scalar, for "X must be Y, got Z". */
static const char *describe(const struct config_node *n, char *buf, size_t size)
{
	switch (n->kind) {
	case CONFIG_NODE_SEQUENCE:
		return "a list";
	case CONFIG_NODE_MAPPING:
		return "a mapping";
	default:
		if (config_node_is_null(n))
			return "nothing";
		return config_quote(n->text, buf, size);
	}
}

/*
 * YAML reads an unquoted [fd00::1] as a list of one string, and [fd00::1]:80
 * in a flow list as a mapping from that list to 80. If N is either, *BUF gets
 * the quoted address:port that was meant, for a hint.
 */
static bool unquoted_ipv6(const struct config_node *n, char *buf, size_t size)
{
	const struct config_node *list = n, *port = NULL;
	uint8_t addr[16];
	uint64_t p;

	if (n->kind == CONFIG_NODE_MAPPING) {
		if (!n->child || !n->child->next || n->child->next->next)
			return false; /* not a single pair */
		list = n->child;
		port = n->child->next;
	}
	if (list->kind != CONFIG_NODE_SEQUENCE || !list->child || list->child->next ||
	    list->child->kind != CONFIG_NODE_SCALAR ||
	    inet_pton(AF_INET6, list->child->text, addr) != 1)
		return false;
	if (port && (port->kind != CONFIG_NODE_SCALAR || config_uint_parse(port->text, &p) < 0))
		port = NULL;
	/* both are short: an address inet_pton() took, and digits */
	snprintf(buf, size, "\"[%s]:%s\"", list->child->text, port ? port->text : "PORT");
	return true;
}

static const char *noun(enum kind k)
{
	switch (k) {
	case K_SECTION:
		return "a mapping";
	case K_UINT:
		return "an integer";
	case K_DURATION:
		return "a duration";
	case K_SIZE:
		return "a size";
	case K_FRACTION:
	case K_PERCENT:
		return "a percentage";
	case K_DECIMAL:
		return "a number";
	case K_BOOL:
		return "true or false";
	case K_IFNAME:
		return "an interface name";
	case K_PATH:
		return "a path";
	case K_LISTEN:
	case K_ADDR:
		return "address:port";
	case K_DNS_NAME:
		return "a domain name";
	default:
		return "a string";
	}
}

static const char *words_join(const char *const *words, unsigned int n, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		int len;

		if (!words[i])
			continue;
		len = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", words[i]);
		if (len < 0 || (size_t)len >= size - used)
			break;
		used += (size_t)len;
	}
	return buf;
}

static const char *table_keys(const struct table *t, char *buf, size_t size)
{
	const char *keys[MAX_FIELDS];

	for (unsigned int i = 0; i < t->n_fields; i++)
		keys[i] = t->fields[i].key;
	return words_join(keys, t->n_fields, buf, size);
}

static int word_index(const char *const *words, unsigned int n, const char *text)
{
	for (unsigned int i = 0; i < n; i++)
		if (words[i] && !strcmp(words[i], text))
			return (int)i;
	return -1;
}

static void size_format(uint64_t bytes, char *buf, size_t size)
{
	if (bytes && bytes % MiB == 0)
		snprintf(buf, size, "%lluMiB", (unsigned long long)(bytes / MiB));
	else if (bytes && bytes % KiB == 0)
		snprintf(buf, size, "%lluKiB", (unsigned long long)(bytes / KiB));
	else
		snprintf(buf, size, "%llu", (unsigned long long)bytes);
}

static int range_error(struct config_ctx *ctx, const struct config_node *v, const char *label,
		       const char *lo, const char *hi, const struct field *f)
{
	char q[CONFIG_QUOTE_SIZE];

	return fail_at(ctx, v, "%s %s is out of range %s..%s%s%s%s", label,
		       config_quote(v->text, q, sizeof(q)), lo, hi, f->hint ? " (" : "",
		       f->hint ? f->hint : "", f->hint ? ")" : "");
}

static int apply_uint(struct config_ctx *ctx, const struct field *f, const char *label,
		      const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], lo[24], hi[24];
	uint64_t n;
	int r;

	snprintf(lo, sizeof(lo), "%llu", (unsigned long long)f->min);
	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)f->max);
	r = config_uint_parse(v->text, &n);
	if (r == -EINVAL)
		return fail_at(ctx, v, "bad %s %s (expected an integer %s..%s)", label,
			       config_quote(v->text, q, sizeof(q)), lo, hi);
	if (r < 0 || n < f->min || n > f->max)
		return range_error(ctx, v, label, lo, hi, f);
	*(uint32_t *)dst = (uint32_t)n;
	return 0;
}

static int apply_duration(struct config_ctx *ctx, const struct field *f, const char *label,
			  const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], lo[24], hi[24], why[128];
	uint64_t ms;
	int r;

	r = config_duration_parse_why(v->text, &ms, why, sizeof(why));
	if (r == -EINVAL)
		return fail_at(ctx, v, "bad %s %s (%s)", label, config_quote(v->text, q, sizeof(q)),
			       why);
	if (r < 0 || ms < f->min || ms > f->max) {
		config_duration_format(f->min, lo, sizeof(lo));
		config_duration_format(f->max, hi, sizeof(hi));
		return range_error(ctx, v, label, lo, hi, f);
	}
	if ((f->flags & F_WHOLE_SECONDS) && ms % SECOND)
		return fail_at(ctx, v, "%s %s is not a whole number of seconds", label,
			       config_quote(v->text, q, sizeof(q)));
	*(uint64_t *)dst = ms;
	return 0;
}

static int apply_size(struct config_ctx *ctx, const struct field *f, const char *label,
		      const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], lo[24], hi[24];
	uint64_t bytes;
	int r;

	r = config_size_parse(v->text, &bytes);
	if (r == -EINVAL)
		return fail_at(ctx, v,
			       "bad %s %s (expected a number of bytes or a size such as 64KiB or "
			       "4MiB)",
			       label, config_quote(v->text, q, sizeof(q)));
	if (r < 0 || bytes < f->min || bytes > f->max) {
		size_format(f->min, lo, sizeof(lo));
		size_format(f->max, hi, sizeof(hi));
		return range_error(ctx, v, label, lo, hi, f);
	}
	if ((f->flags & F_POWER_OF_TWO) && (bytes & (bytes - 1)))
		return fail_at(ctx, v, "%s %s is not a power of two", label,
			       config_quote(v->text, q, sizeof(q)));
	*(uint64_t *)dst = bytes;
	return 0;
}

static int apply_fraction(struct config_ctx *ctx, const struct field *f, const char *label,
			  const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], lo[24], hi[24];
	double x;

	if (config_fraction_parse(v->text, &x) < 0)
		return fail_at(ctx, v,
			       "bad %s %s (expected a percentage such as 10%% or a fraction such "
			       "as 0.1)",
			       label, config_quote(v->text, q, sizeof(q)));
	if (x < f->fmin || x > f->fmax) {
		snprintf(lo, sizeof(lo), "%g%%", f->fmin * 100);
		snprintf(hi, sizeof(hi), "%g%%", f->fmax * 100);
		/* "jitter: 10" most likely meant 10%, not ten times the whole */
		if (!strchr(v->text, '%') && x > 1)
			return fail_at(ctx, v,
				       "%s %s is out of range %s..%s (a percentage needs a %% "
				       "sign: %s%%)",
				       label, config_quote(v->text, q, sizeof(q)), lo, hi, v->text);
		return range_error(ctx, v, label, lo, hi, f);
	}
	*(double *)dst = x;
	return 0;
}

/* The *_percent keys: a whole percentage, with or without its sign. */
static int apply_percent(struct config_ctx *ctx, const struct field *f, const char *label,
			 const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], lo[24], hi[24];
	uint64_t n;
	int r;

	snprintf(lo, sizeof(lo), "%llu%%", (unsigned long long)f->min);
	snprintf(hi, sizeof(hi), "%llu%%", (unsigned long long)f->max);
	r = config_percent_parse(v->text, &n);
	if (r == -EINVAL)
		return fail_at(ctx, v,
			       "bad %s %s (expected a whole percentage %s..%s such as 50%% or 50)",
			       label, config_quote(v->text, q, sizeof(q)), lo, hi);
	if (r < 0 || n < f->min || n > f->max)
		return range_error(ctx, v, label, lo, hi, f);
	*(uint32_t *)dst = (uint32_t)n;
	return 0;
}

static int apply_decimal(struct config_ctx *ctx, const struct field *f, const char *label,
			 const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], lo[24], hi[24];
	double x;

	if (config_decimal_parse(v->text, &x) < 0)
		return fail_at(ctx, v, "bad %s %s (expected a number such as 2.0)", label,
			       config_quote(v->text, q, sizeof(q)));
	if (x < f->fmin || x > f->fmax) {
		snprintf(lo, sizeof(lo), "%.1f", f->fmin);
		snprintf(hi, sizeof(hi), "%.1f", f->fmax);
		return range_error(ctx, v, label, lo, hi, f);
	}
	*(double *)dst = x;
	return 0;
}

static int apply_words(struct config_ctx *ctx, const struct field *f, const char *label,
		       const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], list[256];
	int i = word_index(f->words, f->n_words, v->text);

	if (i < 0)
		return fail_at(ctx, v, "unknown %s %s (expected %s)", label,
			       config_quote(v->text, q, sizeof(q)),
			       words_join(f->words, f->n_words, list, sizeof(list)));
	if (f->kind == K_SCHEDULER)
		snprintf(dst, f->size, "%s", f->words[i]);
	else
		*(int *)dst = i;
	return 0;
}

/* The kernel's dev_valid_name(): the rules `ip link add` would enforce later. */
static int apply_ifname(struct config_ctx *ctx, const struct field *f, const char *label,
			const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE];
	size_t len = strlen(v->text);

	if (len == 0 || len > CONFIG_IFNAME_MAX)
		return fail_at(ctx, v, "bad %s %s (an interface name has 1..%u characters)", label,
			       config_quote(v->text, q, sizeof(q)), CONFIG_IFNAME_MAX);
	if (!strcmp(v->text, ".") || !strcmp(v->text, ".."))
		return fail_at(ctx, v, "bad %s %s (not a valid interface name)", label,
			       config_quote(v->text, q, sizeof(q)));
	for (const char *p = v->text; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return fail_at(ctx, v,
				       "bad %s %s (an interface name cannot contain '/', ':' or "
				       "whitespace)",
				       label, config_quote(v->text, q, sizeof(q)));
	snprintf(dst, f->size, "%s", v->text);
	return 0;
}

static int apply_path(struct config_ctx *ctx, const struct field *f, const char *label,
		      const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE];
	size_t len = strlen(v->text);

	if (v->text[0] != '/')
		return fail_at(ctx, v, "%s %s must be an absolute path", label,
			       config_quote(v->text, q, sizeof(q)));
	if (len >= f->size)
		return fail_at(ctx, v, "%s is too long (%zu bytes, at most %zu)", label, len,
			       f->size - 1);
	memcpy(dst, v->text, len + 1);
	return 0;
}

static bool addr_is_unspecified(const struct config_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->addr, zero, a->family == AF_INET ? 4 : 16);
}

static int apply_addr(struct config_ctx *ctx, const struct field *f, const char *label,
		      const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE], why[160];
	struct config_addr a;

	if (f->kind == K_LISTEN && v->text[0] == '\0') {
		memset(dst, 0, sizeof(struct config_addr)); /* "" = off */
		return 0;
	}
	if (config_addr_parse(v->text, &a, why, sizeof(why)) < 0) {
		/* the bracketed form the reason suggests must not be written bare */
		bool quotes =
		    v->plain && !strncmp(why, CONFIG_IPV6_BRACKETS, strlen(CONFIG_IPV6_BRACKETS));

		return fail_at(ctx, v, "bad %s %s: %s%s%s", label,
			       config_quote(v->text, q, sizeof(q)), why,
			       quotes ? " (and quotes: YAML reads a bare [...] as a list)" : "",
			       f->kind == K_LISTEN ? " (or \"\" for off)" : "");
	}
	/* Listening on any address is fine; balancing to or from "any" is not. */
	if (f->kind != K_LISTEN && addr_is_unspecified(&a))
		return fail_at(ctx, v, "bad %s %s: the unspecified address cannot be used here",
			       label, config_quote(v->text, q, sizeof(q)));
	*(struct config_addr *)dst = a;
	return 0;
}

static int apply_name(struct config_ctx *ctx, const struct field *f, const char *label,
		      const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE];
	size_t len = strlen(v->text);

	if (len > CONFIG_NAME_MAX)
		return fail_at(ctx, v, "%s %s is too long (%zu characters, at most %u)", label,
			       config_quote(v->text, q, sizeof(q)), len, CONFIG_NAME_MAX);
	/* Names go into control socket commands, state files and metric labels unescaped. */
	if (len == 0 || strspn(v->text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789._-") != len)
		return fail_at(ctx, v, "bad %s %s (expected 1..%u characters of A-Z a-z 0-9 . _ -)",
			       label, config_quote(v->text, q, sizeof(q)), CONFIG_NAME_MAX);
	memcpy(dst, v->text, len + 1);
	return 0;
}

static int apply_protocol(struct config_ctx *ctx, const struct field *f, const char *label,
			  const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE];

	if (!strcmp(v->text, "tcp"))
		*(uint8_t *)dst = IPPROTO_TCP;
	else if (!strcmp(v->text, "udp"))
		*(uint8_t *)dst = IPPROTO_UDP;
	else
		return fail_at(ctx, v, "unknown %s %s (expected tcp, udp)", label,
			       config_quote(v->text, q, sizeof(q)));
	return 0;
}

/*
 * What the DNS probe asks for, in text: "." (the root) or labels of 1..63
 * characters joined by dots, 253 characters at most without the optional
 * final dot (RFC 1035's 255 bytes on the wire). Letters, digits, '-' and
 * '_' only: the query is built from the text, without escapes.
 */
static int apply_dns_name(struct config_ctx *ctx, const struct field *f, const char *label,
			  const struct config_node *v, void *dst)
{
	char q[CONFIG_QUOTE_SIZE];
	const char *text = v->text;
	size_t len = strlen(text), label_len = 0;

	if (!strcmp(text, ".")) {
		snprintf(dst, f->size, "%s", text);
		return 0;
	}
	if (len && text[len - 1] == '.')
		len--;
	if (len == 0)
		return fail_at(ctx, v,
			       "bad %s %s (expected a domain name such as example.com, or "
			       "\".\" for the root)",
			       label, config_quote(text, q, sizeof(q)));
	if (len > CONFIG_DNS_NAME_MAX)
		return fail_at(ctx, v, "%s is too long (%zu characters, at most %u)", label, len,
			       CONFIG_DNS_NAME_MAX);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '.') {
			if (label_len == 0)
				return fail_at(ctx, v, "bad %s %s (empty label)", label,
					       config_quote(text, q, sizeof(q)));
			if (label_len > 63)
				return fail_at(ctx, v,
					       "bad %s %s (a label of %zu characters, at most 63)",
					       label, config_quote(text, q, sizeof(q)), label_len);
			label_len = 0;
			continue;
		}
		if (!isalnum((unsigned char)text[i]) && text[i] != '-' && text[i] != '_')
			return fail_at(ctx, v,
				       "bad %s %s (a domain name has letters, digits, '-', '_' "
				       "and dots)",
				       label, config_quote(text, q, sizeof(q)));
		label_len++;
	}
	snprintf(dst, f->size, "%s", text);
	return 0;
}

/* A YAML string's bytes (escapes such as \r\n work; NUL cannot be written). */
static int apply_payload(struct config_ctx *ctx, const struct field *f, const char *label,
			 const struct config_node *v, void *obj)
{
	size_t len = strlen(v->text);

	if (len > f->size)
		return fail_at(ctx, v, "%s is too long (%zu bytes, at most %zu)", label, len,
			       f->size);
	memcpy((char *)obj + f->offset, v->text, len);
	*(uint32_t *)((char *)obj + f->aux) = (uint32_t)len;
	return 0;
}

static int apply_mapping(struct config_ctx *ctx, const struct config_node *map,
			 const struct table *t, void *obj, struct found *found);

static int apply_field(struct config_ctx *ctx, const struct table *t, const struct field *f,
		       const struct config_node *k, const struct config_node *v, void *obj)
{
	char label[64], d[CONFIG_QUOTE_SIZE];
	void *dst = (char *)obj + f->offset;
	bool b;

	snprintf(label, sizeof(label), "%s%s", t->prefix, f->key);
	/* Null is never a value: "weight:" with nothing after it is a slip, not a zero. */
	if (config_node_is_null(v))
		return fail_at(ctx, k, "missing value for %s", label);
	if (f->kind == K_SECTION) {
		struct found sub;

		if (v->kind != CONFIG_NODE_MAPPING)
			return fail_at(ctx, v, "%s must be a mapping, got %s", label,
				       describe(v, d, sizeof(d)));
		return apply_mapping(ctx, v, f->section, dst, &sub);
	}
	if (v->kind != CONFIG_NODE_SCALAR) {
		if ((f->kind == K_ADDR || f->kind == K_LISTEN) && unquoted_ipv6(v, d, sizeof(d)))
			return fail_at(
			    ctx, v,
			    "%s must be address:port, got a list (" CONFIG_IPV6_QUOTE_HINT ": %s)",
			    label, d);
		return fail_at(ctx, v, "%s must be %s, got %s", label, noun(f->kind),
			       describe(v, d, sizeof(d)));
	}
	switch (f->kind) {
	case K_UINT:
		return apply_uint(ctx, f, label, v, dst);
	case K_DURATION:
		return apply_duration(ctx, f, label, v, dst);
	case K_SIZE:
		return apply_size(ctx, f, label, v, dst);
	case K_FRACTION:
		return apply_fraction(ctx, f, label, v, dst);
	case K_PERCENT:
		return apply_percent(ctx, f, label, v, dst);
	case K_DECIMAL:
		return apply_decimal(ctx, f, label, v, dst);
	case K_BOOL:
		if (config_bool_parse(v->text, &b) < 0)
			return fail_at(ctx, v, "bad %s %s (expected true or false)", label,
				       describe(v, d, sizeof(d)));
		*(bool *)dst = b;
		return 0;
	case K_ENUM:
	case K_SCHEDULER:
		return apply_words(ctx, f, label, v, dst);
	case K_IFNAME:
		return apply_ifname(ctx, f, label, v, dst);
	case K_PATH:
		return apply_path(ctx, f, label, v, dst);
	case K_LISTEN:
	case K_ADDR:
		return apply_addr(ctx, f, label, v, dst);
	case K_NAME:
		return apply_name(ctx, f, label, v, dst);
	case K_PROTOCOL:
		return apply_protocol(ctx, f, label, v, dst);
	case K_DNS_NAME:
		return apply_dns_name(ctx, f, label, v, dst);
	case K_PAYLOAD:
		return apply_payload(ctx, f, label, v, obj);
	default:
		return config_fail(ctx, -EINVAL, v->line, v->column, "internal error: key %s",
				   label);
	}
}

static int lookup(const struct table *t, const char *key)
{
	for (unsigned int i = 0; i < t->n_fields; i++)
		if (!strcmp(t->fields[i].key, key))
			return (int)i;
	return -1;
}

static int apply_mapping(struct config_ctx *ctx, const struct config_node *map,
			 const struct table *t, void *obj, struct found *found)
{
	const struct config_node *k, *v;
	char q[CONFIG_QUOTE_SIZE], d[CONFIG_QUOTE_SIZE], keys[512];
	int r;

	memset(found, 0, sizeof(*found));
	for (k = map->child; k; k = v->next) {
		int i;

		v = k->next; /* libyaml pairs every key with a value, empty if need be */
		if (!v)
			return fail_at(ctx, k, "missing value for %s", k->text ? k->text : "key");
		if (k->kind != CONFIG_NODE_SCALAR)
			return fail_at(ctx, k, "keys in %s must be strings, got %s", t->what,
				       describe(k, d, sizeof(d)));
		i = lookup(t, k->text);
		if (i < 0)
			return fail_at(ctx, k, "unknown key %s in %s (expected %s)",
				       config_quote(k->text, q, sizeof(q)), t->what,
				       table_keys(t, keys, sizeof(keys)));
		if (found->key[i])
			return fail_at(ctx, k, "duplicate key %s in %s (first at %u:%u)",
				       config_quote(k->text, q, sizeof(q)), t->what,
				       found->key[i]->line, found->key[i]->column);
		found->key[i] = k;
		found->val[i] = v;
		if (t->fields[i].kind == K_DEFERRED)
			continue;
		r = apply_field(ctx, t, &t->fields[i], k, v, obj);
		if (r < 0)
			return r;
	}
	for (unsigned int i = 0; i < t->n_fields; i++)
		if ((t->fields[i].flags & F_REQUIRED) && !found->key[i])
			return fail_at(ctx, map, "missing key \"%s\" in %s", t->fields[i].key,
				       t->what);
	return t->check ? t->check(ctx, map, obj, found) : 0;
}

/*
 * The pairs of a quarantine must be consistent once this mapping is applied
 * over the inherited values. Those were consistent, so one of the pair was
 * set here: blame that one (the upper bound if both).
 */
static int order_check(struct config_ctx *ctx, const struct config_node *map, const char *section,
		       const char *lo_key, uint64_t lo, const struct config_node *lo_node,
		       const char *hi_key, uint64_t hi, const struct config_node *hi_node)
{
	char a[24], b[24];

	if (lo <= hi)
		return 0;
	config_duration_format(lo, a, sizeof(a));
	config_duration_format(hi, b, sizeof(b));
	if (hi_node || !lo_node)
		return fail_at(ctx, hi_node ? hi_node : map, "%s.%s %s is less than %s %s", section,
			       hi_key, b, lo_key, a);
	return fail_at(ctx, lo_node, "%s.%s %s is more than %s %s", section, lo_key, a, hi_key, b);
}

static int quarantine_check(struct config_ctx *ctx, const struct config_node *map, void *obj,
			    const struct found *found)
{
	const struct config_quarantine *q = obj;
	int r;

	r = order_check(ctx, map, "quarantine", "base", q->base_ms, found->val[Q_BASE], "max",
			q->max_ms, found->val[Q_MAX]);
	if (r < 0)
		return r;
	r = order_check(ctx, map, "quarantine", "syn_timeout_min", q->syn_timeout_min_ms,
			found->val[Q_SYN_MIN], "syn_timeout_max", q->syn_timeout_max_ms,
			found->val[Q_SYN_MAX]);
	if (r < 0)
		return r;
	return order_check(ctx, map, "quarantine", "syn_rto_min", q->syn_rto_min_ms,
			   found->val[Q_RTO_MIN], "syn_rto_max", q->syn_rto_max_ms,
			   found->val[Q_RTO_MAX]);
}

/* A reply timeout range, like the SYN timeout's. */
static int udp_check(struct config_ctx *ctx, const struct config_node *map, void *obj,
		     const struct found *found)
{
	const struct config_udp *u = obj;

	return order_check(ctx, map, "udp", "reply_timeout_min", u->reply_timeout_min_ms,
			   found->val[U_REPLY_MIN], "reply_timeout_max", u->reply_timeout_max_ms,
			   found->val[U_REPLY_MAX]);
}

/* A check still running when the next is due would make two at once. */
static int fallback_check(struct config_ctx *ctx, const struct config_node *map, void *obj,
			  const struct found *found)
{
	const struct config_fallback *f = obj;

	return order_check(ctx, map, "fallback", "timeout", f->timeout_ms, found->val[FB_TIMEOUT],
			   "interval", f->interval_ms, found->val[FB_INTERVAL]);
}

/* The items of a list, refusing more than MAX at the first one too many. */
static int list_count(struct config_ctx *ctx, const struct config_node *list, uint32_t max,
		      const char *what, uint32_t *ret)
{
	uint32_t n = 0;

	for (const struct config_node *i = list->child; i; i = i->next)
		if (++n > max)
			return fail_at(ctx, i, "too many %s (at most %u)", what, max);
	*ret = n;
	return 0;
}

static int dest_apply(struct config_ctx *ctx, const struct config_node *item,
		      const struct config_service *svc, struct config_dest *d)
{
	static const struct field string_form = { .key = "destination", .kind = K_ADDR };
	char q[CONFIG_QUOTE_SIZE];
	struct found found;

	d->weight = svc->policy.weight;
	d->mark = (struct config_mark){ item->line, item->column };
	if (unquoted_ipv6(item, q, sizeof(q)))
		return fail_at(ctx, item,
			       "a destination must be address:port or a mapping with address and "
			       "weight, got a list (" CONFIG_IPV6_QUOTE_HINT ": %s)",
			       q);
	if (item->kind == CONFIG_NODE_MAPPING)
		return apply_mapping(ctx, item, &dest_table, d, &found);
	if (item->kind != CONFIG_NODE_SCALAR)
		return fail_at(ctx, item,
			       "a destination must be address:port or a mapping with address and "
			       "weight, got %s",
			       describe(item, q, sizeof(q)));
	if (config_node_is_null(item))
		return fail_at(ctx, item, "empty destination in service %s", svc->name);
	return apply_addr(ctx, &string_form, "destination", item, &d->addr);
}

/* The key KEY of mapping MAP, or NULL. */
static const struct config_node *map_key(const struct config_node *map, const char *key)
{
	if (!map || map->kind != CONFIG_NODE_MAPPING)
		return NULL;
	for (const struct config_node *k = map->child; k && k->next; k = k->next->next)
		if (k->kind == CONFIG_NODE_SCALAR && !strcmp(k->text, key))
			return k;
	return NULL;
}

/*
 * What depends on the protocol, known once the whole service is read: the
 * UDP-only settings are refused on a TCP service where the service wrote
 * them (the defaults may carry them for the UDP services), and auto settles.
 */
static int service_resolve(struct config_ctx *ctx, const struct config_node *item,
			   const struct found *found, struct config_service *svc)
{
	const struct config_node *k;
	struct config_policy *p = &svc->policy;
	bool udp = svc->protocol == IPPROTO_UDP;

	k = found->key[lookup(&service_table, "udp")];
	if (!udp && k)
		return fail_at(ctx, k,
			       "udp in TCP service %s: udp settings are for services with "
			       "protocol: udp",
			       svc->name);
	if (!udp &&
	    (p->probation.probe == CONFIG_PROBE_DNS || p->probation.probe == CONFIG_PROBE_UDP)) {
		k = map_key(found->val[lookup(&service_table, "probation")], "probe");
		if (k)
			return fail_at(ctx, k,
				       "probation.probe %s in TCP service %s: dns and udp probes "
				       "are for services with protocol: udp",
				       config_probe_name(p->probation.probe), svc->name);
		return fail_at(ctx, item,
			       "service %s is TCP and cannot take probation.probe %s from "
			       "defaults (dns and udp probes are for protocol: udp); set "
			       "probation.probe in the service",
			       svc->name, config_probe_name(p->probation.probe));
	}
	/*
	 * A TCP connect says nothing of a UDP server; a DNS query does, and
	 * port 53 says the server speaks DNS. Other UDP services are probed
	 * only if the operator says how.
	 */
	if (p->probation.probe == CONFIG_PROBE_AUTO)
		p->probation.probe = !udp                  ? CONFIG_PROBE_TCP
				     : svc->vip.port == 53 ? CONFIG_PROBE_DNS
							   : CONFIG_PROBE_NONE;
	/*
	 * Weight 0 never moves a UDP client: IPVS reschedules only new TCP and
	 * SCTP connections (is_new_conn() in ip_vs_core.c), and a client's UDP
	 * entry lives for the UDP timeout (300 s) as long as it keeps sending.
	 * A removed destination's entries expire at their next packet with
	 * expire_nodest_conn=1, which vigild sets.
	 */
	if (p->quarantine.action == CONFIG_QUARANTINE_AUTO)
		p->quarantine.action = udp ? CONFIG_QUARANTINE_REMOVE : CONFIG_QUARANTINE_WEIGHT0;
	return 0;
}

static const char *const family_words[] = { "inet", "inet6" };

/*
 * `vip` or `fwmark`: exactly one. A fwmark service's family is what
 * `family` says; without it, its destinations' (settled by service_family()
 * once they are read).
 */
static int service_key(struct config_ctx *ctx, const struct config_node *item,
		       const struct found *found, struct config_service *svc, bool *ret_family_set)
{
	const struct config_node *fk = found->key[S_FAMILY], *fv = found->val[S_FAMILY];
	char q[CONFIG_QUOTE_SIZE], list[32];
	int i;

	*ret_family_set = false;
	if (found->key[S_VIP] && found->key[S_FWMARK])
		return fail_at(ctx, found->key[S_FWMARK],
			       "service %s has both vip and fwmark: a service is reached at a vip "
			       "(with its protocol) or by a firewall mark, not both",
			       svc->name);
	if (!found->key[S_VIP] && !found->key[S_FWMARK])
		return fail_at(ctx, item,
			       "missing key \"vip\" in service %s (or \"fwmark\" for a service of "
			       "firewall-marked packets)",
			       svc->name);
	if (found->key[S_VIP]) {
		if (fk)
			return fail_at(ctx, fk,
				       "family in service %s: a vip's family is its address's; "
				       "family is for fwmark services",
				       svc->name);
		svc->vip_mark =
		    (struct config_mark){ found->val[S_VIP]->line, found->val[S_VIP]->column };
		return 0;
	}
	svc->vip_mark =
	    (struct config_mark){ found->val[S_FWMARK]->line, found->val[S_FWMARK]->column };
	if (!fk)
		return 0;
	if (config_node_is_null(fv))
		return fail_at(ctx, fk, "missing value for family");
	i = fv->kind == CONFIG_NODE_SCALAR ? word_index(family_words, 2, fv->text) : -1;
	if (i < 0)
		return fail_at(ctx, fv, "unknown family %s (expected %s)",
			       describe(fv, q, sizeof(q)),
			       words_join(family_words, 2, list, sizeof(list)));
	svc->vip.family = i ? AF_INET6 : AF_INET;
	*ret_family_set = true;
	return 0;
}

/* A fwmark service without `family`: its destinations', which must agree. */
static int service_family(struct config_ctx *ctx, const struct found *found,
			  struct config_service *svc)
{
	svc->vip.family = svc->dests[0].addr.family;
	for (uint32_t i = 1; i < svc->n_dests; i++)
		if (svc->dests[i].addr.family != svc->vip.family)
			return fail_at(ctx, found->key[S_FWMARK],
				       "fwmark service %s has both IPv4 and IPv6 destinations: say "
				       "which family its packets are with family: inet or inet6",
				       svc->name);
	return 0;
}

/*
 * One-packet scheduling schedules every datagram on its own: IPVS applies
 * it to UDP only (ip_vs_onepacket_enabled()), so on a TCP service it would
 * be a setting that does nothing.
 */
static int service_ops(struct config_ctx *ctx, const struct found *found,
		       const struct config_service *svc)
{
	if (!svc->ops || svc->protocol == IPPROTO_UDP)
		return 0;
	return fail_at(ctx, found->val[S_OPS],
		       "ops in TCP service %s: one-packet scheduling is for UDP services "
		       "(protocol: udp)",
		       svc->name);
}

static int service_dests(struct config_ctx *ctx, const struct found *found,
			 struct config_service *svc)
{
	const struct config_node *k = found->key[S_DESTINATIONS],
				 *list = found->val[S_DESTINATIONS];
	char d[CONFIG_QUOTE_SIZE], what[96];
	uint32_t n = 0;
	int r;

	if (config_node_is_null(list))
		return fail_at(ctx, k, "missing value for destinations of service %s", svc->name);
	if (list->kind != CONFIG_NODE_SEQUENCE)
		return fail_at(ctx, list, "destinations must be a list, got %s",
			       describe(list, d, sizeof(d)));
	snprintf(what, sizeof(what), "destinations in service %s", svc->name);
	r = list_count(ctx, list, CONFIG_MAX_DESTINATIONS, what, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return fail_at(ctx, list, "service %s has no destinations (at least 1 is needed)",
			       svc->name);
	svc->dests = calloc(n, sizeof(*svc->dests));
	if (!svc->dests)
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	for (const struct config_node *i = list->child; i; i = i->next) {
		r = dest_apply(ctx, i, svc, &svc->dests[svc->n_dests++]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int service_apply(struct config_ctx *ctx, const struct config_node *item,
			 const struct config *c, struct config_service *svc)
{
	char d[CONFIG_QUOTE_SIZE];
	struct found found;
	bool family_set;
	int r;

	if (item->kind != CONFIG_NODE_MAPPING)
		return fail_at(
		    ctx, item,
		    "a service must be a mapping with name, vip and destinations, got %s",
		    describe(item, d, sizeof(d)));
	svc->protocol = IPPROTO_TCP;
	svc->policy = c->defaults; /* the service's keys override field by field */
	svc->mark = (struct config_mark){ item->line, item->column };
	svc->file = ctx->file_index;
	r = apply_mapping(ctx, item, &service_table, svc, &found);
	if (r < 0)
		return r;
	svc->name_mark = (struct config_mark){ found.val[S_NAME]->line, found.val[S_NAME]->column };
	r = service_key(ctx, item, &found, svc, &family_set);
	if (r == 0)
		r = service_resolve(ctx, item, &found, svc);
	if (r == 0)
		r = service_ops(ctx, &found, svc);
	if (r == 0)
		r = service_dests(ctx, &found, svc);
	if (r == 0 && svc->fwmark && !family_set)
		r = service_family(ctx, &found, svc);
	return r;
}

/* Appends the services of LIST (the value of key K) to C's. */
static int services_apply(struct config_ctx *ctx, const struct config_node *k,
			  const struct config_node *list, struct config *c)
{
	struct config_service *grown;
	char d[CONFIG_QUOTE_SIZE];
	uint32_t n = 0;
	int r;

	if (config_node_is_null(list))
		return fail_at(ctx, k, "missing value for services (write [] for none)");
	if (list->kind != CONFIG_NODE_SEQUENCE)
		return fail_at(ctx, list, "services must be a list, got %s",
			       describe(list, d, sizeof(d)));
	r = list_count(ctx, list, CONFIG_MAX_SERVICES, "services", &n);
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	if (n > CONFIG_MAX_SERVICES - c->n_services)
		return fail_at(ctx, list,
			       "too many services (at most %u in the config and the files it "
			       "includes)",
			       CONFIG_MAX_SERVICES);
	grown = realloc(c->services, (c->n_services + n) * sizeof(*c->services));
	if (!grown)
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	c->services = grown;
	memset(c->services + c->n_services, 0, n * sizeof(*c->services));
	for (const struct config_node *i = list->child; i; i = i->next) {
		/* counted first, so config_free() sees the destinations of a half-done one */
		r = service_apply(ctx, i, c, &c->services[c->n_services++]);
		if (r < 0)
			return r;
	}
	return 0;
}

void config_patterns_free(struct config_patterns *p)
{
	for (uint32_t i = 0; i < p->n; i++)
		free(p->v[i].text);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int pattern_add(struct config_ctx *ctx, const struct config_node *n,
		       struct config_patterns *ret)
{
	char d[CONFIG_QUOTE_SIZE], *text;

	if (n->kind != CONFIG_NODE_SCALAR || config_node_is_null(n))
		return fail_at(ctx, n, "include must list file names or patterns, got %s",
			       describe(n, d, sizeof(d)));
	if (n->text[0] == '\0')
		return fail_at(ctx, n, "empty include pattern");
	if (ret->n == CONFIG_MAX_INCLUDES)
		return fail_at(ctx, n, "too many include patterns (at most %u)",
			       CONFIG_MAX_INCLUDES);
	text = strdup(n->text);
	if (!text)
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	ret->v[ret->n++] = (struct config_pattern){ text, n->line, n->column };
	return 0;
}

/* `include: PATTERN` or `include: [PATTERN, ...]`. */
static int includes_apply(struct config_ctx *ctx, const struct config_node *k,
			  const struct config_node *v, struct config_patterns *ret)
{
	int r = 0;

	if (config_node_is_null(v))
		return fail_at(ctx, k, "missing value for include (a pattern or a list of them)");
	ret->v = calloc(CONFIG_MAX_INCLUDES, sizeof(*ret->v));
	if (!ret->v)
		return config_fail(ctx, -ENOMEM, 0, 0, "out of memory");
	if (v->kind != CONFIG_NODE_SEQUENCE)
		return pattern_add(ctx, v, ret);
	for (const struct config_node *i = v->child; i && r == 0; i = i->next)
		r = pattern_add(ctx, i, ret);
	return r;
}

int config_schema_apply(struct config_ctx *ctx, const struct config_node *root, struct config *c,
			struct config_patterns *ret_includes)
{
	char d[CONFIG_QUOTE_SIZE];
	struct found found;
	int r;

	memset(ret_includes, 0, sizeof(*ret_includes));
	if (!root || config_node_is_null(root))
		return config_fail(ctx, -EINVAL, root ? root->line : 1, root ? root->column : 1,
				   "config is empty (expected a mapping with a services key)");
	if (root->kind != CONFIG_NODE_MAPPING)
		return fail_at(ctx, root, "the top level must be a mapping, got %s",
			       describe(root, d, sizeof(d)));
	r = apply_mapping(ctx, root, &root_table, c, &found);
	if (r < 0)
		return r;
	/*
	 * Required, although an empty list is a valid config: a file cut short
	 * before its services must not read as "no services", which a reload
	 * would obey by deleting every service vigild owns. Files that include
	 * others too: `services: []` says that all of them are elsewhere.
	 */
	if (!found.key[R_SERVICES])
		return fail_at(ctx, root,
			       "no \"services\" key: a config must list its services; write "
			       "\"services: []\" to remove them all");
	if (found.key[R_INCLUDE]) {
		r = includes_apply(ctx, found.key[R_INCLUDE], found.val[R_INCLUDE], ret_includes);
		if (r < 0)
			return r;
	}
	return services_apply(ctx, found.key[R_SERVICES], found.val[R_SERVICES], c);
}

int config_schema_apply_included(struct config_ctx *ctx, const struct config_node *root,
				 struct config *c)
{
	static const char *const main_only[] = { "agent", "defaults", "include" };
	char d[CONFIG_QUOTE_SIZE];
	struct found found;
	int r;

	if (!root || config_node_is_null(root))
		return config_fail(ctx, -EINVAL, root ? root->line : 1, root ? root->column : 1,
				   "included file is empty (expected a mapping with a services "
				   "key)");
	if (root->kind != CONFIG_NODE_MAPPING)
		return fail_at(ctx, root, "the top level must be a mapping, got %s",
			       describe(root, d, sizeof(d)));
	for (const struct config_node *k = root->child; k && k->next; k = k->next->next)
		for (size_t i = 0; i < ARRAY_SIZE(main_only); i++)
			if (k->kind == CONFIG_NODE_SCALAR && !strcmp(k->text, main_only[i]))
				return fail_at(ctx, k,
					       "%s in an included file: included files hold "
					       "services only; %s belongs in the main config %s",
					       main_only[i], main_only[i], c->source);
	r = apply_mapping(ctx, root, &included_table, c, &found);
	if (r < 0)
		return r;
	/* as in the main file: a file cut short must not delete its services */
	if (!found.key[0])
		return fail_at(ctx, root,
			       "no \"services\" key: an included file must list its services; "
			       "write \"services: []\" for none");
	return services_apply(ctx, found.key[0], found.val[0], c);
}
