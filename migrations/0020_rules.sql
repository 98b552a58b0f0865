-- 0020: automation rules (issue 14).

-- rules: automation rules (docs/AUTOMATION.md). A rule's trigger (event patterns and an optional
-- filter over the wire event) routes events to runs of its steps; priority orders matching
-- rules (higher first, ties by age), stop_processing ends the walk. steps and params are JSON;
-- secret_enc is the sealed signing secret of its http steps. Timestamps are epoch ms.
CREATE TABLE IF NOT EXISTS rules (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  name TEXT NOT NULL,
  description TEXT,
  trigger_events TEXT NOT NULL,
  trigger_filter TEXT,
  priority INTEGER NOT NULL DEFAULT 100,
  enabled INTEGER NOT NULL DEFAULT 1,
  stop_processing INTEGER NOT NULL DEFAULT 0,
  params TEXT,
  steps TEXT NOT NULL,
  template TEXT,
  secret_enc TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rules_enabled ON rules (tenant_id, enabled, priority DESC, created_at);
CREATE INDEX IF NOT EXISTS rules_created ON rules (created_at, id);
