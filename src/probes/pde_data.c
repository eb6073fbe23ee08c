// SPDX-License-Identifier: GPL-2.0
/* HAVE_PDE_DATA: pde_data() (5.17+), older kernels spell it PDE_DATA(). */
#include <linux/proc_fs.h>

void *probe(const struct inode *inode);
void *probe(const struct inode *inode)
{
	return pde_data(inode);
}
