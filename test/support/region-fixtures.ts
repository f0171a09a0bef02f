import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { residentIdCheckChar } from '../../src/modules/identity/index.js';
import { createTestTenant, type TestHub, type TestTenant } from './app.js';

/** A region of three institutions: A holds the records, B and C are other institutions with users. */
export interface Region {
  a: TestTenant;
  b: TestTenant;
  c: TestTenant;
  /** One person: a Patient record at A and one at B, with the same resident id. */
  patientA: string;
  patientB: string;
  residentId: string;
  /** A's records about the person, by kind. */
  records: { plain: string[]; mentalHealth: string; hiv: string };
}

export async function post(hub: TestHub, tenant: TestTenant, type: string, body: Record<string, unknown>): Promise<string> {
  const res = await hub.app.inject({ method: 'POST', url: `/fhir/${type}`, headers: { ...tenant.headers, 'content-type': 'application/fhir+json' }, payload: { resourceType: type, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/**
 * The region's person: born on a random day of 1940–1979, female, with a valid GB 11643 number
 * for that birth date (even 17th digit), random in its sequence digits. It must be valid and
 * region-specific: the regional index ignores an id whose check character fails, and would then
 * link this person with the same-named person of every other test's region on a shared database.
 */
function regionPerson(): { birthDate: string; residentId: string } {
  const birthDate = new Date(Date.UTC(1940, 0, 1) + Math.floor(Math.random() * 40 * 365) * 86_400_000).toISOString().slice(0, 10);
  const first17 = `110101${birthDate.replaceAll('-', '')}${String(Math.floor(Math.random() * 100)).padStart(2, '0')}${2 * Math.floor(Math.random() * 5)}`;
  return { birthDate, residentId: first17 + residentIdCheckChar(first17) };
}

const RESIDENT = 'urn:oid:2.16.156.10011.1.3';

/** Builds the region (fresh tenants, so tests never see each other's data). */
export async function buildRegion(hub: TestHub): Promise<Region> {
  const [a, b, c] = await Promise.all([
    createTestTenant(hub, 'system/*.cruds', '市第一医院'),
    createTestTenant(hub, 'system/*.cruds', '东城社区卫生服务中心'),
    createTestTenant(hub, 'system/*.cruds', '西城社区卫生服务中心'),
  ]);
  const { birthDate, residentId: rid } = regionPerson();
  const person = { name: [{ family: '李', given: ['秀英'] }], gender: 'female', birthDate, identifier: [{ system: RESIDENT, value: rid }] };
  const patientA = await post(hub, a, 'Patient', person);
  const patientB = await post(hub, b, 'Patient', person);
  const subject = { reference: `Patient/${patientA}` };
  const plain = [
    await post(hub, a, 'Observation', { status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] }, subject, valueQuantity: { value: 121, unit: 'g/L' } }),
    await post(hub, a, 'Condition', { code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: '高血压' }] }, subject }),
  ];
  const mentalHealth = await post(hub, a, 'Condition', { code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F32.1', display: '抑郁发作' }] }, subject });
  const hiv = await post(hub, a, 'Observation', { status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '7917-8' }] }, subject, valueString: 'negative' });
  return { a, b, c, patientA, patientB, residentId: rid, records: { plain: [patientA, ...plain], mentalHealth, hiv } };
}

/** A person at an institution with a user token (roles, optional patient). */
export async function userToken(hub: TestHub, tenantId: string, roles: string[], options: { scope?: string; patient?: { tenantId: string; id: string }; id?: string } = {}): Promise<{ authorization: string }> {
  const issued = await hub.deps.tokens.mint({
    tenantId,
    actor: { kind: 'user', id: options.id ?? `user-${randomUUID().slice(0, 8)}`, display: `${roles[0]} of ${tenantId}`, roles },
    scope: options.scope ?? 'user/*.rs',
    ...(options.patient ? { patient: options.patient } : {}),
  } as Parameters<TestHub['deps']['tokens']['mint']>[0]);
  return { authorization: `Bearer ${issued.access_token}` };
}

/** The patient (through A's system token acting for its own record) grants sharing. */
export async function grant(hub: TestHub, region: Region, body: Record<string, unknown>): Promise<{ grantId: string }> {
  const res = await hub.app.inject({ method: 'POST', url: `/api/patient/consents?patient=${region.patientA}`, headers: region.a.headers, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
