/*
 * api_health.c: GET /api/health, the unauthenticated liveness check used
 * by the launcher, tests and load balancers. It reads the database (so a
 * broken database answers 503) and the free space of the data
 * directory's disk, but changes nothing.
 */
#include <sys/statvfs.h>

#include "db.h"
#include "json.h"
#include "paths.h"
#include "reply.h"
#include "timefmt.h"

/* Less free space than this on the data directory's disk is "full". */
#define HEALTH_FULL_BYTES (1024 * 1024)

static const char sql_online[] =
    "SELECT count(*) FROM workers WHERE last_heartbeat >= :since";

/*
 * Returns {"free_bytes"} of the data directory's disk (-1 when unknown)
 * and sets *full when less than HEALTH_FULL_BYTES are free.
 */
static struct json_object *
storage_state(int *full)
{
	struct json_object *o = json_object_new_object();
	struct statvfs vfs;
	int64_t free_bytes = -1;

	if (statvfs(paths_data_dir(), &vfs) == 0)
		free_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	jsonx_add_int(o, "free_bytes", free_bytes);
	*full = free_bytes >= 0 && free_bytes < HEALTH_FULL_BYTES;
	return o;
}

/*
 * GET /api/health (no authentication, no parameters)
 * 200 {"status":"ok","version","scheduler":{"online","workers"}}: the API
 *     answers; scheduler.online says whether any worker heartbeat arrived
 *     in the last 15 s and workers counts those workers.
 * 503 {"status":"unavailable"}: the database cannot be read.
 * 503 {"status":"storage_full", ..., "storage":{"free_bytes"}}: the data
 *     directory's disk has less than 1 MiB free; writes fail until space
 *     is freed (they answer 503 storage_full). No heartbeat can be
 *     written either, so a scheduler without a recent one is not called
 *     offline: scheduler.online is null (unknown).
 * Every other reply also carries storage.free_bytes.
 */
enum sl_status
api_health(struct req *r)
{
	struct db_stmt st;
	struct json_object *obj, *sched, *storage;
	int64_t online = -1;
	int full;

	db_prepare(r->db, &st, sql_online);
	db_bind_int(&st, ":since", timefmt_now_ms() - API_ONLINE_MS);
	db_first_int(&st, &online);
	obj = json_object_new_object();
	if (online < 0) {
		jsonx_add_str(obj, "status", "unavailable");
		return reply_unavailable(r, obj);
	}
	storage = storage_state(&full);
	jsonx_add_str(obj, "status", full ? "storage_full" : "ok");
	jsonx_add_str(obj, "version", API_VERSION);
	sched = json_object_new_object();
	json_object_object_add(sched, "online", full && online == 0 ? NULL :
	    json_object_new_boolean(online > 0));
	jsonx_add_int(sched, "workers", online);
	json_object_object_add(obj, "scheduler", sched);
	json_object_object_add(obj, "storage", storage);
	if (full)
		return reply_unavailable(r, obj);
	return reply_ok(r, obj);
}
