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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* Appends the destinations of ts to d->dests and counts them in ts->n_dests. */
static int dump_dests(struct ipvs *h, struct dump *d, struct ipvs_table_service *ts)
{
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

/*
 * The destination dumps, one per service, are most of a full dump's time,
 * and the kernel serialises only the part of each that fills in the
 * messages: its system calls, allocations and copies, and our parsing, can
 * run on two CPUs at once. So a large table's services are shared out
 * between the handle and its twin (a second socket of the same handle), each
 * worker taking the next service not yet taken.
 */
#define PARALLEL_MIN_SERVICES 64

struct dest_work {
	struct ipvs_table_service *svcs; /* of the services dump */
	size_t n_svcs;
	atomic_size_t next; /* the next service to take */
	atomic_bool failed; /* a worker failed: the others stop */
	uint8_t *worker_of; /* per service: the worker that dumped it */
	size_t *first;      /* per service: its first destination there */
};

struct dest_worker {
	struct ipvs *h;
	struct dest_work *work;
	uint8_t id;
	struct dump d; /* only its destinations are used */
	int err;
};

static void *dest_worker_run(void *arg)
{
	struct dest_worker *w = arg;
	struct dest_work *work = w->work;
	size_t i;

	while (!atomic_load(&work->failed)) {
		i = atomic_fetch_add(&work->next, 1);
		if (i >= work->n_svcs)
			break;
		work->worker_of[i] = w->id;
		work->first[i] = w->d.n_dests;
		w->err = dump_dests(w->h, &w->d, &work->svcs[i]);
		if (w->err < 0)
			atomic_store(&work->failed, true);
	}
	return NULL;
}

/* The twin handle, opened on first use; NULL if it cannot be. */
static struct ipvs *twin_of(struct ipvs *h)
{
	/* sysconf reads /sys: once the twin is open, not on every dump */
	if (!h->twin && sysconf(_SC_NPROCESSORS_ONLN) > 1 && ipvs_open(&h->twin) < 0)
		h->twin = NULL;
	return h->twin;
}

/* The destinations of every service of d, in workers[0..n) (d's handle first). */
static int dump_all_dests(struct ipvs *h, struct dump *d, struct dest_work *work,
			  struct dest_worker *workers, size_t *n_workers)
{
	struct ipvs *twin = d->n_svcs >= PARALLEL_MIN_SERVICES ? twin_of(h) : NULL;
	pthread_t thread;
	bool threaded = false;
	size_t i;

	work->svcs = d->svcs;
	work->n_svcs = d->n_svcs;
	atomic_init(&work->next, 0);
	atomic_init(&work->failed, false);
	work->worker_of = calloc(d->n_svcs ? d->n_svcs : 1, sizeof(*work->worker_of));
	work->first = calloc(d->n_svcs ? d->n_svcs : 1, sizeof(*work->first));
	if (!work->worker_of || !work->first)
		return -ENOMEM;
	*n_workers = twin ? 2 : 1;
	for (i = 0; i < *n_workers; i++)
		workers[i] = (struct dest_worker){ .h = i ? twin : h, .work = work, .id = i };
	/* a thread that cannot start leaves its share to the handle's */
	if (twin)
		threaded = pthread_create(&thread, NULL, dest_worker_run, &workers[1]) == 0;
	dest_worker_run(&workers[0]);
	if (threaded)
		pthread_join(thread, NULL);
	for (i = 0; i < *n_workers; i++)
		if (workers[i].err < 0)
			return workers[i].err;
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
static int make_table(const struct dump *d, size_t n_dests, struct ipvs_table **ret)
{
	size_t svcs_size = d->n_svcs * sizeof(*d->svcs), i, off = 0;
	struct ipvs_table *t;
	struct ipvs_dest *dests;

	t = calloc(1, sizeof(*t) + svcs_size + n_dests * sizeof(*dests));
	if (!t)
		return -ENOMEM;
	t->n_services = d->n_svcs;
	t->n_dests = n_dests;
	if (d->n_svcs) {
		t->services = (struct ipvs_table_service *)(t + 1);
		memcpy(t->services, d->svcs, svcs_size);
	}
	dests = (struct ipvs_dest *)((char *)(t + 1) + svcs_size);
	for (i = 0; i < d->n_svcs; i++) {
		struct ipvs_table_service *ts = &t->services[i];

		if (ts->n_dests)
			memcpy(dests + off, ts->dests, ts->n_dests * sizeof(*dests));
		ts->dests = ts->n_dests ? dests + off : NULL;
		off += ts->n_dests;
	}
	*ret = t;
	return 0;
}

static int dump_once(struct ipvs *h, struct ipvs_table **ret)
{
	struct dest_worker workers[2] = { 0 };
	struct dest_work work = { 0 };
	struct dump d = { 0 };
	size_t n_workers = 0, n_dests = 0, i;
	int r;

	r = dump_services(h, &d);
	if (r >= 0)
		r = dump_all_dests(h, &d, &work, workers, &n_workers);
	/* each service's destinations, where its worker put them */
	for (i = 0; r >= 0 && i < d.n_svcs; i++)
		if (d.svcs[i].n_dests)
			d.svcs[i].dests = workers[work.worker_of[i]].d.dests + work.first[i];
	for (i = 0; i < n_workers; i++)
		n_dests += workers[i].d.n_dests;
	if (r >= 0)
		r = check_unchanged(h, &d);
	if (r >= 0)
		r = make_table(&d, n_dests, ret);
	for (i = 0; i < n_workers; i++)
		dump_free(&workers[i].d);
	free(work.worker_of);
	free(work.first);
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

/* What one try of a dump does: SVC, when it dumps one service. */
typedef int (*dump_fn)(struct ipvs *h, const struct ipvs_service *svc, struct ipvs_table **ret);

/*
 * Tries a dump again while it fails in a way a fresh one may not, at most
 * IPVS_DUMP_TRIES times; then -EAGAIN. -EBUSY inside a batch.
 */
static int dump_retrying(struct ipvs *h, dump_fn once, const struct ipvs_service *svc,
			 struct ipvs_table **ret)
{
	int r, tries;

	if (!h || !ret)
		return -EINVAL;
	*ret = NULL;
	if (h->batch)
		return -EBUSY;
	for (tries = 0; tries < IPVS_DUMP_TRIES; tries++) {
		r = once(h, svc, ret);
		if (r >= 0 || !retryable(r))
			return r;
	}
	return -EAGAIN;
}

static int dump_all(struct ipvs *h, const struct ipvs_service *svc, struct ipvs_table **ret)
{
	return dump_once(h, ret);
}

int ipvs_dump(struct ipvs *h, struct ipvs_table **ret)
{
	return dump_retrying(h, dump_all, NULL, ret);
}

static int dump_one_service(struct ipvs *h, const struct ipvs_service *svc, struct ipvs_table **ret)
{
	struct ipvs_table_service ts = { .svc = *svc };
	struct dump d = { .svcs = &ts, .n_svcs = 1 }, dests = { 0 };
	int r;

	r = dump_dests(h, &dests, &ts);
	ts.dests = dests.dests;
	if (r >= 0)
		r = make_table(&d, ts.n_dests, ret);
	dump_free(&dests);
	return r;
}

int ipvs_dump_service(struct ipvs *h, const struct ipvs_service *svc, struct ipvs_table **ret)
{
	if (!svc)
		return -EINVAL;
	return dump_retrying(h, dump_one_service, svc, ret);
}

static int dump_services_only(struct ipvs *h, const struct ipvs_service *svc,
			      struct ipvs_table **ret)
{
	struct dump d = { 0 };
	int r;

	r = dump_services(h, &d);
	if (r >= 0)
		r = make_table(&d, 0, ret);
	dump_free(&d);
	return r;
}

int ipvs_dump_services(struct ipvs *h, struct ipvs_table **ret)
{
	return dump_retrying(h, dump_services_only, NULL, ret);
}

void ipvs_table_free(struct ipvs_table *t)
{
	free(t);
}
