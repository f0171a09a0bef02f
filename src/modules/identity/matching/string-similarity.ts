/**
 * String similarity measures used by the comparison levels. Hand-written because they sit in the innermost
 * loop (tens of millions of calls in a batch relink) and must work on code points, so that Chinese characters
 * count as one symbol each; the npm packages we looked at either allocate per call or compare UTF-16 units.
 * Each measure decodes its strings into reused scratch buffers, so a call allocates nothing.
 */

let scratchA = new Int32Array(64);
let scratchB = new Int32Array(64);

/** Length of the code points last decoded into scratchA / scratchB (module state: no tuple per call). */
let lengthA = 0;
let lengthB = 0;

/** Decodes `s` into `buf` as code points; returns the buffer used (grown when needed), the length in `decoded`. */
let decoded = 0;
function decode(s: string, buf: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  if (buf.length < s.length) buf = new Int32Array(Math.max(s.length, buf.length * 2));
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        buf[n++] = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    buf[n++] = c;
  }
  decoded = n;
  return buf;
}

/** Decodes a into scratchA (length lengthA) and b into scratchB (length lengthB). */
function decodePair(a: string, b: string): void {
  scratchA = decode(a, scratchA);
  lengthA = decoded;
  scratchB = decode(b, scratchB);
  lengthB = decoded;
}

let matchS = new Uint8Array(64);
let matchT = new Uint8Array(64);

/**
 * Jaro–Winkler similarity in [0, 1] (Winkler 1990; prefix scale 0.1, prefix up to 4).
 * Strings are compared as arrays of code points.
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  decodePair(a, b);
  const s = scratchA;
  const t = scratchB;
  const n = lengthA;
  const m = lengthB;
  if (n === 0 || m === 0) return 0;
  if (matchS.length < n) matchS = new Uint8Array(Math.max(n, matchS.length * 2));
  if (matchT.length < m) matchT = new Uint8Array(Math.max(m, matchT.length * 2));
  matchS.fill(0, 0, n);
  matchT.fill(0, 0, m);
  const window = Math.max(0, Math.floor(Math.max(n, m) / 2) - 1);
  let matches = 0;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(m - 1, i + window);
    for (let j = lo; j <= hi; j++) {
      if (matchT[j] || s[i] !== t[j]) continue;
      matchS[i] = 1;
      matchT[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!matchS[i]) continue;
    while (!matchT[k]) k++;
    if (s[i] !== t[k]) transpositions++;
    k++;
  }
  const jaro = (matches / n + matches / m + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < n && prefix < m && s[prefix] === t[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

let rowPrev2 = new Int32Array(64);
let rowPrev = new Int32Array(64);
let rowCur = new Int32Array(64);

/**
 * Optimal-string-alignment distance (Damerau–Levenshtein restricted: insert, delete, substitute, swap of two
 * adjacent symbols), on code points. `limit` lets callers stop early: any result above it is reported as limit + 1.
 */
export function damerauDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  decodePair(a, b);
  const s = scratchA;
  const t = scratchB;
  const n = lengthA;
  const m = lengthB;
  if (Math.abs(n - m) > limit) return limit + 1;
  if (n === 0 || m === 0) return Math.min(n + m, limit + 1);
  if (rowCur.length < m + 1) {
    const size = Math.max(m + 1, rowCur.length * 2);
    rowPrev2 = new Int32Array(size);
    rowPrev = new Int32Array(size);
    rowCur = new Int32Array(size);
  }
  let prev2 = rowPrev2;
  let prev = rowPrev;
  let cur = rowCur;
  for (let j = 0; j <= m; j++) {
    prev2[j] = 0;
    prev[j] = j;
  }
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    const si = s[i - 1];
    for (let j = 1; j <= m; j++) {
      const tj = t[j - 1];
      let v = prev[j - 1] + (si === tj ? 0 : 1);
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (i > 1 && j > 1 && si === t[j - 2] && s[i - 2] === tj && prev2[j - 2] + 1 < v) v = prev2[j - 2] + 1;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    const spare = prev2;
    prev2 = prev;
    prev = cur;
    cur = spare;
  }
  return Math.min(prev[m], limit + 1);
}

/** Code points above this never occur, so a bigram packs into one number: first × BASE + second. */
const BASE = 0x110000;

/**
 * The character bigrams of a string (code points) as a sorted array of packed codes — a multiset, so repeated
 * bigrams appear repeatedly. A one-character string is its own single "bigram". Compute it once per value and
 * compare with `diceOfBigrams` when one string meets many others (an address in a batch relink).
 */
export function bigramsOf(x: string): Float64Array {
  scratchA = decode(x, scratchA);
  const cps = scratchA;
  const n = decoded;
  if (n === 1) return Float64Array.of(cps[0]);
  const out = new Float64Array(Math.max(0, n - 1));
  for (let i = 0; i + 1 < n; i++) out[i] = cps[i] * BASE + cps[i + 1];
  return out.sort();
}

/** Dice coefficient of two bigram multisets from `bigramsOf`: 2·|A ∩ B| / (|A| + |B|). */
export function diceOfBigrams(ga: Float64Array, gb: Float64Array): number {
  const total = ga.length + gb.length;
  if (total === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < ga.length && j < gb.length) {
    if (ga[i] === gb[j]) {
      common++;
      i++;
      j++;
    } else if (ga[i] < gb[j]) i++;
    else j++;
  }
  return (2 * common) / total;
}

/** Dice coefficient over character bigrams (code points), in [0, 1]; robust to word order in addresses. */
export function bigramDice(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  return diceOfBigrams(bigramsOf(a), bigramsOf(b));
}
