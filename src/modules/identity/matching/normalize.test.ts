import { describe, expect, it } from 'vitest';
import { splitHanName, surnamePinyin } from './chinese-name.js';
import { normalizeBirthDate, normalizeName, normalizePerson, normalizePhone, normalizeSex } from './normalize.js';

describe('Chinese names', () => {
  it('reads polyphonic characters with their surname readings', () => {
    expect(normalizeName({ name: '单雄信' }).familyKey).toBe('shan');
    expect(normalizeName({ name: '曾国藩' }).familyKey).toBe('zeng');
    expect(normalizeName({ name: '仇英' }).familyKey).toBe('qiu');
    expect(surnamePinyin('解')).toBe('xie');
  });

  it('converts traditional characters to simplified before comparing', () => {
    expect(normalizeName({ name: '張曉明' })).toEqual({ familyHan: '张', givenHan: '晓明', familyKey: 'zhang', givenKey: 'xiaoming' });
  });

  it('splits compound surnames and minority names written with a dot', () => {
    expect(splitHanName('欧阳修')).toEqual({ family: '欧阳', given: '修', minority: false });
    expect(normalizeName({ name: '司马相如' }).familyKey).toBe('sima');
    expect(splitHanName('阿依古丽·买买提')).toEqual({ family: '买买提', given: '阿依古丽', minority: true });
    // Two-character names whose first two characters look like a compound surname keep a one-character surname.
    expect(splitHanName('欧阳')).toEqual({ family: '欧', given: '阳', minority: false });
  });

  it('gives homophones the same key and different characters', () => {
    const a = normalizeName({ name: '张晓明' });
    const b = normalizeName({ name: '张晓名' });
    expect(a.givenKey).toBe(b.givenKey);
    expect(a.givenHan).not.toBe(b.givenHan);
  });
});

describe('Latin names', () => {
  it('finds the family name whatever the order and case', () => {
    const expected = { familyHan: null, givenHan: null, familyKey: 'zhang', givenKey: 'xiaoming' };
    expect(normalizeName({ name: 'Zhang Xiaoming' })).toEqual(expected);
    expect(normalizeName({ name: 'Xiaoming Zhang' })).toEqual(expected);
    expect(normalizeName({ name: 'ZHANG Xiao-Ming' })).toEqual(expected);
    expect(normalizeName({ name: 'ZHANG XIAO MING' })).toEqual(expected);
    expect(normalizeName({ name: 'Zhang, Xiaoming' })).toEqual(expected);
    expect(normalizeName({ name: '  xiaoming   ZHANG ' })).toEqual(expected);
  });

  it('maps other romanisations of Chinese surnames to pinyin', () => {
    expect(normalizeName({ name: 'Chang Hsiao-ming' }).familyKey).toBe('zhang');
    expect(normalizeName({ name: 'Cheung Siu Ming' }).familyKey).toBe('zhang');
  });

  it('removes diacritics, hyphens and apostrophes and keeps Western order for Western names', () => {
    expect(normalizeName({ name: 'José Müller-Lüdenscheidt' })).toMatchObject({ familyKey: 'mullerludenscheidt', givenKey: 'jose' });
    expect(normalizeName({ familyName: "O'Brien", givenName: 'Siobhán' })).toMatchObject({ familyKey: 'obrien', givenKey: 'siobhan' });
  });

  it('gives nothing for an empty name', () => {
    expect(normalizeName({ name: '   ' })).toEqual({ familyHan: null, givenHan: null, familyKey: null, givenKey: null });
  });
});

describe('dates, sex and phones', () => {
  it('normalises the common date forms and drops placeholders', () => {
    expect(normalizeBirthDate('1990-3-2')).toBe('19900302');
    expect(normalizeBirthDate('1990年3月2日')).toBe('19900302');
    expect(normalizeBirthDate('1990/03/02')).toBe('19900302');
    expect(normalizeBirthDate('19900302')).toBe('19900302');
    expect(normalizeBirthDate('1900-01-01')).toBeNull();
    expect(normalizeBirthDate('unknown')).toBeNull();
    // A corrupted compact date is kept: most of its digits are still evidence.
    expect(normalizeBirthDate('19901302')).toBe('19901302');
  });

  it('reads sex codes', () => {
    expect(normalizeSex('男')).toBe('M');
    expect(normalizeSex('female')).toBe('F');
    expect(normalizeSex('2')).toBe('F');
    expect(normalizeSex('unknown')).toBeNull();
  });

  it('strips the country code from mobile numbers', () => {
    expect(normalizePhone('+86 138-0013-8000')).toBe('13800138000');
    expect(normalizePhone('008613800138000')).toBe('13800138000');
    expect(normalizePhone('02 6909 6869')).toBe('0269096869');
    expect(normalizePhone('123')).toBeNull();
  });
});

describe('normalizePerson', () => {
  it('fills birth date and sex from a valid resident id and upgrades legacy ids', () => {
    const r = normalizePerson({ id: 'a', name: '王芳', idNumber: '110105491231002' }, 0);
    expect(r.idNumber).toBe('11010519491231002X');
    expect(r.birth).toBe('19491231');
    expect(r.sex).toBe('F');
    expect(r.idConsistent).toBe(true);
  });

  it('marks an id that contradicts the record birth date (a newborn on the mother id)', () => {
    const r = normalizePerson({ id: 'b', name: '王小宝', birthDate: '2024-05-01', idNumber: '11010519491231002X' }, 1);
    expect(r.idConsistent).toBe(false);
    expect(r.birth).toBe('20240501');
  });

  it('keeps the id when the record birth date only has day and month swapped', () => {
    const r = normalizePerson({ id: 'e', name: '王芳', birthDate: '1949-03-12', idNumber: '110105194912030028' }, 4);
    expect(r.idConsistent).toBe(true);
  });

  it('keeps other national numbers as upper-case codes', () => {
    expect(normalizePerson({ id: 'c', idNumber: ' 1234-567 ' }, 2).idNumber).toBe('1234567');
    expect(normalizePerson({ id: 'd', passport: 'e 1234567' }, 3).passport).toBe('E1234567');
  });
});
