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
  /** Blocks skipped because they were larger than maxBlockSize. */
  oversizedBlocks: number;
}

export interface BlockingOptions {
  maxBlockSize: number;
  /** In linkage mode only pairs from different sources are candidates. */
  crossSourceOnly: boolean;
}

/** Builds the de-duplicated candidate pairs of a set of records under all blocking keys. */
export function buildCandidatePairs(records: readonly PersonRecord[], options: BlockingOptions): CandidatePairs {
  const blocks = new Map<string, number[]>();
  for (const r of records) {
    for (const key of blockingKeys(r)) {
      const members = blocks.get(key);
      if (members) members.push(r.index);
      else blocks.set(key, [r.index]);
    }
  }
  const n = records.length;
  const seen = new Set<number>();
  let left = new Int32Array(1024);
  let right = new Int32Array(1024);
  let count = 0;
  let oversizedBlocks = 0;
  for (const members of blocks.values()) {
    if (members.length < 2) continue;
    if (members.length > options.maxBlockSize) {
      oversizedBlocks++;
      continue;
    }
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const i = Math.min(members[x], members[y]);
        const j = Math.max(members[x], members[y]);
        if (i === j) continue;
        if (options.crossSourceOnly && records[i].source === records[j].source) continue;
        const code = i * n + j;
        if (seen.has(code)) continue;
        seen.add(code);
        if (count === left.length) {
          const l2 = new Int32Array(count * 2);
          l2.set(left);
          left = l2;
          const r2 = new Int32Array(count * 2);
          r2.set(right);
          right = r2;
        }
        left[count] = i;
        right[count] = j;
        count++;
      }
    }
  }
  return { left: left.subarray(0, count), right: right.subarray(0, count), count, oversizedBlocks };
}
