// SPDX-License-Identifier: GPL-2.0-only
/* libbpf's messages, kept for a failure to show, and the BPF syscalls' errors in words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probes_private.h"

/*
 * libbpf's messages (the verifier log among them) are kept, not printed, so
 * that a failed load can show the end of them and a good one stays quiet.
 * libbpf's print callback takes no context, hence the file-level buffer.
 */
static struct {
	char text[16384];
	size_t len;
} libbpf_log;

int probes_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t room = sizeof(libbpf_log.text) - libbpf_log.len;
	int n;

	if (level == LIBBPF_DEBUG && log_get_max_level() < LOG_DEBUG)
		return 0;
	if (log_get_max_level() >= LOG_DEBUG) {
		/* through the log, so each line has its priority under journald */
		char *text = NULL;
		int len = vasprintf(&text, fmt, ap);

		if (len < 0)
			return len;
		log_text(level == LIBBPF_WARN   ? LOG_WARNING
			 : level == LIBBPF_INFO ? LOG_INFO
						: LOG_DEBUG,
			 text);
		free(text);
		return len;
	}
	if (room < 512) {
		/* keep the newer half: the end of a verifier log says why */
		memmove(libbpf_log.text, libbpf_log.text + sizeof(libbpf_log.text) / 2,
			sizeof(libbpf_log.text) / 2);
		libbpf_log.len -= sizeof(libbpf_log.text) / 2;
		room = sizeof(libbpf_log.text) - libbpf_log.len;
	}
	n = vsnprintf(libbpf_log.text + libbpf_log.len, room, fmt, ap);
	if (n > 0)
		libbpf_log.len += (size_t)n < room ? (size_t)n : room - 1;
	return n;
}

void probes_libbpf_dump(void)
{
	char *line, *save = NULL;

	for (line = strtok_r(libbpf_log.text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		log_error("libbpf: %s", line);
	libbpf_log.len = 0;
	libbpf_log.text[0] = '\0';
}

const char *probes_strerror(int r)
{
	if (r == -524) /* ENOTSUPP, which never reaches libc's table */
		return "not supported by this kernel";
	return strerror(-r);
}

const char *probes_cause(int r, char *buf, size_t size)
{
	const char *name = r == -524 ? "ENOTSUPP" : strerrorname_np(-r);

	snprintf(buf, size, "%s (%s)", probes_strerror(r), name ? name : "?");
	return buf;
}

void probes_libbpf_forget(void)
{
	libbpf_log.len = 0;
}
