// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "dnsmsg.h"

START_TEST(query_for_a_name)
{
	static const uint8_t want[] = {
		0xbe, 0xef, 0x00, 0x00, /* ID, flags: query, opcode 0, RD clear */
		0x00, 0x01, 0x00, 0x00, /* QDCOUNT 1, ANCOUNT 0 */
		0x00, 0x00, 0x00, 0x00, /* NSCOUNT, ARCOUNT */
		7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  3,
		'c',  'o',  'm',  0,    0x00, 0x06, 0x00, 0x01, /* SOA, IN */
	};
	uint8_t buf[DNSMSG_QUERY_MAX];

	ck_assert_int_eq(dnsmsg_query(0xbeef, "example.com", buf, sizeof(buf)), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
	/* the final dot changes nothing */
	ck_assert_int_eq(dnsmsg_query(0xbeef, "example.com.", buf, sizeof(buf)), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(query_for_the_root)
{
	static const uint8_t want[] = {
		0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x01,
	};
	uint8_t buf[DNSMSG_QUERY_MAX];

	ck_assert_int_eq(dnsmsg_query(7, ".", buf, sizeof(buf)), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
	/* too small a buffer by one byte */
	ck_assert_int_eq(dnsmsg_query(7, ".", buf, sizeof(want) - 1), -ENOSPC);
}
END_TEST

START_TEST(bad_names)
{
	char label[80], name[400];
	uint8_t buf[DNSMSG_QUERY_MAX];

	ck_assert_int_eq(dnsmsg_query(1, "", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(dnsmsg_query(1, "a..b", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(dnsmsg_query(1, ".a", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(dnsmsg_query(1, "a..", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(dnsmsg_query(1, "..", buf, sizeof(buf)), -EINVAL);

	memset(label, 'a', 64);
	label[64] = '\0';
	ck_assert_int_eq(dnsmsg_query(1, label, buf, sizeof(buf)), -EINVAL);
	label[63] = '\0';
	ck_assert_int_eq(dnsmsg_query(1, label, buf, sizeof(buf)), DNSMSG_HEADER_SIZE + 65 + 4);

	/* 253 characters: 255 bytes on the wire, the most there may be */
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label, label);
	ck_assert_int_eq(dnsmsg_query(1, name, buf, sizeof(buf)), DNSMSG_QUERY_MAX);
	ck_assert_int_eq(buf[DNSMSG_HEADER_SIZE + DNSMSG_NAME_MAX - 1], 0);
	snprintf(name, sizeof(name), "b.%s.%s.%s.%.61s", label, label, label, label);
	ck_assert_int_eq(dnsmsg_query(1, name, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* A response header: ID, flags, QDCOUNT. */
static void header(uint8_t *m, uint16_t id, uint16_t flags, uint16_t qdcount)
{
	memset(m, 0, DNSMSG_HEADER_SIZE);
	m[0] = id >> 8;
	m[1] = id & 0xff;
	m[2] = flags >> 8;
	m[3] = flags & 0xff;
	m[4] = qdcount >> 8;
	m[5] = qdcount & 0xff;
}

START_TEST(any_rcode_passes)
{
	uint8_t m[64];

	header(m, 0x1234, 0x8180, 1); /* QR, RD, RA, NOERROR */
	ck_assert_int_eq(dnsmsg_check_response(m, sizeof(m), 0x1234), 0);
	header(m, 0x1234, 0x8403, 1); /* QR, AA, NXDOMAIN */
	ck_assert_int_eq(dnsmsg_check_response(m, DNSMSG_HEADER_SIZE, 0x1234), 3);
	header(m, 0x1234, 0x8005, 0); /* REFUSED, without the question (some servers) */
	ck_assert_int_eq(dnsmsg_check_response(m, DNSMSG_HEADER_SIZE, 0x1234), 5);
	header(m, 0x1234, 0x8202, 1); /* truncated SERVFAIL: live all the same */
	ck_assert_int_eq(dnsmsg_check_response(m, DNSMSG_HEADER_SIZE, 0x1234), 2);
}
END_TEST

START_TEST(not_a_response)
{
	uint8_t m[64];

	header(m, 0x1234, 0x8180, 1);
	ck_assert_int_eq(dnsmsg_check_response(m, DNSMSG_HEADER_SIZE - 1, 0x1234), -EBADMSG);
	ck_assert_int_eq(dnsmsg_check_response(m, 0, 0x1234), -EBADMSG);
	/* another query's answer: not ours, wait on */
	ck_assert_int_eq(dnsmsg_check_response(m, sizeof(m), 0x1235), -ESRCH);
	/* our own query echoed back (QR clear) */
	header(m, 0x1234, 0x0000, 1);
	ck_assert_int_eq(dnsmsg_check_response(m, sizeof(m), 0x1234), -EBADMSG);
	/* opcode STATUS (2) */
	header(m, 0x1234, 0x8000 | 2 << 11, 1);
	ck_assert_int_eq(dnsmsg_check_response(m, sizeof(m), 0x1234), -EBADMSG);
	/* two questions to our one */
	header(m, 0x1234, 0x8180, 2);
	ck_assert_int_eq(dnsmsg_check_response(m, sizeof(m), 0x1234), -EBADMSG);
}
END_TEST

/* The query built here is itself no response: QR clear. */
START_TEST(query_is_not_its_own_answer)
{
	uint8_t buf[DNSMSG_QUERY_MAX];
	int n = dnsmsg_query(42, "example.org", buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(dnsmsg_check_response(buf, (size_t)n, 42), -EBADMSG);
	buf[2] |= 0x80;
	ck_assert_int_eq(dnsmsg_check_response(buf, (size_t)n, 42), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dnsmsg");
	TCase *tc = tcase_create("dnsmsg");

	tcase_add_test(tc, query_for_a_name);
	tcase_add_test(tc, query_for_the_root);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, any_rcode_passes);
	tcase_add_test(tc, not_a_response);
	tcase_add_test(tc, query_is_not_its_own_answer);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
