import type { Location, Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { pickGivenName, pickSurname } from './names.js';
import { drawPhone } from './people.js';
import { createRng } from './prng.js';
import { CITY, DEPARTMENTS, DISTRICTS, INSTITUTIONS, PROVINCE, type InstitutionSpec } from './region.data.js';

/** A practitioner as the clinical generator needs them: ids and display name. */
export interface DirectoryDoctor {
  practitionerId: string;
  display: string;
}

/** One institution's directory: its FHIR resources and doctors by department code. */
export interface InstitutionDirectory {
  spec: InstitutionSpec;
  resources: Resource[];
  doctors: Map<string, DirectoryDoctor[]>;
}

const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
const DEPT_SYSTEM = 'https://xietong.demo/fhir/CodeSystem/department';
const SNOMED = 'http://snomed.info/sct';
export const KIND_DISPLAY: Record<InstitutionSpec['kind'], string> = {
  'tertiary-hospital': '三级医院',
  'district-hospital': '二级医院',
  'community-health-centre': '社区卫生服务中心',
};

function institutionOrganization(spec: InstitutionSpec): Organization {
  const district = DISTRICTS[spec.district];
  return {
    resourceType: 'Organization',
    id: spec.id,
    active: true,
    type: [
      { coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }] },
      { coding: [{ system: 'https://xietong.demo/fhir/CodeSystem/institution-kind', code: spec.kind, display: KIND_DISPLAY[spec.kind] }] },
    ],
    name: spec.name,
    address: [{ use: 'work', text: `${PROVINCE}${CITY}${district.name}`, city: CITY, district: district.name, state: PROVINCE, postalCode: district.postalCode, country: 'CN' }],
  };
}

/**
 * Builds one institution's directory: the Organization (id = institution id),
 * a department Organization (partOf) and Location per department, and
 * Practitioners with PractitionerRoles carrying SNOMED CT specialty codes.
 */
export function buildInstitutionDirectory(seed: number, spec: InstitutionSpec, streamLabel = spec.id): InstitutionDirectory {
  const rng = createRng(seed, `directory:${streamLabel}`);
  const resources: Resource[] = [institutionOrganization(spec)];
  const doctors = new Map<string, DirectoryDoctor[]>();
  let doctorNo = 0;
  for (const deptCode of spec.departments) {
    const dept = DEPARTMENTS[deptCode];
    const deptCoding = { system: DEPT_SYSTEM, code: deptCode, display: dept.name };
    const org: Organization = {
      resourceType: 'Organization', id: `dept-${deptCode}`, active: true,
      type: [{ coding: [{ system: ORG_TYPE, code: 'dept', display: 'Hospital Department' }, deptCoding] }],
      name: `${spec.name}${dept.name}`, alias: [dept.nameEn], partOf: { reference: `Organization/${spec.id}`, display: spec.name },
    };
    const location: Location = {
      resourceType: 'Location', id: `loc-${deptCode}`, status: 'active', name: `${spec.name}${dept.name}`, mode: 'instance',
      type: [{ coding: [deptCoding] }], managingOrganization: { reference: `Organization/dept-${deptCode}` },
    };
    resources.push(org, location);
    const list: DirectoryDoctor[] = [];
    for (let k = 0; k < spec.doctorsPerDepartment; k++) {
      doctorNo++;
      const sex = rng.chance(0.5) ? 'male' : 'female';
      const family = pickSurname(rng);
      const given = pickGivenName(rng, sex, rng.int(1966, 1995));
      const practitionerId = `pr-${String(doctorNo).padStart(3, '0')}`;
      const practitioner: Practitioner = {
        resourceType: 'Practitioner', id: practitionerId, active: true,
        identifier: [{ system: 'https://xietong.demo/fhir/sid/practitioner-licence', value: String(rng.int(100_000_000, 999_999_999)) + String(rng.int(100_000, 999_999)) }],
        name: [{ use: 'official', text: family + given, family, given: [given] }], gender: sex,
        telecom: [{ system: 'phone', value: drawPhone(rng), use: 'work' }],
      };
      const role: PractitionerRole = {
        resourceType: 'PractitionerRole', id: `prr-${String(doctorNo).padStart(3, '0')}`, active: true,
        practitioner: { reference: `Practitioner/${practitionerId}`, display: family + given },
        organization: { reference: `Organization/dept-${deptCode}`, display: org.name },
        location: [{ reference: `Location/loc-${deptCode}` }],
        code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor', display: 'Doctor' }], text: '医师' }],
        specialty: [{ coding: [{ system: SNOMED, ...dept.specialty }, deptCoding], text: dept.name }],
      };
      resources.push(practitioner, role);
      list.push({ practitionerId, display: family + given });
    }
    doctors.set(deptCode, list);
  }
  return { spec, resources, doctors };
}

/**
 * The directories of all nine institutions, in INSTITUTIONS order. With a
 * `tenantPrefix` the institution ids (and so the tenants) are prefixed; the
 * content is otherwise the same.
 */
export function buildRegionDirectory(seed: number, tenantPrefix = ''): InstitutionDirectory[] {
  return INSTITUTIONS.map((spec) => buildInstitutionDirectory(seed, { ...spec, id: tenantPrefix + spec.id }, spec.id));
}
