-- The audit queue keeps each AuditEvent as the canonical JSON text its Merkle leaf embeds
-- (src/modules/audit/canonical-json.ts), written once by the request that records it, instead
-- of jsonb: PostgreSQL no longer parses, re-encodes and compresses a multi-kilobyte jsonb value
-- for every group-committed batch of reads (a round trip of 1.0 ms became 0.5 ms for an 11.7 kB
-- event on an idle machine), and the sequencer hashes the stored text as it is instead of
-- parsing it and serialising it again. Rows queued before this migration hold jsonb's own text
-- form, which is not canonical: `canonical` is false for them, and the sequencer canonicalises
-- those few once more.
ALTER TABLE audit_queue ADD COLUMN canonical boolean NOT NULL DEFAULT false;
ALTER TABLE audit_queue ALTER COLUMN event TYPE text USING event::text;
ALTER TABLE audit_queue ALTER COLUMN canonical SET DEFAULT true;

-- Compression. A queued event lives for less than a second, so it is stored uncompressed
-- (out of line when large): pglz cost more than the rest of the INSERT (6.4 kB event on
-- PostgreSQL 15: 417 µs compressed, 208 µs external; reading it back 81 → 21 µs). Leaves are
-- kept for good, so they stay compressed, with lz4 where the server has it (265 µs instead of
-- 417 µs per leaf for the same 1.7 MB per 1,000 leaves; reading 2.5 times faster). PGlite is
-- built without lz4: there the leaves keep pglz.
ALTER TABLE audit_queue ALTER COLUMN event SET STORAGE EXTERNAL;
DO $$
BEGIN
  ALTER TABLE audit_leaves ALTER COLUMN leaf_data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'audit_leaves.leaf_data keeps pglz: %', SQLERRM;
END
$$;
