/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil's configuration: YAML text -> a typed, validated model.
 *
 * A library: it never logs, keeps no globals and never exits. Every function
 * that can fail returns 0 or -errno and, when given a struct config_error,
 * explains the failure as FILE:LINE:COL: message (1-based, like compilers).
 *
 * The model is resolved: each service carries its complete policy (built-in
 * defaults, then the file's `defaults:`, then the service's own keys), so the
 * agent never merges anything. Services and destinations are in file order.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONFIG_DEFAULT_PATH "/etc/vigil/vigil.yaml"

/* Bounds on what a config file can make us allocate or program. */
#define CONFIG_MAX_FILE_SIZE    (16u << 20)
#define CONFIG_MAX_SERVICES     4096u      /* as many as the vips BPF map holds */
#define CONFIG_MAX_DESTINATIONS 1000u      /* per service */
#define CONFIG_MAX_DEPTH        16u        /* YAML nesting; a valid config needs 5 */
#define CONFIG_MAX_NODES        (1u << 21) /* YAML nodes in one file */
#define CONFIG_MAX_STRING       4096u      /* bytes in one YAML scalar */
#define CONFIG_MAX_INCLUDES     64u        /* patterns in `include:` */
#define CONFIG_MAX_FILES        1024u      /* files the patterns match, all told */

#define CONFIG_NAME_MAX           63  /* service name */
#define CONFIG_SCHEDULER_MAX      15  /* IP_VS_SCHEDNAME_MAXLEN - 1 */
#define CONFIG_IFNAME_MAX         15  /* IFNAMSIZ - 1 */
#define CONFIG_STATE_DIR_MAX      255 /* leaves room under PATH_MAX for the files inside */
#define CONFIG_CONTROL_SOCKET_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */

/* A position in the source, 1-based; 0/0 when the object did not come from a file. */
struct config_mark {
	uint32_t line, column;
};

/*
 * An address and port. Duplicate detection compares these, so the layout has
 * no padding and unused address bytes (after an IPv4 address) are zero.
 */
struct config_addr {
	uint16_t family;  /* AF_INET or AF_INET6; 0 = unset */
	uint16_t port;    /* host byte order */
	uint8_t addr[16]; /* network byte order; IPv4 uses the first 4 bytes */
};
_Static_assert(sizeof(struct config_addr) == 20, "config_addr has no padding");

enum config_forwarding {
	CONFIG_FORWARD_MASQ,
	CONFIG_FORWARD_ROUTE, /* direct routing, IPVS "gatewaying" */
	CONFIG_FORWARD_TUNNEL,
};

enum config_quarantine_action {
	CONFIG_QUARANTINE_WEIGHT0, /* keep the destination at weight 0 */
	CONFIG_QUARANTINE_REMOVE,
	/*
	 * Only in config.defaults: remove for UDP services (IPVS keeps a UDP
	 * client on its destination while its connection entry lives, weight 0
	 * or not; a removed destination's entries expire with
	 * expire_nodest_conn), weight0 for TCP.
	 */
	CONFIG_QUARANTINE_AUTO,
};

/* quarantine.syn_rto: whether sockops shortens the SYN RTO of connections through the VIP */
enum config_syn_rto {
	CONFIG_SYN_RTO_AUTO, /* from the destinations' RTTs, when the kernel's HZ is known */
	CONFIG_SYN_RTO_OFF,  /* the kernel's 1 s */
};

/*
 * quarantine.reset_established: what vigild does to the client's own
 * established sockets to a destination quarantined for silence.
 */
enum config_reset_established {
	/*
	 * reset those stalled on it (data unacknowledged and retransmitted,
	 * or window probes unanswered), which would otherwise hang until
	 * tcp_retries2 (about 15 min); idle ones are left alone
	 */
	CONFIG_RESET_STALLED,
	CONFIG_RESET_NONE, /* leave them to the kernel */
};

enum config_probe {
	CONFIG_PROBE_AUTO, /* only in config.defaults: tcp for TCP, dns for UDP port 53, else none
			    */
	CONFIG_PROBE_NONE,
	CONFIG_PROBE_TCP,
	CONFIG_PROBE_DNS, /* a DNS query for probation.dns_name; any well-formed answer passes */
	CONFIG_PROBE_UDP, /* probation.udp_payload; any reply passes */
};

#define CONFIG_DNS_NAME_MAX    253 /* a domain name in text, without the final dot */
#define CONFIG_UDP_PAYLOAD_MAX 512

/* The parser stores enums through an int; the asserts keep that honest. */
_Static_assert(sizeof(enum config_forwarding) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum config_quarantine_action) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum config_probe) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum config_syn_rto) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum config_reset_established) == sizeof(int), "enum stored as int");

/* Durations are milliseconds; fractions are 0.0..1.0 (10% = 0.1). */
struct config_quarantine {
	enum config_quarantine_action action;
	uint64_t base_ms;
	uint64_t max_ms;
	double multiplier;
	double jitter;
	uint32_t max_ejected_percent; /* 0..100 */
	uint64_t syn_timeout_min_ms;
	uint64_t syn_timeout_max_ms;
	uint32_t syn_timeout_rtt_factor;
	enum config_syn_rto syn_rto;
	uint64_t syn_rto_min_ms;
	uint64_t syn_rto_max_ms;
	uint32_t failures;
	uint64_t window_ms;
	bool enforce;                  /* false: decide, log and show, but leave IPVS alone */
	uint32_t confirm_tries;        /* probes that confirm a suspicion; 0: none */
	uint32_t outlier_percent;      /* 0..100; 0: no outlier ejection */
	uint32_t outlier_min_attempts; /* attempts within window before it counts */
	enum config_reset_established reset_established;
};

struct config_probation {
	enum config_probe probe;
	char dns_name[CONFIG_DNS_NAME_MAX + 2];      /* probe dns: the name asked for (SOA) */
	uint8_t udp_payload[CONFIG_UDP_PAYLOAD_MAX]; /* probe udp: the datagram sent */
	uint32_t udp_payload_len;
	uint64_t interval_ms;
	uint64_t timeout_ms;
	uint32_t successes;
	uint64_t warmup_ms;
};

struct config_health {
	bool enabled;
	uint64_t interval_ms;
	double min_change;
	uint32_t max_changes_per_minute;
};

/*
 * UDP services: a datagram through the VIP that gets no reply within the
 * reply timeout is evidence (no-reply), for services that expect replies.
 * The timeout is clamp(quarantine.syn_timeout_rtt_factor x the destination's
 * smoothed reply time, reply_timeout_min, reply_timeout_max).
 */
struct config_udp {
	bool expect_reply; /* false: one-way (syslog): never judged by replies */
	uint64_t reply_timeout_min_ms;
	uint64_t reply_timeout_max_ms;
};

/*
 * Active checks for when the connections cannot be watched (degraded mode:
 * the BPF probes did not attach): a TCP connect to every destination each
 * interval, a failure being evidence like a client's. Unused otherwise.
 */
struct config_fallback {
	uint64_t interval_ms;
	uint64_t timeout_ms; /* <= interval_ms, so checks of a destination never overlap */
};

/* Everything `defaults:` can set, and so everything a service can override. */
struct config_policy {
	char scheduler[CONFIG_SCHEDULER_MAX + 1];
	enum config_forwarding forwarding;
	uint32_t weight;         /* default weight of the destinations */
	uint64_t persistence_ms; /* 0 = off; whole seconds */
	struct config_quarantine quarantine;
	struct config_probation probation;
	struct config_udp udp;
	struct config_health health;
	struct config_fallback fallback;
};

struct config_agent {
	char interface[CONFIG_IFNAME_MAX + 1];
	char state_dir[CONFIG_STATE_DIR_MAX + 1];
	char control_socket[CONFIG_CONTROL_SOCKET_MAX + 1];
	char control_group[CONFIG_NAME_MAX + 1]; /* may read the control socket */
	uint64_t reconcile_interval_ms;
	bool sysctls;
	uint32_t max_flows;
	uint64_t ringbuf_size;      /* bytes, a power of two */
	struct config_addr metrics; /* family 0 = off */
};

struct config_dest {
	struct config_addr addr;
	uint32_t weight;
	struct config_mark mark; /* the list item */
};

/*
 * A service is reached at a VIP (protocol, address and port), or is a
 * firewall-mark service: IPVS takes every packet of its family that carries
 * the mark (set by iptables or nftables), whatever its address.
 */
struct config_service {
	char name[CONFIG_NAME_MAX + 1];
	/*
	 * IPPROTO_TCP or IPPROTO_UDP. For a fwmark service IPVS does not use
	 * it; it says what traffic the mark selects, for vigild's own choices
	 * (quarantine action, probes, ops, how connections are watched).
	 */
	uint8_t protocol;
	/* A fwmark service has only the family here: address zero, port 0. */
	struct config_addr vip;
	uint32_t fwmark;             /* nonzero: a firewall-mark service */
	bool ops;                    /* one-packet scheduling: UDP services only */
	struct config_policy policy; /* resolved: probation.probe, quarantine.action never AUTO */
	struct config_dest *dests;
	uint32_t n_dests;
	uint32_t file;           /* where it is defined: 0 the main file, else files[file - 1] */
	struct config_mark mark; /* the service's mapping */
	struct config_mark name_mark; /* the value of `name` */
	struct config_mark vip_mark;  /* the value of `vip`, or of `fwmark` */
};

struct config {
	char source[256]; /* file name given to config_load()/config_parse() */
	struct config_agent agent;
	struct config_policy defaults;   /* built-in defaults updated by `defaults:` */
	struct config_service *services; /* the main file's, then each included file's */
	uint32_t n_services;
	char **files; /* the files `include:` read, in the order read */
	uint32_t n_files;
};

struct config_error {
	char file[256];
	unsigned int line, column; /* 1-based; 0 when the error is about the whole file */
	char message[512];         /* lowercase first, no trailing period */
};

/*
 * Reads and parses PATH and the files its `include:` patterns match, then
 * validates the result. On success *ret is a new config for config_free().
 * On failure *ret is NULL and ret_err (if not NULL) says why, naming the file
 * at fault (PATH or an included one): -ENOENT and friends for I/O, -EISDIR
 * for a directory and -EINVAL for anything else that is not a regular file
 * (a FIFO, a device), -EFBIG for a file over CONFIG_MAX_FILE_SIZE, -EINVAL
 * for a bad config, -ENOMEM.
 */
int config_load(const char *path, struct config **ret, struct config_error *ret_err);

/*
 * Like config_load() for text already in memory; NAME is used in errors.
 * It reads no file: text with `include:` patterns is refused.
 */
int config_parse(const char *text, size_t len, const char *name, struct config **ret,
		 struct config_error *ret_err);

/*
 * The checks that relate objects to each other: duplicate service names,
 * duplicate services (protocol + VIP, or family + fwmark; across included
 * files too), duplicate destinations, destinations of
 * another address family than their VIP (allowed only with tunnel forwarding),
 * and the count limits. config_parse() runs it; value syntax and ranges are
 * checked while parsing, where the offending node is at hand. No side effects;
 * -EINVAL or -ENOMEM.
 */
int config_validate(const struct config *c, struct config_error *ret_err);

void config_free(struct config *c);

/* The file service S of C is defined in: C's source or one it included. */
const char *config_service_file(const struct config *c, const struct config_service *s);

/* "tcp 10.96.0.10:443", "fwmark 10" or "fwmark 10 inet6", for messages. */
int config_service_describe(const struct config_service *s, char *buf, size_t size);

/* The service called NAME, or NULL. Linear: for the control socket, not per packet. */
const struct config_service *config_find_service(const struct config *c, const char *name);

/* The built-in defaults (what an empty `defaults:` gives). */
void config_defaults(struct config_policy *ret);
void config_agent_defaults(struct config_agent *ret);

/*
 * What a file that is not a regular one is, for an error ("a FIFO", "a
 * directory", ...): config files and vigild's state file are refused alike.
 */
const char *config_file_type_name(mode_t mode);

/* "FILE:LINE:COL: message", or "FILE: message" without a position. -ENOSPC if truncated. */
int config_error_format(const struct config_error *err, char *buf, size_t size);

/*
 * `vigild --check` and `vigilctl check`: loads the file at PATH and writes
 * what to tell the operator into BUF, one line without a newline:
 * "PATH: valid, N services", or why it is not, as config_error_format().
 * 0 if valid, else config_load()'s -errno; the caller prints BUF to stdout
 * or stderr accordingly.
 */
int config_check(const char *path, char *buf, size_t size);

/*
 * The value syntaxes, for the CLI and the control socket. All return 0,
 * -EINVAL for bad syntax or -ERANGE for a number too large to represent;
 * the range of a particular setting is checked by the caller.
 */

/*
 * "500ms", "10s", "1.5m", "1h30m", "1d": numbers with a unit (d, h, m, s,
 * ms), units from largest to smallest, each at most once; a number may have
 * decimals, and the whole must be a number of milliseconds. A number alone
 * ("10", "1.5") means seconds.
 */
int config_duration_parse(const char *text, uint64_t *ret_ms);
/* The same; on -EINVAL, ret_why (if not NULL) says why, such as "finer than a millisecond". */
int config_duration_parse_why(const char *text, uint64_t *ret_ms, char *ret_why, size_t why_size);
/*
 * Compound, largest unit first, with seconds to three decimals: 90000 ->
 * "1m30s", 1500 -> "1.5s", 500 -> "500ms", 60500 -> "1m500ms". What it
 * prints, config_duration_parse() reads back.
 */
int config_duration_format(uint64_t ms, char *buf, size_t size);
/* Bytes, or an integer with KiB, MiB or GiB. */
int config_size_parse(const char *text, uint64_t *ret_bytes);
/* "10%" or a fraction "0.1", returned as a fraction (0.1). */
int config_fraction_parse(const char *text, double *ret);
/*
 * "10.0.0.1:80" or "[fd00::1]:80", port 1..65535. If ret_why is not NULL it
 * receives the reason for -EINVAL, such as the bracketed form of an IPv6
 * address written without brackets.
 */
int config_addr_parse(const char *text, struct config_addr *ret, char *ret_why, size_t why_size);
/* "[ffff:...:ffff]:65535" and its NUL: INET6_ADDRSTRLEN + 8, without <netinet/in.h> */
#define CONFIG_ADDR_STRLEN 54
/* "10.0.0.1:80" or "[fd00::1]:80"; -ENOSPC if BUF is too small, -EAFNOSUPPORT for family 0. */
int config_addr_format(const struct config_addr *a, char *buf, size_t size);

const char *config_protocol_name(uint8_t protocol); /* "tcp", "udp" */
const char *config_family_name(uint16_t family);    /* "inet", "inet6" */
const char *config_forwarding_name(enum config_forwarding f);
const char *config_quarantine_action_name(enum config_quarantine_action a);
const char *config_probe_name(enum config_probe p);
const char *config_syn_rto_name(enum config_syn_rto r); /* "auto", "off" */
/* "stalled", "none" */
const char *config_reset_established_name(enum config_reset_established r);

#endif
