import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook } from '../access/index.js';
import { getRegionOverview, parseActivityDays } from './region-overview.service.js';

export interface AnalyticsRoutesOptions {
  deps: AppDeps;
}

/** Regional analytics, mounted at /api. Every route needs a token. */
export const analyticsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (app, { deps }) => {
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  app.get(
    '/region/overview',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Region overview: institutions with record counts, totals, daily changes (aggregate counts only)',
        description: 'Query `days` (integer 1 to 366, default 14) sets the window of the daily activity series.',
      } as FastifySchema,
    },
    async (request) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const days = parseActivityDays(query.days);
      return getRegionOverview(deps.db, request.ctx, { days });
    },
  );
};
