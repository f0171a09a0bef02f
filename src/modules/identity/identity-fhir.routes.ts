import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { createAuthenticateHook } from '../access/index.js';
import { createIdentityConsumer } from './identity.consumer.js';
import { matchPatients } from './match-operation.service.js';
import { crossReference, type PixQuery } from './pix.service.js';

export interface IdentityRoutesOptions {
  deps: AppDeps;
}

/**
 * The index's FHIR operations, mounted at /fhir next to fhir-store (their static segments win over its
 * `/:type/:id`), and the outbox consumer that keeps the index up to date.
 */
export const identityFhirRoutes: FastifyPluginAsync<IdentityRoutesOptions> = async (app, { deps }) => {
  if (deps.config.identityOnlineMatch) {
    deps.events.register(
      createIdentityConsumer({
        baseUrl: deps.config.baseUrl,
        onSkipped: (event, err) => app.log.warn({ seq: event.seq, tenantId: event.tenantId, patientId: event.resourceId, code: err.code }, `identity index skipped a Patient: ${err.message}`),
      }),
    );
  }
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  app.post(
    '/Patient/$match',
    {
      schema: {
        tags: ['identity'],
        summary: 'Patient/$match across the region (FHIR R4): Parameters with resource, onlyCertainMatches, count',
        description: 'Returns a searchset Bundle with search.score and the match-grade extension. Own-institution Patients in full; other institutions only as a regional id.',
      } as FastifySchema,
    },
    async (request, reply) => {
      const bundle = await matchPatients(deps.db, request.ctx, request.body);
      // The answer discloses who is in the index: audited like a search, naming the Patients returned.
      const resources = (bundle.entry ?? []).flatMap((e) => (e.resource?.id ? [{ type: e.resource.resourceType, id: e.resource.id }] : []));
      await deps.audit.record(request.ctx, { interaction: 'operation', query: 'Patient/$match', resources });
      return reply.type(FHIR_JSON).send(bundle);
    },
  );

  app.get<{ Querystring: PixQuery }>(
    '/Patient/$ihe-pix',
    {
      schema: {
        tags: ['identity'],
        summary: 'IHE PIXm cross-reference: sourceIdentifier=system|value[&targetSystem=…] → Parameters of targetIdentifier / targetId',
      } as FastifySchema,
    },
    async (request, reply) => {
      const answer = await crossReference(deps.db, request.ctx, request.query ?? {});
      // targetId references are absolute (…/fhir/Patient/<id>), to the caller's own Patients.
      const resources = (answer.parameter ?? []).flatMap((p) => {
        const m = /([A-Za-z]+)\/([^/]+)$/.exec(p.valueReference?.reference ?? '');
        return m ? [{ type: m[1]!, id: m[2]! }] : [];
      });
      const url = request.url;
      await deps.audit.record(request.ctx, {
        interaction: 'operation', query: url.slice(url.indexOf('?') + 1), resources, patientId: resources.length === 1 ? resources[0]!.id : null,
      });
      return reply.type(FHIR_JSON).send(answer);
    },
  );
};
