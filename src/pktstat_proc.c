// SPDX-License-Identifier: GPL-2.0
/* /proc/net/xt_pktstat/<name>/{data,stats} */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "pktstat_compat.h"
#include "pktstat_proc.h"

/* Like xt_recent: root-only unless the admin grants a group (collector). */
static unsigned int pktstat_uid __read_mostly;
static unsigned int pktstat_gid __read_mostly;
static unsigned int pktstat_mode __read_mostly = 0400;
module_param_named(uid, pktstat_uid, uint, 0400);
MODULE_PARM_DESC(uid, "owner of /proc/net/xt_pktstat/* (default 0)");
module_param_named(gid, pktstat_gid, uint, 0400);
MODULE_PARM_DESC(gid, "group of /proc/net/xt_pktstat/* (default 0)");
module_param_named(mode, pktstat_mode, uint, 0400);
MODULE_PARM_DESC(mode, "read bits of /proc/net/xt_pktstat/* files (default 0400; write bits are ignored)");

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
	seq_printf(m, "cpus: %u\n", inst->ncpus);
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
	return 0;
}

int pktstat_proc_add(struct xt_pktstat_instance *inst,
		     struct proc_dir_entry *parent)
{
	umode_t mode = pktstat_mode & 0444;
	/* The directory is searchable by whoever may read its files. */
	umode_t dir_mode = mode | (mode >> 2);
	kuid_t uid = make_kuid(&init_user_ns, pktstat_uid);
	kgid_t gid = make_kgid(&init_user_ns, pktstat_gid);
	struct proc_dir_entry *dir, *data, *stats;

	if (!parent)
		return -ENOENT;
	if (!uid_valid(uid))
		uid = GLOBAL_ROOT_UID;
	if (!gid_valid(gid))
		gid = GLOBAL_ROOT_GID;

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
