import { buildCandidatePairs, type CandidatePairs } from './blocking.js';
import { clusterWithoutChaining, type LinkEdge } from './clustering.js';
import { CONTACT_COMPARATOR, selectComparators, type FieldComparator } from './comparisons.js';
import { estimateByEm, startingParameters, toPatternTable, type EmResult, type PatternTable } from './em.js';
import {
  classify,
  countTermFrequencies,
  DEFAULT_THRESHOLDS,
  logit,
  logOddsFromLevels,
  scorePair,
  type HouseholdContext,
  type MatchModel,
  type MatchOutcome,
  type MatchThresholds,
} from './match-model.js';
import { normalizePerson } from './normalize.js';
import type { PersonInput, PersonRecord } from './person-record.js';

/**
 * The batch matcher: normalise → block → compare → estimate the model by EM (no labels) → score → decide →
 * cluster. `xietong identity eval` and `xietong identity relink` both run this function; the online matcher
 * uses the model it produces with the same scorePair.
 */

export interface LinkOptions {
  /** dedup: any two records may be one person. link: each source is already de-duplicated, so only pairs
   *  across sources are candidates and two records of one source never join one cluster. */
  mode: 'dedup' | 'link';
  thresholds: MatchThresholds;
  maxBlockSize: number;
  /** Seed of the random pairs that start EM's u estimates (runs are reproducible). */
  seed: number;
  /**
   * Where u (the chance a non-matching pair shows a level) comes from. `candidates`: EM on the candidate
   * pairs, like m, with the prior match odds of a candidate pair. `population`: random record pairs and exact
   * value frequencies, with the prior odds of any two records — immune to the bias that blocking puts into the
   * candidate set, but it assumes fields are independent across the whole population (households break that).
   */
  uEstimate: 'candidates' | 'population';
}

export const DEFAULT_LINK_OPTIONS: LinkOptions = { mode: 'dedup', thresholds: DEFAULT_THRESHOLDS, maxBlockSize: 100, seed: 1, uEstimate: 'population' };

export interface ScoredPair {
  left: number;
  right: number;
  logOdds: number;
  outcome: MatchOutcome;
}

export interface LinkResult {
  records: PersonRecord[];
  model: MatchModel;
  em: Pick<EmResult, 'iterations' | 'converged' | 'lambda'>;
  /** Every candidate pair with its score and outcome. */
  pairs: ScoredPair[];
  /** Cluster id per record (smallest record index of the cluster). */
  clusterOf: Int32Array;
  refusedLinks: number;
  oversizedBlocks: number;
}

/** A small deterministic PRNG (mulberry32), so evaluation runs are repeatable. */
function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compareAll(records: readonly PersonRecord[], comparators: readonly FieldComparator[], pairs: CandidatePairs): Uint8Array {
  const F = comparators.length;
  const levels = new Uint8Array(pairs.count * F);
  for (let p = 0; p < pairs.count; p++) {
    const a = records[pairs.left[p]];
    const b = records[pairs.right[p]];
    for (let f = 0; f < F; f++) levels[p * F + f] = comparators[f].compare(a, b);
  }
  return levels;
}

function sampleRandomPairs(records: readonly PersonRecord[], options: LinkOptions, howMany: number): CandidatePairs {
  const rnd = randomSource(options.seed);
  const n = records.length;
  const left = new Int32Array(howMany);
  const right = new Int32Array(howMany);
  let count = 0;
  for (let tries = 0; count < howMany && tries < howMany * 20; tries++) {
    const i = Math.floor(rnd() * n);
    const j = Math.floor(rnd() * n);
    if (i === j) continue;
    if (options.mode === 'link' && records[i].source === records[j].source) continue;
    left[count] = Math.min(i, j);
    right[count] = Math.max(i, j);
    count++;
  }
  return { left: left.subarray(0, count), right: right.subarray(0, count), count, oversizedBlocks: 0 };
}

function crossSourcePairs(records: readonly PersonRecord[]): number {
  const perSource = new Map<string, number>();
  for (const r of records) perSource.set(r.source, (perSource.get(r.source) ?? 0) + 1);
  let same = 0;
  for (const c of perSource.values()) same += (c * (c - 1)) / 2;
  return (records.length * (records.length - 1)) / 2 - same;
}

/** Smallest u of any level. */
const U_FLOOR = 1e-6;

/**
 * u over the whole population: exact agreement from value frequencies (Σ share², exact even for rare values
 * that random pairs never hit), the other levels from random pairs.
 */
function populationU(records: readonly PersonRecord[], comparators: readonly FieldComparator[], random: PatternTable): number[][] {
  const F = comparators.length;
  return comparators.map((c, f) => {
    const counts = new Map<string, number>();
    let total = 0;
    for (const r of records) {
      const v = c.value(r);
      if (v === null) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      total++;
    }
    let exact = 0;
    for (const k of counts.values()) exact += (k / total) * (k / total);
    // A field with one value for everybody would make every other level impossible (u = 0, weight ∞).
    exact = Math.min(exact, 1 - U_FLOOR * c.levels.length);
    const k = c.levels.length + 1;
    const rest = new Array<number>(k).fill(0.5);
    for (let p = 0; p < random.counts.length; p++) {
      const l = random.levels[p * F + f];
      if (l >= 2) rest[l] += random.counts[p];
    }
    let restTotal = 0;
    for (let l = 2; l < k; l++) restTotal += rest[l];
    const row = [1, exact];
    for (let l = 2; l < k; l++) row.push(Math.max(U_FLOOR, ((1 - exact) * rest[l]) / restTotal));
    return row;
  });
}

/** Fewest (expected) non-matching household pairs needed to estimate household u; below it none is used. */
const MIN_HOUSEHOLD_PAIRS = 100;
/** Contact levels that mean one household: phone and address agree, or one agrees (the other missing or not). */
const HOUSEHOLD_LEVELS = [1, 2, 3];

/**
 * u among household pairs: candidate pairs that share a phone or an address, weighted by EM's probability that
 * they are *not* a match (so no labels are involved). Returns null when the data has no contact field or too
 * few such pairs.
 */
function householdContext(model: MatchModel, em: EmResult, levels: Uint8Array, pairCount: number): HouseholdContext | null {
  const field = model.comparators.findIndex((c) => c.name === CONTACT_COMPARATOR.name);
  if (field < 0) return null;
  const F = model.comparators.length;
  const acc = model.comparators.map((c) => new Array<number>(c.levels.length + 1).fill(0));
  let mass = 0;
  for (let p = 0; p < pairCount; p++) {
    if (!HOUSEHOLD_LEVELS.includes(levels[p * F + field])) continue;
    // EM's own posterior for the pair (candidate-set prior, m and u as estimated by EM).
    let logM = Math.log(em.lambda);
    let logU = Math.log(1 - em.lambda);
    for (let f = 0; f < F; f++) {
      const l = levels[p * F + f];
      if (l === 0) continue;
      logM += Math.log(em.m[f][l]);
      logU += Math.log(em.u[f][l]);
    }
    const nonMatch = 1 / (1 + Math.exp(logM - logU));
    mass += nonMatch;
    for (let f = 0; f < F; f++) {
      const l = levels[p * F + f];
      if (l !== 0) acc[f][l] += nonMatch;
    }
  }
  if (mass < MIN_HOUSEHOLD_PAIRS) return null;
  const weights = acc.map((row, f) => {
    let total = 0;
    for (let l = 1; l < row.length; l++) total += row[l] + 1;
    return row.map((c, l) => (l === 0 ? 0 : Math.log(model.m[f][l] / ((c + 1) / total))));
  });
  return { field, levels: HOUSEHOLD_LEVELS, weights };
}

/** Estimates a model from the records themselves (EM on the candidate pairs; no labels involved). */
export function trainModel(
  records: readonly PersonRecord[],
  pairs: CandidatePairs,
  levels: Uint8Array,
  comparators: readonly FieldComparator[],
  options: LinkOptions,
): { model: MatchModel; em: EmResult } {
  const levelCounts = comparators.map((c) => c.levels.length + 1);
  const random = sampleRandomPairs(records, options, Math.min(20_000, Math.max(1000, records.length * 2)));
  const randomTable = toPatternTable(compareAll(records, comparators, random), comparators.length);
  const start = startingParameters(levelCounts, randomTable);
  const em = estimateByEm(toPatternTable(levels, comparators.length), levelCounts, start);
  let u = em.u;
  let priorLogOdds = logit(em.lambda);
  if (options.uEstimate === 'population') {
    u = populationU(records, comparators, randomTable);
    const n = records.length;
    const totalPairs = options.mode === 'link' ? crossSourcePairs(records) : (n * (n - 1)) / 2;
    priorLogOdds = logit(Math.min(0.5, Math.max(1e-12, (em.lambda * pairs.count) / Math.max(1, totalPairs))));
  }
  const weights = em.m.map((row, f) => row.map((mv, l) => (l === 0 ? 0 : Math.log(mv / u[f][l]))));
  const model: MatchModel = {
    comparators,
    weights,
    m: em.m,
    u,
    priorLogOdds,
    termFrequencies: countTermFrequencies(records, comparators),
    household: null,
  };
  if (options.uEstimate === 'population') model.household = householdContext(model, em, levels, pairs.count);
  return { model, em };
}

/** Runs the whole batch matcher over a set of input records. */
export function linkRecords(inputs: readonly PersonInput[], options: LinkOptions = DEFAULT_LINK_OPTIONS): LinkResult {
  const records = inputs.map((r, i) => normalizePerson(r, i));
  const comparators = selectComparators(records);
  const candidates = buildCandidatePairs(records, { maxBlockSize: options.maxBlockSize, crossSourceOnly: options.mode === 'link' });
  const levels = compareAll(records, comparators, candidates);
  const { model, em } = trainModel(records, candidates, levels, comparators, options);

  const F = comparators.length;
  const n = records.length;
  const known = new Map<number, number>();
  const pairs: ScoredPair[] = [];
  const edges: LinkEdge[] = [];
  for (let p = 0; p < candidates.count; p++) {
    const left = candidates.left[p];
    const right = candidates.right[p];
    const logOdds = logOddsFromLevels(model, levels, p * F, records[left]);
    const outcome = classify(logOdds, options.thresholds);
    pairs.push({ left, right, logOdds, outcome });
    known.set(left * n + right, logOdds);
    if (outcome === 'link') edges.push({ left, right, logOdds });
  }
  const pairLogOdds = (i: number, j: number): number => {
    if (options.mode === 'link' && records[i].source === records[j].source) return Number.NEGATIVE_INFINITY;
    const [a, b] = i < j ? [i, j] : [j, i];
    const cached = known.get(a * n + b);
    if (cached !== undefined) return cached;
    const s = scorePair(model, records[a], records[b]).logOdds;
    known.set(a * n + b, s);
    return s;
  };
  const clustering = clusterWithoutChaining(n, edges, pairLogOdds, logit(options.thresholds.cannotLink));
  return {
    records,
    model,
    em: { iterations: em.iterations, converged: em.converged, lambda: em.lambda },
    pairs,
    clusterOf: clustering.clusterOf,
    refusedLinks: clustering.refusedLinks,
    oversizedBlocks: candidates.oversizedBlocks,
  };
}
