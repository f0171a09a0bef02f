import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { HubError } from '../../platform/errors/index.js';
import { searchAccessLog } from './access-log.service.js';
import { listAlerts, resolveAlert } from './anomaly.service.js';
import { AuditErrors } from './errors.js';
import { verifyAuditLog } from './verify.service.js';

/** Roles that read the audit trail (issue 4: an auditor reads the audit log but no clinical data). */
const AUDIT_READERS = ['privacy-officer', 'auditor', 'regional-admin'];
const ALERT_HANDLERS = ['privacy-officer'];

/**
 * Role check for the audit API. Written here rather than taken from access
 * (which has the same check) because access records its events through audit
 * and audit must not import it back.
 */
function requireRoles(roles: readonly string[]) {
  return async (request: FastifyRequest) => {
    const held = request.ctx.actor.kind === 'user' ? (request.ctx.actor.roles ?? []) : [];
    if (!held.some((role) => roles.includes(role))) throw new HubError(AuditErrors.ROLE_FORBIDDEN, `This needs one of the roles: ${roles.join(', ')}`);
  };
}

function readQuery(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new HubError(AuditErrors.INVALID_PARAMETER, `query parameter ${key} is repeated`, { expression: [key] });
    out[key] = typeof value === 'string' ? value : undefined;
  }
  return out;
}

/** The privacy officer's and auditor's API: audit search, alerts, verify. Registered inside auditPlugin (authenticated). */
export const privacyRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/events', { preHandler: requireRoles(AUDIT_READERS), schema: { tags: ['audit'], summary: 'Audit search by patient (tenant/id), user, institution and time' } }, async (request) => {
    const q = readQuery(request);
    return { entries: await searchAccessLog(deps.db, q) };
  });

  app.post('/verify', { preHandler: requireRoles(AUDIT_READERS), schema: { tags: ['audit'], summary: 'Recompute the whole log and check every signed head' } }, async () => {
    const report = await verifyAuditLog(deps.db);
    return report;
  });

  app.get('/alerts', { preHandler: requireRoles(AUDIT_READERS), schema: { tags: ['audit'], summary: 'Access-anomaly alerts (open by default)' } }, async (request) => {
    const q = readQuery(request);
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new HubError(AuditErrors.INVALID_PARAMETER, 'limit must be a positive integer', { expression: ['limit'] });
    return { alerts: await listAlerts(deps.db, { status: q.status, agentId: q.user, limit }) };
  });

  app.post<{ Params: { id: string } }>('/alerts/:id/resolve', { preHandler: requireRoles(ALERT_HANDLERS), schema: { tags: ['audit'], summary: 'Dismiss or confirm an alert' } }, async (request) => {
    if (!/^\d{1,15}$/.test(request.params.id)) throw new HubError(AuditErrors.INVALID_PARAMETER, 'alert id must be a number', { expression: ['id'] });
    return deps.db.transaction((tx) => resolveAlert(tx, request.ctx, Number(request.params.id), request.body));
  });
};
