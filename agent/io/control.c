// SPDX-License-Identifier: GPL-2.0-only
#include "control.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Connections accepted per wake-up, so a flood of them cannot hold the loop. */
#define ACCEPT_BATCH 16

#define NSEC_PER_MSEC 1000000ull

struct control_client {
	struct control *ctl;
	int fd;
	struct loop_source *src;
	uid_t uid;
	pid_t pid;
	char *in;      /* CONTROL_MAX_LINE bytes */
	size_t in_off; /* in[in_off, in_len): read, not run yet */
	size_t in_len;
	char *out;
	size_t out_off, out_len, out_cap;
	uint64_t active_ns; /* the latest byte in or out, or request answered */
	bool subscribed;
	bool closing; /* read no more: close once what was read is answered and written */
	bool dead;    /* close at the end of its own handler, output or not */
	bool queued;  /* in ctl's turns */
	uint32_t events;
	struct control_client *next;
	struct control_client *next_turn;
};

struct control {
	struct loop *loop;
	int fd;
	struct loop_source *src;
	struct loop_source *turn;  /* runs one queued request per loop iteration */
	struct loop_source *sweep; /* alarm: idle clients, the end of a refusal burst */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_request_fn fn;
	void *data;
	struct control_client *clients;
	size_t n_clients;
	/* clients with a request read and room for its answer, first come first served */
	struct control_client *turns, *last_turn;
	uint64_t idle_ns;
	struct control_refusals refusals;
	char last_refusal[192]; /* for the burst's summary */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static size_t pending(const struct control_client *c)
{
	return c->out_len - c->out_off;
}

static bool has_request(const struct control_client *c)
{
	return memchr(c->in + c->in_off, '\n', c->in_len - c->in_off) != NULL;
}

static void dequeue(struct control_client *c)
{
	struct control_client **p, *prev = NULL;

	if (!c->queued)
		return;
	for (p = &c->ctl->turns; *p; prev = *p, p = &(*p)->next_turn) {
		if (*p == c) {
			*p = c->next_turn;
			break;
		}
	}
	if (c->ctl->last_turn == c)
		c->ctl->last_turn = prev;
	c->next_turn = NULL;
	c->queued = false;
}

static void enqueue(struct control_client *c)
{
	struct control *ctl = c->ctl;

	if (c->queued)
		return;
	if (ctl->last_turn)
		ctl->last_turn->next_turn = c;
	else
		ctl->turns = c;
	ctl->last_turn = c;
	c->queued = true;
}

static void client_free(struct control_client *c)
{
	struct control_client **p;

	dequeue(c);
	loop_defer_enable(c->ctl->loop, c->ctl->turn, c->ctl->turns != NULL);
	for (p = &c->ctl->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	c->ctl->n_clients--;
	loop_remove(c->ctl->loop, c->src);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static int queue(struct control_client *c, const char *text, size_t len)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		/* move what is written out of the way before growing */
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, pending(c));
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (cap < c->out_len + len)
			cap *= 2;
		if (cap != c->out_cap) {
			p = realloc(c->out, cap);
			if (!p)
				return -ENOMEM;
			c->out = p;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
	return 0;
}

static int queue_json(struct control_client *c, struct json_object *obj)
{
	const char *text;
	size_t len;
	int r;

	text = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		return -ENOMEM;
	r = queue(c, text, len);
	return r ? r : queue(c, "\n", 1);
}

/* Writes what the socket takes now. */
static void flush(struct control_client *c)
{
	while (pending(c)) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, pending(c), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * The peer is gone: nothing more to say, but the requests it sent
		 * before it went still run, as a client may send and close at once.
		 */
		if (n < 0) {
			if (errno != EAGAIN) {
				c->closing = true;
				c->out_off = c->out_len = 0;
			}
			return;
		}
		c->out_off += n;
		c->active_ns = now_ns();
	}
}

/*
 * Read only while no request waits: the socket holds the rest, which bounds
 * what one client can make vigild buffer and run.
 */
static bool wants_input(const struct control_client *c)
{
	return !c->closing && !c->dead && pending(c) <= CONTROL_MAX_OUTPUT && !has_request(c);
}

static void update_events(struct control_client *c)
{
	uint32_t ev = 0;

	if (wants_input(c))
		ev |= EPOLLIN;
	if (pending(c))
		ev |= EPOLLOUT;
	if (ev == c->events)
		return;
	if (loop_io_set_events(c->ctl->loop, c->src, ev) < 0)
		c->dead = true;
	else
		c->events = ev;
}

/* Queues C for a turn when it has a request to run and room for the answer, and not else. */
static void schedule(struct control_client *c)
{
	if (!c->dead && pending(c) <= CONTROL_MAX_OUTPUT && has_request(c))
		enqueue(c);
	else
		dequeue(c);
	loop_defer_enable(c->ctl->loop, c->ctl->turn, c->ctl->turns != NULL);
	update_events(c);
}

/*
 * Only a client's own handler or turn frees it (a request up the stack may
 * be using it): this one is shut down, which wakes that handler with
 * EPOLLHUP.
 */
static void kill_client(struct control_client *c)
{
	c->dead = true;
	c->out_off = c->out_len = 0;
	shutdown(c->fd, SHUT_RDWR);
	schedule(c);
}

int control_send(struct control_client *c, struct json_object *obj)
{
	int r = queue_json(c, obj);

	if (r)
		log_error("cannot answer control client (pid %d): %s", (int)c->pid, strerror(-r));
	return r;
}

static int send_error_v(struct control_client *c, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int send_error_v(struct control_client *c, const char *fmt, va_list ap)
{
	struct json_object *o = json_object_new_object();
	char msg[1024];
	int r = -ENOMEM;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (o && !json_object_object_add(o, "ok", json_object_new_boolean(false)) &&
	    !json_object_object_add(o, "error", json_object_new_string(msg)))
		r = control_send(c, o);
	json_object_put(o);
	return r;
}

int control_send_error(struct control_client *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = send_error_v(c, fmt, ap);
	va_end(ap);
	return r;
}

void control_subscribe(struct control_client *c)
{
	c->subscribed = true;
}

void control_publish(struct control *ctl, struct json_object *obj)
{
	struct control_client *c;
	const char *text = NULL;
	size_t len = 0;

	if (!ctl)
		return;
	for (c = ctl->clients; c; c = c->next) {
		if (!c->subscribed || c->dead || c->closing)
			continue;
		if (!text) {
			text = json_object_to_json_string_length(
			    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
			if (!text)
				return;
		}
		if (pending(c) + len + 1 > CONTROL_MAX_OUTPUT) {
			log_warning("dropped control client (pid %d, uid %u) following events: it "
				    "fell %zu bytes behind, more than %u",
				    (int)c->pid, (unsigned int)c->uid, pending(c),
				    CONTROL_MAX_OUTPUT);
			kill_client(c);
			continue;
		}
		if (queue(c, text, len) || queue(c, "\n", 1)) {
			kill_client(c);
			continue;
		}
		flush(c);
		if (c->dead)
			kill_client(c);
		else
			schedule(c);
	}
}

/* Dead, or closing with every request answered and every answer written. */
static bool done_with(const struct control_client *c)
{
	return c->dead || (c->closing && !pending(c) && !has_request(c));
}

/* After a client's handler or turn: frees it when done with, else waits for what it needs next. */
static void settle(struct control_client *c)
{
	if (!done_with(c))
		schedule(c);
	if (done_with(c))
		client_free(c);
}

/* Runs the first request in C's input (empty lines are skipped, not run). */
static void run_request(struct control_client *c)
{
	char *nl;

	while ((nl = memchr(c->in + c->in_off, '\n', c->in_len - c->in_off))) {
		char *line = c->in + c->in_off;
		size_t len = nl - line;
		struct json_tokener *tok;
		struct json_object *req;

		c->in_off += len + 1;
		if (len && line[len - 1] == '\r')
			len--;
		if (!len)
			continue;
		tok = json_tokener_new();
		if (!tok) {
			c->dead = true;
			return;
		}
		req = json_tokener_parse_ex(tok, line, len);
		if (!req || json_tokener_get_parse_end(tok) != len) {
			enum json_tokener_error e = json_tokener_get_error(tok);

			control_send_error(c, "malformed request: %s",
					   e == json_tokener_continue || e == json_tokener_success
					       ? "not one complete JSON value"
					       : json_tokener_error_desc(e));
		} else if (!json_object_is_type(req, json_type_object)) {
			control_send_error(c, "malformed request: not a JSON object");
		} else {
			c->ctl->fn(c, req, c->ctl->data);
		}
		json_object_put(req);
		json_tokener_free(tok);
		return;
	}
}

/*
 * One request of the client first in line, which then goes to the back of
 * the line if it has more: a client that pipelines a thousand lists takes
 * turns with the others, and the loop runs its timers between any two.
 */
static int on_turn(struct loop *loop, void *data)
{
	struct control *ctl = data;
	struct control_client *c = ctl->turns;

	if (!c) {
		loop_defer_enable(loop, ctl->turn, false);
		return 0;
	}
	dequeue(c);
	run_request(c);
	c->active_ns = now_ns();
	if (!c->dead)
		flush(c);
	settle(c);
	return 0;
}

/*
 * Reads until a request is complete. A hang-up is read like an end of file,
 * once the requests before it have run: a client may send and close at once.
 */
static void read_input(struct control_client *c)
{
	if (!wants_input(c))
		return;
	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	while (c->in_len < CONTROL_MAX_LINE) {
		ssize_t n =
		    recv(c->fd, c->in + c->in_len, CONTROL_MAX_LINE - c->in_len, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				c->dead = true;
			return;
		}
		if (n == 0) {
			/* the client may half-close after its request: answer it first */
			if (c->in_len && c->in[c->in_len - 1] != '\n')
				c->in[c->in_len++] = '\n';
			c->closing = true;
			return;
		}
		c->in_len += n;
		c->active_ns = now_ns();
		if (memchr(c->in + c->in_len - n, '\n', n))
			return;
	}
	/* full without a line in it: the line is longer than the buffer */
	control_send_error(c, "request line longer than %d bytes", CONTROL_MAX_LINE - 1);
	c->closing = true;
}

static int on_client(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct control_client *c = data;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_input(c);
	if (!c->dead)
		flush(c);
	settle(c);
	return 0;
}

/*
 * A follower waits for events, which is its purpose; a client in line for a
 * turn is about to be answered. Any other client that moved no byte for the
 * idle timeout holds a slot for nothing, whatever it left unread.
 */
static bool may_idle(const struct control_client *c)
{
	return !c->subscribed && !c->dead && !c->queued;
}

/*
 * Sets the sweep for the first client to go idle, or the end of a refusal
 * burst, whichever comes first; sums up the burst first if it is due.
 */
static void arm_sweep(struct control *ctl, uint64_t now)
{
	const struct control_client *c;
	uint64_t next, when;
	unsigned long n;
	int r;

	n = control_refusals_due(&ctl->refusals, now, &next);
	if (n)
		log_warning("refused %lu more control clients, the latest %s", n,
			    ctl->last_refusal);
	for (c = ctl->clients; c; c = c->next) {
		if (c->subscribed || c->dead)
			continue;
		/* one in line is answered soon: idle from then on, at the earliest */
		when = (c->queued ? now : c->active_ns) + ctl->idle_ns;
		if (!next || when < next)
			next = when;
	}
	r = loop_alarm_set(ctl->sweep, next);
	if (r)
		log_error("cannot time out idle control clients on %s: %s", ctl->path,
			  strerror(-r));
}

/* Closes the idle clients; arm_sweep() sums up a refusal burst that is over. */
static int on_sweep(struct loop *loop, void *data)
{
	struct control *ctl = data;
	struct control_client *c, *next;
	uint64_t now = now_ns();

	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (!may_idle(c) || now - c->active_ns < ctl->idle_ns)
			continue;
		log_info(
		    "closed control client (pid %d, uid %u): idle for %llu ms, it neither sent "
		    "a request nor read an answer nor followed events",
		    (int)c->pid, (unsigned int)c->uid,
		    (unsigned long long)(ctl->idle_ns / NSEC_PER_MSEC));
		control_send_error(c, "closed: idle for %llu ms",
				   (unsigned long long)(ctl->idle_ns / NSEC_PER_MSEC));
		flush(c);
		client_free(c);
	}
	arm_sweep(ctl, now);
	return 0;
}

/* The client past a limit: told why, then closed, without waiting for it. */
static void refuse(struct control *ctl, int fd, const struct ucred *cred, enum control_admission a)
{
	char why[128], line[192];
	int n;

	control_refusal(a, cred->uid, why, sizeof(why));
	n = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\"}\n", why);
	if (send(fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("cannot tell a refused control client why: %s", strerror(errno));
	close(fd);
	snprintf(ctl->last_refusal, sizeof(ctl->last_refusal), "(pid %d, uid %u): %s",
		 (int)cred->pid, (unsigned int)cred->uid, why);
	if (control_refusals_note(&ctl->refusals, now_ns()))
		log_warning("refused control client %s; more refusals are counted, not logged, "
			    "until none came for %d s",
			    ctl->last_refusal, CONTROL_REFUSAL_QUIET_MS / 1000);
}

static void add_client(struct control *ctl, int fd, const struct ucred *cred)
{
	struct control_client *c = calloc(1, sizeof(*c));
	int r;

	if (c)
		c->in = malloc(CONTROL_MAX_LINE);
	if (!c || !c->in) {
		log_error("cannot take a control client: %s", strerror(ENOMEM));
		if (c)
			free(c);
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->uid = cred->uid;
	c->pid = cred->pid;
	c->events = EPOLLIN;
	c->active_ns = now_ns();
	r = loop_add_io(ctl->loop, fd, EPOLLIN, on_client, c, &c->src);
	if (r) {
		log_error("cannot take a control client: %s", strerror(-r));
		close(fd);
		free(c->in);
		free(c);
		return;
	}
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->n_clients++;
}

static void count_clients(const struct control *ctl, uid_t uid, struct control_counts *n)
{
	const struct control_client *c;

	memset(n, 0, sizeof(*n));
	for (c = ctl->clients; c; c = c->next) {
		n->clients++;
		n->others += c->uid != 0;
		n->of_uid += c->uid == uid;
	}
}

static int on_accept(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct control *ctl = data;
	struct control_counts n;
	enum control_admission a;
	int i, cfd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t len = sizeof(cred);

		cfd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				log_error("cannot accept on the control socket %s: %s", ctl->path,
					  strerror(errno));
			break;
		}
		/* without credentials the client is nobody: it may only read */
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
			log_warning("no credentials for a control client: %s", strerror(errno));
		count_clients(ctl, cred.uid, &n);
		a = control_admit(cred.uid, &n);
		if (a == CONTROL_ADMIT)
			add_client(ctl, cfd, &cred);
		else
			refuse(ctl, cfd, &cred, a);
	}
	arm_sweep(ctl, now_ns());
	return 0;
}

static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file nobody answers on is what a vigild that died leaves behind. */
static int remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (errno != ECONNREFUSED)
		return -errno;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* CONTROL_IDLE_ENV replaces the idle timeout: a test cannot wait 30 s for each close. */
static uint64_t idle_timeout_ns(void)
{
	const char *env = getenv(CONTROL_IDLE_ENV);
	unsigned long long ms;
	char *end;

	if (!env || !*env)
		return CONTROL_IDLE_TIMEOUT_MS * NSEC_PER_MSEC;
	errno = 0;
	ms = strtoull(env, &end, 10);
	if (errno || *end || *env == '-' || !ms || ms > 24 * 3600 * 1000ull) {
		log_warning("%s=%s ignored, not a number of milliseconds from 1 to 86400000: "
			    "idle control clients are closed after %d s",
			    CONTROL_IDLE_ENV, env, CONTROL_IDLE_TIMEOUT_MS / 1000);
		return CONTROL_IDLE_TIMEOUT_MS * NSEC_PER_MSEC;
	}
	log_warning("%s=%s, a testing aid: idle control clients are closed after %llu ms, not %d s",
		    CONTROL_IDLE_ENV, env, ms, CONTROL_IDLE_TIMEOUT_MS / 1000);
	return ms * NSEC_PER_MSEC;
}

int control_open(struct loop *loop, const char *path, gid_t gid, control_request_fn fn, void *data,
		 struct control **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *ctl;
	mode_t old_mask;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->loop = loop;
	ctl->fn = fn;
	ctl->data = data;
	ctl->fd = -1;
	ctl->idle_ns = idle_timeout_ns();
	memcpy(ctl->path, sa.sun_path, sizeof(ctl->path));

	r = make_parent(path);
	if (!r)
		r = remove_stale(&sa);
	if (r)
		goto fail;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		r = -errno;
		goto fail;
	}
	/* created with its final mode: no moment where anyone may connect */
	old_mask = umask(0777 & ~CONTROL_SOCKET_MODE);
	r = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old_mask);
	if (r)
		goto fail;
	/* the group's members may read; the group never gains more than root had */
	if (listen(ctl->fd, CONTROL_MAX_CLIENTS) < 0 || chmod(path, CONTROL_SOCKET_MODE) < 0 ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)) {
		r = -errno;
		unlink(path);
		goto fail;
	}
	r = loop_add_io(loop, ctl->fd, EPOLLIN, on_accept, ctl, &ctl->src);
	if (!r)
		r = loop_add_defer(loop, on_turn, ctl, &ctl->turn);
	if (!r)
		r = loop_add_alarm(loop, on_sweep, ctl, &ctl->sweep);
	if (r) {
		unlink(path);
		goto fail;
	}
	*ret = ctl;
	return 0;
fail:
	loop_remove(loop, ctl->src);
	loop_remove(loop, ctl->turn);
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	return r;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	loop_remove(ctl->loop, ctl->src);
	loop_remove(ctl->loop, ctl->turn);
	loop_remove(ctl->loop, ctl->sweep);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

uid_t control_client_uid(const struct control_client *c)
{
	return c->uid;
}

pid_t control_client_pid(const struct control_client *c)
{
	return c->pid;
}

size_t control_n_clients(const struct control *ctl)
{
	return ctl ? ctl->n_clients : 0;
}

size_t control_n_subscribers(const struct control *ctl)
{
	struct control_client *c;
	size_t n = 0;

	for (c = ctl ? ctl->clients : NULL; c; c = c->next)
		n += c->subscribed && !c->dead;
	return n;
}

const char *control_path(const struct control *ctl)
{
	return ctl->path;
}

enum control_admission control_admit(uid_t uid, const struct control_counts *n)
{
	if (uid == 0)
		return n->clients < CONTROL_MAX_CLIENTS ? CONTROL_ADMIT : CONTROL_REFUSE_FULL;
	if (n->of_uid >= CONTROL_MAX_PER_UID)
		return CONTROL_REFUSE_UID;
	if (n->others >= CONTROL_MAX_CLIENTS - CONTROL_ROOT_SLOTS)
		return CONTROL_REFUSE_SHARE;
	if (n->clients >= CONTROL_MAX_CLIENTS)
		return CONTROL_REFUSE_FULL;
	return CONTROL_ADMIT;
}

const char *control_refusal(enum control_admission a, uid_t uid, char *buf, size_t size)
{
	switch (a) {
	case CONTROL_ADMIT:
		snprintf(buf, size, "%s", "");
		break;
	case CONTROL_REFUSE_FULL:
		snprintf(buf, size, "too many control clients (at most %d)", CONTROL_MAX_CLIENTS);
		break;
	case CONTROL_REFUSE_SHARE:
		snprintf(buf, size,
			 "too many control clients of uids other than 0 (limit %d, the other %d "
			 "are kept for root)",
			 CONTROL_MAX_CLIENTS - CONTROL_ROOT_SLOTS, CONTROL_ROOT_SLOTS);
		break;
	case CONTROL_REFUSE_UID:
		snprintf(buf, size, "too many control clients of uid %u (limit %d)",
			 (unsigned int)uid, CONTROL_MAX_PER_UID);
		break;
	}
	return buf;
}

bool control_refusals_note(struct control_refusals *r, uint64_t now_ns)
{
	r->last_ns = now_ns;
	if (r->burst) {
		r->unreported++;
		return false;
	}
	r->burst = true;
	r->reported_ns = now_ns;
	r->unreported = 0;
	return true;
}

unsigned long control_refusals_due(struct control_refusals *r, uint64_t now_ns,
				   uint64_t *ret_next_ns)
{
	const uint64_t quiet = CONTROL_REFUSAL_QUIET_MS * NSEC_PER_MSEC;
	const uint64_t report = CONTROL_REFUSAL_REPORT_MS * NSEC_PER_MSEC;
	unsigned long n = 0;

	*ret_next_ns = 0;
	if (!r->burst)
		return 0;
	if (now_ns - r->last_ns >= quiet) {
		n = r->unreported;
		r->burst = false;
		r->unreported = 0;
		return n;
	}
	/* one that never pauses is still summed up now and then */
	if (r->unreported && now_ns - r->reported_ns >= report) {
		n = r->unreported;
		r->unreported = 0;
		r->reported_ns = now_ns;
	}
	*ret_next_ns = r->last_ns + quiet;
	if (r->unreported && r->reported_ns + report < *ret_next_ns)
		*ret_next_ns = r->reported_ns + report;
	return n;
}
