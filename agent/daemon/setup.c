// SPDX-License-Identifier: GPL-2.0-only
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probes.h"
#include "resets.h"
#include "watch.h"

/*
 * expire_nodest_conn: a SYN retransmitted towards a destination whose weight
 * is now 0 is rescheduled to a healthy one at once, the mechanism behind
 * vigil's failover. expire_quiescent_template: the same for persistence
 * templates pinned to such a destination.
 */
static const char *const sysctl_names[] = { "expire_nodest_conn", "expire_quiescent_template" };
#define SYSCTL_VALUE 1

static bool has_services(const struct agent *a)
{
	return a->config->n_services > 0;
}

/* Records NAME's value before vigild changes it; the state file keeps it for cleanup. */
static void record_sysctl(struct agent *a, const char *name, int was)
{
	struct state *s = &a->apply.state;
	int r = hostchange_sysctl_record(&s->sysctls, &s->n_sysctls, name, was, SYSCTL_VALUE);

	if (r == 1)
		r = apply_save_state(&a->apply);
	if (r < 0)
		log_error("cannot record that net.ipv4.vs.%s was %d in %s: %s (vigild --cleanup "
			  "cannot put it back unless a later save records it)",
			  name, was, a->apply.state_path, strerror(-r));
}

void setup_sysctls(struct agent *a)
{
	size_t i;

	/* no service, no failover to make work: the host keeps its values */
	if (!a->config->agent.sysctls || !has_services(a))
		return;
	for (i = 0; i < sizeof(sysctl_names) / sizeof(sysctl_names[0]); i++) {
		const char *name = sysctl_names[i];
		int was, r = ipvs_sysctl_get(name, &was);

		if (r) {
			log_error("cannot read net.ipv4.vs.%s, so it is left as it is: %s", name,
				  strerror(-r));
			continue;
		}
		if (was == SYSCTL_VALUE)
			continue;
		/* recorded before it changes: a crash in between loses nothing */
		record_sysctl(a, name, was);
		r = ipvs_sysctl_set(name, SYSCTL_VALUE);
		if (r)
			log_error("cannot set net.ipv4.vs.%s=%d: %s", name, SYSCTL_VALUE,
				  strerror(-r));
		else
			log_notice("sysctl net.ipv4.vs.%s=%d was=%d", name, SYSCTL_VALUE, was);
	}
}

/* Records NAME as vigil's interface, in memory and in the state file. */
static void record_interface(struct agent *a, const char *name)
{
	int r = state_set_interface(&a->apply.state, name);

	if (!r)
		r = apply_save_state(&a->apply);
	if (r < 0)
		log_error("cannot record interface %s in %s: %s (vigild --cleanup may not find it)",
			  name[0] ? name : "(none)", a->apply.state_path, strerror(-r));
}

/*
 * vigil's interface, created if needed. One that an earlier agent.interface
 * named is deleted first: its routes are the ones this interface takes over.
 */
static int setup_interface(struct agent *a)
{
	const char *name = a->config->agent.interface;
	int r;

	if (a->apply.ifindex)
		return 0;
	if (a->apply.state.interface[0] && strcmp(a->apply.state.interface, name)) {
		log_notice("agent.interface is now %s: removing %s, which vigild used before", name,
			   a->apply.state.interface);
		setup_undo_interface(a->apply.hostnet, &a->apply.state, NULL);
	}
	r = hostnet_link_ensure(a->apply.hostnet, name, &a->apply.ifindex);
	if (r == -EEXIST)
		log_error("interface %s exists and is not a dummy interface: vigild will not "
			  "route VIPs through it (set agent.interface to another name)",
			  name);
	else if (r)
		log_error("cannot set up interface %s for the VIP routes: %s", name, strerror(-r));
	if (r)
		return r;
	if (strcmp(a->apply.state.interface, name))
		record_interface(a, name);
	return 0;
}

int setup_before_pass(struct agent *a)
{
	int r;

	if (!has_services(a))
		return 0;
	r = setup_interface(a);
	setup_sysctls(a);
	return r;
}

/* What status says while nothing is watched because nothing is configured. */
static void degraded_unconfigured(struct degraded *d)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < DEGRADED_N_CAPS; i++) {
		d->caps[i].state = DEGRADED_OFF;
		degraded_why(&d->caps[i], "no service configured");
	}
}

static int start_watching(struct agent *a)
{
	int r = watch_start(a);

	if (!r)
		r = resets_start(a);
	if (r)
		log_error("cannot start watching the connections: %s", strerror(-r));
	a->setup.watching = true;
	return r;
}

/* Undoes the host set-up: watching, the interface, the sysctls. */
static void undo(struct agent *a)
{
	struct state *s = &a->apply.state;
	unsigned int failed = 0;
	char before[sizeof(s->interface)];
	size_t sysctls = s->n_sysctls;

	if (a->setup.watching) {
		resets_stop(a);
		watch_stop(a);
		a->setup.watching = false;
		log_info("watching stopped: no service left");
	}
	degraded_unconfigured(&a->degraded);
	snprintf(before, sizeof(before), "%s", s->interface);
	if (s->interface[0] || a->apply.ifindex)
		failed += setup_undo_interface(a->apply.hostnet, s, a->config->agent.interface);
	if (!failed)
		a->apply.ifindex = 0;
	failed += setup_undo_sysctls(s);
	failed += setup_undo_cgroup2();
	if (strcmp(before, s->interface) || sysctls != s->n_sysctls)
		apply_save_state(&a->apply);
	a->setup.undo_failed = failed > 0;
	if (failed)
		log_error("%u of vigild's host changes could not be undone (see above); vigild "
			  "tries again on reload, and vigild --cleanup after it stopped",
			  failed);
}

/* Whether anything of the host set-up is left to undo. */
static bool set_up(const struct agent *a)
{
	return a->setup.watching || a->apply.ifindex || a->apply.state.interface[0] ||
	       a->apply.state.n_sysctls;
}

int setup_after_pass(struct agent *a, bool periodic)
{
	if (has_services(a))
		return a->setup.watching ? 0 : start_watching(a);
	degraded_unconfigured(&a->degraded);
	/* a service vigild could not delete keeps its VIP's route, and failover */
	if (a->apply.state.n_owned || !set_up(a) || (periodic && a->setup.undo_failed))
		return 0;
	log_notice("no service configured: undoing vigild's changes to the host");
	undo(a);
	return 0;
}

unsigned int setup_undo_interface(struct hostnet *h, struct state *s, const char *name)
{
	struct hostnet_vip *vips = NULL;
	size_t n_vips = 0;
	int ifindex, r;

	if (s->interface[0])
		name = s->interface;
	if (!name || !name[0])
		return 0;
	r = hostnet_link_find(h, name, &ifindex);
	if (r == -ENOENT) {
		log_info("interface %s: already gone", name);
		state_set_interface(s, "");
		return 0;
	}
	if (r == -EEXIST) {
		log_warning("kept interface %s: it is not a dummy interface, so not vigild's",
			    name);
		state_set_interface(s, "");
		return 0;
	}
	/* the routes go with the interface: counted first, to say so */
	if (!r)
		r = hostnet_routes_list(h, ifindex, &vips, &n_vips);
	free(vips);
	if (!r)
		r = hostnet_link_delete(h, ifindex);
	if (r) {
		log_error("cannot remove interface %s: %s", name, strerror(-r));
		return 1;
	}
	log_notice("removed interface %s and its %zu VIP route%s", name, n_vips,
		   n_vips == 1 ? "" : "s");
	state_set_interface(s, "");
	return 0;
}

unsigned int setup_undo_sysctls(struct state *s)
{
	unsigned int failed = 0;
	size_t i = 0;

	while (i < s->n_sysctls) {
		struct hostchange_sysctl rec = s->sysctls[i];
		int now = 0, r = ipvs_sysctl_get(rec.name, &now), w = 0;
		enum hostchange_undo verdict = hostchange_sysctl_undo(&rec, r, now);

		switch (verdict) {
		case HOSTCHANGE_RESTORE:
			w = ipvs_sysctl_set(rec.name, rec.was);
			if (w)
				log_error("cannot put net.ipv4.vs.%s back to %d: %s", rec.name,
					  rec.was, strerror(-w));
			else
				log_notice("restored net.ipv4.vs.%s=%d (vigild had set %d)",
					   rec.name, rec.was, rec.set);
			break;
		case HOSTCHANGE_UNCHANGED:
			log_info("net.ipv4.vs.%s is %d, as before vigild: nothing to restore",
				 rec.name, now);
			break;
		case HOSTCHANGE_CHANGED:
			log_warning("kept net.ipv4.vs.%s=%d: someone set it since vigild set %d "
				    "(it was %d before)",
				    rec.name, now, rec.set, rec.was);
			break;
		case HOSTCHANGE_GONE:
			log_info("net.ipv4.vs.%s: gone with the ip_vs module, nothing to restore",
				 rec.name);
			break;
		case HOSTCHANGE_UNREADABLE:
			log_error("cannot read net.ipv4.vs.%s to restore it to %d: %s", rec.name,
				  rec.was, strerror(-r));
			break;
		}
		if (!hostchange_sysctl_done(verdict, w)) {
			failed++;
			i++;
			continue;
		}
		hostchange_sysctl_forget(s->sysctls, &s->n_sysctls, rec.name);
	}
	return failed;
}

unsigned int setup_undo_cgroup2(void)
{
	int r = probes_cgroup2_unmount();

	if (r < 0)
		log_error("cannot unmount the cgroup2 vigild mounted on %s: %s",
			  PROBES_CGROUP2_MOUNT, strerror(-r));
	else if (r)
		log_notice("unmounted the cgroup2 vigild mounted on %s", PROBES_CGROUP2_MOUNT);
	return r < 0;
}
