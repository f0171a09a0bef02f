-- Group-committed accesses share one AuditEvent (one Merkle leaf) when the same agent made them
-- with the same interaction, purpose and outcome: the event names every access's patient, resources,
-- query and request id (see src/modules/audit/README.md, "Batched accesses").
-- audit_queue.accesses: NULL for an event about one access (its patient is in patient_tenant_id /
-- patient_id); else a JSON array with one {"t": patient tenant, "p": patient id} (nulls allowed) per access.
ALTER TABLE audit_queue ADD COLUMN accesses jsonb;

-- The access index keeps one row per access, so "who accessed my record" and the per-user baselines
-- count accesses, not leaves: several rows can share a leaf, told apart by part.
ALTER TABLE audit_access_index ADD COLUMN part integer NOT NULL DEFAULT 0;
ALTER TABLE audit_access_index DROP CONSTRAINT audit_access_index_pkey;
ALTER TABLE audit_access_index ADD PRIMARY KEY (log_id, seq, part);

-- Per-agent hourly access counts for the anomaly baselines: the detector runs every minute and
-- compares the current hour with 14 days of history, which must not mean rescanning 14 days of
-- the index (millions of rows per day at a region's read rate). A statement-level trigger keeps
-- the counts in step with every insert into the index, in the same transaction. Hours are UTC
-- hours; China Standard Time is a whole-hour offset, so each bucket has one local hour.
CREATE TABLE audit_agent_hours (
  agent_id text NOT NULL,
  tenant_id text NOT NULL,
  agent_kind text NOT NULL,
  hour timestamptz NOT NULL,
  events bigint NOT NULL,
  PRIMARY KEY (agent_id, tenant_id, agent_kind, hour)
);
CREATE INDEX audit_agent_hours_hour_idx ON audit_agent_hours (hour);

INSERT INTO audit_agent_hours (agent_id, tenant_id, agent_kind, hour, events)
SELECT agent_id, tenant_id, agent_kind, date_trunc('hour', recorded, 'UTC'), count(*)
  FROM audit_access_index GROUP BY 1, 2, 3, 4;

CREATE FUNCTION audit_count_agent_hours() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_agent_hours (agent_id, tenant_id, agent_kind, hour, events)
  SELECT agent_id, tenant_id, agent_kind, date_trunc('hour', recorded, 'UTC'), count(*) FROM new_rows GROUP BY 1, 2, 3, 4
  ON CONFLICT (agent_id, tenant_id, agent_kind, hour) DO UPDATE SET events = audit_agent_hours.events + EXCLUDED.events;
  RETURN NULL;
END
$$;
CREATE TRIGGER audit_access_index_count_hours AFTER INSERT ON audit_access_index
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_count_agent_hours();

-- The rare kinds the detector counts over a day (break-the-glass, access without a care
-- relationship) get their own small indexes instead of a walk over a day of all accesses.
CREATE INDEX audit_access_break_glass_idx ON audit_access_index (recorded) WHERE subtype = 'break-glass';
CREATE INDEX audit_access_no_care_idx ON audit_access_index (recorded) WHERE basis = 'no-care-relationship';
