/*
 * reposync.c: one sync of one flow repository, in the sync process that
 * repo_tick.c starts (it may block: git and pip take their time). Fetches
 * the repository's ref, reads every *.json under its path at that commit
 * and validates it with the one validator (lib/flowdef.c), builds the
 * virtual environment of the requirements.txt beside a flow (else at the
 * root), makes the commit's checkout, then in one transaction stores the
 * changed flows as versions pinned to the commit (lib/flowstore.c),
 * archives the flows whose file is gone and records the outcome on the
 * repository's row with its audit event. A file that fails leaves its
 * flow on the version it had and marks the sync failed with the file,
 * field and reason (notified once to the webhooks of the flows it
 * concerns); the other files still go in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "code.h"
#include "flowdef.h"
#include "flowstore.h"
#include "json.h"
#include "log.h"
#include "repo_git.h"
#include "reposync.h"
#include "timefmt.h"
#include "venv.h"
#include "xalloc.h"

#define FLOW_FILE_MAX (1024 * 1024)
#define REQ_MAX (256 * 1024)
#define MAX_FLOWS 1000

/* One valid flow file of the commit. */
struct flowfile {
	char *file;		/* path in the repository */
	char *name;
	char *text;		/* normalised definition */
	char venv[REPO_COMMIT_LEN];	/* "" for none */
};

struct sync {
	const char *data_dir;
	const char *name;
	const char *incarnation;
	struct db *db;
	char *url, *ref, *path, *token, *ssh_key;
	char **pip_env;		/* "PIP_*=..." from the repository */
	struct repo_git git;
	char commit[REPO_COMMIT_LEN];
	char *subject;
	char *listing;		/* NUL-separated files under path */
	size_t listing_len;
	struct flowfile *flows;
	size_t nflows;
	struct json_object *error;	/* the first failure, or NULL */
	struct json_object *changed, *archived;	/* names, for the audit */
};

static const char sql_repo[] =
    "SELECT url, ref, path, env, token, ssh_key FROM repos"
    " WHERE name = :name AND sync_by = :inc";

/* Records a failure (the first one is the sync's error). */
static void
fail(struct sync *y, const char *file, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fail(struct sync *y, const char *file, const char *field,
    const char *fmt, ...)
{
	char reason[3000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_warnx("repo %s: sync: %s%s%s%s%s", y->name, file ? file : "",
	    file ? ": " : "", field ? field : "", field ? ": " : "", reason);
	if (y->error != NULL)
		return;
	y->error = json_object_new_object();
	jsonx_add_str(y->error, "file", file);
	jsonx_add_str(y->error, "field", field);
	jsonx_add_str(y->error, "reason", reason);
}

/* PIP_* pairs of the repository's env object, as "K=V" strings. */
static char **
pip_env_of(const char *text)
{
	struct json_object *env = jsonx_parse(text, strlen(text), NULL, 0);
	char **out = xcalloc(1, sizeof(*out));
	size_t n = 0;

	if (env == NULL || !json_object_is_type(env, json_type_object)) {
		json_object_put(env);
		return out;
	}
	json_object_object_foreach(env, k, v) {
		if (strncmp(k, "PIP_", 4) != 0 ||
		    !json_object_is_type(v, json_type_string))
			continue;
		out = xrealloc(out, (n + 2) * sizeof(*out));
		out[n++] = xasprintf("%s=%s", k, json_object_get_string(v));
		out[n] = NULL;
	}
	json_object_put(env);
	return out;
}

static char *
dup_or_null(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? NULL : xstrdup(db_col_text(st, col));
}

static enum sl_status
load_repo(struct db *db, void *arg)
{
	struct sync *y = arg;
	struct db_stmt st;
	int row;

	db_prepare(db, &st, sql_repo);
	db_bind_text(&st, ":name", y->name);
	db_bind_text(&st, ":inc", y->incarnation);
	if ((row = db_step(&st)) != 0) {
		y->url = xstrdup(db_col_text(&st, 0));
		y->ref = xstrdup(db_col_text(&st, 1));
		y->path = xstrdup(db_col_text(&st, 2));
		y->pip_env = pip_env_of(db_col_text(&st, 3));
		y->token = dup_or_null(&st, 4);
		y->ssh_key = dup_or_null(&st, 5);
	}
	db_finish(&st);
	return row ? SL_OK : SL_NOTFOUND;
}

/* "flows/a.json" -> "a": the name of a flow file without one inside. */
static char *
name_of_file(const char *file)
{
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	return xstrndup(base, strlen(base) - strlen(".json"));
}

/* Splits flowdef's "field: reason" into the two parts. */
static void
fail_invalid(struct sync *y, const char *file, const char *why)
{
	const char *sep = strstr(why, ": ");
	char *field;

	if (sep == NULL) {
		fail(y, file, NULL, "%s", why);
		return;
	}
	field = xstrndup(why, (size_t)(sep - why));
	fail(y, file, field, "%s", sep + 2);
	free(field);
}

/* Reads and validates one flow file; a valid one joins y->flows. */
static void
read_flow(struct sync *y, const char *file)
{
	struct json_object *def = NULL, *norm = NULL;
	char *text = NULL, why[1024];
	const char *name;
	enum sl_status s;

	s = repo_git_blob(&y->git, y->commit, file, FLOW_FILE_MAX, &text, why,
	    sizeof(why));
	if (s == SL_TOO_LARGE) {
		fail(y, file, NULL, "larger than %d bytes", FLOW_FILE_MAX);
		goto out;
	} else if (s != SL_OK) {
		fail(y, file, NULL, "cannot read it: %s", why);
		goto out;
	}
	if ((def = jsonx_parse(text, strlen(text), why, sizeof(why))) == NULL) {
		fail(y, file, NULL, "not valid JSON: %s", why);
		goto out;
	}
	if (json_object_is_type(def, json_type_object) &&
	    jsonx_get(def, "name") == NULL) {
		char *n = name_of_file(file);

		jsonx_add_str(def, "name", n);
		free(n);
	}
	if ((norm = flowdef_validate(def, why, sizeof(why))) == NULL) {
		fail_invalid(y, file, why);
		goto out;
	}
	name = jsonx_get_str(norm, "name");
	for (size_t i = 0; i < y->nflows; i++)
		if (strcmp(y->flows[i].name, name) == 0) {
			fail(y, file, "name", "flow \"%s\" is also defined in "
			    "%s", name, y->flows[i].file);
			goto out;
		}
	y->flows = xrealloc(y->flows, (y->nflows + 1) * sizeof(*y->flows));
	y->flows[y->nflows++] = (struct flowfile){ .file = xstrdup(file),
	    .name = xstrdup(name), .text = xstrdup(jsonx_text(norm)) };
out:
	json_object_put(norm);
	json_object_put(def);
	free(text);
}

/* Returns 1 when file is a flow file: *.json directly or deeper under path. */
static int
is_flow_file(const char *file)
{
	size_t n = strlen(file);

	return n > 5 && strcmp(file + n - 5, ".json") == 0;
}

static void
read_flows(struct sync *y)
{
	size_t nfiles = 0;

	for (size_t off = 0; off < y->listing_len;
	    off += strlen(y->listing + off) + 1) {
		const char *file = y->listing + off;

		if (!is_flow_file(file))
			continue;
		if (++nfiles > MAX_FLOWS) {
			fail(y, file, NULL, "more than %d flow files under "
			    "%s", MAX_FLOWS, y->path);
			return;
		}
		read_flow(y, file);
	}
}

/*
 * The requirements.txt a flow file uses: beside it, else at the root.
 * Sets id (its content's object id) and returns its path, or NULL.
 */
static char *
requirements_of(struct sync *y, const char *file, char id[REPO_COMMIT_LEN])
{
	const char *slash = strrchr(file, '/');
	char *beside = slash ? xasprintf("%.*s/requirements.txt",
	    (int)(slash - file), file) : xstrdup("requirements.txt");

	if (repo_git_blob_id(&y->git, y->commit, beside, id) == SL_OK)
		return beside;
	free(beside);
	if (repo_git_blob_id(&y->git, y->commit, "requirements.txt", id) ==
	    SL_OK)
		return xstrdup("requirements.txt");
	return NULL;
}

/* Builds each flow's environment; a flow whose build fails drops out. */
static void
build_venvs(struct sync *y)
{
	size_t kept = 0;

	for (size_t i = 0; i < y->nflows; i++) {
		struct flowfile *f = &y->flows[i];
		char id[REPO_COMMIT_LEN], why[3200], *req, *text = NULL;
		enum sl_status s = SL_OK;

		if ((req = requirements_of(y, f->file, id)) != NULL) {
			s = repo_git_blob(&y->git, y->commit, req, REQ_MAX,
			    &text, why, sizeof(why));
			if (s == SL_OK)
				s = venv_ensure(y->data_dir, id, text,
				    y->pip_env, why, sizeof(why));
			if (s == SL_OK)
				snprintf(f->venv, sizeof(f->venv), "%s", id);
			else
				fail(y, req, NULL, "%s (flow \"%s\" keeps its "
				    "version)", why, f->name);
		}
		free(text);
		free(req);
		if (s != SL_OK) {
			free(f->file);
			free(f->name);
			free(f->text);
			continue;
		}
		y->flows[kept++] = *f;
	}
	y->nflows = kept;
}

/* Returns 1 when file is among the files listed at the commit. */
static int
listed(const struct sync *y, const char *file)
{
	for (size_t off = 0; off < y->listing_len;
	    off += strlen(y->listing + off) + 1)
		if (strcmp(y->listing + off, file) == 0)
			return 1;
	return 0;
}

/* Archives the repository's flows whose file is gone from the commit. */
static enum sl_status
archive_removed(struct db *db, struct sync *y, const char *actor)
{
	struct db_stmt st;
	char **gone = NULL;
	size_t n = 0;
	enum sl_status s;

	db_prepare(db, &st, "SELECT f.name, v.source FROM flows f"
	    " JOIN flow_versions v ON v.flow = f.name AND"
	    " v.version = f.version WHERE f.repo = :repo AND f.archived = 0");
	db_bind_text(&st, ":repo", y->name);
	while (db_step(&st))
		if (!listed(y, db_col_text(&st, 1))) {
			gone = xrealloc(gone, (n + 1) * sizeof(*gone));
			gone[n++] = xstrdup(db_col_text(&st, 0));
		}
	s = db_finish(&st);
	for (size_t i = 0; i < n; i++) {
		struct flow_archive a = { .name = gone[i], .repo = y->name,
		    .actor = actor, .detail = "{\"reason\":\"its file is gone "
		    "from the repository\"}" };

		if (s == SL_OK && (s = flowstore_archive(db, &a)) == SL_OK &&
		    a.changed)
			json_object_array_add(y->archived,
			    json_object_new_string(gone[i]));
		free(gone[i]);
	}
	free(gone);
	return s;
}

/* Stores each valid flow as a version pinned to the commit. */
static enum sl_status
store_flows(struct db *db, struct sync *y, const char *actor)
{
	enum sl_status s;

	for (size_t i = 0; i < y->nflows; i++) {
		struct flowfile *f = &y->flows[i];
		struct flow_put p = { .name = f->name, .text = f->text,
		    .actor = actor, .src = { .repo = y->name,
		    .commit_id = y->commit, .commit_subject = y->subject,
		    .file = f->file, .venv = f->venv[0] ? f->venv : NULL } };

		s = flowstore_put(db, &p);
		if (s == SL_CONFLICT) {
			fail(y, f->file, "name", "flow \"%s\" belongs to "
			    "repository \"%s\"", f->name, p.owner);
			continue;
		}
		if (s != SL_OK)
			return s;
		if (p.changed)
			json_object_array_add(y->changed,
			    json_object_new_string(f->name));
	}
	return SL_OK;
}

static const char sql_last[] =
    "SELECT coalesce(sync_error, '') FROM repos WHERE name = :name";
/* The repository's flows with a webhook for FAILED, and their file. */
static const char sql_notified_flows[] =
    "SELECT f.name, v.source, v.definition FROM flows f"
    " JOIN flow_versions v ON v.flow = f.name AND v.version = f.version"
    " WHERE f.repo = :repo AND f.archived = 0";
static const char sql_queue[] =
    "INSERT OR IGNORE INTO webhook_deliveries (key, url, body,"
    " next_attempt_at, created_at) VALUES (:key, :url, :body, :now, :now)";

/* Returns 1 when definition text asks for a webhook on FAILED. */
static int
notifies_failure(const char *text, char **url)
{
	struct json_object *def = jsonx_parse(text, strlen(text), NULL, 0);
	struct json_object *nt = jsonx_get(def, "notify"), *on;
	const char *hook = jsonx_get_str(nt, "webhook");
	int yes = 0;

	on = jsonx_get(nt, "on");
	for (size_t i = 0; hook != NULL && on != NULL &&
	    i < json_object_array_length(on); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(on,
		    i)), "FAILED") == 0)
			yes = 1;
	if (yes)
		*url = xstrdup(hook);
	json_object_put(def);
	return yes;
}

/* Queues one flow's notification of the failed sync (the outbox). */
static enum sl_status
queue_one(struct db *db, struct sync *y, const char *flow, const char *url,
    int64_t now)
{
	struct json_object *doc = json_object_new_object();
	char *key = xasprintf("sync:%s:%lld:%s", y->name, (long long)now,
	    flow);
	struct db_stmt st;
	enum sl_status s;

	jsonx_add_str(doc, "event", "sync_failed");
	jsonx_add_str(doc, "flow", flow);
	jsonx_add_str(doc, "repo", y->name);
	jsonx_add_str(doc, "commit", y->commit[0] ? y->commit : NULL);
	json_object_object_add(doc, "error", json_object_get(y->error));
	jsonx_add_str(doc, "idempotency_key", key);
	db_prepare(db, &st, sql_queue);
	db_bind_text(&st, ":key", key);
	db_bind_text(&st, ":url", url);
	db_bind_text(&st, ":body", jsonx_text(doc));
	db_bind_int(&st, ":now", now);
	s = db_done(&st);
	json_object_put(doc);
	free(key);
	return s;
}

/*
 * A failed sync is notified to the webhook (notify.on has FAILED) of the
 * flow whose file failed, or of every flow of the repository when the
 * failure names no flow's file -- once: not again while the same error
 * repeats. Sets *queued to the number of notifications.
 */
static enum sl_status
notify_failure(struct db *db, struct sync *y, int64_t now, int *queued)
{
	const char *file = jsonx_get_str(y->error, "file");
	struct db_stmt st;
	char **flows = NULL, **urls = NULL;
	size_t n = 0, match = 0;
	enum sl_status s;

	*queued = 0;
	db_prepare(db, &st, sql_last);
	db_bind_text(&st, ":name", y->name);
	if (db_step(&st) && strcmp(db_col_text(&st, 0),
	    jsonx_text(y->error)) == 0) {
		db_finish(&st);
		return SL_OK;	/* told already */
	}
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	db_prepare(db, &st, sql_notified_flows);
	db_bind_text(&st, ":repo", y->name);
	while (db_step(&st)) {
		char *url;
		int mine = file != NULL && strcmp(db_col_text(&st, 1),
		    file) == 0;

		if (!notifies_failure(db_col_text(&st, 2), &url))
			continue;
		flows = xrealloc(flows, (n + 1) * sizeof(*flows));
		urls = xrealloc(urls, (n + 1) * sizeof(*urls));
		flows[n] = xstrdup(db_col_text(&st, 0));
		urls[n] = url;
		if (mine) {	/* the failing file's flows go first */
			char *f = flows[match], *u = urls[match];

			flows[match] = flows[n];
			urls[match++] = urls[n];
			flows[n] = f;
			urls[n] = u;
		}
		n++;
	}
	s = db_finish(&st);
	for (size_t i = 0; i < n; i++) {
		if (s == SL_OK && (match == 0 || i < match) &&
		    (s = queue_one(db, y, flows[i], urls[i], now)) == SL_OK)
			(*queued)++;
		free(flows[i]);
		free(urls[i]);
	}
	free(flows);
	free(urls);
	return s;
}

static const char sql_outcome[] =
    "UPDATE repos SET sync_state = :state, synced_at = :now,"
    " sync_commit = COALESCE(:commit, sync_commit),"
    " sync_subject = COALESCE(:subject, sync_subject),"
    " sync_error = :error, sync_by = NULL, sync_lease_until = NULL"
    " WHERE name = :name AND sync_by = :inc";

/* Writes the outcome on the repository's row, with its audit event. */
static enum sl_status
record_outcome(struct db *db, struct sync *y)
{
	struct json_object *detail = json_object_new_object();
	struct audit_event ev = { .actor = "scheduler",
	    .action = "repo.sync", .object_type = "repo",
	    .object_id = y->name };
	struct db_stmt st;
	enum sl_status s;
	int64_t now = timefmt_now_ms();
	int queued = 0;

	if (y->error != NULL && (s = notify_failure(db, y, now, &queued)) !=
	    SL_OK) {
		json_object_put(detail);
		return s;
	}
	db_prepare(db, &st, sql_outcome);
	db_bind_text(&st, ":state", y->error ? "failed" : "ok");
	db_bind_int(&st, ":now", now);
	db_bind_text(&st, ":commit", y->commit[0] ? y->commit : NULL);
	db_bind_text(&st, ":subject", y->subject);
	db_bind_text(&st, ":error", y->error ? jsonx_text(y->error) : NULL);
	db_bind_text(&st, ":name", y->name);
	db_bind_text(&st, ":inc", y->incarnation);
	if ((s = db_done(&st)) != SL_OK || db_changes(db) == 0) {
		json_object_put(detail);
		return s != SL_OK ? s : SL_CONFLICT;	/* lease lost */
	}
	jsonx_add_str(detail, "state", y->error ? "failed" : "ok");
	jsonx_add_str(detail, "commit", y->commit[0] ? y->commit : NULL);
	json_object_object_add(detail, "changed", json_object_get(y->changed));
	json_object_object_add(detail, "archived",
	    json_object_get(y->archived));
	if (y->error) {
		json_object_object_add(detail, "error",
		    json_object_get(y->error));
		jsonx_add_int(detail, "notified", queued);
	}
	ev.detail = jsonx_text(detail);
	s = audit_record(db, &ev);
	json_object_put(detail);
	return s;
}

/* The transaction: versions, archives, outcome. */
static enum sl_status
commit_sync(struct db *db, void *arg)
{
	struct sync *y = arg;
	char *actor = xasprintf("repo:%s", y->name);
	enum sl_status s = SL_OK;

	if (y->commit[0] != '\0' && y->listing != NULL) {
		if ((s = store_flows(db, y, actor)) == SL_OK)
			s = archive_removed(db, y, actor);
	}
	free(actor);
	return s == SL_OK ? record_outcome(db, y) : s;
}

/* Fetch, read, build: everything before the transaction. */
static void
prepare(struct sync *y)
{
	struct repo_auth auth = { y->token, y->ssh_key };
	char why[3200];

	if (code_dirs(y->data_dir, why, sizeof(why)) != SL_OK ||
	    repo_git_open(&y->git, y->data_dir, y->name, &auth, why,
	    sizeof(why)) != SL_OK) {
		fail(y, NULL, NULL, "%s", why);
		return;
	}
	if (repo_git_fetch(&y->git, y->url, y->ref, y->commit, &y->subject,
	    why, sizeof(why)) != SL_OK) {
		y->commit[0] = '\0';
		fail(y, NULL, "ref", "cannot fetch %s: %s", y->ref, why);
		return;
	}
	if (repo_git_files(&y->git, y->commit, y->path, &y->listing,
	    &y->listing_len, why, sizeof(why)) != SL_OK) {
		fail(y, NULL, "path", "cannot list %s: %s", y->path, why);
		return;
	}
	read_flows(y);
	build_venvs(y);
	if (y->nflows > 0 && code_tree_ensure(y->data_dir, &y->git, y->commit,
	    why, sizeof(why)) != SL_OK) {
		fail(y, NULL, NULL, "cannot check out %s: %s", y->commit, why);
		y->nflows = 0;
	}
}

static void
sync_free(struct sync *y)
{
	for (size_t i = 0; i < y->nflows; i++) {
		free(y->flows[i].file);
		free(y->flows[i].name);
		free(y->flows[i].text);
	}
	for (size_t i = 0; y->pip_env != NULL && y->pip_env[i] != NULL; i++)
		free(y->pip_env[i]);
	free(y->pip_env);
	free(y->flows);
	free(y->listing);
	free(y->subject);
	free(y->url);
	free(y->ref);
	free(y->path);
	free(y->token);
	free(y->ssh_key);
	repo_git_close(&y->git);
	json_object_put(y->error);
	json_object_put(y->changed);
	json_object_put(y->archived);
}

int
reposync_run(const char *data_dir, const char *name, const char *incarnation)
{
	struct sync y = { .data_dir = data_dir, .name = name,
	    .incarnation = incarnation };
	char *path = xasprintf("%s/sluice.db", data_dir);
	enum sl_status s;

	y.db = db_open(path);
	free(path);
	if (y.db == NULL)
		return 1;
	y.changed = json_object_new_array();
	y.archived = json_object_new_array();
	if ((s = db_read(y.db, load_repo, &y)) == SL_OK) {
		prepare(&y);
		s = db_write(y.db, commit_sync, &y);
	}
	if (s == SL_OK)
		log_info("repo %s: synced %s: %zu flows changed, %zu archived%s",
		    name, y.commit[0] ? y.commit : "nothing",
		    json_object_array_length(y.changed),
		    json_object_array_length(y.archived),
		    y.error ? " (failed)" : "");
	else
		log_warnx("repo %s: sync not recorded (status %d)", name,
		    (int)s);
	sync_free(&y);
	db_close(y.db);
	return s == SL_OK ? 0 : 1;
}
