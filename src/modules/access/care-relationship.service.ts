import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { upsertCareRelationship } from './care-relationship.repo.js';
import { ConsentErrors } from './consent-errors.js';

export const CARE_RELATIONSHIP_SOURCES = ['referral', 'encounter', 'appointment', 'episode'] as const;
export type CareRelationshipSource = (typeof CARE_RELATIONSHIP_SOURCES)[number];

export interface CareRelationshipInput {
  /** The institution that now cares for the patient. */
  tenantId: string;
  /** The Patient record (of another or the same institution) it cares for. */
  patient: { tenantId: string; id: string };
  source: CareRelationshipSource;
  /** What established it, e.g. `ServiceRequest/123`. */
  sourceRef: string;
  /** End of the relationship; open-ended when absent. */
  until?: Date;
}

/**
 * Records that an institution cares for a patient (referrals call it when a
 * referral is accepted), in the caller's transaction. One of the two
 * conditions for seeing another institution's records of that patient.
 */
export async function recordCareRelationship(tx: Queryable, input: CareRelationshipInput): Promise<void> {
  if (!CARE_RELATIONSHIP_SOURCES.includes(input.source)) {
    throw new HubError(ConsentErrors.INVALID_CARE_RELATIONSHIP, `source must be one of ${CARE_RELATIONSHIP_SOURCES.join(', ')}`, { expression: ['source'] });
  }
  if (!input.tenantId || !input.patient?.tenantId || !input.patient?.id || !input.sourceRef) {
    throw new HubError(ConsentErrors.INVALID_CARE_RELATIONSHIP, 'tenantId, patient.tenantId, patient.id and sourceRef are required', { expression: ['patient'] });
  }
  if (input.until && Number.isNaN(input.until.getTime())) {
    throw new HubError(ConsentErrors.INVALID_CARE_RELATIONSHIP, 'until is not a valid date', { expression: ['until'] });
  }
  await upsertCareRelationship(tx, { tenantId: input.tenantId, patient: input.patient, source: input.source, sourceRef: input.sourceRef, until: input.until ?? null });
}
