/*
 * fault.c: the crash points of fault.h, read from SLUICE_FAULT. Empty
 * unless built with -DSLUICE_FAULT_HOOKS (the fault suite's scheduler).
 */
#ifdef SLUICE_FAULT_HOOKS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"

static const char *const fault_names[] = {
	[FAULT_AFTER_CLAIM] = "after_claim",
	[FAULT_AFTER_ATTEMPT_COMMIT] = "after_attempt_commit",
	[FAULT_AFTER_FORK_BEFORE_EXEC] = "after_fork_before_exec",
	[FAULT_AFTER_EXIT_BEFORE_COMMIT] = "after_exit_before_commit",
};
#define NFAULTS (sizeof(fault_names) / sizeof(fault_names[0]))

/* Reads SLUICE_FAULT=POINT[:N]; a wrong one is fatal, not ignored. */
void
fault_load(struct fault *f)
{
	const char *v = getenv("SLUICE_FAULT");
	const char *colon;
	size_t len;
	char *end;

	f->point = FAULT_NONE;
	f->left = 0;
	if (v == NULL || *v == '\0')
		return;
	colon = strchr(v, ':');
	len = colon ? (size_t)(colon - v) : strlen(v);
	for (size_t i = 1; i < NFAULTS; i++)
		if (strlen(fault_names[i]) == len &&
		    strncmp(v, fault_names[i], len) == 0)
			f->point = (enum fault_point)i;
	f->left = 1;
	if (colon != NULL)
		f->left = (int)strtol(colon + 1, &end, 10);
	if (f->point == FAULT_NONE || f->left < 1 ||
	    (colon != NULL && *end != '\0'))
		fatalx("fault: SLUICE_FAULT=%s: want POINT[:N], N >= 1", v);
	log_info("fault: crash at pass %d of %s", f->left,
	    fault_names[f->point]);
}

/* Counts a pass of p; returns 1 (and says so) when it is the crash's. */
int
fault_due(struct fault *f, enum fault_point p)
{
	if (f->point != p || f->left == 0 || --f->left > 0)
		return 0;
	log_info("fault: crashing at %s", fault_names[p]);
	return 1;
}

/* Passes p: the scheduler SIGKILLs itself when that pass is due. */
void
fault_crash(struct fault *f, enum fault_point p)
{
	if (fault_due(f, p))
		kill(getpid(), SIGKILL);
}
#endif
