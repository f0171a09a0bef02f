/**
 * Expectation–maximisation for the Fellegi–Sunter model (Winkler 1988; Jaro 1989): the comparison vectors of
 * the candidate pairs are a mixture of matches and non-matches; fields are taken as conditionally independent
 * given the class. EM estimates the match share λ and, for every field and level, m = P(level | match) and
 * u = P(level | non-match) from the unlabelled pairs alone. Level 0 (missing) is ignorable and left out of the
 * likelihood. The vectors are compressed to distinct patterns with counts, so an iteration costs
 * O(patterns × fields), not O(pairs × fields).
 */

export interface EmParameters {
  lambda: number;
  /** m[field][level], level 0 unused (always 1). */
  m: number[][];
  u: number[][];
}

export interface EmResult extends EmParameters {
  iterations: number;
  converged: boolean;
}

export interface PatternTable {
  /** Levels of each distinct pattern, flattened: patterns × fields. */
  levels: Uint8Array;
  counts: Float64Array;
  fields: number;
}

/** Compresses per-pair levels (pairs × fields, flattened) into distinct patterns with counts. */
export function toPatternTable(levels: Uint8Array, fields: number): PatternTable {
  // A pattern is packed into one number, 3 bits a level: exact while fields × 3 ≤ 53 and levels are below 8.
  const packable = fields <= 17 && levels.every((l) => l < 8);
  const index = new Map<number | string, number>();
  const outLevels: number[] = [];
  const counts: number[] = [];
  const pairs = levels.length / fields;
  for (let p = 0; p < pairs; p++) {
    const base = p * fields;
    let key: number | string;
    if (packable) {
      key = 0;
      for (let f = 0; f < fields; f++) key = key * 8 + levels[base + f];
    } else {
      key = levels.subarray(base, base + fields).join(',');
    }
    const at = index.get(key);
    if (at !== undefined) counts[at]++;
    else {
      index.set(key, counts.length);
      counts.push(1);
      for (let f = 0; f < fields; f++) outLevels.push(levels[base + f]);
    }
  }
  return { levels: Uint8Array.from(outLevels), counts: Float64Array.from(counts), fields };
}

/**
 * Pseudo-count added to every level before normalising (a Dirichlet(1) prior): a level never seen among the
 * estimated matches gets m ≈ 1 / (matches + levels) instead of 0, so no single field can veto or force a
 * match on its own just because the sample was small.
 */
const PSEUDO_COUNT = 1;

function normalise(row: number[], pseudoCount = PSEUDO_COUNT): void {
  let s = 0;
  for (let l = 1; l < row.length; l++) {
    row[l] = Math.max(row[l], 0) + pseudoCount;
    s += row[l];
  }
  for (let l = 1; l < row.length; l++) row[l] /= s;
}

/**
 * Runs EM from `start` until the largest parameter change is below `tolerance` or `maxIterations` is reached.
 * `levelCounts[f]` is the number of levels of field f, including level 0.
 */
export function estimateByEm(
  table: PatternTable,
  levelCounts: readonly number[],
  start: EmParameters,
  maxIterations = 200,
  tolerance = 1e-7,
): EmResult {
  const F = table.fields;
  const P = table.counts.length;
  let { lambda } = start;
  const m = start.m.map((r) => [...r]);
  const u = start.u.map((r) => [...r]);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const mAcc = levelCounts.map((k) => new Array<number>(k).fill(0));
    const uAcc = levelCounts.map((k) => new Array<number>(k).fill(0));
    let matchMass = 0;
    let total = 0;
    for (let p = 0; p < P; p++) {
      let logM = Math.log(lambda);
      let logU = Math.log(1 - lambda);
      const base = p * F;
      for (let f = 0; f < F; f++) {
        const l = table.levels[base + f];
        if (l === 0) continue;
        logM += Math.log(m[f][l]);
        logU += Math.log(u[f][l]);
      }
      const g = 1 / (1 + Math.exp(logU - logM));
      const c = table.counts[p];
      matchMass += g * c;
      total += c;
      for (let f = 0; f < F; f++) {
        const l = table.levels[base + f];
        if (l === 0) continue;
        mAcc[f][l] += g * c;
        uAcc[f][l] += (1 - g) * c;
      }
    }
    // No pairs at all: nothing to learn, keep the starting point.
    if (total === 0) break;
    let delta = 0;
    const newLambda = Math.min(Math.max(matchMass / total, 1e-9), 1 - 1e-9);
    delta = Math.max(delta, Math.abs(newLambda - lambda));
    lambda = newLambda;
    for (let f = 0; f < F; f++) {
      normalise(mAcc[f]);
      normalise(uAcc[f]);
      for (let l = 1; l < levelCounts[f]; l++) {
        delta = Math.max(delta, Math.abs(mAcc[f][l] - m[f][l]), Math.abs(uAcc[f][l] - u[f][l]));
        m[f][l] = mAcc[f][l];
        u[f][l] = uAcc[f][l];
      }
    }
    if (delta < tolerance) {
      converged = true;
      break;
    }
  }
  return { lambda, m, u, iterations, converged };
}

/**
 * A neutral starting point: u from comparisons of random record pairs (almost all non-matches, so their
 * level frequencies estimate u before EM refines it), m leaning towards agreement, λ small.
 */
export function startingParameters(levelCounts: readonly number[], randomPairLevels: PatternTable): EmParameters {
  const u = levelCounts.map((k) => new Array<number>(k).fill(1));
  const F = randomPairLevels.fields;
  for (let p = 0; p < randomPairLevels.counts.length; p++) {
    for (let f = 0; f < F; f++) {
      const l = randomPairLevels.levels[p * F + f];
      if (l !== 0) u[f][l] += randomPairLevels.counts[p];
    }
  }
  u.forEach((row) => normalise(row));
  const m = levelCounts.map((k) => {
    // Geometric decay from the best level: agreement is likely for the same person.
    const row = [1];
    for (let l = 1; l < k; l++) row.push(Math.pow(0.15, l - 1));
    return row;
  });
  m.forEach((row) => normalise(row, 0));
  for (const row of [...m, ...u]) row[0] = 1;
  return { lambda: 0.05, m, u };
}
