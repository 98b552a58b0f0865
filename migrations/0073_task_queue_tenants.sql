-- 0073: the pending-task counts of task_queue per tenant (issue 13), so a task's queue position and
-- estimates count only its own tenant's queue. The table is rebuilt keyed by (tenant_id,
-- priority_rank) and re-seeded from the tasks table; the triggers add a tenant's row on its first
-- pending task of a rank. The default tenant keeps its three rows from the start.
DROP TRIGGER IF EXISTS task_queue_on_insert;
DROP TRIGGER IF EXISTS task_queue_on_leave;
DROP TRIGGER IF EXISTS task_queue_on_delete;
DROP TABLE IF EXISTS task_queue;
CREATE TABLE task_queue (
  tenant_id TEXT NOT NULL,
  priority_rank INTEGER NOT NULL,
  pending INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, priority_rank)
) WITHOUT ROWID;
INSERT INTO task_queue (tenant_id, priority_rank, pending) SELECT 'default', r.rank, 0 FROM (SELECT 0 AS rank UNION ALL SELECT 1 UNION ALL SELECT 2) AS r;
INSERT INTO task_queue (tenant_id, priority_rank, pending)
  SELECT tenant_id, priority_rank, COUNT(*) FROM tasks WHERE status = 'pending' GROUP BY tenant_id, priority_rank
  ON CONFLICT (tenant_id, priority_rank) DO UPDATE SET pending = excluded.pending;
CREATE TRIGGER task_queue_on_insert AFTER INSERT ON tasks WHEN NEW.status = 'pending' BEGIN INSERT INTO task_queue (tenant_id, priority_rank, pending) VALUES (NEW.tenant_id, NEW.priority_rank, 1) ON CONFLICT (tenant_id, priority_rank) DO UPDATE SET pending = pending + 1; END;
CREATE TRIGGER task_queue_on_leave AFTER UPDATE OF status ON tasks WHEN OLD.status = 'pending' AND NEW.status <> 'pending' BEGIN UPDATE task_queue SET pending = pending - 1 WHERE tenant_id = OLD.tenant_id AND priority_rank = OLD.priority_rank; END;
CREATE TRIGGER task_queue_on_delete AFTER DELETE ON tasks WHEN OLD.status = 'pending' BEGIN UPDATE task_queue SET pending = pending - 1 WHERE tenant_id = OLD.tenant_id AND priority_rank = OLD.priority_rank; END;

-- Per-tenant lists of rules (oldest first) and runs (newest first).
CREATE INDEX IF NOT EXISTS rules_tenant ON rules (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS runs_tenant ON runs (tenant_id, started_at DESC, id DESC);
