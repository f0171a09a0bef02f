/**
 * Clustering that does not chain. Plain connected components of the auto-link graph merge A and C whenever
 * A–B and B–C link, even if A and C are clearly different people (a mother and a newborn sharing her id, two
 * twins sharing a household). Instead, links are applied strongest first (greedy agglomeration, as in
 * constrained single-linkage) and two clusters merge only if no pair across them is a "cannot link": a pair
 * whose own posterior is below the cannot-link threshold. Pairs across the clusters that were never candidates
 * are scored on demand, so the check does not depend on what blocking happened to compare.
 */

export interface LinkEdge {
  left: number;
  right: number;
  logOdds: number;
}

export interface ClusteringResult {
  /** Cluster id per record: the smallest record index in its cluster. */
  clusterOf: Int32Array;
  /** Auto-links refused because they would have joined records with strong evidence against each other. */
  refusedLinks: number;
}

/**
 * Clusters `n` records from their auto-link edges. `pairLogOdds(i, j)` gives the posterior log odds of any pair;
 * merging is refused when any cross pair is below `cannotLinkLogOdds`.
 */
export function clusterWithoutChaining(
  n: number,
  edges: readonly LinkEdge[],
  pairLogOdds: (i: number, j: number) => number,
  cannotLinkLogOdds: number,
): ClusteringResult {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const members = new Map<number, number[]>();
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const membersOf = (root: number): number[] => members.get(root) ?? [root];
  let refusedLinks = 0;
  const sorted = [...edges].sort((a, b) => b.logOdds - a.logOdds);
  for (const e of sorted) {
    const ra = find(e.left);
    const rb = find(e.right);
    if (ra === rb) continue;
    const A = membersOf(ra);
    const B = membersOf(rb);
    let allowed = true;
    if (A.length > 1 || B.length > 1) {
      outer: for (const a of A) {
        for (const b of B) {
          if (pairLogOdds(a, b) < cannotLinkLogOdds) {
            allowed = false;
            break outer;
          }
        }
      }
    }
    if (!allowed) {
      refusedLinks++;
      continue;
    }
    // Union by size keeps find() short.
    const [big, small] = A.length >= B.length ? [ra, rb] : [rb, ra];
    parent[small] = big;
    members.set(big, [...A, ...B]);
    members.delete(small);
  }
  const clusterOf = new Int32Array(n);
  const minOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!minOf.has(r)) minOf.set(r, i);
    clusterOf[i] = minOf.get(r)!;
  }
  return { clusterOf, refusedLinks };
}
