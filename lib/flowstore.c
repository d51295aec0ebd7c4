/*
 * flowstore.c: the one writer of flows and flow_versions. A put stores a
 * validated definition as the flow's next version together with where it
 * came from (a repository's commit, or the API) and its audit event; an
 * archive hides a flow while its runs and logs stay. A flow that came
 * from a repository belongs to it: only that repository's sync changes
 * or archives it, so git stays the truth.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "flowstore.h"
#include "json.h"
#include "timefmt.h"

static const char sql_current[] =
    "SELECT f.version, f.archived, f.repo, v.definition, v.commit_id,"
    " v.venv FROM flows f JOIN flow_versions v"
    " ON v.flow = f.name AND v.version = f.version WHERE f.name = :name";
static const char sql_insert_flow[] =
    "INSERT INTO flows (name, version, paused, archived, created_at,"
    " updated_at, repo) VALUES (:name, 1, 0, 0, :now, :now, :repo)";
static const char sql_insert_version[] =
    "INSERT INTO flow_versions (flow, version, definition, created_by,"
    " created_at, repo, commit_id, commit_subject, source, venv)"
    " VALUES (:name, :version, :definition, :by, :now, :repo, :commit,"
    " :subject, :source, :venv)";
static const char sql_set_version[] =
    "UPDATE flows SET version = :version, archived = 0, repo = :repo,"
    " updated_at = :now WHERE name = :name";
static const char sql_archive[] =
    "UPDATE flows SET archived = 1, updated_at = :now WHERE name = :name";

/* What the current version of a flow is (version 0: no such flow). */
struct current {
	int64_t version;
	int archived;
	int same;		/* definition and source equal the put's */
	char owner[128];	/* the owning repository, "" for none */
};

static int
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Column col's text, NULL for SQL NULL (db_col_text gives ""). */
static const char *
text_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? NULL : db_col_text(st, col);
}

static enum sl_status
current_of(struct db *db, const struct flow_put *p, struct current *c)
{
	struct db_stmt st;

	memset(c, 0, sizeof(*c));
	db_prepare(db, &st, sql_current);
	db_bind_text(&st, ":name", p->name);
	if (db_step(&st)) {
		c->version = db_col_int(&st, 0);
		c->archived = (int)db_col_int(&st, 1);
		snprintf(c->owner, sizeof(c->owner), "%s",
		    db_col_text(&st, 2));
		c->same = strcmp(db_col_text(&st, 3), p->text) == 0 &&
		    same_text(text_or_null(&st, 4), p->src.commit_id) &&
		    same_text(text_or_null(&st, 5), p->src.venv) &&
		    same_text(c->owner[0] ? c->owner : NULL, p->src.repo);
	}
	return db_finish(&st);
}

static enum sl_status
insert_version(struct db *db, const struct flow_put *p, int64_t now)
{
	struct db_stmt st;

	db_prepare(db, &st, sql_insert_version);
	db_bind_text(&st, ":name", p->name);
	db_bind_int(&st, ":version", p->version);
	db_bind_text(&st, ":definition", p->text);
	db_bind_text(&st, ":by", p->actor);
	db_bind_int(&st, ":now", now);
	db_bind_text(&st, ":repo", p->src.repo);
	db_bind_text(&st, ":commit", p->src.commit_id);
	db_bind_text(&st, ":subject", p->src.commit_subject);
	db_bind_text(&st, ":source", p->src.file);
	db_bind_text(&st, ":venv", p->src.venv);
	return db_done(&st);
}

static enum sl_status
audit_put(struct db *db, const struct flow_put *p, int unarchived)
{
	struct json_object *detail = json_object_new_object();
	struct audit_event ev = {
		.actor = p->actor, .action = "flow.put",
		.object_type = "flow", .object_id = p->name,
		.address = p->address,
	};
	enum sl_status s;

	jsonx_add_int(detail, "version", p->version);
	if (unarchived)
		json_object_object_add(detail, "unarchived",
		    json_object_new_boolean(1));
	if (p->src.repo != NULL) {
		jsonx_add_str(detail, "repo", p->src.repo);
		jsonx_add_str(detail, "commit", p->src.commit_id);
	}
	ev.detail = jsonx_text(detail);
	s = audit_record(db, &ev);
	json_object_put(detail);
	return s;
}

enum sl_status
flowstore_put(struct db *db, struct flow_put *p)
{
	struct db_stmt st;
	struct current c;
	enum sl_status s;
	int64_t now = timefmt_now_ms();

	p->changed = 0;
	if ((s = current_of(db, p, &c)) != SL_OK)
		return s;
	if (c.owner[0] != '\0' && !same_text(c.owner, p->src.repo)) {
		snprintf(p->owner, sizeof(p->owner), "%s", c.owner);
		return SL_CONFLICT;
	}
	p->created = c.version == 0;
	p->version = c.same ? c.version : c.version + 1;
	if (c.same && !c.archived)
		return SL_OK;	/* nothing changed, nothing to record */
	if (p->created) {
		db_prepare(db, &st, sql_insert_flow);
		db_bind_text(&st, ":name", p->name);
		db_bind_int(&st, ":now", now);
		db_bind_text(&st, ":repo", p->src.repo);
		if ((s = db_done(&st)) != SL_OK)
			return s;
	}
	if (!c.same) {
		if ((s = insert_version(db, p, now)) != SL_OK)
			return s;
		p->changed = 1;
	}
	db_prepare(db, &st, sql_set_version);
	db_bind_text(&st, ":name", p->name);
	db_bind_int(&st, ":version", p->version);
	db_bind_int(&st, ":now", now);
	db_bind_text(&st, ":repo", p->src.repo);
	if ((s = db_done(&st)) != SL_OK)
		return s;
	return audit_put(db, p, c.archived);
}

enum sl_status
flowstore_archive(struct db *db, struct flow_archive *a)
{
	struct audit_event ev = {
		.actor = a->actor, .action = "flow.delete",
		.object_type = "flow", .object_id = a->name,
		.address = a->address, .detail = a->detail,
	};
	struct db_stmt st;
	enum sl_status s;
	int row, archived = 0;

	a->changed = 0;
	db_prepare(db, &st, "SELECT archived, repo FROM flows"
	    " WHERE name = :name");
	db_bind_text(&st, ":name", a->name);
	if ((row = db_step(&st)) != 0) {
		archived = (int)db_col_int(&st, 0);
		snprintf(a->owner, sizeof(a->owner), "%s",
		    db_col_text(&st, 1));
	}
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	if (!row)
		return SL_NOTFOUND;
	if (a->owner[0] != '\0' && !same_text(a->owner, a->repo))
		return SL_CONFLICT;
	if (archived)
		return SL_OK;
	db_prepare(db, &st, sql_archive);
	db_bind_text(&st, ":name", a->name);
	db_bind_int(&st, ":now", timefmt_now_ms());
	if ((s = db_done(&st)) != SL_OK)
		return s;
	a->changed = 1;
	return audit_record(db, &ev);
}
