-- Core tables: institutions (tenants), FHIR resources with history, and the outbox.
-- Every large table leads with tenant_id in its primary key so it can be
-- distributed by tenant (Citus / postgres_fdw partitions) without changing keys.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE institutions (
  id text PRIMARY KEY,                      -- tenant id, also the Organization id in that tenant
  name text NOT NULL,
  kind text NOT NULL,                       -- tertiary-hospital | district-hospital | community-health-centre | other
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fhir_resources (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  patient_id text,                          -- the Patient compartment this resource belongs to, if any
  content jsonb,                            -- NULL once deleted
  PRIMARY KEY (tenant_id, resource_type, id)
);
CREATE INDEX fhir_resources_updated_idx ON fhir_resources (tenant_id, resource_type, last_updated);
CREATE INDEX fhir_resources_patient_idx ON fhir_resources (tenant_id, patient_id) WHERE patient_id IS NOT NULL;

CREATE TABLE fhir_resource_history (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  method text NOT NULL,                     -- POST | PUT | PATCH | DELETE
  content jsonb,
  PRIMARY KEY (tenant_id, resource_type, id, version_id)
);
CREATE INDEX fhir_history_tenant_time_idx ON fhir_resource_history (tenant_id, last_updated);
CREATE INDEX fhir_history_type_time_idx ON fhir_resource_history (tenant_id, resource_type, last_updated);

-- Transactional outbox: written in the same transaction as the change it describes.
CREATE TABLE outbox_events (
  seq bigserial PRIMARY KEY,
  tenant_id text NOT NULL,
  event_type text NOT NULL,                 -- e.g. fhir.create, fhir.update, fhir.delete
  resource_type text,
  resource_id text,
  version_id bigint,
  payload jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox_events (seq) WHERE dispatched_at IS NULL;
