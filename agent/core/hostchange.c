// SPDX-License-Identifier: GPL-2.0-only
#include "hostchange.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct hostchange_sysctl *hostchange_sysctl_find(const struct hostchange_sysctl *list,
						       size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

int hostchange_sysctl_record(struct hostchange_sysctl **list, size_t *n, const char *name, int was,
			     int set)
{
	struct hostchange_sysctl *more;

	if (strlen(name) >= HOSTCHANGE_NAME_MAX)
		return -EINVAL;
	/* the first record saw the host's value; a later one would see vigild's */
	if (hostchange_sysctl_find(*list, *n, name))
		return 0;
	more = realloc(*list, (*n + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	memset(&more[*n], 0, sizeof(more[*n]));
	strcpy(more[*n].name, name);
	more[*n].was = was;
	more[*n].set = set;
	*list = more;
	(*n)++;
	return 1;
}

void hostchange_sysctl_forget(struct hostchange_sysctl *list, size_t *n, const char *name)
{
	size_t i, kept = 0;

	for (i = 0; i < *n; i++)
		if (strcmp(list[i].name, name))
			list[kept++] = list[i];
	*n = kept;
}

enum hostchange_undo hostchange_sysctl_undo(const struct hostchange_sysctl *rec, int read_err,
					    int now)
{
	/* the sysctls live with ip_vs: unloaded, they went back to nothing with it */
	if (read_err == -ENOENT)
		return HOSTCHANGE_GONE;
	if (read_err)
		return HOSTCHANGE_UNREADABLE;
	if (now == rec->was)
		return HOSTCHANGE_UNCHANGED;
	/* an operator's value since is theirs: putting the old one back would undo it */
	if (now != rec->set)
		return HOSTCHANGE_CHANGED;
	return HOSTCHANGE_RESTORE;
}

bool hostchange_sysctl_done(enum hostchange_undo verdict, int write_err)
{
	switch (verdict) {
	case HOSTCHANGE_RESTORE:
		return !write_err;
	case HOSTCHANGE_UNCHANGED:
	case HOSTCHANGE_CHANGED:
	case HOSTCHANGE_GONE:
		return true;
	case HOSTCHANGE_UNREADABLE:
		return false;
	}
	return false;
}
