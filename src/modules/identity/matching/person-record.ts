/**
 * The matcher's view of a person record, independent of where it came from (a FHIR Patient, a FEBRL CSV row,
 * the generic evaluation layout). Every field is optional: missing data is normal in a region.
 */
export interface PersonInput {
  /** Record id, unique within one matching run. */
  id: string;
  /** The institution or file the record came from. */
  source?: string;
  /** Full name as written (characters or Latin letters), used when family / given are not given apart. */
  name?: string;
  familyName?: string;
  givenName?: string;
  sex?: string;
  /** Birth date in any common form: YYYYMMDD, YYYY-MM-DD, YYYY/M/D, 1990年3月2日. */
  birthDate?: string;
  /** A national id: a GB 11643 resident id, or another national number (e.g. FEBRL's social security id). */
  idNumber?: string;
  passport?: string;
  phone?: string;
  /** Free-text address, used when it is not given in parts. */
  address?: string;
  streetNumber?: string;
  street?: string;
  /** A second address line: building, village, estate. */
  locality?: string;
  city?: string;
  postcode?: string;
  region?: string;
}

/** A person record after normalisation; `null` means missing (or a known placeholder). */
export interface PersonRecord {
  /** Position in the run's record array. */
  index: number;
  id: string;
  source: string;
  /** Simplified Han family / given name, when written in characters. */
  familyHan: string | null;
  givenHan: string | null;
  /** Latin key: pinyin (surname readings, common romanisations mapped to pinyin) or folded Latin letters. */
  familyKey: string | null;
  givenKey: string | null;
  sex: 'M' | 'F' | null;
  /** YYYYMMDD as written, kept even when it is not a real date (a corrupted date is still evidence). */
  birth: string | null;
  idNumber: string | null;
  /** For resident ids: false when the birth date coded in the id contradicts the record's own birth date. */
  idConsistent: boolean;
  /** True for a resident id whose check character is right (ids of other kinds: false). */
  idChecksumOk: boolean;
  passport: string | null;
  phone: string | null;
  streetNumber: string | null;
  street: string | null;
  locality: string | null;
  city: string | null;
  postcode: string | null;
  region: string | null;
  address: string | null;
}
