/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's log: one event per line on stderr. Under systemd (JOURNAL_STREAM
 * set) each line starts with a <N> syslog priority prefix that journald
 * understands; on a terminal it starts with "vigild: ".
 */
#ifndef VIGIL_AGENT_LOG_H
#define VIGIL_AGENT_LOG_H

#include <syslog.h>

void log_init(const char *ident);
void log_set_max_level(int level);
int log_get_max_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
