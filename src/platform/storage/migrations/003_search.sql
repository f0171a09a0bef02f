-- FHIR search index: one table per search-parameter type, one row per indexed value.
-- Design notes: src/modules/fhir-store/search/README.md.
-- Every table and every B-tree index leads with tenant_id (the distribution column),
-- then resource_type and the parameter code, so a search never leaves one tenant and
-- the tables can be distributed by tenant (Citus / postgres_fdw) without new keys.
-- Each table also has a (tenant_id, resource_type, resource_id, code) index: it serves the
-- delete-and-rewrite on every write and the correlated EXISTS probes of multi-parameter
-- searches. Rows are written by index-writer.ts inside the resource's write transaction.

-- string: value_norm is lower-cased with accents stripped (default starts-with and
-- :contains); value_raw keeps the text as sent (:exact).
CREATE TABLE search_string (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value_norm text NOT NULL,
  value_raw text NOT NULL
);
CREATE INDEX search_string_value_idx ON search_string (tenant_id, resource_type, code, value_norm text_pattern_ops);
CREATE INDEX search_string_exact_idx ON search_string (tenant_id, resource_type, code, value_raw);
CREATE INDEX search_string_resource_idx ON search_string (tenant_id, resource_type, resource_id, code);
-- :contains. A GIN index cannot lead with tenant_id without btree_gin; the tenant
-- filter is applied on the rows the trigram index returns.
CREATE INDEX search_string_trgm_idx ON search_string USING gin (value_norm gin_trgm_ops);

-- token: system and code (value) as sent, plus the display text (Coding.display,
-- CodeableConcept.text, Identifier.type.text) normalised for :text.
CREATE TABLE search_token (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  system text,
  value text,
  text_norm text
);
CREATE INDEX search_token_value_idx ON search_token (tenant_id, resource_type, code, value, system);
CREATE INDEX search_token_system_idx ON search_token (tenant_id, resource_type, code, system) WHERE system IS NOT NULL;
CREATE INDEX search_token_resource_idx ON search_token (tenant_id, resource_type, resource_id, code);

-- reference: ref is `Type/id` for references to this hub (relative, or absolute under
-- its base URL), otherwise the reference exactly as sent (external URL, urn, #contained).
CREATE TABLE search_reference (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  ref text NOT NULL,
  target_type text,
  target_id text
);
CREATE INDEX search_reference_target_idx ON search_reference (tenant_id, resource_type, code, target_id, target_type);
CREATE INDEX search_reference_ref_idx ON search_reference (tenant_id, ref, code);
CREATE INDEX search_reference_resource_idx ON search_reference (tenant_id, resource_type, resource_id, code);

-- date: every value is a closed range [low, high] at millisecond precision; a date
-- given to a lower precision covers its whole implicit range, an open Period end is
-- +/- infinity.
CREATE TABLE search_date (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  low timestamptz NOT NULL,
  high timestamptz NOT NULL
);
CREATE INDEX search_date_low_idx ON search_date (tenant_id, resource_type, code, low);
CREATE INDEX search_date_high_idx ON search_date (tenant_id, resource_type, code, high);
CREATE INDEX search_date_resource_idx ON search_date (tenant_id, resource_type, resource_id, code);

-- number: a plain number is [v, v]; a Range is [low, high] (NULL = unbounded).
CREATE TABLE search_number (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  low numeric,
  high numeric
);
CREATE INDEX search_number_low_idx ON search_number (tenant_id, resource_type, code, low);
CREATE INDEX search_number_resource_idx ON search_number (tenant_id, resource_type, resource_id, code);

-- quantity: value with its system, unit code and human unit.
CREATE TABLE search_quantity (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value numeric,
  system text,
  unit_code text,
  unit text
);
CREATE INDEX search_quantity_value_idx ON search_quantity (tenant_id, resource_type, code, value);
CREATE INDEX search_quantity_resource_idx ON search_quantity (tenant_id, resource_type, resource_id, code);

-- uri (and canonical): the value as sent.
CREATE TABLE search_uri (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value text NOT NULL
);
CREATE INDEX search_uri_value_idx ON search_uri (tenant_id, resource_type, code, value);
CREATE INDEX search_uri_resource_idx ON search_uri (tenant_id, resource_type, resource_id, code);

-- The planner otherwise multiplies the selectivities of resource_type, code and value
-- as if independent and underestimates common codes by orders of magnitude, which
-- picks nested loops over thousands of rows. Multi-column MCV lists fix the estimates.
CREATE STATISTICS search_string_stats (mcv) ON resource_type, code FROM search_string;
CREATE STATISTICS search_token_stats (mcv) ON resource_type, code, system, value FROM search_token;
CREATE STATISTICS search_reference_stats (mcv) ON resource_type, code, target_type FROM search_reference;
CREATE STATISTICS search_date_stats (mcv) ON resource_type, code FROM search_date;
CREATE STATISTICS search_number_stats (mcv) ON resource_type, code FROM search_number;
CREATE STATISTICS search_quantity_stats (mcv) ON resource_type, code, system, unit_code FROM search_quantity;
CREATE STATISTICS search_uri_stats (mcv) ON resource_type, code FROM search_uri;
