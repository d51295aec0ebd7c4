/*
 * flowstore.h: storing flow versions, the one writer of flows and
 * flow_versions rows (see flowstore.c). Used by PUT /api/flows and by the
 * repository sync.
 */
#ifndef SLUICE_FLOWSTORE_H
#define SLUICE_FLOWSTORE_H

#include <stdint.h>

#include "db.h"
#include "status.h"

/* Where a version comes from when it comes from a repository. */
struct flow_source {
	const char *repo;	/* NULL: stored through the API */
	const char *commit_id;
	const char *commit_subject;
	const char *file;	/* the flow file's path in the repository */
	const char *venv;	/* <data>/venvs/ entry, or NULL */
};

struct flow_put {
	const char *name;
	const char *text;	/* the normalised definition (flowdef.c) */
	const char *actor;	/* for created_by and the audit event */
	const char *address;	/* client address or NULL */
	struct flow_source src;
	int created;		/* out: the flow is new */
	int changed;		/* out: a new version was made */
	int64_t version;	/* out: the version now current */
	char owner[128];	/* out: on SL_CONFLICT, the owning repository */
};

/*
 * Inside a write transaction: stores p->text as flow p->name's next
 * version with its audit event "flow.put", creating the flow if new and
 * un-archiving it. Nothing new is made when the definition and its
 * source (repository, commit, venv) equal the current version's. A flow
 * of a repository is changed only by that repository: anything else gets
 * SL_CONFLICT with p->owner set.
 */
enum sl_status flowstore_put(struct db *db, struct flow_put *p);

struct flow_archive {
	const char *name;
	const char *repo;	/* the repository archiving it, NULL: the API */
	const char *actor;	/* for the audit event "flow.delete" */
	const char *address;	/* client address or NULL */
	const char *detail;	/* the audit event's JSON detail, or NULL */
	int changed;		/* out: 0 when it was archived already */
	char owner[128];	/* out: on SL_CONFLICT, the owning repository */
};

/*
 * Inside a write transaction: archives flow a->name (runs and logs stay)
 * with its audit event; archiving twice changes nothing. SL_NOTFOUND
 * without the flow, SL_CONFLICT (a->owner set) when it belongs to another
 * repository than a->repo.
 */
enum sl_status flowstore_archive(struct db *db, struct flow_archive *a);

#endif
