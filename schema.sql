-- edgehook D1 schema: the full, commented schema of the latest migration. Changes are made as
-- D1 migrations (migrations/NNNN_name.sql, applied in order by `wrangler d1 migrations apply`);
-- this file is updated with each one, and test/worker/schema.test.ts proves a database built
-- from it equals one built from the migrations.
-- Conventions: every timestamp is epoch milliseconds UTC (INTEGER, column suffix _at);
-- the API renders them as ISO-8601. JSON columns hold TEXT produced by JSON.stringify.
-- Statements end with ";" at the end of a line (the test setup splits on that).

-- tokens: API keys. Only the SHA-256 hex of a key is stored (key_hash); the key itself is
-- shown once at creation. endpoints is a JSON array of scopes ("task", "notify", ..., "*").
-- rate_limit is requests per hour (NULL = the configured default).
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  read_only INTEGER NOT NULL DEFAULT 0,
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
CREATE INDEX IF NOT EXISTS tokens_tenant ON tokens (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS tokens_created ON tokens (created_at, id);

-- tasks: queued work submitted through POST /task. priority_rank orders the queue
-- (high=0, medium=1, low=2); position = pending tasks with a better (rank, created_at).
-- expected is '' when larger than PAYLOAD_GZIP_MIN_BYTES: then in payloads (tasks/<id>/expected).
-- duration_ms is set on completion and feeds the start/completion estimates.
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
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
CREATE INDEX IF NOT EXISTS tasks_tenant ON tasks (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS tasks_queue ON tasks (status, priority_rank, created_at);
CREATE INDEX IF NOT EXISTS tasks_completed ON tasks (status, completed_at);

-- task_queue: pending tasks per tenant and priority rank, kept exact by the triggers below (in the
-- same transaction as the change), so POST /task learns its position in its tenant's queue from
-- three rows instead of counting the queue. A tenant's row appears with its first pending task of
-- a rank; the default tenant's three are seeded (0073 rebuilt the table from the tasks table).
CREATE TABLE IF NOT EXISTS task_queue (
  tenant_id TEXT NOT NULL,
  priority_rank INTEGER NOT NULL,
  pending INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, priority_rank)
) WITHOUT ROWID;
INSERT OR IGNORE INTO task_queue (tenant_id, priority_rank, pending) SELECT 'default', r.rank, (SELECT COUNT(*) FROM tasks WHERE tenant_id = 'default' AND status = 'pending' AND priority_rank = r.rank) FROM (SELECT 0 AS rank UNION ALL SELECT 1 UNION ALL SELECT 2) AS r;
CREATE TRIGGER IF NOT EXISTS task_queue_on_insert AFTER INSERT ON tasks WHEN NEW.status = 'pending' BEGIN INSERT INTO task_queue (tenant_id, priority_rank, pending) VALUES (NEW.tenant_id, NEW.priority_rank, 1) ON CONFLICT (tenant_id, priority_rank) DO UPDATE SET pending = pending + 1; END;
CREATE TRIGGER IF NOT EXISTS task_queue_on_leave AFTER UPDATE OF status ON tasks WHEN OLD.status = 'pending' AND NEW.status <> 'pending' BEGIN UPDATE task_queue SET pending = pending - 1 WHERE tenant_id = OLD.tenant_id AND priority_rank = OLD.priority_rank; END;
CREATE TRIGGER IF NOT EXISTS task_queue_on_delete AFTER DELETE ON tasks WHEN OLD.status = 'pending' BEGIN UPDATE task_queue SET pending = pending - 1 WHERE tenant_id = OLD.tenant_id AND priority_rank = OLD.priority_rank; END;

-- notifications: POST /notify records. channels is a JSON object channel -> {status, ...}.
CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
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
  tenant_id TEXT NOT NULL DEFAULT 'default',
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
-- data is the JSON text, or '' when it is larger than PAYLOAD_GZIP_MIN_BYTES: then it is in
-- payloads under the key events/<id>/data.
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_tenant ON events (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS events_created ON events (created_at);
CREATE INDEX IF NOT EXISTS events_type ON events (type, id);

-- payloads: large text values kept out of their rows (src/events/payload-store.ts), so no D1
-- string or row exceeds 2,000,000 bytes. key is <table>/<row id>/<column> (events/evt-…/data,
-- tasks/task-…/expected); the owning column holds ''. encoding: gzip (body is the gzip of the
-- UTF-8 text) or r2 (body NULL; the R2 object PAYLOADS/<key> holds the gzip bytes). bytes is the
-- size of the original text. Event payloads are deleted with their events (retention, R2 too).
CREATE TABLE IF NOT EXISTS payloads (
  key TEXT PRIMARY KEY,
  encoding TEXT NOT NULL,
  body BLOB,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS payloads_created ON payloads (created_at);

-- sources: inbound provider configuration set through PUT /sources/:provider (it takes
-- precedence over the provider's Worker secret). secrets is a JSON array of signing secrets
-- sealed with AES-256-GCM under ENCRYPTION_KEY (lib/secret-box.ts, context "source:<provider>");
-- secret_count is kept beside it so reads need no decryption. tolerance_seconds NULL = the
-- configured default. options is JSON (the generic scheme: header, algorithm, encoding, ...).
CREATE TABLE IF NOT EXISTS sources (
  provider TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
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
-- deletes the row. provider is the dedup scope: the provider name for the default tenant's
-- per-provider url, `<provider>:<source id>` for a tenant's source (tenant_id = the source's).
CREATE TABLE IF NOT EXISTS source_deliveries (
  provider TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT 'default',
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
  tenant_id TEXT NOT NULL DEFAULT 'default',
  action TEXT NOT NULL,
  actor_token_id TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT,
  request_id TEXT NOT NULL,
  details TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS audit_created ON audit (created_at, id);
CREATE INDEX IF NOT EXISTS audit_action ON audit (action, created_at, id);
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor_token_id, created_at, id);
CREATE INDEX IF NOT EXISTS audit_target ON audit (target_type, target_id, created_at, id);
-- subscriptions: outbound webhook endpoints. events is a JSON array of patterns (exact type,
-- "prefix.*", "*"); filters/template/retry_policy/headers are JSON. Secrets are never stored in
-- clear: secret_enc (and previous_secret_enc, still signing until previous_secret_expires_at
-- after a rotation) and auth_enc (outbound credentials) are AES-GCM sealed under ENCRYPTION_KEY.
-- auth_info holds the non-secret part of the auth config (type, username, header name).
-- status: active | paused (by hand) | disabled (410 Gone or too many consecutive failures);
-- active = (status = 'active'). rate_limit is deliveries per second (NULL = unlimited).
-- consecutive_failures is owned here (the EndpointGuard keeps only the breaker window and rate):
-- one UPDATE ... RETURNING after each batch adds failures and disables at the threshold.
-- destination_type names the destination (http | queue); http keeps its config in url, method,
-- headers and auth_info (url is '' for other types), the others in destination_config (JSON).
-- params_enc: an integration's secret params, sealed per name (JSON {name: sealed}); url_template:
-- the url with those params as {{params.x}}, filled at send time (NULL: url is sent as is), while
-- url then holds the shown url (origin kept, secret parts "********").
-- batch is JSON {maxEvents, maxWaitMs} (NULL: one request per event); ordering is JSON
-- {mode: "fifo", key?} (NULL: no order kept). See docs/DELIVERY-MODES.md.
-- require_verification (0/1): hold deliveries until verified_at is set by POST .../verify (a new
-- url clears verified_at). last_probe: JSON of the last GET .../health probe. signing_scheme:
-- hmac | ed25519; signing_key_enc is the sealed whsk_ key, signing_public_key its whpk_; while
-- signing_overlap_until (epoch ms) is ahead, both schemes sign (a switch in progress).
CREATE TABLE IF NOT EXISTS subscriptions (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  name TEXT,
  description TEXT,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  method TEXT NOT NULL,
  headers TEXT,
  auth_info TEXT,
  auth_enc TEXT,
  filters TEXT,
  template TEXT,
  retry_policy TEXT NOT NULL,
  timeout_ms INTEGER NOT NULL,
  rate_limit REAL,
  status TEXT NOT NULL,
  disabled_reason TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  secret_enc TEXT NOT NULL,
  previous_secret_enc TEXT,
  previous_secret_expires_at INTEGER,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  status_changed_at INTEGER,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  destination_type TEXT NOT NULL DEFAULT 'http',
  destination_config TEXT,
  params_enc TEXT,
  url_template TEXT,
  batch TEXT,
  ordering TEXT,
  require_verification INTEGER NOT NULL DEFAULT 0,
  verified_at INTEGER,
  last_probe TEXT,
  signing_scheme TEXT NOT NULL DEFAULT 'hmac',
  signing_key_enc TEXT,
  signing_public_key TEXT,
  signing_overlap_until INTEGER
);
CREATE INDEX IF NOT EXISTS subscriptions_tenant ON subscriptions (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS subscriptions_created ON subscriptions (created_at, id);
CREATE INDEX IF NOT EXISTS subscriptions_status ON subscriptions (status, created_at, id);

-- deliveries: the transactional outbox and delivery state, one row per (event, subscription),
-- written in the same D1 batch as the event. status: pending | sending | success | failed |
-- retrying. attempts counts attempts ever made (it is also the row's generation: a queue
-- message names the value it expects, so stale duplicates are ignored); round_start is attempts
-- when the current round began (a manual retry starts a new round for the retry policy).
-- next_at is when the row is due: publish time for pending, the retry time for retrying, the
-- lease expiry for sending; NULL when terminal or held (its subscription is paused/disabled).
-- The sweep re-enqueues rows whose next_at is well past. dead_lettered_at: sent to the DLQ.
-- batch_id: the batch (bat_…) the row is sent in (batch mode; set when the batch forms, and
-- every member moves together: same status, attempts, next_at). An "open" row (batch mode, not
-- yet in a batch) is pending with attempts 0 and batch_id NULL. ordering_key: the FIFO key value
-- written at publish ('' for a subscription ordered as a whole), NULL when not ordered; a row is
-- claimed only while no earlier row (event_id order) of its key is unfinished.
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  event_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  round_start INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER,
  dead_lettered_at INTEGER,
  batch_id TEXT,
  ordering_key TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_tenant_status ON deliveries (tenant_id, status, updated_at);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_event_subscription ON deliveries (event_id, subscription_id);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_subscription ON deliveries (subscription_id, created_at, id);
CREATE INDEX IF NOT EXISTS deliveries_subscription_status ON deliveries (subscription_id, status, created_at, id);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, updated_at);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at);
CREATE INDEX IF NOT EXISTS deliveries_batch ON deliveries (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_ordering ON deliveries (subscription_id, ordering_key, event_id) WHERE ordering_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (subscription_id, event_id) WHERE batch_id IS NULL AND status = 'pending' AND attempts = 0;

-- attempts: every HTTP attempt of a delivery: status code (NULL when no response), duration,
-- the response body truncated to 1 KiB, the error for network failures and timeouts, and the
-- verdict (success | retry | fail | gone). batch_id: the batch the attempt carried the delivery in.
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  delivery_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  duration_ms INTEGER NOT NULL,
  response_body TEXT,
  error TEXT,
  verdict TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  batch_id TEXT
);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id, attempt);
CREATE INDEX IF NOT EXISTS attempts_subscription ON attempts (subscription_id, created_at);
CREATE INDEX IF NOT EXISTS attempts_created ON attempts (created_at);

-- channels: named notification destinations for POST /notify. Each is delivered by the outbound
-- engine through a backing subscription (subscription_id) to notify.sent events whose
-- data.channel is the channel's name; type picks the payload preset (webhook = the event body or
-- the channel's own template). Names are unique per tenant (tenant_id, name): each tenant may
-- have its own "ops".
CREATE TABLE IF NOT EXISTS channels (
  name TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  type TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

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
CREATE INDEX IF NOT EXISTS rules_tenant ON rules (tenant_id, created_at, id);

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
CREATE INDEX IF NOT EXISTS runs_tenant ON runs (tenant_id, started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_rule ON runs (rule_id, started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status, started_at DESC, id DESC);

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
-- queue_sink: what the consumer of a test destination queue (edgehook-destination-test) received,
-- kept one day (expires_at, epoch ms) so tests and deploy checks can see a queue delivery arrive.
CREATE TABLE IF NOT EXISTS queue_sink (
  message_id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_sink_expires ON queue_sink (expires_at);
-- Operational events (issue 15): coalescing notices and the last /health roll-up seen by the cron.

-- ops_notices: one row per operational notice already published in its window (api.limit.exceeded:
-- "<tokenId>|<level>|<window key>|<window index>"); INSERT OR IGNORE decides who publishes.
CREATE TABLE IF NOT EXISTS ops_notices (
  key TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_notices_created ON ops_notices (created_at);

-- system_state: small named values the gateway keeps between cron runs (health: the last roll-up).
CREATE TABLE IF NOT EXISTS system_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Inspectors (issue 15): request bins at /inspect/:id and the requests they recorded.

-- inspectors: one bin; its id is the credential of its capture url.
CREATE TABLE IF NOT EXISTS inspectors (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
  name TEXT,
  created_by TEXT,
  created_at INTEGER NOT NULL
);

-- inspector_requests: what arrived (first 256 KB of the body; base64 when not UTF-8 text). Ids sort
-- by arrival; the newest 500 per inspector are kept, and none older than 7 days (retention).
CREATE TABLE IF NOT EXISTS inspector_requests (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL DEFAULT 'default',
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

-- Dashboard (issue 17): sessions are sealed cookies (src/dashboard/session.ts).

-- dashboard_session_ends: sessions ended by sign-out, kept until they would have expired; a cookie
-- whose session id is here no longer signs anyone in.
CREATE TABLE IF NOT EXISTS dashboard_session_ends (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dashboard_session_ends_expires ON dashboard_session_ends (expires_at);

-- tenants (issue 13, docs/TENANTS.md): every resource row carries tenant_id; rows from before
-- tenants existed belong to `default`, which always exists and cannot be deleted. id is 1–64
-- chars of [a-z0-9][a-z0-9_-]*; rate_limit is requests per hour for all its tokens together (NULL
-- = no tenant-wide limit); metadata is JSON; portal_revoked_at ends every portal token issued
-- before it. tokens.read_only marks a read-only portal token (GET only).
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  rate_limit INTEGER,
  metadata TEXT,
  portal_revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- tenant_sources: per-tenant inbound sources (POST /sources), reached at
-- /sources/<provider>/<id>. secrets is the sealed JSON array of signing secrets (context
-- "source:<id>"); name is the event-type prefix of a generic source; events is a JSON array of
-- accepted event types or prefix.* patterns (NULL = all); settings is JSON (generic scheme
-- options, toleranceSeconds). Wave-1 `sources` rows (keyed by provider) stay the default tenant's.
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
INSERT OR IGNORE INTO tenants (id, name, created_at, updated_at) VALUES ('default', 'Default', 0, 0);
