/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: a Unix stream socket on vigild's loop that speaks JSON
 * lines, one request object per line in, one reply object per line out.
 * What the requests mean is the caller's (commands.c); this module does the
 * I/O and keeps every client within bounds:
 *   - a request line is at most CONTROL_MAX_LINE bytes: a longer one gets an
 *     error reply and the connection is closed;
 *   - at most CONTROL_MAX_CLIENTS connections: one more gets an error reply
 *     and is closed at once;
 *   - a client that sends nothing, reads nothing and does not follow events
 *     for CONTROL_IDLE_TIMEOUT_MS is told so and closed;
 *   - one request runs per loop iteration, the clients taking turns: a
 *     client that pipelines many cannot hold the loop, its timers run
 *     between them;
 *   - a line that is not a JSON object gets an error reply, and the client
 *     may go on;
 *   - nothing blocks: output is queued and written as the socket takes it. A
 *     client whose queue holds more than CONTROL_MAX_OUTPUT bytes is not read
 *     until it drains; a subscriber (events --follow) whose queue would grow
 *     past it is dropped, with a logged line, since waiting for it would
 *     hold every event it has not read in memory.
 * The peer's credentials come from SO_PEERCRED at accept time, for the
 * caller to decide what the client may do.
 */
#ifndef VIGIL_AGENT_CONTROL_H
#define VIGIL_AGENT_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "loop.h"

#define CONTROL_MAX_LINE        (64 * 1024)
#define CONTROL_MAX_CLIENTS     32
/*
 * Idle: no request sent, no answer read, not following events. A stuck or
 * forgotten client gives its slot back after this long; long enough still
 * for a person typing requests into socat.
 */
#define CONTROL_IDLE_TIMEOUT_MS 30000
/* Replaces CONTROL_IDLE_TIMEOUT_MS (milliseconds): a testing aid. */
#define CONTROL_IDLE_ENV        "VIGIL_CONTROL_IDLE_MS"
#define CONTROL_MAX_OUTPUT      (4u << 20)
#define CONTROL_SOCKET_MODE     0660

struct control;
struct control_client;

/*
 * One request, a JSON object (a reference the callee does not own). The
 * handler answers with exactly one control_send() or control_send_error()
 * before it returns.
 */
typedef void (*control_request_fn)(struct control_client *c, struct json_object *req, void *data);

/*
 * Listens on PATH (its directory is created if missing), mode 0660, group
 * GID ((gid_t)-1: the process's). A stale socket file left by a vigild that
 * died is replaced; -EADDRINUSE if something answers on it, -ENAMETOOLONG if
 * PATH does not fit a sockaddr_un.
 */
int control_open(struct loop *loop, const char *path, gid_t gid, control_request_fn fn, void *data,
		 struct control **ret);
/* Closes every connection and removes the socket file. Accepts NULL. */
void control_close(struct control *ctl);

/* Queues OBJ as one line (OBJ stays the caller's). -ENOMEM. */
int control_send(struct control_client *c, struct json_object *obj);
/* Queues {"ok":false,"error":MESSAGE}. */
int control_send_error(struct control_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Queues OBJ to every subscriber; a subscriber too far behind is dropped. */
void control_publish(struct control *ctl, struct json_object *obj);
/* From now on C receives what control_publish() sends. */
void control_subscribe(struct control_client *c);

uid_t control_client_uid(const struct control_client *c);
pid_t control_client_pid(const struct control_client *c);
size_t control_n_clients(const struct control *ctl);
size_t control_n_subscribers(const struct control *ctl);
const char *control_path(const struct control *ctl);

#endif
