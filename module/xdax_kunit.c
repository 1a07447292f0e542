// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for xdax's pure logic: the ranges= parser and the block
 * bookkeeping (allocator, entry table, state transitions, conservation).
 * Built as xdax_kunit.ko with XDAX_KUNIT=1; it compiles the logic's own
 * source files in, so it tests exactly what the module runs.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/random.h>

#include "xdax_core.c"
#include "xdax_parse.c"

#define NR 16

static unsigned long check_reports;

static void count_report(void *arg, unsigned long block, const char *what)
{
	check_reports++;
}

static unsigned long core_check(struct xdax_core *c)
{
	unsigned long n;

	check_reports = 0;
	mutex_lock(&c->lock);
	n = xdax_core_check(c, count_report, NULL);
	mutex_unlock(&c->lock);
	return n;
}

static bool always(void *arg, unsigned long block, unsigned long fblock)
{
	return true;
}

static bool never(void *arg, unsigned long block, unsigned long fblock)
{
	return false;
}

/* Frees only the block whose number *arg holds. */
static bool only(void *arg, unsigned long block, unsigned long fblock)
{
	return block == *(unsigned long *)arg;
}

/* A block's state and owner, read under the lock as the module would. */
static enum xdax_core_state state_of(struct xdax_core *c, unsigned long b,
				     unsigned long *fblock)
{
	enum xdax_core_state st;

	mutex_lock(&c->lock);
	st = c->state[b];
	if (fblock)
		*fblock = c->owner[b];
	mutex_unlock(&c->lock);
	return st;
}

static int core_init(struct kunit *test)
{
	struct xdax_core *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, xdax_core_init(c, NR), 0);
	test->priv = c;
	return 0;
}

static void core_exit(struct kunit *test)
{
	xdax_core_destroy(test->priv);
}

static void test_init_all_free(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b;

	KUNIT_EXPECT_EQ(test, c->nr_free, NR);
	KUNIT_EXPECT_EQ(test, c->nr_in_use, 0);
	KUNIT_EXPECT_EQ(test, c->nr_awaiting, 0);
	for (b = 0; b < NR; b++)
		KUNIT_EXPECT_EQ(test, state_of(c, b, NULL), XDAX_CORE_FREE);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_alloc_rotates_and_exhausts(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b, fb, prev = XDAX_CORE_NONE;

	for (fb = 0; fb < NR; fb++) {
		b = xdax_core_alloc(c, fb);
		KUNIT_ASSERT_NE(test, b, XDAX_CORE_NONE);
		if (prev != XDAX_CORE_NONE)
			KUNIT_EXPECT_EQ(test, b, prev + 1);
		prev = b;
		KUNIT_EXPECT_EQ(test, xdax_core_install(c, fb, b), 0);
	}
	KUNIT_EXPECT_EQ(test, xdax_core_alloc(c, NR), XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, c->nr_free, 0);
	KUNIT_EXPECT_EQ(test, c->nr_in_use, NR);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);

	/* Free one in the middle: the next allocation finds it after wrapping. */
	KUNIT_EXPECT_EQ(test, xdax_core_detach(c, 5, 5), 1);
	b = xdax_core_lookup(c, 6);
	KUNIT_EXPECT_EQ(test, xdax_core_reclaim(c, 0, ULONG_MAX, always, NULL, NULL), 1);
	KUNIT_EXPECT_NE(test, xdax_core_alloc(c, 5), XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, xdax_core_lookup(c, 6), b);
}

static void test_install_race(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long a, b;

	a = xdax_core_alloc(c, 3);
	b = xdax_core_alloc(c, 3);
	KUNIT_ASSERT_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 3, a), 0);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 3, b), -EEXIST);
	/* Only the loser, which no entry points at, may be released. */
	KUNIT_EXPECT_EQ(test, xdax_core_release_unlisted(c, a), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdax_core_release_unlisted(c, b), 0);
	KUNIT_EXPECT_EQ(test, xdax_core_release_unlisted(c, b), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdax_core_lookup(c, 3), a);
	KUNIT_EXPECT_EQ(test, c->nr_in_use, 1);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_install_rejects_wrong_owner(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b = xdax_core_alloc(c, 7);

	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 8, b), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 7, NR), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 7, b), 0);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_detach_then_reclaim(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long fb, b, left, keep;

	for (fb = 0; fb < 8; fb++)
		KUNIT_ASSERT_EQ(test, xdax_core_install(c, fb, xdax_core_alloc(c, fb)), 0);
	/* A hole in the range detaches nothing for it. */
	KUNIT_EXPECT_EQ(test, xdax_core_detach(c, 2, 4), 3);
	KUNIT_EXPECT_EQ(test, xdax_core_detach(c, 2, 4), 0);
	for (fb = 2; fb <= 4; fb++)
		KUNIT_EXPECT_EQ(test, xdax_core_lookup(c, fb), XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, c->nr_awaiting, 3);
	KUNIT_EXPECT_EQ(test, c->nr_in_use, 5);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);

	/* Still referenced: nothing is freed, all three stay. */
	KUNIT_EXPECT_EQ(test, xdax_core_reclaim(c, 0, ULONG_MAX, never, NULL, &left), 0);
	KUNIT_EXPECT_EQ(test, left, 3);
	/* A reclaim limited to other offsets does not see them. */
	KUNIT_EXPECT_EQ(test, xdax_core_reclaim(c, 5, 7, always, NULL, &left), 0);
	KUNIT_EXPECT_EQ(test, left, 0);
	/* One becomes idle. */
	b = xdax_core_lookup(c, 0);	/* still in use: must not be touched */
	keep = 3;			/* block 3 backed file block 3 */
	KUNIT_EXPECT_EQ(test, state_of(c, keep, &fb), XDAX_CORE_AWAITING);
	KUNIT_EXPECT_EQ(test, fb, 3);
	KUNIT_EXPECT_EQ(test, xdax_core_reclaim(c, 0, ULONG_MAX, only, &keep, &left), 1);
	KUNIT_EXPECT_EQ(test, left, 2);
	KUNIT_EXPECT_EQ(test, state_of(c, keep, NULL), XDAX_CORE_FREE);
	KUNIT_EXPECT_EQ(test, state_of(c, b, NULL), XDAX_CORE_IN_USE);
	KUNIT_EXPECT_EQ(test, xdax_core_reclaim(c, 0, ULONG_MAX, always, NULL, &left), 2);
	KUNIT_EXPECT_EQ(test, left, 0);
	KUNIT_EXPECT_EQ(test, c->nr_free, NR - 5);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_check_finds_corruption(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b = xdax_core_alloc(c, 1);

	KUNIT_ASSERT_EQ(test, xdax_core_install(c, 1, b), 0);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);

	__set_bit(b, c->free_map);	/* in use, yet marked free */
	KUNIT_EXPECT_GT(test, core_check(c), 0);
	__clear_bit(b, c->free_map);

	c->nr_free++;			/* counters no longer add up */
	KUNIT_EXPECT_GT(test, core_check(c), 0);
	c->nr_free--;

	xa_store(&c->entries, 9, xa_mk_value(b + 1), GFP_KERNEL);	/* entry -> free block */
	KUNIT_EXPECT_GT(test, core_check(c), 0);
	xa_erase(&c->entries, 9);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

/* Random operations; the books must balance after every one. */
static void test_random_conservation(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long i, fb, b, first;
	u32 r;

	for (i = 0; i < 4000; i++) {
		r = get_random_u32();
		fb = (r >> 8) % (2 * NR);
		switch (r % 4) {
		case 0:
		case 1:
			if (xdax_core_lookup(c, fb) != XDAX_CORE_NONE)
				break;
			b = xdax_core_alloc(c, fb);
			if (b == XDAX_CORE_NONE)
				KUNIT_EXPECT_EQ(test, c->nr_free, 0);
			else
				KUNIT_EXPECT_EQ(test, xdax_core_install(c, fb, b), 0);
			break;
		case 2:
			first = fb;
			xdax_core_detach(c, first, first + (r >> 24) % 4);
			break;
		case 3:
			xdax_core_reclaim(c, 0, ULONG_MAX, (r >> 30) ? always : never,
					  NULL, NULL);
			break;
		}
		KUNIT_ASSERT_EQ(test, core_check(c), 0);
		KUNIT_ASSERT_EQ(test, c->nr_free + c->nr_in_use + c->nr_awaiting,
				(unsigned long)NR);
	}
}

static struct kunit_case xdax_core_cases[] = {
	KUNIT_CASE(test_init_all_free),
	KUNIT_CASE(test_alloc_rotates_and_exhausts),
	KUNIT_CASE(test_install_race),
	KUNIT_CASE(test_install_rejects_wrong_owner),
	KUNIT_CASE(test_detach_then_reclaim),
	KUNIT_CASE(test_check_finds_corruption),
	KUNIT_CASE(test_random_conservation),
	{}
};

static struct kunit_suite xdax_core_suite = {
	.name = "xdax_core",
	.init = core_init,
	.exit = core_exit,
	.test_cases = xdax_core_cases,
};

/* ---- ranges= parser ---- */

struct parse_case {
	const char *in;
	enum xdax_parse_err err;
	unsigned int nr;
	u64 start0, size0;
};

static const struct parse_case parse_cases[] = {
	{ "512M@0x40000000", XDAX_PARSE_OK, 1, 0x40000000, SZ_512M },
	{ "2M@4G,4M@0x200000000", XDAX_PARSE_OK, 2, SZ_4G, SZ_2M },
	{ "1G@1G", XDAX_PARSE_OK, 1, SZ_1G, SZ_1G },
	{ "2097152@2097152", XDAX_PARSE_OK, 1, SZ_2M, SZ_2M },
	{ "", XDAX_PARSE_EMPTY },
	{ "512M", XDAX_PARSE_SYNTAX },
	{ "512M@", XDAX_PARSE_SYNTAX },
	{ "x@1G", XDAX_PARSE_SYNTAX },
	{ "2M@1G,", XDAX_PARSE_SYNTAX },
	{ "0@1G", XDAX_PARSE_ZERO },
	{ "1M@1G", XDAX_PARSE_UNALIGNED },
	{ "2M@1M", XDAX_PARSE_UNALIGNED },
	{ "0xffffffffffe00000@0x200000", XDAX_PARSE_OVERFLOW },
	{ "99999999999999999999@1G", XDAX_PARSE_SYNTAX },
	{ "2M@0,2M@2M,2M@4M,2M@6M,2M@8M,2M@10M,2M@12M,2M@14M,2M@16M", XDAX_PARSE_TOO_MANY },
	{ "2M@1G,2M@1G", XDAX_PARSE_DUPLICATE },
	{ "4M@1G,2M@0x40200000", XDAX_PARSE_OVERLAP },
};

static void parse_case_desc(const struct parse_case *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", p->in);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void test_parse(struct kunit *test)
{
	const struct parse_case *p = test->param_value;
	struct xdax_parse_result res;
	enum xdax_parse_err err = xdax_parse_ranges(p->in, &res);

	KUNIT_EXPECT_EQ_MSG(test, err, p->err, "%s: %s", p->in, xdax_parse_strerror(err));
	KUNIT_EXPECT_NOT_NULL(test, xdax_parse_strerror(err));
	if (p->err != XDAX_PARSE_OK || err != XDAX_PARSE_OK)
		return;
	KUNIT_EXPECT_EQ(test, res.nr, p->nr);
	KUNIT_EXPECT_EQ(test, res.range[0].start, p->start0);
	KUNIT_EXPECT_EQ(test, res.range[0].size, p->size0);
}

static void test_parse_null(struct kunit *test)
{
	struct xdax_parse_result res;

	KUNIT_EXPECT_EQ(test, xdax_parse_ranges(NULL, &res), XDAX_PARSE_EMPTY);
}

static struct kunit_case xdax_parse_cases[] = {
	KUNIT_CASE_PARAM(test_parse, parse_gen_params),
	KUNIT_CASE(test_parse_null),
	{}
};

static struct kunit_suite xdax_parse_suite = {
	.name = "xdax_parse",
	.test_cases = xdax_parse_cases,
};

kunit_test_suites(&xdax_core_suite, &xdax_parse_suite);

MODULE_DESCRIPTION("KUnit tests for xdax's allocator, entry table and parser");
MODULE_LICENSE("GPL");
