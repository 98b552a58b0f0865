-- 0071: channel names are unique per tenant, not globally (issue 13): two tenants may each have a
-- channel "ops". SQLite cannot change a primary key in place, so the table is rebuilt with
-- PRIMARY KEY (tenant_id, name), keeping every row (and its rowid order).
CREATE TABLE channels_per_tenant (
  name TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  type TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
INSERT INTO channels_per_tenant (name, tenant_id, type, subscription_id, created_at, updated_at)
  SELECT name, tenant_id, type, subscription_id, created_at, updated_at FROM channels ORDER BY rowid;
DROP TABLE channels;
ALTER TABLE channels_per_tenant RENAME TO channels;
