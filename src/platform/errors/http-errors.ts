import { defineErrors } from './hub-error.js';

/** Errors raised by the HTTP plumbing itself (parsing, routing, limits). */
export const HttpErrors = defineErrors('HTTP', {
  MALFORMED_JSON: { status: 400, issue: 'structure' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, issue: 'not-supported' },
  BODY_TOO_LARGE: { status: 413, issue: 'too-long' },
  ROUTE_NOT_FOUND: { status: 404, issue: 'not-found' },
  METHOD_NOT_ALLOWED: { status: 405, issue: 'not-supported' },
  BAD_REQUEST: { status: 400, issue: 'invalid' },
  INTERNAL: { status: 500, issue: 'exception' },
  UNAVAILABLE: { status: 503, issue: 'transient' },
});
