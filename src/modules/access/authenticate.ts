import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';
import { TokenService } from './token.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on every protected route. */
    ctx: RequestContext;
  }
  interface FastifyContextConfig {
    /** Routes marked public skip authentication (metadata, discovery). */
    public?: boolean;
  }
}

/**
 * The hook every protected route scope installs: a valid bearer token issued
 * by this hub, or 401 with an OperationOutcome and a WWW-Authenticate header
 * (RFC 6750 §3).
 */
export function createAuthenticateHook(tokens: TokenService, baseUrl: string): onRequestHookHandler {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply) {
    if (request.routeOptions.config?.public) return;
    const header = request.headers.authorization;
    if (!header) {
      throw new HubError(AccessErrors.TOKEN_MISSING, 'Authentication required: send Authorization: Bearer <access token>', {
        headers: { 'WWW-Authenticate': 'Bearer realm="xietong"' },
      });
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new HubError(AccessErrors.TOKEN_INVALID, 'Authorization header must be "Bearer <access token>"', {
        headers: { 'WWW-Authenticate': 'Bearer realm="xietong", error="invalid_request"' },
      });
    }
    let claims;
    try {
      claims = await tokens.verify(match[1]);
      request.ctx = TokenService.toContext(claims, String(request.id), baseUrl);
    } catch (err) {
      if (err instanceof HubError) {
        throw new HubError({ code: err.code, status: err.status, issue: err.issueType }, err.message, {
          headers: { 'WWW-Authenticate': 'Bearer realm="xietong", error="invalid_token"' },
        });
      }
      throw err;
    }
    if (request.ctx.patient) assertPatientFhirRequest(request.method, request.url, request.ctx.patient.id);
  };
}

/**
 * A patient's token carries `patient/*.rs`, which the FHIR layer's scope
 * check alone would read as "any resource of the institution". Until the FHIR
 * layer narrows searches to the patient's compartment, such a token reaches
 * only its own Patient and `Patient/{id}/$everything` (the compartment) on
 * /fhir: fail closed. The patient-facing APIs outside /fhir are unaffected.
 */
export function assertPatientFhirRequest(method: string, url: string, patientId: string): void {
  const path = url.split('?')[0];
  if (path !== '/fhir' && !path.startsWith('/fhir/')) return;
  const own = `/fhir/Patient/${patientId}`;
  const allowed = method === 'GET' && [own, `${own}/$everything`, `${own}/%24everything`].includes(path);
  if (!allowed) {
    throw new HubError(
      AccessErrors.INSUFFICIENT_SCOPE,
      `A patient's token reads only their own record: GET ${own} and ${own}/$everything`,
    );
  }
}
