import type { Subscription } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutboxDispatcher } from '../../../platform/events/index.js';
import { createSubscriptionConsumer } from './subscription-consumer.js';
import { buildApp, createAppDeps } from '../../../app.js';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../../test/support/app.js';
import { heartRate, restHookSubscription, startHookReceiver, type HookReceiver } from './subscription-fixtures.js';
import { selectDeliveries } from './subscription.repo.js';
import { getSubscriptionRuntime } from './subscriptions.routes.js';

let hub: TestHub;
let receiver: HookReceiver;
/**
 * This module's consumer alone (same code, same cursor as the hub's): on the shared PostgreSQL of the test
 * machines, `hub.deps.events.drain()` also waits for every other module's consumer to catch up with other
 * test processes' loads, which has taken minutes.
 */
let events: OutboxDispatcher;
// Draining waits for transactions still running in other test processes on a shared PostgreSQL.
vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  hub = await startTestHub({ subscriptionWorker: false, subscriptionRetryMs: 20, subscriptionMaxAttempts: 3 });
  receiver = await startHookReceiver();
  events = new OutboxDispatcher(hub.db);
  events.register(createSubscriptionConsumer({ baseUrl: hub.deps.config.baseUrl }));
});
afterAll(async () => {
  await hub.close();
  await receiver.close();
});

const worker = () => getSubscriptionRuntime(hub.deps)!.worker;

async function post(tenant: TestTenant, type: string, body: unknown) {
  return hub.app.inject({ method: 'POST', url: `/fhir/${type}`, headers: tenant.headers, payload: body as object });
}

async function read(tenant: TestTenant, type: string, id: string) {
  return (await hub.app.inject({ method: 'GET', url: `/fhir/${type}/${id}`, headers: tenant.headers })).json();
}

/** Creates a Subscription and lets the hub activate it. */
async function subscribe(tenant: TestTenant, sub: Subscription): Promise<Subscription> {
  const res = await post(tenant, 'Subscription', sub);
  expect(res.statusCode, res.body).toBe(201);
  await events.drain();
  return read(tenant, 'Subscription', res.json().id);
}

/**
 * Runs the consumer and the worker until nothing is due for this tenant. On the shared PostgreSQL of
 * the test machines another test process's hub may run a delivery worker, which claims every tenant's
 * due deliveries: wait (at most 15 s) until none of this tenant's is held under such a lease (60 s;
 * a retry the test pushed an hour ahead is not one).
 */
async function deliverAll(tenant: TestTenant) {
  await events.drain();
  const deadline = Date.now() + 15_000;
  for (;;) {
    while ((await worker().runOnce({ tenantId: tenant.id })) > 0);
    const { rows } = await hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscription_deliveries
        WHERE tenant_id = $1 AND state = 'pending' AND next_attempt_at > now() AND next_attempt_at <= now() + interval '60 seconds'`,
      [tenant.id],
    );
    if (rows[0].n === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('R4 Subscriptions: rest-hook', () => {
  it('activates a requested Subscription and PUTs each matching change to [endpoint]/[type]/[id] with the custom header', async () => {
    const a = await createTestTenant(hub);
    const b = await createTestTenant(hub);
    receiver.received.length = 0;
    const sub = await subscribe(a, restHookSubscription(receiver.url));
    expect(sub.status).toBe('active');

    const match = (await post(a, 'Observation', heartRate('p1', 72))).json();
    await post(a, 'Observation', heartRate('p1', 5, '2708-6')); // another code
    await post(a, 'Observation', heartRate('p2', 80)); // another patient
    await post(b, 'Observation', heartRate('p1', 90)); // another institution's p1
    await deliverAll(a);
    await deliverAll(b);

    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0];
    expect(hook.method).toBe('PUT');
    expect(hook.url).toBe(`/hooks/Observation/${match.id}`);
    expect(hook.headers.authorization).toBe('Bearer subscriber-secret');
    expect(hook.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(JSON.parse(hook.body)).toMatchObject({ resourceType: 'Observation', id: match.id, valueQuantity: { value: 72 } });

    // An update that still matches is notified again, with its new version.
    const updated = await hub.app.inject({ method: 'PUT', url: `/fhir/Observation/${match.id}`, headers: a.headers, payload: { ...match, valueQuantity: { ...match.valueQuantity, value: 75 } } });
    expect(updated.statusCode).toBe(200);
    await deliverAll(a);
    expect(receiver.received).toHaveLength(2);
    expect(JSON.parse(receiver.received[1].body)).toMatchObject({ meta: { versionId: '2' }, valueQuantity: { value: 75 } });
  });

  it('without a payload POSTs an empty notification to the endpoint itself', async () => {
    const a = await createTestTenant(hub);
    receiver.received.length = 0;
    await subscribe(a, restHookSubscription(receiver.url, { channel: { type: 'rest-hook', endpoint: receiver.url } }));
    await post(a, 'Observation', heartRate('p1', 61));
    await deliverAll(a);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ method: 'POST', url: '/hooks', body: '' });
  });

  it('matches criteria with the store search semantics (value-quantity prefix)', async () => {
    const a = await createTestTenant(hub);
    receiver.received.length = 0;
    await subscribe(a, restHookSubscription(receiver.url, { criteria: 'Observation?code=8867-4&value-quantity=gt100' }));
    await post(a, 'Observation', heartRate('p9', 99));
    const high = (await post(a, 'Observation', heartRate('p9', 131))).json();
    await deliverAll(a);
    expect(receiver.received.map((r) => r.url)).toEqual([`/hooks/Observation/${high.id}`]);
  });

  it('retries a failing endpoint with back-off, then puts the Subscription in error with the last error', async () => {
    const a = await createTestTenant(hub);
    receiver.received.length = 0;
    receiver.respondWith(503);
    try {
      const sub = await subscribe(a, restHookSubscription(receiver.url));
      await post(a, 'Observation', heartRate('p1', 70));
      await events.drain();
      const deadline = Date.now() + 5000;
      let status = 'active';
      while (status === 'active' && Date.now() < deadline) {
        await worker().runOnce({ tenantId: a.id });
        await new Promise((r) => setTimeout(r, 15));
        status = (await read(a, 'Subscription', sub.id!)).status;
      }
      const after: Subscription = await read(a, 'Subscription', sub.id!);
      expect(after.status).toBe('error');
      expect(after.error).toMatch(/3 times.*HTTP 503/);
      expect(receiver.received).toHaveLength(3);
      // Back-off: the gaps grow (20 ms, then 40 ms at least).
      const [t1, t2, t3] = receiver.received.map((r) => r.at);
      expect(t2 - t1).toBeGreaterThanOrEqual(15);
      expect(t3 - t2).toBeGreaterThanOrEqual(35);
      const deliveries = await selectDeliveries(hub.db, a.id, sub.id!);
      expect(deliveries.map((d) => [d.state, d.attempts])).toEqual([['failed', 3]]);

      // A Subscription in error is not notified any more.
      receiver.respondWith(200);
      await post(a, 'Observation', heartRate('p1', 71));
      await deliverAll(a);
      expect(receiver.received).toHaveLength(3);
    } finally {
      receiver.respondWith(200);
    }
  });

  it("keeps one Subscription's notifications in order: a new one waits behind one waiting for its retry", async () => {
    const a = await createTestTenant(hub);
    receiver.received.length = 0;
    const sub = await subscribe(a, restHookSubscription(receiver.url));
    receiver.respondWith(500);
    let first: { id: string };
    try {
      first = (await post(a, 'Observation', heartRate('p1', 1))).json();
      await events.drain();
      await worker().runOnce({ tenantId: a.id }); // one failed attempt, retry scheduled
      expect(receiver.received).toHaveLength(1);
      await hub.db.query(`UPDATE subscription_deliveries SET next_attempt_at = now() + interval '1 hour' WHERE tenant_id = $1 AND state = 'pending'`, [a.id]);
    } finally {
      receiver.respondWith(200);
    }
    const second = (await post(a, 'Observation', heartRate('p1', 2))).json();
    await deliverAll(a);
    expect(receiver.received).toHaveLength(1); // the second waits
    await hub.db.query(`UPDATE subscription_deliveries SET next_attempt_at = now() WHERE tenant_id = $1 AND state = 'pending'`, [a.id]);
    await deliverAll(a);
    const firstId = first!.id;
    expect(receiver.received.map((r) => r.url)).toEqual([`/hooks/Observation/${firstId}`, `/hooks/Observation/${firstId}`, `/hooks/Observation/${second.id}`]);
    expect((await selectDeliveries(hub.db, a.id, sub.id!)).map((d) => [d.state, d.attempts])).toEqual([['delivered', 2], ['delivered', 1]]);
  });

  it('stops notifying once the client sets the Subscription off', async () => {
    const a = await createTestTenant(hub);
    receiver.received.length = 0;
    const sub = await subscribe(a, restHookSubscription(receiver.url));
    const off = await hub.app.inject({ method: 'PUT', url: `/fhir/Subscription/${sub.id}`, headers: a.headers, payload: { ...sub, meta: undefined, status: 'off' } });
    expect(off.statusCode, off.body).toBe(200);
    await post(a, 'Observation', heartRate('p1', 70));
    await deliverAll(a);
    expect(receiver.received).toHaveLength(0);
  });

  it('keeps queued notifications across a restart: a new app on the same database delivers them', async () => {
    const a = await createTestTenant(hub);
    receiver.received.length = 0;
    await subscribe(a, restHookSubscription(receiver.url));
    const obs = (await post(a, 'Observation', heartRate('p1', 66))).json();
    await events.drain(); // queued, not sent: this app's worker never runs

    const deps2 = await createAppDeps(hub.deps.config, hub.db);
    const app2 = await buildApp(deps2);
    await app2.ready();
    try {
      while ((await getSubscriptionRuntime(deps2)!.worker.runOnce({ tenantId: a.id })) > 0);
      expect(receiver.received.map((r) => r.url)).toEqual([`/hooks/Observation/${obs.id}`]);
    } finally {
      await app2.close();
    }
  });

  it('activates or fails Subscriptions that arrive in a transaction Bundle (the REST checks are bypassed there)', async () => {
    const a = await createTestTenant(hub);
    const entry = (sub: Subscription) => ({ resource: sub, request: { method: 'POST', url: 'Subscription' } });
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [entry(restHookSubscription(receiver.url)), entry(restHookSubscription(receiver.url, { criteria: 'Observation?no-such-param=1' }))],
    };
    const res = await hub.app.inject({ method: 'POST', url: '/fhir', headers: a.headers, payload: bundle });
    expect(res.statusCode, res.body).toBe(200);
    await events.drain();
    const ids = res.json().entry.map((e: { response: { location: string } }) => /Subscription\/([^/]+)/.exec(e.response.location)![1]);
    const [good, bad] = await Promise.all(ids.map((id: string) => read(a, 'Subscription', id)));
    expect(good.status).toBe('active');
    expect(bad.status).toBe('error');
    expect(bad.error).toMatch(/no-such-param/);
  });
});

describe('R4 Subscriptions: bad requests', () => {
  const cases: Array<[string, Partial<Subscription>, number, string]> = [
    ['email channel', { channel: { type: 'email', endpoint: 'mailto:x@example.org' } }, 422, 'SUBSCRIPTION_UNSUPPORTED_CHANNEL'],
    ['unknown parameter in criteria', { criteria: 'Observation?bogus=1' }, 400, 'SUBSCRIPTION_INVALID_CRITERIA'],
    ['unknown type in criteria', { criteria: 'Observashun?code=1' }, 400, 'SUBSCRIPTION_INVALID_CRITERIA'],
    ['criteria that is not Type?params', { criteria: 'http://x/Observation?code=1' }, 400, 'SUBSCRIPTION_INVALID_CRITERIA'],
    ['malformed date in criteria', { criteria: 'Observation?date=ge2024-13-99' }, 400, 'SUBSCRIPTION_INVALID_CRITERIA'],
    ['result parameter in criteria', { criteria: 'Observation?code=1&_sort=date' }, 400, 'SUBSCRIPTION_INVALID_CRITERIA'],
    ['rest-hook without endpoint', { channel: { type: 'rest-hook' } }, 400, 'SUBSCRIPTION_INVALID_ENDPOINT'],
    ['rest-hook to a non-http endpoint', { channel: { type: 'rest-hook', endpoint: 'ftp://x.example/in' } }, 400, 'SUBSCRIPTION_INVALID_ENDPOINT'],
    ['unsupported payload', { channel: { type: 'rest-hook', endpoint: 'http://x.example/in', payload: 'application/fhir+xml' } }, 422, 'SUBSCRIPTION_UNSUPPORTED_PAYLOAD'],
    ['header without a colon', { channel: { type: 'rest-hook', endpoint: 'http://x.example/in', header: ['Bearer abc'] } }, 400, 'SUBSCRIPTION_INVALID_HEADER'],
  ];
  for (const [name, overrides, status, code] of cases) {
    it(`rejects ${name} with ${status} ${code}`, async () => {
      const a = await createTestTenant(hub);
      const res = await post(a, 'Subscription', restHookSubscription('http://x.example/in', overrides));
      expect(res.statusCode, res.body).toBe(status);
      const outcome = res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].details.coding[0].code).toBe(code);
    });
  }

  it('rejects a structurally invalid Subscription (no channel) with the store validation error', async () => {
    const a = await createTestTenant(hub);
    const { channel: _c, ...noChannel } = restHookSubscription('http://x.example/in');
    const res = await post(a, 'Subscription', noChannel);
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('checks updates too (PUT with an email channel is 422)', async () => {
    const a = await createTestTenant(hub);
    const res = await hub.app.inject({
      method: 'PUT', url: '/fhir/Subscription/s1', headers: a.headers,
      payload: restHookSubscription('http://x.example/in', { id: 's1', channel: { type: 'sms', endpoint: 'tel:+86100' } }),
    });
    expect(res.statusCode).toBe(422);
  });

  it('needs the create scope on Subscription', async () => {
    const a = await createTestTenant(hub, 'system/Observation.cruds');
    const res = await post(a, 'Subscription', restHookSubscription('http://x.example/in'));
    expect(res.statusCode).toBe(403);
  });
});
