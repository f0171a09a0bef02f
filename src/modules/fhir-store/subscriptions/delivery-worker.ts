import type { Subscription } from '@medplum/fhirtypes';
import type { Db } from '../../../platform/storage/index.js';
import { updateInTx } from '../write.service.js';
import { parseChannelHeader } from './subscription-check.js';
import {
  claimDueDeliveries,
  dropDeliveries,
  dropPendingOfSubscription,
  dropStaleWebsocketDeliveries,
  markDelivered,
  postponeDeliveries,
  recordFailedAttempt,
  selectNotifiedResource,
  selectSubscription,
  type Delivery,
} from './subscription.repo.js';
import type { WebsocketChannel } from './websocket-channel.js';

export interface DeliveryWorkerOptions {
  baseUrl: string;
  /** Failed attempts after which the Subscription turns to status error. */
  maxAttempts: number;
  /** First retry delay; doubles per failed attempt, at most `maxRetryMs`. */
  retryMs: number;
  maxRetryMs?: number;
  /** Per-request timeout of a rest-hook (default 10 s). */
  timeoutMs?: number;
  /** Idle poll interval (default 1 s); after a poke it looks every 50 ms for a second, so a notification goes out well within one. */
  pollMs?: number;
  websockets?: WebsocketChannel;
  logger?: { warn(obj: object, msg: string): void };
}

type Outcome = { ok: true } | { ok: false; error: string; drop?: boolean };

const LEASE_MS = 60_000;
const WEBSOCKET_MAX_AGE_MS = 60_000;

/**
 * Sends queued notifications: rest-hooks over HTTP with the Subscription's
 * headers, websocket pings to the sockets bound here. Failures are retried
 * with exponential back-off; after `maxAttempts` the Subscription turns to
 * `error` with the last error (https://hl7.org/fhir/R4/subscription.html#errors).
 * All state lives in subscription_deliveries, so a restart loses nothing.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<number> = Promise.resolve(0);
  private eagerUntil = 0;
  private lastStaleSweep = 0;

  constructor(
    private readonly db: Db,
    private readonly options: DeliveryWorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current.catch(() => 0);
  }

  /** New deliveries were queued (their transaction may still be committing): look again shortly. */
  poke(): void {
    // The consumer pokes before its transaction commits, so keep looking briefly instead of once.
    this.eagerUntil = Date.now() + 1000;
    if (this.running) this.schedule(50);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce()
        .catch((err: unknown) => {
          this.options.logger?.warn({ err }, 'subscription delivery pass failed');
          return 0;
        })
        .then((n) => this.schedule(n > 0 ? 0 : Date.now() < this.eagerUntil ? 50 : (this.options.pollMs ?? 1000)));
    }, delayMs);
    this.timer.unref?.();
  }

  /** One pass: sends what is due now (optionally one tenant's only). Resolves the number of deliveries handled. */
  runOnce(filter: { tenantId?: string } = {}): Promise<number> {
    const next = this.current.catch(() => 0).then(() => this.pass(filter));
    this.current = next;
    return next;
  }

  private async pass(filter: { tenantId?: string }): Promise<number> {
    if (Date.now() - this.lastStaleSweep > 10_000) {
      this.lastStaleSweep = Date.now();
      await dropStaleWebsocketDeliveries(this.db, WEBSOCKET_MAX_AGE_MS);
    }
    const due = await claimDueDeliveries(this.db, {
      limit: 50, leaseMs: LEASE_MS, boundKeys: this.options.websockets?.boundKeys() ?? [], tenantId: filter.tenantId,
    });
    const bySubscription = new Map<string, Delivery[]>();
    for (const d of due) {
      const key = `${d.tenantId}/${d.subscriptionId}`;
      bySubscription.set(key, [...(bySubscription.get(key) ?? []), d]);
    }
    // Subscriptions are served in parallel; one Subscription's notifications go out in order.
    await Promise.all([...bySubscription.values()].map((list) => this.deliverInOrder(list)));
    return due.length;
  }

  private async deliverInOrder(list: Delivery[]): Promise<void> {
    const first = list[0];
    const subscription = await selectSubscription(this.db, first.tenantId, first.subscriptionId);
    if (!subscription || subscription.status !== 'active') {
      await dropDeliveries(this.db, list.map((d) => d.id), `Subscription is ${subscription?.status ?? 'deleted'}`);
      return;
    }
    for (let i = 0; i < list.length; i += 1) {
      const d = list[i];
      const outcome = await this.deliver(subscription, d);
      if (outcome.ok) {
        await markDelivered(this.db, d.id);
        continue;
      }
      if (outcome.drop) {
        await dropDeliveries(this.db, [d.id], outcome.error);
        continue;
      }
      const retryAt = await this.recordFailure(subscription, d, outcome.error);
      if (retryAt) await postponeDeliveries(this.db, list.slice(i + 1).map((x) => x.id), retryAt);
      return;
    }
  }

  private async deliver(subscription: Subscription, d: Delivery): Promise<Outcome> {
    if (d.channel === 'websocket') {
      const sent = this.options.websockets?.ping(d.tenantId, d.subscriptionId) ?? 0;
      return sent > 0 ? { ok: true } : { ok: false, error: 'no websocket bound', drop: true };
    }
    return this.postRestHook(subscription, d);
  }

  /**
   * R4 rest-hook (https://hl7.org/fhir/R4/subscription.html#2.46.7.1): without
   * a payload, an empty POST to the endpoint; with one, the resource is sent
   * as an update (PUT) to `[endpoint]/[type]/[id]`. Channel headers are sent
   * as given (e.g. the subscriber's own Authorization).
   */
  private async postRestHook(subscription: Subscription, d: Delivery): Promise<Outcome> {
    const channel = subscription.channel;
    const headers: Record<string, string> = {};
    try {
      for (const h of channel.header ?? []) {
        const [name, value] = parseChannelHeader(h);
        headers[name] = value;
      }
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (!channel.endpoint) return { ok: false, error: 'The rest-hook has no endpoint' };
    let url = channel.endpoint!;
    let init: RequestInit = { method: 'POST', headers };
    if (channel.payload) {
      const resource = await selectNotifiedResource(this.db, d);
      if (!resource) return { ok: false, error: `${d.resourceType}/${d.resourceId} no longer exists`, drop: true };
      url = `${url.replace(/\/+$/, '')}/${d.resourceType}/${d.resourceId}`;
      headers['Content-Type'] = 'application/fhir+json; charset=utf-8';
      init = { method: 'PUT', headers, body: JSON.stringify(resource) };
    }
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000), redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `${init.method} ${url} answered HTTP ${res.status}` };
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return { ok: false, error: `${init.method} ${url} failed: ${err instanceof Error ? err.message : String(err)}${cause}` };
    }
  }

  /** Counts a failed attempt; returns when to retry, or null once the Subscription was put in error. */
  private async recordFailure(subscription: Subscription, d: Delivery, error: string): Promise<Date | null> {
    const attempts = d.attempts + 1;
    if (attempts < this.options.maxAttempts) {
      const delay = Math.min(this.options.maxRetryMs ?? 3_600_000, this.options.retryMs * 2 ** (attempts - 1));
      const retryAt = new Date(Date.now() + delay);
      await recordFailedAttempt(this.db, d.id, error, retryAt);
      return retryAt;
    }
    const message = `Delivery failed ${attempts} times; last error: ${error}`;
    await this.db.transaction(async (tx) => {
      await recordFailedAttempt(tx, d.id, error, null);
      await dropPendingOfSubscription(tx, d.tenantId, d.subscriptionId, 'Subscription is error');
      const current = await selectSubscription(tx, d.tenantId, d.subscriptionId);
      if (current?.status !== 'active') return;
      const { meta: _meta, ...body } = current;
      const ctx = { tenantId: d.tenantId, actor: { kind: 'system' as const, id: 'xietong-subscriptions' }, scopes: [], requestId: 'subscriptions', baseUrl: this.options.baseUrl };
      await updateInTx(tx, ctx, 'Subscription', subscription.id!, { ...body, status: 'error', error: message });
    });
    this.options.logger?.warn({ subscription: `${d.tenantId}/${d.subscriptionId}`, error }, 'Subscription put in error after repeated delivery failures');
    return null;
  }
}
