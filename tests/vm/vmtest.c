// SPDX-License-Identifier: GPL-2.0-only
#include "vmtest.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "event.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

const char *vt_kernel(void)
{
	static struct utsname u;

	return uname(&u) == 0 ? u.release : "?";
}

double vt_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t vt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int vt_vsh(const char *fmt, va_list ap)
{
	char cmd[4096];
	int status;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	fflush(NULL);
	status = system(cmd);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int vt_sh(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vt_vsh(fmt, ap);
	va_end(ap);
	return r;
}

void vt_must(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = vt_sh("%s", cmd);
	ck_assert_msg(r == 0, "command failed (status %d): %s", r, cmd);
}

const char *vt_lab(void)
{
	return VIGIL_SOURCE_DIR "/firetest/lab";
}

const char *vt_vigild(void)
{
	/* another build's, to compare two vigilds side by side in one benchmark run */
	const char *other = getenv("VIGIL_VIGILD");

	if (other && *other)
		return other;
	return VIGIL_BUILD_DIR "/agent/daemon/vigild";
}

void vt_lab_three(void)
{
	const char *lab = vt_lab();

	vt_must("%s clean", lab);
	vt_must("%s dest d1 --v4 10.100.1.2 --port 8080 >/dev/null 2>&1", lab);
	vt_must("%s dest d2 --v4 10.100.2.2 --port 8080 >/dev/null 2>&1", lab);
	vt_must("%s dest d3 --v4 10.100.3.2 --port 8080 >/dev/null 2>&1", lab);
}

void vt_lab_three_down(void)
{
	vt_sh("ipvsadm -C; ip link del vigil0 2>/dev/null; %s clean", vt_lab());
}

void vt_lab_three_fresh(const char *state_dir)
{
	vt_must("ipvsadm -C && rm -rf %s && { ip link del vigil0 2>/dev/null; true; }", state_dir);
	vt_must("for d in d1 d2 d3; do %s live $d; done", vt_lab());
}

/* PROTOCOL_FLAG: ipvsadm's -t or -u. */
static int ipvs_weight(const char *protocol_flag, const char *vip, const char *real)
{
	char *out = vt_output("ipvsadm -Ln %s %s | awk '$2 == \"%s\" { print $4 }'", protocol_flag,
			      vip, real);
	int w = out && *out ? atoi(out) : -1;

	free(out);
	return w;
}

int vt_ipvs_weight(const char *vip, const char *real)
{
	return ipvs_weight("-t", vip, real);
}

int vt_ipvs_udp_weight(const char *vip, const char *real)
{
	return ipvs_weight("-u", vip, real);
}

/* One read of /proc/net/ip_vs_conn for vt_ipvs_conn_real(). */
static int conn_real_once(const char *protocol, unsigned int client_port, const char *vip,
			  char *ret, size_t size)
{
	char line[256], proto[8], from[64], to[64], dest[64], state[16];
	unsigned int fport, tport, dport, to_addr, dest_addr;
	struct sockaddr_storage ss;
	struct sockaddr_in *v;
	bool found = false;
	socklen_t len;
	FILE *f;

	if (vt_sockaddr(vip, &ss, &len) || ss.ss_family != AF_INET)
		return -EINVAL;
	v = (struct sockaddr_in *)&ss;
	f = fopen("/proc/net/ip_vs_conn", "re");
	if (!f)
		return -errno;
	/* "TCP 0A640101 9C40 0A60000A 0050 0A640302 1F90 ESTABLISHED 899": hex, host order */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s %63s %x %63s %x %63s %x %15s", proto, from, &fport, to,
			   &tport, dest, &dport, state) != 8 ||
		    strcmp(proto, protocol) || fport != client_port || strlen(to) != 8 ||
		    strlen(dest) != 8)
			continue;
		to_addr = strtoul(to, NULL, 16);
		dest_addr = strtoul(dest, NULL, 16);
		if (to_addr != ntohl(v->sin_addr.s_addr) || tport != ntohs(v->sin_port))
			continue;
		snprintf(ret, size, "%u.%u.%u.%u:%u", dest_addr >> 24, dest_addr >> 16 & 0xff,
			 dest_addr >> 8 & 0xff, dest_addr & 0xff, dport);
		found = true;
		/* an old entry of a reused port may linger; the live one wins */
		if (strcmp(protocol, "TCP") || !strcmp(state, "ESTABLISHED"))
			break;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/*
 * A walk of the connection table that races with entries being added and
 * expired may step over a live entry (seen once on 7.2, with the previous
 * test's connections expiring): a few more reads before saying it is not there.
 */
int vt_ipvs_conn_real(const char *protocol, unsigned int client_port, const char *vip, char *ret,
		      size_t size)
{
	int tries, r;

	for (tries = 0;
	     (r = conn_real_once(protocol, client_port, vip, ret, size)) == -ENOENT && tries < 5;
	     tries++)
		usleep(20000);
	if (r == -ENOENT)
		fprintf(stderr,
			"%s client port %u to %s: not in /proc/net/ip_vs_conn in %d reads\n",
			protocol, client_port, vip, tries + 1);
	return r;
}

int vt_sockaddr(const char *addr_port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct config_addr a;

	if (config_addr_parse(addr_port, &a, NULL, 0))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a.port);
		memcpy(&sin->sin_addr, a.addr, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a.port);
		memcpy(&sin6->sin6_addr, a.addr, 16);
		*len = sizeof(*sin6);
	}
	return 0;
}

unsigned int vt_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Starts a non-blocking connect; the socket or -errno. */
static int start_connect(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int socket_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int vt_connect(const char *addr_port, int timeout_ms, struct vt_conn *ret)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd pfd;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	if (vt_sockaddr(addr_port, &ss, &len))
		return -EINVAL;
	ret->started_ns = vt_now_ns();
	fd = start_connect(&ss, len);
	if (fd < 0) {
		ret->err = -fd;
		return 0;
	}
	ret->local_port = vt_local_port(fd);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		ret->err = errno;
	else if (r == 0)
		ret->err = ETIMEDOUT;
	else
		ret->err = socket_error(fd);
	ret->seconds = (vt_now_ns() - ret->started_ns) / 1e9;
	close(fd);
	return 0;
}

struct vt_clients vt_connect_n(const char *addr_port, unsigned int n, int cap_ms,
			       double *ret_seconds)
{
	struct vt_clients c = { 0 };
	uint64_t t0 = vt_now_ns();
	struct vt_conn conn;
	unsigned int i;

	for (i = 0; i < n; i++) {
		vt_connect(addr_port, cap_ms, &conn);
		if (conn.err == 0)
			c.ok++;
		else
			c.failed++;
		if (conn.seconds > c.max_s)
			c.max_s = conn.seconds;
		if (ret_seconds)
			ret_seconds[i] = conn.seconds;
	}
	c.total_s = (vt_now_ns() - t0) / 1e9;
	return c;
}

static void *loop_main(void *arg)
{
	struct vt_loop *l = arg;
	struct vt_conn conn;

	while (!l->stop) {
		vt_connect(l->addr_port, 3000, &conn);
		if (conn.err == 0)
			l->c.ok++;
		else
			l->c.failed++;
		if (conn.seconds > l->c.max_s)
			l->c.max_s = conn.seconds;
		l->c.total_s += conn.seconds;
		usleep(l->interval_ms * 1000);
	}
	return NULL;
}

int vt_loop_start(struct vt_loop *l, const char *addr_port, int interval_ms)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->addr_port, sizeof(l->addr_port), "%s", addr_port);
	l->interval_ms = interval_ms;
	return -pthread_create(&l->thread, NULL, loop_main, l);
}

struct vt_clients vt_loop_stop(struct vt_loop *l)
{
	l->stop = true;
	pthread_join(l->thread, NULL);
	fprintf(stderr, "client loop to %s: %u connected, %u failed, slowest %.3f s\n",
		l->addr_port, l->c.ok, l->c.failed, l->c.max_s);
	return l->c;
}

char *vt_http_get(const char *addr_port, const char *path)
{
	struct sockaddr_storage ss;
	struct timeval tv = { .tv_sec = 10 };
	char *buf = NULL, *grown, req[256];
	size_t size = 0, len = 0;
	socklen_t ss_len;
	ssize_t n;
	int fd;

	if (vt_sockaddr(addr_port, &ss, &ss_len))
		return NULL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, addr_port);
	if (connect(fd, (struct sockaddr *)&ss, ss_len) < 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "GET http://%s%s: %s\n", addr_port, path, strerror(errno));
		close(fd);
		return NULL;
	}
	do {
		if (len + 4096 + 1 > size) {
			size = size ? 2 * size : 65536;
			grown = realloc(buf, size);
			if (!grown) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = grown;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n > 0)
			len += n;
	} while (n > 0);
	close(fd);
	buf[len] = '\0';
	return buf;
}

int vt_udp_exchange(const char *addr_port, int timeout_ms, struct vt_conn *ret)
{
	return vt_udp_requests(addr_port, 1, true, timeout_ms, ret);
}

int vt_udp_requests(const char *addr_port, unsigned int n, bool connected, int timeout_ms,
		    struct vt_conn *ret)
{
	struct sockaddr_storage ss;
	struct pollfd pfd = { .events = POLLIN };
	unsigned int i;
	char buf[64];
	socklen_t len;
	ssize_t sent;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (vt_sockaddr(addr_port, &ss, &len))
		return -EINVAL;
	pfd.fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pfd.fd < 0)
		return -errno;
	ret->started_ns = vt_now_ns();
	if (connected && connect(pfd.fd, (struct sockaddr *)&ss, len) < 0) {
		ret->err = errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		sent = connected ? send(pfd.fd, "ping", 4, 0)
				 : sendto(pfd.fd, "ping", 4, 0, (struct sockaddr *)&ss, len);
		if (sent != 4) {
			ret->err = errno;
			break;
		}
		ret->local_port = vt_local_port(pfd.fd);
		r = poll(&pfd, 1, timeout_ms);
		if (r <= 0) {
			ret->err = r < 0 ? errno : ETIMEDOUT;
			break;
		}
		if (recv(pfd.fd, buf, sizeof(buf), 0) < 0) {
			ret->err = errno;
			break;
		}
	}
out:
	ret->seconds = (vt_now_ns() - ret->started_ns) / 1e9;
	close(pfd.fd);
	return 0;
}

int vt_storm(const char *addr_port, unsigned int count, unsigned int parallel, struct vt_storm *ret)
{
	struct sockaddr_storage ss;
	struct epoll_event ev, evs[64];
	unsigned int started = 0, done = 0;
	uint64_t t0;
	socklen_t len;
	int ep, i, n;

	memset(ret, 0, sizeof(*ret));
	if (vt_sockaddr(addr_port, &ss, &len))
		return -EINVAL;
	ret->ports = calloc(count, sizeof(*ret->ports));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!ret->ports || ep < 0)
		return -ENOMEM;
	t0 = vt_now_ns();
	while (done < count) {
		while (started < count && started - done < parallel) {
			int fd = start_connect(&ss, len);

			started++;
			if (fd < 0) {
				ret->failed++;
				done++;
				continue;
			}
			ev.events = EPOLLOUT;
			ev.data.fd = fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
		n = epoll_wait(ep, evs, 64, 10000);
		if (n <= 0)
			break; /* nothing finished in 10 s: report what is left as failed */
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (socket_error(fd) == 0)
				ret->ports[ret->ok++] = vt_local_port(fd);
			else
				ret->failed++;
			done++;
			close(fd);
		}
	}
	ret->failed += count - done;
	ret->seconds = (vt_now_ns() - t0) / 1e9;
	close(ep);
	return 0;
}

void vt_storm_free(struct vt_storm *s)
{
	free(s->ports);
	s->ports = NULL;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return strdup("");
	if (getdelim(&buf, &size, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

int vt_tracer_start(struct vt_tracer *t)
{
	return vt_tracer_start_mode(t, false);
}

int vt_tracer_start_mode(struct vt_tracer *t, bool quiet)
{
	uint64_t deadline;
	int fd;

	memset(t, 0, sizeof(*t));
	t->out_fd = -1;
	strcpy(t->out_path, "/tmp/vt-trace-XXXXXX");
	strcpy(t->err_path, "/tmp/vt-log-XXXXXX");
	fd = mkstemp(t->out_path);
	close(fd);
	fd = mkstemp(t->err_path);
	close(fd);
	t->out_fd = open(t->out_path, O_RDONLY | O_CLOEXEC);
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		/* files, not pipes: nothing the test does can make vigild block */
		if (!freopen(t->out_path, "w", stdout) || !freopen(t->err_path, "w", stderr))
			_exit(127);
		execl(vt_vigild(), "vigild", "--trace", quiet ? "--quiet" : "--json", (char *)NULL);
		_exit(127);
	}
	deadline = vt_now_ns() + 120 * 1000000000ull;
	while (vt_now_ns() < deadline) {
		char *log = read_file(t->err_path);
		bool ready = strstr(log, "vigild: tracing") != NULL;
		int status;

		if (ready) {
			free(log);
			return 0;
		}
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			fprintf(stderr, "vigild exited before tracing:\n%s", log);
			free(log);
			t->pid = 0;
			return -ECHILD;
		}
		free(log);
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Parses the complete lines vigild has written since the last call. */
void vt_tracer_poll(struct vt_tracer *t)
{
	char buf[65536], *line, *nl;
	ssize_t n;

	while ((n = read(t->out_fd, buf, sizeof(buf))) > 0) {
		t->partial = realloc(t->partial, t->partial_len + n + 1);
		memcpy(t->partial + t->partial_len, buf, n);
		t->partial_len += n;
		t->partial[t->partial_len] = '\0';
	}
	line = t->partial;
	while (line && (nl = strchr(line, '\n'))) {
		json_object *e;

		*nl = '\0';
		e = json_tokener_parse(line);
		if (e) {
			if (t->n_events == t->cap) {
				t->cap = t->cap ? t->cap * 2 : 1024;
				t->events = realloc(t->events, t->cap * sizeof(*t->events));
			}
			t->events[t->n_events++] = e;
		}
		line = nl + 1;
	}
	if (line && line != t->partial) {
		t->partial_len -= line - t->partial;
		memmove(t->partial, line, t->partial_len + 1);
	}
}

bool vt_tracer_wait(struct vt_tracer *t, bool (*done)(const struct vt_tracer *t, void *arg),
		    void *arg, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	for (;;) {
		vt_tracer_poll(t);
		if (done(t, arg))
			return true;
		if (vt_now_ns() > deadline)
			return false;
		usleep(20000);
	}
}

static void parse_counters(struct vt_tracer *t)
{
	const char *line = strstr(t->log, "trace done ");

	if (!line)
		return;
	t->done = sscanf(line,
			 "trace done events=%" SCNu64 " consumed=%" SCNu64 " ringbuf_drops=%" SCNu64
			 " flow_errors=%" SCNu64 " bad_records=%" SCNu64 " missed=%" SCNu64,
			 &t->total, &t->consumed, &t->drops, &t->flow_errors, &t->bad_records,
			 &t->missed) == 6;
}

int vt_tracer_stop(struct vt_tracer *t)
{
	int status = 0;

	if (t->pid > 0) {
		struct rusage ru;

		kill(t->pid, SIGINT);
		wait4(t->pid, &status, 0, &ru);
		t->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
			    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
		t->pid = 0;
	}
	free(t->log);
	t->log = read_file(t->err_path);
	parse_counters(t);
	if (t->out_fd >= 0) {
		vt_tracer_poll(t);
		close(t->out_fd);
		t->out_fd = -1;
	}
	unlink(t->out_path);
	unlink(t->err_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void vt_tracer_free(struct vt_tracer *t)
{
	size_t i;

	if (t->pid > 0)
		vt_tracer_stop(t);
	if (t->out_fd >= 0)
		close(t->out_fd);
	for (i = 0; i < t->n_events; i++)
		json_object_put(t->events[i]);
	free(t->events);
	free(t->partial);
	free(t->log);
	memset(t, 0, sizeof(*t));
	t->out_fd = -1;
}

const char *vt_str(json_object *e, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(e, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

uint64_t vt_mono(json_object *e)
{
	json_object *v;

	if (!json_object_object_get_ex(e, "mono_ns", &v))
		return 0;
	return json_object_get_uint64(v);
}

static unsigned int port_of(const char *addr_port)
{
	const char *colon = addr_port ? strrchr(addr_port, ':') : NULL;

	return colon ? (unsigned int)atoi(colon + 1) : 0;
}

size_t vt_events_of(const struct vt_tracer *t, const char *protocol, unsigned int client_port,
		    json_object **ret, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < t->n_events && n < max; i++) {
		json_object *e = t->events[i];
		const char *proto = vt_str(e, "protocol");

		if (proto && !strcmp(proto, protocol) &&
		    port_of(vt_str(e, "client")) == client_port)
			ret[n++] = e;
	}
	return n;
}

const char *vt_describe(json_object *e, char *buf, size_t size)
{
	const char *kind = vt_str(e, "kind");

	if (kind && !strcmp(kind, "state"))
		snprintf(buf, size, "state:%s->%s", vt_str(e, "old_state"), vt_str(e, "state"));
	else
		snprintf(buf, size, "%s", kind ? kind : "?");
	return buf;
}

void vt_dump(json_object **events, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "  %s\n",
			json_object_to_json_string_ext(events[i], JSON_C_TO_STRING_PLAIN));
}

int vt_write(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "w");
	va_list ap;

	/* no ck_assert here: benchmarks, which run outside Check, write files too */
	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f)) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

json_object *vt_vigilctl_json(const char *args)
{
	char cmd[256], *out = NULL;
	size_t size = 0;
	json_object *o;
	FILE *f;

	snprintf(cmd, sizeof(cmd), VIGIL_BUILD_DIR "/cli/vigilctl %s --json", args);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(getdelim(&out, &size, '\0', f), 0);
	ck_assert_int_eq(pclose(f), 0);
	o = json_tokener_parse(out);
	ck_assert_msg(o != NULL, "%s printed no JSON: %s", cmd, out);
	free(out);
	return o;
}

json_object *vt_list_dest(json_object *list, const char *service, const char *address)
{
	json_object *svcs, *dests, *o = NULL;
	const char *v;
	size_t i;

	if (!json_object_object_get_ex(list, "services", &svcs))
		return NULL;
	for (i = 0; i < json_object_array_length(svcs); i++) {
		o = json_object_array_get_idx(svcs, i);
		v = vt_str(o, "name");
		if (v && !strcmp(v, service))
			break;
	}
	if (i == json_object_array_length(svcs) ||
	    !json_object_object_get_ex(o, "destinations", &dests))
		return NULL;
	for (i = 0; i < json_object_array_length(dests); i++) {
		o = json_object_array_get_idx(dests, i);
		v = vt_str(o, "address");
		if (v && !strcmp(v, address))
			return o;
	}
	return NULL;
}

const char *vt_dest_state(const char *service, const char *address, char *buf, size_t size)
{
	json_object *list = vt_vigilctl_json("list");
	json_object *d = vt_list_dest(list, service, address);
	const char *state = d ? vt_str(d, "state") : NULL;

	snprintf(buf, size, "%s", state ? state : "");
	json_object_put(list);
	return buf;
}

bool vt_wait_dest_state(const char *service, const char *address, const char *state, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;
	char buf[32];

	for (;;) {
		if (!strcmp(vt_dest_state(service, address, buf, sizeof(buf)), state))
			return true;
		if (vt_now_ns() >= deadline)
			return false;
		usleep(100000);
	}
}

json_object *vt_events(const char *event)
{
	json_object *all = json_object_new_array(), *e;
	char *line = NULL;
	size_t size = 0;
	const char *v;
	FILE *f;

	/* one event a line, oldest first */
	f = popen(VIGIL_BUILD_DIR "/cli/vigilctl events --json", "r");
	ck_assert_ptr_nonnull(f);
	while (getline(&line, &size, f) > 0) {
		e = json_tokener_parse(line);
		ck_assert_msg(e != NULL, "vigilctl events printed a line that is not JSON: %s",
			      line);
		if ((v = vt_str(e, "event")) && !strcmp(v, event))
			json_object_array_add(all, e);
		else
			json_object_put(e);
	}
	free(line);
	ck_assert_int_eq(pclose(f), 0);
	return all;
}

unsigned int vt_count_events(const char *event, const char *service, const char *real,
			     const char *key, const char *value)
{
	json_object *all = vt_events(event);
	unsigned int n = 0;
	const char *v;
	size_t i;

	for (i = 0; i < json_object_array_length(all); i++) {
		json_object *e = json_object_array_get_idx(all, i);

		if ((v = vt_str(e, "service")) && !strcmp(v, service) && (v = vt_str(e, "real")) &&
		    !strcmp(v, real) && (!key || ((v = vt_str(e, key)) && !strcmp(v, value))))
			n++;
	}
	json_object_put(all);
	return n;
}

char *vt_output(const char *fmt, ...)
{
	char cmd[4096], *out = NULL;
	size_t size = 0;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " | sort", sizeof(cmd) - strlen(cmd) - 1);
	fflush(NULL);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (getdelim(&out, &size, '\0', p) < 0) {
		free(out);
		out = strdup("");
	}
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int agent_spawn(struct vt_agent *a, const char *config, bool append)
{
	fflush(NULL);
	a->pid = fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0) {
		if (a->netns[0]) {
			char path[128];
			int fd;

			snprintf(path, sizeof(path), "/run/netns/%s", a->netns);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
				_exit(126);
		}
		if (!freopen(a->log_path, append ? "a" : "w", stderr))
			_exit(127);
		execl(vt_vigild(), "vigild", "-c", config, a->verbose ? "-v" : NULL, (char *)NULL);
		_exit(127);
	}
	return 0;
}

static int agent_wait_start(struct vt_agent *a, unsigned int starts)
{
	if (vt_agent_wait(a, "reconcile why=start", starts, 60000))
		return 0;
	fprintf(stderr, "vigild did not reconcile at start; its log:\n%s", vt_agent_log(a));
	return -ETIMEDOUT;
}

int vt_agent_start(struct vt_agent *a, const char *config)
{
	return vt_agent_start_in(a, config, NULL, false);
}

static int agent_launch_in(struct vt_agent *a, const char *config, const char *netns, bool verbose)
{
	int fd;

	memset(a, 0, sizeof(*a));
	a->verbose = verbose;
	if (netns)
		snprintf(a->netns, sizeof(a->netns), "%s", netns);
	strcpy(a->log_path, "/tmp/vt-agent-XXXXXX");
	fd = mkstemp(a->log_path);
	if (fd < 0)
		return -errno;
	close(fd);
	return agent_spawn(a, config, false);
}

int vt_agent_launch(struct vt_agent *a, const char *config)
{
	return agent_launch_in(a, config, NULL, false);
}

int vt_agent_start_in(struct vt_agent *a, const char *config, const char *netns, bool verbose)
{
	int r = agent_launch_in(a, config, netns, verbose);

	return r ? r : agent_wait_start(a, 1);
}

int vt_agent_restart(struct vt_agent *a, const char *config)
{
	unsigned int starts = vt_agent_count(a, "reconcile why=start");
	int r = agent_spawn(a, config, true);

	return r ? r : agent_wait_start(a, starts + 1);
}

char *vt_agent_log(struct vt_agent *a)
{
	static char *last;

	free(last);
	last = read_file(a->log_path);
	return last;
}

unsigned int vt_agent_count(struct vt_agent *a, const char *needle)
{
	const char *p = vt_agent_log(a);
	unsigned int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

bool vt_agent_wait(struct vt_agent *a, const char *needle, int count, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	while (vt_agent_count(a, needle) < (unsigned int)count) {
		if (vt_now_ns() > deadline || !vt_agent_alive(a))
			return vt_agent_count(a, needle) >= (unsigned int)count;
		usleep(20000);
	}
	return true;
}

bool vt_agent_reconcile(struct vt_agent *a, const char *why, struct vt_reconcile *ret)
{
	char needle[64];
	const char *p, *last = NULL;

	snprintf(needle, sizeof(needle), "reconcile why=%s ", why);
	for (p = vt_agent_log(a); (p = strstr(p, needle)); p += strlen(needle))
		last = p;
	if (!last)
		return false;
	memset(ret, 0, sizeof(*ret));
	return sscanf(last + strlen(needle),
		      "ops=%u service_add=%u service_edit=%u dest_add=%u dest_edit=%u dest_del=%u "
		      "service_del=%u failed=%u conflicts=%u owned=%u routes_added=%u "
		      "routes_removed=%u read_ms=%lf ipvs_ms=%lf duration_ms=%lf",
		      &ret->ops, &ret->service_add, &ret->service_edit, &ret->dest_add,
		      &ret->dest_edit, &ret->dest_del, &ret->service_del, &ret->failed,
		      &ret->conflicts, &ret->owned, &ret->routes_added, &ret->routes_removed,
		      &ret->read_ms, &ret->ipvs_ms, &ret->duration_ms) == 15;
}

bool vt_agent_alive(struct vt_agent *a)
{
	int status;

	if (a->pid <= 0)
		return false;
	if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
		a->pid = 0;
		return false;
	}
	return true;
}

int vt_agent_stop(struct vt_agent *a, int sig)
{
	int status;

	if (a->pid <= 0)
		return -1;
	kill(a->pid, sig);
	if (waitpid(a->pid, &status, 0) != a->pid)
		return -1;
	a->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
