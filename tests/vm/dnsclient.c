// SPDX-License-Identifier: GPL-2.0-only
#include "dnsclient.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmtest.h"

#define DNS_HEADER_SIZE 12
#define DNS_QR          0x8000
#define DNS_RD          0x0100
#define DNS_TYPE_A      1
#define DNS_CLASS_IN    1
#define QUERY_MAX       512 /* a query fits a classic DNS datagram */

const char *vt_dns_mode_name(enum vt_dns_mode m)
{
	switch (m) {
	case VT_DNS_FRESH:
		return "fresh";
	case VT_DNS_PINNED:
		return "pinned";
	case VT_DNS_UNCONNECTED:
		return "unconnected";
	}
	return "?";
}

int vt_dns_mode_parse(const char *name, enum vt_dns_mode *ret)
{
	enum vt_dns_mode m;

	for (m = VT_DNS_FRESH; m <= VT_DNS_UNCONNECTED; m++) {
		if (!strcmp(name, vt_dns_mode_name(m))) {
			*ret = m;
			return 0;
		}
	}
	return -EINVAL;
}

int vt_dns_build_query(uint16_t id, const char *name, uint8_t *out)
{
	size_t n = DNS_HEADER_SIZE, label;
	const char *p = name, *dot;

	memset(out, 0, DNS_HEADER_SIZE);
	out[0] = id >> 8;
	out[1] = id & 0xff;
	out[2] = DNS_RD >> 8; /* recursion desired, as a stub asks */
	out[5] = 1;           /* one question */
	while (*p) {
		dot = strchr(p, '.');
		label = dot ? (size_t)(dot - p) : strlen(p);
		if (label < 1 || label > 63 || n + label + 1 + 5 > QUERY_MAX)
			return -EINVAL;
		out[n++] = label;
		memcpy(out + n, p, label);
		n += label;
		p += label + (dot != NULL);
	}
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = DNS_TYPE_A;
	out[n++] = 0;
	out[n++] = DNS_CLASS_IN;
	return n;
}

/*
 * Whether REPLY answers QUERY: a response, the same ID, the same question
 * (glibc's res_queriesmatch), whatever its RCODE.
 */
static bool answers(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen)
{
	if (rlen < qlen || !(reply[2] & (DNS_QR >> 8)))
		return false;
	return !memcmp(reply, query, 2) && !memcmp(reply + 4, query + 4, 2) &&
	       !memcmp(reply + DNS_HEADER_SIZE, query + DNS_HEADER_SIZE, qlen - DNS_HEADER_SIZE);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

/* A socket for the next try, as the mode says; the fd or -errno. */
static int open_socket(const struct vt_dns_client *c, const struct sockaddr_storage *server,
		       socklen_t len, unsigned int *pinned_port)
{
	struct sockaddr_storage local = { .ss_family = server->ss_family };
	int fd, one = 1;

	fd = socket(server->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (c->mode == VT_DNS_PINNED) {
		/* the port the last query's socket had, free again (UDP has no TIME_WAIT) */
		if (local.ss_family == AF_INET)
			((struct sockaddr_in *)&local)->sin_port = htons(*pinned_port);
		else
			((struct sockaddr_in6 *)&local)->sin6_port = htons(*pinned_port);
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&local, len) < 0)
			goto fail;
		if (!*pinned_port)
			*pinned_port = vt_local_port(fd);
	}
	if (c->mode != VT_DNS_UNCONNECTED && connect(fd, (const struct sockaddr *)server, len) < 0)
		goto fail;
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

/*
 * Waits up to until_ns for the answer on fd; 0 when it came, else the errno
 * that ended the wait (ETIMEDOUT, ECONNREFUSED from an ICMP error, ...).
 */
static int await_answer(int fd, const struct vt_dns_client *c,
			const struct sockaddr_storage *server, const uint8_t *query, size_t qlen,
			uint64_t until_ns)
{
	uint8_t reply[1500];
	struct sockaddr_storage from;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t from_len;
	uint64_t now;
	ssize_t n;
	int r;

	for (;;) {
		now = vt_now_ns();
		if (now >= until_ns)
			return ETIMEDOUT;
		r = poll(&pfd, 1, (until_ns - now + 999999) / 1000000);
		if (r < 0 && errno != EINTR)
			return errno;
		if (r <= 0)
			continue;
		from_len = sizeof(from);
		n = recvfrom(fd, reply, sizeof(reply), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &from_len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno;
		}
		/* an unconnected socket hears anyone: only the server's answer counts */
		if (c->mode == VT_DNS_UNCONNECTED && !same_addr(&from, server))
			continue;
		if (answers(query, qlen, reply, n))
			return 0;
	}
}

static void query_one(const struct vt_dns_client *c, const struct sockaddr_storage *server,
		      socklen_t len, unsigned int *pinned_port, const uint8_t *query, size_t qlen,
		      struct vt_dns_query *q, unsigned int *refused)
{
	unsigned int tries = c->tries ? c->tries : 3;
	int timeout_ms = c->timeout_ms ? c->timeout_ms : 1000, fd = -1;
	uint64_t t0 = vt_now_ns();
	ssize_t sent;

	memset(q, 0, sizeof(*q));
	while (q->tries < tries && !q->answered) {
		uint64_t until = vt_now_ns() + timeout_ms * 1000000ull;

		q->tries++;
		if (fd < 0) {
			fd = open_socket(c, server, len, pinned_port);
			if (fd < 0) {
				q->err = -fd;
				if (q->tries == 1)
					q->first_err = q->err;
				/* the try is lost, as an application's would be; wait it out */
				usleep(timeout_ms * 1000);
				continue;
			}
			q->local_port = vt_local_port(fd);
		}
		if (c->mode == VT_DNS_UNCONNECTED)
			sent = sendto(fd, query, qlen, 0, (const struct sockaddr *)server, len);
		else
			sent = send(fd, query, qlen, 0);
		q->err =
		    sent == (ssize_t)qlen ? await_answer(fd, c, server, query, qlen, until) : errno;
		q->answered = q->err == 0;
		if (q->tries == 1)
			q->first_err = q->err;
		if (!q->answered && q->err != ETIMEDOUT) {
			/*
			 * glibc's send_dg: an error (ICMP port unreachable) closes
			 * the socket and moves on at once, to a new socket.
			 */
			if (q->err == ECONNREFUSED)
				(*refused)++;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	q->ms = (vt_now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile P of the n sorted values. */
static double percentile(const double *sorted, unsigned int n, double p)
{
	unsigned int rank = (unsigned int)(p / 100 * n + 0.999999);

	if (!n)
		return 0;
	return sorted[rank ? rank - 1 : 0];
}

int vt_dns_run(const struct vt_dns_client *c, unsigned int n, struct vt_dns_query *ret_queries,
	       struct vt_dns_summary *ret)
{
	static unsigned int serial; /* names unique within the process */
	struct sockaddr_storage server;
	unsigned int pinned_port = c->port, i, answered = 0;
	uint8_t query[QUERY_MAX];
	struct vt_dns_query q;
	char name[256];
	uint64_t t0 = vt_now_ns();
	double *ms;
	socklen_t len;
	int qlen;

	memset(ret, 0, sizeof(*ret));
	if (vt_sockaddr(c->server, &server, &len))
		return -EINVAL;
	ms = calloc(n ? n : 1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		serial++;
		snprintf(name, sizeof(name), "q%u.%s.client.example.", serial,
			 c->tag ? c->tag : "vt");
		qlen = vt_dns_build_query((uint16_t)(getpid() * 31 + serial), name, query);
		if (qlen < 0) {
			free(ms);
			return qlen;
		}
		query_one(c, &server, len, &pinned_port, query, qlen, &q, &ret->refused);
		if (ret_queries)
			ret_queries[i] = q;
		ret->queries++;
		if (q.answered)
			ms[answered++] = q.ms;
		if (q.first_err)
			ret->first_try_failed++;
		if (q.first_err == ETIMEDOUT)
			ret->first_try_timeouts++;
		if (c->pause_ms && i + 1 < n)
			usleep(c->pause_ms * 1000);
	}
	ret->answered = answered;
	qsort(ms, answered, sizeof(*ms), cmp_double);
	ret->p50_ms = percentile(ms, answered, 50);
	ret->p99_ms = percentile(ms, answered, 99);
	ret->max_ms = answered ? ms[answered - 1] : 0;
	ret->seconds = (vt_now_ns() - t0) / 1e9;
	free(ms);
	return 0;
}

void vt_dns_print(FILE *f, const char *label, const struct vt_dns_summary *s)
{
	fprintf(f,
		"%s: answered %u/%u, first-try timeouts %u (failures %u, tries refused %u), "
		"p50 %.1f ms, p99 %.1f ms, max %.1f ms, %.1f s in all\n",
		label, s->answered, s->queries, s->first_try_timeouts, s->first_try_failed,
		s->refused, s->p50_ms, s->p99_ms, s->max_ms, s->seconds);
}
