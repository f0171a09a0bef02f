import * as OpenCC from 'opencc-js/cn2t';
import { pinyin } from 'pinyin-pro';
import { CHARACTER_SLIPS, FOREIGN_NAMES, GIVEN_NAME_POOLS, MINORITY_FATHER, MINORITY_GIVEN, SURNAMES } from './names.data.js';
import { weightedPicker, type Rng } from './prng.js';
import type { Sex } from './resident-id.js';

/** A person's name as one institution recorded it. */
export interface PersonName {
  kind: 'han' | 'minority' | 'foreign';
  /** Surname (Han), father's name (minority), family name (foreign). */
  family: string;
  given: string;
  /** The full name as written on the record. */
  text: string;
  /** How the text is written: Chinese characters, traditional characters, or pinyin / Latin letters. */
  script: 'simplified' | 'traditional' | 'latin';
}

const drawSurname = weightedPicker(
  SURNAMES.map(([name]) => name),
  SURNAMES.map(([, share]) => share),
);

/** Draws a surname with census frequencies (compound surnames included). */
export function pickSurname(rng: Rng): string {
  return drawSurname(rng);
}

function cohortOf(birthYear: number): 'old' | 'middle' | 'young' {
  if (birthYear < 1970) return 'old';
  return birthYear < 1995 ? 'middle' : 'young';
}

/** A Han given name in the style of the person's birth cohort; about one in six has a single character. */
export function pickGivenName(rng: Rng, sex: Sex, birthYear: number): string {
  const [first, second] = GIVEN_NAME_POOLS[cohortOf(birthYear)][sex];
  const last = second[rng.int(0, second.length - 1)];
  if (rng.chance(0.16)) return last;
  return first[rng.int(0, first.length - 1)] + last;
}

export function makeHanName(family: string, given: string): PersonName {
  return { kind: 'han', family, given, text: family + given, script: 'simplified' };
}

/** A Uyghur-style name, written given·father as on the resident id card. */
export function pickMinorityName(rng: Rng, sex: Sex): PersonName {
  const given = rng.pick(MINORITY_GIVEN[sex]);
  const family = rng.pick(MINORITY_FATHER);
  return { kind: 'minority', family, given, text: `${given}·${family}`, script: 'simplified' };
}

/** A foreign resident's name in passport capitals, with the passport's country. */
export function pickForeignName(rng: Rng, sex: Sex): { name: PersonName; country: string } {
  const [country, families, males, females] = rng.pick(FOREIGN_NAMES);
  const family = rng.pick(families);
  const given = rng.pick(sex === 'male' ? males : females);
  return { country, name: { kind: 'foreign', family, given, text: `${family} ${given}`, script: 'latin' } };
}

/**
 * The name with one character replaced by a homophone or look-alike
 * (张晓明 → 张晓名), as a clerk typing from speech would. Undefined when no
 * character of the name has a known slip.
 */
export function misspellName(rng: Rng, name: PersonName): PersonName | undefined {
  if (name.kind !== 'han') return undefined;
  const slots: Array<{ part: 'family' | 'given'; index: number }> = [];
  [...name.given].forEach((ch, index) => CHARACTER_SLIPS[ch] && slots.push({ part: 'given', index }));
  // Surnames are misheard less often than given names: include them only sometimes.
  if (name.family.length === 1 && CHARACTER_SLIPS[name.family] && (slots.length === 0 || rng.chance(0.2))) {
    slots.push({ part: 'family', index: 0 });
  }
  if (slots.length === 0) return undefined;
  const slot = rng.pick(slots);
  const chars = [...name[slot.part]];
  chars[slot.index] = rng.pick([...CHARACTER_SLIPS[chars[slot.index]]]);
  const family = slot.part === 'family' ? chars.join('') : name.family;
  const given = slot.part === 'given' ? chars.join('') : name.given;
  return makeHanName(family, given);
}

let toTraditionalText: ((text: string) => string) | undefined;

/** The name in traditional characters (陈 → 陳), as a Hong Kong / Taiwan record or an old system has it; undefined when nothing changes. */
export function traditionaliseName(name: PersonName): PersonName | undefined {
  if (name.kind === 'foreign') return undefined;
  const convert = (toTraditionalText ??= OpenCC.Converter({ from: 'cn', to: 'tw' }));
  const family = convert(name.family);
  const given = convert(name.given);
  if (family === name.family && given === name.given) return undefined;
  const text = name.kind === 'minority' ? `${given}·${family}` : family + given;
  return { ...name, family, given, text, script: 'traditional' };
}

function syllables(text: string, asSurname: boolean): string[] {
  // pinyin-pro's surname mode reads 单 as Shan, 曾 as Zeng, 仇 as Qiu; ü is written v as most systems do.
  return pinyin(text, { toneType: 'none', type: 'array', surname: asSurname ? 'all' : 'off' }).map((s) => s.replace(/ü/g, 'v'));
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The name in pinyin, in one of the styles registration systems produce:
 * "Zhang Xiaoming", "ZHANG XIAO MING", "ZHANG XIAOMING" or western order
 * "Xiaoming Zhang". Only for Han names.
 */
export function romaniseName(rng: Rng, name: PersonName): PersonName | undefined {
  if (name.kind !== 'han') return undefined;
  const fam = syllables(name.family, true);
  const giv = syllables(name.given, false);
  const family = capitalise(fam.join(''));
  const given = capitalise(giv.join(''));
  const style = rng.int(0, 3);
  const text = [
    `${family} ${given}`,
    [...fam, ...giv].join(' ').toUpperCase(),
    `${family} ${given}`.toUpperCase(),
    `${given} ${family}`,
  ][style];
  return { kind: 'han', family, given, text, script: 'latin' };
}
