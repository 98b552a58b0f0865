-- Endpoint checks and signing (issue 12, part): verification, the last health probe, Ed25519.
ALTER TABLE subscriptions ADD COLUMN require_verification INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN verified_at INTEGER;
ALTER TABLE subscriptions ADD COLUMN last_probe TEXT;
ALTER TABLE subscriptions ADD COLUMN signing_scheme TEXT NOT NULL DEFAULT 'hmac';
ALTER TABLE subscriptions ADD COLUMN signing_key_enc TEXT;
ALTER TABLE subscriptions ADD COLUMN signing_public_key TEXT;
ALTER TABLE subscriptions ADD COLUMN signing_overlap_until INTEGER;
