import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import { appendAuditEvent, buildAuditEvent } from '../audit/index.js';
import { IdentityErrors } from './errors.js';
import { indexPatient } from './online-match.service.js';
import { recordKey, type RecordRef } from './patient-person.js';
import { syncPersons } from './patient-sync.service.js';
import { ALLOWED_DECISIONS, getPairDetail, loadVisiblePair, type PairDetail } from './review.service.js';
import { assertSteward } from './steward.js';
import { insertPerson, markPersonMerged, selectMembers, selectRecord, selectStoredPatient, setRegionalId, setReplacedBy } from './store/index.repo.js';
import { insertDecision, markDecisionReversed, selectDecisions, setPairStatus, type DecisionKind, type PairRow, type PairStatus } from './store/pair.repo.js';

const DECISIONS: readonly DecisionKind[] = ['link', 'keep-apart', 'merge', 'unmerge', 'relink'];

export interface DecisionInput {
  decision: DecisionKind;
  reason?: string;
  /** merge: which side survives (default a). */
  survivor?: 'a' | 'b';
}

/** Checks a decision request body; 400 with the offending field otherwise. */
export function parseDecision(body: unknown): DecisionInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HubError(IdentityErrors.INVALID_DECISION, 'The body must be a JSON object { "decision": … }');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.decision !== 'string' || !(DECISIONS as readonly string[]).includes(b.decision)) {
    throw new HubError(IdentityErrors.INVALID_DECISION, `decision must be one of ${DECISIONS.join(', ')}`, { expression: ['decision'] });
  }
  if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > 2000)) {
    throw new HubError(IdentityErrors.INVALID_DECISION, 'reason must be a string of at most 2000 characters', { expression: ['reason'] });
  }
  if (b.survivor !== undefined && b.survivor !== 'a' && b.survivor !== 'b') {
    throw new HubError(IdentityErrors.INVALID_DECISION, 'survivor must be "a" or "b"', { expression: ['survivor'] });
  }
  if (b.survivor !== undefined && b.decision !== 'merge') {
    throw new HubError(IdentityErrors.INVALID_DECISION, 'survivor applies only to merge', { expression: ['survivor'] });
  }
  return { decision: b.decision as DecisionKind, reason: b.reason as string | undefined, survivor: b.survivor as 'a' | 'b' | undefined };
}

/** Puts every record of `from`'s person into `into`'s person (the other person's id stays resolvable). */
async function foldPersons(tx: Tx, into: RecordRef, from: RecordRef): Promise<string[]> {
  const a = await selectRecord(tx, into);
  const b = await selectRecord(tx, from);
  if (!a || !b) throw new HubError(IdentityErrors.RECORD_NOT_INDEXED, 'A record of this pair is no longer in the index (its Patient was deleted)');
  if (a.regionalId === b.regionalId) return [a.regionalId];
  const moving = await selectMembers(tx, [b.regionalId]);
  await setRegionalId(tx, moving, a.regionalId);
  await markPersonMerged(tx, b.regionalId, a.regionalId);
  return [a.regionalId];
}

/** Moves one record out of its person into a new one; returns both ids. */
async function separate(tx: Tx, ref: RecordRef): Promise<string[]> {
  const rec = await selectRecord(tx, ref);
  if (!rec) return [];
  const fresh = randomUUID();
  await insertPerson(tx, fresh);
  await setRegionalId(tx, [ref], fresh);
  return [rec.regionalId, fresh];
}

interface Effect {
  status: PairStatus;
  persons: string[];
  active?: Map<string, boolean>;
  survivor?: RecordRef;
  previousActive?: boolean | null;
  rematch?: RecordRef[];
}

async function applyDecision(tx: Tx, pair: PairRow, input: DecisionInput): Promise<Effect> {
  switch (input.decision) {
    case 'link':
      return { status: 'linked', persons: await foldPersons(tx, pair.a, pair.b) };
    case 'keep-apart': {
      const a = await selectRecord(tx, pair.a);
      const b = await selectRecord(tx, pair.b);
      const persons = a && b && a.regionalId === b.regionalId ? await separate(tx, pair.b) : [];
      return { status: 'kept-apart', persons };
    }
    case 'merge': {
      const [survivor, loser] = input.survivor === 'b' ? [pair.b, pair.a] : [pair.a, pair.b];
      const persons = await foldPersons(tx, survivor, loser);
      await setReplacedBy(tx, loser, survivor);
      const stored = await selectStoredPatient(tx, loser);
      return { status: 'merged', persons, survivor, previousActive: stored?.patient.active ?? null, active: new Map([[recordKey(loser), false]]) };
    }
    case 'unmerge': {
      const merge = (await selectDecisions(tx, pair.id)).filter((d) => d.decision === 'merge' && !d.reversedAt).pop();
      if (!merge?.survivor) throw new HubError(IdentityErrors.DECISION_NOT_APPLICABLE, 'This pair has no merge to undo');
      const loser = recordKey(merge.survivor) === recordKey(pair.a) ? pair.b : pair.a;
      await setReplacedBy(tx, loser, null);
      await markDecisionReversed(tx, merge.id);
      const rec = await selectRecord(tx, loser);
      // Patient.active goes back to what it was before the merge (absent stays absent: true is FHIR's default).
      return { status: 'linked', persons: rec ? [rec.regionalId] : [], active: new Map([[recordKey(loser), merge.previousActive ?? true]]) };
    }
    case 'relink': {
      // Back to the matcher's judgement: every standing decision on the pair is reversed.
      for (const d of await selectDecisions(tx, pair.id)) if (!d.reversedAt && d.decision !== 'relink') await markDecisionReversed(tx, d.id);
      const persons = pair.status === 'linked' ? await separate(tx, pair.b) : [];
      return { status: 'open', persons, rematch: [pair.a, pair.b] };
    }
  }
}

/**
 * Applies a steward's decision on a review pair in one transaction: the index change, the Patients' regional
 * ids and links, the decision row and an AuditEvent in the audit log. Every decision can be undone: link and
 * keep-apart by relink (back to the matcher's judgement), merge by unmerge.
 */
export async function decidePair(db: Db, ctx: RequestContext, id: string, body: unknown): Promise<PairDetail> {
  const reach = assertSteward(ctx);
  const input = parseDecision(body);
  await db.transaction(async (tx) => {
    const pair = await loadVisiblePair(tx, reach, id, true);
    if (!ALLOWED_DECISIONS[pair.status].includes(input.decision)) {
      const spec = pair.status === 'open' ? IdentityErrors.DECISION_NOT_APPLICABLE : IdentityErrors.PAIR_CLOSED;
      throw new HubError(spec, `Pair ${pair.id} is ${pair.status}: ${input.decision} is not possible (allowed: ${ALLOWED_DECISIONS[pair.status].join(', ') || 'none'})`);
    }
    const effect = await applyDecision(tx, pair, input);
    await setPairStatus(tx, pair.id, effect.status);
    await insertDecision(tx, {
      pairId: pair.id,
      decision: input.decision,
      previousStatus: pair.status,
      survivor: effect.survivor ?? null,
      previousActive: effect.previousActive ?? null,
      actor: { kind: ctx.actor.kind, id: ctx.actor.id, tenantId: ctx.tenantId },
      reason: input.reason ?? null,
    });
    const options = { baseUrl: ctx.baseUrl, requestId: ctx.requestId };
    await syncPersons(tx, effect.persons, { ...options, active: effect.active });
    for (const ref of effect.rematch ?? []) await indexPatient(tx, ref, { ...options, force: true });
    await appendAuditEvent(
      tx,
      buildAuditEvent({
        tenantId: ctx.tenantId,
        action: 'U',
        subtype: `identity-${input.decision}`,
        agent: { kind: ctx.actor.kind, id: ctx.actor.id, display: ctx.actor.display, roles: ctx.actor.roles },
        purposeOfUse: ctx.purposeOfUse,
        patientId: pair.a.patientId,
        patientTenantId: pair.a.tenantId,
        resources: [
          { type: 'Patient', id: pair.a.patientId },
          { type: 'Patient', id: pair.b.patientId },
        ],
        requestId: ctx.requestId,
      }),
    );
  });
  return getPairDetail(db, ctx, id);
}
