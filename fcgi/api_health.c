/*
 * api_health.c: GET /api/health, the unauthenticated liveness check used
 * by the launcher, tests and load balancers. It reads the database (so a
 * broken database answers 503) but changes nothing.
 */
#include "db.h"
#include "json.h"
#include "reply.h"
#include "timefmt.h"

static const char sql_online[] =
    "SELECT count(*) FROM workers WHERE last_heartbeat >= :since";

/*
 * GET /api/health (no authentication, no parameters)
 * 200 {"status":"ok","version","scheduler":{"online","workers"}}: the API
 *     answers; scheduler.online says whether any worker heartbeat arrived
 *     in the last 15 s and workers counts those workers.
 * 503 {"status":"unavailable"}: the database cannot be read.
 */
enum sl_status
api_health(struct req *r)
{
	struct db_stmt st;
	struct json_object *obj, *sched;
	int64_t online = -1;

	db_prepare(r->db, &st, sql_online);
	db_bind_int(&st, ":since", timefmt_now_ms() - API_ONLINE_MS);
	db_first_int(&st, &online);
	obj = json_object_new_object();
	if (online < 0) {
		jsonx_add_str(obj, "status", "unavailable");
		return reply_unavailable(r, obj);
	}
	jsonx_add_str(obj, "status", "ok");
	jsonx_add_str(obj, "version", API_VERSION);
	sched = json_object_new_object();
	json_object_object_add(sched, "online",
	    json_object_new_boolean(online > 0));
	jsonx_add_int(sched, "workers", online);
	json_object_object_add(obj, "scheduler", sched);
	return reply_ok(r, obj);
}
