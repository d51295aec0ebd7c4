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

#endif
