import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import { HubError } from '../../platform/errors/index.js';
import { AuditErrors } from './errors.js';
import { ID_PATTERN } from './leaf.js';

/** meta.tag system naming the institution (tenant) an AuditEvent belongs to. */
export const TENANT_TAG_SYSTEM = 'https://xietong.dev/fhir/CodeSystem/tenant';
/** Identifier systems for the hub's own actors (clients and console users are not FHIR resources). */
export const CLIENT_ID_SYSTEM = 'https://xietong.dev/fhir/sid/client-id';
export const USER_ID_SYSTEM = 'https://xietong.dev/fhir/sid/user-id';

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const ROLE_CLASS = 'http://terminology.hl7.org/CodeSystem/v3-RoleClass';
const XIETONG_ROLE = 'https://xietong.dev/fhir/CodeSystem/role';
const XIETONG_OPERATION = 'https://xietong.dev/fhir/CodeSystem/operation';

/** FHIR RESTful interactions (http://hl7.org/fhir/R4/valueset-type-restful-interaction.html). */
const REST_INTERACTIONS = new Set([
  'read', 'vread', 'update', 'patch', 'delete', 'history', 'history-instance', 'history-type', 'history-system',
  'create', 'search', 'search-type', 'search-system', 'capabilities', 'transaction', 'batch', 'operation',
]);

export interface AuditEventInput {
  /** The institution on whose behalf the access happened (the request's tenant). */
  tenantId: string;
  /** C create, R read/search, U update, D delete, E execute (operations, exports). */
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** A RESTful interaction (read, search-type, create, …) or an operation name such as `$export`. */
  subtype: string;
  /** 0 success, 4 minor failure, 8 serious failure, 12 major failure. Default 0. */
  outcome?: '0' | '4' | '8' | '12';
  outcomeDesc?: string;
  /** When the event was recorded; default now. */
  recorded?: Date | string;
  agent: {
    kind: 'system' | 'user';
    /** client id for systems, user id for people. */
    id: string;
    display?: string;
    roles?: readonly string[];
    /** Caller IP address. */
    network?: string;
  };
  /** v3-ActReason code (TREAT, ETREAT for break-the-glass, HPAYMT, …). */
  purposeOfUse?: string;
  /** The Patient whose record was touched (id in this hub). */
  patientId?: string;
  /** The institution holding that Patient record, when it is not `tenantId` (cross-institution access). */
  patientTenantId?: string;
  /** The resources touched. */
  resources?: ReadonlyArray<{ type: string; id: string; versionId?: string }>;
  /** The query string of a search, kept verbatim (base64 in entity.query). */
  query?: string;
  /** Reporting system; default the hub itself. */
  source?: { observer?: string; site?: string };
  /** Request id, kept in entity detail for correlation with logs. */
  requestId?: string;
  /**
   * Several accesses by this agent recorded in one event (a group-committed batch of reads): each
   * names its own patient, resources, query and request id, and the top-level fields of those are
   * ignored. Each access's entities end with its request-id entity.
   */
  accesses?: ReadonlyArray<AuditAccessPart>;
}

/** One access of a batched AuditEvent. */
export type AuditAccessPart = Pick<AuditEventInput, 'patientId' | 'patientTenantId' | 'resources' | 'query' | 'requestId'>;

function coding(system: string, code: string, display?: string): Coding {
  return display ? { system, code, display } : { system, code };
}

function buildAgents(input: AuditEventInput): AuditEventAgent[] {
  const { agent } = input;
  const requestor: AuditEventAgent = {
    who: {
      identifier: { system: agent.kind === 'system' ? CLIENT_ID_SYSTEM : USER_ID_SYSTEM, value: agent.id },
      ...(agent.display ? { display: agent.display } : {}),
    },
    requestor: true,
  };
  if (agent.roles?.length) requestor.role = agent.roles.map((role) => ({ coding: [coding(XIETONG_ROLE, role)], text: role }));
  // Network access point type 2 = IP address.
  if (agent.network) requestor.network = { address: agent.network, type: '2' };
  if (input.purposeOfUse) requestor.purposeOfUse = [{ coding: [coding(ACT_REASON, input.purposeOfUse)] }];
  // R4 AuditEvent.agent has no institution element: the institution the requestor acts for is a second, non-requesting agent.
  const institution: AuditEventAgent = {
    type: { coding: [coding(ROLE_CLASS, 'PROV', 'healthcare provider')] },
    who: { reference: `Organization/${input.tenantId}` },
    requestor: false,
  };
  return [requestor, institution];
}

function buildEntities(tenantId: string, input: AuditAccessPart, entities: AuditEventEntity[]): void {
  if (input.patientId) {
    const patient: AuditEventEntity = { what: { reference: `Patient/${input.patientId}` }, type: coding(ENTITY_TYPE, '1', 'Person'), role: coding(OBJECT_ROLE, '1', 'Patient') };
    // Patient ids are unique only within an institution: name the holder when it is another one.
    if (input.patientTenantId && input.patientTenantId !== tenantId) patient.detail = [{ type: 'patient-tenant', valueString: input.patientTenantId }];
    entities.push(patient);
  }
  for (const resource of input.resources ?? []) {
    const reference = `${resource.type}/${resource.id}${resource.versionId ? `/_history/${resource.versionId}` : ''}`;
    if (input.patientId && reference === `Patient/${input.patientId}`) continue;
    entities.push({ what: { reference }, type: coding(ENTITY_TYPE, '2', 'System Object'), role: coding(OBJECT_ROLE, '4', 'Domain Resource') });
  }
  if (input.query !== undefined) {
    entities.push({ type: coding(ENTITY_TYPE, '2', 'System Object'), role: coding(OBJECT_ROLE, '24', 'Query'), query: Buffer.from(input.query, 'utf8').toString('base64') });
  }
  if (input.requestId) {
    entities.push({ type: coding(ENTITY_TYPE, '4', 'Other'), detail: [{ type: 'request-id', valueString: input.requestId }] });
  }
}

function recordedInstant(recorded: AuditEventInput['recorded']): string {
  const date = recorded === undefined ? new Date() : new Date(recorded);
  if (Number.isNaN(date.getTime())) throw new HubError(AuditErrors.INVALID_EVENT, `recorded is not a valid instant: ${String(recorded)}`, { expression: ['recorded'] });
  return date.toISOString();
}

/**
 * Builds an R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html) for an
 * access to the hub: type `rest` with the interaction as subtype (or an
 * operation), the requesting agent and its institution, the patient and
 * resources touched as entities, and the purpose of use. The tenant is kept
 * in meta.tag so the log can file the leaf under it.
 */
export function buildAuditEvent(input: AuditEventInput): AuditEvent {
  if (!ID_PATTERN.test(input.tenantId)) throw new HubError(AuditErrors.INVALID_EVENT, `tenantId must match ${ID_PATTERN}`, { expression: ['tenantId'] });
  if (!input.agent?.id) throw new HubError(AuditErrors.INVALID_EVENT, 'agent.id is required', { expression: ['agent.id'] });
  if (!input.subtype) throw new HubError(AuditErrors.INVALID_EVENT, 'subtype is required', { expression: ['subtype'] });
  const isRest = REST_INTERACTIONS.has(input.subtype);
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    meta: { tag: [coding(TENANT_TAG_SYSTEM, input.tenantId)] },
    // Operations such as $export are RESTful operations too; the subtype tells them apart.
    type: coding(AUDIT_EVENT_TYPE, 'rest', 'RESTful Operation'),
    subtype: [isRest ? coding(RESTFUL_INTERACTION, input.subtype) : coding(XIETONG_OPERATION, input.subtype)],
    action: input.action,
    recorded: recordedInstant(input.recorded),
    outcome: input.outcome ?? '0',
    agent: buildAgents(input),
    source: {
      observer: { display: input.source?.observer ?? 'Xietong hub' },
      type: [coding(SOURCE_TYPE, '4', 'Application Server')],
      ...(input.source?.site ? { site: input.source.site } : {}),
    },
  };
  if (input.outcomeDesc) event.outcomeDesc = input.outcomeDesc;
  if (input.purposeOfUse) event.purposeOfEvent = [{ coding: [coding(ACT_REASON, input.purposeOfUse)] }];
  const entities: AuditEventEntity[] = [];
  for (const part of input.accesses ?? [input]) buildEntities(input.tenantId, part, entities);
  if (entities.length) event.entity = entities;
  return event;
}

/** The tenant an AuditEvent is filed under (its meta.tag), or undefined. */
export function auditEventTenant(event: AuditEvent): string | undefined {
  return event.meta?.tag?.find((tag) => tag.system === TENANT_TAG_SYSTEM)?.code;
}
