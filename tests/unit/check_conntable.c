// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "conntable.h"

/*
 * Lines as the kernel's ip_vs_conn_seq_show() prints them:
 * "%-3s %08X %04X %08X %04X %s %04X %-11s %7u%s\n", the IPv6 addresses as %pI6.
 */
#define HEADER "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
#define TCP4   "TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED     898\n"
#define UDP4   "UDP 0A000005 D431 0A600001 0035 0A640202 0035 UDP             298\n"
/* a fwmark service's persistence template: protocol 0, the mark (256) as its address */
#define FWM4   "IP  0A000005 0000 00000100 0000 0AFF0005 0000 NONE            358\n"
#define TCP6                                                                                       \
	"TCP fd00:0000:0000:0000:0000:0000:0000:0005 C350 "                                        \
	"fd00:0000:0000:0000:0000:0000:0000:0053 "                                                 \
	"0035 fd00:0000:0000:0000:0000:0000:0001:0002 0035 SYN_RECV         59\n"
/* IPv4 tunnelled to an IPv6 destination (the destination's family is its own) */
#define MIXED                                                                                      \
	"TCP 0A000005 B170 0A600001 0050 fd00:0000:0000:0000:0000:0000:0000:0002 0050 CLOSE_WAIT " \
	"9\n"
#define SIP                                                                                        \
	"UDP 0A000005 13C4 0A600002 13C4 0A640102 13C4 UDP             180 sip 1234@client.lab\n"

#define MAX_CONNS 16

struct seen {
	struct conntable_conn c[MAX_CONNS];
	size_t n;
	int stop_at; /* the callback fails on this one (1-based); 0: never */
};

static int collect(const struct conntable_conn *c, void *data)
{
	struct seen *s = data;

	ck_assert_uint_lt(s->n, MAX_CONNS);
	s->c[s->n++] = *c;
	return s->stop_at && (int)s->n == s->stop_at ? -ECANCELED : 0;
}

static char why[512];

static int parse(const char *text, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	why[0] = '\0';
	return conntable_parse(text, strlen(text), collect, s, why, sizeof(why));
}

static void assert_addr(const struct config_addr *a, int family, const char *addr, uint16_t port)
{
	uint8_t want[16] = { 0 };

	ck_assert_int_eq(a->family, family);
	ck_assert_int_eq(inet_pton(family, addr, want), 1);
	ck_assert_mem_eq(a->addr, want, 16);
	ck_assert_uint_eq(a->port, port);
}

START_TEST(ipv4_connections)
{
	struct seen s;

	ck_assert_int_eq(parse(HEADER TCP4 UDP4 FWM4, &s), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.c[0].protocol, "TCP");
	assert_addr(&s.c[0].client, AF_INET, "10.0.0.5", 0xB16E);
	assert_addr(&s.c[0].virt, AF_INET, "10.96.0.1", 80);
	assert_addr(&s.c[0].dest, AF_INET, "10.100.1.2", 8080);
	ck_assert_str_eq(s.c[0].state, "ESTABLISHED");
	ck_assert_uint_eq(s.c[0].expires, 898);
	ck_assert_str_eq(s.c[0].pe_name, "");
	ck_assert_uint_eq(conntable_fwmark(&s.c[0]), 0);
	ck_assert_str_eq(s.c[1].protocol, "UDP");
	ck_assert_str_eq(s.c[1].state, "UDP");
	assert_addr(&s.c[1].dest, AF_INET, "10.100.2.2", 53);
	/* the template names its mark where a connection names its VIP */
	ck_assert_str_eq(s.c[2].protocol, "IP");
	ck_assert_str_eq(s.c[2].state, "NONE");
	ck_assert_uint_eq(conntable_fwmark(&s.c[2]), 256);
	assert_addr(&s.c[2].client, AF_INET, "10.0.0.5", 0);
}
END_TEST

START_TEST(ipv6_and_mixed_families)
{
	struct seen s;

	ck_assert_int_eq(parse(HEADER TCP6 MIXED, &s), 0);
	ck_assert_uint_eq(s.n, 2);
	assert_addr(&s.c[0].client, AF_INET6, "fd00::5", 50000);
	assert_addr(&s.c[0].virt, AF_INET6, "fd00::53", 53);
	assert_addr(&s.c[0].dest, AF_INET6, "fd00::1:2", 53);
	ck_assert_str_eq(s.c[0].state, "SYN_RECV");
	ck_assert_uint_eq(s.c[0].expires, 59);
	assert_addr(&s.c[1].client, AF_INET, "10.0.0.5", 0xB170);
	assert_addr(&s.c[1].dest, AF_INET6, "fd00::2", 80);
	ck_assert_str_eq(s.c[1].state, "CLOSE_WAIT");
}
END_TEST

START_TEST(persistence_engine_kept)
{
	struct seen s;

	ck_assert_int_eq(parse(HEADER SIP, &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.c[0].pe_name, "sip");
	ck_assert_str_eq(s.c[0].pe_data, "1234@client.lab");
	ck_assert_uint_eq(s.c[0].expires, 180);
	/* an engine without data, as the kernel prints it */
	ck_assert_int_eq(
	    parse(HEADER "UDP 0A000005 13C4 0A600002 13C4 0A640102 13C4 UDP 180 sip \n", &s), 0);
	ck_assert_str_eq(s.c[0].pe_name, "sip");
	ck_assert_str_eq(s.c[0].pe_data, "");
}
END_TEST

/* The header alone is an empty table; nothing at all is not the kernel's file. */
START_TEST(empty_table)
{
	struct seen s;

	ck_assert_int_eq(parse(HEADER, &s), 0);
	ck_assert_uint_eq(s.n, 0);
	/* an older kernel's header, without the engine's columns, and no newline at the end */
	ck_assert_int_eq(
	    parse("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires", &s), 0);
	ck_assert_int_eq(parse("", &s), -EINVAL);
	ck_assert_str_eq(why, "empty: not even the header line");
}
END_TEST

/* Each malformed line is refused, with its number and what is wrong with it. */
START_TEST(malformed_lines_rejected)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "FromIP FPrt\n",
		  "line 1: \"FromIP FPrt\" is not the header of /proc/net/ip_vs_conn "
		  "(\"Pro FromIP ...\")" },
		{ HEADER "TCP 0A000005 B16E 0A600001 0050\n",
		  "line 2: 5 fields where a connection has 9 (protocol, client address and port, "
		  "virtual address and port, destination address and port, state, expiry)" },
		{ HEADER TCP4 "\n", "line 3: 0 fields where a connection has 9 (protocol, client "
				    "address and port, virtual address and port, destination "
				    "address and port, state, expiry)" },
		{ HEADER "T-P 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED 898\n",
		  "line 2: the protocol \"T-P\" is not a protocol's name" },
		{ HEADER "TCP 0A00005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED 898\n",
		  "line 2: the client address \"0A00005\" is neither 8 hex digits (IPv4) nor an "
		  "IPv6 address" },
		{ HEADER "TCP 10.0.0.5 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED 898\n",
		  "line 2: the client address \"10.0.0.5\" is neither 8 hex digits (IPv4) nor an "
		  "IPv6 address" },
		{ HEADER "TCP 0A000005 B16 0A600001 0050 0A640102 1F90 ESTABLISHED 898\n",
		  "line 2: the client port \"B16\" is not 4 hex digits" },
		{ HEADER "TCP 0A000005 B16E 0A600001 00G0 0A640102 1F90 ESTABLISHED 898\n",
		  "line 2: the virtual port \"00G0\" is not 4 hex digits" },
		{ HEADER "TCP 0A000005 B16E 0A600001 0050 fd00::zz 1F90 ESTABLISHED 898\n",
		  "line 2: the destination address \"fd00::zz\" is neither 8 hex digits (IPv4) nor "
		  "an IPv6 address" },
		{ HEADER "TCP 0A000005 B16E fd00:0000:0000:0000:0000:0000:0000:0053 0050 0A640102 "
			 "1F90 ESTABLISHED 898\n",
		  "line 2: the client address is IPv4 and the virtual one IPv6" },
		{ HEADER "TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED\x01 898\n",
		  "line 2: the state \"ESTABLISHED?\" is not a state's name" },
		{ HEADER "TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED 4294967296\n",
		  "line 2: the expiry \"4294967296\" is not a number of seconds up to 4294967295" },
		{ HEADER "TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 ESTABLISHED -1\n",
		  "line 2: the expiry \"-1\" is not a number of seconds up to 4294967295" },
		{ HEADER "UDP 0A000005 13C4 0A600002 13C4 0A640102 13C4 UDP 180 "
			 "a-persistence-engine-name data\n",
		  "line 2: the persistence engine \"a-persistence-engine-name\" is not a name of "
		  "up to 16 characters" },
		{ HEADER "UDP 0A000005 13C4 0A600002 13C4 0A640102 13C4 UDP 180 sip call\tid\n",
		  "line 2: the persistence engine's data \"call?id\" is not up to 255 printable "
		  "characters" },
		/* a long field is quoted in part */
		{ HEADER "TCP 0A000005 B16E 0A600001 0050 0A640102 1F90 "
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ 898\n",
		  "line 2: the state \"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF...\" is not a state's "
		  "name" },
	};
	struct seen s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(parse(cases[i].text, &s) == -EINVAL, "case %zu parsed", i);
		ck_assert_str_eq(why, cases[i].why);
	}
}
END_TEST

/* A line the kernel could not print is refused before it grows past the reader's buffer. */
START_TEST(long_line_rejected)
{
	char text[sizeof(HEADER) + CONNTABLE_LINE_MAX + 8];
	struct seen s;

	strcpy(text, HEADER);
	memset(text + strlen(HEADER), 'x', CONNTABLE_LINE_MAX + 1);
	strcpy(text + strlen(HEADER) + CONNTABLE_LINE_MAX + 1, "\n");
	ck_assert_int_eq(parse(text, &s), -EINVAL);
	ck_assert_str_eq(why, "line 2: longer than 1024 bytes");
}
END_TEST

/* The file read in pieces of any size gives what it gives whole. */
START_TEST(pieces_as_whole)
{
	static const char text[] = HEADER TCP4 TCP6 FWM4 SIP MIXED;
	struct conntable_reader r;
	struct seen whole, pieces;
	size_t size, off;

	ck_assert_int_eq(parse(text, &whole), 0);
	ck_assert_uint_eq(whole.n, 5);
	for (size = 1; size < 100; size += 7) {
		memset(&pieces, 0, sizeof(pieces));
		conntable_reader_init(&r);
		for (off = 0; off < strlen(text); off += size) {
			size_t n = strlen(text) - off < size ? strlen(text) - off : size;

			ck_assert_int_eq(
			    conntable_feed(&r, text + off, n, collect, &pieces, why, sizeof(why)),
			    0);
		}
		ck_assert_int_eq(conntable_finish(&r, collect, &pieces, why, sizeof(why)), 0);
		ck_assert_uint_eq(pieces.n, whole.n);
		ck_assert_mem_eq(pieces.c, whole.c, whole.n * sizeof(whole.c[0]));
	}
}
END_TEST

/* What the callback returns stops the reading. */
START_TEST(callback_stops)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	ck_assert_int_eq(conntable_parse(HEADER TCP4 UDP4 FWM4, strlen(HEADER TCP4 UDP4 FWM4),
					 collect, &s, why, sizeof(why)),
			 -ECANCELED);
	ck_assert_uint_eq(s.n, 2);
}
END_TEST

static Suite *conntable_suite(void)
{
	Suite *s = suite_create("conntable");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, ipv4_connections);
	tcase_add_test(tc, ipv6_and_mixed_families);
	tcase_add_test(tc, persistence_engine_kept);
	tcase_add_test(tc, empty_table);
	tcase_add_test(tc, malformed_lines_rejected);
	tcase_add_test(tc, long_line_rejected);
	tcase_add_test(tc, pieces_as_whole);
	tcase_add_test(tc, callback_stops);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(conntable_suite(), CK_NORMAL);
}
