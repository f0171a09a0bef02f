import type { Resource } from '@medplum/fhirtypes';
import { buildClinicalRecord } from './clinical.js';
import { buildRegionDirectory } from './directory.js';
import { generateHousehold, ResidentIdIssuer, type Person } from './people.js';
import { drawPhysiology } from './physiology.js';
import { buildPatient, buildRegistrations, type Variation } from './registrations.js';

/** Dates are generated relative to this fixed day, never the clock, so a seed always gives the same region. */
export const DEFAULT_REFERENCE_DATE = '2026-10-31';

export interface RegionOptions {
  /** Number of people (each becomes one to three Patient records). */
  patients: number;
  seed: number;
  /** YYYY-MM-DD; default DEFAULT_REFERENCE_DATE. */
  referenceDate?: string;
  /** Generate encounters, observations and conditions (default true); the identity export needs none. */
  clinical?: boolean;
  /**
   * Prefix for institution (tenant) ids, e.g. `t-1234-` gives `t-1234-inst-tertiary-1`: lets tests seed
   * isolated regions into a shared database. Default none.
   */
  tenantPrefix?: string;
}

/** One Patient record in the layout of the identity evaluation CSV. */
export interface IdentityRecord {
  recordId: string;
  entityId: string;
  source: string;
  name: string;
  sex: 'M' | 'F';
  birthDate: string;
  idNumber: string;
  passport: string;
  phone: string;
  address: string;
}

/** One institution's record of one person: the Patient first, then their clinical resources. */
export interface GeneratedRegistration {
  tenantId: string;
  patientId: string;
  personKey: string;
  variations: Variation[];
  record: IdentityRecord;
  resources: Resource[];
}

export type RegionChunk =
  | { kind: 'directory'; tenantId: string; resources: Resource[] }
  | { kind: 'household'; people: Person[]; registrations: GeneratedRegistration[] };

/** Short institution code for medical record numbers: inst-tertiary-1 → T1, inst-chc-3 → C3. */
const mrnPrefix = (institutionId: string): string => {
  const [, kind, n] = institutionId.split('-');
  return `${kind[0].toUpperCase()}${n}`;
};

/** Validates generator options; throws RangeError. */
export function assertRegionOptions(options: RegionOptions): void {
  if (!Number.isInteger(options.patients) || options.patients < 1 || options.patients > 10_000_000) {
    throw new RangeError(`patients must be an integer from 1 to 10,000,000, got ${options.patients}`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 4294967295, got ${options.seed}`);
  }
  if (options.tenantPrefix !== undefined && !/^[a-z0-9-]{0,40}$/.test(options.tenantPrefix)) {
    throw new RangeError(`tenantPrefix may hold only a-z, 0-9 and '-' (at most 40), got "${options.tenantPrefix}"`);
  }
  if (options.referenceDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.referenceDate)) {
    throw new RangeError(`referenceDate must be YYYY-MM-DD, got ${options.referenceDate}`);
  }
}

/**
 * Generates the synthetic region as a stream: first each institution's
 * directory, then household by household the people and every institution's
 * records of them. Nothing is kept between households except the counters and
 * the set of issued id numbers, so memory stays flat however many patients.
 * The same options always yield the same chunks.
 */
export function* generateRegion(options: RegionOptions): Generator<RegionChunk> {
  assertRegionOptions(options);
  const { seed, patients } = options;
  const referenceDate = options.referenceDate ?? DEFAULT_REFERENCE_DATE;
  const prefix = options.tenantPrefix ?? '';
  const directories = buildRegionDirectory(seed, prefix);
  const byId = new Map(directories.map((d) => [d.spec.id, d]));
  for (const dir of directories) yield { kind: 'directory', tenantId: dir.spec.id, resources: dir.resources };

  const ids = new ResidentIdIssuer();
  const counters = new Map<string, number>();
  let made = 0;
  for (let household = 0; made < patients; household++) {
    const members = generateHousehold(seed, household, referenceDate, ids).slice(0, patients - made);
    const people: Person[] = members.map((m) => ({ ...m, key: `person-${String(++made).padStart(7, '0')}` }));
    const registrations: GeneratedRegistration[] = [];
    for (const person of people) {
      const physiology = options.clinical === false ? undefined : drawPhysiology(seed, person, referenceDate);
      for (const reg of buildRegistrations(seed, person)) {
        const baseId = reg.institution.id;
        const tenantId = prefix + baseId;
        reg.institution = byId.get(tenantId)!.spec;
        const n = (counters.get(tenantId) ?? 0) + 1;
        counters.set(tenantId, n);
        const patientId = `pat-${String(n).padStart(6, '0')}`;
        const patient = buildPatient(reg, patientId, `${mrnPrefix(baseId)}${String(n).padStart(7, '0')}`);
        const resources: Resource[] = [patient];
        if (physiology) {
          resources.push(...buildClinicalRecord({ seed, referenceDate, person, physiology, institution: byId.get(tenantId)!, patientId, patientDisplay: reg.name.text }));
        }
        registrations.push({
          tenantId, patientId, personKey: person.key, variations: reg.variations, resources,
          record: {
            recordId: `${tenantId}/${patientId}`, entityId: person.key, source: tenantId, name: reg.name.text,
            sex: reg.sex === 'male' ? 'M' : 'F', birthDate: reg.birthDate, idNumber: reg.residentId ?? '',
            passport: reg.passport?.number ?? '', phone: reg.phone ?? '', address: reg.address.text,
          },
        });
      }
    }
    yield { kind: 'household', people, registrations };
  }
}
