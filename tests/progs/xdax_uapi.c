// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_uapi DEVICE: the ioctl conventions of include/uapi/linux/xdax.h on XDAX_IOC_INFO:
 * the answer agrees with sysfs, and every malformed argument fails with its errno and
 * changes nothing.  Prints one line per check; exits non-zero if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/xdax.h>

static int failed;

static void expect(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "pass" : "FAIL", what);
	failed |= !cond;
}

static unsigned long long sysfs_u64(const struct stat *st, const char *name)
{
	unsigned long long v = 0;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/%s", major(st->st_rdev),
		 minor(st->st_rdev), name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lli", &v) != 1)
		printf("FAIL: cannot read %s\n", path);
	if (f)
		fclose(f);
	return v;
}

/* ioctl with a raw buffer of any size, returning errno (0 on success). */
static int info_raw(int fd, void *buf)
{
	return ioctl(fd, XDAX_IOC_INFO, buf) ? errno : 0;
}

int main(int argc, char **argv)
{
	unsigned char big[sizeof(struct xdax_info) + 16];
	struct xdax_info info;
	struct stat st;
	int fd;

	if (argc != 2 || stat(argv[1], &st)) {
		fprintf(stderr, "usage: %s /dev/xdaxN\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	expect(info_raw(fd, &info) == 0, "XDAX_IOC_INFO succeeds");
	expect(info.size == sizeof(info), "size is the kernel's struct size");
	expect(info.capacity == sysfs_u64(&st, "size"), "capacity == sysfs size");
	expect(info.align == sysfs_u64(&st, "align"), "align == sysfs align");
	expect(info.phys_start == sysfs_u64(&st, "resource"), "phys_start == sysfs resource");
	expect(info.id < 8, "id is a valid device number");

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = 1;
	expect(info_raw(fd, &info) == EINVAL && info.capacity == 0, "unknown flag: EINVAL, no output");

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.features = 1;
	expect(info_raw(fd, &info) == EINVAL && info.capacity == 0, "features set on input: EINVAL");

	memset(&info, 0, sizeof(info));
	info.size = 4;
	expect(info_raw(fd, &info) == EINVAL, "size smaller than the header: EINVAL");

	/* A newer caller: larger struct, zero tail accepted; nonzero tail refused. */
	memset(big, 0, sizeof(big));
	((struct xdax_info *)big)->size = sizeof(big);
	expect(info_raw(fd, big) == 0 && ((struct xdax_info *)big)->capacity == sysfs_u64(&st, "size"),
	       "larger struct with zero tail: accepted");
	memset(big, 0, sizeof(big));
	((struct xdax_info *)big)->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	expect(info_raw(fd, big) == E2BIG, "larger struct with nonzero tail: E2BIG");

	/* An older caller that only knows the first fields gets just those. */
	memset(&info, 0, sizeof(info));
	info.size = offsetof(struct xdax_info, align);
	expect(info_raw(fd, &info) == 0 && info.capacity && !info.align,
	       "smaller struct: only the known fields are written");

	/* The same for every output struct: nothing is written past the caller's size. */
	{
		struct xdax_stats sts;
		struct xdax_audit au;
		struct xdax_query q;

		memset(&sts, 0, sizeof(sts));
		sts.size = offsetof(struct xdax_stats, free);
		expect(ioctl(fd, XDAX_IOC_STATS, &sts) == 0 && sts.total && !sts.free,
		       "STATS, smaller struct: only the known fields are written");
		memset(&au, 0, sizeof(au));
		au.size = offsetof(struct xdax_audit, mismatches);
		au.mismatches = 0x5a5a;	/* past the caller's size: must stay */
		expect(ioctl(fd, XDAX_IOC_AUDIT, &au) == 0 && au.checked && au.mismatches == 0x5a5a,
		       "AUDIT, smaller struct: only the known fields are written");
		memset(&q, 0, sizeof(q));
		q.size = offsetof(struct xdax_query, state);
		expect(ioctl(fd, XDAX_IOC_QUERY, &q) == 0 && q.block == ~0ULL && !q.state,
		       "QUERY, smaller struct: only the known fields are written");
	}

	expect(info_raw(fd, NULL) == EFAULT, "NULL argument: EFAULT");
	expect(ioctl(fd, _IO(XDAX_IOC_MAGIC, 0x7f)) == -1 && errno == ENOTTY, "unknown ioctl: ENOTTY");
	close(fd);
	return failed;
}
