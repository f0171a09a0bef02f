-- subscriptions and bulk export (src/modules/fhir-store/subscriptions, src/modules/fhir-store/bulk-export).

-- Notifications to send, written by the subscriptions outbox consumer in the same transaction that
-- advances its cursor: a committed change yields its deliveries exactly once, and they survive a
-- restart because the worker reads them from here, never from memory.
CREATE TABLE subscription_deliveries (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL,
  subscription_id text NOT NULL,
  channel text NOT NULL,                     -- rest-hook | websocket
  resource_type text NOT NULL,               -- the resource that triggered the notification
  resource_id text NOT NULL,
  version_id bigint,
  state text NOT NULL DEFAULT 'pending',     -- pending | delivered | failed | dropped
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX subscription_deliveries_due_idx ON subscription_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX subscription_deliveries_sub_idx ON subscription_deliveries (tenant_id, subscription_id, state);

-- Bulk Data export jobs (https://hl7.org/fhir/uv/bulkdata/export.html). The job row is the truth:
-- a restarted hub finds jobs whose heartbeat stopped and runs them again from the start.
CREATE TABLE bulk_export_jobs (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  level text NOT NULL,                       -- system | patient
  request_url text NOT NULL,
  types text[],                              -- _type (NULL: every type the level covers)
  since timestamptz,                         -- _since
  state text NOT NULL DEFAULT 'accepted',    -- accepted | in-progress | completed | failed | cancelled
  transaction_time timestamptz,
  progress text,
  output jsonb NOT NULL DEFAULT '[]',        -- [{type, file, count}]
  error text,
  runs integer NOT NULL DEFAULT 0,
  heartbeat_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX bulk_export_jobs_tenant_idx ON bulk_export_jobs (tenant_id, created_at);
CREATE INDEX bulk_export_jobs_active_idx ON bulk_export_jobs (state) WHERE state IN ('accepted', 'in-progress');
