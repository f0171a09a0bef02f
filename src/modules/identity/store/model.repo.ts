import type { Queryable } from '../../../platform/storage/index.js';
import { DEFAULT_MODEL, DEFAULT_MODEL_TERMS } from '../model/default-model.data.js';
import { decodeModel, probeTermValues, type StoredModel } from '../model/model-codec.js';
import type { MatchModel, MatchThresholds } from '../matching/match-model.js';
import type { PersonRecord } from '../matching/person-record.js';

/** The model a probe is scored with, and where it came from. */
export interface ProbeModel {
  /** identity_models.id, or null for the built-in default model. */
  modelId: number | null;
  model: MatchModel;
  thresholds: MatchThresholds;
}

const defaultTerms = new Map(DEFAULT_MODEL_TERMS.map(([field, value, share]) => [`${field}\u0000${value}`, share]));

/**
 * The newest stored model (from the last `identity relink`), or the documented default trained on the demo
 * region when none is stored, with the term frequencies of the probe's own values looked up.
 */
export async function loadProbeModel(q: Queryable, probe: PersonRecord): Promise<ProbeModel> {
  const { rows } = await q.query<{ id: number; model: StoredModel }>('SELECT id, model FROM identity_models ORDER BY id DESC LIMIT 1');
  if (!rows[0]) {
    const wanted = probeTermValues(DEFAULT_MODEL, probe);
    const shares = wanted.flatMap((w) => {
      const share = defaultTerms.get(`${w.field}\u0000${w.value}`);
      return share === undefined ? [] : [{ ...w, share }];
    });
    return { modelId: null, model: decodeModel(DEFAULT_MODEL, shares), thresholds: DEFAULT_MODEL.thresholds };
  }
  const stored = rows[0].model;
  const wanted = probeTermValues(stored, probe);
  let shares: Array<{ field: string; value: string; share: number }> = [];
  if (wanted.length) {
    const found = await q.query<{ field: string; value: string; share: number }>(
      `SELECT t.field, t.value, t.share FROM unnest($2::text[], $3::text[]) AS w(field, value)
         JOIN identity_model_terms t ON t.model_id = $1 AND t.field = w.field AND t.value = w.value`,
      [rows[0].id, wanted.map((w) => w.field), wanted.map((w) => w.value)],
    );
    shares = found.rows.map((r) => ({ field: r.field, value: r.value, share: Number(r.share) }));
  }
  return { modelId: Number(rows[0].id), model: decodeModel(stored, shares), thresholds: stored.thresholds };
}

/** Stores a newly trained model with its term table; it becomes the one online matching uses. */
export async function insertModel(
  q: Queryable,
  stored: StoredModel,
  terms: ReadonlyArray<{ field: string; value: string; share: number }>,
  stats: { records: number; candidatePairs: number },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    'INSERT INTO identity_models (records, candidate_pairs, model) VALUES ($1, $2, $3) RETURNING id',
    [stats.records, stats.candidatePairs, JSON.stringify(stored)],
  );
  const id = Number(rows[0].id);
  const CHUNK = 5000;
  for (let i = 0; i < terms.length; i += CHUNK) {
    const part = terms.slice(i, i + CHUNK);
    await q.query(
      'INSERT INTO identity_model_terms (model_id, field, value, share) SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::float8[])',
      [id, part.map((t) => t.field), part.map((t) => t.value), part.map((t) => t.share)],
    );
  }
  // Older models' term tables are dead weight (online matching reads only the newest).
  await q.query('DELETE FROM identity_model_terms WHERE model_id < $1', [id]);
  return id;
}

/** The newest stored model (or the default) with its whole term table, for scoring a batch. */
export async function loadFullModel(q: Queryable): Promise<ProbeModel> {
  const { rows } = await q.query<{ id: number; model: StoredModel }>('SELECT id, model FROM identity_models ORDER BY id DESC LIMIT 1');
  if (!rows[0]) {
    const shares = DEFAULT_MODEL_TERMS.map(([field, value, share]) => ({ field, value, share }));
    return { modelId: null, model: decodeModel(DEFAULT_MODEL, shares), thresholds: DEFAULT_MODEL.thresholds };
  }
  const terms = await q.query<{ field: string; value: string; share: number }>('SELECT field, value, share FROM identity_model_terms WHERE model_id = $1', [rows[0].id]);
  return {
    modelId: Number(rows[0].id),
    model: decodeModel(rows[0].model, terms.rows.map((r) => ({ ...r, share: Number(r.share) }))),
    thresholds: rows[0].model.thresholds,
  };
}
