// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_CLASS_REGISTER_CONST: class_register() takes a const struct class (6.4+).
 */
#include <linux/device/class.h>

static const struct class xdax_class = {
	.name = "xdax_probe",
};

static int __maybe_unused xdax_probe(void)
{
	return class_register(&xdax_class);
}
