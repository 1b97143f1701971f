// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sockops program on the root cgroup v2 (TCP health per real
 * destination), attached and detached; the health capability says how.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "log.h"
#include "probes_private.h"

static bool is_cgroup2(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

/*
 * The root of the cgroup v2 hierarchy, opened: where systemd mounts it
 * (/sys/fs/cgroup in the unified layout, /sys/fs/cgroup/unified in the
 * hybrid one), else on a mount of our own, which stays for the next start.
 * The fd or -errno; *ret_path says where.
 */
static int open_cgroup2(struct degraded_status *c, const char **ret_path)
{
	static const char *const where[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified",
					     PROBES_CGROUP2_MOUNT };
	size_t i;
	int fd;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (is_cgroup2(where[i]))
			break;
	if (i == sizeof(where) / sizeof(where[0])) {
		i--;
		if ((mkdir("/run/vigil", 0755) < 0 && errno != EEXIST) ||
		    (mkdir(PROBES_CGROUP2_MOUNT, 0755) < 0 && errno != EEXIST) ||
		    mount("cgroup2", PROBES_CGROUP2_MOUNT, "cgroup2",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			int r = -errno;
			char text[128];

			log_info("the sockops program needs cgroup v2: neither /sys/fs/cgroup nor "
				 "/sys/fs/cgroup/unified is a cgroup2 mount, and mounting cgroup2 "
				 "on %s failed: %s",
				 PROBES_CGROUP2_MOUNT, strerror(-r));
			degraded_why(c,
				     "sockops: no cgroup v2 (neither /sys/fs/cgroup nor "
				     "/sys/fs/cgroup/unified is cgroup2, and mounting it on %s "
				     "failed: %s)",
				     PROBES_CGROUP2_MOUNT, probes_cause(r, text, sizeof(text)));
			return r;
		}
		log_info("mounted fs=cgroup2 path=%s for=sockops", PROBES_CGROUP2_MOUNT);
	}
	fd = open(where[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		char text[128];

		log_info("cannot open the cgroup v2 root %s: %s", where[i], strerror(-r));
		degraded_why(c, "sockops: cannot open the cgroup v2 root %s: %s", where[i],
			     probes_cause(r, text, sizeof(text)));
		return r;
	}
	*ret_path = where[i];
	return fd;
}

int probes_cgroup2_unmount(void)
{
	if (!is_cgroup2(PROBES_CGROUP2_MOUNT))
		return 0;
	/* detached: a program still attached holds the cgroup, not the mount */
	if (umount2(PROBES_CGROUP2_MOUNT, MNT_DETACH) < 0)
		return -errno;
	rmdir(PROBES_CGROUP2_MOUNT);
	return 1;
}

/*
 * The root cgroup, so that every socket of the machine is seen whatever
 * cgroup its process is in; the link keeps the cgroup, not the mount.
 */
int probes_sockops_attach(struct probes *p)
{
	struct degraded_status *c = &p->degraded.caps[DEGRADED_HEALTH];
	const char *path = NULL;
	char text[128];
	size_t len;
	int fd, r = 0;

	memset(c, 0, sizeof(*c));
	c->state = DEGRADED_MISSING;
	p->attached_len = strlen(p->attached);
	/* it finds the real destination in the map ip_vs_conn_new fills */
	if (p->degraded.caps[DEGRADED_CORRELATION].state == DEGRADED_MISSING) {
		degraded_why(c, "sockops: needs the real destination, which is missing");
		return -EOPNOTSUPP;
	}
	if (p->disabled & DISABLE_SOCKOPS) {
		degraded_why(c, "sockops: disabled by %s", PROBES_DISABLE_ENV);
		return -EOPNOTSUPP;
	}
	fd = open_cgroup2(c, &path);
	if (fd < 0)
		return fd;
	p->skel->links.tcp_health = bpf_program__attach_cgroup(p->skel->progs.tcp_health, fd);
	if (!p->skel->links.tcp_health) {
		r = -errno;
		log_info("cannot attach the sockops program to the cgroup v2 root %s: %s", path,
			 probes_strerror(r));
		degraded_why(c, "sockops on %s: %s", path, probes_cause(r, text, sizeof(text)));
		probes_libbpf_dump();
	} else {
		len = strlen(p->attached);
		snprintf(p->attached + len, sizeof(p->attached) - len, " sockops:%s", path);
		c->state = DEGRADED_ATTACHED;
		snprintf(c->how, sizeof(c->how), "sockops:%s", path);
	}
	close(fd);
	return r;
}

bool probes_sockops_attached(const struct probes *p)
{
	return p->skel->links.tcp_health != NULL;
}

int probes_sockops_set(struct probes *p, bool attached)
{
	if (!bpf_program__autoload(p->skel->progs.tcp_health))
		return -EINVAL;
	if (attached == probes_sockops_attached(p))
		return 0;
	if (attached)
		return probes_sockops_attach(p);
	bpf_link__destroy(p->skel->links.tcp_health);
	p->skel->links.tcp_health = NULL;
	p->attached[p->attached_len] = '\0';
	memset(&p->degraded.caps[DEGRADED_HEALTH], 0, sizeof(p->degraded.caps[DEGRADED_HEALTH]));
	p->degraded.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	return 0;
}
