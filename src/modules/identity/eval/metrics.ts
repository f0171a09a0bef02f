/**
 * Evaluation measures. Pairwise: every unordered pair of records placed in one cluster is a predicted link
 * (in linkage mode only pairs across sources count). Cluster F1: the share of predicted clusters that equal a
 * true entity exactly (precision) and of true entities recovered exactly (recall), singletons included.
 * A false merge is a predicted cluster holding records of more than one true entity.
 */

export interface EvalMetrics {
  precision: number;
  recall: number;
  f1: number;
  cluster_f1: number;
  false_merges: number;
  /** Predicted links (pairs) that are wrong. */
  false_links: number;
  auto_link_precision: number;
  review_pairs: number;
  records: number;
  true_pairs: number;
  predicted_pairs: number;
  /** Share of true pairs that blocking made candidates (pair completeness). */
  pair_completeness: number;
  candidate_pairs: number;
}

export interface EvalInput {
  entityOf: readonly string[];
  sourceOf: readonly string[];
  clusterOf: ArrayLike<number>;
  crossSourceOnly: boolean;
  /** Every candidate pair with the matcher's outcome (an array, or the batch matcher's ScoredPairs). */
  candidates: Iterable<{ left: number; right: number; outcome: 'link' | 'review' | 'apart' }>;
}

function groupBy(keys: ArrayLike<number | string>): Map<number | string, number[]> {
  const out = new Map<number | string, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const list = out.get(keys[i]);
    if (list) list.push(i);
    else out.set(keys[i], [i]);
  }
  return out;
}

function pairsWithin(members: readonly number[], sourceOf: readonly string[], crossSourceOnly: boolean): number {
  if (!crossSourceOnly) return (members.length * (members.length - 1)) / 2;
  const perSource = new Map<string, number>();
  for (const m of members) perSource.set(sourceOf[m], (perSource.get(sourceOf[m]) ?? 0) + 1);
  let same = 0;
  for (const c of perSource.values()) same += (c * (c - 1)) / 2;
  return (members.length * (members.length - 1)) / 2 - same;
}

function f1Of(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Computes all measures from the matcher's clusters and candidate decisions against the truth. */
export function evaluateClusters(input: EvalInput): EvalMetrics {
  const { entityOf, sourceOf, clusterOf, crossSourceOnly } = input;
  const trueGroups = groupBy(entityOf);
  const predGroups = groupBy(clusterOf);
  let truePairs = 0;
  for (const g of trueGroups.values()) truePairs += pairsWithin(g, sourceOf, crossSourceOnly);
  let predictedPairs = 0;
  let correctPairs = 0;
  let falseMerges = 0;
  let exactClusters = 0;
  for (const members of predGroups.values()) {
    predictedPairs += pairsWithin(members, sourceOf, crossSourceOnly);
    const byEntity = groupBy(members.map((m) => entityOf[m]));
    if (byEntity.size > 1) falseMerges++;
    for (const sub of byEntity.values()) correctPairs += pairsWithin(sub.map((k) => members[k]), sourceOf, crossSourceOnly);
    if (byEntity.size === 1 && trueGroups.get(entityOf[members[0]])!.length === members.length) exactClusters++;
  }
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const clusterPrecision = predGroups.size === 0 ? 1 : exactClusters / predGroups.size;
  const clusterRecall = trueGroups.size === 0 ? 1 : exactClusters / trueGroups.size;

  let autoLinks = 0;
  let autoLinksRight = 0;
  let review = 0;
  let candidateTrue = 0;
  let candidates = 0;
  for (const c of input.candidates) {
    candidates++;
    const same = entityOf[c.left] === entityOf[c.right];
    if (same) candidateTrue++;
    if (c.outcome === 'link') {
      autoLinks++;
      if (same) autoLinksRight++;
    } else if (c.outcome === 'review' && clusterOf[c.left] !== clusterOf[c.right]) {
      // A review pair already inside one cluster needs no steward: they are linked through others.
      review++;
    }
  }
  return {
    precision,
    recall,
    f1: f1Of(precision, recall),
    cluster_f1: f1Of(clusterPrecision, clusterRecall),
    false_merges: falseMerges,
    false_links: predictedPairs - correctPairs,
    auto_link_precision: autoLinks === 0 ? 1 : autoLinksRight / autoLinks,
    review_pairs: review,
    records: entityOf.length,
    true_pairs: truePairs,
    predicted_pairs: predictedPairs,
    pair_completeness: truePairs === 0 ? 1 : candidateTrue / truePairs,
    candidate_pairs: candidates,
  };
}
