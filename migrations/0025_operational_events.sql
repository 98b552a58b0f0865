-- Operational events (issue 15): coalescing notices and the last /health roll-up seen by the cron.

-- ops_notices: one row per operational notice already published in its window (api.limit.exceeded:
-- "<tokenId>|<level>|<window key>|<window index>"); INSERT OR IGNORE decides who publishes.
CREATE TABLE IF NOT EXISTS ops_notices (
  key TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_notices_created ON ops_notices (created_at);

-- system_state: small named values the gateway keeps between cron runs (health: the last roll-up).
CREATE TABLE IF NOT EXISTS system_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
