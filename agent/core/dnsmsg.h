/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DNS messages of the dns probe (RFC 1035 section 4): the query vigild
 * sends to a resolver straight at its real address, and the judgement of
 * what comes back. Pure: bytes in, bytes out, no I/O.
 *
 * The probe asks whether a server answers DNS, not whether it knows the
 * name: every well-formed response to the query passes, whatever its RCODE
 * (NXDOMAIN, REFUSED and SERVFAIL come from a live server too).
 */
#ifndef VIGIL_CORE_DNSMSG_H
#define VIGIL_CORE_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define DNSMSG_HEADER_SIZE 12
#define DNSMSG_NAME_MAX    255 /* on the wire, with the length bytes and the root's 0 */
/* A query: header, name, QTYPE and QCLASS. */
#define DNSMSG_QUERY_MAX   (DNSMSG_HEADER_SIZE + DNSMSG_NAME_MAX + 4)

#define DNSMSG_TYPE_SOA 6 /* every zone has one: a fair question for any server */
#define DNSMSG_CLASS_IN 1

/*
 * Writes into BUF a standard query with ID for NAME's SOA in class IN,
 * recursion not desired (an authoritative server answers too, and a
 * recursive one need not go out to answer). NAME is "." for the root or
 * labels of 1..63 bytes joined by dots, the final dot optional. Returns the
 * length, -EINVAL for a bad name or -ENOSPC if SIZE is too small
 * (DNSMSG_QUERY_MAX always suffices).
 */
int dnsmsg_query(uint16_t id, const char *name, uint8_t *buf, size_t size);

/*
 * Whether MSG (LEN bytes) is a well-formed response to the query with ID: a
 * full header, QR set, opcode QUERY (0), and at most one question. Returns
 * its RCODE (0..15, any of which passes), -EBADMSG for something else, or
 * -ESRCH for a response with another ID (not to this query: wait on).
 */
int dnsmsg_check_response(const uint8_t *msg, size_t len, uint16_t id);

#endif
