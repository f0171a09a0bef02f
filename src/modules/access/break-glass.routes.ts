import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook } from './authenticate.js';
import { declareBreakGlass, listBreakGlassGrants, listPrivacyNotifications, readBreakGlassGrant, reviewBreakGlass } from './break-glass.service.js';
import { requireRole } from './role-guard.js';

export interface BreakGlassRoutesOptions {
  deps: AppDeps;
}

/**
 * Break-the-glass, mounted at /api/access: declare (clinicians and nurses),
 * the privacy officer's review queue, and notifications for privacy officers
 * and institution administrators.
 */
export const breakGlassRoutes: FastifyPluginAsync<BreakGlassRoutesOptions> = async (app, { deps }) => {
  const { db, config } = deps;
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, config.baseUrl));

  app.post('/break-glass', {
    schema: {
      tags: ['access'],
      summary: 'Break the glass: emergency access to a patient across the region',
      description: 'JSON {patient: {tenantId, id}, reason: {code: life-threatening-emergency|patient-unable-to-consent|urgent-continuity-of-care|public-health-emergency, text}}',
    },
  }, async (request, reply) => reply.status(201).send(await declareBreakGlass(db, request.ctx, request.body, { minutes: config.breakGlassMinutes })));

  app.get('/break-glass', { preHandler: requireRole('privacy-officer', 'auditor'), schema: { tags: ['access'], summary: 'Break-the-glass grants for review (?status=pending)' } }, async (request) => {
    const query = (request.query ?? {}) as Record<string, string | undefined>;
    return { grants: await listBreakGlassGrants(db, { status: query.status }) };
  });

  app.get<{ Params: { id: string } }>('/break-glass/:id', { preHandler: requireRole('privacy-officer', 'auditor') }, async (request) => readBreakGlassGrant(db, request.params.id));

  app.post<{ Params: { id: string } }>('/break-glass/:id/review', { preHandler: requireRole('privacy-officer'), schema: { tags: ['access'], summary: 'Review a grant: {decision: justified|unjustified, note?}' } }, async (request) =>
    reviewBreakGlass(db, request.ctx, request.params.id, request.body),
  );

  app.get('/notifications', { preHandler: requireRole('privacy-officer', 'institution-admin') }, async (request) => {
    const roles = request.ctx.actor.roles ?? [];
    const role = roles.includes('privacy-officer') ? 'privacy-officer' : 'institution-admin';
    return { notifications: await listPrivacyNotifications(db, request.ctx, role) };
  });
};
