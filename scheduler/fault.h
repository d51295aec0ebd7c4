/*
 * fault.h: the scheduler's crash points, for the fault suite only
 * (tests/fault/crash_at_each_launch_step.sh). They are compiled in only
 * with -DSLUICE_FAULT_HOOKS, into the test program
 * build/tests/sluice-scheduler-faults; in sluice-scheduler every FAULT()
 * is nothing and SLUICE_FAULT is never read.
 *
 * SLUICE_FAULT=POINT[:N] makes the scheduler SIGKILL itself the Nth time
 * (default 1) it passes POINT; at after_fork_before_exec it is the Nth
 * task child that kills the scheduler, between fork and exec.
 */
#ifndef SLUICE_FAULT_H
#define SLUICE_FAULT_H

#include <sys/types.h>

enum fault_point {
	FAULT_NONE,
	FAULT_AFTER_CLAIM,		/* a claim committed, runs not loaded */
	FAULT_AFTER_ATTEMPT_COMMIT,	/* attempt RUNNING, no go-ahead yet */
	FAULT_AFTER_FORK_BEFORE_EXEC,	/* the child kills the scheduler */
	FAULT_AFTER_EXIT_BEFORE_COMMIT	/* reaped, its end not written */
};

struct fault {
	enum fault_point point;
	int left;		/* passes of point before the crash */
};

#ifdef SLUICE_FAULT_HOOKS
void fault_load(struct fault *f);
int fault_due(struct fault *f, enum fault_point p);
void fault_crash(struct fault *f, enum fault_point p);
#define FAULT_LOAD(f) fault_load(f)
#define FAULT_DUE(f, p) fault_due((f), (p))
#define FAULT(f, p) fault_crash((f), (p))
#else
#define FAULT_LOAD(f) ((void)(f))
#define FAULT_DUE(f, p) ((void)(f), 0)
#define FAULT(f, p) ((void)(f))
#endif

#endif
