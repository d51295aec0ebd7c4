-- 001_init.sql: the first Sluice schema.
-- Every time is an INTEGER of milliseconds since the Unix epoch, UTC.
-- Run ids are ULIDs (lib/ids.c): sorting by id sorts by creation time, so
-- lists page with "id < :cursor", never OFFSET.

-- A flow's name and current state; its definitions live in flow_versions.
CREATE TABLE flows (
	name        TEXT PRIMARY KEY,
	version     INTEGER NOT NULL,            -- current version
	paused      INTEGER NOT NULL DEFAULT 0,  -- schedule paused
	archived    INTEGER NOT NULL DEFAULT 0,  -- DELETE archives; runs stay
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);

-- Every PUT makes a new version; runs keep the version they ran.
CREATE TABLE flow_versions (
	flow        TEXT NOT NULL REFERENCES flows(name),
	version     INTEGER NOT NULL,
	definition  TEXT NOT NULL,               -- validated JSON (lib/flowdef.c)
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (flow, version)
) WITHOUT ROWID;

CREATE TABLE runs (
	id               TEXT PRIMARY KEY,       -- ULID
	flow             TEXT NOT NULL,
	flow_version     INTEGER NOT NULL,
	state            TEXT NOT NULL,          -- lib/states.c
	parameters       TEXT NOT NULL DEFAULT '{}',  -- JSON, defaults applied
	trigger          TEXT NOT NULL CHECK (trigger IN
	                   ('manual', 'schedule', 'rerun')),
	created_by       TEXT,                   -- REMOTE_USER; NULL for schedule
	scheduled_for    INTEGER NOT NULL,       -- due time (= created_at if manual)
	rerun_of         TEXT REFERENCES runs(id) ON DELETE SET NULL,
	worker           TEXT,                   -- worker that claimed it
	cancel_requested INTEGER NOT NULL DEFAULT 0,
	retry_count      INTEGER NOT NULL DEFAULT 0,  -- explicit retries
	reason           TEXT,                   -- why it ended, if not obvious
	created_at       INTEGER NOT NULL,
	started_at       INTEGER,
	ended_at         INTEGER,
	updated_at       INTEGER NOT NULL,
	FOREIGN KEY (flow, flow_version) REFERENCES flow_versions(flow, version)
);
CREATE INDEX runs_by_flow ON runs(flow, id);
CREATE INDEX runs_by_state ON runs(state, scheduled_for);
CREATE UNIQUE INDEX runs_schedule_slot ON runs(flow, scheduled_for)
	WHERE trigger = 'schedule';

-- One row per attempt of a task in a run. A task's state is the state of
-- its highest attempt. Rows for attempt 1 are made PENDING with the run.
CREATE TABLE task_runs (
	run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	task        TEXT NOT NULL,
	attempt     INTEGER NOT NULL,            -- counts from 1
	state       TEXT NOT NULL,
	worker      TEXT,                        -- worker that runs it
	incarnation TEXT,                        -- that worker's lease id
	pid         INTEGER,                     -- process group leader
	proc_start  INTEGER,                     -- its start time, /proc ticks
	exit_code   INTEGER,
	signal      INTEGER,
	result      TEXT,                        -- JSON from SLUICE_RESULT
	log_size    INTEGER NOT NULL DEFAULT 0,
	reason      TEXT,                        -- "timed out after 600 s" ...
	not_before  INTEGER,                     -- AWAITING_RETRY: earliest start
	created_at  INTEGER NOT NULL,
	started_at  INTEGER,
	ended_at    INTEGER,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (run_id, task, attempt)
) WITHOUT ROWID;
CREATE INDEX task_runs_by_state ON task_runs(state, not_before);

-- A worker is a scheduler process (or later a remote one). incarnation is
-- a fresh random id on every start: attempts owned by another incarnation
-- of the same name belong to a dead process.
CREATE TABLE workers (
	name              TEXT PRIMARY KEY,
	pool              TEXT NOT NULL DEFAULT 'default',
	host              TEXT,
	pid               INTEGER,
	incarnation       TEXT,
	started_at        INTEGER,
	last_heartbeat    INTEGER,
	running           INTEGER NOT NULL DEFAULT 0,
	concurrency_limit INTEGER NOT NULL DEFAULT 8,
	paused            INTEGER NOT NULL DEFAULT 0
);

-- Roles; passwords are in data/htpasswd (lib/htpasswd.c).
CREATE TABLE users (
	name        TEXT PRIMARY KEY,
	role        TEXT NOT NULL CHECK (role IN
	              ('viewer', 'operator', 'admin', 'worker')),
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);

-- The audit trail: one row per change, written in the change's transaction.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at          INTEGER NOT NULL,
	actor       TEXT NOT NULL,               -- REMOTE_USER or "sluicectl"
	action      TEXT NOT NULL,               -- "flow.put", "run.cancel", ...
	object_type TEXT NOT NULL,               -- "flow", "run", "worker", "user"
	object_id   TEXT NOT NULL,
	address     TEXT,                        -- client address, if any
	detail      TEXT                         -- JSON, optional
);
CREATE INDEX events_by_actor ON events(actor, id);
CREATE INDEX events_by_object ON events(object_type, object_id, id);
