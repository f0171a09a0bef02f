import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook } from '../access/index.js';
import { decidePair } from './decision.service.js';
import { getPairDetail, listOpenPairs, type QueueQuery } from './review.service.js';

export interface ReviewRoutesOptions {
  deps: AppDeps;
}

/** The data stewards' review queue, mounted at /api/identity (JSON). */
export const identityReviewRoutes: FastifyPluginAsync<ReviewRoutesOptions> = async (app, { deps }) => {
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  app.get<{ Querystring: QueueQuery }>(
    '/pairs',
    {
      schema: {
        tags: ['identity'],
        summary: 'Open review pairs, highest score first (sort=newest for newest first), paged with limit (1–100) and offset',
        querystring: {
          type: 'object',
          properties: { limit: { type: 'string' }, offset: { type: 'string' }, sort: { type: 'string', enum: ['score', 'newest'] } },
        },
      } as FastifySchema,
    },
    async (request) => listOpenPairs(deps.db, request.ctx, request.query ?? {}),
  );

  app.get<{ Params: { id: string } }>(
    '/pairs/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'One pair side by side: both records, fields that agree / differ with their weights, decisions so far',
        params: { type: 'object', properties: { id: { type: 'string' } } },
      } as FastifySchema,
    },
    async (request) => getPairDetail(deps.db, request.ctx, request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/pairs/:id/decision',
    {
      schema: {
        tags: ['identity'],
        summary: 'Decide a pair: link, keep-apart, merge (survivor a|b), unmerge, relink; recorded as an AuditEvent',
        params: { type: 'object', properties: { id: { type: 'string' } } },
        body: {
          type: 'object',
          properties: {
            decision: { type: 'string', enum: ['link', 'keep-apart', 'merge', 'unmerge', 'relink'] },
            reason: { description: 'Why (at most 2000 characters)' },
            survivor: { type: 'string', enum: ['a', 'b'] },
          },
        },
      } as FastifySchema,
    },
    async (request) => decidePair(deps.db, request.ctx, request.params.id, request.body),
  );
};
