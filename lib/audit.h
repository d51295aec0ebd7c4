/* audit.h: the audit trail's one writer (see audit.c). */
#ifndef SLUICE_AUDIT_H
#define SLUICE_AUDIT_H

#include "db.h"
#include "status.h"

struct audit_event {
	const char *actor;	/* REMOTE_USER, or "sluicectl" */
	const char *action;	/* "flow.put", "run.cancel", "user.add", ... */
	const char *object_type;	/* "flow", "run", "worker", "user" */
	const char *object_id;
	const char *address;	/* client address or NULL */
	const char *detail;	/* JSON text or NULL */
};

enum sl_status audit_record(struct db *db, const struct audit_event *ev);

#endif
