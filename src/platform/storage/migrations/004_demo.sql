-- The synthetic demo region (src/modules/demo-region): which Patient records
-- belong to the same synthetic person, so identity matching can be scored,
-- and one row recording that (and how) the region was seeded.

CREATE TABLE demo_identity_truth (
  person_key text NOT NULL,                 -- the synthetic person, e.g. person-0000042
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  PRIMARY KEY (tenant_id, patient_id)
);
CREATE INDEX demo_identity_truth_person_idx ON demo_identity_truth (person_key);

CREATE TABLE demo_region (
  tenant_prefix text PRIMARY KEY,           -- '' for the demo region; tests seed isolated regions under a prefix
  seed bigint NOT NULL,
  people integer NOT NULL,
  status text NOT NULL CHECK (status IN ('loading', 'complete')),
  patient_records integer,
  resources bigint,
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
