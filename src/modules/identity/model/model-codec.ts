import { comparatorByName } from '../matching/comparisons.js';
import { DEFAULT_THRESHOLDS, type HouseholdContext, type MatchModel, type MatchThresholds, type TermFrequencies } from '../matching/match-model.js';
import type { PersonRecord } from '../matching/person-record.js';

/**
 * A MatchModel as stored (identity_models.model, default-model.json): comparators by name, the weights and the
 * agreement rate of each term-frequency field. The value shares themselves live in identity_model_terms and
 * are read per probe, because a model trained on a million records knows hundreds of thousands of names.
 */
export interface StoredModel {
  comparators: string[];
  weights: number[][];
  m: number[][];
  u: number[][];
  priorLogOdds: number;
  household: HouseholdContext | null;
  /** Σ share² per field with term frequencies, null for the others. */
  agreementRates: (number | null)[];
  thresholds: MatchThresholds;
}


/** The storable part of a model; `terms` are the (field, value, share) rows to store beside it. */
export function encodeModel(model: MatchModel, thresholds: MatchThresholds = DEFAULT_THRESHOLDS): { stored: StoredModel; terms: Array<{ field: string; value: string; share: number }> } {
  const terms: Array<{ field: string; value: string; share: number }> = [];
  model.termFrequencies.forEach((tf, f) => {
    if (!tf) return;
    for (const [value, share] of tf.share) terms.push({ field: model.comparators[f].name, value, share });
  });
  return {
    stored: {
      comparators: model.comparators.map((c) => c.name),
      weights: model.weights,
      m: model.m,
      u: model.u,
      priorLogOdds: model.priorLogOdds,
      household: model.household,
      agreementRates: model.termFrequencies.map((tf) => (tf ? tf.agreementRate : null)),
      thresholds,
    },
    terms,
  };
}

/** The term-frequency values a probe record needs looked up: (field name, value) per tf field. */
export function probeTermValues(stored: StoredModel, probe: PersonRecord): Array<{ field: string; value: string }> {
  const out: Array<{ field: string; value: string }> = [];
  stored.comparators.forEach((name, f) => {
    const c = comparatorByName(name);
    if (!c.tfValue || stored.agreementRates[f] === null) return;
    const value = c.tfValue(probe);
    if (value !== null) out.push({ field: name, value });
  });
  return out;
}

/**
 * A MatchModel to score one probe (as the first record of scorePair): term frequencies hold only the shares
 * that were looked up. A value the model never saw gets no adjustment (neither the bonus of a rare value nor a
 * penalty), which errs towards review rather than towards a link.
 */
export function decodeModel(stored: StoredModel, shares: ReadonlyArray<{ field: string; value: string; share: number }> = []): MatchModel {
  const comparators = stored.comparators.map(comparatorByName);
  const termFrequencies: (TermFrequencies | null)[] = stored.agreementRates.map((rate, f) => {
    if (rate === null) return null;
    const share = new Map<string, number>();
    for (const s of shares) if (s.field === comparators[f].name) share.set(s.value, s.share);
    return { share, agreementRate: rate };
  });
  return {
    comparators,
    weights: stored.weights,
    m: stored.m,
    u: stored.u,
    priorLogOdds: stored.priorLogOdds,
    termFrequencies,
    household: stored.household,
  };
}
