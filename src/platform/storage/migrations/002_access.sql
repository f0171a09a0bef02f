-- access: the hub's own token-signing keys, registered system clients, people.

CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_jwk jsonb NOT NULL,
  purpose text NOT NULL DEFAULT 'access-token',
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

-- SMART Backend Services clients (one institution each).
CREATE TABLE auth_clients (
  tenant_id text NOT NULL REFERENCES institutions(id),
  client_id text PRIMARY KEY,
  name text NOT NULL,
  jwks jsonb,                               -- the client's public keys (RFC 7517 set)
  jwks_url text,
  scope text NOT NULL,                      -- the most the client may ask for
  demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX auth_clients_tenant_idx ON auth_clients (tenant_id);

-- Replay protection for client assertions (jti within its lifetime).
CREATE TABLE auth_client_assertions (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX auth_client_assertions_expiry_idx ON auth_client_assertions (expires_at);

-- People who sign in to the console.
CREATE TABLE users (
  tenant_id text NOT NULL REFERENCES institutions(id),
  id text PRIMARY KEY,
  username text NOT NULL UNIQUE,            -- stored lower-case
  display_name text NOT NULL,
  password_hash text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  demo boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX users_tenant_idx ON users (tenant_id);

-- Failed sign-ins per username (known or not, so lockout does not reveal which
-- usernames exist). Shared by every hub process through the database.
CREATE TABLE auth_login_attempts (
  username text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,
  last_failure_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz
);
CREATE INDEX auth_login_attempts_last_idx ON auth_login_attempts (last_failure_at);
