-- 0002 payloads: large text values (event data, a task's expected) kept out of their rows, so no
-- D1 string or row exceeds 2,000,000 bytes. src/events/payload-store.ts is the only reader/writer.
CREATE TABLE IF NOT EXISTS payloads (
  key TEXT PRIMARY KEY,
  encoding TEXT NOT NULL,
  body BLOB,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS payloads_created ON payloads (created_at);
