// SPDX-License-Identifier: GPL-2.0-only
/* vigilctl: vigild's command line, over its control socket (proto/control.md). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "complete.h"
#include "config.h"
#include "conntable.h"
#include "filter.h"
#include "format.h"
#include "ipvs.h"
#include "order.h"
#include "render.h"

/* A list of 10000 services of 1000 destinations is well below this. */
#define MAX_REPLY (1u << 30)

/* IPVS's connection table, both families (the kernel has no ip_vs_conn6). */
#define IP_VS_CONN "/proc/net/ip_vs_conn"

/* complete: the longest a TAB waits on the agent before the config file answers */
#define COMPLETE_TIMEOUT_MS 1000

static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void complain(const char *fmt, ...)
{
	va_list ap;

	fputs("vigilctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: replies may take as long as they take */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/*
 * -errno of connect(): ENOENT and ECONNREFUSED mean that no vigild runs.
 * TIMEOUT_MS (0: none) bounds the connect, the sends and conn_recv() all told.
 */
static int conn_open(struct conn *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (timeout_ms) {
		struct timeval tv = { timeout_ms / 1000, timeout_ms % 1000 * 1000 };

		c->deadline_ns = now_ns() + timeout_ms * 1000000ll;
		/* a Unix connect to a full backlog blocks, for SO_SNDTIMEO at most */
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(c->fd);
		c->fd = -1;
		return r;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
}

static int conn_send(struct conn *c, struct json_object *req)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text), off = 0;

	while (off <= len) {
		/* the line, then its newline */
		ssize_t n = off < len ? send(c->fd, text + off, len - off, MSG_NOSIGNAL)
				      : send(c->fd, "\n", 1, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += n;
	}
	return 0;
}

/* The next line as JSON; NULL at the end (*ret_err 0) or on an error. */
static struct json_object *conn_recv(struct conn *c, int *ret_err)
{
	struct json_object *o;
	char *nl;

	*ret_err = 0;
	while (!(nl = c->buf ? memchr(c->buf, '\n', c->len) : NULL)) {
		ssize_t n;

		if (c->len == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 65536;
			char *p;

			if (cap > MAX_REPLY) {
				*ret_err = -EMSGSIZE;
				return NULL;
			}
			p = realloc(c->buf, cap);
			if (!p) {
				*ret_err = -ENOMEM;
				return NULL;
			}
			c->buf = p;
			c->cap = cap;
		}
		if (c->deadline_ns) {
			struct pollfd p = { .fd = c->fd, .events = POLLIN };
			int64_t left_ms = (c->deadline_ns - now_ns()) / 1000000;

			if (left_ms <= 0 || (n = poll(&p, 1, (int)left_ms)) == 0) {
				*ret_err = -ETIMEDOUT;
				return NULL;
			}
			if (n < 0 && errno == EINTR)
				continue;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*ret_err = -errno;
			return NULL;
		}
		if (n == 0)
			return NULL;
		c->len += n;
	}
	*nl = '\0';
	o = json_tokener_parse(c->buf);
	c->len -= nl + 1 - c->buf;
	memmove(c->buf, nl + 1, c->len);
	if (!o)
		*ret_err = -EBADMSG;
	return o;
}

static const char *reply_error(struct json_object *reply)
{
	struct json_object *ok, *err;

	if (json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok))
		return NULL;
	if (json_object_object_get_ex(reply, "error", &err))
		return json_object_get_string(err);
	return "the agent gave no reason";
}

/* One request, one reply; prints why it failed and returns the exit code. */
static int request(struct conn *c, const struct args *a, struct json_object *req,
		   struct json_object **ret)
{
	const char *why;
	int r, recv_err;

	*ret = NULL;
	r = conn_send(c, req);
	/*
	 * Read even when the send failed: a client vigild refuses (too many
	 * clients) gets a line saying why, and the connection closed, which
	 * may break the send first. That line is the answer worth printing.
	 */
	*ret = conn_recv(c, &recv_err);
	if (*ret)
		r = 0;
	else if (!r)
		r = recv_err ? recv_err : -ECONNRESET;
	if (r) {
		complain("no answer from vigild on %s: %s", a->socket, strerror(-r));
		return EXIT_FAILED;
	}
	why = reply_error(*ret);
	if (why) {
		complain("%s", why);
		json_object_put(*ret);
		*ret = NULL;
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static void print_json(struct json_object *o, int flags)
{
	puts(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * ipvsadm without -n: the host's name where the resolver has one, the port's
 * name in /etc/services for PROTOCOL ("tcp", "udp", "sctp"; anything else,
 * such as a fwmark service's "", keeps the number), as ipvsadm looks them up.
 * Each lookup may wait on DNS, which is what -n is for. DATA points to a
 * bool: true to bracket an IPv6 host's name too, as ipvsadm does
 * ("[db.lab]:5432").
 */
static int resolve(const char *addr_port, const char *protocol, char *buf, size_t size, void *data)
{
	const bool *brackets_names = data;
	char host[NI_MAXHOST], port[16];
	struct sockaddr_storage ss = { 0 };
	struct config_addr a;
	struct servent *se = NULL;
	bool named_host;
	socklen_t len;

	if (filter_addr_parse(addr_port, &a, NULL, 0) < 0)
		return -EINVAL;
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a.addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a.addr, 16);
		len = sizeof(*sin6);
	}
	named_host =
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NAMEREQD) == 0;
	if (!named_host &&
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST))
		return -EINVAL;
	/* getnameinfo() knows tcp and udp alone; ipvsadm asks for sctp's names too */
	if (!strcmp(protocol, "tcp") || !strcmp(protocol, "udp") || !strcmp(protocol, "sctp"))
		se = getservbyport(htons(a.port), protocol);
	snprintf(port, sizeof(port), "%u", a.port);
	snprintf(buf, size,
		 a.family == AF_INET6 && (!named_host || *brackets_names) ? "[%s]:%s" : "%s:%s",
		 host, se ? se->s_name : port);
	return 0;
}

/* list --timeout: ipvsadm's line, or the timeouts alone in JSON. */
static int show_timeout(const struct args *a, struct json_object *reply)
{
	struct json_object *ipvs, *t;

	if (!json_object_object_get_ex(reply, "ipvs", &ipvs) ||
	    !json_object_object_get_ex(ipvs, "timeout", &t)) {
		complain("no IPVS timeouts to show: %s",
			 json_object_object_get_ex(reply, "agent", &t) && json_object_get_boolean(t)
			     ? "vigild could not read them (see its log), or is older than vigilctl"
			     : "the kernel did not give them");
		return EXIT_FAILED;
	}
	if (a->json)
		print_json(t, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	else
		format_timeout(stdout, reply);
	return EXIT_OK;
}

/* Whether any service of the (filtered) list is in the kernel. */
static bool any_in_kernel(struct json_object *reply)
{
	struct json_object *svcs, *v;
	size_t i;

	if (!json_object_object_get_ex(reply, "services", &svcs))
		return false;
	for (i = 0; i < json_object_array_length(svcs); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(svcs, i), "in_kernel",
					      &v) &&
		    json_object_get_boolean(v))
			return true;
	return false;
}

/*
 * Whether each destination REPLY has in the kernel has KEY, or each whose
 * forward is FORWARD (not NULL): a vigild older than vigilctl sends none.
 */
static bool kernel_dests_have(struct json_object *reply, const char *key, const char *forward)
{
	struct json_object *svcs, *dests, *d, *v;
	size_t i, j;

	if (!json_object_object_get_ex(reply, "services", &svcs))
		return true;
	for (i = 0; i < json_object_array_length(svcs); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(svcs, i), "destinations",
					       &dests))
			continue;
		for (j = 0; j < json_object_array_length(dests); j++) {
			d = json_object_array_get_idx(dests, j);
			if (!json_object_object_get_ex(d, "in_kernel", &v) ||
			    !json_object_get_boolean(v))
				continue;
			if (forward && !(json_object_object_get_ex(d, "forward", &v) &&
					 !strcmp(json_object_get_string(v), forward)))
				continue;
			if (!json_object_object_get_ex(d, key, &v))
				return false;
		}
	}
	return true;
}

/* list --ipvsadm: ipvsadm -L's own output, nothing of vigil's. */
static int show_ipvsadm(const struct args *a, struct json_object *reply)
{
	static bool brackets_names = true;
	struct format_options o = {
		.view = a->view,
		.exact = a->exact,
		.name = a->numeric ? NULL : resolve,
		.name_data = &brackets_names,
		.nosort = a->nosort,
		.one_service = a->filter.kind != FILTER_NONE,
	};
	char given[160];
	int r;

	if (a->filter.kind != FILTER_NONE && !any_in_kernel(reply)) {
		filter_describe(&a->filter, given, sizeof(given));
		complain("no service in IPVS matches %s: vigild keeps it, the kernel does not "
			 "have it (yet)",
			 given);
		return EXIT_FAILED;
	}
	if ((a->view == FORMAT_VIEW_THRESHOLDS && !kernel_dests_have(reply, "u_threshold", NULL)) ||
	    (a->view == FORMAT_VIEW_TUNNEL && !kernel_dests_have(reply, "tunnel", "tunnel"))) {
		complain("vigild is older than vigilctl: its list has no %s; restart it",
			 a->view == FORMAT_VIEW_TUNNEL ? "tunnel encapsulations" : "thresholds");
		return EXIT_FAILED;
	}
	r = format_ipvsadm(stdout, reply, &o);
	if (r == -ENODATA) {
		complain("no IPVS table to show as ipvsadm would: vigild could not read it");
		return EXIT_FAILED;
	}
	if (r < 0) {
		complain("cannot show the list as ipvsadm would: %s",
			 r == -EINVAL ? "the agent's list reply has no services" : strerror(-r));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* Whether LIST is vigild's answer, not the kernel's table vigilctl read without it. */
static bool agent_answered(struct json_object *list)
{
	struct json_object *v;

	return json_object_object_get_ex(list, "agent", &v) && json_object_get_boolean(v);
}

/* What list -c shows of each connection the kernel's table gives. */
struct conn_view {
	const struct args *a;
	struct json_object *list; /* services, for each connection's and for the filter */
	struct format_options o;
	bool titled;
};

static int show_conn(const struct conntable_conn *c, void *data)
{
	struct conn_view *v = data;
	struct json_object *svc = format_conn_service(v->list, c), *o;

	if (v->a->filter.kind != FILTER_NONE && !(svc && filter_match(&v->a->filter, svc)))
		return 0;
	if (v->a->json) {
		o = format_conn_json(c, svc);
		if (!o)
			return -ENOMEM;
		print_json(o, JSON_C_TO_STRING_PLAIN);
		json_object_put(o);
		return 0;
	}
	if (!v->titled)
		format_conn_title(stdout, &v->o);
	v->titled = true;
	format_conn(stdout, c, svc, &v->o);
	return 0;
}

/*
 * list -c: IP_VS_CONN as it is read, a piece at a time (a busy table is
 * long, and is never held whole), each connection with LIST's view of it.
 */
static int show_connections(const struct args *a, struct json_object *list)
{
	static bool brackets_names = true;
	struct conn_view v = {
		.a = a,
		.list = list,
		.o = { .name = a->numeric ? NULL : resolve,
		       .name_data = &brackets_names,
		       .ipvsadm = a->ipvsadm,
		       .view = a->view },
	};
	struct conntable_reader reader;
	char buf[65536], why[512];
	ssize_t n;
	int fd, r = 0;

	if (a->filter.kind != FILTER_NONE && !filter_any(list, &a->filter, why, sizeof(why))) {
		complain("%s", why);
		return EXIT_FAILED;
	}
	fd = open(IP_VS_CONN, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		complain("cannot read " IP_VS_CONN ": %s",
			 errno == ENOENT ? "the kernel has no IPVS (modprobe ip_vs)"
					 : strerror(errno));
		/* without vigild, as list: nothing to show is the agent's absence first */
		return agent_answered(list) ? EXIT_FAILED : EXIT_NO_AGENT;
	}
	conntable_reader_init(&reader);
	while (r >= 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		r = n < 0 ? -errno
			  : conntable_feed(&reader, buf, n, show_conn, &v, why, sizeof(why));
	}
	if (r >= 0)
		r = conntable_finish(&reader, show_conn, &v, why, sizeof(why));
	close(fd);
	/* the table's title even when it has no connection, as ipvsadm -Lc */
	if (r >= 0 && !v.titled && !a->json)
		format_conn_title(stdout, &v.o);
	if (r == -EINVAL)
		complain(IP_VS_CONN " %s", why);
	else if (r < 0)
		complain("cannot read " IP_VS_CONN ": %s", strerror(-r));
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}

static int show_list(const struct args *a, struct json_object *reply)
{
	static bool brackets_names = false;
	struct format_options o = {
		.view = a->view,
		.exact = a->exact,
		.name = a->numeric ? NULL : resolve,
		.name_data = &brackets_names,
	};
	struct json_object *err;
	char why[256];

	if (json_object_object_get_ex(reply, "kernel_error", &err))
		complain("vigild cannot read the IPVS table (%s): the kernel's columns are empty",
			 json_object_get_string(err));
	if (a->timeout)
		return show_timeout(a, reply);
	if (a->connections)
		return show_connections(a, reply);
	/* vigilctl picks the service itself: the request has no filter (control.md) */
	if (a->filter.kind != FILTER_NONE && !filter_list(reply, &a->filter, why, sizeof(why))) {
		complain("%s", why);
		return EXIT_FAILED;
	}
	if (a->ipvsadm)
		return show_ipvsadm(a, reply);
	if (a->sort && order_list(reply, ORDER_SORTED) < 0) {
		complain("cannot sort the list: %s", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	if (a->json) {
		print_json(reply, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
		return EXIT_OK;
	}
	if (format_list_with(stdout, reply, &o) < 0) {
		complain("the agent's list reply has no services");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* Without the agent: what the kernel has, through the ipvs library. */
static int list_kernel(const struct args *a)
{
	struct ipvs_table *table = NULL;
	struct ipvs_timeouts timeouts;
	struct json_object *o = NULL;
	struct ipvs_info info;
	struct ipvs *h = NULL;
	bool have_timeouts = false;
	int r, code = EXIT_NO_AGENT;

	r = ipvs_open(&h);
	if (!r)
		r = ipvs_info(h, &info);
	if (!r)
		have_timeouts = ipvs_timeout_get(h, &timeouts) == 0;
	if (!r)
		r = ipvs_dump(h, &table);
	if (r) {
		complain("cannot read the kernel's IPVS table either: %s%s",
			 r == -EPROTONOSUPPORT ? "the kernel has no IPVS (modprobe ip_vs)"
					       : strerror(-r),
			 a->connections ? "; the connections follow without their services" : "");
		ipvs_close(h);
		/* IP_VS_CONN is for anyone to read, the services for CAP_NET_ADMIN */
		if (!a->connections)
			return EXIT_NO_AGENT;
		h = NULL;
	}
	o = render_list(false, NULL, 0, table, r ? NULL : &info, have_timeouts ? &timeouts : NULL);
	/* what went wrong with the list (nothing matched) is said first */
	if (o && show_list(a, o) == EXIT_FAILED)
		code = EXIT_FAILED;
	if (!o)
		complain("cannot show the IPVS table: %s", strerror(ENOMEM));
	json_object_put(o);
	ipvs_table_free(table);
	ipvs_close(h);
	return code;
}

/* vigild --check's words: errors as FILE:LINE:COL: message, without "vigilctl:". */
static int check(const char *path)
{
	char text[1024];
	int r = config_check(path, text, sizeof(text));

	fprintf(r < 0 ? stderr : stdout, "%s\n", text);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/*
 * complete: what the agent keeps, or else what the config file says. A
 * shell runs it at each TAB: every wait is bounded and nothing goes to
 * stderr; a completion with nothing to offer offers nothing.
 */
static int complete(const struct args *a)
{
	struct json_object *req = json_object_new_object(), *reply = NULL;
	struct config *config = NULL;
	struct conn c = { .fd = -1 };
	int r;

	if (req && !json_object_object_add(req, "command", json_object_new_string("list")) &&
	    conn_open(&c, a->socket, COMPLETE_TIMEOUT_MS) == 0 && conn_send(&c, req) == 0) {
		reply = conn_recv(&c, &r);
		/* refused (too many clients): as if it were not there */
		if (reply && reply_error(reply)) {
			json_object_put(reply);
			reply = NULL;
		}
	}
	conn_close(&c);
	json_object_put(req);
	if (!reply && config_load(a->config, &config, NULL) == 0)
		reply = complete_config_list(config);
	if (reply)
		complete_print(stdout, reply, &a->complete);
	json_object_put(reply);
	config_free(config);
	return EXIT_OK;
}

static struct json_object *build_request(const struct args *a)
{
	static const char *const names[] = {
		[ARGS_LIST] = "list",       [ARGS_STATUS] = "status",
		[ARGS_EVENTS] = "events",   [ARGS_QUARANTINE] = "quarantine",
		[ARGS_RELEASE] = "release", [ARGS_RELOAD] = "reload",
	};
	struct json_object *req = json_object_new_object();

	if (!req)
		return NULL;
	json_object_object_add(req, "command", json_object_new_string(names[a->command]));
	if (a->command == ARGS_EVENTS)
		json_object_object_add(req, "follow", json_object_new_boolean(a->follow));
	if (a->service) {
		json_object_object_add(req, "service", json_object_new_string(a->service));
		json_object_object_add(req, "dest", json_object_new_string(a->dest));
	}
	if (a->for_text)
		json_object_object_add(req, "for", json_object_new_string(a->for_text));
	return req;
}

/*
 * events SERVICE|-t|-u: the names of the services vigild keeps that the
 * filter picks, from a list asked first on the same connection (events name
 * their service; the filter may name its VIP). *RET: an array to put.
 */
static int event_services(const struct args *a, struct conn *c, struct json_object **ret)
{
	struct json_object *req = json_object_new_object(), *reply = NULL, *svcs, *v;
	char why[256];
	size_t i;
	int code;

	*ret = json_object_new_array();
	if (!req || !*ret ||
	    json_object_object_add(req, "command", json_object_new_string("list"))) {
		complain("%s", strerror(ENOMEM));
		json_object_put(req);
		return EXIT_FAILED;
	}
	code = request(c, a, req, &reply);
	json_object_put(req);
	if (code != EXIT_OK)
		return code;
	if (!filter_list(reply, &a->filter, why, sizeof(why))) {
		complain("%s", why);
		code = EXIT_FAILED;
	} else if (json_object_object_get_ex(reply, "services", &svcs)) {
		for (i = 0; i < json_object_array_length(svcs); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(svcs, i), "name",
						      &v))
				json_object_array_add(*ret, json_object_get(v));
		if (!json_object_array_length(*ret)) {
			filter_describe(&a->filter, why, sizeof(why));
			complain("%s is not a service vigild keeps: it has no events", why);
			code = EXIT_FAILED;
		}
	}
	json_object_put(reply);
	return code;
}

/* Whether E is of one of NAMES' services (NAMES NULL: every event is). */
static bool event_wanted(struct json_object *names, struct json_object *e)
{
	struct json_object *service;
	size_t i;

	if (!names)
		return true;
	if (!json_object_object_get_ex(e, "service", &service))
		return false;
	for (i = 0; i < json_object_array_length(names); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)),
			    json_object_get_string(service)))
			return true;
	return false;
}

static void show_event(const struct args *a, struct json_object *names, struct json_object *e)
{
	if (!event_wanted(names, e))
		return;
	if (a->json)
		print_json(e, JSON_C_TO_STRING_PLAIN);
	else
		format_event(stdout, e);
}

/* NAMES: the services whose events to show; NULL: all. */
static int show_events(const struct args *a, struct conn *c, struct json_object *names,
		       struct json_object *reply)
{
	struct json_object *list, *e;
	size_t i;
	int r;

	if (json_object_object_get_ex(reply, "events", &list))
		for (i = 0; i < json_object_array_length(list); i++)
			show_event(a, names, json_object_array_get_idx(list, i));
	fflush(stdout);
	if (!a->follow)
		return EXIT_OK;
	while ((e = conn_recv(c, &r))) {
		show_event(a, names, e);
		fflush(stdout);
		json_object_put(e);
	}
	complain("vigild closed the connection%s%s", r ? ": " : "", r ? strerror(-r) : "");
	return EXIT_FAILED;
}

static int show_change(const struct args *a, struct json_object *reply)
{
	struct json_object *v;

	if (a->command == ARGS_RELOAD) {
		int n = json_object_get_int(json_object_object_get(reply, "services"));

		printf("reloaded %s: %d service%s\n",
		       json_object_get_string(json_object_object_get(reply, "config")), n,
		       n == 1 ? "" : "s");
		return EXIT_OK;
	}
	printf("%s %s: %s", json_object_get_string(json_object_object_get(reply, "service")),
	       json_object_get_string(json_object_object_get(reply, "dest")),
	       json_object_get_string(json_object_object_get(reply, "state")));
	if (json_object_object_get_ex(reply, "for_ms", &v))
		printf(v ? " for %.1fs" : " until released",
		       v ? json_object_get_int64(v) / 1e3 : 0);
	if (json_object_object_get_ex(reply, "changed", &v) && !json_object_get_boolean(v))
		printf(" (unchanged)");
	putchar('\n');
	/* the policy took it; IPVS did not yet: say so, it is what matters */
	if (json_object_object_get_ex(reply, "applied", &v) && !json_object_get_boolean(v)) {
		complain("IPVS does not have the new weight yet (see vigild's log); the next "
			 "reconcile pass retries");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct json_object *req = NULL, *reply = NULL, *names = NULL;
	struct args a;
	struct conn c = { .fd = -1 };
	char why[256];
	int r, code;

	if (args_parse(argc, argv, &a, why, sizeof(why)) < 0) {
		complain("%s", why);
		fprintf(stderr, "Try 'vigilctl --help'.\n");
		return EXIT_USAGE;
	}
	switch (a.command) {
	case ARGS_HELP:
		args_usage(stdout);
		return EXIT_OK;
	case ARGS_VERSION:
		printf("vigilctl %s\n", VIGIL_VERSION);
		return EXIT_OK;
	case ARGS_CHECK:
		return check(a.file);
	case ARGS_COMPLETE:
		return complete(&a);
	default:
		break;
	}

	r = conn_open(&c, a.socket, 0);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		complain("vigild is not running (nothing answers on %s)%s", a.socket,
			 a.command != ARGS_LIST ? ""
			 : a.connections        ? ": the kernel's connection table alone follows"
						: ": the kernel's IPVS table alone follows");
		conn_close(&c);
		return a.command == ARGS_LIST ? list_kernel(&a) : EXIT_NO_AGENT;
	}
	if (r) {
		complain("cannot connect to vigild on %s: %s%s", a.socket, strerror(-r),
			 r == -EACCES ? " (the socket is for root and its group)" : "");
		conn_close(&c);
		return EXIT_FAILED;
	}
	if (a.command == ARGS_EVENTS && a.filter.kind != FILTER_NONE) {
		code = event_services(&a, &c, &names);
		if (code != EXIT_OK) {
			json_object_put(names);
			conn_close(&c);
			return code;
		}
	}
	req = build_request(&a);
	if (!req) {
		complain("%s", strerror(ENOMEM));
		json_object_put(names);
		conn_close(&c);
		return EXIT_FAILED;
	}
	code = request(&c, &a, req, &reply);
	if (code == EXIT_OK) {
		switch (a.command) {
		case ARGS_LIST:
			code = show_list(&a, reply);
			break;
		case ARGS_STATUS:
			if (a.json)
				print_json(reply,
					   JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
			else
				format_status(stdout, reply);
			break;
		case ARGS_EVENTS:
			code = show_events(&a, &c, names, reply);
			break;
		default:
			code = show_change(&a, reply);
		}
	}
	json_object_put(names);
	json_object_put(reply);
	json_object_put(req);
	conn_close(&c);
	return code;
}
