// SPDX-License-Identifier: GPL-2.0-only
/*
 * labsrv - the lab's destination server: echoes TCP streams and UDP datagrams
 * on the given ports, IPv4 and IPv6, for many short connections. With -D it
 * is a DNS server on UDP instead (TCP still echoes): every query gets a
 * well-formed answer, and -L logs one line per query, so that a test can
 * tell vigild's probes (their name) from its clients' queries.
 *
 * Usage: labsrv [-d] [-D] [-L LOGFILE] [-P PIDFILE] [-p PORT]...
 *
 * Every socket is bound and listening before labsrv daemonizes (-d) or writes
 * PIDFILE, so a caller that waits for either can connect at once. One epoll
 * loop serves everything; handlers never block.
 */
#include <arpa/inet.h>
#include <ctype.h>
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

/* DNS (RFC 1035): the header, its flags, the types and class answered */
#define DNS_HEADER_SIZE 12
#define DNS_QR          0x8000
#define DNS_OPCODE_MASK 0x7800
#define DNS_AA          0x0400
#define DNS_RD          0x0100
#define DNS_RA          0x0080
#define DNS_RCODE_OK    0
#define DNS_RCODE_FORM  1 /* FORMERR: the question could not be read */
#define DNS_RCODE_IMPL  4 /* NOTIMP: an opcode other than QUERY */
#define DNS_TYPE_A      1
#define DNS_CLASS_IN    1
#define DNS_NAME_TEXT   1025 /* a name in text: 255 bytes, each escaped at worst as \DDD */

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
	bool dns;   /* UDP answers DNS instead of echoing */
	int log_fd; /* -L: one line per DNS query, or -1 */
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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * Reads the question's name at q[off..len) into TEXT, lowercase, with the
 * final dot ("." for the root); the offset just past it, or -EBADMSG. A
 * question has no compression pointers (nothing precedes it to point at).
 */
static int dns_read_name(const uint8_t *q, size_t len, size_t off, char *text)
{
	size_t out = 0, wire = 0;
	unsigned int n, i;

	for (;;) {
		if (off >= len)
			return -EBADMSG;
		n = q[off++];
		if (n == 0)
			break;
		if (n > 63 || off + n > len || (wire += n + 1) > 254)
			return -EBADMSG;
		for (i = 0; i < n; i++) {
			unsigned char c = q[off + i];

			if (c == '.' || c == '\\' || !isgraph(c))
				out += sprintf(text + out, "\\%03u", c);
			else
				text[out++] = tolower(c);
		}
		text[out++] = '.';
		off += n;
	}
	if (!out)
		text[out++] = '.';
	text[out] = '\0';
	return off;
}

/*
 * The answer to the DNS message Q (len bytes) in OUT (at least len + 16
 * bytes): the header with QR set and the same ID, the question echoed, and
 * for an A question of class IN one A record, 192.0.2.1 (TEST-NET-1). Any
 * other question gets NOERROR with no answer; an EDNS record is not echoed
 * (a reply without one is well-formed). Its length, or 0 for no answer (a
 * response, or less than a header). TEXT and ret_qtype say what was asked
 * ("-" and 0 when the question could not be read).
 */
static size_t dns_answer(const uint8_t *q, size_t len, uint8_t *out, char *text,
			 uint16_t *ret_qtype)
{
	uint16_t flags, qtype, qclass;
	size_t n = DNS_HEADER_SIZE;
	int end;

	strcpy(text, "-");
	*ret_qtype = 0;
	if (len < DNS_HEADER_SIZE)
		return 0;
	flags = get16(q + 2);
	if (flags & DNS_QR)
		return 0;
	memcpy(out, q, DNS_HEADER_SIZE);
	memset(out + 4, 0, DNS_HEADER_SIZE - 4); /* no sections until written */
	flags = DNS_QR | DNS_AA | DNS_RA | (flags & (DNS_OPCODE_MASK | DNS_RD));
	if (flags & DNS_OPCODE_MASK) {
		put16(out + 2, flags | DNS_RCODE_IMPL);
		return n;
	}
	end = get16(q + 4) == 1 ? dns_read_name(q, len, DNS_HEADER_SIZE, text) : -EBADMSG;
	if (end < 0 || (size_t)end + 4 > len) {
		strcpy(text, "-");
		put16(out + 2, flags | DNS_RCODE_FORM);
		return n;
	}
	qtype = get16(q + end);
	qclass = get16(q + end + 2);
	*ret_qtype = qtype;
	memcpy(out + n, q + n, end + 4 - n);
	n = end + 4;
	put16(out + 2, flags | DNS_RCODE_OK);
	put16(out + 4, 1);
	if (qtype == DNS_TYPE_A && qclass == DNS_CLASS_IN) {
		put16(out + n, 0xc000 | DNS_HEADER_SIZE); /* the name: the question's */
		put16(out + n + 2, DNS_TYPE_A);
		put16(out + n + 4, DNS_CLASS_IN);
		put16(out + n + 6, 0);
		put16(out + n + 8, 60); /* TTL 60 s */
		put16(out + n + 10, 4);
		memcpy(out + n + 12, (const uint8_t[]){ 192, 0, 2, 1 }, 4); /* TEST-NET-1 */
		n += 16;
		put16(out + 6, 1);
	}
	return n;
}

/* "NAME QTYPE SOURCE\n" to the query log; a test counts the lines of a name. */
static void dns_log(struct server *srv, const char *text, uint16_t qtype,
		    const struct sockaddr_storage *peer)
{
	char line[DNS_NAME_TEXT + 80], addr[INET6_ADDRSTRLEN] = "?";
	int n;

	if (srv->log_fd < 0)
		return;
	if (peer->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)peer)->sin6_addr;

		/* IPv4 clients reach the dual-stack socket as ::ffff:a.b.c.d */
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, a, addr, sizeof(addr));
	} else if (peer->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, addr,
			  sizeof(addr));
	}
	n = snprintf(line, sizeof(line), "%s %u %s\n", text, qtype, addr);
	/* O_APPEND: one write, one whole line, even while a test truncates the file */
	if (write(srv->log_fd, line, n) < 0)
		return; /* a full /run loses lines, not answers */
}

/*
 * Echoes each datagram (or answers it, in DNS mode) from the address it was
 * sent to. The pktinfo control message comes back unchanged but for the
 * interface, which routing picks.
 */
static void on_udp(struct server *srv, struct handler *h)
{
	static uint8_t buf[UDP_BUF_SIZE], reply[UDP_BUF_SIZE + 16];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	char name[DNS_NAME_TEXT];
	struct sockaddr_storage peer;
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg;
	struct cmsghdr *cm;
	uint16_t qtype;
	ssize_t n;

	for (;;) {
		iov.iov_base = buf;
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
		if (srv->dns) {
			iov.iov_base = reply;
			iov.iov_len = dns_answer(buf, n, reply, name, &qtype);
			dns_log(srv, name, qtype, &peer);
			if (!iov.iov_len)
				continue;
		}
		msg.msg_flags = 0;
		if (!msg.msg_controllen)
			msg.msg_control = NULL;
		/* A full socket buffer drops the reply, as a busy server would. */
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
				on_udp(srv, h);
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
		"usage: %s [-d] [-D] [-L LOGFILE] [-P PIDFILE] [-p PORT]...\n"
		"Echoes TCP and UDP on each PORT (default 8080), IPv4 and IPv6.\n"
		"  -d          daemonize once listening\n"
		"  -D          answer DNS queries on UDP instead of echoing\n"
		"  -L LOGFILE  append \"NAME QTYPE SOURCE\" there for each DNS query\n"
		"  -P PIDFILE  write the server's pid there once listening\n",
		prog);
}

int main(int argc, char **argv)
{
	struct server srv = { .epfd = -1, .log_fd = -1 };
	const char *pidfile = NULL, *logfile = NULL;
	bool detach = false;
	int opt, r;

	while ((opt = getopt(argc, argv, "dDL:P:p:h")) != -1) {
		switch (opt) {
		case 'd':
			detach = true;
			break;
		case 'D':
			srv.dns = true;
			break;
		case 'L':
			logfile = optarg;
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
	if (logfile) {
		srv.log_fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (srv.log_fd < 0) {
			fprintf(stderr, "%s: cannot open %s: %s\n", prog, logfile, strerror(errno));
			return 1;
		}
	}
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
