-- edgehook D1 schema. Idempotent: `npm run dev` and the tests apply it on every start.
-- Conventions: every timestamp is epoch milliseconds UTC (INTEGER, column suffix _at);
-- the API renders them as ISO-8601. JSON columns hold TEXT produced by JSON.stringify.
-- Statements end with ";" at the end of a line (the test setup splits on that).

-- tokens: API keys. Only the SHA-256 hex of a key is stored (key_hash); the key itself is
-- shown once at creation. endpoints is a JSON array of scopes ("task", "notify", ..., "*").
-- rate_limit is requests per hour (NULL = the configured default).
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  rate_limit INTEGER,
  endpoints TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX IF NOT EXISTS tokens_created ON tokens (created_at, id);

-- tasks: queued work submitted through POST /task. priority_rank orders the queue
-- (high=0, medium=1, low=2); position = pending tasks with a better (rank, created_at).
-- duration_ms is set on completion and feeds the start/completion estimates.
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  title TEXT NOT NULL,
  priority TEXT NOT NULL,
  priority_rank INTEGER NOT NULL,
  status TEXT NOT NULL,
  deadline TEXT,
  expected TEXT,
  tags TEXT,
  result TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  duration_ms INTEGER
);
CREATE INDEX IF NOT EXISTS tasks_queue ON tasks (status, priority_rank, created_at);
CREATE INDEX IF NOT EXISTS tasks_completed ON tasks (status, completed_at);

-- notifications: POST /notify records. channels is a JSON object channel -> {status, ...}.
CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  priority TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  channels TEXT NOT NULL,
  data TEXT,
  tags TEXT,
  created_at INTEGER NOT NULL
);

-- research: POST /research jobs; report is set by POST /research/:id/complete.
CREATE TABLE IF NOT EXISTS research (
  id TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  depth INTEGER NOT NULL,
  format TEXT NOT NULL,
  sources TEXT,
  max_age INTEGER,
  status TEXT NOT NULL,
  report TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  estimated_completion_at INTEGER NOT NULL,
  completed_at INTEGER
);

-- events: every published event, the durable log behind deliveries and SSE replay.
-- id is an evt- id that sorts in publish order, so "ORDER BY id" is publish order.
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_created ON events (created_at);
CREATE INDEX IF NOT EXISTS events_type ON events (type, id);

-- sources: inbound provider configuration set through PUT /sources/:provider (it takes
-- precedence over the provider's Worker secret). secrets is a JSON array of signing secrets
-- sealed with AES-256-GCM under ENCRYPTION_KEY (lib/secret-box.ts, context "source:<provider>");
-- secret_count is kept beside it so reads need no decryption. tolerance_seconds NULL = the
-- configured default. options is JSON (the generic scheme: header, algorithm, encoding, ...).
CREATE TABLE IF NOT EXISTS sources (
  provider TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL DEFAULT 1,
  secrets TEXT NOT NULL,
  secret_count INTEGER NOT NULL,
  tolerance_seconds INTEGER,
  options TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- source_deliveries: provider delivery ids already accepted, for deduplication. Inserted with
-- INSERT OR IGNORE in the publishing batch: the event row is written only when this insert
-- changed a row, so a duplicate is never published twice. event_id is the event the delivery
-- became; expires_at = received_at + SOURCE_DEDUP_HOURS, after which the cron's retention
-- deletes the row.
CREATE TABLE IF NOT EXISTS source_deliveries (
  provider TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (provider, delivery_id)
);
CREATE INDEX IF NOT EXISTS source_deliveries_expires ON source_deliveries (expires_at);
-- audit: one row per admin action (token create/update/delete; subscription, source and queue
-- actions once they exist). actor_token_id is the caller's token id ("admin" for ADMIN_TOKEN,
-- never a key); target_type/target_id name the resource; request_id ties the row to the request
-- log line; details is JSON with sensitive fields redacted. Written in the same D1 batch as the
-- change where practical, so a row exists iff the change happened. Kept RETENTION_AUDIT_DAYS.
-- Listed newest first with keyset pagination on (created_at, id).
CREATE TABLE IF NOT EXISTS audit (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  actor_token_id TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT,
  request_id TEXT NOT NULL,
  details TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_created ON audit (created_at, id);
CREATE INDEX IF NOT EXISTS audit_action ON audit (action, created_at, id);
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor_token_id, created_at, id);
CREATE INDEX IF NOT EXISTS audit_target ON audit (target_type, target_id, created_at, id);
