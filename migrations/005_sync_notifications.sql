-- 005_sync_notifications.sql: a failed repository sync is notified to
-- the webhook of the flows it concerns, through the same outbox as the
-- end of a run (scheduler/reposync.c). Such a delivery belongs to no
-- run, so run_id and seq become optional; SQLite cannot drop NOT NULL
-- in place, so the table is rebuilt with its rows. Its key is
-- "sync:<repo>:<synced_at>:<flow>"; retention removes it once sent or
-- given up, after the retention period.

CREATE TABLE webhook_deliveries_new (
	id               INTEGER PRIMARY KEY,
	key              TEXT NOT NULL UNIQUE,
	run_id           TEXT REFERENCES runs(id) ON DELETE CASCADE,
	seq              INTEGER,
	url              TEXT NOT NULL,
	body             TEXT NOT NULL,
	state            TEXT NOT NULL DEFAULT 'pending'
	                   CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	claimed_by       TEXT,
	lease_until      INTEGER,
	last_error       TEXT,
	created_at       INTEGER NOT NULL,
	delivered_at     INTEGER,
	UNIQUE (run_id, seq)
);
INSERT INTO webhook_deliveries_new SELECT id, key, run_id, seq, url, body,
	state, attempts, next_attempt_at, claimed_by, lease_until, last_error,
	created_at, delivered_at FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
	WHERE state = 'pending';
