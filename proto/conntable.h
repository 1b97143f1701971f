/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IPVS's connection table as /proc/net/ip_vs_conn prints it (the kernel's
 * ip_vs_conn_seq_show()), one connection a line after a header:
 *
 *   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
 *   TCP 0A000005 B16E 0A60000A 0050 0A640102 1F90 ESTABLISHED     898
 *   TCP fd00:0000:...:0005 B16E fd00:...:000a 0050 fd00:...:0002 1F90 SYN_RECV 58
 *
 * IPv4 addresses as 8 hex digits, IPv6 ones in full (%pI6), ports as 4 hex
 * digits, and a persistence engine's name and data after the expiry when the
 * connection has them. There is no ip_vs_conn6: both families share the file,
 * and the destination's family may differ from the client's (IPVS tunnels
 * IPv4 to an IPv6 destination and back).
 *
 * Pure: text in, connections out through a callback, nothing allocated; the
 * caller reads the file. A reader takes the text in pieces of any size, so
 * that a table of any length is parsed in the memory of one line.
 */
#ifndef VIGIL_PROTO_CONNTABLE_H
#define VIGIL_PROTO_CONNTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * The kernel's longest line is about 430 bytes: three IPv6 addresses in full,
 * a persistence engine's name (16) and data (255). A longer one is refused.
 */
#define CONNTABLE_LINE_MAX 1024

struct conntable_conn {
	/* "TCP", "UDP", "SCTP"; "IP" for a fwmark service's persistence template, whose
	 * virtual address is the mark (see conntable_fwmark()) */
	char protocol[16];
	/* the client's and virtual addresses share a family; the destination has its own */
	struct config_addr client, virt, dest;
	char state[24];    /* "ESTABLISHED", "UDP", "NONE" (a template), "ERR!" */
	uint32_t expires;  /* seconds until IPVS forgets it */
	char pe_name[17];  /* the persistence engine ("sip"); "" for none */
	char pe_data[256]; /* what it persists on (a SIP Call-ID) */
};

/* One connection; 0 to go on, negative to stop (the reader returns it). */
typedef int (*conntable_fn)(const struct conntable_conn *c, void *data);

/* Whether LINE (LEN bytes, no newline) is the table's header; -EINVAL with the reason. */
int conntable_header(const char *line, size_t len, char *why, size_t why_size);

/* One line (LEN bytes, no newline) into *RET; -EINVAL with the reason in WHY. */
int conntable_parse_line(const char *line, size_t len, struct conntable_conn *ret, char *why,
			 size_t why_size);

/* A persistence template's firewall mark (protocol "IP"); 0 for any other connection. */
uint32_t conntable_fwmark(const struct conntable_conn *c);

struct conntable_reader {
	unsigned int line; /* lines taken so far, the header's included */
	size_t len;        /* bytes of the line begun in buf */
	char buf[CONNTABLE_LINE_MAX];
};

void conntable_reader_init(struct conntable_reader *r);

/*
 * The next LEN bytes of the file: EACH for every connection on the lines
 * they end. -EINVAL with "line N: why" in WHY for a line that is not the
 * kernel's (the first must be the header), or what EACH returned; after an
 * error the reader is spent.
 */
int conntable_feed(struct conntable_reader *r, const char *text, size_t len, conntable_fn each,
		   void *data, char *why, size_t why_size);

/* The end of the file: its last line if no newline ended it; -EINVAL if it had no header. */
int conntable_finish(struct conntable_reader *r, conntable_fn each, void *data, char *why,
		     size_t why_size);

/* A whole file's TEXT: reader, feed and finish at once. */
int conntable_parse(const char *text, size_t len, conntable_fn each, void *data, char *why,
		    size_t why_size);

#endif
