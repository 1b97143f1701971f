// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_golden.h"
#include "check_main.h"
#include "metrics-render.h"
#include "metrics.h"

#include "fixture_services.h"

/* The sockops counters of web's first two destinations: 1 ms and 201 ms. */
static struct vigil_health counters[2];
static struct vigil_real reals[2];

static const struct vigil_health *lookup(const struct vigil_real *real, void *data)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (!memcmp(real, &reals[i], sizeof(*real)))
			return &counters[i];
	return NULL;
}

struct fixture {
	struct config *c;
	struct runtime *rt;
	struct metrics_snapshot m;
};

static void fixture_init(struct fixture *f)
{
	struct runtime_service *web, *dns;
	struct policy_decision d;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->c = parse(CONFIG);
	ck_assert_int_eq(runtime_new(f->c, NULL, 1, &f->rt), 0);
	web = &f->rt->services[0];
	dns = &f->rt->services[1];

	/* health: the first update opens the windows, the next closes them */
	memset(counters, 0, sizeof(counters));
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(health_real_from_addr(&web->cs->dests[i].addr, &reals[i]), 0);
	ck_assert_int_ge(health_update(web->health, MS(1000), lookup, NULL), 0);
	counters[0] = (struct vigil_health){
		.conns = 10, .rtt_samples = 10, .rtt_sum_us = 10000, .data_segs = 90
	};
	counters[1] = (struct vigil_health){
		.conns = 10, .rtt_samples = 10, .rtt_sum_us = 2010000, .retrans = 5, .data_segs = 90
	};
	ck_assert_int_ge(health_update(web->health, MS(6000), lookup, NULL), 0);

	/* web's third destination quarantined by evidence, dns's second by the operator */
	runtime_count_evidence(web, 2, EVIDENCE_SYN_TIMEOUT);
	runtime_count_evidence(web, 2, EVIDENCE_RETRANS);
	runtime_count_evidence(web, 2, EVIDENCE_RETRANS);
	ck_assert_int_eq(policy_on_evidence(&web->policy, 2, EVIDENCE_RETRANS, true, MS(6000), &d),
			 1);
	ck_assert_int_eq(policy_quarantine(&dns->policy, 1, MS(6000), 0, &d), 1);
	runtime_count_evidence(dns, 0, EVIDENCE_UDP_ERROR);
	web->applied[0] = 100;
	web->applied[1] = 7; /* 200 x its score */
	web->applied[2] = 0;
	dns->applied[0] = 100;
	dns->applied[1] = RUNTIME_REMOVED;

	f->m = (struct metrics_snapshot){
		.version = "0.1.0",
		.started_real_ns = 1795447497123000000ll,
		/* a reload a minute after the start was taken, a later one rejected */
		.reload_ok = false,
		.reload_ok_real_ns = 1795447557500000000ll,
		.watching = true,
		.have_counters = true,
		.counters = { .events = 1234,
			      .ringbuf_drops = 2,
			      .flow_errors = 3,
			      .health_errors = 4,
			      .missed = 5,
			      .bad_records = 6 },
		.evidence = 4,
		.reconciles = 7,
		.reconciles_skipped = 30,
		.reconcile_seconds = 0.0042,
		.owned = 2,
		.rt = f->rt,
	};
	/* ip_vs_conn_new found silent once, which leaves the events unused */
	f->m.degraded.caps[DEGRADED_EVENTS].state = DEGRADED_UNUSED;
	f->m.degraded.caps[DEGRADED_CORRELATION].state = DEGRADED_SILENT;
	f->m.degraded.caps[DEGRADED_HEALTH].verified = true;
	f->m.silences[DEGRADED_CORRELATION] = 1;
	f->m.decisions[POLICY_ACT_QUARANTINE] = 1;
	f->m.decisions[POLICY_ACT_MANUAL_QUARANTINE] = 1;
	f->m.netlink_ops[RECONCILE_SERVICE_ADD] = 2;
	f->m.netlink_ops[RECONCILE_DEST_ADD] = 5;
	f->m.netlink_ops[RECONCILE_DEST_EDIT] = 3;
	f->m.netlink_errors[RECONCILE_DEST_EDIT] = 1;
}

static void fixture_free(struct fixture *f)
{
	runtime_free(f->rt);
	config_free(f->c);
}

static char *render(const struct metrics_snapshot *m)
{
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(metrics_render(m, &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

START_TEST(golden_exposition)
{
	struct fixture f;
	char *text;

	fixture_init(&f);
	text = render(&f.m);
	check_golden("metrics.txt", text);
	/* spot checks, so a regenerated golden file cannot hide these */
	ck_assert_ptr_nonnull(strstr(text,
				     "vigil_destination_state{service=\"web\",vip=\"10.96.0.1:"
				     "80\",protocol=\"tcp\",destination=\"10.100.3.2:8080\","
				     "state=\"quarantined\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "vigil_destination_evidence_total{service=\"web\",vip=\"10.96.0.1:80\","
			 "protocol=\"tcp\",destination=\"10.100.3.2:8080\",kind=\"retrans\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "vip=\"[fd00::53]:53\",protocol=\"udp\",destination="
					   "\"[fd00::1:2]:53\",kind=\"udp-error\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "vigil_netlink_errors_total{op=\"dest-edit\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "vigil_reconcile_duration_seconds 0.0042\n"));
	ck_assert_ptr_nonnull(strstr(text, "vigil_build_info{version=\"0.1.0\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "vigil_capability_state{capability=\"real_destination\","
					   "state=\"silent\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "vigil_capability_state{capability=\"real_destination\","
					   "state=\"attached\"} 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "vigil_capability_verified{capability=\"health_metrics\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "vigil_capability_silences_total{capability=\"real_destination\"} 1\n"));
	/* measured: 1 ms; the unmeasured third destination has no RTT */
	ck_assert_ptr_nonnull(strstr(text, "destination=\"10.100.1.2:8080\"} 0.001\n"));
	ck_assert_ptr_null(strstr(text, "vigil_destination_rtt_seconds{service=\"web\",vip=\"10.96."
					"0.1:80\",protocol=\"tcp\",destination=\"10.100.3.2"));
	/* removed from IPVS: effective weight 0 */
	ck_assert_ptr_nonnull(strstr(text, "vigil_destination_effective_weight{service=\"dns\",vip="
					   "\"[fd00::53]:53\",protocol=\"udp\",destination=\"[fd00:"
					   ":2:2]:53\"} 0\n"));
	free(text);
	fixture_free(&f);
}
END_TEST

START_TEST(label_values_are_escaped)
{
	struct metrics_snapshot m = { .version = "1.0 \"quoted\" back\\slash\nnewline" };
	char buf[64], *text;

	ck_assert_uint_eq(metrics_escape("a\"b\\c\nd", buf, sizeof(buf)), 10);
	ck_assert_str_eq(buf, "a\\\"b\\\\c\\nd");
	/* too small: truncated before an escape, never inside it */
	ck_assert_uint_eq(metrics_escape("ab\"c", buf, 4), 5);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(metrics_escape("plain", NULL, 0), 5);

	text = render(&m);
	ck_assert_ptr_nonnull(strstr(
	    text, "vigil_build_info{version=\"1.0 \\\"quoted\\\" back\\\\slash\\nnewline\"} 1\n"));
	free(text);
}
END_TEST

/* The metric name of a sample or a # HELP/# TYPE line, in NAME. */
static void name_of(const char *p, char *name, size_t size)
{
	size_t n = 0;

	while ((isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == ':') && n + 1 < size) {
		name[n] = p[n];
		n++;
	}
	name[n] = '\0';
}

/* name{label="value",...} value: labels as the format allows, a number at the end. */
static bool sample_ok(const char *line, char *name, size_t size)
{
	const char *p = line;
	char *end;

	name_of(p, name, size);
	if (!name[0] || isdigit((unsigned char)name[0]))
		return false;
	p += strlen(name);
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (!isalpha((unsigned char)*p) && *p != '_')
				return false;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			if (*p++ != '=' || *p++ != '"')
				return false;
			for (; *p != '"'; p++) {
				if (!*p || *p == '\n')
					return false;
				if (*p == '\\' && !strchr("\\\"n", *++p))
					return false;
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return false;
		}
		p++;
	}
	if (*p++ != ' ')
		return false;
	strtod(p, &end);
	return end != p && *end == '\0';
}

START_TEST(every_line_parses_and_every_family_is_described)
{
	char *text, *line, *save = NULL, name[128], typed[128] = "", helped[128] = "";
	struct fixture f;
	size_t samples = 0, families = 0;

	fixture_init(&f);
	text = render(&f.m);
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7)) {
			name_of(line + 7, helped, sizeof(helped));
			ck_assert_msg(strncmp(helped, "vigil_", 6) == 0, "%s", line);
			families++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			name_of(line + 7, typed, sizeof(typed));
			/* TYPE right after the HELP of the same family */
			ck_assert_str_eq(typed, helped);
			ck_assert_msg(strstr(line, " counter") || strstr(line, " gauge"), "%s",
				      line);
			if (strstr(line, " counter"))
				ck_assert_msg(strstr(typed, "_total"), "counter %s", typed);
			continue;
		}
		ck_assert_msg(line[0] != '#', "unexpected comment: %s", line);
		ck_assert_msg(sample_ok(line, name, sizeof(name)), "bad sample: %s", line);
		/* samples of a family come after its HELP and TYPE, together */
		ck_assert_msg(!strcmp(name, typed), "%s outside its family %s", line, typed);
		samples++;
	}
	ck_assert_uint_ge(families, 25);
	ck_assert_uint_ge(samples, 90);
	free(text);
	fixture_free(&f);
}
END_TEST

START_TEST(without_agent_state_families_stay)
{
	struct metrics_snapshot m = { .version = "0.1.0" };
	char *text = render(&m);

	/* not watching: the BPF families are described, without samples */
	ck_assert_ptr_nonnull(strstr(text, "# TYPE vigil_ringbuf_drops_total counter\n"));
	ck_assert_ptr_null(strstr(text, "\nvigil_ringbuf_drops_total "));
	ck_assert_ptr_nonnull(strstr(text, "\nvigil_watching 0\n"));
	ck_assert_ptr_null(strstr(text, "\nvigil_reconcile_duration_seconds "));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE vigil_destination_state gauge\n"));
	free(text);
}
END_TEST

/* Prometheus' and Alertmanager's names, so that their alerting rules fit vigild's. */
START_TEST(the_last_reload_says_whether_it_was_taken_and_when)
{
	struct metrics_snapshot m = { .version = "0.1.0",
				      .reload_ok = true,
				      .reload_ok_real_ns = 1795447497123000000ll };
	char *text = render(&m);

	ck_assert_ptr_nonnull(strstr(text, "# TYPE vigil_config_last_reload_successful gauge\n"
					   "vigil_config_last_reload_successful 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "# TYPE vigil_config_last_reload_success_timestamp_seconds gauge\n"
			 "vigil_config_last_reload_success_timestamp_seconds 1795447497.123\n"));
	free(text);
	/* rejected: 0, and the time of the last one taken stays */
	m.reload_ok = false;
	text = render(&m);
	ck_assert_ptr_nonnull(strstr(text, "\nvigil_config_last_reload_successful 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nvigil_config_last_reload_success_timestamp_seconds 1795447497.123\n"));
	free(text);
}
END_TEST

/*
 * The server, on loopback: a client socket on the same loop sends a request
 * and reads until the server closes (HTTP/1.0, no keep-alive).
 */
struct client {
	char buf[16384];
	size_t len;
};

static int on_client(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct client *c = data;
	ssize_t n;

	while ((n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len)) > 0)
		c->len += n;
	c->buf[c->len] = '\0';
	if (n == 0 || c->len == sizeof(c->buf) - 1)
		loop_exit(loop, 0);
	else if (errno != EAGAIN)
		loop_exit(loop, -errno);
	return 0;
}

static int on_deadline(struct loop *loop, void *data)
{
	loop_exit(loop, -ETIMEDOUT);
	return 0;
}

static void fetch(struct loop *loop, uint16_t port, const char *request, struct client *c)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct loop_source *io = NULL, *deadline = NULL;
	int fd;

	memset(c, 0, sizeof(*c));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	/* the listener's backlog completes the connection before MHD accepts it */
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ck_assert_int_eq(loop_add_io(loop, fd, EPOLLIN, on_client, c, &io), 0);
	ck_assert_int_eq(loop_add_timer(loop, MS(5000), on_deadline, NULL, &deadline), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	loop_remove(loop, io);
	loop_remove(loop, deadline);
	close(fd);
}

static int fake_render(void *data, char **ret_text, size_t *ret_len)
{
	int *calls = data;

	(*calls)++;
	*ret_text = strdup("vigil_up 1\n");
	*ret_len = strlen(*ret_text);
	return *ret_text ? 0 : -ENOMEM;
}

static const char *body_of(const char *response)
{
	const char *p = strstr(response, "\r\n\r\n");

	return p ? p + 4 : "";
}

START_TEST(server_answers_on_the_loop)
{
	struct config_addr addr = { .family = AF_INET };
	struct metrics *m = NULL, *m2 = NULL;
	struct loop *loop = loop_new();
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct config_addr taken;
	struct client c;
	int calls = 0, idle;

	ck_assert_ptr_nonnull(loop);
	inet_pton(AF_INET, "127.0.0.1", addr.addr);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ck_assert_int_eq(metrics_open(loop, &addr, fake_render, &calls, &m), 0);
	ck_assert_uint_ne(metrics_address(m)->port, 0);

	fetch(loop, metrics_address(m)->port, "GET /metrics HTTP/1.0\r\n\r\n", &c);
	ck_assert_msg(strstr(c.buf, " 200 OK\r\n"), "%s", c.buf);
	ck_assert_msg(strstr(c.buf, "\r\nContent-Type: " METRICS_CONTENT_TYPE "\r\n"), "%s", c.buf);
	ck_assert_str_eq(body_of(c.buf), "vigil_up 1\n");
	ck_assert_int_eq(calls, 1);

	/* HEAD: the headers alone */
	fetch(loop, metrics_address(m)->port, "HEAD /metrics HTTP/1.0\r\n\r\n", &c);
	ck_assert_msg(strstr(c.buf, " 200 OK\r\n"), "%s", c.buf);
	ck_assert_str_eq(body_of(c.buf), "");

	fetch(loop, metrics_address(m)->port, "GET / HTTP/1.0\r\n\r\n", &c);
	ck_assert_msg(strstr(c.buf, " 404 "), "%s", c.buf);
	fetch(loop, metrics_address(m)->port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
	      &c);
	ck_assert_msg(strstr(c.buf, " 405 "), "%s", c.buf);
	ck_assert_msg(strstr(c.buf, "\r\nAllow: GET, HEAD\r\n"), "%s", c.buf);
	ck_assert_int_eq(calls, 2);

	/* a client that connects and says nothing holds up no one: one thread, no blocking */
	idle = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(idle, 0);
	sin.sin_port = htons(metrics_address(m)->port);
	ck_assert_int_eq(connect(idle, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fetch(loop, metrics_address(m)->port,
	      "GET /metrics HTTP/1.1\r\nHost: x\r\n"
	      "Connection: close\r\n\r\n",
	      &c);
	ck_assert_msg(strstr(c.buf, "HTTP/1.1 200 OK\r\n"), "%s", c.buf);
	ck_assert_str_eq(body_of(c.buf), "vigil_up 1\n");
	close(idle);

	/* the port is taken: the error says so, for vigild to log */
	taken = *metrics_address(m);
	ck_assert_int_eq(metrics_open(loop, &taken, fake_render, &calls, &m2), -EADDRINUSE);
	ck_assert_ptr_null(m2);

	/* closed: nobody listens there any more */
	metrics_close(m);
	ck_assert_int_eq(metrics_open(loop, &taken, fake_render, &calls, &m2), 0);
	metrics_close(m2);
	loop_free(loop);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render"), *server = tcase_create("server");

	tcase_add_test(tc, golden_exposition);
	tcase_add_test(tc, label_values_are_escaped);
	tcase_add_test(tc, every_line_parses_and_every_family_is_described);
	tcase_add_test(tc, without_agent_state_families_stay);
	tcase_add_test(tc, the_last_reload_says_whether_it_was_taken_and_when);
	suite_add_tcase(s, tc);
	tcase_add_test(server, server_answers_on_the_loop);
	suite_add_tcase(s, server);
	return check_main(s, CK_NORMAL);
}
