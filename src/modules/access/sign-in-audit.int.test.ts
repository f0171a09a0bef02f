import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { drainAuditQueue, searchAccessLog } from '../audit/index.js';
import { createUser } from './user.service.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
});

describe('sign-in audit', () => {
  it('queues an AuditEvent for a failed and a successful sign-in, and for an unknown username', async () => {
    const tenant = await createTestTenant(hub);
    const username = `audit-${randomUUID().slice(0, 8)}`;
    const password = `pw-${randomUUID()}`;
    const user = await createUser(hub.db, { tenantId: tenant.id, username, displayName: '审计测试', password, roles: ['clinician'] });
    const userId = user.id;
    expect((await hub.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: 'wrong-password' } })).statusCode).toBe(401);
    expect((await hub.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })).statusCode).toBe(200);
    const ghost = `ghost-${randomUUID().slice(0, 8)}`;
    expect((await hub.app.inject({ method: 'POST', url: '/auth/login', payload: { username: ghost, password: 'whatever-1' } })).statusCode).toBe(401);
    await drainAuditQueue(hub.db);
    const mine = await searchAccessLog(hub.db, { user: userId });
    expect(mine.map((e) => [e.subtype, e.outcome, e.tenantId])).toEqual([
      ['login', '0', tenant.id],
      ['login', '4', tenant.id],
    ]);
    const unknown = await searchAccessLog(hub.db, { user: `username:${ghost}` });
    expect(unknown).toEqual([expect.objectContaining({ subtype: 'login', outcome: '4', tenantId: 'region' })]);
  });
});
