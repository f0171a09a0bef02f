/**
 * Latin-script text folding for names and addresses: Unicode compatibility form, diacritics removed
 * (Müller → muller, Nguyễn → nguyen), lower case, punctuation to spaces.
 */

/** Lower-case ASCII-ish form: NFKD, combining marks removed, a few letters without decompositions mapped. */
export function foldLatin(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[æÆ]/g, 'ae')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Words of a folded text: letters and digits runs; apostrophes dropped inside words (O'Brien → obrien). */
export function latinTokens(text: string): string[] {
  return foldLatin(text)
    .replace(/['’`]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * American Soundex (letter + 3 digits), used only as a blocking key: it groups spelling variants so that
 * candidate pairs survive a typo in the name.
 */
export function soundex(word: string): string {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!w) return '';
  const codes: Record<string, string> = {
    b: '1', f: '1', p: '1', v: '1', c: '2', g: '2', j: '2', k: '2', q: '2', s: '2', x: '2', z: '2',
    d: '3', t: '3', l: '4', m: '5', n: '5', r: '6',
  };
  let out = w[0];
  let last = codes[w[0]] ?? '';
  for (let i = 1; i < w.length && out.length < 4; i++) {
    const ch = w[i];
    const code = codes[ch] ?? '';
    if (code && code !== last) out += code;
    // h and w do not separate letters with the same code; vowels do.
    if (ch !== 'h' && ch !== 'w') last = code;
  }
  return out.padEnd(4, '0');
}
