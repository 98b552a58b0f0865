-- Dashboard sign-out (issue 17): sessions are sealed cookies; a session ended by sign-out is
-- recorded here until it would have expired anyway, so its cookie no longer signs anyone in.
CREATE TABLE IF NOT EXISTS dashboard_session_ends (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dashboard_session_ends_expires ON dashboard_session_ends (expires_at);
