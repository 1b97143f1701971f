// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fault for vigild, preloaded by vm_faults (LD_PRELOAD): the kernel's
 * answers to a batch lost on the way back, as when they overflow the netlink
 * socket's receive buffer. The first read of answers after a send that
 * carried an IPVS new-service request fails with ENOBUFS, once; the kernel
 * has applied the requests all the same. Nothing else changes.
 */

#include <dlfcn.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

static bool armed, fired;

static bool is_netlink(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_NETLINK;
}

/* Generic netlink requests, not the controller's, whose command adds a service. */
static bool adds_a_service(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
		const struct genlmsghdr *g = NLMSG_DATA(nlh);

		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && nlh->nlmsg_type != GENL_ID_CTRL &&
		    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*g)) && g->cmd == IPVS_CMD_NEW_SERVICE)
			return true;
	}
	return false;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, const void *, size_t, int);

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
	if (!fired && is_netlink(fd) && adds_a_service(buf, len))
		armed = true;
	return real(fd, buf, len, flags);
}

int recvmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags, struct timespec *timeout)
{
	static int (*real)(int, struct mmsghdr *, unsigned int, int, struct timespec *);

	if (!real)
		real = (int (*)(int, struct mmsghdr *, unsigned int, int, struct timespec *))dlsym(
		    RTLD_NEXT, "recvmmsg");
	/* send() returned once the kernel had run the requests: answers lost, not requests */
	if (armed && !fired) {
		armed = false;
		fired = true;
		fprintf(stderr, "fault_shim: the answers to a batch of service adds are lost "
				"(ENOBUFS)\n");
		errno = ENOBUFS;
		return -1;
	}
	return real(fd, vec, n, flags, timeout);
}
