/*
 * privs.c: who a Sluice process runs as. Started as root, every Sluice
 * program becomes the owner of the data directory (the service user the
 * launcher made, `sluice`) before it touches a file, so nothing it writes
 * is root's and a flaw in it is not root's either; the scheduler keeps
 * the few capabilities it needs to start, watch and stop the tasks of
 * another user. Tasks are started through privs_task_drop, which leaves
 * them nothing: their own uid, one group, no capabilities, no way to gain
 * any by exec. This file is the one place where credentials change.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "privs.h"

/* Sets the effective and permitted capabilities to bits, none inheritable. */
static int
caps_set(uint64_t bits)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)bits;
	d[1].effective = d[1].permitted = (uint32_t)(bits >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* This process's capabilities as PRIVS_CAP bits: its permitted set
 * (what it may still hold), or with effective its effective set. */
static uint64_t
caps_get(int effective)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) == -1)
		return 0;
	if (effective)
		return (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	return (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
}

/* Drops every capability not in keep from the bounding set (needs root). */
static void
bounding_drop(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++)
		if (!(keep & PRIVS_CAP(cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno == EINVAL)
			break;	/* past the kernel's last capability */
}

/*
 * Started as root, becomes the owner of dir (its uid, that user's group,
 * no supplementary groups), keeping only the capabilities in keep
 * (PRIVS_CAP bits; 0 for none) that it has (a container may have given
 * it fewer: the caller asks privs_have). When dir belongs to root, stays root
 * with only those capabilities. Does nothing when not root or when dir
 * does not exist. Returns 0, or -1 with why.
 */
int
privs_become_owner(const char *dir, uint64_t keep, char *why, size_t whysz)
{
	struct passwd *pw;
	struct stat sb;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	if (stat(dir, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	keep &= caps_get(0);
	bounding_drop(keep);
	if (sb.st_uid == 0) {
		if (caps_set(keep) == -1) {
			snprintf(why, whysz, "cannot drop capabilities: %s",
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	pw = getpwuid(sb.st_uid);
	gid = pw != NULL ? pw->pw_gid : sb.st_gid;
	if ((keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) ||
	    setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(sb.st_uid, sb.st_uid, sb.st_uid) == -1 ||
	    caps_set(keep) == -1 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1) {
		snprintf(why, whysz, "cannot become uid %d, the owner of %s: "
		    "%s", (int)sb.st_uid, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The task's side of a start, between fork and exec (async-signal-safe
 * only): at most nproc processes for uid (0: no limit), then uid and gid
 * with no supplementary group, no capability left and none to gain by
 * exec, and umask 007: what a task writes is for its group -- the other
 * tasks, which may take over its files on a later run -- and no one
 * else. Returns 0, or -1 with errno set.
 */
int
privs_task_drop(uid_t uid, gid_t gid, uint64_t nproc)
{
	struct rlimit rl = { (rlim_t)nproc, (rlim_t)nproc };

	if (nproc != 0 && setrlimit(RLIMIT_NPROC, &rl) == -1)
		return -1;
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1 || caps_set(0) == -1)
		return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	umask(007);
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/*
 * Gives up every capability for good, and any to gain by exec: for the
 * repository sync, which runs git and pip (whose packages run code of
 * their own) as the service user and nothing more. Returns 0 or -1.
 */
int
privs_drop_all(void)
{
	if (caps_get(0) != 0 && caps_set(0) == -1)
		return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Returns 1 when the calling process holds capability cap (effective). */
int
privs_have(int cap)
{
	return (caps_get(1) & PRIVS_CAP(cap)) != 0;
}

/*
 * Gives up the capabilities in caps (PRIVS_CAP bits) for every program
 * this process execs from now on, root included: they leave the bounding
 * set (which bounds what root gains by exec; this needs CAP_SETPCAP, so
 * call it as root only), the inheritable set and the ambient set. What
 * the calling process holds now is unchanged. Returns 0, or -1 with errno
 * set.
 */
int
privs_forgo(uint64_t caps)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	for (int cap = 0; cap < 64; cap++)
		if ((caps & PRIVS_CAP(cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)	/* EINVAL: a capability this kernel
					   does not have */
			return -1;
	if (syscall(SYS_capget, &h, d) == -1)
		return -1;
	d[0].inheritable &= ~(uint32_t)caps;
	d[1].inheritable &= ~(uint32_t)(caps >> 32);
	if (syscall(SYS_capset, &h, d) == -1)
		return -1;
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}
