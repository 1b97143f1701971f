// SPDX-License-Identifier: GPL-2.0-only
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"

struct metrics {
	struct loop *loop;
	struct MHD_Daemon *daemon;
	struct loop_source *io, *alarm;
	struct config_addr addr;
	metrics_render_fn fn;
	void *data;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * MHD's messages: a client's doing (a reset connection, the connection
 * limit) as often as vigild's, and anyone who can reach the port can
 * cause them, so they go to the debug log rather than flood the journal.
 */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	size_t n;

	vsnprintf(text, sizeof(text), fmt, ap);
	n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	log_debug("metrics: %s", text);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, char *text,
			     size_t len, bool must_free)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(
	    len, text, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (must_free)
			free(text);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? METRICS_CONTENT_TYPE : "text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "not found: vigild serves /metrics\n";
	static char not_allowed[] = "method not allowed: GET /metrics\n";
	static char failed[] = "cannot render the metrics\n";
	struct metrics *m = cls;
	char *text = NULL;
	size_t len = 0;

	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, not_found, strlen(not_found), false);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, strlen(not_allowed),
			     false);
	if (m->fn(m->data, &text, &len) < 0)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, failed, strlen(failed), false);
	return reply(conn, MHD_HTTP_OK, text, len, true);
}

/* MHD's next deadline as the loop's alarm: without it, idle connections never time out. */
static void rearm(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->daemon, &ms) == MHD_YES)
		loop_alarm_set(m->alarm, now_ns() + ms * 1000000ull);
	else
		loop_alarm_set(m->alarm, 0);
}

static int on_ready(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct metrics *m = data;

	MHD_run(m->daemon);
	rearm(m);
	return 0;
}

static int on_alarm(struct loop *loop, void *data)
{
	return on_ready(loop, -1, 0, data);
}

static int listen_on(const struct config_addr *addr, struct config_addr *ret)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, r;

	memset(&ss, 0, sizeof(ss));
	if (addr->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(addr->port);
		memcpy(&in->sin_addr, addr->addr, 4);
		len = sizeof(*in);
	} else if (addr->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(addr->port);
		memcpy(&in6->sin6_addr, addr->addr, 16);
		len = sizeof(*in6);
	} else {
		return -EAFNOSUPPORT;
	}
	fd = socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restarted vigild must not wait for the old connections' TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] means IPv6 only: 0.0.0.0 is written for IPv4 */
	if (addr->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret = *addr;
	ret->port = ntohs(addr->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

int metrics_open(struct loop *loop, const struct config_addr *addr, metrics_render_fn fn,
		 void *data, struct metrics **ret)
{
	struct metrics *m = calloc(1, sizeof(*m));
	const union MHD_DaemonInfo *info;
	int fd, r;

	if (!m)
		return -ENOMEM;
	m->loop = loop;
	m->fn = fn;
	m->data = data;
	/* bound here, not by MHD: its failure says only "failed", bind's errno says why */
	fd = listen_on(addr, &m->addr);
	if (fd < 0) {
		free(m);
		return fd;
	}
	m->daemon = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, m,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CLIENTS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S, MHD_OPTION_END);
	if (!m->daemon) {
		/* whether MHD closed the socket it was given on failure varies by version */
		if (fcntl(fd, F_GETFD) >= 0)
			close(fd);
		free(m);
		return -EIO;
	}
	info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	r = info ? 0 : -EIO;
	if (!r)
		r = loop_add_io(loop, info->epoll_fd, EPOLLIN, on_ready, m, &m->io);
	if (!r)
		r = loop_add_alarm(loop, on_alarm, m, &m->alarm);
	if (r) {
		metrics_close(m);
		return r;
	}
	rearm(m);
	*ret = m;
	return 0;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	loop_remove(m->loop, m->io);
	loop_remove(m->loop, m->alarm);
	/* closes the listening socket and every connection */
	if (m->daemon)
		MHD_stop_daemon(m->daemon);
	free(m);
}

const struct config_addr *metrics_address(const struct metrics *m)
{
	return &m->addr;
}
