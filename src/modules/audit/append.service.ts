import type { AuditEvent } from '@medplum/fhirtypes';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import { auditEventTenant } from './audit-event.builder.js';
import { AuditErrors } from './errors.js';
import { canonicalJson } from './canonical-json.js';
import { ID_PATTERN, encodeLeafText } from './leaf.js';
import { lockLogHead, writeAppend, type NewLeaf, type NewNode } from './log.repo.js';
import { appendToFrontier, decodeFrontier, encodeFrontier } from './merkle/compact-range.js';
import { hashLeaf } from './merkle/hasher.js';
import { subtreeEnd } from './merkle/ranges.js';

/** The hub's one regional audit log. Other log ids exist for tests and future split logs. */
export const DEFAULT_LOG_ID = 'main';

export interface AppendOptions {
  logId?: string;
}

export interface AppendedLeaf {
  logId: string;
  /** 0-based leaf index in the Merkle tree. */
  seq: number;
  leafHash: Buffer;
}

/** Checks a log id (it is part of every leaf's bytes). */
export function assertLogId(logId: string): void {
  if (!ID_PATTERN.test(logId)) throw new HubError(AuditErrors.INVALID_LOG_ID, `log id must match ${ID_PATTERN}`, { expression: ['logId'] });
}

/**
 * Checks what a leaf needs of an AuditEvent (type, recorded, agent, observer, tenant tag) and
 * returns its tenant; `position` names the event in error messages.
 */
export function validateAuditEvent(event: AuditEvent, position: number): string {
  const where = (field: string) => [`events[${position}].${field}`];
  if (event?.resourceType !== 'AuditEvent') throw new HubError(AuditErrors.INVALID_EVENT, 'Only AuditEvent resources can be appended', { expression: where('resourceType') });
  if (!event.type?.code) throw new HubError(AuditErrors.INVALID_EVENT, 'AuditEvent.type is required', { expression: where('type') });
  if (!event.recorded || Number.isNaN(Date.parse(event.recorded))) {
    throw new HubError(AuditErrors.INVALID_EVENT, 'AuditEvent.recorded must be an instant', { expression: where('recorded') });
  }
  if (!Array.isArray(event.agent) || event.agent.length === 0) throw new HubError(AuditErrors.INVALID_EVENT, 'AuditEvent.agent is required', { expression: where('agent') });
  if (!event.source?.observer) throw new HubError(AuditErrors.INVALID_EVENT, 'AuditEvent.source.observer is required', { expression: where('source.observer') });
  const tenantId = auditEventTenant(event);
  if (!tenantId || !ID_PATTERN.test(tenantId)) {
    throw new HubError(AuditErrors.INVALID_EVENT, 'AuditEvent needs a tenant tag in meta.tag (use buildAuditEvent)', { expression: where('meta.tag') });
  }
  return tenantId;
}

function isDb(target: Tx | Db): target is Db {
  return typeof (target as Db).transaction === 'function';
}

/** An AuditEvent already checked (validateAuditEvent) and written as canonical JSON, with its tenant. */
export interface CanonicalAuditEvent {
  tenantId: string;
  json: string;
}

/**
 * Appends AuditEvents as leaves of the log inside the caller's transaction,
 * so the audit record commits with the change it records or not at all.
 * Appends to one log are serialised by a row lock held until that
 * transaction ends: append last, just before commit, to hold it briefly.
 * Given the Db itself rather than a transaction, it opens its own.
 */
export async function appendAuditEvents(tx: Tx | Db, events: readonly AuditEvent[], options: AppendOptions = {}): Promise<AppendedLeaf[]> {
  if (isDb(tx)) return tx.transaction((inner) => appendAuditEvents(inner, events, options));
  assertLogId(options.logId ?? DEFAULT_LOG_ID);
  const tenants = events.map(validateAuditEvent);
  return appendCanonicalEvents(tx, events.map((event, i) => ({ tenantId: tenants[i], json: canonicalJson(event) })), options);
}

/**
 * appendAuditEvents for events already checked and serialised (the sequencer's queue rows):
 * each leaf embeds `json` as it is, so it must be the canonical JSON of a valid AuditEvent.
 */
export async function appendCanonicalEvents(tx: Tx, events: readonly CanonicalAuditEvent[], options: AppendOptions = {}): Promise<AppendedLeaf[]> {
  const logId = options.logId ?? DEFAULT_LOG_ID;
  assertLogId(logId);
  if (events.length === 0) return [];

  const head = await lockLogHead(tx, logId);
  let frontier = decodeFrontier(head.frontier, head.treeSize);
  const leaves: NewLeaf[] = [];
  const nodes: NewNode[] = [];
  events.forEach(({ tenantId, json }, i) => {
    const seq = head.treeSize + i;
    const leafData = encodeLeafText({ logId, seq, tenantId }, json);
    const leafHash = hashLeaf(leafData);
    const appended = appendToFrontier(frontier, seq, leafHash);
    frontier = appended.frontier;
    leaves.push({ seq, tenantId, leafHash, leafData });
    for (const node of appended.completed) nodes.push({ endSeq: subtreeEnd(node), level: node.level, hash: node.hash });
  });
  await writeAppend(tx, logId, leaves, nodes, { treeSize: head.treeSize + events.length, frontier: encodeFrontier(frontier) });
  return leaves.map((leaf) => ({ logId, seq: leaf.seq, leafHash: leaf.leafHash }));
}

/** Appends one AuditEvent (see appendAuditEvents). */
export async function appendAuditEvent(tx: Tx | Db, event: AuditEvent, options: AppendOptions = {}): Promise<AppendedLeaf> {
  const [leaf] = await appendAuditEvents(tx, [event], options);
  return leaf;
}
