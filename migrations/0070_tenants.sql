-- 0070: tenants (issue 13). Every resource belongs to one tenant; rows from before tenants
-- existed belong to `default`, which always exists and cannot be deleted.

-- tenants: id is 1–64 chars of [a-z0-9][a-z0-9_-]*; rate_limit is requests per hour for all its
-- tokens together (NULL = no tenant-wide limit); metadata is JSON. portal_revoked_at ends every
-- portal token issued before it (POST /tenants/:id/portal/revoke).
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  rate_limit INTEGER,
  metadata TEXT,
  portal_revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT OR IGNORE INTO tenants (id, name, created_at, updated_at) VALUES ('default', 'Default', 0, 0);

ALTER TABLE tokens ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS tokens_tenant ON tokens (tenant_id, created_at, id);
ALTER TABLE tasks ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS tasks_tenant ON tasks (tenant_id, created_at, id);
ALTER TABLE task_queue ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE notifications ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE research ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE events ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS events_tenant ON events (tenant_id, created_at, id);
ALTER TABLE sources ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE source_deliveries ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE audit ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant_id, created_at, id);
ALTER TABLE subscriptions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS subscriptions_tenant ON subscriptions (tenant_id, created_at, id);
ALTER TABLE deliveries ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS deliveries_tenant_status ON deliveries (tenant_id, status, updated_at);
ALTER TABLE attempts ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE channels ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE inspectors ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE inspector_requests ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';

-- tenant_sources: per-tenant inbound sources (POST /sources), reached at
-- /sources/<provider>/<id>. secrets is the sealed JSON array of signing secrets (context
-- "source:<id>"); name is the event-type prefix of a generic source; events is a JSON array of
-- accepted event types (NULL = all); settings is JSON (generic scheme options, tolerance,
-- rate limit). Wave-1 `sources` rows (keyed by provider) stay the default tenant's.
CREATE TABLE IF NOT EXISTS tenant_sources (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  name TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  secrets TEXT NOT NULL,
  secret_count INTEGER NOT NULL,
  events TEXT,
  settings TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tenant_sources_tenant ON tenant_sources (tenant_id, created_at, id);
