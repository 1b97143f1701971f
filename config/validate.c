// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_validate(): the checks that relate objects to each other. Duplicates
 * are found by sorting indexes, O(n log n): 10000 services, or 1000
 * destinations in each of many services, make pairwise comparison too slow.
 *
 * The first error in file order wins: services are checked one after the
 * other, and a duplicate is reported at its second occurrence, naming the first.
 */
#include "internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NONE UINT32_MAX

static int addr_cmp(const struct config_addr *a, const struct config_addr *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : sizeof(a->addr));
	if (r)
		return r;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int name_cmp(const void *objs, uint32_t a, uint32_t b)
{
	const struct config_service *s = objs;

	return strcmp(s[a].name, s[b].name);
}

/* IPVS's key: family and mark for a fwmark service, else protocol and VIP. */
static int service_cmp(const void *objs, uint32_t a, uint32_t b)
{
	const struct config_service *s = objs;

	if (s[a].fwmark != s[b].fwmark)
		return s[a].fwmark < s[b].fwmark ? -1 : 1;
	if (s[a].fwmark)
		return s[a].vip.family < s[b].vip.family ? -1 : s[a].vip.family > s[b].vip.family;
	if (s[a].protocol != s[b].protocol)
		return s[a].protocol < s[b].protocol ? -1 : 1;
	return addr_cmp(&s[a].vip, &s[b].vip);
}

static int dest_cmp(const void *objs, uint32_t a, uint32_t b)
{
	const struct config_dest *d = objs;

	return addr_cmp(&d[a].addr, &d[b].addr);
}

struct keyed {
	int (*cmp)(const void *objs, uint32_t a, uint32_t b);
	const void *objs;
};

/* Equal keys end up in file order, so the first of a run is the first occurrence. */
static int sort_cmp(const void *x, const void *y, void *arg)
{
	const struct keyed *k = arg;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int r = k->cmp(k->objs, a, b);

	if (r)
		return r;
	return a < b ? -1 : a > b;
}

/* ret_first[i]: the first object equal to object i, or NONE if i is that first one. */
static void find_duplicates(const struct keyed *k, uint32_t n, uint32_t *scratch,
			    uint32_t *ret_first)
{
	for (uint32_t i = 0; i < n; i++) {
		scratch[i] = i;
		ret_first[i] = NONE;
	}
	qsort_r(scratch, n, sizeof(*scratch), sort_cmp, (void *)k);
	for (uint32_t run = 0, j = 1; j < n; j++) {
		if (k->cmp(k->objs, scratch[run], scratch[j]) == 0)
			ret_first[scratch[j]] = scratch[run];
		else
			run = j;
	}
}

static const char *family_name(unsigned int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/*
 * Errors are reported in the file of the object at fault, which an include
 * may have brought in: CTX names the main file.
 */
static int fail_in(struct config_ctx *ctx, const struct config *c, const struct config_service *s,
		   struct config_mark m, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_in(struct config_ctx *ctx, const struct config *c, const struct config_service *s,
		   struct config_mark m, const char *fmt, ...)
{
	struct config_ctx at = { .file = config_service_file(c, s), .err = ctx->err };
	char message[sizeof(ctx->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return config_fail(&at, -EINVAL, m.line, m.column, "%s", message);
}

/* Where the first of two was defined: "3:5", or "FILE:3:5" if not in the second's file. */
static const char *first_at(const struct config *c, const struct config_service *first,
			    const struct config_service *second, struct config_mark m, char *buf,
			    size_t size)
{
	if (first->file == second->file)
		snprintf(buf, size, "%u:%u", m.line, m.column);
	else
		snprintf(buf, size, "%s:%u:%u", config_service_file(c, first), m.line, m.column);
	return buf;
}

static int check_dests(struct config_ctx *ctx, const struct config *c,
		       const struct config_service *s, uint32_t *scratch, uint32_t *first)
{
	const struct keyed k = { dest_cmp, s->dests };
	char a[64], v[64];

	find_duplicates(&k, s->n_dests, scratch, first);
	for (uint32_t i = 0; i < s->n_dests; i++) {
		const struct config_dest *d = &s->dests[i];

		config_addr_format(&d->addr, a, sizeof(a));
		/* Only tunnels (IPIP, GUE) can carry one family inside the other. */
		if (d->addr.family != s->vip.family &&
		    s->policy.forwarding != CONFIG_FORWARD_TUNNEL) {
			if (s->fwmark)
				return fail_in(ctx, c, s, d->mark,
					       "destination %s is %s but fwmark service %s is %s "
					       "(mixing families needs forwarding: tunnel)",
					       a, family_name(d->addr.family), s->name,
					       family_name(s->vip.family));
			config_addr_format(&s->vip, v, sizeof(v));
			return fail_in(ctx, c, s, d->mark,
				       "destination %s is %s but vip %s of service %s is %s "
				       "(mixing families needs forwarding: tunnel)",
				       a, family_name(d->addr.family), v, s->name,
				       family_name(s->vip.family));
		}
		if (first[i] != NONE)
			return fail_in(
			    ctx, c, s, d->mark,
			    "duplicate destination %s in service %s: also listed at %u:%u", a,
			    s->name, s->dests[first[i]].mark.line, s->dests[first[i]].mark.column);
	}
	return 0;
}

static int check_services(struct config_ctx *ctx, const struct config *c, uint32_t *scratch,
			  uint32_t *name_first, uint32_t *svc_first, uint32_t *dest_scratch,
			  uint32_t *dest_first)
{
	const struct keyed by_name = { name_cmp, c->services };
	const struct keyed by_vip = { service_cmp, c->services };
	char v[64], at[320];
	int r;

	find_duplicates(&by_name, c->n_services, scratch, name_first);
	find_duplicates(&by_vip, c->n_services, scratch, svc_first);
	for (uint32_t i = 0; i < c->n_services; i++) {
		const struct config_service *s = &c->services[i];

		if (name_first[i] != NONE) {
			const struct config_service *f = &c->services[name_first[i]];

			return fail_in(ctx, c, s, s->name_mark,
				       "duplicate service name \"%s\": also defined at %s", s->name,
				       first_at(c, f, s, f->name_mark, at, sizeof(at)));
		}
		if (svc_first[i] != NONE) {
			const struct config_service *f = &c->services[svc_first[i]];

			config_service_describe(s, v, sizeof(v));
			return fail_in(ctx, c, s, s->vip_mark,
				       "duplicate service %s: also defined at %s (service %s)", v,
				       first_at(c, f, s, f->vip_mark, at, sizeof(at)), f->name);
		}
		r = check_dests(ctx, c, s, dest_scratch, dest_first);
		if (r < 0)
			return r;
	}
	return 0;
}

/* What the parser guarantees by construction, for models built some other way. */
static int check_shape(struct config_ctx *ctx, const struct config *c, uint32_t *ret_max_dests)
{
	uint32_t max = 0;

	if (c->n_services > CONFIG_MAX_SERVICES)
		return config_fail(ctx, -EINVAL, 0, 0, "too many services (at most %u)",
				   CONFIG_MAX_SERVICES);
	for (uint32_t i = 0; i < c->n_services; i++) {
		const struct config_service *s = &c->services[i];

		if (s->n_dests == 0 || s->n_dests > CONFIG_MAX_DESTINATIONS)
			return fail_in(ctx, c, s, s->mark,
				       "service %s has %u destinations (expected 1..%u)", s->name,
				       s->n_dests, CONFIG_MAX_DESTINATIONS);
		if (s->protocol != IPPROTO_TCP && s->protocol != IPPROTO_UDP)
			return fail_in(ctx, c, s, s->mark, "service %s has an unknown protocol %u",
				       s->name, s->protocol);
		if (s->vip.family != AF_INET && s->vip.family != AF_INET6)
			return fail_in(ctx, c, s, s->mark, "service %s has no %s", s->name,
				       s->fwmark ? "family" : "vip");
		if (s->ops && s->protocol != IPPROTO_UDP)
			return fail_in(
			    ctx, c, s, s->mark,
			    "service %s has ops but is not UDP (one-packet scheduling is "
			    "for UDP)",
			    s->name);
		for (uint32_t j = 0; j < s->n_dests; j++)
			if (s->dests[j].addr.family != AF_INET &&
			    s->dests[j].addr.family != AF_INET6)
				return fail_in(ctx, c, s, s->dests[j].mark,
					       "destination %u of service %s has no address", j + 1,
					       s->name);
		if (s->n_dests > max)
			max = s->n_dests;
	}
	*ret_max_dests = max;
	return 0;
}

int config_validate(const struct config *c, struct config_error *ret_err)
{
	struct config_error scratch_err = { 0 };
	struct config_ctx ctx = { .file = c->source, .err = ret_err ? ret_err : &scratch_err };
	uint32_t *svc_work = NULL, *dest_work = NULL, max_dests = 0;
	int r;

	r = check_shape(&ctx, c, &max_dests);
	if (r < 0)
		return r;
	if (c->n_services == 0)
		return 0;
	/* Bounded by CONFIG_MAX_SERVICES and CONFIG_MAX_DESTINATIONS, checked above. */
	svc_work = calloc(3 * (size_t)c->n_services, sizeof(*svc_work));
	dest_work = calloc(2 * (size_t)max_dests, sizeof(*dest_work));
	if (!svc_work || !dest_work) {
		r = config_fail(&ctx, -ENOMEM, 0, 0, "out of memory");
		goto cleanup;
	}
	r = check_services(&ctx, c, svc_work, svc_work + c->n_services,
			   svc_work + 2 * (size_t)c->n_services, dest_work, dest_work + max_dests);
cleanup:
	free(svc_work);
	free(dest_work);
	return r;
}
