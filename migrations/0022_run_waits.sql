-- 0022: open wait_for_event steps of runs (issue 14).

-- run_waits: open wait_for_event steps. publish() looks here (one indexed query, and only while
-- any row exists) for a wait whose pattern and rendered match filter accept a new event of the
-- tenant; the row is deleted when the wait resumes, times out or its run ends. expires_at is epoch ms.
CREATE TABLE IF NOT EXISTS run_waits (
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  event_pattern TEXT NOT NULL,
  match TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, step_id)
);
CREATE INDEX IF NOT EXISTS run_waits_tenant ON run_waits (tenant_id, expires_at);
