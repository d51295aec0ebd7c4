/*
 * reposync.h: one repository sync, in the sync process (see reposync.c
 * and repo_tick.c). Private to scheduler/.
 */
#ifndef SLUICE_REPOSYNC_H
#define SLUICE_REPOSYNC_H

/*
 * Syncs repository name, whose row incarnation has leased; returns the
 * sync process's exit status (0: the outcome, ok or failed, is recorded).
 */
int reposync_run(const char *data_dir, const char *name,
    const char *incarnation);

#endif
