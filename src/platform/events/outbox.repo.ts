import type { Queryable } from '../storage/index.js';

/** One committed change, as written to outbox_events in the transaction that made it. */
export interface OutboxEvent {
  seq: number;
  /** The writing transaction's id (xid8, as text); events are consumed in (txId, seq) order. */
  txId: string;
  tenantId: string;
  /** fhir.create | fhir.update | fhir.delete | <module>.<what> */
  eventType: string;
  resourceType: string | null;
  resourceId: string | null;
  versionId: number | null;
  payload: unknown;
  createdAt: Date;
}

interface EventRow {
  seq: number;
  tx_id: string;
  tenant_id: string;
  event_type: string;
  resource_type: string | null;
  resource_id: string | null;
  version_id: number | null;
  payload: unknown;
  created_at: Date;
}

export interface Cursor {
  lastTx: string;
  lastSeq: number;
  failures: number;
}

/** Inserts an event in the caller's transaction: it exists exactly when the change it describes commits. */
export async function insertOutboxEvent(
  q: Queryable,
  e: { tenantId: string; eventType: string; resourceType?: string; resourceId?: string; versionId?: number; payload?: unknown },
): Promise<void> {
  await q.query(
    `INSERT INTO outbox_events (tenant_id, event_type, resource_type, resource_id, version_id, payload)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.tenantId, e.eventType, e.resourceType ?? null, e.resourceId ?? null, e.versionId ?? null, e.payload === undefined ? null : JSON.stringify(e.payload)],
  );
}

/** Locks the consumer's cursor row for this transaction (creating it at the start of the log if new). */
export async function lockCursor(q: Queryable, consumer: string): Promise<Cursor> {
  await q.query('INSERT INTO outbox_cursors (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING', [consumer]);
  const { rows } = await q.query<{ last_tx: string; last_seq: number; failures: number }>(
    'SELECT last_tx::text AS last_tx, last_seq, failures FROM outbox_cursors WHERE consumer = $1 FOR UPDATE',
    [consumer],
  );
  const row = rows[0];
  return { lastTx: row.last_tx, lastSeq: row.last_seq, failures: row.failures };
}

/**
 * Events after the cursor from transactions that have all finished: anything a
 * still-running transaction writes will get a position after these.
 */
export async function selectEventsAfter(q: Queryable, cursor: Cursor, limit: number): Promise<OutboxEvent[]> {
  const { rows } = await q.query<EventRow>(
    `SELECT seq, tx_id::text AS tx_id, tenant_id, event_type, resource_type, resource_id, version_id, payload, created_at
       FROM outbox_events
      WHERE (tx_id, seq) > ($1::xid8, $2::int8)
        AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY tx_id, seq
      LIMIT $3`,
    [cursor.lastTx, cursor.lastSeq, limit],
  );
  return rows.map((r) => ({
    seq: r.seq,
    txId: r.tx_id,
    tenantId: r.tenant_id,
    eventType: r.event_type,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    versionId: r.version_id,
    payload: r.payload,
    createdAt: r.created_at,
  }));
}

export async function advanceCursor(q: Queryable, consumer: string, last: { txId: string; seq: number }): Promise<void> {
  await q.query(
    `UPDATE outbox_cursors SET last_tx = $2::xid8, last_seq = $3, failures = 0, last_error = NULL, updated_at = now() WHERE consumer = $1`,
    [consumer, last.txId, last.seq],
  );
}

export async function recordFailure(q: Queryable, consumer: string, message: string): Promise<void> {
  await q.query(
    `INSERT INTO outbox_cursors (consumer, failures, last_error) VALUES ($1, 1, $2)
     ON CONFLICT (consumer) DO UPDATE SET failures = outbox_cursors.failures + 1, last_error = $2, updated_at = now()`,
    [consumer, message.slice(0, 2000)],
  );
}

/** Moves a new consumer's cursor to the end of the log, so it sees only events from now on. */
export async function startCursorAtEnd(q: Queryable, consumer: string): Promise<void> {
  await q.query(
    `INSERT INTO outbox_cursors (consumer, last_tx, last_seq)
     SELECT $1, COALESCE(max(tx_id), '0'::xid8), COALESCE(max(seq), 0) FROM outbox_events
     ON CONFLICT (consumer) DO NOTHING`,
    [consumer],
  );
}

/** How far each consumer lags behind (for /metrics and tests). */
export async function selectConsumerLag(q: Queryable): Promise<Array<{ consumer: string; pending: number; failures: number; lastError: string | null }>> {
  const { rows } = await q.query<{ consumer: string; pending: number; failures: number; last_error: string | null }>(
    `SELECT c.consumer, c.failures, c.last_error,
            (SELECT count(*) FROM outbox_events e WHERE (e.tx_id, e.seq) > (c.last_tx, c.last_seq))::int8 AS pending
       FROM outbox_cursors c ORDER BY c.consumer`,
  );
  return rows.map((r) => ({ consumer: r.consumer, pending: r.pending, failures: r.failures, lastError: r.last_error }));
}

/** The newest transaction that has committed an event so far (null when the log is empty). */
export async function selectNewestCommittedTx(q: Queryable): Promise<string | null> {
  const { rows } = await q.query<{ tx: string | null }>('SELECT max(tx_id)::text AS tx FROM outbox_events');
  return rows[0]?.tx ?? null;
}

/** True when one of the consumers has not yet reached transaction `tx`. */
export async function anyConsumerBefore(q: Queryable, consumers: readonly string[], tx: string): Promise<boolean> {
  if (consumers.length === 0) return false;
  const { rows } = await q.query<{ n: number }>(
    'SELECT count(*)::int8 AS n FROM outbox_cursors WHERE consumer = ANY($1::text[]) AND last_tx < $2::xid8',
    [consumers, tx],
  );
  return rows[0].n > 0;
}
