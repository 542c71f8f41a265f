-- Claims are leases: the process that claimed a post or digest (`owner`, a worker id) keeps
-- it while its heartbeat in `workers` is fresh; only then may another process retry it.
ALTER TABLE posts ADD COLUMN owner TEXT;
ALTER TABLE digests ADD COLUMN owner TEXT;

-- One row per running process, written every few seconds (also the readiness write probe);
-- removed on a clean shutdown.
CREATE TABLE workers (
    id      TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
