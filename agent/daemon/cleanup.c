// SPDX-License-Identifier: GPL-2.0-only
#include "cleanup.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "desired.h"
#include "hostnet.h"
#include "ipvs.h"
#include "log.h"
#include "ownership.h"
#include "setup.h"
#include "state.h"

/* The agent settings of CONFIG_PATH, or the defaults when there is no such file. */
static int agent_settings(const char *config_path, struct config_agent *ret)
{
	struct config_error err;
	struct config *c = NULL;
	char text[1024];
	int r;

	if (access(config_path, F_OK) < 0 && errno == ENOENT) {
		config_agent_defaults(ret);
		log_info("no configuration %s: the defaults name the state directory %s and the "
			 "interface %s",
			 config_path, ret->state_dir, ret->interface);
		return 0;
	}
	r = config_load(config_path, &c, &err);
	if (r) {
		config_error_format(&err, text, sizeof(text));
		log_error("%s", text);
		log_error("nothing was cleaned up: the configuration names where vigild keeps its "
			  "state (fix it, or move it away to use the defaults)");
		return r;
	}
	*ret = c->agent;
	config_free(c);
	return 0;
}

/* Whether a vigild answers on the control socket PATH. */
static bool vigild_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool answers;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	answers = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return answers;
}

/* The destinations' policy state of the services S still owns; the rest goes. */
static void keep_owned_dests(struct state *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_dests; i++)
		if (ownership_has(s->owned, s->n_owned, &s->dests[i].key))
			s->dests[n++] = s->dests[i];
	s->n_dests = n;
}

/* Deletes the services S owns from IPVS; S keeps those it could not delete. */
static unsigned int remove_services(struct state *s, const char *state_path)
{
	struct ownership_cleanup_item *items = NULL;
	struct ipvs_service *left = NULL;
	struct ipvs_table *actual = NULL;
	char svc[DESIRED_DESCRIBE_MAX];
	unsigned int failed = 0;
	struct ipvs *h = NULL;
	size_t n = 0, n_left = 0, i;
	int r = ipvs_open(&h);

	if (!r)
		r = ipvs_dump(h, &actual);
	if (r == -EPROTONOSUPPORT || r == -ENOENT) {
		/* the module's services went with it */
		log_info("IPVS is not loaded: no IPVS service to remove");
		n = 0;
		goto record;
	}
	if (!r)
		r = ownership_cleanup(s->owned, s->n_owned, actual, &items, &n);
	if (!r) {
		left = calloc(n + 1, sizeof(*left));
		r = left ? 0 : -ENOMEM;
	}
	if (r) {
		log_error(
		    "cannot read the IPVS table: %s; none of the %zu services vigild owns was "
		    "removed",
		    strerror(-r), s->n_owned);
		failed = s->n_owned ? s->n_owned : 1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		desired_describe_service(&items[i].svc, svc, sizeof(svc));
		switch (items[i].verdict) {
		case OWNERSHIP_REMOVE:
			r = ipvs_service_del(h, &items[i].svc);
			if (r) {
				log_error("cannot remove IPVS service %s: %s", svc, strerror(-r));
				left[n_left++] = items[i].svc;
				failed++;
			} else {
				log_notice("removed IPVS service %s, vigild's (%s)", svc,
					   state_path);
			}
			break;
		case OWNERSHIP_GONE:
			log_info("IPVS service %s: already gone", svc);
			break;
		case OWNERSHIP_FOREIGN:
			log_info("kept IPVS service %s: not vigild's", svc);
			break;
		}
	}
	if (!s->n_owned)
		log_info("no IPVS service of vigild's to remove (%s records none)", state_path);
record:
	if (state_set_owned(s, left, n_left) < 0)
		failed++;
	keep_owned_dests(s);
out:
	free(items);
	free(left);
	ipvs_table_free(actual);
	ipvs_close(h);
	return failed;
}

static unsigned int remove_interface(struct state *s, const char *name)
{
	struct hostnet *h = NULL;
	int r = hostnet_open(&h);
	unsigned int failed;

	if (r) {
		log_error("cannot open the routing netlink socket to remove interface %s: %s",
			  s->interface[0] ? s->interface : name, strerror(-r));
		return 1;
	}
	failed = setup_undo_interface(h, s, name);
	hostnet_close(h);
	return failed;
}

/* What is left to record: the file is written back only if it existed or has something. */
static unsigned int save(const char *path, const struct state *s, bool existed)
{
	int r;

	if (!existed && !s->n_owned && !s->interface[0] && !s->n_sysctls)
		return 0;
	r = state_save(path, s);
	if (r)
		log_error("cannot write the state file %s: %s", path, strerror(-r));
	return r ? 1 : 0;
}

int cleanup_run(const char *config_path)
{
	struct config_agent agent;
	char path[PATH_MAX], why[256] = "";
	struct state s = { 0 };
	unsigned int failed = 0;
	bool existed;
	int r;

	if (geteuid() != 0) {
		log_error("vigild --cleanup needs root: it removes IPVS services, an interface and "
			  "sysctl values");
		return -EPERM;
	}
	r = agent_settings(config_path, &agent);
	if (r)
		return r;
	/* a running vigild would put back at its next pass what is removed here */
	if (vigild_answers(agent.control_socket)) {
		log_error("vigild is running (it answers on %s): stop it first (systemctl stop "
			  "vigild); nothing was cleaned up",
			  agent.control_socket);
		return -EBUSY;
	}
	if (snprintf(path, sizeof(path), "%s/state.json", agent.state_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	existed = access(path, F_OK) == 0;
	r = state_load(path, &s, why, sizeof(why));
	if (r) {
		log_error(
		    "cannot read the state file %s: %s; nothing was cleaned up, since only it "
		    "says what is vigild's",
		    path, why[0] ? why : strerror(-r));
		return r;
	}
	if (!existed)
		log_info("no state file %s: vigild owns nothing here", path);
	failed += remove_services(&s, path);
	failed += remove_interface(&s, agent.interface);
	failed += setup_undo_sysctls(&s);
	failed += setup_undo_cgroup2();
	failed += save(path, &s, existed);
	state_clear(&s);
	if (failed) {
		log_error("cleanup left %u object%s of vigild's (see above); run vigild --cleanup "
			  "again once the cause is fixed",
			  failed, failed == 1 ? "" : "s");
		return -EIO;
	}
	log_notice("cleanup done: nothing of vigild's is left on this host");
	return 0;
}
