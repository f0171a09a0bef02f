import { soundex } from './latin-text.js';
import type { PersonRecord } from './person-record.js';

/**
 * Blocking: the keys under which two records become a candidate pair. Several independent keys are used so
 * that a true pair survives a typo in any one field (a pair is lost only if every key it could share is
 * corrupted). Keys that are too common (a block bigger than `maxBlockSize`) carry no discrimination and are
 * skipped, which keeps the number of pairs near-linear in the number of records.
 */

function halves(value: string): [string, string] {
  const k = Math.ceil(value.length / 2);
  return [value.slice(0, k), value.slice(value.length - k)];
}

function oddEven(value: string): [string, string] {
  let odd = '';
  let even = '';
  for (let i = 0; i < value.length; i++) {
    if (i % 2) odd += value[i];
    else even += value[i];
  }
  return [even, odd];
}

/** The blocking keys of one record (each prefixed with the rule name so rules never collide). */
export function blockingKeys(r: PersonRecord): string[] {
  const keys: string[] = [];
  // Pinyin is already a phonetic key (homophones share it); Soundex groups Latin spelling variants.
  const han = r.familyHan !== null || r.givenHan !== null;
  const fam = r.familyKey ? (han ? r.familyKey : soundex(r.familyKey) || r.familyKey) : null;
  const giv = r.givenKey ? (han ? r.givenKey : soundex(r.givenKey) || r.givenKey) : null;
  if (r.idNumber && r.idNumber.length >= 6) {
    keys.push(`id:${r.idNumber}`);
    // Two keys over complementary character positions: one typo leaves one of them intact. Long ids
    // (resident ids) share a region-code prefix with their neighbours, so they are split odd / even.
    const [k1, k2] = r.idNumber.length >= 12 ? oddEven(r.idNumber) : halves(r.idNumber);
    keys.push(`id1:${k1}`, `id2:${k2}`);
  }
  if (r.phone) {
    keys.push(`ph:${r.phone}`);
    if (r.phone.length >= 8) {
      const [p1, p2] = oddEven(r.phone);
      keys.push(`ph1:${p1}`, `ph2:${p2}`);
    }
  }
  if (r.passport) keys.push(`pp:${r.passport}`);
  if (r.birth) {
    keys.push(`b:${r.birth}`);
    if (fam) keys.push(`bmf:${r.birth.slice(4)}|${fam}`);
    if (giv) keys.push(`bmg:${r.birth.slice(4)}|${giv}`);
    if (fam) keys.push(`byf:${r.birth.slice(0, 4)}|${fam}`);
    if (giv) keys.push(`byg:${r.birth.slice(0, 4)}|${giv}`);
  }
  if (fam && r.givenKey && !han) keys.push(`fg:${fam}|${r.givenKey[0]}`);
  if (giv && r.familyKey) keys.push(`gf:${giv}|${r.familyKey[0]}`);
  if (fam && giv) keys.push(`nn:${[fam, giv].sort().join('|')}`);
  if (r.familyHan && r.givenHan) keys.push(`han:${r.familyHan}${r.givenHan}`);
  if (r.postcode) {
    if (r.streetNumber) keys.push(`pn:${r.postcode}|${r.streetNumber}`);
    if (fam) keys.push(`pf:${r.postcode}|${fam}`);
    if (giv) keys.push(`pg:${r.postcode}|${giv}`);
  }
  if (r.street) {
    const s = soundex(r.street.split(' ')[0]);
    if (r.streetNumber) keys.push(`sn:${s}|${r.streetNumber}`);
    if (fam) keys.push(`sf:${s}|${fam}`);
  }
  if (r.city && fam) keys.push(`cf:${soundex(r.city.split(' ')[0])}|${fam}`);
  if (r.address) keys.push(`a:${r.address}`);
  return keys;
}

export interface CandidatePairs {
  /** Left and right record index of each pair (left < right). */
  left: Int32Array;
  right: Int32Array;
  count: number;
  /** Blocks skipped because they were larger than maxBlockSize or beyond the pair budget. */
  oversizedBlocks: number;
}

export interface BlockingOptions {
  maxBlockSize: number;
  /** In linkage mode only pairs from different sources are candidates. */
  crossSourceOnly: boolean;
  /**
   * Candidate pairs allowed per record, counted before de-duplication. Blocks are taken from the smallest
   * (the most selective keys) upwards, a whole block size at a time, until the next size would exceed the
   * budget; larger blocks are skipped like oversized ones. Without it a region of a million records spends
   * most of its pairs on blocks of 20–100 people born on one day, whose true pairs smaller blocks hold already.
   */
  pairsPerRecord?: number;
}

/**
 * The largest block size whose blocks (and all smaller ones) fit the pair budget. Taking whole size classes
 * keeps the result independent of the order in which blocks were found.
 */
function budgetedBlockSize(sizeCounts: readonly number[], maxBlockSize: number, budget: number): number {
  let pairs = 0;
  for (let size = 2; size <= maxBlockSize; size++) {
    pairs += (sizeCounts[size] * size * (size - 1)) / 2;
    if (pairs > budget) return size - 1;
  }
  return maxBlockSize;
}

/**
 * A 52-bit hash of a blocking key: two independent 32-bit string hashes (FNV-1a and a multiplicative one, each
 * finished with murmur3's mixer), 32 + 20 bits. Two different keys among the ~15 million of a million-record
 * region collide with a chance of about 2·10⁻², and a collision only joins two blocks (extra candidates).
 */
export function blockKeyHash(key: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 13);
  }
  return mix32(h1) * 0x100000 + (mix32(h2) >>> 12);
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Records grouped by blocking key: block b holds members[starts[b] .. starts[b + 1]), in record order. */
interface Blocks {
  members: Int32Array;
  starts: Int32Array;
}

/**
 * Groups records by blocking key without a Map of key strings (which, for ~15 million keys, spent most of a
 * million-record run in hashing and garbage collection): each key becomes a 52-bit hash; a counting sort on the
 * hash's top 20 bits and an insertion sort inside each bucket (about a dozen entries) put equal keys together.
 */
function groupByKey(records: readonly PersonRecord[]): Blocks {
  let hashes = new Float64Array(Math.max(16, records.length * 16));
  let owners = new Int32Array(hashes.length);
  let e = 0;
  for (const r of records) {
    for (const key of blockingKeys(r)) {
      if (e === hashes.length) {
        const h2 = new Float64Array(e * 2);
        h2.set(hashes);
        hashes = h2;
        const o2 = new Int32Array(e * 2);
        o2.set(owners);
        owners = o2;
      }
      hashes[e] = blockKeyHash(key);
      owners[e] = r.index;
      e++;
    }
  }
  const BUCKET_BITS = 20;
  const bucketOf = (h: number): number => Math.floor(h / 2 ** (52 - BUCKET_BITS));
  const bucketStart = new Int32Array((1 << BUCKET_BITS) + 1);
  for (let k = 0; k < e; k++) bucketStart[bucketOf(hashes[k]) + 1]++;
  for (let b = 0; b < 1 << BUCKET_BITS; b++) bucketStart[b + 1] += bucketStart[b];
  const fill = bucketStart.slice(0, 1 << BUCKET_BITS);
  const order = new Int32Array(e);
  for (let k = 0; k < e; k++) order[fill[bucketOf(hashes[k])]++] = k;
  // Insertion sort by hash inside each bucket; stable, so members of a block stay in record order.
  for (let b = 0; b < 1 << BUCKET_BITS; b++) {
    for (let x = bucketStart[b] + 1; x < bucketStart[b + 1]; x++) {
      const item = order[x];
      const h = hashes[item];
      let y = x - 1;
      while (y >= bucketStart[b] && hashes[order[y]] > h) {
        order[y + 1] = order[y];
        y--;
      }
      order[y + 1] = item;
    }
  }
  const members = new Int32Array(e);
  const starts: number[] = [];
  for (let x = 0; x < e; x++) {
    members[x] = owners[order[x]];
    if (x === 0 || hashes[order[x]] !== hashes[order[x - 1]]) starts.push(x);
  }
  starts.push(e);
  return { members, starts: Int32Array.from(starts) };
}

/** Builds the de-duplicated candidate pairs of a set of records under all blocking keys. */
export function buildCandidatePairs(records: readonly PersonRecord[], options: BlockingOptions): CandidatePairs {
  const { members, starts } = groupByKey(records);
  const blockCount = starts.length - 1;
  const n = records.length;
  const sizeCounts = new Array<number>(options.maxBlockSize + 1).fill(0);
  for (let b = 0; b < blockCount; b++) {
    const size = starts[b + 1] - starts[b];
    if (size <= options.maxBlockSize) sizeCounts[size]++;
  }
  const largest = options.pairsPerRecord === undefined ? options.maxBlockSize : budgetedBlockSize(sizeCounts, options.maxBlockSize, options.pairsPerRecord * n);
  // Pairs are packed as i·n + j (exact below 2^53 for any realistic n), sorted and de-duplicated: a Set of
  // them would hit V8's limit of ~16.7 million entries in a region of a million records.
  let oversizedBlocks = 0;
  let raw = 0;
  for (let b = 0; b < blockCount; b++) {
    const size = starts[b + 1] - starts[b];
    if (size < 2) continue;
    if (size > largest) oversizedBlocks++;
    else raw += (size * (size - 1)) / 2;
  }
  const codes = new Float64Array(raw);
  let filled = 0;
  for (let b = 0; b < blockCount; b++) {
    const from = starts[b];
    const to = starts[b + 1];
    if (to - from < 2 || to - from > largest) continue;
    for (let x = from; x < to; x++) {
      const i = members[x];
      for (let y = x + 1; y < to; y++) {
        // Members are in record order, so i ≤ j; equal only when two keys of one record share a hash.
        const j = members[y];
        if (i === j) continue;
        if (options.crossSourceOnly && records[i].source === records[j].source) continue;
        codes[filled++] = i * n + j;
      }
    }
  }
  // Sort, keep each code once (compacted in place), then unpack.
  const sorted = codes.subarray(0, filled).sort();
  let count = 0;
  for (let k = 0; k < filled; k++) if (count === 0 || sorted[k] !== sorted[count - 1]) sorted[count++] = sorted[k];
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  for (let p = 0; p < count; p++) {
    left[p] = Math.floor(sorted[p] / n);
    right[p] = sorted[p] - left[p] * n;
  }
  return { left, right, count, oversizedBlocks };
}
