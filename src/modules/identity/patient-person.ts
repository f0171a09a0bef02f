import type { Identifier, Patient, PatientLink } from '@medplum/fhirtypes';
import type { PersonInput } from './matching/person-record.js';

/** Identifier system of the regional patient id (one per person, on every linked Patient record). */
export const REGIONAL_ID_SYSTEM = 'https://xietong.example.org/fhir/sid/regional-patient-id';
/**
 * Identifier system naming one Patient record anywhere in the region: value `<tenant id>/<patient id>`. Used in
 * `Patient.link.other.identifier`, since another institution's Patient is not resolvable as a relative reference.
 */
export const PATIENT_RECORD_SYSTEM = 'https://xietong.example.org/fhir/sid/patient-record';
/** Chinese resident id number (公民身份号码), GB 11643. */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

function isResidentId(id: Identifier): boolean {
  return id.system === RESIDENT_ID_SYSTEM || id.type?.coding?.some((c) => c.system === V2_0203 && c.code === 'NNCHN') === true;
}

function isPassport(id: Identifier): boolean {
  return id.system?.startsWith('http://hl7.org/fhir/sid/passport-') === true || id.type?.coding?.some((c) => c.system === V2_0203 && c.code === 'PPN') === true;
}

/** National identifiers (resident id, passport): personal data, never shown to another institution. */
export function isNationalIdentifier(id: Identifier): boolean {
  return isResidentId(id) || isPassport(id);
}

/** The identifiers a client sent (the hub's own regional id excluded), with a system and a value. */
export function businessIdentifiers(patient: Patient): Array<{ system: string; value: string }> {
  const out: Array<{ system: string; value: string }> = [];
  for (const id of patient.identifier ?? []) {
    if (!id.system || !id.value || id.system === REGIONAL_ID_SYSTEM) continue;
    out.push({ system: id.system, value: id.value });
  }
  return out;
}

function addressText(patient: Patient): string | undefined {
  const a = patient.address?.find((x) => x.use === 'home') ?? patient.address?.[0];
  if (!a) return undefined;
  if (a.text) return a.text;
  const parts = [a.state, a.city, a.district, ...(a.line ?? [])].filter(Boolean);
  return parts.length ? parts.join('') : undefined;
}

/**
 * The matcher's view of a Patient: the official (else first) name as written, sex, birth date, the resident
 * id, a passport, the first phone and the home address as text. The same layout as the generic evaluation CSV
 * (name as written, address as text), so the default model trained on the demo region fits.
 */
export function patientToPersonInput(patient: Patient, id: string, source: string): PersonInput {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  let nameText = name?.text;
  if (!nameText && name) {
    const given = (name.given ?? []).join(' ');
    nameText = name.family && given ? (/\p{Script=Han}/u.test(name.family) ? `${name.family}${given}` : `${name.family}, ${given}`) : name.family ?? given;
  }
  const identifiers = patient.identifier ?? [];
  return {
    id,
    source,
    name: nameText,
    sex: patient.gender === 'male' ? 'M' : patient.gender === 'female' ? 'F' : undefined,
    birthDate: patient.birthDate,
    idNumber: identifiers.find(isResidentId)?.value,
    passport: identifiers.find(isPassport)?.value,
    phone: patient.telecom?.find((t) => t.system === 'phone' && t.value)?.value,
    address: addressText(patient),
  };
}

/** One record of the region: tenant and Patient id. */
export interface RecordRef {
  tenantId: string;
  patientId: string;
}

export const recordKey = (r: RecordRef): string => `${r.tenantId}/${r.patientId}`;

/** What the index wants a Patient to carry: its regional id and links to the other records of the person. */
export interface DesiredIdentity {
  regionalId: string;
  /** Other records of the same person (not replaced ones). */
  seeAlso: RecordRef[];
  /** Set when a steward merged this record into another. */
  replacedBy?: RecordRef;
  /** Records this one replaced (merges where it survived). */
  replaces: RecordRef[];
  /** Patient.active to write, when the index decides it (merge / unmerge); undefined leaves it alone. */
  active?: boolean;
}

function linkTo(owner: string, other: RecordRef, type: PatientLink['type']): PatientLink {
  return {
    type,
    other: {
      ...(other.tenantId === owner ? { reference: `Patient/${other.patientId}` } : {}),
      identifier: { system: PATIENT_RECORD_SYSTEM, value: recordKey(other) },
    },
  };
}

const isManagedLink = (l: PatientLink): boolean => l.other?.identifier?.system === PATIENT_RECORD_SYSTEM;

/**
 * The Patient with the index's identifier and links applied (client identifiers and links kept), or null when
 * it already carries exactly them — so writing it back never loops through the fhir.update it causes.
 */
export function applyIdentity(patient: Patient, ownerTenant: string, want: DesiredIdentity): Patient | null {
  const identifier = [...(patient.identifier ?? []).filter((i) => i.system !== REGIONAL_ID_SYSTEM), { use: 'secondary' as const, system: REGIONAL_ID_SYSTEM, value: want.regionalId }];
  const managed: PatientLink[] = [
    ...(want.replacedBy ? [linkTo(ownerTenant, want.replacedBy, 'replaced-by')] : []),
    ...want.replaces.map((r) => linkTo(ownerTenant, r, 'replaces')),
    ...want.seeAlso.map((r) => linkTo(ownerTenant, r, 'seealso')),
  ];
  const link = [...(patient.link ?? []).filter((l) => !isManagedLink(l)), ...managed];
  const next: Patient = { ...patient, identifier };
  if (link.length) next.link = link;
  else delete next.link;
  if (want.active !== undefined) next.active = want.active;
  const same = (a: unknown, b: unknown): boolean => canonical(a ?? null) === canonical(b ?? null);
  if (same(patient.identifier, next.identifier) && same(patient.link, next.link) && patient.active === next.active) return null;
  return next;
}

/** JSON with object keys sorted: stored jsonb does not keep key order, so plain JSON.stringify would differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The regional id a Patient carries, if any. */
export function regionalIdOf(patient: Patient): string | undefined {
  return patient.identifier?.find((i) => i.system === REGIONAL_ID_SYSTEM)?.value;
}
