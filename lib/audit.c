/*
 * audit.c: records one audit event. Callers invoke it inside the write
 * transaction of the change it describes, so a change and its record are
 * committed together or not at all.
 */
#include "audit.h"
#include "dbraw.h"
#include "timefmt.h"

static const char sql_insert[] =
    "INSERT INTO events (at, actor, action, object_type, object_id,"
    " address, detail) VALUES (:at, :actor, :action, :type, :id,"
    " :address, :detail)";

/* Inserts ev. Returns SL_OK or the database status. */
enum sl_status
audit_record(struct db *db, const struct audit_event *ev)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql_insert);
	enum sl_status s;

	if (st == NULL)
		return SL_DB;
	dbraw_bind_int64(st, ":at", timefmt_now_ms());
	dbraw_bind_text(st, ":actor", ev->actor ? ev->actor : "unknown");
	dbraw_bind_text(st, ":action", ev->action);
	dbraw_bind_text(st, ":type", ev->object_type);
	dbraw_bind_text(st, ":id", ev->object_id);
	dbraw_bind_text(st, ":address", ev->address);
	dbraw_bind_text(st, ":detail", ev->detail);
	s = dbraw_status(db, sqlite3_step(st));
	sqlite3_finalize(st);
	return s;
}
