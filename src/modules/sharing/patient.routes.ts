import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook, findLinkedPatientRecords } from '../access/index.js';
import { listAccessesToPatient } from '../audit/index.js';
import { grantConsent, listInstitutions, listMyConsents, resolvePatientCaller, withdrawConsent } from './patient-consent.service.js';

export interface PatientRoutesOptions {
  deps: AppDeps;
}

function patientParam(request: FastifyRequest): unknown {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return query.patient;
}

/**
 * The patient-facing API, mounted at /api/patient: my consents (view, grant,
 * withdraw) and who accessed my record. A patient sign-in acts for its own
 * record; a system token of the institution holding the record names it with
 * `?patient=<id>` (see resolvePatientCaller).
 */
export const patientRoutes: FastifyPluginAsync<PatientRoutesOptions> = async (app, { deps }) => {
  const { db } = deps;
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  app.get('/consents', { schema: { tags: ['patient'], summary: "The patient's privacy consents across the region" } }, async (request) => {
    const me = await resolvePatientCaller(db, request.ctx, patientParam(request));
    return { patient: me, consents: await listMyConsents(db, me) };
  });

  app.post('/consents', {
    schema: {
      tags: ['patient'],
      summary: 'Grant sharing with institutions',
      description: 'JSON {organizations: [institution id], purposes?: [TREAT|…], classes?: [resource type], sensitiveCategories?: [mental-health|hiv-sti|reproductive-health|substance-use|genetics], period?: {start, end}}',
    },
  }, async (request, reply) => {
    const me = await resolvePatientCaller(db, request.ctx, patientParam(request));
    return reply.status(201).send(await grantConsent(db, request.ctx, me, request.body));
  });

  app.post<{ Params: { id: string } }>('/consents/:id/withdraw', { schema: { tags: ['patient'], summary: 'Withdraw a consent (all its copies); effective on the next request' } }, async (request) => {
    const me = await resolvePatientCaller(db, request.ctx, patientParam(request));
    return withdrawConsent(db, request.ctx, me, request.params.id);
  });

  app.get('/institutions', { schema: { tags: ['patient'], summary: 'Institutions of the region a patient can share with' } }, async () => ({
    institutions: await listInstitutions(db),
  }));

  app.get('/access-log', { schema: { tags: ['patient'], summary: 'Who accessed my record: every audited access to any of my records in the region' } }, async (request) => {
    const me = await resolvePatientCaller(db, request.ctx, patientParam(request));
    const records = await findLinkedPatientRecords(db, me);
    return { patient: me, records, entries: await listAccessesToPatient(db, records) };
  });
};
