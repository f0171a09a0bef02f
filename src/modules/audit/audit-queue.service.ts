import type { RequestContext } from '../../platform/context/request-context.js';
import type { Queryable } from '../../platform/storage/index.js';
import { validateAuditEvent } from './append.service.js';
import { buildAuditEvent, type AuditAccessPart } from './audit-event.builder.js';
import { insertQueued, type QueuedAudit } from './audit-queue.repo.js';

/** What happened, in the words of the code that did it. */
export interface AccessRecord {
  /** C create, R read/search, U update, D delete, E execute (operations, sign-in, break-the-glass, consent changes). */
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** A RESTful interaction (read, search-type, …) or an operation name (login, break-glass, consent-grant, $regional-record). */
  subtype: string;
  /** The Patient record touched, with the institution holding it. */
  patient?: { tenantId: string; id: string };
  resources?: ReadonlyArray<{ type: string; id: string; versionId?: string }>;
  /** success, or the AuditEvent outcome code: 4 denied / bad request, 8 serious failure. */
  outcome: 'success' | 'denied' | 'failure';
  /** A short human text (the decision's reason, the failure); kept in outcomeDesc. */
  detail?: string;
  /** The access decision's basis (own-institution, consent, break-glass, …), indexed for search and baselines. */
  basis?: string;
  /** Overrides ctx.purposeOfUse (break-the-glass records ETREAT). */
  purposeOfUse?: string;
  query?: string;
  /** Caller IP address. */
  network?: string;
}

const OUTCOME_CODE = { success: '0', denied: '4', failure: '8' } as const;

/** Builds the queue row for an access (pure; exported for tests and batch callers). */
export function buildQueuedAudit(ctx: RequestContext, record: AccessRecord, now = new Date()): QueuedAudit {
  return buildBatchedAudit([{ ctx, record }], now);
}

interface AccessOf {
  ctx: RequestContext;
  record: AccessRecord;
}

function accessPart({ ctx, record }: AccessOf): AuditAccessPart {
  return {
    ...(record.patient ? { patientId: record.patient.id, patientTenantId: record.patient.tenantId } : {}),
    ...(record.resources ? { resources: record.resources } : {}),
    ...(record.query !== undefined ? { query: record.query } : {}),
    requestId: ctx.requestId,
  };
}

/**
 * One queue row, and one AuditEvent, for accesses that share everything but
 * what they touched (see batchKey): the first access's agent, action and
 * outcome; each access's patient, resources, query and request id.
 */
function buildBatchedAudit(parts: readonly AccessOf[], now: Date): QueuedAudit {
  const { ctx, record } = parts[0]!;
  const purpose = record.purposeOfUse ?? ctx.purposeOfUse;
  const event = buildAuditEvent({
    tenantId: ctx.tenantId,
    action: record.action,
    subtype: record.subtype,
    outcome: OUTCOME_CODE[record.outcome],
    ...(record.detail ? { outcomeDesc: record.detail } : {}),
    recorded: now,
    agent: { kind: ctx.actor.kind, id: ctx.actor.id, display: ctx.actor.display, roles: ctx.actor.roles, network: record.network },
    ...(purpose ? { purposeOfUse: purpose } : {}),
    accesses: parts.map(accessPart),
  });
  const single = parts.length === 1;
  return {
    tenantId: ctx.tenantId,
    agentKind: ctx.actor.kind,
    agentId: ctx.actor.id,
    action: record.action,
    subtype: record.subtype,
    outcome: OUTCOME_CODE[record.outcome],
    patientTenantId: single ? record.patient?.tenantId ?? null : null,
    patientId: single ? record.patient?.id ?? null : null,
    purpose: purpose ?? null,
    basis: record.basis ?? null,
    recorded: now,
    accesses: single ? null : parts.map((p) => ({ t: p.record.patient?.tenantId ?? null, p: p.record.patient?.id ?? null })),
    event,
  };
}

/** Accesses with equal keys can share one AuditEvent: same agent, institution, purpose, interaction, outcome and basis. */
function batchKey({ ctx, record }: AccessOf): string {
  return JSON.stringify([
    ctx.tenantId, ctx.actor.kind, ctx.actor.id, ctx.actor.display ?? '', ctx.actor.roles ?? [], record.purposeOfUse ?? ctx.purposeOfUse ?? '',
    record.action, record.subtype, record.outcome, record.detail ?? '', record.basis ?? '', record.network ?? '',
  ]);
}

/** Resources named per batched AuditEvent before a new one starts (keeps a leaf well under a megabyte). */
const MAX_BATCHED_RESOURCES = 1000;

/**
 * Groups accesses into queue rows: one per batch key, in order of first
 * appearance, split so that no event names more than MAX_BATCHED_RESOURCES
 * resources. Every access keeps its own row in the access index.
 */
export function batchQueuedAudits(accesses: readonly AccessOf[], now = new Date()): QueuedAudit[] {
  const open = new Map<string, { chunk: AccessOf[]; resources: number }>();
  const chunks: AccessOf[][] = [];
  for (const access of accesses) {
    const key = batchKey(access);
    const size = access.record.resources?.length ?? 0;
    let current = open.get(key);
    if (!current || current.resources + size > MAX_BATCHED_RESOURCES) {
      current = { chunk: [], resources: 0 };
      open.set(key, current);
      chunks.push(current.chunk);
    }
    current.chunk.push(access);
    current.resources += size;
  }
  return chunks.map((chunk) => buildBatchedAudit(chunk, now));
}

/**
 * Inserts queue rows after checking each event as the log will need it, so
 * a malformed event (a bug in the hub, never the caller's fault: a 500)
 * fails the request that records it instead of stopping the sequencer later.
 */
async function queue(q: Queryable, entries: readonly QueuedAudit[]): Promise<void> {
  entries.forEach((entry, i) => {
    let tenantId: string;
    try {
      tenantId = validateAuditEvent(entry.event, i);
    } catch (err) {
      throw new Error(`audit: refusing to queue a malformed AuditEvent: ${(err as Error).message}`);
    }
    if (tenantId !== entry.tenantId) throw new Error(`audit: AuditEvent tagged for ${tenantId} queued for ${entry.tenantId}`);
  });
  await insertQueued(q, entries);
}

/**
 * Queues an AuditEvent for an access in the caller's transaction, so it
 * commits with the change it records (or not at all). The sequencer appends
 * queued events to the Merkle log in queue order; requests never wait on the
 * log's head row.
 */
export async function recordAccess(q: Queryable, ctx: RequestContext, record: AccessRecord): Promise<void> {
  await queue(q, [buildQueuedAudit(ctx, record)]);
}

/** Queues several accesses in one statement (a search result, a regional record). */
export async function recordAccesses(q: Queryable, ctx: RequestContext, records: readonly AccessRecord[]): Promise<void> {
  const now = new Date();
  await queue(q, records.map((record) => buildQueuedAudit(ctx, record, now)));
}

const FHIR_ACTIONS: Record<string, AccessRecord['action']> = {
  read: 'R', vread: 'R', 'history-instance': 'R', 'history-type': 'R', 'history-system': 'R', 'search-type': 'R', 'search-system': 'R',
  create: 'C', update: 'U', patch: 'U', delete: 'D', transaction: 'E', batch: 'E', operation: 'E',
};

/** One FHIR REST interaction (http://hl7.org/fhir/R4/valueset-type-restful-interaction.html) as fhir-store reports it. */
export interface FhirInteraction {
  interaction: string;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** The Patient the interaction is about, if any (null or absent: none). */
  patientId?: string | null;
  query?: string;
  outcome?: AccessRecord['outcome'];
  detail?: string;
  resources?: AccessRecord['resources'];
}

/** The access record of a FHIR interaction within the caller's own institution. */
export function fhirAccessRecord(ctx: RequestContext, interaction: FhirInteraction): AccessRecord {
  const resources = interaction.resources ?? (interaction.resourceType && interaction.id ? [{ type: interaction.resourceType, id: interaction.id, versionId: interaction.versionId }] : []);
  return {
    action: FHIR_ACTIONS[interaction.interaction] ?? 'E',
    subtype: interaction.interaction,
    outcome: interaction.outcome ?? 'success',
    resources,
    basis: 'own-institution',
    ...(interaction.detail ? { detail: interaction.detail } : {}),
    ...(interaction.patientId ? { patient: { tenantId: ctx.tenantId, id: interaction.patientId } } : {}),
    ...(interaction.query !== undefined ? { query: interaction.query } : {}),
  };
}

/**
 * For fhir-store: queues the AuditEvent of one FHIR REST interaction in the
 * interaction's own transaction. Fastify-free.
 */
export async function auditFhirInteraction(q: Queryable, ctx: RequestContext, interaction: FhirInteraction): Promise<void> {
  await recordAccess(q, ctx, fhirAccessRecord(ctx, interaction));
}

/**
 * Several interactions, possibly of different callers (a group-committed batch), in one statement:
 * one AuditEvent per interaction, or with `batch`, one per agent and kind of interaction (batchQueuedAudits).
 */
export async function auditFhirInteractions(
  q: Queryable,
  items: ReadonlyArray<{ ctx: RequestContext; interaction: FhirInteraction }>,
  options: { batch?: boolean } = {},
): Promise<void> {
  if (items.length === 0) return;
  const now = new Date();
  const accesses = items.map(({ ctx, interaction }) => ({ ctx, record: fhirAccessRecord(ctx, interaction) }));
  await queue(q, options.batch ? batchQueuedAudits(accesses, now) : accesses.map((a) => buildBatchedAudit([a], now)));
}
