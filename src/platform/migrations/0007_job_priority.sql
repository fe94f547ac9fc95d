-- Jobs that must not wait behind the queue's backlog are claimed first: WeCom's callbacks turned into events, and
-- the welcome messages sent from them, which WeCom accepts only within 20 seconds of a customer's add.
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 0;
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (priority DESC, run_at) WHERE state = 'queued';
