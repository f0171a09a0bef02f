import type { Subscription } from '@medplum/fhirtypes';
import { HubError } from '../../../platform/errors/index.js';
import type { RequestContext } from '../../../platform/context/request-context.js';
import type { OutboxConsumer, OutboxEvent } from '../../../platform/events/index.js';
import type { Queryable, Tx } from '../../../platform/storage/index.js';
import { findMatchingResources } from '../search/search.service.js';
import { updateInTx } from '../write.service.js';
import { checkSubscription, type ParsedCriteria } from './subscription-check.js';
import { insertDeliveries, selectLiveSubscriptions, type NewDelivery } from './subscription.repo.js';

export const SUBSCRIPTION_CONSUMER = 'fhir-store.subscriptions';

interface LiveSubscription {
  subscription: Subscription;
  criteria: ParsedCriteria;
}

/** The hub itself, as the actor that activates or fails a Subscription. */
function systemContext(tenantId: string, baseUrl: string): RequestContext {
  return { tenantId, actor: { kind: 'system', id: 'xietong-subscriptions' }, scopes: [], requestId: 'subscriptions', baseUrl };
}

function isLive(s: Subscription, now: number): boolean {
  return s.status === 'active' && (!s.end || Date.parse(s.end) > now);
}

/**
 * requested → active once the hub has checked it, or → error with the reason
 * (https://hl7.org/fhir/R4/subscription.html#2.46.6). Subscriptions posted
 * through the REST API were already checked; those arriving in a Bundle are
 * checked here. The change is a new version written with the caller's `tx`.
 */
async function activateSubscription(tx: Tx, subscription: Subscription, tenantId: string, baseUrl: string): Promise<Subscription> {
  let next: Subscription;
  try {
    checkSubscription(subscription);
    next = { ...subscription, status: 'active' };
    delete next.error;
  } catch (err) {
    next = { ...subscription, status: 'error', error: err instanceof Error ? err.message : String(err) };
  }
  const { meta: _meta, ...body } = next;
  const result = await updateInTx(tx, systemContext(tenantId, baseUrl), 'Subscription', subscription.id!, body);
  return result.resource as Subscription;
}

/**
 * Groups the tenant's live Subscriptions. One that fails the checks (criteria that no longer parse, or an
 * `active` one with an unsupported channel that came in through a Bundle) is left out: it never matches.
 */
function indexLive(rows: Array<{ tenantId: string; subscription: Subscription }>): Map<string, Map<string, LiveSubscription>> {
  const byTenant = new Map<string, Map<string, LiveSubscription>>();
  for (const { tenantId, subscription } of rows) {
    let criteria: ParsedCriteria;
    try {
      criteria = checkSubscription(subscription);
    } catch {
      continue;
    }
    const subs = byTenant.get(tenantId) ?? new Map<string, LiveSubscription>();
    subs.set(subscription.id!, { subscription, criteria });
    byTenant.set(tenantId, subs);
  }
  return byTenant;
}

/**
 * Matches one batch of changes against the tenant's active Subscriptions with
 * the store's own search engine (criteria AND `_id=<changed ids>`), so a
 * Subscription matches exactly what the same search would return. A change
 * that is no longer the current version is skipped: its newer version has its
 * own event and is notified then.
 */
async function queueMatches(q: Queryable, events: OutboxEvent[], live: Map<string, Map<string, LiveSubscription>>): Promise<NewDelivery[]> {
  const now = Date.now();
  const groups = new Map<string, { tenantId: string; resourceType: string; versions: Map<string, number | null> }>();
  for (const e of events) {
    if (!e.resourceType || !e.resourceId || e.resourceType === 'Subscription' || !live.has(e.tenantId)) continue;
    const key = `${e.tenantId}\u0000${e.resourceType}`;
    const group = groups.get(key) ?? { tenantId: e.tenantId, resourceType: e.resourceType, versions: new Map() };
    group.versions.set(e.resourceId, e.versionId);
    groups.set(key, group);
  }
  const out: NewDelivery[] = [];
  for (const { tenantId, resourceType, versions } of groups.values()) {
    for (const { subscription, criteria } of live.get(tenantId)!.values()) {
      if (criteria.resourceType !== resourceType || !isLive(subscription, now)) continue;
      const ids = [...versions.keys()];
      const params = new URLSearchParams(criteria.queryString);
      params.append('_id', ids.join(','));
      let matches;
      try {
        matches = await findMatchingResources(q, tenantId, resourceType, params.toString(), ids.length);
      } catch (err) {
        // Criteria that stopped parsing (definitions changed) match nothing; a database error still fails the batch.
        if (err instanceof HubError) continue;
        throw err;
      }
      for (const resource of matches) {
        const versionId = versions.get(resource.id!) ?? null;
        if (versionId !== null && String(versionId) !== resource.meta?.versionId) continue;
        out.push({ tenantId, subscriptionId: subscription.id!, channel: subscription.channel.type, resourceType, resourceId: resource.id!, versionId });
      }
    }
  }
  return out;
}

/**
 * The outbox consumer of R4 Subscriptions: activates requested Subscriptions
 * and queues a delivery for each (active Subscription, matching create or
 * update) of the same tenant, in the transaction that advances its cursor.
 */
export function createSubscriptionConsumer(options: { baseUrl: string; onQueued?: () => void }): OutboxConsumer {
  return {
    name: SUBSCRIPTION_CONSUMER,
    eventTypes: ['fhir.create', 'fhir.update'],
    batchSize: 200,
    async handle(events, tx) {
      const tenants = [...new Set(events.map((e) => e.tenantId))];
      const rows = await selectLiveSubscriptions(tx, tenants);
      const current = new Map(rows.map((r) => [`${r.tenantId}/${r.subscription.id}`, r]));
      for (const e of events) {
        if (e.resourceType !== 'Subscription' || !e.resourceId) continue;
        const row = current.get(`${e.tenantId}/${e.resourceId}`);
        // Only the newest version is acted on; an older event's Subscription has moved on.
        if (!row || row.subscription.status !== 'requested' || row.subscription.meta?.versionId !== String(e.versionId)) continue;
        try {
          row.subscription = await activateSubscription(tx as Tx, row.subscription, e.tenantId, options.baseUrl);
        } catch (err) {
          // A Subscription the store refuses to rewrite must not block every later event: it stays requested.
          if (!(err instanceof HubError)) throw err;
        }
      }
      const deliveries = await queueMatches(tx, events, indexLive([...current.values()]));
      await insertDeliveries(tx, deliveries);
      if (deliveries.length > 0) options.onQueued?.();
    },
  };
}
