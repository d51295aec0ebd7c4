-- 002_run_notified.sql: which ended runs have had their webhook handled.
-- A scheduler (scheduler/notify.c) claims every run in a terminal state
-- with notified = 0 by setting it to 1 in a short transaction, then sends
-- the run's webhook if its definition asks for one; so each ended run is
-- notified once, by one scheduler, however it ended (by a scheduler or
-- by sluice-api). Retrying a run through the API sets it back to 0.

ALTER TABLE runs ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;  -- 1 = done

-- Runs that ended before this migration count as notified: upgrading
-- must not send a webhook for every old run.
UPDATE runs SET notified = 1
	WHERE state IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED');

-- Finds the runs still to notify without scanning every run: only
-- unfinished and freshly ended runs have notified = 0.
CREATE INDEX runs_to_notify ON runs(ended_at) WHERE notified = 0;
