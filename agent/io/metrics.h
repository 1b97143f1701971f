/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The metrics endpoint: GET /metrics over HTTP on vigild's loop, served by
 * libmicrohttpd without threads of its own. MHD runs in its external epoll
 * mode: its epoll fd is one source of the loop (MHD_run() when it is
 * readable) and its timeout an alarm, so every request is answered in the
 * loop's thread and reads the agent's state without locks. What the page
 * says is the caller's (a render callback); this module does the HTTP and
 * keeps clients within bounds:
 *   - at most METRICS_MAX_CLIENTS connections, more wait in the backlog;
 *   - a connection idle for METRICS_TIMEOUT_S seconds is closed;
 *   - only GET and HEAD of /metrics: 404 for other paths, 405 for other
 *     methods; no request body is read.
 */
#ifndef VIGIL_AGENT_METRICS_H
#define VIGIL_AGENT_METRICS_H

#include <stddef.h>

#include "config.h"
#include "loop.h"

#define METRICS_MAX_CLIENTS  16
#define METRICS_TIMEOUT_S    10
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics;

/* The page: malloc()ed text in *RET_TEXT (the module frees it), or -errno (a 500). */
typedef int (*metrics_render_fn)(void *data, char **ret_text, size_t *ret_len);

/*
 * Listens on ADDR (port 0: any free port; see metrics_address()). -errno of
 * the socket, bind or listen that failed (-EADDRINUSE, -EADDRNOTAVAIL,
 * -EACCES for a port below 1024 without the privilege), -EAFNOSUPPORT for
 * a family that is not IPv4 or IPv6, -EIO if libmicrohttpd will not start.
 */
int metrics_open(struct loop *loop, const struct config_addr *addr, metrics_render_fn fn,
		 void *data, struct metrics **ret);
/* Closes the listener and every connection. Accepts NULL. */
void metrics_close(struct metrics *m);
/* Where it listens, the port resolved. */
const struct config_addr *metrics_address(const struct metrics *m);

#endif
