import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { HubError } from '../../platform/errors/index.js';
import { createAuthenticateHook } from '../access/index.js';
import { SharingErrors } from './errors.js';
import { readRegionalRecord } from './regional-record.service.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TENANT = /^[A-Za-z0-9\-._]{1,64}$/;
/** Purposes of use a caller may state for a regional read (v3-ActReason). */
const PURPOSES = ['TREAT', 'ETREAT', 'CAREMGT', 'HPAYMT', 'HOPERAT', 'PUBHLTH', 'HRESCH'];

/** Mounted at /api/sharing. */
export const sharingRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/patients/:id/record', {
    schema: {
      tags: ['sharing'],
      summary: "A patient's regional record: own records plus what other institutions may share",
      description: '`:id` is a Patient id of the caller\'s institution, or of `?institution=<id>` (e.g. under break-the-glass). `?purpose=` a v3-ActReason code (default the token\'s, else TREAT).',
    },
  }, async (request) => {
    const { id } = request.params;
    const query = request.query ?? {};
    if (!ID.test(id)) throw new HubError(SharingErrors.INVALID_PARAMETER, 'Patient id must be 1–64 letters, digits, "-" or "."', { expression: ['id'] });
    const institution = query.institution ?? request.ctx.tenantId;
    if (typeof institution !== 'string' || !TENANT.test(institution)) throw new HubError(SharingErrors.INVALID_PARAMETER, 'institution must be one institution id', { expression: ['institution'] });
    let ctx = request.ctx;
    if (query.purpose !== undefined) {
      if (typeof query.purpose !== 'string' || !PURPOSES.includes(query.purpose)) {
        throw new HubError(SharingErrors.INVALID_PARAMETER, `purpose must be one of ${PURPOSES.join(', ')}`, { expression: ['purpose'] });
      }
      ctx = { ...ctx, purposeOfUse: query.purpose };
    }
    return readRegionalRecord(deps.db, ctx, { tenantId: institution, id }, { consentDefault: deps.config.consentDefault });
  });
};
