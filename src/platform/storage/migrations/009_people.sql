-- access, people: the role list of issue 4, patients as users, TOTP second
-- factor with recovery codes, short sign-in tickets, refresh-token families
-- and the revocation list that TokenService.verify checks.

-- Roles were renamed (coordinator → referral-coordinator, admin → institution-admin, analyst → regional-analyst).
UPDATE users SET roles = array_replace(array_replace(array_replace(roles,
  'coordinator', 'referral-coordinator'), 'admin', 'institution-admin'), 'analyst', 'regional-analyst');

ALTER TABLE users ADD COLUMN patient_tenant_id text;   -- role `patient`: the Patient record this person is
ALTER TABLE users ADD COLUMN patient_id text;
ALTER TABLE users ADD COLUMN mfa_secret text;          -- base32 TOTP secret once confirmed
ALTER TABLE users ADD COLUMN mfa_pending_secret text;  -- enrolment started, not yet confirmed with a first code
ALTER TABLE users ADD COLUMN mfa_enabled_at timestamptz;
ALTER TABLE users ADD COLUMN mfa_last_step bigint;     -- last accepted TOTP time step: a code is never accepted twice

-- Ten single-use recovery codes per user, stored as salted SHA-256 (the codes carry 60 random bits).
CREATE TABLE auth_recovery_codes (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- Short-lived tickets between the password step and the second factor (purpose
-- 'verify'), or for a user who must enrol before anything else ('enrol').
CREATE TABLE auth_mfa_tickets (
  ticket_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('verify', 'enrol')),
  failures integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL
);
CREATE INDEX auth_mfa_tickets_expiry_idx ON auth_mfa_tickets (expires_at);

-- Refresh tokens (opaque, stored hashed). One family per sign-in; each use
-- rotates the token; presenting a rotated one again revokes the whole family.
CREATE TABLE auth_refresh_tokens (
  token_hash text PRIMARY KEY,
  family_id text NOT NULL,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  family_expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX auth_refresh_tokens_family_idx ON auth_refresh_tokens (family_id);
CREATE INDEX auth_refresh_tokens_user_idx ON auth_refresh_tokens (user_id);

-- Revoked access tokens (kind 'jti') and sign-in sessions (kind 'sid', every
-- access token of a refresh family). Kept until the last token they cover expires.
CREATE TABLE auth_revocations (
  seq bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('jti', 'sid')),
  value text NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_revocations_expiry_idx ON auth_revocations (expires_at);
