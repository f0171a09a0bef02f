import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestHub } from '../../../../test/support/app.js';
import { scopesForRoles } from '../../access/index.js';

/** A parsed JSON response body, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests assert the shape instead of declaring it
export type Json = any;

export interface Party {
  tenantId: string;
  headers: { authorization: string };
}

export interface ReferralRegion {
  chc: string;
  hospital: string;
  other: string;
  /** Community doctor at the community health centre. */
  chcDoctor: Party;
  chcCoordinator: Party;
  coordinator: Party;
  coordinator2: Party;
  specialist: Party;
  /** Clinician at a third institution (neither party). */
  outsider: Party;
  /** The hospital's HIS (SMART backend client). */
  hospitalSystem: Party;
}

/** A person's token straight from the token service (sign-in is tested in access). */
export async function personToken(hub: TestHub, tenantId: string, roles: string[], display: string): Promise<Party> {
  const issued = await hub.deps.tokens.mint({ tenantId, actor: { kind: 'user', id: randomUUID(), display, roles }, scope: scopesForRoles(roles) });
  return { tenantId, headers: { authorization: `Bearer ${issued.access_token}` } };
}

export async function systemToken(hub: TestHub, tenantId: string, scope = 'system/*.cruds'): Promise<Party> {
  const issued = await hub.deps.tokens.mint({ tenantId, actor: { kind: 'system', id: `client-${tenantId}` }, scope });
  return { tenantId, headers: { authorization: `Bearer ${issued.access_token}` } };
}

async function institution(hub: TestHub, kind: string, name: string): Promise<string> {
  const id = `t-${randomUUID().slice(0, 12)}`;
  await hub.db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [id, name, kind]);
  return id;
}

/** A community health centre, a tertiary hospital, a district hospital and their people, fresh per test. */
export async function createReferralRegion(hub: TestHub): Promise<ReferralRegion> {
  const chc = await institution(hub, 'community-health-centre', '湖滨街道社区卫生服务中心');
  const hospital = await institution(hub, 'tertiary-hospital', '协同市第一人民医院');
  const other = await institution(hub, 'district-hospital', '东湖区人民医院');
  return {
    chc, hospital, other,
    chcDoctor: await personToken(hub, chc, ['clinician'], '王医生'),
    chcCoordinator: await personToken(hub, chc, ['referral-coordinator'], '社区转诊办'),
    coordinator: await personToken(hub, hospital, ['referral-coordinator'], '转诊办张'),
    coordinator2: await personToken(hub, hospital, ['referral-coordinator'], '转诊办李'),
    specialist: await personToken(hub, hospital, ['clinician'], '陈主任'),
    outsider: await personToken(hub, other, ['clinician'], '局外医生'),
    hospitalSystem: await systemToken(hub, hospital),
  };
}

/** POSTs a FHIR resource as `party` and returns its id. */
export async function postResource(hub: TestHub, party: Party, resource: Record<string, unknown>): Promise<string> {
  const res = await hub.app.inject({ method: 'POST', url: `/fhir/${String(resource.resourceType)}`, headers: { ...party.headers, 'content-type': 'application/fhir+json' }, payload: resource });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

export async function postPatient(hub: TestHub, party: Party, residentId = `33900219800101${String(Math.floor(Math.random() * 9000) + 1000)}`): Promise<string> {
  return postResource(hub, party, {
    resourceType: 'Patient', name: [{ text: '赵六', family: '赵', given: ['六'] }], gender: 'male', birthDate: '1980-01-01',
    identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: residentId }],
  });
}

export async function postReport(hub: TestHub, party: Party): Promise<string> {
  return postResource(hub, party, {
    resourceType: 'DiagnosticReport', status: 'final', code: { text: '心内科会诊报告' }, conclusion: '冠心病，建议药物治疗，社区随访',
  });
}

export const CARDIOLOGY = { code: '394579002', display: 'Cardiology' };

/** Sends a request to the referral API and returns status and parsed body. */
export async function call(hub: TestHub, party: Party, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<{ status: number; body: Json }> {
  const res = await hub.app.inject({ method, url, headers: party.headers, ...(payload !== undefined && { payload: payload as object }) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

export async function act(hub: TestHub, party: Party, id: string, action: Record<string, unknown>): Promise<{ status: number; body: Json }> {
  return call(hub, party, 'POST', `/api/referrals/${id}/transitions`, action);
}
