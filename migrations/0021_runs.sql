-- 0021: automation runs (issue 14).

-- runs: one row per Workflow instance a rule started, id "<rule id>-<event id>" (the instance id),
-- mirroring the instance's status and each step's outcome (steps: JSON array of
-- {id, kind, status, startedAt?, endedAt?, attempts, output?, error?}) so lists and filters
-- never call the Workflows API per row. depth counts runs started by events runs published.
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  rule_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  status TEXT NOT NULL,
  depth INTEGER NOT NULL DEFAULT 0,
  steps TEXT NOT NULL,
  error TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_rule ON runs (rule_id, started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status, started_at DESC, id DESC);
