-- 003_webhook_deliveries.sql: the webhook outbox. A scheduler
-- (scheduler/notify.c) that claims an ended run (runs.notified 0 -> 1,
-- migration 002) inserts the run's delivery here in the same transaction,
-- so no claim is ever without its delivery; scheduler/deliver.c then
-- POSTs pending rows until one is answered 2xx (at least once), leasing
-- each try so two schedulers never post the same row at once and a dead
-- scheduler's lease simply runs out. Rows go with their run (retention).

CREATE TABLE webhook_deliveries (
	id               INTEGER PRIMARY KEY,
	key              TEXT NOT NULL UNIQUE,   -- "<run_id>:<seq>", sent as
	                                         -- Idempotency-Key and in body
	run_id           TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	seq              INTEGER NOT NULL,       -- 1, 2, ...: the run's nth
	url              TEXT NOT NULL,
	body             TEXT NOT NULL,          -- JSON, fixed when queued
	state            TEXT NOT NULL DEFAULT 'pending'
	                   CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts         INTEGER NOT NULL DEFAULT 0,  -- tries started
	next_attempt_at  INTEGER NOT NULL,       -- wall ms; pending only
	claimed_by       TEXT,                   -- incarnation holding a try
	lease_until      INTEGER,                -- wall ms; then it is free
	last_error       TEXT,
	created_at       INTEGER NOT NULL,
	delivered_at     INTEGER,
	UNIQUE (run_id, seq)
);

-- Finds the deliveries due without scanning the delivered ones.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
	WHERE state = 'pending';
