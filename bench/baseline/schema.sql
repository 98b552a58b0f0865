-- The baseline's one table: rows written by POST /webhooks/v2/task-durable, as many per request
-- as the gateway's POST /task writes (the task and its event).
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
