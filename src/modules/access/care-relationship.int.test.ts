import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/db.js';
import type { Db } from '../../platform/storage/index.js';
import { selectCareRelationship } from './care-relationship.repo.js';
import { recordCareRelationship } from './care-relationship.service.js';

let db: Db;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

const suffix = () => Math.random().toString(36).slice(2, 10);

describe('recordCareRelationship', () => {
  it('records, extends and ends relationships; only running ones count', async () => {
    const carer = `t-care-${suffix()}`;
    const patient = { tenantId: `t-own-${suffix()}`, id: 'p1' };
    const now = new Date();
    expect(await selectCareRelationship(db, carer, [patient], now)).toBeUndefined();
    await db.transaction((tx) => recordCareRelationship(tx, { tenantId: carer, patient, source: 'referral', sourceRef: 'ServiceRequest/1', until: new Date(now.getTime() - 1000) }));
    expect(await selectCareRelationship(db, carer, [patient], now)).toBeUndefined();
    // The same source again with a later end extends it.
    await db.transaction((tx) => recordCareRelationship(tx, { tenantId: carer, patient, source: 'referral', sourceRef: 'ServiceRequest/1', until: new Date(now.getTime() + 3_600_000) }));
    expect(await selectCareRelationship(db, carer, [patient], now)).toBe('referral');
    expect(await selectCareRelationship(db, carer, [patient], new Date(now.getTime() + 7_200_000))).toBeUndefined();
    // Another institution gains nothing from it.
    expect(await selectCareRelationship(db, `t-other-${suffix()}`, [patient], now)).toBeUndefined();
  });

  it.each([
    [{ source: 'friendship' }, 'source'],
    [{ patient: { tenantId: '', id: 'p' } }, 'patient'],
    [{ sourceRef: '' }, 'patient'],
    [{ until: new Date('nonsense') }, 'until'],
  ])('refuses %j (400 at %s)', async (change, expression) => {
    const input = { tenantId: 't-a', patient: { tenantId: 't-b', id: 'p' }, source: 'encounter', sourceRef: 'Encounter/1', ...change };
    await expect(recordCareRelationship(db, input as never)).rejects.toMatchObject({ code: 'ACCESS_INVALID_CARE_RELATIONSHIP', status: 400, expression: [expression] });
  });
});
