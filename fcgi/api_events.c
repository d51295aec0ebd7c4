/*
 * api_events.c: GET /api/events, the audit trail written by
 * lib/audit.c: who (REMOTE_USER, or "sluicectl") did what to which object,
 * when and from where. Read only; newest first, paged by event id.
 */
#include <stdint.h>

#include "db.h"
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

/* The list item of the current row of sql_list. */
static enum sl_status
event_item(struct req *r, struct db_stmt *st, void *arg,
    struct json_object **item)
{
	struct json_object *e = json_object_new_object();

	(void)r;
	(void)arg;
	sqlx_add_int(e, "id", st, 0);
	sqlx_add_time(e, "at", st, 1);
	sqlx_add_text(e, "actor", st, 2);
	sqlx_add_text(e, "action", st, 3);
	sqlx_add_text(e, "object_type", st, 4);
	sqlx_add_text(e, "object_id", st, 5);
	sqlx_add_text(e, "address", st, 6);
	json_object_object_add(e, "detail", sqlx_json(st, 7));
	*item = e;
	return SL_OK;
}

/*
 * GET /api/events?actor=&object_type=&object_id=&action=&limit=&cursor=
 * (viewer)
 * Events newest first: id, at, actor, action, object_type, object_id,
 * address, detail (JSON or null). cursor is the previous page's
 * next_cursor (an event id).
 * 200 {"items":[...],"next_cursor":string|null}; 400 bad parameter.
 */
enum sl_status
api_events_list(struct req *r)
{
	struct db_stmt st;
	enum sl_status s;
	int64_t limit, cursor;

	if ((s = req_limit(r, &limit)) != SL_OK ||
	    (s = req_query_int(r, "cursor", 0, 1, INT64_MAX, &cursor)) !=
	    SL_OK)
		return s;
	db_prepare(r->db, &st, sql_list);
	db_bind_text(&st, ":actor", req_query(r, "actor"));
	db_bind_text(&st, ":type", req_query(r, "object_type"));
	db_bind_text(&st, ":object", req_query(r, "object_id"));
	db_bind_text(&st, ":action", req_query(r, "action"));
	if (cursor > 0)
		db_bind_int(&st, ":cursor", cursor);
	return reply_page(r, &st, limit, 0, event_item, NULL, "events");
}
