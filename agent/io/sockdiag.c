// SPDX-License-Identifier: GPL-2.0-only
/*
 * SOCK_DESTROY requests and their acknowledgements. The kernel handles a
 * request inside sendmsg() and queues its answer before returning, so the
 * answer is read without waiting: nothing here blocks.
 */
#include "sockdiag.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

int sockdiag_open(struct sockdiag *d)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	d->seq = 0;
	d->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (d->fd < 0)
		return -errno;
	/* only the kernel's messages, and a connected socket for send() */
	if (connect(d->fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		int r = -errno;

		sockdiag_close(d);
		return r;
	}
	return 0;
}

void sockdiag_close(struct sockdiag *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

struct request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
};

static void request_init(struct request *m, uint16_t type, uint16_t flags, uint32_t seq,
			 uint8_t family, uint8_t protocol)
{
	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = sizeof(*m);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nlh.nlmsg_seq = seq;
	m->req.sdiag_family = family;
	m->req.sdiag_protocol = protocol;
	m->req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	m->req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

/*
 * Reads the answer to request SEQ: the error of its NLMSG_ERROR (0 for an
 * ack), or of its NLMSG_DONE for a dump. Answers to earlier requests, left
 * by a failure, are skipped. -EIO if none is queued.
 */
static int read_answer(const struct sockdiag *d, uint32_t seq)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *h;
		size_t len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -EIO : -errno;
		len = n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0; /* a dump's end; its sockets, if any, were skipped */
		}
	}
}

static int send_request(struct sockdiag *d, struct request *m)
{
	ssize_t n;

	do
		n = send(d->fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(*m) ? 0 : -EIO;
}

int sockdiag_destroy(struct sockdiag *d, const struct vigil_flow *flow, uint64_t cookie)
{
	struct request m;
	uint8_t family = flow->family == VIGIL_AF_INET6 ? AF_INET6 : AF_INET;
	int r;

	request_init(&m, SOCK_DESTROY, NLM_F_ACK, ++d->seq, family, flow->protocol);
	/* any state: the lookup is by 4-tuple and ignores them */
	m.req.idiag_states = ~0u;
	/* src is the socket's own end, dst its peer, for TCP and UDP alike */
	m.req.id.idiag_sport = htons(flow->cport);
	m.req.id.idiag_dport = htons(flow->vport);
	memcpy(m.req.id.idiag_src, flow->caddr.v6_32, sizeof(m.req.id.idiag_src));
	memcpy(m.req.id.idiag_dst, flow->vaddr.v6_32, sizeof(m.req.id.idiag_dst));
	/*
	 * The cookie, so that a socket closed since it was found cannot take
	 * another with its 4-tuple (or a listener on its port) along.
	 */
	m.req.id.idiag_cookie[0] = (uint32_t)cookie;
	m.req.id.idiag_cookie[1] = (uint32_t)(cookie >> 32);
	r = send_request(d, &m);
	return r ? r : read_answer(d, d->seq);
}

/* Whether the kernel has inet_diag for PROTOCOL: a dump of no state lists nothing. */
static int probe_handler(struct sockdiag *d, uint8_t protocol)
{
	struct request m;
	int r;

	request_init(&m, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, ++d->seq, AF_INET, protocol);
	m.req.idiag_states = 0;
	r = send_request(d, &m);
	return r ? r : read_answer(d, d->seq);
}

int sockdiag_probe(struct sockdiag *d, uint8_t protocol, const char **ret_why)
{
	struct request m;
	int r;

	/*
	 * No socket has local port 0, not even a listener, so this destroys
	 * nothing: ENOENT where SOCK_DESTROY works, which the lack of the
	 * protocol's diag module answers too; the dump tells them apart.
	 */
	request_init(&m, SOCK_DESTROY, NLM_F_ACK, ++d->seq, AF_INET, protocol);
	m.req.idiag_states = ~0u;
	r = send_request(d, &m);
	if (!r)
		r = read_answer(d, d->seq);
	if (r == -ENOENT) {
		r = probe_handler(d, protocol);
		if (!r)
			return 0;
	}
	if (r == 0)
		r = -EIO; /* destroyed a socket of port 0? */
	switch (r) {
	case -EOPNOTSUPP:
		*ret_why = "the kernel was built without CONFIG_INET_DIAG_DESTROY";
		break;
	case -EPERM:
		*ret_why = "SOCK_DESTROY needs CAP_NET_ADMIN";
		break;
	case -ENOENT:
		*ret_why = protocol == IPPROTO_UDP ? "the kernel has no udp_diag (module udp_diag)"
						   : "the kernel has no tcp_diag (module tcp_diag)";
		break;
	default:
		*ret_why = NULL; /* the caller says it with the errno */
	}
	return r;
}
