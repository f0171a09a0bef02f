import type { AuditEvent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { buildAuditEvent } from '../audit-event.builder.js';

/** A fresh log id, so each test has its own tree even on a shared PostgreSQL database. */
export function newTestLogId(): string {
  return `test-${randomUUID()}`;
}

/** A realistic read event for leaf number `i` (distinct content per i). */
export function sampleAuditEvent(tenantId: string, i: number): AuditEvent {
  return buildAuditEvent({
    tenantId,
    action: 'R',
    subtype: 'read',
    recorded: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    agent: { kind: 'user', id: `user-${i % 7}`, display: `医生 ${i % 7}`, roles: ['clinician'], network: '10.0.0.7' },
    purposeOfUse: 'TREAT',
    patientId: `p-${i % 13}`,
    resources: [{ type: 'Observation', id: `obs-${i}`, versionId: '1' }],
    requestId: `req-${i}`,
  });
}
