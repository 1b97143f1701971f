// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's reader, through a real connection as vigild has it:
 * the input is what a client sends, then it half-closes and reads the
 * replies until vigild closes. So every byte goes through the same
 * buffering, line splitting, JSON parsing and output queueing as in vigild.
 * The handler answers once per request, as commands.c does, and publishes
 * it; "follow":true subscribes, as events does, so replies and published
 * lines interleave.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-control.XXXXXX", path[64];
static struct loop *loop;
static struct control *ctl;

struct peer {
	const uint8_t *data;
	size_t size, off;
	struct loop_source *src;
};

static void on_request(struct control_client *c, struct json_object *req, void *data)
{
	struct json_object *follow;

	if (json_object_object_get_ex(req, "follow", &follow) && json_object_get_boolean(follow))
		control_subscribe(c);
	control_send(c, req);
	control_publish(ctl, req);
}

/* The client: writes the input as the socket takes it, then reads to the end. */
static int on_peer(struct loop *l, int fd, uint32_t events, void *data)
{
	struct peer *p = data;
	char buf[65536];
	ssize_t n;

	if (events & EPOLLOUT) {
		n = send(fd, p->data + p->off, p->size - p->off, MSG_NOSIGNAL);
		if (n > 0)
			p->off += n;
		/* written, or vigild closed on us (a line too long): only read now */
		if (p->off == p->size || (n < 0 && errno != EAGAIN)) {
			shutdown(fd, SHUT_WR);
			if (loop_io_set_events(l, p->src, EPOLLIN) < 0)
				abort();
		}
	}
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (n < 0 && errno != EAGAIN))
		loop_exit(l, 0);
	return 0;
}

static void cleanup(void)
{
	control_close(ctl);
	loop_free(loop);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_max_level(LOG_CRIT); /* dropped clients are logged */
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/vigil.sock", dir);
	loop = loop_new();
	if (!loop || control_open(loop, path, (gid_t)-1, on_request, NULL, &ctl) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct peer p = { .data = data, .size = size };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    loop_add_io(loop, fd, EPOLLIN | EPOLLOUT, on_peer, &p, &p.src) < 0)
		abort();
	loop_run(loop);
	loop_remove(loop, p.src);
	close(fd);
	/* vigild's side is gone once it closed: nothing carries over */
	if (control_n_clients(ctl))
		abort();
	return 0;
}
