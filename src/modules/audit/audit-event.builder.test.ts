import { validateResource } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../fhir/definitions.js';
import { auditEventTenant, buildAuditEvent, CLIENT_ID_SYSTEM, TENANT_TAG_SYSTEM } from './audit-event.builder.js';

describe('buildAuditEvent', () => {
  it('builds a read of a patient record that is a valid R4 AuditEvent', () => {
    loadFhirDefinitions();
    const event = buildAuditEvent({
      tenantId: 'hosp-1',
      action: 'R',
      subtype: 'read',
      recorded: '2026-03-01T08:30:00Z',
      agent: { kind: 'user', id: 'u-42', display: '王医生', roles: ['clinician', 'referral-coordinator'], network: '10.1.2.3' },
      purposeOfUse: 'TREAT',
      patientId: 'p-7',
      resources: [{ type: 'Patient', id: 'p-7' }, { type: 'Observation', id: 'o-1', versionId: '3' }],
      requestId: 'req-1',
    });
    expect(() => validateResource(event)).not.toThrow();
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
      action: 'R',
      recorded: '2026-03-01T08:30:00.000Z',
      outcome: '0',
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
    });
    expect(event.agent[0]).toMatchObject({ requestor: true, who: { display: '王医生' }, network: { address: '10.1.2.3', type: '2' } });
    expect(event.agent[0].role?.map((role) => role.text)).toEqual(['clinician', 'referral-coordinator']);
    expect(event.agent[1]).toMatchObject({ requestor: false, who: { reference: 'Organization/hosp-1' } });
    // The patient appears once, as the patient entity; the Observation as a domain resource with its version.
    expect(event.entity?.map((entity) => entity.what?.reference)).toEqual(['Patient/p-7', 'Observation/o-1/_history/3', undefined]);
    expect(event.entity?.[0].role?.code).toBe('1');
    expect(auditEventTenant(event)).toBe('hosp-1');
  });

  it('builds a failed search by a system client with its query, and an export operation', () => {
    loadFhirDefinitions();
    const search = buildAuditEvent({
      tenantId: 'hosp-2',
      action: 'R',
      subtype: 'search-type',
      outcome: '4',
      outcomeDesc: 'consent denies access',
      agent: { kind: 'system', id: 'his-client' },
      query: 'Observation?patient=p-1&code=4548-4',
    });
    expect(() => validateResource(search)).not.toThrow();
    expect(search.agent[0].who?.identifier).toEqual({ system: CLIENT_ID_SYSTEM, value: 'his-client' });
    expect(Buffer.from(search.entity?.[0].query as string, 'base64').toString()).toBe('Observation?patient=p-1&code=4548-4');
    expect(search.outcome).toBe('4');
    const exported = buildAuditEvent({ tenantId: 'hosp-2', action: 'E', subtype: '$export', agent: { kind: 'system', id: 'analytics' }, purposeOfUse: 'HOPERAT' });
    expect(() => validateResource(exported)).not.toThrow();
    expect(exported.subtype?.[0].code).toBe('$export');
    expect(exported.meta?.tag).toEqual([{ system: TENANT_TAG_SYSTEM, code: 'hosp-2' }]);
  });

  it('stamps the current time when recorded is not given', () => {
    const before = Date.now();
    const event = buildAuditEvent({ tenantId: 'h', action: 'C', subtype: 'create', agent: { kind: 'user', id: 'u' } });
    expect(Date.parse(event.recorded)).toBeGreaterThanOrEqual(before - 1);
  });

  it.each([
    [{ tenantId: 'bad tenant' }, 'tenantId'],
    [{ tenantId: '' }, 'tenantId'],
    [{ agent: { kind: 'user', id: '' } }, 'agent.id'],
    [{ subtype: '' }, 'subtype'],
    [{ recorded: 'not a date' }, 'recorded'],
  ])('rejects %o', (override, expression) => {
    const input = { tenantId: 'h', action: 'R' as const, subtype: 'read', agent: { kind: 'user' as const, id: 'u' }, ...override };
    expect(() => buildAuditEvent(input as never)).toThrow(expect.objectContaining({ code: 'AUDIT_INVALID_EVENT', expression: [expression] }));
  });
});
