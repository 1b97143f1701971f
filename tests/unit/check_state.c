// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile.h"
#include "state.h"

static char dir[] = "/tmp/check-state-XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
}

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void teardown(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	strcpy(dir, "/tmp/check-state-XXXXXX");
}

/* Entries of the directory whose name starts with "state.json.": temporary files. */
static unsigned int temporaries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "state.json.", strlen("state.json.")))
			n++;
	closedir(d);
	return n;
}

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(missing_file_is_an_empty_state)
{
	struct state s;
	char err[128];

	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.n_owned, 0);
	state_clear(&s);
}
END_TEST

START_TEST(round_trip)
{
	struct ipvs_service owned[4];
	struct state s = { 0 }, back;
	struct stat st;
	char err[128];

	memset(owned, 0, sizeof(owned));
	owned[0].af = AF_INET;
	owned[0].protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.96.0.10", &owned[0].addr.v4);
	owned[0].port = 443;
	owned[1].af = AF_INET6;
	owned[1].protocol = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd00::10", owned[1].addr.v6);
	owned[1].port = 53;
	strcpy(owned[1].scheduler, "rr"); /* not a key: not stored */
	/* fwmark services: their mark and family are the whole key */
	owned[2].af = AF_INET;
	owned[2].fwmark = 10;
	owned[3].af = AF_INET6;
	owned[3].fwmark = UINT32_MAX;
	owned[3].flags = IPVS_SVC_F_ONEPACKET; /* not a key either */

	ck_assert_int_eq(state_set_owned(&s, owned, 4), 0);
	ck_assert_int_eq(state_save(path, &s), 0);
	ck_assert_uint_eq(temporaries(), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n_owned, 4);
	ck_assert_int_eq(reconcile_service_cmp(&back.owned[0], &owned[0]), 0);
	ck_assert_int_eq(reconcile_service_cmp(&back.owned[1], &owned[1]), 0);
	ck_assert_str_eq(back.owned[1].scheduler, "");
	ck_assert_int_eq(reconcile_service_cmp(&back.owned[2], &owned[2]), 0);
	ck_assert_int_eq(reconcile_service_cmp(&back.owned[3], &owned[3]), 0);
	ck_assert_uint_eq(back.owned[3].flags, 0);
	state_clear(&s);
	state_clear(&back);
}
END_TEST

START_TEST(destinations_round_trip)
{
	struct state s = { 0 }, back;
	struct state_dest d[2];
	char err[128];

	memset(d, 0, sizeof(d));
	d[0].key.af = AF_INET;
	d[0].key.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.96.0.10", &d[0].key.addr.v4);
	d[0].key.port = 443;
	ck_assert_int_eq(config_addr_parse("10.0.0.2:8443", &d[0].real, NULL, 0), 0);
	d[0].policy.state = POLICY_QUARANTINED;
	d[0].policy.relapses = 3;
	d[0].policy.quarantines = 7;
	d[0].policy.since_ns = 1700000000123000000ull;
	d[0].policy.until_ns = 1700000060123000000ull;
	d[0].policy.next_probe_ns = POLICY_NEVER;
	d[0].policy.last_duration_ns = 60000000000ull;
	d[0].policy.stable_since_ns = POLICY_NEVER;
	d[1] = d[0];
	ck_assert_int_eq(config_addr_parse("[fd00::2]:8443", &d[1].real, NULL, 0), 0);
	d[1].policy.manual = true;
	d[1].policy.until_ns = POLICY_NEVER;

	ck_assert_int_eq(state_set_dests(&s, d, 2), 0);
	ck_assert_int_eq(state_save(path, &s), 0);
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n_dests, 2);
	ck_assert_int_eq(reconcile_service_cmp(&back.dests[0].key, &d[0].key), 0);
	ck_assert_mem_eq(&back.dests[0].real, &d[0].real, sizeof(d[0].real));
	ck_assert_mem_eq(&back.dests[0].policy, &d[0].policy, sizeof(d[0].policy));
	ck_assert_mem_eq(&back.dests[1].real, &d[1].real, sizeof(d[1].real));
	ck_assert(back.dests[1].policy.manual);
	ck_assert_uint_eq(back.dests[1].policy.until_ns, POLICY_NEVER);
	state_clear(&s);
	state_clear(&back);
}
END_TEST

START_TEST(unreadable_state_is_an_error_not_an_empty_one)
{
	static const char *const bad[] = {
		"{not json",
		"{\"version\": 2, \"services\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"services\": [{\"protocol\": \"sctp\", \"vip\": "
		"\"1.2.3.4:5\"}]}",
		"{\"version\": 1, \"services\": [{\"protocol\": \"tcp\", \"vip\": \"1.2.3.4\"}]}",
		"{\"version\": 1, \"services\": [], \"destinations\": [{\"protocol\": \"tcp\"}]}",
		"{\"version\": 1, \"services\": [], \"destinations\": {}}",
		"",
	};
	struct state s;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(bad[i]);
		err[0] = '\0';
		ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), -EBADMSG);
		ck_assert_msg(err[0], "no reason given for \"%s\"", bad[i]);
		ck_assert_uint_eq(s.n_owned, 0);
	}
}
END_TEST

/* The fields of one destination as state_save() writes them. */
static const char *const dest_fields[][2] = {
	{ "protocol", "\"tcp\"" },       { "vip", "\"10.96.0.10:443\"" },
	{ "real", "\"10.0.0.2:8443\"" }, { "state", "\"quarantined\"" },
	{ "manual", "false" },           { "relapses", "3" },
	{ "quarantines", "7" },          { "since_ms", "1700000000123" },
	{ "until_ms", "1700000060123" }, { "next_probe_ms", "-1" },
	{ "last_duration_ms", "60000" }, { "stable_since_ms", "-1" },
};

/* A state file of one service and one destination whose field KEY is VALUE, then TAIL. */
static void write_state_with(const char *key, const char *value, const char *tail)
{
	char text[2048];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
			     "{\"version\": 1, \"services\": [{\"protocol\": \"tcp\", \"vip\": "
			     "\"10.96.0.10:443\"}], \"destinations\": [{");
	for (size_t i = 0; i < sizeof(dest_fields) / sizeof(dest_fields[0]); i++)
		n += (size_t)snprintf(
		    text + n, sizeof(text) - n, "%s\"%s\": %s", i ? ", " : "", dest_fields[i][0],
		    key && !strcmp(key, dest_fields[i][0]) ? value : dest_fields[i][1]);
	snprintf(text + n, sizeof(text) - n, "}]}\n%s", tail);
	write_text(text);
}

static void load_fails_with(const char *want)
{
	struct state s;
	char err[256] = "";

	int r = state_load(path, &s, err, sizeof(err));

	ck_assert_msg(r == -EBADMSG, "%d, expected -EBADMSG with \"%s\"", r, want);
	ck_assert_msg(strstr(err, want), "\"%s\" not in \"%s\"", want, err);
	ck_assert_uint_eq(s.n_owned, 0);
	ck_assert_uint_eq(s.n_dests, 0);
}

START_TEST(the_reader_takes_what_the_writer_writes)
{
	struct state s;
	char err[256] = "";

	write_state_with(NULL, NULL, "");
	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.n_owned, 1);
	ck_assert_uint_eq(s.n_dests, 1);
	ck_assert_uint_eq(s.dests[0].policy.until_ns, 1700000060123000000ull);
	ck_assert_uint_eq(s.dests[0].policy.next_probe_ns, UINT64_MAX);
	ck_assert(!s.dests[0].policy.manual);
	state_clear(&s);

	/* the last time that fits, in nanoseconds, in an int64: April 2262 */
	write_state_with("until_ms", "9223372036854", "\n \t\r\n");
	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.dests[0].policy.until_ns, 9223372036854000000ull);
	state_clear(&s);
}
END_TEST

/* What vigild would not have written is damage, named down to the field. */
START_TEST(the_reader_is_strict)
{
	static const struct {
		const char *key, *value, *tail, *want;
	} bad[] = {
		/* trailing garbage */
		{ NULL, NULL, "garbage", "data after the JSON object" },
		{ NULL, NULL, "{}", "data after the JSON object" },
		{ NULL, NULL, "\n\n]", "data after the JSON object" },
		/* times that would wrap when made nanoseconds, or shifted between clocks */
		{ "until_ms", "9223372036854775807", NULL,
		  "destination 1: until_ms 9223372036854775807 is out of range "
		  "-1..9223372036854 (ms, -1 for never)" },
		{ "until_ms", "9223372036855", NULL, "until_ms 9223372036855 is out of range" },
		{ "since_ms", "18446744073709551615", NULL,
		  "since_ms 18446744073709551615 is out" },
		{ "next_probe_ms", "-2", NULL, "next_probe_ms -2 is out of range" },
		{ "stable_since_ms", "-9223372036854775808", NULL, "stable_since_ms" },
		{ "last_duration_ms", "18446744073709551", NULL,
		  "last_duration_ms 18446744073709551 is out of range 0..9223372036854" },
		{ "last_duration_ms", "-1", NULL, "last_duration_ms -1 is out of range" },
		/* booleans are JSON's */
		{ "manual", "\"no\"", NULL,
		  "destination 1: manual must be true or false, got \"no\"" },
		{ "manual", "0", NULL, "manual must be true or false, got 0" },
		{ "manual", "null", NULL, "manual must be true or false, got null" },
		/* other types */
		{ "relapses", "\"3\"", NULL, "relapses must be an integer, got \"3\"" },
		{ "relapses", "1.5", NULL, "relapses must be an integer, got 1.5" },
		{ "relapses", "-1", NULL, "relapses -1 is out of range 0..4294967295" },
		{ "quarantines", "4294967296", NULL, "quarantines 4294967296 is out of range" },
		{ "until_ms", "\"1700000060123\"", NULL, "until_ms must be an integer" },
		{ "state", "null", NULL, "destination 1: state must be a string, got null" },
		{ "state", "\"dead\"", NULL, "state \"dead\" is unknown" },
		{ "real", "[]", NULL, "real must be a string, got []" },
		{ "real", "\"10.0.0.2\"", NULL, "bad real \"10.0.0.2\": missing port" },
		{ "protocol", "6", NULL, "destination 1: protocol must be a string, got 6" },
		{ "vip", "true", NULL, "vip must be a string, got true" },
		{ "since_ms", "1e3", NULL, "since_ms must be an integer" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_state_with(bad[i].key, bad[i].value, bad[i].tail ? bad[i].tail : "");
		load_fails_with(bad[i].want);
	}
	/* a missing field */
	write_text("{\"version\": 1, \"services\": [], \"destinations\": [{\"protocol\": \"tcp\", "
		   "\"vip\": \"10.96.0.10:443\", \"real\": \"10.0.0.2:8443\"}]}\n");
	load_fails_with("destination 1: no \"state\"");
	write_text("{\"version\": 1, \"services\": []}\n x");
	load_fails_with("data after the JSON object, at offset 32");
	write_text("{\"version\": \"1\", \"services\": []}\n");
	load_fails_with("version must be an integer, got \"1\"");
	write_text("{\"version\": 2, \"services\": []}\n");
	load_fails_with("version 2 is unknown (this vigild reads version 1)");
	write_text("{\"version\": 1, \"services\": [5]}\n");
	load_fails_with("service 1: expected an object, got 5");
	write_text(
	    "{\"version\": 1, \"services\": [{\"protocol\": \"tcp\", \"vip\": \"1.2.3.4:5\"}, "
	    "{\"protocol\": \"TCP\", \"vip\": \"1.2.3.4:5\"}]}\n");
	load_fails_with("service 2: protocol must be \"tcp\" or \"udp\", got \"TCP\"");
	write_text("{\"version\": 1, \"services\": [{\"fwmark\": 0, \"family\": \"inet\"}]}\n");
	load_fails_with("service 1: fwmark 0 is no firewall mark");
	write_text(
	    "{\"version\": 1, \"services\": [{\"fwmark\": 4294967296, \"family\": \"inet\"}]}\n");
	load_fails_with("service 1: fwmark 4294967296 is out of range 0..4294967295");
	write_text("{\"version\": 1, \"services\": [{\"fwmark\": 1, \"family\": \"ipv4\"}]}\n");
	load_fails_with("service 1: family must be \"inet\" or \"inet6\", got \"ipv4\"");
	write_text("{\"version\": 1, \"services\": [{\"fwmark\": 1}]}\n");
	load_fails_with("service 1: no \"family\"");
	write_text("{\"version\": 1, \"services\": {}}\n");
	load_fails_with("services must be a list, got {}");
	write_text("[]\n");
	load_fails_with("the top level must be an object, got []");
	/* cut short, or what a crash leaves: the size, filled with zeros */
	write_text("{\"version\": 1, \"services\": [");
	load_fails_with("not valid JSON");
	write_text("{\"version\": 1, \"services\": [],}\n");
	load_fails_with("not valid JSON: unexpected character at offset 30");
	{
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fwrite("{\"version\": 1, \"services\": []}\n\0\0\0", 1, 34, f);
		fclose(f);
		load_fails_with("not valid JSON: a NUL byte at offset 31");
	}
}
END_TEST

/* What vigild changed on the host, for vigild --cleanup: kept across a write and a read. */
START_TEST(host_changes_round_trip)
{
	struct state s = { 0 }, back;
	char err[256] = "";

	ck_assert_int_eq(state_set_interface(&s, "vigil0"), 0);
	ck_assert_int_eq(
	    hostchange_sysctl_record(&s.sysctls, &s.n_sysctls, "expire_nodest_conn", 0, 1), 1);
	ck_assert_int_eq(
	    hostchange_sysctl_record(&s.sysctls, &s.n_sysctls, "expire_quiescent_template", 2, 1),
	    1);
	ck_assert_int_eq(state_save(path, &s), 0);
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	ck_assert_str_eq(back.interface, "vigil0");
	ck_assert_uint_eq(back.n_sysctls, 2);
	ck_assert_str_eq(back.sysctls[0].name, "expire_nodest_conn");
	ck_assert_int_eq(back.sysctls[0].was, 0);
	ck_assert_int_eq(back.sysctls[0].set, 1);
	ck_assert_str_eq(back.sysctls[1].name, "expire_quiescent_template");
	ck_assert_int_eq(back.sysctls[1].was, 2);
	state_clear(&back);
	state_clear(&s);

	/* the operator reads the full name in the file */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = fopen(path, "r");

		ck_assert_ptr_nonnull(f);
		ck_assert_int_gt(getdelim(&text, &len, '\0', f), 0);
		fclose(f);
		ck_assert_ptr_nonnull(strstr(text, "\"name\":\"net.ipv4.vs.expire_nodest_conn\""));
		ck_assert_ptr_nonnull(strstr(text, "\"interface\":\"vigil0\""));
		free(text);
	}
}
END_TEST

/*
 * A restart finds vigild's own value in the sysctl: recording it again
 * would lose the host's, and cleanup would "restore" vigild's value.
 */
START_TEST(a_sysctl_is_recorded_once)
{
	struct state s = { 0 }, back;
	char err[256] = "";

	ck_assert_int_eq(
	    hostchange_sysctl_record(&s.sysctls, &s.n_sysctls, "expire_nodest_conn", 0, 1), 1);
	ck_assert_int_eq(state_save(path, &s), 0);
	state_clear(&s);
	/* vigild starts again: the file's record stays, whatever is read now */
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    hostchange_sysctl_record(&back.sysctls, &back.n_sysctls, "expire_nodest_conn", 1, 1),
	    0);
	ck_assert_uint_eq(back.n_sysctls, 1);
	ck_assert_int_eq(back.sysctls[0].was, 0);
	state_clear(&back);
}
END_TEST

/* A file from a vigild that did not keep them: nothing to undo, not damage. */
START_TEST(older_files_have_no_host_changes)
{
	struct state s;
	char err[256] = "";

	write_text("{\"version\": 1, \"services\": [], \"destinations\": []}\n");
	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.interface, "");
	ck_assert_uint_eq(s.n_sysctls, 0);
	state_clear(&s);
}
END_TEST

/* cleanup writes whatever a record names: only net.ipv4.vs, and sane values. */
START_TEST(host_change_records_are_checked)
{
	static const struct {
		const char *json, *want;
	} bad[] = {
		{ "\"interface\": 5", "interface must be a string, got 5" },
		{ "\"interface\": \"../etc\"", "interface \"../etc\" is not an interface name" },
		{ "\"interface\": \"a-very-long-interface-name\"", "is not an interface name" },
		{ "\"sysctls\": {}", "sysctls must be a list, got {}" },
		{ "\"sysctls\": [{\"name\": \"net.ipv4.ip_forward\", \"was\": 0, \"set\": 1}]",
		  "sysctl 1: name must be net.ipv4.vs.<name>, got \"net.ipv4.ip_forward\"" },
		{ "\"sysctls\": [{\"name\": \"net.ipv4.vs.../../x\", \"was\": 0, \"set\": 1}]",
		  "name must be net.ipv4.vs.<name>" },
		{ "\"sysctls\": [{\"name\": \"net.ipv4.vs.am_droprate\", \"set\": 1}]",
		  "sysctl 1: no \"was\"" },
		{ "\"sysctls\": [{\"name\": \"net.ipv4.vs.am_droprate\", \"was\": \"0\", "
		  "\"set\": 1}]",
		  "was must be an integer, got \"0\"" },
		{ "\"sysctls\": [{\"name\": \"net.ipv4.vs.am_droprate\", \"was\": 4294967296, "
		  "\"set\": 1}]",
		  "was 4294967296 is out of range" },
		{ "\"sysctls\": [{\"name\": \"net.ipv4.vs.am_droprate\", \"was\": 0, \"set\": 1}, "
		  "{\"name\": \"net.ipv4.vs.am_droprate\", \"was\": 1, \"set\": 1}]",
		  "sysctl 2: net.ipv4.vs.am_droprate is recorded twice" },
		{ "\"sysctls\": [7]", "sysctl 1: expected an object, got 7" },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"version\": 1, \"services\": [], \"destinations\": [], %s}\n",
			 bad[i].json);
		write_text(text);
		load_fails_with(bad[i].want);
	}
}
END_TEST

/* A FIFO blocked open() until a writer came, and vigild's start with it. */
START_TEST(only_a_regular_file_is_read)
{
	struct state s;
	char err[256] = "";

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "not a regular file (a FIFO)");
	ck_assert_uint_eq(s.n_owned, 0);
	unlink(path);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), -EISDIR);
	ck_assert_str_eq(err, "not a regular file (a directory)");
}
END_TEST

/*
 * The temporary file had a fixed name, opened without O_EXCL: a symlink
 * planted there had vigild write its state through it, into any file.
 */
START_TEST(save_follows_no_planted_link)
{
	struct state s = { 0 }, back;
	char victim[300], link[300], text[64] = "";
	struct stat st;
	char err[128];
	FILE *f;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s.tmp", path);
	f = fopen(victim, "w");
	ck_assert_ptr_nonnull(f);
	fputs("precious\n", f);
	fclose(f);
	ck_assert_int_eq(symlink(victim, link), 0);

	ck_assert_int_eq(state_save(path, &s), 0);
	f = fopen(victim, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_str_eq(text, "precious\n");
	/* the state is a file of its own, not the link */
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	state_clear(&back);
}
END_TEST

START_TEST(a_failed_save_leaves_no_temporary_file)
{
	struct state s = { 0 };
	char inside[300];

	/* a directory in the state file's place: only the rename fails */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(inside, sizeof(inside), "%s/x", path);
	ck_assert_int_eq(mkdir(inside, 0700), 0);
	ck_assert_int_eq(state_save(path, &s), -EISDIR);
	ck_assert_uint_eq(temporaries(), 0);
}
END_TEST

START_TEST(save_fails_cleanly_without_a_directory)
{
	struct state s = { 0 };

	ck_assert_int_eq(state_save("/nonexistent-dir/state.json", &s), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, missing_file_is_an_empty_state);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, destinations_round_trip);
	tcase_add_test(tc, unreadable_state_is_an_error_not_an_empty_one);
	tcase_add_test(tc, the_reader_takes_what_the_writer_writes);
	tcase_add_test(tc, the_reader_is_strict);
	tcase_add_test(tc, host_changes_round_trip);
	tcase_add_test(tc, a_sysctl_is_recorded_once);
	tcase_add_test(tc, older_files_have_no_host_changes);
	tcase_add_test(tc, host_change_records_are_checked);
	tcase_add_test(tc, only_a_regular_file_is_read);
	tcase_add_test(tc, save_follows_no_planted_link);
	tcase_add_test(tc, a_failed_save_leaves_no_temporary_file);
	tcase_add_test(tc, save_fails_cleanly_without_a_directory);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
