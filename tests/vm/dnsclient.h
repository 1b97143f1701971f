/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stub resolver for the tests and benchmarks of UDP services: DNS queries
 * to a server (a VIP) the way glibc's resolver sends them, each try waiting
 * 1 s for its answer, up to 3 tries, so that what a test measures is what an
 * application calling getaddrinfo() would live through.
 */
#ifndef VIGIL_TESTS_DNSCLIENT_H
#define VIGIL_TESTS_DNSCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum vt_dns_mode {
	/*
	 * A new connected socket per query, kept for its retries (glibc: one
	 * socket per res_query, so a new source port and a new IPVS connection
	 * each query, the same one for every try of it). An ICMP error on it
	 * ends the try at once and the next try opens a new socket, as glibc does.
	 */
	VT_DNS_FRESH,
	/*
	 * Every query from one source port (a new connected socket bound to it
	 * with SO_REUSEADDR each query): the client IPVS keeps on one
	 * destination for as long as its UDP connection entry lives.
	 */
	VT_DNS_PINNED,
	/* A new unconnected socket per query, sendto(): no ICMP error is ever reported. */
	VT_DNS_UNCONNECTED,
};

struct vt_dns_client {
	const char *server; /* "addr:port" or "[addr6]:port" */
	enum vt_dns_mode mode;
	unsigned int port;  /* pinned: the source port; 0: the first query's, kept */
	int timeout_ms;     /* per try; 0: 1000 */
	unsigned int tries; /* 0: 3 */
	int pause_ms;       /* between queries */
	const char *tag;    /* in the names asked for: qN.TAG.client.example.; NULL: "vt" */
};

struct vt_dns_query {
	bool answered;
	unsigned int tries;      /* sent, 1..client.tries */
	int first_err;           /* the first try's failure: ETIMEDOUT, ECONNREFUSED, ...; 0 */
	int err;                 /* the last try's */
	unsigned int local_port; /* of the last try */
	double ms;               /* from the first try to the answer, or to giving up */
};

struct vt_dns_summary {
	unsigned int queries, answered;
	unsigned int first_try_failed;   /* queries whose first try got no answer */
	unsigned int first_try_timeouts; /* ... because it timed out (not refused) */
	unsigned int refused;            /* tries ended by an ICMP error */
	double p50_ms, p99_ms, max_ms;   /* of the answered queries' times; 0 if none */
	double seconds;                  /* the whole run */
};

/*
 * n queries, one after another; each one's outcome in ret_queries (n of
 * them, or NULL) and the totals in ret. 0, or -errno when the client could
 * not run at all (a bad server address, no socket, a pinned port taken).
 */
int vt_dns_run(const struct vt_dns_client *c, unsigned int n, struct vt_dns_query *ret_queries,
	       struct vt_dns_summary *ret);

/* "LABEL: answered 58/60, first-try timeouts 2, ..., p50 1.2 ms, p99 ..., max ..." */
void vt_dns_print(FILE *f, const char *label, const struct vt_dns_summary *s);

/*
 * An A query for NAME (dotted, final dot optional) with ID into OUT (512
 * bytes at least); its length, or -EINVAL.
 */
int vt_dns_build_query(uint16_t id, const char *name, uint8_t *out);

const char *vt_dns_mode_name(enum vt_dns_mode m);
/* 0, or -EINVAL for a name that is none of fresh, pinned, unconnected. */
int vt_dns_mode_parse(const char *name, enum vt_dns_mode *ret);

#endif
