-- 004_repos.sql: flow repositories. An admin registers a git repository
-- (PUT /api/repos/{name}); a scheduler syncs it (scheduler/reposync.c):
-- fetches `ref` with the git program, validates every flow file under
-- `path` and stores changed ones as new flow versions that record the
-- commit. The API asks for a sync (POST .../sync, the push webhook) by
-- setting sync_requested_at; the interval is the fallback. One sync per
-- repository at a time: a scheduler leases the row (sync_by, until
-- sync_lease_until) before it fetches.

CREATE TABLE repos (
	name              TEXT PRIMARY KEY,      -- as a flow name
	url               TEXT NOT NULL,         -- path, file://, https://, ssh
	ref               TEXT NOT NULL DEFAULT 'main',
	path              TEXT NOT NULL DEFAULT 'flows/',  -- flow files' folder
	interval_s        INTEGER NOT NULL DEFAULT 60,     -- 0: no polling
	env               TEXT NOT NULL DEFAULT '{}',      -- JSON, PIP_* only
	-- Secrets: never returned by the API, never logged.
	webhook_secret    TEXT,                  -- push webhook's shared secret
	token             TEXT,                  -- https token (private repos)
	ssh_key           TEXT,                  -- ssh deploy key, PEM text
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	sync_requested_at INTEGER,               -- wall ms; NULL: none asked
	sync_requested_by TEXT,                  -- who asked (user, "webhook")
	sync_by           TEXT,                  -- incarnation syncing it now
	sync_lease_until  INTEGER,               -- wall ms; then it is free
	sync_state        TEXT NOT NULL DEFAULT 'never'
	                    CHECK (sync_state IN ('never', 'syncing', 'ok',
	                      'failed')),
	synced_at         INTEGER,               -- last sync's end, wall ms
	sync_commit       TEXT,                  -- commit the last sync read
	sync_subject      TEXT,                  -- its subject line
	sync_error        TEXT                   -- JSON {file, field, reason}
);

-- A flow from a repository belongs to it: PUT /api/flows refuses it.
ALTER TABLE flows ADD COLUMN repo TEXT;

-- Where a version came from: the repository, commit, its subject, the
-- flow file's path in the repository and the virtual environment built
-- for its requirements.txt (<data>/venvs/<hash>, NULL: none).
ALTER TABLE flow_versions ADD COLUMN repo TEXT;
ALTER TABLE flow_versions ADD COLUMN commit_id TEXT;
ALTER TABLE flow_versions ADD COLUMN commit_subject TEXT;
ALTER TABLE flow_versions ADD COLUMN source TEXT;
ALTER TABLE flow_versions ADD COLUMN venv TEXT;
