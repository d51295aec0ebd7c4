/*
 * privs.h: who a Sluice process runs as (see privs.c).
 */
#ifndef SLUICE_PRIVS_H
#define SLUICE_PRIVS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Capability bits, as in <linux/capability.h>. */
#define PRIVS_CAP(n) ((uint64_t)1 << (n))

int privs_become_owner(const char *dir, uint64_t keep, char *why,
    size_t whysz);
int privs_task_drop(uid_t uid, gid_t gid, uint64_t nproc);
int privs_drop_all(void);
int privs_have(int cap);
int privs_forgo(uint64_t caps);

#endif
