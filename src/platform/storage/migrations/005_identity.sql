-- Regional master patient index (module identity). See src/modules/identity/README.md.
-- The index spans every institution: candidate lookups go by blocking key across tenants, so
-- identity_block_keys leads with the key; tables read per record lead with tenant_id.

-- A regional person: one regional patient id shared by every linked Patient record.
CREATE TABLE identity_persons (
  regional_id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  merged_into text,                         -- set when this person was folded into another (a link)
  merged_at timestamptz
);

-- One row per indexed Patient (current version only).
CREATE TABLE identity_records (
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  version_id bigint NOT NULL,
  person jsonb NOT NULL,                    -- the normalised PersonRecord the matcher compares
  regional_id text NOT NULL,
  replaced_by_tenant_id text,               -- set by a steward merge: this record is replaced by another
  replaced_by_patient_id text,
  indexed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, patient_id)
);
CREATE INDEX identity_records_regional_idx ON identity_records (regional_id);

-- Blocking keys: key → record. A new Patient is compared only with records sharing a key.
CREATE TABLE identity_block_keys (
  block_key text NOT NULL,
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  PRIMARY KEY (block_key, tenant_id, patient_id)
);
CREATE INDEX identity_block_keys_record_idx ON identity_block_keys (tenant_id, patient_id);

-- Business identifiers of indexed records (MRNs, resident ids, passports), for PIXm lookups across tenants.
CREATE TABLE identity_identifiers (
  system text NOT NULL,
  value text NOT NULL,
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  PRIMARY KEY (system, value, tenant_id, patient_id)
);
CREATE INDEX identity_identifiers_record_idx ON identity_identifiers (tenant_id, patient_id);

-- Candidate pairs for steward review, and every pair a steward decided. (a, b) is ordered so that one pair of
-- records has one row; a decided pair keeps its status through later matches and relinks.
CREATE TABLE identity_pairs (
  id text PRIMARY KEY,
  a_tenant_id text NOT NULL,
  a_patient_id text NOT NULL,
  b_tenant_id text NOT NULL,
  b_patient_id text NOT NULL,
  probability double precision NOT NULL,
  log_odds double precision NOT NULL,
  comparison jsonb NOT NULL,                -- per field: level, label, weight (the model's explanation)
  status text NOT NULL DEFAULT 'open',      -- open | linked | kept-apart | merged | withdrawn
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT identity_pairs_status_check CHECK (status IN ('open', 'linked', 'kept-apart', 'merged', 'withdrawn')),
  CONSTRAINT identity_pairs_records_key UNIQUE (a_tenant_id, a_patient_id, b_tenant_id, b_patient_id)
);
CREATE INDEX identity_pairs_queue_idx ON identity_pairs (probability DESC, created_at DESC) WHERE status = 'open';
CREATE INDEX identity_pairs_b_idx ON identity_pairs (b_tenant_id, b_patient_id);

-- Steward decisions, in order; a reversed decision keeps its row with reversed_at set.
CREATE TABLE identity_decisions (
  id bigserial PRIMARY KEY,
  pair_id text NOT NULL REFERENCES identity_pairs (id),
  decision text NOT NULL,                   -- link | keep-apart | merge | unmerge | relink
  previous_status text NOT NULL,
  survivor_tenant_id text,                  -- merge: the record that stays
  survivor_patient_id text,
  previous_active boolean,                  -- merge: Patient.active of the replaced record before the merge
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  actor_tenant_id text NOT NULL,
  reason text,
  decided_at timestamptz NOT NULL DEFAULT now(),
  reversed_at timestamptz,
  CONSTRAINT identity_decisions_kind_check CHECK (decision IN ('link', 'keep-apart', 'merge', 'unmerge', 'relink'))
);
CREATE INDEX identity_decisions_pair_idx ON identity_decisions (pair_id, id);

-- Stored Fellegi–Sunter models (the last batch relink's); online matching uses the newest.
CREATE TABLE identity_models (
  id bigserial PRIMARY KEY,
  trained_at timestamptz NOT NULL DEFAULT now(),
  records bigint NOT NULL,
  candidate_pairs bigint NOT NULL,
  model jsonb NOT NULL                      -- comparator names, m, u, weights, prior, household, thresholds
);

-- Term frequencies of the newest models (value → share), read per probe value at match time.
CREATE TABLE identity_model_terms (
  model_id bigint NOT NULL REFERENCES identity_models (id) ON DELETE CASCADE,
  field text NOT NULL,
  value text NOT NULL,
  share double precision NOT NULL,
  PRIMARY KEY (model_id, field, value)
);
