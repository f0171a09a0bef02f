import type { Queryable } from '../../platform/storage/index.js';
import { selectMembers, selectRecord } from './store/index.repo.js';

/**
 * Every Patient record of the same person across the region, the given one included (empty when the Patient
 * is not indexed yet). For the access module's cross-institution rules and the consent helper.
 */
export async function findLinkedRecords(db: Queryable, tenantId: string, patientId: string): Promise<Array<{ tenantId: string; patientId: string; regionalId: string }>> {
  const record = await selectRecord(db, { tenantId, patientId });
  if (!record) return [];
  const members = await selectMembers(db, [record.regionalId]);
  return members.map((m) => ({ tenantId: m.tenantId, patientId: m.patientId, regionalId: m.regionalId }));
}
