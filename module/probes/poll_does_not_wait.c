// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_POLL_DOES_NOT_WAIT: poll_does_not_wait() tells a ->poll whether its
 * caller registers to sleep (gone in 7.x, where only poll_wait() reads the table).
 */
#include <linux/poll.h>

bool xdax_probe(const struct poll_table_struct *p);

bool xdax_probe(const struct poll_table_struct *p)
{
	return poll_does_not_wait(p);
}
