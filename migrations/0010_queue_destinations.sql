-- Queue destinations: a subscription names its destination type and keeps non-http config as JSON;
-- queue_sink records what the test destination queue's consumer received (kept one day).
ALTER TABLE subscriptions ADD COLUMN destination_type TEXT NOT NULL DEFAULT 'http';
ALTER TABLE subscriptions ADD COLUMN destination_config TEXT;
CREATE TABLE IF NOT EXISTS queue_sink (
  message_id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_sink_expires ON queue_sink (expires_at);
