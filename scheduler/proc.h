/*
 * proc.h: processes by pid (see proc.c). Private to scheduler/.
 */
#ifndef SLUICE_PROC_H
#define SLUICE_PROC_H

#include <stdint.h>
#include <sys/types.h>

int64_t proc_start_time(pid_t pid);
int proc_kill_group(pid_t pid, int64_t proc_start, const char *run_id,
    const char *task);

int proc_kill_attempt(const char *run_id, const char *task, int attempt);

/*
 * For a child right after fork (async-signal-safe): proc_close_from
 * closes every descriptor from fd up (one by one before Linux 5.9);
 * proc_die_with makes it die (SIGKILL) with parent from now on, and exit
 * 125 at once when parent is gone already (a change of uid clears it:
 * set it again after one); proc_child_start also unblocks every signal
 * (the scheduler blocks its own for its signalfd) and puts SIGPIPE back.
 */
void proc_close_from(unsigned int fd);
void proc_die_with(pid_t parent);
void proc_child_start(pid_t parent);

#endif
