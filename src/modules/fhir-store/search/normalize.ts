const ASCII = /^[\x20-\x7e]*$/;
const SPACES = /\s+/g;
const ODD_SPACES = /\s\s|[\t\n\r\f\v]/;

/**
 * Normalises text for FHIR string search: the default match is
 * case-insensitive and accent-insensitive (https://hl7.org/fhir/R4/search.html#string),
 * so both the index and the search value go through this function.
 * Full-width Latin letters and digits (common in Chinese input) fold to ASCII via NFKD.
 */
export function normalizeString(text: string): string {
  // Fast path for plain ASCII (most values): nothing to decompose.
  if (ASCII.test(text)) {
    const lower = text.toLowerCase();
    return ODD_SPACES.test(lower) ? lower.replace(SPACES, ' ').trim() : lower.trim();
  }
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Escapes `%`, `_` and `\` so a user value is literal inside a LIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Indexed text is cut to {@link MAX_INDEXED_CHARS}: a B-tree entry must stay under
 * ~2.7 kB, and a long narrative would otherwise make the whole write fail.
 * The query parser cuts search values the same way.
 */
export const MAX_INDEXED_CHARS = 256;

export function clip(text: string): string {
  return text.length > MAX_INDEXED_CHARS ? text.slice(0, MAX_INDEXED_CHARS) : text;
}
