import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HubError } from '../errors/hub-error.js';
import { HttpErrors } from '../errors/http-errors.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Maps Fastify's own error codes (not message text) to our catalog. */
function fromFastifyError(err: FastifyError): HubError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError(HttpErrors.UNSUPPORTED_MEDIA_TYPE, 'Unsupported Content-Type: send application/fhir+json or application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HubError(HttpErrors.BODY_TOO_LARGE, 'Request body exceeds the configured limit');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HubError(HttpErrors.MALFORMED_JSON, 'Request body is not valid JSON');
    default:
      break;
  }
  if (err instanceof SyntaxError) return new HubError(HttpErrors.MALFORMED_JSON, `Request body is not valid JSON: ${err.message}`);
  if (err.validation) return new HubError(HttpErrors.BAD_REQUEST, err.message);
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new HubError({ code: 'HTTP_CLIENT_ERROR', status: err.statusCode, issue: 'invalid' }, err.message);
  }
  return undefined;
}

/** Sends an OperationOutcome for a HubError. */
export function sendHubError(reply: FastifyReply, err: HubError): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return reply.status(err.status).type(FHIR_JSON).send(err.toOutcome());
}

/** Installs the single error handler and the OperationOutcome 404 for unknown routes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const hubError = error instanceof HubError ? error : fromFastifyError(error);
    if (hubError) {
      if (hubError.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendHubError(reply, hubError);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendHubError(reply, new HubError(HttpErrors.INTERNAL, `Internal server error (request ${request.id})`));
  });
  app.setNotFoundHandler((request, reply) =>
    sendHubError(reply, new HubError(HttpErrors.ROUTE_NOT_FOUND, `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
