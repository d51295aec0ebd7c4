/*
 * api_repos.c: the flow repository resource: register or replace one
 * (settings checked by lib/repodef.c), list and show them with their
 * last sync, ask for a sync, and delete one (its flows are archived and
 * become the API's). Syncing itself is the scheduler's
 * (scheduler/reposync.c): this file only sets sync_requested_at and wakes
 * the schedulers. Secrets (webhook_secret, token, ssh_key) go into the
 * row and never come out: replies say only whether each is set, and
 * audit details name what happened to them, never their values. Every
 * change is one BEGIN IMMEDIATE transaction with its audit event. The
 * push webhook, which authenticates by signature instead of a user, is
 * api_webhook.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "flowstore.h"
#include "json.h"
#include "redact.h"
#include "repodef.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"
#include "timefmt.h"
#include "wake.h"

#define REPO_COLS "name, url, ref, path, interval_s, env," \
    " webhook_secret IS NOT NULL, token IS NOT NULL, ssh_key IS NOT NULL," \
    " created_at, updated_at, sync_state, sync_requested_at," \
    " sync_requested_by, synced_at, sync_commit, sync_subject, sync_error"

/* The columns of REPO_COLS, in order. */
enum { C_NAME, C_URL, C_REF, C_PATH, C_INTERVAL, C_ENV, C_HAS_SECRET,
    C_HAS_TOKEN, C_HAS_KEY, C_CREATED, C_UPDATED, C_STATE, C_REQ_AT,
    C_REQ_BY, C_SYNCED, C_COMMIT, C_SUBJECT, C_ERROR };

static const char sql_get[] =
    "SELECT " REPO_COLS " FROM repos WHERE name = :name";
static const char sql_list[] =
    "SELECT " REPO_COLS " FROM repos WHERE (:cursor IS NULL OR name > :cursor)"
    " ORDER BY name LIMIT :limit";
static const char sql_flows[] =
    "SELECT name FROM flows WHERE repo = :repo AND archived = 0"
    " ORDER BY name";
static const char sql_owned[] =
    "SELECT name FROM flows WHERE repo = :repo ORDER BY name";
static const char sql_old[] =
    "SELECT url, ref, path FROM repos WHERE name = :name";
static const char sql_upsert[] =
    "INSERT INTO repos (name, url, ref, path, interval_s, env,"
    " webhook_secret, token, ssh_key, created_at, updated_at,"
    " sync_requested_at, sync_requested_by)"
    " VALUES (:name, :url, :ref, :path, :interval, :env, :webhook_secret,"
    " :token, :ssh_key, :now, :now, :now, :by)"
    " ON CONFLICT (name) DO UPDATE SET url = excluded.url,"
    " ref = excluded.ref, path = excluded.path,"
    " interval_s = excluded.interval_s, env = excluded.env,"
    " webhook_secret = CASE WHEN :keep_webhook_secret"
    " THEN repos.webhook_secret ELSE excluded.webhook_secret END,"
    " token = CASE WHEN :keep_token THEN repos.token ELSE excluded.token END,"
    " ssh_key = CASE WHEN :keep_ssh_key"
    " THEN repos.ssh_key ELSE excluded.ssh_key END,"
    " updated_at = excluded.updated_at,"
    " sync_requested_at = CASE WHEN :sync THEN excluded.sync_requested_at"
    " ELSE repos.sync_requested_at END,"
    " sync_requested_by = CASE WHEN :sync THEN excluded.sync_requested_by"
    " ELSE repos.sync_requested_by END";
static const char sql_request[] =
    "UPDATE repos SET sync_requested_at = :now, sync_requested_by = :by"
    " WHERE name = :name";
static const char sql_disown[] =
    "UPDATE flows SET repo = NULL WHERE repo = :repo";
static const char sql_delete[] = "DELETE FROM repos WHERE name = :name";

/* Adds obj["flows"]: the names of the live flows repo owns. */
static enum sl_status
add_flows(struct db *db, const char *repo, struct json_object *obj,
    const char *sql)
{
	struct json_object *arr = json_object_new_array();
	struct db_stmt st;

	json_object_object_add(obj, "flows", arr);
	db_prepare(db, &st, sql);
	db_bind_text(&st, ":repo", repo);
	while (db_step(&st))
		json_object_array_add(arr,
		    json_object_new_string(db_col_text(&st, 0)));
	return db_finish(&st);
}

/* Builds the "sync" object of the current row of a REPO_COLS statement. */
static struct json_object *
sync_json(struct db_stmt *st)
{
	struct json_object *o = json_object_new_object();

	sqlx_add_text(o, "state", st, C_STATE);
	sqlx_add_time(o, "requested_at", st, C_REQ_AT);
	sqlx_add_text(o, "requested_by", st, C_REQ_BY);
	sqlx_add_time(o, "synced_at", st, C_SYNCED);
	sqlx_add_text(o, "commit", st, C_COMMIT);
	sqlx_add_text(o, "subject", st, C_SUBJECT);
	json_object_object_add(o, "error", sqlx_json(st, C_ERROR));
	return o;
}

/*
 * Builds the view of the current row of a REPO_COLS statement as a user
 * with role may see it: settings without secrets, has_* flags, the
 * webhook's path, the last sync and the flows it owns. Returns SL_OK and
 * a new object in *out (also on failure, for the caller to put).
 */
static enum sl_status
repo_json(struct db *db, struct db_stmt *st, enum role role,
    struct json_object **out)
{
	struct json_object *o = json_object_new_object();
	struct json_object *env = sqlx_json(st, C_ENV);
	const char *name = db_col_text(st, C_NAME);
	char path[128];

	*out = o;
	sqlx_add_text(o, "name", st, C_NAME);
	sqlx_add_text(o, "url", st, C_URL);
	sqlx_add_text(o, "ref", st, C_REF);
	sqlx_add_text(o, "path", st, C_PATH);
	sqlx_add_int(o, "interval_s", st, C_INTERVAL);
	redact_repo_env(env, role);
	json_object_object_add(o, "env", env ? env : json_object_new_object());
	sqlx_add_bool(o, "has_webhook_secret", st, C_HAS_SECRET);
	sqlx_add_bool(o, "has_token", st, C_HAS_TOKEN);
	sqlx_add_bool(o, "has_ssh_key", st, C_HAS_KEY);
	snprintf(path, sizeof(path), "/api/repos/%s/webhook", name);
	jsonx_add_str(o, "webhook_path", path);
	sqlx_add_time(o, "created_at", st, C_CREATED);
	sqlx_add_time(o, "updated_at", st, C_UPDATED);
	json_object_object_add(o, "sync", sync_json(st));
	return add_flows(db, name, o, sql_flows);
}

/* Replies with repository name's view through send (reply_ok,
 * reply_created or reply_accepted). */
static enum sl_status
reply_repo(struct req *r, const char *name,
    enum sl_status (*send)(struct req *, struct json_object *))
{
	struct json_object *o = NULL;
	struct db_stmt st;
	enum sl_status s = SL_NOTFOUND, fs;

	db_prepare(r->db, &st, sql_get);
	db_bind_text(&st, ":name", name);
	if (db_step(&st))
		s = repo_json(r->db, &st, r->role, &o);
	if ((fs = db_finish(&st)) != SL_OK)
		s = fs;
	if (s == SL_OK)
		return send(r, o);
	json_object_put(o);
	if (s == SL_NOTFOUND)
		return reply_fail(r, s, "repository \"%s\" not found", name);
	return reply_fail(r, s, "cannot read repository \"%s\"", name);
}

/* The list item of the current row of sql_list. */
static enum sl_status
repo_item(struct req *r, struct db_stmt *st, void *arg,
    struct json_object **item)
{
	(void)arg;
	return repo_json(r->db, st, r->role, item);
}

/*
 * GET /api/repos?limit=&cursor= (viewer)
 * Repositories by name, each as GET /api/repos/{repo} shows it. cursor
 * is the last name of the previous page.
 * 200 {"items":[...],"next_cursor":name|null}; 400 bad parameter.
 */
enum sl_status
api_repos_list(struct req *r)
{
	struct db_stmt st;
	enum sl_status s;
	int64_t limit;

	if ((s = req_limit(r, &limit)) != SL_OK)
		return s;
	db_prepare(r->db, &st, sql_list);
	db_bind_text(&st, ":cursor", req_query(r, "cursor"));
	return reply_page(r, &st, limit, C_NAME, repo_item, NULL,
	    "repositories");
}

/*
 * GET /api/repos/{repo} (viewer)
 * The repository: name, url, ref, path, interval_s, env (URL values cut
 * to scheme://host for non-admins), has_webhook_secret, has_token,
 * has_ssh_key, webhook_path, created_at, updated_at, sync {state,
 * requested_at, requested_by, synced_at, commit, subject, error {file,
 * field, reason} | null} and flows (names of the live flows it owns).
 * 200; 404 unknown repository.
 */
enum sl_status
api_repos_get(struct req *r)
{
	return reply_repo(r, r->arg[0], reply_ok);
}

/*
 * Inside the write transaction: marks repository name due for a sync
 * asked by `by` (a user, or "webhook") at now. SL_NOTFOUND without the
 * repository. Shared with api_webhook.c.
 */
enum sl_status
api_repos_request_sync(struct db *db, const char *name, const char *by,
    int64_t now)
{
	enum sl_status s;

	s = db_run(db, sql_request, DB_TEXT(":name", name),
	    DB_TEXT(":by", by), DB_INT(":now", now));
	if (s == SL_OK && db_changes(db) == 0)
		s = SL_NOTFOUND;
	return s;
}

/* A PUT of a repository's settings, for put_work. */
struct put {
	struct req *r;
	const char *name;
	struct repodef d;
	int created;		/* out: the repository is new */
	int sync;		/* out: a sync was asked for */
};

/* Reads the stored url, ref and path of p->name: sets p->created when
 * there is no row, p->sync when any of the three changes. */
static enum sl_status
compare_old(struct db *db, struct put *p)
{
	struct db_stmt st;

	p->created = p->sync = 1;
	db_prepare(db, &st, sql_old);
	db_bind_text(&st, ":name", p->name);
	if (db_step(&st)) {
		p->created = 0;
		p->sync = strcmp(db_col_text(&st, 0), p->d.url) != 0 ||
		    strcmp(db_col_text(&st, 1), p->d.ref) != 0 ||
		    strcmp(db_col_text(&st, 2), p->d.path) != 0;
	}
	return db_finish(&st);
}

/* The audit detail of a PUT: the settings but secrets, for which it says
 * "set", "kept", "cleared" or (new and not given) "none". */
static struct json_object *
put_detail(const struct put *p)
{
	static const char *const how[] = {
		[REPODEF_KEEP] = "kept", [REPODEF_CLEAR] = "cleared",
		[REPODEF_SET] = "set",
	};
	struct json_object *d = json_object_new_object();
	char why[64];

	jsonx_add_str(d, "url", p->d.url);
	jsonx_add_str(d, "ref", p->d.ref);
	jsonx_add_str(d, "path", p->d.path);
	jsonx_add_int(d, "interval_s", p->d.interval_s);
	json_object_object_add(d, "env", jsonx_parse(p->d.env,
	    strlen(p->d.env), why, sizeof(why)));
	redact_repo_env(jsonx_get(d, "env"), ROLE_NONE);
	for (int i = 0; i < REPODEF_SECRET_MAX; i++)
		jsonx_add_str(d, repodef_secret_name((enum repodef_secret)i),
		    p->created && p->d.secret[i].how == REPODEF_KEEP ? "none" :
		    how[p->d.secret[i].how]);
	json_object_object_add(d, "sync_requested",
	    json_object_new_boolean(p->sync));
	return d;
}

/* Binds the three secrets of p: the value to set, or NULL, and whether
 * an existing row keeps its own. */
static void
bind_secrets(struct db_stmt *st, const struct put *p)
{
	for (int i = 0; i < REPODEF_SECRET_MAX; i++) {
		const char *col = repodef_secret_name((enum repodef_secret)i);
		char name[64];

		snprintf(name, sizeof(name), ":%s", col);
		db_bind_text(st, name, p->d.secret[i].how == REPODEF_SET ?
		    p->d.secret[i].value : NULL);
		snprintf(name, sizeof(name), ":keep_%s", col);
		db_bind_int(st, name, p->d.secret[i].how == REPODEF_KEEP);
	}
}

/* Inside the write transaction: stores p's settings and the audit event
 * "repo.put". */
static enum sl_status
put_work(struct db *db, void *arg)
{
	struct put *p = arg;
	struct json_object *detail;
	struct db_stmt st;
	enum sl_status s;

	if ((s = compare_old(db, p)) != SL_OK)
		return s;
	db_prepare(db, &st, sql_upsert);
	db_bind_text(&st, ":name", p->name);
	db_bind_text(&st, ":url", p->d.url);
	db_bind_text(&st, ":ref", p->d.ref);
	db_bind_text(&st, ":path", p->d.path);
	db_bind_int(&st, ":interval", p->d.interval_s);
	db_bind_text(&st, ":env", p->d.env);
	db_bind_int(&st, ":now", timefmt_now_ms());
	db_bind_text(&st, ":by", p->r->user);
	db_bind_int(&st, ":sync", p->sync);
	bind_secrets(&st, p);
	if ((s = db_done(&st)) != SL_OK)
		return s;
	detail = put_detail(p);
	s = req_audit(p->r, "repo.put", "repo", p->name, detail);
	json_object_put(detail);
	return s;
}

/*
 * PUT /api/repos/{repo} (admin), body {"url", "ref", "path",
 * "interval_s", "env", "webhook_secret", "token", "ssh_key"}
 * Registers or replaces the repository (see lib/repodef.c for the
 * rules). A secret left out keeps its stored value; null clears it. A
 * new repository, or a changed url, ref or path, asks for a sync.
 * 201 created; 200 replaced (the repository's view); 400 invalid field
 * (named); 413; 415; 503 busy.
 */
enum sl_status
api_repos_put(struct req *r)
{
	struct put p = {.r = r, .name = r->arg[0]};
	struct json_object *body;
	enum sl_status s;
	char why[512];

	if ((s = req_json_object(r, 0, &body)) != SL_OK)
		return s;
	if ((s = req_check_keys(r, body, "url,ref,path,interval_s,env,"
	    "webhook_secret,token,ssh_key", "body")) != SL_OK)
		goto out;
	if ((s = repodef_parse(body, &p.d, why, sizeof(why))) != SL_OK) {
		reply_fail(r, s, "%s", why);
		goto out;
	}
	if ((s = db_write(r->db, put_work, &p)) != SL_OK) {
		reply_fail(r, s, "cannot store repository \"%s\"", p.name);
		goto out;
	}
	if (p.sync)
		wake_schedulers();
	s = reply_repo(r, p.name, p.created ? reply_created : reply_ok);
out:
	repodef_fini(&p.d);
	json_object_put(body);
	return s;
}

/*
 * For a change without a body to repository r->arg[0]: runs work in a
 * write transaction and wakes the schedulers. Returns SL_OK, or the
 * failure replied (404 when work finds no repository).
 */
static enum sl_status
change(struct req *r, db_work_fn *work)
{
	enum sl_status s;

	if ((s = req_empty_body(r)) != SL_OK)
		return s;
	if ((s = db_write(r->db, work, r)) == SL_NOTFOUND)
		return reply_fail(r, s, "repository \"%s\" not found",
		    r->arg[0]);
	if (s != SL_OK)
		return reply_fail(r, s, "cannot change repository \"%s\"",
		    r->arg[0]);
	wake_schedulers();
	return SL_OK;
}

/* Inside the write transaction: asks for a sync of r->arg[0] and records
 * "repo.sync_request". */
static enum sl_status
sync_work(struct db *db, void *arg)
{
	struct req *r = arg;
	enum sl_status s;

	s = api_repos_request_sync(db, r->arg[0], r->user, timefmt_now_ms());
	if (s != SL_OK)
		return s;
	return req_audit(r, "repo.sync_request", "repo", r->arg[0], NULL);
}

/*
 * POST /api/repos/{repo}/sync (admin), body empty or {}
 * Asks a scheduler to sync the repository now (sync.requested_at is set;
 * sync.synced_at passes it when done).
 * 202 the repository's view; 400 a body with keys; 404 unknown
 * repository; 503 busy.
 */
enum sl_status
api_repos_sync(struct req *r)
{
	enum sl_status s;

	if ((s = change(r, sync_work)) != SL_OK)
		return s;
	return reply_repo(r, r->arg[0], reply_accepted);
}

/* Archives each flow named in flows (owned by repository r->arg[0]). */
static enum sl_status
archive_all(struct req *r, struct json_object *flows)
{
	struct json_object *detail = json_object_new_object();
	enum sl_status s = SL_OK;

	jsonx_add_str(detail, "repo", r->arg[0]);
	jsonx_add_str(detail, "reason", "repository deleted");
	for (size_t i = 0; s == SL_OK &&
	    i < json_object_array_length(flows); i++) {
		struct flow_archive a = {
			.name = json_object_get_string(
			    json_object_array_get_idx(flows, i)),
			.repo = r->arg[0], .actor = r->user,
			.address = r->addr, .detail = jsonx_text(detail),
		};

		s = flowstore_archive(r->db, &a);
	}
	json_object_put(detail);
	return s;
}

/* Inside the write transaction: archives and disowns the repository's
 * flows, deletes its row and records "repo.delete". */
static enum sl_status
delete_work(struct db *db, void *arg)
{
	struct req *r = arg;
	struct json_object *detail = json_object_new_object();
	enum sl_status s;

	if ((s = add_flows(db, r->arg[0], detail, sql_owned)) != SL_OK ||
	    (s = db_run(db, sql_delete, DB_TEXT(":name", r->arg[0]))) !=
	    SL_OK)
		goto out;
	if (db_changes(db) == 0) {
		s = SL_NOTFOUND;
		goto out;
	}
	if ((s = archive_all(r, jsonx_get(detail, "flows"))) != SL_OK ||
	    (s = db_run(db, sql_disown, DB_TEXT(":repo", r->arg[0]))) !=
	    SL_OK)
		goto out;
	s = req_audit(r, "repo.delete", "repo", r->arg[0], detail);
out:
	json_object_put(detail);
	return s;
}

/*
 * DELETE /api/repos/{repo} (admin), body empty or {}
 * Deletes the repository: its flows are archived (runs and logs stay)
 * and no longer belong to it, so PUT /api/flows may restore them.
 * 204; 400 a body; 404 unknown repository; 503 busy.
 */
enum sl_status
api_repos_delete(struct req *r)
{
	enum sl_status s;

	if ((s = change(r, delete_work)) != SL_OK)
		return s;
	return reply_no_content(r);
}
