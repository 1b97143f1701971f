// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "complete.h"
#include "config.h"
#include "render.h"

#include "fixture_render.h"

static char why[256];

/* What `vigilctl complete WHAT [ARG]` prints for LIST; a string to free. */
static char *words(struct json_object *list, const char *what, const char *arg)
{
	struct complete_query q;
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(f);
	ck_assert_msg(complete_query_parse(what, arg, &q, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(complete_print(f, list, &q), 0);
	fclose(f);
	return text;
}

#define ck_assert_words(list, what, arg, expected)                                                 \
	do {                                                                                       \
		char *got_ = words((list), (what), (arg));                                         \
		ck_assert_str_eq(got_, (expected));                                                \
		free(got_);                                                                        \
	} while (0)

START_TEST(queries)
{
	struct complete_query q;

	ck_assert_int_eq(complete_query_parse("services", NULL, &q, why, sizeof(why)), 0);
	ck_assert_int_eq(q.what, COMPLETE_SERVICES);
	ck_assert_int_eq(complete_query_parse("dests", "web", &q, why, sizeof(why)), 0);
	ck_assert_int_eq(q.what, COMPLETE_DESTS);
	ck_assert_str_eq(q.service, "web");
	ck_assert_int_eq(complete_query_parse("vips", "sctp", &q, why, sizeof(why)), 0);
	ck_assert_int_eq(q.what, COMPLETE_VIPS);
	ck_assert_int_eq(q.protocol, IPPROTO_SCTP);
	ck_assert_int_eq(complete_query_parse("fwmarks", NULL, &q, why, sizeof(why)), 0);
	ck_assert_int_eq(q.what, COMPLETE_FWMARKS);

	ck_assert_int_eq(complete_query_parse("dests", NULL, &q, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "complete dests needs a SERVICE");
	ck_assert_int_eq(complete_query_parse("vips", NULL, &q, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "complete vips needs tcp, udp or sctp");
	ck_assert_int_eq(complete_query_parse("vips", "fwmark", &q, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(complete_query_parse("services", "web", &q, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "complete services takes no argument");
	ck_assert_int_eq(complete_query_parse("names", NULL, &q, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "cannot complete 'names' (services, dests, vips or fwmarks)");
}
END_TEST

/*
 * The agent's reply: web's own destinations, not the two someone else added
 * (quarantine would refuse them); a service vigild does not keep has no name
 * to offer, but its VIP is one -t takes.
 */
START_TEST(from_the_agents_list)
{
	struct ipvs_table *t = kernel_table();
	struct config_addr a[2] = {
		{ .family = AF_INET, .port = 8080 },
		{ .family = AF_INET, .port = 8080 },
	};
	struct render_dest d[2] = {
		{ .addr = &a[0], .kernel = &t->services[0].dests[0], .state = "healthy" },
		{ .addr = &a[1], .state = "quarantined", .manual = true },
	};
	struct render_service s = { .name = "web",
				    .key = &t->services[0].svc,
				    .kernel = &t->services[0],
				    .dests = d,
				    .n_dests = 2 };
	struct json_object *o;

	inet_pton(AF_INET, "10.100.1.2", a[0].addr);
	inet_pton(AF_INET, "10.100.2.2", a[1].addr);
	o = render_list(true, &s, 1, t, NULL, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_words(o, "services", NULL, "web\n");
	ck_assert_words(o, "dests", "web", "10.100.1.2:8080\n10.100.2.2:8080\n");
	ck_assert_words(o, "dests", "10.96.0.1:80", "10.100.1.2:8080\n10.100.2.2:8080\n");
	ck_assert_words(o, "dests", "tcp/10.96.0.1:80", "10.100.1.2:8080\n10.100.2.2:8080\n");
	ck_assert_words(o, "dests", "udp/10.96.0.1:80", "");
	ck_assert_words(o, "dests", "10.0.0.9:443", "");
	ck_assert_words(o, "dests", "nosuch", "");
	ck_assert_words(o, "vips", "tcp", "10.0.0.9:443\n10.96.0.1:80\n");
	ck_assert_words(o, "vips", "udp", "");
	ck_assert_words(o, "fwmarks", NULL, "256\n");
	json_object_put(o);
}
END_TEST

/* The kernel's table alone (no agent, no names): what -t, -u, --sctp-service and -f take. */
START_TEST(vips_and_marks_of_every_kind)
{
	struct json_object *o = render_list(false, NULL, 0, ipvsadm_table(), NULL, NULL);

	ck_assert_ptr_nonnull(o);
	ck_assert_words(o, "services", NULL, "");
	ck_assert_words(o, "dests", "10.0.0.1:53", "");
	ck_assert_words(o, "vips", "tcp",
			"10.0.0.1:80\n100.64.0.10:443\n192.168.0.1:80\n[fd00::10]:443\n");
	ck_assert_words(o, "vips", "udp", "10.0.0.1:53\n");
	ck_assert_words(o, "vips", "sctp", "10.0.0.9:9\n");
	ck_assert_words(o, "fwmarks", NULL, "256\n3000000000\n");
	json_object_put(o);
}
END_TEST

static struct config *parse(const char *text)
{
	struct config_error err;
	struct config *c = NULL;
	char msg[1024];

	if (config_parse(text, strlen(text), "test.yaml", &c, &err) < 0) {
		config_error_format(&err, msg, sizeof(msg));
		ck_abort_msg("%s", msg);
	}
	return c;
}

/*
 * Without the agent, the file: a VIP tcp and udp share picks both unless
 * written tcp/ or udp/, as quarantine takes it; a mark of both families is
 * offered once.
 */
START_TEST(from_the_config_file)
{
	struct config *c = parse("services:\n"
				 "  - name: web\n"
				 "    vip: 10.96.0.1:80\n"
				 "    destinations: [10.100.1.2:8080, 10.100.2.2:8080]\n"
				 "  - name: web-udp\n"
				 "    vip: 10.96.0.1:80\n"
				 "    protocol: udp\n"
				 "    destinations: [10.100.3.2:8080]\n"
				 "  - name: dns6\n"
				 "    vip: \"[fd00::53]:53\"\n"
				 "    protocol: udp\n"
				 "    destinations: [\"[fd00::1:10]:53\", \"[fd00::1:11]:53\"]\n"
				 "  - name: marked\n"
				 "    fwmark: 10\n"
				 "    destinations: [10.100.4.2:443]\n"
				 "  - name: marked6\n"
				 "    fwmark: 10\n"
				 "    destinations: [\"[fd00::4:2]:443\"]\n");
	struct json_object *o = complete_config_list(c);

	ck_assert_ptr_nonnull(o);
	ck_assert_words(o, "services", NULL, "dns6\nmarked\nmarked6\nweb\nweb-udp\n");
	ck_assert_words(o, "dests", "web", "10.100.1.2:8080\n10.100.2.2:8080\n");
	ck_assert_words(o, "dests", "dns6", "[fd00::1:10]:53\n[fd00::1:11]:53\n");
	ck_assert_words(o, "dests", "[fd00::53]:53", "[fd00::1:10]:53\n[fd00::1:11]:53\n");
	ck_assert_words(o, "dests", "10.96.0.1:80",
			"10.100.1.2:8080\n10.100.2.2:8080\n10.100.3.2:8080\n");
	ck_assert_words(o, "dests", "udp/10.96.0.1:80", "10.100.3.2:8080\n");
	ck_assert_words(o, "dests", "marked6", "[fd00::4:2]:443\n");
	ck_assert_words(o, "vips", "tcp", "10.96.0.1:80\n");
	ck_assert_words(o, "vips", "udp", "10.96.0.1:80\n[fd00::53]:53\n");
	ck_assert_words(o, "vips", "sctp", "");
	ck_assert_words(o, "fwmarks", NULL, "10\n");
	json_object_put(o);
	config_free(c);

	c = parse("services: []\n");
	o = complete_config_list(c);
	ck_assert_words(o, "services", NULL, "");
	json_object_put(o);
	config_free(c);
}
END_TEST

/*
 * A reply from an agent newer or stranger than this vigilctl: a word no line
 * can hold is left out, fields of the wrong type are skipped, and the rest
 * still comes.
 */
START_TEST(odd_replies)
{
	struct json_object *o = json_tokener_parse(
	    "{\"ok\":true,\"services\":["
	    "{\"name\":\"two\\nlines\",\"protocol\":\"tcp\",\"vip\":\"10.0.0.1:80\","
	    " \"destinations\":[{\"address\":\"10.1.0.1:80\\n\",\"managed\":true},"
	    "                   {\"address\":\"10.1.0.2:80\",\"managed\":true}]},"
	    "{\"name\":7,\"protocol\":\"tcp\",\"vip\":7},"
	    "{\"name\":\"it's $(odd) *\",\"protocol\":\"udp\",\"vip\":\"10.0.0.2:53\","
	    " \"destinations\":[{\"address\":\"10.1.0.3:53\"}]}]}");

	ck_assert_ptr_nonnull(o);
	ck_assert_words(o, "services", NULL, "it's $(odd) *\n");
	ck_assert_words(o, "dests", "10.0.0.1:80", "10.1.0.2:80\n");
	/* not said to be vigil's: not one quarantine takes */
	ck_assert_words(o, "dests", "it's $(odd) *", "");
	ck_assert_words(o, "vips", "tcp", "10.0.0.1:80\n");
	json_object_put(o);

	o = json_tokener_parse("{\"ok\":true}");
	ck_assert_words(o, "services", NULL, "");
	json_object_put(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("complete");
	TCase *tc = tcase_create("complete");

	tcase_add_test(tc, queries);
	tcase_add_test(tc, from_the_agents_list);
	tcase_add_test(tc, vips_and_marks_of_every_kind);
	tcase_add_test(tc, from_the_config_file);
	tcase_add_test(tc, odd_replies);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
