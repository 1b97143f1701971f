// SPDX-License-Identifier: GPL-2.0-only
#include "echoclient.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmtest.h"

#define OPEN_TIMEOUT_MS 3000
#define POLL_MS         5 /* the thread's tick: far below the interval */

/* A non-blocking TCP socket connecting to ADDR; the fd, or -errno. */
static int connect_start(const char *addr, bool *ret_in_progress)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err;

	if (vt_sockaddr(addr, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*ret_in_progress = false;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS) {
			err = -errno;
			close(fd);
			return err;
		}
		*ret_in_progress = true;
	}
	return fd;
}

static int socket_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* A request of exactly VT_ECHO_REQ_SIZE bytes: one small segment. */
static int send_request(int fd, uint64_t seq)
{
	char req[VT_ECHO_REQ_SIZE + 1];
	ssize_t n;

	snprintf(req, sizeof(req), "req %010llu\n", (unsigned long long)(seq % 10000000000ull));
	n = send(fd, req, VT_ECHO_REQ_SIZE, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	/* 16 bytes into an empty send buffer never go out in part */
	return n == VT_ECHO_REQ_SIZE ? 0 : -EIO;
}

/* Blocking until the deadline: waits for EVENTS on fd; 0, or -errno (-ETIMEDOUT). */
static int wait_for(int fd, short events, uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now = vt_now_ns();
	int r;

	if (now >= deadline_ns)
		return -ETIMEDOUT;
	r = poll(&pfd, 1, (deadline_ns - now) / 1000000 + 1);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

/* One connection of vt_echo_open(): connected, one request echoed, its destination known. */
static int open_one(struct vt_echo *e, struct vt_echo_conn *c)
{
	uint64_t deadline = vt_now_ns() + OPEN_TIMEOUT_MS * 1000000ull;
	char buf[VT_ECHO_REQ_SIZE];
	size_t got = 0;
	bool pending;
	ssize_t n;
	int fd, r;

	fd = connect_start(e->vip, &pending);
	if (fd < 0)
		return fd;
	c->fd = fd;
	if (pending && (r = wait_for(fd, POLLOUT, deadline)))
		return r;
	if ((r = socket_error(fd)))
		return -r;
	c->port = vt_local_port(fd);
	if ((r = send_request(fd, 0)))
		return r;
	while (got < VT_ECHO_REQ_SIZE) {
		if ((r = wait_for(fd, POLLIN, deadline)))
			return r;
		n = recv(fd, buf, sizeof(buf) - got, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (n > 0)
			got += n;
	}
	c->sent = c->echoed = 1;
	c->last_echo_ns = vt_now_ns();
	c->next_ns = c->last_echo_ns + e->interval_ms * 1000000ull;
	return vt_ipvs_conn_real("TCP", c->port, e->vip, c->real, sizeof(c->real));
}

int vt_echo_open(struct vt_echo *e, const char *vip, unsigned int n, int interval_ms)
{
	unsigned int i;
	int r;

	if (n > VT_ECHO_MAX || interval_ms < 1)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	snprintf(e->vip, sizeof(e->vip), "%s", vip);
	e->n = n;
	e->interval_ms = interval_ms;
	pthread_mutex_init(&e->lock, NULL);
	for (i = 0; i < VT_ECHO_MAX; i++)
		e->conns[i].fd = -1;
	for (i = 0; i < n; i++) {
		r = open_one(e, &e->conns[i]);
		if (r) {
			fprintf(stderr, "echo client: connection %u to %s: %s\n", i + 1, vip,
				strerror(-r));
			vt_echo_close(e);
			return r;
		}
	}
	return 0;
}

/* The first error of the first connection starts a reconnect; a later one is only kept. */
static void conn_failed(struct vt_echo *e, struct vt_echo_conn *c, int err, uint64_t now)
{
	close(c->fd);
	c->fd = -1;
	c->waiting = c->connecting = false;
	if (!c->err) {
		c->err = err;
		c->err_ns = now;
		c->next_ns = now; /* reconnect at once, as an application would */
	} else if (c->reconnected_ns) {
		c->later_err = err;
	} else {
		c->reconnect_failures++;
		c->next_ns = now + e->interval_ms * 1000000ull;
	}
}

/* Sends what is due, and starts a reconnect that is. */
static void conn_tick(struct vt_echo *e, struct vt_echo_conn *c, uint64_t now)
{
	bool pending;
	int fd, r;

	if (c->fd < 0) {
		if (!c->err || c->later_err || now < c->next_ns)
			return;
		fd = connect_start(e->vip, &pending);
		if (fd < 0) {
			c->reconnect_failures++;
			c->next_ns = now + e->interval_ms * 1000000ull;
			return;
		}
		c->fd = fd;
		c->connecting = true;
		c->new_port = vt_local_port(fd);
		return;
	}
	if (c->connecting || c->waiting)
		return;
	/* the reconnect's first request goes out at once, idle or not */
	if (c->idle && !c->poked && !(c->err && !c->reconnected_ns))
		return;
	if (!c->idle && now < c->next_ns && !(c->err && !c->reconnected_ns))
		return;
	r = send_request(c->fd, c->sent);
	if (r) {
		conn_failed(e, c, -r, now);
		return;
	}
	c->sent++;
	c->waiting = true;
	c->poked = false;
	c->got = 0;
	c->next_ns = now + e->interval_ms * 1000000ull;
}

static void conn_ready(struct vt_echo *e, struct vt_echo_conn *c, short revents, uint64_t now)
{
	char buf[256];
	ssize_t n;
	int err;

	if (c->connecting) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		err = socket_error(c->fd);
		if (err) {
			conn_failed(e, c, err, now);
			return;
		}
		c->connecting = false;
		vt_ipvs_conn_real("TCP", c->new_port, e->vip, c->new_real, sizeof(c->new_real));
		conn_tick(e, c, now);
		return;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			c->got += n;
			continue;
		}
		if (n == 0) {
			conn_failed(e, c, ECONNRESET, now); /* the server closed: not ours to see */
			return;
		}
		if (errno == EAGAIN)
			break;
		conn_failed(e, c, errno, now);
		return;
	}
	if (c->waiting && c->got >= VT_ECHO_REQ_SIZE) {
		c->waiting = false;
		c->got -= VT_ECHO_REQ_SIZE;
		c->echoed++;
		c->last_echo_ns = now;
		if (c->err && !c->reconnected_ns)
			c->reconnected_ns = now;
	}
}

static void *echo_main(void *arg)
{
	struct vt_echo *e = arg;
	struct pollfd pfd[VT_ECHO_MAX];
	unsigned int i;
	uint64_t now;

	while (!e->stop) {
		pthread_mutex_lock(&e->lock);
		now = vt_now_ns();
		for (i = 0; i < e->n; i++) {
			struct vt_echo_conn *c = &e->conns[i];

			conn_tick(e, c, now);
			pfd[i].fd = c->fd;
			pfd[i].events = c->connecting ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		pthread_mutex_unlock(&e->lock);
		if (poll(pfd, e->n, POLL_MS) <= 0)
			continue;
		pthread_mutex_lock(&e->lock);
		now = vt_now_ns();
		for (i = 0; i < e->n; i++)
			if (pfd[i].revents && pfd[i].fd == e->conns[i].fd)
				conn_ready(e, &e->conns[i], pfd[i].revents, now);
		pthread_mutex_unlock(&e->lock);
	}
	return NULL;
}

int vt_echo_start(struct vt_echo *e)
{
	int r;

	e->stop = false;
	r = pthread_create(&e->thread, NULL, echo_main, e);
	if (r)
		return -r;
	e->running = true;
	return 0;
}

void vt_echo_poke(struct vt_echo *e, unsigned int i)
{
	pthread_mutex_lock(&e->lock);
	if (i < e->n)
		e->conns[i].poked = true;
	pthread_mutex_unlock(&e->lock);
}

void vt_echo_snapshot(struct vt_echo *e, struct vt_echo_conn *ret)
{
	pthread_mutex_lock(&e->lock);
	memcpy(ret, e->conns, e->n * sizeof(*ret));
	pthread_mutex_unlock(&e->lock);
}

void vt_echo_close(struct vt_echo *e)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	unsigned int i;

	if (e->running) {
		e->stop = true;
		pthread_join(e->thread, NULL);
		e->running = false;
	}
	for (i = 0; i < VT_ECHO_MAX; i++) {
		if (e->conns[i].fd < 0)
			continue;
		setsockopt(e->conns[i].fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(e->conns[i].fd);
		e->conns[i].fd = -1;
	}
}
