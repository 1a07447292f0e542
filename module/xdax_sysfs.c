// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes of /sys/class/xdax/xdaxN, read the way device-dax's are:
 * size, align, numa_node and target_node for everyone; resource (a physical address) and audit (an
 * exclusive-lock walk of every block) for root only; stats/, one value per
 * file, the fields of XDAX_IOC_STATS; perf/, sysfs only, the zero pool
 * (zeroed_free, zeroed_inline, zeroed_background), the reaper's cost
 * (reaper_rounds, reaper_ns), the blocks UNPIN freed at once (unpin_freed),
 * those an event waiter freed (waiter_freed) and those an allocation freed
 * when it found none free (alloc_freed).
 */
#include <linux/device.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>

#include "xdax.h"

static struct xdax_dev *to_xdax_dev(struct device *dev)
{
	return container_of(dev, struct xdax_dev, dev);
}

static ssize_t size_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_xdax_dev(dev)->range.size);
}
static DEVICE_ATTR_RO(size);

static ssize_t align_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", xdax_block_size(to_xdax_dev(dev)));
}
static DEVICE_ATTR_RO(align);

static ssize_t resource_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#llx\n", to_xdax_dev(dev)->range.start);
}
static DEVICE_ATTR_ADMIN_RO(resource);

static ssize_t pgmap_free_calls_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_xdax_dev(dev)->pgmap_free_calls));
}
static DEVICE_ATTR_RO(pgmap_free_calls);

/* The node of the device and its struct pages; absent without CONFIG_NUMA. */
static ssize_t numa_node_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", dev_to_node(dev));
}
static DEVICE_ATTR_RO(numa_node);

/* The range's own node (proximity domain); absent if the firmware gives none. */
static ssize_t target_node_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_xdax_dev(dev)->target_node);
}
static DEVICE_ATTR_RO(target_node);

/* Reading `audit` runs the audit of XDAX_IOC_AUDIT and shows the mismatches. */
static ssize_t audit_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", xdax_audit(to_xdax_dev(dev)));
}
static DEVICE_ATTR_ADMIN_RO(audit);

static struct attribute *xdax_dev_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_align.attr,
	&dev_attr_resource.attr,
	&dev_attr_pgmap_free_calls.attr,
	&dev_attr_audit.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_target_node.attr,
	NULL,
};

/* As device-dax: numa_node only with CONFIG_NUMA, target_node only if known. */
static umode_t xdax_dev_attr_visible(struct kobject *kobj, struct attribute *a, int n)
{
	struct xdax_dev *xd = to_xdax_dev(kobj_to_dev(kobj));

	if (a == &dev_attr_numa_node.attr && !IS_ENABLED(CONFIG_NUMA))
		return 0;
	if (a == &dev_attr_target_node.attr && xd->target_node < 0)
		return 0;
	return a->mode;
}

static const struct attribute_group xdax_dev_group = {
	.attrs = xdax_dev_attrs,
	.is_visible = xdax_dev_attr_visible,
};

/* stats/<field>: one struct xdax_kstats field per file. */
struct xdax_stat_attr {
	struct device_attribute attr;
	size_t offset;		/* of the u64 field in struct xdax_kstats */
};

static ssize_t xdax_stat_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	size_t off = container_of(attr, struct xdax_stat_attr, attr)->offset;
	struct xdax_kstats st;
	u64 v;

	xdax_stats(to_xdax_dev(dev), &st);
	memcpy(&v, (char *)&st + off, sizeof(v));
	return sysfs_emit(buf, "%llu\n", v);
}

#define XDAX_STAT(file, field) \
	{ __ATTR(file, 0444, xdax_stat_show, NULL), offsetof(struct xdax_kstats, field) }

static struct xdax_stat_attr xdax_stat_attrs[] = {
	XDAX_STAT(file_size, file_size),
	XDAX_STAT(total, total),
	XDAX_STAT(free, free),
	XDAX_STAT(in_use, in_use),
	XDAX_STAT(awaiting_reclaim, awaiting),
	XDAX_STAT(poisoned, poisoned),
	XDAX_STAT(page_free_calls, page_free_calls),
	XDAX_STAT(kernel_free_calls, kernel_free_calls),
	XDAX_STAT(anomalies, anomalies),
	XDAX_STAT(pte_faults, pte_faults),
	XDAX_STAT(pmd_faults, pmd_faults),
	XDAX_STAT(reclaim_events, reclaim_events),
	XDAX_STAT(pinned_pages, pinned_pages),
	XDAX_STAT(zeroed, zeroed),
	XDAX_STAT(memory_failures, memory_failures),
};

/* perf/<field>: counters of the fast paths, sysfs only (not in XDAX_IOC_STATS). */
static struct xdax_stat_attr xdax_perf_attrs[] = {
	XDAX_STAT(pud_faults, pud_faults),
	XDAX_STAT(zeroed_free, zeroed_free),
	XDAX_STAT(zeroed_inline, zeroed_inline),
	XDAX_STAT(zeroed_background, zeroed_background),
	XDAX_STAT(reaper_rounds, reaper_rounds),
	XDAX_STAT(reaper_ns, reaper_ns),
	XDAX_STAT(unpin_freed, unpin_freed),
	XDAX_STAT(waiter_freed, waiter_freed),
	XDAX_STAT(alloc_freed, alloc_freed),
};

static struct attribute *xdax_stats_attrs[ARRAY_SIZE(xdax_stat_attrs) + 1];
static struct attribute *xdax_perf_list[ARRAY_SIZE(xdax_perf_attrs) + 1];

static const struct attribute_group xdax_stats_group = {
	.name = "stats",
	.attrs = xdax_stats_attrs,
};

static const struct attribute_group xdax_perf_group = {
	.name = "perf",
	.attrs = xdax_perf_list,
};

const struct attribute_group *xdax_sysfs_groups[] = {
	&xdax_dev_group,
	&xdax_stats_group,
	&xdax_perf_group,
	NULL,
};

/* Fill the stats/ attribute list from the table.  Context: module init. */
void xdax_sysfs_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xdax_stat_attrs); i++)
		xdax_stats_attrs[i] = &xdax_stat_attrs[i].attr.attr;
	for (i = 0; i < ARRAY_SIZE(xdax_perf_attrs); i++)
		xdax_perf_list[i] = &xdax_perf_attrs[i].attr.attr;
}
