-- Governed sharing: care relationships, break-the-glass, privacy notifications,
-- the audit queue (requests never wait on the Merkle log's head row), the
-- searchable index of sequenced audit events, and anomaly alerts.
-- Consents themselves are FHIR Consent resources in fhir_resources.

-- An institution (tenant_id) caring for a patient record held by patient_tenant_id.
-- Fed by referrals (on accept) and other modules through recordCareRelationship;
-- relationships implied by the caller's own Encounter / EpisodeOfCare / Appointment
-- are derived at decision time and not copied here.
CREATE TABLE care_relationships (
  tenant_id text NOT NULL,
  patient_tenant_id text NOT NULL,
  patient_id text NOT NULL,
  source text NOT NULL,                     -- referral | encounter | appointment | episode
  source_ref text NOT NULL,                 -- e.g. ServiceRequest/123
  since timestamptz NOT NULL DEFAULT now(),
  until timestamptz,                        -- NULL: open-ended
  PRIMARY KEY (tenant_id, patient_tenant_id, patient_id, source, source_ref)
);
CREATE INDEX care_relationships_patient_idx ON care_relationships (patient_tenant_id, patient_id);

-- Break-the-glass grants: one per declared emergency, for one actor and one patient record.
CREATE TABLE break_glass_grants (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,                  -- the institution the actor works for
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  actor_display text,
  patient_tenant_id text NOT NULL,
  patient_id text NOT NULL,
  reason_code text NOT NULL,
  reason_text text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  review_status text NOT NULL DEFAULT 'pending',   -- pending | justified | unjustified
  reviewed_by text,
  reviewed_at timestamptz,
  review_note text
);
CREATE INDEX break_glass_active_idx ON break_glass_grants (tenant_id, actor_id, patient_tenant_id, patient_id, expires_at);
CREATE INDEX break_glass_review_idx ON break_glass_grants (review_status, granted_at);

-- Every access made under a grant, queued for the privacy officer's review.
CREATE TABLE break_glass_uses (
  id bigserial PRIMARY KEY,
  grant_id text NOT NULL REFERENCES break_glass_grants (id),
  owner_tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text,
  used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX break_glass_uses_grant_idx ON break_glass_uses (grant_id, id);

-- Things people must be told: the patient's institution and the privacy officers.
CREATE TABLE privacy_notifications (
  id bigserial PRIMARY KEY,
  recipient_tenant_id text,                 -- NULL: region-wide (privacy officers of the region)
  recipient_role text NOT NULL,             -- privacy-officer | institution-admin
  kind text NOT NULL,                       -- break-glass | anomaly
  subject jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz
);
CREATE INDEX privacy_notifications_recipient_idx ON privacy_notifications (recipient_role, recipient_tenant_id, id);

-- Audit queue: recordAccess inserts here in the caller's transaction; the sequencer
-- moves rows in id order to the Merkle log and into audit_access_index.
CREATE TABLE audit_queue (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL,
  agent_kind text NOT NULL,
  agent_id text NOT NULL,
  action text NOT NULL,
  subtype text NOT NULL,
  outcome text NOT NULL,
  patient_tenant_id text,
  patient_id text,
  purpose text,
  basis text,                               -- the decision's basis when the event records one
  recorded timestamptz NOT NULL,
  event jsonb NOT NULL
);

-- One row per sequenced AuditEvent, for search by patient / user / time and for baselines.
CREATE TABLE audit_access_index (
  log_id text NOT NULL,
  seq bigint NOT NULL,
  tenant_id text NOT NULL,
  agent_kind text NOT NULL,
  agent_id text NOT NULL,
  action text NOT NULL,
  subtype text NOT NULL,
  outcome text NOT NULL,
  patient_tenant_id text,
  patient_id text,
  purpose text,
  basis text,
  recorded timestamptz NOT NULL,
  PRIMARY KEY (log_id, seq)
);
CREATE INDEX audit_access_patient_idx ON audit_access_index (patient_tenant_id, patient_id, recorded);
CREATE INDEX audit_access_agent_idx ON audit_access_index (agent_id, recorded);
CREATE INDEX audit_access_recorded_idx ON audit_access_index (recorded);

-- Access-anomaly alerts for the privacy officer's queue. One alert per rule, user and window.
CREATE TABLE audit_alerts (
  id bigserial PRIMARY KEY,
  rule text NOT NULL,                       -- volume | off-hours | no-care-relationship | repeated-break-glass
  tenant_id text NOT NULL,
  agent_id text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  observed integer NOT NULL,
  baseline double precision,
  detail text NOT NULL,
  status text NOT NULL DEFAULT 'open',      -- open | dismissed | confirmed
  resolved_by text,
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (rule, agent_id, window_start)
);
CREATE INDEX audit_alerts_status_idx ON audit_alerts (status, id);
