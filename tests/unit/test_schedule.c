/*
 * test_schedule.c: the rules for missed and late scheduled runs
 * (lib/schedule.c): catchup keeps every missed fire time, its absence
 * only the latest; a run later than max_lateness_s is cancelled with
 * "late by N s"; lateness is judged before being superseded.
 */
#include <string.h>

#include "check.h"
#include "json.h"
#include "schedule.h"

static struct json_object *
parse(const char *text)
{
	char why[128];

	return jsonx_parse(text, strlen(text), why, sizeof(why));
}

int
main(void)
{
	struct json_object *plain = parse("{\"cron\":\"* * * * *\"}");
	struct json_object *catchup = parse("{\"cron\":\"* * * * *\","
	    "\"catchup\":true,\"max_lateness_s\":60}");
	char why[96] = "";

	check("catchup_keeps_missed", schedule_keeps_missed(catchup) == 1 &&
	    schedule_keeps_missed(plain) == 0 &&
	    schedule_keeps_missed(NULL) == 0, "catchup misread");
	check("on_time_starts", schedule_judge(catchup, 1000, 31000, 1, why,
	    sizeof(why)) == SCHEDULE_START, why);
	check("late_cancelled", schedule_judge(catchup, 1000, 62000, 0, why,
	    sizeof(why)) == SCHEDULE_LATE &&
	    strcmp(why, "late by 61 s") == 0, why);
	check("no_lateness_limit", schedule_judge(plain, 0, 86400000, 0, why,
	    sizeof(why)) == SCHEDULE_START, why);
	check("superseded_without_catchup", schedule_judge(plain, 1000, 2000,
	    1, why, sizeof(why)) == SCHEDULE_SUPERSEDED &&
	    strstr(why, "catchup is off") != NULL, why);
	check("catchup_not_superseded", schedule_judge(catchup, 1000, 2000, 1,
	    why, sizeof(why)) == SCHEDULE_START, why);
	check("late_before_superseded", schedule_judge(catchup, 0, 120000, 1,
	    why, sizeof(why)) == SCHEDULE_LATE, why);
	json_object_put(plain);
	json_object_put(catchup);
	return check_status();
}
