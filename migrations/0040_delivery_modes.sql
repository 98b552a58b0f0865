-- Delivery modes (issue 12): batching and per-key FIFO.
-- subscriptions.batch: JSON {maxEvents, maxWaitMs} or NULL; subscriptions.ordering: JSON {mode, key?} or NULL.
-- deliveries.batch_id: the batch (bat_…) a delivery was sent in; deliveries.ordering_key: the FIFO key
-- value at publish ('' when the subscription orders as a whole), NULL when not ordered.
-- attempts.batch_id: the batch an attempt carried the delivery in.
ALTER TABLE subscriptions ADD COLUMN batch TEXT;
ALTER TABLE subscriptions ADD COLUMN ordering TEXT;
ALTER TABLE deliveries ADD COLUMN batch_id TEXT;
ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
ALTER TABLE attempts ADD COLUMN batch_id TEXT;
CREATE INDEX IF NOT EXISTS deliveries_batch ON deliveries (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_ordering ON deliveries (subscription_id, ordering_key, event_id) WHERE ordering_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (subscription_id, event_id) WHERE batch_id IS NULL AND status = 'pending' AND attempts = 0;
