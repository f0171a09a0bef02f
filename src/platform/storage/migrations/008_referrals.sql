-- referrals: two-way referral (双向转诊) as a closed loop. These tables are the
-- source of truth for state, parties and timestamps; the FHIR ServiceRequest and
-- Task are mirrors written in the same transaction (see src/modules/referrals/README.md).

CREATE TABLE referrals (
  id text PRIMARY KEY,                         -- also the id of the mirrored Task and ServiceRequest
  sender_tenant text NOT NULL REFERENCES institutions(id),
  receiver_tenant text NOT NULL REFERENCES institutions(id),
  direction text NOT NULL,                     -- up (community → hospital) | down (hospital → community) | lateral
  patient_tenant text NOT NULL,                -- the Patient record the sender referred (in the sender's tenant)
  patient_id text NOT NULL,
  patient_key text NOT NULL,                   -- identity used for duplicate checks (resident id when known)
  patient_display text,
  specialty_code text NOT NULL,
  specialty_display text,
  priority text NOT NULL,                      -- FHIR ServiceRequest.priority: routine | urgent | asap | stat
  reason text,
  state text NOT NULL,                         -- Task.businessStatus, see referral-state.ts
  version integer NOT NULL DEFAULT 1,          -- optimistic check on every transition
  requested_by text NOT NULL,
  requester_display text,
  service_request_id text NOT NULL,
  discharge_summary text,                      -- down-referrals: DocumentReference/… or Composition/…
  follow_up_plan jsonb,                        -- down-referrals: plan items that become Tasks on acceptance
  follow_up_tasks jsonb,                       -- ids of those Tasks (in the receiver's tenant)
  decline_reason text,
  decline_note text,
  appointment_at timestamptz,
  report_ref text,
  forwarded_from text,
  forwarded_to text,
  attachments jsonb,
  requested_at timestamptz NOT NULL,
  received_at timestamptz,
  responded_at timestamptz,                    -- accepted, declined or forwarded: the receiver's first answer
  accepted_at timestamptz,
  scheduled_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  report_returned_at timestamptz,
  closed_at timestamptz,                       -- any final state
  response_due_at timestamptz NOT NULL,        -- SLA: the receiver must answer by then
  reminded_at timestamptz,
  escalated_at timestamptz,
  updated_at timestamptz NOT NULL
);
CREATE INDEX referrals_sender_idx ON referrals (sender_tenant, requested_at DESC);
CREATE INDEX referrals_receiver_idx ON referrals (receiver_tenant, requested_at DESC);
CREATE INDEX referrals_patient_key_idx ON referrals (patient_key, specialty_code) WHERE closed_at IS NULL;
CREATE INDEX referrals_open_due_idx ON referrals (response_due_at) WHERE responded_at IS NULL AND closed_at IS NULL;

-- Every transition, in order: the timeline.
CREATE TABLE referral_transitions (
  referral_id text NOT NULL REFERENCES referrals(id),
  seq integer NOT NULL,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  actor_tenant text NOT NULL,
  actor_id text NOT NULL,
  actor_display text,
  at timestamptz NOT NULL,
  detail jsonb,
  PRIMARY KEY (referral_id, seq)
);

-- SLA reminders and escalations recorded by the sweeper (at most one of each kind per referral).
CREATE TABLE referral_alerts (
  referral_id text NOT NULL REFERENCES referrals(id),
  kind text NOT NULL,                          -- reminder | escalation | expiry
  tenant_id text NOT NULL,                     -- the institution whose coordinator is told
  at timestamptz NOT NULL,
  detail jsonb,
  acknowledged_at timestamptz,
  PRIMARY KEY (referral_id, kind)
);
CREATE INDEX referral_alerts_tenant_idx ON referral_alerts (tenant_id, at DESC);

-- Accepted referral → the receiver has a care relationship with the patient until the loop ends.
CREATE TABLE referral_care_relationships (
  referral_id text PRIMARY KEY REFERENCES referrals(id),
  receiver_tenant text NOT NULL,
  patient_tenant text NOT NULL,
  patient_id text NOT NULL,
  since timestamptz NOT NULL,
  until timestamptz
);
CREATE INDEX referral_care_rel_idx ON referral_care_relationships (receiver_tenant, patient_tenant, patient_id);

-- Consortium agreements (医联体协议): preferred receivers for a sender, optionally per specialty.
CREATE TABLE referral_agreements (
  sender_tenant text NOT NULL REFERENCES institutions(id),
  receiver_tenant text NOT NULL REFERENCES institutions(id),
  specialty_code text NOT NULL DEFAULT '*',
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sender_tenant, receiver_tenant, specialty_code)
);
