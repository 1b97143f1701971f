// SPDX-License-Identifier: GPL-2.0-only
#include "tcpcheck.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct probe {
	struct tcpcheck *owner;
	uint64_t token;
	int fd;
	int err; /* connect() failed at once with this: reported by the alarm */
	struct loop_source *io, *alarm;
	struct probe *next;
};

struct tcpcheck {
	struct loop *loop;
	tcpcheck_done_fn fn;
	void *data;
	struct probe *probes;
	unsigned int busy;
};

struct tcpcheck *tcpcheck_new(struct loop *loop, tcpcheck_done_fn fn, void *data)
{
	struct tcpcheck *p = calloc(1, sizeof(*p));

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
	close(pr->fd);
	free(pr);
}

void tcpcheck_free(struct tcpcheck *p)
{
	if (!p)
		return;
	while (p->probes)
		probe_free(p->probes);
	free(p);
}

static void finish(struct probe *pr, int err)
{
	struct tcpcheck *p = pr->owner;
	uint64_t token = pr->token;

	probe_free(pr);
	p->fn(p->data, token, err == 0, err);
}

static int on_writable(struct loop *loop, int fd, uint32_t events, void *data)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	finish(data, err);
	return 0;
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

int tcpcheck_start(struct tcpcheck *p, uint64_t token, const struct config_addr *target,
		   uint64_t timeout_ns)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct probe *pr;
	int r;

	for (pr = p->probes; pr; pr = pr->next)
		if (pr->token == token)
			return -EBUSY;
	memset(&ss, 0, sizeof(ss));
	if (target->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(target->port);
		memcpy(&sin->sin_addr, target->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(target->port);
		memcpy(&sin6->sin6_addr, target->addr, 16);
		len = sizeof(*sin6);
	}
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	pr->owner = p;
	pr->token = token;
	pr->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
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
	if (connect(pr->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		/* failed at once (unreachable, say): reported from the loop all the same */
		pr->err = errno;
		r = loop_alarm_set(pr->alarm, now_ns());
	} else {
		r = loop_add_io(p->loop, pr->fd, EPOLLOUT, on_writable, pr, &pr->io);
		if (r == 0)
			r = loop_alarm_set(pr->alarm, now_ns() + timeout_ns);
	}
	if (r == 0)
		return 0;
fail:
	probe_free(pr);
	return r;
}

unsigned int tcpcheck_busy(const struct tcpcheck *p)
{
	return p->busy;
}
