// SPDX-License-Identifier: GPL-2.0
/* /proc/net/xt_pktstat/<name>/{data,stats} */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "pktstat_compat.h"
#include "pktstat_proc.h"

/*
 * Who may read the files. By default the root of the user namespace that owns
 * the network namespace, as for /proc/net itself: global root on the host,
 * the container's root in an unprivileged container (global root again if
 * that namespace does not map uid or gid 0). uid and gid, when set, are ids
 * of the initial user namespace and apply to every network namespace; mode
 * too. Like xt_recent, but a container can read its own instances.
 */
#define PKTSTAT_ID_UNSET	((u32)-1)
static u32 pktstat_uid __read_mostly = PKTSTAT_ID_UNSET;
static u32 pktstat_gid __read_mostly = PKTSTAT_ID_UNSET;
static unsigned int pktstat_mode __read_mostly = 0400;

/* -1 (not set) or an id 0 .. 4294967294. */
static int pktstat_param_set_id(const char *val, const struct kernel_param *kp)
{
	u32 id;

	if (sysfs_streq(val, "-1")) {
		*(u32 *)kp->arg = PKTSTAT_ID_UNSET;
		return 0;
	}
	if (kstrtou32(val, 0, &id) || id == PKTSTAT_ID_UNSET) {
		pr_err("%s=%s invalid: -1 (root of the namespace's owner) or 0 to 4294967294\n",
		       kp->name, val);
		return -EINVAL;
	}
	*(u32 *)kp->arg = id;
	return 0;
}

static int pktstat_param_get_id(char *buf, const struct kernel_param *kp)
{
	u32 id = *(u32 *)kp->arg;

	if (id == PKTSTAT_ID_UNSET)
		return sysfs_emit(buf, "-1\n");
	return sysfs_emit(buf, "%u\n", id);
}

static const struct kernel_param_ops pktstat_param_id_ops = {
	.set	= pktstat_param_set_id,
	.get	= pktstat_param_get_id,
};

/* Files nobody can read would be useless: refuse at load time. */
static int pktstat_param_set_mode(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int mode;

	if (kstrtouint(val, 8, &mode) || !(mode & 0444) || mode > 0777) {
		pr_err("mode=%s invalid: octal with at least one read bit (0444), e.g. 0400 or 0440; write and execute bits are ignored\n",
		       val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = mode;
	return 0;
}

static int pktstat_param_get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%04o\n", *(unsigned int *)kp->arg);
}

static const struct kernel_param_ops pktstat_param_mode_ops = {
	.set	= pktstat_param_set_mode,
	.get	= pktstat_param_get_mode,
};

module_param_cb(uid, &pktstat_param_id_ops, &pktstat_uid, 0400);
MODULE_PARM_DESC(uid, "owner of /proc/net/xt_pktstat/* (default -1: root of the network namespace's user namespace)");
module_param_cb(gid, &pktstat_param_id_ops, &pktstat_gid, 0400);
MODULE_PARM_DESC(gid, "group of /proc/net/xt_pktstat/* (default -1: root of the network namespace's user namespace)");
module_param_cb(mode, &pktstat_param_mode_ops, &pktstat_mode, 0400);
MODULE_PARM_DESC(mode, "read bits of /proc/net/xt_pktstat/* files, octal (default 0400; needs a read bit; write bits are ignored)");

/* One read hands out at most this much: about 1000 windows. */
#define PKTSTAT_READ_MAX	(1024 * PKTSTAT_LINE_MAX)

struct pktstat_out {
	char *buf;
	size_t len;
	size_t size;
};

static void pktstat_emit(void *ctx, u64 end_ns, u64 frames, u64 bytes)
{
	struct pktstat_out *out = ctx;

	out->len += scnprintf(out->buf + out->len, out->size - out->len,
			      "%llu %llu %llu\n", end_ns, frames, bytes);
}

/*
 * Each read drains exactly the windows it returns: the reader's position is
 * committed only once the lines reached userspace. read_lock keeps readers
 * one at a time and is held across the copy, which may wait on a page fault
 * for long: nothing else takes it (stats and removal do not).
 */
static ssize_t pktstat_data_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct xt_pktstat_instance *inst = pde_data(file_inode(file));
	struct pktstat_out out;
	struct pktstat_reader reader;
	unsigned int lines;
	ssize_t ret;

	if (count < PKTSTAT_LINE_MAX)
		return -EINVAL;
	out.size = min_t(size_t, count, PKTSTAT_READ_MAX);
	out.len = 0;
	out.buf = kvmalloc(out.size, GFP_KERNEL_ACCOUNT);
	if (!out.buf)
		return -ENOMEM;

	ret = mutex_lock_interruptible(&inst->read_lock);
	if (ret)
		goto free;
	memcpy(inst->scratch, inst->cursors,
	       inst->ncpus * sizeof(*inst->scratch));
	reader = inst->reader;
	lines = pktstat_collect(inst->cpus, inst->ncpus, inst->period,
				inst->scratch, &reader, inst->snaps,
				out.size / PKTSTAT_LINE_MAX, pktstat_emit, &out);
	if (lines && copy_to_user(ubuf, out.buf, out.len)) {
		ret = -EFAULT;
	} else {
		mutex_lock(&inst->state_lock);
		memcpy(inst->cursors, inst->scratch,
		       inst->ncpus * sizeof(*inst->cursors));
		inst->reader = reader;
		pktstat_commit(inst->cpus, inst->ncpus, inst->cursors);
		mutex_unlock(&inst->state_lock);
		ret = out.len;
	}
	mutex_unlock(&inst->read_lock);
free:
	kvfree(out.buf);
	return ret;
}

static const struct proc_ops pktstat_data_ops = {
	.proc_open	= nonseekable_open,
	.proc_read	= pktstat_data_read,
};

static int pktstat_stats_show(struct seq_file *m, void *v)
{
	struct xt_pktstat_instance *inst = m->private;
	u64 frames = 0, bytes = 0, overflows = 0, queued = 0;
	struct pktstat_reader reader;
	struct pktstat_snap s;
	unsigned int i;

	/* Not read_lock: a data reader may hold it for long (see above). */
	mutex_lock(&inst->state_lock);
	for (i = 0; i < inst->ncpus; i++) {
		const struct pktstat_cpu *c = inst->cpus[i];

		pktstat_cpu_snapshot(c, &s);
		frames += s.frames;
		bytes += s.bytes;
		overflows += READ_ONCE(c->overflows);
		queued += pktstat_cpu_queued(c, inst->cursors[i].tail);
	}
	reader = inst->reader;
	mutex_unlock(&inst->state_lock);

	seq_printf(m, "name: %s\n", inst->name);
	seq_printf(m, "id: %llu\n", inst->id);
	seq_printf(m, "period_ns: %llu\n", inst->period);
	seq_printf(m, "samples: %u\n", inst->samples);
	seq_printf(m, "cpus: %u\n", READ_ONCE(inst->ring_cpus));
	seq_printf(m, "queued: %llu\n", queued);
	seq_printf(m, "overflows: %llu\n", overflows);
	seq_printf(m, "frames: %llu\n", frames);
	seq_printf(m, "bytes: %llu\n", bytes);
	seq_printf(m, "rules: %u\n", READ_ONCE(inst->rules));
	seq_printf(m, "windows_read: %llu\n", reader.windows_read);
	seq_printf(m, "last_window_ns: %llu\n",
		   reader.windows_read ? reader.next.win * inst->period : 0);
	seq_printf(m, "clock_steps: %u\n", pktstat_clock_seq() - inst->epoch0);
	seq_printf(m, "created_ns: %llu\n", inst->created_ns);
	seq_printf(m, "memory_bytes: %lu\n", READ_ONCE(inst->memory));
	/* Whether packets compare the TSC or read the clock (pktstat_counter.c). */
	seq_printf(m, "counter: %s\n",
		   pktstat_counter_gen() & 1 ? "none" : "tsc");
	return 0;
}

/* The id of the parameter, else root of the namespace's owner, else global root. */
static kuid_t pktstat_owner_uid(const struct net *net)
{
	kuid_t uid = pktstat_uid == PKTSTAT_ID_UNSET ?
		make_kuid(net->user_ns, 0) : make_kuid(&init_user_ns, pktstat_uid);

	return uid_valid(uid) ? uid : GLOBAL_ROOT_UID;
}

static kgid_t pktstat_owner_gid(const struct net *net)
{
	kgid_t gid = pktstat_gid == PKTSTAT_ID_UNSET ?
		make_kgid(net->user_ns, 0) : make_kgid(&init_user_ns, pktstat_gid);

	return gid_valid(gid) ? gid : GLOBAL_ROOT_GID;
}

int pktstat_proc_add(struct xt_pktstat_instance *inst,
		     struct proc_dir_entry *parent, const struct net *net)
{
	umode_t mode = pktstat_mode & 0444;
	/* The directory is searchable by whoever may read its files. */
	umode_t dir_mode = mode | (mode >> 2);
	kuid_t uid = pktstat_owner_uid(net);
	kgid_t gid = pktstat_owner_gid(net);
	struct proc_dir_entry *dir, *data, *stats;

	if (!parent)
		return -ENOENT;

	dir = proc_mkdir_data(inst->name, S_IFDIR | dir_mode, parent, inst);
	if (!dir)
		return -ENOMEM;
	data = proc_create_data("data", mode, dir, &pktstat_data_ops, inst);
	stats = proc_create_single_data("stats", mode, dir, pktstat_stats_show,
					inst);
	if (!data || !stats) {
		proc_remove(dir);
		return -ENOMEM;
	}
	proc_set_user(dir, uid, gid);
	proc_set_user(data, uid, gid);
	proc_set_user(stats, uid, gid);
	inst->dir = dir;
	return 0;
}
