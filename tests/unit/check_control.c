// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "control.h"
#include "log.h"

/* However loaded the machine, a reply that takes this long is not coming. */
#define DEADLINE_NS (5 * 1000000000ull)

static char dir[64], path[128];
static struct loop *loop;
static struct control *ctl;
static int requests;

static uint64_t mono_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000000000ull + now.tv_nsec;
}

/* What a request of the flood test did: see pipelined_flood_takes_turns_with_timers. */
static struct flood {
	uint64_t iteration; /* loop iterations, counted by a deferred source */
	uint64_t last_iteration;
	int same_iteration; /* requests run in the same iteration as the one before */
	struct loop_source *alarm;
	uint64_t due_ns;
	int while_due; /* requests begun after the alarm was due, before it ran */
	int worst_while_due;
	uint64_t delays_ns[256]; /* how late the alarm ran, each time */
	int fired;
	int until; /* requests: then the loop stops */
	char order[64];
	size_t n_order;
} flood;

/* A list of a large IPVS table: the busiest request there is. */
#define SLOW_NS 2000000ull

static void run_slow(const char *who)
{
	uint64_t t0 = mono_ns();

	if (flood.iteration && flood.iteration == flood.last_iteration)
		flood.same_iteration++;
	flood.last_iteration = flood.iteration;
	if (flood.due_ns && t0 >= flood.due_ns)
		flood.while_due++;
	while (mono_ns() - t0 < SLOW_NS)
		;
	if (who && flood.n_order < sizeof(flood.order) - 1)
		flood.order[flood.n_order++] = *who;
}

/*
 * Echoes the command back; "follow" makes the client a subscriber, "slow"
 * takes SLOW_NS, "big" answers 64 KiB.
 */
static void on_request(struct control_client *c, struct json_object *req, void *data)
{
	struct json_object *o = json_object_new_object(), *v, *who;
	const char *command;

	requests++;
	json_object_object_get_ex(req, "command", &v);
	command = v ? json_object_get_string(v) : "";
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	json_object_object_add(o, "echo", json_object_get(v));
	if (!strcmp(command, "slow")) {
		json_object_object_get_ex(req, "who", &who);
		run_slow(who ? json_object_get_string(who) : NULL);
	} else if (!strcmp(command, "big")) {
		static char pad[65536];

		memset(pad, 'x', sizeof(pad) - 1);
		json_object_object_add(o, "pad", json_object_new_string(pad));
	}
	control_send(c, o);
	json_object_put(o);
	if (!strcmp(command, "follow"))
		control_subscribe(c);
	if (flood.until && requests == flood.until)
		loop_exit(loop, 0);
}

static int on_tick(struct loop *l, void *data)
{
	loop_exit(l, 0);
	return 0;
}

/* Lets the loop handle what is pending: runs it for a few milliseconds. */
static void spin(void)
{
	struct loop_source *t;

	ck_assert_int_eq(loop_add_timer(loop, 5000000, on_tick, NULL, &t), 0);
	loop_run(loop);
	loop_remove(loop, t);
}

struct until {
	bool (*done)(size_t n);
	size_t n;
	uint64_t deadline_ns;
	bool late;
};

static int on_until(struct loop *l, void *data)
{
	struct until *u = data;

	if (u->done(u->n)) {
		loop_exit(l, 0);
	} else if (mono_ns() > u->deadline_ns) {
		u->late = true;
		loop_exit(l, 0);
	}
	return 0;
}

/* Runs the loop until DONE(N), checked every millisecond, failing after DEADLINE_NS. */
static void run_until(bool (*done)(size_t n), size_t n, const char *what)
{
	struct until u = { done, n, mono_ns() + DEADLINE_NS, false };
	struct loop_source *t;

	if (done(n))
		return;
	ck_assert_int_eq(loop_add_timer(loop, 1000000, on_until, &u, &t), 0);
	loop_run(loop);
	loop_remove(loop, t);
	ck_assert_msg(!u.late, "still not %s %zu after 5 s", what, n);
}

static bool n_clients_is(size_t n)
{
	return control_n_clients(ctl) == n;
}

static bool n_requests_is(size_t n)
{
	return requests == (int)n;
}

static void wait_clients(size_t n)
{
	run_until(n_clients_is, n, "clients");
}

static int on_readable(struct loop *l, int fd, uint32_t events, void *data)
{
	loop_exit(l, 0);
	return 0;
}

static int on_deadline(struct loop *l, void *data)
{
	loop_exit(l, -ETIMEDOUT);
	return 0;
}

/* Runs the loop until FD has something to read (or its end), failing after DEADLINE_NS. */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct loop_source *io, *alarm;
	int r;

	if (poll(&p, 1, 0) == 1)
		return;
	ck_assert_int_eq(loop_add_io(loop, fd, EPOLLIN, on_readable, NULL, &io), 0);
	ck_assert_int_eq(loop_add_alarm(loop, on_deadline, NULL, &alarm), 0);
	ck_assert_int_eq(loop_alarm_set(alarm, mono_ns() + DEADLINE_NS), 0);
	r = loop_run(loop);
	loop_remove(loop, io);
	loop_remove(loop, alarm);
	ck_assert_msg(r == 0, "nothing to read on the client's socket after 5 s");
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_control.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* other uids must reach the socket for the per-uid tests; its own mode still applies */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/run/vigil.sock", dir);
	loop = loop_new();
	ck_assert_ptr_nonnull(loop);
	requests = 0;
	memset(&flood, 0, sizeof(flood));
	log_set_max_level(LOG_CRIT); /* the drops are logged on purpose */
	ck_assert_int_eq(control_open(loop, path, (gid_t)-1, on_request, NULL, &ctl), 0);
}

static void teardown(void)
{
	char run[128];

	control_close(ctl);
	loop_free(loop);
	snprintf(run, sizeof(run), "%s/run", dir);
	rmdir(run);
	rmdir(dir);
}

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void say(int fd, const char *text)
{
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* A client of another uid: SO_PEERCRED gives the effective uid at connect(). */
static int client_as(uid_t uid)
{
	int fd;

	ck_assert_int_eq(seteuid(uid), 0);
	fd = client();
	ck_assert_int_eq(seteuid(0), 0);
	return fd;
}

/*
 * One reply line, without its newline; "" at EOF. The loop runs until the
 * line is there: however long the machine takes, up to DEADLINE_NS a byte.
 */
static char *hear(int fd)
{
	static char line[65536];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		wait_readable(fd);
		if (read(fd, line + n, 1) != 1)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return line;
}

START_TEST(socket_mode_and_reply)
{
	struct stat st;
	int fd;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	fd = client();
	say(fd, "{\"command\":\"list\"}\n{\"command\":\"status\"}\n");
	ck_assert_str_eq(hear(fd), "{\"ok\":true,\"echo\":\"list\"}");
	ck_assert_str_eq(hear(fd), "{\"ok\":true,\"echo\":\"status\"}");
	ck_assert_int_eq(control_n_clients(ctl), 1);
	close(fd);
	wait_clients(0);
}
END_TEST

START_TEST(malformed_requests_and_carry_on)
{
	int fd = client();

	say(fd, "{\"command\":\n");
	ck_assert_str_eq(
	    hear(fd),
	    "{\"ok\":false,\"error\":\"malformed request: not one complete JSON value\"}");
	say(fd, "[1,2]\n");
	ck_assert_str_eq(hear(fd),
			 "{\"ok\":false,\"error\":\"malformed request: not a JSON object\"}");
	say(fd, "{\"a\":1} x\n");
	ck_assert_ptr_nonnull(strstr(hear(fd), "malformed request"));
	say(fd, "\n{\"command\":\"list\"}\r\n");
	ck_assert_str_eq(hear(fd), "{\"ok\":true,\"echo\":\"list\"}");
	ck_assert_int_eq(requests, 1);
	close(fd);
}
END_TEST

/* A request the client half-closes after still gets its answer. */
START_TEST(answer_after_half_close)
{
	int fd = client();

	say(fd, "{\"command\":\"list\"}");
	shutdown(fd, SHUT_WR);
	ck_assert_str_eq(hear(fd), "{\"ok\":true,\"echo\":\"list\"}");
	ck_assert_str_eq(hear(fd), "");
	close(fd);
	wait_clients(0);
}
END_TEST

/* Requests sent just before a close still run: the client may not wait for the answers. */
START_TEST(requests_run_after_close)
{
	int fd = client();

	say(fd, "{\"command\":\"reload\"}\n{\"command\":\"list\"}\n{\"command\":\"status\"}\n");
	close(fd);
	run_until(n_requests_is, 3, "requests");
	wait_clients(0);
}
END_TEST

START_TEST(oversized_line_closes)
{
	char *big = malloc(CONTROL_MAX_LINE + 16);
	int fd = client();
	char *r;

	memset(big, ' ', CONTROL_MAX_LINE + 15);
	big[CONTROL_MAX_LINE + 15] = '\0';
	/* more than the socket takes at once: the loop must read as it goes */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	{
		size_t off = 0, len = strlen(big);

		while (off < len) {
			ssize_t n = write(fd, big + off, len - off);

			if (n > 0)
				off += n;
			else
				spin();
		}
	}
	fcntl(fd, F_SETFL, 0);
	r = hear(fd);
	ck_assert_str_eq(r, "{\"ok\":false,\"error\":\"request line longer than 65535 bytes\"}");
	ck_assert_str_eq(hear(fd), "");
	ck_assert_int_eq(control_n_clients(ctl), 0);
	ck_assert_int_eq(requests, 0);
	free(big);
	close(fd);
}
END_TEST

START_TEST(too_many_clients)
{
	int fds[CONTROL_MAX_CLIENTS + 1], i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client();
		wait_clients(i + 1);
	}
	fds[i] = client();
	ck_assert_str_eq(hear(fds[i]),
			 "{\"ok\":false,\"error\":\"too many control clients (at most 32)\"}");
	ck_assert_str_eq(hear(fds[i]), "");
	ck_assert_int_eq(control_n_clients(ctl), CONTROL_MAX_CLIENTS);
	/* the others are served as before */
	say(fds[0], "{\"command\":\"list\"}\n");
	ck_assert_str_eq(hear(fds[0]), "{\"ok\":true,\"echo\":\"list\"}");
	for (i = 0; i <= CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
}
END_TEST

START_TEST(publish_to_followers_and_drop_the_slow)
{
	struct json_object *e = json_object_new_object();
	int fast = client(), slow = client(), i;
	char pad[1024];

	say(fast, "{\"command\":\"follow\"}\n");
	ck_assert_str_eq(hear(fast), "{\"ok\":true,\"echo\":\"follow\"}");
	say(slow, "{\"command\":\"follow\"}\n");
	ck_assert_str_eq(hear(slow), "{\"ok\":true,\"echo\":\"follow\"}");
	ck_assert_int_eq(control_n_subscribers(ctl), 2);
	json_object_object_add(e, "event", json_object_new_string("evidence"));
	control_publish(ctl, e);
	ck_assert_str_eq(hear(fast), "{\"event\":\"evidence\"}");
	ck_assert_str_eq(hear(slow), "{\"event\":\"evidence\"}");

	/* the slow one reads nothing: past CONTROL_MAX_OUTPUT it is dropped */
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	json_object_object_add(e, "pad", json_object_new_string(pad));
	for (i = 0; i < (int)(CONTROL_MAX_OUTPUT / 1024) + 512; i++) {
		control_publish(ctl, e);
		if (i % 64 == 0) {
			char buf[65536];

			spin();
			while (recv(fast, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
	}
	ck_assert_int_eq(control_n_subscribers(ctl), 1);
	wait_clients(1);
	json_object_put(e);
	close(fast);
	close(slow);
}
END_TEST

START_TEST(stale_socket_replaced_live_one_refused)
{
	struct control *other = NULL;
	struct loop *l2 = loop_new();

	/* a live one answers: another agent */
	ck_assert_int_eq(control_open(l2, path, (gid_t)-1, on_request, NULL, &other), -EADDRINUSE);
	/* a dead one does not: its file is taken over */
	control_close(ctl);
	ctl = NULL;
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(sa.sun_path, path);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd); /* bound, never listening: what a crash leaves */
	}
	ck_assert_int_eq(control_open(loop, path, (gid_t)-1, on_request, NULL, &ctl), 0);
	loop_free(l2);
}
END_TEST

START_TEST(path_too_long)
{
	char long_path[200];
	struct control *c2;

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(control_open(loop, long_path, (gid_t)-1, on_request, NULL, &c2),
			 -ENAMETOOLONG);
}
END_TEST

static int count_iteration(struct loop *l, void *data)
{
	flood.iteration++;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int on_flood_alarm(struct loop *l, void *data)
{
	uint64_t now = mono_ns();

	if (flood.fired < 256)
		flood.delays_ns[flood.fired++] = now - flood.due_ns;
	if (flood.while_due > flood.worst_while_due)
		flood.worst_while_due = flood.while_due;
	flood.while_due = 0;
	/* a decision timer of 20 ms: shorter than policy's, for more samples */
	flood.due_ns = now + 20000000;
	return loop_alarm_set(flood.alarm, flood.due_ns);
}

/*
 * The defect: one wake-up ran every line a client had sent, so a client
 * pipelining lists held the loop for as long as they took, decision timers
 * and all. Now one request runs per loop iteration and a timer that came due
 * runs before the next: it waits for one request at most.
 */
START_TEST(pipelined_flood_takes_turns_with_timers)
{
	enum {
		N = 200
	};
	static char lines[N * 32];
	struct loop_source *counter;
	size_t len = 0;
	int fd = client(), i;

	for (i = 0; i < N; i++)
		len += snprintf(lines + len, sizeof(lines) - len, "{\"command\":\"slow\"}\n");
	wait_clients(1);
	ck_assert_int_eq(loop_add_defer(loop, count_iteration, NULL, &counter), 0);
	ck_assert_int_eq(loop_defer_enable(loop, counter, true), 0);
	ck_assert_int_eq(loop_add_alarm(loop, on_flood_alarm, NULL, &flood.alarm), 0);
	/* the whole flood in one write: one wake-up could read every line of it */
	say(fd, lines);
	flood.until = N;
	flood.due_ns = mono_ns() + 20000000;
	ck_assert_int_eq(loop_alarm_set(flood.alarm, flood.due_ns), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	loop_remove(loop, flood.alarm);
	loop_remove(loop, counter);
	qsort(flood.delays_ns, flood.fired, sizeof(flood.delays_ns[0]), cmp_u64);

	printf("control: a flood of %d pipelined requests of %.1f ms each ran in %llu loop "
	       "iterations; a 20 ms timer fired %d times meanwhile, %.2f ms late at the median, "
	       "%.2f ms at worst, after at most %d request(s) begun while it was due\n",
	       N, SLOW_NS / 1e6, (unsigned long long)flood.iteration, flood.fired,
	       flood.delays_ns[flood.fired / 2] / 1e6, flood.delays_ns[flood.fired - 1] / 1e6,
	       flood.worst_while_due);
	fflush(stdout); /* the figures, even when a check below fails */
	ck_assert_int_eq(requests, N);
	ck_assert_msg(!flood.same_iteration, "%d requests ran in the iteration of the one before",
		      flood.same_iteration);
	ck_assert_uint_ge(flood.iteration, N);
	/* N * SLOW_NS is 400 ms: the timer ran in between, not after */
	ck_assert_int_ge(flood.fired, 5);
	/*
	 * The loop's share of the delay: the request under way when the timer
	 * came due, and at most one more (in the iteration whose events it
	 * missed by a hair). That is at most 2 * SLOW_NS whatever the load.
	 */
	ck_assert_int_le(flood.worst_while_due, 1);
	/*
	 * In wall-clock time the machine's scheduler adds its own: on a loaded
	 * machine a single firing may be a few hundred ms late, so only the
	 * median is checked. The whole flood in one wake-up made every firing
	 * nearly N * SLOW_NS late.
	 */
	ck_assert_msg(flood.delays_ns[flood.fired / 2] < N * SLOW_NS / 4,
		      "the timer ran %.2f ms late at the median",
		      flood.delays_ns[flood.fired / 2] / 1e6);
	for (i = 0; i < N; i++)
		ck_assert_str_eq(hear(fd), "{\"ok\":true,\"echo\":\"slow\"}");
	close(fd);
}
END_TEST

/* Two clients pipelining at once are served in turn, one request each. */
START_TEST(clients_take_turns)
{
	enum {
		N = 20
	};
	char lines[2][N * 40];
	size_t len[2] = { 0, 0 };
	int fds[2] = { client(), client() }, i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < N; i++)
			len[k] += snprintf(lines[k] + len[k], sizeof(lines[k]) - len[k],
					   "{\"command\":\"slow\",\"who\":\"%c\"}\n", 'a' + k);
	wait_clients(2);
	say(fds[0], lines[0]);
	say(fds[1], lines[1]);
	run_until(n_requests_is, 2 * N, "requests");
	ck_assert_uint_eq(flood.n_order, 2 * N);
	for (i = 1; i < 2 * N; i++)
		ck_assert_msg(flood.order[i] != flood.order[i - 1], "not in turn: %s", flood.order);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A client that pipelines and does not read is not answered past CONTROL_MAX_OUTPUT. */
START_TEST(unread_answers_hold_the_requests_back)
{
	enum {
		N = 100
	}; /* answers of 64 KiB: 6.4 MB */
	static char lines[N * 32], buf[1 << 16];
	size_t len = 0, got = 0;
	int fd = client(), i, before;

	for (i = 0; i < N; i++)
		len += snprintf(lines + len, sizeof(lines) - len, "{\"command\":\"big\"}\n");
	say(fd, lines);
	/* let it run what it will: it must stop with the output full */
	for (i = 0; i < 20; i++)
		spin();
	before = requests;
	ck_assert_int_lt(before, N);
	ck_assert_int_le((size_t)before * 65536, CONTROL_MAX_OUTPUT + 2 * 65536 + (1 << 20));
	/* read it all: the rest follows */
	while (got < (size_t)N) {
		ssize_t n;

		wait_readable(fd);
		n = read(fd, buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		for (i = 0; i < n; i++)
			got += buf[i] == '\n';
	}
	ck_assert_int_eq(requests, N);
	close(fd);
}
END_TEST

/* Everything the log says from now until log_stop(). */
static int log_saved = -1;
static FILE *log_file;

static void log_start(void)
{
	fflush(stderr);
	log_file = tmpfile();
	ck_assert_ptr_nonnull(log_file);
	log_saved = dup(STDERR_FILENO);
	ck_assert_int_eq(dup2(fileno(log_file), STDERR_FILENO), STDERR_FILENO);
	log_set_max_level(LOG_INFO);
}

static char *log_stop(void)
{
	static char text[65536];
	size_t n;

	fflush(stderr);
	dup2(log_saved, STDERR_FILENO);
	close(log_saved);
	log_set_max_level(LOG_CRIT);
	rewind(log_file);
	n = fread(text, 1, sizeof(text) - 1, log_file);
	text[n] = '\0';
	fclose(log_file);
	return text;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}

/* Reopens the socket with an idle timeout of 300 ms. */
static void short_idle_timeout(void)
{
	control_close(ctl);
	setenv(CONTROL_IDLE_ENV, "300", 1);
	ck_assert_int_eq(control_open(loop, path, (gid_t)-1, on_request, NULL, &ctl), 0);
	unsetenv(CONTROL_IDLE_ENV);
}

START_TEST(idle_clients_are_closed)
{
	int silent, follower, chatty, i;
	uint64_t t0;
	char *log;

	short_idle_timeout();
	log_start();
	t0 = mono_ns();
	silent = client();
	follower = client();
	chatty = client();
	say(follower, "{\"command\":\"follow\"}\n");
	ck_assert_str_eq(hear(follower), "{\"ok\":true,\"echo\":\"follow\"}");
	/* a request every 100 ms keeps a client: only the silent one goes */
	for (i = 0; i < 5; i++) {
		struct loop_source *t;

		ck_assert_int_eq(loop_add_timer(loop, 100000000, on_tick, NULL, &t), 0);
		loop_run(loop);
		loop_remove(loop, t);
		say(chatty, "{\"command\":\"list\"}\n");
		ck_assert_str_eq(hear(chatty), "{\"ok\":true,\"echo\":\"list\"}");
	}
	ck_assert_str_eq(hear(silent), "{\"ok\":false,\"error\":\"closed: idle for 300 ms\"}");
	ck_assert_str_eq(hear(silent), "");
	ck_assert_uint_ge(mono_ns() - t0, 300000000ull);
	ck_assert_int_eq(control_n_clients(ctl), 2);
	/* the follower waits for events, which may not come for hours: it stays */
	wait_readable(chatty);
	ck_assert_str_eq(hear(chatty), "{\"ok\":false,\"error\":\"closed: idle for 300 ms\"}");
	ck_assert_int_eq(control_n_clients(ctl), 1);
	ck_assert_int_eq(control_n_subscribers(ctl), 1);
	log = log_stop();
	ck_assert_int_eq(count(log, "closed control client (pid "), 2);
	ck_assert_int_eq(count(log, ", uid 0): idle for 300 ms, it neither sent a request nor read "
				    "an answer nor followed events"),
			 2);
	close(silent);
	close(follower);
	close(chatty);
}
END_TEST

/* A testing aid that does not parse is said to be ignored, and the default stays. */
START_TEST(idle_timeout_env_that_does_not_parse)
{
	control_close(ctl);
	setenv(CONTROL_IDLE_ENV, "soon", 1);
	log_start();
	ck_assert_int_eq(control_open(loop, path, (gid_t)-1, on_request, NULL, &ctl), 0);
	unsetenv(CONTROL_IDLE_ENV);
	ck_assert_ptr_nonnull(strstr(log_stop(), "VIGIL_CONTROL_IDLE_MS=soon ignored, not a number "
						 "of milliseconds from 1 to 86400000: idle control "
						 "clients are closed after 30 s"));
}
END_TEST

static struct control_counts counts(size_t clients, size_t others, size_t of_uid)
{
	struct control_counts n = { clients, others, of_uid };

	return n;
}

START_TEST(admission_decides_by_uid_and_counts)
{
	struct control_counts n;

	/* root: any free slot, its reserved ones included */
	n = counts(0, 0, 0);
	ck_assert_int_eq(control_admit(0, &n), CONTROL_ADMIT);
	n = counts(28, 28, 0);
	ck_assert_int_eq(control_admit(0, &n), CONTROL_ADMIT);
	n = counts(31, 28, 3);
	ck_assert_int_eq(control_admit(0, &n), CONTROL_ADMIT);
	n = counts(32, 28, 4);
	ck_assert_int_eq(control_admit(0, &n), CONTROL_REFUSE_FULL);
	n = counts(32, 0, 32);
	ck_assert_int_eq(control_admit(0, &n), CONTROL_REFUSE_FULL);
	/* another uid: its own 8, while the others hold fewer than 28 */
	n = counts(7, 7, 7);
	ck_assert_int_eq(control_admit(65534, &n), CONTROL_ADMIT);
	n = counts(8, 8, 8);
	ck_assert_int_eq(control_admit(65534, &n), CONTROL_REFUSE_UID);
	n = counts(27, 27, 3);
	ck_assert_int_eq(control_admit(1000, &n), CONTROL_ADMIT);
	n = counts(28, 28, 0);
	ck_assert_int_eq(control_admit(1000, &n), CONTROL_REFUSE_SHARE);
	n = counts(28, 28, 8);
	ck_assert_int_eq(control_admit(1000, &n), CONTROL_REFUSE_UID);
	/* root holds many: the others may have what is left, no more */
	n = counts(32, 20, 0);
	ck_assert_int_eq(control_admit(1000, &n), CONTROL_REFUSE_FULL);
	n = counts(31, 20, 0);
	ck_assert_int_eq(control_admit(1000, &n), CONTROL_ADMIT);
	/* no credentials: (uid_t)-1, another uid like any */
	n = counts(8, 8, 8);
	ck_assert_int_eq(control_admit((uid_t)-1, &n), CONTROL_REFUSE_UID);
}
END_TEST

/* Every combination: the rules hold, and root always keeps its slots. */
START_TEST(admission_keeps_roots_slots_whatever_the_others_do)
{
	size_t clients, others, of_uid;
	uid_t uids[6] = { 1000, 1001, 1002, 1003, 1004, 65534 };
	struct control_counts n;
	size_t held[6] = { 0 }, total = 0, root = 0;
	int i, round;

	for (clients = 0; clients <= CONTROL_MAX_CLIENTS + 1; clients++)
		for (others = 0; others <= clients; others++)
			for (of_uid = 0; of_uid <= others && of_uid <= 10; of_uid++) {
				enum control_admission a;

				n = counts(clients, others, of_uid);
				a = control_admit(1000, &n);
				ck_assert_int_eq(
				    a == CONTROL_ADMIT,
				    clients < CONTROL_MAX_CLIENTS && of_uid < CONTROL_MAX_PER_UID &&
					others < CONTROL_MAX_CLIENTS - CONTROL_ROOT_SLOTS);
				n = counts(clients, others, clients - others);
				ck_assert_int_eq(control_admit(0, &n) == CONTROL_ADMIT,
						 clients < CONTROL_MAX_CLIENTS);
			}
	/* six uids connect as often as they are let in, in rounds */
	for (round = 0; round < 20; round++)
		for (i = 0; i < 6; i++) {
			n = counts(total, total - root, held[i]);
			if (control_admit(uids[i], &n) == CONTROL_ADMIT) {
				held[i]++;
				total++;
			}
		}
	ck_assert_uint_eq(total, CONTROL_MAX_CLIENTS - CONTROL_ROOT_SLOTS);
	for (i = 0; i < 6; i++)
		ck_assert_uint_le(held[i], CONTROL_MAX_PER_UID);
	/* root still gets every one of its slots */
	for (i = 0; i < CONTROL_ROOT_SLOTS; i++) {
		n = counts(total, total - root, root);
		ck_assert_int_eq(control_admit(0, &n), CONTROL_ADMIT);
		root++;
		total++;
	}
	n = counts(total, total - root, root);
	ck_assert_int_eq(control_admit(0, &n), CONTROL_REFUSE_FULL);
}
END_TEST

START_TEST(refusals_say_why)
{
	char buf[128];

	ck_assert_str_eq(control_refusal(CONTROL_REFUSE_UID, 65534, buf, sizeof(buf)),
			 "too many control clients of uid 65534 (limit 8)");
	ck_assert_str_eq(control_refusal(CONTROL_REFUSE_SHARE, 1000, buf, sizeof(buf)),
			 "too many control clients of uids other than 0 (limit 28, the other 4 are "
			 "kept for root)");
	ck_assert_str_eq(control_refusal(CONTROL_REFUSE_FULL, 0, buf, sizeof(buf)),
			 "too many control clients (at most 32)");
	ck_assert_str_eq(control_refusal(CONTROL_ADMIT, 0, buf, sizeof(buf)), "");
}
END_TEST

#define S 1000000000ull

/* A burst is logged at its first refusal, then summed up when over. */
START_TEST(refusals_logged_once_per_burst)
{
	struct control_refusals r = { 0 };
	uint64_t next;
	int i;

	ck_assert_uint_eq(control_refusals_due(&r, 1 * S, &next), 0);
	ck_assert_uint_eq(next, 0);
	ck_assert(control_refusals_note(&r, 10 * S));
	for (i = 1; i <= 40; i++)
		ck_assert(!control_refusals_note(&r, 10 * S + i * 50000000ull));
	/* 40 more within 2 s: nothing to say until 5 s pass without one */
	ck_assert_uint_eq(control_refusals_due(&r, 13 * S, &next), 0);
	ck_assert_uint_eq(next, 17 * S);
	ck_assert_uint_eq(control_refusals_due(&r, 17 * S, &next), 40);
	ck_assert_uint_eq(next, 0);
	ck_assert_uint_eq(control_refusals_due(&r, 18 * S, &next), 0);
	/* a lone refusal: its own line says it all */
	ck_assert(control_refusals_note(&r, 30 * S));
	ck_assert_uint_eq(control_refusals_due(&r, 35 * S, &next), 0);
	ck_assert_uint_eq(next, 0);
	ck_assert(control_refusals_note(&r, 40 * S));
}
END_TEST

/* A burst that never pauses is summed up once a minute. */
START_TEST(refusals_endless_burst_summed_up_each_minute)
{
	struct control_refusals r = { 0 };
	unsigned long total = 0;
	uint64_t next, t;
	int lines = 0;

	ck_assert(control_refusals_note(&r, 0));
	for (t = S; t <= 180 * S; t += S) {
		unsigned long n;

		ck_assert(!control_refusals_note(&r, t));
		n = control_refusals_due(&r, t, &next);
		if (n) {
			lines++;
			total += n;
		}
		ck_assert_uint_le(next, t + 5 * S);
	}
	ck_assert_int_eq(lines, 3);
	ck_assert_uint_eq(total, 180);
}
END_TEST

static bool running_as_root(void)
{
	if (geteuid() == 0)
		return true;
	printf("control: skipped, needs root to connect as other uids\n");
	return false;
}

/* The defect: 32 idle clients of one member of the group locked root out. */
START_TEST(per_uid_limit_end_to_end)
{
	int fds[CONTROL_MAX_PER_UID], i, fd, other, root;
	char *log;

	if (!running_as_root())
		return;
	log_start();
	for (i = 0; i < CONTROL_MAX_PER_UID; i++) {
		fds[i] = client_as(65534);
		wait_clients(i + 1);
	}
	/* a burst of three: each told why, the log says it once */
	for (i = 0; i < 3; i++) {
		fd = client_as(65534);
		ck_assert_str_eq(
		    hear(fd),
		    "{\"ok\":false,\"error\":\"too many control clients of uid 65534 (limit 8)\"}");
		ck_assert_str_eq(hear(fd), "");
		close(fd);
	}
	ck_assert_int_eq(control_n_clients(ctl), CONTROL_MAX_PER_UID);
	/* those it holds are served, and others are let in */
	say(fds[CONTROL_MAX_PER_UID - 1], "{\"command\":\"list\"}\n");
	ck_assert_str_eq(hear(fds[CONTROL_MAX_PER_UID - 1]), "{\"ok\":true,\"echo\":\"list\"}");
	other = client_as(65533);
	say(other, "{\"command\":\"list\"}\n");
	ck_assert_str_eq(hear(other), "{\"ok\":true,\"echo\":\"list\"}");
	root = client();
	say(root, "{\"command\":\"reload\"}\n");
	ck_assert_str_eq(hear(root), "{\"ok\":true,\"echo\":\"reload\"}");
	log = log_stop();
	ck_assert_int_eq(count(log, "refused control client (pid "), 1);
	ck_assert_int_eq(count(log,
			       ", uid 65534): too many control clients of uid 65534 (limit 8); "
			       "more refusals are counted, not logged, until none came for 5 s"),
			 1);
	for (i = 0; i < CONTROL_MAX_PER_UID; i++)
		close(fds[i]);
	close(other);
	close(root);
}
END_TEST

/* The group fills its share: root still connects, four times, and reloads. */
START_TEST(root_keeps_its_slots_end_to_end)
{
	int fds[CONTROL_MAX_CLIENTS], i, fd, n = 0;

	if (!running_as_root())
		return;
	/* four uids, seven each: the 28 slots of the uids other than root */
	for (i = 0; i < CONTROL_MAX_CLIENTS - CONTROL_ROOT_SLOTS; i++) {
		fds[n++] = client_as(65530 + i % 4);
		wait_clients(n);
	}
	fd = client_as(65529);
	ck_assert_str_eq(hear(fd), "{\"ok\":false,\"error\":\"too many control clients of uids "
				   "other than 0 (limit 28, the other 4 are kept for root)\"}");
	close(fd);
	for (i = 0; i < CONTROL_ROOT_SLOTS; i++) {
		fds[n++] = client();
		wait_clients(n);
	}
	say(fds[n - 1], "{\"command\":\"reload\"}\n");
	ck_assert_str_eq(hear(fds[n - 1]), "{\"ok\":true,\"echo\":\"reload\"}");
	fd = client();
	ck_assert_str_eq(hear(fd),
			 "{\"ok\":false,\"error\":\"too many control clients (at most 32)\"}");
	close(fd);
	ck_assert_int_eq(control_n_clients(ctl), CONTROL_MAX_CLIENTS);
	/* one of the group leaves: its slot is the group's again, not root's */
	close(fds[0]);
	wait_clients(CONTROL_MAX_CLIENTS - 1);
	fd = client_as(65534);
	say(fd, "{\"command\":\"list\"}\n");
	ck_assert_str_eq(hear(fd), "{\"ok\":true,\"echo\":\"list\"}");
	close(fd);
	for (i = 1; i < n; i++)
		close(fds[i]);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("socket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, socket_mode_and_reply);
	tcase_add_test(tc, malformed_requests_and_carry_on);
	tcase_add_test(tc, answer_after_half_close);
	tcase_add_test(tc, requests_run_after_close);
	tcase_add_test(tc, oversized_line_closes);
	tcase_add_test(tc, too_many_clients);
	tcase_add_test(tc, publish_to_followers_and_drop_the_slow);
	tcase_add_test(tc, stale_socket_replaced_live_one_refused);
	tcase_add_test(tc, path_too_long);
	tcase_add_test(tc, pipelined_flood_takes_turns_with_timers);
	tcase_add_test(tc, clients_take_turns);
	tcase_add_test(tc, unread_answers_hold_the_requests_back);
	tcase_add_test(tc, idle_clients_are_closed);
	tcase_add_test(tc, idle_timeout_env_that_does_not_parse);
	tcase_add_test(tc, per_uid_limit_end_to_end);
	tcase_add_test(tc, root_keeps_its_slots_end_to_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("admission");
	tcase_add_test(tc, admission_decides_by_uid_and_counts);
	tcase_add_test(tc, admission_keeps_roots_slots_whatever_the_others_do);
	tcase_add_test(tc, refusals_say_why);
	tcase_add_test(tc, refusals_logged_once_per_burst);
	tcase_add_test(tc, refusals_endless_burst_summed_up_each_minute);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(control_suite(), CK_NORMAL);
}
