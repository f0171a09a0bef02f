import { isHubError, type HubError } from '../../platform/errors/index.js';
import type { OutboxConsumer, OutboxEvent } from '../../platform/events/index.js';
import { indexPatient } from './online-match.service.js';

/** The outbox consumer's name (its cursor row). */
export const IDENTITY_CONSUMER = 'identity-index';

/**
 * Online matching: every committed create / update / delete of a Patient, at any institution, is matched
 * against the regional index in the dispatcher's transaction (so the index, the review queue and the
 * Patients' regional ids commit together with the consumer's cursor: exactly once).
 */
export function createIdentityConsumer(options: { baseUrl: string; onSkipped?: (event: OutboxEvent, err: HubError) => void }): OutboxConsumer {
  return {
    name: IDENTITY_CONSUMER,
    eventTypes: ['fhir.create', 'fhir.update', 'fhir.delete'],
    resourceTypes: ['Patient'],
    batchSize: 50,
    // Patients stored before the index existed (bulk loads, the demo seed) are indexed by `xietong identity relink`.
    startAt: 'now',
    async handle(events, tx) {
      // Several events of one Patient in a batch: indexing reads the current version, so once is enough.
      const seen = new Set<string>();
      for (const e of events) {
        if (!e.resourceId) continue;
        const key = `${e.tenantId}/${e.resourceId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // A Patient the index cannot process (say, a stored resource that no longer validates, so its regional id
        // cannot be written back) must not stall the outbox for every consumer: undo just this one and go on.
        await tx.query('SAVEPOINT identity_patient');
        try {
          await indexPatient(tx, { tenantId: e.tenantId, patientId: e.resourceId }, { baseUrl: options.baseUrl, requestId: `outbox-${e.seq}` });
          await tx.query('RELEASE SAVEPOINT identity_patient');
        } catch (err) {
          if (!isHubError(err)) throw err;
          await tx.query('ROLLBACK TO SAVEPOINT identity_patient');
          options.onSkipped?.(e, err);
        }
      }
    },
  };
}
