// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programming IPVS, inside firetest: SERVICES services of 10 destinations
 * each into an empty IPVS, by vigild and by ipvsadm -R fed the same rules,
 * side by side; then a no-op reconcile of that state (vigild's dump and
 * diff, nothing to change) against ipvsadm -Sn dumping it.
 *
 *   bench_apply [SERVICES] [ROUNDS]
 *
 * Every measurement gets a fresh network namespace: IPVS keeps deleted
 * destinations on a trash list for minutes and scans it on every add, so a
 * namespace that held the table before would slow the next run down.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmtest.h"

#define DESTS      10
#define MAX_ROUNDS 9
#define CONFIG     "/tmp/bench-apply.yaml"
#define RULES      "/tmp/bench-apply.rules"

static void vip_of(unsigned int i, char *buf, size_t size)
{
	snprintf(buf, size, "10.97.%u.%u:80", i / 250, i % 250 + 1);
}

static int write_inputs(unsigned int services, const char *state_dir)
{
	FILE *cfg = fopen(CONFIG, "w"), *rules = fopen(RULES, "w");
	unsigned int i, j;
	char vip[32];

	if (!cfg || !rules)
		return -errno;
	fprintf(cfg, "agent:\n  state_dir: %s\n  reconcile_interval: 1s\nservices:\n", state_dir);
	for (i = 0; i < services; i++) {
		vip_of(i, vip, sizeof(vip));
		fprintf(cfg, "  - name: s%u\n    vip: %s\n    destinations:\n", i, vip);
		fprintf(rules, "-A -t %s -s wrr\n", vip);
		for (j = 0; j < DESTS; j++) {
			fprintf(cfg, "      - 10.101.%u.%u:8080\n", j, i % 250 + 1);
			fprintf(rules, "-a -t %s -r 10.101.%u.%u:8080 -m -w 100\n", vip, j,
				i % 250 + 1);
		}
	}
	fclose(rules);
	return fclose(cfg) ? -errno : 0;
}

/* A fresh namespace with lo up: IPVS rejects IPv4 destinations before that. */
static int fresh_netns(const char *name)
{
	return vt_sh("ip netns del %s 2>/dev/null; ip netns add %s && ip -n %s link set lo up",
		     name, name, name);
}

/* Seconds "ip netns exec NETNS COMMAND" takes, or -1 if it failed. */
static double timed(const char *netns, const char *command)
{
	uint64_t t0 = vt_now_ns();

	if (vt_sh("ip netns exec %s %s", netns, command) != 0)
		return -1;
	return (vt_now_ns() - t0) / 1e9;
}

struct round {
	double ipvsadm_restore, ipvsadm_save, vigild_apply, vigild_start, vigild_noop;
	double vigild_quick, vigild_noop_read;
};

/* The duration of the last periodic pass that skipped the dump, in seconds. */
static double quick_pass(struct vt_agent *a)
{
	const char *needle = "reconcile why=periodic fingerprint=unchanged fingerprint_ms=";
	const char *p, *last = NULL;
	double ms = -1;

	for (p = vt_agent_log(a); (p = strstr(p, needle)); p += strlen(needle))
		last = p;
	if (last)
		sscanf(last + strlen(needle), "%lf", &ms);
	return ms / 1e3;
}

static int run_round(int i, unsigned int services, struct round *r)
{
	char ns[32], state[64];
	struct vt_reconcile rec;
	struct vt_agent a;
	uint64_t t0;

	snprintf(ns, sizeof(ns), "bench-ipvsadm-%d", i);
	if (fresh_netns(ns))
		return -EIO;
	r->ipvsadm_restore = timed(ns, "ipvsadm -R < " RULES);
	r->ipvsadm_save = timed(ns, "ipvsadm -Sn > /dev/null");
	vt_sh("ip netns del %s", ns);

	snprintf(ns, sizeof(ns), "bench-vigild-%d", i);
	snprintf(state, sizeof(state), "/tmp/bench-state-%d", i);
	if (fresh_netns(ns) || write_inputs(services, state))
		return -EIO;
	t0 = vt_now_ns();
	if (vt_agent_start_in(&a, CONFIG, ns, true))
		return -EIO;
	r->vigild_start = (vt_now_ns() - t0) / 1e9;
	if (!vt_agent_reconcile(&a, "start", &rec) || rec.ops != services * (DESTS + 1) ||
	    rec.failed) {
		fprintf(stderr, "bench: vigild did not program everything:\n%s", vt_agent_log(&a));
		return -EIO;
	}
	r->vigild_apply = rec.ipvs_ms / 1e3;
	kill(a.pid, SIGHUP);
	if (!vt_agent_wait(&a, "reconcile why=reload", 1, 600000) ||
	    !vt_agent_reconcile(&a, "reload", &rec) || rec.ops != 0)
		return -EIO;
	r->vigild_noop = rec.ipvs_ms / 1e3;
	r->vigild_noop_read = rec.read_ms / 1e3;
	/* the periodic passes after it find the fingerprint unchanged */
	if (!vt_agent_wait(&a, "reconcile why=periodic fingerprint=unchanged", 2, 30000))
		return -EIO;
	r->vigild_quick = quick_pass(&a);
	vt_agent_stop(&a, SIGTERM);
	vt_sh("ip netns del %s; rm -rf %s", ns, state);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int services = argc > 1 ? atoi(argv[1]) : 1000;
	int rounds = argc > 2 ? atoi(argv[2]) : 3, i;
	double restore[MAX_ROUNDS], save[MAX_ROUNDS], apply[MAX_ROUNDS], start[MAX_ROUNDS];
	double noop[MAX_ROUNDS], ratio_apply[MAX_ROUNDS], ratio_noop[MAX_ROUNDS];
	double quick[MAX_ROUNDS], ratio_quick[MAX_ROUNDS];

	if (rounds < 1 || rounds > MAX_ROUNDS || services < 1 || services > 10000) {
		fprintf(stderr, "usage: bench_apply [SERVICES (1-10000)] [ROUNDS (1-%d)]\n",
			MAX_ROUNDS);
		return 2;
	}
	if (write_inputs(services, "/tmp/bench-state")) {
		fprintf(stderr, "bench: cannot write %s and %s\n", CONFIG, RULES);
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		struct round r;

		if (run_round(i, services, &r) || r.ipvsadm_restore < 0 || r.ipvsadm_save < 0) {
			fprintf(stderr, "bench: round %d failed\n", i + 1);
			return 1;
		}
		fprintf(stderr,
			"round %d: ipvsadm -R %.2f s, vigild %.2f s (start to ready %.2f s); "
			"ipvsadm -Sn %.2f s, vigild no-op reconcile %.2f s (full dump; %.2f s of it "
			"reading IPVS), %.3f s (periodic, fingerprint)\n",
			i + 1, r.ipvsadm_restore, r.vigild_apply, r.vigild_start, r.ipvsadm_save,
			r.vigild_noop, r.vigild_noop_read, r.vigild_quick);
		restore[i] = r.ipvsadm_restore;
		save[i] = r.ipvsadm_save;
		apply[i] = r.vigild_apply;
		start[i] = r.vigild_start;
		noop[i] = r.vigild_noop;
		ratio_apply[i] = r.ipvsadm_restore / r.vigild_apply;
		ratio_noop[i] = r.vigild_noop / r.ipvsadm_save;
		quick[i] = r.vigild_quick;
		ratio_quick[i] = r.vigild_quick / r.ipvsadm_save;
	}
	printf("apply benchmark, kernel %s, %u services x %d destinations, %d rounds (medians)\n",
	       vt_kernel(), services, DESTS, rounds);
	printf("  program an empty IPVS:  ipvsadm -R %.2f s   vigild %.2f s   "
	       "ipvsadm/vigild %.1fx (target >= 3x)\n",
	       vt_median(restore, rounds), vt_median(apply, rounds),
	       vt_median(ratio_apply, rounds));
	printf("  vigild from start to ready (config, IPVS, %u routes): %.2f s\n", services,
	       vt_median(start, rounds));
	printf("  no-op reconcile of that state, against ipvsadm -Sn %.2f s (target <= 0.33x):\n",
	       vt_median(save, rounds));
	printf("    periodic pass (fingerprint unchanged, no dump)  %.3f s   %.3fx\n",
	       vt_median(quick, rounds), vt_median(ratio_quick, rounds));
	printf("    full pass (netlink dump of every service + diff) %.3f s   %.3fx\n",
	       vt_median(noop, rounds), vt_median(ratio_noop, rounds));
	unlink(CONFIG);
	unlink(RULES);
	return 0;
}
