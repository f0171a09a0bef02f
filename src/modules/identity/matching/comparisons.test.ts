import { describe, expect, it } from 'vitest';
import { compareBirthDates, FIELD_COMPARATORS } from './comparisons.js';
import { normalizePerson } from './normalize.js';
import type { PersonInput } from './person-record.js';
import { bigramDice, damerauDistance, jaroWinkler } from './string-similarity.js';

function level(field: string, a: Omit<PersonInput, 'id'>, b: Omit<PersonInput, 'id'>): number {
  const c = FIELD_COMPARATORS.find((x) => x.name === field)!;
  return c.compare(normalizePerson({ id: 'a', ...a }, 0), normalizePerson({ id: 'b', ...b }, 1));
}

describe('string similarity', () => {
  it('matches the published Jaro–Winkler values', () => {
    // Winkler's examples: MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.813.
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.813, 3);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(0);
  });

  it('counts edits on code points, adjacent swaps as one', () => {
    expect(damerauDistance('19900302', '19900320')).toBe(1);
    expect(damerauDistance('kitten', 'sitting')).toBe(3);
    expect(damerauDistance('张晓明', '张小明')).toBe(1);
    expect(damerauDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });

  it('scores bigram overlap for addresses', () => {
    expect(bigramDice('和平街12号', '和平街12号')).toBe(1);
    // 和平 平街 shared of 5 + 5 bigrams.
    expect(bigramDice('和平街12号', '和平街21号')).toBeCloseTo(0.4, 6);
    expect(bigramDice('和平街', '解放路')).toBe(0);
  });
});

describe('comparison levels', () => {
  it('grades names: exact, homophone, near, far, different, missing', () => {
    expect(level('given', { name: '张晓明' }, { name: '張曉明' })).toBe(1);
    expect(level('given', { name: '张晓明' }, { name: '张晓名' })).toBe(2);
    expect(level('given', { name: '张晓明' }, { name: 'Zhang Xiaoming' })).toBe(1);
    expect(level('given', { name: 'Zhang Xiaoming' }, { name: 'Zhang Xiaomin' })).toBe(3);
    expect(level('given', { name: '张晓明' }, { name: '张建国' })).toBe(5);
    expect(level('given', { name: '张晓明' }, {})).toBe(0);
  });

  it('recognises family and given name entered the wrong way round', () => {
    const a = { familyName: 'smith', givenName: 'john' };
    const b = { familyName: 'john', givenName: 'smith' };
    expect(level('family', a, b)).toBe(3);
    expect(level('given', a, b)).toBe(3);
  });

  it('grades birth dates: exact, swapped day and month, typos, different', () => {
    expect(compareBirthDates('19900302', '19900302')).toBe(1);
    expect(compareBirthDates('19900302', '19900203')).toBe(2);
    expect(compareBirthDates('19900302', '19900312')).toBe(2);
    expect(compareBirthDates('19900302', '19910312')).toBe(3);
    expect(compareBirthDates('19900302', '19651130')).toBe(4);
    expect(compareBirthDates(null, '19651130')).toBe(0);
  });

  it('treats a legacy and a modern resident id of one person as the same id', () => {
    expect(level('idNumber', { idNumber: '110105491231002' }, { idNumber: '11010519491231002X' })).toBe(1);
  });

  it('treats two different valid resident ids as different even when they differ in two digits (twins)', () => {
    expect(level('idNumber', { idNumber: '11010519491231002X' }, { idNumber: '110105194912310046' })).toBe(4);
    // A typo breaks the check character: that is near, not different.
    expect(level('idNumber', { idNumber: '11010519491231002X' }, { idNumber: '110105194912310021' })).toBe(2);
  });

  it('gives no id evidence when an id contradicts its record (newborn on the mother id)', () => {
    const mother = { idNumber: '11010519491231002X', birthDate: '1949-12-31' };
    const baby = { idNumber: '11010519491231002X', birthDate: '2024-05-01' };
    expect(level('idNumber', mother, baby)).toBe(0);
  });

  it('grades phones and sex', () => {
    expect(level('phone', { phone: '+86 13800138000' }, { phone: '13800138000' })).toBe(1);
    expect(level('phone', { phone: '13800138000' }, { phone: '13800138001' })).toBe(2);
    expect(level('phone', { phone: '13800138000' }, { phone: '13912345678' })).toBe(3);
    expect(level('sex', { sex: '男' }, { sex: 'male' })).toBe(1);
    expect(level('sex', { sex: 'F' }, { sex: 'M' })).toBe(2);
  });
});
