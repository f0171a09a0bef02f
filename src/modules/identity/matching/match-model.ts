import type { FieldComparator } from './comparisons.js';
import type { PersonRecord } from './person-record.js';

/**
 * A trained Fellegi–Sunter model: per field and level, the log Bayes factor ln(m/u); the prior match odds of
 * a candidate pair; and term frequencies for the fields whose exact agreement is worth more when the value is
 * rare (王伟 vs a rare name). The same model scores pairs in a batch relink, in an evaluation run and in the
 * online matcher.
 */
export interface MatchModel {
  comparators: readonly FieldComparator[];
  /** ln(m/u) per field and level (level 0 = 0). */
  weights: number[][];
  m: number[][];
  u: number[][];
  /** ln(λ / (1 − λ)) for a candidate pair. */
  priorLogOdds: number;
  /** Per field with a tfValue: value → share of records with it, and the chance two random records agree. */
  termFrequencies: (TermFrequencies | null)[];
  /** Weights to use instead when the pair shares a household (see HouseholdContext). */
  household: HouseholdContext | null;
}

/**
 * Two people of one household share surname, address and phone, and twins share the birth date too: given a
 * shared household, agreeing on those is far less surprising than between two random people. When the pair's
 * `field` is at one of `levels` (phone or address agree), the other fields use `weights`, computed with u
 * estimated among household pairs rather than in the whole population.
 */
export interface HouseholdContext {
  field: number;
  /** Levels of `field` that mean "same household" (phone or address agree exactly). */
  levels: number[];
  weights: number[][];
}

function inHousehold(model: MatchModel, levelOf: (f: number) => number): boolean {
  return model.household !== null && model.household.levels.includes(levelOf(model.household.field));
}

export interface TermFrequencies {
  share: Map<string, number>;
  /** Σ share² — the agreement rate of two random records, the baseline the exact-match u is relative to. */
  agreementRate: number;
}

/** How far a term frequency may move an exact-agreement weight, in natural-log units (a factor of 20). */
const TF_CAP = Math.log(20);

/** Term frequencies of the comparators' tf values over a set of records. */
export function countTermFrequencies(records: readonly PersonRecord[], comparators: readonly FieldComparator[]): (TermFrequencies | null)[] {
  return comparators.map((c) => {
    if (!c.tfValue) return null;
    const counts = new Map<string, number>();
    let total = 0;
    for (const r of records) {
      const v = c.tfValue(r);
      if (v === null) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      total++;
    }
    const share = new Map<string, number>();
    let agreementRate = 0;
    for (const [v, n] of counts) {
      const s = n / total;
      share.set(v, s);
      agreementRate += s * s;
    }
    return { share, agreementRate };
  });
}

export interface PairScore {
  /** Comparison level per comparator. */
  levels: number[];
  /** Contribution of each field to the log odds (natural log), term-frequency adjustment included. */
  contributions: number[];
  /** Posterior log odds that the pair is one person. */
  logOdds: number;
  probability: number;
}

/** ln(m/u) of a level, with the term-frequency adjustment for exact agreement on a value. */
export function fieldWeight(model: MatchModel, field: number, level: number, a: PersonRecord, household = false): number {
  if (household && model.household && field !== model.household.field) return model.household.weights[field][level];
  let w = model.weights[field][level];
  const tf = model.termFrequencies[field];
  if (level === 1 && tf) {
    const value = model.comparators[field].tfValue!(a);
    const share = value === null ? undefined : tf.share.get(value);
    if (share !== undefined && share > 0) {
      w += Math.max(-TF_CAP, Math.min(TF_CAP, Math.log(tf.agreementRate / share)));
    }
  }
  return w;
}

/** Scores one pair of records: levels, per-field contributions and posterior probability. */
export function scorePair(model: MatchModel, a: PersonRecord, b: PersonRecord): PairScore {
  const levels: number[] = [];
  const contributions: number[] = [];
  let logOdds = model.priorLogOdds;
  for (let f = 0; f < model.comparators.length; f++) levels.push(model.comparators[f].compare(a, b));
  const household = inHousehold(model, (f) => levels[f]);
  for (let f = 0; f < model.comparators.length; f++) {
    const w = levels[f] === 0 ? 0 : fieldWeight(model, f, levels[f], a, household);
    contributions.push(w);
    logOdds += w;
  }
  return { levels, contributions, logOdds, probability: 1 / (1 + Math.exp(-logOdds)) };
}

/** Log odds of a pair from precomputed levels (the batch path, where levels are already in an array). */
export function logOddsFromLevels(model: MatchModel, levels: ArrayLike<number>, offset: number, a: PersonRecord): number {
  let logOdds = model.priorLogOdds;
  // Inline rather than inHousehold's callback: this runs once per candidate pair.
  const household = model.household !== null && model.household.levels.includes(levels[offset + model.household.field]);
  for (let f = 0; f < model.comparators.length; f++) {
    const level = levels[offset + f];
    if (level !== 0) logOdds += fieldWeight(model, f, level, a, household);
  }
  return logOdds;
}

export type MatchOutcome = 'link' | 'review' | 'apart';

/**
 * Decision thresholds on the posterior probability. Defaults are set from the meaning of the probability, not
 * tuned on any labelled data: link automatically at ≥ 0.99, ask a person between 0.10 and 0.99; a pair below
 * 1e-4 is strong negative evidence and forbids two clusters from merging through other records.
 */
export interface MatchThresholds {
  link: number;
  review: number;
  cannotLink: number;
}

export const DEFAULT_THRESHOLDS: MatchThresholds = { link: 0.99, review: 0.1, cannotLink: 1e-4 };

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** The outcome for a pair's posterior log odds. */
export function classify(logOdds: number, thresholds: MatchThresholds): MatchOutcome {
  if (logOdds >= logit(thresholds.link)) return 'link';
  if (logOdds >= logit(thresholds.review)) return 'review';
  return 'apart';
}
