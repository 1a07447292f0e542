// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_devinfo DEVICE: check a /dev/xdaxN node against its sysfs directory the way a
 * device-dax user (libdaxctl, PMDK, fio) would find it: /sys/dev/char/MAJ:MIN/{size,align}.
 * Prints what it found; exits non-zero on any disagreement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int read_u64(const char *path, unsigned long long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int read_attr(const struct stat *st, const char *name, unsigned long long *v)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/%s", major(st->st_rdev),
		 minor(st->st_rdev), name);
	if (read_u64(path, v)) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long size, align;
	struct stat st;
	int fd, err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/xdaxN\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &st) || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "%s: not a character device\n", argv[1]);
		return 1;
	}
	if (read_attr(&st, "size", &size) || read_attr(&st, "align", &align))
		return 1;
	printf("%s: %u:%u size %llu align %llu mode %o\n", argv[1], major(st.st_rdev),
	       minor(st.st_rdev), size, align, st.st_mode & 07777);
	if (!size || !align || size % align) {
		fprintf(stderr, "size %llu is not a non-zero multiple of align %llu\n", size, align);
		err = 1;
	}
	if ((st.st_mode & 07777) != 0600) {
		fprintf(stderr, "mode %o, expected 600\n", st.st_mode & 07777);
		err = 1;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open O_RDWR: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return err;
}
