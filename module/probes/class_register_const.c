/* XDAX_HAVE_CLASS_REGISTER_CONST: class_register() takes a const struct class (6.4+). */
#include <linux/device/class.h>
static const struct class xdax_c = { .name = "xdax_probe" };
int xdax_probe(void) { return class_register(&xdax_c); }
