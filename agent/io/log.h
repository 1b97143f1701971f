/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's log: one event per line on stderr. An event is its name and
 * key=value pairs ("reconcile why=periodic ops=0 ..."; a value with spaces in
 * double quotes); errors and warnings are sentences that name the object
 * and the cause (STYLE.md). Under systemd, when stderr is
 * the journal's stream (JOURNAL_STREAM names its device and inode), each line
 * starts with a <N> syslog priority prefix that journald turns into the
 * entry's PRIORITY (sd-daemon(3)); journald adds the time and the name. Else
 * each line starts with "vigild: ". vigild adds no time stamp of its own.
 */
#ifndef VIGIL_AGENT_LOG_H
#define VIGIL_AGENT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <syslog.h>

void log_init(const char *ident);
void log_set_max_level(int level);
int log_get_max_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text of several lines (a verifier log): one log line per line of text. */
void log_text(int level, const char *text);

#define log_error(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * The pure parts, for the tests. Whether JOURNAL_STREAM (its value, or NULL
 * when unset) names the file whose fstat() gave dev and ino: systemd sets it
 * for the service's own stderr, and children inherit it even when their
 * stderr goes elsewhere, so the variable alone is not enough.
 */
bool log_is_journal_stream(const char *journal_stream, dev_t dev, ino_t ino);

/*
 * One log line into buf, always ending in '\n' (size >= 2): "<N>msg" for the
 * journal, "ident: msg" else. Control characters in msg are escaped (\n, \t,
 * \xHH) so that one event stays one line; a message too long for buf is cut.
 * Returns the length written.
 */
size_t log_format_line(char *buf, size_t size, bool journal, const char *ident, int level,
		       const char *msg);

#endif
