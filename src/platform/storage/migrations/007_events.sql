-- events: ordered, loss-free delivery of outbox rows to the modules that react to them.
-- Consumers read events in (tx_id, seq) order and only from transactions older than every
-- transaction still running (pg_snapshot_xmin), so an event committed late by a slow
-- transaction is never skipped: seq alone cannot promise that, the writer's xid can.
ALTER TABLE outbox_events ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX outbox_events_order_idx ON outbox_events (tx_id, seq);

-- One cursor per consumer: the last event it has handled. Advanced in the same transaction
-- as the consumer's own writes, so a crash can neither lose nor repeat a database effect.
CREATE TABLE outbox_cursors (
  consumer text PRIMARY KEY,
  last_tx xid8 NOT NULL DEFAULT '0',
  last_seq bigint NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
