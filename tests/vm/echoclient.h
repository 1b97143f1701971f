/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Long-lived TCP clients for the tests and the benchmark of stalled
 * connections (issue 14): N connections through a VIP to the lab's echo
 * servers, each sending a small request every interval and reading its echo
 * before the next, as a request/response application does. Each records the
 * real destination IPVS gave it, the first error the kernel reported on it
 * (ECONNABORTED when vigild reset it), and its reconnect through the VIP:
 * when that got its first echo back, and where it landed. An idle connection
 * sends nothing until it is poked, then one request.
 */
#ifndef VIGIL_TESTS_ECHOCLIENT_H
#define VIGIL_TESTS_ECHOCLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VT_ECHO_MAX      64
#define VT_ECHO_REQ_SIZE 16 /* bytes per request: one segment, echoed whole */

struct vt_echo_conn {
	bool idle;             /* sends only when poked; set before vt_echo_start() */
	unsigned int port;     /* the local port of its first connection */
	char real[48];         /* the real destination IPVS gave that connection */
	uint64_t sent, echoed; /* requests and echoes, over both connections */
	uint64_t last_echo_ns; /* CLOCK_MONOTONIC of the latest echo */
	int err;               /* the first connection's first error (errno), 0: none */
	uint64_t err_ns;       /* when it came */
	/* the reconnect through the VIP after that error */
	unsigned int new_port;
	char new_real[48];
	uint64_t reconnected_ns;         /* its first echo back; 0: not yet */
	unsigned int reconnect_failures; /* connects that failed before it */
	int later_err;                   /* an error on the new connection; 0: none */
	/* the client's own, for reading TCP_INFO while it runs */
	int fd;
	bool waiting;     /* a request is out, its echo not all back */
	bool poked;       /* an idle connection's one request is due */
	bool connecting;  /* the reconnect's connect() is in progress */
	size_t got;       /* bytes of the echo back so far */
	uint64_t next_ns; /* when a busy connection sends next */
};

struct vt_echo {
	char vip[64];
	unsigned int n;
	int interval_ms;
	struct vt_echo_conn conns[VT_ECHO_MAX];
	pthread_t thread;
	pthread_mutex_t lock; /* the thread holds it while it changes conns */
	volatile bool stop;
	bool running;
};

/*
 * n connections to VIP, one after another, each exchanging one request so
 * that it is established and IPVS has picked its destination (read from
 * /proc/net/ip_vs_conn). 0, or -errno (the connections made are closed).
 */
int vt_echo_open(struct vt_echo *e, const char *vip, unsigned int n, int interval_ms);
/* The thread that sends, reads and reconnects; 0 or -errno. */
int vt_echo_start(struct vt_echo *e);
/* An idle connection's one request, sent at once. */
void vt_echo_poke(struct vt_echo *e, unsigned int i);
/* A copy of every connection's record, taken under the lock (n of them). */
void vt_echo_snapshot(struct vt_echo *e, struct vt_echo_conn *ret);
/*
 * Stops the thread and closes every connection with a reset (SO_LINGER 0),
 * so that none stays behind retransmitting to a destination that is silent.
 */
void vt_echo_close(struct vt_echo *e);

#endif
