// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of the ranges= module parameter: "SIZE@START[:ALIGN][,...]" with
 * the K/M/G/T suffixes of the memmap= kernel parameter.  ALIGN, the range's
 * block size like device-dax's align, is 2M (the default) or 1G.  Pure logic with no
 * side effects, so that a KUnit suite can drive it directly.
 */
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>

#include "xdax.h"

/*
 * Parse one unsigned number with an optional 0x prefix and K/M/G/T suffix.
 * Unlike memparse() this detects overflow and treats a leading 0 as decimal.
 */
static bool xdax_parse_num(const char **sp, u64 *out)
{
	const char *s = *sp;
	unsigned int base = 10, shift = 0, digits = 0, d;
	u64 v = 0;

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
		if (check_mul_overflow(v, (u64)base, &v) ||
		    check_add_overflow(v, (u64)d, &v))
			return false;
	}
	if (!digits)
		return false;

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
		if (v > (U64_MAX >> shift))
			return false;
		v <<= shift;
	}
	*sp = s;
	*out = v;
	return true;
}

static bool xdax_ranges_overlap(const struct xdax_range *a,
				const struct xdax_range *b)
{
	return a->start < b->start + b->size && b->start < a->start + a->size;
}

enum xdax_parse_err xdax_parse_ranges(const char *s, struct xdax_parse_result *res)
{
	u64 limit = 1ULL << MAX_PHYSMEM_BITS, align;
	struct xdax_range *r;
	unsigned int i, j;

	memset(res, 0, sizeof(*res));
	if (!s || !*s)
		return XDAX_PARSE_EMPTY;

	for (;;) {
		if (res->nr == XDAX_MAX_RANGES) {
			res->bad = res->nr;
			return XDAX_PARSE_TOO_MANY;
		}
		res->bad = res->nr;
		r = &res->range[res->nr];
		if (!xdax_parse_num(&s, &r->size) || *s++ != '@' ||
		    !xdax_parse_num(&s, &r->start))
			return XDAX_PARSE_SYNTAX;
		r->shift = XDAX_BLOCK_SHIFT_2M;
		if (*s == ':') {
			s++;
			if (!xdax_parse_num(&s, &align))
				return XDAX_PARSE_SYNTAX;
			if (align == BIT_ULL(XDAX_BLOCK_SHIFT_1G))
				r->shift = XDAX_BLOCK_SHIFT_1G;
			else if (align != BIT_ULL(XDAX_BLOCK_SHIFT_2M))
				return XDAX_PARSE_ALIGN;
		}
		if (*s && *s != ',')
			return XDAX_PARSE_SYNTAX;
		if (!r->size)
			return XDAX_PARSE_ZERO;
		if (!IS_ALIGNED(r->start, BIT_ULL(r->shift)) ||
		    !IS_ALIGNED(r->size, BIT_ULL(r->shift)))
			return XDAX_PARSE_UNALIGNED;
		if (r->size > limit || r->start > limit - r->size)
			return XDAX_PARSE_OVERFLOW;
		res->nr++;
		if (!*s)
			break;
		s++;	/* the ',' */
	}

	for (i = 0; i < res->nr; i++) {
		for (j = 0; j < i; j++) {
			res->bad = i;
			res->other = j;
			if (res->range[i].start == res->range[j].start &&
			    res->range[i].size == res->range[j].size)
				return XDAX_PARSE_DUPLICATE;
			if (xdax_ranges_overlap(&res->range[i], &res->range[j]))
				return XDAX_PARSE_OVERLAP;
		}
	}
	res->bad = 0;
	res->other = 0;
	return XDAX_PARSE_OK;
}

const char *xdax_parse_strerror(enum xdax_parse_err err)
{
	switch (err) {
	case XDAX_PARSE_OK:
		return "ok";
	case XDAX_PARSE_EMPTY:
		return "no range given (load with ranges=SIZE@START[:ALIGN][,SIZE@START...])";
	case XDAX_PARSE_SYNTAX:
		return "cannot parse: expected SIZE@START[:ALIGN], e.g. 256M@4G or 2G@4G:1G";
	case XDAX_PARSE_ALIGN:
		return "align must be 2M (the default) or 1G";
	case XDAX_PARSE_ZERO:
		return "size is 0";
	case XDAX_PARSE_UNALIGNED:
		return "start and size must be multiples of 2 MiB (of 1 GiB with :1G)";
	case XDAX_PARSE_OVERFLOW:
		return "range extends past the end of the physical address space";
	case XDAX_PARSE_TOO_MANY:
		return "too many ranges (at most " __stringify(XDAX_MAX_RANGES) ")";
	case XDAX_PARSE_DUPLICATE:
		return "duplicates an earlier range";
	case XDAX_PARSE_OVERLAP:
		return "overlaps an earlier range";
	}
	return "unknown error";
}
