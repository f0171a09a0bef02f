import { describe, expect, it } from 'vitest';
import { bigramDice, bigramsOf, damerauDistance, diceOfBigrams, jaroWinkler } from './string-similarity.js';

/*
 * Straightforward reference implementations (arrays of code points, fresh allocations, textbook loops): the
 * allocation-free versions must agree with them on every input, astral-plane characters and long strings included.
 */
function refJaroWinkler(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0 || t.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(s.length, t.length) / 2) - 1);
  const sm = s.map(() => false);
  const tm = t.map(() => false);
  let matches = 0;
  s.forEach((c, i) => {
    for (let j = Math.max(0, i - window); j <= Math.min(t.length - 1, i + window); j++) {
      if (!tm[j] && t[j] === c) {
        sm[i] = tm[j] = true;
        matches++;
        break;
      }
    }
  });
  if (matches === 0) return 0;
  const sSeq = s.filter((_, i) => sm[i]);
  const tSeq = t.filter((_, j) => tm[j]);
  const transpositions = sSeq.filter((c, i) => c !== tSeq[i]).length;
  const jaro = (matches / s.length + matches / t.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < s.length && prefix < t.length && s[prefix] === t[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

function refOsa(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  const d = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

function refDice(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const grams = (x: string): string[] => {
    const c = Array.from(x);
    return c.length === 1 ? c : c.slice(1).map((ch, i) => c[i] + ch);
  };
  const ga = grams(a);
  const gb = grams(b);
  const left = [...gb];
  let common = 0;
  for (const g of ga) {
    const at = left.indexOf(g);
    if (at >= 0) {
      common++;
      left.splice(at, 1);
    }
  }
  return ga.length + gb.length === 0 ? 0 : (2 * common) / (ga.length + gb.length);
}

/** Strings over a small alphabet (so that they often share symbols), with Han and astral-plane characters. */
function randomStrings(count: number, seed: number): string[] {
  const alphabet = ['a', 'b', 'c', 'd', '1', '2', '张', '晓', '明', '𠀋', '𡈽'];
  let x = seed;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    // Mostly short, sometimes longer than the 64-symbol scratch buffers.
    const len = next() < 0.05 ? 65 + Math.floor(next() * 40) : Math.floor(next() * 12);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    out.push(s);
  }
  return out;
}

/** One or two random edits of `s` (substitution, insertion, deletion, adjacent swap), on code points. */
function mutate(s: string, k: number): string {
  const c = Array.from(s);
  for (let e = 0; e <= k % 2; e++) {
    const at = (k * 7 + e * 3) % (c.length + 1);
    const op = (k + e) % 4;
    if (op === 0 && at < c.length) c[at] = c[at] === 'a' ? '𠀋' : 'a';
    else if (op === 1) c.splice(at, 0, '晓');
    else if (op === 2 && at < c.length) c.splice(at, 1);
    else if (at + 1 < c.length) [c[at], c[at + 1]] = [c[at + 1], c[at]];
  }
  return c.join('');
}

describe('string similarity without allocation', () => {
  const strings = randomStrings(400, 42);
  const pairs = strings.slice(0, 300).map((s, i) => [s, i % 7 === 0 ? s : i % 2 === 0 ? mutate(s, i) : strings[100 + i]] as const);

  it('agrees with textbook Jaro–Winkler on code points', () => {
    for (const [a, b] of pairs) expect(jaroWinkler(a, b)).toBeCloseTo(refJaroWinkler(a, b), 12);
  });

  it('agrees with the textbook optimal-string-alignment distance, and caps it at limit + 1', () => {
    for (const [a, b] of pairs) {
      const d = refOsa(a, b);
      expect(damerauDistance(a, b)).toBe(d);
      expect(damerauDistance(a, b, 2)).toBe(Math.min(d, 3));
    }
  });

  it('agrees with bigram Dice on multisets, and the precomputed form gives the same value', () => {
    for (const [a, b] of pairs) {
      expect(bigramDice(a, b)).toBeCloseTo(refDice(a, b), 12);
      if (a !== b) expect(diceOfBigrams(bigramsOf(a), bigramsOf(b))).toBeCloseTo(refDice(a, b), 12);
    }
    // A repeated bigram counts as often as it appears on both sides.
    expect(bigramDice('aaa', 'aa')).toBeCloseTo((2 * 1) / 3, 12);
  });

  it('treats an astral-plane character as one symbol', () => {
    expect(damerauDistance('𠀋明', '𡈽明')).toBe(1);
    expect(damerauDistance('ab𠀋', 'ba𠀋')).toBe(1);
    expect(jaroWinkler('𠀋', '𠀋明')).toBeGreaterThan(0.8);
  });
});
