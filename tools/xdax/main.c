// SPDX-License-Identifier: GPL-2.0
/*
 * xdax(8): the tables (verbs, options, help sections), the shared option
 * parser, and --help / --man, both printed from the same tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdax.h"

static const struct verb verbs[] = {
	{ "list", verb_list, "[DEV] [-u] [--table]", OPT_HUMAN | OPT_TABLE, DEV_OPTIONAL, 0, 0,
	  "list every xdax device (or DEV)",
	  "Prints a JSON array with one object per device, from sysfs (no need to open the\n"
	  "node): \"chardev\", \"path\", \"size\" (the capacity, bytes), \"file_size\", \"align\"\n"
	  "(the block size), \"start\" and \"end\" of the physical range (null unless root),\n"
	  "\"target_node\" and \"numa_node\" (null where the kernel does not say), \"mode\"\n"
	  "(always \"xdax\"), \"blocks\" (total, free, in_use, awaiting_reclaim, poisoned),\n"
	  "\"pinned_pages\" and \"state\": \"degraded\" (blocks poisoned, protocol anomalies or\n"
	  "kernel frees seen), else \"reclaiming\" (blocks await reclaim), else \"in-use\" (the\n"
	  "file has blocks), else \"idle\".\n\n"
	  "With -u sizes are strings as daxctl -u prints them (\"512.00 MiB (536.87 MB)\") and\n"
	  "addresses hex strings; --table prints one line per device instead." },
	{ "info", verb_info, "[DEV] [-u]", OPT_HUMAN, DEV_OPTIONAL, 0, 0,
	  "what the device is (XDAX_IOC_INFO)",
	  "Prints one JSON object: \"chardev\", \"path\", \"id\", \"size\" (capacity), \"file_size\",\n"
	  "\"align\", \"start\"/\"end\" (null unless root), \"target_node\", \"numa_node\" and\n"
	  "\"mapping\": \"refs\" where mappings hold page references (kernels 6.15 and later),\n"
	  "\"devmap\" before.  Opens DEV read-only." },
	{ "stats", verb_stats, "[DEV] [-u]", OPT_HUMAN, DEV_OPTIONAL, 0, 0,
	  "block accounting (XDAX_IOC_STATS)",
	  "Prints one JSON object with every XDAX_IOC_STATS field under its sysfs name\n"
	  "(/sys/class/xdax/xdaxN/stats/): file_size, total, free, in_use, awaiting_reclaim,\n"
	  "poisoned, page_free_calls, kernel_free_calls, anomalies, pte_faults, pmd_faults,\n"
	  "reclaim_events, pinned_pages, zeroed, memory_failures.  Block counts are blocks of\n"
	  "align bytes; free + in_use + awaiting_reclaim + poisoned == total.  Opens DEV\n"
	  "read-only." },
	{ "audit", verb_audit, "[DEV]", 0, DEV_OPTIONAL, 0, 0,
	  "check every block's refcount against its state (XDAX_IOC_AUDIT)",
	  "Walks every block and compares its page refcount with its state; each mismatch is\n"
	  "logged by the kernel (dmesg).  Prints {\"checked\", \"mismatches\"}; exits 1 if\n"
	  "there is a mismatch.  Changes nothing, but needs DEV opened for writing." },
	{ "truncate", verb_truncate, "[DEV] SIZE [--nowait | --timeout=DURATION]",
	  OPT_NOWAIT | OPT_TIMEOUT, DEV_OPTIONAL, 1, 1,
	  "shrink or grow the file to SIZE bytes (XDAX_IOC_SET_SIZE)",
	  "Shrinking zaps every mapping of the blocks past SIZE (in every process), takes them\n"
	  "out of the file and frees each once nothing references it.  By default it waits\n"
	  "for that (Ctrl-C interrupts the wait); --timeout bounds the wait; --nowait returns\n"
	  "at once.  Blocks still referenced (a pin, O_DIRECT in flight, an io_uring buffer, a\n"
	  "pipe) then stay awaiting reclaim and are freed when the last reference goes (see\n"
	  "wait-reclaim).  SIZE is a multiple of align, at most the capacity; growing waits for\n"
	  "nothing.  Prints {\"file_size\", \"freed\", \"pending\"}: blocks taken back, blocks left\n"
	  "awaiting reclaim.  After an interrupted or timed-out wait the size is already\n"
	  "changed: it says so and exits 1." },
	{ "punch", verb_punch, "[DEV] OFFSET LENGTH [--nowait | --timeout=DURATION]",
	  OPT_NOWAIT | OPT_TIMEOUT, DEV_OPTIONAL, 2, 2,
	  "deallocate [OFFSET, OFFSET+LENGTH) (XDAX_IOC_PUNCH)",
	  "As truncate, for a range inside the file; the size is unchanged and the range reads\n"
	  "zeros afterwards.  OFFSET and LENGTH are multiples of align.  Prints {\"freed\",\n"
	  "\"pending\"}." },
	{ "allocate", verb_allocate, "[DEV] OFFSET LENGTH", 0, DEV_OPTIONAL, 2, 2,
	  "give every hole in the range a zeroed block now (XDAX_IOC_ALLOCATE)",
	  "So that faults there never fail.  All or nothing: without enough free blocks\n"
	  "nothing is allocated.  The range must lie within the file size.  Prints\n"
	  "{\"allocated\"}: blocks newly allocated." },
	{ "pin", verb_pin, "[DEV] [OFFSET LENGTH] [-r] [--stdin]",
	  OPT_READONLY | OPT_STDIN, DEV_OPTIONAL, 0, 2,
	  "map and long-term pin a range, and hold the pin (XDAX_IOC_PIN)",
	  "Pins belong to the open file, so this command stays running while it holds one:\n"
	  "it maps [OFFSET, OFFSET+LENGTH) of DEV (default: the first block), pins it with\n"
	  "XDAX_IOC_PIN, prints {\"chardev\", \"pid\", \"id\", \"offset\", \"length\", \"readonly\"}\n"
	  "on stdout and waits.  It unpins, unmaps and exits 0 when\n\n"
	  "  - xdax unpin (from any shell of the same user, or root) asks it to (SIGUSR1),\n"
	  "  - it gets SIGTERM, SIGINT or SIGHUP,\n"
	  "  - with --stdin, a line or end of file arrives on stdin.\n\n"
	  "If it is killed otherwise the kernel releases the pin when the process dies.  The\n"
	  "pin counts against RLIMIT_MEMLOCK (whole blocks) unless CAP_IPC_LOCK.  -r pins\n"
	  "read-only, on a file opened read-only: enough for a node you may only read." },
	{ "unpin", verb_unpin, "[DEV] [--pid=PID]", OPT_PID, DEV_OPTIONAL, 0, 0,
	  "release the pins that xdax pin holds",
	  "Finds the xdax pin processes holding DEV (yours; every one for root), or only PID,\n"
	  "asks each to unpin (SIGUSR1) and waits until it has.  Prints {\"chardev\",\n"
	  "\"released\": [PID, ...]}; exits 1 if there was none." },
	{ "wait-reclaim", verb_wait_reclaim, "[DEV] [--all] [--timeout=DURATION]",
	  OPT_TIMEOUT | OPT_ALL, DEV_OPTIONAL, 0, 0,
	  "wait for a reclaim event (poll and read on DEV)",
	  "Blocks until the next XDAX_EVENT_RECLAIM after it opened DEV: blocks that a\n"
	  "--nowait truncate or punch (or an interrupted one) left awaiting reclaim were\n"
	  "freed.  With --all it waits until no block awaits reclaim (at once if none does).\n"
	  "Prints the event {\"type\", \"seq\", \"reclaimed\", \"awaiting_reclaim\", \"free\"}.\n"
	  "A poison event on the way is reported on stderr.  Exits 1 after --timeout." },
	{ "query", verb_query, "[DEV] OFFSET | [DEV] --block BLOCK", OPT_BLOCK, DEV_OPTIONAL, 1, 1,
	  "the block behind a file offset, its state and refcount (XDAX_IOC_QUERY)",
	  "Prints {\"offset\", \"block\" (null for a hole), \"state\" (free, in_use,\n"
	  "awaiting_reclaim, hole, poisoned), \"refcount\" (null for a hole), \"mapcount\" (null\n"
	  "where the kernel keeps none), \"poisoned\"}.  With --block the argument is a block\n"
	  "index, looked at directly (e.g. a free block's refcount, which is 0).  Opens DEV\n"
	  "read-only." },
	{ "check-range", verb_check_range, "[-v] [--modprobe] SIZE@START[,SIZE@START...]",
	  OPT_VERBOSE | OPT_MODPROBE, DEV_NONE, 0, 64,
	  "is a ranges= value safe to give to the module? (the range-safety preflight)",
	  "Runs xdax-check-range, the one implementation of the preflight (a POSIX shell\n"
	  "script that the modprobe install hook runs too): the range must be System RAM in the\n"
	  "firmware memory map, wholly \"Reserved\" in /proc/iomem (memmap=SIZE$START) and\n"
	  "claimed by nothing else, in multiples of 2 MiB.  It never touches the memory.  It\n"
	  "needs root.  Exits 0 safe, 1 unsafe (one line per problem), 2 usage.  -v says where\n"
	  "the maps came from; --modprobe checks the ranges= that modprobe would use." },
	{ 0 },
};

struct optdef {
	const char *lng;
	char shrt;
	const char *arg;	/* NULL: a flag */
	unsigned int bit;
	const char *help;
};

static const struct optdef options[] = {
	{ "human", 'u', NULL, OPT_HUMAN, "sizes as daxctl -u prints them, addresses in hex" },
	{ "table", 't', NULL, OPT_TABLE, "a plain table instead of JSON" },
	{ "nowait", 'n', NULL, OPT_NOWAIT, "do not wait for referenced blocks (XDAX_WAIT_NOWAIT)" },
	{ "timeout", 0, "DURATION", OPT_TIMEOUT,
	  "give up waiting after DURATION: a number with ns, us, ms, s (default), m or h" },
	{ "readonly", 'r', NULL, OPT_READONLY, "pin read-only (XDAX_PIN_READONLY), opening DEV read-only" },
	{ "block", 'b', NULL, OPT_BLOCK, "the argument is a block index (XDAX_QUERY_BLOCK)" },
	{ "verbose", 'v', NULL, OPT_VERBOSE, "say more" },
	{ "modprobe", 0, NULL, OPT_MODPROBE, "check the ranges= modprobe would use (options, /proc/cmdline, modprobe.d)" },
	{ "stdin", 'i', NULL, OPT_STDIN, "also release on a line or end of file on stdin" },
	{ "pid", 'p', "PID", OPT_PID, "only the holder with this process id" },
	{ "all", 'a', NULL, OPT_ALL, "wait until no block awaits reclaim" },
	{ 0 },
};

/* Sections shared by xdax --help and the man page. */
static const struct { const char *title, *text; } sections[] = {
	{ "DEVICES",
	  "DEV is a device name (xdax0) or a path (/dev/xdax0); where it may be left out it\n"
	  "is xdax0.  A verb's first argument is DEV unless it starts with a digit.  The data\n"
	  "comes from sysfs (/sys/class/xdax/xdaxN/) and the ioctls of\n"
	  "<linux/xdax.h>.  The node is mode 0600 root unless a udev rule gives it a group\n"
	  "(xdax, mode 0660): members of the group can list, stat, query, pin within\n"
	  "RLIMIT_MEMLOCK, truncate and punch.  Read-only verbs (info, stats, query,\n"
	  "wait-reclaim, pin -r) open the node read-only; list reads sysfs only." },
	{ "SIZES",
	  "SIZE, OFFSET and LENGTH are decimal (a leading 0 is still decimal) or 0x hex, with an\n"
	  "optional K, M, G or T suffix (powers of 1024), as the module's ranges= parameter:\n"
	  "256M, 0x200000, 1G.  Offsets and sizes of the file are multiples of align (2 MiB)." },
	{ "OUTPUT",
	  "Results are JSON on stdout (one document per command), with daxctl's key names\n"
	  "where daxctl has one (chardev, size, align, target_node, numa_node, mode) and the\n"
	  "UAPI's field names elsewhere.  Messages go to stderr, prefixed \"xdax VERB: DEV:\",\n"
	  "and name the problem in the verb's terms, never a bare errno text." },
	{ "EXIT STATUS",
	  "  0  done (check-range: every range is safe)\n"
	  "  1  the operation failed or found a problem: an errno from the device, an audit\n"
	  "     mismatch, a timeout, permission denied, an unsafe range\n"
	  "  2  usage: an unknown verb or option, a missing argument, a SIZE that does not\n"
	  "     parse\n"
	  "  3  no xdax here: the module is not loaded, there is no such xdax device, or the\n"
	  "     file is not an xdax device" },
	{ "EXAMPLES",
	  "  xdax list -u\n"
	  "  xdax truncate 256M                 # xdax0, waiting for pinned blocks\n"
	  "  xdax pin xdax0 0 2M &              # hold a long-term pin on the first block\n"
	  "  xdax truncate --nowait 0           # \"pending\": 1, the pinned block\n"
	  "  xdax unpin                         # the pin goes, the block is freed\n"
	  "  xdax wait-reclaim --all --timeout=30\n"
	  "  xdax check-range 512M@4G" },
	{ NULL, NULL },
};

/* Print TEXT for the terminal: indented, literal lines kept. */
static void print_text(const char *text, int indent)
{
	const char *l, *e;

	for (l = text; *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		if (e == l)
			printf("\n");
		else
			printf("%*s%.*s\n", indent, "", (int)(e - l), l);
	}
}

static void print_options(unsigned int mask, int indent)
{
	const struct optdef *o;
	char left[64];

	for (o = options; o->lng; o++) {
		if (!(mask & o->bit))
			continue;
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->shrt ? "-" : "",
			 o->shrt ? o->shrt : ' ', o->shrt ? ", " : "  ", o->lng,
			 o->arg ? "=" : "", o->arg ? o->arg : "");
		printf("%*s%-24s %s\n", indent, "", o->shrt ? left : left + 2, o->help);
	}
	printf("%*s%-24s %s\n", indent, "", "-h, --help", "this help, on stdout");
}

static int help_verb(const struct verb *v)
{
	printf("usage: %s %s %s\n\n%s: %s.\n\n", prog, v->name, v->synopsis, v->name, v->summary);
	print_text(v->desc, 2);
	printf("\noptions:\n");
	print_options(v->opts, 2);
	printf("\nExit status: 0 ok, 1 failed, 2 usage, 3 no xdax module or device (%s --help).\n",
	       prog);
	return XS_OK;
}

static int help_all(void)
{
	const struct verb *v;
	int i;

	printf("usage: %s VERB [OPTIONS] [ARGS]    %s VERB --help    %s --version\n\n"
	       "xdax %s: the xdax DAX character devices (/dev/xdaxN) over reserved memory.\n\n"
	       "verbs:\n", prog, prog, prog, XDAX_VERSION);
	for (v = verbs; v->name; v++)
		printf("  %-13s %s\n", v->name, v->summary);
	for (i = 0; sections[i].title; i++) {
		printf("\n%s\n", sections[i].title);
		print_text(sections[i].text, 2);
	}
	return XS_OK;
}

/* ---- the man page, from the same tables ---------------------------------- */

/* One line of text as roff: backslashes and hyphens escaped, no control line. */
static void roff_line(const char *s, size_t n)
{
	size_t i;

	if (n && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", stdout);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", stdout);
		else if (s[i] == '-')
			fputs("\\-", stdout);
		else
			putchar(s[i]);
	}
	putchar('\n');
}

/* Paragraphs of TEXT: blank lines part them, lines starting "  " are literal. */
static void roff_text(const char *text)
{
	const char *l, *e;
	bool lit = false;

	for (l = text; *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		if (e == l) {
			if (lit)
				puts(".fi\n.RE");
			lit = false;
			puts(".PP");
			continue;
		}
		if (!strncmp(l, "  ", 2) && !lit) {
			puts(".RS 4\n.nf");
			lit = true;
		} else if (strncmp(l, "  ", 2) && lit) {
			puts(".fi\n.RE");
			lit = false;
		}
		roff_line(lit ? l + 2 : l, e - l - (lit ? 2 : 0));
	}
	if (lit)
		puts(".fi\n.RE");
}

static void roff_options(unsigned int mask)
{
	const struct optdef *o;

	for (o = options; o->lng; o++) {
		if (!(mask & o->bit))
			continue;
		puts(".TP");
		if (o->shrt)
			printf("\\fB\\-%c\\fR, ", o->shrt);
		printf("\\fB\\-\\-%s\\fR", o->lng);
		if (o->arg)
			printf("=\\fI%s\\fR", o->arg);
		putchar('\n');
		roff_line(o->help, strlen(o->help));
	}
	puts(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nthis help, on stdout");
}

static int man_page(void)
{
	const struct verb *v;
	int i;

	printf(".\\\" Generated by xdax --man from the tool's own help tables: do not edit.\n"
	       ".TH XDAX 8 \"\" \"xdax %s\" \"System Administration\"\n"
	       ".SH NAME\nxdax \\- manage xdax DAX character devices over reserved memory\n"
	       ".SH SYNOPSIS\n", XDAX_VERSION);
	for (v = verbs; v->name; v++) {
		printf("\\fBxdax %s\\fR ", v->name);
		roff_line(v->synopsis, strlen(v->synopsis));
		puts(".br");
	}
	puts(".SH DESCRIPTION");
	roff_line("xdax shows and drives the xdax kernel module's devices, /dev/xdaxN: sparse files of 2 MiB blocks over reserved physical memory, mappable, pinnable and truncatable (see <linux/xdax.h>).  Every verb takes -h/--help.",
		  strlen("xdax shows and drives the xdax kernel module's devices, /dev/xdaxN: sparse files of 2 MiB blocks over reserved physical memory, mappable, pinnable and truncatable (see <linux/xdax.h>).  Every verb takes -h/--help."));
	puts(".SH COMMANDS");
	for (v = verbs; v->name; v++) {
		printf(".SS \"xdax %s\"\n", v->name);
		printf("\\fBxdax %s\\fR ", v->name);
		roff_line(v->synopsis, strlen(v->synopsis));
		puts(".PP");
		roff_line(v->summary, strlen(v->summary));
		puts(".PP");
		roff_text(v->desc);
		puts(".PP\nOptions:");
		roff_options(v->opts);
	}
	for (i = 0; sections[i].title; i++) {
		printf(".SH \"%s\"\n", sections[i].title);
		roff_text(sections[i].text);
	}
	puts(".SH FILES\n/dev/xdax*, /sys/class/xdax/xdax*/, /usr/sbin/xdax\\-check\\-range");
	puts(".SH \"SEE ALSO\"\n.BR daxctl (1),\n.BR modprobe (8)");
	return XS_OK;
}

/* ---- option parsing, shared by every verb -------------------------------- */

static const struct optdef *find_long(const char *name, size_t n)
{
	const struct optdef *o;

	for (o = options; o->lng; o++)
		if (strlen(o->lng) == n && !strncmp(o->lng, name, n))
			return o;
	return NULL;
}

static int set_option(struct xctx *c, const struct optdef *o, const char *val)
{
	char *end;

	if (!(c->verb->opts & o->bit))
		return usage_error(c, "--%s does not apply to %s", o->lng, c->verb->name);
	c->set |= o->bit;
	if (o->bit == OPT_TIMEOUT && parse_duration(val, &c->timeout_ns))
		return usage_error(c, "bad DURATION '%s': a number with an optional ns, us, ms, s, m or h", val);
	if (o->bit == OPT_PID) {
		c->pid = strtol(val, &end, 10);
		if (*end || end == val || c->pid <= 0)
			return usage_error(c, "bad PID '%s'", val);
	}
	return 0;
}

/* parse(c, argc, argv): options anywhere, "--" ends them; positionals into c->args. */
static int parse(struct xctx *c, int argc, char **argv)
{
	const struct optdef *o;
	bool opts = true;
	int i, r;

	c->args = calloc(argc + 1, sizeof(*c->args));
	if (!c->args)
		return msg(XS_FAIL, "out of memory");
	for (i = 0; i < argc; i++) {
		char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			exit(help_verb(c->verb));
		} else if (opts && !strncmp(a, "--", 2)) {
			const char *eq = strchr(a, '='), *val = NULL;

			o = find_long(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!o)
				return usage_error(c, "unknown option %s", a);
			if (o->arg) {
				val = eq ? eq + 1 : argv[++i];
				if (!val)
					return usage_error(c, "--%s needs %s", o->lng, o->arg);
			} else if (eq) {
				return usage_error(c, "--%s takes no value", o->lng);
			}
			r = set_option(c, o, val);
			if (r)
				return r;
		} else if (opts && a[0] == '-' && a[1]) {
			for (a++; *a; a++) {
				for (o = options; o->lng && o->shrt != *a; o++)
					;
				if (!o->lng)
					return usage_error(c, "unknown option -%c", *a);
				if (o->arg) {
					const char *val = a[1] ? a + 1 : argv[++i];

					if (!val)
						return usage_error(c, "-%c needs %s", o->shrt, o->arg);
					r = set_option(c, o, val);
					if (r)
						return r;
					break;
				}
				r = set_option(c, o, NULL);
				if (r)
					return r;
			}
		} else {
			c->args[c->nargs++] = a;
		}
	}
	/* DEV: an optional first argument that does not start with a digit. */
	if (c->verb->dev == DEV_OPTIONAL && c->nargs &&
	    !(c->args[0][0] >= '0' && c->args[0][0] <= '9')) {
		c->dev_arg = c->args[0];
		c->args++;
		c->nargs--;
	}
	if (c->verb->fn == verb_check_range)
		return c->nargs ? 0 : ((c->set & OPT_MODPROBE) ? 0 :
				       usage_error(c, "missing SIZE@START"));
	if (c->nargs < c->verb->min_args)
		return usage_error(c, "missing argument");
	if (c->nargs > c->verb->max_args)
		return usage_error(c, "unexpected argument '%s'", c->args[c->verb->max_args]);
	return 0;
}

int main(int argc, char **argv)
{
	struct xctx c = { .fd = -1 };
	const struct verb *v;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s VERB [OPTIONS] [ARGS] (%s --help lists the verbs)\n",
			prog, prog);
		return XS_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help_all();
	if (!strcmp(argv[1], "help")) {
		if (argc < 3)
			return help_all();
		argv[1] = argv[2];
		argv[2] = "--help";
	}
	if (!strcmp(argv[1], "--man"))
		return man_page();
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("xdax %s\n", XDAX_VERSION);
		return XS_OK;
	}
	for (v = verbs; v->name && strcmp(v->name, argv[1]); v++)
		;
	if (!v->name) {
		fprintf(stderr, "%s: unknown verb '%s' (see %s --help)\n", prog, argv[1], prog);
		return XS_USAGE;
	}
	c.verb = v;
	verb_name = v->name;
	r = parse(&c, argc - 2, argv + 2);
	if (r)
		return r;
	return v->fn(&c);
}
