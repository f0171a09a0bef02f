import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook } from '../access/index.js';
import { listAgreements, putAgreement } from './agreement.service.js';
import { DECLINE_REASONS } from './decline-reasons.js';
import { getReferralMeasures } from './measures.service.js';
import { recommendReceivers } from './recommend.service.js';
import { assertMayRead } from './referral-access.js';
import { transitionReferral } from './referral-transition.service.js';
import { checkDuplicateReferral, createReferral, getReferral, listReferrals, type ReferralSettings } from './referral.service.js';
import * as S from './referral.schemas.js';
import { listReferralAlerts, sweepReferralSlas } from './sla-sweeper.service.js';

export interface ReferralRoutesOptions {
  deps: AppDeps;
  /** The time the services see; the simulation (bench/referral-simulation.ts) runs a simulated month with it. Default: the real clock. */
  clock?: () => Date;
}

/** The settings the services need, from config. */
export function referralSettings(deps: AppDeps): ReferralSettings {
  return { sla: deps.config.referralSla, expiryDays: deps.config.referralExpiryDays };
}

/**
 * Two-way referral JSON API, mounted at /api/referrals. The SLA sweeper runs
 * on a timer only once the server listens (`serve`); tests call
 * sweepReferralSlas with an explicit time instead.
 */
export const referralRoutes: FastifyPluginAsync<ReferralRoutesOptions> = async (app, { deps, clock = () => new Date() }) => {
  const settings = referralSettings(deps);
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onListen', async () => {
    if (deps.config.referralSweepSeconds === 0 || timer) return;
    timer = setInterval(() => {
      sweepReferralSlas(deps.db, settings, deps.config.baseUrl).catch((err: unknown) => app.log.error({ err }, 'referral SLA sweep failed'));
    }, deps.config.referralSweepSeconds * 1000);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });

  app.post('/', { schema: S.createSchema }, async (request, reply) => {
    const result = await createReferral(deps.db, request.ctx, settings, request.body, clock());
    reply.status(201).header('Location', `${deps.config.baseUrl}/api/referrals/${result.referral.id}`);
    return result;
  });
  app.get('/', { schema: S.listSchema }, async (request) => listReferrals(deps.db, request.ctx, (request.query ?? {}) as Record<string, unknown>, clock()));
  app.post('/$check-duplicate', { schema: S.duplicateSchema }, async (request) => checkDuplicateReferral(deps.db, request.ctx, request.body));
  app.post('/$recommend', { schema: S.recommendSchema }, async (request) => recommendReceivers(deps.db, request.ctx, request.body, clock()));
  app.get('/measures', { schema: S.measuresSchema }, async (request) => getReferralMeasures(deps.db, request.ctx, (request.query ?? {}) as Record<string, unknown>, clock()));
  app.get('/alerts', { schema: S.alertsSchema }, async (request) => {
    assertMayRead(request.ctx);
    return { items: await listReferralAlerts(deps.db, request.ctx.tenantId) };
  });
  app.get('/agreements', { schema: S.agreementsSchema }, async (request) => listAgreements(deps.db, request.ctx));
  app.put('/agreements', { schema: S.agreementsSchema }, async (request) => putAgreement(deps.db, request.ctx, request.body));
  app.get('/decline-reasons', { schema: S.declineReasonsSchema }, async () =>
    ({ items: Object.entries(DECLINE_REASONS).map(([code, r]) => ({ code, system: r.system, zh: r.zh, en: r.en })) }));
  app.get<{ Params: { id: string } }>('/:id', { schema: S.getSchema }, async (request) => getReferral(deps.db, request.ctx, request.params.id, clock()));
  app.post<{ Params: { id: string } }>('/:id/transitions', { schema: S.transitionSchema }, async (request) =>
    transitionReferral(deps.db, request.ctx, settings, request.params.id, request.body, clock()));
};
