// SPDX-License-Identifier: GPL-2.0-only
/*
 * The transport: one generic netlink socket per handle, requests queued in a
 * buffer and sent many per system call, answers matched to requests by
 * sequence number.
 *
 * The kernel handles every request of a send before the send returns, in
 * order, and acknowledges only failures unless asked (NLM_F_ACK). So only
 * the last request of a send asks for an ACK: once its answer is read, every
 * earlier request without an error reply has succeeded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "ipvs-internal.h"

/* The kernel answers in microseconds; silence this long means it never will. */
#define IPVS_RECV_TIMEOUT_S 30

int ipvs_errno_from_nl(int nlerr, int errno_hint)
{
	int code = nlerr < 0 ? -nlerr : nlerr;

	/* the errno itself, when it is one that libnl turned into this code */
	if (errno_hint > 0 && nl_syserr2nlerr(errno_hint) == code)
		return -errno_hint;
	switch (code) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSG_TRUNC:
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_MSG_OVERFLOW:
		return -ENOBUFS;
	case NLE_DUMP_INTR:
	case NLE_INTR:
		return -EINTR;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_PARSE_ERR:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

/* Index of the operation a sequence number belongs to, or SIZE_MAX. */
static size_t op_of(const struct ipvs *h, uint32_t seq)
{
	size_t i = (uint32_t)(seq - h->seq0);

	return i < h->n_sent ? i : SIZE_MAX;
}

/*
 * libnl would turn the error into one of its codes, and both ESRCH (no such
 * service) and ENOENT (no such destination) into NLE_OBJ_NOTFOUND: keep the
 * kernel's errno instead.
 */
void ipvs_on_error(struct ipvs *h, const struct nlmsgerr *nlerr)
{
	int err = nlerr->error < 0 ? nlerr->error : -EPROTO;
	size_t i = op_of(h, nlerr->msg.nlmsg_seq);

	if (i != SIZE_MAX)
		h->results[i] = err;
	if (nlerr->msg.nlmsg_seq == h->wait_seq) {
		if (!h->wait_err)
			h->wait_err = err;
		h->wait_done = true;
	}
}

void ipvs_on_ack(struct ipvs *h, uint32_t seq)
{
	size_t i = op_of(h, seq);

	if (i != SIZE_MAX && h->results[i] == IPVS_PENDING)
		h->results[i] = 0;
	if (seq == h->wait_seq)
		h->wait_done = true;
}

static void reply_received(struct ipvs *h, struct nlmsghdr *nlh)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	int r;

	/* replies to a request given up on, or after a reply failed: drained */
	if (nlh->nlmsg_seq != h->wait_seq || !h->on_reply || h->wait_err)
		return;
	if (nlh->nlmsg_type != h->family || !genlmsg_valid_hdr(nlh, 0) ||
	    gnlh->cmd != h->expect_cmd) {
		h->wait_err = -EBADMSG;
		return;
	}
	r = h->on_reply(nlh, h->reply_arg);
	if (r < 0)
		h->wait_err = r;
}

static void on_done(struct ipvs *h, struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq != h->wait_seq)
		return;
	/* since 4.x NLMSG_DONE carries the dump's own error */
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		int err;

		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0 && !h->wait_err)
			h->wait_err = err;
	}
	h->wait_done = true;
}

void ipvs_dispatch(struct ipvs *h, struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = nlmsg_data(nlh);

	if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && nlh->nlmsg_seq == h->wait_seq)
		h->dump_intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return;
	case NLMSG_DONE:
		on_done(h, nlh);
		return;
	case NLMSG_ERROR:
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			if (nlh->nlmsg_seq == h->wait_seq && !h->wait_err)
				h->wait_err = -EBADMSG;
			return;
		}
		if (e->error == 0)
			ipvs_on_ack(h, e->msg.nlmsg_seq);
		else
			ipvs_on_error(h, e);
		return;
	default:
		reply_received(h, nlh);
	}
}

static int open_socket(size_t recv_len, struct nl_sock **ret_sk, int *ret_family)
{
	static const int one = 1;
	const struct timeval timeout = { .tv_sec = IPVS_RECV_TIMEOUT_S };
	int fd, family, r, size = IPVS_RCVBUF_SIZE;
	struct nl_sock *sk;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	/* libnl's receives too: they would grow the kernel's dump parts for good */
	r = nl_socket_set_msg_buf_size(sk, recv_len);
	if (r >= 0)
		r = genl_connect(sk);
	if (r < 0) {
		r = ipvs_errno_from_nl(r, errno);
		goto fail;
	}
	family = genl_ctrl_resolve(sk, IPVS_GENL_NAME);
	if (family < 0) {
		/* no IPVS family: the ip_vs module is not loaded */
		r = family == -NLE_OBJ_NOTFOUND ? -EPROTONOSUPPORT
						: ipvs_errno_from_nl(family, errno);
		goto fail;
	}
	fd = nl_socket_get_fd(sk);
	/*
	 * Only failures are answered, at most IPVS_WINDOW per send, but those
	 * must never overrun the receive buffer: that would lose answers. The
	 * size asked for is capped at net.core.rmem_max (208 KiB by default)
	 * unless we may force it (CAP_NET_ADMIN, which IPVS needs anyway).
	 */
	r = nl_socket_set_buffer_size(sk, IPVS_RCVBUF_SIZE, IPVS_SENDBUF_SIZE * 4);
	if (r < 0) {
		r = ipvs_errno_from_nl(r, errno);
		goto fail;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	/* error replies then quote only the request's header, not all of it */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
		r = -errno;
		goto fail;
	}
	*ret_sk = sk;
	*ret_family = family;
	return 0;
fail:
	nl_socket_free(sk);
	return r;
}

int ipvs_reconnect(struct ipvs *h)
{
	struct nl_sock *sk;
	int family, r;

	nl_socket_free(h->sk);
	h->sk = NULL;
	/* the twin's family id is as old as ours was: it is opened again on use */
	ipvs_close(h->twin);
	h->twin = NULL;
	r = open_socket(h->recv_len, &sk, &family);
	if (r < 0)
		return r;
	h->sk = sk;
	/* the family id changes if ip_vs was reloaded meanwhile */
	h->family = family;
	return 0;
}

/*
 * How much one receive takes. The kernel sizes each part of a dump by the
 * largest receive the socket has seen (up to 32 KiB), never below
 * NLMSG_GOODSIZE (a page, less the skb's overhead, at most 8 KiB), and never
 * fills a part beyond that size. A large buffer would therefore cost two
 * 32 KiB allocations, zeroed (Debian's kernels initialise on allocation),
 * for each service's destination dump, the larger part of a full dump's
 * time; a page, at least NLMSG_GOODSIZE, still holds any part whole. The
 * other answers (ACKs, errors that quote only the request's header, single
 * objects) are smaller still.
 */
static size_t recv_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 && page < 8192 ? (size_t)page : 8192;
}

int ipvs_open(struct ipvs **ret)
{
	struct ipvs *h;
	int r;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->msg = nlmsg_alloc();
	h->sendbuf = malloc(IPVS_SENDBUF_SIZE);
	h->recv_len = recv_size();
	h->recvbuf = malloc(IPVS_RECV_BATCH * h->recv_len);
	h->results_cap = IPVS_WINDOW;
	h->results = calloc(h->results_cap, sizeof(*h->results));
	h->unsure = calloc(h->results_cap, sizeof(*h->unsure));
	if (!h->msg || !h->sendbuf || !h->recvbuf || !h->results || !h->unsure) {
		r = -ENOMEM;
		goto fail;
	}
	r = open_socket(h->recv_len, &h->sk, &h->family);
	if (r < 0)
		goto fail;
	h->next_seq = 1;
	*ret = h;
	return 0;
fail:
	ipvs_close(h);
	return r;
}

void ipvs_close(struct ipvs *h)
{
	if (!h)
		return;
	ipvs_close(h->twin);
	nl_socket_free(h->sk);
	nlmsg_free(h->msg);
	free(h->sendbuf);
	free(h->recvbuf);
	free(h->results);
	free(h->unsure);
	free(h);
}

int ipvs_family_id(const struct ipvs *h)
{
	return h->family;
}

struct nl_msg *ipvs_req_start(struct ipvs *h, uint8_t cmd)
{
	struct nl_msg *msg = h->msg;

	/* one message serves every request: rewind it to an empty one */
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, 0, cmd, IPVS_GENL_VERSION))
		return NULL;
	return msg;
}

/* Starts numbering operations from 0 (a batch or a single request). */
static void begin_ops(struct ipvs *h)
{
	h->seq0 = h->next_seq;
	h->n_ops = 0;
	h->n_sent = 0;
	h->send_len = 0;
}

/* Takes the next operation's slot; its sequence number is seq0 + index. */
static int new_op(struct ipvs *h, size_t *ret_index)
{
	if (h->n_ops >= IPVS_BATCH_MAX)
		return -E2BIG;
	if (h->n_ops == h->results_cap) {
		size_t cap = h->results_cap * 2;
		int *results = realloc(h->results, cap * sizeof(*results));
		bool *unsure;

		if (!results)
			return -ENOMEM;
		h->results = results;
		unsure = realloc(h->unsure, cap * sizeof(*unsure));
		if (!unsure)
			return -ENOMEM;
		h->unsure = unsure;
		h->results_cap = cap;
	}
	*ret_index = h->n_ops++;
	h->results[*ret_index] = IPVS_PENDING;
	h->unsure[*ret_index] = false;
	h->next_seq = h->seq0 + h->n_ops;
	return 0;
}

/*
 * Settles the operations sent since first: those still pending get err. With
 * a transport error, the kernel may have applied them and its answers were
 * lost: they are unsure.
 */
static void settle(struct ipvs *h, size_t first, int err)
{
	size_t i;

	for (i = first; i < h->n_sent; i++)
		if (h->results[i] == IPVS_PENDING) {
			h->results[i] = err;
			h->unsure[i] = err != 0;
		}
}

/*
 * Reads answers until the one to wait_seq has come. recvmmsg takes every
 * datagram already queued in one system call: a dump's last part and its
 * NLMSG_DONE, which IPVS always sends apart, come together, which halves the
 * calls of a full dump (one destination dump per service).
 */
static int wait_answer(struct ipvs *h)
{
	struct mmsghdr mm[IPVS_RECV_BATCH];
	struct iovec iov[IPVS_RECV_BATCH];
	struct sockaddr_nl from[IPVS_RECV_BATCH];
	int fd = nl_socket_get_fd(h->sk), i, n;

	while (!h->wait_done) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < IPVS_RECV_BATCH; i++) {
			iov[i].iov_base = h->recvbuf + (size_t)i * h->recv_len;
			iov[i].iov_len = h->recv_len;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, mm, IPVS_RECV_BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			struct nlmsghdr *nlh = iov[i].iov_base;
			int len = mm[i].msg_len;

			/* the kernel fits dump parts to our buffer (recv_len): no reply */
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			if (from[i].nl_pid != 0)
				continue;
			for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len))
				ipvs_dispatch(h, nlh);
		}
	}
	return 0;
}

/*
 * Sends the queued requests (those of the operations before upto) and reads
 * every answer. Returns 0 or a transport error, after which the socket is
 * replaced; the kernel's verdicts are in h->results.
 */
static int flush(struct ipvs *h, size_t upto)
{
	size_t first = h->n_sent;
	struct nlmsghdr *last;
	ssize_t n;
	int r;

	if (!h->send_len) {
		h->n_sent = upto;
		return 0;
	}
	last = (struct nlmsghdr *)(h->sendbuf + h->last_off);
	/* a dump ends with NLMSG_DONE; anything else, with an ACK if asked */
	if (!(last->nlmsg_flags & NLM_F_DUMP))
		last->nlmsg_flags |= NLM_F_ACK;
	h->wait_seq = last->nlmsg_seq;
	h->wait_done = false;
	h->wait_err = 0;
	h->dump_intr = false;
	h->n_sent = upto;
	n = send(nl_socket_get_fd(h->sk), h->sendbuf, h->send_len, 0);
	h->send_len = 0;
	if (n < 0) {
		r = -errno;
		settle(h, first, r);
		return r;
	}
	r = wait_answer(h);
	if (r < 0) {
		/* answers may be lost or still queued: start afresh */
		settle(h, first, r);
		ipvs_reconnect(h);
		return r;
	}
	settle(h, first, 0);
	return 0;
}

/* Appends the request in h->msg to the send buffer as operation index. */
static int queue(struct ipvs *h, size_t index, uint16_t flags)
{
	struct nlmsghdr *nlh = nlmsg_hdr(h->msg);
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (len > IPVS_SENDBUF_SIZE)
		return -EMSGSIZE;
	/* their verdicts are in h->results: a transport error is no error of index */
	if (h->send_len + len > IPVS_SENDBUF_SIZE || index - h->n_sent >= IPVS_WINDOW)
		flush(h, index);
	if (!h->sk) {
		int r = ipvs_reconnect(h);

		if (r < 0)
			return r;
	}
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/* the family as now resolved: a query asked again after ip_vs came back */
	nlh->nlmsg_type = h->family;
	nlh->nlmsg_seq = h->seq0 + (uint32_t)index;
	nlh->nlmsg_pid = nl_socket_get_local_port(h->sk);
	memcpy(h->sendbuf + h->send_len, nlh, nlh->nlmsg_len);
	memset(h->sendbuf + h->send_len + nlh->nlmsg_len, 0, len - nlh->nlmsg_len);
	h->last_off = h->send_len;
	h->send_len += len;
	return 0;
}

int ipvs_req_exec(struct ipvs *h, int build_err)
{
	size_t i;
	int r;

	if (!h->batch)
		begin_ops(h);
	r = new_op(h, &i);
	if (r < 0)
		return r;
	r = build_err < 0 ? build_err : queue(h, i, 0);
	if (r < 0) {
		/* still an operation of the batch, so that results stay in step */
		h->results[i] = r;
		return r;
	}
	if (h->batch)
		return 0;
	r = flush(h, h->n_ops);
	return r < 0 ? r : h->results[i];
}

int ipvs_req_query(struct ipvs *h, int build_err, bool dump, int reply_cmd, ipvs_reply_fn on_reply,
		   void *arg)
{
	size_t i;
	int r;

	int family = h->family;

	if (h->batch)
		return -EBUSY;
	if (build_err < 0)
		return build_err;
	begin_ops(h);
	r = new_op(h, &i);
	if (r < 0)
		return r;
	r = queue(h, i, dump ? NLM_F_DUMP : 0);
	if (r < 0)
		return r;
	h->on_reply = on_reply;
	h->reply_arg = arg;
	h->expect_cmd = reply_cmd;
	r = flush(h, h->n_ops);
	h->on_reply = NULL;
	if (r < 0)
		return r;
	/*
	 * Generic netlink's answer to a family id it does not know: ip_vs was
	 * unloaded, and maybe loaded again under a new id. IPVS's own dumps never
	 * answer ENOENT, so this is the one sign of it: resolve the family anew
	 * and, if it is back, ask again.
	 */
	if (h->wait_err == -ENOENT && dump && family == h->family) {
		r = ipvs_reconnect(h);
		if (r < 0)
			return r;
		if (h->family != family)
			return ipvs_req_query(h, 0, dump, reply_cmd, on_reply, arg);
		return -ENOENT;
	}
	if (h->wait_err)
		return h->wait_err;
	return h->dump_intr ? -EINTR : 0;
}

int ipvs_batch_begin(struct ipvs *h)
{
	if (!h)
		return -EINVAL;
	if (h->batch)
		return -EBUSY;
	begin_ops(h);
	h->batch = true;
	return 0;
}

/* A large batch is rare: give its memory back. */
static void shrink_results(struct ipvs *h)
{
	int *results;
	bool *unsure;

	if (h->results_cap <= IPVS_WINDOW)
		return;
	results = realloc(h->results, IPVS_WINDOW * sizeof(*results));
	if (!results)
		return;
	h->results = results;
	unsure = realloc(h->unsure, IPVS_WINDOW * sizeof(*unsure));
	if (unsure)
		h->unsure = unsure;
	h->results_cap = IPVS_WINDOW;
}

int ipvs_batch_end(struct ipvs *h, struct ipvs_batch_result **ret)
{
	struct ipvs_batch_result *res = NULL;
	int first_err = 0;
	size_t i, failed = 0;

	if (ret)
		*ret = NULL;
	if (!h || !h->batch)
		return -EINVAL;
	flush(h, h->n_ops);
	h->batch = false;
	for (i = 0; i < h->n_ops; i++) {
		if (h->results[i] == 0)
			continue;
		if (!failed++)
			first_err = h->results[i];
	}
	if (ret) {
		res = malloc(sizeof(*res) + h->n_ops * (sizeof(res->errors[0]) + sizeof(bool)));
		if (!res) {
			shrink_results(h);
			return -ENOMEM;
		}
		res->n_ops = h->n_ops;
		res->n_failed = failed;
		memcpy(res->errors, h->results, h->n_ops * sizeof(res->errors[0]));
		res->unsure = (bool *)(res->errors + h->n_ops);
		memcpy(res->unsure, h->unsure, h->n_ops * sizeof(bool));
		*ret = res;
	}
	shrink_results(h);
	return first_err;
}

void ipvs_batch_result_free(struct ipvs_batch_result *r)
{
	free(r);
}
