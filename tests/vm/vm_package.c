// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil as an operator gets it: the Debian package installed with dpkg -i
 * into a writable overlay of the VM's root, vigild started the way the
 * systemd unit's ExecStart starts it, and vigilctl driven against it and
 * checked against ipvsadm and the real kernel.
 *
 * The overlay (lower: the read-only root, upper: tmpfs) is entered with
 * chroot; /proc, /sys, /dev and /run are the VM's own, so the control socket
 * under /run/vigil is the same file inside and outside.
 *
 * The lifecycle case follows the package from installation with the
 * default config (services: []) through reloads to remove, purge and
 * reinstall. systemd cannot run in the VM: vigild is started with the
 * installed unit's ExecStart=, reloaded with its ExecReload= (the exact
 * command lines, read from the unit file), and stopped with SIGTERM where
 * prerm would have systemd stop it.
 */
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <poll.h>
#include <regex.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echoclient.h"
#include "vmtest.h"

#define ROOT   "/tmp/vt-root" /* the overlay, as the chroot sees it */
#define LOG    "/tmp/vt-vigild.log"
#define PID    "/tmp/vt-vigild.pid"
#define SOCKET "/run/vigil/vigil.sock"
#define VIP    "10.96.0.10:80"
#define D1     "10.100.1.2:8080"
#define D2     "10.100.2.2:8080"
#define D3     "10.100.3.2:8080"

#define METRICS "127.0.0.1:9712"

#define CONFIG                                                                                     \
	"agent:\n"                                                                                 \
	"  reconcile_interval: 1s\n"                                                               \
	"  metrics: " METRICS "\n"                                                                 \
	"services:\n"                                                                              \
	"  - name: web\n"                                                                          \
	"    vip: " VIP "\n"                                                                       \
	"    scheduler: rr\n"                                                                      \
	"    health: { enabled: false }\n"                                                         \
	"    destinations:\n"                                                                      \
	"      - " D1 "\n"                                                                         \
	"      - " D2 "\n"                                                                         \
	"      - { address: " D3 ", weight: 50 }\n"

/* A command's output (stdout and stderr) and exit status. */
struct run {
	char *out;
	int status;
};

static struct run run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct run run(const char *fmt, ...)
{
	struct run r = { NULL, -1 };
	char *cmd = NULL, *full = NULL;
	size_t size = 0, len = 0;
	va_list ap;
	FILE *f;
	int c;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	ck_assert_int_ge(asprintf(&full, "%s 2>&1", cmd), 0);
	f = popen(full, "r");
	ck_assert_ptr_nonnull(f);
	while ((c = fgetc(f)) != EOF) {
		if (len + 2 > size) {
			size = size ? 2 * size : 4096;
			r.out = realloc(r.out, size);
			ck_assert_ptr_nonnull(r.out);
		}
		r.out[len++] = (char)c;
	}
	if (!r.out)
		r.out = calloc(1, 1);
	r.out[len] = '\0';
	c = pclose(f);
	r.status = WIFEXITED(c) ? WEXITSTATUS(c) : 128;
	fprintf(stderr, "$ %s  -> %d\n%s", cmd, r.status, r.out);
	free(cmd);
	free(full);
	return r;
}

/* vigilctl in the installed system, as root or as USER:GROUP. */
#define vigilctl(...) run("chroot " ROOT " /usr/sbin/vigilctl " __VA_ARGS__)
#define vigilctl_as(who, ...)                                                                      \
	run("chroot --userspec=" who " " ROOT " /usr/sbin/vigilctl " __VA_ARGS__)

static pid_t vigild_pid(void)
{
	FILE *f = fopen(PID, "r");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

static bool vigild_alive(void)
{
	pid_t pid = vigild_pid();

	return pid > 0 && kill(pid, 0) == 0;
}

/* Waits for NEEDLE in vigild's log. */
static bool log_wait(const char *needle, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;

	do {
		char *log = vt_output("cat " LOG);
		bool found = log && strstr(log, needle);

		free(log);
		if (found)
			return true;
		usleep(50000);
	} while (vt_now_ns() < deadline && vigild_alive());
	return false;
}

/* KEY= of the installed unit: the command line systemd would run. */
static char *unit_value(const char *key)
{
	char cmd[512], line[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "sed -n 's/^%s=//p' " ROOT "/lib/systemd/system/vigild.service",
		 key);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(fgets(line, sizeof(line), f) != NULL, "the unit has no %s=", key);
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

/* The lab's destinations, and a writable root with the package installed. */
static void overlay_with_package(void)
{
	const char *build = getenv("VIGIL_BUILD_DIR");
	glob_t g;

	ck_assert_ptr_nonnull(build);
	vt_must("%s clean", vt_lab());
	vt_must("%s dest d1 --v4 10.100.1.2 --port 8080 && %s dest d2 --v4 10.100.2.2 --port 8080 "
		"&& %s dest d3 --v4 10.100.3.2 --port 8080",
		vt_lab(), vt_lab(), vt_lab());
	vt_must("ipvsadm -C");

	/* the package scripts/package built */
	{
		char pattern[4096];

		snprintf(pattern, sizeof(pattern), "%s/vigil_" VIGIL_VERSION "_*.deb", build);
		ck_assert_msg(glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc == 1,
			      "no single %s: run scripts/package %s first", pattern, build);
	}

	/* a writable root: the VM's read-only one under a tmpfs (a fresh one for each case) */
	vt_sh("umount -R " ROOT " 2>/dev/null; rm -rf /tmp/vt-ov");
	vt_must("mkdir -p /tmp/vt-ov/upper /tmp/vt-ov/work " ROOT " && "
		"mount -t overlay overlay -o lowerdir=/,upperdir=/tmp/vt-ov/upper,"
		"workdir=/tmp/vt-ov/work " ROOT " && "
		"mount --rbind /proc " ROOT "/proc && mount --rbind /sys " ROOT "/sys && "
		"mount --rbind /dev " ROOT "/dev && mount --bind /run " ROOT "/run && "
		"mount -t tmpfs tmpfs " ROOT "/tmp");
	/* remove what a developer's machine may have left, as on a fresh system */
	vt_must("rm -rf " ROOT "/etc/vigil " ROOT "/var/lib/vigil " ROOT "/usr/sbin/vigild " ROOT
		"/usr/sbin/vigilctl");
	vt_must("cp %s " ROOT "/tmp/vigil.deb", g.gl_pathv[0]);
	globfree(&g);
	vt_must("chroot " ROOT " dpkg -i /tmp/vigil.deb");
}

/* vigild as the unit starts it, with whatever config is installed. */
static void start_vigild(void)
{
	char *exec = unit_value("ExecStart");

	ck_assert_str_eq(exec, "/usr/sbin/vigild -c /etc/vigil/vigil.yaml");
	vt_must("rm -f " LOG " " PID "; chroot " ROOT " %s >" LOG " 2>&1 & echo $! >" PID, exec);
	free(exec);
	ck_assert_msg(log_wait("reconcile why=start", 30000), "vigild did not start");
}

/* SIGTERM, as systemd stops it; waits until it is gone. */
static void stop_vigild(void)
{
	pid_t pid = vigild_pid();
	int i;

	ck_assert_int_gt(pid, 0);
	kill(pid, SIGTERM);
	for (i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(100000);
	ck_assert_msg(kill(pid, 0) != 0, "vigild did not stop");
}

static void install(void)
{
	overlay_with_package();
	/* the operator's config, then vigild as the unit starts it */
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG), 0);
	start_vigild();
	ck_assert(log_wait("vigild: watching", 30000));
}

/*
 * A teardown's stop: SIGTERM, then SIGKILL if vigild is still there after
 * 10 s. It must be gone before the next suite starts, or it reconciles that
 * suite's IPVS (seen as vm_faults failing after vm_package).
 */
static void end_vigild(void)
{
	pid_t pid = vigild_pid();
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(100000);
	if (kill(pid, 0) != 0)
		return;
	fprintf(stderr, "vigild (pid %d) ignored SIGTERM for 10 s: SIGKILL\n", (int)pid);
	kill(pid, SIGKILL);
	for (i = 0; i < 50 && kill(pid, 0) == 0; i++)
		usleep(100000);
}

static void uninstall(void)
{
	end_vigild();
	vt_sh("cat " LOG);
	vt_sh("umount -R " ROOT "; ipvsadm -C; %s clean", vt_lab());
}

START_TEST(the_package_installs_what_an_operator_needs)
{
	struct run r = run("chroot " ROOT " dpkg -s vigil");

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "Status: install ok installed"));
	free(r.out);
	vt_must(
	    "cd " ROOT " && test -x usr/sbin/vigild && test -x usr/sbin/vigilctl && "
	    "test -f lib/systemd/system/vigild.service && test -f etc/vigil/vigil.yaml && "
	    "test -f usr/share/man/man8/vigild.8.gz && test -f usr/share/man/man8/vigilctl.8.gz && "
	    "test -f usr/share/man/man5/vigil.yaml.5.gz && "
	    "test -f usr/share/bash-completion/completions/vigilctl && test -d var/lib/vigil");
	/* the conffile is one dpkg knows as such */
	r = run("chroot " ROOT " dpkg-query -W -f='${Conffiles}' vigil");
	ck_assert_ptr_nonnull(strstr(r.out, "/etc/vigil/vigil.yaml"));
	free(r.out);
	/* the control socket's group, and the socket in it */
	vt_must("chroot " ROOT " getent group vigil");
	r = run("chroot " ROOT " stat -c '%%a %%U %%G' " SOCKET);
	ck_assert_str_eq(r.out, "660 root vigil\n");
	free(r.out);
}
END_TEST

/*
 * The first two lines of vigilctl list -n are those of ipvsadm -Ln on this
 * kernel, the version and the connection table's size included (7.x resizes
 * that table as it fills: a size read between two of ipvsadm's is accepted).
 */
static void list_header_is_ipvsadms(void)
{
	char *before = vt_output("ipvsadm -Ln | head -n 2");
	char *ours = vt_output("chroot " ROOT " /usr/sbin/vigilctl list -n | head -n 2");
	char *after = vt_output("ipvsadm -Ln | head -n 2");

	ck_assert_ptr_nonnull(before);
	ck_assert_ptr_nonnull(ours);
	ck_assert_ptr_nonnull(after);
	ck_assert_msg(!strcmp(ours, before) || !strcmp(ours, after),
		      "vigilctl list -n begins\n%sipvsadm -Ln\n%s", ours, before);
	fprintf(stderr, "vigilctl list -n header:\n%s", ours);
	free(before);
	free(ours);
	free(after);
}

/* The service and destination lines of ipvsadm -Ln and of vigilctl list -n agree. */
START_TEST(list_agrees_with_ipvsadm)
{
	struct run ctl = vigilctl("list -n"), json;
	/* protocol, address, scheduler of a service; arrow, address, forward, weight of a dest */
	char *ipvsadm = vt_output("ipvsadm -Ln | awk 'NR > 3 {print $1, $2, $3, "
				  "($1 == \"->\" ? $4 : \"\")}'");
	char *ours;

	ck_assert_int_eq(ctl.status, 0);
	ck_assert_ptr_nonnull(strstr(ctl.out, "IP Virtual Server version"));
	ck_assert_ptr_nonnull(strstr(ctl.out, "State"));
	list_header_is_ipvsadms();
	/* the same first columns, line for line (vt_output sorts both) */
	ours = vt_output("chroot " ROOT " /usr/sbin/vigilctl list -n | "
			 "awk 'NR > 3 {print $1, $2, $3, ($1 == \"->\" ? $4 : \"\")}'");
	ck_assert_ptr_nonnull(ipvsadm);
	ck_assert_ptr_nonnull(ours);
	ck_assert_str_eq(ours, ipvsadm);
	ck_assert_ptr_nonnull(strstr(ipvsadm, D3 " Masq 50"));

	/* without -n, as ipvsadm: ports by their /etc/services names (hosts have none here) */
	json = vigilctl("list");
	ck_assert_int_eq(json.status, 0);
	ck_assert_ptr_nonnull(strstr(json.out, "TCP  10.96.0.10:http rr (web)"));
	ck_assert_ptr_nonnull(strstr(json.out, "  -> 10.100.1.2:http-alt "));
	free(json.out);

	json = vigilctl("list --json");
	ck_assert_int_eq(json.status, 0);
	{
		json_object *o = json_tokener_parse(json.out), *svcs, *dests, *d;
		size_t i;

		ck_assert_ptr_nonnull(o);
		ck_assert(json_object_object_get_ex(o, "services", &svcs));
		ck_assert_uint_eq(json_object_array_length(svcs), 1);
		ck_assert(json_object_object_get_ex(json_object_array_get_idx(svcs, 0),
						    "destinations", &dests));
		ck_assert_uint_eq(json_object_array_length(dests), 3);
		for (i = 0; i < 3; i++) {
			const char *addr;
			int kernel;

			d = json_object_array_get_idx(dests, i);
			addr = vt_str(d, "address");
			ck_assert_ptr_nonnull(addr);
			kernel = vt_ipvs_weight(VIP, addr);
			ck_assert_int_eq(json_object_get_int(json_object_object_get(d, "weight")),
					 kernel);
			ck_assert_int_eq(
			    json_object_get_int(json_object_object_get(d, "effective_weight")),
			    kernel);
			ck_assert_str_eq(vt_str(d, "state"), "healthy");
		}
		json_object_put(o);
	}
	free(ctl.out);
	free(json.out);
	free(ipvsadm);
	free(ours);
}
END_TEST

/* ipvsadm ARGS and the installed vigilctl ARGS2 print the same bytes; a diff if not. */
static void same_bytes_as_ipvsadm(const char *args, const char *args2)
{
	int same = vt_sh("ipvsadm %s > /tmp/vt-ipvsadm.txt && "
			 "chroot " ROOT " /usr/sbin/vigilctl %s > /tmp/vt-vigilctl.txt && "
			 "cmp /tmp/vt-ipvsadm.txt /tmp/vt-vigilctl.txt || "
			 "diff -u /tmp/vt-ipvsadm.txt /tmp/vt-vigilctl.txt >&2",
			 args, args2);

	ck_assert_msg(same == 0, "ipvsadm %s and vigilctl %s differ (diff above)", args, args2);
}

/*
 * vigilctl list --ipvsadm prints ipvsadm -Ln's bytes, whole and with a
 * service filter, so that scripts parsing ipvsadm keep working; a filter
 * that matches nothing is an error naming it.
 */
START_TEST(list_ipvsadm_is_ipvsadms_bytes)
{
	static const char *const views[][2] = {
		{ "-Ln", "list -n --ipvsadm" },
		{ "-Ln -t " VIP, "list -n --ipvsadm -t " VIP },
		{ "-Ln --sort", "-Ln --ipvsadm" },
	};
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		same_bytes_as_ipvsadm(views[i][0], views[i][1]);
	r = vigilctl("list -n -t 10.9.9.9:80");
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "10.9.9.9:80"));
	free(r.out);
	r = vigilctl("list -nj web");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"web\""));
	free(r.out);
}
END_TEST

/*
 * ipvsadm -L's other views of the services, --thresholds, --persistent-conn
 * and --tun-info, against ipvsadm's own bytes: web's, and a service vigild
 * does not keep whose destinations have thresholds and GUE and GRE tunnels
 * (kernels have had GUE since 5.2, GRE since 5.3).
 */
#define FOREIGN_VIP "10.96.0.12:80"

START_TEST(list_ipvsadm_views_are_ipvsadms_bytes)
{
	static const char *const views[][2] = {
		{ "-Ln --thresholds", "list -n --ipvsadm --thresholds" },
		{ "-Ln --persistent-conn", "list --ipvsadm -n --persistent-conn" },
		{ "-Ln --tun-info", "-Ln --ipvsadm --tun-info" },
		{ "-L --tun-info", "-L --ipvsadm --tun-info" },
		{ "-Ln --thresholds -t " FOREIGN_VIP,
		  "-Ln --ipvsadm --thresholds -t " FOREIGN_VIP },
		/* ipvsadm takes them together and shows the first of its order */
		{ "-Ln --tun-info --persistent-conn",
		  "-Ln --ipvsadm --tun-info --persistent-conn" },
		{ "-Ln --nosort --tun-info", "-Ln --ipvsadm --nosort --tun-info" },
	};
	char *out;
	size_t i;

	vt_sh("ipvsadm -D -t " FOREIGN_VIP " 2>/dev/null");
	vt_must("ipvsadm -A -t " FOREIGN_VIP " -s wlc -p 300 && "
		"ipvsadm -a -t " FOREIGN_VIP " -r " D1 " -m -w 2 -x 100 -y 50 && "
		"ipvsadm -a -t " FOREIGN_VIP " -r " D2 " -i -w 3 --tun-type gue --tun-port 6080 && "
		"ipvsadm -a -t " FOREIGN_VIP " -r " D3 " -i -w 4 --tun-type gre --tun-csum");
	/* what the kernel kept, so that the same bytes are not the same n/a */
	out = vt_output("ipvsadm -Ln --tun-info -t " FOREIGN_VIP "; "
			"ipvsadm -Ln --thresholds -t " FOREIGN_VIP);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, " gue:6080:-c ") && strstr(out, " gre:+c ") &&
			  strstr(out, " 100        50 "),
		      "ipvsadm shows no tunnels or thresholds:\n%s", out);
	free(out);

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		same_bytes_as_ipvsadm(views[i][0], views[i][1]);
		vt_sh("cat /tmp/vt-vigilctl.txt >&2");
	}
	vt_must("ipvsadm -D -t " FOREIGN_VIP);
}
END_TEST

/*
 * list -c against the kernel's own table: connections held open through
 * web's VIP and through a service vigild does not keep, read by ipvsadm
 * and by vigilctl.
 */
#define OTHER_VIP "10.96.0.11:80"
#define OTHER_IF  "vt-other0"

/* A file's text, to free. */
static char *slurp(const char *path)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r"), *out = open_memstream(&text, &size);
	int c;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(out);
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(f);
	fclose(out);
	return text;
}

/*
 * LINE of ipvsadm -Lc's table with its expiry ("14:56", the field after the
 * protocol, with the padding of ipvsadm's %-6s) as "*", into BUF; its
 * seconds. A title line is kept whole, its seconds 0.
 */
static unsigned int without_expiry(const char *line, char *buf, size_t size)
{
	const char *expiry = line + strcspn(line, " ");
	unsigned int m, s;
	size_t len;

	expiry += strspn(expiry, " ");
	if (sscanf(expiry, "%u:%u", &m, &s) != 2) {
		snprintf(buf, size, "%s", line);
		return 0;
	}
	len = strcspn(expiry, " ");
	snprintf(buf, size, "%.*s*%s", (int)(expiry - line), line, expiry + (len < 6 ? 6 : len));
	return m * 60 + s;
}

/*
 * Whether OURS is the table BEFORE and AFTER are, read between them: line
 * for line the same bytes but for the expiry, which lies between theirs.
 */
static bool read_between(char *before, char *ours, char *after)
{
	char *sb = NULL, *so = NULL, *sa = NULL, *b, *o, *a;
	char nb[512], no[512], na[512];

	for (b = strtok_r(before, "\n", &sb), o = strtok_r(ours, "\n", &so),
	    a = strtok_r(after, "\n", &sa);
	     b || o || a; b = strtok_r(NULL, "\n", &sb), o = strtok_r(NULL, "\n", &so),
	    a = strtok_r(NULL, "\n", &sa)) {
		unsigned int eb, eo, ea;

		if (!b || !o || !a)
			return false; /* a connection came or went */
		eb = without_expiry(b, nb, sizeof(nb));
		eo = without_expiry(o, no, sizeof(no));
		ea = without_expiry(a, na, sizeof(na));
		if (strcmp(nb, no) || strcmp(no, na) || eo > eb || eo < ea)
			return false;
	}
	return true;
}

/*
 * ipvsadm ARGS and vigilctl ARGS2 print the same table. Its expiry column
 * counts down, each connection at its own moment, and in a VM without KVM
 * one command may take longer than a second: two reads seldom agree byte
 * for byte. So vigilctl's is compared with one ipvsadm took just before it
 * and one just after: every byte the same but each connection's expiry,
 * which must lie between the two. A connection that comes or goes between
 * the reads (none should: they are held open) makes all three read again,
 * five times at most. Whether the bytes were the same as one ipvsadm's,
 * expiries included, is logged.
 */
static void same_as_ipvsadm(const char *args, const char *args2)
{
	char *before = NULL, *ours = NULL, *after = NULL;
	bool same = false, exact = false;
	int attempt;

	for (attempt = 1; attempt <= 5 && !same; attempt++) {
		free(before);
		free(ours);
		free(after);
		vt_must("ipvsadm %s >/tmp/vt-before.txt && chroot " ROOT
			" /usr/sbin/vigilctl %s >/tmp/vt-ours.txt && ipvsadm %s >/tmp/vt-after.txt",
			args, args2, args);
		exact = vt_sh("cmp -s /tmp/vt-before.txt /tmp/vt-ours.txt || "
			      "cmp -s /tmp/vt-ours.txt /tmp/vt-after.txt") == 0;
		before = slurp("/tmp/vt-before.txt");
		ours = slurp("/tmp/vt-ours.txt");
		after = slurp("/tmp/vt-after.txt");
		same = read_between(before, ours, after);
	}
	if (!same)
		vt_sh("diff -u /tmp/vt-before.txt /tmp/vt-ours.txt >&2; "
		      "diff -u /tmp/vt-ours.txt /tmp/vt-after.txt >&2");
	ck_assert_msg(same, "ipvsadm %s and vigilctl %s differ 5 times (diffs above)", args, args2);
	fprintf(stderr, "ipvsadm %s = vigilctl %s, attempt %d, %s:\n", args, args2, attempt - 1,
		exact ? "byte for byte" : "but for expiries between ipvsadm's");
	vt_sh("cat /tmp/vt-ours.txt >&2");
	free(before);
	free(ours);
	free(after);
}

/* Whether one of E's connections has the source port of SOURCE ("a.b.c.d:port"). */
static bool is_ours(const struct vt_echo *e, const char *source)
{
	const char *colon = strrchr(source, ':');
	unsigned int i;

	for (i = 0; colon && i < e->n; i++)
		if ((unsigned int)atoi(colon + 1) == e->conns[i].port)
			return true;
	return false;
}

/*
 * The lines of vigilctl list -c -n ARGS: each is of VIP; how many are E's
 * connections, each with VIGIL in the vigil column.
 */
static unsigned int conn_lines(const char *args, const struct vt_echo *e, const char *vip,
			       const char *vigil)
{
	struct run r = vigilctl("list -c -n %s", args);
	char *save = NULL, *line;
	unsigned int n = 0, i = 0;

	ck_assert_int_eq(r.status, 0);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char pro[8], expire[16], state[24], source[64], virt[64], dest[64], column[24];

		if (i == 0) {
			ck_assert_str_eq(line, "IPVS connection entries");
			continue;
		}
		if (i == 1)
			continue;
		ck_assert_int_eq(sscanf(line, "%7s %15s %23s %63s %63s %63s %23s", pro, expire,
					state, source, virt, dest, column),
				 7);
		ck_assert_msg(!strcmp(virt, vip), "list -c -n %s has a connection to %s", args,
			      virt);
		if (is_ours(e, source)) {
			ck_assert_str_eq(column, vigil);
			n++;
		}
	}
	free(r.out);
	return n;
}

START_TEST(list_c_is_ipvsadms_connection_table)
{
	struct vt_echo web, other;
	struct run r;
	unsigned int i, json_web = 0;
	char *line, *save = NULL;

	/* someone else's service, routed as vigild routes its VIPs */
	vt_must("ip link add " OTHER_IF " type dummy && ip link set " OTHER_IF " up && "
		"ip route add 10.96.0.11/32 dev " OTHER_IF " && ipvsadm -A -t " OTHER_VIP
		" -s rr && ipvsadm -a -t " OTHER_VIP " -r " D1 " -m");
	ck_assert_int_eq(vt_echo_open(&web, VIP, 6, 1000), 0);
	ck_assert_int_eq(vt_echo_open(&other, OTHER_VIP, 2, 1000), 0);

	same_as_ipvsadm("-Lcn", "list -c -n --ipvsadm");
	same_as_ipvsadm("-Lc", "-Lc --ipvsadm");
	/* no persistence engine here: its title, and the lines as they are */
	same_as_ipvsadm("-Lcn --persistent-conn", "-Lcn --ipvsadm --persistent-conn");

	/* vigil's column: the state of each destination of web's; "-" for the other's */
	r = vigilctl("-Lcn");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "pro expire state       source             virtual    "
					    "        destination        vigil\n"));
	free(r.out);
	/* one service's connections: by its VIP, or by its name */
	ck_assert_uint_eq(conn_lines("-t " VIP, &web, VIP, "healthy"), 6);
	ck_assert_uint_eq(conn_lines("web", &web, VIP, "healthy"), 6);
	ck_assert_uint_eq(conn_lines("-t " OTHER_VIP, &other, OTHER_VIP, "-"), 2);
	ck_assert_uint_eq(conn_lines("-t " OTHER_VIP, &web, OTHER_VIP, "-"), 0);
	/* ipvsadm -Lc has no filter: its layout, that service's lines alone */
	same_as_ipvsadm("-Lcn | awk 'NR <= 2 || $5 == \"" VIP "\"'", "-Lcn --ipvsadm -t " VIP);

	/* JSON, one connection a line */
	r = vigilctl("-Lcnj web");
	ck_assert_int_eq(r.status, 0);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);

		ck_assert_msg(o != NULL, "not JSON: %s", line);
		ck_assert_str_eq(vt_str(o, "service"), "web");
		ck_assert_str_eq(vt_str(o, "virtual"), VIP);
		if (is_ours(&web, vt_str(o, "client"))) {
			ck_assert_str_eq(vt_str(o, "dest_state"), "healthy");
			ck_assert_str_eq(vt_str(o, "state"), "ESTABLISHED");
			json_web++;
		}
		json_object_put(o);
	}
	ck_assert_uint_eq(json_web, 6);
	free(r.out);
	/* each connection's destination, as IPVS gave it */
	for (i = 0; i < web.n; i++) {
		r = run("chroot " ROOT " /usr/sbin/vigilctl -Lcn -t " VIP " | grep ':%u '",
			web.conns[i].port);
		ck_assert_ptr_nonnull(strstr(r.out, web.conns[i].real));
		free(r.out);
	}

	vt_echo_close(&web);
	vt_echo_close(&other);
	vt_must("ipvsadm -D -t " OTHER_VIP " && ip link del " OTHER_IF);
}
END_TEST

START_TEST(quarantine_and_release_reach_ipvs)
{
	struct run r;
	char *followed;
	int i;

	/* a follower of the event stream, started before the change */
	vt_must("rm -f /tmp/vt-follow; chroot " ROOT " /usr/sbin/vigilctl events --follow "
		">/tmp/vt-follow 2>&1 & echo $! >/tmp/vt-follow.pid");
	usleep(500000);
	r = vigilctl("quarantine web " D2 " --for 5m");
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	for (i = 0; i < 50; i++) {
		followed = vt_output("cat /tmp/vt-follow");
		if (followed && strstr(followed, "manual-quarantine"))
			break;
		free(followed);
		followed = NULL;
		usleep(100000);
	}
	vt_sh("kill $(cat /tmp/vt-follow.pid); cat /tmp/vt-follow");
	ck_assert_msg(followed, "events --follow did not show the quarantine");
	ck_assert_ptr_nonnull(strstr(followed, D2));
	free(followed);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 0);
	r = vigilctl("list -n");
	ck_assert_ptr_nonnull(strstr(r.out, "quarantined"));
	free(r.out);

	/* the decision, with its service and destination, in the event stream */
	r = vigilctl("events --json");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"action\":\"manual-quarantine\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"real\":\"" D2 "\""));
	free(r.out);

	r = vigilctl("release web " D2);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_gt(vt_ipvs_weight(VIP, D2), 0);

	/* unknown objects are named, and the exit status says it failed */
	r = vigilctl("quarantine web 10.9.9.9:80");
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "10.9.9.9:80"));
	free(r.out);
	r = vigilctl("quarantine nosuch " D1);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "nosuch"));
	free(r.out);
}
END_TEST

START_TEST(reload_takes_a_good_config_and_keeps_the_running_one_on_a_bad_one)
{
	struct run r;

	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s",
				  "agent:\n  reconcile_interval: 1s\nservices:\n"
				  "  - name: web\n    vip: " VIP "\n    scheduler: rr\n"
				  "    health: { enabled: false }\n    destinations:\n"
				  "      - " D1 "\n      - { address: " D3 ", weight: 70 }\n"),
			 0);
	r = vigilctl("reload");
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 70);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), -1);

	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s",
				  "services:\n  - name: web\n    vip: " VIP "\n    destinations:\n"
				  "      - { address: " D1 ", weight: lots }\n"),
			 0);
	r = vigilctl("reload");
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "/etc/vigil/vigil.yaml:5:"));
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 70);
	ck_assert(vigild_alive());
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG), 0);
	r = vigilctl("reload");
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
}
END_TEST

START_TEST(status_names_the_kernel_and_the_probes)
{
	struct run r = vigilctl("status --json");
	json_object *o, *probes;
	char *kernel = vt_output("uname -r");

	ck_assert_int_eq(r.status, 0);
	o = json_tokener_parse(r.out);
	ck_assert_ptr_nonnull(o);
	kernel[strcspn(kernel, "\n")] = '\0';
	ck_assert_str_eq(vt_str(o, "kernel"), kernel);
	ck_assert_ptr_nonnull(vt_str(o, "version"));
	ck_assert(json_object_object_get_ex(o, "probes", &probes));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(probes), "ip_vs_conn_new"));
	json_object_put(o);
	free(r.out);
	free(kernel);
	r = vigilctl("status");
	ck_assert_int_eq(r.status, 0);
	free(r.out);
}
END_TEST

START_TEST(only_root_may_change_anything)
{
	struct run r;

	/* the socket's group may read */
	r = vigilctl_as("nobody:vigil", "list -n");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, D1));
	free(r.out);
	r = vigilctl_as("nobody:vigil", "quarantine web " D1);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "root"));
	free(r.out);
	r = vigilctl_as("nobody:vigil", "reload");
	ck_assert_int_eq(r.status, 1);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	/* anyone else cannot even connect */
	r = vigilctl_as("nobody:nogroup", "status");
	ck_assert_int_ne(r.status, 0);
	free(r.out);
}
END_TEST

/* One connection to the control socket: TEXT REPEAT times and a newline; the reply. */
static char *raw_request(const char *text, size_t repeat)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCKET };
	struct timeval tv = { .tv_sec = 10 };
	static char reply[4096];
	size_t i;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	/* the agent closes an oversized request's connection: EPIPE, not death */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (i = 0; i < repeat; i++)
		if (write(fd, text, strlen(text)) < 0)
			break; /* the agent may close an oversized request early */
	if (write(fd, "\n", 1) < 0) {
	}
	n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	reply[n > 0 ? n : 0] = '\0';
	return reply;
}

START_TEST(garbage_and_oversized_requests_leave_the_agent_running)
{
	struct run r;
	char *reply;

	reply = raw_request("this is not json", 1);
	ck_assert_ptr_nonnull(strstr(reply, "\"ok\":false"));
	reply = raw_request("{\"command\":\"launch-missiles\"}", 1);
	ck_assert_ptr_nonnull(strstr(reply, "\"ok\":false"));
	ck_assert_ptr_nonnull(strstr(reply, "launch-missiles"));
	/* 100 KB on one line: an error, and the connection closed */
	reply = raw_request("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 2000);
	ck_assert_ptr_nonnull(strstr(reply, "\"ok\":false"));
	ck_assert(vigild_alive());
	r = vigilctl("list -n");
	ck_assert_int_eq(r.status, 0);
	free(r.out);
}
END_TEST

/* GET PATH from the metrics endpoint; the whole response. */
static char *http_get(const char *path)
{
	char *resp = vt_http_get(METRICS, path);

	ck_assert_msg(resp != NULL, "GET http://%s%s failed", METRICS, path);
	return resp;
}

START_TEST(metrics_scrape_and_parse)
{
	char *resp = http_get("/metrics"), *body, *line, *save = NULL;
	struct run r;
	regex_t sample;
	unsigned int samples = 0;

	ck_assert_msg(!strncmp(resp, "HTTP/1.0 200", 12) || !strncmp(resp, "HTTP/1.1 200", 12),
		      "%.200s", resp);
	ck_assert_ptr_nonnull(strcasestr(resp, "Content-Type: text/plain; version=0.0.4"));
	body = strstr(resp, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	/* the exposition format: comments, or name{labels} value */
	ck_assert_int_eq(regcomp(&sample,
				 "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]"
				 "|\\\\.)*\",?)*\\})? "
				 "([-+0-9.eE]+|NaN|[+-]Inf)$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
			continue;
		ck_assert_msg(regexec(&sample, line, 0, NULL, 0) == 0, "not a sample: %s", line);
		samples++;
	}
	regfree(&sample);
	ck_assert_uint_gt(samples, 10);
	free(resp);
	resp = http_get("/metrics");
	ck_assert_ptr_nonnull(strstr(resp, "vigil_build_info{"));
	ck_assert_ptr_nonnull(strstr(resp, "vigil_destination_effective_weight{service=\"web\""));
	ck_assert_ptr_nonnull(strstr(resp, "destination=\"" D3 "\"} 50\n"));
	free(resp);
	resp = http_get("/nothing-here");
	ck_assert_msg(strstr(resp, " 404 "), "%.200s", resp);
	free(resp);
	/* vigilctl says where */
	r = vigilctl("status --json");
	{
		json_object *o = json_tokener_parse(r.out);

		ck_assert_ptr_nonnull(o);
		ck_assert_str_eq(vt_str(o, "metrics"), METRICS);
		json_object_put(o);
	}
	free(r.out);
}
END_TEST

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* KEY of each of ARRAY's objects (those with it, and MANAGED if set), sorted, a line each. */
static char *lines_of(json_object *array, const char *key, bool managed)
{
	char *v[64], *text = NULL;
	size_t i, n = 0, size = 0;
	FILE *f = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < json_object_array_length(array) && n < 64; i++) {
		json_object *o = json_object_array_get_idx(array, i), *m;

		if (managed &&
		    !(json_object_object_get_ex(o, "managed", &m) && json_object_get_boolean(m)))
			continue;
		if (vt_str(o, key))
			v[n++] = (char *)vt_str(o, key);
	}
	qsort(v, n, sizeof(v[0]), compare_strings);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", v[i]);
	fclose(f);
	return text;
}

/*
 * vigilctl complete, which the installed bash completion runs at TAB: what
 * the agent has, as list -j shows it, whatever the config file says; the
 * file's when the agent refuses the user; and the completion itself.
 */
START_TEST(complete_offers_what_the_agent_has)
{
	struct run list = vigilctl("list -j"), r;
	json_object *o = json_tokener_parse(list.out), *svcs, *dests = NULL;
	char *names, *reals;
	size_t i;

	ck_assert_int_eq(list.status, 0);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "services", &svcs));
	names = lines_of(svcs, "name", false);
	for (i = 0; i < json_object_array_length(svcs); i++) {
		json_object *svc = json_object_array_get_idx(svcs, i);

		if (vt_str(svc, "name") && !strcmp(vt_str(svc, "name"), "web"))
			ck_assert(json_object_object_get_ex(svc, "destinations", &dests));
	}
	ck_assert_ptr_nonnull(dests);
	reals = lines_of(dests, "address", true);
	ck_assert_str_eq(names, "web\n");
	ck_assert_str_eq(reals, D1 "\n" D2 "\n" D3 "\n");

	/* from the agent: a config file naming another service is not read */
	ck_assert_int_eq(vt_write(ROOT "/tmp/other.yaml", "%s",
				  "services:\n  - name: other\n    vip: "
				  "10.96.0.11:80\n    destinations: [" D1 "]\n"),
			 0);
	r = vigilctl("complete services --config /tmp/other.yaml");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, names);
	free(r.out);
	r = vigilctl("complete dests web --config /tmp/other.yaml");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, reals);
	free(r.out);
	r = vigilctl("complete vips tcp");
	ck_assert_str_eq(r.out, VIP "\n");
	free(r.out);
	/* a user the socket refuses gets the file's, and no error */
	r = vigilctl_as("nobody:nogroup", "complete services --config /tmp/other.yaml");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "other\n");
	free(r.out);

	/* TAB after `vigilctl quarantine web `, in the installed system */
	ck_assert_int_eq(
	    vt_write(ROOT "/tmp/tab.sh", "%s",
		     "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
		     "source /usr/share/bash-completion/bash_completion\n"
		     "source /usr/share/bash-completion/completions/vigilctl\n"
		     "COMP_WORDS=(vigilctl quarantine web '')\n"
		     "COMP_CWORD=3 COMP_LINE='vigilctl quarantine web ' COMP_POINT=24\n"
		     "_vigilctl vigilctl '' web\n"
		     "printf '%s\\n' \"${COMPREPLY[@]}\" | LC_ALL=C sort\n"),
	    0);
	r = run("chroot " ROOT " bash /tmp/tab.sh");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, reals);
	free(r.out);
	json_object_put(o);
	free(list.out);
	free(names);
	free(reals);
}
END_TEST

START_TEST(list_without_the_agent_shows_the_kernel)
{
	struct run r;
	pid_t pid = vigild_pid();
	int i;

	ck_assert_int_gt(pid, 0);
	kill(pid, SIGTERM);
	for (i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(100000);
	ck_assert_msg(kill(pid, 0) != 0, "vigild did not stop");
	r = vigilctl("list -n");
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.out, D1));
	free(r.out);
	/* and the connection table, without vigil's column's states */
	r = vigilctl("list -c -n");
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.out, "IPVS connection entries\n"));
	free(r.out);
	/* IPVS stays as it was when vigild stopped */
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
}
END_TEST

/*
 * The lifecycle: the package installed as an operator gets it, with no
 * service configured, on a host that has someone else's IPVS service and
 * the kernel's defaults for the sysctls vigild changes.
 */
#define FOREIGN "-A -t 10.96.0.99:80 -s lc\n"

static int sysctl_value(const char *name)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/vs/%s", name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

/* The BPF programs, links and maps vigild holds open: none unless it watches. */
static int bpf_fds(void)
{
	struct run r = run("ls -l /proc/%d/fd | grep -c 'anon_inode:bpf'", (int)vigild_pid());
	int n = atoi(r.out);

	free(r.out);
	return n;
}

/* What a host without vigil has, and what vigild must leave or put back. */
static void assert_host_as_before(void)
{
	char *ipvs = vt_output("ipvsadm -Sn");

	ck_assert_msg(vt_sh("ip link show vigil0 >/dev/null 2>&1") != 0, "vigil0 exists");
	ck_assert_int_eq(sysctl_value("expire_nodest_conn"), 0);
	ck_assert_int_eq(sysctl_value("expire_quiescent_template"), 0);
	ck_assert_ptr_nonnull(ipvs);
	ck_assert_str_eq(ipvs, FOREIGN);
	/* sockops on the root cgroup, and the cgroup2 mount it may need */
	vt_must("! bpftool cgroup show /sys/fs/cgroup 2>/dev/null | grep -q sock_ops");
	/* vigild mounts it when the system has no cgroup2 (in the chroot: under ROOT) */
	vt_must("! grep -q 'run/vigil/cgroup2 ' /proc/mounts");
	free(ipvs);
}

static void lifecycle_install(void)
{
	/* what the package case's vigild left, killed as it was */
	vt_sh("ip link del vigil0 2>/dev/null; umount " ROOT "/run/vigil/cgroup2 2>/dev/null; "
	      "umount /run/vigil/cgroup2 2>/dev/null");
	vt_must("sysctl -qw net.ipv4.vs.expire_nodest_conn=0 "
		"net.ipv4.vs.expire_quiescent_template=0");
	overlay_with_package();
	vt_must("ipvsadm -A -t 10.96.0.99:80 -s lc");
	/* the package's own config: services: [] */
	start_vigild();
}

static void lifecycle_uninstall(void)
{
	end_vigild();
	vt_sh("cat " LOG);
	vt_sh("umount -R " ROOT "; ipvsadm -C; ip link del vigil0 2>/dev/null; %s clean", vt_lab());
}

/* ExecReload= of the installed unit, run as systemd runs it for `systemctl reload`. */
static struct run exec_reload(void)
{
	char *cmd = unit_value("ExecReload");
	struct run r;

	ck_assert_str_eq(cmd, "/usr/sbin/vigilctl reload");
	r = run("chroot " ROOT " %s", cmd);
	free(cmd);
	return r;
}

START_TEST(with_no_services_vigild_changes_nothing_on_the_host)
{
	struct run r = vigilctl("status --json");
	json_object *o, *probes, *v;

	assert_host_as_before();
	ck_assert_int_eq(bpf_fds(), 0);
	ck_assert_int_eq(r.status, 0);
	o = json_tokener_parse(r.out);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "probes", &probes));
	ck_assert(json_object_object_get_ex(probes, "watching", &v));
	ck_assert(!json_object_get_boolean(v));
	json_object_put(o);
	free(r.out);
	/* nothing changed, so nothing recorded */
	vt_must("! grep -s net.ipv4.vs " ROOT "/var/lib/vigil/state.json");
	ck_assert(vigild_alive());
}
END_TEST

START_TEST(the_first_service_sets_the_host_up)
{
	struct run r;
	char *ipvs;

	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG), 0);
	r = exec_reload();
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	vt_must("ip -d link show vigil0 | grep -q dummy");
	vt_must("ip route show dev vigil0 | grep -q '^10.96.0.10 '");
	ck_assert_int_eq(sysctl_value("expire_nodest_conn"), 1);
	ck_assert_int_eq(sysctl_value("expire_quiescent_template"), 1);
	ck_assert(log_wait("vigild: watching", 30000));
	ck_assert_int_gt(bpf_fds(), 0);
	/* the values before, recorded for cleanup */
	vt_must("grep -q '\"name\":\"net.ipv4.vs.expire_nodest_conn\"' " ROOT
		"/var/lib/vigil/state.json");
	vt_must("grep -q '\"interface\":\"vigil0\"' " ROOT "/var/lib/vigil/state.json");
	/* someone else's service is left alone */
	ipvs = vt_output("ipvsadm -Sn");
	ck_assert_ptr_nonnull(strstr(ipvs, FOREIGN));
	free(ipvs);
}
END_TEST

/* GET /metrics has LINE. */
static bool metrics_have(const char *line)
{
	char *resp = vt_http_get(METRICS, "/metrics");
	bool found = resp && strstr(resp, line);

	free(resp);
	return found;
}

START_TEST(a_rejected_config_fails_exec_reload_and_the_running_one_stays)
{
	struct run r;

	ck_assert(metrics_have("\nvigil_config_last_reload_successful 1\n"));
	/* line 5: a weight that is not a number */
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s",
				  "services:\n  - name: web\n    vip: " VIP "\n    destinations:\n"
				  "      - { address: " D1 ", weight: lots }\n"),
			 0);
	r = exec_reload();
	/* what systemctl reload would report, and the journal would hold */
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "/etc/vigil/vigil.yaml:5:"));
	free(r.out);
	ck_assert(vigild_alive());
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	ck_assert(metrics_have("\nvigil_config_last_reload_successful 0\n"));
	/* fixed: taken again */
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG), 0);
	r = exec_reload();
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert(metrics_have("\nvigil_config_last_reload_successful 1\n"));
}
END_TEST

START_TEST(removing_the_package_keeps_the_data_path_and_reinstalling_takes_it_back)
{
	struct run r;

	stop_vigild();
	vt_must("chroot " ROOT " dpkg -r vigil");
	/* the services, their weights, the routes and the sysctls stay */
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	vt_must("ip route show dev vigil0 | grep -q '^10.96.0.10 '");
	ck_assert_int_eq(sysctl_value("expire_nodest_conn"), 1);
	vt_must("test -f " ROOT "/var/lib/vigil/state.json && test -x " ROOT
		"/var/lib/vigil/vigild-cleanup");

	vt_must("chroot " ROOT " dpkg -i /tmp/vigil.deb");
	vt_must("test ! -e " ROOT "/var/lib/vigil/vigild-cleanup");
	/* the conffile survived the remove: vigild takes its services back */
	start_vigild();
	r = vigilctl("quarantine web " D2);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 0);
	r = vigilctl("release web " D2);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_gt(vt_ipvs_weight(VIP, D2), 0);
}
END_TEST

START_TEST(purge_removes_what_vigild_owns_and_nothing_else)
{
	struct run r;

	/* prerm has systemd stop vigild; there is no systemd here */
	stop_vigild();
	vt_must("chroot " ROOT " dpkg -r vigil");
	r = run("chroot " ROOT " dpkg --purge vigil");
	ck_assert_int_eq(r.status, 0);
	/* each object named */
	ck_assert_ptr_nonnull(strstr(r.out, "removed IPVS service tcp " VIP));
	ck_assert_ptr_nonnull(strstr(r.out, "kept IPVS service tcp 10.96.0.99:80"));
	ck_assert_ptr_nonnull(strstr(r.out, "removed interface vigil0"));
	ck_assert_ptr_nonnull(strstr(r.out, "restored net.ipv4.vs.expire_nodest_conn=0"));
	ck_assert_ptr_nonnull(strstr(r.out, "cleanup done"));
	free(r.out);
	assert_host_as_before();
	vt_must("test ! -e " ROOT "/var/lib/vigil");
}
END_TEST

START_TEST(a_reinstalled_vigild_manages_its_services_again)
{
	struct run r;
	char *ipvs;

	vt_must("chroot " ROOT " dpkg -i /tmp/vigil.deb");
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG), 0);
	start_vigild();
	ck_assert(log_wait("vigild: watching", 30000));
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	vt_must("ip route show dev vigil0 | grep -q '^10.96.0.10 '");
	r = vigilctl("quarantine web " D1);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 0);
	/* and a reload to no service puts the host back as it was */
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", "services: []\n"), 0);
	r = exec_reload();
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert(log_wait("removed interface vigil0", 10000));
	assert_host_as_before();
	ck_assert_int_eq(bpf_fds(), 0);
	ipvs = vt_output("ipvsadm -Sn");
	ck_assert_str_eq(ipvs, FOREIGN);
	free(ipvs);
}
END_TEST

/*
 * What systemd would hear from vigild under the unit's Type=notify,
 * NotifyAccess=main and WatchdogSec=: the test plays the service manager
 * with a datagram socket of its own. It is under /run, which the chroot
 * shares, so NOTIFY_SOCKET names the same file inside and outside.
 */
/*
 * CONFIG, with a released destination's weight back at once: no ramp left
 * running for a later case (a restarted vigild carries it on, and changes
 * IPVS as it goes).
 */
#define CONFIG_NO_WARMUP "defaults:\n  probation: { warmup: 0s }\n" CONFIG

#define NOTIFY_PATH   "/run/vt-notify.sock"
#define WATCHDOG_USEC 2000000ull /* vigild pings at half of it: every second */
#define NOTICES_MAX   512

struct notice {
	char text[1024];
	pid_t pid;      /* the sender, from SCM_CREDENTIALS: NotifyAccess=main checks it */
	uint64_t at_ns; /* when the kernel queued it (SO_TIMESTAMPNS, CLOCK_REALTIME) */
};

static struct {
	int fd;
	size_t n;
	struct notice m[NOTICES_MAX];
} notices;

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void notices_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = NOTIFY_PATH };
	int one = 1;

	unlink(NOTIFY_PATH);
	notices.n = 0;
	notices.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(notices.fd, 0);
	ck_assert_int_eq(bind(notices.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(setsockopt(notices.fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	/* the time each was sent, not when the test, busy with a command, read it */
	ck_assert_int_eq(setsockopt(notices.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)), 0);
}

static void notices_close(void)
{
	close(notices.fd);
	unlink(NOTIFY_PATH);
}

/* Reads one message if one comes within TIMEOUT_MS; whether one did. */
static bool notices_read(int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct pollfd p = { .fd = notices.fd, .events = POLLIN };
	struct notice *m = &notices.m[notices.n];
	struct iovec iov = { .iov_base = m->text, .iov_len = sizeof(m->text) - 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;
	ssize_t len;
	char *nl;

	ck_assert_uint_lt(notices.n, NOTICES_MAX);
	if (poll(&p, 1, timeout_ms) <= 0)
		return false;
	memset(m, 0, sizeof(*m));
	len = recvmsg(notices.fd, &mh, MSG_DONTWAIT);
	ck_assert_int_ge(len, 0);
	ck_assert_msg(!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)), "a notification was cut");
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			m->pid = cred.pid;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			m->at_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		}
	}
	notices.n++;
	fprintf(stderr, "notify #%zu from %d: ", notices.n - 1, (int)m->pid);
	for (nl = m->text; *nl; nl++)
		fputc(*nl == '\n' ? '|' : *nl, stderr);
	fputc('\n', stderr);
	return true;
}

/* The line of M that begins with PREFIX ("READY=1", "STATUS="), or NULL. */
static const char *notice_line(const struct notice *m, const char *prefix)
{
	const char *line;

	for (line = m->text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, prefix, strlen(prefix)))
			return line;
	return NULL;
}

/*
 * The first message at or after FROM with a line beginning with PREFIX,
 * waiting up to TIMEOUT_MS (less once vigild has exited); its index, or -1.
 */
static int notices_wait(const char *prefix, size_t from, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + timeout_ms * 1000000ull;
	size_t i = from;

	for (;;) {
		for (; i < notices.n; i++)
			if (notice_line(&notices.m[i], prefix))
				return (int)i;
		if (vt_now_ns() >= deadline)
			return -1;
		/* gone: what it sent is queued already, and nothing more comes */
		if (!notices_read(200) && !vigild_alive() && !notices_read(0))
			deadline = 0;
	}
}

/* Everything that arrives in the next MS. */
static void notices_collect(int ms)
{
	uint64_t deadline = vt_now_ns() + ms * 1000000ull;

	while (vt_now_ns() < deadline)
		notices_read((int)((deadline - vt_now_ns()) / 1000000) + 1);
}

/*
 * The WATCHDOG=1 pings after message FROM (the READY=1 that armed systemd's
 * watchdog) up to END_NS; fails the test if two, or READY and the first, or
 * the last and END_NS, are further apart than WATCHDOG_USEC.
 */
static unsigned int watchdog_pings(size_t from, uint64_t end_ns)
{
	uint64_t last = notices.m[from].at_ns, longest = 0;
	unsigned int pings = 0;
	size_t i;

	for (i = from + 1; i < notices.n && notices.m[i].at_ns <= end_ns; i++) {
		if (!notice_line(&notices.m[i], "WATCHDOG=1"))
			continue;
		if (notices.m[i].at_ns - last > longest)
			longest = notices.m[i].at_ns - last;
		last = notices.m[i].at_ns;
		pings++;
	}
	if (end_ns - last > longest)
		longest = end_ns - last;
	fprintf(stderr, "%u WATCHDOG=1 in %.3f s, longest without one %.3f s\n", pings,
		(end_ns - notices.m[from].at_ns) / 1e9, longest / 1e9);
	ck_assert_msg(
	    longest <= WATCHDOG_USEC * 1000,
	    "%.3f s without WATCHDOG=1: systemd would have killed vigild (WATCHDOG_USEC=%llu)",
	    longest / 1e9, WATCHDOG_USEC);
	return pings;
}

/*
 * vigild as the unit starts it, with the environment systemd gives it:
 * NOTIFY_SOCKET, and WATCHDOG_USEC with WATCHDOG_PID, which must be
 * vigild's own pid (sd_watchdog_enabled() ignores a watchdog meant for
 * another): the shell's, which exec keeps through chroot into vigild.
 */
static void start_vigild_notified(void)
{
	char *exec = unit_value("ExecStart");

	ck_assert_str_eq(exec, "/usr/sbin/vigild -c /etc/vigil/vigil.yaml");
	vt_must("rm -f " LOG " " PID "; sh -c 'export NOTIFY_SOCKET=" NOTIFY_PATH
		" WATCHDOG_USEC=%llu WATCHDOG_PID=$$; exec chroot " ROOT " %s' >" LOG
		" 2>&1 & echo $! >" PID,
		WATCHDOG_USEC, exec);
	free(exec);
}

/* ExecReload= (vigilctl reload waits for the verdict): its exit status, and RELOADING then READY.
 */
static int reload_told(int status)
{
	size_t from = notices.n;
	struct run r = exec_reload();
	int reloading, ready;

	ck_assert_int_eq(r.status, status);
	free(r.out);
	reloading = notices_wait("RELOADING=1", from, 10000);
	ck_assert_msg(reloading >= 0, "no RELOADING=1 on reload");
	ready = notices_wait("READY=1", reloading + 1, 10000);
	ck_assert_msg(ready >= 0, "no READY=1 after RELOADING=1");
	return ready;
}

/*
 * Type=notify as systemd sees it: READY=1 once the first pass has put the
 * service in IPVS; WATCHDOG=1 at half of WATCHDOG_USEC from then on, through
 * reloads; a STATUS= line kept current; RELOADING=1 then READY=1 around each
 * reload, with the MONOTONIC_USEC= systemd (>= 253) matches a reload with;
 * READY=1 after a rejected reload too, or systemd would wait in "reloading";
 * STOPPING=1 on SIGTERM. Every message from vigild's own pid, the only one
 * NotifyAccess=main accepts.
 */
START_TEST(vigild_tells_systemd_what_type_notify_expects)
{
	struct timespec before;
	struct run r;
	uint64_t mono;
	const char *v;
	pid_t pid;
	size_t i;
	int ready, at, stopping;

	/* whatever runs stops, and the service goes: READY must find it put back */
	end_vigild();
	vt_sh("ipvsadm -D -t " VIP " 2>/dev/null");
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), -1);
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG_NO_WARMUP), 0);
	notices_open();
	start_vigild_notified();
	pid = vigild_pid();
	ck_assert_int_gt(pid, 0);

	ready = notices_wait("READY=1", 0, 60000);
	ck_assert_msg(ready >= 0, "vigild never said READY=1");
	/* read at once: the first pass was done when READY was sent */
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D1), 100);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 100);
	ck_assert_int_eq(notices.m[ready].pid, pid);
	ck_assert_msg(
	    notice_line(&notices.m[ready], "STATUS=1 service, 3 of 3 destinations in rotation"),
	    "READY=1 without the status line");

	/* pings from READY on */
	notices_collect(3500);
	ck_assert_uint_ge(watchdog_pings(ready, realtime_ns()), 3);

	/* the status line follows what vigild keeps in rotation */
	at = notices.n;
	r = vigilctl("quarantine web " D2 " --for 5m");
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_msg(notices_wait("STATUS=1 service, 2 of 3 destinations in rotation", at, 5000) >=
			  0,
		      "no STATUS= line with the quarantine");
	at = notices.n;
	r = vigilctl("release web " D2);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_msg(notices_wait("STATUS=1 service, 3 of 3 destinations in rotation", at, 5000) >=
			  0,
		      "no STATUS= line with the release");

	/* SIGHUP (systemctl kill -s HUP): RELOADING=1 dated after it, READY=1 once applied */
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s",
				  "defaults:\n  probation: { warmup: 0s }\n"
				  "agent:\n  reconcile_interval: 1s\n  metrics: " METRICS "\n"
				  "services:\n  - name: web\n    vip: " VIP "\n    scheduler: rr\n"
				  "    health: { enabled: false }\n    destinations:\n"
				  "      - " D1 "\n      - " D2 "\n      - { address: " D3
				  ", weight: 70 }\n"),
			 0);
	at = notices.n;
	clock_gettime(CLOCK_MONOTONIC, &before);
	kill(pid, SIGHUP);
	at = notices_wait("RELOADING=1", at, 10000);
	ck_assert_msg(at >= 0, "no RELOADING=1 on SIGHUP");
	v = notice_line(&notices.m[at], "MONOTONIC_USEC=");
	ck_assert_msg(v, "RELOADING=1 without MONOTONIC_USEC=");
	mono = strtoull(v + strlen("MONOTONIC_USEC="), NULL, 10);
	ck_assert_uint_ge(mono, before.tv_sec * 1000000ull + before.tv_nsec / 1000);
	ck_assert_msg(notices_wait("READY=1", at + 1, 10000) >= 0, "no READY=1 after RELOADING=1");
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 70);

	/* ExecReload=: the same, taken or rejected */
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG_NO_WARMUP), 0);
	at = reload_told(0);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D3), 50);
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s",
				  "services:\n  - name: web\n    vip: " VIP "\n    destinations:\n"
				  "      - { address: " D1 ", weight: lots }\n"),
			 0);
	at = reload_told(1);
	v = notice_line(&notices.m[at], "STATUS=");
	ck_assert_msg(v && strstr(v, "; last reload rejected: /etc/vigil/vigil.yaml:5:"),
		      "READY=1 of a rejected reload does not say so");
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG_NO_WARMUP), 0);
	at = reload_told(0);
	v = notice_line(&notices.m[at], "STATUS=");
	ck_assert_msg(v && !strstr(v, "rejected"), "READY=1 of a reload taken still says rejected");

	/* SIGTERM, as systemctl stop: STOPPING=1, the last word */
	at = notices.n;
	kill(pid, SIGTERM);
	stopping = notices_wait("STOPPING=1", at, 10000);
	ck_assert_msg(stopping >= 0, "no STOPPING=1 on SIGTERM");
	for (i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(100000);
	ck_assert_msg(kill(pid, 0) != 0, "vigild did not stop");
	unlink(PID);
	/* a ping may have been due in the same turn of the loop; nothing that revives it */
	notices_collect(200);
	for (i = stopping + 1; i < notices.n; i++)
		ck_assert(!notice_line(&notices.m[i], "READY=1") &&
			  !notice_line(&notices.m[i], "RELOADING=1"));

	/* through all of it: never a ping late, and nothing from another pid */
	watchdog_pings(ready, notices.m[stopping].at_ns);
	for (i = 0; i < notices.n; i++)
		ck_assert_int_eq(notices.m[i].pid, pid);
	notices_close();
}
END_TEST

/* The data path's rules: IPVS, and the VIP's route on vigil0 (sorted). */
#define DATA_PATH "ipvsadm -Sn && ip route show dev vigil0"

/* A thread that reads DATA_PATH over and over, and counts the times it differs. */
struct data_path_watch {
	pthread_t thread;
	volatile bool stop;
	char *expected;
	unsigned int reads, changed;
	char *first_change; /* what it read the first time it differed */
};

static void *data_path_watch_main(void *arg)
{
	struct data_path_watch *w = arg;

	while (!w->stop) {
		char *now = vt_output(DATA_PATH);

		w->reads++;
		if (!now || strcmp(now, w->expected)) {
			if (!w->changed++)
				w->first_change = now ? now : strdup("(ipvsadm or ip failed)\n");
			else
				free(now);
		} else {
			free(now);
		}
		usleep(20000);
	}
	return NULL;
}

/* Whether every vigil_netlink_operations_total of the running vigild is 0. */
static bool no_ipvs_change_since_start(void)
{
	char *resp = http_get("/metrics"), *line, *save = NULL;
	bool none = true, seen = false;

	for (line = strtok_r(resp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "vigil_netlink_operations_total{", 31))
			continue;
		seen = true;
		if (strcmp(strrchr(line, ' '), " 0")) {
			fprintf(stderr, "the new vigild changed IPVS: %s\n", line);
			none = false;
		}
	}
	free(resp);
	ck_assert_msg(seen, "no vigil_netlink_operations_total in /metrics");
	return none;
}

/*
 * dpkg -i of the same package over the running install: an upgrade in
 * dpkg's eyes (prerm upgrade, unpack, postinst configure). dh_installsystemd's
 * prerm stops vigild only on remove, and its postinst restarts it with
 * deb-systemd-invoke, which needs systemd: here the restart is what systemd
 * would do, SIGTERM then ExecStart=. Through all of it, clients through the
 * VIP, new and established, see nothing, and IPVS and the VIP's route stay
 * as they were; the new vigild adopts them and manages the service.
 */
START_TEST(an_upgrade_under_load_keeps_the_data_path)
{
	struct data_path_watch w = { 0 };
	struct vt_echo_conn c[4];
	uint64_t echoed[4];
	struct vt_clients clients;
	struct vt_loop loop;
	struct vt_echo echo;
	struct run r;
	char *exe;
	pid_t old;
	unsigned int i;

	end_vigild();
	vt_must("for d in d1 d2 d3; do %s live $d; done", vt_lab());
	ck_assert_int_eq(vt_write(ROOT "/etc/vigil/vigil.yaml", "%s", CONFIG_NO_WARMUP), 0);
	start_vigild();
	ck_assert(log_wait("vigild: watching", 30000));
	/* a ramp an earlier case left has ended: the weights are the configured ones */
	for (i = 0; i < 100 && (vt_ipvs_weight(VIP, D1) != 100 || vt_ipvs_weight(VIP, D2) != 100 ||
				vt_ipvs_weight(VIP, D3) != 50);
	     i++)
		usleep(100000);
	old = vigild_pid();
	w.expected = vt_output(DATA_PATH);
	ck_assert_ptr_nonnull(w.expected);
	ck_assert_ptr_nonnull(strstr(w.expected, "-a -t " VIP " -r " D3 " -m -w 50"));
	ck_assert_ptr_nonnull(strstr(w.expected, "10.96.0.10 "));

	ck_assert_int_eq(pthread_create(&w.thread, NULL, data_path_watch_main, &w), 0);
	ck_assert_int_eq(vt_loop_start(&loop, VIP, 50), 0);
	ck_assert_int_eq(vt_echo_open(&echo, VIP, 4, 100), 0);
	ck_assert_int_eq(vt_echo_start(&echo), 0);
	sleep(1);
	vt_echo_snapshot(&echo, c);
	for (i = 0; i < 4; i++)
		echoed[i] = c[i].echoed;

	r = run("chroot " ROOT " dpkg -i /tmp/vigil.deb");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "over (" VIGIL_VERSION ")"));
	free(r.out);
	/* still the old vigild, on the binary the unpack replaced */
	ck_assert_msg(kill(old, 0) == 0, "the upgrade stopped vigild");
	exe = vt_output("readlink /proc/%d/exe", (int)old);
	ck_assert_ptr_nonnull(exe);
	ck_assert_ptr_nonnull(strstr(exe, "(deleted)"));
	free(exe);
	/* postinst's restart, as systemd does it */
	stop_vigild();
	start_vigild();
	ck_assert(log_wait("vigild: watching", 30000));
	ck_assert_int_ne(vigild_pid(), old);
	sleep(1);

	w.stop = true;
	pthread_join(w.thread, NULL);
	clients = vt_loop_stop(&loop);
	vt_echo_snapshot(&echo, c);
	vt_echo_close(&echo);
	fprintf(stderr, "data path read %u times during the upgrade, %u different\n", w.reads,
		w.changed);
	ck_assert_msg(w.changed == 0, "the data path changed during the upgrade:\n%s\nnot\n%s",
		      w.first_change, w.expected);
	ck_assert_uint_gt(w.reads, 5);
	ck_assert_uint_gt(clients.ok, 10);
	ck_assert_uint_eq(clients.failed, 0);
	for (i = 0; i < 4; i++) {
		ck_assert_msg(c[i].err == 0, "established connection %u through the VIP: %s", i,
			      strerror(c[i].err));
		ck_assert_uint_gt(c[i].echoed, echoed[i]);
	}
	free(w.expected);

	/* the new vigild adopted the service as it was, and manages it */
	ck_assert(no_ipvs_change_since_start());
	r = vigilctl("list -j");
	ck_assert_int_eq(r.status, 0);
	{
		json_object *o = json_tokener_parse(r.out), *svcs, *dests;

		ck_assert_ptr_nonnull(o);
		ck_assert(json_object_object_get_ex(o, "services", &svcs));
		ck_assert_ptr_nonnull(strstr(json_object_to_json_string(svcs), "\"web\""));
		ck_assert(json_object_object_get_ex(json_object_array_get_idx(svcs, 0),
						    "destinations", &dests));
		ck_assert_uint_eq(json_object_array_length(dests), 3);
		json_object_put(o);
	}
	free(r.out);
	r = vigilctl("quarantine web " D2);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_eq(vt_ipvs_weight(VIP, D2), 0);
	r = vigilctl("release web " D2);
	ck_assert_int_eq(r.status, 0);
	free(r.out);
	ck_assert_int_gt(vt_ipvs_weight(VIP, D2), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_package");
	TCase *tc = tcase_create("package");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, install, uninstall);
	tcase_add_test(tc, the_package_installs_what_an_operator_needs);
	tcase_add_test(tc, list_agrees_with_ipvsadm);
	tcase_add_test(tc, list_ipvsadm_is_ipvsadms_bytes);
	tcase_add_test(tc, list_ipvsadm_views_are_ipvsadms_bytes);
	tcase_add_test(tc, list_c_is_ipvsadms_connection_table);
	tcase_add_test(tc, quarantine_and_release_reach_ipvs);
	tcase_add_test(tc, reload_takes_a_good_config_and_keeps_the_running_one_on_a_bad_one);
	tcase_add_test(tc, status_names_the_kernel_and_the_probes);
	tcase_add_test(tc, only_root_may_change_anything);
	tcase_add_test(tc, garbage_and_oversized_requests_leave_the_agent_running);
	tcase_add_test(tc, metrics_scrape_and_parse);
	tcase_add_test(tc, complete_offers_what_the_agent_has);
	tcase_add_test(tc, list_without_the_agent_shows_the_kernel);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, lifecycle_install, lifecycle_uninstall);
	tcase_add_test(tc, with_no_services_vigild_changes_nothing_on_the_host);
	tcase_add_test(tc, the_first_service_sets_the_host_up);
	tcase_add_test(tc, a_rejected_config_fails_exec_reload_and_the_running_one_stays);
	tcase_add_test(tc, removing_the_package_keeps_the_data_path_and_reinstalling_takes_it_back);
	tcase_add_test(tc, purge_removes_what_vigild_owns_and_nothing_else);
	tcase_add_test(tc, a_reinstalled_vigild_manages_its_services_again);
	tcase_add_test(tc, vigild_tells_systemd_what_type_notify_expects);
	tcase_add_test(tc, an_upgrade_under_load_keeps_the_data_path);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
