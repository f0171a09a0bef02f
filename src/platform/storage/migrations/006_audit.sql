-- audit: the tamper-evident audit log, an append-only RFC 6962 / RFC 9162 Merkle tree.
-- One row per log holds the tree size and its right edge (the "frontier": roots of
-- the complete subtrees covering [0, tree_size), largest first, 32 bytes each).
-- Appenders lock that row FOR UPDATE, which makes sequence numbers gapless.
CREATE TABLE audit_logs (
  log_id text PRIMARY KEY,
  tree_size bigint NOT NULL DEFAULT 0,
  frontier bytea NOT NULL DEFAULT ''::bytea,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_logs (log_id) VALUES ('main');

-- Leaves. The UTF-8 bytes of leaf_data are exactly what leaf_hash (RFC 6962 leaf hash) covers:
-- a header (format, log, seq, tenant) and the canonical JSON of a FHIR AuditEvent. Kept as
-- text, not bytea: the database guarantees valid UTF-8, and text reads several times faster
-- than bytea through PGlite, which matters when verify streams a million leaves.
CREATE TABLE audit_leaves (
  log_id text NOT NULL,
  seq bigint NOT NULL,                      -- 0-based leaf index in the Merkle tree
  tenant_id text NOT NULL,
  leaf_hash bytea NOT NULL,
  leaf_data text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (log_id, seq)
);
CREATE INDEX audit_leaves_tenant_idx ON audit_leaves (tenant_id, created_at);

-- Hashes of complete aligned subtrees of 2^level leaves (level >= 1), keyed by the
-- last leaf they cover: the subtree of level L ending at leaf e covers leaves
-- (e - 2^L, e]. Proofs and roots at any size read O(log n) of these rows.
CREATE TABLE audit_nodes (
  log_id text NOT NULL,
  end_seq bigint NOT NULL,
  level smallint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (log_id, end_seq, level)
);

-- The audit log's own Ed25519 key pairs (one active at a time; retired keys stay so old heads still verify).
CREATE TABLE audit_signing_keys (
  key_id text PRIMARY KEY,                  -- RFC 7638 JWK thumbprint of the public key
  public_jwk jsonb NOT NULL,
  private_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE UNIQUE INDEX audit_signing_keys_one_active ON audit_signing_keys ((true)) WHERE retired_at IS NULL;

-- Signed tree heads. The signature covers a checkpoint text built from
-- (log_id, tree_size, root_hash, timestamp_ms); see src/modules/audit/README.md.
CREATE TABLE audit_tree_heads (
  log_id text NOT NULL,
  tree_size bigint NOT NULL,
  timestamp_ms bigint NOT NULL,             -- strictly increasing per log
  root_hash bytea NOT NULL,
  key_id text NOT NULL,
  signature bytea NOT NULL,
  PRIMARY KEY (log_id, timestamp_ms)
);
CREATE INDEX audit_tree_heads_size_idx ON audit_tree_heads (log_id, tree_size);
