import { buildCandidatePairs, type CandidatePairs } from './blocking.js';
import { clusterWithoutChaining, type LinkEdge } from './clustering.js';
import { compareAllPairs, PARALLEL_MIN_RECORDS, startCompareHelper, stopCompareHelper } from './compare-pairs.js';
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
  /** Candidate pairs allowed per record before de-duplication (see BlockingOptions.pairsPerRecord). */
  pairsPerRecord: number;
  /** From this many records a helper thread shares the comparisons (default PARALLEL_MIN_RECORDS). */
  parallelMinRecords?: number;
}

export const DEFAULT_LINK_OPTIONS: LinkOptions = {
  mode: 'dedup',
  thresholds: DEFAULT_THRESHOLDS,
  maxBlockSize: 100,
  seed: 1,
  uEstimate: 'population',
  pairsPerRecord: 20,
};

export interface ScoredPair {
  left: number;
  right: number;
  logOdds: number;
  outcome: MatchOutcome;
}

const OUTCOMES: readonly MatchOutcome[] = ['apart', 'review', 'link'];

/**
 * Every candidate pair of a run with its score, kept in typed arrays (a region of a million records has tens
 * of millions of pairs: one object each would not fit in memory). Pairs are ordered by (left, right), so a
 * pair is found by binary search. Iterating yields ScoredPair views.
 */
export class ScoredPairs implements Iterable<ScoredPair> {
  readonly logOdds: Float64Array;
  private readonly outcomes: Uint8Array;

  constructor(
    readonly left: Int32Array,
    readonly right: Int32Array,
  ) {
    this.logOdds = new Float64Array(left.length);
    this.outcomes = new Uint8Array(left.length);
  }

  get count(): number {
    return this.left.length;
  }

  outcome(p: number): MatchOutcome {
    return OUTCOMES[this.outcomes[p]];
  }

  set(p: number, logOdds: number, outcome: MatchOutcome): void {
    this.logOdds[p] = logOdds;
    this.outcomes[p] = OUTCOMES.indexOf(outcome);
  }

  at(p: number): ScoredPair {
    return { left: this.left[p], right: this.right[p], logOdds: this.logOdds[p], outcome: this.outcome(p) };
  }

  /** Position of the pair of records i and j (either order), or -1 when it was not a candidate. */
  find(i: number, j: number): number {
    const a = Math.min(i, j);
    const b = Math.max(i, j);
    let lo = 0;
    let hi = this.left.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const l = this.left[mid];
      const r = this.right[mid];
      if (l === a && r === b) return mid;
      if (l < a || (l === a && r < b)) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The pairs with one of these outcomes, as objects (link and review pairs are few). */
  withOutcome(...wanted: MatchOutcome[]): ScoredPair[] {
    const codes = wanted.map((o) => OUTCOMES.indexOf(o));
    const out: ScoredPair[] = [];
    for (let p = 0; p < this.left.length; p++) if (codes.includes(this.outcomes[p])) out.push(this.at(p));
    return out;
  }

  *[Symbol.iterator](): Iterator<ScoredPair> {
    for (let p = 0; p < this.left.length; p++) yield this.at(p);
  }
}

export interface LinkResult {
  records: PersonRecord[];
  model: MatchModel;
  em: Pick<EmResult, 'iterations' | 'converged' | 'lambda'>;
  /** Every candidate pair with its score and outcome. */
  pairs: ScoredPairs;
  /** Cluster id per record (smallest record index of the cluster). */
  clusterOf: Int32Array;
  refusedLinks: number;
  oversizedBlocks: number;
  /** Wall-clock seconds of each phase of the run. */
  seconds: { normalize: number; block: number; compare: number; train: number; score: number; cluster: number };
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
  const randomTable = toPatternTable(compareAllPairs(records, comparators, random), comparators.length);
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

/**
 * The log odds of any two records, for the clustering's cannot-link check: a candidate pair's score is looked
 * up, any other pair is scored when first asked (clusters are small, so few are).
 */
export function scoreOnDemand(model: MatchModel, records: readonly PersonRecord[], pairs: ScoredPairs, mode: LinkOptions['mode']): (i: number, j: number) => number {
  const extra = new Map<number, number>();
  const n = records.length;
  return (i, j) => {
    if (mode === 'link' && records[i].source === records[j].source) return Number.NEGATIVE_INFINITY;
    const at = pairs.find(i, j);
    if (at >= 0) return pairs.logOdds[at];
    const code = Math.min(i, j) * n + Math.max(i, j);
    let s = extra.get(code);
    if (s === undefined) {
      s = scorePair(model, records[Math.min(i, j)], records[Math.max(i, j)]).logOdds;
      extra.set(code, s);
    }
    return s;
  };
}

/** Runs the whole batch matcher over a set of input records. */
export function linkRecords(inputs: readonly PersonInput[], options: LinkOptions = DEFAULT_LINK_OPTIONS): LinkResult {
  const seconds = { normalize: 0, block: 0, compare: 0, train: 0, score: 0, cluster: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof seconds): void => {
    const now = performance.now();
    seconds[phase] = (now - mark) / 1000;
    mark = now;
  };
  const helper = inputs.length >= (options.parallelMinRecords ?? PARALLEL_MIN_RECORDS) ? startCompareHelper(inputs) : null;
  let levels: Uint8Array;
  let records: PersonRecord[];
  let comparators: FieldComparator[];
  let candidates: CandidatePairs;
  try {
    records = inputs.map((r, i) => normalizePerson(r, i));
    comparators = selectComparators(records);
    lap('normalize');
    candidates = buildCandidatePairs(records, {
      maxBlockSize: options.maxBlockSize,
      crossSourceOnly: options.mode === 'link',
      pairsPerRecord: options.pairsPerRecord,
    });
    lap('block');
    levels = compareAllPairs(records, comparators, candidates, { helper });
    lap('compare');
  } finally {
    stopCompareHelper(helper);
  }
  const { model, em } = trainModel(records, candidates, levels, comparators, options);
  lap('train');

  const F = comparators.length;
  const pairs = new ScoredPairs(candidates.left, candidates.right);
  const edges: LinkEdge[] = [];
  for (let p = 0; p < candidates.count; p++) {
    const left = candidates.left[p];
    const logOdds = logOddsFromLevels(model, levels, p * F, records[left]);
    const outcome = classify(logOdds, options.thresholds);
    pairs.set(p, logOdds, outcome);
    if (outcome === 'link') edges.push({ left, right: candidates.right[p], logOdds });
  }
  lap('score');
  const pairLogOdds = scoreOnDemand(model, records, pairs, options.mode);
  const clustering = clusterWithoutChaining(records.length, edges, pairLogOdds, logit(options.thresholds.cannotLink));
  lap('cluster');
  return {
    records,
    model,
    em: { iterations: em.iterations, converged: em.converged, lambda: em.lambda },
    pairs,
    clusterOf: clustering.clusterOf,
    refusedLinks: clustering.refusedLinks,
    oversizedBlocks: candidates.oversizedBlocks,
    seconds,
  };
}
