import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../platform/storage/index.js';
import { recordKey, type RecordRef } from '../patient-person.js';

/** SQL of candidate pairs (the review queue) and steward decisions. */

export type PairStatus = 'open' | 'linked' | 'kept-apart' | 'merged' | 'withdrawn';
export type DecisionKind = 'link' | 'keep-apart' | 'merge' | 'unmerge' | 'relink';

/** One field of a pair's comparison: the level, its label and its weight in the score (natural log). */
export interface FieldComparison {
  field: string;
  level: number;
  label: string;
  weight: number;
}

export interface PairComparison {
  prior: number;
  fields: FieldComparison[];
}

export interface PairRow {
  id: string;
  a: RecordRef;
  b: RecordRef;
  probability: number;
  logOdds: number;
  comparison: PairComparison;
  status: PairStatus;
  createdAt: Date;
  updatedAt: Date;
}

interface RawPair {
  id: string;
  a_tenant_id: string;
  a_patient_id: string;
  b_tenant_id: string;
  b_patient_id: string;
  probability: number;
  log_odds: number;
  comparison: PairComparison;
  status: PairStatus;
  created_at: Date;
  updated_at: Date;
}

const toPair = (r: RawPair): PairRow => ({
  id: r.id,
  a: { tenantId: r.a_tenant_id, patientId: r.a_patient_id },
  b: { tenantId: r.b_tenant_id, patientId: r.b_patient_id },
  probability: Number(r.probability),
  logOdds: Number(r.log_odds),
  comparison: r.comparison,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** One pair of records has one row: the two sides in a fixed order. */
export function orderPair(x: RecordRef, y: RecordRef): [RecordRef, RecordRef] {
  return recordKey(x) < recordKey(y) ? [x, y] : [y, x];
}

/** Every pair row touching a record (any status). */
export async function selectPairsOf(q: Queryable, ref: RecordRef): Promise<PairRow[]> {
  const { rows } = await q.query<RawPair>(
    `SELECT * FROM identity_pairs WHERE (a_tenant_id = $1 AND a_patient_id = $2) OR (b_tenant_id = $1 AND b_patient_id = $2)`,
    [ref.tenantId, ref.patientId],
  );
  return rows.map(toPair);
}

export async function selectPair(q: Queryable, id: string, forUpdate = false): Promise<PairRow | null> {
  const { rows } = await q.query<RawPair>(`SELECT * FROM identity_pairs WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toPair(rows[0]) : null;
}

/**
 * Opens (or refreshes) a review pair. A pair a steward decided keeps its status; a withdrawn one reopens.
 */
export async function upsertOpenPair(q: Queryable, x: RecordRef, y: RecordRef, score: { probability: number; logOdds: number; comparison: PairComparison }): Promise<void> {
  const [a, b] = orderPair(x, y);
  await q.query(
    `INSERT INTO identity_pairs (id, a_tenant_id, a_patient_id, b_tenant_id, b_patient_id, probability, log_odds, comparison)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (a_tenant_id, a_patient_id, b_tenant_id, b_patient_id) DO UPDATE
       SET probability = EXCLUDED.probability, log_odds = EXCLUDED.log_odds, comparison = EXCLUDED.comparison, updated_at = now(),
           status = CASE WHEN identity_pairs.status = 'withdrawn' THEN 'open' ELSE identity_pairs.status END`,
    [randomUUID(), a.tenantId, a.patientId, b.tenantId, b.patientId, score.probability, score.logOdds, JSON.stringify(score.comparison)],
  );
}

export async function setPairStatus(q: Queryable, id: string, status: PairStatus): Promise<void> {
  await q.query('UPDATE identity_pairs SET status = $2, updated_at = now() WHERE id = $1', [id, status]);
}

/** Withdraws a record's open pairs except those with the given partners (they no longer need a decision). */
export async function withdrawOpenPairs(q: Queryable, ref: RecordRef, keepPartners: readonly string[]): Promise<void> {
  const pairs = await selectPairsOf(q, ref);
  for (const p of pairs) {
    if (p.status !== 'open') continue;
    const other = recordKey(p.a) === recordKey(ref) ? p.b : p.a;
    if (!keepPartners.includes(recordKey(other))) await setPairStatus(q, p.id, 'withdrawn');
  }
}

export interface QueuePage {
  pairs: PairRow[];
  total: number;
}

/**
 * Open pairs, highest score first (newest first among equals). `tenantId` limits the queue to pairs touching
 * that institution; null shows the whole region.
 */
export async function selectOpenPairs(q: Queryable, options: { tenantId: string | null; limit: number; offset: number; sort: 'score' | 'newest' }): Promise<QueuePage> {
  const where = `status = 'open'${options.tenantId ? ' AND (a_tenant_id = $3 OR b_tenant_id = $3)' : ''}`;
  const order = options.sort === 'score' ? 'probability DESC, created_at DESC, id' : 'created_at DESC, probability DESC, id';
  const params: unknown[] = [options.limit, options.offset];
  if (options.tenantId) params.push(options.tenantId);
  const { rows } = await q.query<RawPair>(`SELECT * FROM identity_pairs WHERE ${where} ORDER BY ${order} LIMIT $1 OFFSET $2`, params);
  const count = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM identity_pairs WHERE ${where.replaceAll('$3', '$1')}`,
    options.tenantId ? [options.tenantId] : [],
  );
  return { pairs: rows.map(toPair), total: Number(count.rows[0].n) };
}

export interface DecisionRow {
  id: number;
  pairId: string;
  decision: DecisionKind;
  previousStatus: PairStatus;
  survivor: RecordRef | null;
  previousActive: boolean | null;
  actor: { kind: string; id: string; tenantId: string };
  reason: string | null;
  decidedAt: Date;
  reversedAt: Date | null;
}

export async function insertDecision(
  q: Queryable,
  d: Omit<DecisionRow, 'id' | 'decidedAt' | 'reversedAt'>,
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO identity_decisions (pair_id, decision, previous_status, survivor_tenant_id, survivor_patient_id, previous_active, actor_kind, actor_id, actor_tenant_id, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [d.pairId, d.decision, d.previousStatus, d.survivor?.tenantId ?? null, d.survivor?.patientId ?? null, d.previousActive, d.actor.kind, d.actor.id, d.actor.tenantId, d.reason],
  );
  return Number(rows[0].id);
}

export async function markDecisionReversed(q: Queryable, id: number): Promise<void> {
  await q.query('UPDATE identity_decisions SET reversed_at = now() WHERE id = $1', [id]);
}

/** A pair's decisions, oldest first. */
export async function selectDecisions(q: Queryable, pairId: string): Promise<DecisionRow[]> {
  const { rows } = await q.query<Record<string, unknown>>('SELECT * FROM identity_decisions WHERE pair_id = $1 ORDER BY id', [pairId]);
  return rows.map((r) => ({
    id: Number(r.id),
    pairId: String(r.pair_id),
    decision: r.decision as DecisionKind,
    previousStatus: r.previous_status as PairStatus,
    survivor: r.survivor_tenant_id ? { tenantId: String(r.survivor_tenant_id), patientId: String(r.survivor_patient_id) } : null,
    previousActive: r.previous_active === null ? null : Boolean(r.previous_active),
    actor: { kind: String(r.actor_kind), id: String(r.actor_id), tenantId: String(r.actor_tenant_id) },
    reason: r.reason === null ? null : String(r.reason),
    decidedAt: r.decided_at as Date,
    reversedAt: (r.reversed_at as Date | null) ?? null,
  }));
}
