// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for xdax's pure logic: the ranges= parser and the block
 * bookkeeping (allocator, entry table, states, who waits for a block,
 * poison, conservation).
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

static bool always(void *arg, unsigned long block)
{
	return true;
}

static bool never(void *arg, unsigned long block)
{
	return false;
}

/* Frees only the block whose number *arg holds. */
static bool only(void *arg, unsigned long block)
{
	return block == *(unsigned long *)arg;
}

static enum xdax_core_state state_of(struct xdax_core *c, unsigned long b)
{
	enum xdax_core_state st;

	mutex_lock(&c->lock);
	st = c->state[b];
	mutex_unlock(&c->lock);
	return st;
}

/* Reserve and install a block for @fb: the module's first touch of a hole. */
static unsigned long fill(struct kunit *test, struct xdax_core *c, unsigned long fb)
{
	unsigned long b = xdax_core_reserve(c);

	KUNIT_ASSERT_NE(test, b, XDAX_CORE_NONE);
	KUNIT_ASSERT_EQ(test, xdax_core_install(c, fb, b), 0);
	return b;
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
	KUNIT_EXPECT_EQ(test, c->nr_in_use + c->nr_awaiting + c->nr_poisoned, 0);
	for (b = 0; b < NR; b++)
		KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_FREE);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

/*
 * Owners are u32: a range of U32_MAX blocks or more is refused before any
 * table is allocated, a file block past u32 is never installed, and a block
 * without an owner still reports XDAX_CORE_NONE.
 */
static void test_owner_u32(struct kunit *test)
{
	struct xdax_core *c = test->priv, big;
	unsigned long b, fb;

	KUNIT_EXPECT_EQ(test, xdax_core_init(&big, U32_MAX), -E2BIG);
	KUNIT_EXPECT_NULL(test, big.owner);
	xdax_core_destroy(&big);
	b = xdax_core_reserve(c);
	KUNIT_ASSERT_NE(test, b, XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, U32_MAX, b), -EINVAL);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_RESERVED);
	xdax_core_unreserve(c, b);
	KUNIT_EXPECT_EQ(test, xdax_core_poison(c, b, &fb), XDAX_CORE_FREE);
	KUNIT_EXPECT_EQ(test, fb, XDAX_CORE_NONE);
	b = fill(test, c, NR - 1);
	KUNIT_EXPECT_EQ(test, xdax_core_poison(c, b, &fb), XDAX_CORE_IN_USE);
	KUNIT_EXPECT_EQ(test, fb, NR - 1);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_reserve_rotates_and_exhausts(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b, fb, prev = XDAX_CORE_NONE, left, adopted, blocks[2];
	struct xdax_core_batch batch;

	for (fb = 0; fb < NR; fb++) {
		b = fill(test, c, fb);
		if (prev != XDAX_CORE_NONE)
			KUNIT_EXPECT_EQ(test, b, prev + 1);
		prev = b;
	}
	KUNIT_EXPECT_EQ(test, xdax_core_reserve(c), XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, xdax_core_reserve_n(c, 1, blocks, NULL), -ENOSPC);
	KUNIT_EXPECT_EQ(test, c->nr_in_use, NR);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);

	/* Free one in the middle: the next reservation finds it after wrapping. */
	b = xdax_core_lookup(c, 5);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 5, 5, true, &batch), 0);
	KUNIT_EXPECT_EQ(test, batch.nr, 1);
	KUNIT_EXPECT_EQ(test, batch.own, 1);
	left = xdax_core_settle(c, &batch, always, NULL, &adopted);
	KUNIT_EXPECT_EQ(test, left, 0);
	KUNIT_EXPECT_EQ(test, adopted, 0);
	xdax_core_unhold(c, &batch, false);
	KUNIT_EXPECT_EQ(test, xdax_core_reserve(c), b);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_install_exists_and_uninstall(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long a, b;

	a = fill(test, c, 3);
	b = xdax_core_reserve(c);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 3, b), -EEXIST);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_RESERVED);
	KUNIT_EXPECT_EQ(test, xdax_core_install(c, 4, a), -EINVAL);	/* not reserved */
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
	xdax_core_unreserve(c, b);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_FREE);
	xdax_core_uninstall(c, 3, a);
	KUNIT_EXPECT_EQ(test, state_of(c, a), XDAX_CORE_RESERVED);
	KUNIT_EXPECT_EQ(test, xdax_core_lookup(c, 3), XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
	xdax_core_unreserve(c, a);
	KUNIT_EXPECT_EQ(test, c->nr_free, NR);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

/* A held block is its call's: the reaper leaves it; unhold says whose it is next. */
static void test_held_awaiting_interrupted(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	struct xdax_core_batch batch, again;
	unsigned long a, b, left, adopted;

	a = fill(test, c, 1);
	b = fill(test, c, 2);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 1, 2, true, &batch), 0);
	KUNIT_EXPECT_EQ(test, batch.own, 2);
	KUNIT_EXPECT_EQ(test, state_of(c, a), XDAX_CORE_HELD);
	KUNIT_EXPECT_EQ(test, xdax_core_reap(c, always, NULL, &left), 0);	/* held */
	KUNIT_EXPECT_FALSE(test, xdax_core_reap_due(c, always, NULL));	/* nor due */
	KUNIT_EXPECT_EQ(test, c->nr_awaiting, 2);
	left = xdax_core_settle(c, &batch, only, &a, &adopted);
	KUNIT_EXPECT_EQ(test, left, 1);
	KUNIT_EXPECT_EQ(test, state_of(c, a), XDAX_CORE_FREE);
	/* Interrupted: b stays, and a repeat over its range adopts it. */
	xdax_core_unhold(c, &batch, true);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_INTERRUPTED);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 0, 1, false, &again), 0);
	KUNIT_EXPECT_EQ(test, again.nr, 0);	/* not its range */
	xdax_core_unhold(c, &again, false);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 2, ULONG_MAX, false, &again), 0);
	KUNIT_EXPECT_EQ(test, again.nr, 1);
	KUNIT_EXPECT_EQ(test, again.own, 0);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_HELD);
	left = xdax_core_settle(c, &again, always, NULL, &adopted);
	KUNIT_EXPECT_EQ(test, left, 0);
	KUNIT_EXPECT_EQ(test, adopted, 1);	/* a reclaim event */
	xdax_core_unhold(c, &again, false);
	KUNIT_EXPECT_EQ(test, c->nr_free, NR);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

/* NOWAIT leftovers are never adopted: the reaper frees them. */
static void test_nowait_left_to_reaper(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	struct xdax_core_batch batch;
	unsigned long b, left, adopted;

	b = fill(test, c, 7);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 7, 7, true, &batch), 0);
	KUNIT_EXPECT_EQ(test, xdax_core_settle(c, &batch, never, NULL, &adopted), 1);
	xdax_core_unhold(c, &batch, false);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_AWAITING);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 0, ULONG_MAX, false, &batch), 0);
	KUNIT_EXPECT_EQ(test, batch.nr, 0);
	xdax_core_unhold(c, &batch, false);
	KUNIT_EXPECT_FALSE(test, xdax_core_reap_due(c, never, NULL));
	KUNIT_EXPECT_EQ(test, xdax_core_reap(c, never, NULL, &left), 0);
	KUNIT_EXPECT_EQ(test, left, 1);
	KUNIT_EXPECT_TRUE(test, xdax_core_reap_due(c, always, NULL));
	KUNIT_EXPECT_EQ(test, xdax_core_reap(c, always, NULL, &left), 1);
	KUNIT_EXPECT_EQ(test, left, 0);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_FREE);
	KUNIT_EXPECT_FALSE(test, xdax_core_reap_due(c, always, NULL));
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

/* Poisoned blocks leave the file to POISONED, never to FREE. */
static void test_poison(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	struct xdax_core_batch batch;
	unsigned long a, b, fb, left, adopted, i;

	a = fill(test, c, 0);
	b = NR - 1;
	KUNIT_EXPECT_EQ(test, xdax_core_poison(c, b, &fb), XDAX_CORE_FREE);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_POISONED);
	KUNIT_EXPECT_EQ(test, xdax_core_poison(c, a, &fb), XDAX_CORE_IN_USE);
	KUNIT_EXPECT_EQ(test, fb, 0);
	KUNIT_EXPECT_TRUE(test, xdax_core_poisoned(c, a));
	KUNIT_EXPECT_EQ(test, state_of(c, a), XDAX_CORE_IN_USE);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
	KUNIT_ASSERT_EQ(test, xdax_core_detach(c, 0, 0, true, &batch), 0);
	left = xdax_core_settle(c, &batch, always, NULL, &adopted);
	KUNIT_EXPECT_EQ(test, left, 0);
	xdax_core_unhold(c, &batch, false);
	KUNIT_EXPECT_EQ(test, state_of(c, a), XDAX_CORE_POISONED);
	KUNIT_EXPECT_EQ(test, c->nr_poisoned, 2);
	/* Never handed out again. */
	for (i = 0; i < NR - 2; i++) {
		fb = xdax_core_reserve(c);
		KUNIT_EXPECT_NE(test, fb, a);
		KUNIT_EXPECT_NE(test, fb, b);
	}
	KUNIT_EXPECT_EQ(test, xdax_core_reserve(c), XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_quarantine(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b = xdax_core_reserve(c);

	xdax_core_quarantine(c, b);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_POISONED);
	KUNIT_EXPECT_EQ(test, c->nr_free, NR - 1);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static void test_check_finds_corruption(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	unsigned long b = fill(test, c, 1);

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

	__set_bit(b + 1, c->poison_map);	/* a poisoned block in the free pool */
	KUNIT_EXPECT_GT(test, core_check(c), 0);
	__clear_bit(b + 1, c->poison_map);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

/* Random operations; the books must balance after every one. */
static void test_random_conservation(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	struct xdax_core_batch batch;
	unsigned long i, fb, b, left, adopted;
	u32 r;

	for (i = 0; i < 4000; i++) {
		r = get_random_u32();
		fb = (r >> 8) % (2 * NR);
		switch (r % 6) {
		case 0:
		case 1:
			if (xdax_core_lookup(c, fb) != XDAX_CORE_NONE)
				break;
			b = xdax_core_reserve(c);
			if (b == XDAX_CORE_NONE)
				KUNIT_EXPECT_EQ(test, c->nr_free, 0);
			else if (r & BIT(31))
				xdax_core_unreserve(c, b);
			else
				KUNIT_EXPECT_EQ(test, xdax_core_install(c, fb, b), 0);
			break;
		case 2:
		case 3:
			if (xdax_core_detach(c, fb, fb + (r >> 24) % 4, r & BIT(30), &batch))
				break;
			left = xdax_core_settle(c, &batch, (r >> 29) & 1 ? always : never,
						NULL, &adopted);
			KUNIT_EXPECT_LE(test, adopted, batch.nr - batch.own);
			xdax_core_unhold(c, &batch, r & BIT(28));
			break;
		case 4:
			xdax_core_reap(c, (r >> 30) ? always : never, NULL, &left);
			break;
		case 5:
			if (!(r & 0xf000))	/* now and then */
				xdax_core_poison(c, (r >> 16) % NR, &b);
			break;
		}
		KUNIT_ASSERT_EQ(test, core_check(c), 0);
		KUNIT_ASSERT_EQ(test, c->nr_free + c->nr_in_use + c->nr_awaiting +
				c->nr_poisoned, (unsigned long)NR);
	}
}

/*
 * The zero pool: the zeroed mark is set only by a completed zeroing of a
 * block that stayed FREE, leaves with the block, is preferred by
 * reservations; the zeroer's block is handed out only as the last one, and
 * then flagged so the caller waits and zeroes; poison and a steal void it.
 */
static void test_zero_pool(struct kunit *test)
{
	struct xdax_core *c = test->priv;
	enum xdax_core_zero z = XDAX_CORE_DIRTY;
	unsigned long b, zb, fb, fblock, blocks[NR];

	/* A target of 0 or a pool already full: nothing to do. */
	KUNIT_EXPECT_EQ(test, xdax_core_zero_begin(c, 0), XDAX_CORE_NONE);
	zb = xdax_core_zero_begin(c, 2);
	KUNIT_ASSERT_NE(test, zb, XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, xdax_core_zero_begin(c, 2), XDAX_CORE_NONE);	/* one at a time */
	KUNIT_EXPECT_EQ(test, state_of(c, zb), XDAX_CORE_FREE);		/* still counted free */
	KUNIT_EXPECT_EQ(test, c->nr_free, NR);
	KUNIT_EXPECT_TRUE(test, xdax_core_zero_end(c, zb, true));
	KUNIT_EXPECT_EQ(test, c->nr_zeroed, 1);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);

	/* An interrupted zeroing marks nothing. */
	b = xdax_core_zero_begin(c, 2);
	KUNIT_ASSERT_NE(test, b, XDAX_CORE_NONE);
	KUNIT_EXPECT_NE(test, b, zb);
	KUNIT_EXPECT_FALSE(test, xdax_core_zero_end(c, b, false));
	KUNIT_EXPECT_EQ(test, c->nr_zeroed, 1);

	/* The zeroed block goes first, and its mark leaves with it. */
	KUNIT_EXPECT_EQ(test, xdax_core_reserve_zero(c, &z), zb);
	KUNIT_EXPECT_EQ(test, z, XDAX_CORE_ZEROED);
	KUNIT_EXPECT_EQ(test, c->nr_zeroed, 0);
	KUNIT_EXPECT_FALSE(test, test_bit(zb, c->zeroed_map));
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
	b = xdax_core_reserve_zero(c, &z);
	KUNIT_EXPECT_EQ(test, z, XDAX_CORE_DIRTY);
	xdax_core_unreserve(c, b);		/* back FREE: not zeroed */
	KUNIT_EXPECT_FALSE(test, test_bit(b, c->zeroed_map));
	xdax_core_unreserve(c, zb);
	KUNIT_EXPECT_FALSE(test, test_bit(zb, c->zeroed_map));
	KUNIT_EXPECT_EQ(test, core_check(c), 0);

	/* Poison during zeroing: no mark, POISONED. */
	b = xdax_core_zero_begin(c, NR);
	KUNIT_ASSERT_NE(test, b, XDAX_CORE_NONE);
	xdax_core_poison(c, b, &fblock);
	KUNIT_EXPECT_EQ(test, state_of(c, b), XDAX_CORE_POISONED);
	KUNIT_EXPECT_FALSE(test, xdax_core_zero_end(c, b, true));
	KUNIT_EXPECT_EQ(test, c->nr_zeroed, 0);

	/* The zeroer's block is the last one handed out, and flagged. */
	zb = xdax_core_zero_begin(c, NR);
	KUNIT_ASSERT_NE(test, zb, XDAX_CORE_NONE);
	for (fb = 0; c->nr_free > 1; fb++) {
		b = xdax_core_reserve_zero(c, &z);
		KUNIT_EXPECT_NE(test, b, zb);
		KUNIT_EXPECT_EQ(test, z, XDAX_CORE_DIRTY);
		blocks[fb] = b;
	}
	KUNIT_EXPECT_EQ(test, xdax_core_reserve(c), XDAX_CORE_NONE);	/* blind: never */
	KUNIT_EXPECT_EQ(test, xdax_core_reserve_n(c, 1, blocks + fb, NULL), -ENOSPC);
	KUNIT_EXPECT_EQ(test, xdax_core_reserve_zero(c, &z), zb);
	KUNIT_EXPECT_EQ(test, z, XDAX_CORE_ZEROING);
	KUNIT_EXPECT_FALSE(test, xdax_core_zero_end(c, zb, true));	/* stolen: no mark */
	KUNIT_EXPECT_EQ(test, c->nr_zeroed, 0);
	KUNIT_EXPECT_EQ(test, c->zeroing, XDAX_CORE_NONE);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
	xdax_core_unreserve(c, zb);
	while (fb--)
		xdax_core_unreserve(c, blocks[fb]);
	KUNIT_EXPECT_EQ(test, c->nr_free, NR - 1);
	KUNIT_EXPECT_EQ(test, core_check(c), 0);
}

static struct kunit_case xdax_core_cases[] = {
	KUNIT_CASE(test_init_all_free),
	KUNIT_CASE(test_owner_u32),
	KUNIT_CASE(test_reserve_rotates_and_exhausts),
	KUNIT_CASE(test_install_exists_and_uninstall),
	KUNIT_CASE(test_held_awaiting_interrupted),
	KUNIT_CASE(test_nowait_left_to_reaper),
	KUNIT_CASE(test_poison),
	KUNIT_CASE(test_quarantine),
	KUNIT_CASE(test_check_finds_corruption),
	KUNIT_CASE(test_random_conservation),
	KUNIT_CASE(test_zero_pool),
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
	unsigned int shift0;	/* range 0's block shift */
};

static const struct parse_case parse_cases[] = {
	{ "512M@0x40000000", XDAX_PARSE_OK, 1, 0x40000000, SZ_512M, PMD_SHIFT },
	{ "2M@4G,4M@0x200000000", XDAX_PARSE_OK, 2, SZ_4G, SZ_2M, PMD_SHIFT },
	{ "1G@1G", XDAX_PARSE_OK, 1, SZ_1G, SZ_1G, PMD_SHIFT },
	{ "2097152@2097152", XDAX_PARSE_OK, 1, SZ_2M, SZ_2M, PMD_SHIFT },
	{ "2G@4G:1G", XDAX_PARSE_OK, 1, SZ_4G, SZ_2G, PUD_SHIFT },
	{ "2G@4G:1g,512M@1G:2M", XDAX_PARSE_OK, 2, SZ_4G, SZ_2G, PUD_SHIFT },
	{ "512M@1G:2M,2G@4G:1G", XDAX_PARSE_OK, 2, SZ_1G, SZ_512M, PMD_SHIFT },
	{ "1G@0x40000000:0x40000000", XDAX_PARSE_OK, 1, SZ_1G, SZ_1G, PUD_SHIFT },
	{ "2G@4G:4K", XDAX_PARSE_ALIGN },
	{ "2G@4G:4M", XDAX_PARSE_ALIGN },
	{ "2G@4G:", XDAX_PARSE_SYNTAX },
	{ "2G@4G:1G:1G", XDAX_PARSE_SYNTAX },
	{ "2G@4G:x", XDAX_PARSE_SYNTAX },
	{ "512M@4G:1G", XDAX_PARSE_UNALIGNED },
	{ "2G@0x100200000:1G", XDAX_PARSE_UNALIGNED },
	{ "1536M@4G:1G", XDAX_PARSE_UNALIGNED },
	{ "0@4G:1G", XDAX_PARSE_ZERO },
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
	KUNIT_EXPECT_EQ(test, res.range[0].shift, p->shift0);
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
