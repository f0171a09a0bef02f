/**
 * String similarity measures used by the comparison levels. Hand-written because they sit in the innermost
 * loop (millions of calls in a batch relink) and must work on code points, so that Chinese characters count as
 * one symbol each; the npm packages we looked at either allocate per call or compare UTF-16 units.
 */

/**
 * Jaro–Winkler similarity in [0, 1] (Winkler 1990; prefix scale 0.1, prefix up to 4).
 * Strings are compared as arrays of code points.
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const s = Array.from(a);
  const t = Array.from(b);
  const n = s.length;
  const m = t.length;
  if (n === 0 || m === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(n, m) / 2) - 1);
  const sMatch = new Uint8Array(n);
  const tMatch = new Uint8Array(m);
  let matches = 0;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(m - 1, i + window);
    for (let j = lo; j <= hi; j++) {
      if (tMatch[j] || s[i] !== t[j]) continue;
      sMatch[i] = 1;
      tMatch[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!sMatch[i]) continue;
    while (!tMatch[k]) k++;
    if (s[i] !== t[k]) transpositions++;
    k++;
  }
  const jaro = (matches / n + matches / m + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < n && prefix < m && s[prefix] === t[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/**
 * Optimal-string-alignment distance (Damerau–Levenshtein restricted: insert, delete, substitute, swap of two
 * adjacent symbols), on code points. `limit` lets callers stop early: any result above it is reported as limit + 1.
 */
export function damerauDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  const s = Array.from(a);
  const t = Array.from(b);
  const n = s.length;
  const m = t.length;
  if (Math.abs(n - m) > limit) return limit + 1;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= m; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}

/** Dice coefficient over character bigrams (code points), in [0, 1]; robust to word order in addresses. */
export function bigramDice(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const grams = (x: string): Map<string, number> => {
    const cps = Array.from(x);
    const out = new Map<string, number>();
    if (cps.length === 1) out.set(cps[0], 1);
    for (let i = 0; i + 1 < cps.length; i++) {
      const g = cps[i] + cps[i + 1];
      out.set(g, (out.get(g) ?? 0) + 1);
    }
    return out;
  };
  const ga = grams(a);
  const gb = grams(b);
  let common = 0;
  let total = 0;
  for (const [g, c] of ga) {
    total += c;
    const d = gb.get(g);
    if (d) common += Math.min(c, d);
  }
  for (const c of gb.values()) total += c;
  return total === 0 ? 0 : (2 * common) / total;
}
