/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the tests that run inside firetest against the real kernel:
 * shell commands (lab, ipvsadm), client connections, and a vigild --trace
 * process whose JSON events the tests assert on.
 */
#ifndef VIGIL_TESTS_VMTEST_H
#define VIGIL_TESTS_VMTEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <json-c/json.h>

/* Runs a shell command; returns its exit status (or -1). */
int vt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shell command and fails the current test unless it exits 0. */
void vt_must(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The lab script (network namespaces as destinations), by path. */
const char *vt_lab(void);
/* The vigild under test: this build's, or $VIGIL_VIGILD (another build's, for benchmarks). */
const char *vt_vigild(void);

/*
 * The three-destination lab: d1, d2 and d3 at 10.100.N.2:8080. vt_lab_three()
 * and vt_lab_three_down() are a TCase's unchecked fixture; before each test,
 * vt_lab_three_fresh() clears IPVS, vigil0 and STATE_DIR and makes all three live.
 */
void vt_lab_three(void);
void vt_lab_three_down(void);
void vt_lab_three_fresh(const char *state_dir);

/* The weight IPVS has for destination REAL of the TCP (UDP) service VIP, or -1. */
int vt_ipvs_weight(const char *vip, const char *real);
int vt_ipvs_udp_weight(const char *vip, const char *real);
/*
 * The real destination ("a.b.c.d:p") IPVS gave the IPv4 client port
 * CLIENT_PORT of PROTOCOL ("TCP", "UDP") through VIP, from
 * /proc/net/ip_vs_conn (a TCP entry that is ESTABLISHED first); 0 or -ENOENT.
 */
int vt_ipvs_conn_real(const char *protocol, unsigned int client_port, const char *vip, char *ret,
		      size_t size);

struct vt_conn {
	int err; /* 0: connected; else the errno it failed with (ETIMEDOUT on timeout) */
	unsigned int local_port;
	uint64_t started_ns; /* CLOCK_MONOTONIC, just before connect() */
	double seconds;      /* until connected or failed */
};

/* "addr:port" / "[addr]:port" as a socket address; 0 or -EINVAL. */
int vt_sockaddr(const char *addr_port, struct sockaddr_storage *ret, socklen_t *ret_len);
/* The local port a socket is bound to; 0 if none. */
unsigned int vt_local_port(int fd);

/* TCP connect to "addr:port" / "[addr]:port" with a timeout, then close. */
int vt_connect(const char *addr_port, int timeout_ms, struct vt_conn *ret);

/*
 * n sequential connections to addr_port, each capped at cap_ms: how they
 * fared, and (when ret_seconds is not NULL) each one's time, n of them.
 */
struct vt_clients {
	unsigned int ok, failed;
	double max_s, total_s;
};
struct vt_clients vt_connect_n(const char *addr_port, unsigned int n, int cap_ms,
			       double *ret_seconds);

/*
 * A client loop in a thread: a connection to addr_port every interval_ms
 * (each capped at 3 s) until vt_loop_stop(), which says how they fared.
 */
struct vt_loop {
	pthread_t thread;
	char addr_port[64];
	int interval_ms;
	volatile bool stop;
	struct vt_clients c;
};
int vt_loop_start(struct vt_loop *l, const char *addr_port, int interval_ms);
struct vt_clients vt_loop_stop(struct vt_loop *l);

/* GET PATH from http://ADDR_PORT (IPv4) over HTTP/1.0: the whole response, or NULL. Free it. */
char *vt_http_get(const char *addr_port, const char *path);

/* Sends a datagram from a connected UDP socket and waits for the echo. */
int vt_udp_exchange(const char *addr_port, int timeout_ms, struct vt_conn *ret);
/*
 * n requests, each waiting for its reply, from one UDP socket: connected,
 * or sending each with sendto(). local_port is the socket's.
 */
int vt_udp_requests(const char *addr_port, unsigned int n, bool connected, int timeout_ms,
		    struct vt_conn *ret);

struct vt_storm {
	unsigned int ok, failed;
	double seconds;
	unsigned int *ports; /* local ports of the connections that succeeded */
};

/*
 * count TCP connections to addr_port, parallel in flight at a time, each
 * closed by the client as soon as it is established.
 */
int vt_storm(const char *addr_port, unsigned int count, unsigned int parallel,
	     struct vt_storm *ret);
void vt_storm_free(struct vt_storm *s);

struct vt_tracer {
	pid_t pid;
	char out_path[64], err_path[64];
	int out_fd;
	char *partial; /* an incomplete last line */
	size_t partial_len;
	json_object **events;
	size_t n_events, cap;
	char *log; /* vigild's stderr */
	/* from vigild's "trace done" line */
	bool done;
	uint64_t total, consumed, drops, flow_errors, bad_records, missed;
	uint64_t cpu_ns; /* vigild's whole CPU time, from wait4() */
};

/* Starts vigild --trace --json and waits until it is tracing. */
int vt_tracer_start(struct vt_tracer *t);
/* The same; quiet: vigild --trace --quiet, which prints only its totals. */
int vt_tracer_start_mode(struct vt_tracer *t, bool quiet);
/* Reads the events vigild has printed so far into t->events. */
void vt_tracer_poll(struct vt_tracer *t);
/* Polls until done() says so or timeout_ms passes; done()'s last answer. */
bool vt_tracer_wait(struct vt_tracer *t, bool (*done)(const struct vt_tracer *t, void *arg),
		    void *arg, int timeout_ms);
/* SIGINT, wait for exit, parse the events and the final counters. */
int vt_tracer_stop(struct vt_tracer *t);
void vt_tracer_free(struct vt_tracer *t);

/* Events with this client port (and protocol "tcp"/"udp"), in stream order. */
size_t vt_events_of(const struct vt_tracer *t, const char *protocol, unsigned int client_port,
		    json_object **ret, size_t max);
const char *vt_str(json_object *e, const char *key); /* NULL if absent or null */
uint64_t vt_mono(json_object *e);
/* "kind" or "kind:OLD->NEW" for state changes, for readable assertions. */
const char *vt_describe(json_object *e, char *buf, size_t size);
/* All events of a flow, one per line, for failure messages. */
void vt_dump(json_object **events, size_t n);

/* vigild in agent mode, its log (stderr) in a file. */
struct vt_agent {
	pid_t pid;
	char log_path[64];
	char netns[32]; /* "": the test's own */
	bool verbose;
};

struct vt_reconcile {
	unsigned int ops, service_add, service_edit, dest_add, dest_edit, dest_del, service_del;
	unsigned int failed, conflicts, owned, routes_added, routes_removed;
	/* reading IPVS (fingerprint and dump); that, plan and apply; the whole pass */
	double read_ms, ipvs_ms, duration_ms;
};

/* Writes a file; 0, or -errno after saying why on stderr. */
int vt_write(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A command's standard output, sorted (NULL if it failed). Free it. */
char *vt_output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * `vigilctl ARGS --json` of this build against the running agent: its answer,
 * parsed (free it with json_object_put()); fails the test unless vigilctl
 * exits 0 with JSON.
 */
json_object *vt_vigilctl_json(const char *args);
/* Destination ADDRESS ("a:p", "[a6]:p") of the service named SERVICE in a list reply, or NULL. */
json_object *vt_list_dest(json_object *list, const char *service, const char *address);
/* The state vigild gives that destination now ("healthy", "quarantined", ...), "" if unlisted. */
const char *vt_dest_state(const char *service, const char *address, char *buf, size_t size);
/* Waits up to timeout_ms for the state to be STATE; whether it became so. */
bool vt_wait_dest_state(const char *service, const char *address, const char *state,
			int timeout_ms);
/* The events of `vigilctl events --json` (the latest 256) with "event" EVENT, oldest first. */
json_object *vt_events(const char *event);
/*
 * The events of `vigilctl events --json` (the latest 256) with "event" EVENT, for
 * destination REAL of SERVICE, whose KEY is VALUE (KEY NULL: any).
 */
unsigned int vt_count_events(const char *event, const char *service, const char *real,
			     const char *key, const char *value);

/* Starts vigild -c CONFIG and waits for its first reconcile. */
int vt_agent_start(struct vt_agent *a, const char *config);
/* The same, inside the network namespace NETNS (ip netns); verbose: -v. */
int vt_agent_start_in(struct vt_agent *a, const char *config, const char *netns, bool verbose);
/* Starts vigild -c CONFIG and returns at once, before it has done anything. */
int vt_agent_launch(struct vt_agent *a, const char *config);
/* Appends to the log file of an earlier run (restarts keep one log). */
int vt_agent_restart(struct vt_agent *a, const char *config);
/* Waits until NEEDLE appears COUNT times in the log. */
bool vt_agent_wait(struct vt_agent *a, const char *needle, int count, int timeout_ms);
unsigned int vt_agent_count(struct vt_agent *a, const char *needle);
/* The counters of the last "reconcile why=WHY" line; false if there is none. */
bool vt_agent_reconcile(struct vt_agent *a, const char *why, struct vt_reconcile *ret);
char *vt_agent_log(struct vt_agent *a);
/* Sends SIG and waits; the exit status, or 128 + signal. */
int vt_agent_stop(struct vt_agent *a, int sig);
bool vt_agent_alive(struct vt_agent *a);

uint64_t vt_now_ns(void);
/* uname -r, for the figures a benchmark prints. */
const char *vt_kernel(void);
/* The median of v[0..n), which it sorts. */
double vt_median(double *v, int n);

#endif
