// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Process-wide by nature: there is one stderr. */
static struct {
	const char *ident;
	int max_level;
	bool journal;
} log_state = { "vigil", LOG_INFO, false };

void log_init(const char *ident)
{
	log_state.ident = ident;
	log_state.journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_max_level(int level)
{
	log_state.max_level = level;
}

int log_get_max_level(void)
{
	return log_state.max_level;
}

void log_msg(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (level > log_state.max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_state.journal)
		fprintf(stderr, "<%d>%s\n", level, line);
	else
		fprintf(stderr, "%s: %s\n", log_state.ident, line);
}
