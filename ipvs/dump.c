// SPDX-License-Identifier: GPL-2.0-only
/*
 * The whole IPVS table: one dump of the services, then one dump of the
 * destinations of each (the kernel has no request for both at once).
 *
 * The kernel takes its lock for each part of a dump, not for the whole of it,
 * and IPVS does not flag dumps that changes interrupted. Worse, the
 * destination dump of a service deleted meanwhile is simply empty, not an
 * error. So after the destinations, the service list is dumped again: if it
 * changed, or anything else went wrong on the way, the dump starts over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ip_vs.h>

#include "ipvs-internal.h"

struct dump {
	struct ipvs_table_service *svcs;
	size_t n_svcs, cap_svcs;
	struct ipvs_dest *dests;
	size_t n_dests, cap_dests;
	uint16_t svc_af; /* of the service whose destinations are being dumped */
};

static void dump_free(struct dump *d)
{
	free(d->svcs);
	free(d->dests);
	memset(d, 0, sizeof(*d));
}

/* Room for one more element; capacities double, so copies stay rare. */
static int grow(void **array, size_t *cap, size_t n, size_t size)
{
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 64;
	p = realloc(*array, new_cap * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = new_cap;
	return 0;
}

static int on_service(struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct ipvs_table_service *ts;
	int r;

	r = grow((void **)&d->svcs, &d->cap_svcs, d->n_svcs, sizeof(*d->svcs));
	if (r < 0)
		return r;
	ts = &d->svcs[d->n_svcs];
	memset(ts, 0, sizeof(*ts));
	r = ipvs_parse_service_msg(nlh, &ts->svc);
	if (r < 0)
		return r;
	d->n_svcs++;
	return 0;
}

static int on_dest(struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	int r;

	r = grow((void **)&d->dests, &d->cap_dests, d->n_dests, sizeof(*d->dests));
	if (r < 0)
		return r;
	r = ipvs_parse_dest_msg(nlh, d->svc_af, &d->dests[d->n_dests]);
	if (r < 0)
		return r;
	d->n_dests++;
	return 0;
}

static int dump_services(struct ipvs *h, struct dump *d)
{
	struct nl_msg *msg = ipvs_req_start(h, IPVS_CMD_GET_SERVICE);

	return ipvs_req_query(h, msg ? 0 : -ENOMEM, true, IPVS_CMD_NEW_SERVICE, on_service, d);
}

static int dump_dests(struct ipvs *h, struct dump *d, size_t i)
{
	struct ipvs_table_service *ts = &d->svcs[i];
	size_t before = d->n_dests;
	struct nl_msg *msg;
	int r;

	msg = ipvs_req_start(h, IPVS_CMD_GET_DEST);
	r = msg ? ipvs_fill_service(msg, &ts->svc, false) : -ENOMEM;
	d->svc_af = ts->svc.af;
	r = ipvs_req_query(h, r, true, IPVS_CMD_NEW_DEST, on_dest, d);
	if (r < 0)
		return r;
	ts->n_dests = d->n_dests - before;
	return 0;
}

/* -EAGAIN if the services are no longer those the dump started with. */
static int check_unchanged(struct ipvs *h, const struct dump *d)
{
	struct dump now = { 0 };
	size_t i;
	int r;

	r = dump_services(h, &now);
	if (r >= 0 && now.n_svcs != d->n_svcs)
		r = -EAGAIN;
	/* the kernel walks its hash tables in the same order every time */
	for (i = 0; r >= 0 && i < d->n_svcs; i++)
		if (!ipvs_service_key_equal(&now.svcs[i].svc, &d->svcs[i].svc))
			r = -EAGAIN;
	dump_free(&now);
	return r;
}

/* One allocation, so that ipvs_table_free() is one free(). */
static int make_table(const struct dump *d, struct ipvs_table **ret)
{
	size_t svcs_size = d->n_svcs * sizeof(*d->svcs);
	struct ipvs_table *t;
	struct ipvs_dest *dests;
	size_t i, off = 0;

	t = calloc(1, sizeof(*t) + svcs_size + d->n_dests * sizeof(*d->dests));
	if (!t)
		return -ENOMEM;
	t->n_services = d->n_svcs;
	t->n_dests = d->n_dests;
	if (d->n_svcs) {
		t->services = (struct ipvs_table_service *)(t + 1);
		memcpy(t->services, d->svcs, svcs_size);
	}
	dests = (struct ipvs_dest *)((char *)(t + 1) + svcs_size);
	if (d->n_dests)
		memcpy(dests, d->dests, d->n_dests * sizeof(*d->dests));
	for (i = 0; i < d->n_svcs; i++) {
		t->services[i].dests = t->services[i].n_dests ? dests + off : NULL;
		off += t->services[i].n_dests;
	}
	*ret = t;
	return 0;
}

static int dump_once(struct ipvs *h, struct ipvs_table **ret)
{
	struct dump d = { 0 };
	size_t i;
	int r;

	r = dump_services(h, &d);
	for (i = 0; r >= 0 && i < d.n_svcs; i++)
		r = dump_dests(h, &d, i);
	if (r >= 0)
		r = check_unchanged(h, &d);
	if (r >= 0)
		r = make_table(&d, ret);
	dump_free(&d);
	return r;
}

/* Errors that a fresh dump may not meet again. */
static bool retryable(int err)
{
	switch (err) {
	case -EAGAIN:   /* the services changed while we dumped */
	case -EINTR:    /* NLM_F_DUMP_INTR */
	case -ESRCH:    /* a service vanished before its destinations were dumped */
	case -ENOBUFS:  /* the socket overran: messages were lost */
	case -EMSGSIZE: /* a message was truncated */
	case -EBUSY:    /* a dump was still running on the socket */
		return true;
	default:
		return false;
	}
}

int ipvs_dump(struct ipvs *h, struct ipvs_table **ret)
{
	int r = -EAGAIN, tries;

	if (!h || !ret)
		return -EINVAL;
	*ret = NULL;
	if (h->batch)
		return -EBUSY;
	for (tries = 0; tries < IPVS_DUMP_TRIES; tries++) {
		r = dump_once(h, ret);
		if (r >= 0 || !retryable(r))
			return r;
	}
	return -EAGAIN;
}

int ipvs_dump_service(struct ipvs *h, const struct ipvs_service *svc, struct ipvs_table **ret)
{
	struct dump d = { 0 };
	int r, tries;

	if (!h || !svc || !ret)
		return -EINVAL;
	*ret = NULL;
	if (h->batch)
		return -EBUSY;
	for (tries = 0; tries < IPVS_DUMP_TRIES; tries++) {
		r = grow((void **)&d.svcs, &d.cap_svcs, 0, sizeof(*d.svcs));
		if (r < 0)
			break;
		memset(&d.svcs[0], 0, sizeof(d.svcs[0]));
		d.svcs[0].svc = *svc;
		d.n_svcs = 1;
		r = dump_dests(h, &d, 0);
		if (r >= 0)
			r = make_table(&d, ret);
		dump_free(&d);
		if (r >= 0 || !retryable(r))
			return r;
	}
	return r < 0 ? r : -EAGAIN;
}

void ipvs_table_free(struct ipvs_table *t)
{
	free(t);
}
