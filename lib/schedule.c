/*
 * schedule.c: the one copy of the rules for scheduled runs that did not
 * start on time, read from a normalised definition's "schedule" object
 * (flowdef.c): without schedule.catchup only the most recent missed fire
 * time runs and older ones are skipped; with it every missed fire runs.
 * A run later than schedule.max_lateness_s (when set) does not start.
 * cron_tick.c applies the first rule when it materialises missed fire
 * times, and a worker's claim applies both when it starts them. Nothing
 * here touches the database or the clock.
 */
#include <stdio.h>

#include "json.h"
#include "schedule.h"

/* Returns 1 when every missed fire time of schedule must run (catchup),
 * 0 when only the most recent one does. */
int
schedule_keeps_missed(struct json_object *schedule)
{
	return json_object_get_boolean(jsonx_get(schedule, "catchup"));
}

/*
 * Judges a scheduled run due at due_ms that a worker could start at
 * now_ms; later_due says whether a later fire time of the same flow is
 * due too. Returns SCHEDULE_START, or a verdict to cancel it with why
 * (for the run's reason) written.
 */
enum schedule_verdict
schedule_judge(struct json_object *schedule, int64_t due_ms, int64_t now_ms,
    int later_due, char *why, size_t whysz)
{
	struct json_object *v = jsonx_get(schedule, "max_lateness_s");

	if (jsonx_is_int(v) && now_ms - due_ms >
	    json_object_get_int64(v) * 1000) {
		snprintf(why, whysz, "late by %lld s",
		    (long long)((now_ms - due_ms) / 1000));
		return SCHEDULE_LATE;
	}
	if (later_due && !schedule_keeps_missed(schedule)) {
		snprintf(why, whysz, "skipped: a later scheduled run is due and"
		    " catchup is off");
		return SCHEDULE_SUPERSEDED;
	}
	return SCHEDULE_START;
}
