// SPDX-License-Identifier: GPL-2.0
/*
 * xdax(8) shared pieces: messages, numbers, the device and its sysfs
 * directory, JSON output.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "xdax.h"

#ifndef EHWPOISON
#define EHWPOISON 133
#endif

const char *prog = "xdax";
const char *verb_name;	/* for messages, once the verb is known */

/* ---- messages ------------------------------------------------------------ */

/* msg(STATUS, fmt...): "xdax: ..." on stderr; returns STATUS. */
int msg(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, verb_name ? "%s %s: " : "%s: ", prog, verb_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int usage_error(struct xctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", prog, c->verb ? c->verb->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s %s %s (see %s %s --help)\n", prog,
		c->verb ? c->verb->name : "VERB", c->verb ? c->verb->synopsis : "...", prog,
		c->verb ? c->verb->name : "VERB");
	return XS_USAGE;
}

static bool is_verb(struct xctx *c, const char *name)
{
	return c->verb && !strcmp(c->verb->name, name);
}

/*
 * errno_fail(c, what, err): one clear line for an errno of the UAPI (see
 * include/uapi/linux/xdax.h), said in the verb's own terms; returns the exit
 * status.  Never strerror(ENOTTY) on a file that is not an xdax device.
 */
int errno_fail(struct xctx *c, const char *what, int err)
{
	char a[64];
	const char *m;
	int status = XS_FAIL;

	human_size(c->info.align ? c->info.align : 2 << 20, a, sizeof(a));
	switch (err) {
	case EINVAL:
		if (is_verb(c, "truncate"))
			m = "SIZE must be a multiple of the block size (align)";
		else if (is_verb(c, "punch"))
			m = "OFFSET and LENGTH must be multiples of the block size (align), LENGTH not 0";
		else if (is_verb(c, "allocate"))
			m = "OFFSET and LENGTH must be multiples of the block size (align) and lie within the file size (grow it first with xdax truncate)";
		else if (is_verb(c, "pin"))
			m = "the range must be page aligned, within the capacity, and at most 1 GiB";
		else if (is_verb(c, "query"))
			m = "BLOCK must be below the number of blocks (stats: total)";
		else
			m = "invalid argument (the module refused the request: a module older than this tool?)";
		break;
	case EBADF:
		m = "needs the device opened for writing (it was opened read-only)";
		break;
	case EOVERFLOW:
		m = "OFFSET + LENGTH wraps around";
		break;
	case EFBIG:
		m = "past the device's capacity (xdax info: size)";
		break;
	case ENOSPC:
		m = "not enough free blocks (xdax stats: free); nothing was allocated";
		break;
	case ENOMEM:
		m = is_verb(c, "pin") ?
		    "over RLIMIT_MEMLOCK (ulimit -l; every block a pin touches counts whole): raise it (limits.conf, LimitMEMLOCK=) or run with CAP_IPC_LOCK" :
		    "out of memory";
		break;
	case ENOENT:
		m = is_verb(c, "pin") ? "this file holds no pin with that id" : "no such file";
		break;
	case E2BIG:
		m = "the module refused the argument's size: this tool is newer than the module";
		break;
	case EINTR:
		m = "interrupted while waiting for blocks still referenced; the file is already changed and those blocks await reclaim (repeat to wait again, or xdax wait-reclaim)";
		break;
	case ETIMEDOUT:
		m = "timed out waiting for blocks still referenced (a pin, O_DIRECT, io_uring, a pipe); the file is already changed and those blocks await reclaim (xdax wait-reclaim)";
		break;
	case EHWPOISON:
		m = "the range holds a poisoned block (a memory failure): punch it";
		break;
	case EFAULT:
		m = is_verb(c, "pin") ?
		    "the range is not all within the file size, or holds a poisoned block" :
		    "bad address";
		break;
	case ENOTTY:
		return msg(XS_NODEV, "%s is not an xdax device", c->path);
	case ENODEV:
	case ENXIO:
		return msg(XS_NODEV, "%s: the device is gone (xdax unloaded?)", c->path);
	case EACCES:
	case EPERM:
		m = "permission denied";
		break;
	default:
		m = strerror(err);
		break;
	}
	fflush(stdout);
	fprintf(stderr, "%s %s: %s: ", prog, c->verb->name, c->path);
	if (strcmp(what, c->verb->name))
		fprintf(stderr, "%s: ", what);
	/* "(align)" stands for the block size, known once the device is open. */
	for (; *m; m++) {
		if (!strncmp(m, "(align)", 7)) {
			fprintf(stderr, "(%s)", a);
			m += 6;
		} else {
			fputc(*m, stderr);
		}
	}
	fputc('\n', stderr);
	return status;
}

/* ---- numbers ------------------------------------------------------------- */

/*
 * parse_size: decimal (a leading 0 is still decimal) or 0x hex, with an
 * optional K/M/G/T suffix, as the module's ranges= (module/xdax_parse.c).
 * Overflow and trailing text fail.
 */
int parse_size(const char *s, __u64 *out)
{
	unsigned int base = 10, shift = 0, digits = 0, d;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (!digits)
		return -1;
	switch (*s) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	}
	if (shift) {
		s++;
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
	}
	if (*s)
		return -1;
	*out = v;
	return 0;
}

/* parse_duration: a decimal number with an optional ns/us/ms/s/m/h unit (default s). */
int parse_duration(const char *s, __u64 *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		{ "", 1000000000 }, { "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	uint64_t v = 0;
	unsigned int i;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].unit))
			continue;
		if (v > UINT64_MAX / units[i].ns)
			return -1;
		*ns = v * units[i].ns;
		return 0;
	}
	return -1;
}

/* arg_size(c, i, WHAT, out): positional argument i as a size, or a usage error. */
int arg_size(struct xctx *c, int i, const char *what, __u64 *out)
{
	if (!parse_size(c->args[i], out))
		return 0;
	return usage_error(c, "bad %s '%s': expected a number (decimal or 0x hex) with an optional K/M/G/T suffix, e.g. 256M or 0x200000",
			   what, c->args[i]);
}

/*
 * human_size: as daxctl -u prints sizes: "512.00 MiB (536.87 MB)", rounded
 * to hundredths; below 5000 KiB the plain number of bytes.
 */
void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const iec[] = { "MiB", "GiB", "TiB", "PiB" };
	static const char *const si[] = { "MB", "GB", "TB", "PB" };
	unsigned int u = 0;
	uint64_t ci, cs;
	double b = bytes;

	if (bytes < 5000 * 1024ULL) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return;
	}
	/* MiB up to 2 GiB, then GiB up to 2 TiB, ... */
	while (u < 3 && bytes >= (2ULL << (30 + 10 * u)))
		u++;
	ci = (uint64_t)(b * 200 / (double)(1ULL << (20 + 10 * u)) + 1) / 2;
	cs = (uint64_t)(b * 200 / (1e6 * (u == 0 ? 1 : u == 1 ? 1e3 : u == 2 ? 1e6 : 1e9)) + 1) / 2;
	snprintf(buf, len, "%llu.%02llu %s (%llu.%02llu %s)",
		 (unsigned long long)(ci / 100), (unsigned long long)(ci % 100), iec[u],
		 (unsigned long long)(cs / 100), (unsigned long long)(cs % 100), si[u]);
}

/* ---- devices --------------------------------------------------------------- */

bool module_loaded(void)
{
	return access("/sys/class/xdax", F_OK) == 0;
}

/* dev_path: "xdax0" -> /dev/xdax0; anything with a '/' as given. */
const char *dev_path(const char *arg, char *buf, size_t len)
{
	if (strchr(arg, '/'))
		snprintf(buf, len, "%s", arg);
	else
		snprintf(buf, len, "/dev/%s", arg);
	return buf;
}

/* The ids of /sys/class/xdax/xdaxN, ascending; returns how many (or -1). */
int list_devices(int *ids, int max)
{
	struct dirent *e;
	int n = 0, i, j, id;
	char *end;
	DIR *d;

	d = opendir("/sys/class/xdax");
	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		if (strncmp(e->d_name, "xdax", 4))
			continue;
		id = strtol(e->d_name + 4, &end, 10);
		if (end == e->d_name + 4 || *end)
			continue;
		for (i = 0; i < n && ids[i] < id; i++)
			;
		for (j = n++; j > i; j--)
			ids[j] = ids[j - 1];
		ids[i] = id;
	}
	closedir(d);
	return n;
}

static int no_such_device(struct xctx *c)
{
	int ids[64], n, i;
	char list[256] = "";

	if (!module_loaded())
		return msg(XS_NODEV, "%s: the xdax module is not loaded (modprobe xdax ranges=SIZE@START; see xdax check-range)",
			   c->path);
	n = list_devices(ids, 64);
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), " xdax%d", ids[i]);
	return msg(XS_NODEV, "%s: no such xdax device (the devices are:%s)", c->path,
		   n > 0 ? list : " none");
}

/*
 * The name of ID in /etc/passwd or /etc/group (field 3), else the number: a
 * static binary has no NSS for getpwuid().
 */
static void id_name(const char *file, unsigned int id, char *buf, size_t len)
{
	char line[512], *name, *f3, *save;
	FILE *f = fopen(file, "re");

	snprintf(buf, len, "%u", id);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		name = strtok_r(line, ":", &save);
		if (!name || !strtok_r(NULL, ":", &save))
			continue;
		f3 = strtok_r(NULL, ":", &save);
		if (f3 && strtoul(f3, NULL, 10) == id) {
			snprintf(buf, len, "%s", name);
			break;
		}
	}
	fclose(f);
}

/* Who may open PATH, for a "permission denied". */
static int denied(struct xctx *c)
{
	char user[64], group[64];
	struct stat st;

	if (stat(c->path, &st))
		return msg(XS_FAIL, "%s: permission denied", c->path);
	id_name("/etc/passwd", st.st_uid, user, sizeof(user));
	id_name("/etc/group", st.st_gid, group, sizeof(group));
	return msg(XS_FAIL, "%s: permission denied (mode %04o, owner %s:%s): run as root, or as a member of the node's group with mode 0660 (the xdax udev rule)",
		   c->path, (unsigned int)(st.st_mode & 07777), user, group);
}

/*
 * dev_open(c, flags): open DEV (default xdax0), make sure it is an xdax
 * device (a character device whose sysfs class is xdax), read its INFO.
 * Returns 0, or the exit status after saying why not.
 */
int dev_open(struct xctx *c, int flags)
{
	char link[PATH_MAX], sys[96];
	struct stat st;
	ssize_t n;
	char *base;

	dev_path(c->dev_arg ? c->dev_arg : "xdax0", c->path, sizeof(c->path));
	/* Never open what cannot be an xdax node: a FIFO would block the open. */
	if (!stat(c->path, &st) && !S_ISCHR(st.st_mode))
		return msg(XS_NODEV, "%s is not an xdax device", c->path);
	c->fd = open(c->path, flags | O_CLOEXEC);
	if (c->fd < 0) {
		switch (errno) {
		case ENOENT:
			if (!c->dev_arg || !strchr(c->dev_arg, '/') ||
			    !strncmp(c->path, "/dev/xdax", 9))
				return no_such_device(c);
			return msg(XS_NODEV, "%s: no such file", c->path);
		case EACCES:
		case EPERM:
			return denied(c);
		case ENXIO:
		case ENODEV:
			return msg(XS_NODEV, "%s: no such device (xdax is loading or unloading?)", c->path);
		default:
			return msg(XS_FAIL, "%s: %s", c->path, strerror(errno));
		}
	}
	if (fstat(c->fd, &st))
		return msg(XS_FAIL, "%s: %s", c->path, strerror(errno));
	if (!S_ISCHR(st.st_mode))
		return msg(XS_NODEV, "%s is not an xdax device", c->path);
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/subsystem", major(st.st_rdev),
		 minor(st.st_rdev));
	n = readlink(sys, link, sizeof(link) - 1);
	if (n < 0)
		return msg(XS_NODEV, "%s is not an xdax device", c->path);
	link[n] = 0;
	base = strrchr(link, '/');
	if (!base || strcmp(base + 1, "xdax"))
		return msg(XS_NODEV, "%s is not an xdax device", c->path);
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	n = readlink(sys, link, sizeof(link) - 1);
	if (n < 0)
		return msg(XS_NODEV, "%s is not an xdax device", c->path);
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(c->name, sizeof(c->name), "%.63s", base ? base + 1 : link);
	snprintf(c->sysdir, sizeof(c->sysdir), "/sys/class/xdax/%s", c->name);
	c->info = (struct xdax_info){ .size = sizeof(c->info) };
	if (ioctl(c->fd, XDAX_IOC_INFO, &c->info))
		return errno_fail(c, "XDAX_IOC_INFO", errno);
	return 0;
}

/* sysfs_read(DIR, ATTR, buf): the attribute's first line; 0 or -errno. */
int sysfs_read(const char *dir, const char *attr, char *buf, size_t len)
{
	char p[512];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, attr);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int sysfs_u64(const char *dir, const char *attr, uint64_t *v)
{
	char buf[64], *end;
	int r = sysfs_read(dir, attr, buf, sizeof(buf));

	if (r)
		return r;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return (errno || end == buf || *end) ? -EINVAL : 0;
}

int sysfs_s64(const char *dir, const char *attr, int64_t *v)
{
	char buf[64], *end;
	int r = sysfs_read(dir, attr, buf, sizeof(buf));

	if (r)
		return r;
	errno = 0;
	*v = strtoll(buf, &end, 0);
	return (errno || end == buf || *end) ? -EINVAL : 0;
}

/* ---- JSON on stdout: indented like daxctl's (json-c pretty, two spaces) ---- */

static int j_depth;
static bool j_first = true;
static char j_stack[64];	/* the closing character of each open level */

static void j_key(const char *key)
{
	if (!j_first)
		putchar(',');
	if (j_depth)
		printf("\n%*s", 2 * j_depth, "");
	j_first = false;
	if (key) {
		j_str(NULL, key);
		putchar(':');
	}
}

static void j_open(const char *key, char ch)
{
	j_key(key);
	putchar(ch);
	j_stack[j_depth] = ch == '{' ? '}' : ']';
	j_depth++;
	j_first = true;
}

void j_obj(const char *key) { j_open(key, '{'); }
void j_arr(const char *key) { j_open(key, '['); }

void j_end(void)
{
	j_depth--;
	if (!j_first)
		printf("\n%*s", 2 * j_depth, "");
	putchar(j_stack[j_depth]);
	j_first = false;
}

void j_u64(const char *key, uint64_t v)
{
	j_key(key);
	printf("%llu", (unsigned long long)v);
}

void j_s64(const char *key, int64_t v)
{
	j_key(key);
	printf("%lld", (long long)v);
}

void j_str(const char *key, const char *s)
{
	if (key)
		j_key(key);
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

void j_null(const char *key)
{
	j_key(key);
	fputs("null", stdout);
}

void j_bool(const char *key, bool v)
{
	j_key(key);
	fputs(v ? "true" : "false", stdout);
}

/* A size in bytes: a number, or with -u the daxctl-style string. */
void j_size(const char *key, uint64_t v, bool human)
{
	char buf[64];

	human_size(v, buf, sizeof(buf));
	if (human && v >= 5000 * 1024ULL)
		j_str(key, buf);
	else
		j_u64(key, v);
}

/* An address: a number, or with -u a "0x..." string (as daxctl -u shows addresses). */
void j_hex(const char *key, uint64_t v, bool human)
{
	char buf[32];

	if (!human) {
		j_u64(key, v);
		return;
	}
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)v);
	j_str(key, buf);
}

void j_done(void)
{
	putchar('\n');
	j_first = true;
	fflush(stdout);
}
