-- Inspectors (issue 15): request bins at /inspect/:id and the requests they recorded.

-- inspectors: one bin; its id is the credential of its capture url.
CREATE TABLE IF NOT EXISTS inspectors (
  id TEXT PRIMARY KEY,
  name TEXT,
  created_by TEXT,
  created_at INTEGER NOT NULL
);

-- inspector_requests: what arrived (first 256 KB of the body; base64 when not UTF-8 text). Ids sort
-- by arrival; the newest 500 per inspector are kept, and none older than 7 days (retention).
CREATE TABLE IF NOT EXISTS inspector_requests (
  id TEXT PRIMARY KEY,
  inspector_id TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  query TEXT NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  body_encoding TEXT NOT NULL,
  body_size INTEGER NOT NULL,
  truncated INTEGER NOT NULL,
  source_ip TEXT,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS inspector_requests_inspector ON inspector_requests (inspector_id, id);
CREATE INDEX IF NOT EXISTS inspector_requests_received ON inspector_requests (received_at);
