// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Process-wide by nature: there is one stderr. */
static struct {
	const char *ident;
	int max_level;
	bool journal;
} log_state = { "vigil", LOG_INFO, false };

/* "DEV:INODE" in decimal, as systemd writes it (systemd.exec(5)). */
bool log_is_journal_stream(const char *journal_stream, dev_t dev, ino_t ino)
{
	uintmax_t d, i;
	char *end;

	if (!journal_stream || journal_stream[0] < '0' || journal_stream[0] > '9')
		return false;
	errno = 0;
	d = strtoumax(journal_stream, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	i = strtoumax(end + 1, &end, 10);
	if (errno || *end)
		return false;
	return d == (uintmax_t)dev && i == (uintmax_t)ino;
}

size_t log_format_line(char *buf, size_t size, bool journal, const char *ident, int level,
		       const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	size_t n, room;
	int w;

	if (size < 2)
		return 0;
	/* the last byte is kept for the newline */
	room = size - 1;
	if (journal)
		w = snprintf(buf, room, "<%d>", level & LOG_PRIMASK);
	else
		w = snprintf(buf, room, "%s: ", ident);
	n = w < 0 ? 0 : (size_t)w < room ? (size_t)w : room - 1;
	for (; *msg; msg++) {
		unsigned char c = (unsigned char)*msg;
		char esc[4];
		size_t len = 1;

		if (c == '\n' || c == '\t' || c == '\r') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			len = 2;
		} else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			len = 4;
		} else {
			esc[0] = (char)c;
		}
		/* an escape is written whole or not at all */
		if (n + len >= room)
			break;
		memcpy(buf + n, esc, len);
		n += len;
	}
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

void log_init(const char *ident)
{
	struct stat st;

	log_state.ident = ident;
	log_state.journal = fstat(STDERR_FILENO, &st) == 0 &&
			    log_is_journal_stream(getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

void log_set_max_level(int level)
{
	log_state.max_level = level;
}

int log_get_max_level(void)
{
	return log_state.max_level;
}

static void emit(int level, const char *msg)
{
	char line[2048 + 16];
	size_t n;

	n = log_format_line(line, sizeof(line), log_state.journal, log_state.ident, level, msg);
	/* one write per line: lines of concurrent writers do not interleave */
	fwrite(line, 1, n, stderr);
}

void log_msg(int level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level > log_state.max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(level, msg);
}

void log_text(int level, const char *text)
{
	char msg[2048];

	if (level > log_state.max_level)
		return;
	while (*text) {
		size_t len = strcspn(text, "\n");

		if (len >= sizeof(msg))
			len = sizeof(msg) - 1;
		memcpy(msg, text, len);
		msg[len] = '\0';
		if (len)
			emit(level, msg);
		text += len;
		if (*text == '\n')
			text++;
	}
}
