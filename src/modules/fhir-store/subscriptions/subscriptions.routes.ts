import type { Subscription } from '@medplum/fhirtypes';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../deps.js';
import { HubError } from '../../../platform/errors/index.js';
import { AccessErrors, assertPermission, TokenService } from '../../access/index.js';
import { sendWriteResult } from '../fhir-reply.js';
import { assertValidResource } from '../validation.js';
import { createResource, updateResource } from '../write.service.js';
import { DeliveryWorker } from './delivery-worker.js';
import { checkSubscription } from './subscription-check.js';
import { createSubscriptionConsumer } from './subscription-consumer.js';
import { WebsocketChannel } from './websocket-channel.js';

export interface SubscriptionRuntime {
  worker: DeliveryWorker;
  websockets: WebsocketChannel;
}

const runtimes = new WeakMap<AppDeps, SubscriptionRuntime>();

/** The delivery worker and websocket channel of an app (tests drive the worker with `runOnce`). */
export function getSubscriptionRuntime(deps: AppDeps): SubscriptionRuntime | undefined {
  return runtimes.get(deps);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * R4 Subscriptions, mounted inside the FHIR API: Subscription writes are
 * checked before the store keeps them, an outbox consumer queues
 * notifications, a worker delivers them, and `/fhir/ws` is the websocket channel.
 */
export const subscriptionsPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { db, config } = deps;
  const websockets = new WebsocketChannel(db, `${app.prefix}/ws`, async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new HubError(AccessErrors.TOKEN_MISSING, 'Bearer token required');
    const ctx = TokenService.toContext(await deps.tokens.verify(token), 'websocket', config.baseUrl);
    assertPermission(ctx.scopes, 'Subscription', 'r');
    return ctx;
  });
  const worker = new DeliveryWorker(db, {
    baseUrl: config.baseUrl,
    maxAttempts: config.subscriptionMaxAttempts,
    retryMs: config.subscriptionRetryMs,
    websockets,
    logger: app.log,
  });
  runtimes.set(deps, { worker, websockets });
  deps.events.register(createSubscriptionConsumer({ baseUrl: config.baseUrl, onQueued: () => worker.poke() }));

  app.addHook('onReady', async () => {
    websockets.attach(app.server);
    if (config.subscriptionWorker) worker.start();
  });
  app.addHook('onClose', async () => {
    await worker.stop();
    websockets.close();
  });

  // Checked here so a client learns at once that a Subscription cannot work (400/422), before the generic create.
  app.post('/Subscription', async (request, reply) => {
    assertPermission(request.ctx.scopes, 'Subscription', 'c');
    assertValidResource(request.body, 'Subscription');
    checkSubscription(request.body as Subscription);
    const result = await createResource(db, request.ctx, request.body, 'Subscription', { ifNoneExist: header(request, 'if-none-exist') });
    return sendWriteResult(request, reply, result, config.baseUrl);
  });

  app.put<{ Params: { id: string } }>('/Subscription/:id', async (request, reply) => {
    assertPermission(request.ctx.scopes, 'Subscription', 'u');
    assertValidResource(request.body, 'Subscription');
    checkSubscription(request.body as Subscription);
    const result = await updateResource(db, request.ctx, 'Subscription', request.params.id, request.body, { ifMatch: header(request, 'if-match') });
    return sendWriteResult(request, reply, result, config.baseUrl);
  });
};
