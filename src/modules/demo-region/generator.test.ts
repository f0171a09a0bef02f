import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHRONIC_CONDITIONS } from './clinical.data.js';
import { generateRegion, type GeneratedRegistration } from './generator.js';
import { ageOn, type Person } from './people.js';
import { INSTITUTIONS } from './region.data.js';
import { RESIDENT_ID_SYSTEM } from './registrations.js';
import { validateResidentId } from './resident-id.js';

interface Region {
  people: Person[];
  registrations: GeneratedRegistration[];
  directory: Map<string, Resource[]>;
}

function collect(patients: number, seed: number, clinical = true): Region {
  const region: Region = { people: [], registrations: [], directory: new Map() };
  for (const chunk of generateRegion({ patients, seed, clinical })) {
    if (chunk.kind === 'directory') region.directory.set(chunk.tenantId, chunk.resources);
    else {
      region.people.push(...chunk.people);
      region.registrations.push(...chunk.registrations);
    }
  }
  return region;
}

const fingerprint = (patients: number, seed: number): string => {
  const hash = createHash('sha256');
  for (const chunk of generateRegion({ patients, seed })) hash.update(JSON.stringify(chunk));
  return hash.digest('hex');
};

describe('generateRegion', () => {
  let region: Region;
  beforeAll(() => {
    region = collect(2000, 11);
  });

  it('is deterministic: the same seed gives identical output, another seed a different one', () => {
    expect(fingerprint(300, 5)).toBe(fingerprint(300, 5));
    expect(fingerprint(300, 5)).not.toBe(fingerprint(300, 6));
  });

  it('makes exactly the requested number of people, each with one to three records', () => {
    expect(region.people).toHaveLength(2000);
    expect(new Set(region.people.map((p) => p.key)).size).toBe(2000);
    const perPerson = countBy(region.registrations.map((r) => r.personKey));
    expect(perPerson.size).toBe(2000);
    expect(Math.max(...perPerson.values())).toBeLessThanOrEqual(3);
  });

  it('registers about one person in five at two or three institutions', () => {
    const perPerson = countBy(collect(10_000, 4, false).registrations.map((r) => r.personKey));
    const multi = [...perPerson.values()].filter((n) => n > 1).length / perPerson.size;
    expect(multi).toBeGreaterThan(0.15);
    expect(multi).toBeLessThan(0.25);
    expect([...perPerson.values()].some((n) => n === 3)).toBe(true);
  });

  it('gives every person a resident id number that validates, unique across people, matching birth date and sex', () => {
    const people = collect(10_000, 4, false).people;
    expect(people.filter((p) => !p.residentId && !p.passport)).toEqual([]);
    const withId = people.filter((p) => p.residentId);
    const bad = withId.filter((p) => {
      const check = validateResidentId(p.residentId!, '2026-10-31');
      return !check.valid || check.birthDate !== p.birthDate || check.sex !== p.sex;
    });
    expect(bad).toEqual([]);
    expect(new Set(withId.map((p) => p.residentId)).size).toBe(withId.length);
  });

  it('draws realistic names: common surnames dominate, compound surnames and minority names occur', () => {
    const people = collect(10_000, 4, false).people;
    const surnames = countBy(people.filter((p) => p.name.kind === 'han').map((p) => p.name.family));
    const share = (s: string) => (surnames.get(s) ?? 0) / people.length;
    // 2020 census: 王 ≈ 7.1 %, 李 ≈ 7.0 %, 张 ≈ 6.7 %. Households share surnames, so allow slack.
    for (const s of ['王', '李', '张']) {
      expect(share(s)).toBeGreaterThan(0.05);
      expect(share(s)).toBeLessThan(0.1);
    }
    expect(share('王')).toBeGreaterThan(share('郭'));
    expect([...surnames.keys()].some((s) => s.length === 2)).toBe(true);
    expect(people.some((p) => p.name.kind === 'minority' && p.name.text.includes('·'))).toBe(true);
    expect(people.some((p) => p.name.kind === 'foreign' && p.passport)).toBe(true);
    const sexes = countBy(people.map((p) => p.sex));
    expect(sexes.get('male')! / people.length).toBeGreaterThan(0.45);
    expect(sexes.get('male')! / people.length).toBeLessThan(0.55);
  });

  it('spreads ages from newborns to the very old, and chronic conditions rise with age', () => {
    const ages = region.people.map((p) => ageOn(p.birthDate, '2026-10-31'));
    expect(Math.min(...ages)).toBeLessThan(3);
    expect(Math.max(...ages)).toBeGreaterThan(85);
    const rate = (code: string, lo: number, hi: number) => {
      const band = region.people.filter((p) => {
        const a = ageOn(p.birthDate, '2026-10-31');
        return a >= lo && a < hi;
      });
      return band.filter((p) => p.conditions.includes(code)).length / band.length;
    };
    expect(rate('I10', 0, 18)).toBe(0);
    expect(rate('I10', 60, 120)).toBeGreaterThan(0.35);
    expect(rate('I10', 60, 120)).toBeGreaterThan(3 * rate('I10', 18, 45));
    expect(rate('E11', 60, 120)).toBeGreaterThan(rate('E11', 18, 45));
    expect(CHRONIC_CONDITIONS.every((c) => region.people.some((p) => p.conditions.includes(c.code)))).toBe(true);
  });

  it('puts every listed variation on the extra copies, and none on first records', () => {
    const seen = countBy(region.registrations.flatMap((r) => r.variations));
    for (const v of ['name-typo', 'traditional', 'pinyin', 'new-phone', 'missing-id', 'moved'] as const) expect(seen.get(v) ?? 0).toBeGreaterThan(0);
    const firstOf = new Set<string>();
    const firstWithVariation = region.registrations.filter((reg) => {
      if (firstOf.has(reg.personKey)) return false;
      firstOf.add(reg.personKey);
      return reg.variations.length > 0;
    });
    expect(firstWithVariation).toEqual([]);
    const byKey = new Map(region.people.map((p) => [p.key, p]));
    const wrong = region.registrations.filter((reg) => {
      const person = byKey.get(reg.personKey)!;
      const r = reg.record;
      const v = (name: string) => reg.variations.includes(name as never);
      return (v('pinyin') && !/^[A-Za-z ]+$/.test(r.name)) ||
        ((v('name-typo') || v('traditional')) && r.name === person.name.text) ||
        (v('missing-id') && r.idNumber !== '') ||
        (v('new-phone') && r.phone === person.phone) ||
        (reg.variations.length === 0 && r.name !== person.name.text);
    });
    expect(wrong).toEqual([]);
    // Examples of the variations the brief names.
    const typo = region.registrations.find((r) => r.variations.includes('name-typo'))!;
    expect([...typo.record.name].filter((ch, i) => ch !== [...byKey.get(typo.personKey)!.name.text][i])).toHaveLength(1);
  });

  it('includes households and twins as hard negatives: same address and surname, different people', () => {
    const byHousehold = new Map<string, Person[]>();
    for (const p of region.people) byHousehold.set(p.householdKey, [...(byHousehold.get(p.householdKey) ?? []), p]);
    const shared = [...byHousehold.values()].filter((h) => h.length > 1);
    expect(shared.length).toBeGreaterThan(region.people.length / 5);
    for (const h of shared) expect(new Set(h.map((p) => p.address.text)).size).toBe(1);
    const twins = shared.flatMap((h) => h.filter((p, i) => h.some((q, j) => j !== i && q.birthDate === p.birthDate && q.name.family === p.name.family)));
    expect(twins.length).toBeGreaterThan(0);
    for (const t of twins) expect(twins.filter((u) => u.key !== t.key && u.birthDate === t.birthDate && u.name.text === t.name.text)).toEqual([]);
    const phones = countBy(region.people.map((p) => p.phone));
    expect([...phones.values()].some((n) => n > 1)).toBe(true);
  });

  it('keeps the truth consistent: record ids unique per institution, records agree with their Patient resource', () => {
    const recordIds = region.registrations.map((r) => r.record.recordId);
    expect(new Set(recordIds).size).toBe(recordIds.length);
    const disagree = region.registrations.filter((reg) => {
      const patient = reg.resources[0] as Patient;
      return patient.resourceType !== 'Patient' || patient.id !== reg.patientId ||
        reg.record.recordId !== `${reg.tenantId}/${reg.patientId}` ||
        patient.name?.[0].text !== reg.record.name || patient.birthDate !== reg.record.birthDate ||
        (patient.identifier?.find((i) => i.system === RESIDENT_ID_SYSTEM)?.value ?? '') !== reg.record.idNumber ||
        patient.managingOrganization?.reference !== `Organization/${reg.tenantId}` ||
        patient.address?.[0].text !== reg.record.address;
    });
    expect(disagree).toEqual([]);
  });

  it('builds clinical resources that reference only resources of the same institution', () => {
    const dangling: string[] = [];
    for (const reg of region.registrations) {
      const local = new Set([...region.directory.get(reg.tenantId)!, ...reg.resources].map((r) => `${r.resourceType}/${r.id}`));
      for (const ref of JSON.stringify(reg.resources).matchAll(/"reference":"([^"]+)"/g)) if (!local.has(ref[1])) dangling.push(`${reg.tenantId}: ${ref[1]}`);
    }
    for (const [tenantId, resources] of region.directory) {
      const local = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
      for (const ref of JSON.stringify(resources).matchAll(/"reference":"([^"]+)"/g)) if (!local.has(ref[1])) dangling.push(`${tenantId}: ${ref[1]}`);
    }
    expect(dangling).toEqual([]);
  });

  it('codes vital signs and labs with LOINC, UCUM units, reference ranges and interpretations', () => {
    const observations = region.registrations.flatMap((r) => r.resources).filter((r): r is Observation => r.resourceType === 'Observation');
    const codes = countBy(observations.map((o) => o.code?.coding?.[0].code ?? ''));
    for (const code of ['85354-9', '8867-4', '29463-7', '8302-2', '39156-5', '14749-6', '4548-4', '14647-2', '718-7']) expect(codes.get(code) ?? 0).toBeGreaterThan(0);
    const bp = observations.find((o) => o.code?.coding?.[0].code === '85354-9')!;
    expect(bp.component?.map((c) => c.code.coding?.[0].code)).toEqual(['8480-6', '8462-4']);
    expect(bp.category?.[0].coding?.[0].code).toBe('vital-signs');
    const labs = observations.filter((o) => o.category?.[0].coding?.[0].code === 'laboratory');
    expect(labs.filter((lab) => lab.valueQuantity?.system !== 'http://unitsofmeasure.org' || lab.referenceRange?.length !== 1 ||
      !['H', 'L', 'N'].includes(lab.interpretation?.[0].coding?.[0].code ?? ''))).toEqual([]);
    // HbA1c is ordered mostly for diabetics, so most results run high.
    const a1c = labs.filter((o) => o.code?.coding?.[0].code === '4548-4');
    expect(a1c.filter((o) => o.interpretation?.[0].coding?.[0].code === 'H').length / a1c.length).toBeGreaterThan(0.5);
  });

  it('creates the nine institutions with departments, practitioners and roles', () => {
    expect([...region.directory.keys()]).toEqual(INSTITUTIONS.map((i) => i.id));
    expect(INSTITUTIONS.map((i) => i.kind)).toEqual(['tertiary-hospital', 'district-hospital', 'district-hospital', ...Array(6).fill('community-health-centre')]);
    for (const [tenantId, resources] of region.directory) {
      expect(resources[0]).toMatchObject({ resourceType: 'Organization', id: tenantId });
      const types = countBy(resources.map((r) => r.resourceType));
      expect(types.get('Practitioner')).toBe(types.get('PractitionerRole'));
      expect(types.get('Location')).toBe(types.get('Organization')! - 1);
    }
  });

  it('rejects impossible options', () => {
    expect(() => generateRegion({ patients: 0, seed: 1 }).next()).toThrow(RangeError);
    expect(() => generateRegion({ patients: 1.5, seed: 1 }).next()).toThrow(RangeError);
    expect(() => generateRegion({ patients: 10, seed: -1 }).next()).toThrow(RangeError);
    expect(() => generateRegion({ patients: 10, seed: 2 ** 32 }).next()).toThrow(RangeError);
    expect(() => generateRegion({ patients: 10, seed: 1, referenceDate: '31/10/2026' }).next()).toThrow(RangeError);
  });
});

function countBy<T>(items: T[]): Map<T, number> {
  const out = new Map<T, number>();
  for (const item of items) out.set(item, (out.get(item) ?? 0) + 1);
  return out;
}
