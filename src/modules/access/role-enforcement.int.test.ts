import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { createUser } from './user.service.js';

let hub: TestHub;
let tenantId: string;
const PASSWORD = 'a-long-enough-secret';

/** Signs a fresh user with `roles` in through the real login and returns their bearer header. */
async function signInAs(roles: string[]): Promise<{ authorization: string }> {
  const username = `role.${randomUUID().slice(0, 8)}`;
  await createUser(hub.db, { tenantId, username, displayName: roles.join('+'), password: PASSWORD, roles });
  const response = await hub.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: PASSWORD } });
  expect(response.statusCode, response.body).toBe(200);
  return { authorization: `Bearer ${response.json().access_token}` };
}

function get(url: string, headers: { authorization: string }) {
  return hub.app.inject({ method: 'GET', url, headers: { ...headers, accept: 'application/fhir+json' } });
}

beforeAll(async () => {
  hub = await startTestHub();
  const tenant = await createTestTenant(hub);
  tenantId = tenant.id;
  const created = await hub.app.inject({
    method: 'POST',
    url: '/fhir/Patient',
    headers: { ...tenant.headers, 'content-type': 'application/fhir+json' },
    payload: { resourceType: 'Patient', name: [{ family: '王', given: ['芳'] }] },
  });
  expect(created.statusCode, created.body).toBe(201);
});

afterAll(async () => {
  await hub?.close();
});

describe('the server enforces the role policy on FHIR routes', () => {
  it('lets a clinician and a nurse search patients', async () => {
    for (const roles of [['clinician'], ['nurse']]) {
      const response = await get('/fhir/Patient', await signInAs(roles));
      expect(response.statusCode, `${roles} ${response.body}`).toBe(200);
      expect(response.json().entry?.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses identifiable records to an analyst, an auditor and the admins (403)', async () => {
    for (const roles of [['regional-analyst'], ['auditor'], ['institution-admin'], ['regional-admin']]) {
      const headers = await signInAs(roles);
      for (const url of ['/fhir/Patient', '/fhir/Observation']) {
        const response = await get(url, headers);
        expect(response.statusCode, `${roles} ${url}`).toBe(403);
        expect(response.json().resourceType).toBe('OperationOutcome');
      }
    }
  });

  it('refuses writes to a nurse outside what the policy grants', async () => {
    const headers = await signInAs(['nurse']);
    const response = await hub.app.inject({
      method: 'POST',
      url: '/fhir/Condition',
      headers: { ...headers, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Condition', subject: { reference: 'Patient/x' } },
    });
    expect(response.statusCode).toBe(403);
  });

  it('still lets an analyst see the aggregate region overview', async () => {
    const response = await get('/api/region/overview', await signInAs(['regional-analyst']));
    expect(response.statusCode, response.body).toBe(200);
  });
});
