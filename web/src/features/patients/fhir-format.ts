import type {
  Address,
  CodeableConcept,
  ContactPoint,
  HumanName,
  Identifier,
  Observation,
  ObservationReferenceRange,
  Patient,
  Quantity,
} from '@medplum/fhirtypes';

/** OID of the PRC resident identity card number (GB 11643). */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
const RESIDENT_ID_RE = /^\d{17}[\dXx]$/;
const HAN_RE = /\p{Script=Han}/u;

/** True when the text looks like an 18-character resident id number. */
export function isResidentIdNumber(text: string): boolean {
  return RESIDENT_ID_RE.test(text.trim());
}

/** Builds the FHIR search for the box's text: identifier=… for an id number, name=… otherwise. */
export function buildPatientSearch(text: string): { kind: 'identifier' | 'name'; params: Record<string, string> } | { kind: 'invalid'; reason: 'invalidId' | 'tooShort' } {
  const q = text.trim();
  // A token without a system matches the value in any system (https://hl7.org/fhir/R4/search.html#token),
  // so copies registered under another identifier system are found too.
  if (isResidentIdNumber(q)) return { kind: 'identifier', params: { identifier: q.toUpperCase(), _count: '50' } };
  // 17 or 18 digits that are not a valid shape were meant as an id number: say so rather than search by name.
  if (/^\d{15,}[\dXx]?$/.test(q)) return { kind: 'invalid', reason: 'invalidId' };
  if (!HAN_RE.test(q) && q.length < 2) return { kind: 'invalid', reason: 'tooShort' };
  return { kind: 'name', params: { name: q, _count: '50' } };
}

/** A person's name for display: Chinese names without a space, Latin names "Given Family". */
export function formatHumanName(names: HumanName[] | undefined): string {
  if (!names?.length) return '';
  const name = names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'old') ?? names[0];
  if (name.text) return name.text;
  const family = name.family ?? '';
  const given = (name.given ?? []).join(HAN_RE.test(family) ? '' : ' ');
  if (HAN_RE.test(family) || HAN_RE.test(given)) return `${family}${given}`;
  return [given, family].filter(Boolean).join(' ');
}

/** Whole years between a birth date (YYYY, YYYY-MM or YYYY-MM-DD) and `now`. */
export function computeAge(birthDate: string | undefined, now: Date = new Date()): number | undefined {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate ?? '');
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
  let age = now.getFullYear() - year;
  if (now.getMonth() + 1 < month || (now.getMonth() + 1 === month && now.getDate() < day)) age -= 1;
  return age >= 0 ? age : undefined;
}

/** The resident id number among the identifiers, by system, else by shape. */
export function findResidentId(identifiers: Identifier[] | undefined): string | undefined {
  const list = identifiers ?? [];
  return (list.find((i) => i.system === RESIDENT_ID_SYSTEM) ?? list.find((i) => RESIDENT_ID_RE.test(i.value ?? '')))?.value;
}

/** Hides all but the last four characters: the console never shows a whole id number. */
export function maskIdNumber(value: string | undefined): string {
  if (!value) return '';
  const keep = value.slice(-4);
  return '*'.repeat(Math.max(value.length - 4, 0)) + keep;
}

/** Other identifiers (medical record numbers), each as "value". */
export function listOtherIdentifiers(identifiers: Identifier[] | undefined): string[] {
  const resident = findResidentId(identifiers);
  return (identifiers ?? []).filter((i) => i.value && i.value !== resident).map((i) => i.value as string);
}

export function findPhone(telecom: ContactPoint[] | undefined): string | undefined {
  const phones = (telecom ?? []).filter((c) => c.system === 'phone' && c.value);
  return (phones.find((c) => c.use === 'mobile') ?? phones[0])?.value;
}

/** An address in Chinese order (province, city, district, lines) unless it carries its own text. */
export function formatAddress(addresses: Address[] | undefined): string {
  const address = addresses?.find((a) => a.use === 'home') ?? addresses?.[0];
  if (!address) return '';
  if (address.text) return address.text;
  const parts = [address.state, address.city, address.district, ...(address.line ?? [])].filter(Boolean);
  return parts.join(parts.some((p) => HAN_RE.test(p as string)) ? '' : ', ');
}

export type Sex = 'male' | 'female' | 'other' | 'unknown';
export function readSex(patient: Patient): Sex {
  return patient.gender ?? 'unknown';
}

/** text, else the first coding's display, else its code. */
export function formatConcept(concept: CodeableConcept | undefined): string {
  if (!concept) return '';
  return concept.text ?? concept.coding?.find((c) => c.display)?.display ?? concept.coding?.[0]?.code ?? '';
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

function quantityUnit(q: Quantity | undefined): string {
  return q?.unit ?? q?.code ?? '';
}

export interface ObservationRow {
  id: string;
  date: string | undefined;
  item: string;
  value: string;
  unit: string;
  range: string;
  /** Interpretation codes (H, L, HH, LL, A, N …). */
  flags: string[];
  abnormal: boolean;
}

/** Reference range as "low–high" (or "≥ low" / "≤ high"), else its text. */
export function formatReferenceRange(ranges: ObservationReferenceRange[] | undefined): string {
  const range = ranges?.[0];
  if (!range) return '';
  const low = range.low?.value;
  const high = range.high?.value;
  if (low !== undefined && high !== undefined) return `${formatNumber(low)}–${formatNumber(high)}`;
  if (low !== undefined) return `≥ ${formatNumber(low)}`;
  if (high !== undefined) return `≤ ${formatNumber(high)}`;
  return range.text ?? '';
}

const ABNORMAL_CODES = new Set(['H', 'HH', 'L', 'LL', 'A', 'AA', 'HU', 'LU', '<', '>']);

/**
 * One table row for an Observation: a quantity, a coded or text value, or its
 * components joined with "/" (blood pressure 85354-9 → "128/82 mmHg").
 */
export function toObservationRow(obs: Observation): ObservationRow {
  let value = '';
  let unit = '';
  if (obs.valueQuantity) {
    value = `${obs.valueQuantity.comparator ?? ''}${formatNumber(obs.valueQuantity.value)}`;
    unit = quantityUnit(obs.valueQuantity);
  } else if (obs.valueString !== undefined) {
    value = obs.valueString;
  } else if (obs.valueCodeableConcept) {
    value = formatConcept(obs.valueCodeableConcept);
  } else if (obs.valueBoolean !== undefined) {
    value = String(obs.valueBoolean);
  } else if (obs.valueInteger !== undefined) {
    value = String(obs.valueInteger);
  } else if (obs.component?.length) {
    const quantities = obs.component.map((c) => c.valueQuantity).filter((q): q is Quantity => Boolean(q));
    value = quantities.map((q) => formatNumber(q.value)).join('/');
    const units = [...new Set(quantities.map(quantityUnit))];
    unit = units.length === 1 ? units[0] : units.join('/');
  }
  const flagSources = [...(obs.interpretation ?? []), ...(obs.component ?? []).flatMap((c) => c.interpretation ?? [])];
  const flags = [...new Set(flagSources.flatMap((i) => (i.coding ?? []).map((c) => c.code).filter((c): c is string => Boolean(c))))];
  return {
    id: obs.id ?? '',
    date: obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? obs.effectiveInstant ?? obs.issued,
    item: formatConcept(obs.code),
    value,
    unit,
    range: formatReferenceRange(obs.referenceRange ?? obs.component?.[0]?.referenceRange),
    flags: flags.filter((f) => f !== 'N'),
    abnormal: flags.some((f) => ABNORMAL_CODES.has(f)),
  };
}

/** Newest first; undated last. */
export function sortByDateDesc<T>(items: T[], dateOf: (item: T) => string | undefined): T[] {
  return [...items].sort((a, b) => (dateOf(b) ?? '').localeCompare(dateOf(a) ?? ''));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A FHIR date or dateTime as YYYY-MM-DD (plus HH:mm in local time when asked
 * and present). ISO order in both languages: 09/02 means different days to
 * different readers, and a clinical record must not be ambiguous.
 */
export function formatDate(value: string | undefined, withTime = false): string {
  if (!value) return '';
  if (/^\d{4}(-\d{2}){0,2}$/.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return withTime ? `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}` : day;
}

/** The newest row of each item (one per test or vital sign), in first-seen order of the newest-first list. */
export function pickLatestPerItem(rows: ObservationRow[]): ObservationRow[] {
  const latest = new Map<string, ObservationRow>();
  for (const row of sortByDateDesc(rows, (r) => r.date)) if (!latest.has(row.item)) latest.set(row.item, row);
  return [...latest.values()];
}
