/*
 * schedule.h: the rules for a flow's missed and late scheduled runs (see
 * schedule.c), shared by cron materialisation and every worker's claim.
 */
#ifndef SLUICE_SCHEDULE_H
#define SLUICE_SCHEDULE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

enum schedule_verdict {
	SCHEDULE_START,		/* start the run now */
	SCHEDULE_LATE,		/* past max_lateness_s: cancel it */
	SCHEDULE_SUPERSEDED,	/* a later fire is due, no catchup: cancel */
	SCHEDULE_VERDICT_MAX
};

int schedule_keeps_missed(struct json_object *schedule);
enum schedule_verdict schedule_judge(struct json_object *schedule,
    int64_t due_ms, int64_t now_ms, int later_due, char *why, size_t whysz);

#endif
