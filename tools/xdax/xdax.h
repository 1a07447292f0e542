/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdax(8): the command-line tool.  main.c holds the tables (verbs, options,
 * help sections) and everything printed from them (--help, --man), verbs.c
 * one function per verb, util.c the shared pieces: number parsing, the
 * device, JSON output, messages.
 */
#ifndef XDAX_TOOL_H
#define XDAX_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/xdax.h>

#ifndef XDAX_VERSION
#define XDAX_VERSION "unknown"
#endif

/* Exit statuses (documented in the EXIT STATUS section). */
enum {
	XS_OK = 0,	/* done */
	XS_FAIL = 1,	/* the operation failed, or found a problem */
	XS_USAGE = 2,	/* bad command line */
	XS_NODEV = 3,	/* no xdax module, no such xdax device, not an xdax device */
};

/* Options: bits of struct verb.opts. */
enum {
	OPT_HUMAN = 1 << 0,
	OPT_TABLE = 1 << 1,
	OPT_NOWAIT = 1 << 2,
	OPT_TIMEOUT = 1 << 3,
	OPT_READONLY = 1 << 4,
	OPT_BLOCK = 1 << 5,
	OPT_VERBOSE = 1 << 6,
	OPT_STDIN = 1 << 7,
	OPT_PID = 1 << 8,
	OPT_ALL = 1 << 9,
	OPT_MODPROBE = 1 << 10,
};

struct xctx;

/* How a verb takes DEV: not at all, or as an optional first argument. */
enum { DEV_NONE, DEV_OPTIONAL };

struct verb {
	const char *name;
	int (*fn)(struct xctx *c);
	const char *synopsis;	/* arguments after the verb */
	unsigned int opts;	/* OPT_* it accepts */
	int dev;		/* DEV_* */
	int min_args, max_args;	/* positional arguments after DEV */
	const char *summary;	/* one line */
	const char *desc;	/* paragraphs ("\n\n"); lines starting "  " are literal */
};

struct xctx {
	const struct verb *verb;
	unsigned int set;	/* OPT_* given */
	__u64 timeout_ns;
	long pid;
	const char *dev_arg;	/* DEV as given, or NULL */
	char path[256];		/* /dev/xdaxN (or the path given) */
	char name[64];		/* xdaxN, once known to be an xdax device */
	char sysdir[320];	/* /sys/class/xdax/xdaxN */
	int fd;
	struct xdax_info info;
	int nargs;
	char **args;
};

/* verbs.c */
int verb_list(struct xctx *c);
int verb_info(struct xctx *c);
int verb_stats(struct xctx *c);
int verb_audit(struct xctx *c);
int verb_truncate(struct xctx *c);
int verb_punch(struct xctx *c);
int verb_allocate(struct xctx *c);
int verb_pin(struct xctx *c);
int verb_unpin(struct xctx *c);
int verb_wait_reclaim(struct xctx *c);
int verb_query(struct xctx *c);
int verb_check_range(struct xctx *c);

/* util.c: messages and exits */
extern const char *prog;
extern const char *verb_name;
__attribute__((format(printf, 2, 3))) int msg(int status, const char *fmt, ...);
int usage_error(struct xctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int errno_fail(struct xctx *c, const char *what, int err);

/* util.c: numbers */
int parse_size(const char *s, __u64 *out);
int parse_duration(const char *s, __u64 *ns);
int arg_size(struct xctx *c, int i, const char *what, __u64 *out);
void human_size(uint64_t bytes, char *buf, size_t len);

/* util.c: devices and sysfs */
bool module_loaded(void);
const char *dev_path(const char *arg, char *buf, size_t len);
int dev_open(struct xctx *c, int flags);
int sysfs_read(const char *dir, const char *attr, char *buf, size_t len);
int sysfs_u64(const char *dir, const char *attr, uint64_t *v);
int sysfs_s64(const char *dir, const char *attr, int64_t *v);
int list_devices(int *ids, int max);

/* util.c: JSON on stdout */
void j_obj(const char *key);
void j_arr(const char *key);
void j_end(void);
void j_u64(const char *key, uint64_t v);
void j_s64(const char *key, int64_t v);
void j_str(const char *key, const char *s);
void j_null(const char *key);
void j_bool(const char *key, bool v);
void j_size(const char *key, uint64_t v, bool human);
void j_hex(const char *key, uint64_t v, bool human);
void j_done(void);

#endif /* XDAX_TOOL_H */
