import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/storage/index.js';

/** A notification waiting in (or taken from) subscription_deliveries. */
export interface Delivery {
  id: number;
  tenantId: string;
  subscriptionId: string;
  channel: 'rest-hook' | 'websocket';
  resourceType: string;
  resourceId: string;
  versionId: number | null;
  attempts: number;
}

interface DeliveryRow {
  id: number;
  tenant_id: string;
  subscription_id: string;
  channel: 'rest-hook' | 'websocket';
  resource_type: string;
  resource_id: string;
  version_id: number | null;
  attempts: number;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id, tenantId: r.tenant_id, subscriptionId: r.subscription_id, channel: r.channel,
    resourceType: r.resource_type, resourceId: r.resource_id, versionId: r.version_id, attempts: r.attempts,
  };
}

/** The Subscriptions of these tenants that are active or waiting to be activated. */
export async function selectLiveSubscriptions(q: Queryable, tenantIds: readonly string[]): Promise<Array<{ tenantId: string; subscription: Subscription }>> {
  if (tenantIds.length === 0) return [];
  const { rows } = await q.query<{ tenant_id: string; content: Subscription }>(
    `SELECT tenant_id, content FROM fhir_resources
      WHERE tenant_id = ANY($1::text[]) AND resource_type = 'Subscription' AND NOT deleted
        AND content->>'status' IN ('requested', 'active')`,
    [tenantIds],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, subscription: r.content }));
}

/** The current version of one Subscription (undefined when absent or deleted). */
export async function selectSubscription(q: Queryable, tenantId: string, id: string): Promise<Subscription | undefined> {
  const { rows } = await q.query<{ content: Subscription }>(
    `SELECT content FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Subscription' AND id = $2 AND NOT deleted`,
    [tenantId, id],
  );
  return rows[0]?.content;
}

/** The version of a resource a notification is about (its current version when that one is gone). */
export async function selectNotifiedResource(q: Queryable, d: Delivery): Promise<Resource | undefined> {
  const { rows } = await q.query<{ content: Resource | null }>(
    `SELECT COALESCE(
        (SELECT content FROM fhir_resource_history WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 AND version_id = $4),
        (SELECT content FROM fhir_resources WHERE tenant_id = $1 AND resource_type = $2 AND id = $3)) AS content`,
    [d.tenantId, d.resourceType, d.resourceId, d.versionId ?? 0],
  );
  return rows[0]?.content ?? undefined;
}

export interface NewDelivery {
  tenantId: string;
  subscriptionId: string;
  channel: string;
  resourceType: string;
  resourceId: string;
  versionId: number | null;
}

export async function insertDeliveries(q: Queryable, deliveries: readonly NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await q.query(
    `INSERT INTO subscription_deliveries (tenant_id, subscription_id, channel, resource_type, resource_id, version_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[])`,
    [
      deliveries.map((d) => d.tenantId), deliveries.map((d) => d.subscriptionId), deliveries.map((d) => d.channel),
      deliveries.map((d) => d.resourceType), deliveries.map((d) => d.resourceId), deliveries.map((d) => d.versionId),
    ],
  );
}

/**
 * Takes due deliveries for this worker: their next attempt moves `leaseMs`
 * ahead, so another worker skips them, and a worker that dies mid-delivery
 * leaves them to be retried when the lease runs out (at-least-once).
 * Websocket deliveries are taken only for subscriptions bound here (`boundKeys`, `tenant/id`).
 * A delivery waits while an earlier one of its Subscription is in flight or waiting for a retry.
 */
export async function claimDueDeliveries(q: Queryable, options: { limit: number; leaseMs: number; boundKeys: readonly string[]; tenantId?: string }): Promise<Delivery[]> {
  const { rows } = await q.query<DeliveryRow>(
    `UPDATE subscription_deliveries d SET next_attempt_at = now() + ($2::int8 * interval '1 millisecond')
      WHERE d.id IN (
        SELECT id FROM subscription_deliveries p
         WHERE state = 'pending' AND next_attempt_at <= now()
           AND (channel = 'rest-hook' OR tenant_id || '/' || subscription_id = ANY($3::text[]))
           AND ($4::text IS NULL OR tenant_id = $4)
           -- one Subscription's notifications go out in order: none overtakes an earlier one waiting to be retried or in flight
           AND NOT EXISTS (SELECT 1 FROM subscription_deliveries e
                            WHERE e.tenant_id = p.tenant_id AND e.subscription_id = p.subscription_id AND e.state = 'pending'
                              AND e.id < p.id AND e.next_attempt_at > now())
         ORDER BY next_attempt_at, id
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.tenant_id, d.subscription_id, d.channel, d.resource_type, d.resource_id, d.version_id, d.attempts`,
    [options.limit, options.leaseMs, options.boundKeys, options.tenantId ?? null],
  );
  return rows.map(toDelivery).sort((a, b) => a.id - b.id);
}

export async function markDelivered(q: Queryable, id: number): Promise<void> {
  await q.query(`UPDATE subscription_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE id = $1`, [id]);
}

/** Records a failed attempt: retried at `retryAt`, or given up (`failed`) when that is null. */
export async function recordFailedAttempt(q: Queryable, id: number, error: string, retryAt: Date | null): Promise<void> {
  await q.query(
    `UPDATE subscription_deliveries
        SET attempts = attempts + 1, last_error = $2,
            state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = COALESCE($3::timestamptz, next_attempt_at)
      WHERE id = $1`,
    [id, error.slice(0, 2000), retryAt],
  );
}

/** Drops a delivery nobody can receive (Subscription off, in error, deleted; websocket with no listener). */
export async function dropDeliveries(q: Queryable, ids: readonly number[], reason: string): Promise<void> {
  if (ids.length === 0) return;
  await q.query(`UPDATE subscription_deliveries SET state = 'dropped', last_error = $2 WHERE id = ANY($1::int8[]) AND state = 'pending'`, [ids, reason]);
}

/** Drops the pending deliveries of a Subscription that stopped (status error or off). */
export async function dropPendingOfSubscription(q: Queryable, tenantId: string, subscriptionId: string, reason: string): Promise<void> {
  await q.query(
    `UPDATE subscription_deliveries SET state = 'dropped', last_error = $3 WHERE tenant_id = $1 AND subscription_id = $2 AND state = 'pending'`,
    [tenantId, subscriptionId, reason],
  );
}

/** A websocket notification is only useful live: one nobody was bound to receive for `maxAgeMs` is dropped. */
export async function dropStaleWebsocketDeliveries(q: Queryable, maxAgeMs: number): Promise<void> {
  await q.query(
    `UPDATE subscription_deliveries SET state = 'dropped', last_error = 'no websocket bound'
      WHERE state = 'pending' AND channel = 'websocket' AND created_at < now() - ($1::int8 * interval '1 millisecond')`,
    [maxAgeMs],
  );
}

/** Delivery states of one Subscription (for tests and operators). */
export async function selectDeliveries(q: Queryable, tenantId: string, subscriptionId: string): Promise<Array<Delivery & { state: string; lastError: string | null }>> {
  const { rows } = await q.query<DeliveryRow & { state: string; last_error: string | null }>(
    `SELECT * FROM subscription_deliveries WHERE tenant_id = $1 AND subscription_id = $2 ORDER BY id`,
    [tenantId, subscriptionId],
  );
  return rows.map((r) => ({ ...toDelivery(r), state: r.state, lastError: r.last_error }));
}

/** Moves deliveries to a later attempt without counting one (they wait behind a failed one of the same Subscription). */
export async function postponeDeliveries(q: Queryable, ids: readonly number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await q.query(`UPDATE subscription_deliveries SET next_attempt_at = $2 WHERE id = ANY($1::int8[]) AND state = 'pending'`, [ids, at]);
}
