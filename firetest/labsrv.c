// SPDX-License-Identifier: GPL-2.0-only
/*
 * labsrv - the lab's destination server: echoes TCP streams and UDP datagrams
 * on the given ports, IPv4 and IPv6, for many short connections.
 *
 * Usage: labsrv [-d] [-P PIDFILE] [-p PORT]...
 *
 * Every socket is bound and listening before labsrv daemonizes (-d) or writes
 * PIDFILE, so a caller that waits for either can connect at once. One epoll
 * loop serves everything; handlers never block.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PORTS      32
#define LISTEN_BACKLOG 4096
#define CONN_BUF_SIZE  16384
#define UDP_BUF_SIZE   65536
#define MAX_EVENTS     256

enum handler_kind {
	H_TCP_LISTEN,
	H_TCP_CONN,
	H_UDP,
};

/* First member of every object registered with epoll. */
struct handler {
	enum handler_kind kind;
	int fd;
};

/* Bytes read from a connection that the peer has not taken back yet. */
struct conn {
	struct handler h;
	size_t off, len;
	bool want_out;
	char buf[CONN_BUF_SIZE];
};

struct server {
	int epfd;
	uint16_t ports[MAX_PORTS];
	int nports;
	struct handler listeners[2 * MAX_PORTS];
	int nlisteners;
	unsigned long accepted;
};

static const char *prog = "labsrv";

static int epoll_watch(int epfd, int op, struct handler *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(epfd, op, h->fd, &ev) < 0)
		return -errno;
	return 0;
}

static int set_int_opt(int fd, int level, int name, int val)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		return -errno;
	return 0;
}

/*
 * One IPv6 socket with IPV6_V6ONLY off serves both families; a namespace
 * without IPv6 gets an IPv4 socket instead. Returns the fd or -errno.
 */
static int open_bound(int type, uint16_t port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	bool v6 = true;
	int fd, r;

	fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		v6 = false;
		fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;

	r = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!r && v6)
		r = set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	/* UDP replies must leave from the address the request was sent to. */
	if (!r && type == SOCK_DGRAM)
		r = v6 ? set_int_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
		       : set_int_opt(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (!r) {
		if (v6)
			r = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
		else
			r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
		if (r < 0)
			r = -errno;
	}
	if (!r && type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0)
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

static int server_listen(struct server *srv)
{
	static const struct {
		int type;
		enum handler_kind kind;
		const char *name;
	} protos[] = {
		{ SOCK_STREAM, H_TCP_LISTEN, "tcp" },
		{ SOCK_DGRAM, H_UDP, "udp" },
	};
	int i, p, fd, r;

	for (i = 0; i < srv->nports; i++) {
		for (p = 0; p < 2; p++) {
			struct handler *h = &srv->listeners[srv->nlisteners];

			fd = open_bound(protos[p].type, srv->ports[i]);
			if (fd < 0) {
				fprintf(stderr, "%s: cannot listen on %s port %u: %s\n", prog,
					protos[p].name, srv->ports[i], strerror(-fd));
				return fd;
			}
			h->kind = protos[p].kind;
			h->fd = fd;
			srv->nlisteners++;
			r = epoll_watch(srv->epfd, EPOLL_CTL_ADD, h, EPOLLIN);
			if (r)
				return r;
		}
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	close(c->h.fd); /* also removes it from the epoll set */
	free(c);
}

/* Sends what is buffered; returns 0, or -errno when the connection is dead. */
static int conn_flush(struct server *srv, struct conn *c)
{
	bool want_out;
	ssize_t n;
	int r;

	while (c->off < c->len) {
		n = send(c->h.fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->off += n;
	}
	if (c->off == c->len)
		c->off = c->len = 0;

	/* While output is pending, stop reading: that is the backpressure. */
	want_out = c->len > 0;
	if (want_out != c->want_out) {
		r = epoll_watch(srv->epfd, EPOLL_CTL_MOD, &c->h,
				want_out ? EPOLLOUT : EPOLLIN | EPOLLRDHUP);
		if (r)
			return r;
		c->want_out = want_out;
	}
	return 0;
}

/* Returns 0 to keep the connection, 1 when the peer closed, or -errno. */
static int conn_echo(struct server *srv, struct conn *c)
{
	ssize_t n;
	int r;

	for (;;) {
		if (c->len > 0)
			return conn_flush(srv, c);
		n = recv(c->h.fd, c->buf, sizeof(c->buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (n == 0)
			return 1;
		c->off = 0;
		c->len = n;
		r = conn_flush(srv, c);
		if (r)
			return r;
	}
}

static void on_conn(struct server *srv, struct conn *c, uint32_t events)
{
	int r;

	if (events & EPOLLOUT)
		r = conn_flush(srv, c);
	else
		r = conn_echo(srv, c);
	/* EPOLLERR/EPOLLHUP make recv or send report the error. */
	if (!r && (events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN))
		r = -ECONNRESET;
	if (r)
		conn_close(c);
}

static void on_accept(struct server *srv, struct handler *l)
{
	struct conn *c;
	int fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				fprintf(stderr, "%s: accept: %s\n", prog, strerror(errno));
			/* EMFILE and friends: retry on the next event. */
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->h.kind = H_TCP_CONN;
		c->h.fd = fd;
		if (epoll_watch(srv->epfd, EPOLL_CTL_ADD, &c->h, EPOLLIN | EPOLLRDHUP)) {
			conn_close(c);
			continue;
		}
		srv->accepted++;
	}
}

/*
 * Echoes each datagram from the address it was sent to. The pktinfo control
 * message comes back unchanged but for the interface, which routing picks.
 */
static void on_udp(struct handler *h)
{
	static char buf[UDP_BUF_SIZE];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage peer;
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;

	for (;;) {
		iov.iov_len = sizeof(buf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &peer;
		msg.msg_namelen = sizeof(peer);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(h->fd, &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an ICMP error queued by a send */
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
				((struct in6_pktinfo *)CMSG_DATA(cm))->ipi6_ifindex = 0;
			else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
				((struct in_pktinfo *)CMSG_DATA(cm))->ipi_ifindex = 0;
		}
		iov.iov_len = n;
		msg.msg_flags = 0;
		if (!msg.msg_controllen)
			msg.msg_control = NULL;
		/* A full socket buffer drops the echo, as a busy server would. */
		sendmsg(h->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

static int server_run(struct server *srv)
{
	struct epoll_event events[MAX_EVENTS];
	struct handler *h;
	int i, n;

	for (;;) {
		n = epoll_wait(srv->epfd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			h = events[i].data.ptr;
			switch (h->kind) {
			case H_TCP_LISTEN:
				on_accept(srv, h);
				break;
			case H_TCP_CONN:
				on_conn(srv, (struct conn *)h, events[i].events);
				break;
			case H_UDP:
				on_udp(h);
				break;
			}
		}
	}
}

static int write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;
	int r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", (long)pid) < 0)
		r = -EIO;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/*
 * Forks; the parent records the child's pid and exits once it is known, so
 * the caller's next command finds the ports open.
 */
static int daemonize(const char *pidfile)
{
	pid_t pid;
	int fd, r;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		if (pidfile) {
			r = write_pidfile(pidfile, pid);
			if (r) {
				fprintf(stderr, "%s: cannot write %s: %s\n", prog, pidfile,
					strerror(-r));
				kill(pid, SIGTERM);
				_exit(1);
			}
		}
		_exit(0);
	}
	if (setsid() < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

static int parse_port(const char *s, uint16_t *ret_port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -EINVAL;
	*ret_port = v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [-d] [-P PIDFILE] [-p PORT]...\n"
		"Echoes TCP and UDP on each PORT (default 8080), IPv4 and IPv6.\n"
		"  -d          daemonize once listening\n"
		"  -P PIDFILE  write the server's pid there once listening\n",
		prog);
}

int main(int argc, char **argv)
{
	struct server srv = { .epfd = -1 };
	const char *pidfile = NULL;
	bool detach = false;
	int opt, r;

	while ((opt = getopt(argc, argv, "dP:p:h")) != -1) {
		switch (opt) {
		case 'd':
			detach = true;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'p':
			if (srv.nports == MAX_PORTS) {
				fprintf(stderr, "%s: at most %d ports\n", prog, MAX_PORTS);
				return 2;
			}
			if (parse_port(optarg, &srv.ports[srv.nports]) < 0) {
				fprintf(stderr, "%s: bad port '%s'\n", prog, optarg);
				return 2;
			}
			srv.nports++;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	if (!srv.nports)
		srv.ports[srv.nports++] = 8080;

	signal(SIGPIPE, SIG_IGN);
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv.epfd < 0) {
		fprintf(stderr, "%s: epoll_create1: %s\n", prog, strerror(errno));
		return 1;
	}
	if (server_listen(&srv))
		return 1;

	if (detach) {
		r = daemonize(pidfile);
		if (r) {
			fprintf(stderr, "%s: cannot daemonize: %s\n", prog, strerror(-r));
			return 1;
		}
	} else if (pidfile) {
		r = write_pidfile(pidfile, getpid());
		if (r) {
			fprintf(stderr, "%s: cannot write %s: %s\n", prog, pidfile, strerror(-r));
			return 1;
		}
	}

	r = server_run(&srv);
	fprintf(stderr, "%s: epoll_wait: %s\n", prog, strerror(-r));
	return 1;
}
