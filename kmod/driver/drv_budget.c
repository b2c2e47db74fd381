// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the budget of calls in progress.
 *
 * The calls that can wait for the device (read, write, WAIT_EVENT) are
 * charged to their open file, to the calling user and to the device
 * (requests and bounce-buffer bytes, charged for the call's length whether
 * or not the buffer is allocated); over a limit the call fails with
 * -EAGAIN instead of pinning more kernel memory. The per-user bound keeps
 * one user from taking the whole device budget with many open files, like
 * the per-user pipe buffer limit; CAP_SYS_RESOURCE or CAP_SYS_ADMIN lifts
 * it. Control ioctls are not charged: they never wait for the device, and
 * an administrator must be able to look and purge when the budget is full.
 * The limits are module parameters, writable at run time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "drv.h"

unsigned int drv_param_file_max_requests = 64;
module_param_named(file_max_requests, drv_param_file_max_requests, uint, 0644);
MODULE_PARM_DESC(file_max_requests, "most requests in progress per open file (default 64)");

unsigned long drv_param_file_max_bytes = 1UL << 20;
module_param_named(file_max_bytes, drv_param_file_max_bytes, ulong, 0644);
MODULE_PARM_DESC(file_max_bytes, "most bounce-buffer bytes per open file (default 1 MiB)");

unsigned int drv_param_dev_max_requests = 1024;
module_param_named(dev_max_requests, drv_param_dev_max_requests, uint, 0644);
MODULE_PARM_DESC(dev_max_requests, "most requests in progress per device (default 1024)");

unsigned long drv_param_dev_max_bytes = 16UL << 20;
module_param_named(dev_max_bytes, drv_param_dev_max_bytes, ulong, 0644);
MODULE_PARM_DESC(dev_max_bytes, "most bounce-buffer bytes per device (default 16 MiB)");

unsigned int drv_param_user_max_requests = 256;
module_param_named(user_max_requests, drv_param_user_max_requests, uint, 0644);
MODULE_PARM_DESC(user_max_requests, "most requests in progress per user (real uid) over all devices; CAP_SYS_RESOURCE or CAP_SYS_ADMIN lifts it (default 256)");

unsigned long drv_param_user_max_bytes = 4UL << 20;
module_param_named(user_max_bytes, drv_param_user_max_bytes, ulong, 0644);
MODULE_PARM_DESC(user_max_bytes, "most bounce-buffer bytes per user (real uid) over all devices; CAP_SYS_RESOURCE or CAP_SYS_ADMIN lifts it (default 4 MiB)");

/**
 * struct drv_user - what one user (real uid) has in progress, all devices
 * @node: in drv_users
 * @uid: the user
 * @nr_requests: charged requests; the entry goes when it falls to 0
 * @nr_bytes: bounce-buffer bytes of those
 *
 * Under drv_users_lock (see "Locking rules" in drv.h).
 */
struct drv_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int nr_requests;
	unsigned long nr_bytes;
};

static DEFINE_HASHTABLE(drv_users, 6);
static DEFINE_SPINLOCK(drv_users_lock);

static struct drv_user *drv_user_find_locked(kuid_t uid)
{
	struct drv_user *u;

	hash_for_each_possible(drv_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* Lifts the per-user bound, as for pipe buffers. */
static bool drv_user_privileged(void)
{
	return capable(CAP_SYS_RESOURCE) || capable(CAP_SYS_ADMIN);
}

/* Charge one request of @bytes to the calling user. */
static struct drv_user *drv_user_charge(size_t bytes)
{
	kuid_t uid = current_uid();
	struct drv_user *u, *nu = NULL;
	bool asked = false, priv = false;

again:
	spin_lock(&drv_users_lock);
	u = drv_user_find_locked(uid);
	if (!u && !nu) {
		spin_unlock(&drv_users_lock);
		nu = kzalloc(sizeof(*nu), GFP_KERNEL);
		if (!nu)
			return ERR_PTR(-ENOMEM);
		goto again;
	}
	if (!u) {
		u = nu;
		nu = NULL;
		u->uid = uid;
		hash_add(drv_users, &u->node, __kuid_val(uid));
	}
	if (!priv &&
	    (u->nr_requests + 1 > READ_ONCE(drv_param_user_max_requests) ||
	     u->nr_bytes + bytes > READ_ONCE(drv_param_user_max_bytes))) {
		if (!asked) {
			spin_unlock(&drv_users_lock);
			asked = true;
			priv = drv_user_privileged();
			goto again;
		}
		if (!u->nr_requests) {
			hash_del(&u->node);
			nu = u;
		}
		spin_unlock(&drv_users_lock);
		kfree(nu);
		return ERR_PTR(-EAGAIN);
	}
	u->nr_requests++;
	u->nr_bytes += bytes;
	spin_unlock(&drv_users_lock);
	kfree(nu);
	return u;
}

static void drv_user_uncharge(struct drv_user *u, size_t bytes)
{
	spin_lock(&drv_users_lock);
	u->nr_bytes -= bytes;
	if (--u->nr_requests)
		u = NULL;
	else
		hash_del(&u->node);
	spin_unlock(&drv_users_lock);
	kfree(u);
}

/**
 * drv_charge() - charge a call to its file, its user and the device
 * @df: the open file
 * @bytes: the call's bounce-buffer length (charged allocated or not)
 *
 * Context: process.
 * Return: the user's entry, for drv_uncharge(); ERR_PTR(-EAGAIN) over a
 * limit (counted in requests_limited), ERR_PTR(-ENOMEM).
 */
struct drv_user *drv_charge(struct drv_file *df, size_t bytes)
{
	struct drv_dev *d = df->d;
	struct drv_user *u = ERR_PTR(-EAGAIN);

	if (atomic_inc_return(&df->nr_requests) >
	    READ_ONCE(drv_param_file_max_requests))
		goto undo_file_req;
	if (atomic_long_add_return(bytes, &df->nr_bytes) >
	    READ_ONCE(drv_param_file_max_bytes))
		goto undo_file_bytes;
	u = drv_user_charge(bytes);
	if (IS_ERR(u))
		goto undo_file_bytes;
	if (atomic_inc_return(&d->nr_requests) >
	    READ_ONCE(drv_param_dev_max_requests))
		goto undo_dev_req;
	if (atomic_long_add_return(bytes, &d->nr_bytes) >
	    READ_ONCE(drv_param_dev_max_bytes))
		goto undo_dev_bytes;
	return u;

undo_dev_bytes:
	atomic_long_sub(bytes, &d->nr_bytes);
undo_dev_req:
	atomic_dec(&d->nr_requests);
	drv_user_uncharge(u, bytes);
	u = ERR_PTR(-EAGAIN);
undo_file_bytes:
	atomic_long_sub(bytes, &df->nr_bytes);
undo_file_req:
	atomic_dec(&df->nr_requests);
	if (PTR_ERR(u) == -EAGAIN)
		atomic64_inc(&d->cnt.requests_limited);
	return u;
}

/**
 * drv_uncharge() - give back what drv_charge() took
 * @df: the open file
 * @u: drv_charge()'s result
 * @bytes: the same length
 *
 * Context: process or a workqueue (libaio completion).
 */
void drv_uncharge(struct drv_file *df, struct drv_user *u, size_t bytes)
{
	atomic_long_sub(bytes, &df->d->nr_bytes);
	atomic_dec(&df->d->nr_requests);
	drv_user_uncharge(u, bytes);
	atomic_long_sub(bytes, &df->nr_bytes);
	atomic_dec(&df->nr_requests);
}
