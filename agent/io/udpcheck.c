// SPDX-License-Identifier: GPL-2.0-only
#include "udpcheck.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dnsmsg.h"

/* Enough for a DNS header, which is all the check reads; longer datagrams are cut. */
#define REPLY_MAX 512

struct probe {
	struct udpcheck *owner;
	uint64_t token;
	int fd;
	bool dns;
	uint16_t id; /* of the DNS query */
	int err;     /* the socket calls failed at once with this: reported by the alarm */
	struct loop_source *io, *alarm;
	struct probe *next;
};

struct udpcheck {
	struct loop *loop;
	udpcheck_done_fn fn;
	void *data;
	struct probe *probes;
	unsigned int busy;
};

struct udpcheck *udpcheck_new(struct loop *loop, udpcheck_done_fn fn, void *data)
{
	struct udpcheck *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loop = loop;
	p->fn = fn;
	p->data = data;
	return p;
}

static void probe_free(struct probe *pr)
{
	struct probe **link;

	for (link = &pr->owner->probes; *link; link = &(*link)->next) {
		if (*link == pr) {
			*link = pr->next;
			break;
		}
	}
	pr->owner->busy--;
	loop_remove(pr->owner->loop, pr->io);
	loop_remove(pr->owner->loop, pr->alarm);
	if (pr->fd >= 0)
		close(pr->fd);
	free(pr);
}

void udpcheck_free(struct udpcheck *p)
{
	if (!p)
		return;
	while (p->probes)
		probe_free(p->probes);
	free(p);
}

static void finish(struct probe *pr, int err)
{
	struct udpcheck *p = pr->owner;
	uint64_t token = pr->token;

	probe_free(pr);
	p->fn(p->data, token, err == 0, err);
}

/*
 * A datagram or an error. On a connected UDP socket the kernel queues the
 * ICMP errors about its peer (port unreachable: ECONNREFUSED) and the next
 * recv() returns them; an unconnected one would never hear of them.
 */
static int on_readable(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct probe *pr = data;
	uint8_t buf[REPLY_MAX];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				finish(pr, errno);
			return 0;
		}
		/* a stray or garbled datagram is not an answer: wait on for one */
		if (!pr->dns || dnsmsg_check_response(buf, (size_t)n, pr->id) >= 0) {
			finish(pr, 0);
			return 0;
		}
	}
}

static int on_timeout(struct loop *loop, void *data)
{
	struct probe *pr = data;

	finish(pr, pr->err ? pr->err : ETIMEDOUT);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A query ID nobody on the path can guess, so a forged answer cannot pass the probe. */
static uint16_t query_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) == sizeof(id))
		return id;
	return (uint16_t)(now_ns() ^ (now_ns() >> 16));
}

static socklen_t sockaddr_of(const struct config_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(a->port);
	memcpy(&sin6->sin6_addr, a->addr, 16);
	return sizeof(*sin6);
}

/* Connects and sends: 0, or the errno to report (the datagram never left). */
static int send_query(struct probe *pr, const struct sockaddr_storage *ss, socklen_t len,
		      const uint8_t *msg, size_t size)
{
	if (connect(pr->fd, (const struct sockaddr *)ss, len) < 0)
		return errno;
	if (send(pr->fd, msg, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return errno;
	return 0;
}

int udpcheck_start(struct udpcheck *p, uint64_t token, const struct config_addr *target,
		   const struct config_probation *probation, uint64_t timeout_ns)
{
	uint8_t query[DNSMSG_QUERY_MAX];
	const uint8_t *msg = query;
	struct sockaddr_storage ss;
	struct probe *pr;
	socklen_t len;
	int r, size;

	if (probation->probe != CONFIG_PROBE_DNS && probation->probe != CONFIG_PROBE_UDP)
		return -EINVAL;
	if (target->family != AF_INET && target->family != AF_INET6)
		return -EAFNOSUPPORT;
	for (pr = p->probes; pr; pr = pr->next)
		if (pr->token == token)
			return -EBUSY;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	pr->owner = p;
	pr->token = token;
	pr->dns = probation->probe == CONFIG_PROBE_DNS;
	if (pr->dns) {
		pr->id = query_id();
		size = dnsmsg_query(pr->id, probation->dns_name, query, sizeof(query));
		if (size < 0) {
			free(pr);
			return size;
		}
	} else {
		msg = probation->udp_payload;
		size = (int)probation->udp_payload_len;
	}
	len = sockaddr_of(target, &ss);
	pr->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (pr->fd < 0) {
		r = -errno;
		free(pr);
		return r;
	}
	pr->next = p->probes;
	p->probes = pr;
	p->busy++;
	r = loop_add_alarm(p->loop, on_timeout, pr, &pr->alarm);
	if (r < 0)
		goto fail;
	pr->err = send_query(pr, &ss, len, msg, (size_t)size);
	if (pr->err) {
		/* failed at once (no route, say): reported from the loop all the same */
		r = loop_alarm_set(pr->alarm, now_ns());
	} else {
		r = loop_add_io(p->loop, pr->fd, EPOLLIN, on_readable, pr, &pr->io);
		if (r == 0)
			r = loop_alarm_set(pr->alarm, now_ns() + timeout_ns);
	}
	if (r == 0)
		return 0;
fail:
	probe_free(pr);
	return r;
}

unsigned int udpcheck_busy(const struct udpcheck *p)
{
	return p->busy;
}
