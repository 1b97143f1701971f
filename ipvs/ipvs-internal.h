/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the ipvs library: the handle, the request transport (nl.c) and the
 * message codec (msg.c). Only the library and its unit tests include this.
 */
#ifndef VIGIL_IPVS_INTERNAL_H
#define VIGIL_IPVS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>

#include "ipvs.h"

/* Requests per send; the kernel answers failures only, so this bounds both. */
#define IPVS_WINDOW       256
#define IPVS_SENDBUF_SIZE (64 * 1024)
/* Large enough that a window of error replies never overruns it. */
#define IPVS_RCVBUF_SIZE  (4 * 1024 * 1024)
#define IPVS_DUMP_TRIES   5
/* Datagrams one receive call may take (recv_len bytes each). */
#define IPVS_RECV_BATCH   4
/* Bounds what one batch can make us allocate for its results. */
#define IPVS_BATCH_MAX    (16 * 1024 * 1024)

/* Result of an operation whose answer has not come yet. */
#define IPVS_PENDING 1

/* Called for each reply message of a query; returns 0 or -errno. */
typedef int (*ipvs_reply_fn)(struct nlmsghdr *nlh, void *arg);

struct ipvs {
	struct nl_sock *sk;
	struct ipvs *twin; /* a second socket, to dump on two CPUs (dump.c) */
	int family;
	uint8_t *recvbuf;   /* IPVS_RECV_BATCH datagrams */
	size_t recv_len;    /* of each */
	struct nl_msg *msg; /* every request is built here, then copied to sendbuf */

	/* requests built but not sent yet */
	uint8_t *sendbuf;
	size_t send_len;
	size_t last_off; /* offset in sendbuf of the last request */

	/*
	 * Operations: every request gets one, numbered from 0 since the batch
	 * (or the single command) began; its sequence number is seq0 + index.
	 */
	bool batch;
	uint32_t next_seq;
	uint32_t seq0;
	size_t n_ops;  /* operations queued */
	size_t n_sent; /* of which sent */
	int *results;  /* per operation: 0, -errno or IPVS_PENDING */
	bool *unsure;  /* per operation: its answer was lost, not given */
	size_t results_cap;

	/* the answer being waited for */
	uint32_t wait_seq;
	bool wait_done;
	int wait_err;
	ipvs_reply_fn on_reply;
	void *reply_arg;
	int expect_cmd; /* generic netlink command of the replies */
	bool dump_intr;
};

/* nl.c: the transport */

/*
 * Starts a request in h->msg; fill in its attributes, then pass it to
 * ipvs_req_exec or ipvs_req_query with the error of filling it, if any (in a
 * batch, a request that could not be built still counts as an operation).
 */
struct nl_msg *ipvs_req_start(struct ipvs *h, uint8_t cmd);
/* Runs a command (or queues it in a batch); the kernel's verdict. */
int ipvs_req_exec(struct ipvs *h, int build_err);
/* Runs a query: on_reply sees each reply, which must be of command reply_cmd. */
int ipvs_req_query(struct ipvs *h, int build_err, bool dump, int reply_cmd, ipvs_reply_fn on_reply,
		   void *arg);
/* Replaces the socket with a new one, dropping whatever the old one had queued. */
int ipvs_reconnect(struct ipvs *h);

/* One received message: a reply, an ACK, an error or the end of a dump. */
void ipvs_dispatch(struct ipvs *h, struct nlmsghdr *nlh);
/* Stores the kernel's errno for the request it answers. */
void ipvs_on_error(struct ipvs *h, const struct nlmsgerr *nlerr);
void ipvs_on_ack(struct ipvs *h, uint32_t seq);
/*
 * A libnl error as -errno. libnl folds several errnos into one of its codes
 * (ENOBUFS into NLE_NOMEM; ESRCH and ENOENT into NLE_OBJ_NOTFOUND): errno_hint,
 * the errno left by the failing call, picks the right one where it can.
 */
int ipvs_errno_from_nl(int nlerr, int errno_hint);

/* msg.c: building and parsing messages */

int ipvs_fill_service(struct nl_msg *msg, const struct ipvs_service *svc, bool full);
int ipvs_fill_dest(struct nl_msg *msg, const struct ipvs_dest *dest, uint16_t svc_af, bool full);
int ipvs_fill_timeouts(struct nl_msg *msg, const struct ipvs_timeouts *t);

/* The attributes of a generic netlink message; -EBADMSG if malformed. */
int ipvs_parse_cmd_attrs(struct nlmsghdr *nlh, struct nlattr **tb);
int ipvs_parse_service(const struct nlattr *nest, struct ipvs_service *ret);
int ipvs_parse_dest(const struct nlattr *nest, uint16_t svc_af, struct ipvs_dest *ret);
int ipvs_parse_stats(const struct nlattr *nest, bool is64, struct ipvs_stats *ret);
int ipvs_parse_info(struct nlmsghdr *nlh, struct ipvs_info *ret);
int ipvs_parse_timeouts(struct nlmsghdr *nlh, struct ipvs_timeouts *ret);
/* Service message of a dump (IPVS_CMD_NEW_SERVICE) / destination message. */
int ipvs_parse_service_msg(struct nlmsghdr *nlh, struct ipvs_service *ret);
int ipvs_parse_dest_msg(struct nlmsghdr *nlh, uint16_t svc_af, struct ipvs_dest *ret);

/* True if both name the same service. */
bool ipvs_service_key_equal(const struct ipvs_service *a, const struct ipvs_service *b);

/* fingerprint.c: ipvs_fingerprint() of another file, for tests */
int ipvs_fingerprint_in(const char *path, uint64_t *ret);

/* sysctl.c */
int ipvs_sysctl_get_in(const char *dir, const char *name, int *ret);
int ipvs_sysctl_set_in(const char *dir, const char *name, int value);

#endif
