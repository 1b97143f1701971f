// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state file reader on arbitrary bytes, read from a file as vigild does
 * (a memfd, so no disk is involved): it must load a state or refuse the
 * file with a reason, and never crash on a file someone edited by hand or
 * a crash cut short.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("state.json", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state s;
	char err[256] = "";

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (state_load(path, &s, err, sizeof(err)) < 0) {
		if (!err[0] || s.n_owned || s.n_dests)
			abort(); /* refused: with a reason, and nothing half-loaded */
		return 0;
	}
	state_clear(&s);
	return 0;
}
