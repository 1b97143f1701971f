/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: a Unix stream socket on vigild's loop that speaks JSON
 * lines, one request object per line in, one reply object per line out.
 * What the requests mean is the caller's (commands.c); this module does the
 * I/O and keeps every client within bounds:
 *   - a request line is at most CONTROL_MAX_LINE bytes: a longer one gets an
 *     error reply and the connection is closed;
 *   - at most CONTROL_MAX_CLIENTS connections, of which CONTROL_ROOT_SLOTS
 *     only root may take, and at most CONTROL_MAX_PER_UID of any other uid:
 *     one more gets an error reply naming the limit and is closed at once;
 *     the log says so once per burst of refusals;
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
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "loop.h"

#define CONTROL_MAX_LINE        (64 * 1024)
#define CONTROL_MAX_CLIENTS     32
/*
 * Of CONTROL_MAX_CLIENTS, the slots only root may take: the control group
 * may read, but must never lock root out of reload, quarantine and release.
 * Four: an operator's request and events --follow, and a root-run monitor.
 */
#define CONTROL_ROOT_SLOTS      4
/*
 * The connections one uid other than root may hold at once: an operator's
 * terminals following events and a script polling list fit; one uid alone
 * cannot take the group's 28 slots (it takes four uids).
 */
#define CONTROL_MAX_PER_UID     8
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

/* The pure parts, for the tests. */

enum control_admission {
	CONTROL_ADMIT,
	CONTROL_REFUSE_FULL,  /* every slot is taken */
	CONTROL_REFUSE_SHARE, /* every slot but root's is taken */
	CONTROL_REFUSE_UID,   /* the uid holds CONTROL_MAX_PER_UID already */
};

/* The connections held when one more asks. */
struct control_counts {
	size_t clients; /* all */
	size_t others;  /* of uids other than root */
	size_t of_uid;  /* of the uid asking */
};

/*
 * Whether a connection of UID may be taken. Root may take any free slot;
 * another uid up to CONTROL_MAX_PER_UID of its own, while all uids but root
 * hold fewer than CONTROL_MAX_CLIENTS - CONTROL_ROOT_SLOTS.
 */
enum control_admission control_admit(uid_t uid, const struct control_counts *n);
/* Why A refused UID, for the client and the log ("" for CONTROL_ADMIT). Returns BUF. */
const char *control_refusal(enum control_admission a, uid_t uid, char *buf, size_t size);

/*
 * Refusals, for the log: refusals less than CONTROL_REFUSAL_QUIET_MS apart
 * are one burst, whose first is logged and the rest counted, then summed up
 * when it is over, or every CONTROL_REFUSAL_REPORT_MS while it goes on, so
 * a client that reconnects in a loop cannot flood the journal.
 */
#define CONTROL_REFUSAL_QUIET_MS  5000
#define CONTROL_REFUSAL_REPORT_MS 60000

struct control_refusals {
	bool burst;
	uint64_t last_ns;     /* the latest refusal */
	uint64_t reported_ns; /* the latest line logged of this burst */
	unsigned long unreported;
};

/* A refusal at NOW_NS; true when it starts a burst, to be logged. */
bool control_refusals_note(struct control_refusals *r, uint64_t now_ns);
/*
 * At NOW_NS: how many refusals to sum up in the log now (0: none), and
 * *ret_next_ns, when to ask again (0: no burst).
 */
unsigned long control_refusals_due(struct control_refusals *r, uint64_t now_ns,
				   uint64_t *ret_next_ns);

#endif
