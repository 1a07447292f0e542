// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_HRTIMER_SETUP: hrtimers are initialised with hrtimer_setup(), which
 * takes the callback (6.13+; hrtimer_init() is gone later).
 */
#include <linux/hrtimer.h>

void xdax_probe(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *));

void xdax_probe(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
