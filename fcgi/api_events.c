/*
 * api_events.c: GET /api/events, the audit trail written by
 * lib/audit.c: who (REMOTE_USER, or "sluicectl") did what to which object,
 * when and from where. Read only; newest first, paged by event id.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dbraw.h"
#include "json.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"

static const char sql_list[] =
    "SELECT id, at, actor, action, object_type, object_id, address, detail"
    " FROM events"
    " WHERE (:actor IS NULL OR actor = :actor)"
    " AND (:type IS NULL OR object_type = :type)"
    " AND (:object IS NULL OR object_id = :object)"
    " AND (:action IS NULL OR action = :action)"
    " AND (:cursor IS NULL OR id < :cursor)"
    " ORDER BY id DESC LIMIT :limit";

/*
 * GET /api/events?actor=&object_type=&object_id=&action=&limit=&cursor=
 * (viewer)
 * Events newest first: id, at, actor, action, object_type, object_id,
 * address, detail (JSON or null). cursor is the previous page's
 * next_cursor (an event id).
 * 200 {"items":[...],"next_cursor":string|null}; 400 bad parameter.
 */
void
api_events_list(struct req *r)
{
	struct json_object *items = NULL;
	sqlite3_stmt *st;
	int64_t limit, cursor, n = 0, last = 0;
	char buf[32];
	int rc;

	if (req_limit(r, &limit) == -1 ||
	    req_query_int(r, "cursor", 0, 1, INT64_MAX, &cursor) == -1)
		return;
	if ((st = dbraw_prepare(r->db, sql_list)) == NULL) {
		reply_fail(r, SL_DB, "cannot list events");
		return;
	}
	dbraw_bind_text(st, ":actor", req_query(r, "actor"));
	dbraw_bind_text(st, ":type", req_query(r, "object_type"));
	dbraw_bind_text(st, ":object", req_query(r, "object_id"));
	dbraw_bind_text(st, ":action", req_query(r, "action"));
	if (cursor > 0)
		dbraw_bind_int64(st, ":cursor", cursor);
	dbraw_bind_int64(st, ":limit", limit + 1);
	items = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json_object *e;

		if (++n > limit)
			break;
		last = sqlite3_column_int64(st, 0);
		e = json_object_new_object();
		sqlx_add_int(e, "id", st, 0);
		sqlx_add_time(e, "at", st, 1);
		sqlx_add_text(e, "actor", st, 2);
		sqlx_add_text(e, "action", st, 3);
		sqlx_add_text(e, "object_type", st, 4);
		sqlx_add_text(e, "object_id", st, 5);
		sqlx_add_text(e, "address", st, 6);
		json_object_object_add(e, "detail", sqlx_json(st, 7));
		json_object_array_add(items, e);
	}
	if (rc != SQLITE_ROW && dbraw_status(r->db, rc) != SL_OK) {
		reply_fail(r, dbraw_status(r->db, rc), "cannot list events");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)last);
	reply_page(r, items, n > limit ? buf : NULL);
	items = NULL;
out:
	sqlite3_finalize(st);
	json_object_put(items);
}
