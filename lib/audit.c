/*
 * audit.c: records one audit event. Callers invoke it inside the write
 * transaction of the change it describes, so a change and its record are
 * committed together or not at all.
 */
#include "audit.h"
#include "db.h"
#include "timefmt.h"

static const char sql_insert[] =
    "INSERT INTO events (at, actor, action, object_type, object_id,"
    " address, detail) VALUES (:at, :actor, :action, :type, :id,"
    " :address, :detail)";

/* Inserts ev. Returns SL_OK or the database status. */
enum sl_status
audit_record(struct db *db, const struct audit_event *ev)
{
	return db_run(db, sql_insert, DB_INT(":at", timefmt_now_ms()),
	    DB_TEXT(":actor", ev->actor ? ev->actor : "unknown"),
	    DB_TEXT(":action", ev->action), DB_TEXT(":type", ev->object_type),
	    DB_TEXT(":id", ev->object_id), DB_TEXT(":address", ev->address),
	    DB_TEXT(":detail", ev->detail));
}
