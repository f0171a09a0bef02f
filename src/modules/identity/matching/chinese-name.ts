import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';

/**
 * Chinese personal names: traditional → simplified (OpenCC, which handles one-to-many mappings better than a
 * character table), splitting family from given name (compound surnames such as 欧阳), and pinyin with the
 * surname readings (单 Shan, 曾 Zeng, 仇 Qiu, 解 Xie…) that pinyin-pro's `surname: 'head'` mode applies.
 */

const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

/**
 * Remembers the results of a pure string function. Names repeat a great deal in a region (a million records
 * hold far fewer distinct given names), and conversion and pinyin cost microseconds each; the cache is
 * emptied when it reaches `limit` entries, so memory stays bounded on any input.
 */
function remembered(fn: (text: string) => string, limit = 200_000): (text: string) => string {
  const cache = new Map<string, string>();
  return (text) => {
    let out = cache.get(text);
    if (out === undefined) {
      out = fn(text);
      if (cache.size >= limit) cache.clear();
      cache.set(text, out);
    }
    return out;
  };
}

/** Two-character (复姓) surnames; the list covers the ones in the Hundred Family Surnames still in use. */
const COMPOUND_SURNAMES = new Set(
  (
    '欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 闾丘 澹台 公冶 宗政 濮阳 ' +
    '太叔 申屠 淳于 单于 赫连 端木 南宫 呼延 独孤 百里 东郭 西门 万俟 司空 第五 拓跋 谷梁 梁丘 左丘 公羊 ' +
    '羊舌 微生 乐正 漆雕 壤驷 公良 鲜于 亓官 司寇 巫马 仉督 子车 颛孙 段干 公西 东门 呼衍 即墨'
  ).split(/\s+/).filter(Boolean),
);

const HAN = /\p{Script=Han}/u;
const MINORITY_SEPARATOR = /[·•・．.\u00B7\u2022\u30FB]/;

/** True when the text contains at least one Han character. */
export function hasHan(text: string): boolean {
  return HAN.test(text);
}

/** Simplified form of Han text (a name, an address), without spaces; the minority-name dot is kept. */
export function simplifyHanText(text: string): string {
  return toSimplified(text.normalize('NFKC')).replace(/[\s\u3000]/g, '');
}

/** simplifyHan for names: remembered, since names repeat (addresses, mostly distinct, use simplifyHanText). */
export const simplifyHan = remembered(simplifyHanText);

export interface SplitHanName {
  family: string;
  given: string;
  /** True for names written with a separator dot (Uyghur, Tibetan transliterations…): family = last part. */
  minority: boolean;
}

/** Splits a simplified Han name into family and given name. */
export function splitHanName(simplified: string): SplitHanName {
  const parts = simplified.split(MINORITY_SEPARATOR).filter(Boolean);
  if (parts.length > 1) {
    // Transliterated minority names put the personal name first and the father's or family name last.
    return { family: parts[parts.length - 1], given: parts.slice(0, -1).join(''), minority: true };
  }
  const name = parts[0] ?? '';
  const chars = Array.from(name);
  if (chars.length >= 3 && COMPOUND_SURNAMES.has(chars[0] + chars[1])) {
    return { family: chars[0] + chars[1], given: chars.slice(2).join(''), minority: false };
  }
  return { family: chars[0] ?? '', given: chars.slice(1).join(''), minority: false };
}

/** Toneless pinyin of a family name, with surname readings (单 → shan). ü is written v. */
export const surnamePinyin = remembered((family) =>
  family
    ? pinyin(family, { surname: 'all', toneType: 'none', type: 'array', v: true, nonZh: 'consecutive' })
        .join('')
        .toLowerCase()
        .replace(/[^a-z]/g, '')
    : '',
);

/** Toneless pinyin of a given name. */
export const givenPinyin = remembered((given) =>
  given
    ? pinyin(given, { toneType: 'none', type: 'array', v: true, nonZh: 'consecutive' })
        .join('')
        .toLowerCase()
        .replace(/[^a-z]/g, '')
    : '',
);

/**
 * Common non-pinyin romanisations of surnames (Wade–Giles, Cantonese, Hokkien, older postal spellings) mapped
 * to pinyin, so that "Chang", "Cheung" and "Zhang" can meet. Only surnames: given names in other romanisations
 * are left to string similarity.
 */
const SURNAME_ROMANISATIONS: Record<string, string> = {
  chang: 'zhang', cheung: 'zhang', cheong: 'zhang', wong: 'wang', lee: 'li', chan: 'chen', chin: 'chen', ng: 'wu',
  woo: 'wu', hsu: 'xu', tsui: 'xu', tsai: 'cai', choi: 'cai', chow: 'zhou', chau: 'zhou', chou: 'zhou', cheng: 'zheng',
  chiang: 'jiang', kiang: 'jiang', kwok: 'guo', kuo: 'guo', ho: 'he', lau: 'liu', yeung: 'yang', leung: 'liang',
  lam: 'lin', lim: 'lin', hsieh: 'xie', tse: 'xie', chiu: 'zhao', chao: 'zhao', siu: 'xiao', hsiao: 'xiao',
  kao: 'gao', tsang: 'zeng', tseng: 'zeng', fung: 'feng', mak: 'mai', mok: 'mo', yip: 'ye', yeh: 'ye', tung: 'dong',
  sung: 'song', soong: 'song', szeto: 'situ', auyeung: 'ouyang', auyang: 'ouyang', poon: 'pan', tsao: 'cao',
  tso: 'cao', yuen: 'yuan', chiou: 'qiu', chien: 'qian',
};

/** Maps a Latin surname to pinyin when it is a known alternative romanisation; otherwise returns it unchanged. */
export function canonicalSurnameRomanisation(latin: string): string {
  return SURNAME_ROMANISATIONS[latin] ?? latin;
}

/** True when the Latin token is the pinyin of a common Chinese surname (used to guess name order). */
export function isCommonSurnamePinyin(latin: string): boolean {
  return COMMON_SURNAME_PINYIN.has(canonicalSurnameRomanisation(latin));
}

const COMMON_SURNAME_PINYIN = new Set(
  (
    'wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie song tang ' +
    'han feng deng cao peng zeng xiao tian dong yuan pan cai jiang yu du ye cheng su wei lv ding ren shen yao lu ' +
    'jiang cui zhong tan qiu fan jin shi liao jia xia fu fang bai zou meng xiong qin qiu hou jiang yin xue yan duan ' +
    'lei long li shi tao he gu mao hao gong shao wan qian yan tan wu dai mo kong xiang chang shan ouyang situ shangguan zhuge'
  ).split(/\s+/),
);
