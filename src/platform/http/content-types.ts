import type { FastifyInstance } from 'fastify';
import { HubError } from '../errors/hub-error.js';
import { HttpErrors } from '../errors/http-errors.js';

/**
 * JSON bodies: application/fhir+json, application/json and JSON Patch.
 * Form bodies (application/x-www-form-urlencoded) for `_search` and the token endpoint.
 * Any other content type is refused by Fastify with 415.
 */
export function installContentTypes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const parseJson = (_req: unknown, body: string, done: (err: Error | null, value?: unknown) => void) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(new HubError(HttpErrors.MALFORMED_JSON, `Request body is not valid JSON: ${(err as Error).message}`));
    }
  };
  app.addContentTypeParser(
    ['application/json', 'application/fhir+json', 'application/json-patch+json', 'application/scim+json'],
    { parseAs: 'string' },
    parseJson,
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      const existing = form[key];
      if (existing === undefined) form[key] = value;
      else form[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    done(null, form);
  });
}
