import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import type { Db } from '../../../platform/storage/index.js';
import type { RequestContext } from '../../../platform/context/request-context.js';
import { writeSearchIndex, type IndexWriteOptions } from './index-writer.js';

/**
 * Test helpers for the search tests: store a resource row and its index the
 * way the store does (one transaction), without depending on the CRUD code.
 */
export async function storeForSearch(db: Db, tenantId: string, resource: Resource, options: IndexWriteOptions & { deleted?: boolean; lastUpdated?: string } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    const lastUpdated = options.lastUpdated ?? new Date().toISOString();
    const content = { ...resource, meta: { versionId: '1', lastUpdated } };
    await tx.query(
      `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
       VALUES ($1, $2, $3, 1, $4, $5, $6)
       ON CONFLICT (tenant_id, resource_type, id) DO UPDATE SET content = EXCLUDED.content, deleted = EXCLUDED.deleted,
         last_updated = EXCLUDED.last_updated, version_id = fhir_resources.version_id + 1`,
      [tenantId, resource.resourceType, resource.id, lastUpdated, options.deleted ?? false, options.deleted ? null : content],
    );
    await writeSearchIndex(tx, tenantId, resource, options);
  });
}

export function testContext(tenantId: string, baseUrl = 'http://hub.test'): RequestContext {
  return { tenantId, actor: { kind: 'system', id: 'test' }, scopes: [], requestId: 'req-test', baseUrl };
}

export function buildPatient(id: string, fields: Partial<Patient> = {}): Patient {
  return { resourceType: 'Patient', id, ...fields };
}

/** An Observation with a LOINC code, a subject and optionally a quantity value and effective time. */
export function buildObservation(id: string, subject: string, loinc: [string, string], fields: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: loinc[0], display: loinc[1] }] },
    subject: { reference: subject },
    ...fields,
  };
}

export const HEART_RATE: [string, string] = ['8867-4', 'Heart rate'];
export const BODY_TEMPERATURE: [string, string] = ['8310-5', 'Body temperature'];
